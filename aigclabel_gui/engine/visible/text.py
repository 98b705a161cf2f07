"""The explicit prompt on text documents (GB 45438 §5.1): a line, paragraph or stamp saying the
content is AI-generated, at the start and/or the end.

txt/Markdown: a prompt line (Markdown: after the front matter, as a quote); DOCX: a paragraph;
PDF: the prompt as real text (an embedded font subset with a ToUnicode map, pdf_text.py) on a
plate on the first/last page in a new content stream (existing page streams untouched); an
image stamp only when the font cannot be embedded. Running twice adds nothing twice.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

from aigclabel_gui.engine.containers.frontmatter import TextDoc, parse_front_matter
from aigclabel_gui.engine.containers.textenc import check_encodable, read_encoded_text
from aigclabel_gui.engine.errors import CorruptFile, InvalidSettings, UnsupportedFormat
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.registry import FormatInfo
from aigclabel_gui.engine.settings import (
    DEFAULT_LONG_TEXT,
    LabelSettings,
    TextSettings,
    says_ai_generated,  # §5.1: "AI/人工智能" + "生成/合成"; defined once in settings
)
from aigclabel_gui.engine.visible.base import ExplicitReport, Labeler, format_name

POSITIONS = {"start": ("start",), "end": ("end",), "start+end": ("start", "end")}
# PDF stamp: rendered at 288 dpi; ink height 1.6 % of the page's shorter side, at least 9 pt
# (about an 11 pt font: comfortably legible on paper and screen).
_PX_PER_PT = 4.0
_PDF_INK_PCT = 1.6
_PDF_MIN_INK_PT = 9.0
_PDF_MARKER = b"% aigclabel explicit prompt "


def prompt_text(ts: TextSettings) -> str:
    text = (ts.text or DEFAULT_LONG_TEXT.get(ts.language, DEFAULT_LONG_TEXT["zh"])).strip()
    if not text or "\n" in text or "\r" in text:
        raise InvalidSettings("the text prompt must be one non-empty line")
    return text


def find_text_prompt(path: Path) -> str | None:
    """The first or last non-empty line of a txt/Markdown body if it reads as an AI prompt (§5.1),
    for inspect's report; None if neither does."""
    try:
        doc = read_encoded_text(path).doc
        close, _ = parse_front_matter(doc, path.name)
    except (UnsupportedFormat, CorruptFile, OSError):
        return None
    body = [ln.strip() for ln in doc.lines[(close + 1) if close is not None else 0 :]]
    body = [ln for ln in body if ln]
    for where, line in (("first", body[:1]), ("last", body[-1:])):
        if line and len(line[0]) <= 200 and says_ai_generated(line[0]):
            return f"{where} line: {line[0]}"
    return None


# How the prompt is carried, per format (what the preview tells the user).
STYLES = {
    "txt": "line",
    "markdown": "quote",
    "docx": "paragraph",
    "pdf": "stamp",
    "xlsx": "header",
    "pptx": "text box",
}


@dataclass
class TextPlan:
    """The prompt and where it goes: a line / quote / paragraph / stamp / header / text box at the
    start and/or the end of the document (GB 45438 §5.1)."""

    kind: ClassVar[str] = "text"
    fmt: str
    prompt: str
    places: tuple[str, ...]  # ("start",), ("end",) or ("start", "end")
    style: str  # STYLES[fmt]; "" when this format gets no prompt yet
    settings: LabelSettings = field(compare=False, repr=False)  # the PDF stamp's plate, margin
    warnings: list[str] = field(default_factory=list)


class TextLabeler(Labeler):
    """GB 45438 §5.1: a text prompt at the start and/or the end of a document."""

    kind: ClassVar[str] = "text"
    formats: ClassVar[tuple[str, ...]] = tuple(STYLES)

    def plan(self, path: Path, settings: LabelSettings, fmt: str | None = None) -> TextPlan | None:
        ts = settings.text
        if not ts.enabled:
            return None
        if ts.position not in POSITIONS:
            raise InvalidSettings(f"text position {ts.position!r}: use start, end or start+end")
        prompt = prompt_text(ts)
        fmt = format_name(Path(path), fmt)
        return TextPlan(fmt, prompt, POSITIONS[ts.position], STYLES.get(fmt, ""), settings)

    def apply(
        self,
        plan: TextPlan,
        src: Path,
        dst: Path,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport:
        report = _apply(plan, Path(src), Path(dst), progress or no_progress,
                        cancel or CancelToken())  # fmt: skip
        report.plan = plan
        return report


def apply_explicit(
    src: Path,
    dst: Path,
    info: FormatInfo | None,
    settings: LabelSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExplicitReport | None:
    """plan() then apply(). None when the text prompt is off."""
    labeler = TextLabeler()
    return labeler.label(
        src, dst, settings, info.name if info is not None else None, progress, cancel
    )


def _apply(
    plan: TextPlan, src: Path, dst: Path, progress: ProgressCallback, cancel: CancelToken
) -> ExplicitReport:
    prompt, wanted, fmt, settings = plan.prompt, plan.places, plan.fmt, plan.settings
    cancel.raise_if_cancelled()
    progress(FileProgress(str(src), 0.1, "text prompt"))
    if fmt in ("txt", "markdown"):
        added = _label_lines(src, dst, prompt, wanted, markdown=fmt == "markdown")
    elif fmt == "docx":
        added = _label_docx(src, dst, prompt, wanted)
    elif fmt == "pdf":
        added = _label_pdf(src, dst, prompt, wanted, settings, cancel)
    elif fmt in ("xlsx", "pptx"):
        # A page header/footer of the first sheet, a text box on the first/last slide: the parts
        # are edited as XML, every other member copied raw (ooxml.py).
        from aigclabel_gui.engine.containers.ooxml import add_office_prompt

        added = add_office_prompt(src, dst, fmt, prompt, wanted)
    else:
        shutil.copyfile(src, dst)
        return ExplicitReport(
            kind="text",
            summary="no explicit prompt",
            warnings=[f"explicit prompt not supported for {fmt} yet: add it in the content"],
        )
    return _report(prompt, wanted, added, fmt)


def _report(prompt: str, wanted: tuple[str, ...], added: dict, fmt: str) -> ExplicitReport:
    done = [w for w in wanted if added.get(w) is True]
    kept = [w for w in wanted if added.get(w) is False]
    warnings = [f"the prompt was already at the {w}; not added again" for w in kept]
    if not says_ai_generated(prompt):
        warnings.append(
            f"the prompt {prompt!r} does not say both AI/人工智能 and 生成/合成 (GB 45438 §5.1)"
        )
    where = " and ".join(wanted)
    summary = f"text prompt {prompt!r} at the {where}" + ("" if done else " (already present)")
    measurements: dict = {"position": "+".join(wanted), "added": "+".join(done)}
    measurements.update({k: v for k, v in added.items() if not isinstance(v, bool)})
    return ExplicitReport(
        kind="text", summary=summary, measurements=measurements, warnings=warnings
    )


# --- txt and Markdown ---------------------------------------------------------------------------


def _ends_line(line: str) -> bool:
    return line.endswith(("\n", "\r"))


def _label_lines(
    src: Path, dst: Path, prompt: str, wanted: tuple[str, ...], *, markdown: bool
) -> dict:
    # The file keeps its encoding, BOM and line endings (Notepad on a Chinese Windows writes
    # GBK/GB18030 or UTF-16LE): the prompt is written in the same encoding.
    source = read_encoded_text(src)
    check_encodable(source, prompt, src.name)
    doc = source.doc
    nl = doc.newline
    head: list[str] = []
    body = list(doc.lines)
    if markdown:
        close, _ = parse_front_matter(doc, src.name)
        if close is not None:  # the front matter stays the first thing in the file
            head, body = body[: close + 1], body[close + 1 :]
    # Markdown: a quote line, set off by a blank line (else a following paragraph would join it).
    line = f"> {prompt}" if markdown else prompt
    present = {line, prompt}
    filled = [i for i, ln in enumerate(body) if ln.strip()]
    added: dict = {}
    if "start" in wanted:
        added["start"] = not (filled and body[filled[0]].strip() in present)
        if added["start"]:
            if head and not _ends_line(head[-1]):
                head[-1] += nl
            body = [line + nl, nl, *body]
    if "end" in wanted:
        filled = [i for i, ln in enumerate(body) if ln.strip()]
        at_end = bool(filled) and body[filled[-1]].strip() in present
        added["end"] = not at_end
        if added["end"]:
            if body and not _ends_line(body[-1]):
                body[-1] += nl
            body += [nl, line + nl] if body else [line + nl]
    dst.write_bytes(source.encode(TextDoc(doc.bom, head + body, nl)))
    if source.encoding != "utf-8":
        added["encoding"] = source.label
    return added


# --- DOCX ---------------------------------------------------------------------------------------


def _blocks(body) -> list:
    """Paragraphs and tables of a DOCX body; XML comments and processing instructions (some
    generators leave them) are not elements and are skipped."""
    from lxml import etree

    return [
        el
        for el in body.iterchildren(tag=etree.Element)
        if etree.QName(el).localname in ("p", "tbl")
    ]


def _label_docx(src: Path, dst: Path, prompt: str, wanted: tuple[str, ...]) -> dict:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    from aigclabel_gui.engine.containers.ooxml import check_ooxml_file

    check_ooxml_file(src)  # sizes from the zip directory first: python-docx inflates everything
    try:
        document = docx.Document(str(src))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise CorruptFile(f"{src.name}: the document cannot be read ({exc})") from exc
    except ValueError as exc:  # e.g. a template or macro document: another main content type
        raise UnsupportedFormat(f"{src.name}: {exc}") from exc
    body = document.element.body
    blocks = _blocks(body)

    def has_prompt(el) -> bool:
        if etree.QName(el).localname != "p":
            return False
        text = "".join(t.text or "" for t in el.iter("{*}t")).strip()
        return text == prompt

    added: dict = {}
    if "start" in wanted:
        added["start"] = not (blocks and has_prompt(blocks[0]))
        if added["start"]:
            # add_paragraph keeps sectPr last; then move the new paragraph to the top.
            body.insert(0, document.add_paragraph(prompt)._p)
    if "end" in wanted:
        blocks = _blocks(body)
        added["end"] = not (blocks and has_prompt(blocks[-1]))
        if added["end"]:
            document.add_paragraph(prompt)
    document.save(str(dst))
    return added


# --- PDF ----------------------------------------------------------------------------------------


def _marker(where: str, prompt: str) -> bytes:
    digest = hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]
    return _PDF_MARKER + where.encode() + b" " + digest.encode() + b"\n"


def _page_has_stamp(page, marker: bytes) -> bool:
    import pikepdf

    contents = page.obj.get("/Contents")
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    for s in streams:
        # Our stamp stream is tiny; never read the page's own (possibly large) streams. A length
        # that is not an integer (a damaged file) is not ours either.
        length = s.get("/Length", 0) if isinstance(s, pikepdf.Stream) else None
        if isinstance(length, int) and length < 4096:
            if marker in s.read_raw_bytes():
                return True
    return False


def _viewed_to_user(box: tuple[float, float, float, float], rotate: int) -> tuple[float, ...]:
    """Matrix from the page as viewed (after /Rotate, clockwise) to user space: the stamp is
    placed in viewed coordinates so it reads upright on rotated pages too."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return {
        0: (1, 0, 0, 1, x0, y0),
        90: (0, 1, -1, 0, x0 + w, y0),
        180: (-1, 0, 0, -1, x0 + w, y0 + h),
        270: (0, -1, 1, 0, x0, y0 + h),
    }[rotate]


def render_prompt_image(prompt: str, ink_pt: float, width_pt: float, settings: LabelSettings):
    """The prompt as an RGBA pill (the same renderer as image labels) with `ink_pt` of glyph ink.

    render_label_overlay sizes ink as a % of a frame's shorter side; a band frame whose height
    is ink / 6 % gives exactly the ink height wanted on the page."""
    from aigclabel_gui.engine.visible.render import render_label_overlay

    ink_px = math.ceil(ink_pt * _PX_PER_PT)
    band_h = math.ceil(ink_px * 100 / 6.0)
    band_w = max(math.floor(width_pt * _PX_PER_PT), band_h + 1)
    vis = replace(settings.visible, text=prompt, size_pct=6.0, margin_pct=0.0)
    try:
        overlay = render_label_overlay(band_w, band_h, vis, position="left")
    except InvalidSettings as exc:
        if "does not fit" in exc.message:
            raise InvalidSettings(
                f"the text prompt {prompt!r} is wider than the PDF page",
                advice="use a shorter prompt text",
            ) from exc
        raise
    return overlay.image, overlay.ink_height / _PX_PER_PT


def _image_xobject(pdf, image, *, opaque_bg: str | None):
    import pikepdf
    from PIL import Image, ImageColor

    Name = pikepdf.Name
    if opaque_bg is not None:  # PDF/A-1 forbids soft masks: flatten onto the plate colour
        flat = Image.new("RGB", image.size, ImageColor.getrgb(opaque_bg)[:3])
        flat.paste(image, mask=image.getchannel("A"))
        rgb, smask = flat, None
    else:
        rgb = image.convert("RGB")
        smask = pdf.make_stream(
            zlib.compress(image.getchannel("A").tobytes()),
            Type=Name.XObject, Subtype=Name.Image, Width=image.width, Height=image.height,
            ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.FlateDecode,
        )  # fmt: skip
    xobj = pdf.make_stream(
        zlib.compress(rgb.tobytes()),
        Type=Name.XObject, Subtype=Name.Image, Width=image.width, Height=image.height,
        ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.FlateDecode,
    )  # fmt: skip
    if smask is not None:
        xobj.SMask = smask
    return xobj


def _fmt(*nums: float) -> bytes:
    return " ".join(f"{n:.4f}".rstrip("0").rstrip(".") for n in nums).encode()


def _page_box(page, src_name: str) -> tuple[float, float, float, float]:
    """The page's visible area: CropBox, else MediaBox when the CropBox is damaged (viewers do
    the same, ISO 32000-1 §14.11.2); neither usable is a damaged page."""
    for box in (page.cropbox, page.mediabox):
        try:
            values = [float(v) for v in box]
        except (TypeError, ValueError):
            continue
        if len(values) == 4 and all(math.isfinite(v) for v in values):
            return values[0], values[1], values[2], values[3]
    raise CorruptFile(f"{src_name}: a page's size (MediaBox) is damaged")


def _add_resource(pdf, page, obj, category, prefix: str):
    """page.add_resource, with a damaged category (an array or a number where a dictionary of
    named resources belongs, ISO 32000-1 §7.8.3) refused as a damaged file."""
    try:
        return page.add_resource(obj, category, prefix=prefix)
    except ValueError as exc:
        raise CorruptFile(
            f"{Path(pdf.filename).name}: a page's {str(category)[1:]} resources are damaged"
        ) from exc


def _stamp(
    pdf, page, prompt: str, where: str, settings: LabelSettings, pdfa1: bool, fonts: dict
) -> dict:
    import pikepdf

    src_name = Path(pdf.filename).name

    x0, y0, x1, y1 = _page_box(page, src_name)
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    # page.rotation: the inherited /Rotate too; a non-number (damaged) reads as 0, as viewers do
    rotate = int(page.rotation) % 360
    if rotate not in (0, 90, 180, 270):
        rotate = 0  # ISO 32000: a multiple of 90; anything else is ignored by viewers too
    w, h = box[2] - box[0], box[3] - box[1]
    vw, vh = (h, w) if rotate in (90, 270) else (w, h)
    short = min(vw, vh)
    margin = short * max(settings.visible.margin_pct, 0.0) / 100.0
    ink_pt = max(_PDF_MIN_INK_PT, short * _PDF_INK_PCT / 100.0)
    text_ops = _text_stamp(
        pdf, page, prompt, ink_pt, vw - 2 * margin, settings, pdfa1, fonts, where
    )
    if isinstance(text_ops, tuple):  # real text (pdf_text.py); else the reason for the image
        iw, ih, body, ink_drawn = text_ops
        vx, vy = (margin, vh - margin - ih) if where == "start" else (vw - margin - iw, margin)
        ops = (
            _marker(where, prompt)
            + b"q "
            + _fmt(*_viewed_to_user(box, rotate))
            + b" cm 1 0 0 1 "
            + _fmt(vx, vy)
            + b" cm\n"
            + body
            + b"Q\n"
        )
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(b"Q\n" + ops))
        return {
            f"{where}_ink_pt": round(ink_drawn, 2),
            f"{where}_page_short_side_pt": round(short, 1),
            f"{where}_prompt_as": "text",
        }
    image, ink_drawn = render_prompt_image(prompt, ink_pt, vw - 2 * margin, settings)
    iw, ih = image.width / _PX_PER_PT, image.height / _PX_PER_PT
    # Start: top-left corner of the first page; end: bottom-right of the last (viewed upright).
    vx, vy = (margin, vh - margin - ih) if where == "start" else (vw - margin - iw, margin)
    plate = settings.visible.plate_color if pdfa1 else None
    name = _add_resource(
        pdf, page, _image_xobject(pdf, image, opaque_bg=plate), pikepdf.Name.XObject, "AIGCPrompt"
    )
    ops = (
        _marker(where, prompt)
        + b"q "
        + _fmt(*_viewed_to_user(box, rotate))
        + b" cm "
        + _fmt(iw, 0, 0, ih, vx, vy)
        + b" cm "
        + str(name).encode()
        + b" Do Q\n"
    )
    # Existing streams stay byte-identical: wrap them in q/Q (their graphics state must not
    # leak into the stamp) with two new streams and append ours.
    page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
    page.contents_add(pdf.make_stream(b"Q\n" + ops))
    return {
        f"{where}_ink_pt": round(ink_drawn, 2),
        f"{where}_page_short_side_pt": round(short, 1),
        f"{where}_prompt_as": f"image ({text_ops})",
    }


def _text_stamp(pdf, page, prompt, ink_pt, room_pt, settings, pdfa1, fonts: dict, where: str):
    """(width, height, operators, ink) of the prompt as real text, or why it must be an image."""
    import pikepdf

    from aigclabel_gui.engine.visible import pdf_text
    from aigclabel_gui.engine.visible.render import resolve_font_path

    vis = settings.visible
    try:
        ep = pdf_text.embed_prompt(prompt, str(resolve_font_path(vis)))
    except pdf_text.NoEmbeddableFont as exc:
        return exc.reason
    opacity = 1.0 if pdfa1 else min(max(float(vis.plate_opacity), 0.0), 1.0)  # PDF/A-1: opaque
    gs = None
    if 0 < opacity < 1:
        gs = _add_resource(
            pdf, page, pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, ca=opacity),
            pikepdf.Name.ExtGState, "AIGCPlate",
        )  # fmt: skip
    if "font" not in fonts:  # one font object per file, shared by the first and last page
        fonts["font"] = pdf_text.font_object(pdf, ep)
    font = fonts["font"]
    resources = page.obj.get("/Resources")
    known = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    if known is not None and not isinstance(known, pikepdf.Dictionary):
        raise CorruptFile(
            f"{Path(pdf.filename).name}: a page's font list (/Resources /Font) is damaged"
        )
    known = known or {}
    # Shared resource dicts: reuse our name (a damaged entry may be a bare number).
    name = next((k for k in known.keys() if getattr(known[k], "objgen", None) == font.objgen), None)
    if name is None:
        name = _add_resource(pdf, page, font, pikepdf.Name.Font, "AIGCFont")
    lang = "zh-CN" if re.search(r"[\u3400-\u9fff]", prompt) else settings.text.language
    mcid = pdf_text.tag_prompt(pdf, page, first=where == "start", lang=lang)
    st = pdf_text.layout(
        ep, ink_pt, font_name=str(name), gs_name=None if gs is None else str(gs),
        color=vis.color, plate_color=vis.plate_color, plate_opacity=opacity, outline=vis.outline,
        mcid=mcid,
    )  # fmt: skip
    if st.width > room_pt:
        raise InvalidSettings(
            f"the text prompt {prompt!r} is wider than the PDF page",
            advice="use a shorter prompt text",
        )
    return st.width, st.height, st.ops, st.ink_height


def _label_pdf(
    src: Path,
    dst: Path,
    prompt: str,
    wanted: tuple[str, ...],
    settings: LabelSettings,
    cancel: CancelToken,
) -> dict:
    import pikepdf

    from aigclabel_gui.engine.containers.pdf import (
        open_pdf,
        refuse_encrypted,
        save_minimal,
    )

    added: dict = {}
    fonts: dict = {}
    with open_pdf(src) as pdf:
        refuse_encrypted(pdf, src)
        if len(pdf.pages) == 0:
            raise UnsupportedFormat(f"{src.name}: the PDF has no pages to carry a prompt")
        meta = pdf.Root.get("/Metadata")
        try:
            xmp = meta.read_bytes() if isinstance(meta, pikepdf.Stream) else b""
        except pikepdf.PdfError:  # undecodable XMP (a broken filter): no PDF/A claim to honour
            xmp = b""
        # <pdfaid:part>1</…>, <pdfaid:part xmlns:pdfaid="…">1</…> or pdfaid:part="1"
        pdfa1 = re.search(rb"pdfaid:part(?:\s[^>]*)?>\s*1\s*<|pdfaid:part\s*=\s*[\"']1[\"']", xmp)
        pdfa1 = pdfa1 is not None
        for where in wanted:
            cancel.raise_if_cancelled()
            page = pdf.pages[0] if where == "start" else pdf.pages[-1]
            if _page_has_stamp(page, _marker(where, prompt)):
                added[where] = False
                continue
            added.update(_stamp(pdf, page, prompt, where, settings, pdfa1, fonts))
            added[where] = True
        try:
            save_minimal(pdf, dst)
        except pikepdf.PdfError as exc:
            raise CorruptFile(f"{src.name}: the PDF cannot be rewritten ({exc})") from exc
    return added
