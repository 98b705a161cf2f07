"""Run a batch's jobs as Ray tasks on a cluster: `aigclabel label … --executor ray[=ADDRESS]`.

The driver (this process) keeps everything the local pool's parent keeps: planning, progress, the
resume manifest, cancellation and the report. Each file is one Ray task running `batch.run_job` on
whichever node has a free CPU; inputs and outputs must be on a file system every node sees.
`label_file` writes a temp file next to the output, verifies it and renames it: the rename is the
commit, so a task that dies or is cancelled leaves no partial output, and a retried task whose
earlier attempt already committed does not label the file a second time.

Ray is an optional dependency (`pip install 'aigclabel[cluster]'`): it is imported only here, and
only when a batch actually runs on Ray.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from aigclabel_gui import __version__
from aigclabel_gui.engine.batch import (
    FileProgressed,
    FileStarted,
    Job,
    JobResult,
    run_job,
    sweep_temps,
)
from aigclabel_gui.engine.errors import AigcError, InvalidSettings
from aigclabel_gui.engine.events import CancelToken, FileProgress
from aigclabel_gui.engine.kinds import JobStatus

_TEMP_PREFIX = ".aigclabel-"
_POLL_S = 1.0  # how often a running task asks the driver's sink whether the batch was cancelled
_PROGRESS_EVERY_S = 0.5  # at most this often a task sends a progress event (one actor call each)
# Tests set this (on the worker nodes) to a file name: the worker that labelled it dies after the
# rename, before its result reaches the driver — the case "a file is done at most once" is about.
_FAULT_ENV = "AIGCLABEL_FAULT_DIE_AFTER_COMMIT"


class ClusterError(AigcError):
    """Ray is missing, the cluster cannot be reached, or its workers run another aigclabel."""

    advice = (
        "check that the Ray cluster is running (`ray status --address=ADDRESS`), that this machine "
        "can reach it, and that every node has the same aigclabel and Ray versions installed"
    )


def parse_executor(
    spec: str, *, num_cpus: int | None = None, time_limit: float | None = None
) -> RayExecutor | None:
    """`local` → None (the process pool); `ray` → a Ray cluster started in this process (with
    `num_cpus` CPUs, default all); `ray=HOST:PORT` → the running cluster whose head listens there
    (`ray start --head --port=PORT`). `time_limit` (seconds, 0 = none) replaces the default
    per-file limit, as `--time-limit` does for the local pool."""
    name, _, address = spec.partition("=")
    if name == "local" and not address:
        return None
    if name == "ray":
        if time_limit is None:
            return RayExecutor(address.strip() or None, num_cpus=num_cpus)
        return RayExecutor(
            address.strip() or None, num_cpus=num_cpus, time_limit=time_limit or None
        )
    raise InvalidSettings(
        f"executor {spec!r}", advice="use `local`, `ray` (a local Ray) or `ray=HOST:PORT`"
    )


def default_time_limit(size: int) -> float:
    """Per-file wall-clock limit: generous enough for an hour of 1080p video on one core
    (the encoder runs at roughly real time), short enough that a hung file does not hold a CPU
    of the cluster for ever."""
    return 300.0 + 2.0 * size / 1e6


# --- the task (runs on a worker node) ----------------------------------------------------------
class _Sink:
    """A small actor on the driver's node, one per executor: tasks report start and progress
    here and read their batch's cancel flag from it; the driver drains it. Results travel as
    task return values. State is per batch id, so a late call from an old batch is harmless."""

    def __init__(self) -> None:
        self.batch = ""
        self.events: list[tuple] = []
        self.attempts: dict[int, int] = {}
        self.cancelled = False

    def begin(self, batch: str) -> None:
        self.batch, self.events, self.attempts, self.cancelled = batch, [], {}, False

    def start(self, batch: str, index: int, pid: int, node: str) -> int:
        """Record that a task started; returns how many earlier attempts this file had."""
        if batch != self.batch:
            return 0
        n = self.attempts.get(index, 0)
        self.attempts[index] = n + 1
        self.events.append(("start", index, n, pid, node))
        return n

    def progress(self, batch: str, index: int, fraction: float, detail: str) -> None:
        if batch == self.batch:
            self.events.append(("progress", index, fraction, detail))

    def drain(self) -> list[tuple]:
        events, self.events = self.events, []
        return events

    def cancel(self) -> None:
        self.cancelled = True

    def is_cancelled(self, batch: str) -> bool:
        return self.cancelled or batch != self.batch


def _committed_earlier(dst: Path, stamp_ns: int) -> bool:
    """True if `dst` was renamed into place during this batch (mtime on the shared file system's
    clock, compared with a stamp file the driver made there at the start)."""
    try:
        return dst.is_file() and dst.stat().st_mtime_ns >= stamp_ns
    except OSError:
        return False


def _label_one(
    batch: str, index: int, job: Job, sink: Any, stamp_ns: int, time_limit: float | None
) -> JobResult:
    """One file, on a worker: `run_job` with a cancel token fed by the driver's cancel flag and
    by the per-file time limit. Module-level so Ray can pickle it by reference."""
    import ray

    node = ray.get_runtime_context().get_node_id()
    attempt = ray.get(sink.start.remote(batch, index, os.getpid(), node))
    if attempt and _committed_earlier(job.dst, stamp_ns):
        # The worker of an earlier attempt died after its rename (the commit) but before its
        # result reached the driver: the file is done, do not label it twice.
        res = JobResult(str(job.src), str(job.dst), JobStatus.OK)
        res.warnings.append(f"committed by attempt {attempt} before its worker was lost")
        with contextlib.suppress(OSError):
            res.bytes = job.src.stat().st_size
        return res

    token = CancelToken()
    stop = threading.Event()
    timed_out = threading.Event()
    deadline = time.monotonic() + time_limit if time_limit else None

    def watch() -> None:
        while not stop.wait(_POLL_S):
            if deadline is not None and time.monotonic() > deadline:
                timed_out.set()
                token.cancel()
                return
            try:
                if ray.get(sink.is_cancelled.remote(batch), timeout=10):
                    token.cancel()
                    return
            except Exception:  # the driver is gone: Ray ends this task with it
                pass

    last = [0.0]

    def progress(p: FileProgress) -> None:
        now = time.monotonic()
        if now - last[0] >= _PROGRESS_EVERY_S or p.fraction >= 1.0:
            last[0] = now
            sink.progress.remote(batch, index, p.fraction, p.detail)  # fire and forget

    watcher = threading.Thread(target=watch, name="aigclabel-watch", daemon=True)
    watcher.start()
    try:
        res = run_job(job, token, progress)
    finally:
        stop.set()
    if not attempt and res.status == JobStatus.OK and job.src.name == os.environ.get(_FAULT_ENV):
        os._exit(70)  # fault injection (tests only): the worker dies right after the commit
    if attempt:
        res.warnings.append(f"retried: the worker of attempt {attempt} was lost")
    if timed_out.is_set() and res.status == JobStatus.CANCELLED:
        res.status = JobStatus.FAILED
        res.reason = f"time limit of {time_limit:g} s exceeded; nothing was written"
    return res


def _inspect_chunk(paths: list[str]) -> list:
    """`check` on a worker: one InspectReport per path (never raises, see audit.inspect_safely)."""
    from aigclabel_gui.engine.audit import inspect_safely

    return [inspect_safely(Path(p)) for p in paths]


def _probe() -> tuple[str, str]:
    return __version__, f"{sys.version_info.major}.{sys.version_info.minor}"


# --- the driver --------------------------------------------------------------------------------
class RayExecutor:
    """Runs `run_batch`'s pending jobs as Ray tasks. Pass it as `run_batch(..., executor=…)`.

    `address`: a running cluster (`HOST:PORT` of `ray start --head --port=PORT`, or `auto`);
    None starts a private local Ray in this process (`num_cpus` CPUs, default all).
    `max_retries`: how often Ray re-runs a file whose worker process or node was lost.
    `time_limit`: seconds per file, or a function of the file size (default `default_time_limit`);
    past it the task is cancelled cooperatively, and `kill_grace_s` later killed.
    `in_flight`: tasks submitted ahead (default twice the cluster's CPUs), so a cancel stops new
    work quickly and a million-file batch does not hold a million task references.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: int | None = None,
        max_retries: int = 3,
        time_limit: float | Callable[[int], float] | None = default_time_limit,
        kill_grace_s: float = 15.0,
        in_flight: int | None = None,
        cancel_grace_s: float = 60.0,
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.time_limit = time_limit
        self.kill_grace_s = kill_grace_s
        self.in_flight = in_flight
        self.cancel_grace_s = cancel_grace_s
        self._ray: Any = None
        self._sink: Any = None

    # connection ---------------------------------------------------------------------------
    def connect(self) -> None:
        """Join (or start) the cluster and check that its workers run our version."""
        if self._ray is not None:
            return
        if self.address:
            _check_reachable(self.address)  # ray.init retries an unreachable GCS for minutes
        if (
            not self.address
            and "RAY_AUTH_MODE" not in os.environ
            and "RAY_AUTH_TOKEN" not in os.environ
        ):
            # A private cluster still listens on the network: keep Ray's token auth, but with a
            # per-run token in this process's environment (inherited by the Ray processes it
            # starts) instead of Ray's default of writing ~/.ray/auth_token. Ray reads the mode
            # when it is imported, so this comes first.
            import secrets

            os.environ["RAY_AUTH_MODE"] = "token"
            os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
            if "ray" in sys.modules:  # imported earlier by the host program: re-read its config
                with contextlib.suppress(Exception):
                    from ray._raylet import Config

                    Config.initialize("")
        try:
            import ray
        except ImportError:
            raise ClusterError(
                "--executor ray needs Ray",
                advice="install it with `pip install 'aigclabel[cluster]'` on every node",
            ) from None
        import logging

        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "logging_level": logging.WARNING,
            "log_to_driver": True,
            "ignore_reinit_error": True,
        }
        if self.address:
            kwargs["address"] = self.address
        else:
            kwargs["address"] = "local"  # never join a cluster by accident
            if self.num_cpus:
                kwargs["num_cpus"] = self.num_cpus
        try:
            ray.init(**kwargs)
        except Exception as exc:
            raise ClusterError(
                f"cannot connect to Ray at {self.address or 'a new local cluster'}: {exc}"
            ) from None
        self._ray = ray
        try:
            version, py = ray.get(ray.remote(num_cpus=0)(_probe).remote(), timeout=120)
        except Exception as exc:
            self.close()
            raise ClusterError(f"the Ray workers cannot run aigclabel: {exc}") from None
        mine = f"{sys.version_info.major}.{sys.version_info.minor}"
        if (version, py) != (__version__, mine):
            self.close()
            raise ClusterError(
                f"the Ray workers run aigclabel {version} on Python {py}, this driver {__version__} on Python {mine}",
                advice="install the same aigclabel version in the same Python on every node",
            )

    def map_inspect(self, paths: list[Path], chunk: int = 32) -> Iterator[Any]:
        """`aigclabel check` on the cluster: InspectReports in the order of `paths`. Files go in
        chunks (a Ray task costs 6–11 ms here, checking a small file ~0.5 ms), a bounded number in
        flight so a million paths never sit in the object store at once."""
        self.connect()
        ray = self._ray
        from ray.exceptions import RayError

        from aigclabel_gui.engine.inspect import InspectReport, Verdict

        task = ray.remote(_inspect_chunk).options(num_cpus=1, max_retries=self.max_retries)
        chunks = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
        cap = self.in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        window: deque = deque()
        nxt = 0
        while nxt < len(chunks) or window:
            while nxt < len(chunks) and len(window) < cap:
                window.append((chunks[nxt], task.remote([str(p) for p in chunks[nxt]])))
                nxt += 1
            part, ref = window.popleft()
            try:
                yield from ray.get(ref)
            except RayError as exc:  # the chunk was lost even after retries: say so per file
                why = f"the cluster could not check it ({type(exc).__name__})"
                for p in part:
                    yield InspectReport(str(p), None, None, Verdict.CANNOT_TELL, error=why)

    def _sink_actor(self) -> Any:
        """Created once per connection: an actor costs a worker process of its own to start."""
        if self._sink is None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            ray = self._ray
            # On the driver's node: it must survive the loss of any worker node.
            here = ray.get_runtime_context().get_node_id()
            self._sink = (
                ray.remote(_Sink)
                .options(
                    num_cpus=0,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=here, soft=False),
                )
                .remote()
            )
        return self._sink

    def close(self) -> None:
        if self._sink is not None:
            with contextlib.suppress(Exception):
                self._ray.kill(self._sink)
            self._sink = None
        if self._ray is not None:
            with contextlib.suppress(Exception):
                self._ray.shutdown()
        self._ray = None

    def __enter__(self) -> RayExecutor:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _limit_for(self, job: Job) -> float | None:
        if self.time_limit is None or not callable(self.time_limit):
            return self.time_limit
        try:
            return float(self.time_limit(job.src.stat().st_size))
        except OSError:
            return float(self.time_limit(0))

    # the batch --------------------------------------------------------------------------
    def __call__(
        self,
        pending: list[tuple[int, Job]],
        cancel: CancelToken,
        finish: Callable[[int, JobResult], Iterator[object]],
    ) -> Iterator[object]:
        """Submit `pending` (index, job) pairs; yield FileStarted/FileProgressed and whatever
        `finish(index, result)` yields, as results arrive."""
        self.connect()
        ray = self._ray
        from ray.exceptions import GetTimeoutError, RayTaskError, TaskCancelledError

        by_index = dict(pending)
        limits = {i: self._limit_for(job) for i, job in pending}
        stamp_ns = _batch_stamp([job.dst.parent for _, job in pending])
        sink = self._sink_actor()
        batch = f"{os.getpid()}-{time.time_ns()}"
        ray.get(sink.begin.remote(batch), timeout=120)
        task = ray.remote(_label_one).options(
            num_cpus=1, max_retries=self.max_retries, retry_exceptions=False
        )
        cap = self.in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))

        todo = deque(pending)
        refs: dict[Any, int] = {}  # ObjectRef -> index
        started_at: dict[int, float] = {}
        killed: set[int] = set()
        sweep: set[Path] = set()  # folders where a killed task may have left a temp file
        cancel_sent_at: float | None = None

        def drain() -> Iterator[object]:
            try:
                events = ray.get(sink.drain.remote(), timeout=30)
            except GetTimeoutError:
                return
            for ev in events:
                if ev[0] == "start":
                    _, i, attempt, _pid, _node = ev
                    started_at[i] = time.monotonic()
                    if attempt == 0:
                        yield FileStarted(i, str(by_index[i].src))
                    else:  # a retry after a lost worker: its temp file may still be there
                        sweep.add(by_index[i].dst.parent)
                elif ev[0] == "progress":
                    _, i, frac, detail = ev
                    yield FileProgressed(i, frac, detail)

        def result_of(ref: Any, i: int) -> JobResult:
            job = by_index[i]
            try:
                return ray.get(ref)
            except TaskCancelledError:
                if i in killed:
                    return JobResult(
                        str(job.src),
                        str(job.dst),
                        JobStatus.FAILED,
                        f"time limit of {limits[i]:g} s exceeded; the task was killed, nothing was written",
                    )
                why = "cancelled" if i in started_at else "cancelled before it started"
                return JobResult(str(job.src), str(job.dst), JobStatus.CANCELLED, why)
            except RayTaskError as exc:  # an exception escaped run_job on the worker: a bug
                first = (str(exc.cause) if exc.cause else str(exc)).strip().splitlines()
                return JobResult(
                    str(job.src),
                    str(job.dst),
                    JobStatus.FAILED,
                    f"internal error on the worker: {first[0] if first else type(exc).__name__}",
                )
            except Exception as exc:  # worker process or node lost, more than max_retries times
                sweep.add(job.dst.parent)
                return JobResult(
                    str(job.src),
                    str(job.dst),
                    JobStatus.FAILED,
                    f"the Ray worker was lost {self.max_retries + 1} times while labelling this "
                    f"file ({type(exc).__name__})",
                )

        try:
            while todo or refs:
                if cancel.cancelled and cancel_sent_at is None:
                    cancel_sent_at = time.monotonic()
                    todo.clear()  # run_batch reports these as "cancelled before it started"
                    sink.cancel.remote()  # running tasks stop at their next check
                    for ref, i in refs.items():
                        if i not in started_at:
                            ray.cancel(ref)  # queued: never starts
                while todo and len(refs) < cap and not cancel.cancelled:
                    i, job = todo.popleft()
                    refs[task.remote(batch, i, job, sink, stamp_ns, limits[i])] = i
                if not refs:
                    break
                ready, _ = ray.wait(list(refs), num_returns=1, timeout=0.2)
                if ready:  # take every result that is already there, not just the first
                    ready, _ = ray.wait(list(refs), num_returns=len(refs), timeout=0)
                yield from drain()
                for ref in ready:
                    i = refs.pop(ref)
                    yield from finish(i, result_of(ref, i))
                now = time.monotonic()
                for ref, i in list(refs.items()):
                    t0 = started_at.get(i)
                    limit = limits[i]
                    over_limit = t0 is not None and limit and now - t0 > limit + self.kill_grace_s
                    too_slow_cancel = (
                        cancel_sent_at is not None and now - cancel_sent_at > self.cancel_grace_s
                    )
                    if (over_limit or too_slow_cancel) and i not in killed:
                        # Cooperative stop did not work (stuck in a decoder): kill the worker.
                        if over_limit:
                            killed.add(i)
                        sweep.add(by_index[i].dst.parent)
                        ray.cancel(ref, force=True)
        except (AigcError, GeneratorExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # the cluster itself failed (GCS lost, driver disconnected)
            raise ClusterError(
                f"the Ray cluster failed during the batch: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            if refs:  # aborted (second Ctrl-C, an error): stop everything still running
                for ref in refs:
                    with contextlib.suppress(Exception):
                        ray.cancel(ref, force=True)
                with contextlib.suppress(Exception):
                    ray.wait(list(refs), num_returns=len(refs), timeout=10)
                sweep.update(by_index[i].dst.parent for i in refs.values())
            # Only now no task of this batch runs: remove temp files killed workers left behind.
            sweep_temps(sweep)


def _check_reachable(address: str, timeout: float = 10.0) -> None:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # "auto" or a ray:// client address: let Ray resolve it
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ClusterError(
            f"nothing answers at {address} ({exc.strerror or exc})",
            advice="start the head node with `ray start --head --port=PORT` and use its address",
        ) from None


def _batch_stamp(folders: list[Path]) -> int:
    """The shared file system's idea of "now", taken from a file made in an output folder (node
    clocks may differ from the file server's)."""
    for folder in dict.fromkeys(folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".aigclabel-stamp-", dir=folder)
        except OSError:
            continue
        try:
            return os.fstat(fd).st_mtime_ns
        finally:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(name)
    return time.time_ns()


__all__ = ["ClusterError", "RayExecutor", "default_time_limit", "parse_executor"]
