"""Per-file label positions: the ◆ badge in the list, "reset position", "apply to selected" (with
the question before replacing positions the selected files had of their own)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from tests.ui.conftest import add_files, make_picture, wait_image_preview
from tests.ui.test_usability import _answer


def _name(window, row: int) -> str:
    return window.proxy.index(row, 0).data(Qt.ItemDataRole.DisplayRole)


def _select_rows(window, rows: list[int], current: int) -> None:
    sm = window.table.selectionModel()
    window.table.selectRow(current)
    for r in rows:
        sm.select(
            window.proxy.index(r, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def _files(qtbot, window, tmp_path, n=3):
    files = [make_picture(tmp_path / f"p{i}.png", seed=i) for i in range(n)]
    add_files(qtbot, window, files)
    window.table.selectRow(0)
    wait_image_preview(qtbot, window)
    return files


def test_badge_marks_files_with_their_own_position(qtbot, window, tmp_path):
    files = _files(qtbot, window, tmp_path)
    assert all("◆" not in _name(window, r) for r in range(3))
    window.on_label_moved("top-left")
    assert _name(window, 0) == f"{files[0].name}  ◆"
    assert "own label position" in window.proxy.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "◆" not in _name(window, 1) and "◆" not in _name(window, 2)
    # Sorting by name ignores the badge.
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert _name(window, 2).startswith(files[0].name)


def test_reset_position_of_selected_files(qtbot, window, tmp_path):
    _files(qtbot, window, tmp_path)
    window.on_label_moved("top-left")
    window.table.selectRow(1)
    window.on_label_moved("0.3000,0.4000")
    window.table.selectRow(2)
    assert not window.reset_position_btn.isEnabled()  # file 3 has no position of its own
    _select_rows(window, [0, 1], current=1)
    assert window.reset_position_btn.isEnabled()
    window.reset_position_btn.click()
    assert all(e.override is None for e in window.model.entries)
    assert all("◆" not in _name(window, r) for r in range(3))
    assert "2" in window.statusBar().currentMessage()
    assert not window.reset_position_btn.isEnabled()
    # The preview shows the settings' place again (bottom-right by default).
    frame = wait_image_preview(qtbot, window)
    w = frame.pixmap.width()
    assert frame.label_box[0] > w / 2


def test_apply_to_selected_asks_before_replacing_own_positions(qtbot, window, tmp_path):
    _files(qtbot, window, tmp_path, n=4)
    window.table.selectRow(2)
    window.on_label_moved("0.3000,0.4000")  # file 3 has its own place
    window.table.selectRow(0)
    window.on_label_moved("top-left")
    _select_rows(window, [1, 2], current=0)
    assert window.apply_selected_btn.isEnabled()
    _answer(window, yes=False)
    window.apply_selected_btn.click()
    entries = window.model.entries
    assert entries[1].override is None and entries[2].override.visible.position == "0.3000,0.4000"
    _answer(window, yes=True)
    window.act_apply_selected.trigger()
    assert [e.override.visible.position for e in entries[:3]] == ["top-left"] * 3
    assert entries[3].override is None  # not selected: untouched
    assert all("◆" in _name(window, r) for r in range(3)) and "◆" not in _name(window, 3)
    assert window.settings.visible.position == "bottom-right"  # the settings are unchanged


def test_apply_to_selected_without_own_positions_asks_nothing(qtbot, window, tmp_path):
    _files(qtbot, window, tmp_path)
    window.on_label_moved("top")
    _select_rows(window, [1], current=0)
    window.apply_position_to_selected()  # no question: nobody had a position of their own
    assert window.confirm_box is None
    assert window.model.entries[1].override.visible.position == "top"
    assert window.model.entries[2].override is None


def test_position_buttons_show_only_with_a_picture_or_video(qtbot, window, tmp_path):
    assert not window.position_row.isVisible() and not window.drag_hint.isVisible()
    _files(qtbot, window, tmp_path, n=1)
    assert window.position_row.isVisible() and window.drag_hint.isVisible()
    window.model.clear()
    window.update_preview()
    assert not window.position_row.isVisible()
