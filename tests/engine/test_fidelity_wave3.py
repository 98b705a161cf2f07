"""Real-world fidelity (issue 14), wave 3: the PDF prompt as real text, audio-only Matroska and odd
MP4 audio, HEIC motion photos, uncompressed HEIF, Dolby Vision.

Every sample is generated here; independent readers check the results: poppler (pdftotext,
pdffonts, pdftoppm), qpdf through pikepdf, exiftool -validate, ffprobe."""

from __future__ import annotations

import json
import struct
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from aigclabel_gui.engine.errors import UnsupportedFormat
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import (
    AudioSettings,
    ImplicitSettings,
    LabelSettings,
    TextSettings,
    VisibleSettings,
)
from aigclabel_gui.resources import default_font
from tests.conftest import PRODUCER, exiftool_json

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


def tag_pdf(path: Path) -> None:
    """Make `text_pdf`'s output a tagged PDF: Document -> one P per page (MCID 0), as word
    processors export with "tagged PDF" on."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        N, A, D = pikepdf.Name, pikepdf.Array, pikepdf.Dictionary
        root = pdf.make_indirect(D(Type=N.StructTreeRoot))
        doc = pdf.make_indirect(D(Type=N.StructElem, S=N.Document, P=root, K=A()))
        nums = A()
        for i, page in enumerate(pdf.pages):
            body = page.obj.Contents.read_bytes()
            page.obj.Contents = pdf.make_stream(b"/P <</MCID 0>> BDC\n" + body + b"EMC\n")
            para = pdf.make_indirect(D(Type=N.StructElem, S=N.P, P=doc, Pg=page.obj, K=0))
            doc.K.append(para)
            page.obj.StructParents = i
            nums.extend([i, pdf.make_indirect(A([para]))])
        root.K = doc
        root.ParentTree = pdf.make_indirect(D(Nums=nums))
        root.ParentTreeNextKey = len(pdf.pages)
        pdf.Root.StructTreeRoot = root
        pdf.Root.MarkInfo = D(Marked=True)
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


def test_pdf_with_inherited_resources_gets_one_font_name(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src)
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:
        pdf.Root.Pages.Resources = pdf.make_indirect(pdf.pages[0].obj.Resources)
        for page in pdf.pages:  # both pages inherit one shared resource dictionary
            del page.obj["/Resources"]
        pdf.save(src)
    label_file(src, out, text_label())
    with pikepdf.open(out) as pdf:
        names = [[k for k in page.Resources.Font.keys() if "AIGC" in k] for page in pdf.pages]
        assert len(names[0]) == 1 and names[0] == names[1], names
        assert pdf.check_pdf_syntax() == []
    for page in (1, 2):
        assert f"Quarterly report page {page}" in pdftotext(out, page)
        assert PROMPT in pdftotext(out, page)


def test_tagged_pdf_gets_the_prompt_in_its_structure_tree(tmp_path):
    src, out = tmp_path / "a.pdf", tmp_path / "b.pdf"
    text_pdf(src)
    tag_pdf(src)

    def structure(path: Path) -> list[str]:
        text = subprocess.run(
            ["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True
        ).stdout
        return [ln.strip() for ln in text.splitlines() if ln.strip()]

    assert any("Quarterly report page 1" in ln for ln in structure(src))
    label_file(src, out, text_label())
    tree = [ln for ln in structure(out) if '"' in ln]  # the lines with text, in reading order
    assert PROMPT in tree[0] and PROMPT in tree[-1], tree  # first and last in reading order
    assert [ln for ln in tree if "Quarterly" in ln] == [
        ln for ln in structure(src) if "Quarterly" in ln and '"' in ln
    ]
    with pikepdf.open(out) as pdf:
        assert pdf.check_pdf_syntax() == []
        doc = pdf.Root.StructTreeRoot.K
        assert [str(k.S) for k in doc.K] == ["/P"] * 4
        assert str(doc.K[0].Lang) == "zh-CN"
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        assert [len(nums[i]) for i in range(1, len(nums), 2)] == [2, 2]  # MCID 0 theirs, 1 ours
    assert exif_warnings(out) == exif_warnings(src)


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


# --- audio-only Matroska/WebM, Opus/DTS in MP4, codecs without a decoder ------------------------


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def tone(seconds: float = 3.0) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]


def audio_label(position: str = "start") -> LabelSettings:
    return LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        audio=AudioSettings(prompt="rhythm", position=position),
    )


def probe(path: Path, entries: str) -> list[dict]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_entries", entries, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def rhythm_at(path: Path) -> tuple[float, float]:
    from tests.engine.test_audio_label import decode, find_prompt, rhythm_template

    x, rate = decode(path)
    return find_prompt(x, rhythm_template(rate), rate)


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("a.webm", "libopus"),
        ("a.webm", "libvorbis"),
        ("a.mka", "flac"),
        ("a.mkv", "aac"),
        ("a.mka", "ac3"),
        ("a.mka", "pcm_s24le"),
    ],
)
def test_audio_only_matroska_gets_the_audible_prompt(tmp_path, name, codec):
    src, out = tmp_path / name, tmp_path / "out" / name
    out.parent.mkdir()
    ffmpeg(*tone(), "-c:a", codec, "-metadata:s:a:0", "language=jpn", "-metadata", "title=Song",
           str(src))  # fmt: skip
    res = label_file(src, out, audio_label())
    m = res.explicit.measurements
    assert res.explicit.kind == "audio" and m["prompt_at_s"] == (0.0,)
    at, score = rhythm_at(out)  # an independent decode finds the Morse "AI" at the start
    assert at < 0.05 and score > 0.8, (at, score)
    before = probe(src, "stream=codec_name,codec_type:stream_tags=language:format_tags=title")
    after = probe(out, "stream=codec_name,codec_type:stream_tags=language:format_tags=title")
    assert after["streams"] == before["streams"]  # same codec, one audio track, language kept
    assert after["format"]["tags"]["title"] == "Song"
    dur = [float(probe(p, "format=duration")["format"]["duration"]) for p in (src, out)]
    assert abs(dur[1] - dur[0] - m["added_s"]) < 0.1, (dur, m["added_s"])
    assert probe(out, "format_tags=AIGC")["format"]["tags"]["AIGC"] == res.record.to_json()
    assert ffmpeg_errors(out) == ""
    # Labelled again: the prompt is found and not added twice.
    (tmp_path / "again").mkdir()
    again = label_file(out, tmp_path / "again" / name, audio_label())
    assert again.explicit.measurements["method"] == "kept"


def ffmpeg_errors(path: Path) -> str:
    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return r.stderr.strip()


def test_audio_only_mka_keeps_attachments_cover_and_moves_chapters(tmp_path):
    Image.new("RGB", (32, 32), (200, 10, 10)).save(tmp_path / "cover.jpg")
    notes = tmp_path / "notes.txt"
    notes.write_text("liner notes\n")
    meta = tmp_path / "chapters.txt"
    meta.write_text(";FFMETADATA1\ntitle=Album\n"
                    "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=One\n"
                    "[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=Two\n")  # fmt: skip
    src, out = tmp_path / "a.mka", tmp_path / "out" / "a.mka"
    out.parent.mkdir()
    ffmpeg(*tone(4), "-i", str(meta), "-map", "0", "-map_metadata", "1", "-map_chapters", "1",
           "-c:a", "libopus", "-attach", str(tmp_path / "cover.jpg"), "-attach", str(notes),
           "-metadata:s:t:0", "mimetype=image/jpeg", "-metadata:s:t:1", "mimetype=text/plain",
           str(src))  # fmt: skip
    res = label_file(src, out, audio_label())
    shift = res.explicit.measurements["added_s"]
    ch = probe(out, "chapter=start_time,end_time:chapter_tags=title")["chapters"]
    assert [c["tags"]["title"] for c in ch] == ["One", "Two"]
    assert float(ch[0]["start_time"]) == 0.0  # the prompt belongs to the first chapter
    assert abs(float(ch[1]["start_time"]) - (2.0 + shift)) < 0.01  # the programme's 2 s mark
    streams = probe(out, "stream=codec_type:stream_tags=filename,mimetype")["streams"]
    assert sorted(s["tags"].get("filename", "") for s in streams[1:]) == ["cover.jpg", "notes.txt"]
    dump = tmp_path / "dump"
    dump.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-dump_attachment:t", "", "-i", str(out)],
                   cwd=dump, capture_output=True)  # fmt: skip
    assert (dump / "notes.txt").read_bytes() == notes.read_bytes()


def test_audio_only_matroska_follows_the_audio_guardrails(tmp_path):
    from aigclabel_gui.engine.errors import ExplicitLabelRequired
    from aigclabel_gui.engine.settings import VideoSettings

    src = tmp_path / "a.mka"
    ffmpeg(*tone(), "-c:a", "flac", str(src))
    (tmp_path / "out").mkdir()
    # Video settings do not matter (no picture): cards off, the audible prompt is still added.
    no_cards = replace(audio_label(), video=VideoSettings(cards="none"))
    res = label_file(src, tmp_path / "out" / "a.mka", no_cards)
    assert res.kind == "audio" and res.explicit.kind == "audio"
    # The audible prompt off: the §5.3 guardrail, as for any audio file.
    off = replace(audio_label(), audio=AudioSettings(enabled=False))
    with pytest.raises(ExplicitLabelRequired, match="§5.3"):
        label_file(src, tmp_path / "out" / "b.mka", off)


def test_audio_only_matroska_with_two_tracks_is_refused_clearly(tmp_path):
    src = tmp_path / "a.mka"
    ffmpeg(*tone(), *tone(), "-map", "0", "-map", "1", "-c:a", "flac", str(src))
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormat, match="with 2 tracks: the audible prompt is added only"):
        label_file(src, tmp_path / "out" / "a.mka", audio_label())
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("codec", "tag"), [("libopus", ("opus", "Opus")), ("flac", ("flac", "fLaC"))]
)
def test_opus_and_flac_in_mp4_get_the_prompt_in_an_mp4_not_ipod(tmp_path, codec, tag):
    src, out = tmp_path / "a.mp4", tmp_path / "out" / "a.mp4"
    out.parent.mkdir()
    ffmpeg(*tone(), "-c:a", codec, "-strict", "-2", "-metadata", "title=Song", str(src))
    res = label_file(src, out, audio_label())
    assert res.explicit.kind == "audio"
    info = probe(out, "stream=codec_name,codec_tag_string:format_tags=title")
    assert [(s["codec_name"], s["codec_tag_string"]) for s in info["streams"]] == [tag]
    assert info["format"]["tags"]["title"] == "Song"
    at, score = rhythm_at(out)
    assert at < 0.05 and score > 0.8
    assert ffmpeg_errors(out) == ""


def no_decoder_mp4(tmp_path: Path, fourcc: bytes, video: bool) -> Path:
    """An MP4 whose audio sample entry says AC-4 / MPEG-H (no FFmpeg decoder): an AAC file with
    the entry renamed and its esds hidden, as FFmpeg cannot write either codec."""
    aac = tmp_path / "aac.mp4"
    args = ["-f", "lavfi", "-i", "testsrc=s=64x48:d=2"] if video else []
    ffmpeg(*args, *tone(2), *(["-c:v", "libx264"] if video else []), "-c:a", "aac", "-shortest",
           str(aac))  # fmt: skip
    data = aac.read_bytes()
    assert data.count(b"mp4a") == 1 and data.count(b"esds") == 1
    cfg = b"dac4" if fourcc == b"ac-4" else b"free"
    out = tmp_path / f"{fourcc.decode()}{'-v' if video else ''}.mp4"
    out.write_bytes(data.replace(b"mp4a", fourcc).replace(b"esds", cfg))
    return out


@pytest.mark.parametrize(
    ("fourcc", "name"), [(b"ac-4", "AC-4 audio"), (b"mhm1", "MPEG-H 3D Audio")]
)
def test_audio_without_decoder_is_refused_with_its_name_and_kept_metadata_only(
    tmp_path, fourcc, name
):
    for video in (False, True):
        src = no_decoder_mp4(tmp_path, fourcc, video)
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        with pytest.raises(UnsupportedFormat, match=f"{src.name}: {name} has no decoder in FFmpeg"):
            label_file(src, out / src.name, text_label() if video else audio_label())
        assert not (out / src.name).exists()
        # Metadata-only never decodes: the track is kept as it was.
        res = label_file(src, out / src.name, LabelSettings(
            implicit=ImplicitSettings(producer=PRODUCER), implicit_only=True))  # fmt: skip
        assert res.record is not None
        tags = [s["codec_tag_string"] for s in probe(out / src.name, "stream=codec_tag_string")[
            "streams"]]  # fmt: skip
        assert fourcc.decode() in tags
        (out / src.name).unlink()


def test_dts_audio_in_mp4_is_refused_before_decoding_and_copied_beside_video(tmp_path):
    src = tmp_path / "dts.mp4"
    ffmpeg(*tone(2), "-ac", "2", "-c:a", "dca", "-strict", "-2", str(src))
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormat, match="DTS audio in M4A cannot be written back"):
        label_file(src, tmp_path / "out" / "dts.mp4", audio_label())
    # With a picture, the visible label is on the video and the DTS packets are copied as they are.
    vsrc = tmp_path / "v.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=2", *tone(2), "-ac", "2", "-c:v", "libx264",
           "-c:a", "dca", "-strict", "-2", "-shortest", str(vsrc))  # fmt: skip
    label_file(vsrc, tmp_path / "out" / "v.mp4", text_label())

    def audio_md5(p: Path) -> str:
        return subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(p), "-map", "0:a", "-c", "copy", "-f", "md5", "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    assert audio_md5(tmp_path / "out" / "v.mp4") == audio_md5(vsrc)


# --- HEIC motion photos (Google Motion Photo 1.0: the video in a trailing `mpvd` box) -----------

MOTION_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/"
 xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
 GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1" GCamera:MotionPhotoPresentationTimestampUs="0">
<Container:Directory><rdf:Seq>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/heic" Item:Semantic="Primary"
 Item:Length="0" Item:Padding="0"/></rdf:li>
<rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto"
 Item:Length="{length}" Item:Padding="8"/></rdf:li>
</rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def top_boxes(path: Path) -> list[tuple[bytes, int]]:
    data, pos, out = path.read_bytes(), 0, []
    while pos < len(data):
        size, typ = struct.unpack(">I4s", data[pos : pos + 8])
        out.append((typ, size))
        pos += size
    return out


def motion_heic(tmp_path: Path, boxed: bool = True, xmp: bool = True) -> tuple[Path, bytes]:
    """A HEIC motion photo: the MP4 in a trailing `mpvd` box (Google Motion Photo 1.0) or appended
    as it is (boxed=False, as other phones do), with the GCamera/Container XMP (or none)."""
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    mp4 = tmp_path / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           str(mp4))  # fmt: skip
    video = mp4.read_bytes()
    src = tmp_path / "motion.heic"
    packet = MOTION_XMP.replace("{length}", str(len(video) + 8 * boxed))
    packet = packet.replace('Item:Padding="8"', f'Item:Padding="{8 * boxed}"')
    opts = {"xmp": packet.encode()} if xmp else {}
    Image.new("RGB", (256, 192), (40, 120, 200)).save(src, "HEIF", quality=80, **opts)
    with open(src, "ab") as f:
        f.write((struct.pack(">I4s", len(video) + 8, b"mpvd") if boxed else b"") + video)
    return src, video


@pytest.mark.parametrize(("boxed", "xmp"), [(True, True), (False, True), (False, False)])
def test_heic_motion_photo_metadata_only_keeps_the_video_last(tmp_path, boxed, xmp):
    src, video = motion_heic(tmp_path, boxed, xmp)
    out = tmp_path / "out" / src.name
    out.parent.mkdir()
    res = label_file(src, out, LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER), implicit_only=True))  # fmt: skip
    if boxed:
        assert top_boxes(out)[-1] == (b"mpvd", len(video) + 8)  # readers count from the end
    # The video is the file's last bytes, unchanged (its chunk offsets count from its own start,
    # even when our meta grew: no XMP item before).
    assert out.read_bytes()[-len(video) :] == video
    tail = tmp_path / "tail.mp4"
    tail.write_bytes(out.read_bytes()[-len(video) :])
    assert ffmpeg_errors(tail) == ""
    meta = exiftool_json(out)
    assert meta["XMP-TC260:Aigc"] == res.record.to_json()
    if xmp:
        assert meta["XMP-GCamera:MotionPhoto"] == 1
    if boxed:
        extracted = subprocess.run(
            ["exiftool", "-b", "-MotionPhotoVideo", str(out)], capture_output=True, check=True
        ).stdout
        assert extracted == video
    assert exif_warnings(out) == exif_warnings(src)


def test_heic_motion_photo_visible_label_drops_the_video_and_says_so(tmp_path):
    src, _video = motion_heic(tmp_path)
    out = tmp_path / "out" / src.name
    out.parent.mkdir()
    res = label_file(src, out, LabelSettings(implicit=ImplicitSettings(producer=PRODUCER)))
    assert b"mpvd" not in [t for t, _ in top_boxes(out)]
    meta = exiftool_json(out)
    assert not any(k.startswith(("XMP-GCamera:Motion", "XMP-Container:")) for k in meta), meta
    assert meta["XMP-TC260:Aigc"] == res.record.to_json()
    said = [w for w in res.warnings if "motion photo's video" in w]
    assert said and "plain still HEIF" in said[0], res.warnings
    assert exif_warnings(out) == []


# --- uncompressed HEIF (ISO/IEC 23001-17 'unci') ------------------------------------------------


def _box(typ: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), typ) + body


def _full(typ: bytes, version: int, body: bytes) -> bytes:
    return _box(typ, struct.pack(">I", version << 24) + body)


def unci_heif(path: Path, w: int = 8, h: int = 8) -> bytes:
    """An 8×8 RGB 'unci' image written box by box (ISO/IEC 23001-17: uncC v0 + cmpd; no encoder
    we have writes one). Returns the pixel bytes."""
    px = b"".join(bytes((x * 32, y * 32, 128)) for y in range(h) for x in range(w))
    ftyp = _box(b"ftyp", b"mif1" + bytes(4) + b"mif1")
    hdlr = _full(b"hdlr", 0, bytes(4) + b"pict" + bytes(12) + b"\0")
    pitm = _full(b"pitm", 0, struct.pack(">H", 1))
    iinf = _full(b"iinf", 0, struct.pack(">H", 1) + _full(b"infe", 2, b"\0\1\0\0unci\0"))
    ispe = _full(b"ispe", 0, struct.pack(">II", w, h))
    cmpd = _box(b"cmpd", struct.pack(">IHHH", 3, 4, 5, 6))  # R, G, B
    comps = b"".join(struct.pack(">HBBB", i, 7, 0, 0) for i in range(3))  # 8-bit unsigned
    uncc = _full(b"uncC", 0, bytes(4) + struct.pack(">I", 3) + comps + bytes([0, 1, 0, 0])
                 + bytes(20))  # fmt: skip  # 4:4:4, interleaved pixels, no padding, one tile
    ipco = _box(b"ipco", ispe + cmpd + uncc)
    ipma = _full(b"ipma", 0, struct.pack(">IHB", 1, 1, 3) + bytes([0x01, 0x82, 0x83]))

    def meta(offset: int) -> bytes:
        iloc = _full(b"iloc", 0, b"\x44\x00" + struct.pack(">HHHHII", 1, 1, 0, 1, offset, len(px)))
        return _full(b"meta", 0, hdlr + pitm + iloc + iinf + _box(b"iprp", ipco + ipma))

    head = len(ftyp) + len(meta(0)) + 8
    path.write_bytes(ftyp + meta(head) + _box(b"mdat", px))
    return px


def primary_pixels(path: Path) -> bytes:
    from aigclabel_gui.engine.containers.heif_items import item_data, read_heif

    with open(path, "rb") as f:
        hf = read_heif(f, f.seek(0, 2), path.name)
        return item_data(hf, f, hf.primary)


def test_uncompressed_heif_metadata_only_adds_the_xmp_item_without_decoding(tmp_path):
    src = tmp_path / "u.heif"
    px = unci_heif(src)
    assert exif_warnings(src) == []  # exiftool reads our hand-made file as valid HEIF
    out = tmp_path / "out" / "u.heif"
    out.parent.mkdir()
    res = label_file(src, out, LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER), implicit_only=True))  # fmt: skip
    meta = exiftool_json(out)
    assert meta["XMP-TC260:Aigc"] == res.record.to_json()
    assert meta["QuickTime:ImageSpatialExtent"] == "8x8"
    assert primary_pixels(out) == px  # the image item's bytes, found through the new iloc
    assert exif_warnings(out) == []
    # Again (now with an XMP item to update): still one record, pixels untouched.
    again = tmp_path / "again" / "u.heif"
    again.parent.mkdir()
    label_file(out, again, LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER), implicit_only=True))  # fmt: skip
    assert primary_pixels(again) == px
    assert again.read_bytes().count(b'"ContentProducer"') == 1


def test_uncompressed_heif_visible_label_is_refused_with_the_reason(tmp_path):
    from aigclabel_gui.engine.visible.image import _register_plugins

    if not _register_plugins():
        pytest.skip("pillow-heif not installed")
    src = tmp_path / "u.heif"
    unci_heif(src)
    try:
        with Image.open(src) as im:  # a libheif with the unci codec decodes it: nothing to refuse
            im.load()
        pytest.skip("this libheif decodes 'unci'")
    except (OSError, ValueError):
        pass
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormat, match=r"uncompressed HEIF \(ISO/IEC 23001-17 'unci'\)"):
        label_file(src, tmp_path / "out" / "u.heif", LabelSettings(
            implicit=ImplicitSettings(producer=PRODUCER)))  # fmt: skip
    assert list((tmp_path / "out").iterdir()) == []


# --- Dolby Vision configuration records -----------------------------------------------------------


def _insert_in_sample_entry(data: bytes, entry: bytes, after: bytes, new_box: bytes) -> bytes:
    """`new_box` after child `after` of the first `entry` sample entry, every parent grown. The
    moov sits after mdat (ffmpeg's default), so no chunk offset moves."""
    starts, lo, hi = [], 0, len(data)
    for want in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", entry):
        pos = lo
        while struct.unpack_from(">4s", data, pos + 4)[0] != want:
            pos += struct.unpack_from(">I", data, pos)[0]
            assert pos < hi, want
        starts.append(pos)
        hi = pos + struct.unpack_from(">I", data, pos)[0]
        lo = pos + 8 + (8 if want == b"stsd" else 78 if want == entry else 0)
    pos = lo
    while pos < hi:
        size, typ = struct.unpack_from(">I4s", data, pos)
        pos += size
        if typ == after:
            break
    out = bytearray(data[:pos] + new_box + data[pos:])
    for s in starts:
        struct.pack_into(">I", out, s, struct.unpack_from(">I", out, s)[0] + len(new_box))
    return bytes(out)


def dv_mp4_box(tmp_path: Path) -> bytes:
    return (tmp_path / "dvcC.bin").read_bytes()


def dv_mp4(tmp_path: Path, profile: int, compatibility: int) -> tuple[Path, bytes]:
    """A 10-bit PQ HEVC MP4 (libx265) with a DOVIDecoderConfigurationRecord (`dvcC`) added to its
    hvc1 sample entry, as Dolby Vision profile 8.1 / 5 files carry it (no encoder here writes one)."""
    base = tmp_path / "hdr10.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=128x72:d=2:r=10", "-c:v", "libx265",
           "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
           "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
           "-tag:v", "hvc1", str(base))  # fmt: skip
    bits = (profile << 9) | (1 << 3) | 0b101  # level 1; RPU and base layer present, no EL
    payload = bytes([1, 0]) + struct.pack(">H", bits) + bytes([compatibility << 4]) + bytes(19)
    box = _box(b"dvcC", payload)
    (tmp_path / "dvcC.bin").write_bytes(box)
    src = tmp_path / f"dv{profile}.mp4"
    src.write_bytes(_insert_in_sample_entry(base.read_bytes(), b"hvc1", b"hvcC", box))
    return src, box


def dv_file(tmp_path: Path, profile: int, compatibility: int, ext: str) -> Path:
    """dv_mp4, remuxed by ffmpeg into Matroska for ext ".mkv" (it writes the record as a
    BlockAdditionMapping)."""
    src, _box_bytes = dv_mp4(tmp_path, profile, compatibility)
    if ext == ".mp4":
        return src
    mkv = src.with_suffix(ext)
    ffmpeg("-i", str(src), "-c", "copy", str(mkv))
    return mkv


def dovi_side_data(path: Path) -> dict | None:
    streams = probe(path, "stream=codec_type:stream_side_data")["streams"]
    video = next(s for s in streams if s["codec_type"] == "video")
    return next(
        (d for d in video.get("side_data_list", []) if "DOVI" in d.get("side_data_type", "")),
        None,
    )


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_dolby_vision_record_kept_by_metadata_only(tmp_path, ext):
    src = dv_file(tmp_path, 8, 1, ext)
    dv = dovi_side_data(src)  # ffprobe reads our record
    assert (dv["dv_profile"], dv["dv_bl_signal_compatibility_id"]) == (8, 1)
    out = tmp_path / "out" / src.name
    out.parent.mkdir()
    label_file(src, out, LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER), implicit_only=True))  # fmt: skip
    if ext == ".mp4":
        assert out.read_bytes().count(dv_mp4_box(tmp_path)) == 1
    assert dovi_side_data(out) == dv
    assert exif_warnings(out) == exif_warnings(src)


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_dolby_vision_visible_label_says_hdr10_base_layer(tmp_path, ext):
    from aigclabel_gui.engine.visible.dolby_vision import read_dolby_vision

    src = dv_file(tmp_path, 8, 1, ext)
    dv = read_dolby_vision(src)
    assert (dv.profile, dv.level, dv.compatibility, dv.base_layer) == (8, 1, 1, "HDR10")
    out = tmp_path / "out" / src.name
    out.parent.mkdir()
    res = label_file(src, out, LabelSettings(implicit=ImplicitSettings(producer=PRODUCER)))
    assert any(
        "Dolby Vision metadata cannot be re-encoded: the labelled video is plain HDR10" in w
        for w in res.warnings
    ), res.warnings
    v = probe(out, "stream=codec_name,pix_fmt,color_transfer,color_primaries")["streams"][0]
    assert (v["pix_fmt"], v["color_transfer"], v["color_primaries"]) == (
        "yuv420p10le",
        "smpte2084",
        "bt2020",
    )
    assert dovi_side_data(out) is None  # what the note says: the record is not carried


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_dolby_vision_profile_5_visible_label_is_refused(tmp_path, ext):
    src = dv_file(tmp_path, 5, 0, ext)
    (tmp_path / "out").mkdir()
    with pytest.raises(UnsupportedFormat, match="Dolby Vision profile 5 has no HDR10/SDR/HLG"):
        label_file(src, tmp_path / "out" / src.name, text_label())
    assert list((tmp_path / "out").iterdir()) == []


def test_audio_only_matroska_is_audio_wherever_it_is_identified(tmp_path):
    """registry.identify says "audio" for an .mka / a music .webm (no picture track), so the GUI's
    row, planning with {kind} and the export agree; a Matroska with a picture stays video."""
    from aigclabel_gui.engine.batch import plan_jobs
    from aigclabel_gui.engine.registry import identify, kind_of

    song = tmp_path / "in" / "song.webm"
    song.parent.mkdir()
    ffmpeg(*tone(), "-c:a", "libopus", str(song))
    clip = tmp_path / "in" / "clip.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1", *tone(),
           "-c:v", "libx264", "-c:a", "flac", "-shortest", str(clip))  # fmt: skip
    assert identify(song).kind == "audio" and identify(song).name == "webm"
    assert kind_of(clip) == "video"
    jobs = plan_jobs([tmp_path / "in"], tmp_path / "out", audio_label(),
                     name_template="{kind}/{stem}{ext}")  # fmt: skip
    assert sorted(j.dst.relative_to(tmp_path / "out").as_posix() for j in jobs) == [
        "audio/song.webm",
        "video/clip.mkv",
    ]
