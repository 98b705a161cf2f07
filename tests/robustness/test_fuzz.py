"""Seeded bit flips and truncations of one sample per format, labelled in one batch and checked.

Invariants (each counted; all but tried/clean must be 0): no traceback or bare internal error
(crashed), no file stopped by the time limit (hung), no output missing for an "ok" or present
for a failure and no temp file left (lost), no original changed (modified); a rerun skips
exactly the outputs the first run made."""

from __future__ import annotations

import random
from pathlib import Path

from aigclabel_gui.engine.batch import (
    BatchFinished,
    Limits,
    plan_jobs,
    run_batch,
)
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.robustness.conftest import report_counts, run_cli, sha, temp_leftovers
from tests.robustness.samples import PRODUCER

SEED = 20251201
FLIPS_PER_FORMAT = 10
CUTS_PER_FORMAT = 4
TIME_LIMIT = 60.0  # per file; a sample labels in well under a second


def _mutants(samples: dict[str, Path], folder: Path) -> list[Path]:
    rng = random.Random(SEED)
    folder.mkdir()
    files = []
    for name, path in sorted(samples.items()):
        data = path.read_bytes()
        for k in range(FLIPS_PER_FORMAT):
            buf = bytearray(data)
            # Half the cases hit the first 512 bytes (headers, box and chunk sizes), half anywhere.
            span = min(len(buf), 512) if k % 2 == 0 else len(buf)
            for _ in range(rng.randint(1, 8)):
                buf[rng.randrange(span)] ^= 1 << rng.randrange(8)
            files.append(folder / f"{name}-flip{k:02d}{path.suffix}")
            files[-1].write_bytes(bytes(buf))
        for k in range(CUTS_PER_FORMAT):
            cut = rng.randrange(1, len(data))
            files.append(folder / f"{name}-cut{k:02d}{path.suffix}")
            files[-1].write_bytes(data[:cut])
    return files


def _batch(files: list[Path], out: Path) -> BatchFinished:
    settings = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    jobs = plan_jobs(files, out, settings)
    events = list(run_batch(jobs, workers=2, outdir=out, limits=Limits(seconds=TIME_LIMIT)))
    assert isinstance(events[-1], BatchFinished)
    return events[-1]


def test_bit_flips_and_truncations(samples, tmp_path):
    files = _mutants(samples, tmp_path / "in")
    before = {p: sha(p) for p in files}
    out = tmp_path / "out"
    counts = dict(tried=len(files), clean=0, crashed=0, hung=0, lost=0, modified=0, unexplained=0)
    problems = []
    try:
        final = _batch(files, out)
    except Exception as exc:  # the batch itself must never fail
        counts["crashed"] = len(files)
        report_counts("fuzz", counts)
        raise AssertionError(f"the batch raised {exc!r}") from exc
    assert len(final.results) == len(files)
    for r in final.results:
        src, dst = Path(r.src), Path(r.dst)
        bad = []
        if r.status not in ("ok", "failed", "skipped"):
            bad.append("crashed")
        if "Traceback" in r.reason or "internal error" in r.reason:
            bad.append("crashed")
        if "time limit" in r.reason or "MiB of memory" in r.reason:
            bad.append("hung")
        if (r.status == "ok") != dst.exists():
            bad.append("lost")
        if sha(src) != before[src]:
            bad.append("modified")
        if r.status == "failed" and "(unexpected " in r.reason:
            counts["unexplained"] += 1  # caught by the last-resort handler: a reason, no diagnosis
        for b in bad:
            counts[b] += 1
        if bad:
            problems.append(f"{src.name}: {r.status}: {r.reason} {bad}")
        else:
            counts["clean"] += 1
    leftovers = temp_leftovers(out)
    counts["lost"] += len(leftovers)

    # Rerun: every verified output is skipped, nothing else is.
    ok = {r.src for r in final.results if r.status == "ok"}
    again = _batch(files, out)
    resumed = {r.src for r in again.results if r.status == "skipped" and "resume" in r.reason}
    rerun_mismatch = len(ok ^ resumed)

    # `check` reads every mutant: one line each, never a traceback.
    chk = run_cli("check", *map(str, files), timeout=170)
    check_crash = int("Traceback" in chk.stderr or chk.returncode not in (0, 1))
    counts["crashed"] += check_crash
    counts["ok"], counts["rerun_mismatch"] = len(ok), rerun_mismatch
    report_counts("fuzz", counts)
    assert not problems, "\n".join(problems[:20])
    assert not leftovers and not rerun_mismatch and not check_crash, (leftovers, chk.stderr[-2000:])
    # Every failure has a diagnosed reason, not the last-resort "unexpected <Exception>".
    unexplained = [r.reason for r in final.results if "(unexpected " in r.reason]
    assert not unexplained, unexplained[:5]
