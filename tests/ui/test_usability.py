"""Issue 15: the app a non-technical creator finishes in one minute — no dead end, export in
reach, every word translated, the picture first, honest progress, no surprises."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QWidget,
)

from aigclabel_gui.engine.inspect import inspect_file
from tests.conftest import PRODUCER, exiftool_json
from tests.ui.conftest import add_files, make_picture, wait_image_preview, wait_inspected


def _answer(window, yes: bool, delay: int = 150) -> None:
    """Click the confirmation box's answer once it is open (it runs a modal loop)."""

    def click():
        if window.confirm_box is None:
            QTimer.singleShot(50, click)
            return
        (
            window.confirm_yes
            if yes
            else window.confirm_box.button(window.confirm_box.StandardButton.Cancel)
        ).click()

    QTimer.singleShot(delay, click)


def _children() -> list[str]:
    """Live child processes of this test process (multiprocessing's resource tracker is a
    helper that lives as long as the parent, not a pool worker)."""
    me, out = os.getpid(), []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z" and "resource_tracker" not in cmd:
            out.append(cmd)
    return out


def _set_producer(window, code: str) -> None:
    edit = window.panel.id_edits["producer"]
    edit.setText(code)
    edit.textEdited.emit(code)


# --- 1. quitting or clearing during an export --------------------------------------------------
def test_quit_during_export_asks_then_cancels_and_leaves_no_workers(qtbot, window, tmp_path):
    try:
        files = [
            make_picture(tmp_path / "in" / f"p{i:02d}.png", size=(1600, 1200), seed=i)
            for i in range(12)
        ]
        add_files(qtbot, window, files)
        qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=30000)
        _set_producer(window, PRODUCER)
        dlg = window.export(workers=2)
        assert dlg is not None, window.last_message
        qtbot.waitUntil(lambda: bool(dlg.running_names()), timeout=120000)
        qtbot.waitUntil(lambda: len(_children()) >= 2, timeout=120000)  # the pool's workers run

        _answer(window, yes=False)
        window.close()  # what Ctrl+Q and the window's close button do
        assert window.isVisible() and dlg.final is None  # "Cancel": nothing stopped

        _answer(window, yes=True)
        assert window.act_quit.shortcut().matches(QKeySequence("Ctrl+Q")) is not None
        window.act_quit.trigger()  # what Ctrl+Q does
        assert not window.isVisible()
        assert dlg.final is not None and dlg.final.cancelled
        assert _children() == []  # no orphaned pool workers
        # Nothing partial: every file in the output is a finished, labelled copy.
        out = window.output_dir()
        for p in out.glob("*.png"):
            assert inspect_file(p).verdict == "compliant", p
        assert not list(out.glob(".aigclabel-*.png"))
    finally:
        window.stop_export(timeout_s=120)  # never leave the window asking


def test_clear_during_export_asks(qtbot, window, tmp_path):
    try:
        files = [
            make_picture(tmp_path / "in" / f"c{i}.png", size=(1600, 1200), seed=i)
            for i in range(10)
        ]
        add_files(qtbot, window, files)
        qtbot.waitUntil(lambda: window.model.rowCount() == 10, timeout=30000)
        _set_producer(window, PRODUCER)
        dlg = window.export(workers=1)
        assert dlg is not None
        qtbot.waitUntil(lambda: bool(dlg.running_names()), timeout=120000)
        _answer(window, yes=False)
        window.act_clear.trigger()
        assert window.model.rowCount() == 10 and dlg.final is None
        _answer(window, yes=True)
        window.act_clear.trigger()
        assert window.model.rowCount() == 0
        assert dlg.final is not None and dlg.final.cancelled
    finally:
        window.stop_export(timeout_s=120)  # never leave the window asking


# --- 2. no dead end ------------------------------------------------------------------------------
def test_visible_only_export_needs_no_producer_code(qtbot, window, tmp_path):
    src = make_picture(tmp_path / "in" / "a.png", size=(640, 480))
    add_files(qtbot, window, [src])
    wait_inspected(qtbot, window)
    combo = window.panel.preset
    combo.setCurrentIndex(combo.findData("corner-mark"))
    window._preset_chosen(combo.currentIndex())
    # Not red from the first second; the whose-code sentences are there.
    assert window.panel.id_errors["producer"].text() == ""
    assert "AI service" in window.panel.whose_code.text()
    assert "README" in window.panel.whose_code.text()
    assert window.export(workers=1) is None
    # After the attempt: red, one message, and a way out that is not a dead end.
    assert window.panel.id_errors["producer"].text()
    box = window.message_box
    assert box is not None and "producer code" in box.text()
    way_out = [b for b in box.buttons() if b.text() == "Export the visible label only"]
    assert way_out
    way_out[0].click()
    qtbot.waitUntil(lambda: window.export_dialog is not None, timeout=5000)
    dlg = window.export_dialog
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert dlg.final.results[0].status == "ok", dlg.final.results[0].reason
    out = tmp_path / "in" / "labelled" / "a.png"
    assert out.is_file()
    assert inspect_file(out).verdict == "no-label"  # no record, as the note says
    assert not any("aigc" in k.lower() for k in exiftool_json(out))
    a = np.asarray(Image.open(src).convert("RGB"), np.int16)
    b = np.asarray(Image.open(out).convert("RGB"), np.int16)
    ys, xs = np.nonzero(np.abs(a - b).max(axis=2) > 8)
    assert xs.size and xs.min() > 320 and ys.min() > 240  # the corner mark, bottom right
    assert not window.panel.write_record.isChecked()
    assert window.panel.visible_only_note.isVisible()


def test_producer_code_checked_as_typed_red_only_after_export(qtbot, window, tmp_path):
    add_files(qtbot, window, [make_picture(tmp_path / "in" / "a.png")])
    wait_inspected(qtbot, window)
    panel = window.panel
    QTest.keyClicks(panel.id_edits["producer"], "0011914")
    assert "27" in panel.producer_hint.text() and "7" in panel.producer_hint.text()
    assert panel.id_errors["producer"].text() == ""  # grey hint, not red, while typing
    assert window.export(workers=1) is None
    assert "27" in panel.id_errors["producer"].text()
    window.message_box.close()
    panel.id_edits["producer"].clear()
    bad_check = PRODUCER[:21] + ("X" if PRODUCER[21] != "X" else "Y") + PRODUCER[22:]
    QTest.keyClicks(panel.id_edits["producer"], bad_check)
    assert "check character" in panel.id_errors["producer"].text()
    panel.id_edits["producer"].clear()
    QTest.keyClicks(panel.id_edits["producer"], PRODUCER)
    assert panel.id_errors["producer"].text() == ""
    assert panel.producer_hint.text().startswith("✓")


# --- 3. export in reach --------------------------------------------------------------------------
def test_checklist_default_folder_and_one_message(qtbot, window, tmp_path):
    src = make_picture(tmp_path / "in" / "a.png")
    add_files(qtbot, window, [src])
    wait_inspected(qtbot, window)
    # The output folder and the checklist sit beside the Export button, on screen.
    left = window.export_btn.parentWidget()
    assert window.panel.output_edit.parentWidget().parentWidget() is left
    assert window.checklist.isVisible() and window.checklist.parentWidget() is left
    assert window.output_dir() == tmp_path / "in" / "labelled"
    assert window.panel.output_edit.placeholderText() == str(tmp_path / "in" / "labelled")
    assert window.checklist.text().startswith("Still needed: the producer code")
    # Export: one message listing everything missing, and the first missing field focused.
    window.settings_btn.setChecked(False)  # even with the settings folded away
    window.panel.implicit_only.setChecked(True)
    window.panel.write_record.setChecked(False)
    window.panel.write_record.setChecked(True)
    assert window.export(workers=1) is None
    assert window.last_message.count("•") == 1 and "producer code" in window.last_message
    assert window.panel_scroll.isVisible()
    assert QApplication.focusWidget() is window.panel.id_edits["producer"]
    window.message_box.close()
    _set_producer(window, PRODUCER)
    assert window.checklist.text() == "Ready: 1 files"
    _answer(window, yes=True)  # metadata only: the no-explicit-label choice is asked (§5)
    dlg = window.export(workers=1)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert (tmp_path / "in" / "labelled" / "a.png").is_file()
    # Adding the source folder again does not pick up our own outputs.
    window.model.clear()
    add_files(qtbot, window, [tmp_path / "in"])
    assert [e.path.name for e in window.model.entries] == ["a.png"]


# --- 4. every word translated -----------------------------------------------------------------
ALLOWED = {
    "AIGC", "GB", "USCC", "IPTC", "DigitalSourceType", "README", "English", "Morse", "AI",
    "ContentProducer", "ProduceID", "ReservedCode", "ContentPropagator", "PropagateID", "Label",
    "Noto", "Sans", "SC", "JPEG", "PNG", "MP", "stem", "ext", "kind", "date", "name", "KB", "MB",
    "Page", "Up", "Down", "Ctrl", "Shift", "Del", "XGW", "aigclabel",
    "Kimi", "DeepSeek", "Vidu",  # AI services registered under these names (engine/services.py)
}  # fmt: skip
WORD = re.compile(r"[A-Za-z]{2,}")


def _texts(w: QWidget) -> list[str]:
    out = [w.windowTitle()] if w.isWindow() else []
    if isinstance(w, QLabel):
        out.append(w.text())
    if isinstance(w, QAbstractButton):
        out.append(w.text())
    if isinstance(w, QGroupBox):
        out.append(w.title())
    if isinstance(w, QLineEdit):
        out += [w.placeholderText(), w.accessibleName()]
    if isinstance(w, QComboBox):
        out += [w.itemText(i) for i in range(w.count())]
    if isinstance(w, QTabWidget):
        out += [w.tabText(i) for i in range(w.count())]
    if isinstance(w, QTableView) and w.model() is not None:
        m = w.model()
        out += [
            str(m.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(m.columnCount())
        ]
        for r in range(min(m.rowCount(), 20)):
            out += [str(m.index(r, c).data() or "") for c in range(m.columnCount())]
    for a in w.actions():
        out.append(a.text())
        if a.menu() is not None:
            out += [b.text() for b in a.menu().actions()]
    return [t for t in out if t]


def _english(text: str, ok_words: set[str]) -> bool:
    text = re.sub(r"(/|[A-Za-z]:\\)[^\s,，]*", "", text)  # paths
    text = re.sub(r"#[0-9A-Fa-f]{6}", "", text)  # colours
    text = re.sub(r"[\w-]+\.(png|jpg|jpeg|mp4|xyz)", "", text, flags=re.I)  # file names
    return any(wd not in ok_words for wd in WORD.findall(text))


def test_zh_walk_finds_no_untranslated_text(qtbot, window, tmp_path):
    window.act_zh.trigger()
    good = make_picture(tmp_path / "in" / "a.png")
    broken = tmp_path / "in" / "b.png"
    broken.write_bytes(good.read_bytes()[:300])  # a PNG header, then truncated
    odd = tmp_path / "in" / "c.xyz"
    odd.write_bytes(b"nothing we know")
    add_files(qtbot, window, [good, broken, odd])
    wait_inspected(qtbot, window)
    window.table.selectRow(0)
    wait_image_preview(qtbot, window)
    assert window.export(workers=1) is None  # the message box in Chinese, Qt's buttons too
    box = window.message_box
    assert "生成方代码" in box.text()
    assert box.button(box.StandardButton.Ok).text() in ("确定", "确定(&O)", "&确定")
    box.close()
    _set_producer(window, PRODUCER)
    dlg = window.export(workers=1)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert [r.status for r in dlg.final.results] == ["ok", "failed"]
    assert dlg.failures.item(0, 1).text().startswith("失败")
    assert "c.xyz" in dlg.summary.text()
    ok_words = set(ALLOWED)
    found = []
    for top in (window, dlg):
        for w in [top, *top.findChildren(QWidget)]:
            if w is window.check_view or window.check_view.isAncestorOf(w):
                continue  # the Check tab has its own issue and owner
            for t in _texts(w):
                if _english(t, ok_words):
                    found.append((type(w).__name__, w.objectName(), t))
    assert not found, found


# --- 5. the picture first ---------------------------------------------------------------------
def test_preview_dominates_and_has_zoom_and_stepping(qtbot, window, tmp_path):
    assert (window.width(), window.height()) == (1400, 860)
    share = window.tabs.width() / window.width()
    assert share >= 0.55, share
    window.settings_btn.setChecked(False)
    qtbot.waitUntil(lambda: window.tabs.width() / window.width() > 0.7, timeout=2000)
    window.settings_btn.setChecked(True)

    big = make_picture(tmp_path / "big.png", size=(2400, 1600))
    small = make_picture(tmp_path / "small.png", size=(400, 300), seed=4)
    add_files(qtbot, window, [big, small])
    window.table.selectRow(0)
    frame = wait_image_preview(qtbot, window)
    assert frame.pixmap.width() <= 1200  # fit: a fast, reduced preview
    window.zoom_btn.setChecked(True)  # 100 %
    qtbot.waitUntil(
        lambda: window.preview.frame is not None and window.preview.frame.pixmap.width() == 2400,
        timeout=20000,
    )
    x0, y0, x1, y1 = window.preview.frame.label_box
    rect = window.preview.label_rect()
    dpr = window.preview.devicePixelRatioF()
    assert abs(rect.width() * dpr - (x1 - x0)) < 1  # one picture pixel per screen pixel
    assert window.preview.rect().contains(rect.center().toPoint())  # centred on the label
    window.zoom_btn.setChecked(False)
    window.next_btn.click()
    assert window.current_entry().path.name == "small.png"
    window.prev_btn.click()
    assert window.current_entry().path.name == "big.png"


# --- 6. honest progress ------------------------------------------------------------------------
def test_eta_waits_for_a_few_files_then_uses_the_pace():
    from aigclabel_gui.ui.export_dialog import ETA_MIN_FILES, EtaEstimate

    eta = EtaEstimate()
    eta.t0 = 100.0
    for i in range(ETA_MIN_FILES - 1):
        eta.file_done(100.0 + 2 * (i + 1))
        assert eta.remaining(50, 1) is None  # "estimating…", never "8157:40"
    eta.file_done(100.0 + 2 * ETA_MIN_FILES)
    assert abs(eta.remaining(10, 1) - 20.0) < 1e-6


def test_progress_names_running_files_and_results_table(qtbot, window, tmp_path):
    good = [make_picture(tmp_path / "in" / f"g{i}.png", seed=i) for i in range(4)]
    broken = tmp_path / "in" / "z-broken.png"
    broken.write_bytes(good[0].read_bytes()[:300])
    add_files(qtbot, window, [*good, broken])
    wait_inspected(qtbot, window)
    _set_producer(window, PRODUCER)
    dlg = window.export(workers=1)
    seen, overall = [], []
    dlg.file_finished.connect(lambda _r: seen.append(dlg.current.text()))
    dlg.file_finished.connect(lambda _r: overall.append(dlg.overall.text()))
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert any(t.startswith("Labelling: g1.png") for t in seen), seen
    assert "estimating…" in overall[1]
    assert [r.status for r in dlg.final.results].count("failed") == 1
    assert dlg.failures.rowCount() == 1
    assert dlg.failures.item(0, 0).text() == "z-broken.png"
    assert "damaged" in dlg.failures.item(0, 1).text()
    dlg.details_btn.click()
    assert dlg.details.isVisible() and "z-broken.png" in dlg.details.toPlainText()
    assert dlg.retry_btn.isVisible() and dlg.isSizeGripEnabled()
    # Retry failed: only the failed file goes again.
    dlg.retry_btn.click()
    qtbot.waitUntil(lambda: window.export_dialog is not dlg, timeout=5000)
    again = window.export_dialog
    qtbot.waitUntil(lambda: again.final is not None, timeout=60000)
    assert [Path(r.src).name for r in again.final.results] == ["z-broken.png"]
    # The status filter shows the failed one only; sorting by name descending puts it first.
    window.status_filter.setCurrentIndex(window.status_filter.findData("failed"))
    assert window.proxy.rowCount() == 1
    window.status_filter.setCurrentIndex(0)
    window.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    window.table.selectRow(0)
    assert window.current_entry().path.name == "z-broken.png"


# --- 7. no surprises ------------------------------------------------------------------------------
def test_overwrite_is_honoured_on_re_export(qtbot, window, tmp_path):
    files = [make_picture(tmp_path / "in" / f"o{i}.png", seed=i) for i in range(2)]
    add_files(qtbot, window, files)
    wait_inspected(qtbot, window)
    _set_producer(window, PRODUCER)
    out = tmp_path / "out"
    window.panel.output_edit.setText(str(out))
    combo = window.panel.on_exist_combo
    combo.setCurrentIndex(combo.findData("skip"))
    dlg = window.export(workers=1)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    # Without "overwrite", the same job is skipped (resume) and said so in the user's words.
    dlg.close()
    dlg = window.export(workers=1)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert [r.status for r in dlg.final.results] == ["skipped", "skipped"]
    assert "Already labelled" in dlg.failures.item(0, 1).text()
    dlg.close()
    combo.setCurrentIndex(combo.findData("overwrite"))
    dlg = window.export(workers=1)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert [r.status for r in dlg.final.results] == ["ok", "ok"]
    assert all(p.stat().st_mtime_ns > first[p.name] for p in out.glob("*.png"))


def test_apply_to_all_asks_before_replacing_custom_positions(qtbot, window, tmp_path):
    files = [make_picture(tmp_path / f"m{i}.png", seed=i) for i in range(3)]
    add_files(qtbot, window, files)
    window.table.selectRow(0)
    wait_image_preview(qtbot, window)
    window.on_label_moved("top-left")
    window.table.selectRow(1)
    window.on_label_moved("0.3000,0.4000")
    window.table.selectRow(2)
    window.apply_all.setChecked(True)
    _answer(window, yes=False)
    window.on_label_moved("top")
    assert window.model.entries[0].override.visible.position == "top-left"
    assert window.settings.visible.position == "bottom-right"
    _answer(window, yes=True)
    window.on_label_moved("top")
    assert all(e.override is None for e in window.model.entries)
    assert window.settings.visible.position == "top"
    assert "top" in window.statusBar().currentMessage()


def test_accessible_names_and_tab_leaves_the_table(qtbot, window, tmp_path):
    for w in window.panel.findChildren(QWidget):
        if isinstance(w, QLineEdit | QComboBox | QAbstractSpinBox) and w.isVisibleTo(window):
            assert w.accessibleName(), (type(w).__name__, w.objectName())
    add_files(qtbot, window, [make_picture(tmp_path / "a.png"), make_picture(tmp_path / "b.png")])
    window.activateWindow()
    window.table.setFocus()
    window.table.selectRow(0)
    QTest.keyClick(window.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not window.table


def test_first_run_asks_creator_or_provider_once(qtbot, qapp, window, qsettings):
    from aigclabel_gui.ui.app import create_window

    panel = window.panel
    assert panel.role_box.isVisible()  # first run: the question is in the form
    panel.role_creator.click()
    assert not panel.role_box.isVisible()
    assert not panel.uscc_btn.isVisible()  # a creator copies the service's code, builds none
    assert qsettings.value("role") == "creator"
    w2 = create_window(["x"], qapp, qsettings)
    qtbot.addWidget(w2)
    w2.show()
    assert not w2.panel.role_box.isVisible()  # asked once
    w2.act_role.trigger()  # and again from the Edit menu
    assert w2.panel.role_box.isVisible()
    w2.panel.role_provider.click()
    assert w2.panel.uscc_btn.isVisible() and qsettings.value("role") == "provider"
    w2.close()


def test_zh_check_tab_shows_no_untranslated_text(qtbot, window, tmp_path):
    """The Check tab's table (verdict, rule, advice) and summary in Chinese: the engine's clause
    strings (e.g. "GB 45438 §6.1, Annex E") are translated too."""
    from tests.ui.test_check_view import FULL, GEN, _png, drop_urls

    window.act_zh.trigger()
    root = tmp_path / "drop"
    _png(root / "plain.png")
    _png(root / "gen.png", GEN.to_json())
    _png(root / "full.png", FULL.to_json())
    (root / "c.txt").write_text("hi\n", "utf-8")
    view = window.check_view
    window.tabs.setCurrentWidget(view)
    drop_urls(view, [root])
    qtbot.waitUntil(
        lambda: len(view.reports) == 4 and "…" not in view.summary.text(), timeout=15000
    )
    rules = {view.table.item(r, 2).text() for r in range(4)}
    assert any("附录" in t for t in rules), rules
    # TC260 (the standards committee), a file's name and a format's name
    ok_words = set(ALLOWED) | {"TC", "txt", "Markdown"}
    found = [
        (type(w).__name__, t)
        for w in [view, *view.findChildren(QWidget)]
        if not isinstance(w, QTextBrowser)  # the details pane: the record's own keys and values
        for t in _texts(w)
        if _english(t, ok_words)
    ]
    window.act_en.trigger()  # the language is app-wide: later tests expect English
    assert not found, found
