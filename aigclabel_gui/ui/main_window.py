"""The main window: file list, engine-rendered preview, settings, check view, export."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui import __version__
from aigclabel_gui.engine import batch
from aigclabel_gui.engine.batch import walk_inputs
from aigclabel_gui.engine.errors import AigcError
from aigclabel_gui.engine.kinds import JobStatus
from aigclabel_gui.engine.naming import check_template
from aigclabel_gui.engine.presets import (
    BUILTIN,
    delete_preset,
    list_presets,
    rename_preset,
    save_preset,
)
from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.resources import resource
from aigclabel_gui.ui.check_view import CheckView
from aigclabel_gui.ui.export_dialog import ExportDialog
from aigclabel_gui.ui.file_model import (
    STATUS_FILTERS,
    THUMB,
    FileEntry,
    FileFilterProxy,
    FileModel,
    prepare_entries,
)
from aigclabel_gui.ui.media_preview import AudioPreview, VideoPreview, image_frame
from aigclabel_gui.ui.messages import friendly_reason
from aigclabel_gui.ui.preview import PreviewWidget
from aigclabel_gui.ui.preview_render import render_image, text_info
from aigclabel_gui.ui.settings_panel import SettingsPanel
from aigclabel_gui.ui.workers import FunctionTask, start_task

PANEL_WIDTH = 340
FILES_WIDTH = 250
# The default output folder, beside the first file: our earlier outputs in it are never inputs.
DEFAULT_OUT_NAMES = {"zh": "已标识", "en": "labelled"}


def expand_paths(paths: list[Path]) -> list[FileEntry]:
    """Files as given, folders walked (the engine decides what is supported), each stat'ed and
    resolved. Runs off the UI thread: a folder of thousands must not freeze the window."""
    skip = set(DEFAULT_OUT_NAMES.values())
    return prepare_entries([p for p, rel in walk_inputs(paths) if not (set(rel.parts[:-1]) & skip)])


def sample_files() -> list[Path]:
    folder = resource("samples")
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() != ".md")


class MainWindow(QMainWindow):
    language_changed = Signal(str)
    files_added = Signal(int)

    def __init__(self, settings: LabelSettings | None = None, qsettings: QSettings | None = None):
        super().__init__()
        self.qsettings = qsettings or QSettings("aigclabel", "aigclabel")
        self.settings = settings or self._load_settings()
        self.model = FileModel(self)
        self.model.inspected.connect(self._entry_inspected)
        self.model.entries_changed.connect(self._entries_changed)
        self.proxy = FileFilterProxy(self.model, self)
        self.pool = QThreadPool.globalInstance()
        self._tasks: set = set()
        self._preview_serial = 0
        self.export_dialog: ExportDialog | None = None
        self.message_box: QMessageBox | None = None
        self.confirm_box: QMessageBox | None = None
        self.last_message = ""
        self.lang = "en"  # set by app.create_window; chooses preset titles
        self.setAcceptDrops(True)
        self.resize(1400, 860)
        self._build()

    # --- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.setWindowTitle(self.tr("aigclabel — label AI-generated content"))
        for menu in self.menuBar().findChildren(QMenu):
            menu.deleteLater()  # a language switch rebuilds the menus: do not keep the old ones
        self.menuBar().clear()
        self._build_actions()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        self.panel = SettingsPanel(self.settings)
        split.addWidget(self._build_file_side())
        split.addWidget(self._build_preview_side())

        self.panel.settings_changed.connect(self.on_settings_changed)
        self.panel.output_edit.setText(str(self.qsettings.value("output_dir", "") or ""))
        self._fill_presets()
        self.panel.preset.activated.connect(self._preset_chosen)
        self.panel.act_preset_save.triggered.connect(self._preset_save)
        self.panel.act_preset_rename.triggered.connect(self._preset_rename)
        self.panel.act_preset_delete.triggered.connect(self._preset_delete)
        self.panel.export_options_changed.connect(self.update_checklist)
        self.panel.set_role(str(self.qsettings.value("role", "") or ""))
        self.panel.role_chosen.connect(lambda role: self.qsettings.setValue("role", role))
        self.panel_scroll = QScrollArea()
        self.panel_scroll.setObjectName("settingsScroll")
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.panel_scroll.setWidget(self.panel)
        self.panel_scroll.setMinimumWidth(PANEL_WIDTH)
        split.addWidget(self.panel_scroll)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        # The picture first: the preview takes what the list and the settings leave (≥ 55 %).
        split.setSizes([FILES_WIDTH, 1400 - FILES_WIDTH - PANEL_WIDTH - 30, PANEL_WIDTH + 20])
        self.splitter = split
        self.setCentralWidget(split)
        shown = self.qsettings.value("settings_shown", True, type=bool)
        self.panel_scroll.setVisible(shown)
        self.settings_btn.setChecked(shown)
        self._entries_changed()
        self.statusBar().showMessage(self.tr("Ready"))

    def _build_file_side(self) -> QWidget:
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 0, 6)
        filters = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for key, text in zip(
            STATUS_FILTERS,
            (self.tr("All files"), self.tr("Not yet exported"), self.tr("Failed"), self.tr("Done")),
            strict=True,
        ):
            self.status_filter.addItem(text, key)
        self.status_filter.setAccessibleName(self.tr("Show"))
        self.status_filter.currentIndexChanged.connect(
            lambda i: self.proxy.set_status_filter(self.status_filter.itemData(i))
        )
        show = QLabel(self.tr("Show"))
        show.setBuddy(self.status_filter)
        filters.addWidget(show)
        filters.addWidget(self.status_filter, 1)
        lv.addLayout(filters)
        self.table = QTableView()
        self.table.setObjectName("fileTable")
        self.table.setAccessibleName(self.tr("Files"))
        self.table.setModel(self.proxy)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the next control, not cell to cell
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 6)
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, self.model.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        for col, width in ((1, 44), (2, 90), (3, 70), (4, 56)):
            self.table.setColumnWidth(col, width)
        # The list column is narrow (the picture comes first): the name and the export status
        # stay in view; kind, size and the record found show in the preview caption and the
        # settings panel.
        for col in (1, 2, 3):
            self.table.setColumnHidden(col, True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.update_preview())
        self.table.setAcceptDrops(False)

        self.empty_hint = QWidget()
        self.empty_hint.setObjectName("emptyHint")
        eh = QVBoxLayout(self.empty_hint)
        title = QLabel(self.tr("No files yet"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        hint = QLabel(
            self.tr(
                "Drag pictures, audio, video or documents here (files or whole folders), "
                "or use Add Files / Add Folder. Nothing is changed in the originals: labelled "
                "copies go to the output folder."
            )
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.samples_btn = QPushButton(self.tr("Try with samples"))
        self.samples_btn.setObjectName("samplesButton")
        self.samples_btn.setStyleSheet("padding: 8px 18px; font-weight: bold;")
        self.samples_btn.clicked.connect(self.add_samples)
        sample_note = QLabel(self.tr("A picture, a short clip with sound and a short audio file."))
        sample_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sample_note.setWordWrap(True)
        eh.addStretch(1)
        eh.addWidget(title)
        eh.addWidget(hint)
        eh.addSpacing(12)
        eh.addWidget(self.samples_btn, 0, Qt.AlignmentFlag.AlignCenter)
        eh.addWidget(sample_note)
        eh.addStretch(2)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.empty_hint)
        self.list_stack.addWidget(self.table)
        lv.addWidget(self.list_stack, 1)

        buttons = QGridLayout()  # two by two: the list column stays narrow, the picture wide
        for n, action in enumerate(
            (self.act_add_files, self.act_add_folder, self.act_remove, self.act_clear)
        ):
            b = QPushButton(re.sub(r"\(&\w\)", "", action.text()).replace("&", ""))
            b.setToolTip(action.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
            b.clicked.connect(action.trigger)
            buttons.addWidget(b, n // 2, n % 2)
        lv.addLayout(buttons)
        # Export in reach: where the copies go and what is still missing, beside the button.
        out_title = QLabel(self.tr("Output folder"))
        out_title.setBuddy(self.panel.output_edit)
        lv.addWidget(out_title)
        lv.addWidget(self.panel.output_row)
        self.checklist = QLabel()
        self.checklist.setObjectName("checklist")
        self.checklist.setWordWrap(True)
        lv.addWidget(self.checklist)
        self.export_btn = QPushButton(self.tr("Export labelled copies"))
        self.export_btn.setObjectName("exportButton")
        self.export_btn.setToolTip(
            self.act_export.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        )
        self.export_btn.setStyleSheet("font-weight: bold; padding: 8px;")
        self.export_btn.clicked.connect(lambda: self.export())
        lv.addWidget(self.export_btn)
        return left

    def _build_preview_side(self) -> QWidget:
        self.tabs = QTabWidget()
        pv = QWidget()
        pvl = QVBoxLayout(pv)
        self.preview = PreviewWidget()
        self.preview.setObjectName("preview")
        self.preview.position_changed.connect(self.on_label_moved)
        self.preview.show_message(
            self.tr("Select a file to see the label exactly as it will be written.")
        )
        self.video_preview = VideoPreview()
        self.video_preview.setObjectName("videoPreview")
        self.video_preview.position_changed.connect(self.on_label_moved)
        self.audio_preview = AudioPreview()
        self.audio_preview.setObjectName("audioPreview")
        self.preview_stack = QStackedWidget()
        for w in (self.preview, self.video_preview, self.audio_preview):
            self.preview_stack.addWidget(w)
        self.drag_hint = QLabel(
            self.tr("Drag the label to move it; near a corner or an edge it snaps into place.")
        )
        self.drag_hint.setWordWrap(True)
        self.drag_hint.setStyleSheet("color: #666;")
        self.apply_all = QCheckBox(self.tr("A moved label applies to all files"))
        self.apply_all.setObjectName("applyAll")
        bar = QHBoxLayout()
        self.prev_btn = QToolButton()
        self.prev_btn.setText(self.tr("◀ Previous"))
        self.prev_btn.setToolTip("Page Up")
        self.prev_btn.setShortcut(QKeySequence("PgUp"))
        self.prev_btn.clicked.connect(lambda: self.step_file(-1))
        self.next_btn = QToolButton()
        self.next_btn.setText(self.tr("Next ▶"))
        self.next_btn.setToolTip("Page Down")
        self.next_btn.setShortcut(QKeySequence("PgDown"))
        self.next_btn.clicked.connect(lambda: self.step_file(1))
        self.zoom_btn = QToolButton()
        self.zoom_btn.setObjectName("zoomButton")
        self.zoom_btn.setCheckable(True)
        self.zoom_btn.setText(self.tr("100 %"))
        self.zoom_btn.setToolTip(self.tr("Show the picture at 100 % around the label (or fit)"))
        self.zoom_btn.toggled.connect(self.set_actual_size)
        self.settings_btn = QToolButton()
        self.settings_btn.setObjectName("settingsToggle")
        self.settings_btn.setCheckable(True)
        self.settings_btn.setText(self.tr("Settings"))
        self.settings_btn.toggled.connect(self.show_settings)
        for b in (self.prev_btn, self.next_btn, self.zoom_btn):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.settings_btn)
        pvl.addLayout(bar)
        pvl.addWidget(self.preview_stack, 1)
        pvl.addWidget(self.drag_hint)
        self.position_row = QWidget()
        self.position_row.setLayout(self._build_position_row())
        self.position_row.layout().setContentsMargins(0, 0, 0, 0)
        self.position_row.setVisible(False)  # shown with a picture or a video (update_preview)
        pvl.addWidget(self.position_row)
        self.tabs.addTab(pv, self.tr("Preview"))
        self.check_view = CheckView()
        self.tabs.addTab(self.check_view, self.tr("Check"))
        return self.tabs

    def _build_actions(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu(self.tr("&File"))
        self.act_add_files = QAction(
            self.tr("Add &Files…"), self, shortcut=QKeySequence.StandardKey.Open
        )
        self.act_add_files.triggered.connect(self.choose_files)
        self.act_add_folder = QAction(
            self.tr("Add F&older…"), self, shortcut=QKeySequence("Ctrl+Shift+O")
        )
        self.act_add_folder.triggered.connect(self.choose_folder)
        self.act_samples = QAction(self.tr("Try with &samples"), self)
        self.act_samples.triggered.connect(self.add_samples)
        self.act_export = QAction(self.tr("&Export…"), self, shortcut=QKeySequence("Ctrl+E"))
        self.act_export.triggered.connect(lambda: self.export())
        self.act_check = QAction(self.tr("&Check files…"), self, shortcut=QKeySequence("Ctrl+K"))
        self.act_check.triggered.connect(
            lambda: (self.tabs.setCurrentIndex(1), self.check_view._choose())
        )
        self.act_quit = QAction(self.tr("&Quit"), self, shortcut=QKeySequence.StandardKey.Quit)
        self.act_quit.triggered.connect(self.close)
        for a in (
            self.act_add_files,
            self.act_add_folder,
            self.act_samples,
            self.act_export,
            self.act_check,
        ):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit = mb.addMenu(self.tr("&Edit"))
        self.act_remove = QAction(
            self.tr("&Remove"), self, shortcut=QKeySequence.StandardKey.Delete
        )
        self.act_remove.triggered.connect(self.remove_selected)
        self.act_clear = QAction(self.tr("C&lear"), self, shortcut=QKeySequence("Ctrl+Shift+Del"))
        self.act_clear.triggered.connect(self.clear_files)
        self.act_play = QAction(self.tr("&Play labelled audio/video"), self)
        self.act_play.setShortcut(QKeySequence("Ctrl+P"))
        self.act_play.triggered.connect(self.play_current)
        self.act_remember = QAction(self.tr("Remember the file list"), self, checkable=True)
        self.act_remember.setChecked(self.qsettings.value("remember_list", False, type=bool))
        self.act_remember.toggled.connect(lambda on: self.qsettings.setValue("remember_list", on))
        self.act_role = QAction(self.tr("Creator or service provider…"), self)
        self.act_role.triggered.connect(self.ask_role)
        for a in (self.act_remove, self.act_clear, self.act_play, self.act_role):
            edit.addAction(a)
        edit.addSeparator()
        self.act_apply_selected = QAction(
            self.tr("Apply this label position to selected files"), self
        )
        self.act_apply_selected.triggered.connect(self.apply_position_to_selected)
        self.act_reset_position = QAction(self.tr("Reset label position of selected files"), self)
        self.act_reset_position.triggered.connect(self.reset_positions)
        edit.addAction(self.act_apply_selected)
        edit.addAction(self.act_reset_position)
        edit.addSeparator()
        edit.addAction(self.act_remember)
        view = mb.addMenu(self.tr("&Language"))
        self.act_zh = QAction("中文", self, checkable=True)
        self.act_en = QAction("English", self, checkable=True)
        self.act_zh.triggered.connect(lambda: self.language_changed.emit("zh_CN"))
        self.act_en.triggered.connect(lambda: self.language_changed.emit("en"))
        view.addAction(self.act_zh)
        view.addAction(self.act_en)
        help_menu = mb.addMenu(self.tr("&Help"))
        self.act_about = QAction(self.tr("&About"), self)
        self.act_about.triggered.connect(self.about)
        help_menu.addAction(self.act_about)

    def retranslate(self) -> None:
        """Rebuild the widgets after a language switch (settings, files and export options are kept)."""
        current = self.table.currentIndex().row() if hasattr(self, "table") else -1
        export = (
            (self.panel.output_edit.text(), self.panel.template_edit.text(), self.panel.on_exist)
            if hasattr(self, "panel")
            else None
        )
        apply_all = self.apply_all.isChecked()
        self.audio_preview.player.shutdown()  # the old widgets are deleted with their players
        self.video_preview.player.shutdown()
        self._build()
        if export is not None:
            self.panel.set_export_options(*export)
        self.apply_all.setChecked(apply_all)
        self.model.headerDataChanged.emit(
            Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1
        )
        if self.model.rowCount():
            self.model.dataChanged.emit(
                self.model.index(0, 0),
                self.model.index(self.model.rowCount() - 1, self.model.columnCount() - 1),
            )
        if current >= 0:
            self.table.selectRow(current)

    # --- messages (non-blocking, so the event loop and tests keep running) -------------------
    def show_message(self, title: str, text: str, warning: bool = True, details: str = "") -> None:
        self.last_message = text
        self.statusBar().showMessage(text.replace("\n", " "), 10000)
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information,
            title,
            text,
            QMessageBox.StandardButton.Ok,
            self,
        )
        if details:  # the engine's own words, behind the dialog's "Show Details…"
            box.setDetailedText(details)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: setattr(self, "message_box", None))
        self.message_box = box
        box.open()

    # --- files ---------------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> None:
        """Expand folders off the UI thread, then add rows (they appear at once; details load lazily)."""
        task = FunctionTask("expand", expand_paths, [Path(p) for p in paths])
        task.signals.result.connect(lambda _k, files: self._add_files(files))
        task.signals.error.connect(
            lambda _k, msg: self.statusBar().showMessage(self.tr("Cannot add: {0}").format(msg))
        )
        self._start(task)

    def _add_files(self, entries: list[FileEntry]) -> None:
        n = self.model.add_entries(entries)
        self.statusBar().showMessage(self.tr("{0} files added").format(n), 4000)
        if self.table.currentIndex().row() < 0 and self.model.rowCount():
            self.table.selectRow(0)
        self.files_added.emit(n)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Add files"))
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add folder"))
        if folder:
            self.add_paths([Path(folder)])

    def add_samples(self) -> None:
        samples = sample_files()
        if not samples:
            self.show_message(self.tr("Samples"), self.tr("No sample files are installed."), False)
            return
        self.add_paths(samples)

    def remove_selected(self) -> None:
        rows = [self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()]
        self.model.remove_rows(rows)
        self.update_preview()

    def ask_role(self) -> None:
        self.panel.set_role("")
        self.show_settings(True)
        self.settings_btn.setChecked(True)
        self.panel_scroll.ensureWidgetVisible(self.panel.role_box)

    def export_running(self) -> bool:
        return self.export_dialog is not None and self.export_dialog.final is None

    def confirm(self, title: str, text: str, yes: str) -> bool:
        """A modal yes/no question (self.confirm_box while it is open, for tests)."""
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, self
        )
        yes_btn = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(yes_btn)
        self.confirm_box, self.confirm_yes = box, yes_btn
        try:
            box.exec()
        finally:
            self.confirm_box = None
        return box.clickedButton() is yes_btn

    def stop_export(self, timeout_s: float = 60.0) -> bool:
        """Cancel a running export and wait (events keep flowing) until the batch runner has
        ended, which joins its pool: no worker process is left behind."""
        dlg = self.export_dialog
        if dlg is None or dlg.final is not None:
            return True
        dlg.cancel()
        end = time.monotonic() + timeout_s
        while dlg.final is None and time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.02)
        return dlg.final is not None

    def clear_files(self) -> None:
        if self.export_running():
            if not self.confirm(
                self.tr("Clear"),
                self.tr("An export is running. Stop it and clear the list?"),
                self.tr("Stop and clear"),
            ):
                return
            self.stop_export()
        self.model.clear()
        self.update_preview()

    def _entries_changed(self) -> None:
        if not hasattr(self, "list_stack"):
            return
        empty = self.model.rowCount() == 0
        self.list_stack.setCurrentWidget(self.empty_hint if empty else self.table)
        self.export_btn.setEnabled(not empty)
        self.act_export.setEnabled(not empty)
        self.update_checklist()

    # --- export readiness ------------------------------------------------------------------
    def default_output_dir(self) -> Path | None:
        """`<folder of the first file>/labelled` (已标识 in Chinese) when none was chosen."""
        if not self.model.entries:
            return None
        name = DEFAULT_OUT_NAMES["zh" if self.lang.startswith("zh") else "en"]
        return self.model.entries[0].path.parent / name

    def output_dir(self) -> Path | None:
        chosen = self.panel.output_dir
        return Path(chosen) if chosen else self.default_output_dir()

    def _needs_producer(self) -> bool:
        """Only rows already inspected and known to lack a record need the code up front; rows
        not yet inspected (lazy list) are left to the engine, which fails them with advice."""
        s = self.settings
        return s.implicit.enabled and any(
            e.report is not None and not e.report.records and not e.unsupported
            for e in self.model.entries
        )

    def missing_items(self) -> list[tuple[str, QWidget]]:
        """What stops an export now: (what to say, the field to go to)."""
        items: list[tuple[str, QWidget]] = []
        if not any(not e.unsupported for e in self.model.entries):
            items.append((self.tr("files to label"), self.samples_btn))
        s = self.settings
        if s.implicit_only and not s.implicit.enabled:
            items.append(
                (
                    self.tr("something to write: a visible label or the metadata record"),
                    self.panel.write_record,
                )
            )
        self.panel.set_needs_producer(self._needs_producer())
        problem = self.panel.producer_problem()
        if problem:
            n = sum(
                1
                for e in self.model.entries
                if e.report is not None and not e.report.records and not e.unsupported
            )
            what = (
                self.tr("the producer code ({0} files have no record yet)").format(n)
                if not s.implicit.producer
                else self.tr("a valid producer code: {0}").format(problem)
            )
            items.append((what, self.panel.id_edits["producer"]))
        return items

    def update_checklist(self) -> None:
        if not hasattr(self, "checklist"):
            return
        missing = self.missing_items() if self.model.entries else []
        out = self.output_dir()
        if out is not None and not self.panel.output_dir:
            self.panel.output_edit.setPlaceholderText(str(out))
        if missing:
            self.checklist.setText(
                self.tr("Still needed: {0}").format("; ".join(t for t, _w in missing))
            )
            self.checklist.setStyleSheet("color: #8a6d3b;")
        elif self.model.entries:
            n = sum(1 for e in self.model.entries if not e.unsupported)
            self.checklist.setText(self.tr("Ready: {0} files").format(n))
            self.checklist.setStyleSheet("color: #2e7d32;")
        else:
            self.checklist.setText("")

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        # Drag and drop only adds references to the list: nothing is moved or copied.
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if self.tabs.currentIndex() == 1:
            self.check_view.check_paths(
                paths
            )  # folders are walked by the Check tab, off the UI thread
        else:
            self.add_paths(paths)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    # --- preview ---------------------------------------------------------------------------------
    def current_entry(self) -> FileEntry | None:
        row = self.proxy.mapToSource(self.table.currentIndex()).row()
        return self.model.entries[row] if 0 <= row < len(self.model.entries) else None

    def step_file(self, step: int) -> None:
        """Previous / next file in the list as shown (sorted, filtered)."""
        n = self.proxy.rowCount()
        if not n:
            return
        row = min(max(self.table.currentIndex().row() + step, 0), n - 1)
        self.table.selectRow(row)

    def set_actual_size(self, on: bool) -> None:
        self.preview.actual_size = on
        self.zoom_btn.setText(self.tr("Fit") if on else self.tr("100 %"))
        self.update_preview()

    def show_settings(self, on: bool) -> None:
        self.panel_scroll.setVisible(on)
        self.qsettings.setValue("settings_shown", on)

    def settings_for(self, entry: FileEntry) -> LabelSettings:
        return entry.override or self.settings

    def _message(self, text: str) -> None:
        self.preview_stack.setCurrentWidget(self.preview)
        self.preview.show_message(text)
        self.drag_hint.setVisible(False)
        self.position_row.setVisible(False)

    def update_preview(self) -> None:
        entry = self.current_entry()
        if entry is None or entry.kind != "video":
            self.video_preview.unload()  # the clip's decoder and cached frames go with it
        if entry is None:
            self._message(self.tr("Select a file to see the label exactly as it will be written."))
            self.panel.show_existing_record(None)
            return
        self._show_existing(entry)
        if entry.unsupported:
            self._message(entry.unsupported)
            return
        if not entry.kind:
            self._message(self.tr("Reading {0}…").format(entry.path.name))
            return  # _entry_inspected() calls us again once the engine has identified it
        settings = self.settings_for(entry)
        margin = settings.visible.margin_pct / 100
        self.drag_hint.setVisible(entry.kind in ("image", "video") and not settings.implicit_only)
        self.position_row.setVisible(self.drag_hint.isVisibleTo(self))
        if entry.kind == "text":
            # The engine's own TextPlan (what the export writes), planned off the UI thread.
            self._preview_serial += 1
            self._message(self.tr("Reading {0}…").format(entry.path.name))
            task = FunctionTask(self._preview_serial, text_info, entry.path, settings)
            task.signals.result.connect(self._text_ready)
            task.signals.error.connect(self._preview_failed)
            self._start(task)
            return
        if entry.kind == "video":
            self.preview_stack.setCurrentWidget(self.video_preview)
            self.video_preview.load(entry.path, settings, margin)
            return
        if entry.kind == "audio":
            self.preview_stack.setCurrentWidget(self.audio_preview)
            self.audio_preview.load(entry.path, settings)
            return
        self.preview_stack.setCurrentWidget(self.preview)
        self._preview_serial += 1
        self.preview.margin_frac = margin
        # 100 %: the engine renders the whole picture (fit: at most 1200 px, fast).
        max_side = 1 << 14 if self.preview.actual_size else 1200
        task = FunctionTask(self._preview_serial, render_image, entry.path, settings, max_side)
        task.signals.result.connect(self._preview_ready)
        task.signals.error.connect(self._preview_failed)
        self._start(task)

    def _preview_ready(self, serial: int, render) -> None:
        if serial != self._preview_serial:
            return  # a newer preview was requested meanwhile
        self.preview.setToolTip("")
        w, h = render.source_size
        render.caption = f"{w} × {h}"
        if render.label is not None:
            render.caption += " · " + self.tr(
                "label text height {0:.1f}% of the shorter side"
            ).format(render.ink_pct)
        self.preview.show_frame(image_frame(render))

    def _text_ready(self, serial: int, info) -> None:
        if serial != self._preview_serial:
            return
        self.preview.setToolTip("")
        self._message(self.text_plan_text(info))

    def text_plan_text(self, info) -> str:
        """What the export adds to a document, from the engine's TextPlan, in the user's words."""
        if info.plan is None:
            return self.tr("Metadata only: no prompt is added to this document.")
        if not info.style:
            return self.tr("This document type gets the metadata record only, no prompt.")
        style = {
            "line": self.tr("a line"),
            "quote": self.tr("a quote"),
            "paragraph": self.tr("a paragraph"),
            "stamp": self.tr("text on the page"),
            "header": self.tr("the sheet header"),
            "text box": self.tr("a text box on the slide"),
        }.get(info.style, info.style)
        where = {
            ("start",): self.tr("at the start"),
            ("end",): self.tr("at the end"),
            ("start", "end"): self.tr("at the start and at the end"),
        }.get(tuple(info.places), "")
        return self.tr("The export adds the prompt “{0}” {1}, as {2}.").format(
            info.prompt, where, style
        )

    def _preview_failed(self, serial: int, message: str) -> None:
        if serial == self._preview_serial:
            # The user's language on screen; the engine's technical text in the tooltip.
            self.preview.show_message(self.tr("No preview: {0}").format(friendly_reason(message)))
            self.preview.setToolTip(message)

    def play_current(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        if entry.kind == "audio":
            self.audio_preview.toggle_play()
        elif entry.kind == "video":
            self.video_preview.toggle_play()

    def _entry_inspected(self, path: Path) -> None:
        self.update_checklist()
        entry = self.current_entry()
        if entry is not None and entry.path == path:
            self.update_preview()

    def _show_existing(self, entry: FileEntry) -> None:
        values = None
        if entry.report is not None:
            for rf in entry.report.records:
                values = rf.values
                break
        self.panel.show_existing_record(values)

    # --- per-file label positions ------------------------------------------------------------------
    def _build_position_row(self) -> QHBoxLayout:
        """The checkbox "apply to all", and "apply to selected" and "reset position" for the files that
        have their own label position (marked ◆ in the list)."""
        self.table.addAction(self.act_apply_selected)
        self.table.addAction(self.act_reset_position)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.apply_selected_btn = QToolButton()
        self.apply_selected_btn.setObjectName("applySelected")
        self.apply_selected_btn.setText(self.tr("Apply to selected"))
        self.apply_selected_btn.setToolTip(self.act_apply_selected.text())
        self.apply_selected_btn.clicked.connect(self.apply_position_to_selected)
        self.reset_position_btn = QToolButton()
        self.reset_position_btn.setObjectName("resetPosition")
        self.reset_position_btn.setText(self.tr("Reset position"))
        self.reset_position_btn.setToolTip(self.act_reset_position.text())
        self.reset_position_btn.clicked.connect(self.reset_positions)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_position_actions()
        )
        row = QHBoxLayout()
        row.addWidget(self.apply_all, 1)
        row.addWidget(self.apply_selected_btn)
        row.addWidget(self.reset_position_btn)
        self._update_position_actions()
        self.drag_hint.setVisible(False)  # shown with a picture or a video (update_preview)
        return row

    def selected_entries(self) -> list[FileEntry]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.entries[r] for r in sorted(rows) if 0 <= r < len(self.model.entries)]

    def _update_position_actions(self) -> None:
        selected = self.selected_entries()
        current = self.current_entry()
        can_apply = current is not None and any(e is not current for e in selected)
        can_reset = any(e.override is not None for e in selected)
        for w in (self.act_apply_selected, self.apply_selected_btn):
            w.setEnabled(can_apply)
        for w in (self.act_reset_position, self.reset_position_btn):
            w.setEnabled(can_reset)

    def reset_positions(self) -> None:
        """The selected files go back to the label position of the settings."""
        changed = [e for e in self.selected_entries() if e.override is not None]
        for e in changed:
            e.override = None
            self.model.entry_changed(e)
        self.statusBar().showMessage(
            self.tr("Label position reset for {0} files").format(len(changed)), 4000
        )
        self._update_position_actions()
        self.update_preview()

    def apply_position_to_selected(self) -> None:
        """The current file's label position for every selected file (asks before replacing
        positions those files had of their own)."""
        entry = self.current_entry()
        if entry is None:
            return
        position = self.settings_for(entry).visible.position
        targets = [e for e in self.selected_entries() if e is not entry]
        custom = [
            e for e in targets if e.override is not None and e.override.visible.position != position
        ]
        if custom and not self.confirm(
            self.tr("Move the label in the selected files"),
            self.tr(
                "{0} of the selected files have their own label position. Replace them?"
            ).format(len(custom)),
            self.tr("Replace"),
        ):
            return
        for e in targets:
            if position == self.settings.visible.position:
                e.override = None
            else:
                e.override = dataclasses.replace(
                    self.settings,
                    visible=dataclasses.replace(self.settings.visible, position=position),
                )
            self.model.entry_changed(e)
        self.statusBar().showMessage(
            self.tr("Label moved to {0} in {1} files").format(
                self._position_name(position), len(targets)
            ),
            4000,
        )
        self._update_position_actions()

    def on_label_moved(self, position: str) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        if self.apply_all.isChecked():
            custom = [
                e
                for e in self.model.entries
                if e.override is not None and e.override.visible.position != position
            ]
            if len(custom) > (0 if entry.override is None else 1) and not self.confirm(
                self.tr("Move the label in all files"),
                self.tr("{0} files have their own label position. Replace them all?").format(
                    len(custom)
                ),
                self.tr("Replace all"),
            ):
                self.update_preview()  # the dragged label goes back
                return
            self.settings = dataclasses.replace(
                self.settings, visible=dataclasses.replace(self.settings.visible, position=position)
            )
            for e in self.model.entries:
                if e.override is not None:
                    e.override = None
                    self.model.entry_changed(e)
            self.panel.set_settings(self.settings)
            self._save_settings()
        else:
            base = self.settings_for(entry)
            entry.override = dataclasses.replace(
                base, visible=dataclasses.replace(base.visible, position=position)
            )
            self.model.entry_changed(entry)
        self._update_position_actions()
        self.statusBar().showMessage(
            self.tr("Label moved to {0}").format(self._position_name(position)), 4000
        )
        self.update_preview()

    def _position_name(self, position: str) -> str:
        i = self.panel.position.findData(position)
        if i >= 0 and position in self._anchor_names():
            return self.panel.position.itemText(i)
        return self.tr("a custom place")

    @staticmethod
    def _anchor_names() -> set[str]:
        from aigclabel_gui.engine.settings import ANCHORS

        return {*ANCHORS, "auto"}

    def on_settings_changed(self, settings: LabelSettings) -> None:
        old = self.settings
        self.settings = settings
        # Per-file overrides keep their own position but follow every other change.
        for e in self.model.entries:
            if e.override is not None:
                e.override = dataclasses.replace(
                    settings,
                    visible=dataclasses.replace(
                        settings.visible, position=e.override.visible.position
                    ),
                )
        self._save_settings()
        self.update_checklist()
        if old != settings:
            self.update_preview()

    def _save_settings(self) -> None:
        self.qsettings.setValue("settings", json.dumps(self.settings.to_dict(), ensure_ascii=False))

    # --- presets -------------------------------------------------------------------------------------
    def _fill_presets(self, select: str | None = None) -> None:
        combo = self.panel.preset
        combo.clear()
        zh = self.lang.startswith("zh")
        for p in list_presets():
            combo.addItem(p.title_zh if zh else p.title_en, p.name)
        if select is not None and (i := combo.findData(select)) >= 0:
            combo.setCurrentIndex(i)

    def _preset_chosen(self, index: int) -> None:
        name = self.panel.preset.itemData(index)
        for p in list_presets():
            if p.name == name:
                # A preset never carries someone's producer code into another job: keep the form's.
                imp = dataclasses.replace(
                    p.settings.implicit,
                    producer=p.settings.implicit.producer or self.settings.implicit.producer,
                )
                self.panel.set_settings(dataclasses.replace(p.settings, implicit=imp))
                self.on_settings_changed(self.panel.settings)
                return

    def _preset_save(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save preset"), self.tr("Preset name:"))
        if ok and name.strip():
            self.save_preset_as(name.strip())

    def save_preset_as(self, name: str) -> bool:
        try:
            save_preset(name, self.settings)
        except AigcError as exc:
            self.show_message(self.tr("Save preset"), str(exc))
            return False
        self._fill_presets(select=name)
        return True

    def _preset_rename(self) -> None:
        old = self.panel.preset.currentData()
        if old in BUILTIN:
            self.show_message(
                self.tr("Rename preset"), self.tr("Built-in presets cannot be renamed."), False
            )
            return
        new, ok = QInputDialog.getText(
            self, self.tr("Rename preset"), self.tr("New name:"), text=str(old)
        )
        if ok and new.strip() and new.strip() != old:
            self.rename_preset(old, new.strip())

    def rename_preset(self, old: str, new: str) -> bool:
        try:
            rename_preset(old, new)
        except AigcError as exc:
            self.show_message(self.tr("Rename preset"), str(exc))
            return False
        self._fill_presets(select=new)
        return True

    def _preset_delete(self) -> None:
        name = self.panel.preset.currentData()
        if name in BUILTIN:
            self.show_message(
                self.tr("Delete preset"), self.tr("Built-in presets cannot be deleted."), False
            )
            return
        try:
            delete_preset(name)
        except AigcError as exc:
            self.show_message(self.tr("Delete preset"), str(exc))
        self._fill_presets()

    # --- export ---------------------------------------------------------------------------------------
    def _confirmed_settings(self, entries) -> LabelSettings | None:
        """The export's settings after the guardrails (GB 45438 §5): a file kind that would get
        no explicit label, or label wording without "AI" + "generated", needs the user's own
        choice, asked here once and recorded in the report by the engine. Fixed IDs on several
        files become per-file prefixes (Annex E: an ID per piece of content). None: cancelled."""
        from aigclabel_gui.engine.errors import LabelTextRefused
        from aigclabel_gui.engine.pipeline import check_label_text, explicit_missing

        s = self.settings
        kinds = sorted({e.kind for e in entries if e.kind})
        # The engine decides which kinds lack a label; the UI says it in the user's language.
        said = {
            "image": self.tr("pictures: no visible text label (GB 45438 §5.2)"),
            "video": self.tr("videos: no text prompt from the first frame (GB 45438 §5.4)"),
            "audio": self.tr("audio: no voice or rhythm prompt (GB 45438 §5.3)"),
            "text": self.tr("documents: no text prompt (GB 45438 §5.1)"),
        }
        reasons = [said.get(k, k) for k in kinds if explicit_missing(k, s)]
        if reasons and not s.no_explicit:
            text = self.tr(
                "These files would get no visible or audible label, which GB 45438 §5 asks for:"
                "\n\n{0}\n\nMeasures Art. 9: unlabelled copies may be handed out only at the "
                "user's own request, and the labelling duty stays with whoever publishes them. "
                "Your choice is written into the report. Export without the label?"
            ).format("\n".join(f"• {r}" for r in reasons))
            if not self.confirm(self.tr("No explicit label"), text, self.tr("Export without it")):
                return None
            s = dataclasses.replace(s, no_explicit=True)
        refused = None
        if s.visible.enabled and not s.implicit_only:
            for k in {"image", "video"} & set(kinds):
                try:
                    check_label_text(k, s)  # the engine's own rule, asked before the batch
                except LabelTextRefused as exc:
                    refused = exc
        if refused is not None:
            text = self.tr(
                'The label text “{0}” lacks the "AI" and "generated/synthesised" elements '
                "GB 45438 §5.2/§5.4 ask for (the default is AI生成). Draw it anyway? The report "
                "will say it was forced."
            ).format(s.visible.resolved_text())
            if not self.confirm(self.tr("Label text"), text, self.tr("Draw it anyway")):
                return None
            s = dataclasses.replace(s, force_text=True)
        imp = s.implicit
        if len(entries) > 1 and (imp.produce_id or imp.propagate_id) and not imp.ids_as_prefix:
            s = dataclasses.replace(s, implicit=dataclasses.replace(imp, ids_as_prefix=True))
        return s

    def export(self, workers: int = 0, only: list[Path] | None = None) -> ExportDialog | None:
        """Check the inputs, then run the batch in an ExportDialog (off the UI thread). What is
        missing is said in one message, and the first missing field gets the focus."""
        if self.export_running():
            self.export_dialog.raise_()
            return None
        entries = [e for e in self.model.entries if not e.unsupported]
        if only is not None:
            keys = {Path(p).resolve() for p in only}
            entries = [e for e in entries if e.key in keys]
        if not entries:
            return None
        self.panel.mark_export_attempted()
        missing = self.missing_items()
        if missing:
            self._show_missing(missing)
            return None
        outdir = self.output_dir()
        settings = self._confirmed_settings(entries)
        if settings is None:
            return None
        try:
            settings.validate()
            check_template(self.panel.name_template)  # a typo is said at once, not by the worker
            outdir.mkdir(parents=True, exist_ok=True)
        except AigcError as exc:
            self.show_message(self.tr("Export"), str(exc))
            return None
        except OSError as exc:
            self.show_message(
                self.tr("Export"),
                self.tr("Cannot create the output folder: {0}").format(exc.strerror or exc),
            )
            return None
        if self.panel.output_dir:
            self.qsettings.setValue("output_dir", self.panel.output_dir)
        # Planning walks folders and identifies files (seconds for thousands): the export's worker
        # does it (issue 11), with the kinds the rows already know so those are not sniffed again.
        plan = functools.partial(
            batch.plan_jobs,  # looked up on the module: tests watch which thread calls it
            [e.path for e in entries],
            outdir,
            settings,
            name_template=self.panel.name_template,
            overrides={e.path: e.override for e in entries if e.override is not None},
            kinds={e.path: e.kind for e in entries if e.kind},
        )
        for e in entries:
            e.status, e.status_reason = JobStatus.RUNNING, ""
            self.model.entry_changed(e)
        unsupported = [e.path for e in self.model.entries if e.unsupported] if only is None else []
        dlg = ExportDialog(
            plan, outdir, self.panel.on_exist, workers, self, unsupported=unsupported
        )
        dlg.plan_failed.connect(lambda message, es=entries: self._export_refused(es, message))
        dlg.file_finished.connect(self._export_file_done)
        dlg.batch_finished.connect(self._export_done)
        dlg.retry_requested.connect(lambda paths, w=workers: self.export(w, only=paths))
        self.export_dialog = dlg
        dlg.show()
        dlg.start()
        return dlg

    def _show_missing(self, missing: list[tuple[str, QWidget]]) -> None:
        text = (
            self.tr("Before exporting, please add:")
            + "\n"
            + "\n".join(f"• {t}" for t, _w in missing)
        )
        producer_only = [w for _t, w in missing] == [self.panel.id_edits["producer"]]
        self.show_message(self.tr("Export"), text)
        if producer_only and not self.settings.implicit.producer and self.message_box:
            # No dead end: a creator without the service's code can still export the visible
            # label (the note under the check box says what that copy lacks).
            btn = self.message_box.addButton(
                self.tr("Export the visible label only"), QMessageBox.ButtonRole.ActionRole
            )
            btn.clicked.connect(self._export_visible_only)
        first = missing[0][1]
        if first in self.panel.findChildren(QWidget):
            self.show_settings(True)
            self.settings_btn.setChecked(True)
            self.panel_scroll.ensureWidgetVisible(first)
        first.setFocus()

    def _export_visible_only(self) -> None:
        self.panel.write_record.setChecked(False)
        QTimer.singleShot(0, self.export)

    def _export_refused(self, entries: list, message: str) -> None:
        """Planning refused the export (e.g. an output name would be an input): nothing ran."""
        for e in entries:
            if e.status == JobStatus.RUNNING:
                e.status, e.status_reason = "", ""
                self.model.entry_changed(e)
        self.show_message(
            self.tr("Export"),
            self.tr("The export did not start: {0}").format(friendly_reason(message)),
            details=message,
        )

    def _export_file_done(self, result) -> None:
        row = self.model.row_of(Path(result.src))
        if row is None:
            return
        e = self.model.entries[row]
        e.status, e.status_reason, e.output = result.status, result.reason, result.dst
        e.status_error = result.error
        self.model.entry_changed(e)

    def _export_done(self, finished) -> None:
        for r in finished.results:
            self._export_file_done(r)

    # --- misc ---------------------------------------------------------------------------------------------
    def about(self) -> None:
        import av
        import PySide6

        text = self.tr(
            "<h3>aigclabel {0}</h3><p>Labels AI-generated images, audio, video and text per GB 45438-2025.</p>"
            "<p>Licence: GPL-3.0-or-later.<br>PySide6 {1} (LGPL-3.0) · PyAV {2} with FFmpeg {3} (GPL build: x264/x265)"
            "<br>Font: Noto Sans SC, SIL Open Font License 1.1</p>"
        ).format(
            __version__,
            PySide6.__version__,
            av.__version__,
            getattr(av, "ffmpeg_version_info", ""),
        )
        QMessageBox.about(self, self.tr("About aigclabel"), text)

    def _start(self, task: FunctionTask) -> None:
        start_task(task, self._tasks, self.pool)

    def _load_settings(self) -> LabelSettings:
        raw = self.qsettings.value("settings", "")
        if raw:
            try:
                return LabelSettings.from_dict(json.loads(raw))
            except (AigcError, ValueError, TypeError):
                pass
        return LabelSettings()

    def closeEvent(self, event) -> None:
        if self.export_running():
            if not self.confirm(
                self.tr("Quit"),
                self.tr("An export is running. Stop it and quit? Files in progress are not kept."),
                self.tr("Stop and quit"),
            ):
                event.ignore()
                return
            self.stop_export()
            self.export_dialog.close()
        self.audio_preview.player.shutdown()
        self.video_preview.player.shutdown()
        if self.act_remember.isChecked():
            self.qsettings.setValue(
                "file_list", json.dumps([str(e.path) for e in self.model.entries])
            )
        else:
            self.qsettings.remove("file_list")
        super().closeEvent(event)

    def restore_file_list(self) -> None:
        if not self.act_remember.isChecked():
            return
        try:
            paths = [Path(p) for p in json.loads(self.qsettings.value("file_list", "[]"))]
        except ValueError:
            return
        self.add_paths([p for p in paths if p.exists()])
