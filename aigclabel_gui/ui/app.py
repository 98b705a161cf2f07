"""Application entry point: `aigclabel-gui [FILES...]` and `python -m aigclabel_gui`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    argv = list(sys.argv if argv is None else argv)
    app = QApplication(argv)
    w = QLabel("aigclabel")
    w.show()
    return app.exec()
