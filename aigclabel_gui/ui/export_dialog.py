"""Export: runs the engine's batch runner off the UI thread, shows progress, ETA, cancel and a summary."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui.engine.batch import (
    BatchFinished,
    BatchProgress,
    FileFinished,
    FileProgressed,
    FileStarted,
    Job,
    run_batch,
)
from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.ui.workers import GeneratorTask


def _eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    m, s = divmod(int(seconds + 0.5), 60)
    return f"{m:02d}:{s:02d}"


class ExportDialog(QDialog):
    file_finished = Signal(object)  # JobResult
    batch_finished = Signal(object)  # BatchFinished

    def __init__(
        self,
        jobs: list[Job],
        outdir: Path,
        on_exist: str,
        workers: int = 0,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export"))
        self.setMinimumWidth(520)
        self.jobs, self.outdir = jobs, outdir
        self.cancel_token = CancelToken()
        self.final: BatchFinished | None = None
        self.report_path = outdir / "aigclabel-report.json"
        layout = QVBoxLayout(self)
        self.current = QLabel(self.tr("Starting…"))
        self.file_bar = QProgressBar()
        self.overall = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, len(jobs))
        self.summary = QTextBrowser()
        self.summary.setVisible(False)
        layout.addWidget(self.current)
        layout.addWidget(self.file_bar)
        layout.addWidget(self.overall)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary, 1)
        self.buttons = QDialogButtonBox()
        self.cancel_btn = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_btn.clicked.connect(self.cancel)
        self.open_btn = QPushButton(self.tr("Open output folder"))
        self.open_btn.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(outdir)))
        )
        self.open_btn.setEnabled(False)
        self.report_btn = QPushButton(self.tr("Open report"))
        self.report_btn.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report_path)))
        )
        self.report_btn.setEnabled(False)
        self.buttons.addButton(self.open_btn, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.report_btn, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)
        self.task = GeneratorTask(
            "export",
            lambda: run_batch(
                jobs,
                workers=workers,
                cancel=self.cancel_token,
                report_path=self.report_path,
                on_exist=on_exist,
                outdir=outdir,
            ),
        )
        self.task.signals.progress.connect(self._on_event)
        self.task.signals.error.connect(self._on_error)
        self.task.setAutoDelete(False)

    def start(self) -> None:
        QThreadPool.globalInstance().start(self.task)

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

    def _on_event(self, _key, ev) -> None:
        if isinstance(ev, FileStarted):
            self.current.setText(self.tr("Labelling {0}").format(Path(ev.src).name))
            self.file_bar.setValue(0)
        elif isinstance(ev, FileProgressed):
            self.file_bar.setValue(int(ev.fraction * 100))
        elif isinstance(ev, FileFinished):
            self.file_bar.setValue(100)
            self.file_finished.emit(ev.result)
        elif isinstance(ev, BatchProgress):
            self.bar.setValue(ev.done)
            self.overall.setText(
                self.tr("{0} of {1} files · remaining {2}").format(
                    ev.done, ev.total, _eta_text(ev.eta_s)
                )
            )
        elif isinstance(ev, BatchFinished):
            self._finish(ev)

    def _on_error(self, _key, message: str) -> None:
        self.current.setText(self.tr("Export stopped: {0}").format(message))
        self.final = BatchFinished([], True, None)
        self.cancel_btn.setEnabled(True)
        self.cancel_btn.setText(self.tr("Close"))

    def _finish(self, ev: BatchFinished) -> None:
        self.final = ev
        counts = {
            s: sum(r.status == s for r in ev.results)
            for s in ("ok", "skipped", "failed", "cancelled")
        }
        head = self.tr("Done: {0} labelled, {1} skipped, {2} failed").format(
            counts["ok"], counts["skipped"], counts["failed"]
        )
        if ev.cancelled:
            head = self.tr("Cancelled: {0} labelled, {1} not started").format(
                counts["ok"], counts["cancelled"]
            )
        self.current.setText(head)
        lines = [f"<p><b>{html.escape(head)}</b></p>"]
        words = {"failed": self.tr("failed"), "skipped": self.tr("skipped")}
        for r in ev.results:
            if r.status in words:
                colour = "#c0392b" if r.status == "failed" else "#8a6d3b"
                lines.append(
                    f"<p style='color:{colour}'>{html.escape(Path(r.src).name)}: "
                    f"{words[r.status]} — {html.escape(r.reason)}</p>"
                )
        if ev.report_path:
            lines.append(
                "<p>" + html.escape(self.tr("Report: {0}").format(ev.report_path)) + "</p>"
            )
        self.summary.setHtml("".join(lines))
        self.summary.setVisible(True)
        self.cancel_btn.setEnabled(True)
        self.cancel_btn.setText(self.tr("Close"))
        self.open_btn.setEnabled(True)
        self.report_btn.setEnabled(ev.report_path is not None)
        self.batch_finished.emit(ev)
