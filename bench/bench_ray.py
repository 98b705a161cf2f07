"""Per-file overhead of `--executor ray` vs the local process pool (issue #16).

N small PNGs (256×192, visible label + AIGC record) and one short H.264 clip are labelled by:
in-process (`--jobs 1`, the per-file work itself), the local spawn pool (2 workers) and a Ray
cluster started in this process with 2 CPUs (`RayExecutor(num_cpus=2)`), each run cold once,
then warm (best of 2 for images, 3 for the clip): cold pays worker start-up and imports, warm is the steady state (Ray keeps its
workers warm between batches; the local pool starts a fresh pool per batch).
Usage: python bench/bench_ray.py [N] [ADDRESS]   (default 150 images; ADDRESS: use a running
cluster instead of a local one, e.g. 127.0.0.1:6379)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aigclabel_gui.engine.batch import BatchFinished, plan_jobs, run_batch  # noqa: E402
from aigclabel_gui.engine.cluster import RayExecutor  # noqa: E402
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings  # noqa: E402

PRODUCER = "001191440300708461136T1XGW3"
SETTINGS = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))


def make_images(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        a = rng.integers(0, 255, (192, 256, 3), dtype=np.uint8)
        Image.fromarray(a).save(folder / f"img{i:04d}.png")
    return folder


def make_video(folder: Path) -> Path:
    from tests.engine.test_video_label import make_clip

    folder.mkdir(parents=True)
    return make_clip(folder / "clip.mp4", w=640, h=360, fps=25, secs=5)


DRIVER_CPU: dict[str, float] = {}  # label -> driver (this process) CPU seconds per file, warm


def best(src: Path, out: Path, rounds: int, **kw) -> float:
    """Minimum of `rounds` warm runs (the machine is shared and noisy); driver CPU of the best."""
    times = []
    for _ in range(rounds):
        times.append((run(src, out, **kw), run.driver_cpu))
    dt, run.driver_cpu = min(times)
    return dt


def run(src: Path, out: Path, **kw) -> float:
    shutil.rmtree(out, ignore_errors=True)
    jobs = plan_jobs([src], out, SETTINGS)
    t0, c0 = time.perf_counter(), time.process_time()
    final = list(run_batch(jobs, outdir=out, **kw))[-1]
    dt = time.perf_counter() - t0
    run.driver_cpu = (time.process_time() - c0) / len(jobs)
    assert isinstance(final, BatchFinished)
    bad = [r for r in final.results if r.status != "ok"]
    assert not bad, bad[:3]
    return dt


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    address = sys.argv[2] if len(sys.argv) > 2 else None
    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        imgs = make_images(tmp / "imgs", n)
        vid = make_video(tmp / "vid")
        rows: list[tuple[str, float, float]] = []
        # (one pending file runs in-process in run_batch, so the video "pool" row is in-process too)
        for name, src, count, rounds in (("images", imgs, n, 2), ("video", vid.parent, 1, 3)):
            for label, kw in (("in-process", {"workers": 1}), ("local pool x2", {"workers": 2})):
                cold = run(src, tmp / "out", **kw)
                warm = best(src, tmp / "out", rounds, **kw)
                rows.append((f"{name:<7}{label}", cold / count, warm / count))
                DRIVER_CPU[rows[-1][0]] = run.driver_cpu
        t0 = time.perf_counter()
        ex = RayExecutor(address, num_cpus=None if address else 2)
        ex.connect()
        connect = time.perf_counter() - t0
        try:
            for name, src, count, rounds in (("images", imgs, n, 2), ("video", vid.parent, 1, 3)):
                cold = run(src, tmp / "out", executor=ex)
                warm = best(src, tmp / "out", rounds, executor=ex)
                rows.append(
                    (f"{name:<7}ray ({address or 'local, 2 CPUs'})", cold / count, warm / count)
                )
                DRIVER_CPU[rows[-1][0]] = run.driver_cpu
        finally:
            ex.close()
        print(f"{n} PNGs 256x192 + one 5 s 640x360 H.264 clip; Ray connect/start: {connect:.2f} s")
        print(f"{'':<40}{'cold s/file':>12}{'warm s/file':>12}{'driver CPU ms/file':>20}")
        for label, cold, warm in rows:
            print(f"{label:<40}{cold:12.4f}{warm:12.4f}{1000 * DRIVER_CPU[label]:20.2f}")
        base = {r[0].split()[0]: r[2] for r in rows if "pool" in r[0]}
        for label, _, warm in rows:
            if "ray" in label:
                kind = label.split()[0]
                print(f"ray - pool, warm, {kind}: {1000 * (warm - base[kind]):+.1f} ms/file")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
