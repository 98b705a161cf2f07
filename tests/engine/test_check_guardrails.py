"""Guardrails at label time (engine, so CLI and GUI get them alike): no export without the explicit
label unless chosen, label wording, one ID per file, contradicting IPTC type, non-conforming
producer names, and the notes the result gives. Checked with exiftool and our inspect_file."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import wave
from pathlib import Path

import pytest
from PIL import Image

from aigclabel_gui.cli import main
from aigclabel_gui.engine.errors import ExplicitLabelRequired, InvalidRecord, LabelTextRefused
from aigclabel_gui.engine.inspect import Verdict, inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.settings import (
    AudioSettings,
    ImplicitSettings,
    LabelSettings,
    VideoSettings,
    VisibleSettings,
)
from aigclabel_gui.engine.xmp import DST_TRAINED, TC260_NS
from tests.conftest import PRODUCER, exiftool_json

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
IMP = ImplicitSettings(producer=PRODUCER)


def _jpeg(path: Path, xmp: bytes | None = None) -> Path:
    kw = {"xmp": xmp} if xmp else {}
    Image.new("RGB", (120, 90), (30, 90, 160)).save(path, "JPEG", quality=90, **kw)
    return path


def _mp4(path: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x64:d=0.4",
         "-c:v", "mpeg4", str(path)],
        check=True,
    )  # fmt: skip
    return path


def _wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 4000)
    return path


def _xmp(inner: str, attrs: str = "") -> bytes:
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" '
        f'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" {attrs}>{inner}'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


# --- no export without the explicit label, unless chosen ---------------------------------------
@pytest.mark.parametrize(
    "maker,settings,clause",
    [
        (_jpeg, LabelSettings(implicit=IMP, visible=VisibleSettings(enabled=False)), "§5.2"),
        (_mp4, LabelSettings(implicit=IMP, video=VideoSettings(cards="none")), "§5.4"),
        (_wav, LabelSettings(implicit=IMP, audio=AudioSettings(enabled=False)), "§5.3"),
    ],
)
def test_no_explicit_label_is_refused_unless_chosen(tmp_path, maker, settings, clause):
    src = maker(tmp_path / f"a{'.jpg' if maker is _jpeg else '.mp4' if maker is _mp4 else '.wav'}")
    dst = tmp_path / ("out" + src.suffix)
    with pytest.raises(ExplicitLabelRequired) as exc:
        label_file(src, dst, settings)
    assert clause in str(exc.value) and "--no-explicit" in str(exc.value)
    assert not dst.exists() and not list(tmp_path.glob(".aigclabel-*"))
    res = label_file(src, dst, dataclasses.replace(settings, no_explicit=True))
    assert res.no_explicit and clause in res.no_explicit and "--no-explicit" in res.no_explicit
    assert any(w.startswith("NO EXPLICIT LABEL") for w in res.warnings)
    assert inspect_file(dst).verdict == Verdict.COMPLIANT


def test_cli_refuses_video_without_card_and_reports_the_choice(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    src = _mp4(tmp_path / "in" / "v.mp4")
    out = tmp_path / "out"
    argv = ["label", str(src), "-o", str(out), "--producer", PRODUCER, "--jobs", "1",
            "--video-card", "none"]  # fmt: skip
    assert main(argv) == 3
    assert "§5.4" in capsys.readouterr().err and not (out / "v.mp4").exists()
    assert main([*argv, "--no-explicit", "--report", str(out / "r.json")]) == 0
    rep = json.loads((out / "r.json").read_text("utf-8"))
    assert any("NO EXPLICIT LABEL" in w for w in rep["files"][0]["warnings"])


# --- label wording (§5.2/§5.4) -----------------------------------------------------------------
@pytest.mark.parametrize("text", ["Hello", "AI", "生成"])
def test_label_text_without_both_elements_is_refused(tmp_path, text):
    src = _jpeg(tmp_path / "a.jpg")
    settings = LabelSettings(implicit=IMP, visible=VisibleSettings(text=text))
    with pytest.raises(LabelTextRefused) as exc:
        label_file(src, tmp_path / "o.jpg", settings)
    msg = str(exc.value)
    assert "§5.2" in msg and "AI生成" in msg and "--force-text" in msg
    if text == "AI":
        assert "§5.1 c" in msg
    res = label_file(src, tmp_path / "o.jpg", dataclasses.replace(settings, force_text=True))
    assert any(w.startswith("label text forced (--force-text)") for w in res.warnings)
    assert Image.open(tmp_path / "o.jpg").size == (120, 90)


@pytest.mark.parametrize(
    "text", ["AI生成", "本内容由人工智能生成", "AI-generated", "Synthesised by AI"]
)
def test_good_label_texts_pass(tmp_path, text):
    src = _jpeg(tmp_path / "a.jpg")
    res = label_file(
        src, tmp_path / "o.jpg", LabelSettings(implicit=IMP, visible=VisibleSettings(text=text))
    )
    assert not any("forced" in w for w in res.warnings)


# --- one ID per piece of content --------------------------------------------------------------
def test_fixed_ids_become_prefix_plus_per_file_suffix_for_several_files(tmp_path, capsys):
    ins = tmp_path / "in"
    ins.mkdir()
    for i in range(3):
        Image.new("RGB", (40, 30), (i * 60, 10, 10)).save(ins / f"{i}.png")
    out = tmp_path / "out"
    rc = main(["label", "--implicit-only", str(ins), "-o", str(out), "--producer", PRODUCER,
               "--produce-id", "batch7", "--propagate-id", "pub7", "--jobs", "1"])  # fmt: skip
    assert rc == 0
    assert "prefix" in capsys.readouterr().err
    recs = [json.loads(exiftool_json(out / f"{i}.png")["XMP-TC260:Aigc"]) for i in range(3)]
    pids = [r["ProduceID"] for r in recs]
    assert len(set(pids)) == 3 and all(p.startswith("batch7-") and len(p) == 19 for p in pids)
    assert all(r["PropagateID"].startswith("pub7-") for r in recs)
    # A rerun gives the same per-file IDs (the suffix comes from the file, not a random draw).
    out2 = tmp_path / "out2"
    main(["label", "--implicit-only", str(ins), "-o", str(out2), "--producer", PRODUCER,
          "--produce-id", "batch7", "--jobs", "1"])  # fmt: skip
    assert json.loads(exiftool_json(out2 / "0.png")["XMP-TC260:Aigc"])["ProduceID"] == pids[0]
    # One file: the ID is used exactly as given.
    one = tmp_path / "one"
    main(["label", "--implicit-only", str(ins / "1.png"), "-o", str(one), "--producer", PRODUCER,
          "--produce-id", "exact-1", "--jobs", "1"])  # fmt: skip
    assert json.loads(exiftool_json(one / "1.png")["XMP-TC260:Aigc"])["ProduceID"] == "exact-1"


def test_generated_ids_are_said(tmp_path):
    res = label_file(
        _jpeg(tmp_path / "a.jpg"),
        tmp_path / "o.jpg",
        LabelSettings(implicit=IMP, implicit_only=True),
    )
    assert any("ProduceID" in n and "generated locally" in n for n in res.notes)


# --- contradicting IPTC DigitalSourceType --------------------------------------------------------
def test_digital_capture_is_updated_with_a_note_or_kept_when_asked(tmp_path):
    src = _jpeg(tmp_path / "cam.jpg", _xmp("", f'Iptc4xmpExt:DigitalSourceType="{CAPTURE}"'))
    assert exiftool_json(src)["XMP-iptcExt:DigitalSourceType"] == CAPTURE
    res = label_file(src, tmp_path / "o.jpg", LabelSettings(implicit=IMP, implicit_only=True))
    assert any("digitalCapture" in n and "updated" in n for n in res.notes)
    assert exiftool_json(tmp_path / "o.jpg")["XMP-iptcExt:DigitalSourceType"] == DST_TRAINED
    assert inspect_file(tmp_path / "o.jpg").verdict == Verdict.COMPLIANT
    keep = LabelSettings(
        implicit=dataclasses.replace(IMP, keep_source_type=True), implicit_only=True
    )
    res = label_file(src, tmp_path / "k.jpg", keep)
    assert any("kept as asked" in w for w in res.warnings)
    assert exiftool_json(tmp_path / "k.jpg")["XMP-iptcExt:DigitalSourceType"] == CAPTURE
    assert inspect_file(tmp_path / "k.jpg").verdict == Verdict.WARNINGS


# --- a producer's non-conforming name: kept, never copied ----------------------------------------
def test_non_conforming_producer_name_is_kept_but_not_copied(tmp_path):
    rec = {"Label": "1", "ContentProducer": "豆包 AI", "ProduceID": "db-42", "ReservedCode1": "",
           "ContentPropagator": "", "PropagateID": "", "ReservedCode2": ""}  # fmt: skip
    raw = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
    src = _jpeg(tmp_path / "db.jpg", _xmp(f"<TC260:AIGC>{raw}</TC260:AIGC>"))
    meta = LabelSettings(implicit=IMP, implicit_only=True)
    with pytest.raises(InvalidRecord) as exc:
        label_file(src, tmp_path / "o.jpg", meta)
    assert "豆包 AI" in str(exc.value) and "--propagator" in str(exc.value)
    assert not (tmp_path / "o.jpg").exists()
    ours = dataclasses.replace(IMP, propagator="001191440300708461136T2PUB1")
    res = label_file(src, tmp_path / "o.jpg", LabelSettings(implicit=ours, implicit_only=True))
    assert any("--producer" in n and "ignored" in n for n in res.notes)
    got_raw = exiftool_json(tmp_path / "o.jpg")["XMP-TC260:Aigc"]
    got = json.loads(got_raw)
    assert got["ContentProducer"] == "豆包 AI" and "\\u" not in got_raw  # byte for byte, no escapes
    assert got["ContentPropagator"] == "001191440300708461136T2PUB1" and got["PropagateID"]
    assert (tmp_path / "o.jpg").read_bytes().count("豆包 AI".encode()) == 1


def test_reserialised_json_is_said(tmp_path):
    rec = AigcRecord(Label="1", ContentProducer=PRODUCER, ProduceID="p-1", ReservedCode1="c2ln")
    spaced = json.dumps(rec.as_dict())  # ", " and ": ": the producer's raw string, not Annex E's
    src = _jpeg(tmp_path / "s.jpg", _xmp(f"<TC260:AIGC>{spaced}</TC260:AIGC>"))
    res = label_file(src, tmp_path / "o.jpg", LabelSettings(implicit=IMP, implicit_only=True))
    assert any("re-serialised" in n and "ReservedCode1" in n for n in res.notes)
    compact = _jpeg(tmp_path / "c.jpg", _xmp(f"<TC260:AIGC>{rec.to_json()}</TC260:AIGC>"))
    res = label_file(compact, tmp_path / "o2.jpg", LabelSettings(implicit=IMP, implicit_only=True))
    assert not any("re-serialised" in n for n in res.notes)
    assert any("completed from the producer pair" in n for n in res.notes)


def test_old_presets_without_new_fields_still_load():
    d = LabelSettings().to_dict()
    for k in ("no_explicit", "force_text"):
        d.pop(k)
    for k in ("keep_source_type", "ids_as_prefix"):
        d["implicit"].pop(k)
    s = LabelSettings.from_dict(d)
    assert not s.no_explicit and not s.force_text and not s.implicit.ids_as_prefix
    assert LabelSettings.from_dict(dataclasses.replace(s, no_explicit=True).to_dict()).no_explicit


# --- the label flags reach the engine through the CLI --------------------------------------------
def test_cli_text_and_source_type_flags(tmp_path, capsys):
    src = _jpeg(tmp_path / "cam.jpg", _xmp("", f'Iptc4xmpExt:DigitalSourceType="{CAPTURE}"'))
    out = tmp_path / "out"
    base = ["label", str(src), "-o", str(out), "--producer", PRODUCER, "--jobs", "1"]
    assert main([*base, "--text", "Hello"]) == 3
    err = capsys.readouterr().err
    assert "§5.2" in err and "AI生成" in err and not (out / "cam.jpg").exists()
    assert main([*base, "--text", "Hello", "--force-text", "--keep-source-type",
                 "--report", str(tmp_path / "r.json")]) == 0  # fmt: skip
    warnings = json.loads((tmp_path / "r.json").read_text("utf-8"))["files"][0]["warnings"]
    assert any("forced" in w for w in warnings) and any("kept as asked" in w for w in warnings)
    assert exiftool_json(out / "cam.jpg")["XMP-iptcExt:DigitalSourceType"] == CAPTURE


def test_contradicting_type_in_a_format_we_do_not_write_iptc_in_is_warned_not_failed(tmp_path):
    src = _mp4(tmp_path / "cam.mp4")
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            f"-XMP-iptcExt:DigitalSourceType={CAPTURE}",
            str(src),
        ],
        check=True,
    )
    assert exiftool_json(src)["XMP-iptcExt:DigitalSourceType"] == CAPTURE
    res = label_file(src, tmp_path / "o.mp4", LabelSettings(implicit=IMP, implicit_only=True))
    assert any("digitalCapture" in w and "left as it is" in w for w in res.warnings), res.warnings
    assert json.loads(exiftool_json(tmp_path / "o.mp4")["Keys:AIGC"])["ContentProducer"] == PRODUCER


def test_propagator_required_tells_the_gui_before_export():
    from aigclabel_gui.engine.pipeline import propagator_required

    assert propagator_required(None) is None
    assert propagator_required({"ContentProducer": PRODUCER, "ContentPropagator": ""}) is None
    why = propagator_required({"ContentProducer": "豆包 AI", "ContentPropagator": ""})
    assert why and "豆包 AI" in why and "space" in why
