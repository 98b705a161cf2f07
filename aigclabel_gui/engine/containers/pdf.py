"""PDF: the AIGC record as the document Info dictionary key `/AIGC` (TC260 text guide).

Also read: a TC260:AIGC property in the XMP metadata stream (non-standard here; moved into Info
on write). pikepdf (qpdf) rewrites the file with every stream copied raw (no decode, no
recompress), so page content streams stay byte-identical.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
from lxml import etree
from pikepdf import Name

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    UnsupportedFormat,
    VerificationFailed,
)
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import RDF_NS, scan_xmp, update_xmp

INFO_KEY = "/AIGC"
# ISO 32000-1 §7.5.5: a file ends with %%EOF. Acrobat looks for it in the last 1024 bytes; a file
# without it was cut off (qpdf would silently "recover" half a document).
_EOF_WINDOW = 1024
_XMP_NOTE = (
    "record in the XMP metadata stream; the TC260 text guide puts it in the Info dictionary /AIGC"
)


def check_not_truncated(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - _EOF_WINDOW))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise CorruptFile(f"{path.name}: the PDF has no %%EOF marker at its end (file truncated)")


def open_pdf(path: Path) -> pikepdf.Pdf:
    """Open for reading or editing; damaged and password-protected files raise our errors."""
    check_not_truncated(path)
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise UnsupportedFormat(
            f"{path.name}: the PDF is encrypted with a password",
            advice="remove the password in the application that made it, then label it",
        ) from exc
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise CorruptFile(f"{path.name}: the PDF cannot be read ({exc})") from exc
    try:
        len(pdf.pages)  # walks the page tree: a broken one fails here, not halfway through a write
    except (pikepdf.PdfError, RuntimeError, ValueError) as exc:
        pdf.close()
        raise CorruptFile(f"{path.name}: the PDF's page tree is damaged ({exc})") from exc
    return pdf


def refuse_encrypted(pdf: pikepdf.Pdf, path: Path) -> None:
    if pdf.is_encrypted:
        # Saving would drop or re-create the owner's encryption: not ours to decide.
        raise UnsupportedFormat(
            f"{path.name}: the PDF is encrypted; it cannot be labelled without changing its protection",
            advice="save an unencrypted copy in the application that made it",
        )


def _is_aigc_key(key: str) -> bool:
    return key.lstrip("/").lower() == "aigc"


def _xmp_bytes(pdf: pikepdf.Pdf) -> bytes | None:
    meta = pdf.Root.get(Name.Metadata)
    if not isinstance(meta, pikepdf.Stream):
        return None
    try:
        return meta.read_bytes()
    except pikepdf.PdfError:
        return None


def _has_c2pa(pdf: pikepdf.Pdf) -> bool:
    # C2PA 2.x: the manifest store is an associated file (/AF) with /AFRelationship /C2PA_Manifest
    # and MIME type application/c2pa.
    for spec in pdf.Root.get(Name.AF, pikepdf.Array()):
        if isinstance(spec, pikepdf.Dictionary) and spec.get(Name.AFRelationship) == Name(
            "/C2PA_Manifest"
        ):
            return True
    try:
        return any(
            att.get_file().mime_type == "application/c2pa" for att in pdf.attachments.values()
        )
    except (pikepdf.PdfError, AttributeError, KeyError, TypeError):
        return False


def _is_signed(pdf: pikepdf.Pdf) -> bool:
    form = pdf.Root.get(Name.AcroForm)
    if not isinstance(form, pikepdf.Dictionary):
        return False
    flags = form.get(Name.SigFlags, 0)
    return bool(int(flags) & 1) if isinstance(flags, int | pikepdf.Object) else False


def _is_pdfa(xmp: bytes | None) -> bool:
    return bool(xmp) and b"http://www.aiim.org/pdfa/ns/id/" in xmp


def _without_aigc_xmp(packet: bytes) -> bytes:
    """The XMP packet with every AIGC-like property removed (the record moves to Info)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(packet.strip(b"\x00 \r\n\t"), parser)
    for desc in root.iter(f"{{{RDF_NS}}}Description"):
        for name in list(desc.attrib):
            if etree.QName(name).localname.lower() == "aigc":
                del desc.attrib[name]
        for child in list(desc):
            if isinstance(child.tag, str) and etree.QName(child).localname.lower() == "aigc":
                desc.remove(child)
    return etree.tostring(root)


def save_minimal(pdf: pikepdf.Pdf, dst: Path) -> None:
    """Rewrite with every existing stream copied raw: no decoding, no recompression."""
    pdf.save(
        dst,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        compress_streams=False,
        object_stream_mode=pikepdf.ObjectStreamMode.preserve,
        linearize=pdf.is_linearized,
        fix_metadata_version=False,
    )


class PdfContainer(Container):
    name = "pdf"
    kind = "text"
    extensions = (".pdf",)
    carrier = "PDF Info dictionary /AIGC"

    def scan(self, path: Path) -> MetadataScan:
        scan = MetadataScan()
        with open_pdf(path) as pdf:
            info = pdf.trailer.get(Name.Info)
            if isinstance(info, pikepdf.Dictionary):
                for key in info.keys():
                    if not _is_aigc_key(key):
                        continue
                    value = info[key]
                    notes = []
                    if key != INFO_KEY:
                        notes.append(f"Info key {key}; the guide writes /AIGC")
                    if not isinstance(value, pikepdf.String):
                        notes.append(f"the value is a {type(value).__name__}, not a string")
                    scan.records.append(
                        FoundRecord(f"PDF Info {key}", str(value), not notes, "; ".join(notes))
                    )
            xmp = _xmp_bytes(pdf)
            if xmp and xmp.strip(b"\x00 \r\n\t"):
                try:
                    xs = scan_xmp(xmp)
                except CorruptFile:
                    scan.notes.append("the XMP metadata stream is not well-formed XML")
                else:
                    for prop in xs.properties:
                        note = "; ".join(n for n in (_XMP_NOTE, prop.note()) if n)
                        where = f"XMP {prop.prefix or '?'}:AIGC"
                        scan.records.append(FoundRecord(where, prop.value, False, note))
                    scan.digital_source_type = xs.digital_source_type
            scan.c2pa = _has_c2pa(pdf)
            if _is_signed(pdf):
                scan.notes.append(
                    "the PDF is digitally signed; labelling rewrites it, so the signature will not validate"
                )
            for w in pdf.get_warnings()[:3]:
                scan.notes.append(f"PDF repaired on reading: {w}")
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        with open_pdf(src) as pdf:
            refuse_encrypted(pdf, src)
            pages = len(pdf.pages)
            if not isinstance(pdf.trailer.get(Name.Info), pikepdf.Dictionary):
                pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary())
            info = pdf.trailer.Info
            for key in list(info.keys()):
                if _is_aigc_key(key):  # GB 45438 §6.1 c: one record per file
                    del info[key]
            info[INFO_KEY] = pikepdf.String(record.to_json())
            self._update_xmp(pdf, digital_source_type)
            try:
                save_minimal(pdf, dst)
            except pikepdf.PdfError as exc:
                raise CorruptFile(f"{src.name}: the PDF cannot be rewritten ({exc})") from exc
        with pikepdf.open(dst) as out:
            if len(out.pages) != pages:
                raise VerificationFailed(f"{src.name}: page count changed while writing")

    @staticmethod
    def _update_xmp(pdf: pikepdf.Pdf, digital_source_type: str | None) -> None:
        """Drop an XMP copy of the record (it now lives in Info) and add IPTC DigitalSourceType,
        except in PDF/A, whose XMP would need an extension-schema declaration for it."""
        xmp = _xmp_bytes(pdf)
        try:
            xs = scan_xmp(xmp) if xmp and xmp.strip(b"\x00 \r\n\t") else None
        except AigcError:
            return  # a broken packet is left as it is
        has_record = bool(xs and xs.properties)
        add_dst = bool(digital_source_type) and not _is_pdfa(xmp)
        add_dst = add_dst and not (xs and xs.digital_source_type)
        if not has_record and not add_dst:
            return
        packet = _without_aigc_xmp(xmp) if has_record and xmp else xmp
        new = update_xmp(packet, None, digital_source_type if add_dst else None)
        meta = pdf.Root.get(Name.Metadata)
        if isinstance(meta, pikepdf.Stream):
            meta.write(new)
        else:
            pdf.Root.Metadata = pdf.make_stream(new, Type=Name.Metadata, Subtype=Name.XML)
