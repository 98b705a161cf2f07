"""check's verdicts, one meaning each, on files in the forms real generators write (all generated
here: Pillow, ffmpeg, mutagen, the wave module, plain text), cross-read with exiftool/ffprobe."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from aigclabel_gui.cli import main
from aigclabel_gui.engine.inspect import VERDICTS, Verdict, inspect_file
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import DST_TRAINED, TC260_NS
from tests.conftest import PRODUCER, exiftool_json, ffprobe_json

FULL = AigcRecord(
    Label="1",
    ContentProducer=PRODUCER,
    ProduceID="0f3c2a9e1b7d4c6a8e5f0a1b2c3d4e5f",
    ReservedCode1="",
    ContentPropagator=PRODUCER,
    PropagateID="0f3c2a9e1b7d4c6a8e5f0a1b2c3d4e5f",
    ReservedCode2="",
)
# What Doubao, Tencent's documentation and the guide's own ffmpeg example write: propagator empty.
PRODUCER_ONLY = AigcRecord(
    Label="1", ContentProducer=PRODUCER, ProduceID="a1b2c3d4e5f60718293a4b5c6d7e8f90"
)
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def xmp_element(value: str, extra: str = "") -> bytes:
    esc = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}">'
        f"<TC260:AIGC>{esc}</TC260:AIGC></rdf:Description>{extra}</rdf:RDF></x:xmpmeta>"
    ).encode()


def xmp_attribute(value: str) -> bytes:
    """What the TC260 image guide's Exempi sample writes: the property in attribute form."""
    esc = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" TC260:AIGC="{esc}"/>'
        f"</rdf:RDF></x:xmpmeta>"
    ).encode()


def dst_xmp(uri: str, inner: str = "") -> bytes:
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
        f' Iptc4xmpExt:DigitalSourceType="{uri}"/>{inner}</rdf:RDF></x:xmpmeta>'
    ).encode()


def jpeg(path: Path, *, xmp: bytes | None = None, exif=None) -> Path:
    kw = {}
    if xmp is not None:
        kw["xmp"] = xmp
    if exif is not None:
        kw["exif"] = exif
    Image.new("RGB", (64, 48), (20, 120, 200)).save(path, "JPEG", **kw)
    return path


def png(path: Path, chunks: list[tuple[str, str, str]]) -> Path:
    info = PngInfo()
    for kind, key, text in chunks:
        if kind == "tEXt":
            info.add_text(key, text)
        elif kind == "zTXt":
            info.add_text(key, text, zip=True)
        else:
            info.add_itxt(key, text)
    Image.new("RGB", (64, 48), (200, 20, 20)).save(path, "PNG", pnginfo=info)
    return path


def check(path: Path) -> tuple[Verdict, object]:
    rep = inspect_file(path)
    return Verdict(rep.verdict), rep


# --- compliant ---------------------------------------------------------------------------------
def test_xmp_element_form_is_compliant(tmp_path):
    p = jpeg(tmp_path / "e.jpg", xmp=xmp_element(FULL.to_json()))
    assert json.loads(exiftool_json(p)["XMP-TC260:Aigc"]) == FULL.as_dict()
    v, rep = check(p)
    assert v is Verdict.COMPLIANT, (rep.problems, rep.warnings)
    assert main(["check", str(p)]) == 0


def test_xmp_attribute_form_is_the_same_property_and_compliant(tmp_path, capsys):
    p = jpeg(tmp_path / "a.jpg", xmp=xmp_attribute(FULL.to_json()))
    # exiftool reads the attribute form as the same property.
    assert json.loads(exiftool_json(p)["XMP-TC260:Aigc"]) == FULL.as_dict()
    v, rep = check(p)
    assert v is Verdict.COMPLIANT, (rep.problems, rep.warnings)
    assert not any("wrong carrier" in x for x in rep.problems + rep.warnings)
    assert any("attribute" in n for n in rep.notes)
    main(["check", str(p)])
    assert "wrong carrier" not in capsys.readouterr().out


def test_mp3_txxx_is_compliant(tmp_path):
    from mutagen.id3 import ID3, TXXX

    p = tmp_path / "a.mp3"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=d=0.3", "-c:a", "libmp3lame", str(p)],
        check=True,
    )
    tags = ID3()
    tags.add(TXXX(encoding=3, desc="AIGC", text=FULL.to_json()))
    tags.save(p)
    assert ffprobe_json(p)["format"]["tags"]["AIGC"] == FULL.to_json()
    assert check(p)[0] is Verdict.COMPLIANT


# --- compliant-with-warnings -------------------------------------------------------------------
def test_mp4_keys_from_ffmpeg_with_empty_propagator_warns_not_fails(tmp_path, capsys):
    p = tmp_path / "gen.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64:d=0.4",
         "-c:v", "mpeg4", "-movflags", "use_metadata_tags",
         "-metadata", f"AIGC={PRODUCER_ONLY.to_json()}", str(p)],
        check=True,
    )  # fmt: skip
    assert exiftool_json(p)["Keys:AIGC"] == PRODUCER_ONLY.to_json()  # the mdta keys carrier
    v, rep = check(p)
    assert v is Verdict.WARNINGS, rep.problems
    assert not rep.problems
    assert sum("§6.1 a" in w and "Annex E note 1" in w for w in rep.warnings) == 2
    assert main(["check", str(p)]) == 0
    assert main(["check", "--strict", str(p)]) == 1
    out = capsys.readouterr().out
    assert "compliant-with-warnings" in out and "advice:" in out


@pytest.mark.parametrize(
    "kind,wrapped", [("tEXt", False), ("iTXt", True), ("zTXt", False), ("tEXt", True)]
)
def test_png_keyword_chunk_bare_or_wrapped_is_an_accepted_form(tmp_path, kind, wrapped):
    p = png(tmp_path / "k.png", [(kind, "AIGC", FULL.to_json(wrapped=wrapped))])
    found = exiftool_json(p)
    assert any(k.endswith(":AIGC") for k in found), found
    v, rep = check(p)
    assert v is Verdict.WARNINGS, rep.problems
    assert any("accepted non-primary form" in w for w in rep.warnings)


def test_exif_usercomment_wrapped_is_an_accepted_form(tmp_path):
    ex = Image.Exif()
    ex.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + FULL.to_json(wrapped=True).encode()
    p = jpeg(tmp_path / "uc.jpg", exif=ex)
    assert "AIGC" in exiftool_json(p)["ExifIFD:UserComment"]
    v, rep = check(p)
    assert v is Verdict.WARNINGS and not rep.problems
    assert any("EXIF UserComment" in w and "accepted" in w for w in rep.warnings)


@pytest.mark.parametrize(
    "raw,needle",
    [
        (FULL.to_json().replace(PRODUCER, PRODUCER[:5] + "\\u0041" + PRODUCER[6:]), "\\u0041"),
        (FULL.to_json().replace('"ProduceID":"0f3c', '"ProduceID":"0f3c\\/'), "\\/"),
        (json.dumps(FULL.as_dict()), "whitespace"),
        (json.dumps(dict(reversed(list(FULL.as_dict().items()))), separators=(",", ":")), "order"),
    ],
)
def test_raw_json_other_escapes_spaces_key_order_warn(tmp_path, raw, needle):
    p = png(tmp_path / "r.png", [("iTXt", "XML:com.adobe.xmp", xmp_element(raw).decode())])
    v, rep = check(p)
    assert v is Verdict.WARNINGS, rep.problems
    assert any(needle in w for w in rep.warnings), rep.warnings


def test_contradicting_iptc_type_beside_label_1_warns(tmp_path):
    inner = (
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}">'
        f"<TC260:AIGC>{FULL.to_json()}</TC260:AIGC></rdf:Description>"
    )
    capture = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    p = jpeg(tmp_path / "d.jpg", xmp=dst_xmp(capture, inner))
    v, rep = check(p)
    assert v is Verdict.WARNINGS
    assert any("digitalCapture" in w for w in rep.warnings)


# --- not-compliant ------------------------------------------------------------------------------
def test_wav_chunk_with_missing_keys_is_not_compliant(tmp_path):
    p = tmp_path / "m.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    body = json.dumps({"Label": "1", "ContentProducer": PRODUCER}, separators=(",", ":")).encode()
    chunk = b"AIGC" + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")
    data = bytearray(p.read_bytes() + chunk)
    data[4:8] = struct.pack("<I", len(data) - 8)
    p.write_bytes(bytes(data))
    assert ffprobe_json(p)["format"]["format_name"] == "wav"  # still a valid WAV
    v, rep = check(p)
    assert v is Verdict.NOT_COMPLIANT
    assert any("missing key ProduceID" in x for x in rep.problems)
    assert main(["check", str(p)]) == 1


def test_markdown_front_matter_with_empty_values(tmp_path):
    def md(producer: str, prop: str) -> Path:
        p = tmp_path / f"fm{len(producer)}{len(prop)}.md"
        p.write_text(
            "---\ntitle: t\nAIGC:\n  Label: '1'\n"
            f"  ContentProducer: '{producer}'\n  ProduceID: 'id-1'\n  ReservedCode1: ''\n"
            f"  ContentPropagator: '{prop}'\n  PropagateID: ''\n  ReservedCode2: ''\n---\nbody\n",
            "utf-8",
        )
        return p

    v, rep = check(md(PRODUCER, ""))
    assert v is Verdict.WARNINGS, rep.problems
    v, rep = check(md("", ""))
    assert v is Verdict.NOT_COMPLIANT
    assert any("ContentProducer must not be empty" in x for x in rep.problems)


def test_chinese_name_with_space_is_not_compliant_and_named(tmp_path):
    rec = {**PRODUCER_ONLY.as_dict(), "ContentProducer": "豆包 AI"}
    raw = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    p = png(tmp_path / "c.png", [("iTXt", "XML:com.adobe.xmp", xmp_element(raw).decode())])
    v, rep = check(p)
    assert v is Verdict.NOT_COMPLIANT
    assert any("ContentProducer contains characters Annex E forbids" in x for x in rep.problems)


def test_duplicates_garbage_and_unknown_keys_are_not_compliant(tmp_path):
    dup = jpeg(tmp_path / "dup.jpg", xmp=xmp_element(FULL.to_json()))
    ex = Image.Exif()
    ex.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + FULL.to_json(wrapped=True).encode()
    jpeg(dup, xmp=xmp_element(FULL.to_json()), exif=ex)
    v, rep = check(dup)
    assert v is Verdict.NOT_COMPLIANT and any("§6.1 c" in x for x in rep.problems)
    bad = {**FULL.as_dict(), "ReserveCode1": ""}
    p = jpeg(tmp_path / "k.jpg", xmp=xmp_element(json.dumps(bad, separators=(",", ":"))))
    v, rep = check(p)
    assert v is Verdict.NOT_COMPLIANT and any("ReserveCode1" in x for x in rep.problems)
    p = jpeg(tmp_path / "g.jpg", xmp=xmp_element("{not json"))
    assert check(p)[0] is Verdict.NOT_COMPLIANT


# --- no-label with forensic hints, cannot-tell, no-carrier --------------------------------------
def test_no_label_and_forensic_hints(tmp_path, capsys):
    plain = jpeg(tmp_path / "plain.jpg")
    v, rep = check(plain)
    assert v is Verdict.NO_LABEL and not rep.hints
    iptc_only = jpeg(tmp_path / "iptc.jpg", xmp=dst_xmp(DST_TRAINED))
    v, rep = check(iptc_only)
    assert v is Verdict.NO_LABEL
    assert any("IPTC DigitalSourceType says AI" in h for h in rep.hints)
    empty_ns = jpeg(
        tmp_path / "ns.jpg",
        xmp=(
            f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
            f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}"/></rdf:RDF></x:xmpmeta>'
        ).encode(),
    )
    v, rep = check(empty_ns)
    assert v is Verdict.NO_LABEL and any("TC260 namespace" in h for h in rep.hints)
    empty_val = png(tmp_path / "ev.png", [("tEXt", "AIGC", "")])
    v, rep = check(empty_val)
    assert v is Verdict.NO_LABEL and any("empty value" in h for h in rep.hints)
    assert main(["check", str(empty_val)]) == 1
    assert "hint:" in capsys.readouterr().out


def test_cannot_tell_and_no_carrier(tmp_path):
    good = jpeg(tmp_path / "x.jpg", xmp=xmp_element(FULL.to_json()))
    broken = tmp_path / "broken.png"
    shutil.copy(png(tmp_path / "p.png", []), broken)
    broken.write_bytes(broken.read_bytes()[:40])
    assert check(broken)[0] is Verdict.CANNOT_TELL
    txt = tmp_path / "t.txt"
    txt.write_text("本内容由人工智能生成\nhello\n", "utf-8")
    v, rep = check(txt)
    assert v is Verdict.NO_CARRIER and "人工智能" in rep.explicit
    assert check(good)[0] is Verdict.COMPLIANT


def test_every_verdict_has_words_clause_and_advice():
    for v in Verdict:
        info = VERDICTS[v]
        assert info.words and info.clause and info.advice
    assert Verdict.WARNINGS.passes and not Verdict.NO_LABEL.passes


def _pdf_with_removed_aigc(path: Path) -> Path:
    """A PDF whose first revision's Info held /AIGC and whose incremental update (a second Info
    object, /Prev-linked xref) dropped it: what a naive "remove metadata" tool leaves behind."""
    objs = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
        b"<</Producer(gen)/AIGC(" + FULL.to_json().encode() + b")>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref1 = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size 5/Root 1 0 R/Info 4 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref1
    new_info = len(out)
    out += b"4 0 obj\n<</Producer(stripper)>>\nendobj\n"
    xref2 = len(out)
    out += b"xref\n4 1\n%010d 00000 n \n" % new_info
    out += b"trailer\n<</Size 5/Root 1 0 R/Info 4 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (
        xref1,
        xref2,
    )
    path.write_bytes(bytes(out))
    return path


def test_pdf_earlier_revision_with_aigc_is_a_hint(tmp_path):
    p = _pdf_with_removed_aigc(tmp_path / "stripped.pdf")
    assert not any(k.endswith("AIGC") for k in exiftool_json(p))  # current revision: no record
    v, rep = check(p)
    assert v is Verdict.NO_LABEL
    assert any("earlier PDF revision held /AIGC" in h for h in rep.hints), rep.hints


def test_wrapped_record_in_a_keyed_carrier_warns(tmp_path):
    p = jpeg(tmp_path / "w.jpg", xmp=xmp_element(FULL.to_json(wrapped=True)))
    v, rep = check(p)
    assert v is Verdict.WARNINGS and any("wrapped" in w for w in rep.warnings)
