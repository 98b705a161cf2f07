"""The PDF prompt as real text (GB 45438 §5.1): searchable, selectable and read by screen readers.

The prompt is drawn with an embedded subset of the label font (only the prompt's glyphs) as a
Type 0 font with Identity-H codes and a ToUnicode CMap, so `pdftotext`, search and assistive
technology get the exact characters back. The plate (the same pill as image labels) is a vector
path behind the text. Fonts that are not CID-keyed CFF or TrueType, or whose licence forbids
embedding (OS/2 fsType), raise `NoEmbeddableFont`; the caller then stamps the prompt as an image.

ISO 32000-1 §9.7 (CIDFonts), §9.10.3 (ToUnicode); ISO 19005-1 §6.3.5 (PDF/A-1: a subset CID font
carries a CIDSet).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.visible.render import PAD_X, PAD_Y, missing_glyphs

# The Bézier constant for a quarter circle: the pill's round ends as four curves.
_KAPPA = 0.5522847498


class NoEmbeddableFont(Exception):
    """The label font cannot be embedded as PDF text; `reason` says why (one line)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EmbeddedPrompt:
    """A font subset holding exactly the glyphs of `text`, with the numbers a PDF needs."""

    text: str
    kind: str  # "cff" (CIDFontType0, bare CFF) or "truetype" (CIDFontType2)
    base_font: str  # "ABCDEF+PostScriptName"
    font_program: bytes  # the bare CFF table, or the whole subset TrueType file
    codes: tuple[int, ...]  # one CID per character (Identity-H: two bytes each)
    widths: dict[int, float]  # CID -> advance, in 1/1000 em
    ink: tuple[float, float, float, float]  # the text's ink box (x0, y0, x1, y1), 1/1000 em
    bbox: tuple[float, float, float, float]  # the font's bounding box, 1/1000 em
    ascent: float
    descent: float
    cap_height: float
    ros: tuple[str, str, int] = ("Adobe", "Identity", 0)  # the CFF's Registry-Ordering-Supplement


def _no_embed_reason(fs_type: int) -> str | None:
    # OpenType OS/2 fsType: bit 1 = restricted licence (no embedding), bit 9 = bitmap only.
    if fs_type & 0x0002:
        return "its licence forbids embedding (OS/2 fsType restricted)"
    if fs_type & 0x0200:
        return "its licence allows only bitmap embedding (OS/2 fsType)"
    return None


@lru_cache(maxsize=16)
def embed_prompt(text: str, font_path: str) -> EmbeddedPrompt:
    """Subset `font_path` to the glyphs of `text` (cached: one subset per prompt and font)."""
    from fontTools import subset
    from fontTools.pens.boundsPen import BoundsPen
    from fontTools.ttLib import TTFont, TTLibError

    if missing := missing_glyphs(text, font_path):
        raise InvalidSettings(
            f"the font {Path(font_path).name} has no glyph for {missing!r} in the text prompt",
            advice="choose a font that covers the text, or change the text",
        )
    try:
        font = TTFont(font_path, fontNumber=0)
    except (OSError, TTLibError) as exc:
        raise InvalidSettings(f"font {font_path}: cannot be read ({exc})") from exc
    with font:
        if (reason := _no_embed_reason(int(getattr(font.get("OS/2"), "fsType", 0)))) is not None:
            raise NoEmbeddableFont(f"the font {Path(font_path).name}: {reason}")
        cff = "CFF " in font
        if cff:
            top = font["CFF "].cff.topDictIndex[0]
            if getattr(top, "ROS", None) is None:
                raise NoEmbeddableFont(
                    f"the font {Path(font_path).name} is a name-keyed CFF font (not CID-keyed)"
                )
        elif "glyf" not in font:
            raise NoEmbeddableFont(
                f"the font {Path(font_path).name} has neither CFF nor TrueType outlines"
            )
        options = subset.Options()
        options.layout_features = []  # the prompt is drawn glyph by glyph: no GSUB/GPOS needed
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = True
        # TrueType: keep glyph ids, so CID = GID (CIDToGIDMap /Identity). CFF: CIDs are kept in
        # the CID-keyed charset whatever the glyph order.
        options.retain_gids = not cff
        sub = subset.Subsetter(options)
        sub.populate(unicodes=[ord(c) for c in text])
        sub.subset(font)
        cmap = font.getBestCmap()
        order = font.getGlyphOrder()

        def cid(glyph: str) -> int:
            if cff:  # CID-keyed CFF names its glyphs "cidNNNNN" (fontTools)
                return int(glyph[3:]) if glyph.startswith("cid") else 0
            return order.index(glyph)

        glyphs = [cmap[ord(c)] for c in text]
        codes = tuple(cid(g) for g in glyphs)
        upm = font["head"].unitsPerEm
        k = 1000.0 / upm
        hmtx = font["hmtx"]
        widths = {cid(g): round(hmtx[g][0] * k, 3) for g in set(glyphs) | {order[0]}}
        gs = font.getGlyphSet()
        x, ink = 0.0, None
        for g in glyphs:
            pen = BoundsPen(gs)
            gs[g].draw(pen)
            if pen.bounds is not None:
                b = pen.bounds
                box = (x + b[0], b[1], x + b[2], b[3])
                if ink is not None:
                    box = (
                        min(ink[0], box[0]),
                        min(ink[1], box[1]),
                        max(ink[2], box[2]),
                        max(ink[3], box[3]),
                    )
                ink = box
            x += hmtx[g][0]
        if ink is None:
            raise InvalidSettings(f"the text prompt {text!r} draws no visible ink")
        head, os2, hhea = font["head"], font.get("OS/2"), font["hhea"]
        name = font["name"].getDebugName(6) or Path(font_path).stem
        name = "".join(c for c in name if c.isascii() and c.isalnum() or c in "-_")[:60]
        # ISO 32000-1 §9.6.4: a subset's name is six capital letters + "+" (stable per glyph set).
        digest = hashlib.sha256(repr(sorted(set(codes))).encode()).digest()
        tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
        if cff:
            program = font["CFF "].compile(font)
        else:
            buf = io.BytesIO()
            font.save(buf)
            program = buf.getvalue()
        return EmbeddedPrompt(
            text=text,
            kind="cff" if cff else "truetype",
            base_font=f"{tag}+{name}",
            font_program=program,
            codes=codes,
            widths=widths,
            ink=tuple(v * k for v in ink),
            bbox=tuple(v * k for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
            ascent=(os2.sTypoAscender if os2 else hhea.ascent) * k,
            descent=(os2.sTypoDescender if os2 else hhea.descent) * k,
            cap_height=(getattr(os2, "sCapHeight", 0) or 700 / k) * k,
            ros=tuple(top.ROS) if cff else ("Adobe", "Identity", 0),
        )


def _to_unicode(ep: EmbeddedPrompt) -> bytes:
    """The ToUnicode CMap (Adobe TN 5411 syntax): each two-byte code to its character (UTF-16BE)."""
    pairs = sorted({(c, ch) for c, ch in zip(ep.codes, ep.text, strict=True)})
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <FFFF>",
        b"endcodespacerange",
    ]
    for i in range(0, len(pairs), 100):  # at most 100 entries per block
        chunk = pairs[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        for code, ch in chunk:
            lines.append(f"<{code:04X}> <{ch.encode('utf-16-be').hex().upper()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines) + b"\n"


def _cid_set(codes) -> bytes:
    """ISO 19005-1 §6.3.5: one bit per CID in the subset (CID 0 included), high bit first."""
    cids = set(codes) | {0}
    out = bytearray(max(cids) // 8 + 1)
    for c in cids:
        out[c // 8] |= 0x80 >> (c % 8)
    return bytes(out)


def _flate(pdf, data: bytes, **extra):
    import pikepdf

    # save_minimal writes streams as they are (no recompression): compress ours here.
    return pdf.make_stream(zlib.compress(data, 9), Filter=pikepdf.Name.FlateDecode, **extra)


def font_object(pdf, ep: EmbeddedPrompt):
    """The Type 0 font dictionary for `ep`, with its descendant, descriptor and font file."""
    import pikepdf

    Name, Array, Dict = pikepdf.Name, pikepdf.Array, pikepdf.Dictionary
    if ep.kind == "cff":
        file_key, subtype = Name.FontFile3, Name.CIDFontType0
        file_stream = _flate(pdf, ep.font_program, Subtype=Name.CIDFontType0C)
    else:
        file_key, subtype = Name.FontFile2, Name.CIDFontType2
        file_stream = _flate(pdf, ep.font_program, Length1=len(ep.font_program))
    descriptor = Dict(
        Type=Name.FontDescriptor,
        FontName=Name("/" + ep.base_font),
        Flags=4,  # symbolic: glyphs outside the standard Latin set
        FontBBox=Array([round(v) for v in ep.bbox]),
        ItalicAngle=0,
        Ascent=round(ep.ascent),
        Descent=round(ep.descent),
        CapHeight=round(ep.cap_height),
        StemV=80,
        CIDSet=_flate(pdf, _cid_set(ep.codes)),
    )
    descriptor[file_key] = file_stream
    widths = Array()
    for code in sorted(ep.widths):
        widths.append(code)
        widths.append(Array([ep.widths[code]]))
    descendant = Dict(
        Type=Name.Font,
        Subtype=subtype,
        BaseFont=Name("/" + ep.base_font),
        # §9.7.3: must match the CFF's ROS (the bundled font: Adobe-Identity-0)
        CIDSystemInfo=Dict(
            Registry=pikepdf.String(ep.ros[0]),
            Ordering=pikepdf.String(ep.ros[1]),
            Supplement=int(ep.ros[2]),
        ),
        FontDescriptor=pdf.make_indirect(descriptor),
        DW=1000,
        W=widths,
    )
    if ep.kind == "truetype":
        descendant.CIDToGIDMap = Name.Identity
    return pdf.make_indirect(
        Dict(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/" + ep.base_font),
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(descendant)]),
            ToUnicode=_flate(pdf, _to_unicode(ep)),
        )
    )


def _num(*nums: float) -> bytes:
    return " ".join(f"{n:.4f}".rstrip("0").rstrip(".") or "0" for n in nums).encode()


def _rgb(color: str) -> tuple[float, float, float]:
    from PIL import ImageColor

    try:
        r, g, b = ImageColor.getrgb(color)[:3]
    except ValueError as exc:
        raise InvalidSettings(f"colour: {exc}") from exc
    return r / 255, g / 255, b / 255


def _pill(x: float, y: float, w: float, h: float) -> bytes:
    """A closed path: a rectangle with half-circle ends (radius h/2), as the image labels draw."""
    r = min(h, w) / 2
    c = r * _KAPPA
    x1, y1 = x + w, y + h
    return b"\n".join(
        [
            _num(x + r, y) + b" m",
            _num(x1 - r, y) + b" l",
            _num(x1 - r + c, y, x1, y + r - c, x1, y + r) + b" c",
            _num(x1, y1 - r + c, x1 - r + c, y1, x1 - r, y1) + b" c",
            _num(x + r, y1) + b" l",
            _num(x + r - c, y1, x, y1 - r + c, x, y1 - r) + b" c",
            _num(x, y + r - c, x + r - c, y, x + r, y) + b" c",
            b"h",
        ]
    )


@dataclass(frozen=True)
class TextStamp:
    ops: bytes  # content-stream operators in viewed (upright) page space
    width: float  # plate size, pt
    height: float
    ink_height: float  # the glyph ink height drawn, pt (the number §5.1's legibility rests on)
    font_size: float


def layout(
    ep: EmbeddedPrompt,
    ink_pt: float,
    *,
    font_name: str,
    gs_name: str | None,
    color: str,
    plate_color: str,
    plate_opacity: float,
    outline: bool,
    mcid: int | None = None,
) -> TextStamp:
    """The plate and text operators with the plate's lower-left corner at (0, 0). With `mcid`
    (a tagged PDF) the text is marked content of its structure element, the plate an artifact."""
    ix0, iy0, ix1, iy1 = ep.ink
    size = ink_pt * 1000.0 / (iy1 - iy0)  # the font size that gives exactly `ink_pt` of ink
    s = size / 1000.0
    ink_w, ink_h = (ix1 - ix0) * s, (iy1 - iy0) * s
    stroke = ink_h / 14 if outline else 0.0  # as render.py: a 1/14-of-ink outline
    pad_y, pad_x = ink_h * PAD_Y + stroke, ink_h * PAD_X + stroke
    w, h = ink_w + 2 * pad_x, ink_h + 2 * pad_y
    tx, ty = pad_x - ix0 * s, pad_y - iy0 * s  # the ink box (not the line box) centred
    hexcodes = b"<" + "".join(f"{c:04X}" for c in ep.codes).encode() + b">"
    ops = [b"q"]
    if gs_name is not None:
        ops.append(gs_name.encode() + b" gs")
    if plate_opacity > 0:
        plate = [_num(*_rgb(plate_color)) + b" rg", _pill(0, 0, w, h), b"f"]
        ops += [b"/Artifact BMC", *plate, b"EMC"] if mcid is not None else plate
    ops.append(b"Q q")
    ops.append(_num(*_rgb(color)) + b" rg")
    ops.append(b"BT")
    ops.append(font_name.encode() + b" " + _num(size) + b" Tf")
    ops.append(_num(tx, ty) + b" Td")
    if stroke:
        # The outline under the fill, in the plate colour (render.py draws it the same way);
        # marked as an artifact so assistive technology reads the prompt once (ISO 32000-1 §14.8.2.2).
        ops.append(_num(*_rgb(plate_color)) + b" RG " + _num(2 * stroke) + b" w 1 j 1 Tr")
        ops.append(b"/Artifact BMC " + hexcodes + b" Tj EMC")
        ops.append(b"0 Tr 0 0 Td")  # back to the start of the line for the fill
    if mcid is not None:
        ops.append(b"/P <</MCID " + str(mcid).encode() + b">> BDC " + hexcodes + b" Tj EMC")
    else:
        ops.append(hexcodes + b" Tj")
    ops.append(b"ET Q")
    return TextStamp(b"\n".join(ops) + b"\n", w, h, ink_h, size)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def tag_prompt(pdf, page, *, first: bool, lang: str) -> int | None:
    """Give the prompt a /P structure element in a tagged PDF (ISO 32000-1 §14.7), so assistive
    technology that reads the structure tree (not the page) finds it, first or last in reading
    order. Returns the MCID to mark the text with; None when the PDF is untagged or its parent
    tree is a nested number tree (left alone: the text stays extractable, just untagged)."""
    import pikepdf

    Name, Array, Dict = pikepdf.Name, pikepdf.Array, pikepdf.Dictionary
    st = pdf.Root.get("/StructTreeRoot")
    if not isinstance(st, Dict):
        return None
    tree = st.get("/ParentTree")
    if tree is None:
        tree = st.ParentTree = pdf.make_indirect(Dict(Nums=Array()))
    # A damaged tree (not a dictionary, keys that are not integers) is left alone too.
    if not isinstance(tree, Dict) or "/Kids" in tree or not isinstance(tree.get("/Nums"), Array):
        return None
    nums = tree.Nums
    keys = [nums[i] for i in range(0, len(nums) - 1, 2)]
    if not all(_is_int(k) for k in keys):
        return None
    pairs = {int(k): 2 * i for i, k in enumerate(keys)}
    key = page.obj.get("/StructParents")
    if key is None:
        next_key = st.get("/ParentTreeNextKey", 0)
        key = max(int(next_key) if _is_int(next_key) else 0, max(pairs, default=-1) + 1)
        page.obj.StructParents = key
        st.ParentTreeNextKey = key + 1
    if not _is_int(key):
        return None
    key = int(key)
    if key not in pairs:
        at = next((i for k, i in sorted(pairs.items()) if k > key), len(nums))
        nums.insert(at, key)
        nums.insert(at + 1, pdf.make_indirect(Array()))
        pairs[key] = at
    marks = nums[pairs[key] + 1]
    if not isinstance(marks, Array):
        return None
    mcid = len(marks)
    kids = st.get("/K")
    parent = st
    if isinstance(kids, Dict) and kids.get("/Type", Name.StructElem) == Name.StructElem:
        parent = kids  # usually /Document
    elif isinstance(kids, Array) and len(kids) == 1 and isinstance(kids[0], Dict):
        parent = kids[0]
    elem = pdf.make_indirect(
        Dict(
            Type=Name.StructElem,
            S=Name.P,
            P=parent,
            Pg=page.obj,
            K=mcid,
            Lang=pikepdf.String(lang),
        )
    )
    k = parent.get("/K")
    k = Array() if k is None else k if isinstance(k, Array) else Array([k])
    if first:
        k.insert(0, elem)
    else:
        k.append(elem)
    parent.K = k
    marks.append(elem)
    return mcid
