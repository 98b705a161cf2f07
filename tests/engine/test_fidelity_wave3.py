"""Real-world fidelity (issue 14), wave 3: the PDF prompt as real text, audio-only Matroska and odd
MP4 audio, HEIC motion photos, uncompressed HEIF, Dolby Vision.

Every sample is generated here; independent readers check the results: poppler (pdftotext,
pdffonts, pdftoppm), qpdf through pikepdf, exiftool -validate, ffprobe."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import (
    ImplicitSettings,
    LabelSettings,
    TextSettings,
    VisibleSettings,
)
from aigclabel_gui.resources import default_font
from tests.conftest import PRODUCER

PROMPT = "本内容由人工智能生成"


def text_label(position: str = "start+end", **kw) -> LabelSettings:
    vis = kw.pop("visible", VisibleSettings())
    return LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        text=TextSettings(position=position, **kw),
        visible=vis,
    )


def exif_warnings(path: Path) -> list[str]:
    out = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(line for line in out.splitlines() if line and line != "OK")


# --- PDF: the prompt as real text ---------------------------------------------------------------


def text_pdf(path: Path, sizes=((595, 842), (842, 595)), pdfa1: bool = False) -> None:
    """A PDF with real Helvetica text on every page (what word processors write)."""
    pdf = pikepdf.new()
    helv = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for i, (w, h) in enumerate(sizes):
        page = pdf.add_blank_page(page_size=(w, h))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=helv))
        body = f"BT /F1 14 Tf 72 {h / 2:.0f} Td (Quarterly report page {i + 1}) Tj ET\n"
        page.obj.Contents = pdf.make_stream(body.encode())
    if pdfa1:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "1"
            meta["pdfaid:conformance"] = "B"
    pdf.save(path)


def pdftotext(path: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def page_streams(path: Path) -> list[list[bytes]]:
    with pikepdf.open(path) as pdf:
        out = []
        for page in pdf.pages:
            c = page.obj.Contents
            out.append([s.read_raw_bytes() for s in (c if isinstance(c, pikepdf.Array) else [c])])
        return out


def test_pdf_prompt_is_real_text_that_pdftotext_extracts(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src)
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.pages[1].obj.Rotate = 90
        pdf.save(src)
    res = label_file(src, out, text_label())
    m = res.explicit.measurements
    assert m["start_prompt_as"] == "text" and m["end_prompt_as"] == "text"
    assert m["start_ink_pt"] >= 9.0
    # poppler finds the exact prompt on the first and the last page, beside the page's own text.
    for page in (1, 2):
        lines = [ln.strip() for ln in pdftotext(out, page).splitlines() if ln.strip()]
        assert PROMPT in lines, lines
        assert f"Quarterly report page {page}" in lines
    # The font is embedded as a subset with a ToUnicode map (pdffonts: emb, sub, uni = yes).
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    ours = [ln for ln in fonts.splitlines() if "NotoSansSC" in ln]
    assert len(ours) == 1, fonts  # one font object shared by both pages
    assert ours[0].split()[-5:-2] == ["yes", "yes", "yes"], ours
    assert "CID Type 0C" in ours[0]
    # qpdf's structural check (through pikepdf) and exiftool -validate find nothing new.
    with pikepdf.open(out) as pdf:
        assert pdf.check_pdf_syntax() == []
        fd = pdf.pages[0].Resources.Font
        font = next(fd[k] for k in fd.keys() if k.startswith("/AIGCFont"))
        desc = font.DescendantFonts[0].FontDescriptor
        assert len(desc.FontFile3.read_bytes()) < 60_000  # ten glyphs, not the 2 MB font
    assert exif_warnings(out) == exif_warnings(src)
    # The page's own streams are untouched, between our q/Q wrappers.
    for before, after in zip(page_streams(src), page_streams(out), strict=True):
        assert after[1:-1] == before and after[0] == b"q\n" and after[-1].startswith(b"Q\n")
    # Labelling again adds nothing.
    label_file(out, tmp_path / "c.pdf", text_label())
    assert page_streams(tmp_path / "c.pdf") == page_streams(out)


def _dark_box(im: Image.Image) -> tuple[int, int, int, int]:
    return im.point(lambda v: 255 if v < 60 else 0).getbbox()


def test_pdf_text_prompt_renders_as_a_pill_with_the_text_size_measured(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src, sizes=((300, 500),))
    res = label_file(src, out, text_label("start"))
    ink = res.explicit.measurements["start_ink_pt"]
    # Render with poppler at 4 px/pt: the dark plate sits top-left, wider than high, and the
    # white glyphs inside it are about `ink` pt tall.
    subprocess.run(["pdftoppm", "-r", "288", "-png", str(out), str(tmp_path / "pg")], check=True)
    page = Image.open(tmp_path / "pg-1.png").convert("L")
    im = page.crop((0, 0, page.width, page.height // 5))  # the page's own text is lower down
    x0, y0, x1, y1 = _dark_box(im)
    assert x0 > 0 and y0 > 0 and x1 - x0 > 4 * (y1 - y0)
    white = im.crop((x0, y0, x1, y1)).point(lambda v: 255 if v > 128 else 0)
    # Only the glyphs are white inside the plate's straight middle part.
    gx0, gy0, gx1, gy1 = white.crop(((y1 - y0), 0, (x1 - x0) - (y1 - y0), y1 - y0)).getbbox()
    assert abs((gy1 - gy0) / 4.0 - ink) < 1.0, (gy1 - gy0, ink)


def test_pdf_english_prompt_keeps_its_spaces(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src, sizes=((595, 842),))
    label_file(src, out, text_label("end", language="en"))
    lines = [ln.strip() for ln in pdftotext(out, 1).splitlines() if ln.strip()]
    assert "This content was generated by AI" in lines, lines


def test_pdfa1_gets_an_opaque_plate_and_a_cidset(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src, sizes=((595, 842),), pdfa1=True)
    vis = VisibleSettings(plate_opacity=0.5, outline=True)
    label_file(src, out, text_label("start", visible=vis))
    assert pdftotext(out, 1).count(PROMPT) == 1  # the outline pass is not read twice
    with pikepdf.open(out) as pdf:
        res = pdf.pages[0].Resources
        assert "/ExtGState" not in res  # PDF/A-1 forbids transparency: no /ca
        font = next(res.Font[k] for k in res.Font.keys() if k.startswith("/AIGCFont"))
        desc = font.DescendantFonts[0].FontDescriptor
        cidset = desc.CIDSet.read_bytes()
        codes = {int(c) for c in font.DescendantFonts[0].W[::2]}
        on = {i for i in range(len(cidset) * 8) if cidset[i // 8] & (0x80 >> (i % 8))}
        assert on == codes | {0}  # ISO 19005-1 §6.3.5: exactly the CIDs in the subset
        assert desc.FontName == font.BaseFont and str(font.BaseFont)[7] == "+"
    assert exif_warnings(out) == exif_warnings(src)


def test_pdf_semi_transparent_plate_uses_an_extgstate(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src, sizes=((595, 842),))
    label_file(src, out, text_label("start", visible=VisibleSettings(plate_opacity=0.5)))
    with pikepdf.open(out) as pdf:
        gs = pdf.pages[0].Resources.ExtGState
        assert [float(gs[k].ca) for k in gs.keys()] == [0.5]
    assert PROMPT in pdftotext(out, 1)


def test_pdf_font_that_forbids_embedding_falls_back_to_the_image_stamp(tmp_path):
    font = TTFont(default_font())
    font["OS/2"].fsType = 0x0002  # restricted licence: no embedding
    restricted = tmp_path / "restricted.otf"
    font.save(restricted)
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src, sizes=((595, 842),))
    vis = replace(VisibleSettings(), font_path=str(restricted))
    res = label_file(src, out, text_label("start", visible=vis))
    how = res.explicit.measurements["start_prompt_as"]
    assert how.startswith("image (") and "forbids embedding" in how, how
    assert PROMPT not in pdftotext(out, 1)  # an image: only OCR reads it
    with pikepdf.open(out) as pdf:
        assert any(k.startswith("/AIGCPrompt") for k in pdf.pages[0].Resources.XObject.keys())
        assert "/Font" not in pdf.pages[0].Resources or not any(
            k.startswith("/AIGCFont") for k in pdf.pages[0].Resources.Font.keys()
        )


def test_pdf_prompt_with_a_truetype_font(tmp_path):
    """A user's TrueType (glyf) font: CIDFontType2 with CID = GID."""
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not dejavu.exists():
        pytest.skip("DejaVu Sans not installed")
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src, sizes=((595, 842),))
    vis = VisibleSettings(font_path=str(dejavu))
    res = label_file(src, out, text_label("start", language="en", visible=vis))
    assert res.explicit.measurements["start_prompt_as"] == "text"
    assert "This content was generated by AI" in pdftotext(out, 1)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert any("DejaVuSans" in ln and "CID TrueType" in ln for ln in fonts.splitlines()), fonts
    with pikepdf.open(out) as pdf:
        assert pdf.check_pdf_syntax() == []
