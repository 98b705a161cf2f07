"""Small files travel to a pool worker in groups (one task per group, issue 11 fixed costs); the
guarantees of one task per file still hold per file: a crash is blamed on the file that was
running only, time limits count from each file's own start, a cancel stops the group's files
that have not started."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from aigclabel_gui.engine import batch
from aigclabel_gui.engine.batch import (
    BatchFinished,
    FileFinished,
    FileStarted,
    Job,
    Limits,
    plan_jobs,
    run_batch,
)
from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.conftest import PRODUCER

SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))


def _in_worker() -> bool:
    return mp.parent_process() is not None


@dataclass(frozen=True)
class CrashJob(Job):
    """A job whose worker dies with SIGSEGV as it starts (as a codec bug would)."""

    def __getattribute__(self, name):
        if name == "dst" and _in_worker():
            os.kill(os.getpid(), signal.SIGSEGV)
        return super().__getattribute__(name)


@dataclass(frozen=True)
class SlowJob(Job):
    """A job that takes `delay` seconds in the worker before labelling (0: hangs for good)."""

    delay: float = 0.0

    def __getattribute__(self, name):
        if name == "dst" and _in_worker() and not object.__getattribute__(self, "_slept"):
            object.__setattr__(self, "_slept", True)
            time.sleep(object.__getattribute__(self, "delay") or 3600)
        return super().__getattribute__(name)

    def __post_init__(self):
        object.__setattr__(self, "_slept", False)


def _pngs(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        Image.new("RGB", (32, 24), (i, 100, 200)).save(folder / f"{i:02d}.png")
    return folder


def _tasks(monkeypatch) -> list[str]:
    """Names of the functions the pools run, as submitted (to see that files were grouped)."""
    names: list[str] = []
    orig = batch.cf.ProcessPoolExecutor.submit

    def spy(self, fn, /, *args, **kw):
        names.append(getattr(fn, "__name__", ""))
        return orig(self, fn, *args, **kw)

    monkeypatch.setattr(batch.cf.ProcessPoolExecutor, "submit", spy)
    return names


def _swap(jobs: list[Job], index: int, cls, **extra) -> None:
    j = jobs[index]
    jobs[index] = cls(j.src, j.dst, j.settings, j.notes, j.kind, **extra)


def test_a_crash_in_a_group_fails_only_the_file_that_crashed(tmp_path, monkeypatch):
    src = _pngs(tmp_path / "in", 40)
    out = tmp_path / "out"
    jobs = plan_jobs([src], out, SETTINGS)
    _swap(jobs, 3, CrashJob)  # inside the first group, with neighbours before and after it
    tasks = _tasks(monkeypatch)
    events = list(run_batch(jobs, workers=1, outdir=out, limits=Limits(seconds=120)))
    assert "_worker_run_chunk" in tasks  # the files were grouped
    final = events[-1]
    assert isinstance(final, BatchFinished)
    by = {Path(r.src).name: r for r in final.results}
    assert by["03.png"].status == "failed" and by["03.png"].error == "worker-crashed"
    assert "crashed" in by["03.png"].reason
    others = [r for name, r in by.items() if name != "03.png"]
    assert [r.status for r in others] == ["ok"] * 39, [r.reason for r in others if r.reason]
    for r in others[:8]:
        assert inspect_file(r.dst).verdict == "compliant"
    assert not (out / "03.png").exists()
    assert [p.name for p in out.glob(".aigclabel-*")] == [".aigclabel-manifest.json"]
    # Every file is announced once, before its result.
    started = [e.index for e in events if isinstance(e, FileStarted)]
    assert sorted(started) == list(range(40))
    first_seen: dict[int, str] = {}
    for e in events:
        if isinstance(e, FileStarted | FileFinished):
            first_seen.setdefault(e.index, type(e).__name__)
    assert set(first_seen.values()) == {"FileStarted"}


def test_the_time_limit_counts_per_file_inside_a_group(tmp_path, monkeypatch):
    src = _pngs(tmp_path / "in", 40)
    out = tmp_path / "out"
    jobs = plan_jobs([src], out, SETTINGS)
    for i in (1, 2, 3, 4):  # one group (40 files: groups of 5), longer than the limit together
        _swap(jobs, i, SlowJob, delay=0.8)
    _swap(jobs, 6, SlowJob)  # never ends (in the next group)
    tasks = _tasks(monkeypatch)
    final = list(run_batch(jobs, workers=1, outdir=out, limits=Limits(seconds=2.5)))[-1]
    assert "_worker_run_chunk" in tasks
    by = {Path(r.src).name: r for r in final.results}
    assert by["06.png"].status == "failed" and by["06.png"].error == "time-limit"
    assert "time limit" in by["06.png"].reason
    others = [r for name, r in by.items() if name != "06.png"]
    assert [r.status for r in others] == ["ok"] * 39, [r.reason for r in others if r.reason]
    assert not (out / "06.png").exists()


def test_a_cancel_stops_the_files_of_a_group_that_have_not_started(tmp_path, monkeypatch):
    src = _pngs(tmp_path / "in", 40)
    out = tmp_path / "out"
    jobs = plan_jobs([src], out, SETTINGS)
    for i in range(10):
        _swap(jobs, i, SlowJob, delay=0.3)
    tasks = _tasks(monkeypatch)
    cancel = CancelToken()
    events = []
    for ev in run_batch(jobs, workers=1, outdir=out, cancel=cancel):
        events.append(ev)
        if isinstance(ev, FileStarted) and ev.index == 1:
            cancel.cancel()
    assert "_worker_run_chunk" in tasks
    final = events[-1]
    assert final.cancelled
    statuses = [r.status for r in final.results]
    assert statuses[0] == "ok"  # finished before the cancel
    assert statuses[1] in ("ok", "cancelled")  # running when cancelled
    assert statuses[2:] == ["cancelled"] * 38
    for r in final.results:
        assert Path(r.dst).exists() == (r.status == "ok"), r
    assert [p.name for p in out.glob(".aigclabel-*")] == [".aigclabel-manifest.json"]


def test_a_source_changed_while_labelled_is_not_journalled(tmp_path):
    """The resume fingerprint of a file with no journal line yet is taken when it ends, and only
    if the source still has the size and mtime it had when the batch began: else a rerun would
    skip a file whose output came from other bytes."""
    from aigclabel_gui.engine.batch import MANIFEST, NO_LIMITS

    src = _pngs(tmp_path / "in", 3)
    out = tmp_path / "out"
    events = []
    for ev in run_batch(plan_jobs([src], out, SETTINGS), workers=1, outdir=out, limits=NO_LIMITS):
        events.append(ev)
        if isinstance(ev, FileStarted) and ev.index == 1:
            st = (src / "01.png").stat()
            os.utime(src / "01.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert [r.status for r in events[-1].results] == ["ok"] * 3
    journal = (out / MANIFEST).read_text("utf-8")
    assert '"00.png"' in journal and '"02.png"' in journal and '"01.png"' not in journal
    again = list(run_batch(plan_jobs([src], out, SETTINGS), workers=1, outdir=out))[-1]
    assert [r.status for r in again.results] == ["skipped", "ok", "skipped"]


def test_the_fingerprint_sees_an_edit_that_keeps_size_and_mtime(tmp_path):
    """A small file's fingerprint hashes its first and last 64 KiB (not all of it): a metadata
    edit with the mtime kept (exiftool -P) still changes it, at either end."""
    from aigclabel_gui.engine.batch import fingerprint

    p = tmp_path / "a.jpg"
    data = bytearray(os.urandom(300 * 1024))
    p.write_bytes(data)
    st = p.stat()
    base = fingerprint(p, SETTINGS)
    for at in (20, len(data) - 20):
        edited = bytearray(data)
        edited[at] ^= 0xFF
        p.write_bytes(edited)
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert fingerprint(p, SETTINGS) != base
    p.write_bytes(data)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fingerprint(p, SETTINGS) == base
    other = LabelSettings(
        implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER[:-1] + "4")
    )
    assert fingerprint(p, other) != base


def test_the_folder_walk_takes_what_a_sorted_rglob_would(tmp_path, monkeypatch):
    """walk_inputs reads folders with os.scandir (no stat per file); it must take exactly the
    files the rglob-based walk took: sorted, hidden and unknown left out, symlinked files in,
    symlinked folders not entered, files in the output folder left out."""
    from aigclabel_gui.engine.batch import walk_inputs
    from aigclabel_gui.engine.registry import supported_extensions

    monkeypatch.chdir(tmp_path)
    for d in ("in/sub/.hid", "in/b", "in/out/x", "ext"):
        Path(d).mkdir(parents=True)
    for f in ("in/a.PNG", "in/b.jpg", "in/.h.png", "in/sub/c.mp3", "in/sub/.hid/d.png",
              "in/b/e.md", "in/out/x/f.png", "in/noext", "in/z.xyz", "in/sub/g.", "ext/h.png"):  # fmt: skip
        Path(f).write_bytes(b"x")
    os.symlink("../ext/h.png", "in/link.png")
    os.symlink("../ext", "in/linkdir")
    os.symlink("out/x/f.png", "in/toout.png")
    os.symlink("/nonexistent-aigclabel", "in/dangling.png")
    os.mkfifo("in/fifo.png")

    def reference(inputs, outdir):
        out_res = outdir.resolve() if outdir is not None else None
        for item in inputs:
            if not item.is_dir():
                yield item, Path(item.name)
                continue
            prune = out_res is not None and out_res != item.resolve()
            for p in sorted(item.rglob("*")):
                rel = p.relative_to(item)
                if (
                    p.is_file()
                    and not any(part.startswith(".") for part in rel.parts)
                    and p.suffix.lower() in supported_extensions()
                    and not (prune and p.resolve().is_relative_to(out_res))
                ):
                    yield p, rel

    cases = [
        ([Path("in")], None),
        ([Path("in")], Path("in/out")),
        ([Path("./in/"), Path("ext/h.png")], Path("o")),
        ([Path("in/out")], Path("in/out/x")),
        ([Path("in")], Path("in")),
    ]
    for inputs, outdir in cases:
        got = list(walk_inputs(inputs, outdir=outdir))
        assert got == list(reference(inputs, outdir)), (inputs, outdir)
    names = [str(p) for p, _ in walk_inputs([Path("in")], outdir=Path("in/out"))]
    assert names == ["in/a.PNG", "in/b/e.md", "in/b.jpg", "in/link.png", "in/sub/c.mp3"]


def test_journal_hashes_are_the_outputs_whoever_computes_them(tmp_path):
    """With fewer workers than cores the parent hashes the outputs (the worker is the busy one);
    with as many as cores the workers do. Either way the journal holds each output's SHA-256."""
    import hashlib
    import json

    from aigclabel_gui.engine.batch import MANIFEST

    src = _pngs(tmp_path / "in", 20)
    for workers in (1, max(2, os.cpu_count() or 1)):
        out = tmp_path / f"out{workers}"
        final = list(run_batch(plan_jobs([src], out, SETTINGS), workers=workers, outdir=out))[-1]
        assert [r.status for r in final.results] == ["ok"] * 20
        lines = [json.loads(x) for x in (out / MANIFEST).read_text("utf-8").splitlines()]
        assert len(lines) == 20
        for e in lines:
            assert e["sha256"] == hashlib.sha256((out / e["dst"]).read_bytes()).hexdigest()
        for r in final.results:
            assert r.out_sha256 == hashlib.sha256(Path(r.dst).read_bytes()).hexdigest()
