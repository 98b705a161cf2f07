"""Batch throughput: N mixed JPEG/PNG images (1–12 MP) fully labelled with --jobs 1 and --jobs 2.

Prints files/s for each, the speed-up, and the peak RSS of the largest single process (parent or
one worker: GNU time's getrusage max, not the sum of the tree; with --jobs 2 the total is about
parent + 2 workers). Target (issue #6): speed-up ≥ 1.7× on 2 cores.
Usage: python bench/bench_batch.py [N]   (default 500; images are generated once in bench/out/)
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

OUT = Path(__file__).parent / "out" / "batch"
PRODUCER = "001191440300708461136T1XGW3"
SIZES_MP = [1, 2, 4, 8, 12]


def make_inputs(n: int) -> Path:
    src = OUT / f"in-{n}"
    if src.is_dir() and len(list(src.iterdir())) == n:
        return src
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    rng = np.random.default_rng(1)
    variants = []
    for mp in SIZES_MP:
        w = int((mp * 1e6 * 4 / 3) ** 0.5)
        h = int(w * 3 / 4)
        # Smooth gradients + noise: compresses like a photo, not like a flat colour.
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([(x * 255 // w), (y * 255 // h), ((x + y) * 127 // (w + h))], -1).astype(
            np.int16
        )
        noise = rng.integers(-12, 12, size=(h, w, 1), dtype=np.int16)
        img = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))
        jpg = OUT / f"v{mp}.jpg"
        png = OUT / f"v{mp}.png"
        img.save(jpg, quality=90)
        if mp <= 4:
            img.save(png, compress_level=1)
            variants.append(png)
        variants.append(jpg)
    for i in range(n):
        v = variants[i % len(variants)]
        shutil.copyfile(v, src / f"{i:04d}{v.suffix}")
    return src


def run(src: Path, jobs: int) -> tuple[float, float]:
    dst = OUT / f"out-j{jobs}"
    shutil.rmtree(dst, ignore_errors=True)
    exe = Path(sys.executable).parent / "aigclabel"
    # /usr/bin/time -v reports the largest RSS among the CLI and its (waited-for) workers.
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            "/usr/bin/time",
            "-v",
            str(exe),
            "label",
            str(src),
            "-o",
            str(dst),
            "--producer",
            PRODUCER,
            "--jobs",
            str(jobs),
            "--quiet",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    peak_kb = next(
        int(line.split(":")[1]) for line in out.stderr.splitlines() if "Maximum resident" in line
    )
    return elapsed, peak_kb / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    src = make_inputs(n)
    total_mp = sum(Image.open(p).size[0] * Image.open(p).size[1] for p in src.iterdir()) / 1e6
    print(f"{n} images, {total_mp:.0f} MP in total, {os.cpu_count()} CPUs")
    t1, m1 = run(src, 1)
    print(f"--jobs 1: {t1:.1f} s, {n / t1:.2f} files/s, peak RSS of one process {m1:.0f} MiB")
    t2, m2 = run(src, 2)
    print(f"--jobs 2: {t2:.1f} s, {n / t2:.2f} files/s, peak RSS of one process {m2:.0f} MiB")
    print(f"speed-up: {t1 / t2:.2f}x (target >= 1.7x)")


if __name__ == "__main__":
    main()
