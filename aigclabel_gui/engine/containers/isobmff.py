"""ISO-BMFF / QuickTime boxes: list the top level of a file, parse `moov` into a small tree, rebuild
it, and fix the absolute file offsets (stco/co64, tfhd, tfra) after boxes before the media moved.

Hand-written because no maintained Python library edits QuickTime `keys`/`ilst` metadata (mutagen
writes iTunes atoms only). Only the boxes on the paths we edit are opened; every other box is kept
as its exact bytes, so an untouched box serialises byte for byte.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat

# Containers whose children we parse (a box not listed here is an opaque leaf).
CONTAINERS = frozenset(
    {
        b"moov",
        b"trak",
        b"mdia",
        b"minf",
        b"stbl",
        b"udta",
        b"meta",
        b"ilst",
        b"moof",
        b"traf",
        b"mfra",
    }
)
# `moov` is read into memory: a real one is a few MB even for hours of video.
MAX_MOOV_BYTES = 256 * 1024 * 1024
# Real files nest the parsed containers a few levels (moov/udta/meta/ilst/item/data); a crafted
# one nests thousands, past Python's recursion limit: refused as a damaged box instead.
MAX_DEPTH = 64
_U32 = 0xFFFFFFFF


class BoxError(ValueError):
    """A box structure that does not add up (sizes past the parent's end, short fields)."""


@dataclass(frozen=True)
class TopBox:
    """One top-level box of a file, by position (its body is not read)."""

    type: bytes
    offset: int
    size: int
    header_size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def read_top_level(f: BinaryIO, file_size: int, name: str) -> list[TopBox]:
    """Every top-level box of the file; a box that runs past the end means a truncated file."""
    return list(iter_top_level(f, file_size, name))


def iter_top_level(f: BinaryIO, file_size: int, name: str) -> Iterator[TopBox]:
    """The top-level boxes one by one: a caller looking for one box (sniff: `moov`) stops there,
    and a damaged box further on is only reported when reached (CorruptFile)."""
    pos = 0
    while pos < file_size:
        f.seek(pos)
        head = f.read(16)
        if len(head) < 8:
            raise CorruptFile(f"{name}: {file_size - pos} stray bytes at the end of the file")
        size, typ = struct.unpack(">I4s", head[:8])
        header = 8
        if size == 1:
            if len(head) < 16:
                raise CorruptFile(f"{name}: the last box header is cut off (file truncated)")
            size = struct.unpack(">Q", head[8:16])[0]
            header = 16
        elif size == 0:  # "extends to the end of the file" (last box only)
            size = file_size - pos
        if size < header:
            raise CorruptFile(f"{name}: box {_show(typ)} at byte {pos} has an impossible size")
        if pos + size > file_size:
            raise CorruptFile(
                f"{name}: box {_show(typ)} at byte {pos} runs past the end of the file (truncated)"
            )
        yield TopBox(typ, pos, size, header)
        pos += size


def _show(typ: bytes) -> str:
    return repr(typ.decode("latin-1"))


@dataclass
class Box:
    """A box in memory. A leaf keeps its body in `payload`; a parsed container keeps `prefix`
    (e.g. a full box's version/flags), its `children`, and `suffix` (QuickTime's 4-byte zero
    terminator at the end of `udta`)."""

    type: bytes
    payload: bytes = b""
    children: list[Box] | None = None
    prefix: bytes = b""
    suffix: bytes = b""
    large: bool = False  # the source used a 64-bit size field: keep that form

    def body(self) -> bytes:
        if self.children is None:
            return self.payload
        return self.prefix + b"".join(c.to_bytes() for c in self.children) + self.suffix

    def to_bytes(self) -> bytes:
        body = self.body()
        if self.large or len(body) + 8 > _U32:
            return struct.pack(">I4sQ", 1, self.type, len(body) + 16) + body
        return struct.pack(">I4s", len(body) + 8, self.type) + body

    def first(self, typ: bytes) -> Box | None:
        return next((c for c in self.children or () if c.type == typ), None)

    def all(self, typ: bytes) -> list[Box]:
        return [c for c in self.children or () if c.type == typ]

    def walk(self, typ: bytes) -> list[Box]:
        """Every descendant (parsed part of the tree) of type `typ`."""
        found = []
        for c in self.children or ():
            if c.type == typ:
                found.append(c)
            found += c.walk(typ)
        return found


def _meta_prefix(body: bytes) -> int:
    """ISO `meta` is a full box (4 bytes version/flags before the children); QuickTime's `meta`
    (e.g. iPhone `moov/meta`) is not. Tell them apart by where a child header fits."""
    if len(body) >= 12 and body[4:8] == b"hdlr":
        return 0
    return 4


def parse_boxes(
    data: bytes, start: int = 0, end: int | None = None, *, parent: bytes = b""
) -> list[Box]:
    """Parse the boxes in data[start:end] into a tree (see CONTAINERS). Raises BoxError."""
    end = len(data) if end is None else end
    boxes, _tail = _parse_children(data, start, end, parent)
    if _tail:
        raise BoxError(f"{len(_tail)} stray bytes after the last box")
    return boxes


def _parse_children(
    data: bytes, pos: int, end: int, parent: bytes, depth: int = 0
) -> tuple[list[Box], bytes]:
    if depth > MAX_DEPTH:
        raise BoxError(f"boxes inside {_show(parent)} are nested more than {MAX_DEPTH} deep")
    boxes: list[Box] = []
    while pos < end:
        if end - pos < 8:
            return boxes, data[pos:end]  # QuickTime terminator / padding: kept as is
        size, typ = struct.unpack_from(">I4s", data, pos)
        header, large = 8, False
        if size == 1:
            if end - pos < 16:
                raise BoxError(f"box {_show(typ)} header cut off")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header, large = 16, True
        elif size == 0:
            if typ == b"\x00\x00\x00\x00":  # a zero terminator followed by padding
                return boxes, data[pos:end]
            size = end - pos
        if size < header or pos + size > end:
            raise BoxError(f"box {_show(typ)} inside {_show(parent)} runs past its parent")
        body_start, box_end = pos + header, pos + size
        box = Box(typ, large=large)
        # Items of an `ilst` are containers too (`data`, `mean`, `name` children).
        if typ in CONTAINERS or parent == b"ilst":
            skip = _meta_prefix(data[body_start:box_end]) if typ == b"meta" else 0
            try:
                box.children, box.suffix = _parse_children(
                    data, body_start + skip, box_end, typ, depth + 1
                )
                box.prefix = data[body_start : body_start + skip]
            except BoxError:
                if parent != b"ilst":
                    raise
                box.children, box.payload = None, data[body_start:box_end]
        else:
            box.payload = data[body_start:box_end]
        boxes.append(box)
        pos = box_end
    return boxes, b""


def read_moov(f: BinaryIO, top: TopBox, name: str) -> Box:
    if top.size > MAX_MOOV_BYTES:
        raise InputTooLarge(f"{name}: the moov box is {top.size >> 20} MiB")
    f.seek(top.offset)
    data = f.read(top.size)
    if len(data) != top.size:
        raise CorruptFile(f"{name}: the moov box is cut off (file truncated)")
    try:
        boxes = parse_boxes(data)
    except (BoxError, struct.error) as exc:
        raise CorruptFile(f"{name}: the moov box is damaged ({exc})") from exc
    if len(boxes) != 1 or boxes[0].type != b"moov":
        raise CorruptFile(f"{name}: the moov box is damaged")
    return boxes[0]


def track_handlers(moov: Box) -> list[bytes]:
    """The handler type of each track (`trak/mdia/hdlr`): b"vide", b"soun", b"text", …"""
    types = []
    for trak in moov.all(b"trak"):
        mdia = trak.first(b"mdia")
        hdlr = mdia.first(b"hdlr") if mdia is not None else None
        if hdlr is not None and len(hdlr.payload) >= 12:
            types.append(hdlr.payload[8:12])
    return types


def file_moov(path) -> Box | None:
    """The parsed `moov` of the file at `path`; None when it has none, is not ISO BMFF, or its
    moov cannot be parsed. For readers that only look for a detail (a codec, a configuration
    record): the container's own read reports a damaged file."""
    from aigclabel_gui.engine.errors import AigcError

    try:
        with open(path, "rb") as f:
            top = read_top_level(f, f.seek(0, 2), str(path))
            moov = next((b for b in top if b.type == b"moov"), None)
            return None if moov is None else read_moov(f, moov, str(path))
    except (OSError, BoxError, AigcError):
        return None


def child_boxes(body: bytes, start: int = 0, parent: bytes = b"") -> list[Box]:
    """The boxes in body[start:] as far as they parse (a damaged or padded tail ends the list):
    e.g. the entries of an `stsd` (start 8) or the boxes after a sample entry's fields."""
    try:
        return _parse_children(body, start, len(body), parent)[0]
    except (BoxError, struct.error):
        return []


def sample_entries(moov: Box) -> list[Box]:
    """Every track's sample entries (the children of each `stsd`), in file order: their `type`
    is the codec's four-character code (b"mp4a", b"ac-4", b"hvc1", …), `payload` their body."""
    return [e for stsd in moov.walk(b"stsd") for e in child_boxes(stsd.payload, 8, b"stsd")]


# --- absolute offsets --------------------------------------------------------------------------


@dataclass
class OffsetMap:
    """Where each original top-level box starts in the rewritten file."""

    starts: list[int] = field(default_factory=list)  # original offsets, ascending
    ends: list[int] = field(default_factory=list)
    deltas: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, old: list[TopBox], new_sizes: list[int]) -> OffsetMap:
        m = cls()
        pos = 0
        for box, new_size in zip(old, new_sizes, strict=True):
            m.starts.append(box.offset)
            m.ends.append(box.end)
            m.deltas.append(pos - box.offset)
            pos += new_size
        return m

    @property
    def identity(self) -> bool:
        return not any(self.deltas)

    def __call__(self, offset: int) -> int:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0 or offset > self.ends[i]:
            raise BoxError(f"offset {offset} points outside the file")
        return offset + self.deltas[i]


def _offset_tables(moov: Box) -> Iterator[tuple[Box, str, int, int]]:
    """Every `stco` (32-bit) and `co64` (64-bit) chunk-offset table of every track, checked:
    (box, struct format of one entry, entry width, entry count)."""
    for typ, fmt, width in ((b"stco", ">I", 4), (b"co64", ">Q", 8)):
        for box in moov.walk(typ):
            p = box.payload
            if len(p) < 8:
                raise BoxError(f"{_show(typ)} is too short")
            (count,) = struct.unpack_from(">I", p, 4)
            if 8 + count * width > len(p):
                raise BoxError(f"{_show(typ)} has fewer entries than it declares")
            yield box, fmt, width, count


def chunk_offsets(moov: Box) -> list[int]:
    """Every chunk offset of every track."""
    found: list[int] = []
    for box, fmt, _width, count in _offset_tables(moov):
        found += struct.unpack_from(f">{count}{fmt[1]}", box.payload, 8)
    return found


def shift_chunk_offsets(moov: Box, move: Callable[[int], int]) -> None:
    """Rewrite every `stco`/`co64` table (all tracks) through `move`."""
    for box, fmt, width, count in list(_offset_tables(moov)):
        p = box.payload
        out = bytearray(p)
        for i in range(count):
            at = 8 + i * width
            new = move(struct.unpack_from(fmt, p, at)[0])
            if width == 4 and new > _U32:
                raise UnsupportedFormat(
                    "moving the media past 4 GiB needs 64-bit chunk offsets (co64); "
                    "remux the file with ffmpeg first"
                )
            struct.pack_into(fmt, out, at, new)
        box.payload = bytes(out)


def shift_fragment_offsets(root: Box, move: Callable[[int], int]) -> None:
    """Fragmented MP4: `tfhd` base-data-offset (flag 0x1) and `tfra` moof offsets are absolute
    file positions (ISO/IEC 14496-12 §8.8.7, §8.8.10); offsets relative to the moof need nothing."""
    for tfhd in root.walk(b"tfhd"):
        p = tfhd.payload
        if len(p) < 8:
            raise BoxError("tfhd is too short")
        if p[3] & 0x01:  # base-data-offset-present
            if len(p) < 16:
                raise BoxError("tfhd is too short")
            out = bytearray(p)
            struct.pack_into(">Q", out, 8, move(struct.unpack_from(">Q", p, 8)[0]))
            tfhd.payload = bytes(out)
    for tfra in root.walk(b"tfra"):
        tfra.payload = _shift_tfra(tfra.payload, move)


def _shift_tfra(p: bytes, move: Callable[[int], int]) -> bytes:
    if len(p) < 16:
        raise BoxError("tfra is too short")
    version = p[0]
    sizes = struct.unpack_from(">I", p, 8)[0]
    tail = sum(((sizes >> s) & 3) + 1 for s in (4, 2, 0))  # traf, trun, sample number bytes
    (count,) = struct.unpack_from(">I", p, 12)
    fmt, width = (">Q", 8) if version == 1 else (">I", 4)
    entry = 2 * width + tail
    if 16 + count * entry > len(p):
        raise BoxError("tfra has fewer entries than it declares")
    out = bytearray(p)
    for i in range(count):
        at = 16 + i * entry + width  # after `time`
        new = move(struct.unpack_from(fmt, p, at)[0])
        if width == 4 and new > _U32:
            raise UnsupportedFormat("the fragment index (tfra) cannot address past 4 GiB")
        struct.pack_into(fmt, out, at, new)
    return bytes(out)
