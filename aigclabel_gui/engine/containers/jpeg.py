"""JPEG: the AIGC record in the APP1 XMP segment (TC260 image guide), spliced in without re-encoding.

A small marker walker reads the segments up to SOS; the new file is the old one with the XMP APP1
segment replaced (or inserted after APP0/EXIF). Every other segment — EXIF, ICC APP2, Extended XMP,
other APPn, tables — and the entropy-coded data are copied byte for byte. No library does this
splice without decoding (Pillow re-encodes, piexif only handles EXIF), hence the hand-written walker.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.c2pa import is_c2pa_jpeg_app11
from aigclabel_gui.engine.containers.imgmeta import (
    Piece,
    exif_user_comment,
    find_record_blob,
    user_comment_record,
    without_user_comment_record,
    write_pieces,
)
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import scan_xmp, update_xmp

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP11, COM = 0xE0, 0xE1, 0xEB, 0xFE
XMP_SIG = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_EXT_SIG = b"http://ns.adobe.com/xmp/extension/\x00"
EXIF_SIG = b"Exif\x00"
# A segment's 2-byte length counts itself: 65535 - 2 - the 29-byte namespace signature.
MAX_XMP_PACKET = 0xFFFF - 2 - len(XMP_SIG)
_TAIL = 64 * 1024


@dataclass(frozen=True)
class Segment:
    marker: int
    offset: int  # of the 0xFF marker byte
    length: int  # the length field (counts itself); 0 for stand-alone markers
    payload: bytes | None = None  # read for APPn and COM segments only

    @property
    def end(self) -> int:
        return self.offset + 2 + self.length

    def is_xmp(self) -> bool:
        return self.marker == APP1 and self.payload is not None and self.payload.startswith(XMP_SIG)

    def is_exif(self) -> bool:
        return (
            self.marker == APP1 and self.payload is not None and self.payload.startswith(EXIF_SIG)
        )

    @property
    def name(self) -> str:
        if APP0 <= self.marker <= 0xEF:
            return f"APP{self.marker - APP0}"
        return "COM" if self.marker == COM else f"0x{self.marker:02X}"


@dataclass
class JpegLayout:
    segments: list[Segment]  # between SOI and SOS
    sos: int  # offset of the first SOS marker: from here on everything is copied as is
    size: int
    data: bytes | None = None  # the whole file, for small files (read once, see read_layout)


# A file up to this size is read in one call and parsed in memory (a few dozen small reads and
# seeks per file cost more than the read); larger ones are walked on disk.
SMALL_FILE = 2 << 20
# The last layout read, keyed by path and the file's identity, kept only inside reads_once()
# (one label_file call): scan() then write() of the same source parse and read it once, and the
# output is made from the very bytes that were scanned. Verification reads another path (the
# written temp file), so it always reads from disk.
_last: tuple[str, tuple[int, ...], JpegLayout] | None = None
_keep = False


@contextlib.contextmanager
def reads_once():
    global _last, _keep
    _last, _keep = None, True
    try:
        yield
    finally:
        _last, _keep = None, False


def segment_bytes(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def read_layout(path: Path) -> JpegLayout:
    """Walk the marker segments up to SOS. Raises CorruptFile for a damaged or truncated file."""
    global _last
    key = os.fspath(path)
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if _last is not None and _last[0] == key and _last[1] == ident:
            return _last[2]
        if st.st_size <= SMALL_FILE:
            data = f.read()
            layout = _walk(io.BytesIO(data), path.name, data)
            if _keep and len(data) == st.st_size:  # else it changed while being read: not kept
                _last = (key, ident, layout)
            return layout
        return _walk(f, path.name, None)


def _walk(f, name: str, data: bytes | None) -> JpegLayout:
    """read_layout's walk over `f` (the file, or a BytesIO of `data`, the whole file)."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    if size == 0:
        raise UnsupportedFormat(f"{name} is empty")
    if f.read(2) != b"\xff\xd8":
        raise CorruptFile(f"{name}: not a JPEG (no start-of-image marker)")
    segments: list[Segment] = []
    pos = 2
    while True:
        f.seek(pos)
        head = f.read(2)
        if len(head) < 2:
            raise CorruptFile(f"{name}: truncated before the image data (no SOS marker)")
        if head[0] != 0xFF:
            raise CorruptFile(f"{name}: damaged header (no marker at byte {pos})")
        if head[1] == 0xFF:  # fill byte before a marker (T.81 §B.1.1.2)
            pos += 1
            continue
        marker = head[1]
        if marker == SOS:
            sos = pos
            break
        if marker == EOI:
            raise CorruptFile(f"{name}: the JPEG ends before any image data")
        if marker in (SOI, 0x01) or 0xD0 <= marker <= 0xD7:
            segments.append(Segment(marker, pos, 0))
            pos += 2
            continue
        raw = f.read(2)
        if len(raw) < 2:
            raise CorruptFile(f"{name}: truncated in a marker segment")
        (length,) = struct.unpack(">H", raw)
        if length < 2 or pos + 2 + length > size:
            raise CorruptFile(
                f"{name}: segment 0x{marker:02X} at byte {pos} runs past the end of the file (truncated)"
            )
        payload = f.read(length - 2) if APP0 <= marker <= 0xEF or marker == COM else None
        segments.append(Segment(marker, pos, length, payload))
        pos += 2 + length
    # The entropy-coded data cannot contain FF D9 (FF is stuffed as FF 00), so a file
    # without EOI after SOS was cut short. Look at the tail first (cheap); search the whole
    # scan only when the file ends in something else (e.g. a long trailer).
    tail_at = max(sos, size - _TAIL)
    if data is not None:  # in memory: search it in place (from the tail first, as below)
        found = data.find(b"\xff\xd9", tail_at) >= 0 or data.find(b"\xff\xd9", sos) >= 0
        if not found:
            raise CorruptFile(f"{name}: truncated image data (no end-of-image marker)")
        return JpegLayout(segments, sos, size, data)
    f.seek(tail_at)
    if b"\xff\xd9" not in f.read():
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            found = mm.find(b"\xff\xd9", sos) >= 0
        if not found:
            raise CorruptFile(f"{name}: truncated image data (no end-of-image marker)")
    return JpegLayout(segments, sos, size, data)


def _blob_record(seg: Segment) -> str | None:
    if seg.payload is None or seg.is_xmp() or seg.is_exif():
        return None
    if seg.payload.startswith(XMP_EXT_SIG) or seg.payload.startswith(b"ICC_PROFILE\x00"):
        return None
    return find_record_blob(seg.payload)


def _xmp_packet(seg: Segment) -> bytes:
    assert seg.payload is not None
    return seg.payload[len(XMP_SIG) :]


def _extended_xmp(segments: list[Segment]) -> list[bytes]:
    """Reassembled Extended XMP (XMP spec part 3 §1.1.3.1): GUID, full length, offset, data."""
    parts: dict[bytes, list[tuple[int, bytes]]] = {}
    for seg in segments:
        p = seg.payload
        if seg.marker == APP1 and p is not None and p.startswith(XMP_EXT_SIG):
            body = p[len(XMP_EXT_SIG) :]
            if len(body) >= 40:
                guid, (_, offset) = body[:32], struct.unpack(">II", body[32:40])
                parts.setdefault(guid, []).append((offset, body[40:]))
    return [b"".join(d for _, d in sorted(chunks)) for chunks in parts.values()]


def shift_afcp_trailer(path: Path, delta: int) -> bool:
    """Move the absolute offsets of an AFCP trailer (AXS File Concatenation Protocol: IPTC,
    thumbnails appended after the image) by `delta` bytes, after the data before it grew or
    shrank. The trailer ends with 'AXS!' (big-endian) or 'AXS*' (little-endian) and the start
    position; its directory entries (tag, size, offset) point into the file. Returns True if a
    trailer was fixed."""
    if not delta:
        return False
    with open(path, "r+b") as f:
        f.seek(0, 2)
        size = f.tell()
        if size < 24:
            return False
        f.seek(size - 12)
        end = bytearray(f.read(12))
        if end[:3] != b"AXS" or end[3:4] not in (b"!", b"*"):
            return False
        order = ">" if end[3:4] == b"!" else "<"
        (start,) = struct.unpack_from(order + "I", end, 4)
        new_start = start + delta
        if not 0 <= new_start <= size - 24:
            return False
        f.seek(new_start)
        head = f.read(12)
        if head[:4] != bytes(end[:4]):
            return False  # the offsets did not match before our edit either: left as found
        (count,) = struct.unpack_from(order + "H", head, 6)
        directory = bytearray(f.read(12 * count))
        if len(directory) != 12 * count:
            return False
        for i in range(count):
            (offset,) = struct.unpack_from(order + "I", directory, 12 * i + 8)
            struct.pack_into(order + "I", directory, 12 * i + 8, offset + delta)
        f.seek(new_start + 12)
        f.write(directory)
        struct.pack_into(order + "I", end, 4, new_start)
        f.seek(size - 12)
        f.write(end)
    return True


class JpegContainer(Container):
    name = "jpeg"
    kind = "image"
    extensions = (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".jps")
    carrier = "XMP TC260:AIGC (APP1 XMP segment)"
    carries_xmp = True
    reads_once = staticmethod(reads_once)  # used by pipeline.label_file around one job

    def scan(self, path: Path) -> MetadataScan:
        layout = read_layout(path)
        scan = MetadataScan()
        try:
            for seg in layout.segments:
                if seg.is_xmp():
                    scan.add_xmp(scan_xmp(_xmp_packet(seg)), "XMP")
                elif seg.is_exif():
                    assert seg.payload is not None
                    found = user_comment_record(exif_user_comment(seg.payload[6:]), "JPEG")
                    if found:
                        scan.records.append(found)
                elif seg.marker == APP11 and seg.payload and is_c2pa_jpeg_app11(seg.payload):
                    scan.c2pa = True
                elif (blob := _blob_record(seg)) is not None:
                    scan.records.append(
                        FoundRecord(
                            f"JPEG {seg.name} segment",
                            blob,
                            False,
                            f"record stored as a blob in a {seg.name} segment, not in XMP",
                        )
                    )
        except CorruptFile as exc:
            raise CorruptFile(f"{path.name}: {exc.message}") from exc
        for packet in _extended_xmp(layout.segments):
            try:
                scan.add_xmp(scan_xmp(packet), "XMP extension")
            except CorruptFile:
                scan.notes.append("the Extended XMP segments are incomplete or damaged")
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        layout = read_layout(src)
        segs = layout.segments
        xmp_seg = next((s for s in segs if s.is_xmp()), None)
        try:
            packet = update_xmp(
                _xmp_packet(xmp_seg) if xmp_seg else None, record.to_json(), digital_source_type
            )
        except CorruptFile as exc:
            raise CorruptFile(f"{src.name}: {exc.message}") from exc
        if len(packet) > MAX_XMP_PACKET:
            raise UnsupportedFormat(
                f"{src.name}: the XMP packet would be {len(packet)} bytes; one JPEG segment holds"
                f" at most {MAX_XMP_PACKET} (Extended XMP is not written)",
                advice="remove large XMP properties (e.g. history, thumbnails) and try again",
            )
        xmp_bytes = segment_bytes(APP1, XMP_SIG + packet)

        # Without an XMP segment, ours goes after the leading APP0 (JFIF) / APP1 (EXIF) run,
        # where readers expect it.
        insert_after = -1
        for i, s in enumerate(segs):
            if s.marker == APP0 or s.is_exif():
                insert_after = i
            elif not (APP0 <= s.marker <= 0xEF):
                break

        pieces: list[Piece] = [(0, 2)]
        if xmp_seg is None and insert_after < 0:
            pieces.append(xmp_bytes)
        for i, seg in enumerate(segs):
            if seg is xmp_seg:
                pieces.append(xmp_bytes)
            elif seg.is_exif():
                pieces.append(self._exif_without_record(seg))
            elif (blob := _blob_record(seg)) is not None:
                # GB 45438 §6.1 c: one record per file. The blob moves to XMP; its segment goes
                # only when it held nothing else.
                assert seg.payload is not None
                if seg.payload.strip(b"\x00 \r\n\t") != blob.encode("utf-8"):
                    raise UnsupportedFormat(
                        f"{src.name}: an AIGC record shares a {seg.name} segment with other data;"
                        " it cannot be moved to XMP without losing that data"
                    )
            else:
                pieces.append((seg.offset, seg.end))
            if i == insert_after and xmp_seg is None:
                pieces.append(xmp_bytes)
        pieces.append((layout.sos, layout.size))
        written = write_pieces(src, dst, pieces, data=layout.data)
        if layout.data is None or layout.data[-12:-9] == b"AXS":  # an AFCP trailer, see below
            shift_afcp_trailer(dst, written - layout.size)

    @staticmethod
    def _exif_without_record(seg: Segment) -> Piece:
        """The EXIF segment as is, or with a record in UserComment blanked (it moves to XMP)."""
        assert seg.payload is not None
        blanked = without_user_comment_record(seg.payload[6:])
        if blanked is None:
            return (seg.offset, seg.end)
        return segment_bytes(APP1, seg.payload[:6] + blanked)
