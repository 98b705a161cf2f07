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
import ctypes
import dataclasses
import errno
import hashlib
import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import signal
import stat
import struct
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from aigclabel_gui import __version__
from aigclabel_gui.engine.errors import (
    AigcError,
    Cancelled,
    InvalidSettings,
    MissingDependency,
    NoCarrier,
    OutputError,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress
from aigclabel_gui.engine.kinds import ON_EXIST, JobStatus, MediaKind
from aigclabel_gui.engine.naming import (
    check_template,
    inside,
    renamed,
    render_name_noted,
)
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.realtime import demote_realtime_threads
from aigclabel_gui.engine.registry import kind_of, kinds_by_extension, supported_extensions
from aigclabel_gui.engine.report import BatchSummary, write_reports
from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.engine.visible.base import HANDLERS, labeler_for

# The resume journal: one JSON line per finished output, appended and flushed as each file ends,
# so a run killed by SIGKILL/OOM still lets the rerun skip what was done (see Manifest.record for
# when it is fsync'd).
MANIFEST = ".aigclabel-manifest.json"  # JSON lines (name kept from the one-object format)
_TEMP_RE = re.compile(r"^\.aigclabel-[A-Za-z0-9_]{8}(\.[^.]+)?$")  # pipeline's mkstemp names


@dataclass(frozen=True)
class Job:
    src: Path
    dst: Path
    settings: LabelSettings
    notes: tuple[str, ...] = ()  # e.g. characters of the name replaced for other OSes
    kind: str = ""
    skip: str = ""  # not to be labelled, with the reason (e.g. an output of an earlier run)


@dataclass
class JobResult:
    src: str
    dst: str
    status: JobStatus  # OK, SKIPPED, FAILED or CANCELLED (a plain str in JSON and CSV)
    reason: str = ""
    kind: str = ""
    format: str = ""
    labels: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    bytes: int = 0
    out_bytes: int = 0  # size and SHA-256 of the output: the resume journal re-checks them
    out_sha256: str = ""
    # Why it failed, as a stable code (AigcError.code: "corrupt-file", "output-error", …; or
    # "time-limit", "memory-limit", "worker-crashed", "internal-error"): what the GUI translates
    # and `label`'s exit code is chosen by (errors.EXIT_FOR_ERROR), never parsed from `reason`.
    error: str = ""


@dataclass(frozen=True)
class Limits:
    """Per-file limits in pool workers: a stuck or runaway file fails with a reason, the batch
    goes on. `seconds` fixes the time limit for every file (0 = none); otherwise it grows with
    the file's size and kind. `memory_mb` caps a worker's resident memory (0 = none)."""

    seconds: float | None = None
    memory_mb: int | None = None  # None: a share of this machine's RAM
    enabled: bool = True

    # kind -> (base seconds, seconds per MiB). Generous: the limit is there to end a file that
    # never ends, and a busy machine (or a 100-megapixel PNG that compresses to 1 MB) is slow.
    _RATES = {
        MediaKind.IMAGE: (300, 10),
        MediaKind.AUDIO: (300, 5),
        MediaKind.VIDEO: (600, 20),
        MediaKind.TEXT: (300, 5),
    }

    def time_for(self, size: int, kind: str) -> float | None:
        if self.seconds is not None:
            return self.seconds or None
        base, per_mb = self._RATES.get(kind, (300, 10))
        return base + per_mb * size / (1 << 20)

    def memory_bytes(self, workers: int) -> int | None:
        if self.memory_mb is not None:
            return (self.memory_mb << 20) or None
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            return 4 << 30
        # Default: the workers together may use 3/4 of RAM, each at least 2 GiB (4K video), at most 8 GiB.
        return int(min(8 << 30, max(2 << 30, total * 3 // 4 // max(workers, 1))))


NO_LIMITS = Limits(enabled=False)


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
    report_path: str | None  # the first report written (all of them: summary.reports)
    report_error: str = ""  # a report could not be written: an error the summary must show
    summary: BatchSummary | None = None  # counts, failures, exit code: what to show and return

    def __post_init__(self) -> None:
        if self.summary is None:  # built by hand (e.g. a GUI stopped by an error)
            object.__setattr__(
                self, "summary", BatchSummary.of(self.results, cancelled=self.cancelled)
            )


# --- planning ----------------------------------------------------------------------------------
def not_regular_reason(path: Path) -> str | None:
    """Why `path` cannot be an input, or None. FIFOs, devices and sockets block or never end when
    read, so they are refused before anything opens them."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot read {path.name}: {exc.strerror or exc}"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISFIFO(st.st_mode):
        what = "a named pipe (FIFO)"
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        what = "a device"
    elif stat.S_ISSOCK(st.st_mode):
        what = "a socket"
    elif stat.S_ISDIR(st.st_mode):
        what = "a folder"
    else:
        what = "not a regular file"
    return f"{path.name} is {what}, not a regular file; only files can be labelled"


def _kind_safely(src: Path) -> str:
    if not_regular_reason(src):
        return MediaKind.FILE
    try:
        return kind_of(src) or MediaKind.FILE
    except Exception:  # a hostile header must not stop planning: the file's own job reports it
        return MediaKind.FILE


_MEDIA_KINDS = frozenset(MediaKind)


def _planned_kind(src: Path, sniff: bool) -> str:
    """The kind a job is planned with. label_file identifies every file by its bytes anyway, so
    planning only opens a file when the kind names the output ({kind} in the template) or the
    extension does not say it; otherwise the extension's kind is enough for what planning uses
    it for (time limits, which label modules a worker preloads, a failed file's report row)."""
    if not sniff:
        kind = kinds_by_extension().get(src.suffix.lower())
        if kind:
            return kind
    return _kind_safely(src)


def _resolved(path: Path, folders: dict[Path, Path]) -> Path:
    """`path.resolve()`, resolving each folder once: thousands of files share a few folders, and
    resolve() lstat's every component of every path (7 per file made planning 1 s per 1,000)."""
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = path.parent.resolve()
    if path.name in ("", ".", "..") or os.path.islink(path):
        return path.resolve()
    return folder / path.name


def walk_inputs(inputs: list[Path], *, outdir: Path | None = None) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its input root). Folders are walked recursively, sorted; hidden
    files and unknown extensions inside folders are left out (files named explicitly are kept,
    so the user gets a clear message for them). An `outdir` inside an input folder is not
    walked: those are our earlier outputs, not inputs."""
    out_res = outdir.resolve() if outdir is not None else None
    for item in inputs:
        if item.is_dir():
            prune = out_res if out_res is not None and out_res != item.resolve() else None
            for rel, path in sorted(_files_under(item, prune)):
                yield Path(path), Path(*rel)
        else:
            yield item, Path(item.name)


def _files_under(root: Path, prune: Path | None) -> list[tuple[tuple[str, ...], str]]:
    """(relative parts, path) of the files a folder walk takes, as `sorted(root.rglob("*"))`
    filtered would, from os.scandir (its entries know their type: no stat per file, and no
    Path objects for files that are left out; 1,000 files took 0.12 s through rglob).
    Symlinked folders are not entered (as rglob); symlinked files are taken. `prune`: the
    resolved output folder; files whose resolved path lies inside it are left out."""
    exts = supported_extensions()
    found: list[tuple[tuple[str, ...], str]] = []
    root_res = root.resolve()
    stack: list[tuple[str, tuple[str, ...], Path]] = [(os.fspath(root), (), root_res)]
    while stack:
        folder, rel, res = stack.pop()
        inside_out = prune is not None and res.is_relative_to(prune)
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:  # unreadable or gone: rglob skips it too
            continue
        for e in entries:
            name = e.name
            if name.startswith("."):  # hidden files and folders (.git, our temp files): not inputs
                continue
            try:
                if e.is_dir():
                    if not e.is_symlink():
                        stack.append((e.path, (*rel, name), res / name))
                    continue
                dot = name.rfind(".")  # Path.suffix's rule
                if not (0 < dot < len(name) - 1) or name[dot:].lower() not in exts:
                    continue
                if not e.is_file():
                    continue
                if prune is not None:
                    if e.is_symlink():
                        if Path(e.path).resolve().is_relative_to(prune):
                            continue
                    elif inside_out:
                        continue
            except OSError:
                continue
            found.append(((*rel, name), e.path))
    return found


def plan_jobs(
    inputs: list[Path],
    outdir: Path,
    settings: LabelSettings,
    *,
    name_template: str = "{stem}{ext}",
    overrides: dict[Path, LabelSettings] | None = None,
    kinds: dict[Path, str] | None = None,
) -> list[Job]:
    """One job per input file. Output = outdir / relative folder / rendered template.
    Refuses templates that escape `outdir`; an output never equals an input; two inputs that
    would land on one name get `name (2).ext`. Characters another OS forbids are replaced (see
    naming.safe_component) and the job carries a note saying so. `kinds`: media kinds the
    caller already identified (e.g. the GUI's rows), so those files are not sniffed again."""
    check_template(name_template)
    overrides = overrides or {}
    kinds = kinds or {}
    sniff = "{kind}" in name_template  # the output's name depends on what the bytes say
    pairs = list(walk_inputs(inputs, outdir=outdir))
    folders: dict[Path, Path] = {}
    out_res = outdir.resolve()
    resolved = {p: _resolved(p, folders) for p, _ in pairs}
    # An input reached through a symlink is protected under both of its names.
    sources = set(resolved.values()) | {folders[p.parent] / p.name for p, _ in pairs}
    taken: set[Path] = set()
    jobs = []
    # Outputs are not inputs unless named: files an earlier run wrote (its journal says so) inside
    # an input folder are reported as skipped, not labelled again.
    named = {_resolved(p, folders) for p in inputs if not p.is_dir()}
    earlier: dict[Path, Path] = {}
    for item in inputs:
        if item.is_dir():
            for journal in item.rglob(MANIFEST):
                earlier.update(dict.fromkeys(_journal_outputs(journal.parent), journal.parent))
    kept = []
    for src, rel in pairs:
        res = resolved[src]
        if res in earlier and res not in named:
            jobs.append(Job(src, Path(""), settings, (), "", skip=(
                f"an output of an earlier aigclabel run (listed in {earlier[res] / MANIFEST}); "
                "not labelled again (name the file itself to label it)"
            )))  # fmt: skip
        else:
            kept.append((src, rel))
    pairs = kept
    # The output folder inside an input folder is not walked; files in it that no run wrote are
    # inputs the user may expect: each is reported.
    ours = _journal_outputs(outdir)
    for item in inputs:
        if (
            item.is_dir()
            and outdir.resolve() != item.resolve()
            and inside(item, outdir)
            and outdir.is_dir()
        ):
            for p in sorted(outdir.rglob("*")):
                if (
                    p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(outdir).parts)
                    and p.suffix.lower() in supported_extensions()
                    and p.resolve() not in ours
                    and not p.name.startswith("aigclabel-report")
                ):
                    jobs.append(Job(p, Path(""), settings, (), "", skip=(
                        f"inside the output folder {outdir}; not labelled "
                        "(move it out of the output folder to label it)"
                    )))  # fmt: skip
            break
    for src, rel in pairs:
        kind = kinds.get(src)
        if kind not in _MEDIA_KINDS:  # a caller's unknown kind must not name an output
            kind = _planned_kind(src, sniff)
        name, notes = render_name_noted(name_template, src, kind, folder=rel.parent)
        dst = outdir / Path(name)
        dst_res = _resolved(dst, folders)
        if not dst_res.is_relative_to(out_res):
            raise InvalidSettings(f"output {dst} would leave the output folder {outdir}")
        if dst.name == MANIFEST or _TEMP_RE.match(dst.name):
            raise InvalidSettings(
                f"output name {dst.name!r} is reserved for aigclabel's own files",
                advice="change the name template",
            )
        if dst_res in sources:
            raise InvalidSettings(
                f"output {dst} is an input file",
                advice="choose an output folder that is not an input folder",
            )
        if dst in taken:
            dst = renamed(dst, taken)
        taken.add(dst)
        jobs.append(Job(src, dst, overrides.get(src, settings), tuple(notes), kind))
    return jobs


def check_report_path(report: Path, jobs: list[Job], outdir: Path | None = None) -> None:
    """Refuse a report path that would overwrite an input, an output or our journal (a report is
    written last, after every output: a wrong path would destroy a file)."""
    try:  # a NUL byte, a name too long for the file system, not a path at all: a usage error
        report = Path(report)
        if report.is_dir():
            raise InvalidSettings(
                f"the report path {report} is a folder", advice="name a .json or .csv file"
            )
        if report.exists() and not report.is_file():
            raise InvalidSettings(f"the report path {report} is not a regular file")
        target = report.resolve()
    except (TypeError, ValueError, OSError) as exc:
        raise InvalidSettings(
            f"the report path {str(report)!r} cannot be used ({exc})",
            advice="name a .json or .csv file in a folder you can write",
        ) from exc
    folders: dict[Path, Path] = {}
    for job in jobs:
        # Resolving only the paths that can be the report: the same name, or a symlink (whose
        # target may have it). Two resolves per job and report were most of this check's cost.
        if job.src.name != target.name and not os.path.islink(job.src):
            if job.skip or (job.dst.name != target.name and not os.path.islink(job.dst)):
                continue
        if target == _resolved(job.src, folders):
            raise InvalidSettings(
                f"the report {report} would overwrite the input {job.src}",
                advice="name a report file that is not one of the inputs",
            )
        if not job.skip and target == _resolved(job.dst, folders):
            raise InvalidSettings(
                f"the report {report} would overwrite the output {job.dst}",
                advice="name a report file that is not one of the outputs",
            )
    if target.name == MANIFEST or _TEMP_RE.match(target.name):
        raise InvalidSettings(f"the report {report} would overwrite aigclabel's resume journal")


def _journal_outputs(folder: Path) -> set[Path]:
    """Files an earlier run wrote into `folder` (per its journal) that are still the same size."""
    if not (folder / MANIFEST).is_file():
        return set()
    found = set()
    for entry in Manifest(folder).entries.values():
        p = folder / entry["dst"]
        try:
            if entry.get("size") in (None, p.stat().st_size):
                found.add(p.resolve())
        except OSError:
            continue
    return found


# --- resume ------------------------------------------------------------------------------------
def _settings_blob(settings: LabelSettings) -> bytes:
    return json.dumps(settings.to_dict(), sort_keys=True, ensure_ascii=False).encode()


class _Changed(OSError):
    """The source changed (size or mtime) since the batch first looked at it."""


def fingerprint(
    src: Path,
    settings: LabelSettings,
    *,
    settings_blob: bytes | None = None,
    expect: tuple[int, int] | None = None,
) -> str:
    """Source identity (size, mtime, head and tail bytes) + settings + version: cheap even for
    long videos, and any change to the input or the settings invalidates it. `settings_blob`:
    `_settings_blob(settings)` computed once for the many jobs that share one settings object.
    `expect`: (size, mtime_ns) seen before labelling; raises _Changed (an OSError) if the file
    no longer has them."""
    h = hashlib.sha256()
    st = src.stat()
    if expect is not None and (st.st_size, st.st_mtime_ns) != expect:
        raise _Changed(src)
    h.update(f"{st.st_size}:{st.st_mtime_ns}:{__version__}".encode())
    # Head and tail bytes: 1 MiB each of a large file; 64 KiB each of a small one, where hashing
    # all of it cost more than labelling it (issue 11, fixed costs). An edit that keeps size and
    # mtime (exiftool -P) changes the metadata, which sits in the head or the tail.
    part = 1 << 20 if st.st_size > SMALL_FILE else 64 << 10
    with open(src, "rb") as f:
        h.update(f.read(part))
        if st.st_size > 2 * part:
            f.seek(-part, os.SEEK_END)
            h.update(f.read())
        elif st.st_size > part:
            h.update(f.read())
    h.update(settings_blob if settings_blob is not None else _settings_blob(settings))
    return h.hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Manifest:
    """The resume journal in the output folder: per output (relative path) the fingerprint of
    what produced it and the output's size and SHA-256. Appended and flushed as each file ends
    (a killed run keeps what it finished), fsync'd in groups, compacted at the end of a run.

    Why grouped fsyncs are safe: a process crash (SIGKILL, OOM) loses nothing that was flushed
    to the kernel; only a power cut or kernel crash can lose the lines written since the last
    fsync (an fsync follows every FSYNC_EVERY entries, the first entry FSYNC_EVERY_S seconds after
    the last fsync, and the end of the run, cancelled or not). Those files are then simply
    labelled again on the rerun. A line can never make a rerun skip a bad output either: every
    entry is re-checked against the output's size and SHA-256 before it is trusted (`check`).
    One fsync per small file cost more than labelling it (issue 11, fixed costs)."""

    FSYNC_EVERY = 64  # entries
    FSYNC_EVERY_S = 0.5  # seconds

    def __init__(self, outdir: Path):
        self.path = outdir / MANIFEST
        self.outdir = outdir
        self.entries: dict[str, dict] = {}
        self._fh = None
        self._unsynced = 0
        self._synced_at = time.monotonic()
        self._syncer: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = False
        # A FIFO or device under the journal's name would block the run on open(): not ours to
        # read or write; the run goes on without resume.
        self._usable = self.path.is_file() or not os.path.lexists(self.path)
        if not self._usable:
            return
        try:
            # surrogateescape: output names that are not UTF-8 on disk round-trip exactly
            text = self.path.read_text("utf-8", errors="surrogateescape")
        except (OSError, UnicodeDecodeError):
            return
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill: that file is simply redone
            if isinstance(entry, dict) and isinstance(entry.get("dst"), str):
                self.entries[entry["dst"]] = entry
        if not self.entries:
            # The one-object format of earlier versions ({dst: fingerprint}): known outputs, with
            # no size or hash to verify, so they are relabelled once.
            with contextlib.suppress(ValueError):
                old = json.loads(text)
                if isinstance(old, dict):
                    for k, v in old.items():
                        if isinstance(k, str) and isinstance(v, str):
                            self.entries[k] = {"dst": k, "fp": v, "size": None, "sha256": ""}

    def _key(self, dst: Path) -> str:
        if dst.parent == self.outdir:  # most outputs: no relpath (0.05 ms each)
            return dst.name
        return os.path.relpath(dst, self.outdir)

    def check(self, dst: Path, fp: str) -> tuple[bool, str]:
        """(still valid, note). A journalled output that is gone or changed is redone, and said so."""
        entry = self.entries.get(self._key(dst))
        if entry is None or entry.get("fp") != fp:
            return False, ""
        try:
            size = dst.stat().st_size
            same = size == entry.get("size") and file_sha256(dst) == entry.get("sha256")
        except OSError:
            return False, "the output of an earlier run is gone; labelled again"
        if not same:
            return False, "the output was changed after an earlier run; labelled again"
        return True, ""

    def matches(self, dst: Path, fp: str) -> bool:
        return self.check(dst, fp)[0]

    def record(self, dst: Path, fp: str, size: int = 0, sha256: str = "") -> None:
        entry = {"dst": self._key(dst), "fp": fp, "size": size, "sha256": sha256}
        self.entries[entry["dst"]] = entry
        if not self._usable:
            return
        try:
            if self._fh is None:
                self._fh = open(self.path, "a", encoding="utf-8", errors="surrogateescape")  # noqa: SIM115 (kept open for the run)
            self._fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._fh.flush()  # in the kernel now: survives a kill of this process
            self._unsynced += 1
            if (
                self._unsynced >= self.FSYNC_EVERY
                or time.monotonic() - self._synced_at >= self.FSYNC_EVERY_S
            ):
                self._sync_soon()
        except OSError:
            pass  # a read-only or full output folder already fails its jobs with a clear reason

    def _sync_soon(self) -> None:
        """A group fsync on a thread of its own: it takes ~15 ms on this disk, which the batch
        spent waiting every 0.5 s (the lines are in the kernel already; save() syncs at the end)."""
        self._unsynced = 0
        self._synced_at = time.monotonic()
        if self._syncer is None:
            self._syncer = threading.Thread(
                target=self._sync_loop, name="aigclabel-journal-sync", daemon=True
            )
            self._syncer.start()
        self._wake.set()

    def _sync_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            fh = self._fh
            if self._stop or fh is None:
                return
            with contextlib.suppress(OSError, ValueError):
                os.fsync(fh.fileno())

    def sync(self) -> None:
        """fsync the lines appended so far (also called by save() at the end of a run)."""
        if self._fh is not None and self._unsynced:
            with contextlib.suppress(OSError):
                os.fsync(self._fh.fileno())
        self._unsynced = 0
        self._synced_at = time.monotonic()

    def save(self) -> None:
        """Compact the journal to one line per output (atomically)."""
        if self._syncer is not None:
            self._stop = True
            self._wake.set()
            self._syncer.join()
            self._syncer, self._stop = None, False
        if self._fh is not None:
            self._unsynced += 1  # whatever the thread did: one last fsync before closing
            self.sync()
            with contextlib.suppress(OSError):
                self._fh.close()
            self._fh = None
        if not self.entries or not self._usable:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
                for entry in self.entries.values():
                    f.write(json.dumps(entry, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def sweep_temps(folders) -> int:
    """Delete temp files a killed run left behind (pipeline's `.aigclabel-XXXXXXXX.ext`)."""
    n = 0
    for folder in folders:
        try:
            entries = list(Path(folder).iterdir())
        except OSError:
            continue
        for p in entries:
            if p.name != MANIFEST and _TEMP_RE.match(p.name):
                with contextlib.suppress(OSError):
                    p.unlink()
                    n += 1
    return n


# --- running -----------------------------------------------------------------------------------
_worker_cancel: CancelToken | None = None
_worker_progress = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent_pid: int | None) -> None:
    """A worker must not outlive a parent killed by SIGKILL or the OOM killer. Linux: the kernel
    sends SIGKILL when the parent dies (PR_SET_PDEATHSIG; note it fires when the *thread* that
    started the worker ends, which is the thread iterating run_batch). Everywhere (Windows and
    macOS too): a thread that exits once the parent's process sentinel fires or its pid changes."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent_pid is None:
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    parent = mp.parent_process()  # its sentinel becomes ready when the parent process ends

    def watch() -> None:
        while True:
            if parent is not None:
                parent.join(1.0)
                if not parent.is_alive():
                    os._exit(1)
            else:
                time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="aigclabel-parent-watch", daemon=True).start()


def _init_worker(
    cancel_event,
    progress_queue,
    parent_pid: int | None = None,
    kinds: tuple[str, ...] = (),
    state=None,
    hashes: bool = True,
) -> None:
    # The parent owns Ctrl-C: workers ignore SIGINT and end through the shared cancel event.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    demote_realtime_threads()  # never inherit real-time scheduling (see realtime.py)
    # Import the labelling code for the batch's media kinds now (about 0.4 s each), so a file's
    # time limit measures its own work, not the worker's first imports.
    for kind in kinds:
        with contextlib.suppress(Exception):
            labeler_for(kind)
    global _worker_cancel, _worker_progress, _worker_state, _worker_hashes
    _worker_cancel = CancelToken(cancel_event)
    _worker_progress = progress_queue
    _worker_state = state
    _worker_hashes = hashes


# Per job index, in memory shared with the workers (written before a file starts and after it
# ends, so unlike a queue message it cannot be lost when the worker dies): which files of a
# crashed task were running, which had ended and which had not started (see _run_pool).
_QUEUED, _RUNNING, _ENDED = 0, 1, 2
_worker_state = None
_worker_hashes = True  # False: the parent hashes the outputs (it has a core to spare)


def _worker_run(index: int, job: Job) -> JobResult:
    if _worker_cancel is not None and _worker_cancel.cancelled:  # queued before the cancel
        return JobResult(
            str(job.src), str(job.dst), JobStatus.CANCELLED, "cancelled before it started"
        )
    if _worker_state is not None:
        _worker_state[index] = _RUNNING
    if _worker_progress is not None:
        # Tells the parent which process runs this job and since when (time and memory limits).
        with contextlib.suppress(Exception):
            _worker_progress.put_nowait((index, None, os.getpid()))

    def progress(p: FileProgress) -> None:
        if _worker_progress is not None:
            try:
                _worker_progress.put_nowait((index, p.fraction, p.detail))
            except Exception:
                pass

    try:
        return run_job(job, _worker_cancel, progress, hash_output=_worker_hashes)
    finally:
        if _worker_state is not None:
            _worker_state[index] = _ENDED


def _worker_run_chunk(items: list[tuple[int, Job]]) -> list[JobResult]:
    """Several small files in one task: a round trip to the worker costs about what labelling a
    small file does (issue 11, fixed costs). Each file still reports its own start, so its time
    and memory limits are its own, and checks the cancel event before it starts."""
    return [_worker_run(i, job) for i, job in items]


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


# Errors only malformed input raises in the readers we use (zip, zlib, struct, text decoding).
_DAMAGE_ERRORS = (zlib.error, zipfile.BadZipFile, struct.error, UnicodeDecodeError, EOFError)
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM} | (
    {errno.EDQUOT} if hasattr(errno, "EDQUOT") else set()
)
_TEMP_IN_TEXT = re.compile(r"(?:[^\s'\"]*/)?\.aigclabel-[A-Za-z0-9_]{8}(?:\.[A-Za-z0-9]+)?")


def _output_blame(exc: BaseException, job: Job) -> str | None:
    """A disk-full or permission error while writing is the output folder's fault, not the input
    file's: some readers wrap it in "the file is damaged". Find it in the exception chain."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _OUTPUT_ERRNOS:
            if e.filename and Path(str(e.filename)) == job.src:
                return None  # the input cannot be read: that is the input's problem
            break
        e = e.__cause__ or e.__context__
    else:
        e = None
    folder = job.dst.parent
    if e is None:
        # No errno to go by: a full or read-only output folder still explains a failed write.
        try:
            full = shutil.disk_usage(folder).free == 0
        except OSError:
            full = False
        if full:
            code = errno.ENOSPC
        elif folder.is_dir() and not os.access(folder, os.W_OK):
            code = errno.EACCES
        else:
            return None
    else:
        code = e.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return f"{job.dst.name}: the output folder {folder} is full (free some space there, then run again)"
    if code == errno.EROFS:
        return f"{job.dst.name}: the output folder {folder} is on a read-only file system (choose another output folder)"
    return f"{job.dst.name}: the output folder {folder} is not writable (permission denied; choose another output folder or fix its permissions)"


def _unexpected(job: Job, exc: BaseException) -> str:
    return (
        f"{job.src.name}: could not be processed (unexpected {type(exc).__name__}: {exc}); the "
        "file is probably damaged: re-export it from its source, and report it if it opens elsewhere"
    )


def run_job(
    job: Job, cancel: CancelToken | None = None, progress=None, *, hash_output: bool = True
) -> JobResult:
    """Label one file. Never raises: every failure becomes this file's one-line reason. A plain
    top-level function over picklable values, so any executor (process pool, Ray, a thread) can
    run it. `hash_output` False: out_sha256 is left for the caller (the pool's parent hashes the
    output when it has a core to spare; see _PoolSetup)."""
    t0 = time.perf_counter()
    res = JobResult(src=str(job.src), dst=str(job.dst), status=JobStatus.OK, kind=job.kind)
    try:
        res.bytes = job.src.stat().st_size
    except OSError:
        pass
    if problem := not_regular_reason(job.src):
        res.status, res.reason, res.error = JobStatus.FAILED, problem, "unreadable-input"
        res.warnings = list(job.notes)
        return res
    try:
        job.dst.parent.mkdir(parents=True, exist_ok=True)
        check_free_space(job)
        out = label_file(job.src, job.dst, job.settings, cancel=cancel, progress=progress)
    except NoCarrier as exc:
        res.status, res.reason = JobStatus.SKIPPED, str(exc)
    except Cancelled:
        res.status, res.reason = JobStatus.CANCELLED, "cancelled"
    except AigcError as exc:
        blame = _output_blame(exc, job)
        res.status, res.reason = JobStatus.FAILED, blame or str(exc)
        res.error = "output-error" if blame else exc.code
    except OSError as exc:
        blame = _output_blame(exc, job)
        res.status, res.error = JobStatus.FAILED, "output-error" if blame else "unreadable-input"
        res.reason = blame or f"{exc.filename or job.src}: {exc.strerror or exc}"
    except MemoryError:
        res.status, res.error, res.reason = (
            JobStatus.FAILED,
            "corrupt-file",
            (
                f"{job.src.name}: reading it needs more memory than is available "
                "(a damaged or hostile file; if it is genuine, label it alone)"
            ),
        )
    except RecursionError:
        res.status, res.error, res.reason = (
            JobStatus.FAILED,
            "corrupt-file",
            (
                f"{job.src.name}: its structure is nested too deeply to read "
                "(the file is damaged or crafted; re-export it from its source)"
            ),
        )
    except ImportError as exc:  # a library this format needs (pillow-heif, soundfile…)
        res.status, res.error, res.reason = (
            JobStatus.FAILED,
            "missing-dependency",
            (
                f"{job.src.name}: {exc.name or exc} is not installed here "
                f"({MissingDependency.advice})"
            ),
        )
    except (*_DAMAGE_ERRORS, RuntimeError) as exc:  # a decoder choking on bytes it cannot read
        if isinstance(exc, RuntimeError) and "decod" not in str(exc).lower():
            res.status, res.reason, res.error = (
                JobStatus.FAILED,
                _unexpected(job, exc),
                "internal-error",
            )
        else:
            res.status, res.error, res.reason = (
                JobStatus.FAILED,
                "corrupt-file",
                (
                    f"{job.src.name}: the file is damaged or truncated ({type(exc).__name__}: {exc}); "
                    "re-export it from its source"
                ),
            )
    except Exception as exc:  # one bad file must never stop the batch
        res.status, res.reason, res.error = (
            JobStatus.FAILED,
            _unexpected(job, exc),
            "internal-error",
        )
    else:
        res.kind, res.format, res.warnings = out.kind, out.format, out.warnings
        if out.record is not None:
            res.labels.append("implicit: " + out.record.to_json())
        if out.explicit is not None:
            res.labels.append("explicit: " + out.explicit.summary)
        try:
            res.out_bytes = job.dst.stat().st_size
            if hash_output:
                res.out_sha256 = file_sha256(job.dst)
        except OSError:
            pass
    # Our temp file names mean nothing to the user: name the output instead.
    res.reason = _TEMP_IN_TEXT.sub(job.dst.name, res.reason)
    res.warnings = list(job.notes) + list(res.warnings)
    res.seconds = time.perf_counter() - t0
    return res


def _blob(settings: LabelSettings, blobs: dict[int, bytes] | None) -> bytes | None:
    if blobs is None:
        return None
    blob = blobs.get(id(settings))  # one settings object is shared by every job of a batch
    if blob is None:
        blob = blobs[id(settings)] = _settings_blob(settings)
    return blob


def _pre_resolve(
    job: Job,
    on_exist: str,
    manifest: Manifest,
    taken: set[Path],
    resume: bool = True,
    blobs: dict[int, bytes] | None = None,
    deferred: dict[int, tuple[int, int]] | None = None,
    index: int = 0,
) -> tuple[Job, JobResult | None, str, str]:
    """Apply resume and the on-exist policy before running. Returns (job, result-if-skipped, fp,
    note). `resume` False: an output labelled before with the same settings is done again."""
    if problem := not_regular_reason(job.src):  # fingerprinting a FIFO would block forever
        return (
            job,
            JobResult(
                str(job.src), str(job.dst), JobStatus.FAILED, problem, error="unreadable-input"
            ),
            "",
            "",
        )
    try:
        if deferred is not None and not (resume and manifest._key(job.dst) in manifest.entries):
            # No journal line to check against: the fingerprint is only needed to record the
            # output, so it is taken when the file ends (off the path to the first job; see
            # run_batch.finish), from a source that must still have this size and mtime.
            st = job.src.stat()
            deferred[index] = (st.st_size, st.st_mtime_ns)
            fp = ""
        else:
            fp = fingerprint(job.src, job.settings, settings_blob=_blob(job.settings, blobs))
    except OSError as exc:
        return (
            job,
            JobResult(
                str(job.src),
                str(job.dst),
                JobStatus.FAILED,
                f"cannot read: {exc.strerror or exc}",
                error="unreadable-input",
            ),
            "",
            "",
        )
    try:
        valid, note = manifest.check(job.dst, fp) if resume else (False, "")
    except OSError:
        valid, note = False, ""
    if valid:
        return (
            job,
            JobResult(
                str(job.src),
                str(job.dst),
                JobStatus.SKIPPED,
                "already labelled with these settings (resume; output verified)",
            ),
            fp,
            "",
        )
    try:
        exists = job.dst.exists()
    except OSError:
        exists = False
    if exists and not note:
        if on_exist == "skip":
            return (
                job,
                JobResult(
                    str(job.src), str(job.dst), JobStatus.SKIPPED, "output exists (--on-exist skip)"
                ),
                fp,
                "",
            )
        if on_exist == "rename":
            job = dataclasses.replace(job, dst=renamed(job.dst, taken))
    taken.add(job.dst)
    return job, None, fp, note


def run_batch(
    jobs: list[Job],
    *,
    workers: int = 0,
    cancel: CancelToken | None = None,
    report_path: Path | None = None,
    report_paths: list[Path] | tuple[Path, ...] = (),
    on_exist: str = "overwrite",
    outdir: Path | None = None,
    limits: Limits | None = None,
    resume: bool = True,
    executor=None,
) -> Iterator[object]:
    """Run jobs, yielding BatchStarted, FileStarted, FileProgressed, FileFinished, BatchProgress
    and finally BatchFinished. `workers` 0 = CPU count. With limits on (the default) every file
    runs in a worker process under a time and memory limit; `limits=NO_LIMITS` with `workers=1`
    runs in this process. `resume` False: files labelled before with the same settings are done
    again (the user asked to overwrite). `executor(pending, cancel, finish)` (e.g.
    engine.cluster.RayExecutor) runs the pending (index, Job) pairs elsewhere instead of the
    local pool, yielding the same events. Every path in `report_paths` (and `report_path`)
    gets the run report, JSON or CSV by its extension; `BatchFinished.summary` says which were
    written and counts the results (the one BatchSummary the CLI and the GUI show)."""
    if on_exist not in ON_EXIST:
        raise InvalidSettings(f"on-exist policy {on_exist!r}: use skip, overwrite or rename")
    if not isinstance(workers, int) or workers < 0:
        raise InvalidSettings(f"workers {workers!r}: use 0 (one per CPU) or a positive number")
    limits = limits or Limits()
    cancel = cancel or CancelToken()
    workers = workers or os.cpu_count() or 1
    active = [j for j in jobs if not j.skip]
    if outdir is None and active:
        outdir = Path(os.path.commonpath([str(j.dst.parent) for j in active]))
    reports = [*([report_path] if report_path is not None else []), *report_paths]
    for report in reports:  # never let a report overwrite an input or an output
        check_report_path(report, jobs, outdir)
    manifest = Manifest(outdir) if outdir else None
    # Temp files of a killed earlier run (SIGKILL, power loss) are never valid outputs.
    sweep_temps({j.dst.parent for j in active} | ({outdir} if outdir else set()))
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
    deferred: dict[int, tuple[int, int]] = {}  # index -> (size, mtime_ns): fingerprint at the end
    blobs: dict[int, bytes] = {}  # id(settings) -> its JSON (the jobs keep the objects alive)
    notes: dict[int, str] = {}
    bytes_done = 0
    done = 0
    taken: set[Path] = set()

    def finish(i: int, res: JobResult) -> Iterator[object]:
        nonlocal bytes_done, done
        if notes.get(i):
            res.warnings.insert(0, notes[i])
        results[i] = res
        done += 1
        bytes_done += sizes[i]
        if res.status == JobStatus.OK and manifest and i in deferred:
            job = jobs[i]
            with contextlib.suppress(OSError):  # changed or gone meanwhile: not journalled
                fps[i] = fingerprint(
                    job.src, job.settings, settings_blob=_blob(job.settings, blobs),
                    expect=deferred[i],
                )  # fmt: skip
        if res.status == JobStatus.OK and manifest and fps.get(i):
            manifest.record(Path(res.dst), fps[i], res.out_bytes, res.out_sha256)
        yield FileFinished(i, res)
        elapsed = time.perf_counter() - t0
        eta = (
            (elapsed / bytes_done * (total_bytes - bytes_done))
            if bytes_done and total_bytes
            else None
        )
        yield BatchProgress(done, len(jobs), bytes_done, total_bytes, elapsed, eta)

    setup = None
    if executor is None and (workers > 1 or limits.enabled) and active:
        # Start the pool's workers now: they come up while the jobs are fingerprinted below.
        setup = _PoolSetup.create(jobs, workers, start=True)
    pending: list[tuple[int, Job]] = []
    try:
        for i, job in enumerate(jobs):
            if job.skip:
                skipped, fp, note = JobResult(str(job.src), "", JobStatus.SKIPPED, job.skip), "", ""
            elif manifest:
                job, skipped, fp, note = _pre_resolve(
                    job, on_exist, manifest, taken, resume, blobs, deferred, i
                )
            else:
                skipped, fp, note = None, "", ""
            fps[i] = fp
            notes[i] = note
            if skipped is not None:
                yield from finish(i, skipped)
            else:
                pending.append((i, job))
    except BaseException:
        if setup is not None:
            setup.close()
        raise

    try:
        if executor is not None:
            yield from executor(pending, cancel, finish)
        elif workers == 1 and not limits.enabled:
            yield from _run_in_process(pending, cancel, finish)
        elif pending:
            caps = (limits, sizes)
            yield from _run_pool(pending, workers, cancel, finish, caps, setup)
    finally:
        if setup is not None:
            setup.close()
        for i, job in enumerate(jobs):
            if results[i] is None:
                results[i] = JobResult(
                    str(job.src), str(job.dst), JobStatus.CANCELLED, "cancelled before it started"
                )
        if manifest:
            manifest.save()
        final = [r for r in results if r is not None]
        summary = BatchSummary.of(
            final, cancelled=cancel.cancelled, elapsed_s=time.perf_counter() - t0
        )
        summary = write_reports(final, reports, summary)
    written = summary.reports[0] if summary.reports else None
    report_error = "; ".join(summary.errors)
    yield BatchFinished(final, cancel.cancelled, written, report_error, summary)


def _run_in_process(pending, cancel, finish) -> Iterator[object]:
    """One job at a time on one worker thread of this process (a thread per job cost more than a
    small file's labelling), its progress relayed as events as it comes."""
    events: queue.Queue = queue.Queue()
    todo: queue.Queue = queue.Queue()

    def work() -> None:
        while (item := todo.get()) is not None:
            i, job = item

            def sink(p: FileProgress, i=i) -> None:
                events.put(FileProgressed(i, p.fraction, p.detail))

            res = None
            try:
                res = run_job(job, cancel, sink)
            except Exception as exc:  # run_job reports every failure; this is a last resort
                res = JobResult(
                    str(job.src),
                    str(job.dst),
                    JobStatus.FAILED,
                    _unexpected(job, exc),
                    error="internal-error",
                )
            finally:
                events.put(_JobDone(i, res))

    th = threading.Thread(target=work, name="aigclabel-job", daemon=True)
    th.start()
    try:
        for i, job in pending:
            if cancel.cancelled:
                break
            yield FileStarted(i, str(job.src))
            todo.put((i, job))
            while not isinstance(ev := events.get(), _JobDone):
                yield ev
            yield from finish(i, ev.result)
    finally:
        todo.put(None)  # the thread ends after its current job (if the caller stopped early)


@dataclass(frozen=True)
class _JobDone:
    index: int
    result: JobResult | None


def _rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


# Files smaller than this go to a worker in groups of up to CHUNK_FILES per task (see
# _worker_run_chunk); larger ones, whose labelling outweighs the round trip, one per task.
SMALL_FILE = 2 << 20
CHUNK_FILES = 16


@dataclass
class _PoolSetup:
    """What every pool of one run shares (cancel event, progress queue, the per-file state), and
    the first pool, started before the jobs are fingerprinted so that its workers' start-up
    (a fresh interpreter + imports, ~0.15 s) overlaps the parent's planning."""

    ctx: object
    event: object
    progress_q: object
    state: object  # RawArray("b", number of jobs): _QUEUED / _RUNNING / _ENDED per job index
    kinds: tuple[str, ...]
    workers: int
    first: cf.ProcessPoolExecutor | None = None
    # Fewer workers than cores: the parent, mostly waiting, hashes each output for the journal
    # (0.2 ms for a 232 KB JPEG) so the one busy worker does not.
    parent_hashes: bool = False

    @classmethod
    def create(cls, jobs: list[Job], workers: int, *, start: bool) -> _PoolSetup:
        # spawn, not fork: PyAV/FFmpeg threads and a Qt parent do not survive fork.
        ctx = mp.get_context("spawn")
        active = [j for j in jobs if not j.skip]
        # Label modules the workers preload (0.4 s each): only for jobs that draw an explicit label.
        kinds = tuple(
            sorted({j.kind for j in active if j.kind in HANDLERS and not j.settings.implicit_only})
        )
        setup = cls(
            ctx,
            ctx.Event(),
            ctx.Queue(),
            ctx.RawArray("b", max(1, len(jobs))),
            kinds,
            max(1, min(workers, len(active))),
        )
        setup.parent_hashes = setup.workers < (os.cpu_count() or 1)
        if start and active:
            setup.first = setup.pool(setup.workers)
            for _ in range(setup.workers):  # each submit starts one worker (spawn: on demand)
                setup.first.submit(os.getpid)
        return setup

    def pool(self, workers: int) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self.ctx,
            initializer=_init_worker,
            initargs=(
                self.event,
                self.progress_q,
                os.getpid(),
                self.kinds,
                self.state,
                not self.parent_hashes,
            ),
        )

    def close(self) -> None:
        if self.first is not None:
            self.first.shutdown(wait=False, cancel_futures=True)
            self.first = None


def _run_pool(pending, workers, cancel, finish, caps=None, setup=None) -> Iterator[object]:
    """Run jobs in a spawn pool. A worker that dies (segfault in a codec, OOM kill) breaks the whole
    pool: the jobs that were running go back to the queue once, a fresh pool takes over, and a job
    running during two crashes is reported as failed. Small files travel in groups (one task);
    when a group's worker dies, only the file it was running counts the crash: the group's other
    unfinished files go back to the queue uncounted, each alone, so an innocent file is never
    blamed for its neighbour. A job past its time or memory limit has its worker killed and fails
    with that reason. The batch always goes on."""
    limits, sizes = caps if caps else (NO_LIMITS, None)
    if setup is None:
        jobs = [Job(Path(), Path(), LabelSettings(), skip="-")] * (max(i for i, _ in pending) + 1)
        for i, job in pending:
            jobs[i] = job
        setup = _PoolSetup.create(jobs, workers, start=False)
    event, progress_q, state = setup.event, setup.progress_q, setup.state
    todo = collections.deque(pending)
    by_index = dict(pending)
    crashes: dict[int, int] = {}
    requeues: dict[int, int] = {}
    alone: set[int] = set()  # back from a crashed group: runs as a task of its own
    started: set[int] = set()
    crash_dirs: set[Path] = set()
    finished: set[int] = set()
    running: dict[int, tuple[int, float]] = {}  # index -> (worker pid, monotonic start)
    killed: dict[int, str] = {}  # index -> why we killed its worker
    workers = max(1, min(workers, len(pending)))
    mem_cap = limits.memory_bytes(workers) if limits.enabled else None
    small = sum(1 for i, _ in pending if sizes is not None and sizes[i] < SMALL_FILE)
    # Enough groups to keep every worker busy to the end; none in a small batch, where the round
    # trips cost little and one file per task keeps a cancel's look-ahead at two files a worker.
    chunk = max(1, min(CHUNK_FILES, small // (workers * 8))) if sizes is not None else 1

    def size(i: int) -> int:
        return sizes[i] if sizes is not None else 0

    def done(i: int, res: JobResult) -> Iterator[object]:
        finished.add(i)
        running.pop(i, None)
        if setup.parent_hashes and res.status == JobStatus.OK and not res.out_sha256:
            with contextlib.suppress(OSError):
                res.out_sha256 = file_sha256(Path(res.dst))
        if i not in started:
            started.add(i)
            yield FileStarted(i, str(by_index[i].src))
        yield from finish(i, res)
        if cancel.cancelled:  # cancelled by whoever reads the events: tell the workers now, so
            event.set()  # the rest of a group does not start while its results are reported

    def crashed(i: int, counted: bool) -> Iterator[object]:
        crash_dirs.add(by_index[i].dst.parent)
        running.pop(i, None)
        job = by_index[i]
        if i in killed:
            why = killed.pop(i)
            code = "time-limit" if "time limit" in why else "memory-limit"
            yield from done(
                i,
                JobResult(
                    str(job.src), str(job.dst), JobStatus.FAILED, why, kind=job.kind, error=code
                ),
            )
            return
        if counted:
            crashes[i] = crashes.get(i, 0) + 1
        requeues[i] = requeues.get(i, 0) + 1
        # Uncounted requeues are bounded too: a worker that dies before the shared state says
        # which file it ran must not loop forever.
        if crashes.get(i, 0) >= 2 or requeues[i] >= 6:
            yield from done(
                i,
                JobResult(
                    str(job.src),
                    str(job.dst),
                    JobStatus.FAILED,
                    "the worker process crashed while labelling this file (twice)",
                    error="worker-crashed",
                ),
            )
        else:
            state[i] = _QUEUED
            todo.appendleft((i, job))

    def crashed_group(group: list[int], ours: bool) -> Iterator[object]:
        # Back to the front of the queue in their order; only a file that was running when the
        # worker died counts the crash (and none when the worker died by our own limits).
        for i in reversed(group):
            if i in finished:
                continue
            if len(group) > 1:
                alone.add(i)
            yield from crashed(i, counted=not ours and state[i] == _RUNNING)

    def enforce_limits() -> None:
        now = time.monotonic()
        for i, (pid, since) in list(running.items()):
            if state[i] == _ENDED:  # ended in a group whose other files still run
                running.pop(i, None)
                continue
            if i in killed:
                continue
            job = by_index[i]
            limit = limits.time_for(size(i), job.kind) if limits.enabled else None
            why = None
            if limit is not None and now - since > limit:
                why = (
                    f"{job.src.name}: stopped after {limit:.0f} s, the time limit for this file "
                    "(a damaged or crafted file can make a reader loop; if it is genuine, "
                    "raise the limit with --time-limit)"
                )
            elif mem_cap is not None and (rss := _rss_bytes(pid)) is not None and rss > mem_cap:
                why = (
                    f"{job.src.name}: stopped when it used more than {mem_cap >> 20} MiB of memory, "
                    "the limit per file (a damaged or crafted file; if it is genuine, raise the "
                    "limit with --memory-limit)"
                )
            if why:
                killed[i] = why
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)

    while todo and not cancel.cancelled:
        first, setup.first = setup.first, None
        with first or setup.pool(min(workers, len(todo))) as pool:
            futures: dict[cf.Future, list[int]] = {}
            broken = False

            # Keep at most 2 tasks per worker queued so a cancel stops new work quickly (a queued
            # job returns "cancelled" unstarted: _worker_run checks the event first), and so the
            # next task's hand-over overlaps this one's work.
            depth = workers * 2

            def submit_more(futures=futures, pool=pool, depth=depth) -> Iterator[object]:
                nonlocal broken
                while len(futures) < depth and todo and not cancel.cancelled and not broken:
                    i, job = todo.popleft()
                    items = [(i, job)]
                    if chunk > 1 and i not in alone and size(i) < SMALL_FILE:
                        while (
                            len(items) < chunk
                            and todo
                            and todo[0][0] not in alone
                            and size(todo[0][0]) < SMALL_FILE
                        ):
                            items.append(todo.popleft())
                    try:
                        if len(items) == 1:
                            fut = pool.submit(_worker_run, i, job)
                        else:
                            fut = pool.submit(_worker_run_chunk, items)
                    except BrokenProcessPool:
                        todo.extendleft(reversed(items))
                        broken = True
                        return
                    futures[fut] = [k for k, _ in items]
                    # A group's files are announced as each starts (or at the latest as it ends).
                    if len(items) == 1 and i not in started:
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
                    except (queue.Empty, OSError, EOFError, ValueError):
                        break
                    if frac is None:
                        if i not in finished:
                            running[i] = (int(detail), time.monotonic())
                            if i not in started:
                                started.add(i)
                                yield FileStarted(i, str(by_index[i].src))
                        continue
                    yield FileProgressed(i, frac, detail)
                enforce_limits()
                lost: list[list[int]] = []
                for fut in done_set:
                    group = futures.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        lost.append(group)
                        continue
                    except Exception as exc:  # an exception that escaped run_job: report, go on
                        res = [
                            JobResult(
                                str(by_index[i].src),
                                str(by_index[i].dst),
                                JobStatus.FAILED,
                                f"internal error: {exc}",
                                error="internal-error",
                            )
                            for i in group
                        ]
                    for i, r in zip(group, res if isinstance(res, list) else [res], strict=True):
                        killed.pop(i, None)  # finished just before the kill: its result stands
                        yield from done(i, r)
                if broken:
                    # A kill by our own limits is not a crash of the other jobs in flight.
                    ours = bool(killed)
                    lost += list(futures.values())
                    futures.clear()
                    for group in lost:
                        yield from crashed_group(group, ours)
                    break
                yield from submit_more()
    setup.close()
    event.set()
    # A killed worker cannot delete its temp files; now that no worker runs, sweep them.
    sweep_temps(crash_dirs)
