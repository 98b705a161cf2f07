"""Check view: drop files or folders and read, per file, which labels it carries and whether they
comply — one verdict each, with the clause behind it and one line of advice, in a sortable table
with counts per verdict. Verdicts come from engine.inspect.Verdict; folders are walked in a worker
with `label`'s file-type rules (engine.audit.check_targets)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui.engine.audit import check_targets
from aigclabel_gui.engine.inspect import InspectReport, Verdict, inspect_file
from aigclabel_gui.ui.workers import GeneratorTask, start_task

COL_FILE, COL_VERDICT, COL_RULE, COL_ADVICE = range(4)


def _walk_and_inspect(paths: list[Path]):
    """Worker: walk folders, then inspect file by file (one event per file keeps the UI live)."""
    for p in check_targets(paths):
        yield inspect_file(p)


class CheckView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.pick = QPushButton(self.tr("Check a file…"))
        self.pick.clicked.connect(self._choose)
        self.pick_folder = QPushButton(self.tr("Check a folder…"))
        self.pick_folder.clicked.connect(self._choose_folder)
        self.summary = QLabel(
            self.tr("Drop files or folders here to see which AI-content labels they carry.")
        )
        self.summary.setObjectName("checkSummary")
        self.summary.setWordWrap(True)
        row.addWidget(self.pick)
        row.addWidget(self.pick_folder)
        row.addWidget(self.summary, 1)
        layout.addLayout(row)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("checkTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("File"), self.tr("Verdict"), self.tr("Rule"), self.tr("Advice")]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_FILE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_ADVICE, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_selected)

        self.output = QTextBrowser()
        self.output.setObjectName("checkOutput")
        self.output.setPlaceholderText(self.tr("Select a file to see its labels."))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.output)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self._tasks: set = set()
        self.reports: list[InspectReport] = []
        self._run = 0

    # --- input ------------------------------------------------------------------------------------
    def check_paths(self, paths: list[Path]) -> None:
        """Check files and folders (folders walked recursively, in a worker)."""
        self._run += 1
        self.reports = []
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        self.table.setSortingEnabled(True)
        self.output.clear()
        self._update_summary(running=True)
        task = GeneratorTask(self._run, _walk_and_inspect, [Path(p) for p in paths])
        task.signals.progress.connect(self._add)
        task.signals.error.connect(lambda _k, msg: self.summary.setText(msg))
        task.signals.finished.connect(lambda k: k == self._run and self._update_summary())
        start_task(task, self._tasks)

    def _choose(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Check files"))
        if files:
            self.check_paths([Path(f) for f in files])

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Check a folder"))
        if folder:
            self.check_paths([Path(folder)])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        # Files and folders alike; nothing is moved or copied, only read.
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        paths = [p for p in paths if p.is_file() or p.is_dir()]
        if paths:
            self.check_paths(paths)
        event.acceptProposedAction()

    # --- words ------------------------------------------------------------------------------------
    def verdict_text(self, verdict: str) -> str:
        return {
            Verdict.COMPLIANT: self.tr("✔ Compliant: one complete AIGC record in the right place."),
            Verdict.WARNINGS: self.tr(
                "✔ Compliant with warnings: a sound AIGC record with a recognised deviation."
            ),
            Verdict.NOT_COMPLIANT: self.tr("✘ Has an AIGC record, but it does not conform."),
            Verdict.NO_LABEL: self.tr("✘ No AIGC record."),
            Verdict.CANNOT_TELL: self.tr("? Cannot tell: the file is damaged."),
            Verdict.NO_CARRIER: self.tr(
                "Plain text has no metadata carrier; only a prompt line in the text can label it."
            ),
            Verdict.UNSUPPORTED: self.tr("Unsupported file type."),
        }.get(verdict, verdict)

    def verdict_short(self, verdict: str) -> str:
        return {
            Verdict.COMPLIANT: self.tr("compliant"),
            Verdict.WARNINGS: self.tr("compliant with warnings"),
            Verdict.NOT_COMPLIANT: self.tr("not compliant"),
            Verdict.NO_LABEL: self.tr("no label"),
            Verdict.CANNOT_TELL: self.tr("cannot tell"),
            Verdict.NO_CARRIER: self.tr("no carrier"),
            Verdict.UNSUPPORTED: self.tr("unsupported"),
        }.get(verdict, verdict)

    def clause_text(self, verdict: str) -> str:
        """The clause behind a verdict (engine.inspect.VERDICTS), in the user's language."""
        return {
            Verdict.COMPLIANT: self.tr("GB 45438 §6.1, Annex E"),
            Verdict.WARNINGS: self.tr(
                "GB 45438 §6.1 a, Annex E note 1 and j); TC260 image guide annex"
            ),
            Verdict.NOT_COMPLIANT: self.tr("GB 45438 §6.1 a–c, Annex E"),
            Verdict.NO_LABEL: self.tr(
                "GB 45438 §6.1; Measures Art. 5 (metadata label for every generated file)"
            ),
            Verdict.NO_CARRIER: self.tr(
                "GB 45438 §5 (explicit label); no TC260 guide names a carrier for this format"
            ),
        }.get(verdict, "—")

    def advice_text(self, verdict: str) -> str:
        return {
            Verdict.COMPLIANT: self.tr("Nothing to do."),
            Verdict.WARNINGS: self.tr(
                "Label it for publishing to fill the propagator fields and move the record to the primary carrier."
            ),
            Verdict.NOT_COMPLIANT: self.tr(
                "Re-export it from the generator, or label it: the producer's fields are kept and one conforming record is written."
            ),
            Verdict.NO_LABEL: self.tr("Label it with your provider code as the producer."),
            Verdict.CANNOT_TELL: self.tr("Re-export the file from its source and check again."),
            Verdict.NO_CARRIER: self.tr(
                "Keep the visible prompt, or convert to a format with a carrier (PNG, Markdown)."
            ),
            Verdict.UNSUPPORTED: self.tr("Check a supported format."),
        }.get(verdict, "")

    # --- results ----------------------------------------------------------------------------------
    def _add(self, run: int, report: InspectReport) -> None:
        if run != self._run:
            return  # a result from an earlier, superseded check
        self.reports.append(report)
        index = len(self.reports) - 1
        sorting = self.table.isSortingEnabled()
        self.table.setSortingEnabled(False)
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(self._shown_name(report.path))
        name.setToolTip(report.path)
        name.setData(Qt.ItemDataRole.UserRole, index)
        verdict = QTableWidgetItem(self.verdict_short(report.verdict))
        verdict.setToolTip(self.verdict_text(report.verdict))
        rule = QTableWidgetItem(self.clause_text(report.verdict))
        advice = QTableWidgetItem(self.advice_text(report.verdict))
        for col, item in enumerate((name, verdict, rule, advice)):
            self.table.setItem(row, col, item)
        self.table.setSortingEnabled(sorting)
        self._update_summary(running=True)
        if len(self.reports) == 1:
            self.table.selectRow(0)

    def _shown_name(self, path: str) -> str:
        """The file name, with its folder when another checked file has the same name (an
        original and its labelled copy); earlier rows of that name get their folder too."""
        p = Path(path)
        same = [r for r in self.reports[:-1] if Path(r.path).name == p.name]
        if not same:
            return p.name
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and Path(item.toolTip()).name == p.name:
                q = Path(item.toolTip())
                item.setText(f"{q.parent.name}/{q.name}")
        return f"{p.parent.name}/{p.name}"

    def counts(self) -> dict[str, int]:
        counts = {str(v): 0 for v in Verdict}
        for r in self.reports:
            counts[str(r.verdict)] += 1
        return counts

    def _update_summary(self, running: bool = False) -> None:
        parts = [
            self.tr("{0} {1}").format(n, self.verdict_short(v))
            for v, n in self.counts().items()
            if n
        ]
        total = len(self.reports)
        text = self.tr("{0} files: {1}").format(total, self.tr(", ").join(parts)) if total else ""
        if running:
            text = (text + " " + self.tr("(checking…)")).strip()
        self.summary.setText(text or self.tr("No supported files found."))

    def _show_selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        row = items[0].row()
        index = self.table.item(row, COL_FILE).data(Qt.ItemDataRole.UserRole)
        self._show(self.reports[index])

    def _show(self, report: InspectReport) -> None:
        e = html.escape
        rule_word, advice_word = self.tr("Rule:"), self.tr("Advice:")
        record_word = self.tr("Record in")
        parts = [
            f"<h3>{e(Path(report.path).name)}</h3>",
            f"<p><b>{e(self.verdict_text(report.verdict))}</b></p>",
            f"<p>{e(rule_word)} {e(self.clause_text(report.verdict))}<br>"
            f"{e(advice_word)} {e(self.advice_text(report.verdict))}</p>",
        ]
        if report.error:
            parts.append(f"<p>{e(report.error)}</p>")
        for rf in report.records:
            parts.append(f"<p>{e(record_word)} <i>{e(rf.carrier)}</i>:</p><ul>")
            for k, v in rf.values.items():
                parts.append(f"<li><code>{e(str(k))}</code> = <code>{e(str(v))}</code></li>")
            parts.append("</ul>")
        for prob in report.problems:
            parts.append(f"<p style='color:#c0392b'>✘ {e(prob)}</p>")
        for w in report.warnings:
            parts.append(f"<p style='color:#8a6d3b'>⚠ {e(w)}</p>")
        for h in report.hints:
            parts.append(f"<p style='color:#6c3483'>🔍 {e(h)}</p>")
        for n in report.notes:
            parts.append(f"<p style='color:#555'>• {e(n)}</p>")
        if report.digital_source_type:
            parts.append(
                f"<p>IPTC DigitalSourceType: <code>{e(report.digital_source_type)}</code></p>"
            )
        unverifiable = self.tr(
            "Visible and audible labels cannot be verified on an arbitrary file."
        )
        parts.append(f"<p style='color:#555'>{e(unverifiable)}</p>")
        self.output.setHtml("".join(parts))
