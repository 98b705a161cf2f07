"""MKV / WebM: the AIGC record as a global SimpleTag `AIGC` in the Segment's Tags.

Written by a stream-copy remux with PyAV (FFmpeg's Matroska muxer turns container metadata into
global SimpleTags): every packet of every stream is copied unchanged, stream metadata, dispositions,
chapters and attachments are carried over. What a remux cannot keep: nested SimpleTags (FFmpeg
flattens them to `PARENT/CHILD` names), track/segment UIDs and the Cues layout (rebuilt).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import ClassVar

import av

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord, looks_like_record

KEY = "AIGC"
_EBML_ID = 0x1A45DFA3
_SEGMENT_ID = 0x18538067
# Stream tags FFmpeg's demuxer makes up or its muxer writes itself: copying them would duplicate.
_GENERATED_STREAM_TAGS = {"DURATION"}
_DEMUXER = "matroska,webm"  # FFmpeg's log name for the demuxer (the muxers log as matroska/webm)


def _is_aigc_key(key: str) -> bool:
    # FFmpeg names a SimpleTag inside a typed Tag "TARGETTYPE/NAME" (e.g. "MOVIE/AIGC").
    return key.rsplit("/", 1)[-1].upper() == KEY


def _is_record_tag(key: str, value: str) -> bool:
    return _is_aigc_key(key) or looks_like_record(value)


def _read_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at `pos`: (value, next position, all-ones 'unknown')."""
    if pos >= len(data) or data[pos] == 0:
        raise CorruptFile("bad EBML number")
    first = data[pos]
    length = 9 - first.bit_length()
    if pos + length > len(data):
        raise CorruptFile("EBML number cut off")
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, pos + length, unknown


def check_matroska(path: Path) -> None:
    """The EBML header and the Segment's declared size: a Segment longer than the file means a
    truncated download (FFmpeg would read what is there without complaint)."""
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedFormat(f"{path.name} is empty")
    with open(path, "rb") as f:
        head = f.read(4096)
    try:
        eid, pos, _ = _read_vint(head, 0, keep_marker=True)
        if eid != _EBML_ID:
            raise CorruptFile("no EBML header")
        hsize, pos, _ = _read_vint(head, pos, keep_marker=False)
        pos += hsize
        sid, pos, _ = _read_vint(head, pos, keep_marker=True)
        if sid != _SEGMENT_ID:
            raise CorruptFile("no Segment after the EBML header")
        ssize, pos, unknown = _read_vint(head, pos, keep_marker=False)
    except CorruptFile as exc:
        raise CorruptFile(f"{path.name}: not a readable Matroska file ({exc.message})") from exc
    if not unknown and pos + ssize > size:
        raise CorruptFile(
            f"{path.name}: the Segment is {pos + ssize - size} bytes longer than the file (truncated)"
        )


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise CorruptFile(f"{path.name}: FFmpeg cannot read it ({exc})") from exc


class _MatroskaContainer(Container):
    kind = "video"
    carrier = "Matroska Tags: global SimpleTag AIGC"
    muxer: ClassVar[str]

    def scan(self, path: Path) -> MetadataScan:
        check_matroska(path)
        scan = MetadataScan()
        with _open(path) as c:
            for key, value in c.metadata.items():
                if not _is_record_tag(key, value):
                    continue
                exact = key.rsplit("/", 1)[-1] == KEY
                note = "" if exact else f"SimpleTag {key!r}: the guide uses the name 'AIGC'"
                scan.records.append(FoundRecord(f"Matroska SimpleTag {key}", value, exact, note))
            for s in c.streams:
                for key, value in s.metadata.items():
                    if _is_record_tag(key, value):
                        scan.records.append(
                            FoundRecord(
                                f"Matroska SimpleTag {key} (track {s.index})",
                                value,
                                False,
                                "the SimpleTag targets one track; the guide uses a global tag",
                            )
                        )
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        # Where the record goes: always the global SimpleTag AIGC. A record found in a track tag,
        # a typed tag or a case variant is moved there (GB 45438 §6.1 c: one record per file).
        check_matroska(src)
        with _demuxer_errors() as logs:
            inp = _open(src)
            try:
                with inp, av.open(str(dst), "w", format=self.muxer) as out:
                    self._remux(inp, out, record.to_json(), src.name)
            except av.error.FFmpegError as exc:
                # Reading errors are caught in _remux: this is the muxer refusing a stream.
                raise UnsupportedFormat(
                    f"{src.name}: FFmpeg cannot stream-copy it into {self.muxer} ({exc})"
                ) from exc
        damage = [m.strip() for lvl, who, m in logs if who == _DEMUXER and lvl <= av.logging.ERROR]
        if damage:
            raise CorruptFile(f"{src.name}: damaged media data ({damage[0]})")

    @staticmethod
    def _remux(inp, out, value: str, name: str) -> None:
        meta = {k: v for k, v in inp.metadata.items() if not _is_record_tag(k, v)}
        meta[KEY] = value
        out.metadata.update(meta)
        streams = {}
        for s in inp.streams:
            if s.type == "attachment":  # fonts, cover art: written with the header
                out.add_attachment(s.name, s.mimetype, bytes(s.data))
                continue
            if s.type not in ("video", "audio", "subtitle"):
                raise UnsupportedFormat(f"{name}: stream {s.index} ({s.type}) cannot be copied")
            try:
                o = out.add_stream_from_template(s)
            except ValueError as exc:  # PyAV: no codec context, e.g. a damaged or unknown CodecID
                raise UnsupportedFormat(
                    f"{name}: stream {s.index} ({s.type}) has no codec FFmpeg knows; it cannot be copied"
                ) from exc
            o.metadata.update(
                {
                    k: v
                    for k, v in s.metadata.items()
                    if not _is_record_tag(k, v) and k.upper() not in _GENERATED_STREAM_TAGS
                }
            )
            o.disposition = s.disposition
            streams[s.index] = o
        chapters = inp.chapters()
        if chapters:
            out.set_chapters(chapters)
        packets = inp.demux(*[inp.streams[i] for i in streams])
        while True:
            try:
                pkt = next(packets)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                raise CorruptFile(f"{name}: damaged media data ({exc})") from exc
            if pkt.dts is None and pkt.size == 0:
                continue  # the demuxer's end-of-stream marker, not data
            pkt.stream = streams[pkt.stream.index]
            out.mux(pkt)


@contextlib.contextmanager
def _demuxer_errors():
    """FFmpeg's Matroska demuxer skips a damaged cluster with only a log line (measured: 300 bad
    bytes mid-file lost 32 of 59 packets silently), so collect its error log for the caller."""
    old_level = av.logging.get_level()
    if old_level is None or old_level < av.logging.ERROR:
        av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture() as logs:  # this thread's messages only
            yield logs
    finally:
        av.logging.set_level(old_level)


class MkvContainer(_MatroskaContainer):
    name = "mkv"
    extensions = (".mkv", ".mka")
    muxer = "matroska"


class WebmContainer(_MatroskaContainer):
    name = "webm"
    extensions = (".webm",)
    title = "WebM"
    muxer = "webm"
