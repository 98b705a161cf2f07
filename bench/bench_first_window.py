"""Time to the first window (issue 11, item 7: the GUI's first window within 1.5 s here, compared
with a bare Qt window). Each run is a fresh interpreter that builds the window the way
`aigclabel-gui` does (ui/app.py: font, translations, the main window), shows it, and quits from
the event loop's first turn after the window was exposed; the bare run shows an empty QWidget of
the same size. Runs alternate so machine load hits both alike. Offscreen platform unless
QT_QPA_PLATFORM is set; a fresh HOME so no saved file list is restored.
    .venv/bin/python -m bench.bench_first_window [ROUNDS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget(); w.resize(1400, 860); w.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""

APP = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from aigclabel_gui.ui.app import create_window, register_font
app = QApplication([])
register_font(app)
w = create_window(["aigclabel-gui"], app)
w.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def _run(code: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        _run(BARE, env), _run(APP, env)  # warm the page cache
        bare, app = [], []
        for _ in range(rounds):
            bare.append(_run(BARE, env))
            app.append(_run(APP, env))
    b, a = statistics.median(bare), statistics.median(app)
    print(f"bare Qt window   {b * 1000:7.0f} ms (median of {rounds})")
    print(f"aigclabel window {a * 1000:7.0f} ms  = {a / b:.2f}x bare Qt")


if __name__ == "__main__":
    main()
