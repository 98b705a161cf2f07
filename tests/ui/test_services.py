"""The list of AI services a creator picks from: search, sources, and the producer field it fills."""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest

from aigclabel_gui.engine.record import PROVIDER_CODE_RE, value_problem
from aigclabel_gui.engine.services import SERVICES, by_key, search


def test_every_entry_has_a_public_source_and_no_unsourced_code():
    keys = [s.key for s in SERVICES]
    assert len(keys) == len(set(keys)) and len(keys) >= 10
    for s in SERVICES:
        assert re.match(r"https://[a-z0-9.-]+\.[a-z]{2,}/", s.source), s
        assert value_problem("ContentProducer", s.producer_name) is None, s
        if s.code is not None:  # a code only with the page that shows it in a real file
            assert re.fullmatch(PROVIDER_CODE_RE, s.code) and s.code_source, s
        else:
            assert s.code_source is None and s.producer == s.producer_name


def test_search_by_chinese_english_alias_and_case():
    assert [s.key for s in search("可灵")] == ["kling"]
    assert search("KLING")[0].key == "kling"
    assert search("kuaishou")[0].key == "kling"  # the company
    assert {s.key for s in search("腾讯")} == {"hunyuan", "yuanbao"}
    assert search("dou")[0].key == "doubao"  # starts-with first
    assert search("ｑｗｅｎ")[0].key == "tongyi"  # full-width typing
    assert search("no such service") == []
    assert len(search("")) == len(SERVICES)


def test_creator_picks_a_service_and_the_producer_field_is_filled(qtbot, window):
    panel = window.panel
    panel.set_role("creator")
    combo = panel.service_combo
    assert combo.isVisibleTo(panel)
    completer = combo.completer()
    completer.setCompletionPrefix("可灵")  # QTest types ASCII only
    assert completer.completionCount() == 1 and "Kling" in completer.currentCompletion()
    combo.lineEdit().setFocus()
    QTest.keyClicks(combo.lineEdit(), "kling")
    assert completer.completionCount() == 1
    QTest.keyClick(combo.lineEdit(), Qt.Key.Key_Return)
    kling = by_key("kling")
    assert panel.id_edits["producer"].text() == kling.producer
    assert window.settings.implicit.producer == kling.producer
    note = panel.service_note.text()
    assert "not known" in note and kling.source in note and panel.service_note.isVisibleTo(panel)
    # A provider writes its own code: no service list.
    panel.set_role("provider")
    assert not combo.isVisibleTo(panel)


def test_chinese_ui_shows_chinese_names_and_still_finds_english_ones(qtbot, window):
    window.act_zh.trigger()
    panel = window.panel
    panel.set_role("creator")
    combo = panel.service_combo
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert "可灵AI" in texts and not any("Kling" in t for t in texts)
    completer = combo.completer()
    completer.setCompletionPrefix("kuaishou")  # the company, typed in English
    assert completer.completionCount() == 1
    index = completer.completionModel().index(0, 0)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "可灵AI"
    completer.activated[QModelIndex].emit(index)
    assert window.settings.implicit.producer == by_key("kling").producer
    assert combo.currentText() == "可灵AI"
