"""The file list: a QAbstractTableModel over FileEntry dataclasses.

Rows appear at once (a stat per file); identification, inspection and thumbnails are computed in
the thread pool and only for rows the view actually shows (data() asks lazily), so a folder of
thousands of files keeps the window responsive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPixmap

from aigclabel_gui.engine.errors import AigcError
from aigclabel_gui.engine.inspect import InspectReport, inspect_file
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.engine.thumbnails import make_thumbnail, media_duration
from aigclabel_gui.ui.messages import friendly_reason, friendly_unsupported
from aigclabel_gui.ui.qt_image import pil_to_qimage
from aigclabel_gui.ui.workers import FunctionTask, start_task

THUMB = 48


@dataclass
class FileEntry:
    path: Path
    size: int = 0
    kind: str = ""  # "" until identified
    format: str = ""
    unsupported: str = ""  # the reason (translated), when the engine cannot label it
    unsupported_detail: str = ""  # the engine's own words
    report: InspectReport | None = None
    duration: float | None = None
    status: str = ""  # export status: "", "ok", "skipped", "failed", "cancelled", "running"
    status_reason: str = ""
    status_error: str = ""  # the engine's error code (JobResult.error)
    output: str = ""
    override: LabelSettings | None = None  # per-file settings (e.g. the label was moved)
    thumb: QPixmap | None = field(default=None, repr=False)
    thumb_requested: bool = False
    inspected: bool = False
    key: Path | None = None  # the resolved path: one row per file however it was reached


def prepare_entries(paths: list[Path]) -> list[FileEntry]:
    """Stat and resolve the files (a few system calls each): run in the pool for big folders."""
    out = []
    for p in paths:
        p = Path(p)
        try:
            if not p.is_file():
                continue
            out.append(FileEntry(path=p, size=p.stat().st_size, key=p.resolve()))
        except OSError:
            continue
    return out


def _identify_and_inspect(path: Path) -> tuple[str, str, str, InspectReport | None, float | None]:
    """(kind, format, "ErrorClass: message" if unsupported, report, duration); off the UI thread,
    so nothing here is translated."""
    try:
        info = identify(path)
    except AigcError as exc:
        return "", "", f"{type(exc).__name__}: {exc.message}", None, None
    report = inspect_file(path)
    duration = None
    if info.kind in ("audio", "video"):
        try:
            duration = media_duration(path)
        except Exception:
            duration = None
    return info.kind, info.name, "", report, duration


def _thumbnail(path: Path, kind: str):
    img = make_thumbnail(path, kind, THUMB)
    return pil_to_qimage(img) if img is not None else None


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" or n >= 10 else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


class FileModel(QAbstractTableModel):
    COLUMNS = ("name", "kind", "size", "labels", "status")
    entries_changed = Signal()
    inspected = Signal(object)  # Path: identification and inspection of a row finished

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.entries: list[FileEntry] = []
        self._index: dict[Path, int] = {}
        self.pool = QThreadPool.globalInstance()
        self._tasks: set = set()  # keep tasks' signal objects alive until they finish

    # --- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [
                self.tr("Name"),
                self.tr("Kind"),
                self.tr("Size / length"),
                self.tr("Labels found"),
                self.tr("Export"),
            ][section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        col = self.COLUMNS[index.column()]
        if not e.inspected:
            self._request_inspect(e)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "name":
                # ◆: the file has its own label position (moved by hand, kept on export).
                return f"{e.path.name}  ◆" if e.override is not None else e.path.name
            if col == "kind":
                return self._kind_text(e)
            if col == "size":
                if e.duration:
                    m, s = divmod(int(e.duration + 0.5), 60)
                    return f"{m}:{s:02d} · {human_size(e.size)}"
                return human_size(e.size)
            if col == "labels":
                return self._labels_text(e)
            if col == "status":
                return self._status_text(e)
        if role == Qt.ItemDataRole.DecorationRole and col == "name":
            if e.thumb is None and e.kind and not e.thumb_requested and not e.unsupported:
                self._request_thumb(e)
            return e.thumb
        if role == Qt.ItemDataRole.ToolTipRole:
            if e.unsupported:
                return f"{e.unsupported}\n{e.unsupported_detail}"
            if col == "status" and e.status_reason:
                return f"{friendly_reason(e.status_reason, e.status, e.status_error)}\n\n{e.status_reason}"
            if col == "labels" and e.report is not None:
                return "\n".join([*e.report.problems, *e.report.warnings]) or None
            if col == "name" and e.override is not None:
                return f"{e.path}\n◆ " + self.tr("This file has its own label position.")
            return str(e.path)
        if role == Qt.ItemDataRole.ForegroundRole and e.unsupported:
            return QBrush(QColor(140, 140, 140))
        return None

    def flags(self, index: QModelIndex):
        f = super().flags(index)
        if index.isValid() and self.entries[index.row()].unsupported:
            return f & ~Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return f

    # --- texts --------------------------------------------------------------------------------
    def _kind_text(self, e: FileEntry) -> str:
        if e.unsupported:
            return self.tr("unsupported")
        return {
            "image": self.tr("image"),
            "audio": self.tr("audio"),
            "video": self.tr("video"),
            "text": self.tr("text"),
        }.get(e.kind, "…")

    def _labels_text(self, e: FileEntry) -> str:
        if e.unsupported:
            return e.unsupported
        r = e.report
        if r is None:
            return "…"
        return {
            "compliant": self.tr("AIGC record ✓"),
            "compliant-with-warnings": self.tr("AIGC record ✓ (with notes)"),
            "not-compliant": self.tr("AIGC record, not compliant"),
            "no-label": self.tr("none"),
            "cannot-tell": self.tr("cannot tell (damaged)"),
            "no-carrier": self.tr("no metadata carrier"),
            "unsupported": self.tr("unsupported"),
        }.get(r.verdict, r.verdict)

    def _status_text(self, e: FileEntry) -> str:
        return {
            "": "",
            "running": self.tr("labelling…"),
            "ok": self.tr("done"),
            "skipped": self.tr("skipped"),
            "failed": self.tr("failed"),
            "cancelled": self.tr("cancelled"),
        }.get(e.status, e.status)

    # --- content ----------------------------------------------------------------------------------
    def add_paths(self, paths: list[Path]) -> int:
        """Add files (folders must be expanded by the caller). Duplicates are ignored."""
        return self.add_entries(prepare_entries(paths))

    def add_entries(self, prepared: list[FileEntry]) -> int:
        """Insert entries made by prepare_entries() (off the UI thread); duplicates are ignored."""
        new = []
        for e in prepared:
            if e.key in self._index:
                continue
            self._index[e.key] = len(self.entries) + len(new)
            new.append(e)
        if new:
            self.beginInsertRows(QModelIndex(), len(self.entries), len(self.entries) + len(new) - 1)
            self.entries.extend(new)
            self.endInsertRows()
            self.entries_changed.emit()
        return len(new)

    def remove_rows(self, rows: list[int]) -> None:
        for row in sorted(set(rows), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.entries[row]
            self.endRemoveRows()
        self._reindex()
        self.entries_changed.emit()

    def clear(self) -> None:
        self.beginResetModel()
        self.entries.clear()
        self._index.clear()
        self.endResetModel()
        self.entries_changed.emit()

    def _reindex(self) -> None:
        self._index = {e.key: i for i, e in enumerate(self.entries)}

    def row_of(self, path: Path) -> int | None:
        return self._index.get(Path(path).resolve())

    def entry_changed(self, entry: FileEntry) -> None:
        row = self._index.get(entry.key)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    # --- background work ---------------------------------------------------------------------------
    def _start(self, task: FunctionTask) -> None:
        start_task(task, self._tasks, self.pool)

    def _request_inspect(self, e: FileEntry) -> None:
        e.inspected = True
        task = FunctionTask(e.key, _identify_and_inspect, e.path)
        task.signals.result.connect(self._on_inspected)
        self._start(task)

    def _on_inspected(self, key: Path, value) -> None:
        row = self._index.get(key)
        if row is None:
            return
        e = self.entries[row]
        e.kind, e.format, refused, e.report, e.duration = value
        e.unsupported_detail = refused.partition(": ")[2]
        e.unsupported = friendly_unsupported(refused.partition(":")[0]) if refused else ""
        self.entry_changed(e)
        self.entries_changed.emit()
        self.inspected.emit(e.path)

    def _request_thumb(self, e: FileEntry) -> None:
        e.thumb_requested = True
        task = FunctionTask(e.key, _thumbnail, e.path, e.kind)
        task.signals.result.connect(self._on_thumb)
        self._start(task)

    def _on_thumb(self, key: Path, qimage) -> None:
        row = self._index.get(key)
        if row is None or qimage is None:
            return
        e = self.entries[row]
        e.thumb = QPixmap.fromImage(qimage)
        self.entry_changed(e)


STATUS_FILTERS = ("all", "todo", "failed", "done")


class FileFilterProxy(QSortFilterProxyModel):
    """Sorting by any column (by size in bytes, not by the text) and a status filter."""

    def __init__(self, source: FileModel, parent: QObject | None = None):
        super().__init__(parent)
        self.setSourceModel(source)
        self.status_filter = "all"

    def set_status_filter(self, which: str) -> None:
        # Qt 6.10 deprecates invalidateFilter() for begin/endFilterChange(); older Qt lacks those.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self.status_filter = which
            self.endFilterChange()
        else:
            self.status_filter = which
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        if self.status_filter == "all":
            return True
        e = self.sourceModel().entries[row]
        if self.status_filter == "failed":
            return e.status == "failed"
        if self.status_filter == "done":
            return e.status == "ok"
        return e.status != "ok" and not e.unsupported  # "todo"

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        src: FileModel = self.sourceModel()
        a, b = src.entries[left.row()], src.entries[right.row()]
        col = src.COLUMNS[left.column()]
        if col == "size":
            return (a.duration or 0, a.size) < (b.duration or 0, b.size)
        if col == "name":
            return a.path.name.lower() < b.path.name.lower()
        return str(src.data(left) or "") < str(src.data(right) or "")
