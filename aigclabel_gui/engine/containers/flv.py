"""FLV: the AIGC record as the string key `AIGC` of the `onMetaData` script tag (AMF0).

Only the onMetaData tag changes: its ECMA array gets (or replaces) one `AIGC` entry, its DataSize
and the PreviousTagSize after it are updated. Every audio/video tag is copied byte for byte. The
tags after it move by the size difference, so the absolute byte offsets some writers keep in
onMetaData (`keyframes.filepositions`, used for seeking) and `filesize` are shifted with them.
A file without onMetaData gets one right after the FLV header.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.imgmeta import write_pieces
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord

CARRIER = "FLV onMetaData AIGC"
SCRIPT_TAG = 18
MAX_SCRIPT = 16 * 1024 * 1024  # script data is read into memory; audio/video never is
MAX_DEPTH = 32  # AMF0 nesting: real metadata is two or three levels deep
MAX_ITEMS = 1_000_000
_END = b"\x00\x00\x09"


@dataclass
class _Meta:
    """What the writer needs to know about a parsed onMetaData body."""

    array_start: int = -1  # offset of the ECMA array's count (-1: not an ECMA array)
    end_marker: int = -1  # offset of the top-level object end marker 00 00 09
    aigc: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, value)
    positions: list[int] = field(default_factory=list)  # offsets of keyframes.filepositions
    filesize: int = -1  # offset of the `filesize` number


class _Amf:
    """A bounded AMF0 reader over bytes that records where the interesting values are."""

    def __init__(self, data: bytes, name: str):
        self.data, self.name, self.items = data, name, 0

    def _need(self, pos: int, n: int) -> None:
        if pos + n > len(self.data):
            raise CorruptFile(f"{self.name}: the onMetaData script data is truncated")

    def string(self, pos: int, long: bool = False) -> tuple[str, int]:
        n_len = 4 if long else 2
        self._need(pos, n_len)
        n = int.from_bytes(self.data[pos : pos + n_len], "big")
        self._need(pos + n_len, n)
        raw = self.data[pos + n_len : pos + n_len + n]
        return raw.decode("utf-8", "replace"), pos + n_len + n

    def value(self, pos: int, depth: int, path: tuple[str, ...], meta: _Meta) -> int:
        """Skip one value starting at its type byte; return the offset after it."""
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise CorruptFile(f"{self.name}: onMetaData is nested too deeply or too large")
        self._need(pos, 1)
        t = self.data[pos]
        pos += 1
        if t == 0:  # number
            self._need(pos, 8)
            if path == ("filesize",):
                meta.filesize = pos
            elif path == ("keyframes", "filepositions", "[]"):
                meta.positions.append(pos)
            return pos + 8
        if t == 1:  # boolean
            return pos + 1
        if t in (2, 12):  # string, long string
            return self.string(pos, long=t == 12)[1]
        if t in (5, 6):  # null, undefined
            return pos
        if t == 7:  # reference
            return pos + 2
        if t == 11:  # date: double + timezone
            self._need(pos, 10)
            return pos + 10
        if t in (3, 8):  # object, ECMA array
            if t == 8:
                self._need(pos, 4)
                pos += 4
            return self.pairs(pos, depth + 1, path, meta, top=False)
        if t == 10:  # strict array
            self._need(pos, 4)
            (count,) = struct.unpack(">I", self.data[pos : pos + 4])
            pos += 4
            if count > MAX_ITEMS:
                raise CorruptFile(f"{self.name}: onMetaData array of {count} items")
            for _ in range(count):
                pos = self.value(pos, depth + 1, (*path, "[]"), meta)
            return pos
        raise CorruptFile(f"{self.name}: unknown AMF0 type {t} in onMetaData")

    def pairs(self, pos: int, depth: int, path: tuple[str, ...], meta: _Meta, top: bool) -> int:
        while True:
            self._need(pos, 3)
            if self.data[pos : pos + 3] == _END:
                if top:
                    meta.end_marker = pos
                return pos + 3
            start = pos
            key, pos = self.string(pos)
            vstart = pos
            pos = self.value(pos, depth, (*path, key), meta)
            if top and key == "AIGC" and self.data[vstart] in (2, 12):
                meta.aigc.append((start, pos, self.string(vstart + 1, self.data[vstart] == 12)[0]))


def _parse_meta(body: bytes, name: str) -> _Meta | None:
    """The onMetaData layout of a script tag body, or None for another script tag."""
    amf = _Amf(body, name)
    if not body or body[0] != 2:
        return None
    label, pos = amf.string(1)
    if label != "onMetaData":
        return None
    meta = _Meta()
    amf._need(pos, 1)
    t = body[pos]
    if t == 8:
        meta.array_start = pos + 1
        amf._need(pos + 1, 4)
        amf.pairs(pos + 5, 1, (), meta, top=True)
    elif t == 3:
        amf.pairs(pos + 1, 1, (), meta, top=True)
    else:
        raise CorruptFile(f"{name}: onMetaData is not an object (AMF0 type {t})")
    return meta


@dataclass(frozen=True)
class _Tag:
    offset: int  # of the 11-byte tag header
    kind: int
    size: int  # DataSize

    @property
    def end(self) -> int:  # after the trailing PreviousTagSize
        return self.offset + 11 + self.size + 4


def _header(f: BinaryIO, name: str) -> int:
    head = f.read(9)
    if len(head) < 9 or head[:3] != b"FLV":
        raise UnsupportedFormat(f"{name}: not an FLV file")
    (data_offset,) = struct.unpack(">I", head[5:9])
    if data_offset < 9:
        raise CorruptFile(f"{name}: FLV header size {data_offset} is invalid")
    return data_offset + 4  # the first tag follows PreviousTagSize0


def _first_tags(f: BinaryIO, start: int, size: int, name: str, limit: int = 64) -> list[_Tag]:
    """The first tags (onMetaData comes first in practice; a few are enough to find it)."""
    tags, off = [], start
    while off + 11 <= size and len(tags) < limit:
        f.seek(off)
        hdr = f.read(11)
        kind = hdr[0] & 0x1F
        (dsize,) = struct.unpack(">I", b"\x00" + hdr[1:4])
        tag = _Tag(off, kind, dsize)
        if tag.end > size:
            raise CorruptFile(f"{name}: a tag runs past the end of the file (truncated)")
        tags.append(tag)
        off = tag.end
    if not tags:
        raise CorruptFile(f"{name}: no tags after the FLV header (truncated)")
    return tags


def _script(f: BinaryIO, tag: _Tag, name: str) -> bytes:
    if tag.size > MAX_SCRIPT:
        raise CorruptFile(f"{name}: a script tag of {tag.size} bytes is not metadata")
    f.seek(tag.offset + 11)
    return f.read(tag.size)


def _amf_string(value: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) < 0x10000:
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    return b"\x0c" + struct.pack(">I", len(raw)) + raw


class FlvContainer(Container):
    name = "flv"
    kind = "video"
    extensions = (".flv",)
    carrier = f"{CARRIER} (AMF0 script tag)"

    def _find(self, f: BinaryIO, path: Path) -> tuple[int, list[_Tag], _Tag | None, bytes]:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        start = _header(f, path.name)
        tags = _first_tags(f, start, size, path.name)
        for tag in tags:
            if tag.kind == SCRIPT_TAG:
                body = _script(f, tag, path.name)
                if _parse_meta(body, path.name) is not None:
                    return start, tags, tag, body
        return start, tags, None, b""

    def scan(self, path: Path) -> MetadataScan:
        scan = MetadataScan()
        with open(path, "rb") as f:
            _start, _tags, tag, body = self._find(f, path)
            if tag is not None:
                meta = _parse_meta(body, path.name)
                for _s, _e, value in meta.aigc:
                    scan.records.append(FoundRecord(CARRIER, value, True))
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        entry = struct.pack(">H", 4) + b"AIGC" + _amf_string(record.to_json())
        with open(src, "rb") as f:
            start, _tags, tag, body = self._find(f, src)
            if tag is None:  # a new onMetaData tag right after the header
                new_body = (
                    b"\x02"
                    + struct.pack(">H", 10)
                    + b"onMetaData"
                    + b"\x08"
                    + struct.pack(">I", 1)
                    + entry
                    + _END
                )
                insert_at, resume_at, meta = start, start, None
            else:
                meta = _parse_meta(body, src.name)
                new_body = self._with_record(body, meta, entry)
                insert_at, resume_at = tag.offset, tag.end
            new_tag = self._tag(new_body, tag)
            delta = len(new_tag) - (resume_at - insert_at)
            if meta is not None and delta:
                new_tag = self._shift_offsets(new_tag, body, new_body, meta, delta)
            f.seek(0, 2)
            size = f.tell()
        write_pieces(src, dst, [(0, insert_at), new_tag, (resume_at, size)])

    @staticmethod
    def _with_record(body: bytes, meta: _Meta, entry: bytes) -> bytes:
        """The body with every AIGC entry removed and ours added before the end marker
        (one record per file, GB 45438 §6.1 c)."""
        cuts = sorted((s, e) for s, e, _v in meta.aigc)
        out, pos = bytearray(), 0
        for s, e in cuts:
            out += body[pos:s]
            pos = e
        end = meta.end_marker
        out += body[pos:end] + entry + body[end:]
        if meta.array_start >= 0:  # the ECMA count is a hint; keep it truthful
            (count,) = struct.unpack(">I", body[meta.array_start : meta.array_start + 4])
            count = max(0, count - len(cuts)) + 1
            out[meta.array_start : meta.array_start + 4] = struct.pack(">I", count)
        return bytes(out)

    @staticmethod
    def _tag(body: bytes, old: _Tag | None) -> bytes:
        if len(body) > 0xFFFFFF:
            raise UnsupportedFormat("the FLV metadata would exceed the 16 MB script tag limit")
        # Timestamp and stream ID stay 0, as every muxer writes them for onMetaData.
        head = bytes([SCRIPT_TAG]) + struct.pack(">I", len(body))[1:] + b"\x00" * 7
        return head + body + struct.pack(">I", 11 + len(body))

    @staticmethod
    def _shift_offsets(tag: bytes, old: bytes, new: bytes, meta: _Meta, delta: int) -> bytes:
        """Absolute offsets stored in onMetaData move with the data behind the tag. The numbers
        themselves moved inside the body too when an AIGC entry before them was cut out."""
        cuts = [(s, e) for s, e, _v in meta.aigc]

        def moved(p: int) -> int:
            return p - sum(e - s for s, e in cuts if e <= p)

        out = bytearray(tag)
        for p in meta.positions:
            at = 11 + moved(p)
            (v,) = struct.unpack(">d", out[at : at + 8])
            struct.pack_into(">d", out, at, v + delta)
        if meta.filesize >= 0:
            at = 11 + moved(meta.filesize)
            (v,) = struct.unpack(">d", out[at : at + 8])
            if v > 0:
                struct.pack_into(">d", out, at, v + delta)
        return bytes(out)
