"""PNG: the AIGC record in the iTXt `XML:com.adobe.xmp` chunk (TC260 image guide), before IDAT.

A small chunk walker and writer (Pillow's PNG writer ignores `xmp=` and would re-encode IDAT).
Every chunk we do not change is copied byte for byte. A producer's record already stored in a
tEXt/iTXt/zTXt chunk with keyword `AIGC` (Doubao; the image guide's annex) is updated in that chunk,
in its own wrapping style, so the file keeps exactly one record (GB 45438 §6.1 c).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.id3 import looks_like_record
from aigclabel_gui.engine.containers.imgmeta import (
    Piece,
    exif_user_comment,
    user_comment_record,
    without_user_comment_record,
    write_pieces,
)
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord, parse_record_text
from aigclabel_gui.engine.xmp import scan_xmp, update_xmp

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = "XML:com.adobe.xmp"
TEXT_TYPES = (b"tEXt", b"zTXt", b"iTXt")
_READ_TYPES = {*TEXT_TYPES, b"eXIf"}
_IMAGE_DATA = {b"IDAT", b"fdAT"}  # pixels: only read when asked (the label writer's own output)
MAX_META_CHUNK = 64 * 1024 * 1024  # metadata chunks are read into memory; IDAT never is
MAX_INFLATE = 64 * 1024 * 1024  # a compressed text chunk may not inflate beyond this (zip bomb)


@dataclass(frozen=True)
class Chunk:
    ctype: bytes
    offset: int  # of the 4-byte length field
    length: int
    data: bytes | None = None  # read for text and eXIf chunks only

    @property
    def end(self) -> int:
        return self.offset + 12 + self.length


@dataclass(frozen=True)
class TextChunk:
    """A decoded tEXt/zTXt/iTXt chunk, with what is needed to write it back in the same style."""

    ctype: bytes
    keyword: str
    text: str
    compressed: bool = False
    language: bytes = b""
    translated: bytes = b""

    def encode(self, text: str) -> bytes:
        """This chunk (same type, keyword, compression, language) holding `text`."""
        kw = self.keyword.encode("latin-1")
        if self.ctype == b"tEXt":
            data = kw + b"\x00" + text.encode("latin-1")
        elif self.ctype == b"zTXt":
            data = kw + b"\x00\x00" + zlib.compress(text.encode("latin-1"))
        else:
            body = text.encode("utf-8")
            flag = b"\x01\x00" if self.compressed else b"\x00\x00"
            body = zlib.compress(body) if self.compressed else body
            data = kw + b"\x00" + flag + self.language + b"\x00" + self.translated + b"\x00" + body
        return chunk_bytes(self.ctype, data)


def chunk_bytes(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _inflate(data: bytes, name: str) -> bytes:
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MAX_INFLATE)
    except zlib.error as exc:
        raise CorruptFile(f"{name}: a compressed text chunk is damaged ({exc})") from exc
    if d.unconsumed_tail:
        raise InputTooLarge(
            f"{name}: a compressed text chunk inflates beyond {MAX_INFLATE >> 20} MiB"
        )
    return out


def decode_text_chunk(chunk: Chunk, name: str) -> TextChunk:
    data = chunk.data or b""
    keyword, sep, rest = data.partition(b"\x00")
    if not sep:
        raise CorruptFile(f"{name}: a {chunk.ctype.decode()} chunk has no keyword terminator")
    kw = keyword.decode("latin-1")
    if chunk.ctype == b"tEXt":
        return TextChunk(b"tEXt", kw, rest.decode("latin-1"))
    if chunk.ctype == b"zTXt":
        return TextChunk(b"zTXt", kw, _inflate(rest[1:], name).decode("latin-1"), True)
    if len(rest) < 2:
        raise CorruptFile(f"{name}: an iTXt chunk is too short")
    compressed = rest[0] == 1
    lang, _, rest = rest[2:].partition(b"\x00")
    translated, _, body = rest.partition(b"\x00")
    if compressed:
        body = _inflate(body, name)
    return TextChunk(b"iTXt", kw, body.decode("utf-8", "replace"), compressed, lang, translated)


def read_chunks(
    source: Path | bytes, name: str = "", *, bodies: Callable[[bytes], bool] | None = None
) -> list[Chunk]:
    """Walk the chunks of a file or of PNG bytes in memory. Raises CorruptFile when one runs past
    the end, IHDR is not first, IEND is missing or there is no IDAT.

    `bodies(ctype)` says which chunks' data to read (default: text and eXIf, at most
    MAX_META_CHUNK each); the visible label's writer reads every ancillary chunk to copy it."""
    if isinstance(source, bytes):
        f: BinaryIO = io.BytesIO(source)
        return _walk(f, len(source), name or "PNG data", bodies)
    with open(source, "rb") as f:
        return _walk(f, os.fstat(f.fileno()).st_size, name or source.name, bodies)


def _walk(f: BinaryIO, size: int, name: str, bodies: Callable[[bytes], bool] | None) -> list[Chunk]:
    chunks: list[Chunk] = []
    if size == 0:
        raise UnsupportedFormat(f"{name} is empty")
    if f.read(8) != SIGNATURE:
        raise CorruptFile(f"{name}: not a PNG (bad signature)")
    pos = 8
    while pos < size:
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            raise CorruptFile(f"{name}: truncated chunk header at byte {pos}")
        length, ctype = struct.unpack(">I4s", head)
        if pos + 12 + length > size:
            raise CorruptFile(
                f"{name}: chunk {ctype.decode('latin-1')!r} runs past the end of the file (truncated)"
            )
        data = None
        if ctype in _READ_TYPES if bodies is None else bodies(ctype):
            if length > MAX_META_CHUNK and ctype not in _IMAGE_DATA:
                raise InputTooLarge(
                    f"{name}: a {ctype.decode('latin-1')!r} chunk is {length >> 20} MiB"
                )
            data = f.read(length)
        chunks.append(Chunk(ctype, pos, length, data))
        pos += 12 + length
        if ctype == b"IEND":
            break
    if not chunks or chunks[0].ctype != b"IHDR":
        raise CorruptFile(f"{name}: the first chunk is not IHDR")
    if chunks[-1].ctype != b"IEND":
        raise CorruptFile(f"{name}: truncated (no IEND chunk)")
    if not any(c.ctype == b"IDAT" for c in chunks):
        raise CorruptFile(f"{name}: no image data (IDAT)")
    return chunks


def _is_xmp(tc: TextChunk) -> bool:
    return tc.ctype == b"iTXt" and tc.keyword == XMP_KEYWORD


def _is_keyword_record(tc: TextChunk) -> bool:
    return tc.keyword.upper() == "AIGC"


def _is_other_record(tc: TextChunk) -> bool:
    return not _is_xmp(tc) and not _is_keyword_record(tc) and looks_like_record(tc.text)


class PngContainer(Container):
    name = "png"
    kind = "image"
    extensions = (".png",)
    carrier = "XMP TC260:AIGC (iTXt XML:com.adobe.xmp)"
    carries_xmp = True

    def _texts(self, chunks: list[Chunk], name: str) -> dict[int, TextChunk]:
        return {
            i: decode_text_chunk(c, name) for i, c in enumerate(chunks) if c.ctype in TEXT_TYPES
        }

    def scan(self, path: Path) -> MetadataScan:
        chunks = read_chunks(path)
        scan = MetadataScan()
        for i, tc in self._texts(chunks, path.name).items():
            kind = tc.ctype.decode()
            if _is_xmp(tc):
                try:
                    scan.add_xmp(scan_xmp(tc.text), "XMP")
                except CorruptFile as exc:
                    raise CorruptFile(f"{path.name}: {exc.message}") from exc
            elif _is_keyword_record(tc):
                scan.records.append(
                    FoundRecord(
                        f"PNG {kind} {tc.keyword}",
                        tc.text,
                        # The TC260 image guide's annex names this keyword form, and re-labelling
                        # keeps a producer's record where it is: an accepted carrier.
                        True,
                        f"keyword chunk {kind} {tc.keyword!r} (TC260 image guide annex form, as"
                        " Doubao writes it); XMP iTXt is the primary PNG carrier",
                    )
                )
            elif _is_other_record(tc):
                scan.records.append(
                    FoundRecord(
                        f"PNG {kind} {tc.keyword}",
                        tc.text,
                        False,
                        f"record stored in text chunk {tc.keyword!r}, not in XMP",
                    )
                )
            del i
        for c in chunks:
            if c.ctype == b"eXIf" and c.data:
                found = user_comment_record(exif_user_comment(c.data), "PNG")
                if found:
                    scan.records.append(found)
            elif c.ctype == b"caBX":
                scan.c2pa = True
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        name = src.name
        chunks = read_chunks(src)
        texts = self._texts(chunks, name)
        xmp_i = next((i for i, tc in texts.items() if _is_xmp(tc)), None)
        xmp_text = texts[xmp_i].text if xmp_i is not None else None
        try:
            xmp_has_record = bool(xmp_text and scan_xmp(xmp_text).properties)
        except CorruptFile as exc:
            raise CorruptFile(f"{name}: {exc.message}") from exc
        keyword_is = [i for i, tc in texts.items() if _is_keyword_record(tc)]

        # Where the one record goes (§6.1 c): XMP when XMP already holds one or no keyword chunk
        # exists; else the producer's keyword chunk, updated in place, in its own style.
        replace: dict[int, bytes] = {}
        drop = {i for i, tc in texts.items() if _is_other_record(tc)}
        if xmp_has_record or not keyword_is:
            xmp_json: str | None = record.to_json()
            drop |= set(keyword_is)
        else:
            xmp_json = None
            first, *dups = keyword_is
            tc = texts[first]
            wrapped = parse_record_text(tc.text).wrapped
            replace[first] = tc.encode(record.to_json(wrapped=wrapped))
            drop |= set(dups)

        new_xmp = None
        if xmp_json is not None or digital_source_type:
            try:
                packet = update_xmp(xmp_text, xmp_json, digital_source_type)
            except CorruptFile as exc:
                raise CorruptFile(f"{name}: {exc.message}") from exc
            new_xmp = TextChunk(b"iTXt", XMP_KEYWORD, "").encode(packet.decode("utf-8"))
            if xmp_i is not None:
                replace[xmp_i] = new_xmp

        first_idat = next(i for i, c in enumerate(chunks) if c.ctype == b"IDAT")
        pieces: list[Piece] = [(0, 8)]
        for i, c in enumerate(chunks):
            if i == first_idat and new_xmp is not None and xmp_i is None:
                pieces.append(new_xmp)
            if i in drop:
                continue
            if i in replace:
                pieces.append(replace[i])
            elif c.ctype == b"eXIf" and (blanked := without_user_comment_record(c.data or b"")):
                pieces.append(chunk_bytes(b"eXIf", blanked))
            else:
                pieces.append((c.offset, c.end))
        write_pieces(src, dst, pieces)
