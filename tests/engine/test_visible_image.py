"""Visible labels on image files, checked on the output pixels and with independent readers
(tesseract, exiftool, Pillow decoding again) — issue #3's "Done when"."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageOps

from aigclabel_gui import cli
from aigclabel_gui.engine.containers.png import chunk_bytes, read_chunks
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings, VisibleSettings
from aigclabel_gui.engine.visible.image import apply_explicit, render_preview
from aigclabel_gui.engine.visible.placement import score_corners
from tests.conftest import PRODUCER, exiftool_json

SETTINGS = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))


def photo(w: int, h: int, seed: int = 0) -> Image.Image:
    """A smooth, photo-like RGB picture (gradients and soft shapes: JPEG-friendly)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 40 + 160 * x / w
    g = 50 + 150 * y / h
    b = 120 + 60 * np.sin((x + 2 * y) / max(w, h) * 6.0 + seed)
    im = Image.fromarray(np.dstack([r, g, b]).clip(0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    d.ellipse((w * 0.3, h * 0.3, w * 0.6, h * 0.7), fill=(200, 170, 90))
    return im


def changed_box(a: Image.Image, b: Image.Image, tol: int = 0) -> tuple[int, int, int, int] | None:
    """Bounding box of the pixels that differ by more than `tol` in any channel."""
    da = np.asarray(a.convert("RGBA")).astype(np.int16)
    db = np.asarray(b.convert("RGBA")).astype(np.int16)
    diff = (np.abs(da - db) > tol).any(axis=2)
    rows, cols = np.nonzero(diff.any(axis=1))[0], np.nonzero(diff.any(axis=0))[0]
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def text_ink(out: Image.Image, box, src: Image.Image) -> tuple[int, int, int, int]:
    """Bounding box of the white text ink of the label: pixels that changed and are light."""
    g = np.asarray(out.convert("L").crop(box)).astype(int)
    before = np.asarray(src.convert("L").crop(box)).astype(int)
    # White text (255) on a black plate (0): half-coverage and up, and not the untouched picture.
    ys, xs = np.nonzero((g > 160) & (np.abs(g - before) > 40))
    return box[0] + xs.min(), box[1] + ys.min(), box[0] + xs.max() + 1, box[1] + ys.max() + 1


def ocr_label(out: Image.Image, box, src: Image.Image) -> str:
    """Tesseract on the text inside the plate, normalised to ~48 px ink, dark on light."""
    x0, y0, x1, y1 = text_ink(out, box, src)
    ink = y1 - y0
    m = max(2, ink // 4)
    crop = out.convert("L").crop((x0 - m, y0 - m, x1 + m, y1 + m))
    s = 48 / ink
    crop = ImageOps.invert(crop).resize((round(crop.width * s), round(crop.height * s)))
    buf = io.BytesIO()
    ImageOps.expand(crop, 16, fill=255).save(buf, "PNG")
    res = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim+eng", "--psm", "7"],
        input=buf.getvalue(),
        capture_output=True,
        check=True,
    )
    text = res.stdout.decode("utf-8")
    # In Noto Sans capital I and lower-case l are the same bare stroke; OCR cannot tell them.
    return re.sub(r"\s", "", text).replace("Al", "AI")


def test_tools_present():
    # Tests below need these; CI installs them (never skip silently).
    for tool in ("tesseract", "exiftool"):
        assert shutil.which(tool), f"{tool} is not installed"
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    assert "chi_sim" in langs


def _label_png(tmp_path, w, h, settings=SETTINGS) -> tuple[Image.Image, Image.Image, dict]:
    src = tmp_path / "src.png"
    photo(w, h).save(src)
    dst = tmp_path / "out.png"
    rep = apply_explicit(src, dst, None, settings)
    return Image.open(src).convert("RGB"), Image.open(dst).convert("RGB"), rep.measurements


SIZES = [(320, 240), (640, 480), (1920, 1080), (1080, 1350)]


@pytest.mark.ocr
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ocr_reads_label_and_ink_height_meets_5pct(tmp_path, size, lang):
    settings = LabelSettings(visible=VisibleSettings(language=lang))
    src, out, meas = _label_png(tmp_path, *size, settings)
    box = changed_box(src, out)
    assert box is not None
    x0, y0, x1, y1 = text_ink(out, box, src)
    short = min(size)
    assert y1 - y0 >= 0.05 * short, f"ink {y1 - y0}px < 5% of {short}"
    assert abs(meas["ink_height_pct"] - 100 * (y1 - y0) / short) < 0.5
    text = ocr_label(out, box, src)
    expected = "AI生成" if lang == "zh" else "AI-generated"
    assert expected in text, text


@pytest.mark.slow
@pytest.mark.ocr
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ocr_and_ink_height_at_24_megapixels(tmp_path, lang):
    settings = LabelSettings(visible=VisibleSettings(language=lang))
    src, out, _ = _label_png(tmp_path, 6000, 4000, settings)
    box = changed_box(src, out)
    x0, y0, x1, y1 = text_ink(out, box, src)
    assert y1 - y0 >= 200  # 5 % of 4000
    expected = "AI生成" if lang == "zh" else "AI-generated"
    assert expected in ocr_label(out, box, src)


def test_png_outside_the_label_is_identical_and_chunks_are_kept(tmp_path):
    src = tmp_path / "src.png"
    photo(500, 400).save(
        src,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        dpi=(300, 300),
    )
    # Add chunks Pillow itself would not write back: gAMA, a tEXt comment, an XMP iTXt.
    chunks = [(c.ctype, c.data) for c in read_chunks(src, bodies=lambda t: True)]
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>image/png</dc:format></rdf:Description></rdf:RDF></x:xmpmeta>'
    extra = [
        (b"gAMA", (45455).to_bytes(4, "big")),
        (b"tEXt", b"Comment\x00kept comment"),
        (b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp),
    ]
    rebuilt = [chunks[0], *extra, *chunks[1:]]
    src.write_bytes(b"\x89PNG\r\n\x1a\n" + b"".join(chunk_bytes(t, b) for t, b in rebuilt))
    dst = tmp_path / "out.png"
    apply_explicit(src, dst, None, SETTINGS)
    a, b = Image.open(src).convert("RGB"), Image.open(dst).convert("RGB")
    box = changed_box(a, b)
    na, nb = np.asarray(a).copy(), np.asarray(b).copy()
    na[box[1] : box[3], box[0] : box[2]] = 0
    nb[box[1] : box[3], box[0] : box[2]] = 0
    assert (na == nb).all()
    # The label sits in the bottom-right corner.
    assert box[2] > 450 and box[3] > 360
    meta = exiftool_json(dst)
    assert meta["PNG:Gamma"] == 2.2
    assert meta["PNG:Comment"] == "kept comment"
    assert meta["XMP-dc:Format"] == "image/png"
    assert "ICC_Profile:ProfileDescription" in meta
    assert meta["PNG-pHYs:PixelsPerUnitX"] == 11811  # 300 dpi
    # PNG spec §11.3.3.3: at most one iCCP (Pillow writes one from info, the source's is kept).
    out_types = [c.ctype for c in read_chunks(dst)]
    assert out_types.count(b"iCCP") == 1 and out_types.count(b"pHYs") == 1, out_types


@pytest.mark.parametrize("kind", ["rgba", "palette"])
def test_png_alpha_and_palette(tmp_path, kind):
    base = photo(300, 200).convert("RGBA")
    arr = np.asarray(base).copy()
    arr[:100, :, 3] = 0  # top half transparent
    im = Image.fromarray(arr, "RGBA")
    if kind == "palette":
        im = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    src, dst = tmp_path / "src.png", tmp_path / "out.png"
    im.save(src)
    apply_explicit(src, dst, None, SETTINGS)
    a, b = Image.open(src).convert("RGBA"), Image.open(dst).convert("RGBA")
    box = changed_box(a, b)
    na, nb = np.asarray(a).copy(), np.asarray(b).copy()
    na[box[1] : box[3], box[0] : box[2]] = 0
    nb[box[1] : box[3], box[0] : box[2]] = 0
    assert (na == nb).all()
    assert np.asarray(b)[:100, :, 3].max() == 0  # transparency kept
    assert np.asarray(b)[box[1] : box[3], box[0] : box[2], 3].max() == 255  # opaque plate


def _jpeg_with_metadata(path: Path, im: Image.Image, orientation: int = 1, quality: int = 85):
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0112] = orientation
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>image/jpeg</dc:format></rdf:Description></rdf:RDF></x:xmpmeta>'
    im.save(
        path, "JPEG", quality=quality, exif=exif.tobytes(), icc_profile=icc, xmp=xmp, dpi=(240, 240)
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(float) - b.astype(float)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.mark.parametrize("quality", [0, 95])
def test_jpeg_psnr_outside_label_and_metadata_kept(tmp_path, quality, capsys):
    src, dst = tmp_path / "src.jpg", tmp_path / "out.jpg"
    _jpeg_with_metadata(src, photo(1200, 900), quality=85)
    settings = LabelSettings(visible=VisibleSettings(jpeg_quality=quality))
    rep = apply_explicit(src, dst, None, settings)
    a, b = Image.open(src), Image.open(dst)
    x0, y0, x1, y1 = rep.measurements["box"]
    # Mask the label box grown to whole 16 px MCUs: blocks it touches are re-encoded with it.
    mask = np.ones((900, 1200), bool)
    mask[y0 // 16 * 16 : -(-y1 // 16) * 16, x0 // 16 * 16 : -(-x1 // 16) * 16] = False
    p = psnr(np.asarray(a)[mask], np.asarray(b)[mask])
    with capsys.disabled():
        print(
            f"\nJPEG q85 source, output quality={quality or 'keep'}: PSNR outside label {p:.1f} dB"
        )
    assert p > (45 if quality == 0 else 38)
    if quality == 0:  # same quantisation tables as the source
        assert a.quantization == b.quantization
    meta = exiftool_json(dst)
    assert meta["IFD0:Make"] == "TestCam"
    assert meta["XMP-dc:Format"] == "image/jpeg"
    assert "ICC_Profile:ProfileDescription" in meta
    assert 240 in (meta.get("IFD0:XResolution"), meta.get("JFIF:XResolution"))


def test_exif_orientation_6_label_lands_bottom_right_as_viewed(tmp_path):
    # Stored 800x600 landscape, viewed as a 600x800 portrait after a 90° clockwise turn.
    src, dst = tmp_path / "src.jpg", tmp_path / "out.jpg"
    _jpeg_with_metadata(src, photo(800, 600), orientation=6)
    apply_explicit(src, dst, None, LabelSettings(visible=VisibleSettings(position="bottom-right")))
    view_a = ImageOps.exif_transpose(Image.open(src))
    view_b = ImageOps.exif_transpose(Image.open(dst))
    assert view_b.size == (600, 800)
    box = changed_box(view_a, view_b, tol=40)
    assert box is not None
    margin = 12  # 2 % of 600
    assert abs(box[2] - (600 - margin)) <= 3 and abs(box[3] - (800 - margin)) <= 3
    assert box[0] > 300 and box[1] > 700
    assert exiftool_json(dst)["IFD0:Orientation"] == "Rotate 90 CW"
    # And the text reads upright (not rotated) when viewed.
    assert "AI生成" in ocr_label(view_b, box, view_a)


@pytest.mark.parametrize("ext", ["gif", "webp"])
def test_animation_keeps_frames_durations_loop_and_labels_every_frame(tmp_path, ext):
    frames = [photo(320, 240, seed=i) for i in range(6)]
    durations = [80, 120, 160, 200, 240, 280]
    src, dst = tmp_path / f"src.{ext}", tmp_path / f"out.{ext}"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=durations, loop=3)
    rep = apply_explicit(src, dst, None, SETTINGS)
    assert rep.measurements["frames"] == 6
    out = Image.open(dst)
    assert out.n_frames == 6
    assert out.info.get("loop") == 3
    got = []
    for i in range(out.n_frames):
        out.seek(i)
        out.load()
        got.append(out.info["duration"])
        frame = out.convert("RGB")
        # Each frame carries the plate: the bottom-right label area is mostly near-black.
        x0, y0, x1, y1 = rep.measurements["box"]
        region = np.asarray(frame.crop((x0 + 20, y0 + 3, x1 - 20, y1 - 3)).convert("L"))
        assert (region < 40).mean() > 0.5 and (region > 200).any()
    assert got == durations


@pytest.mark.parametrize("lossless", [True, False])
def test_animated_webp_keeps_lossless_or_lossy_frames(tmp_path, lossless):
    """The frames' bitstreams (VP8L / VP8 inside ANMF) decide: a lossless animation stays
    lossless, pixel for pixel outside the label (checked by decoding both)."""
    from aigclabel_gui.engine.containers.webp import bitstream_kinds

    frames = [photo(320, 240, seed=i) for i in range(3)]
    src, dst = tmp_path / "src.webp", tmp_path / "out.webp"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, lossless=lossless)
    assert bitstream_kinds(src) == ({b"VP8L"} if lossless else {b"VP8 "})
    rep = apply_explicit(src, dst, None, SETTINGS)
    assert rep.measurements["webp"] == ("lossless" if lossless else "lossy q92")
    assert bitstream_kinds(dst) == bitstream_kinds(src)
    if lossless:
        x0, y0, x1, y1 = rep.measurements["box"]
        a, b = Image.open(src), Image.open(dst)
        for i in range(3):
            a.seek(i)
            b.seek(i)
            na, nb = np.asarray(a.convert("RGB")).copy(), np.asarray(b.convert("RGB")).copy()
            na[y0:y1, x0:x1] = nb[y0:y1, x0:x1] = 0
            assert (na == nb).all()


@pytest.mark.parametrize("ext", ["tif", "bmp", "webp", "heic", "avif"])
def test_other_still_formats(tmp_path, ext):
    src, dst = tmp_path / f"src.{ext}", tmp_path / f"out.{ext}"
    kw = {"tif": {"compression": "tiff_lzw", "dpi": (300, 300)}, "webp": {"lossless": True}}
    if ext in ("heic", "avif"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    photo(400, 300).save(src, **kw.get(ext, {}))
    rep = apply_explicit(src, dst, None, SETTINGS)
    a, b = Image.open(src), Image.open(dst)
    assert b.format == a.format and b.size == a.size
    box = changed_box(a, b, tol=60)
    assert box is not None and box[2] > 350 and box[3] > 260
    if ext in ("tif", "bmp") or (ext == "webp"):  # lossless: nothing else moved
        a2, b2 = np.asarray(a.convert("RGB")).copy(), np.asarray(b.convert("RGB")).copy()
        x0, y0, x1, y1 = rep.measurements["box"]
        a2[y0:y1, x0:x1] = 0
        b2[y0:y1, x0:x1] = 0
        assert (a2 == b2).all()
    if ext == "tif":
        assert b.info.get("compression") == "tiff_lzw"
        assert exiftool_json(dst)["IFD0:XResolution"] == 300


def test_cmyk_jpeg_is_labelled(tmp_path):
    src, dst = tmp_path / "src.jpg", tmp_path / "out.jpg"
    photo(400, 300).convert("CMYK").save(src, quality=90)
    apply_explicit(src, dst, None, SETTINGS)
    out = Image.open(dst)
    assert out.mode == "CMYK"
    rgb = out.convert("RGB")
    plate = np.asarray(rgb.crop((330, 270, 360, 285)).convert("L"))
    assert (plate < 40).mean() > 0.6  # a dark plate, not an inverted (light) one


def test_auto_placement_avoids_the_busy_corner(tmp_path):
    im = photo(800, 600)
    d = ImageDraw.Draw(im)
    for corner in ((0, 0), (400, 300), (0, 300)):  # busy: top-left, bottom-right, bottom-left
        for i in range(0, 400, 8):
            d.line((corner[0] + i, corner[1], corner[0] + i, corner[1] + 300), fill=(0, 0, 0))
    res = score_corners(im, VisibleSettings(), face_detector=False)
    assert res.position == "top-right", res.scores
    assert res.scores["top-right"] < 0.05 < res.scores["bottom-right"]
    # Deterministic, and the file path uses it.
    assert score_corners(im, VisibleSettings(), face_detector=False) == res
    src, dst = tmp_path / "busy.png", tmp_path / "out.png"
    im.save(src)
    rep = apply_explicit(src, dst, None, LabelSettings(visible=VisibleSettings(position="auto")))
    assert rep.measurements["position"] == "top-right"


def test_auto_placement_avoids_a_face():
    # A plain picture: every corner is calm; a (stub) detector reports a face bottom-right, so
    # the tie-break's first choice must be skipped. The real detector is OpenCV's when present.
    im = photo(800, 600)

    def fake_detector(grey):
        h, w = grey.shape
        return [(int(w * 0.8), int(h * 0.8), w, h)]

    res = score_corners(im, VisibleSettings(), face_detector=fake_detector)
    assert res.position == "bottom-left" and res.faces_checked
    assert score_corners(im, VisibleSettings(), face_detector=False).position == "bottom-right"


def test_preview_matches_the_written_label(tmp_path):
    src = tmp_path / "src.jpg"
    _jpeg_with_metadata(src, photo(2400, 1600), orientation=6)
    pv = render_preview(src, SETTINGS, max_side=800)
    assert pv.source_size == (1600, 2400)
    assert pv.image.size == (533, 800)
    dst = tmp_path / "out.jpg"
    rep = apply_explicit(src, dst, None, SETTINGS)
    full = rep.measurements["box"]
    scaled = tuple(round(v * pv.scale) for v in full)
    assert all(abs(p - q) <= 1 for p, q in zip(pv.overlay.box, scaled, strict=True))
    assert pv.composited().size == pv.image.size


def test_bad_inputs_raise_engine_errors_and_leave_no_output(tmp_path):
    good = tmp_path / "good.jpg"
    photo(400, 300).save(good, quality=90)
    truncated = tmp_path / "trunc.jpg"
    truncated.write_bytes(good.read_bytes()[:2000])
    dst = tmp_path / "out.jpg"
    with pytest.raises(CorruptFile, match="trunc.jpg"):
        apply_explicit(truncated, dst, None, SETTINGS)
    assert not dst.exists()
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    with pytest.raises(CorruptFile):
        apply_explicit(garbage, tmp_path / "o.png", None, SETTINGS)
    # A PNG header claiming 100000 x 100000 pixels: refused before any decoding.
    bomb = tmp_path / "bomb.png"
    ihdr = (100000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk_bytes(b"IHDR", ihdr) + chunk_bytes(b"IEND", b""))
    with pytest.raises(InputTooLarge):
        apply_explicit(bomb, tmp_path / "b.png", None, SETTINGS)
    # Tiny images (thumbnails, icons): no legible label fits; refused with the reason.
    for w, h in ((40, 300), (10, 10)):
        tiny = tmp_path / f"tiny{w}.png"
        photo(w, h).save(tiny)
        with pytest.raises(UnsupportedFormat, match=f"{w}x{h} px is too small"):
            apply_explicit(tiny, tmp_path / "t.png", None, SETTINGS)
        with pytest.raises(UnsupportedFormat, match="too small"):
            render_preview(tiny, SETTINGS)
        assert not (tmp_path / "t.png").exists()


@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("pix_fmt", ["gray16be", "rgb48be"])
def test_16_bit_images_become_8_bit_and_say_so(tmp_path, ext, pix_fmt):
    """16-bit PNG/TIFF (scanners, RAW converters): the labelled copy is 8-bit, scaled (not
    clipped), and the result says so; the preview and the export agree."""
    src = tmp_path / f"deep{ext}"
    if pix_fmt == "gray16be":
        ramp = np.tile(np.linspace(0, 65535, 320).astype(np.uint16), (240, 1))
        Image.fromarray(ramp).save(src)
    else:
        pix = pix_fmt if ext == ".png" else "rgb48le"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=320x240",
             "-frames:v", "1", "-pix_fmt", pix, str(src)],
            check=True,
        )  # fmt: skip
    info = exiftool_json(src, "-BitDepth", "-BitsPerSample")
    assert "16" in str(info.get("PNG:BitDepth", info.get("IFD0:BitsPerSample")))
    render_preview(src, SETTINGS)
    dst = tmp_path / f"out{ext}"
    result = label_file(src, dst, SETTINGS)
    assert any("converted to 8 bits" in w for w in result.warnings)
    with Image.open(dst) as out:
        out.load()
        assert out.mode in ("L", "RGB")
        arr = np.asarray(out)
    if pix_fmt == "gray16be":
        # Outside the label the ramp is scaled: the right edge is white, the middle mid-grey.
        assert arr[:, 0].max() <= 1 and 126 <= arr[120, 160] <= 129


def test_pipeline_labels_jpeg_fully(tmp_path):
    src, dst = tmp_path / "src.jpg", tmp_path / "out.jpg"
    _jpeg_with_metadata(src, photo(640, 480))
    res = label_file(src, dst, SETTINGS)
    assert res.explicit is not None and res.explicit.measurements["ink_height_pct"] >= 5
    meta = exiftool_json(dst)
    assert PRODUCER in meta["XMP-TC260:Aigc"]
    assert meta["IFD0:Make"] == "TestCam"
    assert changed_box(Image.open(src), Image.open(dst), tol=40) is not None


def test_cli_label_auto_size_text(tmp_path, capsys):
    src = tmp_path / "img.jpg"
    _jpeg_with_metadata(src, photo(900, 600))
    out = tmp_path / "out"
    out.mkdir()
    argv = ["label", str(src), "-o", str(out), "--producer", PRODUCER, "--position", "auto"]
    argv += ["--size-pct", "7", "--text", "本内容由人工智能生成"]
    assert cli.main(argv) == 0, capsys.readouterr()
    written = list(out.glob("*.jpg"))
    assert len(written) == 1
    view, before = Image.open(written[0]), Image.open(src)
    box = changed_box(before, view, tol=40)
    x0, y0, x1, y1 = text_ink(view, box, before)
    assert y1 - y0 >= 42 - 1  # 7 % of 600, measured through JPEG noise
    assert "人工智能生成" in ocr_label(view, box, before)
    assert PRODUCER in exiftool_json(written[0])["XMP-TC260:Aigc"]


def test_tiff_exif_and_gps_pointers_are_not_left_dangling(tmp_path):
    # Bug: tags 34665/34853 (offsets of the Exif and GPS directories in the *source*) were copied
    # as numbers, so the output pointed into its own image data ("Bad ExifIFD directory").
    src, dst = tmp_path / "src.tif", tmp_path / "out.tif"
    photo(400, 300).save(src, compression="tiff_lzw")
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-Make=Cam",
         "-DateTimeOriginal=2024:01:01 10:00:00", "-GPSLatitude=30.5", "-GPSLatitudeRef=N", str(src)],
        check=True,
    )  # fmt: skip
    assert {34665, 34853} <= set(Image.open(src).tag_v2)
    rep = apply_explicit(src, dst, None, SETTINGS)
    out = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(dst)], capture_output=True, text=True
    ).stdout
    assert "Bad ExifIFD" not in out and "Bad GPS" not in out, out
    assert exiftool_json(dst)["IFD0:Make"] == "Cam"
    assert not {34665, 34853} & set(Image.open(dst).tag_v2)
    assert any("sub-directories" in w for w in rep.warnings)


def test_exif_thumbnail_is_dropped_but_exif_kept(tmp_path):
    """Viewers show the EXIF thumbnail: left in, it would show the picture without its label."""
    import subprocess

    from PIL import Image as _Image

    from aigclabel_gui.engine.pipeline import label_file
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
    from tests.conftest import PRODUCER, exiftool_json

    ex = _Image.Exif()
    ex[0x0112] = 6
    ex[0x010F] = "Cam"
    ex.get_ifd(0x8825)[1] = "N"
    ex.get_ifd(0x8825)[2] = (30.0, 15.0, 0.0)
    src = tmp_path / "a.jpg"
    _Image.new("RGB", (400, 300), (200, 50, 50)).save(src, exif=ex)
    _Image.new("RGB", (160, 120), (0, 0, 255)).save(tmp_path / "t.jpg")
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            f"-ThumbnailImage<={tmp_path / 't.jpg'}",
            str(src),
        ],
        check=True,
    )
    assert "IFD1:ThumbnailImage" in exiftool_json(src)
    res = label_file(
        src, tmp_path / "out.jpg", LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    )
    info = exiftool_json(tmp_path / "out.jpg")
    assert "IFD1:ThumbnailImage" not in info
    assert info["IFD0:Orientation"] == "Rotate 90 CW" and info["IFD0:Make"] == "Cam"
    assert info["GPS:GPSLatitudeRef"] == "North"
    assert any("thumbnail" in w for w in res.warnings)


# --- camera EXIF carried through byte for byte ------------------------------------------------


def _camera_exif(thumbnail: bytes) -> bytes:
    """A camera-style EXIF block (big-endian, as Canon/Nikon write): IFD0 with Make/Orientation,
    an Exif IFD with UNDEFINED (ComponentsConfiguration, ExifVersion), SRATIONAL
    (ExposureBiasValue), LONG (PixelXDimension) and a Canon-style maker note (an IFD whose value
    offsets count from the TIFF header), and IFD1 with a JPEG thumbnail."""
    import struct

    o = ">"
    blob = bytearray(b"MM\x00\x2a" + struct.pack(o + "I", 8))

    def ifd(entries, extra_at):
        """entries: (tag, type, count, value bytes); returns (table bytes, data bytes)."""
        table = struct.pack(o + "H", len(entries))
        data = b""
        for tag, typ, cnt, val in entries:
            if len(val) <= 4:
                table += struct.pack(o + "HHI", tag, typ, cnt) + val.ljust(4, b"\0")
            else:
                table += struct.pack(o + "HHI", tag, typ, cnt) + struct.pack(
                    o + "I", extra_at + len(data)
                )
                data += val + (b"\0" if len(val) % 2 else b"")
        return table, data

    # Layout: IFD0 at 8, then its data, Exif IFD, maker note, IFD1, thumbnail.
    ifd0_at = 8
    n0 = 4
    ifd0_data_at = ifd0_at + 2 + 12 * n0 + 4
    make = b"Canon\0"
    exif_at = ifd0_data_at + len(make) + (len(make) % 2)
    ne = 5
    exif_data_at = exif_at + 2 + 12 * ne + 4
    # Maker note: an IFD of 2 entries, one with an out-of-line value (absolute offset).
    mn_at = exif_data_at + 8  # after the SRATIONAL
    mn_value = b"CanonFirmwareX1.0\0\0\0"
    mn = struct.pack(o + "H", 2)
    mn += struct.pack(o + "HHI", 0x0007, 2, len(mn_value)) + struct.pack(
        o + "I", mn_at + 2 + 24 + 4
    )
    mn += struct.pack(o + "HHI", 0x0010, 4, 1) + struct.pack(o + "I", 0x80000001)  # ModelID
    mn += b"\0\0\0\0" + mn_value
    ifd1_at = mn_at + len(mn)
    entries0 = [
        (0x010F, 2, len(make), make),
        (0x0110, 2, 4, b"X1\0\0"),
        (0x0112, 3, 1, struct.pack(o + "H", 1)),
        (0x8769, 4, 1, struct.pack(o + "I", exif_at)),
    ]
    t0, d0 = ifd(entries0, ifd0_data_at)
    t0 += struct.pack(o + "I", ifd1_at)
    entries_e = [
        (0x9000, 7, 4, b"0231"),
        (0x9101, 7, 4, b"\1\2\3\0"),
        (0x9204, 10, 1, struct.pack(o + "ii", -2, 3)),
        (0x927C, 7, len(mn), mn),
        (0xA002, 4, 1, struct.pack(o + "I", 64)),
    ]
    te, de = ifd(entries_e, exif_data_at)
    te += struct.pack(o + "I", 0)
    assert exif_data_at + 8 == mn_at
    n1 = 3
    thumb_at = ifd1_at + 2 + 12 * n1 + 4
    t1 = struct.pack(o + "H", n1)
    t1 += struct.pack(o + "HHI", 0x0103, 3, 1) + struct.pack(o + "HH", 6, 0)
    t1 += struct.pack(o + "HHI", 0x0201, 4, 1) + struct.pack(o + "I", thumb_at)
    t1 += struct.pack(o + "HHI", 0x0202, 4, 1) + struct.pack(o + "I", len(thumbnail))
    t1 += struct.pack(o + "I", 0)
    blob += t0 + d0
    assert len(blob) == exif_at
    blob += te + de
    assert len(blob) == ifd1_at, (len(blob), ifd1_at)
    blob += t1 + thumbnail
    return b"Exif\0\0" + bytes(blob)


def _exiftool_rows(path: Path) -> set[tuple[str, str]]:
    out = subprocess.run(
        ["exiftool", "-a", "-G1", "-s", "-n", "-u", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = set()
    for line in out.splitlines():
        m = re.match(r"^\[([^\]]+)\]\s+(\S+)\s*:\s?(.*)$", line)
        if m:
            rows.add((m.group(1) + ":" + m.group(2), m.group(3)))
    return rows


def test_camera_exif_bytes_and_maker_note_are_carried_through(tmp_path):
    buf = io.BytesIO()
    photo(32, 24, seed=3).save(buf, "JPEG", quality=70)
    exif = _camera_exif(buf.getvalue())
    src = tmp_path / "camera.jpg"
    photo(64 * 5, 48 * 5, seed=2).save(src, "JPEG", quality=90, exif=exif)
    warn_src = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(src)],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()[1:]  # fmt: skip
    rows_src = _exiftool_rows(src)
    assert ("Canon:CanonFirmwareVersion", "CanonFirmwareX1.0") in rows_src  # the maker note reads
    assert ("ExifIFD:ExposureCompensation", "-0.6666666667") in rows_src
    dst = tmp_path / "out.jpg"
    result = label_file(src, dst, SETTINGS)
    assert any("thumbnail was removed" in w for w in result.warnings)
    with Image.open(dst) as im:
        out_exif = im.info["exif"]
    # Byte for byte, except IFD0's link to IFD1 and the zeroed IFD1 + thumbnail.
    assert len(out_exif) == len(exif)
    ifd1_at = int.from_bytes(exif[6:][8 + 2 + 12 * 4 : 8 + 2 + 12 * 4 + 4], "big")
    link = 6 + 8 + 2 + 12 * 4
    assert out_exif[:link] == exif[:link]
    assert out_exif[link : link + 4] == b"\0\0\0\0"
    assert out_exif[link + 4 : 6 + ifd1_at] == exif[link + 4 : 6 + ifd1_at]
    assert set(out_exif[6 + ifd1_at :]) == {0}
    rows_dst = _exiftool_rows(dst)
    kept = {r for r in rows_src if r[0].split(":")[0] in ("IFD0", "ExifIFD", "Canon")}
    assert kept <= rows_dst  # every tag with its value, the maker note's included
    assert not any(r[0].startswith("IFD1:") for r in rows_dst)
    warn_dst = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(dst)],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()[1:]  # fmt: skip
    assert set(warn_dst) <= set(warn_src)


# --- phone photos: motion photo video and Ultra HDR gain map ------------------------------------

MOTION_XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""
 xmlns:GCamera="http://ns.google.com/photos/1.0/camera/"
 xmlns:Container="http://ns.google.com/photos/1.0/container/"
 xmlns:Item="http://ns.google.com/photos/1.0/container/item/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 GCamera:MotionPhoto="1" GCamera:MotionPhotoVersion="1"
 GCamera:MotionPhotoPresentationTimestampUs="500000" GCamera:MicroVideoOffset="{length}">
 <dc:creator><rdf:Seq><rdf:li>Phone user</rdf:li></rdf:Seq></dc:creator>
 <Container:Directory><rdf:Seq>
 <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="image/jpeg" Item:Semantic="Primary"
  Item:Length="0" Item:Padding="0"/></rdf:li>
 <rdf:li rdf:parseType="Resource"><Container:Item Item:Mime="video/mp4" Item:Semantic="MotionPhoto"
  Item:Length="{length}" Item:Padding="0"/></rdf:li>
 </rdf:Seq></Container:Directory></rdf:Description></rdf:RDF></x:xmpmeta>"""


def _exiftool_text(path: Path, *args: str) -> str:
    return subprocess.run(
        ["exiftool", "-a", "-G1", "-s", *args, str(path)], capture_output=True, text=True
    ).stdout


def test_motion_photo_video_and_claims_are_dropped_and_said(tmp_path):
    video = tmp_path / "v.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=64x48:d=0.5:r=10",
         "-c:v", "libx264", str(video)],
        check=True,
    )  # fmt: skip
    mp4 = video.read_bytes()
    src = tmp_path / "PXL_MP.jpg"
    buf = io.BytesIO()
    xmp = MOTION_XMP.format(length=len(mp4)).encode()
    photo(400, 300).save(buf, "JPEG", quality=90, xmp=xmp)
    src.write_bytes(buf.getvalue() + mp4)
    before = _exiftool_text(src)
    assert "MotionPhoto" in before and "DirectoryItemMime" in before
    dst = tmp_path / "out.jpg"
    result = label_file(src, dst, SETTINGS)
    assert any("motion photo's video" in w for w in result.warnings), result.warnings
    after = _exiftool_text(dst, "-XMP:all")
    assert "MotionPhoto" not in after and "MicroVideo" not in after and "Directory" not in after
    assert "Phone user" in after  # the rest of the XMP is kept
    assert b"ftyp" not in dst.read_bytes()
    warn = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(dst)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Trailer" not in warn


def test_ultra_hdr_gain_map_is_dropped_and_said(tmp_path):
    """An Ultra HDR JPEG: primary + gain map in MPF, hdrgm in the primary's XMP (written here
    with Pillow's MPO writer and an hdrgm/Container packet)."""
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        b'xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" hdrgm:Version="1.0" '
        b'xmp:CreatorTool="Pixel"/></rdf:RDF></x:xmpmeta>'
    )
    src = tmp_path / "uhdr.jpg"
    gain = photo(200, 150, seed=4).convert("L").convert("RGB")
    photo(400, 300).save(src, "MPO", save_all=True, append_images=[gain], xmp=xmp, quality=90)
    before = _exiftool_text(src)
    assert "MPImage2" in before and "Version" in before
    dst = tmp_path / "out.jpg"
    result = label_file(src, dst, SETTINGS)
    assert any("gain map" in w for w in result.warnings), result.warnings
    after = _exiftool_text(dst)
    assert "MPImage2" not in after and "hdrgm" not in _exiftool_text(dst, "-XMP:all")
    assert "XMP-hdrgm" not in after and "Pixel" in after


def test_gif_xmp_packet_is_kept_with_the_visible_label(tmp_path):
    src = tmp_path / "anim.gif"
    frames = [photo(160, 120, seed=s).quantize(64) for s in (1, 2)]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=80, loop=0)
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-dc:Title=动图标题", "-XMP-dc:Rights=CC0",
         str(src)],
        check=True,
    )  # fmt: skip
    dst = tmp_path / "out.gif"
    label_file(src, dst, SETTINGS)
    info = exiftool_json(dst)
    assert info["XMP-dc:Title"] == "动图标题" and info["XMP-dc:Rights"] == "CC0"
    assert "XMP-TC260:Aigc" in info
    with Image.open(dst) as im:
        assert im.n_frames == 2 and im.info["loop"] == 0


def test_apng_with_a_default_image_outside_the_animation_keeps_its_timings(tmp_path):
    src = tmp_path / "d.png"
    frames = [photo(160, 120, seed=s) for s in (1, 2, 3)]
    frames[0].save(
        src, save_all=True, append_images=frames[1:], duration=[500, 100],
        default_image=True, loop=0,
    )  # fmt: skip

    def timings(path: Path) -> tuple[list[str], list]:
        """Frame start times as FFmpeg plays them, and Pillow's per-frame durations."""
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "frame=pts_time", "-of", "csv=p=0",
             str(path)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        with Image.open(path) as im:
            durations = [(im.seek(i), im.info.get("duration"))[1] for i in range(im.n_frames)]
        return out.split(), durations

    assert timings(src) == (["0.000000", "0.500000"], [None, 500.0, 100.0])
    dst = tmp_path / "out.png"
    label_file(src, dst, SETTINGS)
    assert timings(dst) == timings(src)
    with Image.open(dst) as im:
        assert im.info.get("default_image") is True and im.n_frames == 3


def _bmp_v5_with_profile(path: Path, im: Image.Image, profile: bytes) -> None:
    """A 24-bit BITMAPV5HEADER BMP with an embedded ICC profile (as Photoshop/GIMP write it)."""
    import struct

    w, h = im.size
    row = (w * 3 + 3) & ~3
    rgb = np.asarray(im.convert("RGB"))[::-1, :, ::-1]  # bottom-up, BGR
    pixels = b"".join(rgb[y].tobytes().ljust(row, b"\0") for y in range(h))
    info = struct.pack("<IiiHHIIiiII", 124, w, h, 1, 24, 0, len(pixels), 3780, 3780, 0, 0)
    info += struct.pack("<4II36x3IIIII", 0, 0, 0, 0, 0x4D424544, 0, 0, 0, 4,
                        124 + len(pixels), len(profile), 0)  # fmt: skip
    body = info + pixels + profile
    path.write_bytes(b"BM" + struct.pack("<IHHI", 14 + len(body), 0, 0, 14 + 124) + body)


def test_bmp_icc_profile_is_kept(tmp_path):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = tmp_path / "p.bmp"
    _bmp_v5_with_profile(src, photo(320, 240), profile)
    info_src = exiftool_json(src, "-ICC_Profile:all")
    assert any(k.startswith("ICC") for k in info_src)  # exiftool reads the source's profile
    dst = tmp_path / "out.bmp"
    label_file(src, dst, SETTINGS)
    info = exiftool_json(dst, "-ICC_Profile:all")
    assert {k: v for k, v in info.items() if k.startswith("ICC")} == {
        k: v for k, v in info_src.items() if k.startswith("ICC")
    }
    with Image.open(dst) as out, Image.open(src) as before:
        assert out.size == before.size
        a, b = np.asarray(out.convert("RGB")), np.asarray(before.convert("RGB"))
        assert (a != b).any(axis=2).mean() < 0.2  # only the label area changed
