"""12-megapixel JPEGs labelled per second vs Pillow's own decode+encode floor of the same files.

floor    = Image.open + load + save(quality="keep", EXIF/ICC/XMP passed back): what any re-encoding
           labeller must pay at least;
explicit = engine.visible.image.apply_explicit (plan, render, composite in place, same save);
full     = pipeline.label_file (explicit + AIGC XMP written by the JPEG container + read-back verify).
Target (issue #3): explicit within 1.3x of the floor. Medians of R rounds over N files.
Usage: python bench/bench_image_label.py [N] [R]   (default 4 files, 3 rounds)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings, VisibleSettings
from aigclabel_gui.engine.visible.image import apply_explicit

PRODUCER = "001191440300708461136T1XGW3"
W, H = 4000, 3000  # 12 MP
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
    b'syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:format>image/jpeg</dc:format></rdf:Description></rdf:RDF></x:xmpmeta>"
)


def make_inputs(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:H, 0:W]
    base = np.stack([x * 255 // W, y * 255 // H, (x + y) * 127 // (W + H)], -1).astype(np.int16)
    paths = []
    for i in range(n):
        noise = rng.integers(-12, 12, size=(H, W, 1), dtype=np.int16)
        img = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))
        exif = Image.Exif()
        exif[0x010F] = "BenchCam"
        p = folder / f"in{i}.jpg"
        img.save(p, quality=90, exif=exif.tobytes(), xmp=XMP)
        paths.append(p)
    return paths


def floor_once(src: Path, dst: Path) -> None:
    im = Image.open(src)
    im.load()
    im.save(dst, "JPEG", quality="keep", exif=im.info.get("exif", b""), xmp=im.info.get("xmp"))


def timed(variants: dict, files: list[Path], out: Path, rounds: int) -> dict[str, float]:
    """Median seconds per file for each variant; variants interleave within each round so the
    machine's load drifts hit them alike."""
    per: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(rounds):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            for i, f in enumerate(files):
                fn(f, out / f"o{r}_{i}.jpg")
            per[name].append((time.perf_counter() - t0) / len(files))
            for p in out.glob("o*.jpg"):
                p.unlink()
    return {name: statistics.median(v) for name, v in per.items()}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    explicit_only = LabelSettings(implicit=ImplicitSettings(enabled=False))
    full = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    auto = LabelSettings(
        implicit=ImplicitSettings(enabled=False), visible=VisibleSettings(position="auto")
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "out").mkdir()
        files = make_inputs(tmp, n)
        out = tmp / "out"
        apply_explicit(files[0], out / "warm.jpg", None, explicit_only)  # font + cmap load once
        t = timed(
            {
                "floor": floor_once,
                "explicit": lambda s, d: apply_explicit(s, d, None, explicit_only),
                "auto": lambda s, d: apply_explicit(s, d, None, auto),
                "full": lambda s, d: label_file(s, d, full),
            },
            files,
            out,
            rounds,
        )
        t_floor, t_exp, t_auto, t_full = t["floor"], t["explicit"], t["auto"], t["full"]
    print(f"{n} x 12 MP JPEG (q90, EXIF+XMP), median of {rounds} rounds")
    print(
        f"floor  Pillow decode+encode keep: {t_floor * 1000:6.0f} ms/file  {1 / t_floor:5.2f} img/s"
    )
    print(
        f"explicit label (bottom-right):    {t_exp * 1000:6.0f} ms/file  {1 / t_exp:5.2f} img/s"
        f"  ratio {t_exp / t_floor:.2f}x (target <= 1.3x)"
    )
    print(
        f"explicit label (auto placement):  {t_auto * 1000:6.0f} ms/file  {1 / t_auto:5.2f} img/s"
        f"  ratio {t_auto / t_floor:.2f}x"
    )
    print(
        f"full label_file (+AIGC, verify):  {t_full * 1000:6.0f} ms/file  {1 / t_full:5.2f} img/s"
        f"  ratio {t_full / t_floor:.2f}x"
    )


if __name__ == "__main__":
    main()
