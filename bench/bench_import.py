"""Import cost of the engine as a library (issue #16): `python -X importtime` of
`import aigclabel_gui.engine`, of the public names, and which heavy libraries each pulls in.

Usage: python bench/bench_import.py [ROUNDS]   (default 7; median of the cumulative import time)
"""

from __future__ import annotations

import statistics
import subprocess
import sys

HEAVY = ("av", "cv2", "PySide6", "lxml", "pikepdf", "numpy", "PIL", "mutagen", "docx", "yaml", "ray")
CASES = {
    "python alone (baseline)": "pass",
    "import aigclabel_gui.engine": "import aigclabel_gui.engine",
    "from engine import label_file, inspect_file, LabelSettings": (
        "from aigclabel_gui.engine import label_file, inspect_file, LabelSettings"
    ),
    "cli (aigclabel --help path)": "import aigclabel_gui.cli",
}


def measure(stmt: str, rounds: int) -> tuple[float, list[str]]:
    times = []
    probe = f"{stmt}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded: list[str] = []
    for _ in range(rounds):
        r = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True, check=True
        )
        # the cumulative time of each top-level import (lines with a single space of indent)
        total = 0
        for line in r.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                _, cum, name = line.split("|")
                if not name.startswith("  ") and cum.strip().isdigit():
                    total += int(cum)
        times.append(total / 1000)
        loaded = [m for m in r.stdout.strip().split(",") if m]
    return statistics.median(times), loaded


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    for label, stmt in CASES.items():
        ms, loaded = measure(stmt, rounds)
        print(f"{label:<60} {ms:7.1f} ms   heavy modules: {', '.join(loaded) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
