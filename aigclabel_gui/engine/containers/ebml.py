"""Matroska/WebM at the EBML level: list the Segment's top-level elements, rebuild its `Tags`, and
plan byte patches that leave every other element byte for byte (RFC 8794 EBML, RFC 9559 Matroska).

Hand-written because no maintained Python library edits Matroska tags in place (mkvpropedit is a
C++ tool; a libavformat remux drops TrackLanguageIETF, flags, DefaultDuration, UIDs and encryption
elements). Only the Segment's top level, `Tags` and `SeekHead` are parsed; Clusters are skipped
by their sizes, never read.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

EBML = 0x1A45DFA3
SEGMENT = 0x18538067
SEEKHEAD = 0x114D9B74
SEEK = 0x4DBB
SEEK_ID = 0x53AB
SEEK_POSITION = 0x53AC
TAGS = 0x1254C367
TAG = 0x7373
TARGETS = 0x63C0
TARGET_TYPE_VALUE = 0x68CA
SIMPLE_TAG = 0x67C8
TAG_NAME = 0x45A3
TAG_STRING = 0x4487
CLUSTER = 0x1F43B675
VOID = 0xEC
CRC32 = 0xBF
_TARGET_UIDS = {0x63C5, 0x63C9, 0x63C4, 0x63C6}  # track, edition, chapter, attachment UIDs
MAX_TAGS_BYTES = 64 * 1024 * 1024


class EbmlError(ValueError):
    """An element structure that does not add up."""


class NeedsRemux(Exception):
    """A layout this editor does not patch (unknown sizes, no SeekHead to point at new Tags)."""


@dataclass(frozen=True)
class Element:
    id: int
    start: int  # first byte of the ID
    data: int  # first byte of the payload
    size: int

    @property
    def end(self) -> int:
        return self.data + self.size


def read_vint(buf: bytes, pos: int, *, marker: bool) -> tuple[int, int, int]:
    """(value, next position, length) of the EBML variable-size integer at `pos`; an all-ones
    size (unknown) comes back as -1."""
    if pos >= len(buf) or buf[pos] == 0:
        raise EbmlError(f"bad EBML number at byte {pos}")
    first = buf[pos]
    length = 9 - first.bit_length()
    if pos + length > len(buf):
        raise EbmlError("EBML number cut off")
    value = first if marker else first & (0xFF >> length)
    for b in buf[pos + 1 : pos + length]:
        value = (value << 8) | b
    if not marker and value == (1 << (7 * length)) - 1:
        value = -1
    return value, pos + length, length


def encode_size(value: int, length: int | None = None) -> bytes:
    """`value` as an EBML size, in `length` bytes (default: the shortest)."""
    need = 1
    while value >= (1 << (7 * need)) - 1:  # all ones means "unknown"
        need += 1
    length = length or need
    if length < need or length > 8:
        raise EbmlError(f"size {value} does not fit in {length} bytes")
    return ((1 << (7 * length)) | value).to_bytes(length, "big")


def encode_id(eid: int) -> bytes:
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big")


def element(eid: int, payload: bytes, size_length: int | None = None) -> bytes:
    return encode_id(eid) + encode_size(len(payload), size_length) + payload


def void(total: int) -> bytes:
    """A Void element exactly `total` bytes long (total >= 2)."""
    if total < 2:
        raise EbmlError("a Void element needs at least 2 bytes")
    if total - 2 <= 126:
        return element(VOID, bytes(total - 2))
    return element(VOID, bytes(total - 9), 8)


def children(buf: bytes) -> list[tuple[int, bytes, bytes]]:
    """The elements of a master payload as (id, whole element bytes, payload)."""
    out, pos = [], 0
    while pos < len(buf):
        eid, p, _ = read_vint(buf, pos, marker=True)
        size, p, _ = read_vint(buf, p, marker=False)
        if size < 0 or p + size > len(buf):
            raise EbmlError("a child element runs past its parent")
        out.append((eid, buf[pos : p + size], buf[p : p + size]))
        pos = p + size
    return out


@dataclass
class Segment:
    """The Segment of a Matroska file: where its payload starts and its top-level elements."""

    start: int
    data: int
    size: int  # -1: unknown (live streams)
    size_length: int
    elements: list[Element]
    file_size: int

    @property
    def end(self) -> int:
        return self.file_size if self.size < 0 else self.data + self.size

    def first(self, eid: int) -> Element | None:
        return next((e for e in self.elements if e.id == eid), None)


def read_segment(f: BinaryIO, file_size: int) -> Segment:
    """Walk the EBML header and the Segment's top level (Cluster payloads are skipped)."""
    f.seek(0)
    head = f.read(64)
    eid, pos, _ = read_vint(head, 0, marker=True)
    if eid != EBML:
        raise EbmlError("no EBML header")
    hsize, pos, _ = read_vint(head, pos, marker=False)
    pos += hsize
    eid, size, data, size_length = _header(f, pos)
    if eid != SEGMENT:
        raise EbmlError("no Segment after the EBML header")
    seg = Segment(pos, data, size, size_length, [], file_size)
    end = seg.end
    if end > file_size:
        raise EbmlError("the Segment is longer than the file (truncated)")
    pos = data
    while pos < end:
        if end - pos < 2:
            raise EbmlError("stray bytes at the end of the Segment")
        eid, size, data, _ = _header(f, pos)
        if size < 0:
            raise NeedsRemux("an element of unknown size (a live recording)")
        if data + size > end:
            raise EbmlError(f"element 0x{eid:X} at byte {pos} runs past the Segment (truncated)")
        seg.elements.append(Element(eid, pos, data, size))
        pos = data + size
    return seg


def _header(f: BinaryIO, pos: int) -> tuple[int, int, int, int]:
    f.seek(pos)
    head = f.read(12)
    eid, p, _ = read_vint(head, 0, marker=True)
    size, p, size_length = read_vint(head, p, marker=False)
    return eid, size, pos + p, size_length


def string_of(payload: bytes) -> str:
    return payload.rstrip(b"\x00").decode("utf-8", "replace")


def uint_of(payload: bytes) -> int:
    return int.from_bytes(payload, "big") if payload else 0


def rebuild_tags(
    payload: bytes | None,
    value: str,
    is_record: Callable[[str, str], bool],
) -> bytes:
    """The Tags payload with every SimpleTag holding a record removed (any target) and `value`
    stored as the global SimpleTag AIGC — in place of the first global AIGC tag if there was one,
    else appended to the first global Tag, else in a new global Tag (GB 45438 §6.1 c: one record
    per file). Other Tags and SimpleTags are kept as their exact bytes."""
    kids = children(payload) if payload else []
    had_crc = any(k[0] == CRC32 for k in kids)
    new_simple = element(
        SIMPLE_TAG,
        # No TagLanguage: the default "und" is implied (exiftool would name the tag "Aigc-und").
        element(TAG_NAME, b"AIGC") + element(TAG_STRING, value.encode()),
    )
    placed = False
    out: list[bytes] = []
    for eid, raw, body in kids:
        if eid == CRC32:
            continue
        if eid != TAG:
            out.append(raw)
            continue
        tag_kids = children(body)
        targets = next((b for i, _r, b in tag_kids if i == TARGETS), b"")
        is_global = _is_global(targets)
        kept: list[bytes] = []
        changed = False
        for tid, traw, tbody in tag_kids:
            if tid == SIMPLE_TAG and _simple_is_record(tbody, is_record):
                changed = True
                if is_global and not placed:
                    kept.append(new_simple)
                    placed = True
                continue
            kept.append(traw)
        if not changed:
            out.append(raw)
        elif any(tid == SIMPLE_TAG for tid, *_ in children(b"".join(kept))):
            out.append(element(TAG, b"".join(kept)))
        # a Tag left without SimpleTags is dropped (a Tag needs at least one)
    if not placed:
        for i, raw in enumerate(out):
            eid, p, _ = read_vint(raw, 0, marker=True)
            if eid != TAG:
                continue
            _size, p, _ = read_vint(raw, p, marker=False)
            body = raw[p:]
            targets = next((b for j, _r, b in children(body) if j == TARGETS), b"")
            if _is_global(targets):
                out[i] = element(TAG, body + new_simple)
                placed = True
                break
    if not placed:
        out.append(element(TAG, element(TARGETS, b"") + new_simple))
    return crc_payload(out, had_crc)


def crc_payload(kids: list[bytes], had_crc: bool) -> bytes:
    """A master payload from its children; a CRC-32 first child (FFmpeg writes one in Matroska
    level-1 elements) is recomputed over the others, as the spec defines it."""
    body = b"".join(kids)
    if had_crc:
        body = element(CRC32, zlib.crc32(body).to_bytes(4, "little")) + body
    return body


def _is_global(targets: bytes) -> bool:
    """A Tag about the whole Segment: no UID narrows it; TargetTypeValue absent or 50 (movie)."""
    kids = children(targets) if targets else []
    if any(i in _TARGET_UIDS for i, *_ in kids):
        return False
    ttv = next((uint_of(b) for i, _r, b in kids if i == TARGET_TYPE_VALUE), 50)
    return ttv == 50


def _simple_is_record(body: bytes, is_record: Callable[[str, str], bool]) -> bool:
    kids = children(body)
    name = next((string_of(b) for i, _r, b in kids if i == TAG_NAME), "")
    value = next((string_of(b) for i, _r, b in kids if i == TAG_STRING), "")
    return is_record(name, value)


def seek_entries(payload: bytes) -> list[tuple[int, int]]:
    """(element id, position relative to the Segment data) of each Seek in a SeekHead."""
    out = []
    for eid, _raw, body in children(payload):
        if eid != SEEK:
            continue
        kids = children(body)
        sid = next((uint_of(b) for i, _r, b in kids if i == SEEK_ID), 0)
        pos = next((uint_of(b) for i, _r, b in kids if i == SEEK_POSITION), -1)
        out.append((sid, pos))
    return out


def set_seek(payload: bytes, eid: int, position: int) -> bytes:
    """The SeekHead payload (without CRC handling) with `eid` pointing at `position`: the first
    entry for `eid` is updated, or an entry added."""
    kids = children(payload)
    had_crc = any(k[0] == CRC32 for k in kids)
    entry = element(
        SEEK,
        element(SEEK_ID, encode_id(eid))
        + element(
            SEEK_POSITION, position.to_bytes(max(1, (position.bit_length() + 7) // 8), "big")
        ),
    )
    out, done = [], False
    for kid, raw, body in kids:
        if kid == CRC32:
            continue
        if kid == SEEK and not done:
            sid = next((uint_of(b) for i, _r, b in children(body) if i == SEEK_ID), 0)
            if sid == eid:
                out.append(entry)
                done = True
                continue
        out.append(raw)
    if not done:
        out.append(entry)
    return crc_payload(out, had_crc)


# Segment positions outside the SeekHead: CueClusterPosition, CueCodecState (Cues), Position
# (Cluster). Each is rewritten in its own bytes, so no element changes size.
CUES = 0x1C53BB6B
_CUE_MASTERS = {0xBB, 0xB7}  # CuePoint, CueTrackPositions
_CUE_POSITIONS = {0xF1, 0xEA}
CLUSTER_POSITION = 0xA7
_BLOCKS = {0xA3, 0xA0, 0xAF}  # SimpleBlock, BlockGroup, EncryptedBlock: the media starts


def shift_positions(
    payload: bytes, masters: set[int], targets: set[int], shift: Callable[[int], int]
) -> bytes:
    """`payload` with every unsigned integer `targets` element (inside `masters`, recursively)
    replaced by shift(value) in the same number of bytes; a CRC-32 child is recomputed."""
    out = bytearray(payload)
    _shift_in(out, 0, len(out), masters, targets, shift)
    return bytes(out)


def _shift_in(buf: bytearray, start: int, end: int, masters, targets, shift) -> None:
    pos, crc_at = start, None
    while pos < end:
        eid, p, _ = read_vint(buf, pos, marker=True)
        size, p, _ = read_vint(buf, p, marker=False)
        if size < 0 or p + size > end:
            raise EbmlError("a child element runs past its parent")
        if eid == CRC32 and pos == start:
            crc_at = p
        elif eid in masters:
            _shift_in(buf, p, p + size, masters, targets, shift)
        elif eid in targets and size:
            value = shift(int.from_bytes(buf[p : p + size], "big"))
            if value >= 1 << (8 * size):
                raise NeedsRemux("a moved position needs a longer number")
            buf[p : p + size] = value.to_bytes(size, "big")
        pos = p + size
    if crc_at is not None:
        buf[crc_at : crc_at + 4] = zlib.crc32(bytes(buf[crc_at + 4 : end])).to_bytes(4, "little")


def cluster_position_patch(head: bytes, shift: Callable[[int], int]) -> bytes | None:
    """The first bytes of a Cluster with its Position element shifted, or None if it has none
    (checked up to the first block, where the element lives in practice)."""
    eid, p, _ = read_vint(head, 0, marker=True)
    _size, p, _ = read_vint(head, p, marker=False)
    buf = bytearray(head)
    has_crc = False
    while p < len(buf):
        try:
            cid, q, _ = read_vint(buf, p, marker=True)
            size, q, _ = read_vint(buf, q, marker=False)
        except EbmlError:
            return None
        if cid in _BLOCKS or size < 0 or q + size > len(buf):
            return None
        if cid == CRC32:
            has_crc = True
        if cid == CLUSTER_POSITION:
            if has_crc:
                raise NeedsRemux("a Cluster with both a CRC-32 and a Position element")
            value = shift(int.from_bytes(buf[q : q + size], "big"))
            if value >= 1 << (8 * size):
                raise NeedsRemux("a moved position needs a longer number")
            buf[q : q + size] = value.to_bytes(size, "big")
            return bytes(buf)
        p = q + size
    return None
