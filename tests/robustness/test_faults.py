"""File-system faults and killed parents: reasons name the output, nothing partial is left, the
originals are untouched, and a rerun completes, skipping exactly the verified outputs."""

from __future__ import annotations

import contextlib
import errno
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

from aigclabel_gui.engine import pipeline
from aigclabel_gui.engine.batch import MANIFEST, NO_LIMITS, plan_jobs, run_batch
from aigclabel_gui.engine.errors import ExitCode, batch_exit_code
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.robustness.conftest import report_counts, run_cli, sha, temp_leftovers
from tests.robustness.samples import PRODUCER

SETTINGS = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))


def _noise_pngs(folder: Path, n: int, size=(160, 120)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    paths = []
    for i in range(n):
        p = folder / f"{i:02d}.png"
        Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(p)
        paths.append(p)
    return paths


@contextlib.contextmanager
def _tmpfs(where: Path, size_kb: int, readonly: bool = False):
    """A small real tmpfs (root only; skipped elsewhere: the injected faults below still run)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        (where / "out").mkdir()
        if readonly:
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where / "out"
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _check_failures(final, srcs, before, out, words):
    for r in final.results:
        if r.status == "failed":
            assert any(w in r.reason for w in words), r.reason
            assert "damaged" not in r.reason and ".aigclabel-" not in r.reason, r.reason
            assert not Path(r.dst).exists()
        else:
            assert r.status == "ok" and inspect_file(r.dst).verdict == "compliant"
    assert all(sha(p) == before[p] for p in srcs)
    assert not temp_leftovers(out)


def test_full_disk_names_the_output_folder(tmp_path):
    srcs = _noise_pngs(tmp_path / "in", 6)  # ~58 kB each; the tmpfs holds two or three
    before = {p: sha(p) for p in srcs}
    with _tmpfs(tmp_path / "mnt", 160) as out:
        events = list(run_batch(plan_jobs(srcs, out, SETTINGS), workers=2, outdir=out,
                                report_path=out / "r.json"))  # fmt: skip
        final = events[-1]
        assert sum(r.status == "failed" for r in final.results) >= 2
        _check_failures(final, srcs, before, out, ["is full"])
        if final.report_path is None:
            assert "cannot write the report" in final.report_error


def test_read_only_output_folder_names_the_output_folder(tmp_path):
    srcs = _noise_pngs(tmp_path / "in", 2)
    before = {p: sha(p) for p in srcs}
    with _tmpfs(tmp_path / "mnt", 512, readonly=True) as out:
        final = list(run_batch(plan_jobs(srcs, out, SETTINGS), workers=1, outdir=out))[-1]
        assert [r.status for r in final.results] == ["failed", "failed"]
        _check_failures(final, srcs, before, out, ["read-only"])


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "is full"), (errno.EROFS, "read-only"), (errno.EACCES, "not writable")],
)
def test_injected_write_errors_name_the_output(tmp_path, monkeypatch, code, words):
    """Everywhere (no root needed): the error raised at the final write, in this process."""
    srcs = _noise_pngs(tmp_path / "in", 2)
    before = {p: sha(p) for p in srcs}
    out = tmp_path / "out"

    def fail(src, dst):
        raise OSError(code, os.strerror(code), str(src))

    monkeypatch.setattr(pipeline.os, "replace", fail)
    final = list(
        run_batch(plan_jobs(srcs, out, SETTINGS), workers=1, outdir=out, limits=NO_LIMITS)
    )[-1]
    assert [r.status for r in final.results] == ["failed", "failed"]
    _check_failures(final, srcs, before, out, [words])
    # One class of failure, one exit code: the output, not the inputs (exit 6).
    assert [r.error for r in final.results] == ["output-error", "output-error"]
    assert batch_exit_code([r.error for r in final.results]) == ExitCode.UNWRITABLE_OUTPUT


def _children(pid: int) -> list[int]:
    kids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(d.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("target", ["parent", "group"])
def test_sigkill_mid_batch_then_rerun(tmp_path, target):
    srcs = _noise_pngs(tmp_path / "in", 4)
    # Then large (slow to label, small to store) images: the workers are mid-file at the kill.
    ramp = np.tile(np.linspace(0, 255, 4000).astype(np.uint8), (3000, 1))
    for i in range(4, 6):
        Image.fromarray(np.stack([ramp, ramp[::-1], ramp], -1)).save(
            tmp_path / "in" / f"{i:02d}.png"
        )
        srcs.append(tmp_path / "in" / f"{i:02d}.png")
    before = {p: sha(p) for p in srcs}
    out = tmp_path / "out"
    argv = ["label", str(tmp_path / "in"), "-o", str(out), "--producer", PRODUCER, "--jobs", "2"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "aigclabel_gui.cli", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    deadline = time.time() + 90
    while time.time() < deadline and len(list(out.glob("[0-9]*.png"))) < 4:
        time.sleep(0.02)
    time.sleep(0.3)
    workers = _children(proc.pid)
    assert workers, "no worker processes seen"
    if target == "parent":
        os.kill(proc.pid, signal.SIGKILL)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    t0 = time.time()
    while time.time() - t0 < 10 and any(_alive(w) for w in workers):
        time.sleep(0.05)
    gone_after = time.time() - t0
    orphans = [w for w in workers if _alive(w)]
    for w in orphans:  # do not leak them into the rest of the test run
        with contextlib.suppress(OSError):
            os.kill(w, signal.SIGKILL)
    assert not orphans, "workers outlived their killed parent"
    # PR_SET_PDEATHSIG kills them at once (the ppid watch within a second); with neither they
    # live on (measured: still alive after 10 s).
    assert gone_after < 1.5, gone_after
    journal = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines() if x.strip()]
    assert journal, "nothing journalled before the kill"

    rerun = run_cli(*argv, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    report = json.loads((out / "aigclabel-report.json").read_text("utf-8"))
    resumed = {Path(f["dst"]).name for f in report["files"] if f["status"] == "skipped"}
    assert resumed == {e["dst"] for e in journal}  # exactly the journalled, verified outputs
    assert report["summary"]["ok"] + len(resumed) == len(srcs)
    assert not temp_leftovers(out)
    assert all(sha(p) == before[p] for p in srcs)
    for p in sorted(out.glob("[0-9]*.png")):
        assert inspect_file(p).verdict == "compliant", p
    report_counts(f"sigkill-{target}", dict(tried=len(srcs), journalled=len(journal),
                                            rerun_ok=report["summary"]["ok"], orphans=len(orphans),
                                            workers_gone_ms=int(gone_after * 1000)))  # fmt: skip
