"""WebP: the AIGC record in the `XMP ` chunk with the VP8X XMP flag set (TC260 image guide).

A small RIFF chunk walker (Pillow would re-encode). A simple-format file (one VP8 or VP8L chunk)
is turned into the extended format: a VP8X header whose canvas size comes from the bitstream.
Chunk order follows the WebP container spec: VP8X, ICCP, ANIM, image/ANMF, EXIF, XMP, unknown.
Every other chunk (ICCP, EXIF, ANIM, ANMF, ALPH, the bitstream) is copied byte for byte.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, MetadataScan
from aigclabel_gui.engine.containers.imgmeta import (
    Piece,
    blank_user_comment,
    exif_user_comment,
    user_comment_record,
    write_pieces,
)
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import scan_xmp, update_xmp

XMP_ID, EXIF_ID, VP8X_ID = b"XMP ", b"EXIF", b"VP8X"
C2PA_ID = b"C2PA"  # C2PA 2.x: the manifest store's chunk in WebP
VP8X_ICC, VP8X_ALPHA, VP8X_EXIF, VP8X_XMP, VP8X_ANIM = 0x20, 0x10, 0x08, 0x04, 0x02
# Chunks that come before XMP in the extended format; anything else is "unknown" and goes after.
_BEFORE_XMP = {VP8X_ID, b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L", EXIF_ID}
_READ = {XMP_ID, EXIF_ID, VP8X_ID, C2PA_ID}
MAX_META_CHUNK = 64 * 1024 * 1024
_EXIF_PREFIX = b"Exif\x00\x00"  # some writers keep JPEG's APP1 prefix in the EXIF chunk


@dataclass(frozen=True)
class Chunk:
    fourcc: bytes
    offset: int  # of the 8-byte header
    size: int  # declared, without the pad byte
    head: bytes  # the first bytes of the data (enough for VP8/VP8L/VP8X headers)
    data: bytes | None = None  # whole data, for metadata chunks only
    pad_missing: bool = False  # an odd last chunk without its pad byte

    @property
    def end(self) -> int:
        return self.offset + 8 + self.size + (self.size & 1 and not self.pad_missing)

    def pieces(self) -> list[Piece]:
        return [(self.offset, self.end)] + ([b"\x00"] if self.pad_missing else [])


@dataclass
class WebpLayout:
    chunks: list[Chunk]
    riff_end: int  # bytes after it (not part of the RIFF) are copied as they are
    size: int


def chunk_bytes(fourcc: bytes, data: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


def read_layout(path: Path) -> WebpLayout:
    name = path.name
    with open(path, "rb") as f:
        try:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:
            raise UnsupportedFormat(f"{name} is empty") from exc
        with mm:
            size = len(mm)
            if size < 20 or mm[:4] != b"RIFF" or mm[8:12] != b"WEBP":
                raise CorruptFile(f"{name}: not a RIFF/WEBP file (header damaged)")
            riff_end = 8 + struct.unpack_from("<I", mm, 4)[0]
            if riff_end > size:
                raise CorruptFile(
                    f"{name}: the RIFF header declares {riff_end} bytes but the file has {size} (truncated)"
                )
            chunks, pos = _walk(mm, 12, riff_end, name)
    if not chunks or chunks[0].fourcc not in (VP8X_ID, b"VP8 ", b"VP8L"):
        raise CorruptFile(f"{name}: the first WebP chunk is not VP8X, VP8 or VP8L")
    if chunks[0].fourcc == VP8X_ID and chunks[0].size < 10:
        raise CorruptFile(f"{name}: the VP8X chunk is too short")
    return WebpLayout(chunks, min(pos, riff_end), size)


def _walk(mm, pos: int, end: int, name: str) -> tuple[list[Chunk], int]:
    """The chunks in mm[pos:end] (the RIFF body, or the frame data of an ANMF chunk), and where
    the walk stopped. A chunk running past `end` means a truncated file."""
    chunks: list[Chunk] = []
    while pos + 8 <= end:
        fourcc, csize = struct.unpack_from("<4sI", mm, pos)
        data_end = pos + 8 + csize
        if data_end > end:
            raise CorruptFile(
                f"{name}: chunk {fourcc.decode('latin-1')!r} runs past the end of the file (truncated)"
            )
        data = None
        if fourcc in _READ:
            if csize > MAX_META_CHUNK:
                raise InputTooLarge(f"{name}: a {fourcc!r} chunk is {csize >> 20} MiB")
            data = bytes(mm[pos + 8 : data_end])
        pad_missing = bool(csize & 1) and data_end == end
        chunk = Chunk(fourcc, pos, csize, bytes(mm[pos + 8 : pos + 8 + 16]), data, pad_missing)
        chunks.append(chunk)
        pos = chunk.end
    return chunks, pos


def bitstream_kinds(path: Path) -> set[bytes]:
    """The image bitstreams of the file, b"VP8 " (lossy) and/or b"VP8L" (lossless), of the still
    image or of every animation frame (ANMF: a 16-byte frame header, then its own chunks)."""
    layout = read_layout(path)
    kinds = {c.fourcc for c in layout.chunks if c.fourcc in (b"VP8 ", b"VP8L")}
    frames = [c for c in layout.chunks if c.fourcc == b"ANMF"]
    if frames:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            for c in frames:
                inner, _ = _walk(mm, c.offset + 8 + 16, c.offset + 8 + c.size, path.name)
                kinds |= {i.fourcc for i in inner if i.fourcc in (b"VP8 ", b"VP8L")}
    return kinds


def vp8x_for_simple(chunk: Chunk, name: str) -> bytes:
    """A VP8X chunk (XMP flag set) for a simple-format file: canvas size from the bitstream."""
    h = chunk.head
    if chunk.fourcc == b"VP8 ":
        # RFC 6386 §9.1: 3-byte frame tag, start code 9D 01 2A, 14-bit width and height.
        if len(h) < 10 or h[3:6] != b"\x9d\x01\x2a":
            raise CorruptFile(f"{name}: the VP8 bitstream header is damaged")
        w, ht = (v & 0x3FFF for v in struct.unpack_from("<HH", h, 6))
        flags = VP8X_XMP
    else:
        # WebP lossless spec §3: signature 0x2F, then 14 bits width-1, 14 bits height-1, alpha bit.
        if len(h) < 5 or h[0] != 0x2F:
            raise CorruptFile(f"{name}: the VP8L bitstream header is damaged")
        bits = struct.unpack_from("<I", h, 1)[0]
        w, ht = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        flags = VP8X_XMP | (VP8X_ALPHA if (bits >> 28) & 1 else 0)
    if not w or not ht:
        raise CorruptFile(f"{name}: the bitstream gives a zero image size")
    body = bytes((flags, 0, 0, 0)) + (w - 1).to_bytes(3, "little") + (ht - 1).to_bytes(3, "little")
    return chunk_bytes(VP8X_ID, body)


def _exif_tiff(data: bytes) -> tuple[bytes, int]:
    """The TIFF structure inside an EXIF chunk, and where it starts in the chunk data."""
    skip = len(_EXIF_PREFIX) if data.startswith(_EXIF_PREFIX) else 0
    return data[skip:], skip


class WebpContainer(Container):
    name = "webp"
    kind = "image"
    extensions = (".webp",)
    title = "WebP"
    carrier = "XMP TC260:AIGC (XMP chunk)"
    carries_xmp = True

    def scan(self, path: Path) -> MetadataScan:
        layout = read_layout(path)
        scan = MetadataScan()
        first = layout.chunks[0]
        for c in layout.chunks:
            if c.fourcc == XMP_ID and c.data is not None:
                try:
                    scan.add_xmp(scan_xmp(c.data), "XMP")
                except CorruptFile as exc:
                    raise CorruptFile(f"{path.name}: {exc.message}") from exc
                if first.fourcc != VP8X_ID or not first.head[0] & VP8X_XMP:
                    scan.notes.append("an XMP chunk is present but the VP8X XMP flag is not set")
            elif c.fourcc == EXIF_ID and c.data:
                found = user_comment_record(exif_user_comment(_exif_tiff(c.data)[0]), "WebP")
                if found:
                    scan.records.append(found)
            elif c.fourcc == C2PA_ID:
                scan.c2pa = True  # C2PA 2.x: this chunk holds only the manifest store
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        layout = read_layout(src)
        chunks = layout.chunks
        old_xmp = next((c for c in chunks if c.fourcc == XMP_ID), None)
        try:
            packet = update_xmp(
                old_xmp.data if old_xmp else None, record.to_json(), digital_source_type
            )
        except CorruptFile as exc:
            raise CorruptFile(f"{src.name}: {exc.message}") from exc
        xmp = chunk_bytes(XMP_ID, packet)

        first = chunks[0]
        if first.fourcc == VP8X_ID:
            body = bytes((first.head[0] | VP8X_XMP,)) + first.head[1:10]
            pieces: list[Piece] = [chunk_bytes(VP8X_ID, body + (first.data or b"")[10:])]
        else:
            pieces = [vp8x_for_simple(first, src.name), *first.pieces()]
        # Without an XMP chunk, ours goes after the last chunk that the spec orders before it.
        insert_after = max(i for i, c in enumerate(chunks) if c.fourcc in _BEFORE_XMP)
        for i, c in enumerate(chunks[1:], start=1):
            if c is old_xmp:
                pieces.append(xmp)
            elif c.fourcc == EXIF_ID and c.data:
                pieces += self._exif_without_record(c)
            else:
                pieces += c.pieces()
            if i == insert_after and old_xmp is None:
                pieces.append(xmp)
        if insert_after == 0 and old_xmp is None:
            pieces.insert(2 if first.fourcc != VP8X_ID else 1, xmp)
        riff = 4 + sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in pieces)
        if riff > 0xFFFFFFFF:
            raise UnsupportedFormat(
                f"{src.name}: the labelled file would exceed the 4 GB RIFF limit"
            )
        head = b"RIFF" + struct.pack("<I", riff) + b"WEBP"
        tail: list[Piece] = (
            [(layout.riff_end, layout.size)] if layout.size > layout.riff_end else []
        )
        write_pieces(src, dst, [head, *pieces, *tail])

    @staticmethod
    def _exif_without_record(c: Chunk) -> list[Piece]:
        """The EXIF chunk as is, or with a record in UserComment blanked in place (same length):
        the record now lives in XMP (GB 45438 §6.1 c: one record per file)."""
        assert c.data is not None
        tiff, skip = _exif_tiff(c.data)
        uc = exif_user_comment(tiff)
        if user_comment_record(uc, "") is None:
            return c.pieces()
        assert uc is not None
        data = bytearray(c.data)
        at = skip + uc.offset
        data[at : at + uc.length] = blank_user_comment(bytes(data[at : at + uc.length]))
        return [chunk_bytes(EXIF_ID, bytes(data))]
