"""Batch layer: mixed good/bad inputs, cancel, resume, output safety, presets, the report."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from aigclabel_gui.engine.batch import (
    BatchFinished,
    BatchStarted,
    FileFinished,
    plan_jobs,
    run_batch,
)
from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.naming import render_name
from aigclabel_gui.engine.presets import BUILTIN, load_preset, save_preset
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.conftest import PRODUCER

SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))


def _png(path: Path, color=(10, 120, 200), size=(64, 48)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def _mixed_inputs(root: Path) -> Path:
    src = root / "in"
    _png(src / "a.png")
    _png(src / "sub" / "b.png", (200, 10, 10))
    _png(src / "图片 c.png", (1, 2, 3))  # non-ASCII name with a space
    (src / "broken.png").write_bytes(Image.new("RGB", (8, 8)).tobytes()[:10] + b"\x89PNG")  # not an image
    png = (src / "a.png").read_bytes()
    (src / "truncated.png").write_bytes(png[: len(png) // 2])
    (src / "notes.xyz").write_bytes(b"\x00\x01unsupported")
    return src


def _run(jobs, **kw) -> BatchFinished:
    events = list(run_batch(jobs, **kw))
    assert isinstance(events[0], BatchStarted)
    assert isinstance(events[-1], BatchFinished)
    return events[-1]


@pytest.mark.parametrize("workers", [1, 2])
def test_mixed_batch_labels_good_files_and_reports_the_rest(tmp_path, workers):
    src = _mixed_inputs(tmp_path)
    out = tmp_path / "out"
    inputs = [src, src / "notes.xyz"]  # an unsupported file named explicitly is reported, not dropped
    jobs = plan_jobs(inputs, out, SETTINGS)
    final = _run(jobs, workers=workers, report_path=out / "report.json", outdir=out)
    by_name = {Path(r.src).name: r for r in final.results}
    for good in ("a.png", "b.png", "图片 c.png"):
        assert by_name[good].status == "ok", by_name[good]
        assert inspect_file(by_name[good].dst).verdict == "compliant"
    assert (out / "sub" / "b.png").is_file()  # folder structure kept
    for bad in ("broken.png", "truncated.png", "notes.xyz"):
        assert by_name[bad].status == "failed"
        assert by_name[bad].reason
        assert not Path(by_name[bad].dst).exists()
    assert not [p for p in out.rglob(".aigclabel-*") if p.name != ".aigclabel-manifest.json"]  # no temp files left
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["summary"] == {"ok": 3, "skipped": 0, "failed": 3, "cancelled": 0}
    assert len(report["files"]) == 6


def test_read_only_output_is_reported_per_file(tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits: use a path under a regular file instead (cannot be created)
        blocker = tmp_path / "file"
        blocker.write_text("x")
        out = blocker / "out"
    else:
        out = tmp_path / "ro"
        out.mkdir()
        out.chmod(0o500)
    jobs = plan_jobs([_png(tmp_path / "x.png")], out, SETTINGS)
    final = _run(jobs, workers=1)
    assert final.results[0].status == "failed"
    assert "x.png" in final.results[0].reason or str(out) in final.results[0].reason


def test_rerun_skips_what_is_done_and_redoes_changed(tmp_path):
    src = tmp_path / "in"
    a, b = _png(src / "a.png"), _png(src / "b.png", (9, 9, 9))
    out = tmp_path / "out"
    first = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert [r.status for r in first.results] == ["ok", "ok"]
    mtime = (out / "a.png").stat().st_mtime_ns
    _png(b, (50, 50, 50))  # b changed since the first run
    os.utime(b, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    second = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    status = {Path(r.src).name: (r.status, r.reason) for r in second.results}
    assert status["a.png"][0] == "skipped" and "resume" in status["a.png"][1]
    assert status["b.png"][0] == "ok"
    assert (out / "a.png").stat().st_mtime_ns == mtime
    # Other settings: nothing is skipped.
    other = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER, label_value="2"))
    third = _run(plan_jobs([src], out, other), workers=1, outdir=out)
    assert all(r.status == "ok" for r in third.results)
    del a


def test_on_exist_policies(tmp_path):
    src = _png(tmp_path / "a.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"user's own file")
    skip = _run(plan_jobs([src], out, SETTINGS), workers=1, on_exist="skip", outdir=out)
    assert skip.results[0].status == "skipped" and (out / "a.png").read_bytes() == b"user's own file"
    ren = _run(plan_jobs([src], out, SETTINGS), workers=1, on_exist="rename", outdir=out)
    assert ren.results[0].status == "ok" and Path(ren.results[0].dst).name == "a (2).png"
    assert (out / "a.png").read_bytes() == b"user's own file"
    over = _run(plan_jobs([src], out, SETTINGS), workers=1, on_exist="overwrite", outdir=out)
    assert over.results[0].status == "ok" and inspect_file(out / "a.png").verdict == "compliant"


@pytest.mark.parametrize("template", ["../{stem}{ext}", "/tmp/{stem}{ext}", "a/../../{name}", "{stem}{nope}", ""])
def test_escaping_or_bad_templates_are_refused(tmp_path, template):
    with pytest.raises(InvalidSettings):
        plan_jobs([_png(tmp_path / "a.png")], tmp_path / "out", SETTINGS, name_template=template)


def test_template_fields_and_output_never_an_input(tmp_path):
    assert str(render_name("{kind}/{stem}-labelled{ext}", Path("x/图.png"), "image")) == "image/图-labelled.png"
    src = _png(tmp_path / "a.png")
    with pytest.raises(InvalidSettings, match="input"):
        plan_jobs([tmp_path], tmp_path, SETTINGS)
    jobs = plan_jobs([src, _png(tmp_path / "other" / "a.png")], tmp_path / "out", SETTINGS)
    assert [j.dst.name for j in jobs] == ["a.png", "a (2).png"]  # two inputs, one name: no clobbering


def test_cancel_stops_new_work_and_still_reports(tmp_path):
    src = tmp_path / "in"
    for i in range(12):
        _png(src / f"{i:02d}.png")
    out = tmp_path / "out"
    cancel = CancelToken()
    events = []
    for ev in run_batch(plan_jobs([src], out, SETTINGS), workers=1, cancel=cancel,
                        report_path=out / "r.csv", outdir=out):
        events.append(ev)
        if isinstance(ev, FileFinished) and ev.index == 2:
            cancel.cancel()
    final = events[-1]
    assert final.cancelled
    statuses = [r.status for r in final.results]
    assert statuses[:3] == ["ok"] * 3 and set(statuses[3:]) == {"cancelled"}
    rows = list(csv.DictReader(open(out / "r.csv", encoding="utf-8-sig")))
    assert len(rows) == 12
    assert sorted(p.name for p in out.glob("*.png")) == ["00.png", "01.png", "02.png"]


def test_sigint_leaves_only_complete_outputs_and_a_report(tmp_path):
    src = tmp_path / "in"
    _png(src / "00.png", size=(2000, 1500))
    for i in range(1, 80):
        (src / f"{i:02d}.png").write_bytes((src / "00.png").read_bytes())
    out = tmp_path / "out"
    # Full labelling (visible + implicit) so the batch is still running when Ctrl-C arrives.
    cmd = [sys.executable, "-m", "aigclabel_gui.cli", "label", str(src), "-o", str(out),
           "--producer", PRODUCER, "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out.glob("[0-9]*.png"))) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    report = json.loads((out / "aigclabel-report.json").read_text("utf-8"))
    assert len(report["files"]) == 80
    assert report["summary"]["cancelled"] > 0 and report["summary"]["ok"] >= 3
    done = {Path(f["dst"]).name for f in report["files"] if f["status"] == "ok"}
    assert {p.name for p in out.glob("[0-9]*.png")} == done  # nothing half-written, nothing unreported
    for p in out.glob("[0-9]*.png"):
        assert inspect_file(p).verdict == "compliant", p
    assert not list(out.glob(".aigclabel-*.png"))  # no temp files


def test_presets_roundtrip_and_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGCLABEL_CONFIG", str(tmp_path / "cfg"))
    assert {"gb-default", "corner-mark", "metadata-only"} <= set(BUILTIN)
    assert load_preset("metadata-only").settings.implicit_only
    s = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    path = save_preset("studio", s)
    assert load_preset("studio").settings == s
    data = json.loads(path.read_text("utf-8"))
    data["settings"]["visible"]["sizepct"] = 7
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InvalidSettings, match="visible.sizepct"):
        load_preset("studio")
    data["settings"]["visible"] = {"size_pct": 3}
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InvalidSettings) as exc:
        load_preset("studio")
    assert "5%" in exc.value.advice


def test_output_folder_inside_the_input_folder_is_not_walked(tmp_path):
    # `label in -o in/out` worked once, then every rerun walked in/out, planned in/out/a.png as
    # an input and refused the whole batch ("output ... is an input file").
    src = tmp_path / "in"
    _png(src / "a.png")
    out = src / "out"
    first = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert [r.status for r in first.results] == ["ok"]
    jobs = plan_jobs([src], out, SETTINGS)
    assert [(j.src, j.dst) for j in jobs] == [(src / "a.png", out / "a.png")]
    second = _run(jobs, workers=1, outdir=out)
    assert [r.status for r in second.results] == ["skipped"]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["a.png"]


def test_hidden_folders_are_not_inputs(tmp_path):
    src = tmp_path / "in"
    _png(src / "a.png")
    _png(src / ".thumbnails" / "t.png")
    _png(src / ".git" / "x.png")
    assert [j.src.name for j in plan_jobs([src], tmp_path / "out", SETTINGS)] == ["a.png"]


def test_a_crashed_worker_does_not_stop_the_batch(tmp_path):
    """Kill a worker process mid-batch (as the OOM killer would): the pool is rebuilt, the jobs in
    flight are retried, and every file ends up labelled or reported."""
    src = tmp_path / "in"
    _png(src / "00.png", size=(1600, 1200))
    for i in range(1, 16):
        (src / f"{i:02d}.png").write_bytes((src / "00.png").read_bytes())
    out = tmp_path / "out"
    full = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))  # visible label: slow enough
    killed = False
    events = []
    for ev in run_batch(plan_jobs([src], out, full), workers=2, outdir=out):
        events.append(ev)
        if not killed and isinstance(ev, FileFinished):
            kids = _worker_pids()
            if kids:
                os.kill(kids[0], signal.SIGKILL)
                killed = True
    assert killed
    final = events[-1]
    assert isinstance(final, BatchFinished) and len(final.results) == 16
    assert all(r.status in ("ok", "failed") for r in final.results)
    assert sum(r.status == "ok" for r in final.results) >= 14
    for r in final.results:
        if r.status == "ok":
            assert inspect_file(r.dst).verdict == "compliant"
        else:
            assert "crashed" in r.reason
    assert [p.name for p in out.glob(".aigclabel-*")] == [".aigclabel-manifest.json"]  # no temp files


def _worker_pids() -> list[int]:
    """Child processes of this test process that are multiprocessing spawn workers."""
    me = os.getpid()
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (d / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me and b"spawn_main" in cmd:
            pids.append(int(d.name))
    return sorted(pids)
