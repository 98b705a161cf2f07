"""Image containers: the implicit AIGC record in JPEG, PNG, WebP, TIFF, GIF (HEIF read-only, BMP none).

Every write is checked with exiftool (an independent reader), by decoding pixels again with
Pillow, and with our own inspect_file(); the source file must stay byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageSequence, PngImagePlugin

from aigclabel_gui.cli import main as cli_main
from aigclabel_gui.engine.errors import CorruptFile, NoCarrier, UnsupportedFormat
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.registry import container_for
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from aigclabel_gui.engine.xmp import DST_TRAINED
from tests.conftest import PRODUCER, exiftool_json

OTHER = "0011914403007084611363XYZ12"  # another propagator code (same character rules)
SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))
XMP_FORMATS = ["jpeg", "png", "webp", "tiff", "gif"]


# --- sample media -------------------------------------------------------------------------
def _pixels(w: int = 64, h: int = 48, seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def _exif() -> Image.Exif:
    ex = Image.Exif()
    ex[0x0112] = 6  # Orientation: rotate 90 CW
    ex[0x010F] = "TestCam"
    gps = ex.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 0.0)
    return ex


def _icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_image(fmt: str, path: Path, *, xmp: bytes | None = None) -> Path:
    """A small image of `fmt` with EXIF (orientation, GPS) and an ICC profile where possible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    im = _pixels()
    if fmt == "jpeg":
        im.save(path, "JPEG", exif=_exif(), icc_profile=_icc(), quality=90, xmp=xmp or b"")
    elif fmt == "png":
        im.save(path, "PNG", exif=_exif(), icc_profile=_icc())
    elif fmt == "webp":
        im.save(path, "WEBP", exif=_exif(), icc_profile=_icc(), quality=80)
    elif fmt == "tiff":
        # Pillow's TIFF writer keeps IFD0 tags only; exiftool adds the EXIF and GPS IFDs.
        im.save(path, "TIFF", exif=_exif(), icc_profile=_icc(), compression="tiff_lzw")
        exiftool_write(path, "-GPSLatitude=30.25", "-GPSLatitudeRef=N")
    elif fmt == "gif":
        frames = [_pixels(seed=s).quantize(64) for s in (1, 2, 3)]
        frames[0].save(path, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    elif fmt == "bmp":
        im.save(path, "BMP")
    else:
        raise AssertionError(fmt)
    return path


def exiftool_write(path: Path, *args: str) -> None:
    subprocess.run(["exiftool", "-q", "-overwrite_original", *args, str(path)], check=True)


EXT = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "gif": ".gif", "bmp": ".bmp"}


def frames_of(path: Path) -> list[bytes]:
    with Image.open(path) as im:
        return [f.convert("RGBA").tobytes() for f in ImageSequence.Iterator(im)]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exif_lines(path: Path) -> list[tuple[str, str, str]]:
    """Every tag exiftool sees, duplicates included, as (group, tag, value)."""
    out = subprocess.run(
        ["exiftool", "-a", "-G1", "-s", str(path)], capture_output=True, text=True, check=True
    ).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\[([^\]]+)\]\s+(\S+)\s*:\s?(.*)$", line)
        if m:
            rows.append(m.groups())
    return rows


def validate(path: Path) -> list[str]:
    out = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()


def aigc_tags(path: Path) -> list[tuple[str, str, str]]:
    return [r for r in exif_lines(path) if "aigc" in r[1].lower()]


KEPT_GROUPS = {"IFD0", "IFD1", "ExifIFD", "GPS", "ICC_Profile", "ICC-header", "JFIF", "PNG"}


def kept_tags(info: dict) -> dict:
    return {k: v for k, v in info.items() if k.split(":")[0] in KEPT_GROUPS}


def label(src: Path, dst: Path, settings: LabelSettings = SETTINGS):
    return label_file(src, dst, settings)


# --- the main round trip, per format ----------------------------------------------------------
@pytest.mark.parametrize("fmt", XMP_FORMATS)
def test_label_round_trip(fmt, tmp_path):
    src = make_image(fmt, tmp_path / f"in{EXT[fmt]}")
    before = sha(src)
    dst = tmp_path / f"out{EXT[fmt]}"
    res = label(src, dst)
    assert res.format == fmt and res.record is not None
    assert sha(src) == before  # the original is never modified

    tags = aigc_tags(dst)
    assert tags == [("XMP-TC260", "AIGC", res.record.to_json())] or tags == [
        ("XMP-TC260", "Aigc", res.record.to_json())
    ]
    info = exiftool_json(dst)
    assert info["XMP-iptcExt:DigitalSourceType"] == DST_TRAINED
    assert "Warning" not in " ".join(info)
    # Every EXIF/ICC/PNG/JFIF tag survives unchanged (exiftool's view of source and output).
    assert kept_tags(info) == kept_tags(exiftool_json(src))
    if fmt != "gif":
        assert info["IFD0:Orientation"] == "Rotate 90 CW"
        assert info["ICC_Profile:ProfileDescription"] == "sRGB built-in"
    if fmt != "gif":
        assert info["GPS:GPSLatitudeRef"] == "North"
    # exiftool's structural validation finds nothing new in our output.
    assert validate(dst) == validate(src)
    assert frames_of(dst) == frames_of(src)
    if fmt == "gif":
        assert len(frames_of(dst)) == 3
    rep = inspect_file(dst)
    assert rep.verdict == "compliant", rep.problems
    assert rep.digital_source_type == DST_TRAINED


def test_jpeg_scan_data_is_byte_identical(tmp_path):
    src = make_image("jpeg", tmp_path / "a.jpg")
    dst = tmp_path / "b.jpg"
    label(src, dst)
    s, d = src.read_bytes(), dst.read_bytes()
    sos_s, sos_d = s.index(b"\xff\xda"), d.index(b"\xff\xda")
    assert d[sos_d:] == s[sos_s:]
    # EXIF, ICC and every other segment copied as they were, in the same order.
    from aigclabel_gui.engine.containers.jpeg import read_layout

    def others(p):
        return [p.read_bytes()[g.offset : g.end] for g in read_layout(p).segments if not g.is_xmp()]

    assert others(dst) == others(src)
    # Our XMP segment sits right after APP0/EXIF.
    segs = read_layout(dst).segments
    names = [(g.name, g.is_exif(), g.is_xmp()) for g in segs[:3]]
    assert names == [("APP0", False, False), ("APP1", True, False), ("APP1", False, True)]


# --- existing metadata is kept, records are never doubled -----------------------------------
XMP_WITH_TITLE = b"""<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreatorTool>SomeGenerator 2.1</xmp:CreatorTool>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">A title</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"""


def test_jpeg_existing_xmp_properties_kept(tmp_path):
    src = make_image("jpeg", tmp_path / "a.jpg", xmp=XMP_WITH_TITLE)
    dst = tmp_path / "b.jpg"
    label(src, dst)
    info = exiftool_json(dst)
    assert info["XMP-xmp:CreatorTool"] == "SomeGenerator 2.1"
    assert info["XMP-dc:Title"] == "A title"
    assert len(aigc_tags(dst)) == 1
    assert inspect_file(dst).verdict == "compliant"
    # Still exactly one XMP APP1 segment.
    assert dst.read_bytes().count(b"http://ns.adobe.com/xap/1.0/\x00") == 1


XMP_UUID_ABOUT = XMP_WITH_TITLE.replace(
    b'rdf:about=""', b'rdf:about="uuid:faf5bdd5-ba3d-11da-ad31-d33d75182f1b"'
)


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-be", "utf-16-le"])
def test_jpeg_xmp_about_and_utf16_packets(tmp_path, codec):
    """XMP written by Photoshop names the resource (rdf:about="uuid:…"): the added Description
    must say the same (exiftool: "Different 'rdf:about' attributes"). UTF-16 packets are allowed
    by the XMP spec (part 3 §1.1.1) and are read, kept and completed, not called damaged."""
    text = XMP_UUID_ABOUT.decode("utf-8").replace("\ufeff", "")
    packet = text.encode(codec) if codec == "utf-8" else ("\ufeff" + text).encode(codec)
    src = make_image("jpeg", tmp_path / "a.jpg", xmp=packet)
    info_src = exiftool_json(src)
    assert info_src["XMP-dc:Title"] == "A title"  # exiftool reads the source packet
    before = validate(src)
    dst = tmp_path / "b.jpg"
    label(src, dst)
    assert set(validate(dst)[1:]) <= set(before[1:])  # no new warning (line 0 is the count)
    info = exiftool_json(dst)
    assert info["XMP-xmp:CreatorTool"] == "SomeGenerator 2.1"
    assert info["XMP-dc:Title"] == "A title"
    assert info["XMP-rdf:About"] == "uuid:faf5bdd5-ba3d-11da-ad31-d33d75182f1b"
    assert len(aigc_tags(dst)) == 1
    assert inspect_file(dst).verdict == "compliant"


@pytest.mark.parametrize("fmt", XMP_FORMATS)
def test_relabel_keeps_one_record_and_the_producer(fmt, tmp_path):
    src = make_image(fmt, tmp_path / f"a{EXT[fmt]}")
    first = tmp_path / f"b{EXT[fmt]}"
    r1 = label(src, first)
    again = LabelSettings(
        implicit_only=True,
        implicit=ImplicitSettings(producer="IGNORED", propagator=OTHER, propagate_id="p-2"),
    )
    second = tmp_path / f"c{EXT[fmt]}"
    r2 = label(first, second, again)
    assert r2.kept_producer_record
    tags = aigc_tags(second)
    assert len(tags) == 1
    rec = json.loads(tags[0][2])
    assert r1.record is not None
    for k in ("Label", "ContentProducer", "ProduceID", "ReservedCode1"):
        assert rec[k] == getattr(r1.record, k)
    assert rec["ContentPropagator"] == OTHER and rec["PropagateID"] == "p-2"
    assert inspect_file(second).verdict == "compliant"
    assert frames_of(second) == frames_of(src)


def _doubao_record(produce_id: str = "abc123") -> dict:
    return {
        "Label": "1",
        "ContentProducer": PRODUCER,
        "ProduceID": produce_id,
        "ReservedCode1": "c2lnbmF0dXJl",
        "ContentPropagator": PRODUCER,
        "PropagateID": produce_id,
        "ReservedCode2": "",
    }


@pytest.mark.parametrize("wrapped", [False, True])
@pytest.mark.parametrize("ctype", ["tEXt", "iTXt", "zTXt"])
def test_png_producer_keyword_chunk_updated_in_place(tmp_path, ctype, wrapped):
    rec = _doubao_record()
    text = json.dumps({"AIGC": rec} if wrapped else rec, separators=(",", ":"))
    info = PngImagePlugin.PngInfo()
    if ctype == "tEXt":
        info.add_text("AIGC", text)
    elif ctype == "zTXt":
        info.add_text("AIGC", text, zip=True)
    else:
        info.add_itxt("AIGC", text)
    info.add_text("Software", "gen")
    src = tmp_path / "doubao.png"
    _pixels().save(src, "PNG", pnginfo=info)
    before = sha(src)

    found = container_for("png").scan(src).records
    assert len(found) == 1 and found[0].standard and ctype in found[0].carrier

    dst = tmp_path / "out.png"
    settings = LabelSettings(
        implicit_only=True, implicit=ImplicitSettings(propagator=OTHER, propagate_id="pub-9")
    )
    res = label(src, dst, settings)
    assert res.kept_producer_record and sha(src) == before
    tags = aigc_tags(dst)
    assert len(tags) == 1 and tags[0][0] == "PNG"  # no TC260 XMP record added
    stored = json.loads(tags[0][2])
    assert ("AIGC" in stored) == wrapped
    got = stored["AIGC"] if wrapped else stored
    for k in ("Label", "ContentProducer", "ProduceID", "ReservedCode1"):
        assert got[k] == rec[k]
    assert got["ContentPropagator"] == OTHER and got["PropagateID"] == "pub-9"
    # Producer fields byte-identical in the raw text, in the same chunk type.
    raw = tags[0][2]
    assert '"ProduceID":"abc123","ReservedCode1":"c2lnbmF0dXJl"' in raw
    chunk = container_for("png").scan(dst).records[0]
    assert ctype in chunk.carrier
    info_out = exiftool_json(dst)
    assert info_out["XMP-iptcExt:DigitalSourceType"] == DST_TRAINED
    assert info_out["PNG:Software"] == "gen"
    assert frames_of(dst) == frames_of(src)
    rep = inspect_file(dst)
    assert len(rep.records) == 1 and not rep.records[0].errors
    # The keyword chunk is the TC260 image guide annex form: kept there, an accepted
    # non-primary form (compliant-with-warnings, exit 0).
    assert rep.verdict == "compliant-with-warnings", rep.problems
    assert any("accepted non-primary form" in w for w in rep.warnings), rep.warnings


def test_jpeg_exif_usercomment_record_moves_to_xmp(tmp_path):
    rec = _doubao_record("uc-1")
    ex = _exif()
    ex.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + json.dumps({"AIGC": rec}).encode()
    src = tmp_path / "uc.jpg"
    _pixels().save(src, "JPEG", exif=ex)
    scan = container_for("jpeg").scan(src)
    assert len(scan.records) == 1 and "UserComment" in scan.records[0].carrier
    assert not scan.records[0].standard
    # EXIF UserComment {"AIGC":{…}}: the image guide annex form, accepted (moved to XMP on write)
    assert inspect_file(src).verdict == "compliant-with-warnings"

    dst = tmp_path / "out.jpg"
    label(src, dst)
    tags = aigc_tags(dst)
    assert len(tags) == 1 and tags[0][0] == "XMP-TC260"
    assert json.loads(tags[0][2])["ProduceID"] == "uc-1"
    info = exiftool_json(dst)
    assert not info.get("ExifIFD:UserComment")  # blanked in place, same length
    assert info["IFD0:Orientation"] == "Rotate 90 CW"
    assert inspect_file(dst).verdict == "compliant"


def _insert_jpeg_segment(src: Path, dst: Path, marker: int, payload: bytes) -> Path:
    data = src.read_bytes()
    seg = bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
    dst.write_bytes(data[:2] + seg + data[2:])
    return dst


def test_jpeg_app_blob_record_recognised_and_moved(tmp_path):
    base = make_image("jpeg", tmp_path / "a.jpg")
    blob = b"AIGC" + json.dumps(_doubao_record("blob-7"), separators=(",", ":")).encode()
    src = _insert_jpeg_segment(base, tmp_path / "blob.jpg", 0xEA, blob)  # APP10
    scan = container_for("jpeg").scan(src)
    assert [r.standard for r in scan.records] == [False]
    assert "APP10" in scan.records[0].carrier
    dst = tmp_path / "out.jpg"
    label(src, dst)
    assert b"AIGC{" not in dst.read_bytes()
    assert json.loads(aigc_tags(dst)[0][2])["ProduceID"] == "blob-7"
    assert inspect_file(dst).verdict == "compliant"


def test_jpeg_extended_xmp_segment_kept_untouched(tmp_path):
    base = make_image("jpeg", tmp_path / "a.jpg", xmp=XMP_WITH_TITLE)
    ext_xml = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>'
    guid = hashlib.md5(ext_xml).hexdigest().upper().encode()
    payload = (
        b"http://ns.adobe.com/xmp/extension/\x00"
        + guid
        + struct.pack(">II", len(ext_xml), 0)
        + ext_xml
    )
    data = base.read_bytes()
    at = data.index(b"\xff\xdb")  # before the first table
    seg = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    src = tmp_path / "ext.jpg"
    src.write_bytes(data[:at] + seg + data[at:])
    dst = tmp_path / "out.jpg"
    label(src, dst)
    assert seg in dst.read_bytes()
    assert len(aigc_tags(dst)) == 1


def test_jpeg_xmp_too_large_for_one_segment(tmp_path):
    big = XMP_WITH_TITLE.replace(b"A title", b"x" * 65000)
    src = make_image("jpeg", tmp_path / "a.jpg", xmp=big)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsupportedFormat, match="one JPEG segment"):
        label(src, out / "b.jpg")
    assert list(out.iterdir()) == []


# --- C2PA -----------------------------------------------------------------------------------
def _jumbf() -> bytes:
    jumd = b"jumd" + b"c2pa\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71" + b"\x03" + b"c2pa\x00"
    jumd = struct.pack(">I", len(jumd) + 4) + jumd
    return struct.pack(">I", len(jumd) + 8) + b"jumb" + jumd


def test_c2pa_detected_in_jpeg_and_png(tmp_path):
    base = make_image("jpeg", tmp_path / "a.jpg")
    src = _insert_jpeg_segment(
        base, tmp_path / "c.jpg", 0xEB, b"JP\x00\x01\x00\x00\x00\x01" + _jumbf()
    )
    rep = inspect_file(src)
    assert rep.c2pa and any("C2PA" in w for w in rep.notes)
    dst = tmp_path / "c-out.jpg"
    label(src, dst)
    assert inspect_file(dst).c2pa  # kept (and reported), not silently dropped

    png = make_image("png", tmp_path / "a.png")
    data = png.read_bytes()
    at = data.index(b"IDAT") - 4
    body = _jumbf()
    chunk = (
        struct.pack(">I", len(body))
        + b"caBX"
        + body
        + struct.pack(">I", zlib.crc32(b"caBX" + body))
    )
    png_c = tmp_path / "c.png"
    png_c.write_bytes(data[:at] + chunk + data[at:])
    assert container_for("png").scan(png_c).c2pa
    assert not container_for("png").scan(png).c2pa


# --- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_truncated_file_is_corrupt_and_leaves_no_output(fmt, tmp_path):
    src = make_image(fmt, tmp_path / "in" / f"a{EXT[fmt]}")
    data = src.read_bytes()
    cut = tmp_path / "in" / f"cut{EXT[fmt]}"
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptFile) as info:
        label(cut, out / cut.name)
    assert cut.name in str(info.value) and "\n" not in str(info.value)
    assert list(out.iterdir()) == []
    assert inspect_file(cut).verdict == "cannot-tell"


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_header_only_and_empty(fmt, tmp_path):
    src = make_image(fmt, tmp_path / f"a{EXT[fmt]}")
    head = tmp_path / f"head{EXT[fmt]}"
    head.write_bytes(src.read_bytes()[:40])
    with pytest.raises(CorruptFile):
        container_for(fmt).scan(head)
    empty = tmp_path / f"empty{EXT[fmt]}"
    empty.write_bytes(b"")
    with pytest.raises(UnsupportedFormat):
        label(empty, tmp_path / f"o{EXT[fmt]}")


def test_png_named_jpg_is_handled_with_a_warning(tmp_path):
    src = make_image("png", tmp_path / "x.png").rename(tmp_path / "really-png.jpg")
    dst = tmp_path / "out.jpg"
    res = label(src, dst)
    assert res.format == "png"
    assert any("does not match" in w for w in res.warnings)
    assert exiftool_json(dst)["File:FileType"] == "PNG"
    assert len(aigc_tags(dst)) == 1
    assert inspect_file(dst).verdict == "compliant"


def test_bmp_has_no_carrier(tmp_path):
    src = make_image("bmp", tmp_path / "a.bmp")
    c = container_for("bmp")
    assert not c.has_carrier and c.scan(src).records == []
    with pytest.raises(NoCarrier) as exc:
        label(src, tmp_path / "b.bmp")
    assert not (tmp_path / "b.bmp").exists()
    # The advice is about images, not the plain-text advice NoCarrier carries by default.
    assert "a.bmp" in str(exc.value) and "plain text" not in str(exc.value)


# --- the CLI, in process and as the installed console script ---------------------------------
def test_cli_check_exit_codes(tmp_path, capsys):
    src = make_image("jpeg", tmp_path / "in" / "a.jpg")
    out = tmp_path / "out"
    rc = cli_main(
        [
            "label",
            "--implicit-only",
            str(src),
            "-o",
            str(out),
            "--producer",
            PRODUCER,
            "--jobs",
            "1",
        ]
    )
    assert rc == 0
    assert cli_main(["check", str(out / "a.jpg")]) == 0
    assert cli_main(["check", str(src)]) == 1
    capsys.readouterr()


def test_console_script_labels_a_jpeg(tmp_path):
    exe = Path(sys.executable).parent / "aigclabel"
    assert exe.is_file(), "the aigclabel console script is not installed in this environment"
    src = make_image("jpeg", tmp_path / "in" / "图.jpg")
    out = tmp_path / "out"
    r = subprocess.run(
        [
            str(exe),
            "label",
            "--implicit-only",
            str(src),
            "-o",
            str(out),
            "--producer",
            PRODUCER,
            "--jobs",
            "1",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(exe), "check", str(out / "图.jpg")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(aigc_tags(out / "图.jpg")[0][2])["ContentProducer"] == PRODUCER
    shutil.rmtree(out)


# --- WebP, TIFF, GIF specifics -----------------------------------------------------------------
@pytest.mark.parametrize("variant", ["vp8", "vp8l-alpha", "animated"])
def test_webp_variants(variant, tmp_path):
    src = tmp_path / "a.webp"
    im = _pixels()
    if variant == "vp8":
        im.save(src, "WEBP", quality=70)
    elif variant == "vp8l-alpha":
        rgba = im.convert("RGBA")
        rgba.putalpha(Image.linear_gradient("L").resize(im.size))
        rgba.save(src, "WEBP", lossless=True)
    else:
        frames = [_pixels(seed=s) for s in (1, 2, 3)]
        frames[0].save(src, "WEBP", save_all=True, append_images=frames[1:], duration=60, loop=0)
    head = src.read_bytes()[12:16]
    assert head == (b"VP8X" if variant == "animated" else b"VP8 " if variant == "vp8" else b"VP8L")
    dst = tmp_path / "b.webp"
    res = label(src, dst)
    out = dst.read_bytes()
    assert out[12:16] == b"VP8X" and out[20] & 0x04  # XMP flag
    assert struct.unpack("<I", out[4:8])[0] == len(out) - 8
    if variant == "vp8l-alpha":
        assert out[20] & 0x10  # alpha flag from the VP8L header
    w, h = (int.from_bytes(out[24:27], "little") + 1, int.from_bytes(out[27:30], "little") + 1)
    assert (w, h) == im.size
    assert frames_of(dst) == frames_of(src)
    if variant == "animated":
        assert len(frames_of(dst)) == 3
    info = exiftool_json(dst)
    assert info["XMP-TC260:Aigc"] == res.record.to_json()
    assert not any(k.endswith(":Warning") for k in info), info
    assert inspect_file(dst).verdict == "compliant"


def test_webp_c2pa_chunk_detected(tmp_path):
    src = make_image("webp", tmp_path / "a.webp")
    data = bytearray(src.read_bytes())
    body = _jumbf()
    data += b"C2PA" + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) & 1)
    data[4:8] = struct.pack("<I", len(data) - 8)
    c = tmp_path / "c.webp"
    c.write_bytes(bytes(data))
    assert container_for("webp").scan(c).c2pa
    assert not container_for("webp").scan(src).c2pa


@pytest.mark.parametrize("byteorder", ["II", "MM"])
def test_tiff_pixels_and_tags_untouched(byteorder, tmp_path):
    src = tmp_path / "a.tif"
    if byteorder == "II":
        _pixels().save(src, "TIFF", icc_profile=_icc(), compression="tiff_lzw")
    else:  # Pillow writes 16-bit big-endian samples in a big-endian TIFF
        arr = np.random.default_rng(3).integers(0, 65535, (40, 50), dtype=np.uint16)
        Image.frombytes("I;16B", (50, 40), arr.astype(">u2").tobytes()).save(src, "TIFF")
    exiftool_write(
        src, "-DateTimeOriginal=2024:01:02 03:04:05", "-GPSLatitude=30.25", "-GPSLatitudeRef=N",
        "-Orientation#=6", "-Artist=someone",
    )  # fmt: skip
    assert src.read_bytes()[:2] == byteorder.encode()
    dst = tmp_path / "b.tif"
    res = label(src, dst)
    s, d = src.read_bytes(), dst.read_bytes()
    # Only the IFD0 pointer changes; the new IFD0 and the packet are appended.
    assert d[:4] == s[:4] and d[8 : len(s)] == s[8:]
    before, after = exiftool_json(src), exiftool_json(dst)
    assert kept_tags(after) == kept_tags(before)
    assert after["ExifIFD:DateTimeOriginal"] == "2024:01:02 03:04:05"
    assert after["IFD0:Artist"] == "someone"
    assert after["XMP-TC260:Aigc"] == res.record.to_json()
    assert frames_of(dst) == frames_of(src)
    assert not any(k.endswith(":Warning") for k in after), after
    assert inspect_file(dst).verdict == "compliant"


def test_tiff_bigtiff_refused_clearly(tmp_path):
    src = tmp_path / "big.tif"
    src.write_bytes(b"II+\x00\x08\x00\x00\x00" + b"\x00" * 64)
    with pytest.raises(UnsupportedFormat, match="BigTIFF"):
        label(src, tmp_path / "o.tif")
    assert not (tmp_path / "o.tif").exists()


def test_tiff_usercomment_record_moves_to_xmp(tmp_path):
    rec = _doubao_record("tiff-uc")
    src = tmp_path / "a.tif"
    _pixels().save(src, "TIFF")
    exiftool_write(src, "-UserComment=" + json.dumps({"AIGC": rec}, separators=(",", ":")))
    assert [r.standard for r in container_for("tiff").scan(src).records] == [False]
    dst = tmp_path / "b.tif"
    label(src, dst)
    tags = aigc_tags(dst)
    assert len(tags) == 1 and json.loads(tags[0][2])["ProduceID"] == "tiff-uc"
    assert not exiftool_json(dst).get("ExifIFD:UserComment")
    assert inspect_file(dst).verdict == "compliant"


def test_gif_extension_position_and_trailer(tmp_path):
    src = make_image("gif", tmp_path / "a.gif")
    dst = tmp_path / "b.gif"
    label(src, dst)
    d = dst.read_bytes()
    at = d.index(b"\x21\xff\x0bXMP DataXMP")
    # After the NETSCAPE loop extension, before the first frame.
    assert d.index(b"NETSCAPE2.0") < at < d.index(b"\x2c")
    from aigclabel_gui.engine.containers.gif import MAGIC_TRAILER

    assert len(MAGIC_TRAILER) == 258
    assert d[: d.index(b"\x21\xff\x0bXMP")] == src.read_bytes()[: d.index(b"\x21\xff\x0bXMP")]
    with Image.open(dst) as im:
        assert im.n_frames == 3 and im.info.get("loop") == 0
    assert not any(k.endswith(":Warning") for k in exiftool_json(dst))


@pytest.mark.parametrize("fmt", ["webp", "tiff", "gif"])
def test_truncated_other_formats(fmt, tmp_path):
    src = make_image(fmt, tmp_path / f"a{EXT[fmt]}")
    data = src.read_bytes()
    cut = tmp_path / f"cut{EXT[fmt]}"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptFile, match=cut.name):
        label(cut, out / cut.name)
    assert list(out.iterdir()) == []


# --- HEIF/AVIF: read-only -------------------------------------------------------------------
def test_heif_reads_xmp_and_keeps_the_producer_record(tmp_path):
    import pillow_heif  # part of the [heif] extra that make test installs: no silent skip

    rec = _doubao_record("heif-1")
    xmp = XMP_WITH_TITLE.replace(
        b"<xmp:CreatorTool>",
        b'<TC260:AIGC xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/">'
        + json.dumps(rec, separators=(",", ":")).encode().replace(b'"', b"&quot;")
        + b"</TC260:AIGC><xmp:CreatorTool>",
    )
    src = tmp_path / "a.heic"
    pillow_heif.from_pillow(_pixels()).save(src, xmp=xmp, quality=60)
    assert exiftool_json(src)["XMP-TC260:Aigc"] == json.dumps(rec, separators=(",", ":"))
    rep = inspect_file(src)
    assert rep.format == "heif" and rep.verdict == "compliant", rep.problems
    dst = tmp_path / "b.heic"
    label(src, dst)  # written as an XMP item without re-encoding (containers/heif_items.py)
    got = json.loads(exiftool_json(dst)["XMP-TC260:Aigc"])
    for k in ("Label", "ContentProducer", "ProduceID", "ReservedCode1"):
        assert got[k] == rec[k]
    assert inspect_file(dst).verdict == "compliant"


def test_jpeg_with_long_trailer_after_eoi(tmp_path):
    # Data after EOI (camera trailers) is copied; the end-of-image check must still find EOI.
    base = make_image("jpeg", tmp_path / "a.jpg")
    src = tmp_path / "trailer.jpg"
    trailer = b"TRAILER" + bytes(range(256)).replace(b"\xd9", b"\x00") * 400
    src.write_bytes(base.read_bytes() + trailer)
    dst = tmp_path / "b.jpg"
    label(src, dst)
    assert dst.read_bytes().endswith(trailer)
    assert inspect_file(dst).verdict == "compliant"


def test_jpeg_afcp_trailer_offsets_follow_the_xmp(tmp_path):
    """AFCP (an IPTC block appended after the image, with absolute offsets): the new XMP segment
    moves it, so its offsets are moved too (exiftool: "Adjusted AFCP offsets" otherwise)."""
    src = make_image("jpeg", tmp_path / "a.jpg")
    jpeg = src.read_bytes()
    iptc = b"\x1c\x02\x78" + struct.pack(">H", 11) + b"AFCP kept 1"  # Caption-Abstract
    start = len(jpeg)
    data_at = start + 12 + 12
    trailer = (
        b"AXS!" + b"\x00\x01" + struct.pack(">H", 1) + b"\0" * 4
        + b"IPTC" + struct.pack(">II", len(iptc), data_at)
        + iptc + b"AXS!" + struct.pack(">I", start) + b"\0" * 4
    )  # fmt: skip
    src.write_bytes(jpeg + trailer)
    assert exiftool_json(src)["IPTC2:Caption-Abstract"] == "AFCP kept 1"
    before = validate(src)
    dst = tmp_path / "b.jpg"
    label(src, dst)
    assert exiftool_json(dst)["IPTC2:Caption-Abstract"] == "AFCP kept 1"
    after = validate(dst)
    assert not any("Adjusted AFCP" in w for w in after), after
    assert set(after[1:]) <= set(before[1:])
    assert len(aigc_tags(dst)) == 1
