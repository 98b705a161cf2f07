"""HEIF/AVIF: the AIGC record in the primary image's XMP item, written without re-encoding.

Checked with exiftool (an independent reader, incl. `-validate`), by decoding pixels again with
pillow-heif, and by comparing every non-XMP item's bytes and every top-level box but `meta`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from aigclabel_gui.engine.containers.heif_items import (
    Extent,
    Iloc,
    IlocItem,
    build_iloc,
    item_data,
    parse_iloc,
    read_heif,
    xmp_item_ids,
)
from aigclabel_gui.engine.containers.isobmff import read_top_level
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from aigclabel_gui.engine.xmp import DST_TRAINED
from tests.conftest import PRODUCER, exiftool_json

pillow_heif.register_heif_opener()

IMPLICIT = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))
DC_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:format>image/x-test</dc:format></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def _pixels() -> Image.Image:
    rng = np.random.default_rng(7)
    return Image.fromarray((rng.random((48, 80, 3)) * 255).astype("uint8"))


def make_heif(path: Path, fmt: str, *, exif: bool = False, xmp: bool = False) -> Path:
    kw = {}
    if exif:
        ex = Image.Exif()
        ex[0x010F] = "TestMake"  # Make
        ex[0x0112] = 1  # Orientation
        kw["exif"] = ex.tobytes()
    if xmp:
        kw["xmp"] = DC_XMP
    _pixels().save(path, fmt, quality=70, **kw)
    return path


def decode(path: Path) -> np.ndarray:
    # pillow-heif for HEIC; Pillow's own AVIF plugin for AVIF (this pillow-heif has no AV1 decoder).
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def items_except_xmp(path: Path) -> dict[int, bytes]:
    with open(path, "rb") as f:
        hf = read_heif(f, f.seek(0, 2), path.name)
        xmp = set(xmp_item_ids(hf))
        return {
            it.item_id: item_data(hf, f, it.item_id)
            for it in hf.iloc.items
            if it.item_id not in xmp
        }


def boxes_except_meta(path: Path) -> list[bytes]:
    data = path.read_bytes()
    with open(path, "rb") as f:
        top = read_top_level(f, len(data), path.name)
    return [data[b.offset : b.end] for b in top if b.type != b"meta"]


def validate(path: Path) -> list[str]:
    out = subprocess.run(
        ["exiftool", "-json", "-validate", "-warning", "-error", "-a", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout)[0]
    return sorted(f"{k}={v}" for k, v in got.items() if k not in ("SourceFile",))


CASES = [
    (fmt, extras)
    for fmt in ("HEIF", "AVIF")
    for extras in ({}, {"exif": True}, {"xmp": True}, {"exif": True, "xmp": True})
]


@pytest.mark.parametrize(("fmt", "extras"), CASES, ids=lambda v: str(v))
def test_label_heif_in_place(tmp_path, fmt, extras):
    src = make_heif(tmp_path / f"a.{'heic' if fmt == 'HEIF' else 'avif'}", fmt, **extras)
    before = src.read_bytes()
    dst = tmp_path / f"out{src.suffix}"
    res = label_file(src, dst, IMPLICIT)
    assert src.read_bytes() == before

    meta = exiftool_json(dst)
    assert json.loads(meta["XMP-TC260:Aigc"]) == res.record.as_dict()
    assert meta["XMP-iptcExt:DigitalSourceType"] == DST_TRAINED
    dump = subprocess.run(["exiftool", "-G1", "-a", "-s", str(dst)], capture_output=True, text=True)
    assert dump.stdout.count("[XMP-TC260]") == 1
    if extras.get("exif"):
        assert meta["IFD0:Make"] == "TestMake"
        before_meta = exiftool_json(src)
        assert {k: v for k, v in meta.items() if k.startswith("IFD0:")} == {
            k: v for k, v in before_meta.items() if k.startswith("IFD0:")
        }
    if extras.get("xmp"):
        assert meta["XMP-dc:Format"] == "image/x-test"

    assert np.array_equal(decode(src), decode(dst))
    assert items_except_xmp(dst) == items_except_xmp(src)  # coded image, EXIF: same bytes
    old, new = boxes_except_meta(src), boxes_except_meta(dst)
    assert len(new) == len(old) + 1 and new[-1].startswith(
        len(new[-1]).to_bytes(4, "big") + b"mdat"
    )
    blanked = 0
    for a, b in zip(old, new[:-1], strict=True):  # byte for byte, except a superseded XMP blanked
        at = a.find(DC_XMP) if extras.get("xmp") else -1
        if at >= 0:
            n = len(DC_XMP)
            assert b[at : at + n] == b" " * n
            blanked += 1
            a, b = a[:at] + a[at + n :], b[:at] + b[at + n :]
        assert a == b
    assert blanked == (1 if extras.get("xmp") else 0)
    assert validate(dst) == validate(src)
    rep = inspect_file(dst)
    assert rep.verdict == "compliant", rep.problems


def test_relabel_keeps_one_record_and_the_producer(tmp_path):
    src = make_heif(tmp_path / "a.heic", "HEIF", exif=True)
    first, second = tmp_path / "b.heic", tmp_path / "c.heic"
    r1 = label_file(src, first, IMPLICIT)
    again = LabelSettings(
        implicit_only=True,
        implicit=ImplicitSettings(producer=PRODUCER, propagator="PLATFORM01", propagate_id="p-42"),
    )
    r2 = label_file(first, second, again)
    assert r2.kept_producer_record
    got = json.loads(exiftool_json(second)["XMP-TC260:Aigc"])
    assert got["ProduceID"] == r1.record.ProduceID
    assert (got["ContentPropagator"], got["PropagateID"]) == ("PLATFORM01", "p-42")
    data = second.read_bytes()
    # One XMP item, and the superseded packet's bytes no longer hold a record.
    assert data.count(b"TC260:AIGC>") == 2  # open + close tag of the one element
    assert len(xmp_item_ids(read_heif(open(second, "rb"), len(data), "c"))) == 1
    assert np.array_equal(decode(src), decode(second))
    rep = inspect_file(second)
    # "PLATFORM01" is a name, not a 27-character provider code: a warning, not non-compliance.
    assert rep.verdict == "compliant-with-warnings" and len(rep.warnings) == 1, rep.warnings
    assert "provider code" in rep.warnings[0]


def test_exiftool_written_xmp_item_is_merged(tmp_path):
    src = make_heif(tmp_path / "a.heic", "HEIF")
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-XMP-dc:Title=x", str(src)], check=True
    )
    assert "XMP-dc:Title" in exiftool_json(src)
    dst = tmp_path / "b.heic"
    label_file(src, dst, IMPLICIT)
    meta = exiftool_json(dst)
    assert meta["XMP-dc:Title"] == "x"
    assert "XMP-TC260:Aigc" in meta
    assert dst.read_bytes().count(b"<x:xmpmeta") == 1  # old packet blanked, not left behind
    assert np.array_equal(decode(src), decode(dst))
    assert validate(dst) == validate(src)


def test_producer_record_read_and_kept(tmp_path):
    rec = {
        "Label": "1",
        "ContentProducer": PRODUCER,
        "ProduceID": "heif-producer-1",
        "ReservedCode1": "sig",
        "ContentPropagator": PRODUCER,
        "PropagateID": "heif-producer-1",
        "ReservedCode2": "",
    }
    value = json.dumps(rec, separators=(",", ":")).replace('"', "&quot;").encode()
    xmp = DC_XMP.replace(
        b"<dc:format>",
        b'<TC260:AIGC xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/">'
        + value
        + b"</TC260:AIGC><dc:format>",
    )
    src = tmp_path / "a.avif"
    _pixels().save(src, "AVIF", xmp=xmp)
    assert inspect_file(src).verdict == "compliant"
    dst = tmp_path / "b.avif"
    res = label_file(src, dst, IMPLICIT)
    assert res.kept_producer_record
    got = json.loads(exiftool_json(dst)["XMP-TC260:Aigc"])
    assert got == rec  # first write already complete: producer fields byte-identical
    assert exiftool_json(dst)["XMP-dc:Format"] == "image/x-test"


def test_full_label_visible_and_implicit(tmp_path):
    src = make_heif(tmp_path / "a.heic", "HEIF", exif=True)
    src_big = tmp_path / "big.heic"
    _pixels().resize((320, 200)).save(src_big, "HEIF", exif=Image.open(src).info["exif"])
    dst = tmp_path / "b.heic"
    res = label_file(src_big, dst, LabelSettings(implicit=ImplicitSettings(producer=PRODUCER)))
    assert res.explicit is not None
    meta = exiftool_json(dst)
    assert json.loads(meta["XMP-TC260:Aigc"]) == res.record.as_dict()
    assert meta["IFD0:Make"] == "TestMake"
    assert inspect_file(dst).verdict == "compliant"
    assert not np.array_equal(decode(src_big), decode(dst))  # the visible label is drawn


def test_avif_sequence_moov_offsets_shift(tmp_path):
    # An image sequence has a moov whose chunk offsets point into the mdat after the grown meta.
    src, dst = tmp_path / "seq.avif", tmp_path / "out.avif"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x48:d=0.3:r=10"]
        + ["-c:v", "libaom-av1", "-cpu-used", "8", "-pix_fmt", "yuv420p", str(src)],
        check=True,
    )
    label_file(src, dst, IMPLICIT)

    def frames(path: Path) -> list[str]:
        out = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "framemd5", "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [line for line in out.splitlines() if not line.startswith("#")]

    assert len(frames(src)) == 3 and frames(dst) == frames(src)
    assert "XMP-TC260:Aigc" in exiftool_json(dst)
    assert validate(dst) == validate(src)


def test_truncated_file_is_corrupt_and_leaves_nothing(tmp_path):
    src = make_heif(tmp_path / "a.heic", "HEIF")
    cut = tmp_path / "cut.heic"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptFile, match="cut.heic"):
        label_file(cut, out / "cut.heic", IMPLICIT)
    assert list(out.iterdir()) == []


def test_no_primary_item_is_refused(tmp_path):
    src = make_heif(tmp_path / "a.heic", "HEIF")
    data = src.read_bytes()
    assert data.count(b"pitm") == 1
    odd = tmp_path / "odd.heic"
    odd.write_bytes(data.replace(b"pitm", b"xitm"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises((UnsupportedFormat, CorruptFile), match="odd.heic"):
        label_file(odd, out / "odd.heic", IMPLICIT)
    assert list(out.iterdir()) == []
    from aigclabel_gui.engine.containers.heif import HeifContainer

    with pytest.raises(UnsupportedFormat, match="pitm"):
        HeifContainer().write(odd, out / "x.heic", _record(), digital_source_type=None)


def _record():
    from aigclabel_gui.engine.record import AigcRecord

    return AigcRecord("1", PRODUCER, "id1", "", PRODUCER, "id1", "")


@pytest.mark.parametrize("version", [0, 1, 2])
@pytest.mark.parametrize(
    ("osz", "lsz", "bsz", "isz"), [(4, 4, 0, 0), (8, 8, 8, 4), (0, 4, 4, 8), (4, 0, 8, 0)]
)
def test_iloc_round_trip(version, osz, lsz, bsz, isz):
    isz = isz if version else 0
    iloc = Iloc(version, b"\x00\x00\x00", osz, lsz, bsz, isz)
    for n in range(3):
        item = IlocItem(n + 1, (n % 2) if version else 0, 0, 1000 * n if bsz else 0)
        for k in range(n + 1):
            item.extents.append(Extent(k if isz else 0, 10 * k if osz else 0, 5 + k if lsz else 0))
        iloc.items.append(item)
    raw = build_iloc(iloc)
    assert parse_iloc(raw) == iloc
    assert build_iloc(parse_iloc(raw)) == raw


def test_iloc_refuses_a_value_that_does_not_fit():
    iloc = Iloc(0, b"\x00\x00\x00", 4, 4, 0, 0, [IlocItem(1, 0, 0, 0, [Extent(0, 1 << 33, 1)])])
    with pytest.raises(UnsupportedFormat):
        build_iloc(iloc)


def test_tools_present():
    # Tests must not silently skip: exiftool is a hard requirement of this suite.
    assert shutil.which("exiftool")


def test_two_xmp_items_are_reported_and_not_guessed(tmp_path):
    from aigclabel_gui.engine.containers import heif_items
    from aigclabel_gui.engine.containers.heif import HeifContainer
    from aigclabel_gui.engine.xmp import update_xmp

    src = make_heif(tmp_path / "a.heic", "HEIF", xmp=True)
    two = tmp_path / "two.heic"
    with open(src, "rb") as f:  # force a second XMP item beside the first
        hf = read_heif(f, src.stat().st_size, src.name)
        heif_items._write(hf, f, two, update_xmp(None, _record().to_json()), None)
    with open(two, "rb") as f:
        assert len(xmp_item_ids(read_heif(f, two.stat().st_size, two.name))) == 2
    assert len(HeifContainer().scan(two).records) == 1  # only the second item holds a record
    assert "XMP-TC260:Aigc" in exiftool_json(two)
    with pytest.raises(UnsupportedFormat, match="2 XMP items"):
        HeifContainer().write(two, tmp_path / "x.heic", _record(), digital_source_type=None)
    assert not (tmp_path / "x.heic").exists()


def test_low_overhead_mini_heif_is_refused_with_its_reason(tmp_path):
    """A 'mini' box file (HEIF amendment, brand mif3): recognised as HEIF, refused in one line
    (it used to be sniffed as MP4 and called "no moov box")."""
    import struct

    from aigclabel_gui.engine.errors import UnsupportedFormat
    from aigclabel_gui.engine.pipeline import label_file
    from aigclabel_gui.engine.registry import identify
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings

    ftyp = struct.pack(">I4s", 24, b"ftyp") + b"mif3" + b"avif" + b"\0\0\0\0" + b"mif3"
    mini = struct.pack(">I4s", 24, b"mini") + bytes(16)
    src = tmp_path / "small.avif"
    src.write_bytes(ftyp + mini)
    assert identify(src).name == "heif"
    settings = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))
    with pytest.raises(UnsupportedFormat, match="low-overhead HEIF/AVIF") as err:
        label_file(src, tmp_path / "out.avif", settings)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "out.avif").exists()
