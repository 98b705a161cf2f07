"""Export: runs the engine's batch runner off the UI thread, shows progress (the files actually
running, an ETA once it means something), cancel, and a results view with the failures."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui.engine.batch import (
    BatchFinished,
    BatchProgress,
    BatchStarted,
    FileFinished,
    FileProgressed,
    FileStarted,
    Job,
    run_batch,
)
from aigclabel_gui.engine.errors import AigcError
from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.engine.kinds import JobStatus
from aigclabel_gui.ui.messages import friendly_reason
from aigclabel_gui.ui.workers import GeneratorTask

# An ETA from one or two files is noise (the first file also pays for starting the workers):
# say "estimating…" until this many files were really labelled.
ETA_MIN_FILES = 3
ETA_WINDOW = 20  # moving average over the last N finished files


def _eta_text(seconds: float) -> str:
    m, s = divmod(int(seconds + 0.5), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class EtaEstimate:
    """Remaining time from the pace of the last files that were really labelled (resume skips
    take no time and would make the estimate far too optimistic)."""

    def __init__(self):
        self.times: deque[float] = deque(maxlen=ETA_WINDOW + 1)
        self.t0 = time.monotonic()

    def file_done(self, when: float | None = None) -> None:
        self.times.append(time.monotonic() if when is None else when)

    def remaining(self, left: int, workers: int) -> float | None:
        if len(self.times) < ETA_MIN_FILES:
            return None
        first = self.times[0] if len(self.times) > ETA_WINDOW else self.t0
        n = len(self.times) - (1 if len(self.times) > ETA_WINDOW else 0)
        per_file = (self.times[-1] - first) / max(n, 1)
        return per_file * left


@dataclass(frozen=True)
class PlanFailed:
    """Planning the jobs was refused (e.g. an output would overwrite an input): the message."""

    message: str


def plan_then_run(plan: list[Job] | Callable[[], list[Job]], **run_kw) -> Iterator[object]:
    """The export's events: plan the jobs (walking folders and identifying files takes seconds
    for thousands of files, so it runs here, on the export's thread, never on the UI thread),
    then run them."""
    try:
        jobs = plan() if callable(plan) else plan
    except (AigcError, OSError) as exc:
        yield PlanFailed(str(exc) if isinstance(exc, AigcError) else (exc.strerror or str(exc)))
        return
    cancel = run_kw.get("cancel")
    if cancel is not None and cancel.cancelled:  # cancelled while planning: nothing was started,
        yield BatchFinished([], True, None)  # so no journal, no report of N "cancelled" files
        return
    yield from run_batch(jobs, **run_kw)


class ExportDialog(QDialog):
    file_finished = Signal(object)  # JobResult
    batch_finished = Signal(object)  # BatchFinished
    retry_requested = Signal(list)  # [source Path] of the failed files
    plan_failed = Signal(str)  # planning refused the export: the engine's message

    def __init__(
        self,
        jobs: list[Job] | Callable[[], list[Job]],  # the jobs, or how to plan them (off the UI)
        outdir: Path,
        on_exist: str,
        workers: int = 0,
        parent: QWidget | None = None,
        unsupported: list[Path] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.setMinimumWidth(520)
        self.setSizeGripEnabled(True)
        self.jobs, self.outdir = jobs, outdir
        self.unsupported = list(unsupported or [])
        self.workers = workers or os.cpu_count() or 1
        self.cancel_token = CancelToken()
        self.final: BatchFinished | None = None
        self.report_path = outdir / "aigclabel-report.json"
        self.eta = EtaEstimate()
        self.running: dict[int, str] = {}  # submitted, not finished, in submission order
        layout = QVBoxLayout(self)
        self.current = QLabel(self.tr("Starting…"))
        self.current.setWordWrap(True)
        self.file_bar = QProgressBar()
        self.overall = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, len(jobs) if isinstance(jobs, list) else 0)  # 0: busy until planned
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setVisible(False)
        self.failures = QTableWidget(0, 2)
        self.failures.setObjectName("failuresTable")
        self.failures.setHorizontalHeaderLabels([self.tr("File"), self.tr("Problem")])
        self.failures.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.failures.horizontalHeader().setStretchLastSection(True)
        self.failures.verticalHeader().hide()
        self.failures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.failures.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.failures.setTabKeyNavigation(False)
        self.failures.setWordWrap(True)
        self.failures.setVisible(False)
        self.failures.currentCellChanged.connect(lambda *_: self._show_details())
        self.details_btn = QPushButton(self.tr("Details ▸"))
        self.details_btn.setCheckable(True)
        self.details_btn.setVisible(False)
        self.details_btn.toggled.connect(self._toggle_details)
        self.details = QTextBrowser()
        self.details.setObjectName("failureDetails")
        self.details.setVisible(False)
        for w in (self.current, self.file_bar, self.overall, self.bar, self.summary):
            layout.addWidget(w)
        layout.addWidget(self.failures, 3)
        layout.addWidget(self.details_btn)
        layout.addWidget(self.details, 1)
        self.buttons = QDialogButtonBox()
        self.cancel_btn = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_btn.clicked.connect(self.cancel)
        self.retry_btn = QPushButton(self.tr("Retry failed"))
        self.retry_btn.setVisible(False)
        self.retry_btn.clicked.connect(self._retry)
        self.open_btn = QPushButton(self.tr("Open output folder"))
        self.open_btn.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(outdir)))
        )
        self.open_btn.setEnabled(False)
        self.report_btn = QPushButton(self.tr("Open report"))
        self.report_btn.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.readable_report())))
        )
        self.html_report: Path | None = None
        self.report_btn.setEnabled(False)
        for b in (self.retry_btn, self.open_btn, self.report_btn):
            self.buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)
        self.task = GeneratorTask(
            "export",
            lambda: plan_then_run(
                jobs,
                workers=workers,
                cancel=self.cancel_token,
                report_path=self.report_path,
                on_exist=on_exist,
                outdir=outdir,
                # "Overwrite" means do it again: the resume manifest must not skip anything.
                resume=on_exist != "overwrite",
            ),
        )
        self.task.signals.progress.connect(self._on_event)
        self.task.signals.error.connect(self._on_error)
        self.task.setAutoDelete(False)

    def start(self) -> None:
        # Its own thread: the export must not wait behind the list's thumbnails and inspections
        # queued in the global pool (a 500-file folder queues hundreds).
        self.thread_pool = QThreadPool(self)
        self.thread_pool.setMaxThreadCount(1)
        self.thread_pool.start(self.task)

    def cancel(self) -> None:
        if self.final is not None:
            self.reject()
            return
        self.cancel_token.cancel()
        self.cancel_btn.setEnabled(False)
        self.current.setText(self.tr("Cancelling: finishing the files in progress…"))

    def closeEvent(self, event) -> None:
        if self.final is None:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)

    # --- progress ---------------------------------------------------------------------------
    def running_names(self) -> list[str]:
        """The files the workers are on now: the pool runs submissions in order, so the first
        `workers` of the submitted-but-unfinished files are the running ones."""
        return list(self.running.values())[: self.workers]

    def _show_running(self) -> None:
        if self.cancel_token.cancelled:
            return
        names = self.running_names()
        if names:
            self.current.setText(self.tr("Labelling: {0}").format(self.tr(", ").join(names)))

    def _on_event(self, _key, ev) -> None:
        if isinstance(ev, BatchStarted):
            self.bar.setRange(0, ev.total)
        elif isinstance(ev, PlanFailed):
            self.final = BatchFinished([], False, None, report_error=ev.message)
            self.plan_failed.emit(ev.message)
            self.reject()
        elif isinstance(ev, FileStarted):
            self.running[ev.index] = Path(ev.src).name
            self._show_running()
            if len(self.running) == 1:
                self.file_bar.setValue(0)
        elif isinstance(ev, FileProgressed):
            if self.workers == 1 or len(self.running) <= 1:
                self.file_bar.setValue(int(ev.fraction * 100))
        elif isinstance(ev, FileFinished):
            self.running.pop(ev.index, None)
            if ev.result.status in (JobStatus.OK, JobStatus.FAILED):
                self.eta.file_done()
            self.file_bar.setValue(100)
            self._show_running()
            self.file_finished.emit(ev.result)
        elif isinstance(ev, BatchProgress):
            self.bar.setValue(ev.done)
            left = self.eta.remaining(ev.total - ev.done, self.workers)
            remaining = (
                self.tr("estimating…")
                if left is None
                else self.tr("about {0} left").format(_eta_text(left))
            )
            self.overall.setText(
                self.tr("{0} of {1} files · {2}").format(ev.done, ev.total, remaining)
            )
        elif isinstance(ev, BatchFinished):
            self._finish(ev)

    def _on_error(self, _key, message: str) -> None:
        self.current.setText(self.tr("Export stopped: {0}").format(message))
        self.final = BatchFinished([], True, None)
        self.cancel_btn.setEnabled(True)
        self.cancel_btn.setText(self.tr("Close"))

    # --- results ----------------------------------------------------------------------------
    def _finish(self, ev: BatchFinished) -> None:
        self.final = ev
        self.running.clear()
        summary = ev.summary  # the engine's one BatchSummary (the CLI prints the same counts)
        head = self.tr("Done: {0} labelled, {1} skipped, {2} failed").format(
            summary.ok, summary.skipped, summary.failed
        )
        if ev.cancelled:
            head = self.tr("Cancelled: {0} labelled, {1} not started").format(
                summary.ok, summary.not_started
            )
        self.current.setText(head)
        self.overall.setText(self.tr("Output folder: {0}").format(self.outdir))
        notes = []
        if self.unsupported:
            notes.append(
                self.tr("{0} files were not exported (file type not supported): {1}").format(
                    len(self.unsupported), self.tr(", ").join(p.name for p in self.unsupported)
                )
            )
        if ev.report_path:
            self._write_html_report(ev)
            notes.append(self.tr("Report: {0}").format(self.readable_report()))
        self.summary.setText("\n".join(notes))
        self.summary.setVisible(bool(notes))
        self.problems = [r for r in ev.results if r.status in (JobStatus.FAILED, JobStatus.SKIPPED)]
        self.failures.setRowCount(len(self.problems))
        for row, r in enumerate(self.problems):
            name = QTableWidgetItem(Path(r.src).name)
            name.setToolTip(r.src)
            word = self.tr("failed") if r.status == "failed" else self.tr("skipped")
            reason = QTableWidgetItem(
                self.tr("{0}: {1}").format(word, friendly_reason(r.reason, r.status, r.error))
            )
            reason.setToolTip(r.reason)
            self.failures.setItem(row, 0, name)
            self.failures.setItem(row, 1, reason)
        self.failures.resizeRowsToContents()
        self.failures.setVisible(bool(self.problems))
        self.details_btn.setVisible(bool(self.problems))
        if self.problems:
            self.failures.selectRow(0)
            self.resize(max(self.width(), 760), max(self.height(), 460))
        self.cancel_btn.setEnabled(True)
        self.cancel_btn.setText(self.tr("Close"))
        self.retry_btn.setVisible(summary.failed > 0)
        self.open_btn.setEnabled(True)
        self.report_btn.setEnabled(ev.report_path is not None)
        self.batch_finished.emit(ev)

    def _write_html_report(self, ev: BatchFinished) -> None:
        """The readable report (engine.report_html) next to the JSON, in the user's language."""
        if not ev.report_path:
            return
        from aigclabel_gui.engine.report_html import write_report_html

        texts = {
            "title": self.tr("Labelling report"),
            "ok": self.tr("labelled"),
            "skipped": self.tr("skipped"),
            "failed": self.tr("failed"),
            "cancelled": self.tr("not started"),
            "file": self.tr("File"),
            "status": self.tr("Status"),
            "reason": self.tr("Reason"),
            "output": self.tr("Labelled copy"),
            "finished": self.tr("Finished {0} · aigclabel {1}"),
            "unsupported": self.tr("Not exported (file type not supported): {0}"),
        }
        zh = self.tr("labelled") != "labelled"
        try:
            self.html_report = write_report_html(
                ev.results,
                Path(ev.report_path).with_suffix(".html"),
                texts=texts,
                reason_for=lambda r: (
                    friendly_reason(r["reason"], r["status"], r.get("error", ""))
                    if r["status"] != "ok"
                    else ""
                ),
                unsupported=self.unsupported,
                lang="zh-CN" if zh else "en",
                summary=ev.summary,
            )
        except OSError:
            self.html_report = None  # the JSON report is still there

    def readable_report(self) -> Path:
        return self.html_report if self.html_report is not None else self.report_path

    def _toggle_details(self, on: bool) -> None:
        self.details.setVisible(on)
        self.details_btn.setText(self.tr("Details ▾") if on else self.tr("Details ▸"))
        self._show_details()

    def _show_details(self) -> None:
        row = self.failures.currentRow()
        if 0 <= row < len(getattr(self, "problems", [])):
            r = self.problems[row]
            self.details.setPlainText(f"{r.src}\n\n{r.reason}")

    def _retry(self) -> None:
        failed = [
            Path(r.src) for r in (self.final.results if self.final else []) if r.status == "failed"
        ]
        if failed:
            self.accept()
            self.retry_requested.emit(failed)
