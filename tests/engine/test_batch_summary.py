"""One source of truth for a batch's outcome (issue 11): statuses and kinds are StrEnums whose
values are the report's strings, one BatchSummary gives the counts the JSON report, the CLI's
summary line and its exit code all use, run_batch writes every report, and the resume journal
groups its fsyncs without losing a flushed line."""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

from PIL import Image

from aigclabel_gui.cli import main as cli_main
from aigclabel_gui.engine import batch
from aigclabel_gui.engine.batch import MANIFEST, NO_LIMITS, Manifest, plan_jobs, run_batch
from aigclabel_gui.engine.errors import ExitCode
from aigclabel_gui.engine.kinds import JobStatus, MediaKind
from aigclabel_gui.engine.report import BatchSummary
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.conftest import PRODUCER

SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))


def _inputs(root: Path) -> Path:
    src = root / "in"
    src.mkdir(parents=True)
    Image.new("RGB", (64, 48), (10, 120, 200)).save(src / "a.png")
    Image.new("RGB", (40, 30), (200, 10, 10)).save(src / "b.jpg")
    png = (src / "a.png").read_bytes()
    (src / "truncated.png").write_bytes(png[: len(png) // 2])  # corrupt-file
    return src


def _finish(jobs, **kw):
    events = list(run_batch(jobs, workers=1, limits=NO_LIMITS, **kw))
    return events[-1]


def test_statuses_and_kinds_round_trip_through_json_and_csv(tmp_path):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    reports = [out / "r.json", out / "r.csv"]
    final = _finish(plan_jobs([src], out, SETTINGS), outdir=out, report_paths=reports)
    statuses = [r.status for r in final.results]
    assert all(isinstance(s, JobStatus) for s in statuses)
    assert sorted(statuses) == ["failed", "ok", "ok"]  # a StrEnum equals its string

    doc = json.loads(reports[0].read_text("utf-8"))
    rows = list(csv.DictReader(reports[1].open(encoding="utf-8-sig")))
    for written in (doc["files"], rows):
        assert [f["status"] for f in written] == [str(s) for s in statuses]
        assert [JobStatus(f["status"]) for f in written] == statuses  # back to the enum
        assert {MediaKind(f["kind"]) for f in written} == {MediaKind.IMAGE}
    # The plain strings are what is stored, never the enum's repr.
    raw = reports[0].read_text("utf-8")
    assert '"status": "ok"' in raw and "JobStatus" not in raw
    assert "JobStatus" not in reports[1].read_text("utf-8-sig")


def test_summary_counts_equal_the_report_and_the_cli_exit_code(tmp_path, capsys):
    src = _inputs(tmp_path)
    out = tmp_path / "out"
    final = _finish(
        plan_jobs([src], out, SETTINGS), outdir=out, report_paths=[out / "r.json", out / "r.csv"]
    )
    summary = final.summary
    assert BatchSummary.of(final.results).counts == summary.counts  # built from the results
    assert summary.elapsed_s > 0
    assert summary.counts == {"ok": 2, "skipped": 0, "failed": 1, "cancelled": 0}
    assert [Path(r.src).name for r in summary.failures] == ["truncated.png"]
    assert summary.exit_code == ExitCode.CORRUPT_INPUT  # the one failure's own class
    assert summary.reports == (str(out / "r.json"), str(out / "r.csv")) and not summary.errors
    doc = json.loads((out / "r.json").read_text("utf-8"))
    assert doc["summary"] == summary.counts
    rows = list(csv.DictReader((out / "r.csv").open(encoding="utf-8-sig")))
    assert {s: sum(r["status"] == s for r in rows) for s in summary.counts} == summary.counts

    # The CLI on the same inputs: same counts in its line and its report, same exit code.
    cli_out = tmp_path / "cli"
    code = cli_main(["label", str(src), "-o", str(cli_out), "--producer", PRODUCER,
                     "--implicit-only", "--jobs", "1"])  # fmt: skip
    assert code == summary.exit_code
    err = capsys.readouterr().err
    assert summary.line().split(";")[0] in err  # "2 labelled, 0 skipped, 1 failed"
    cli_doc = json.loads((cli_out / "aigclabel-report.json").read_text("utf-8"))
    assert cli_doc["summary"] == summary.counts
    assert (cli_out / "aigclabel-report.csv").is_file()  # both reports by default


def test_report_paths_writes_each_and_a_bad_one_does_not_stop_the_others(tmp_path):
    src = _inputs(tmp_path)
    (src / "truncated.png").unlink()
    out = tmp_path / "out"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    reports = [out / "r.json", blocker / "r.csv", out / "r.csv"]  # the middle one cannot be made
    final = _finish(plan_jobs([src], out, SETTINGS), outdir=out, report_paths=reports)
    assert (out / "r.json").is_file() and (out / "r.csv").is_file()
    assert final.summary.reports == (str(out / "r.json"), str(out / "r.csv"))
    assert len(final.summary.errors) == 1 and "cannot write the report" in final.summary.errors[0]
    assert final.report_path == str(out / "r.json") and final.report_error
    assert final.summary.counts["ok"] == 2
    assert final.summary.exit_code == ExitCode.SOME_FAILED  # all files fine, a report not


def test_cancelled_batch_summary_says_cancelled(tmp_path):
    from aigclabel_gui.engine.events import CancelToken

    src = _inputs(tmp_path)
    cancel = CancelToken()
    cancel.cancel()
    out = tmp_path / "out"
    final = _finish(plan_jobs([src], out, SETTINGS), outdir=out, cancel=cancel)
    assert final.summary.cancelled and final.summary.exit_code == ExitCode.CANCELLED
    assert final.summary.not_started == 3 and "3 cancelled" in final.summary.line()


def test_journal_lines_are_flushed_at_once_and_fsyncs_are_grouped(tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(batch.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    monkeypatch.setattr(Manifest, "FSYNC_EVERY_S", 1e9)  # count-based only: no timing in tests
    m = Manifest(tmp_path)
    for i in range(Manifest.FSYNC_EVERY * 2 + 5):
        m.record(tmp_path / f"{i}.png", f"fp{i}", 1, "0" * 64)
        # Every entry is in the kernel at once (a SIGKILL now loses nothing), fsync'd or not.
        lines = (tmp_path / MANIFEST).read_text("utf-8").splitlines()
        assert len(lines) == i + 1
    # One per FSYNC_EVERY entries, not one per entry; on the journal's own thread (so the batch
    # does not wait for the disk), where two requests close together may make one fsync.
    deadline = time.monotonic() + 30
    while not synced and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 1 <= len(synced) <= 2
    before = len(synced)
    m.save()  # the end of a run syncs the rest, then compacts atomically
    assert len(synced) >= before + 2  # the journal's last lines, then the compacted file
    again = Manifest(tmp_path)
    assert len(again.entries) == Manifest.FSYNC_EVERY * 2 + 5


def test_each_input_is_identified_once_per_job(tmp_path, monkeypatch):
    """Planning takes the kind from the extension; label_file identifies the bytes (issue 11:
    identified twice before). A {kind} template still sniffs, since the name depends on it."""
    from aigclabel_gui.engine import registry

    src = _inputs(tmp_path)
    (src / "truncated.png").unlink()
    (src / "b.jpg").rename(src / "b.png")  # a JPEG named .png: label_file's sniff decides
    sniffed: list[Path] = []
    real = registry.sniff_format
    monkeypatch.setattr(registry, "sniff_format", lambda p: (sniffed.append(Path(p)), real(p))[1])
    out = tmp_path / "out"
    jobs = plan_jobs([src], out, SETTINGS)
    assert sniffed == [] and [j.kind for j in jobs] == ["image", "image"]
    final = _finish(jobs, outdir=out)
    assert [r.status for r in final.results] == ["ok", "ok"]
    assert [r.format for r in final.results] == ["png", "jpeg"]  # the bytes decided
    inputs = [p for p in sniffed if p.parent == src]
    assert sorted(p.name for p in inputs) == ["a.png", "b.png"]  # once each

    sniffed.clear()
    jobs = plan_jobs([src], tmp_path / "by-kind", SETTINGS, name_template="{kind}/{stem}{ext}")
    assert sorted(p.name for p in sniffed) == ["a.png", "b.png"]
    assert {j.dst.parent.name for j in jobs} == {"image"}


def test_every_container_kind_is_a_media_kind():
    from aigclabel_gui.engine.registry import all_containers

    kinds = {c.kind for c in all_containers()}
    assert kinds <= set(MediaKind) and MediaKind.FILE not in kinds, kinds
    assert {MediaKind(k) for k in kinds} == set(MediaKind) - {MediaKind.FILE}
