"""Check view: drop any file and read, in plain words, which labels it carries and whether they comply."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from aigclabel_gui.engine.inspect import InspectReport, inspect_file
from aigclabel_gui.ui.workers import FunctionTask, start_task


class CheckView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        self.pick = QPushButton(self.tr("Check a file…"))
        self.pick.clicked.connect(self._choose)
        self.output = QTextBrowser()
        self.output.setObjectName("checkOutput")
        self.output.setPlaceholderText(
            self.tr("Drop files here to see which AI-content labels they carry.")
        )
        layout.addWidget(self.pick)
        layout.addWidget(self.output, 1)
        self._tasks: set = set()
        self.reports: list[InspectReport] = []

    def check_paths(self, paths: list[Path]) -> None:
        self.output.clear()
        self.reports = []
        for p in paths:
            task = FunctionTask(p, inspect_file, p)
            task.signals.result.connect(self._show)
            start_task(task, self._tasks)

    def _choose(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Check files"))
        if files:
            self.check_paths([Path(f) for f in files])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        self.check_paths([p for p in paths if p.is_file()])
        event.acceptProposedAction()

    def verdict_text(self, verdict: str) -> str:
        return {
            "compliant": self.tr("✔ Compliant: one complete AIGC record in the right place."),
            "not-compliant": self.tr("✘ Has an AIGC record, but it does not conform."),
            "no-label": self.tr("✘ No AIGC record."),
            "cannot-tell": self.tr("? Cannot tell: the file is damaged."),
            "no-carrier": self.tr(
                "Plain text has no metadata carrier; only a prompt line in the text can label it."
            ),
            "unsupported": self.tr("Unsupported file type."),
        }.get(verdict, verdict)

    def _show(self, path: Path, report: InspectReport) -> None:
        self.reports.append(report)
        e = html.escape
        parts = [
            f"<h3>{e(Path(report.path).name)}</h3>",
            f"<p><b>{e(self.verdict_text(report.verdict))}</b></p>",
        ]
        if report.error:
            parts.append(f"<p>{e(report.error)}</p>")
        for rf in report.records:
            parts.append(f"<p>{e(self.tr('Record in'))} <i>{e(rf.carrier)}</i>:</p><ul>")
            for k, v in rf.values.items():
                parts.append(f"<li><code>{e(str(k))}</code> = <code>{e(str(v))}</code></li>")
            parts.append("</ul>")
        for prob in report.problems:
            parts.append(f"<p style='color:#c0392b'>• {e(prob)}</p>")
        for w in report.warnings:
            parts.append(f"<p style='color:#8a6d3b'>• {e(w)}</p>")
        if report.digital_source_type:
            parts.append(
                f"<p>IPTC DigitalSourceType: <code>{e(report.digital_source_type)}</code></p>"
            )
        parts.append(
            f"<p style='color:#555'>{e(self.tr('Visible and audible labels cannot be verified on an arbitrary file.'))}</p>"
        )
        self.output.append("".join(parts))
        self.output.moveCursor(self.output.textCursor().MoveOperation.Start)
