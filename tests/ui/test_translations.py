"""Every string the UI passes through tr() has a finished Chinese translation, and the compiled
.qm matches the .ts (so a string added to the code without a translation fails here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from lxml import etree
from PySide6.QtCore import QTranslator

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "aigclabel_zh_CN.ts"
QM = ROOT / "resources" / "i18n" / "aigclabel_zh_CN.qm"
BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{\d(?::[^}]*)?\}")


def _messages(ts: Path) -> dict[tuple[str, str], etree._Element]:
    tree = etree.parse(str(ts))
    return {
        (ctx.findtext("name"), m.findtext("source")): m.find("translation")
        for ctx in tree.iter("context")
        for m in ctx.iter("message")
    }


def test_every_ui_string_is_translated(tmp_path):
    fresh = tmp_path / "fresh.ts"
    shutil.copy(TS, fresh)
    ui = sorted(str(p) for p in (ROOT / "aigclabel_gui" / "ui").glob("*.py"))
    subprocess.run(
        [str(BIN / "pyside6-lupdate"), "-no-obsolete", *ui, "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    msgs = _messages(fresh)
    assert len(msgs) > 150
    unfinished = [k for k, tr in msgs.items() if tr.get("type") == "unfinished" or not tr.text]
    assert not unfinished, unfinished
    # Translations keep the placeholders of their source ({0}, {1:.1f}, ...).
    for (_ctx, src), tr in msgs.items():
        assert sorted(PLACEHOLDER.findall(src)) == sorted(PLACEHOLDER.findall(tr.text)), src


def test_compiled_qm_matches_ts(qapp):
    tr = QTranslator()
    assert tr.load(str(QM))
    for (ctx, src), translation in _messages(TS).items():
        assert tr.translate(ctx, src) == translation.text, (ctx, src)
