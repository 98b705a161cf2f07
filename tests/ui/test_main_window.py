"""The real main window, driven like a user would (pytest-qt, offscreen)."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from aigclabel_gui.engine.inspect import inspect_file
from tests.conftest import PRODUCER
from tests.ui.conftest import (
    add_files,
    drop_urls,
    make_picture,
    wait_image_preview,
    wait_inspected,
)


def test_drop_files_and_folder_lists_them_with_reasons(qtbot, window, tmp_path):
    folder = tmp_path / "in"
    make_picture(folder / "one.jpg")
    make_picture(folder / "sub" / "two.png", seed=1)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(bytes(range(256)) * 4)  # not a picture, nor any format
    assert window.list_stack.currentWidget() is window.empty_hint  # the empty state is shown

    drop_urls(window, [folder, broken])
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10000)
    wait_inspected(qtbot, window)
    assert window.list_stack.currentWidget() is window.table
    names = [e.path.name for e in window.model.entries]
    assert names == ["one.jpg", "two.png", "broken.jpg"]
    bad = window.model.entries[2]
    # A one-line reason in the UI language; the engine's own words (naming the file) behind it.
    assert bad.unsupported == "not a supported file type"
    assert "broken.jpg" in bad.unsupported_detail
    idx = window.model.index(2, 0)
    # Greyed, with the reason as tooltip, not silently dropped.
    tip = window.model.data(idx, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(bad.unsupported) and bad.unsupported_detail in tip
    assert window.model.data(idx, Qt.ItemDataRole.ForegroundRole).color().lightness() > 100
    assert not window.model.flags(idx) & Qt.ItemFlag.ItemIsEnabled
    # The same file dropped again is not listed twice.
    drop_urls(window, [folder / "one.jpg"])
    qtbot.wait(300)
    assert window.model.rowCount() == 3
    # Thumbnails load in the background for visible rows.
    qtbot.waitUntil(lambda: window.model.entries[0].thumb is not None, timeout=10000)
    assert window.model.entries[0].thumb.width() <= 48


def test_drag_label_stores_override_and_export_puts_it_there(qtbot, window, tmp_path):
    src = make_picture(tmp_path / "in" / "scene.png", size=(640, 480))
    other = make_picture(tmp_path / "in" / "other.png", size=(640, 480), seed=3)
    add_files(qtbot, window, [src, other])
    window.table.selectRow(0)
    frame = wait_image_preview(qtbot, window)
    pv = window.preview
    rect = pv.label_rect()
    target, _ = pv._target()
    # Engine default: bottom-right.
    assert rect.center().x() > target.center().x() and rect.center().y() > target.center().y()

    # Drag to the top-left corner: it snaps to the anchor.
    start = rect.center().toPoint()
    end = QPoint(
        int(target.left() + rect.width() / 2 + 6), int(target.top() + rect.height() / 2 + 6)
    )
    QTest.mousePress(pv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 6):
        QTest.mouseMove(pv, start + (end - start) * (i / 5))
    QTest.mouseRelease(pv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    entry = window.model.entries[0]
    assert entry.override is not None
    assert entry.override.visible.position == "top-left"
    assert window.settings.visible.position == "bottom-right"  # only this file
    assert window.model.entries[1].override is None
    qtbot.waitUntil(lambda: pv.frame is not frame and pv.frame is not None, timeout=10000)
    # The re-rendered engine label now sits top-left.
    x0, y0, _x1, _y1 = pv.frame.label_box
    assert x0 < pv.frame.pixmap.width() * 0.1 and y0 < pv.frame.pixmap.height() * 0.1

    # Drag to the middle-left area: stored as X,Y fractions.
    rect = pv.label_rect()
    start = rect.center().toPoint()
    end = QPoint(
        int(target.left() + target.width() * 0.35), int(target.top() + target.height() * 0.6)
    )
    QTest.mousePress(pv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(pv, end)
    QTest.mouseRelease(pv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    fx, fy = (float(v) for v in entry.override.visible.position.split(","))
    assert abs(fx - 0.35) < 0.03 and abs(fy - 0.6) < 0.03

    # Export both and look at the pixels: the label is where it was dropped in scene.png only.
    out = tmp_path / "out"
    window.panel.output_edit.setText(str(out))
    QTest.keyClicks(window.panel.id_edits["producer"], PRODUCER)
    dlg = window.export(workers=1)
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert [r.status for r in dlg.final.results] == ["ok", "ok"]
    diff = _changed_box(src, out / "scene.png")
    cx, cy = (diff[0] + diff[2]) / 2 / 640, (diff[1] + diff[3]) / 2 / 480
    assert abs(cx - fx) < 0.03 and abs(cy - fy) < 0.03
    diff2 = _changed_box(other, out / "other.png")
    assert diff2[0] > 320 and diff2[1] > 240  # the other file kept bottom-right


def _changed_box(a, b) -> tuple[int, int, int, int]:
    pa = np.asarray(Image.open(a).convert("RGB"), dtype=np.int16)
    pb = np.asarray(Image.open(b).convert("RGB"), dtype=np.int16)
    ys, xs = np.nonzero(np.abs(pa - pb).max(axis=2) > 8)
    assert xs.size, "no label pixels changed"
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def test_apply_to_all_moves_the_global_setting(qtbot, window, tmp_path):
    add_files(qtbot, window, [make_picture(tmp_path / "a.png"), make_picture(tmp_path / "b.png")])
    window.table.selectRow(0)
    wait_image_preview(qtbot, window)
    window.apply_all.setChecked(True)
    window.on_label_moved("top")  # what a release near the top edge emits
    assert window.settings.visible.position == "top"
    assert all(e.override is None for e in window.model.entries)
    assert window.panel.position.currentData() == "top"


def test_settings_panel_changes_window_settings_and_refuses_below_minimum(qtbot, window, qsettings):
    panel = window.panel
    panel.size_pct.setValue(8.0)
    assert window.settings.visible.size_pct == 8.0
    saved = json.loads(qsettings.value("settings"))
    assert saved["visible"]["size_pct"] == 8.0  # remembered across restarts
    panel.size_pct.setValue(4.0)
    assert "5%" in panel.size_error.text() and "§5.2" in panel.size_error.text()
    assert not panel.size_error.isHidden()
    assert window.settings.visible.size_pct == 8.0  # refused: last valid value kept
    panel.card_seconds.setValue(1.0)
    assert "2 s" in panel.card_error.text()
    assert window.settings.video.card_seconds == 3.0

    i = panel.position.findData("top-left")
    panel.position.setCurrentIndex(i)
    assert window.settings.visible.position == "top-left"

    edit = panel.id_edits["producer"]
    QTest.keyClicks(edit, "Some Company")
    err = panel.id_errors["producer"].text()
    assert "Annex E" in err and "space" in err  # the character rule, as you type
    ime = QInputMethodEvent()  # Chinese arrives through the input method, not as key presses
    ime.setCommitString("公司")
    QApplication.sendEvent(edit, ime)
    assert window.settings.implicit.producer == "Some Company公司"
    assert "'公'" in panel.id_errors["producer"].text()
    edit.clear()
    QTest.keyClicks(edit, PRODUCER)
    assert panel.id_errors["producer"].text() == ""
    assert window.settings.implicit.producer == PRODUCER

    panel.implicit_only.setChecked(True)
    assert window.settings.implicit_only is True


def test_settings_panel_fits_without_horizontal_scrollbar(qtbot, window):
    for lang in ("en", "zh_CN"):
        window.language_changed.emit(lang)
        qtbot.wait(50)
        assert window.width() == 1400
        scroll = window.panel_scroll
        need = window.panel.minimumSizeHint().width()
        assert need <= scroll.viewport().width(), (lang, need, scroll.viewport().width())


def test_export_refused_without_producer(qtbot, window, tmp_path):
    add_files(qtbot, window, [make_picture(tmp_path / "in" / "a.jpg")])
    wait_inspected(qtbot, window)
    out = tmp_path / "out"
    window.panel.output_edit.setText(str(out))
    assert window.export(workers=1) is None
    assert "producer code" in window.last_message.lower()
    assert window.message_box is not None and window.message_box.isVisible()
    assert not out.exists() or not any(out.iterdir())
    window.message_box.close()


def test_export_needs_no_producer_when_files_carry_a_record(qtbot, window, tmp_path):
    """A producer's record in the file is kept: no code needs to be typed (GB 45438 Annex E)."""
    from aigclabel_gui.cli import main as cli_main

    src = make_picture(tmp_path / "in" / "a.png")
    first = tmp_path / "first"
    first.mkdir()
    assert cli_main(["label", str(src), "-o", str(first), "--producer", PRODUCER]) == 0
    add_files(qtbot, window, [first / "a.png"])
    wait_inspected(qtbot, window)
    window.panel.output_edit.setText(str(tmp_path / "out"))
    window.panel.implicit_only.setChecked(True)
    from tests.ui.test_usability import _answer

    _answer(window, yes=True)  # metadata only: no explicit label, the user's own choice (§5)
    dlg = window.export(workers=1)
    assert dlg is not None, window.last_message
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert dlg.final.results[0].status == "ok", dlg.final.results[0].reason
    rep = inspect_file(tmp_path / "out" / "a.png")
    assert rep.verdict == "compliant"
    assert rep.records[0].values["ContentProducer"] == PRODUCER


def test_language_switch_translates_visible_strings(qtbot, window):
    assert window.export_btn.text() == "Export labelled copies"
    window.act_zh.trigger()
    assert window.lang == "zh_CN"
    assert window.export_btn.text() == "导出带标识的副本"
    assert window.menuBar().actions()[0].text().startswith("文件")
    assert window.panel.preset.itemText(0) == "国标默认"
    assert window.act_zh.isChecked() and not window.act_en.isChecked()
    assert window.qsettings.value("language") == "zh_CN"
    window.act_en.trigger()
    assert window.export_btn.text() == "Export labelled copies"


def test_language_switch_keeps_files_settings_and_export_options(qtbot, window, tmp_path):
    add_files(qtbot, window, [make_picture(tmp_path / "a.png")])
    window.panel.size_pct.setValue(7.5)
    window.panel.output_edit.setText(str(tmp_path / "out"))
    window.panel.template_edit.setText("{stem}-labelled{ext}")
    window.act_zh.trigger()
    assert window.model.rowCount() == 1
    assert window.panel.size_pct.value() == 7.5
    assert window.panel.output_dir == str(tmp_path / "out")
    assert window.panel.name_template == "{stem}-labelled{ext}"


def test_presets_save_rename_delete(qtbot, window, gui_config):
    window.panel.size_pct.setValue(9.0)
    assert window.save_preset_as("big label")
    assert (gui_config / "presets" / "big label.json").is_file()
    assert window.panel.preset.currentData() == "big label"
    assert window.rename_preset("big label", "huge")
    assert not (gui_config / "presets" / "big label.json").exists()
    assert window.panel.preset.currentData() == "huge"
    # Choose a built-in, then the saved one again: its settings come back.
    window.panel.preset.setCurrentIndex(window.panel.preset.findData("gb-default"))
    window._preset_chosen(window.panel.preset.currentIndex())
    assert window.settings.visible.size_pct == 6.0
    window.panel.preset.setCurrentIndex(window.panel.preset.findData("huge"))
    window._preset_chosen(window.panel.preset.currentIndex())
    assert window.settings.visible.size_pct == 9.0
    window._preset_delete()
    assert window.panel.preset.findData("huge") < 0
    assert not (gui_config / "presets" / "huge.json").exists()
    # Built-ins stay.
    window.panel.preset.setCurrentIndex(window.panel.preset.findData("gb-default"))
    window._preset_delete()
    assert window.panel.preset.findData("gb-default") >= 0
    assert "cannot be deleted" in window.last_message


def test_keyboard_shortcuts(qtbot, window, tmp_path):
    add_files(qtbot, window, [make_picture(tmp_path / "a.png"), make_picture(tmp_path / "b.png")])
    wait_inspected(qtbot, window)
    window.activateWindow()
    window.table.setFocus()
    window.table.selectRow(0)
    # Ctrl+E exports (refused here: no producer code) -> the message proves the shortcut ran.
    QTest.keySequence(window, window.act_export.shortcut())
    assert "producer code" in window.last_message.lower()
    window.message_box.close()
    QTest.keySequence(window.table, window.act_remove.shortcut())
    assert window.model.rowCount() == 1
    QTest.keySequence(window, window.act_clear.shortcut())
    assert window.model.rowCount() == 0
    assert window.list_stack.currentWidget() is window.empty_hint
    for act in (window.act_add_files, window.act_add_folder, window.act_export, window.act_check):
        assert not act.shortcut().isEmpty(), act.text()


def test_file_list_is_remembered_when_asked(qtbot, qapp, qsettings, tmp_path):
    from aigclabel_gui.ui.app import create_window

    src = make_picture(tmp_path / "a.png")
    w = create_window(["x", str(src)], qapp, qsettings)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=10000)
    w.act_remember.setChecked(True)
    w.close()
    w2 = create_window(["x"], qapp, qsettings)
    qtbot.addWidget(w2)
    qtbot.waitUntil(lambda: w2.model.rowCount() == 1, timeout=10000)
    assert w2.model.entries[0].path == src
