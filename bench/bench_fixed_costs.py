"""Fixed costs (issue: one source of truth / fixed costs): `aigclabel --help` against a bare
`python -c pass`, importing the engine, and metadata-only labelling of 10 / 100 / 1,000 small
JPEGs with the CLI (--jobs 1) against exiftool writing one XMP tag into copies of the same files.

Prints times and ratios; the machine is shared and noisy, so compare ratios measured in one run.
The package's bytecode is compiled first, as an installed package has it: this environment sets
PYTHONDONTWRITEBYTECODE=1, so without it every run would compile the sources again and time that
(`--no-compile` measures that case).
    .venv/bin/python -m bench.bench_fixed_costs [--no-compile]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRODUCER = "001191440300708461136T1XGW3"
BIN = Path(sys.executable).parent


def _time(cmd: list[str], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _inputs(folder: Path, n: int) -> Path:
    import numpy as np
    from PIL import Image

    src = folder / f"in-{n}"
    src.mkdir()
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8))
    first = src / "0000.jpg"
    img.save(first, quality=85)
    for i in range(1, n):
        shutil.copyfile(first, src / f"{i:04d}.jpg")
    return src


def _compile_package() -> None:
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("aigclabel_gui")
    for folder in spec.submodule_search_locations or []:
        compileall.compile_dir(folder, quiet=1)


def main() -> None:
    if "--no-compile" not in sys.argv:
        _compile_package()
    bare = _time([sys.executable, "-c", "pass"])
    helps = _time([str(BIN / "aigclabel"), "--help"])
    engine = _time([sys.executable, "-c", "import aigclabel_gui.engine"])
    print(
        f"python -c pass {bare * 1000:.0f} ms; aigclabel --help {helps * 1000:.0f} ms "
        f"({helps / bare:.1f}x); import aigclabel_gui.engine {engine * 1000:.0f} ms "
        f"({engine / bare:.1f}x)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        per: dict[int, float] = {}
        for n in (10, 100, 1000):
            src = _inputs(tmp, n)
            out = tmp / f"out-{n}"
            cmd = [
                str(BIN / "aigclabel"),
                "label",
                "--implicit-only",
                str(src),
                "-o",
                str(out),
                "--producer",
                PRODUCER,
                "--jobs",
                "1",
                "--quiet",
            ]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            ours = time.perf_counter() - t0
            xout = tmp / f"x-{n}"
            xout.mkdir()
            t0 = time.perf_counter()
            subprocess.run(
                ["exiftool", "-q", "-XMP-dc:Title=x", "-o", f"{xout}/", str(src)],
                check=True,
                capture_output=True,
            )
            theirs = time.perf_counter() - t0
            per[n] = ours / n
            print(
                f"{n:5d} small JPEGs metadata-only: aigclabel {ours:6.2f} s "
                f"({ours / n * 1000:5.1f} ms/file), exiftool {theirs:6.2f} s "
                f"({theirs / n * 1000:5.1f} ms/file); ours/exiftool {ours / theirs:.2f}x"
            )
        print(
            f"per-file cost scaling 10->100: {per[100] / per[10]:.2f}x, "
            f"100->1000: {per[1000] / per[100]:.2f}x"
        )


if __name__ == "__main__":
    main()
