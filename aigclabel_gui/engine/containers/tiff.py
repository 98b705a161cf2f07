"""TIFF: the AIGC record in IFD0 tag 700 (XMP), written without touching any pixel data.

Pillow would re-encode (and ignores `xmp=` for TIFF), so the file is copied as it is and the XMP
packet plus a rewritten IFD0 are appended at the end; the header then points at the new IFD0.
Every other IFD, strip, tile and tag value stays at its offset. Classic TIFF in both byte orders;
BigTIFF is refused with a clear message.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, MetadataScan
from aigclabel_gui.engine.containers.imgmeta import (
    IfdEntry,
    Piece,
    blank_user_comment,
    exif_user_comment,
    read_ifd,
    user_comment_record,
    write_pieces,
)
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import scan_xmp, update_xmp

XMP_TAG = 700
TYPE_BYTE = 1
# (offsets tag, byte-counts tag): the pixel data of a strip or tiled image.
_DATA_TAGS = ((273, 279), (324, 325))
_MAX_CLASSIC = 0xFFFFFFFF


class _Tiff:
    """The parsed structure of one TIFF file (held open as an mmap while in use)."""

    def __init__(self, path: Path):
        self.name = path.name
        self.f = open(path, "rb")
        self.size = self.f.seek(0, 2)
        if self.size == 0:
            self.f.close()
            raise UnsupportedFormat(f"{self.name} is empty")
        self.mm = mmap.mmap(self.f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self._parse()
        except BaseException:
            self.close()
            raise

    def _parse(self) -> None:
        head = self.mm[:8]
        if head[:2] not in (b"II", b"MM") or len(head) < 8:
            raise CorruptFile(f"{self.name}: not a TIFF (bad header)")
        self.endian = "<" if head[:2] == b"II" else ">"
        (magic,) = struct.unpack_from(self.endian + "H", head, 2)
        if magic == 43:
            raise UnsupportedFormat(
                f"{self.name}: BigTIFF is not supported yet",
                advice="save the image as a classic TIFF (under 4 GB) or as PNG, then label it",
            )
        if magic != 42:
            raise CorruptFile(f"{self.name}: not a TIFF (bad magic number {magic})")
        (self.ifd0,) = struct.unpack_from(self.endian + "I", head, 4)
        try:
            self.entries, self.next_ifd = read_ifd(self.mm, self.ifd0, self.endian)
        except ValueError as exc:
            raise CorruptFile(f"{self.name}: IFD0 is damaged or truncated ({exc})") from exc
        for e in self.entries:
            if e.value_offset + e.size > self.size:
                raise CorruptFile(
                    f"{self.name}: the value of tag {e.tag} lies past the end of the file (truncated)"
                )
        for offs_tag, counts_tag in _DATA_TAGS:
            offs, counts = self.values(offs_tag), self.values(counts_tag)
            for o, n in zip(offs, counts, strict=False):
                if o + n > self.size:
                    raise CorruptFile(
                        f"{self.name}: image data at byte {o} runs past the end of the file (truncated)"
                    )

    def entry(self, tag: int) -> IfdEntry | None:
        return next((e for e in self.entries if e.tag == tag), None)

    def values(self, tag: int) -> list[int]:
        e = self.entry(tag)
        if e is None or e.type not in (3, 4, 16):
            return []
        fmt = {3: "H", 4: "I"}[e.type] if e.type != 16 else "Q"
        return list(struct.unpack_from(f"{self.endian}{e.count}{fmt}", self.mm, e.value_offset))

    def xmp(self) -> bytes | None:
        e = self.entry(XMP_TAG)
        return bytes(self.mm[e.value_offset : e.value_offset + e.size]) if e else None

    def close(self) -> None:
        self.mm.close()
        self.f.close()

    def __enter__(self) -> _Tiff:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class TiffContainer(Container):
    name = "tiff"
    kind = "image"
    extensions = (".tif", ".tiff")
    carrier = "XMP TC260:AIGC (TIFF IFD0 tag 700)"
    carries_xmp = True

    def scan(self, path: Path) -> MetadataScan:
        scan = MetadataScan()
        with _Tiff(path) as t:
            packet = t.xmp()
            if packet:
                try:
                    scan.add_xmp(scan_xmp(packet), "XMP")
                except CorruptFile as exc:
                    raise CorruptFile(f"{path.name}: {exc.message}") from exc
            found = user_comment_record(exif_user_comment(t.mm), "TIFF")
            if found:
                scan.records.append(found)
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        with _Tiff(src) as t:
            try:
                packet = update_xmp(t.xmp(), record.to_json(), digital_source_type)
            except CorruptFile as exc:
                raise CorruptFile(f"{src.name}: {exc.message}") from exc
            e = t.endian
            # Appended, word-aligned (TIFF 6.0 §2: IFDs and values begin on a word boundary).
            xmp_at = t.size + (t.size & 1)
            ifd_at = xmp_at + len(packet) + (len(packet) & 1)
            raw = {x.tag: bytes(t.mm[x.entry_offset : x.entry_offset + 12]) for x in t.entries}
            raw[XMP_TAG] = struct.pack(e + "HHII", XMP_TAG, TYPE_BYTE, len(packet), xmp_at)
            ifd = struct.pack(e + "H", len(raw))
            ifd += b"".join(raw[tag] for tag in sorted(raw))
            ifd += struct.pack(e + "I", t.next_ifd)
            if ifd_at + len(ifd) > _MAX_CLASSIC:
                raise InputTooLarge(f"{src.name}: the labelled TIFF would exceed 4 GB")
            body: list[Piece] = [(8, t.size)]
            uc = exif_user_comment(t.mm)
            if user_comment_record(uc, "") is not None and uc is not None and uc.offset >= 8:
                # The record moves to XMP (§6.1 c): blank UserComment in place, same length.
                at, end = uc.offset, uc.offset + uc.length
                body = [(8, at), blank_user_comment(bytes(t.mm[at:end])), (end, t.size)]
            pieces: list[Piece] = [
                (0, 4),
                struct.pack(e + "I", ifd_at),
                *body,
                b"\x00" * (xmp_at - t.size),
                packet + b"\x00" * (ifd_at - xmp_at - len(packet)),
                ifd,
            ]
        write_pieces(src, dst, pieces)
