"""The readable report: counts on top, one row per file with the reason in the user's language and
the labelled copy's path, written next to the JSON report."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from aigclabel_gui.engine.batch import JobResult
from aigclabel_gui.engine.report_html import render_report_html
from tests.ui.conftest import make_picture
from tests.ui.test_export import _prepare


class _Table(HTMLParser):
    """Rows of the report's table body, and the counts line."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.classes: list[str] = []
        self.counts: dict[str, str] = {}
        self._cell: list[str] | None = None
        self._in_body = False
        self._count: str | None = None
        self.titles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
            self.classes.append(a.get("class", ""))
        elif tag == "td" and self._in_body:
            self._cell = []
            if a.get("title"):
                self.titles.append(a["title"])
        elif tag == "span" and "count" in (a.get("class") or ""):
            self._count = a["class"].split()[-1]

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "span":
            self._count = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._count is not None and data.strip().isdigit():
            self.counts[self._count] = data.strip()


def _parse(text: str) -> _Table:
    t = _Table()
    t.feed(text)
    t.close()
    return t


def test_render_has_counts_and_one_escaped_row_per_file():
    results = [
        JobResult("/in/a<b>&c.png", "/out/a<b>&c.png", "ok"),
        JobResult(
            "/in/d.jpg", "/out/d.jpg", "failed", "CorruptFile: truncated", error="corrupt-file"
        ),
        JobResult("/in/e.jpg", "/out/e.jpg", "skipped", "output exists"),
    ]
    page = render_report_html(results, reason_for=lambda r: f"[{r['status']}]")
    t = _parse(page)
    assert len(t.rows) == 3
    assert t.rows[0] == ["a<b>&c.png", "labelled", "[ok]", "/out/a<b>&c.png"]
    assert t.rows[1][:3] == ["d.jpg", "failed", "[failed]"] and t.rows[1][3] == ""
    assert t.classes == ["ok", "failed", "skipped"]
    assert t.counts == {"ok": "1", "skipped": "1", "failed": "1"}
    assert "CorruptFile: truncated" in t.titles  # the technical reason stays at hand


def test_export_writes_a_readable_report_next_to_the_json(qtbot, window, tmp_path):
    files = [make_picture(tmp_path / "in" / f"p{i}.png", seed=i) for i in range(3)]
    out = _prepare(qtbot, window, tmp_path, files)
    out.mkdir(parents=True)
    make_picture(out / "p1.png", seed=9)  # already there: skipped
    combo = window.panel.on_exist_combo
    combo.setCurrentIndex(combo.findData("skip"))
    dlg = window.export(workers=1)
    assert dlg is not None, window.last_message
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    page = out / "aigclabel-report.html"
    assert dlg.readable_report() == page and page.is_file()
    t = _parse(page.read_text("utf-8"))
    doc = json.loads((out / "aigclabel-report.json").read_text("utf-8"))
    assert len(t.rows) == len(doc["files"]) == 3
    statuses = [r.status for r in dlg.final.results]
    assert t.counts["ok"] == str(statuses.count("ok"))
    assert t.counts["skipped"] == str(statuses.count("skipped")) == "1"
    skipped = t.rows[[r.status for r in dlg.final.results].index("skipped")]
    assert skipped[0] == "p1.png" and "already in the output folder" in skipped[2]
    ok_row = t.rows[statuses.index("ok")]
    assert ok_row[3].startswith(str(out))


def test_a_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    """Disk full while writing (or a failed rename): no hidden half-written report stays in the
    output folder, for the HTML page and for the JSON/CSV reports alike."""
    import errno
    import os

    from aigclabel_gui.engine import report as report_mod
    from aigclabel_gui.engine import report_html as html_mod

    results = [JobResult("/in/a.png", "/out/a.png", "ok")]

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(html_mod.os, "replace", full)
    with pytest.raises(OSError):
        html_mod.write_report_html(results, tmp_path / "r.html")
    monkeypatch.setattr(report_mod.os, "replace", full)
    for name in ("r.json", "r.csv"):
        with pytest.raises(OSError):
            report_mod.write_report(results, tmp_path / name)
    assert os.listdir(tmp_path) == []
