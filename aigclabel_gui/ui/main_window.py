"""The main window: file list, engine-rendered preview, settings, check view, export."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSettings, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui import __version__
from aigclabel_gui.engine.batch import plan_jobs, walk_inputs
from aigclabel_gui.engine.errors import AigcError
from aigclabel_gui.engine.presets import BUILTIN, delete_preset, list_presets, save_preset
from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.resources import resource
from aigclabel_gui.ui.check_view import CheckView
from aigclabel_gui.ui.export_dialog import ExportDialog
from aigclabel_gui.ui.file_model import FileEntry, FileModel
from aigclabel_gui.ui.preview import PreviewFrame, PreviewWidget
from aigclabel_gui.ui.qt_image import pil_to_qimage
from aigclabel_gui.ui.settings_panel import SettingsPanel
from aigclabel_gui.ui.workers import FunctionTask


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, folders walked (the engine decides what is supported). Runs off the UI thread."""
    return [p for p, _rel in walk_inputs(paths)]


def render_preview(path: Path, kind: str, settings: LabelSettings, max_side: int = 1200):
    """(QImage, label box in image pixels or None, caption, markers) — via the engine's own code."""
    if kind == "image":
        from aigclabel_gui.engine.visible.image import render_preview as image_preview

        pv = image_preview(path, settings, max_side)
        box = None if settings.implicit_only else pv.overlay.box if pv.overlay is not None else None
        return pil_to_qimage(pv.image), box, "", None
    if kind == "video":
        from aigclabel_gui.engine.visible.render import render_label_overlay
        from aigclabel_gui.engine.visible.video import render_card_frame

        img = render_card_frame(path, settings, 1.0, max_side)
        box = None
        if not settings.implicit_only and not settings.visible.position == "auto":
            box = render_label_overlay(img.width, img.height, settings.visible).box
        return pil_to_qimage(img), box, "t = 1.0 s", None
    if kind == "audio":
        from aigclabel_gui.engine.thumbnails import audio_thumbnail, media_duration
        from aigclabel_gui.engine.visible.audio import load_prompt, prompt_positions

        wave = audio_thumbnail(path, 600, seconds=600).resize((900, 220), Image.Resampling.NEAREST)
        duration = media_duration(path) or 0.0
        markers = None
        if not settings.implicit_only and duration:
            prompt = load_prompt(settings.audio, 48000, 1)
            prompt_s = prompt.shape[-1] / 48000
            positions = prompt_positions(duration, prompt_s, settings.audio)
            total = duration + prompt_s * len(positions)
            markers = [p / total for p in positions]
        return pil_to_qimage(wave), None, f"{duration:.1f} s", markers
    raise ValueError(f"no preview for {kind} files")


class MainWindow(QMainWindow):
    language_changed = Signal(str)

    def __init__(self, settings: LabelSettings | None = None, qsettings: QSettings | None = None):
        super().__init__()
        self.qsettings = qsettings or QSettings("aigclabel", "aigclabel")
        self.settings = settings or self._load_settings()
        self.model = FileModel(self)
        self.pool = QThreadPool.globalInstance()
        self._tasks: set = set()
        self._preview_serial = 0
        self.export_dialog: ExportDialog | None = None
        self.lang = "en"  # set by app.create_window; chooses preset titles
        self.model.inspected.connect(self._entry_inspected)
        self.setAcceptDrops(True)
        self.resize(1400, 860)
        self._build()

    # --- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.setWindowTitle(self.tr("aigclabel — label AI-generated content"))
        self.menuBar().clear()
        self._build_actions()
        split = QSplitter(Qt.Orientation.Horizontal)

        left = QWidget()
        lv = QVBoxLayout(left)
        self.table = QTableView()
        self.table.setObjectName("fileTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().setDefaultSectionSize(52)
        self.table.setIconSize(
            self.table.iconSize().expandedTo(self.table.iconSize() * 0 + self._icon_size())
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.update_preview())
        self.table.setAcceptDrops(False)
        self.empty_hint = QWidget()
        eh = QVBoxLayout(self.empty_hint)
        hint = QLabel(self.tr("Drag files or folders here, or use Add Files / Add Folder."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.samples_btn = QPushButton(self.tr("Try with samples"))
        self.samples_btn.setObjectName("samplesButton")
        self.samples_btn.clicked.connect(self.add_samples)
        eh.addStretch(1)
        eh.addWidget(hint)
        eh.addWidget(self.samples_btn, 0, Qt.AlignmentFlag.AlignCenter)
        eh.addStretch(1)
        lv.addWidget(self.empty_hint, 1)
        lv.addWidget(self.table, 3)
        buttons = QHBoxLayout()
        for action in (self.act_add_files, self.act_add_folder, self.act_remove, self.act_clear):
            b = QPushButton(action.text().replace("&", ""))
            b.clicked.connect(action.trigger)
            buttons.addWidget(b)
        lv.addLayout(buttons)
        self.export_btn = QPushButton(self.tr("Export labelled copies"))
        self.export_btn.setObjectName("exportButton")
        self.export_btn.setStyleSheet("font-weight: bold; padding: 8px;")
        self.export_btn.clicked.connect(self.export)
        lv.addWidget(self.export_btn)
        split.addWidget(left)

        self.tabs = QTabWidget()
        pv = QWidget()
        pvl = QVBoxLayout(pv)
        self.preview = PreviewWidget()
        self.preview.setObjectName("preview")
        self.preview.position_changed.connect(self.on_label_moved)
        self.preview.show_message(
            self.tr("Select a file to see the label exactly as it will be written.")
        )
        self.apply_all = QCheckBox(self.tr("A moved label applies to all files"))
        self.apply_all.setObjectName("applyAll")
        pvl.addWidget(self.preview, 1)
        pvl.addWidget(self.apply_all)
        self.tabs.addTab(pv, self.tr("Preview"))
        self.check_view = CheckView()
        self.tabs.addTab(self.check_view, self.tr("Check"))
        split.addWidget(self.tabs)

        self.panel = SettingsPanel(self.settings)
        self.panel.settings_changed.connect(self.on_settings_changed)
        self.panel.output_edit.setText(str(self.qsettings.value("output_dir", "") or ""))
        self._fill_presets()
        self.panel.preset.activated.connect(self._preset_chosen)
        self.panel.preset_save.clicked.connect(self._preset_save)
        self.panel.preset_delete.clicked.connect(self._preset_delete)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        scroll.setMinimumWidth(420)
        split.addWidget(scroll)
        split.setSizes([430, 560, 440])
        self.setCentralWidget(split)
        self.model.entries_changed.connect(self._entries_changed)
        self._entries_changed()
        self.statusBar().showMessage(self.tr("Ready"))

    def _icon_size(self):
        from PySide6.QtCore import QSize

        return QSize(48, 48)

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
        self.act_export.triggered.connect(self.export)
        self.act_check = QAction(self.tr("&Check files…"), self, shortcut=QKeySequence("Ctrl+K"))
        self.act_check.triggered.connect(
            lambda: (self.tabs.setCurrentIndex(1), self.check_view._choose())
        )
        act_quit = QAction(self.tr("&Quit"), self, shortcut=QKeySequence.StandardKey.Quit)
        act_quit.triggered.connect(self.close)
        for a in (
            self.act_add_files,
            self.act_add_folder,
            self.act_samples,
            self.act_export,
            self.act_check,
        ):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(act_quit)
        edit = mb.addMenu(self.tr("&Edit"))
        self.act_remove = QAction(
            self.tr("&Remove"), self, shortcut=QKeySequence.StandardKey.Delete
        )
        self.act_remove.triggered.connect(self.remove_selected)
        self.act_clear = QAction(self.tr("C&lear"), self, shortcut=QKeySequence("Ctrl+Shift+Del"))
        self.act_clear.triggered.connect(self.model.clear)
        self.act_remember = QAction(self.tr("Remember the file list"), self, checkable=True)
        self.act_remember.setChecked(self.qsettings.value("remember_list", False, type=bool))
        self.act_remember.toggled.connect(lambda on: self.qsettings.setValue("remember_list", on))
        for a in (self.act_remove, self.act_clear, self.act_remember):
            edit.addAction(a)
        view = mb.addMenu(self.tr("&Language"))
        self.act_zh = QAction("中文", self, checkable=True)
        self.act_en = QAction("English", self, checkable=True)
        self.act_zh.triggered.connect(lambda: self.language_changed.emit("zh_CN"))
        self.act_en.triggered.connect(lambda: self.language_changed.emit("en"))
        view.addAction(self.act_zh)
        view.addAction(self.act_en)
        help_menu = mb.addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About"), self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def retranslate(self) -> None:
        """Rebuild the widgets after a language switch (settings and files are kept)."""
        current = self.table.currentIndex().row() if hasattr(self, "table") else -1
        output = self.panel.output_edit.text() if hasattr(self, "panel") else ""
        self._build()
        self.panel.output_edit.setText(output)
        if current >= 0:
            self.table.selectRow(current)

    # --- files ---------------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> None:
        """Expand folders off the UI thread, then add rows (they appear at once; details load lazily)."""
        task = FunctionTask("expand", expand_paths, [Path(p) for p in paths])
        task.signals.result.connect(lambda _k, files: self._add_files(files))
        self._start(task)

    def _add_files(self, files: list[Path]) -> None:
        n = self.model.add_paths(files)
        self.statusBar().showMessage(self.tr("{0} files added").format(n), 4000)
        if self.table.currentIndex().row() < 0 and self.model.rowCount():
            self.table.selectRow(0)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Add files"))
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add folder"))
        if folder:
            self.add_paths([Path(folder)])

    def add_samples(self) -> None:
        folder = resource("samples")
        samples = (
            sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".md")
            if folder.is_dir()
            else []
        )
        if not samples:
            QMessageBox.information(
                self, self.tr("Samples"), self.tr("No sample files are installed.")
            )
            return
        self.add_paths(samples)

    def remove_selected(self) -> None:
        rows = [i.row() for i in self.table.selectionModel().selectedRows()]
        self.model.remove_rows(rows)
        self.update_preview()

    def _entries_changed(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_hint.setVisible(empty)
        self.export_btn.setEnabled(not empty)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        # Drag and drop only adds references to the list: nothing is moved or copied.
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if self.tabs.currentIndex() == 1:
            self.check_view.check_paths([p for p in paths if p.is_file()])
        else:
            self.add_paths(paths)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    # --- preview ---------------------------------------------------------------------------------
    def current_entry(self) -> FileEntry | None:
        row = self.table.currentIndex().row()
        return self.model.entries[row] if 0 <= row < len(self.model.entries) else None

    def settings_for(self, entry: FileEntry) -> LabelSettings:
        return entry.override or self.settings

    def update_preview(self) -> None:
        entry = self.current_entry()
        if entry is None:
            self.preview.show_message(
                self.tr("Select a file to see the label exactly as it will be written.")
            )
            self.panel.show_existing_record(None)
            return
        self._show_existing(entry)
        if entry.unsupported:
            self.preview.show_message(entry.unsupported)
            return
        if not entry.kind:
            self.preview.show_message(self.tr("Reading {0}…").format(entry.path.name))
            return  # _entry_inspected() calls us again once the engine has identified it
        if entry.kind == "text":
            self.preview.show_message(
                self.tr("Text files get a prompt line: “{0}”").format(
                    self.settings_for(entry).text.text or "本内容由人工智能生成"
                )
            )
            return
        self._preview_serial += 1
        serial = self._preview_serial
        self.preview.margin_frac = self.settings_for(entry).visible.margin_pct / 100
        task = FunctionTask(
            serial, render_preview, entry.path, entry.kind, self.settings_for(entry)
        )
        task.signals.result.connect(self._preview_ready)
        task.signals.error.connect(self._preview_failed)
        self._start(task)

    def _preview_ready(self, serial: int, value) -> None:
        if serial != self._preview_serial:
            return  # a newer preview was requested meanwhile
        qimage, box, caption, markers = value
        self.preview.show_frame(PreviewFrame(QPixmap.fromImage(qimage), box, caption, markers))

    def _preview_failed(self, serial: int, message: str) -> None:
        if serial == self._preview_serial:
            self.preview.show_message(self.tr("No preview: {0}").format(message))

    def _entry_inspected(self, path: Path) -> None:
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

    def on_label_moved(self, position: str) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        if self.apply_all.isChecked():
            self.settings = dataclasses.replace(
                self.settings, visible=dataclasses.replace(self.settings.visible, position=position)
            )
            for e in self.model.entries:
                e.override = None
            self.panel.set_settings(self.settings)
        else:
            base = self.settings_for(entry)
            entry.override = dataclasses.replace(
                base, visible=dataclasses.replace(base.visible, position=position)
            )
        self.statusBar().showMessage(self.tr("Label moved to {0}").format(position), 4000)
        self.update_preview()

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
        self.qsettings.setValue("settings", json.dumps(settings.to_dict(), ensure_ascii=False))
        if old != settings:
            self.update_preview()

    # --- presets -------------------------------------------------------------------------------------
    def _fill_presets(self) -> None:
        combo = self.panel.preset
        combo.clear()
        zh = self.lang.startswith("zh")
        for p in list_presets():
            combo.addItem(p.title_zh if zh else p.title_en, p.name)

    def _preset_chosen(self, index: int) -> None:
        name = self.panel.preset.itemData(index)
        for p in list_presets():
            if p.name == name:
                # A preset never carries someone's producer code into another job: keep the form's.
                imp = dataclasses.replace(
                    p.settings.implicit,
                    producer=p.settings.implicit.producer or self.settings.implicit.producer,
                )
                self.settings = dataclasses.replace(p.settings, implicit=imp)
                self.panel.set_settings(self.settings)
                self.update_preview()
                return

    def _preset_save(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        name, ok = QInputDialog.getText(self, self.tr("Save preset"), self.tr("Preset name:"))
        if ok and name.strip():
            try:
                save_preset(name.strip(), self.settings)
            except AigcError as exc:
                QMessageBox.warning(self, self.tr("Save preset"), str(exc))
                return
            self._fill_presets()

    def _preset_delete(self) -> None:
        name = self.panel.preset.currentData()
        if name in BUILTIN:
            QMessageBox.information(
                self, self.tr("Delete preset"), self.tr("Built-in presets cannot be deleted.")
            )
            return
        try:
            delete_preset(name)
        except AigcError as exc:
            QMessageBox.warning(self, self.tr("Delete preset"), str(exc))
        self._fill_presets()

    # --- export ---------------------------------------------------------------------------------------
    def export(self, workers: int = 0) -> ExportDialog | None:
        entries = [e for e in self.model.entries if not e.unsupported]
        if not entries:
            return None
        outdir = self.panel.output_dir
        if not outdir:
            QMessageBox.warning(self, self.tr("Export"), self.tr("Choose an output folder first."))
            return None
        needs_producer = not self.settings.implicit.producer and any(
            not (e.report and e.report.records) for e in entries
        )
        if self.settings.implicit.enabled and needs_producer:
            QMessageBox.warning(
                self,
                self.tr("Export"),
                self.tr(
                    "Enter the producer code (ContentProducer): the provider code of the service that generated the "
                    "content. It is never invented; files that already carry a producer's record keep theirs."
                ),
            )
            return None
        try:
            self.settings.validate()
            overrides = {e.path: e.override for e in entries if e.override is not None}
            jobs = plan_jobs(
                [e.path for e in entries],
                Path(outdir),
                self.settings,
                name_template=self.panel.name_template,
                overrides=overrides,
            )
        except AigcError as exc:
            QMessageBox.warning(self, self.tr("Export"), str(exc))
            return None
        Path(outdir).mkdir(parents=True, exist_ok=True)
        self.qsettings.setValue("output_dir", outdir)
        for e in entries:
            e.status, e.status_reason = "running", ""
            self.model.entry_changed(e)
        dlg = ExportDialog(jobs, Path(outdir), self.panel.on_exist, workers, self)
        dlg.file_finished.connect(self._export_file_done)
        self.export_dialog = dlg
        dlg.show()
        dlg.start()
        return dlg

    def _export_file_done(self, result) -> None:
        row = self.model.row_of(Path(result.src))
        if row is None:
            return
        e = self.model.entries[row]
        e.status, e.status_reason, e.output = result.status, result.reason, result.dst
        self.model.entry_changed(e)

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
            av.library_versions.get("libavformat", ""),
        )
        QMessageBox.about(self, self.tr("About aigclabel"), text)

    def _start(self, task: FunctionTask) -> None:
        self._tasks.add(task)
        task.signals.finished.connect(lambda _k, t=task: self._tasks.discard(t))
        self.pool.start(task)

    def _load_settings(self) -> LabelSettings:
        raw = self.qsettings.value("settings", "")
        if raw:
            try:
                return LabelSettings.from_dict(json.loads(raw))
            except (AigcError, ValueError, TypeError):
                pass
        return LabelSettings()

    def closeEvent(self, event) -> None:
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
