"""HEIF/AVIF item surgery (ISO/IEC 23008-12, ISO/IEC 14496-12 §8.11): find the XMP item of the
primary image, read its bytes, and write a new XMP packet without touching any coded image.

Hand-written because no maintained Python library edits HEIF items in place (pillow-heif and
libheif can only add metadata by re-encoding). The new packet goes into a fresh `mdat` at the end
of the file, so no media byte moves except by the growth of `meta`; every absolute `iloc` offset
(and `moov` chunk offset, for image sequences) is shifted by that growth. Every box other than
`meta` (and `moov`) is copied byte for byte; inside `meta` only `iinf`, `iloc` and `iref` change.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from aigclabel_gui.engine.containers.isobmff import (
    Box,
    BoxError,
    OffsetMap,
    TopBox,
    parse_boxes,
    read_moov,
    read_top_level,
    shift_chunk_offsets,
)
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat

XMP_CONTENT_TYPE = "application/rdf+xml"
MAX_META_BYTES = 64 * 1024 * 1024  # `meta` is read into memory; real ones are a few KB
MAX_XMP_BYTES = 16 * 1024 * 1024
_U16, _U32 = 0xFFFF, 0xFFFFFFFF
# UnsupportedFormat's default advice lists the formats we label: HEIF is one of them.
_LAYOUT_ADVICE = (
    "re-save it as a regular HEIF/AVIF (e.g. with libheif's heif-enc), or label a copy in "
    "another format"
)


# --- iloc ---------------------------------------------------------------------------------------


@dataclass
class Extent:
    index: int
    offset: int
    length: int


@dataclass
class IlocItem:
    item_id: int
    method: int  # construction_method: 0 file offset, 1 idat offset, 2 item offset
    data_ref: int  # data_reference_index: 0 = this file
    base: int
    extents: list[Extent] = field(default_factory=list)


@dataclass
class Iloc:
    version: int
    flags: bytes
    offset_size: int
    length_size: int
    base_size: int
    index_size: int
    items: list[IlocItem] = field(default_factory=list)


class _Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def uint(self, size: int) -> int:
        if size == 0:
            return 0
        if size not in (2, 4, 8) or self.pos + size > len(self.data):
            raise BoxError("field runs past the end of its box")
        value = int.from_bytes(self.data[self.pos : self.pos + size], "big")
        self.pos += size
        return value

    def cstring(self) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:  # some writers omit the last terminator
            end = len(self.data)
        s = self.data[self.pos : end]
        self.pos = end + 1
        return s


def _put(value: int, size: int) -> bytes:
    if size == 0:
        if value:
            raise UnsupportedFormat(
                f"an item location of {value} does not fit the iloc layout", advice=_LAYOUT_ADVICE
            )
        return b""
    if value >= 1 << (8 * size):
        raise UnsupportedFormat(
            f"an item location of {value} does not fit {size}-byte iloc fields",
            advice=_LAYOUT_ADVICE,
        )
    return value.to_bytes(size, "big")


def parse_iloc(p: bytes) -> Iloc:
    r = _Reader(p, 4)
    version = p[0] if p else 255
    if version > 2:
        raise UnsupportedFormat(f"iloc version {version} is not supported", advice=_LAYOUT_ADVICE)
    a, b = r.uint(2).to_bytes(2, "big")
    iloc = Iloc(version, p[1:4], a >> 4, a & 15, b >> 4, (b & 15) if version else 0)
    for size in (iloc.offset_size, iloc.length_size, iloc.base_size, iloc.index_size):
        if size not in (0, 4, 8):
            raise BoxError(f"iloc field size {size} is not 0, 4 or 8")
    count = r.uint(4 if version == 2 else 2)
    extents = 0
    for _ in range(count):
        item_id = r.uint(4 if version == 2 else 2)
        method = r.uint(2) & 15 if version else 0
        item = IlocItem(item_id, method, r.uint(2), r.uint(iloc.base_size))
        n = r.uint(2)
        # With every field size 0 an extent takes no bytes: 65535 per item, millions in a few kB.
        extents += n
        if extents > len(p):
            raise BoxError(f"iloc declares {extents} extents in {len(p)} bytes")
        for _ in range(n):
            index = r.uint(iloc.index_size) if version else 0
            item.extents.append(Extent(index, r.uint(iloc.offset_size), r.uint(iloc.length_size)))
        iloc.items.append(item)
    return iloc


def build_iloc(iloc: Iloc) -> bytes:
    v = iloc.version
    id_size = 4 if v == 2 else 2
    out = [bytes([v]) + iloc.flags]
    out.append(
        bytes([iloc.offset_size << 4 | iloc.length_size, iloc.base_size << 4 | iloc.index_size])
    )
    out.append(_put(len(iloc.items), id_size))
    for it in iloc.items:
        out.append(_put(it.item_id, id_size))
        if v:
            out.append(_put(it.method, 2))
        out += [_put(it.data_ref, 2), _put(it.base, iloc.base_size), _put(len(it.extents), 2)]
        for e in it.extents:
            if v:
                out.append(_put(e.index, iloc.index_size))
            out += [_put(e.offset, iloc.offset_size), _put(e.length, iloc.length_size)]
    return b"".join(out)


# --- the parsed file ----------------------------------------------------------------------------


@dataclass
class ItemInfo:
    item_id: int
    item_type: bytes
    content_type: str


@dataclass
class HeifFile:
    name: str
    size: int
    top: list[TopBox]
    meta_top: TopBox
    meta: Box  # children parsed one level deep
    primary: int
    items: dict[int, ItemInfo]
    iloc: Iloc
    refs: list[tuple[bytes, int, list[int]]]  # (type, from, to) of every `iref` entry

    def child(self, typ: bytes) -> Box | None:
        return self.meta.first(typ)


def _full_box(box: Box | None, what: str) -> tuple[int, bytes]:
    if box is None or len(box.payload) < 4:
        raise CorruptFile(f"the {what} box is missing or too short")
    return box.payload[0], box.payload[4:]


def _parse_infe(p: bytes) -> ItemInfo | None:
    version = p[0] if p else 0
    if version < 2:  # versions 0/1 carry no item_type: never an XMP item, kept as is
        return None
    r = _Reader(p, 4)
    item_id = r.uint(4 if version == 3 else 2)
    r.uint(2)  # protection index
    item_type = p[r.pos : r.pos + 4]
    r.pos += 4
    r.cstring()  # item_name
    content_type = r.cstring().decode("utf-8", "replace") if item_type == b"mime" else ""
    return ItemInfo(item_id, item_type, content_type)


def _iinf_entries(iinf: Box) -> tuple[int, int, list[Box]]:
    """(version, header length, infe boxes) of `iinf`."""
    version, _ = _full_box(iinf, "iinf")
    head = 4 + (2 if version == 0 else 4)
    count = int.from_bytes(iinf.payload[4:head], "big")
    infes = parse_boxes(iinf.payload, head)
    if len(infes) != count:
        raise BoxError(f"iinf declares {count} items but holds {len(infes)}")
    return version, head, infes


def _parse_iref(iref: Box | None) -> list[tuple[bytes, int, list[int]]]:
    if iref is None:
        return []
    version, _ = _full_box(iref, "iref")
    size = 4 if version else 2
    refs = []
    for ref in parse_boxes(iref.payload, 4):
        r = _Reader(ref.payload)
        src = r.uint(size)
        refs.append((ref.type, src, [r.uint(size) for _ in range(r.uint(2))]))
    return refs


def refuse_low_overhead(top: list, name: str) -> None:
    """Low-overhead HEIF/AVIF (ISO/IEC 23008-12 amendment: a 'mini' box instead of 'meta',
    brand mif3) has no item tables to add an XMP item to: said plainly, not "damaged"."""
    if any(b.type == b"mini" for b in top) and not any(b.type == b"meta" for b in top):
        raise UnsupportedFormat(
            f"{name}: low-overhead HEIF/AVIF (a 'mini' box instead of 'meta', brand mif3) is not"
            " supported yet",
            advice="re-save it as a regular HEIF/AVIF (e.g. with libheif's heif-enc) and try again",
        )


def read_heif(f: BinaryIO, file_size: int, name: str) -> HeifFile:
    """Parse the top level and the file-level `meta`. Raises CorruptFile / UnsupportedFormat."""
    top = read_top_level(f, file_size, name)
    refuse_low_overhead(top, name)
    metas = [b for b in top if b.type == b"meta"]
    if len(metas) != 1:
        raise UnsupportedFormat(
            f"{name}: expected one top-level meta box, found {len(metas)}", advice=_LAYOUT_ADVICE
        )
    mt = metas[0]
    if mt.size > MAX_META_BYTES:
        raise InputTooLarge(f"{name}: the meta box is {mt.size >> 20} MiB")
    f.seek(mt.offset)
    raw = f.read(mt.size)
    try:
        meta = Box(
            b"meta",
            children=parse_boxes(raw, mt.header_size + 4),
            prefix=raw[mt.header_size : mt.header_size + 4],
            large=mt.header_size == 16,
        )
        if meta.to_bytes() != raw:  # our rebuild must be exact before we dare edit it
            raise UnsupportedFormat(
                f"{name}: the meta box has a layout we cannot rebuild exactly",
                advice=_LAYOUT_ADVICE,
            )
        pitm = meta.first(b"pitm")
        if pitm is None:
            raise UnsupportedFormat(
                f"{name}: no primary item (pitm); cannot tell which image to label",
                advice=_LAYOUT_ADVICE,
            )
        pv, pp = _full_box(pitm, "pitm")
        primary = _Reader(pp).uint(4 if pv else 2)
        iinf = meta.first(b"iinf")
        iloc_box = meta.first(b"iloc")
        if iinf is None or iloc_box is None:
            raise CorruptFile(f"{name}: the meta box has no iinf/iloc (not a HEIF image)")
        items = {}
        for infe in _iinf_entries(iinf)[2]:
            info = _parse_infe(infe.payload)
            if info is not None:
                items[info.item_id] = info
        iloc = parse_iloc(iloc_box.payload)
        refs = _parse_iref(meta.first(b"iref"))
    except (BoxError, struct.error, IndexError) as exc:
        raise CorruptFile(f"{name}: the meta box is damaged ({exc})") from exc
    return HeifFile(name, file_size, top, mt, meta, primary, items, iloc, refs)


def xmp_item_ids(hf: HeifFile) -> list[int]:
    """XMP items describing the primary image: 'mime' rdf+xml items with a 'cdsc' reference to it."""
    ids = []
    for typ, src, to in hf.refs:
        info = hf.items.get(src)
        if typ == b"cdsc" and hf.primary in to and info and info.item_type == b"mime":
            if (
                info.content_type.split(";")[0].strip().lower() == XMP_CONTENT_TYPE
                and src not in ids
            ):
                ids.append(src)
    return ids


# Primary item types libheif builds commonly lack, named for the user (ISO/IEC 23001-17: 'unci').
ITEM_TYPE_NAMES = {
    b"unci": "uncompressed HEIF (ISO/IEC 23001-17 'unci')",
    b"j2k1": "JPEG 2000 in HEIF ('j2k1')",
    b"vvc1": "VVC in HEIF ('vvc1')",
    b"evc1": "EVC in HEIF ('evc1')",
}


def primary_item_type(path: Path) -> bytes | None:
    """The item type of the primary image (b"hvc1", b"av01", b"unci" ...), None if unreadable."""
    try:
        with open(path, "rb") as f:
            hf = read_heif(f, f.seek(0, 2), path.name)
    except (OSError, CorruptFile, UnsupportedFormat, InputTooLarge):
        return None
    info = hf.items.get(hf.primary)
    return info.item_type if info else None


def read_metadata_items(path: Path) -> tuple[bytes | None, bytes | None]:
    """(XMP packet, EXIF blob) of the primary image from the item tables alone, without libheif:
    for images whose codec libheif cannot decode (the metadata path never needs the pixels)."""
    with open(path, "rb") as f:
        hf = read_heif(f, f.seek(0, 2), path.name)
        ids = xmp_item_ids(hf)
        xmp = item_data(hf, f, ids[0]) if ids else None
        exif = None
        for typ, src, to in hf.refs:
            info = hf.items.get(src)
            if typ == b"cdsc" and hf.primary in to and info and info.item_type == b"Exif":
                raw = item_data(hf, f, src)
                # ISO/IEC 23008-12 A.2.1: a 4-byte offset to the TIFF header comes first.
                skip = 4 + int.from_bytes(raw[:4], "big") if len(raw) >= 4 else len(raw)
                exif = raw[skip:] or None
                break
    return xmp, exif


def _loc(hf: HeifFile, item_id: int) -> IlocItem:
    loc = next((it for it in hf.iloc.items if it.item_id == item_id), None)
    if loc is None:
        raise CorruptFile(f"{hf.name}: item {item_id} has no location (iloc)")
    return loc


def item_data(hf: HeifFile, f: BinaryIO, item_id: int) -> bytes:
    """The bytes of one item (file offsets or idat); other constructions are not supported."""
    loc = _loc(hf, item_id)
    if loc.data_ref != 0 or loc.method not in (0, 1):
        raise UnsupportedFormat(
            f"{hf.name}: the XMP item is stored in a way we do not support", advice=_LAYOUT_ADVICE
        )
    idat = hf.child(b"idat")
    chunks = []
    for e in loc.extents:
        start = loc.base + e.offset
        if loc.method == 1:
            if idat is None:
                raise CorruptFile(f"{hf.name}: an item points into a missing idat box")
            length = e.length or len(idat.payload) - start
            chunk = idat.payload[start : start + length]
        else:
            length = e.length or hf.size - start
            if length > MAX_XMP_BYTES:
                raise InputTooLarge(f"{hf.name}: the XMP item is {length >> 20} MiB")
            f.seek(start)
            chunk = f.read(length)
        if len(chunk) != length:
            raise CorruptFile(f"{hf.name}: the XMP item runs past the end of the file (truncated)")
        chunks.append(chunk)
    return b"".join(chunks)


# --- writing ------------------------------------------------------------------------------------


def _shift_iloc(hf: HeifFile, iloc: Iloc, move: Callable[[int], int]) -> None:
    """Move every file-offset (construction 0, this file) item by where its bytes now live."""
    meta = hf.meta_top
    for it in iloc.items:
        if it.method != 0 or it.data_ref != 0:
            continue  # idat/item offsets are relative; external files do not move
        deltas = set()
        for e in it.extents:
            pos = it.base + e.offset
            if meta.offset <= pos < meta.end:
                raise UnsupportedFormat(
                    f"{hf.name}: item {it.item_id} points inside the meta box",
                    advice=_LAYOUT_ADVICE,
                )
            deltas.add(move(pos) - pos)
        if len(deltas) > 1:
            raise UnsupportedFormat(
                f"{hf.name}: item {it.item_id} spans boxes that move differently",
                advice=_LAYOUT_ADVICE,
            )
        delta = deltas.pop() if deltas else 0
        if not delta:
            continue
        if iloc.base_size and (it.base or not iloc.offset_size):
            it.base += delta
        else:
            for e in it.extents:
                e.offset += delta


def _infe_v2(item_id: int) -> bytes:
    version = 2 if item_id <= _U16 else 3
    body = bytes([version, 0, 0, 1])  # flags 1: hidden, a metadata item is not shown as an image
    body += item_id.to_bytes(2 if version == 2 else 4, "big") + b"\x00\x00"
    body += b"mime" + b"\x00" + XMP_CONTENT_TYPE.encode() + b"\x00"
    return Box(b"infe", payload=body).to_bytes()


def _add_item(hf: HeifFile, iloc: Iloc, new_id: int) -> None:
    """Append the new XMP item to iinf, iloc and iref (a 'cdsc' reference to the primary)."""
    iinf = hf.child(b"iinf")
    assert iinf is not None
    version, head, infes = _iinf_entries(iinf)
    if version == 0 and len(infes) + 1 > _U16:
        raise UnsupportedFormat(f"{hf.name}: iinf cannot hold another item", advice=_LAYOUT_ADVICE)
    count = (len(infes) + 1).to_bytes(head - 4, "big")
    iinf.payload = iinf.payload[:4] + count + iinf.payload[head:] + _infe_v2(new_id)

    if new_id > _U16 and iloc.version < 2:
        raise UnsupportedFormat(
            f"{hf.name}: item id {new_id} does not fit iloc version {iloc.version}",
            advice=_LAYOUT_ADVICE,
        )
    if not iloc.offset_size and not iloc.base_size:
        # Neither field can hold a file position: widen extent offsets (lengths stay as they are).
        iloc.offset_size = 4
    iloc.items.append(IlocItem(new_id, 0, 0, 0, [Extent(1 if iloc.index_size else 0, 0, 0)]))

    iref = hf.child(b"iref")
    if iref is None:
        iref = Box(
            b"iref", payload=bytes([0 if new_id <= _U16 and hf.primary <= _U16 else 1, 0, 0, 0])
        )
        at = next((i + 1 for i, c in enumerate(hf.meta.children or []) if c.type == b"iloc"), 0)
        assert hf.meta.children is not None
        hf.meta.children.insert(at, iref)
    size = 4 if iref.payload[0] else 2
    if size == 2 and max(new_id, hf.primary) > _U16:
        raise UnsupportedFormat(
            f"{hf.name}: item id {new_id} does not fit iref version 0", advice=_LAYOUT_ADVICE
        )
    ref = new_id.to_bytes(size, "big") + b"\x00\x01" + hf.primary.to_bytes(size, "big")
    iref.payload += Box(b"cdsc", payload=ref).to_bytes()


def write_xmp_item(src: Path, dst: Path, make_packet: Callable[[bytes | None], bytes]) -> None:
    """Copy `src` to `dst` with the primary image's XMP item set to make_packet(old packet)."""
    name = src.name
    with open(src, "rb") as f:
        size = f.seek(0, 2)
        hf = read_heif(f, size, name)
        ids = xmp_item_ids(hf)
        if len(ids) > 1:
            raise UnsupportedFormat(
                f"{name}: the image has {len(ids)} XMP items; refusing to guess which to update",
                advice=_LAYOUT_ADVICE,
            )
        old = item_data(hf, f, ids[0]) if ids else None
        packet = make_packet(old)
        _write(hf, f, dst, packet, ids[0] if ids else None)


def _write(hf: HeifFile, f: BinaryIO, dst: Path, packet: bytes, xmp_id: int | None) -> None:
    name = hf.name
    last = hf.top[-1]
    # A motion photo's video must stay at the end, byte for byte: readers find it by its length
    # from the end of the file (XMP Container:Directory). Google Motion Photo 1.0 puts it in a
    # top-level `mpvd` box; other phones append the MP4 file as it is (a second `ftyp`), whose
    # chunk offsets count from its own start and must not be shifted with ours.
    after_meta = hf.top.index(hf.meta_top) + 1
    cut = next((i for i in range(after_meta, len(hf.top)) if hf.top[i].type == b"ftyp"), None)
    if cut is None:
        cut = len(hf.top)
        while cut > after_meta and hf.top[cut - 1].type == b"mpvd":
            cut -= 1
    tail = len(hf.top) - cut
    f.seek(last.offset)
    if last.header_size == 8 and f.read(4) == b"\x00\x00\x00\x00" and last.size > _U32:
        raise UnsupportedFormat(
            f"{name}: the last box runs to the end of the file and is over 4 GiB",
            advice=_LAYOUT_ADVICE,
        )
    iloc = hf.iloc
    stale: list[tuple[int, int, int]] = []  # (method, position, length) of the old XMP bytes
    if xmp_id is None:
        ref_ids = [i for _t, src, to in hf.refs for i in (src, *to)]
        xmp_id = max([*hf.items, *(it.item_id for it in iloc.items), *ref_ids, hf.primary]) + 1
        _add_item(hf, iloc, xmp_id)
    else:
        loc = _loc(hf, xmp_id)
        stale = [(loc.method, loc.base + e.offset, e.length) for e in loc.extents]
        loc.method, loc.data_ref, loc.base = 0, 0, 0
        loc.extents = [Extent(1 if iloc.index_size else 0, 0, 0)]
        if not iloc.offset_size and not iloc.base_size:
            iloc.offset_size = 4
    new_loc = _loc(hf, xmp_id)
    new_loc.extents[0].length = len(packet)

    iloc_box = hf.child(b"iloc")
    assert iloc_box is not None
    _blank_idat(hf, stale, xmp_id)
    if not iloc.length_size:  # all lengths were 0 ("to the end"): 0 in 4 bytes says the same
        iloc.length_size = 4
    iloc_box.payload = build_iloc(iloc)  # sizes are fixed now: values do not change the length
    new_meta_size = len(hf.meta.to_bytes())
    new_sizes = [new_meta_size if b is hf.meta_top else b.size for b in hf.top]
    move = OffsetMap.build(hf.top, new_sizes)
    end_of_file = sum(new_sizes[: len(new_sizes) - tail])  # where the new mdat goes

    try:
        _shift_iloc(hf, iloc, move)
    except BoxError as exc:
        raise CorruptFile(f"{name}: an item points outside the file ({exc})") from exc
    # The new packet lives in its own mdat after everything else (absolute offset, construction 0).
    data_at = end_of_file + 8
    if iloc.offset_size:
        new_loc.extents[0].offset = data_at
    else:
        new_loc.base = data_at
    iloc_box.payload = build_iloc(iloc)
    meta_bytes = hf.meta.to_bytes()
    if len(meta_bytes) != new_meta_size:
        raise UnsupportedFormat(
            f"{name}: the item table changed size while writing", advice=_LAYOUT_ADVICE
        )

    moov_bytes = {}
    for b in hf.top[: len(hf.top) - tail]:
        if b.type == b"moov" and not move.identity:  # image sequences: chunk offsets move too
            moov = read_moov(f, b, name)
            try:
                shift_chunk_offsets(moov, move)
            except BoxError as exc:
                raise CorruptFile(
                    f"{name}: a chunk offset points outside the file ({exc})"
                ) from exc
            moov_bytes[b.offset] = moov.to_bytes()

    with open(dst, "wb") as out:
        for b in hf.top[: len(hf.top) - tail]:
            if b is hf.meta_top:
                out.write(meta_bytes)
            elif b.offset in moov_bytes:
                out.write(moov_bytes[b.offset])
            else:
                f.seek(b.offset)
                start = out.tell()
                _copy(f, out, b.size)
                if b is last and last.header_size == 8:  # a size-0 box must now end before ours
                    f.seek(b.offset)
                    if f.read(4) == b"\x00\x00\x00\x00":
                        out.seek(start)
                        out.write(b.size.to_bytes(4, "big"))
                        out.seek(0, 2)
        if out.tell() != end_of_file:
            raise CorruptFile(f"{name}: the file changed while it was being copied")
        out.write(struct.pack(">I4s", len(packet) + 8, b"mdat") + packet)
        for b in hf.top[len(hf.top) - tail :]:  # the motion photo's video, byte for byte
            f.seek(b.offset)
            _copy(f, out, b.size)
        # GB 45438 §6.1 c: one record per file. The superseded packet is no longer referenced,
        # but its bytes would still hold the old record for a naive byte scan: blank them.
        _blank_stale(hf, out, stale, move, xmp_id)


def _blank_stale(
    hf: HeifFile, out: BinaryIO, stale: list[tuple[int, int, int]], move: OffsetMap, xmp_id: int
) -> None:
    others = [
        (it.base + e.offset, e.length)
        for it in hf.iloc.items
        if it.item_id != xmp_id and it.method == 0 and it.data_ref == 0
        for e in it.extents
    ]
    for method, pos, length in stale:
        if method != 0 or length == 0:
            continue  # idat bytes sit inside meta; left as they are (no longer referenced)
        new_pos = move(pos)
        if any(p < new_pos + length and new_pos < p + (n or hf.size) for p, n in others):
            continue  # shared with another item: must not touch
        out.seek(new_pos)
        out.write(b" " * length)


def _blank_idat(hf: HeifFile, stale: list[tuple[int, int, int]], xmp_id: int) -> None:
    """Blank the superseded packet when it sat in `idat` (same size: no offset moves)."""
    idat = hf.child(b"idat")
    if idat is None:
        return
    others = [
        (it.base + e.offset, e.length or len(idat.payload))
        for it in hf.iloc.items
        if it.item_id != xmp_id and it.method == 1
        for e in it.extents
    ]
    data = bytearray(idat.payload)
    for method, pos, length in stale:
        length = length or len(data) - pos
        if method != 1 or any(p < pos + length and pos < p + n for p, n in others):
            continue
        data[pos : pos + length] = b" " * length
    idat.payload = bytes(data)


def _copy(f: BinaryIO, out: BinaryIO, n: int) -> None:
    while n > 0:
        chunk = f.read(min(n, 1 << 20))
        if not chunk:
            raise CorruptFile("the file is shorter than its boxes say (truncated)")
        out.write(chunk)
        n -= len(chunk)


__all__ = [
    "HeifFile",
    "item_data",
    "primary_item_type",
    "read_heif",
    "read_metadata_items",
    "write_xmp_item",
    "xmp_item_ids",
]
