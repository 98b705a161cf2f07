"""Batch layer: turn inputs (files and folders) into jobs, run them, yield events.

This is the first, sequential version; the process pool, presets, resume and the report build on it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aigclabel_gui.engine.errors import AigcError, Cancelled, NoCarrier
from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.registry import SUPPORTED_EXTENSIONS
from aigclabel_gui.engine.settings import LabelSettings


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


def walk_inputs(inputs: list[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, path relative to its input root). Folders are walked recursively, sorted."""
    for item in inputs:
        if item.is_dir():
            for p in sorted(item.rglob("*")):
                if (
                    p.is_file()
                    and not p.name.startswith(".")
                    and p.suffix.lower() in SUPPORTED_EXTENSIONS
                ):
                    yield p, p.relative_to(item)
        else:
            yield item, Path(item.name)


def plan_jobs(inputs: list[Path], outdir: Path, settings: LabelSettings) -> list[Job]:
    return [Job(src, outdir / rel, settings) for src, rel in walk_inputs(inputs)]


def run_job(job: Job, cancel: CancelToken | None = None) -> JobResult:
    t0 = time.perf_counter()
    res = JobResult(src=str(job.src), dst=str(job.dst), status="ok")
    try:
        job.dst.parent.mkdir(parents=True, exist_ok=True)
        out = label_file(job.src, job.dst, job.settings, cancel=cancel)
    except NoCarrier as exc:
        res.status, res.reason = "skipped", str(exc)
    except Cancelled:
        res.status, res.reason = "cancelled", "cancelled"
    except AigcError as exc:
        res.status, res.reason = "failed", str(exc)
    except OSError as exc:
        res.status, res.reason = "failed", f"{exc.strerror or exc}"
    except Exception as exc:  # one bad file must never stop the batch
        res.status, res.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
    else:
        res.kind, res.format, res.warnings = out.kind, out.format, out.warnings
        if out.record is not None:
            res.labels.append("implicit")
        if out.explicit is not None:
            res.labels.append(out.explicit.summary)
    res.seconds = time.perf_counter() - t0
    return res


def run_batch(jobs: list[Job], cancel: CancelToken | None = None) -> Iterator[JobResult]:
    cancel = cancel or CancelToken()
    for job in jobs:
        if cancel.cancelled:
            yield JobResult(str(job.src), str(job.dst), "cancelled", "cancelled before start")
            continue
        yield run_job(job, cancel)
