"""FLAC, Ogg Vorbis, Ogg Opus: the AIGC record as the Vorbis comment `AIGC=<JSON>` (TC260 audio guide).

mutagen rewrites only the comment block (FLAC metadata block / Ogg comment header pages); audio
frames, FLAC pictures and every other comment are kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import ClassVar

from mutagen.flac import FLAC
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.id3 import AIGC, PARSE_ERRORS, looks_like_record
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord


def _is_record_comment(key: str, value: str) -> bool:
    return key.upper() == AIGC or looks_like_record(value)


def vorbis_records(comments: list[tuple[str, str]]) -> list[FoundRecord]:
    found = []
    for key, value in comments:
        if key.upper() == AIGC:
            # Vorbis comment names are case-insensitive (Vorbis I spec §5.2.2), so `aigc=` is the
            # same field: standard, but reported because the guide spells it AIGC.
            note = "" if key == AIGC else f"comment name {key!r}; the guide writes 'AIGC'"
            found.append(FoundRecord(f"Vorbis comment {key}", value, True, note))
        elif looks_like_record(value):
            found.append(
                FoundRecord(
                    f"Vorbis comment {key}",
                    value,
                    False,
                    f"record stored in comment {key!r}, not in AIGC",
                )
            )
    return found


def check_ogg_pages(path: Path) -> None:
    """Refuse an Ogg file whose last page is cut off (a truncated download): walk the page headers
    (27 bytes + lacing table each, ~7000 pages per hour of Opus), never the packet data. Anything
    that is not a page header ends the walk quietly; only a page running past the end counts."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        pos = 0
        while pos < size:
            f.seek(pos)
            head = f.read(27)
            if len(head) < 27 and head and b"OggS".startswith(head[:4]):
                raise CorruptFile(f"{path.name}: the last Ogg page is cut off (file truncated)")
            if len(head) < 27 or head[:4] != b"OggS":
                return
            lacing = f.read(head[26])
            total = 27 + head[26] + sum(lacing)
            if len(lacing) < head[26] or pos + total > size:
                raise CorruptFile(f"{path.name}: the last Ogg page is cut off (file truncated)")
            pos += total


class _RawText(str):
    """A comment value decoded with surrogateescape: mutagen's writer calls .encode('utf-8') on
    it and gets the original bytes back."""

    @classmethod
    def of(cls, text: str) -> str:
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            return cls(text)

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:  # noqa: ARG002
        return str.encode(self, "utf-8", "surrogateescape")


def _flac_comments_as_bytes(path: Path) -> tuple[str, list[tuple[str, str]]] | None:
    """The FLAC VORBIS_COMMENT block decoded with surrogateescape (invalid UTF-8 kept as lone
    surrogates), or None. Block layout: FLAC format spec, METADATA_BLOCK_HEADER."""
    import io

    from mutagen._vorbis import VComment

    with open(path, "rb") as f:
        head = f.read(4)
        if head != b"fLaC":
            return None
        while True:
            h = f.read(4)
            if len(h) < 4:
                return None
            kind, size = h[0] & 0x7F, int.from_bytes(h[1:4], "big")
            if kind == 4:
                try:
                    vc = VComment(io.BytesIO(f.read(size)), errors="surrogateescape", framing=False)
                except PARSE_ERRORS:
                    return None
                return vc.vendor, list(vc)
            if h[0] & 0x80:
                return None
            f.seek(size, 1)


class _VorbisCommentContainer(Container):
    kind = "audio"
    carrier = "Vorbis comment AIGC"
    file_type: ClassVar[type]

    def _open(self, path: Path, *, check: bool = True):
        if path.stat().st_size == 0:
            raise UnsupportedFormat(f"{path.name} is empty")
        try:
            audio = self.file_type(path)
        except PARSE_ERRORS as exc:
            raise CorruptFile(f"{path.name}: the {self.name} file cannot be read ({exc})") from exc
        if check and self.name != "flac":
            check_ogg_pages(path)
        return audio

    def scan(self, path: Path) -> MetadataScan:
        audio = self._open(path)
        scan = MetadataScan()
        if audio.tags is not None:
            scan.records = vorbis_records(list(audio.tags))
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        # Where the record goes: always the comment named AIGC. A record in another comment
        # (e.g. COMMENT={"AIGC":...}) or under `aigc` is removed and rewritten as AIGC, so
        # exactly one record results (§6.1 c) in the carrier checks look for.
        self._open(src)  # refuse damaged input before copying anything
        shutil.copyfile(src, dst)
        audio = self._open(dst, check=False)
        if audio.tags is None:
            audio.add_tags()
        tags = audio.tags
        comments = list(tags)
        raw = _flac_comments_as_bytes(src) if self.name == "flac" else None
        if raw is not None and len(raw[1]) == len(comments):
            # Values that are not valid UTF-8 are written back as the bytes they were, not as
            # mutagen's U+FFFD replacements (seen in files from old Windows taggers).
            tags.vendor = _RawText.of(raw[0])
            comments = [(k, _RawText.of(v)) for k, v in raw[1]]
        kept = [(k, v) for k, v in comments if not _is_record_comment(k, v)]
        tags[:] = [*kept, (AIGC, record.to_json())]
        try:
            audio.save()
        except PARSE_ERRORS as exc:
            raise CorruptFile(f"{src.name}: the comments cannot be rewritten ({exc})") from exc


class FlacContainer(_VorbisCommentContainer):
    name = "flac"
    extensions = (".flac",)
    file_type = FLAC


class OggVorbisContainer(_VorbisCommentContainer):
    name = "ogg"
    extensions = (".ogg", ".oga")
    title = "Ogg Vorbis"
    file_type = OggVorbis


class OggOpusContainer(_VorbisCommentContainer):
    name = "opus"
    extensions = (".opus",)
    also_matches = (".ogg",)
    title = "Opus"
    file_type = OggOpus


class OggFlacContainer(_VorbisCommentContainer):
    name = "oggflac"
    extensions = (".oga",)
    also_matches = (".ogg",)
    title = "Ogg FLAC"
    file_type = OggFLAC
