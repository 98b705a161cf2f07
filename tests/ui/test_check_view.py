"""The Check tab: new verdicts with clause and advice, dropped folders, sortable table with counts."""

from __future__ import annotations

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.ui.check_view import COL_ADVICE, COL_FILE, COL_RULE, COL_VERDICT, CheckView
from tests.conftest import PRODUCER


def drop_urls(widget, paths) -> None:
    """A real drag-enter + drop of file URLs (QDragEnterEvent takes a QPoint, QDropEvent a QPointF)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPoint(widget.width() // 2, widget.height() // 2), *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(
        widget, QDropEvent(QPointF(widget.width() / 2, widget.height() / 2), *args)
    )


GEN = AigcRecord(Label="1", ContentProducer=PRODUCER, ProduceID="g-1")  # propagator empty
FULL = AigcRecord(
    Label="1",
    ContentProducer=PRODUCER,
    ProduceID="f-1",
    ContentPropagator=PRODUCER,
    PropagateID="f-1",
)


def _png(path, text=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    if text is not None:
        info.add_itxt(
            "XML:com.adobe.xmp",
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/">'
            f"<TC260:AIGC>{text}</TC260:AIGC></rdf:Description></rdf:RDF></x:xmpmeta>",
        )
    Image.new("RGB", (32, 24), (10, 100, 200)).save(path, pnginfo=info)
    return path


def test_dropped_folder_is_walked_and_table_shows_verdicts_clause_advice(qtbot, qapp, tmp_path):
    root = tmp_path / "drop"
    _png(root / "a" / "plain.png")
    _png(root / "a" / "b" / "gen.png", GEN.to_json())
    _png(root / "full.png", FULL.to_json())
    (root / "c.txt").write_text("hi\n", "utf-8")
    view = CheckView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    drop_urls(view, [root])
    qtbot.waitUntil(
        lambda: len(view.reports) == 4 and "…" not in view.summary.text(), timeout=15000
    )
    assert view.table.rowCount() == 4
    rows = {
        view.table.item(r, COL_FILE).text(): (
            view.table.item(r, COL_VERDICT).text(),
            view.table.item(r, COL_RULE).text(),
            view.table.item(r, COL_ADVICE).text(),
        )
        for r in range(4)
    }
    assert rows["gen.png"][0] == "compliant with warnings" and "§6.1 a" in rows["gen.png"][1]
    assert rows["full.png"][0] == "compliant" and "Annex E" in rows["full.png"][1]
    assert rows["plain.png"][0] == "no label" and rows["plain.png"][2]
    assert rows["c.txt"][0] == "no carrier"
    summary = view.summary.text()
    assert summary.startswith("4 files:") and "1 compliant with warnings" in summary
    assert view.counts()["no-label"] == 1
    # Sortable: by verdict, and the details pane follows the selection.
    view.table.sortItems(COL_VERDICT, Qt.SortOrder.AscendingOrder)
    verdicts = [view.table.item(r, COL_VERDICT).text() for r in range(4)]
    assert verdicts == sorted(verdicts)
    for r in range(4):
        if view.table.item(r, COL_FILE).text() == "gen.png":
            view.table.selectRow(r)
    html = view.output.toPlainText()
    assert "Compliant with warnings" in html and "ContentPropagator is empty" in html
    assert "Advice:" in html and "Rule:" in html


def test_same_name_in_two_folders_shows_the_folder(qtbot, qapp, tmp_path):
    """An original and its labelled copy are told apart in the table."""
    view = CheckView()
    qtbot.addWidget(view)
    a = _png(tmp_path / "in" / "shot.png")
    b = _png(tmp_path / "out" / "shot.png", FULL.to_json())
    c = _png(tmp_path / "in" / "other.png")
    view.check_paths([a, b, c])
    qtbot.waitUntil(lambda: view.table.rowCount() == 3, timeout=20000)
    names = sorted(view.table.item(r, COL_FILE).text() for r in range(3))
    assert names == ["in/shot.png", "other.png", "out/shot.png"]


def test_clause_texts_are_the_engines_clauses(qtbot, qapp):
    """The Check tab translates the engine's clause per verdict (engine.inspect.VERDICTS); in
    English its words must be the engine's, so the two cannot drift apart."""
    from aigclabel_gui.engine.inspect import VERDICTS, Verdict

    view = CheckView()
    qtbot.addWidget(view)
    for verdict, info in VERDICTS.items():
        assert view.clause_text(Verdict(verdict)) == info.clause, verdict
