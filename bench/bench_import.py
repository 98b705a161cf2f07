"""Import cost of the engine as a library (issue #16): `python -X importtime` of
`import aigclabel_gui.engine`, of the public names, and which heavy libraries each pulls in.

Usage: python bench/bench_import.py [ROUNDS]   (default 7; median of the cumulative import time)
"""

from __future__ import annotations

import statistics
import subprocess
import sys

HEAVY = (
    "av",
    "cv2",
    "PySide6",
    "lxml",
    "pikepdf",
    "numpy",
    "PIL",
    "mutagen",
    "docx",
    "yaml",
    "ray",
)
CASES = {
    "python alone (site, encodings: not counted below)": "pass",
    "import aigclabel_gui.engine": "import aigclabel_gui.engine",
    "from engine import label_file, inspect_file, LabelSettings": (
        "from aigclabel_gui.engine import label_file, inspect_file, LabelSettings"
    ),
    "cli (aigclabel --help path)": "import aigclabel_gui.cli",
}


def top_level(stderr: str) -> dict[str, int]:
    """module -> cumulative µs of each top-level import (`-X importtime` lines without indent)."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = line.split("|")
            if not name.startswith("  ") and cum.strip().isdigit():
                out[name.strip()] = int(cum)
    return out


_BASE: set[str] = set()  # what the interpreter imports by itself (site, encodings…)


def measure(stmt: str, rounds: int) -> tuple[float, list[str]]:
    """Median over `rounds` fresh interpreters of the import time the statement adds."""
    times = []
    probe = f"{stmt}\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded: list[str] = []
    for _ in range(rounds):
        r = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", probe],
            capture_output=True,
            text=True,
            check=True,
        )
        mods = top_level(r.stderr)
        if stmt == "pass":
            _BASE.update(mods)
        times.append(sum(v for k, v in mods.items() if k not in _BASE or stmt == "pass") / 1000)
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
