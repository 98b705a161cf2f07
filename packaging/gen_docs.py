"""Regenerate the parts of README.md that are derived from the engine's registry.

.venv/bin/python packaging/gen_docs.py
"""

from __future__ import annotations

import re
from pathlib import Path

from aigclabel_gui.engine.registry import carrier_table

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- registry:carriers -->", "<!-- /registry:carriers -->"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    block = f"{START}\n{carrier_table()}\n{END}"
    new, n = re.subn(re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    if n != 1:
        raise SystemExit("README.md: carrier table markers not found")
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
