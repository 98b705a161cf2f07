"""Visible video label (start card) vs the ffmpeg CLI doing the same overlay (issue #5).

Input: a 1080p30 H.264 + AAC clip (default 60 s), generated once into bench/out/video/.
Ours, full: the engine's apply_explicit, start card of 3 s, whole stream re-encoded with libx264
veryfast at the default CRF (smart render switched off). Ours, smart: the same with the default
smart render (only the GOPs under the card re-encoded). ffmpeg: `overlay` filter with the very
same label PNG at the same place, enabled for t < 3 s, libx264 with the same preset/CRF/maxrate/
bufsize, `-c:a copy`. All run as child processes under /usr/bin/time -v (wall time, peak RSS).

Usage: python bench/bench_video_label.py [SECONDS] [ROUNDS] [LONG_MINUTES]
(default 60 s, 1 round; LONG_MINUTES > 0 also times the smart render on a clip of that length,
made by stream-copy concatenation of the 60 s clip.)
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


def make_long(src: Path, minutes: int) -> Path:
    long = OUT / f"in-1080p30-{minutes}min.mp4"
    if long.exists():
        return long
    listing = OUT / "concat.txt"
    listing.write_text(f"file '{src.name}'\n" * round(minutes * 60 / probe_seconds(src)))
    tmp = long.with_suffix(".part.mp4")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
        + ["-c", "copy", str(tmp)],
        check=True,
    )
    tmp.replace(long)
    return long


def probe_seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


def decode_errors(path: Path, seconds: float) -> bytes:
    """ffmpeg's error log decoding the whole file (short) or its first and last 30 s (long)."""
    spans = [([], [])] if seconds <= 120 else [([], ["-t", "30"]), (["-ss", str(seconds - 30)], [])]
    err = b""
    for before, after in spans:
        cmd = ["ffmpeg", "-v", "error", *before, "-i", str(path), *after, "-f", "null", "-"]
        err += subprocess.run(cmd, capture_output=True).stderr
    return err


def run_ours(src: str, dst: str, smart: bool) -> None:
    from aigclabel_gui.engine.registry import identify
    from aigclabel_gui.engine.settings import LabelSettings, VideoSettings
    from aigclabel_gui.engine.visible import video
    from aigclabel_gui.engine.visible.video import apply_explicit

    video.SMART_RENDER = smart

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
    if len(sys.argv) == 5 and sys.argv[1] == "--ours":
        run_ours(sys.argv[2], sys.argv[3], sys.argv[4] == "smart")
        return 0
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    long_minutes = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    src = make_input(seconds)
    frames = seconds * 30
    dsts = {k: OUT / f"{k}.mp4" for k in ("ffmpeg", "ours-full", "ours-smart")}
    cmds = {
        "ffmpeg": ffmpeg_command(src, dsts["ffmpeg"]),
        "ours-full": [sys.executable, __file__, "--ours", str(src), str(dsts["ours-full"]), "full"],
        "ours-smart": [
            sys.executable,
            __file__,
            "--ours",
            str(src),
            str(dsts["ours-smart"]),
            "smart",
        ],
    }
    results: dict[str, list[tuple[float, int]]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for k, cmd in cmds.items():
            results[k].append(timed(cmd))
    best = {k: min(v) for k, v in results.items()}
    for k, (secs, rss) in best.items():
        print(f"{k:10s} {secs:6.1f} s  {frames / secs:6.1f} fps  peak RSS {rss} MB")
    ratio = best["ours-full"][0] / best["ffmpeg"][0]
    print(f"time ratio ours-full/ffmpeg: {ratio:.2f}x (target <= 1.25x)")
    print(f"time ratio ours-smart/ffmpeg: {best['ours-smart'][0] / best['ffmpeg'][0]:.2f}x")
    for p in dsts.values():
        err = decode_errors(p, seconds)
        size = p.stat().st_size / 1e6
        print(f"{p.name}: {size:.1f} MB, decode errors: {'none' if not err else err[:200]}")
    if long_minutes:
        long = make_long(src, long_minutes)
        dst = OUT / "ours-smart-long.mp4"
        cmd = [sys.executable, __file__, "--ours", str(long), str(dst), "smart"]
        secs, rss = timed(cmd)
        err = decode_errors(dst, probe_seconds(long))
        print(
            f"smart render, {long_minutes} min 1080p30: {secs:.1f} s, peak RSS {rss} MB, "
            f"decode errors (first/last 30 s): {'none' if not err else err[:200]}"
        )
        dst.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
