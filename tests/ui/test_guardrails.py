"""GB 45438 guardrails in the app: an export without an explicit label, or with label wording
that lacks "AI" + "generated", needs the user's own confirmation, which the report records."""

from __future__ import annotations

import json

from aigclabel_gui.engine.inspect import inspect_file
from tests.conftest import PRODUCER
from tests.ui.conftest import add_files, make_picture, wait_inspected
from tests.ui.test_usability import _answer, _set_producer


def _ready(qtbot, window, tmp_path):
    src = make_picture(tmp_path / "in" / "a.png", size=(640, 480))
    add_files(qtbot, window, [src])
    wait_inspected(qtbot, window)
    _set_producer(window, PRODUCER)
    return src


def test_metadata_only_asks_once_cancel_exports_nothing(qtbot, window, tmp_path):
    _ready(qtbot, window, tmp_path)
    window.panel.implicit_only.setChecked(True)
    _answer(window, yes=False)
    assert window.export(workers=1) is None
    assert not (tmp_path / "in" / "labelled" / "a.png").exists()


def test_metadata_only_confirmed_is_recorded_in_the_report(qtbot, window, tmp_path):
    _ready(qtbot, window, tmp_path)
    window.panel.implicit_only.setChecked(True)
    asked = []

    def answer_and_note():
        asked.append(window.confirm_box.text() if window.confirm_box else "")

    _answer(window, yes=True, delay=300)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(150, answer_and_note)
    dlg = window.export(workers=1)
    assert dlg is not None, window.last_message
    assert asked and "§5" in asked[0] and "Art. 9" in asked[0]
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    (res,) = dlg.final.results
    assert res.status == "ok", res.reason
    assert any("NO EXPLICIT LABEL" in w for w in res.warnings), res.warnings
    out = tmp_path / "in" / "labelled" / "a.png"
    assert inspect_file(out).verdict == "compliant"
    report = json.loads((out.parent / "aigclabel-report.json").read_text(encoding="utf-8"))
    assert "NO EXPLICIT LABEL" in json.dumps(report, ensure_ascii=False)


def test_label_text_without_ai_generated_is_asked_and_reported_as_forced(qtbot, window, tmp_path):
    _ready(qtbot, window, tmp_path)
    window.panel.text.setText("Hello")
    window.panel.text.textEdited.emit("Hello")
    assert window.settings.visible.text == "Hello"
    _answer(window, yes=False)
    assert window.export(workers=1) is None
    _answer(window, yes=True)
    dlg = window.export(workers=1)
    assert dlg is not None, window.last_message
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    (res,) = dlg.final.results
    assert res.status == "ok", res.reason
    assert any("forced" in w for w in res.warnings), res.warnings
