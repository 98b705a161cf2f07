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

import numpy as np
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
    (src / "broken.png").write_bytes(
        Image.new("RGB", (8, 8)).tobytes()[:10] + b"\x89PNG"
    )  # not an image
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
    inputs = [
        src,
        src / "notes.xyz",
    ]  # an unsupported file named explicitly is reported, not dropped
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
    assert not [
        p for p in out.rglob(".aigclabel-*") if p.name != ".aigclabel-manifest.json"
    ]  # no temp files left
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
    other = LabelSettings(
        implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER, label_value="2")
    )
    third = _run(plan_jobs([src], out, other), workers=1, outdir=out)
    assert all(r.status == "ok" for r in third.results)
    del a


def test_on_exist_policies(tmp_path):
    src = _png(tmp_path / "a.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"user's own file")
    skip = _run(plan_jobs([src], out, SETTINGS), workers=1, on_exist="skip", outdir=out)
    assert (
        skip.results[0].status == "skipped" and (out / "a.png").read_bytes() == b"user's own file"
    )
    ren = _run(plan_jobs([src], out, SETTINGS), workers=1, on_exist="rename", outdir=out)
    assert ren.results[0].status == "ok" and Path(ren.results[0].dst).name == "a (2).png"
    assert (out / "a.png").read_bytes() == b"user's own file"
    over = _run(plan_jobs([src], out, SETTINGS), workers=1, on_exist="overwrite", outdir=out)
    assert over.results[0].status == "ok" and inspect_file(out / "a.png").verdict == "compliant"


@pytest.mark.parametrize(
    "template", ["../{stem}{ext}", "/tmp/{stem}{ext}", "a/../../{name}", "{stem}{nope}", ""]
)
def test_escaping_or_bad_templates_are_refused(tmp_path, template):
    with pytest.raises(InvalidSettings):
        plan_jobs([_png(tmp_path / "a.png")], tmp_path / "out", SETTINGS, name_template=template)


def test_template_fields_and_output_never_an_input(tmp_path):
    assert (
        str(render_name("{kind}/{stem}-labelled{ext}", Path("x/图.png"), "image"))
        == "image/图-labelled.png"
    )
    src = _png(tmp_path / "a.png")
    with pytest.raises(InvalidSettings, match="input"):
        plan_jobs([tmp_path], tmp_path, SETTINGS)
    jobs = plan_jobs([src, _png(tmp_path / "other" / "a.png")], tmp_path / "out", SETTINGS)
    assert [j.dst.name for j in jobs] == [
        "a.png",
        "a (2).png",
    ]  # two inputs, one name: no clobbering


def test_cancel_stops_new_work_and_still_reports(tmp_path):
    src = tmp_path / "in"
    for i in range(12):
        _png(src / f"{i:02d}.png")
    out = tmp_path / "out"
    cancel = CancelToken()
    events = []
    for ev in run_batch(
        plan_jobs([src], out, SETTINGS),
        workers=1,
        cancel=cancel,
        report_path=out / "r.csv",
        outdir=out,
    ):
        events.append(ev)
        if isinstance(ev, FileFinished) and ev.index == 2:
            cancel.cancel()
    final = events[-1]
    assert final.cancelled
    statuses = [r.status for r in final.results]
    # Files already handed to the worker when Cancel came finish (at most the pool's look-ahead
    # of two per worker); nothing after them starts.
    assert statuses[:3] == ["ok"] * 3 and statuses.count("ok") <= 5
    assert statuses[statuses.count("ok") :] == ["cancelled"] * (12 - statuses.count("ok"))
    rows = list(csv.DictReader(open(out / "r.csv", encoding="utf-8-sig")))
    assert len(rows) == 12
    done = sorted(Path(r.dst).name for r in final.results if r.status == "ok")
    assert sorted(p.name for p in out.glob("*.png")) == done


def test_sigint_leaves_only_complete_outputs_and_a_report(tmp_path):
    src = tmp_path / "in"
    _png(src / "00.png", size=(2000, 1500))
    for i in range(1, 80):
        (src / f"{i:02d}.png").write_bytes((src / "00.png").read_bytes())
    out = tmp_path / "out"
    # Full labelling (visible + implicit) so the batch is still running when Ctrl-C arrives.
    cmd = [
        sys.executable,
        "-m",
        "aigclabel_gui.cli",
        "label",
        str(src),
        "-o",
        str(out),
        "--producer",
        PRODUCER,
        "--jobs",
        "2",
    ]
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
    assert {
        p.name for p in out.glob("[0-9]*.png")
    } == done  # nothing half-written, nothing unreported
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
    assert [p.name for p in out.glob(".aigclabel-*")] == [
        ".aigclabel-manifest.json"
    ]  # no temp files


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


# --- isolation, limits, names, resume journal (issue 12) -------------------------------------
from aigclabel_gui.engine.batch import (  # noqa: E402
    MANIFEST,
    NO_LIMITS,
    FileProgressed,
    Limits,
)
from tests.engine.test_video_label import make_clip  # noqa: E402


def _evil_mp4(path: Path) -> Path:
    # A box header with size=1 and largesize = 2^64-1: seeking past it raised ValueError in sniff
    # and aborted the whole batch (plan_jobs) and `check`.
    import struct

    path.write_bytes(
        struct.pack(">I4s4sI", 16, b"ftyp", b"isom", 0)
        + struct.pack(">I4sQ", 1, b"free", 2**64 - 1)
        + b"\0" * 64
    )
    return path


def test_a_hostile_mp4_header_fails_only_its_own_file(tmp_path):
    src = tmp_path / "in"
    _png(src / "a.png")
    _evil_mp4(src / "evil.mp4")
    out = tmp_path / "out"
    final = _run(plan_jobs([src], out, SETTINGS), workers=2, outdir=out)
    by = {Path(r.src).name: r for r in final.results}
    assert by["a.png"].status == "ok"
    assert by["evil.mp4"].status == "failed" and "internal error" not in by["evil.mp4"].reason
    assert not (out / "evil.mp4").exists()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aigclabel_gui.cli",
            "check",
            str(src / "evil.mp4"),
            str(out / "a.png"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    assert "a.png: compliant" in proc.stdout


def test_a_fifo_is_refused_up_front_and_blocks_nothing(tmp_path):
    src = tmp_path / "in"
    _png(src / "a.png")
    os.mkfifo(tmp_path / "pipe.png")
    out = tmp_path / "out"
    jobs = plan_jobs([src / "a.png", tmp_path / "pipe.png"], out, SETTINGS)
    t0 = time.monotonic()
    final = _run(jobs, workers=1, outdir=out)
    assert time.monotonic() - t0 < 30
    by = {Path(r.src).name: r for r in final.results}
    assert by["a.png"].status == "ok"
    assert by["pipe.png"].status == "failed" and "named pipe" in by["pipe.png"].reason
    proc = subprocess.run(
        [sys.executable, "-m", "aigclabel_gui.cli", "check", str(tmp_path / "pipe.png")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "named pipe" in proc.stdout and "Traceback" not in proc.stderr


def test_names_other_systems_forbid_are_mapped_and_reported(tmp_path):
    src = tmp_path / "in"
    names = ["ComfyUI 2025-01-01 10:00:00.png", "con.png", "a\\b.png", "tab\there.png", "q?.png"]
    for n in names:
        _png(src / n)
    out = tmp_path / "out"
    final = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert [r.status for r in final.results] == ["ok"] * len(names)
    got = sorted(p.name for p in out.iterdir() if not p.name.startswith((".", "aigclabel-")))
    assert got == sorted(
        ["ComfyUI 2025-01-01 10：00：00.png", "con_.png", "a＼b.png", "tab_here.png", "q？.png"]
    )
    assert not [p for p in out.iterdir() if p.is_dir()]  # a backslash never becomes a folder
    for r in final.results:
        assert any("made portable" in w for w in r.warnings), r
    # Folder names from the input tree are mapped the same way.
    _png(tmp_path / "in2" / "shot 10:00" / "x.png")
    (job,) = plan_jobs([tmp_path / "in2"], out, SETTINGS)
    assert job.dst == out / "shot 10：00" / "x.png" and job.notes


def test_an_output_name_longer_than_255_bytes_is_shortened_stably(tmp_path):
    src = _png(tmp_path / "in" / ("图" * 60 + ".png"))  # 180 bytes; the template doubles it
    out = tmp_path / "out"
    template = "{stem}-{stem}{ext}"
    final = _run(plan_jobs([src], out, SETTINGS, name_template=template), workers=1, outdir=out)
    (res,) = final.results
    assert res.status == "ok", res.reason
    name = Path(res.dst).name
    assert len(name.encode()) <= 255 and name.endswith(".png") and "~" in name
    assert any("shortened" in w for w in res.warnings)
    again = plan_jobs([src], out, SETTINGS, name_template=template)
    assert again[0].dst.name == name  # stable: a rerun finds (and resumes) the same output


def test_in_process_run_reports_progress_for_a_video(tmp_path):
    (tmp_path / "in").mkdir()
    clip = make_clip(tmp_path / "in" / "v.mp4", w=160, h=96, secs=1.0, acodec=None)
    out = tmp_path / "out"
    full = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    events = list(run_batch(plan_jobs([clip], out, full), workers=1, outdir=out, limits=NO_LIMITS))
    progressed = [e for e in events if isinstance(e, FileProgressed)]
    assert events[-1].results[0].status == "ok", events[-1].results[0].reason
    assert len(progressed) >= 2 and progressed[-1].fraction == 1.0


def test_time_limit_stops_a_long_file_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    big = src / "big.png"  # a 48-megapixel ramp: seconds to label, small to store
    big.parent.mkdir(parents=True)
    ramp = np.tile(np.linspace(0, 255, 8000).astype(np.uint8), (6000, 1))
    Image.fromarray(np.stack([ramp, ramp[::-1], ramp], -1)).save(big)
    (src / "notes.md").write_text("# Notes\n\nGenerated.\n", "utf-8")

    class TightForImages(Limits):  # per kind: images 0.5 s, text the usual generous limit
        _RATES = {**Limits._RATES, "image": (0.5, 0)}

    out = tmp_path / "out"
    full = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    t0 = time.monotonic()
    final = _run(plan_jobs([src], out, full), workers=1, outdir=out, limits=TightForImages())
    assert time.monotonic() - t0 < 120
    by = {Path(r.src).name: r for r in final.results}
    assert by["big.png"].status == "failed" and "time limit" in by["big.png"].reason
    assert by["notes.md"].status == "ok", by["notes.md"].reason  # after the kill, in a new worker
    assert not (out / "big.png").exists()
    assert not [
        p for p in out.glob(".aigclabel-*") if p.name != MANIFEST
    ]  # killed worker's temps swept


def test_memory_limit_stops_a_file_with_a_reason(tmp_path):
    src = _png(tmp_path / "in" / "big.png", size=(4000, 3000))
    out = tmp_path / "out"
    full = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    final = _run(plan_jobs([src], out, full), workers=1, outdir=out, limits=Limits(memory_mb=40))
    (res,) = final.results
    assert res.status == "failed" and "MiB of memory" in res.reason
    assert not (out / "big.png").exists()


def test_resume_journal_rechecks_outputs(tmp_path):
    src = tmp_path / "in"
    for n in ("a", "b", "c"):
        _png(src / f"{n}.png", (ord(n), 0, 0))
    out = tmp_path / "out"
    first = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert [r.status for r in first.results] == ["ok"] * 3
    lines = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()]
    assert sorted(e["dst"] for e in lines) == ["a.png", "b.png", "c.png"]
    assert all(len(e["sha256"]) == 64 and e["size"] > 0 for e in lines)
    (out / "a.png").write_bytes((out / "a.png").read_bytes()[:100])  # truncated after the run
    (out / "b.png").unlink()
    second = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    by = {Path(r.src).name: r for r in second.results}
    assert by["c.png"].status == "skipped" and "verified" in by["c.png"].reason
    assert by["a.png"].status == "ok" and any("changed" in w for w in by["a.png"].warnings)
    assert by["b.png"].status == "ok" and any("gone" in w for w in by["b.png"].warnings)
    assert inspect_file(out / "a.png").verdict == "compliant"


def test_leftover_temp_files_are_swept_at_start(tmp_path):
    src = _png(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".aigclabel-abcd1234.png").write_bytes(b"half")
    (out / ".aigclabel-x_y_z_12").write_bytes(b"half")
    (out / ".keep-me").write_bytes(b"user file")
    _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert sorted(p.name for p in out.glob(".*")) == [".aigclabel-manifest.json", ".keep-me"]


def test_a_report_never_overwrites_an_input_or_an_output(tmp_path):
    src = _png(tmp_path / "in" / "a.png")
    before = src.read_bytes()
    out = tmp_path / "out"
    jobs = plan_jobs([src], out, SETTINGS)
    for bad in (src, out / "a.png", out / MANIFEST):
        with pytest.raises(InvalidSettings):
            list(run_batch(jobs, workers=1, outdir=out, report_path=bad))
    with pytest.raises(InvalidSettings, match="reserved"):
        plan_jobs([src], out, SETTINGS, name_template=MANIFEST)
    for argv in (
        ["--report", str(src)],
        ["--report", str(out / "a.png")],
        ["--name-template", "aigclabel-report.json"],
    ):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "aigclabel_gui.cli",
                "label",
                str(src),
                "-o",
                str(out),
                "--producer",
                PRODUCER,
                "--implicit-only",
                *argv,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 2, (argv, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert src.read_bytes() == before


def test_a_failed_report_write_is_an_error_in_the_summary(tmp_path):
    src = _png(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    (tmp_path / "file").write_bytes(b"x")
    final = _run(
        plan_jobs([src], out, SETTINGS),
        workers=1,
        outdir=out,
        report_path=tmp_path / "file" / "r.json",
    )
    assert final.report_path is None and "cannot write the report" in final.report_error
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aigclabel_gui.cli",
            "label",
            str(src),
            "-o",
            str(out),
            "--producer",
            PRODUCER,
            "--implicit-only",
            "--report",
            str(tmp_path / "file" / "r.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3 and "cannot write the report" in proc.stderr
    assert "no report written" in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--jobs", "-1"],
        ["--size-pct", "1e308"],
        ["--size-pct", "nan"],
        ["--margin-pct", "inf"],
        ["--text", "AI\n生成"],
        ["--card-seconds", "nan"],
        ["--audio-position", "nan"],
        ["--time-limit", "-5"],
        ["--crf", "999"],
    ],
)
def test_bad_option_values_are_usage_errors(tmp_path, argv):
    src = _png(tmp_path / "a.png")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aigclabel_gui.cli",
            "label",
            str(src),
            "-o",
            str(tmp_path / "out"),
            "--producer",
            PRODUCER,
            *argv,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out" / "a.png").exists()


def test_disk_full_names_the_output_folder(tmp_path, monkeypatch):
    import errno

    from aigclabel_gui.engine import pipeline

    src = _png(tmp_path / "in" / "a.png")
    out = tmp_path / "out"

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / ".aigclabel-abcd1234.png"))

    monkeypatch.setattr(pipeline.os, "replace", full)
    final = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out, limits=NO_LIMITS)
    (res,) = final.results
    assert res.status == "failed" and "output folder" in res.reason and "full" in res.reason
    assert ".aigclabel-" not in res.reason and "damaged" not in res.reason
    assert not list(out.glob("*.png")) and not list(out.glob(".aigclabel-*.png"))


def test_earlier_outputs_in_an_input_folder_are_not_labelled_again(tmp_path):
    src = tmp_path / "in"
    _png(src / "a.png")
    first = _run(plan_jobs([src], src / "out1", SETTINGS), workers=1, outdir=src / "out1")
    assert [r.status for r in first.results] == ["ok"]
    # A second run into another folder walks in/out1: its file is an output, not an input.
    out2 = src / "out2"
    _png(out2 / "dropped-in.png")  # a real input the user put into the output folder
    jobs = plan_jobs([src], out2, SETTINGS)
    final = _run(jobs, workers=1, outdir=out2)
    by = {Path(r.src).relative_to(src).as_posix(): r for r in final.results}
    assert by["a.png"].status == "ok"
    assert (
        by["out1/a.png"].status == "skipped" and "earlier aigclabel run" in by["out1/a.png"].reason
    )
    assert (
        by["out2/dropped-in.png"].status == "skipped"
        and "inside the output folder" in by["out2/dropped-in.png"].reason
    )
    assert not (out2 / "out1").exists()
    # Named explicitly, an earlier output is an input like any other.
    assert [j.skip for j in plan_jobs([src / "out1" / "a.png"], tmp_path / "o3", SETTINGS)] == [""]


def test_a_legacy_one_object_manifest_is_read(tmp_path):
    src = _png(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    entries = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()]
    (out / MANIFEST).write_text(json.dumps({e["dst"]: e["fp"] for e in entries}), "utf-8")
    again = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert [r.status for r in again.results] == ["ok"]  # no hash to verify: relabelled once
    third = _run(plan_jobs([src], out, SETTINGS), workers=1, outdir=out)
    assert [r.status for r in third.results] == ["skipped"]
