"""DOCX/XLSX/PPTX: the AIGC record as the custom document property `AIGC` (vt:lpwstr) in
`docProps/custom.xml` (TC260 text guide).

The zip is rebuilt member by member: every member we do not edit is copied as its raw compressed
bytes (same method, CRC, timestamps, attributes), so document content cannot change. Only the
custom-properties part, `[Content_Types].xml` and `_rels/.rels` are rewritten when needed.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from lxml import etree

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord

CP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
# ECMA-376 Part 1 §22.3: the format ID every user-defined custom property uses.
FMTID_USER = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
DEFAULT_CUSTOM = "docProps/custom.xml"
# The XML parts we parse are a few kB; a bigger one is a decompression bomb, not metadata.
MAX_PART = 16 * 1024 * 1024
# Whole-package checks from the zip directory, before anything (python-docx for the visible
# label, lxml here) inflates a member: a 1.5 MB DOCX whose document.xml inflates to 600 MB took
# 65 s and 2.4 GB. Real documents stay far below these.
MAX_XML_MEMBER = 128 * 1024 * 1024
MAX_PACKAGE = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 20_000
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IBBHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_ZIP64_LIMIT = 0xFFFFFFFF


def _parser() -> etree.XMLParser:
    # Untrusted input: no entities, no DTD, no network.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptFile(f"{path.name}: the document's zip structure is damaged ({exc})") from exc
    try:
        check_package(zf, path)
    except Exception:
        zf.close()
        raise
    names = set(zf.namelist())
    if CONTENT_TYPES not in names:
        zf.close()
        raise CorruptFile(f"{path.name}: not an Office Open XML package (no {CONTENT_TYPES})")
    return zf


def check_package(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse decompression bombs and ambiguous packages from the zip directory alone."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InputTooLarge(f"{path.name}: the package has {len(infos)} members")
    seen: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in seen:
            raise CorruptFile(
                f"{path.name}: the package holds two members named {info.filename}; "
                "readers disagree on which one counts"
            )
        seen.add(info.filename)
        total += info.file_size
        if info.file_size > MAX_XML_MEMBER and info.filename.lower().endswith((".xml", ".rels")):
            raise InputTooLarge(
                f"{path.name}: part {info.filename} inflates to {info.file_size >> 20} MiB "
                f"(from {info.compress_size >> 10} KiB)"
            )
    if total > MAX_PACKAGE:
        raise InputTooLarge(f"{path.name}: the package inflates to {total >> 20} MiB")


def check_ooxml_file(path: Path) -> None:
    """check_package for a path: call before python-docx (or any reader) opens the package."""
    _open_zip(path).close()


def _read_part(zf: zipfile.ZipFile, name: str, path: Path) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART:
        raise InputTooLarge(f"{path.name}: part {name} is {info.file_size} bytes uncompressed")
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise CorruptFile(f"{path.name}: part {name} cannot be read ({exc})") from exc


def _parse_part(data: bytes, name: str, path: Path) -> etree._Element:
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise CorruptFile(f"{path.name}: part {name} is not well-formed XML ({exc.msg})") from exc


def _custom_part_name(rels: etree._Element | None) -> str:
    """Where the package's custom-properties relationship points (OPC: relative to the root)."""
    if rels is not None:
        for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("Type") == CUSTOM_REL and rel.get("TargetMode") != "External":
                target = (rel.get("Target") or "").lstrip("/")
                if target:
                    return str(PurePosixPath(target))
    return DEFAULT_CUSTOM


def _aigc_properties(custom: etree._Element) -> list[etree._Element]:
    return [
        p
        for p in custom.iter(f"{{{CP_NS}}}property")
        if (p.get("name") or "").strip().lower() == "aigc"
    ]


@dataclass
class _Parts:
    rels: etree._Element | None
    custom_name: str
    custom: etree._Element | None


def _load_parts(zf: zipfile.ZipFile, path: Path) -> _Parts:
    rels_data = _read_part(zf, ROOT_RELS, path)
    rels = _parse_part(rels_data, ROOT_RELS, path) if rels_data is not None else None
    custom_name = _custom_part_name(rels)
    custom_data = _read_part(zf, custom_name, path)
    custom = _parse_part(custom_data, custom_name, path) if custom_data is not None else None
    return _Parts(rels, custom_name, custom)


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_property(custom: etree._Element | None, value: str) -> etree._Element:
    """custom.xml with exactly one AIGC property (GB 45438 §6.1 c); other properties kept."""
    if custom is None:
        custom = etree.Element(f"{{{CP_NS}}}Properties", nsmap={None: CP_NS, "vt": VT_NS})
    found = _aigc_properties(custom)
    for extra in found[1:]:
        extra.getparent().remove(extra)
    if found:
        prop = found[0]
        for child in list(prop):
            prop.remove(child)
    else:
        pids = [
            int(p.get("pid"))
            for p in custom.iter(f"{{{CP_NS}}}property")
            if (p.get("pid") or "").isdigit()
        ]
        prop = etree.SubElement(custom, f"{{{CP_NS}}}property")
        prop.set("fmtid", FMTID_USER)
        # ECMA-376 §22.3.2.2: pid ≥ 2, unique in the part.
        prop.set("pid", str(max([1, *pids]) + 1))
    prop.set("name", "AIGC")
    etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    return custom


def _with_override(types: etree._Element, part_name: str) -> bool:
    """Add the content-type Override for the custom part; True if `types` changed."""
    target = "/" + part_name
    for ov in types.iter(f"{{{CT_NS}}}Override"):
        if (
            ov.get("PartName") or ""
        ).lower() == target.lower():  # OPC part names: ASCII case-insensitive
            if ov.get("ContentType") == CUSTOM_CT:
                return False
            ov.set("ContentType", CUSTOM_CT)
            return True
    ov = etree.SubElement(types, f"{{{CT_NS}}}Override")
    ov.set("PartName", target)
    ov.set("ContentType", CUSTOM_CT)
    return True


def _with_relationship(rels: etree._Element | None) -> tuple[etree._Element, bool]:
    if rels is None:
        rels = etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
    for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
        if rel.get("Type") == CUSTOM_REL:
            return rels, False
    ids = {rel.get("Id") for rel in rels.iter(f"{{{REL_NS}}}Relationship")}
    n = len(ids) + 1
    while f"rId{n}" in ids:
        n += 1
    rel = etree.SubElement(rels, f"{{{REL_NS}}}Relationship")
    rel.set("Id", f"rId{n}")
    rel.set("Type", CUSTOM_REL)
    rel.set("Target", DEFAULT_CUSTOM)
    return rels, True


# --- raw zip copy -------------------------------------------------------------------------------
# zipfile has no public way to copy a member without recompressing it, so the few structures
# needed (APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16) are written here; zipfile does all the reading.


def _dos_datetime(dt: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    return ((max(y, 1980) - 1980) << 9) | (mo << 5) | d, (h << 11) | (mi << 5) | (s // 2)


def _strip_zip64(extra: bytes) -> bytes:
    """Drop ZIP64 extra fields (id 0x0001): we write real 32-bit sizes and offsets."""
    out, i = b"", 0
    while i + 4 <= len(extra):
        hid, size = struct.unpack_from("<HH", extra, i)
        if hid != 0x0001:
            out += extra[i : i + 4 + size]
        i += 4 + size
    return out


def _name_bytes(info: zipfile.ZipInfo) -> bytes:
    # zipfile decoded the name as UTF-8 (flag bit 11) or cp437: encoding back is exact.
    return info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


@dataclass
class _Written:
    info: zipfile.ZipInfo
    offset: int
    crc: int
    csize: int
    usize: int
    method: int
    flags: int
    version_needed: int


class _RawZipWriter:
    def __init__(self, out: BinaryIO):
        self.out = out
        self.entries: list[_Written] = []

    def _local(self, info, crc, csize, usize, method, flags, version, extra: bytes) -> int:
        offset = self.out.tell()
        if max(offset, csize, usize) >= _ZIP64_LIMIT:
            raise UnsupportedFormat("documents larger than 4 GB (ZIP64) are not supported")
        date, time = _dos_datetime(info.date_time)
        name = _name_bytes(info)
        self.out.write(
            _LOCAL_HEADER.pack(
                0x04034B50,
                version,
                flags,
                method,
                time,
                date,
                crc,
                csize,
                usize,
                len(name),
                len(extra),
            )
        )
        self.out.write(name + extra)
        return offset

    def copy_raw(self, src: BinaryIO, info: zipfile.ZipInfo) -> None:
        src.seek(info.header_offset)
        head = src.read(_LOCAL_HEADER.size)
        if len(head) < _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
            raise CorruptFile(f"member {info.filename}: bad local header")
        fields = _LOCAL_HEADER.unpack(head)
        name_len, extra_len = fields[9], fields[10]
        src.seek(name_len, 1)
        local_extra = _strip_zip64(src.read(extra_len))
        # Bit 3 (sizes in a trailing data descriptor) is cleared: we write them in the header.
        flags = info.flag_bits & ~0x08
        offset = self._local(
            info, info.CRC, info.compress_size, info.file_size, info.compress_type, flags,
            info.extract_version, local_extra,
        )  # fmt: skip
        left = info.compress_size
        while left:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                raise CorruptFile(f"member {info.filename}: data cut off (file truncated)")
            self.out.write(chunk)
            left -= len(chunk)
        self.entries.append(
            _Written(info, offset, info.CRC, info.compress_size, info.file_size,
                     info.compress_type, flags, info.extract_version)
        )  # fmt: skip

    def write_new(self, info: zipfile.ZipInfo, data: bytes) -> None:
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = comp.compress(data) + comp.flush()
        crc = zlib.crc32(data)
        flags = info.flag_bits & 0x800  # keep only the UTF-8 name flag
        offset = self._local(
            info, crc, len(packed), len(data), zipfile.ZIP_DEFLATED, flags, 20, b""
        )
        self.out.write(packed)
        self.entries.append(
            _Written(info, offset, crc, len(packed), len(data), zipfile.ZIP_DEFLATED, flags, 20)
        )

    def finish(self, comment: bytes) -> None:
        start = self.out.tell()
        for e in self.entries:
            info = e.info
            date, time = _dos_datetime(info.date_time)
            name = _name_bytes(info)
            extra = _strip_zip64(info.extra)
            comm = info.comment
            self.out.write(
                _CENTRAL_HEADER.pack(
                    0x02014B50,
                    info.create_version,
                    info.create_system,
                    e.version_needed,
                    e.flags,
                    e.method,
                    time,
                    date,
                    e.crc,
                    e.csize,
                    e.usize,
                    len(name),
                    len(extra),
                    len(comm),
                    0,
                    info.internal_attr,
                    info.external_attr,
                    e.offset,
                )  # fmt: skip
            )
            self.out.write(name + extra + comm)
        size = self.out.tell() - start
        if len(self.entries) >= 0xFFFF or start >= _ZIP64_LIMIT:
            raise UnsupportedFormat("documents with ZIP64 structures are not supported")
        n = len(self.entries)
        self.out.write(_END_RECORD.pack(0x06054B50, 0, 0, n, n, size, start, len(comment)))
        self.out.write(comment)


def _new_info(name: str, like: zipfile.ZipInfo | None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=like.date_time if like else (1980, 1, 1, 0, 0, 0))
    info.create_system = like.create_system if like else 0
    info.create_version = 20
    info.external_attr = like.external_attr if like else 0
    return info


class _OoxmlContainer(Container):
    kind = "text"
    carrier = "docProps/custom.xml property AIGC (vt:lpwstr)"

    def scan(self, path: Path) -> MetadataScan:
        scan = MetadataScan()
        with _open_zip(path) as zf:
            parts = _load_parts(zf, path)
        if parts.custom is None:
            return scan
        for prop in _aigc_properties(parts.custom):
            name = prop.get("name") or ""
            value_el = next((c for c in prop if isinstance(c.tag, str)), None)
            raw = value_el.text or "" if value_el is not None else ""
            vtype = etree.QName(value_el).localname if value_el is not None else "nothing"
            notes = []
            if name != "AIGC":
                notes.append(f"property named {name!r}; the guide writes 'AIGC'")
            if value_el is None or value_el.tag != f"{{{VT_NS}}}lpwstr":
                notes.append(f"value stored as vt:{vtype}, not vt:lpwstr")
            scan.records.append(
                FoundRecord(f"custom property {name}", raw, not notes, "; ".join(notes))
            )
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        with _open_zip(src) as zf:
            parts = _load_parts(zf, src)
            types_data = _read_part(zf, CONTENT_TYPES, src)
            assert types_data is not None  # _open_zip checked it is there
            types = _parse_part(types_data, CONTENT_TYPES, src)
            custom = _set_property(parts.custom, record.to_json())
            rels, rels_changed = _with_relationship(parts.rels)
            custom_name = _custom_part_name(rels)
            new_parts = {custom_name: _xml_bytes(custom)}
            if _with_override(types, custom_name):
                new_parts[CONTENT_TYPES] = _xml_bytes(types)
            if rels_changed:
                new_parts[ROOT_RELS] = _xml_bytes(rels)
            _rewrite_zip(zf, src, dst, new_parts)


def _rewrite_zip(zf: zipfile.ZipFile, src: Path, dst: Path, new_parts: dict[str, bytes]) -> None:
    """`src` to `dst` with `new_parts` replaced or added; every other member copied raw."""
    infos = zf.infolist()
    if any(max(i.file_size, i.compress_size, i.header_offset) >= _ZIP64_LIMIT for i in infos):
        raise UnsupportedFormat(f"{src.name}: documents larger than 4 GB are not supported")
    with open(src, "rb") as raw_src, open(dst, "wb") as out:
        writer = _RawZipWriter(out)
        done: set[str] = set()
        for info in infos:
            if info.filename in new_parts:
                if info.filename not in done:  # a duplicated member is written once
                    writer.write_new(_new_info(info.filename, info), new_parts[info.filename])
                    done.add(info.filename)
                continue
            try:
                writer.copy_raw(raw_src, info)
            except CorruptFile as exc:
                raise CorruptFile(f"{src.name}: {exc.message}") from exc
        for name, data in new_parts.items():
            if name not in done:
                writer.write_new(_new_info(name, None), data)
        writer.finish(zf.comment)


class DocxContainer(_OoxmlContainer):
    name = "docx"
    extensions = (".docx",)


class XlsxContainer(_OoxmlContainer):
    name = "xlsx"
    extensions = (".xlsx",)


class PptxContainer(_OoxmlContainer):
    name = "pptx"
    extensions = (".pptx",)


# --- the explicit prompt in XLSX and PPTX (GB 45438 §5.1) -------------------------------------

OFFICE_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SML_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PML_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
DML_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
PROMPT_SHAPE = "AIGC prompt"
# ECMA-376 Part 1 §18.3.1.99 CT_Worksheet: headerFooter comes before these elements.
_AFTER_HEADER_FOOTER = (
    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
    "controls", "webPublishItems", "tableParts", "extLst",
)  # fmt: skip


def _main_part(zf: zipfile.ZipFile, path: Path) -> str:
    rels = _parse_part(_read_part(zf, ROOT_RELS, path) or b"<x/>", ROOT_RELS, path)
    for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
        if (rel.get("Type") or "").endswith("/officeDocument"):
            return str(PurePosixPath((rel.get("Target") or "").lstrip("/")))
    raise CorruptFile(f"{path.name}: the package names no main document")


def _targets(zf: zipfile.ZipFile, part: str, path: Path) -> dict[str, str]:
    """Relationship id -> package part name, for the relationships of `part`."""
    p = PurePosixPath(part)
    rels_name = str(p.parent / "_rels" / f"{p.name}.rels")
    data = _read_part(zf, rels_name, path)
    out = {}
    for rel in _parse_part(data, rels_name, path).iter(f"{{{REL_NS}}}Relationship") if data else ():
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        full = target.lstrip("/") if target.startswith("/") else str(p.parent / target)
        parts: list[str] = []
        for seg in full.split("/"):  # resolve ".." (OPC part names are plain paths)
            if seg == "..":
                parts = parts[:-1]
            elif seg not in ("", "."):
                parts.append(seg)
        out[rel.get("Id") or ""] = "/".join(parts)
    return out


def add_office_prompt(src: Path, dst: Path, kind: str, prompt: str, wanted: tuple) -> dict:
    """The prompt as a header (start) / footer (end) of the first worksheet, or as a text box on
    the first (start) / last (end) slide. Only that part is rewritten; everything else is copied
    raw. Running again adds nothing twice. Returns {where: added?, "placed": what was added}."""
    with _open_zip(src) as zf:
        main = _main_part(zf, src)
        main_xml = _parse_part(_read_part(zf, main, src) or b"", main, src)
        targets = _targets(zf, main, src)
        if kind == "xlsx":
            new_parts, added = _xlsx_prompt(zf, src, main_xml, targets, prompt, wanted)
        else:
            new_parts, added = _pptx_prompt(zf, src, main_xml, targets, prompt, wanted)
        _rewrite_zip(zf, src, dst, new_parts)
    return added


def _xlsx_prompt(zf, src, workbook, targets, prompt, wanted):
    sheet = workbook.find(f"{{{SML_NS}}}sheets/{{{SML_NS}}}sheet")
    part = targets.get(sheet.get(f"{{{OFFICE_REL_NS}}}id") or "") if sheet is not None else None
    data = _read_part(zf, part, src) if part else None
    if data is None:
        raise UnsupportedFormat(f"{src.name}: the workbook has no worksheet to carry the prompt")
    ws = _parse_part(data, part, src)
    hf = ws.find(f"{{{SML_NS}}}headerFooter")
    if hf is None:
        hf = etree.Element(f"{{{SML_NS}}}headerFooter")
        later = [c for c in ws if etree.QName(c).localname in _AFTER_HEADER_FOOTER]
        if later:
            later[0].addprevious(hf)
        else:
            ws.append(hf)
    added: dict = {}
    for where, tag in (("start", "oddHeader"), ("end", "oddFooter")):
        if where not in wanted:
            continue
        el = hf.find(f"{{{SML_NS}}}{tag}")
        if el is None:
            el = etree.Element(f"{{{SML_NS}}}{tag}")
            # CT_HeaderFooter order: oddHeader, oddFooter, evenHeader, ...
            if tag == "oddHeader" or hf.find(f"{{{SML_NS}}}oddHeader") is None:
                hf.insert(0, el)
            else:
                hf.find(f"{{{SML_NS}}}oddHeader").addnext(el)
        text = el.text or ""
        added[where] = prompt not in text
        if added[where]:
            # "&L" opens the left section (ECMA-376 §18.3.1.46); "&&" would be a literal "&".
            safe = prompt.replace("&", "&&")
            el.text = "&L" + safe + text[2:] if text.startswith("&L") else "&L" + safe + text
    added["placed"] = "header of the first worksheet" if "start" in wanted else ""
    if "end" in wanted:
        added["placed"] = (added["placed"] + " and " if added["placed"] else "") + (
            "footer of the first worksheet"
        )
    return {part: _xml_bytes(ws)}, added


def _pptx_prompt(zf, src, pres, targets, prompt, wanted):
    ids = pres.findall(f"{{{PML_NS}}}sldIdLst/{{{PML_NS}}}sldId")
    slides = [targets.get(i.get(f"{{{OFFICE_REL_NS}}}id") or "") for i in ids]
    slides = [s for s in slides if s]
    if not slides:
        raise UnsupportedFormat(f"{src.name}: the presentation has no slide to carry the prompt")
    size = pres.find(f"{{{PML_NS}}}sldSz")
    cx = int(size.get("cx", 9144000)) if size is not None else 9144000
    cy = int(size.get("cy", 6858000)) if size is not None else 6858000
    new_parts: dict[str, bytes] = {}
    added: dict = {}
    for where in wanted:
        part = slides[0] if where == "start" else slides[-1]
        data = new_parts.get(part) or _read_part(zf, part, src)
        if data is None:
            raise CorruptFile(f"{src.name}: slide part {part} is missing")
        slide = _parse_part(data, part, src)
        tree = slide.find(f"{{{PML_NS}}}cSld/{{{PML_NS}}}spTree")
        if tree is None:
            raise CorruptFile(f"{src.name}: slide part {part} has no shape tree")
        name = f"{PROMPT_SHAPE} ({where})"
        present = any(
            c.get("name") == name and prompt in "".join(tree.itertext())
            for c in tree.iter(f"{{{PML_NS}}}cNvPr")
        )
        added[where] = not present
        if present:
            continue
        next_id = 1 + max((int(c.get("id", 0)) for c in tree.iter(f"{{{PML_NS}}}cNvPr")
                           if (c.get("id") or "").isdigit()), default=1)  # fmt: skip
        tree.append(_text_box(next_id, name, prompt, cx, cy, where))
        new_parts[part] = _xml_bytes(slide)
    added["placed"] = " and ".join(
        f"text box on the {'first' if w == 'start' else 'last'} slide" for w in wanted
    )
    return new_parts, added


def _text_box(shape_id: int, name: str, prompt: str, cx: int, cy: int, where: str):
    """A text box across the top (start) or bottom (end) of the slide, 14 pt, on a white plate
    so it stays legible over any background."""
    p, a = f"{{{PML_NS}}}", f"{{{DML_NS}}}"
    margin, height = cy // 40, cy // 12
    y = margin if where == "start" else cy - margin - height
    sp = etree.Element(p + "sp", nsmap={"p": PML_NS, "a": DML_NS})
    nv = etree.SubElement(sp, p + "nvSpPr")
    etree.SubElement(nv, p + "cNvPr", id=str(shape_id), name=name)
    etree.SubElement(nv, p + "cNvSpPr", txBox="1")
    etree.SubElement(nv, p + "nvPr")
    sppr = etree.SubElement(sp, p + "spPr")
    xfrm = etree.SubElement(sppr, a + "xfrm")
    etree.SubElement(xfrm, a + "off", x=str(margin), y=str(y))
    etree.SubElement(xfrm, a + "ext", cx=str(cx - 2 * margin), cy=str(height))
    geom = etree.SubElement(sppr, a + "prstGeom", prst="rect")
    etree.SubElement(geom, a + "avLst")
    fill = etree.SubElement(sppr, a + "solidFill")
    etree.SubElement(fill, a + "srgbClr", val="FFFFFF")
    body = etree.SubElement(sp, p + "txBody")
    etree.SubElement(body, a + "bodyPr", wrap="square", anchor="ctr")
    etree.SubElement(body, a + "lstStyle")
    para = etree.SubElement(body, a + "p")
    run = etree.SubElement(para, a + "r")
    rpr = etree.SubElement(run, a + "rPr", lang="zh-CN", sz="1400")
    color = etree.SubElement(rpr, a + "solidFill")
    etree.SubElement(color, a + "srgbClr", val="000000")
    etree.SubElement(run, a + "t").text = prompt
    return sp
