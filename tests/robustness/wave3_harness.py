"""Run one input through label_file (metadata-only and full label) and inspect_file, each under a
time limit in a fresh worker process, and classify the outcome:

clean    labelled, or refused with an AigcError whose message is one line
crashed  any other exception (its type and the innermost frame are kept)
hung     over the time limit
partial  the output or a temp file left behind after a refusal
modified the original's bytes changed

`python -m tests.robustness.wave3_harness` runs the whole exploration (minutes); the tests run a
seeded subset through `classify_all`."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import signal
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

MODES = ("implicit", "full", "inspect")
OUTCOMES = ("clean", "crashed", "hung", "partial", "modified")


class _Hang(Exception):
    pass


def _alarm(_sig, _frame):
    raise _Hang()


@dataclass
class Outcome:
    path: str
    mode: str
    outcome: str
    detail: str = ""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_one(args: tuple[str, str, str, int]) -> Outcome:
    src_s, mode, out_s, limit = args
    from aigclabel_gui.engine.errors import AigcError
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings

    src, out = Path(src_s), Path(out_s)
    out.mkdir(parents=True, exist_ok=True)
    before = _sha(src)
    dst = out / src.name
    detail, outcome = "", "clean"
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        if mode == "inspect":
            from aigclabel_gui.engine.inspect import inspect_file
            from aigclabel_gui.engine.registry import identify

            try:  # the container's own reader, unguarded: inspect_file hides a crash as a verdict
                identify(src).container.scan(src)
            except AigcError as exc:
                detail = str(exc)
            r = inspect_file(src)
            detail = detail or (r.error or "")
            if "\n" in detail.strip():
                outcome = "crashed"
        else:
            from aigclabel_gui.engine.pipeline import label_file

            settings = LabelSettings(
                implicit=ImplicitSettings(producer="001191440300708461136T1XGW3"),
                implicit_only=mode == "implicit",
            )
            try:
                label_file(src, dst, settings)
                detail = "ok"
            except AigcError as exc:
                detail = str(exc)
                if "\n" in detail.strip():
                    outcome = "crashed"
                if dst.exists():
                    outcome = "partial"
    except _Hang:
        outcome, detail = "hung", f"over {limit} s"
    except RecursionError as exc:
        outcome, detail = "crashed", f"RecursionError: {str(exc)[:80]}"
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        frame = next((f for f in reversed(tb) if "aigclabel_gui" in f.filename), tb[-1])
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        outcome, detail = "crashed", f"{type(exc).__name__}: {str(exc)[:120]} @ {where}"
    finally:
        signal.alarm(0)
    left = [p.name for p in out.iterdir() if p.name.startswith(".aigclabel-")]
    if left and outcome == "clean":
        outcome, detail = "partial", f"temp files left: {left}"
    if _sha(src) != before:
        outcome, detail = "modified", detail
    for p in out.iterdir():
        if p.is_file():
            p.unlink()
    return Outcome(src_s, mode, outcome, detail)


def classify_all(
    files: list[Path], out: Path, modes=MODES, limit: int = 20, workers: int = 2
) -> list[Outcome]:
    tasks = [(str(f), m, str(out / f"{i}-{m}"), limit) for i, f in enumerate(files) for m in modes]
    # spawn, not forkserver: a fork server outlives the pool for the rest of the pytest run, and
    # the GUI tests check that no child process is left behind.
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, maxtasksperchild=40) as pool:
        # A worker stuck in C code ignores SIGALRM: the pool's own timeout is the backstop.
        res = pool.map_async(run_one, tasks, chunksize=1)
        return res.get(timeout=max(120, limit * len(tasks)))


def table(outcomes: list[Outcome], group) -> dict[str, Counter]:
    rows: dict[str, Counter] = {}
    for o in outcomes:
        c = rows.setdefault(group(o), Counter())
        c["tried"] += 1
        c[o.outcome] += 1
    return rows


def print_table(rows: dict[str, Counter]) -> None:
    print(f"{'input class':28s} tried " + " ".join(f"{k:>8s}" for k in OUTCOMES))
    for name, c in sorted(rows.items()):
        print(f"{name:28s} {c['tried']:5d} " + " ".join(f"{c[k]:8d}" for k in OUTCOMES))


def _explore(root: Path) -> None:
    import random
    import sys

    from tests.robustness import wave3_seeds as ws

    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261201)
    classes: dict[str, list[Path]] = {}
    seeds = root / "seeds"
    seeds.mkdir(exist_ok=True)
    mut = root / "mut"
    mut.mkdir(exist_ok=True)
    pdfs = ws.pdf_seeds(seeds)
    classes["pdf seeds"] = list(pdfs.values())
    classes["pdf hostile values"] = list(ws.hostile_pdfs(seeds).values())
    classes["pdf byte mutants"] = [
        p
        for k in ("plain", "tagged", "rotated")
        for p in ws.pdf_byte_mutants(pdfs[k], mut, rng, 12)
    ]
    av = ws.av_seeds(seeds)
    classes["av seeds"] = list(av.values())
    for name in ("opus.webm", "flac.mka", "dv.mkv"):
        if name in av:
            classes.setdefault("matroska mutants", []).extend(
                ws.structural_mutants(av[name], mut, rng, 24)
            )
    for name in ("opus.mp4", "aac.m4a", "dv.mp4"):
        if name in av:
            classes.setdefault("mp4 mutants", []).extend(
                ws.structural_mutants(av[name], mut, rng, 24)
            )
    classes["matroska hostile"] = list(ws.hostile_matroska(seeds).values())
    heifs = ws.heif_seeds(seeds)
    classes["heif seeds"] = list(heifs.values())
    classes["heif hostile items"] = list(ws.hostile_heifs(seeds).values())
    classes["heif mutants"] = [
        p for h in heifs.values() for p in ws.structural_mutants(h, mut, rng, 24)
    ]
    imgs = ws.image_seeds(seeds)
    classes["image seeds"] = list(imgs.values())
    classes["image hostile exif"] = list(ws.hostile_images(seeds).values())
    classes["png/webp chunk mutants"] = [
        p
        for k in ("text.png", "anim.webp", "anim-lossy.webp")
        for p in ws.chunk_mutants(imgs[k], mut, rng, 24)
    ]
    only = sys.argv[1:]
    if only:
        classes = {k: v for k, v in classes.items() if any(o in k for o in only)}
    everything = []
    for name, files in classes.items():
        print(f"{name}: {len(files)} files", flush=True)
        outs = classify_all(files, root / "out")
        for o in outs:
            o.path = f"{name}|{o.path}"
        everything += outs
        for o in outs:
            if o.outcome != "clean":
                print(
                    f"  {o.outcome:8s} {o.mode:8s} {Path(o.path.split('|')[1]).name}: {o.detail}",
                    flush=True,
                )
    print_table(table(everything, lambda o: o.path.split("|")[0]))
    import dataclasses
    import json

    (root / "outcomes.json").write_text(
        json.dumps([dataclasses.asdict(o) for o in everything], indent=1)
    )


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _explore(Path("/tmp/wave3-fuzz"))
