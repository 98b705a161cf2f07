"""Implicit label on 12-megapixel JPEGs: aigclabel vs exiftool writing one XMP tag (issue #2).

engine   = pipeline.label_file(implicit_only) in a loop, in this process (scan, splice the APP1
           XMP segment, read back and verify), one output file per input;
cli      = the real `aigclabel label --implicit-only --jobs 1` over the folder;
exiftool = `exiftool -XMP-dc:Title=x -o OUT/ IN/` (one process, one XMP tag, copies written).
All three write new files and leave the inputs alone. Prints seconds, ms per file and ratios.
Usage: python bench/bench_implicit_jpeg.py [N]   (default 200 files; inputs cached in bench/out/)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings

OUT = Path(__file__).parent / "out" / "implicit_jpeg"
PRODUCER = "001191440300708461136T1XGW3"
W, H = 4000, 3000  # 12 MP


def make_inputs(n: int) -> Path:
    src = OUT / f"in-{n}"
    if src.is_dir() and len(list(src.iterdir())) == n:
        return src
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    rng = np.random.default_rng(2)
    y, x = np.mgrid[0:H, 0:W]
    base = np.stack([x * 255 // W, y * 255 // H, (x + y) * 127 // (W + H)], -1).astype(np.int16)
    variants = []
    for i in range(3):  # a few variants: gradients + noise compress like photos
        noise = rng.integers(-10 - 4 * i, 10 + 4 * i, size=(H, W, 1), dtype=np.int16)
        img = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))
        exif = Image.Exif()
        exif[0x0112] = 1
        exif[0x010F] = "BenchCam"
        path = OUT / f"v{i}.jpg"
        img.save(path, quality=90, exif=exif)
        variants.append(path)
    for i in range(n):
        shutil.copyfile(variants[i % len(variants)], src / f"{i:04d}.jpg")
    return src


def fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def bench_engine(files: list[Path]) -> float:
    dst = fresh(OUT / "out-engine")
    settings = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))
    t0 = time.perf_counter()
    for f in files:
        label_file(f, dst / f.name, settings)
    return time.perf_counter() - t0


def bench_cli(src: Path) -> float:
    dst = fresh(OUT / "out-cli")
    exe = Path(sys.executable).parent / "aigclabel"
    cmd = [str(exe), "label", "--implicit-only", str(src), "-o", str(dst)]
    cmd += ["--producer", PRODUCER, "--jobs", "1", "--quiet"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def bench_exiftool(src: Path) -> float:
    dst = fresh(OUT / "out-exiftool")
    t0 = time.perf_counter()
    cmd = ["exiftool", "-q", "-XMP-dc:Title=x", "-o", f"{dst}/", str(src)]
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def check_outputs(files: list[Path]) -> None:
    """Spot-check: the scan data is byte-identical and exiftool reads the record."""
    for f in files[:3]:
        for out in (OUT / "out-engine" / f.name, OUT / "out-cli" / f.name):
            s, d = f.read_bytes(), out.read_bytes()
            assert d[d.index(b"\xff\xda") :] == s[s.index(b"\xff\xda") :], out
            tag = subprocess.run(
                ["exiftool", "-s3", "-XMP-TC260:AIGC", str(out)], capture_output=True, text=True
            ).stdout
            assert PRODUCER in tag, out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    src = make_inputs(n)
    files = sorted(src.iterdir())
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"{n} JPEGs, {W}x{H} (12 MP), {mb:.0f} MB in total, {os.cpu_count()} CPUs")
    te = bench_engine(files)
    tc = bench_cli(src)
    tx = bench_exiftool(src)
    check_outputs(files)
    for name, t in (("engine loop", te), ("aigclabel CLI", tc), ("exiftool", tx)):
        print(f"{name:14s} {t:7.2f} s  {1000 * t / n:6.1f} ms/file")
    print(
        f"exiftool / engine: {tx / te:.2f}x   exiftool / CLI: {tx / tc:.2f}x  (>1 = we are faster)"
    )
    for d in ("out-engine", "out-cli", "out-exiftool"):
        shutil.rmtree(OUT / d, ignore_errors=True)


if __name__ == "__main__":
    main()
