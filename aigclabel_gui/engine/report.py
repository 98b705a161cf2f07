"""The run report and the batch summary: every file and its result, as JSON or CSV (chosen by the
file's extension), and the one `BatchSummary` the CLI, the GUI and the JSON report all read."""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui import __version__
from aigclabel_gui.engine.errors import ExitCode, batch_exit_code
from aigclabel_gui.engine.kinds import JobStatus

COLUMNS = (
    "src",
    "dst",
    "status",
    "reason",
    "kind",
    "format",
    "labels",
    "warnings",
    "seconds",
    "bytes",
)


@dataclass(frozen=True)
class BatchSummary:
    """What a batch came to, computed once (`BatchSummary.of`) from its results: counts per
    status, the failed files, whether it was cancelled, how long it took, which reports were
    written and the batch-level problems (a report that could not be written, a missing input).
    `exit_code` is `aigclabel label`'s exit code; the JSON report's "summary" is `counts`."""

    counts: dict[str, int]  # every final JobStatus -> number of files (zeros included)
    failures: tuple = ()  # the JobResults with status "failed", in batch order
    cancelled: bool = False
    elapsed_s: float = 0.0
    reports: tuple[str, ...] = ()  # reports written
    errors: tuple[str, ...] = ()  # problems not tied to one file's result

    @classmethod
    def of(
        cls, results: Iterable, *, cancelled: bool = False, elapsed_s: float = 0.0
    ) -> BatchSummary:
        results = list(results)
        counts = {str(s): 0 for s in JobStatus.final()}
        for r in results:
            if r.status in counts:
                counts[r.status] += 1
        failures = tuple(r for r in results if r.status == JobStatus.FAILED)
        return cls(counts, failures, cancelled, elapsed_s)

    @property
    def ok(self) -> int:
        return self.counts[JobStatus.OK]

    @property
    def skipped(self) -> int:
        return self.counts[JobStatus.SKIPPED]

    @property
    def failed(self) -> int:
        return self.counts[JobStatus.FAILED]

    @property
    def not_started(self) -> int:
        return self.counts[JobStatus.CANCELLED]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def exit_code(self) -> ExitCode:
        """CANCELLED after a cancel; else one code per error class when every failure shares it
        (errors.EXIT_FOR_ERROR), SOME_FAILED for a mix or a batch-level problem, OK otherwise."""
        if self.cancelled:
            return ExitCode.CANCELLED
        codes = [r.error or "failed" for r in self.failures] + ["failed"] * len(self.errors)
        return batch_exit_code(codes)

    def with_errors(self, errors: Sequence[str]) -> BatchSummary:
        return dataclasses.replace(self, errors=self.errors + tuple(errors))

    def line(self) -> str:
        """One English line, e.g. "3 labelled, 0 skipped, 1 failed; report: out/r.json"."""
        text = f"{self.ok} labelled, {self.skipped} skipped, {self.failed} failed"
        if self.not_started:
            text += f", {self.not_started} cancelled"
        if self.reports:
            return text + f"; report: {', '.join(self.reports)}"
        return text + "; no report written"


def _rows(results: list) -> list[dict]:
    """Each result as a dict: a shallow copy per field (asdict's deep copy cost a millisecond
    per file; a result holds only strings, numbers and lists of strings)."""
    if not results:
        return []
    names = [f.name for f in dataclasses.fields(results[0])]
    return [
        {n: (list(v) if isinstance(v, list) else v) for n in names for v in (getattr(r, n),)}
        for r in results
    ]


def write_report(
    results: list,
    path: Path,
    summary: BatchSummary | None = None,
    *,
    rows: list[dict] | None = None,
) -> None:
    """Write atomically (temp + rename) so an interrupted run never leaves half a report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    rows = _rows(results) if rows is None else rows
    try:
        if path.suffix.lower() == ".csv":
            with open(
                tmp, "w", newline="", encoding="utf-8-sig", errors="backslashreplace"
            ) as f:  # BOM: Excel opens UTF-8 CSV right
                w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
                w.writeheader()
                for r in rows:
                    r = dict(
                        r,
                        labels=" | ".join(r["labels"]),
                        warnings=" | ".join(r["warnings"]),
                        seconds=f"{r['seconds']:.3f}",
                    )
                    w.writerow(r)
        else:
            summary = summary or BatchSummary.of(results)
            doc = {
                "tool": f"aigclabel {__version__}",
                "finished": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "summary": dict(summary.counts),
                "files": rows,
            }
            # A file name that is not UTF-8 on disk (a lone surrogate) is written as its \udcXX
            # escape: valid UTF-8 and valid JSON, instead of failing the whole report.
            tmp.write_text(
                json.dumps(doc, ensure_ascii=False, indent=2), "utf-8", errors="backslashreplace"
            )
        os.replace(tmp, path)
    except BaseException:  # disk full, cancelled: no half-written temp file left behind
        tmp.unlink(missing_ok=True)
        raise


def write_reports(results: list, paths: Sequence[Path], summary: BatchSummary) -> BatchSummary:
    """Write every report in `paths` (JSON or CSV by extension); return `summary` with the
    reports written and, for each that could not be, an error (one bad path never stops the
    others)."""
    written, errors = [], []
    rows = _rows(results) if paths else []
    for path in paths:
        try:
            write_report(results, path, summary, rows=rows)
            written.append(str(path))
        except OSError as exc:
            errors.append(f"cannot write the report {path}: {exc.strerror or exc}")
    return dataclasses.replace(
        summary, reports=summary.reports + tuple(written), errors=summary.errors + tuple(errors)
    )
