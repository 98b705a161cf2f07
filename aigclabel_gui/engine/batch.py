"""Batch layer: inputs → jobs → results, as a generator of events.

The parent process owns planning, progress, the resume manifest, cancellation and the report;
workers (a spawn-based process pool that ignores SIGINT) only run `run_job`. One bad file never
stops the batch; a cancel stops new work and lets running jobs end cleanly (no partial outputs:
label_file writes temp files and renames only verified ones).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import dataclasses
import hashlib
import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import signal
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from aigclabel_gui import __version__
from aigclabel_gui.engine.errors import (
    AigcError,
    Cancelled,
    InvalidSettings,
    NoCarrier,
    OutputError,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress
from aigclabel_gui.engine.naming import check_template, inside, renamed, render_name
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.registry import SUPPORTED_EXTENSIONS, kind_of
from aigclabel_gui.engine.report import write_report
from aigclabel_gui.engine.settings import LabelSettings

MANIFEST = ".aigclabel-manifest.json"
_TEMP_RE = re.compile(r"^\.aigclabel-[A-Za-z0-9_]{8}(\.[^.]+)?$")  # pipeline's mkstemp names
ON_EXIST = ("skip", "overwrite", "rename")


@dataclass(frozen=True)
class Job:
    src: Path
    dst: Path
    settings: LabelSettings


@dataclass
class JobResult:
    src: str
    dst: str
    status: str  # "ok" | "skipped" | "failed" | "cancelled"
    reason: str = ""
    kind: str = ""
    format: str = ""
    labels: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    bytes: int = 0


# --- events (the CLI prints them, a Qt worker turns them into signals) -------------------------
@dataclass(frozen=True)
class BatchStarted:
    total: int
    total_bytes: int


@dataclass(frozen=True)
class FileStarted:
    index: int
    src: str


@dataclass(frozen=True)
class FileProgressed:
    index: int
    fraction: float
    detail: str = ""


@dataclass(frozen=True)
class FileFinished:
    index: int
    result: JobResult


@dataclass(frozen=True)
class BatchProgress:
    done: int
    total: int
    bytes_done: int
    bytes_total: int
    elapsed_s: float
    eta_s: float | None


@dataclass(frozen=True)
class BatchFinished:
    results: list[JobResult]
    cancelled: bool
    report_path: str | None


# --- planning ----------------------------------------------------------------------------------
def walk_inputs(inputs: list[Path], *, outdir: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its input root). Folders are walked recursively, sorted; hidden
    files and unknown extensions inside folders are left out (files named explicitly are kept,
    so the user gets a clear message for them). An `outdir` inside an input folder is not
    walked: those are our earlier outputs, not inputs."""
    for item in inputs:
        if item.is_dir():
            prune = outdir is not None and outdir.resolve() != item.resolve()
            for p in sorted(item.rglob("*")):
                if (
                    p.is_file()
                    # hidden files and folders (.git, .thumbnails, our own temp files) are not inputs
                    and not any(part.startswith(".") for part in p.relative_to(item).parts)
                    and p.suffix.lower() in SUPPORTED_EXTENSIONS
                    and not (prune and inside(outdir, p))
                ):
                    yield p, p.relative_to(item)
        else:
            yield item, Path(item.name)


def plan_jobs(
    inputs: list[Path],
    outdir: Path,
    settings: LabelSettings,
    *,
    name_template: str = "{stem}{ext}",
    overrides: dict[Path, LabelSettings] | None = None,
) -> list[Job]:
    """One job per input file. Output = outdir / relative folder / rendered template.
    Refuses templates that escape `outdir`; an output never equals an input; two inputs that
    would land on one name get `name (2).ext`."""
    check_template(name_template)
    overrides = overrides or {}
    pairs = list(walk_inputs(inputs, outdir=outdir))
    sources = {p.resolve() for p, _ in pairs}
    taken: set[Path] = set()
    jobs = []
    for src, rel in pairs:
        kind = kind_of(src) or "file"
        dst = outdir / rel.parent / Path(render_name(name_template, src, kind))
        if not inside(outdir, dst):
            raise InvalidSettings(f"output {dst} would leave the output folder {outdir}")
        if dst.resolve() in sources:
            raise InvalidSettings(
                f"output {dst} is an input file",
                advice="choose an output folder that is not an input folder",
            )
        if dst in taken:
            dst = renamed(dst, taken)
        taken.add(dst)
        jobs.append(Job(src, dst, overrides.get(src, settings)))
    return jobs


# --- resume ------------------------------------------------------------------------------------
def fingerprint(src: Path, settings: LabelSettings) -> str:
    """Source identity (size, mtime, head and tail bytes) + settings + version: cheap even for
    long videos, and any change to the input or the settings invalidates it."""
    h = hashlib.sha256()
    st = src.stat()
    h.update(f"{st.st_size}:{st.st_mtime_ns}:{__version__}".encode())
    with open(src, "rb") as f:
        h.update(f.read(1 << 20))
        if st.st_size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
            h.update(f.read())
    h.update(json.dumps(settings.to_dict(), sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


class Manifest:
    """dst (relative to the output folder) → fingerprint of what produced it."""

    def __init__(self, outdir: Path):
        self.path = outdir / MANIFEST
        self.outdir = outdir
        try:
            self.entries: dict[str, str] = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            self.entries = {}

    def _key(self, dst: Path) -> str:
        return os.path.relpath(dst, self.outdir)

    def matches(self, dst: Path, fp: str) -> bool:
        return dst.exists() and self.entries.get(self._key(dst)) == fp

    def record(self, dst: Path, fp: str) -> None:
        self.entries[self._key(dst)] = fp

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(self.entries, indent=1, ensure_ascii=False), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only output folder already fails its jobs with a clear reason


# --- running -----------------------------------------------------------------------------------
_worker_cancel: CancelToken | None = None
_worker_progress = None


def _init_worker(cancel_event, progress_queue) -> None:
    # The parent owns Ctrl-C: workers ignore SIGINT and end through the shared cancel event.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_cancel, _worker_progress
    _worker_cancel = CancelToken(cancel_event)
    _worker_progress = progress_queue


def _worker_run(index: int, job: Job) -> JobResult:
    def progress(p: FileProgress) -> None:
        if _worker_progress is not None:
            try:
                _worker_progress.put_nowait((index, p.fraction, p.detail))
            except Exception:
                pass

    return run_job(job, _worker_cancel, progress)


def check_free_space(job: Job) -> None:
    """Before a large job, make sure the output folder can hold the result (+ temp copy)."""
    size = job.src.stat().st_size
    if size < 50 * 1024 * 1024:
        return
    free = shutil.disk_usage(job.dst.parent).free
    if free < size * 2.2:
        raise OutputError(
            f"not enough free space in {job.dst.parent}: {free >> 20} MiB free, about {int(size * 2.2) >> 20} MiB needed"
        )


def run_job(job: Job, cancel: CancelToken | None = None, progress=None) -> JobResult:
    t0 = time.perf_counter()
    res = JobResult(src=str(job.src), dst=str(job.dst), status="ok")
    try:
        res.bytes = job.src.stat().st_size
    except OSError:
        pass
    try:
        job.dst.parent.mkdir(parents=True, exist_ok=True)
        check_free_space(job)
        out = label_file(job.src, job.dst, job.settings, cancel=cancel, progress=progress)
    except NoCarrier as exc:
        res.status, res.reason = "skipped", str(exc)
    except Cancelled:
        res.status, res.reason = "cancelled", "cancelled"
    except AigcError as exc:
        res.status, res.reason = "failed", str(exc)
    except OSError as exc:
        res.status, res.reason = "failed", f"{exc.filename or job.src}: {exc.strerror or exc}"
    except Exception as exc:  # one bad file must never stop the batch
        res.status, res.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
    else:
        res.kind, res.format, res.warnings = out.kind, out.format, out.warnings
        if out.record is not None:
            res.labels.append("implicit: " + out.record.to_json())
        if out.explicit is not None:
            res.labels.append("explicit: " + out.explicit.summary)
    res.seconds = time.perf_counter() - t0
    return res


def _pre_resolve(
    job: Job, on_exist: str, manifest: Manifest, taken: set[Path]
) -> tuple[Job, JobResult | None, str]:
    """Apply resume and the on-exist policy before running. Returns (job, result-if-skipped, fp)."""
    try:
        fp = fingerprint(job.src, job.settings)
    except OSError as exc:
        return (
            job,
            JobResult(str(job.src), str(job.dst), "failed", f"cannot read: {exc.strerror or exc}"),
            "",
        )
    if manifest.matches(job.dst, fp):
        return (
            job,
            JobResult(
                str(job.src),
                str(job.dst),
                "skipped",
                "already labelled with these settings (resume)",
            ),
            fp,
        )
    if job.dst.exists():
        if on_exist == "skip":
            return (
                job,
                JobResult(str(job.src), str(job.dst), "skipped", "output exists (--on-exist skip)"),
                fp,
            )
        if on_exist == "rename":
            job = dataclasses.replace(job, dst=renamed(job.dst, taken))
    taken.add(job.dst)
    return job, None, fp


def run_batch(
    jobs: list[Job],
    *,
    workers: int = 0,
    cancel: CancelToken | None = None,
    report_path: Path | None = None,
    on_exist: str = "overwrite",
    outdir: Path | None = None,
    executor=None,
) -> Iterator[object]:
    """Run jobs, yielding BatchStarted, FileStarted, FileProgressed, FileFinished, BatchProgress
    and finally BatchFinished. `workers` 0 = CPU count; 1 runs in this process.
    `executor(pending, cancel, finish)` (e.g. engine.cluster.RayExecutor) runs the pending
    (index, Job) pairs elsewhere instead of the local pool, yielding the same events."""
    if on_exist not in ON_EXIST:
        raise InvalidSettings(f"on-exist policy {on_exist!r}: use skip, overwrite or rename")
    cancel = cancel or CancelToken()
    workers = workers or os.cpu_count() or 1
    if outdir is None and jobs:
        outdir = Path(os.path.commonpath([str(j.dst.parent) for j in jobs]))
    manifest = Manifest(outdir) if outdir else None
    sizes = []
    for j in jobs:
        try:
            sizes.append(j.src.stat().st_size)
        except OSError:
            sizes.append(0)
    total_bytes = sum(sizes)
    yield BatchStarted(len(jobs), total_bytes)

    t0 = time.perf_counter()
    results: list[JobResult | None] = [None] * len(jobs)
    fps: dict[int, str] = {}
    bytes_done = 0
    done = 0
    taken: set[Path] = set()

    def finish(i: int, res: JobResult) -> Iterator[object]:
        nonlocal bytes_done, done
        results[i] = res
        done += 1
        bytes_done += sizes[i]
        if res.status == "ok" and manifest and fps.get(i):
            manifest.record(Path(res.dst), fps[i])
        yield FileFinished(i, res)
        elapsed = time.perf_counter() - t0
        eta = (
            (elapsed / bytes_done * (total_bytes - bytes_done))
            if bytes_done and total_bytes
            else None
        )
        yield BatchProgress(done, len(jobs), bytes_done, total_bytes, elapsed, eta)

    pending: list[tuple[int, Job]] = []
    for i, job in enumerate(jobs):
        job, skipped, fp = (
            _pre_resolve(job, on_exist, manifest, taken) if manifest else (job, None, "")
        )
        fps[i] = fp
        if skipped is not None:
            yield from finish(i, skipped)
        else:
            pending.append((i, job))

    try:
        if executor is not None:
            yield from executor(pending, cancel, finish)
        elif workers == 1 or len(pending) <= 1:
            for i, job in pending:
                if cancel.cancelled:
                    break
                yield FileStarted(i, str(job.src))
                yield from finish(i, run_job(job, cancel))
        else:
            yield from _run_pool(pending, workers, cancel, finish)
    finally:
        for i, job in enumerate(jobs):
            if results[i] is None:
                results[i] = JobResult(
                    str(job.src), str(job.dst), "cancelled", "cancelled before it started"
                )
        if manifest:
            manifest.save()
        final = [r for r in results if r is not None]
        written = None
        if report_path is not None:
            try:
                write_report(final, report_path)
                written = str(report_path)
            except OSError:
                written = None
    yield BatchFinished(final, cancel.cancelled, written)


def _run_pool(pending, workers, cancel, finish) -> Iterator[object]:
    """Run jobs in a spawn pool. A worker that dies (segfault in a codec, OOM kill) breaks the whole
    pool: the jobs that were in flight go back to the queue once, a fresh pool takes over, and a job
    in flight during two crashes is reported as failed. The batch always goes on."""
    # spawn, not fork: PyAV/FFmpeg threads and a Qt parent do not survive fork.
    ctx = mp.get_context("spawn")
    event = ctx.Event()
    progress_q = ctx.Queue()
    todo = collections.deque(pending)
    by_index = dict(pending)
    crashes: dict[int, int] = {}
    started: set[int] = set()
    crash_dirs: set[Path] = set()

    def crashed(i: int) -> Iterator[object]:
        crashes[i] = crashes.get(i, 0) + 1
        crash_dirs.add(by_index[i].dst.parent)
        if crashes[i] >= 2:
            job = by_index[i]
            yield from finish(
                i,
                JobResult(
                    str(job.src),
                    str(job.dst),
                    "failed",
                    "the worker process crashed while labelling this file (twice)",
                ),
            )
        else:
            todo.appendleft((i, by_index[i]))

    while todo and not cancel.cancelled:
        with cf.ProcessPoolExecutor(
            max_workers=min(workers, len(todo)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(event, progress_q),
        ) as pool:
            futures: dict[cf.Future, int] = {}
            broken = False

            # Keep at most 2 jobs per worker queued so a cancel stops new work quickly.
            def submit_more(futures=futures, pool=pool) -> Iterator[object]:
                nonlocal broken
                while len(futures) < workers * 2 and todo and not cancel.cancelled and not broken:
                    i, job = todo.popleft()
                    try:
                        futures[pool.submit(_worker_run, i, job)] = i
                    except BrokenProcessPool:
                        todo.appendleft((i, job))
                        broken = True
                        return
                    if i not in started:
                        started.add(i)
                        yield FileStarted(i, str(job.src))

            yield from submit_more()
            while futures:
                if cancel.cancelled:
                    event.set()
                done_set, _ = cf.wait(futures, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                while True:
                    try:
                        i, frac, detail = progress_q.get_nowait()
                    except (queue.Empty, OSError, EOFError):
                        break
                    yield FileProgressed(i, frac, detail)
                for fut in done_set:
                    i = futures.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        yield from crashed(i)
                        continue
                    except Exception as exc:  # an exception that escaped run_job: report, go on
                        job = by_index[i]
                        res = JobResult(
                            str(job.src), str(job.dst), "failed", f"internal error: {exc}"
                        )
                    yield from finish(i, res)
                if broken:
                    for fut, i in list(futures.items()):
                        futures.pop(fut)
                        yield from crashed(i)
                    break
                yield from submit_more()
    event.set()
    # A killed worker cannot delete its temp files; now that no worker runs, sweep them.
    for folder in crash_dirs:
        for p in folder.glob(".aigclabel-*"):
            if p.name != MANIFEST and _TEMP_RE.match(p.name):
                with contextlib.suppress(OSError):
                    p.unlink()
