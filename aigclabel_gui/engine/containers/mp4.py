"""MP4 / MOV / M4A: the AIGC record as QuickTime metadata in `moov/udta/meta` — an `mdta` key
`AIGC` in `keys` and its UTF-8 value in `ilst` (TC260 video guide; what
`ffmpeg -movflags use_metadata_tags -metadata AIGC=...` writes, and what Kling, Tongyi and MiniMax
outputs carry).

Only `moov` is rebuilt (isobmff.py); every other box, the media data included, is copied byte for
byte, and chunk offsets are moved when `moov` (or an XMP box) sits before the media and changes size.
"""

from __future__ import annotations

import errno
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.isobmff import (
    Box,
    BoxError,
    OffsetMap,
    TopBox,
    chunk_offsets,
    parse_boxes,
    read_moov,
    read_top_level,
    shift_chunk_offsets,
    shift_fragment_offsets,
)
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord, looks_like_record
from aigclabel_gui.engine.xmp import scan_xmp, xmp_utf8

KEY = b"AIGC"
MDTA = b"mdta"  # QuickTime metadata handler and key namespace
MDIR = b"mdir"  # iTunes-style metadata handler
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
C2PA_UUID = bytes.fromhex("D8FEC3D61B0E483C92975828877EC481")
MAX_XMP_BYTES = 64 * 1024 * 1024
_UTF8, _UTF16 = 1, 2  # QuickTime well-known data types
# copy_file_range is refused across file systems on older kernels, and on some file systems.
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF}
_STANDARD_PLACE = "QuickTime Keys mdta:AIGC (moov/udta/meta)"


def _is_aigc_name(name: bytes | str) -> bool:
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    name = name.strip("\x00 ")
    # Reverse-DNS keys ("com.example.AIGC") name the same field.
    return name.upper() == "AIGC" or name.upper().endswith(".AIGC")


def _decode(raw: bytes, kind: int = _UTF8) -> str:
    if kind == _UTF16:
        return raw.decode("utf-16-be", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _data_values(item: Box) -> list[str]:
    """The text values of an `ilst` item (its `data` children; type 1 UTF-8, 2 UTF-16)."""
    values = []
    for data in item.all(b"data"):
        p = data.payload
        if len(p) >= 8:
            values.append(_decode(p[8:], struct.unpack_from(">I", p, 0)[0] & 0xFFFFFF))
    return values


def _handler(meta: Box) -> bytes | None:
    hdlr = meta.first(b"hdlr")
    return hdlr.payload[8:12] if hdlr is not None and len(hdlr.payload) >= 12 else None


# --- QuickTime `keys` + `ilst` (handler mdta) --------------------------------------------------


def _parse_keys(keys: Box | None) -> list[tuple[bytes, bytes]]:
    if keys is None:
        return []
    p = keys.payload
    if len(p) < 8:
        raise BoxError("keys is too short")
    (count,) = struct.unpack_from(">I", p, 4)
    entries, pos = [], 8
    for _ in range(count):
        if pos + 8 > len(p):
            raise BoxError("keys has fewer entries than it declares")
        size, ns = struct.unpack_from(">I4s", p, pos)
        if size < 8 or pos + size > len(p):
            raise BoxError("a keys entry runs past the box")
        entries.append((ns, p[pos + 8 : pos + size]))
        pos += size
    return entries


def _keys_payload(version_flags: bytes, entries: list[tuple[bytes, bytes]]) -> bytes:
    out = [version_flags, struct.pack(">I", len(entries))]
    out += [struct.pack(">I4s", 8 + len(name), ns) + name for ns, name in entries]
    return b"".join(out)


def _index(item: Box) -> int:
    return struct.unpack(">I", item.type)[0]


def _value_item(index: int, value: str) -> Box:
    data = Box(b"data", payload=struct.pack(">II", _UTF8, 0) + value.encode("utf-8"))
    return Box(struct.pack(">I", index), children=[data])


def _mdta_record_indexes(meta: Box) -> tuple[list[tuple[bytes, bytes]], set[int]]:
    """The keys of an mdta meta and the indexes holding a record (key named AIGC, or a value
    that is a record under another key)."""
    entries = _parse_keys(meta.first(b"keys"))
    idx = {i for i, (_ns, name) in enumerate(entries, 1) if _is_aigc_name(name)}
    ilst = meta.first(b"ilst")
    for item in ilst.children or () if ilst else ():
        if any(looks_like_record(v) for v in _data_values(item)):
            idx.add(_index(item))
    return entries, idx


def _mdta_records(meta: Box, where: str, place_ok: bool, note: str) -> list[FoundRecord]:
    entries, idx = _mdta_record_indexes(meta)
    ilst = meta.first(b"ilst")
    found = []
    for item in ilst.children or () if ilst else ():
        i = _index(item)
        if i not in idx or not _is_key_index(item):
            continue  # an iTunes item sharing the meta: reported by _mdir_records
        ns, name = entries[i - 1] if 0 < i <= len(entries) else (b"????", b"?")
        exact = ns == MDTA and name == KEY
        why = note
        if place_ok and not exact:
            why = f"key {_key_text(ns, name)}: the guide uses mdta key 'AIGC'"
        for value in _data_values(item):
            found.append(
                FoundRecord(f"{where} {_key_text(ns, name)}", value, place_ok and exact, why)
            )
    return found


def _key_text(ns: bytes, name: bytes) -> str:
    return f"{ns.decode('latin-1')}:{name.decode('utf-8', 'replace')}"


def _set_mdta(meta: Box, value: str | None) -> None:
    """Remove every record from an mdta meta; with `value`, store it under `mdta:AIGC` in the
    place of the first AIGC key (a re-label changes nothing else). Other keys and items are kept;
    items are renumbered when a duplicate key is dropped."""
    entries, idx = _mdta_record_indexes(meta)
    ilst = meta.first(b"ilst")
    aigc_keys = sorted(i for i in idx if 0 < i <= len(entries) and _is_aigc_name(entries[i - 1][1]))
    keep = aigc_keys[0] if value is not None and aigc_keys else None
    new_entries: list[tuple[bytes, bytes]] = []
    renumber: dict[int, int] = {}
    for i, entry in enumerate(entries, 1):
        if i in idx and i != keep:
            continue
        new_entries.append((MDTA, KEY) if i == keep else entry)
        renumber[i] = len(new_entries)
    if value is not None and keep is None:
        new_entries.append((MDTA, KEY))
        target = len(new_entries)
    else:
        target = renumber.get(keep, 0) if keep else 0
    items: list[Box] = []
    placed = False
    for item in ilst.children or () if ilst else ():
        i = _index(item)
        if i in idx:
            if i == keep and not placed:
                items.append(_value_item(target, value or ""))
                placed = True
            continue
        if i in renumber and renumber[i] != i:
            item.type = struct.pack(">I", renumber[i])
        items.append(item)
    if value is not None and not placed:
        items.append(_value_item(target, value))
    keys_box, ilst = _keys_and_ilst(meta)
    keys_box.payload = _keys_payload(keys_box.payload[:4], new_entries)
    ilst.children = items


def _keys_and_ilst(meta: Box) -> tuple[Box, Box]:
    """The meta's `keys` and `ilst`, added (empty) if missing."""
    assert meta.children is not None
    keys_box, ilst = meta.first(b"keys"), meta.first(b"ilst")
    if keys_box is None:
        keys_box = Box(b"keys", payload=b"\0" * 8)
        meta.children.insert(len(meta.all(b"hdlr")), keys_box)
    if ilst is None or ilst.children is None:
        if ilst is not None:
            meta.children.remove(ilst)
        ilst = Box(b"ilst", children=[])
        meta.children.append(ilst)
    return keys_box, ilst


def _merge_mdta(target: Box, other: Box, parent: Box) -> None:
    """Move the keys and items of a second mdta meta (iPhone/Doubao `moov/meta`) into `target`,
    without its records. FFmpeg reads only the first `keys` box of a file and resolves every
    `ilst` against it (measured with FFmpeg 5.1 and 8.1): two keys boxes make ffprobe report the
    wrong value under AIGC, so the file must keep exactly one."""
    _set_mdta(other, None)
    entries = _parse_keys(target.first(b"keys"))
    moved = _parse_keys(other.first(b"keys"))
    keys_box, ilst = _keys_and_ilst(target)
    keys_box.payload = _keys_payload(keys_box.payload[:4], entries + moved)
    other_ilst = other.first(b"ilst")
    for item in other_ilst.children or () if other_ilst else ():
        item.type = struct.pack(">I", _index(item) + len(entries))
        ilst.children.append(item)
    other.children = [c for c in other.children or () if c.type not in (b"keys", b"ilst")]
    if all(c.type == b"hdlr" for c in other.children):
        parent.children.remove(other)


def _adopt_mdta(meta: Box) -> None:
    """Turn an iTunes (mdir) meta into an mdta meta that keeps its items. FFmpeg reads `keys`
    only under an mdta handler, and still reads the four-letter iTunes items there (measured with
    FFmpeg 5.1); exiftool and mutagen read both kinds either way. A four-letter item type read as
    a number is far above any key count, so it never points at a key."""
    hdlr = meta.first(b"hdlr")
    assert hdlr is not None
    hdlr.payload = hdlr.payload[:8] + MDTA + hdlr.payload[12:]
    _keys_and_ilst(meta)


def _merge_mdir(target: Box, other: Box, parent: Box) -> None:
    """Move the iTunes items of a second udta/meta into `target` (one meta per udta)."""
    other_ilst = other.first(b"ilst")
    _keys, ilst = _keys_and_ilst(target)
    ilst.children += other_ilst.children or [] if other_ilst else []
    other.children = [c for c in other.children or () if c.type != b"ilst"]
    if all(c.type == b"hdlr" for c in other.children):
        parent.children.remove(other)


def _is_key_index(item: Box) -> bool:
    """An mdta item (type = key number), not a four-letter iTunes item such as '©nam'."""
    return 0 < _index(item) <= 0xFFFF


def _new_mdta_meta() -> Box:
    # Same layout as FFmpeg's mov muxer: full-box meta, hdlr 'mdta' with an empty name.
    hdlr = Box(b"hdlr", payload=b"\0" * 8 + MDTA + b"\0" * 12 + b"\0")
    return Box(
        b"meta",
        prefix=b"\0\0\0\0",
        children=[hdlr, Box(b"keys", payload=b"\0" * 8), Box(b"ilst", children=[])],
    )


# --- iTunes-style `ilst` (handler mdir), literal boxes, XMP -------------------------------------


def _mdir_item_records(item: Box) -> tuple[str, list[str]] | None:
    """(how it is stored, values) if this iTunes item holds a record."""
    if item.type == b"----":  # freeform: mean + name + data (mutagen's ----:com.apple.iTunes:AIGC)
        mean = item.first(b"mean")
        name = item.first(b"name")
        name_text = _decode(name.payload[4:]) if name else ""
        if _is_aigc_name(name_text):
            mean_text = _decode(mean.payload[4:]) if mean else "?"
            return f"----:{mean_text}:{name_text}", _data_values(item)
    elif _is_aigc_name(item.type):
        return f"atom {item.type.decode('latin-1')!r}", _data_values(item)
    values = [v for v in _data_values(item) if looks_like_record(v)]
    if values:
        return f"atom {item.type.decode('latin-1')!r}", values
    return None


def _mdir_records(meta: Box, where: str, note: str) -> list[FoundRecord]:
    ilst = meta.first(b"ilst")
    found = []
    for item in ilst.children or () if ilst else ():
        if _is_key_index(item):
            continue  # an mdta item sharing the meta: reported by _mdta_records
        hit = _mdir_item_records(item)
        if hit:
            found += [FoundRecord(f"{where} {hit[0]}", v, False, note) for v in hit[1]]
    return found


def _strip_mdir(meta: Box) -> None:
    ilst = meta.first(b"ilst")
    if ilst is not None and ilst.children is not None:
        ilst.children = [
            it for it in ilst.children if _is_key_index(it) or _mdir_item_records(it) is None
        ]


def _literal_value(box: Box) -> str:
    """A literal `aigc` box under `udta`: raw JSON, or a `data` box around it."""
    p = box.payload
    try:
        inner = parse_boxes(p)
        if inner and inner[0].type == b"data":
            return _data_values(Box(b"x", children=inner))[0]
    except (BoxError, struct.error, IndexError):
        pass
    text = _decode(p).strip("\x00")
    return text[text.find("{") :] if "{" in text else text


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _xmp_without_aigc(packet: bytes) -> bytes:
    """The XMP packet with every AIGC-like property removed, all else kept (the record moves to
    the QuickTime key: GB 45438 §6.1 c, one record per file)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xmp_utf8(packet), parser)
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(f"the XMP packet is not well-formed XML ({exc.msg})") from exc
    for desc in root.iter(f"{{{_RDF}}}Description"):
        for name in list(desc.attrib):
            if _is_aigc_name(etree.QName(name).localname):
                del desc.attrib[name]
        for child in list(desc):
            if isinstance(child.tag, str) and _is_aigc_name(etree.QName(child).localname):
                desc.remove(child)
    return etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=False)


def _xmp_has_record(packet: bytes) -> bool:
    try:
        return bool(scan_xmp(packet).properties)
    except CorruptFile:
        return False  # unreadable XMP holds no record we could report; left as it is


# --- the file -----------------------------------------------------------------------------------


@dataclass
class _Movie:
    size: int
    top: list[TopBox]
    moov_at: int
    moov: Box
    xmp: dict[int, bytes] = field(default_factory=dict)  # top index -> XMP packet (uuid box)
    c2pa: bool = False


def _load(path: Path) -> _Movie:
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedFormat(f"{path.name} is empty")
    with open(path, "rb") as f:
        top = read_top_level(f, size, path.name)
        at = [i for i, b in enumerate(top) if b.type == b"moov"]
        if not at:
            raise CorruptFile(
                f"{path.name}: no moov box (the movie header): truncated or unfinished"
            )
        if len(at) > 1:
            raise CorruptFile(f"{path.name}: {len(at)} moov boxes")
        movie = _Movie(size, top, at[0], read_moov(f, top[at[0]], path.name))
        try:
            last = max(chunk_offsets(movie.moov), default=0)
        except (BoxError, struct.error) as exc:
            raise CorruptFile(f"{path.name}: the sample tables are damaged ({exc})") from exc
        if last >= size:
            # A download cut exactly at a box boundary: the header survives, the media does not.
            raise CorruptFile(f"{path.name}: the media data ends early (file truncated)")
        for i, box in enumerate(top):
            if box.type == b"uuid":
                _read_uuid(f, box, i, movie, path.name)
    return movie


def _read_uuid(f: BinaryIO, box: TopBox, i: int, movie: _Movie, name: str) -> None:
    f.seek(box.offset + box.header_size)
    usertype = f.read(16)
    if usertype == C2PA_UUID:
        movie.c2pa = True
    elif usertype == XMP_UUID:
        length = box.size - box.header_size - 16
        if length > MAX_XMP_BYTES:
            raise InputTooLarge(f"{name}: the XMP box is {length >> 20} MiB")
        movie.xmp[i] = f.read(length)


def _copy_range(fin: BinaryIO, fout: BinaryIO, offset: int, length: int, name: str) -> None:
    """Copy src[offset:offset+length] to the end of `fout` (an unbuffered file). In the kernel
    where it can (copy_file_range: no trip through Python; 234 MiB took 0.7 s instead of 1.0 s
    here), else in 1 MiB reads; never the whole media in memory."""
    try:
        while length > 0:
            n = os.copy_file_range(fin.fileno(), fout.fileno(), min(length, 1 << 30), offset)
            if n == 0:
                raise CorruptFile(f"{name}: the file shrank while it was being copied")
            offset += n
            length -= n
        return
    except (AttributeError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno not in _NO_KERNEL_COPY:
            raise
    fin.seek(offset)
    while length > 0:
        chunk = fin.read(min(length, 1 << 20))
        if not chunk:
            raise CorruptFile(f"{name}: the file shrank while it was being copied")
        fout.write(chunk)
        length -= len(chunk)


class _QuickTimeContainer(Container):
    carrier = _STANDARD_PLACE

    def scan(self, path: Path) -> MetadataScan:
        movie = _load(path)
        scan = MetadataScan(c2pa=movie.c2pa)
        try:
            self._scan_moov(movie.moov, scan)
        except (BoxError, struct.error) as exc:
            raise CorruptFile(f"{path.name}: the metadata boxes are damaged ({exc})") from exc
        packets = list(movie.xmp.values())
        udta = movie.moov.first(b"udta")
        packets += [b.payload for b in udta.all(b"XMP_")] if udta else []
        for packet in packets:
            xmp = MetadataScan()
            try:
                xmp.add_xmp(scan_xmp(packet), "XMP")
            except CorruptFile:
                scan.notes.append("an XMP box is not well-formed XML; it was not read")
                continue
            scan.digital_source_type = scan.digital_source_type or xmp.digital_source_type
            # XMP is not this format's carrier: the TC260 video guide names the QuickTime key.
            note = f"record in an XMP box; the guide uses the {_STANDARD_PLACE}"
            scan.records += [FoundRecord(r.carrier, r.raw, False, note) for r in xmp.records]
        return scan

    def _scan_moov(self, moov: Box, scan: MetadataScan) -> None:
        udta = moov.first(b"udta")
        for meta in udta.all(b"meta") if udta else ():
            if _handler(meta) == MDTA:
                scan.records += _mdta_records(meta, "QuickTime Keys", True, "")
                note = f"iTunes-style atom, not the {_STANDARD_PLACE}"
                scan.records += _mdir_records(meta, "iTunes", note)
            elif _handler(meta) == MDIR:
                note = f"iTunes-style atom, not the {_STANDARD_PLACE}"
                scan.records += _mdir_records(meta, "iTunes", note)
        for meta in moov.all(b"meta"):  # Doubao iOS variant: meta directly under moov
            note = f"meta directly under moov; the guide uses the {_STANDARD_PLACE}"
            if _handler(meta) == MDTA:
                scan.records += _mdta_records(meta, "QuickTime moov/meta Keys", False, note)
            else:
                scan.records += _mdir_records(meta, "QuickTime moov/meta", note)
        for box in udta.children or () if udta else ():
            if _is_aigc_name(box.type):
                note = f"literal {box.type.decode('latin-1')!r} box; the guide uses the {_STANDARD_PLACE}"
                scan.records.append(
                    FoundRecord(
                        f"udta/{box.type.decode('latin-1')} box", _literal_value(box), False, note
                    )
                )

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        # IPTC DigitalSourceType needs XMP, which this carrier is not (carries_xmp is False).
        movie = _load(src)
        try:
            new = self._edit(movie, record.to_json())
            self._write(src, dst, movie, new)
        except (BoxError, struct.error) as exc:
            raise CorruptFile(f"{src.name}: the box structure is damaged ({exc})") from exc

    def _edit(self, movie: _Movie, value: str) -> dict[int, bytes]:
        """Rebuild moov (and XMP boxes) with exactly one record; returns the new top-level boxes
        by index. GB 45438 §6.1 c: a record found elsewhere (moov/meta, iTunes atom, literal box,
        XMP) is *moved*, not updated there, because the check accepts only the QuickTime key."""
        moov = movie.moov
        udta = moov.first(b"udta")
        if udta is None:
            udta = Box(b"udta", children=[])
            moov.children.append(udta)
        metas = [m for m in udta.all(b"meta") if _handler(m) == MDTA]
        itunes = [m for m in udta.all(b"meta") if _handler(m) == MDIR]
        if metas:
            target = metas[0]
        elif itunes:
            # One udta/meta only (a second one is exiftool's "Duplicate tag 'meta'"): the
            # ffmpeg/iTunes tags and our key share it.
            target = itunes[0]
            _adopt_mdta(target)
        else:
            target = _new_mdta_meta()
            udta.children.append(target)
        _strip_mdir(target)
        for parent in (udta, moov):
            for meta in parent.all(b"meta"):
                if meta is target:
                    continue
                if _handler(meta) == MDTA:
                    _merge_mdta(target, meta, parent)
                else:
                    _strip_mdir(meta)  # an iTunes meta keeps every other atom
                    if parent is udta and _handler(meta) == MDIR:
                        _merge_mdir(target, meta, udta)
        udta.children = [b for b in udta.children if not _is_aigc_name(b.type)]
        for box in udta.all(b"XMP_"):
            if _xmp_has_record(box.payload):
                box.payload = _xmp_without_aigc(box.payload)
        _set_mdta(target, value)

        new: dict[int, bytes] = {movie.moov_at: moov.to_bytes()}
        for i, packet in movie.xmp.items():
            if _xmp_has_record(packet):
                body = XMP_UUID + _xmp_without_aigc(packet)
                new[i] = Box(b"uuid", payload=body).to_bytes()
        return new

    def _write(self, src: Path, dst: Path, movie: _Movie, new: dict[int, bytes]) -> None:
        sizes = [len(new[i]) if i in new else b.size for i, b in enumerate(movie.top)]
        move = OffsetMap.build(movie.top, sizes)
        with open(src, "rb") as fin, open(dst, "wb", buffering=0) as fout:
            if not move.identity:
                # Boxes before the media changed size: every absolute offset moves with it.
                shift_chunk_offsets(movie.moov, move)
                new[movie.moov_at] = movie.moov.to_bytes()
                for i, box in enumerate(movie.top):
                    if box.type in (b"moof", b"mfra"):
                        new[i] = self._shifted_fragment(fin, box, move)
                if [len(new[i]) if i in new else b.size for i, b in enumerate(movie.top)] != sizes:
                    raise BoxError("a box changed size while its offsets were fixed")
            for i, box in enumerate(movie.top):
                if i in new:
                    fout.write(new[i])
                else:
                    _copy_range(
                        fin, fout, box.offset, box.size, src.name
                    )  # mdat etc., byte for byte

    @staticmethod
    def _shifted_fragment(fin: BinaryIO, box: TopBox, move: OffsetMap) -> bytes:
        fin.seek(box.offset)
        boxes = parse_boxes(fin.read(box.size))
        if len(boxes) != 1:
            raise BoxError(f"the {box.type.decode('latin-1')} box at byte {box.offset} is damaged")
        shift_fragment_offsets(boxes[0], move)
        return boxes[0].to_bytes()


class Mp4Container(_QuickTimeContainer):
    name = "mp4"
    kind = "video"
    extensions = (".mp4", ".m4v", ".3gp", ".3g2")


class MovContainer(_QuickTimeContainer):
    name = "mov"
    kind = "video"
    extensions = (".mov", ".qt")


class M4aContainer(_QuickTimeContainer):
    name = "m4a"
    kind = "audio"
    # Audio-only MP4/MOV files are sniffed as m4a: their extensions are not a mismatch.
    extensions = (".m4a", ".m4b")
    also_matches = (".mp4", ".mov")
