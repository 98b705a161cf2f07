"""Visible video label (start card) vs the ffmpeg CLI doing the same overlay (issue #5).

Input: a 1080p30 H.264 + AAC clip (default 60 s), generated once into bench/out/video/.
Ours: the engine's apply_explicit, start card of 3 s, libx264 veryfast at the default CRF.
ffmpeg: `overlay` filter with the very same label PNG at the same place, enabled for t < 3 s,
libx264 with the same preset/CRF/maxrate/bufsize, `-c:a copy`. Both run as child processes under
/usr/bin/time -v, so wall time and peak RSS are measured the same way. Rounds alternate.

Usage: python bench/bench_video_label.py [SECONDS] [ROUNDS]   (default 60 s, 1 round)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out" / "video"
CARD = 3.0


def make_input(seconds: int) -> Path:
    src = OUT / f"in-1080p30-{seconds}s.mp4"
    if src.exists():
        return src
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = src.with_suffix(".part.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30"]
        + ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds)]
        + ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
        + ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(tmp)],
        check=True,
    )
    tmp.replace(src)
    return src


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of a child process, from GNU time."""
    res = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{res.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", res.stderr)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr).group(1))
    return secs, rss // 1024


def run_ours(src: str, dst: str) -> None:
    from aigclabel_gui.engine.registry import identify
    from aigclabel_gui.engine.settings import LabelSettings, VideoSettings
    from aigclabel_gui.engine.visible.video import apply_explicit

    settings = LabelSettings(video=VideoSettings(cards="start", card_seconds=CARD))
    rep = apply_explicit(Path(src), Path(dst), identify(Path(src)), settings)
    print(rep.summary, rep.measurements, file=sys.stderr)


def ffmpeg_command(src: Path, dst: Path) -> list[str]:
    """The same label PNG, position, encoder and settings as the engine would use."""
    from aigclabel_gui.engine.settings import VisibleSettings
    from aigclabel_gui.engine.visible.video import choose_encoder, plan_label, probe

    pr = probe(src)
    plan = plan_label(pr, VisibleSettings())
    enc = choose_encoder(pr, "mp4")
    png = OUT / "label.png"
    plan.coded.image.save(png)
    o = enc.options
    return (
        ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-i", str(png), "-filter_complex"]
        + [f"[0:v][1:v]overlay={plan.coded.x}:{plan.coded.y}:enable='lt(t,{CARD})'"]
        + ["-c:v", "libx264", "-preset", o["preset"], "-crf", o["crf"]]
        + ["-maxrate", o["maxrate"], "-bufsize", o["bufsize"], "-c:a", "copy"]
        + ["-movflags", "use_metadata_tags", str(dst)]
    )


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--ours":
        run_ours(sys.argv[2], sys.argv[3])
        return 0
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    src = make_input(seconds)
    frames = seconds * 30
    ours_dst, ff_dst = OUT / "ours.mp4", OUT / "ffmpeg.mp4"
    ff_cmd = ffmpeg_command(src, ff_dst)
    ours_cmd = [sys.executable, __file__, "--ours", str(src), str(ours_dst)]
    results: dict[str, list[tuple[float, int]]] = {"ours": [], "ffmpeg": []}
    for _ in range(rounds):
        results["ffmpeg"].append(timed(ff_cmd))
        results["ours"].append(timed(ours_cmd))
    best = {k: min(v) for k, v in results.items()}
    for k, (secs, rss) in best.items():
        print(f"{k:7s} {secs:6.1f} s  {frames / secs:5.1f} fps  peak RSS {rss} MB")
    ratio = best["ours"][0] / best["ffmpeg"][0]
    print(f"time ratio ours/ffmpeg: {ratio:.2f}x (target <= 1.25x)")
    for p in (ours_dst, ff_dst):
        err = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(p), "-f", "null", "-"], capture_output=True
        ).stderr
        size = p.stat().st_size / 1e6
        print(f"{p.name}: {size:.1f} MB, decode errors: {'none' if not err else err[:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
