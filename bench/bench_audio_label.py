"""Audible label on a 60-minute stereo MP3 without re-encoding the programme (issue #4).

engine    = visible.audio.apply_explicit, rhythm and voice prompt at the start (scan every frame
            header, level-match on the first 20 s, encode the prompt, join frames, rewrite the
            Info/LAME frame);
pipeline  = pipeline.label_file: the same plus the ID3 TXXX:AIGC record and its read-back;
ffmpeg -c copy = the ffmpeg CLI remuxing the same file (an I/O floor: no prompt at all);
ffmpeg re-encode = what re-encoding the programme would cost (`--reencode`; ~1 min).
The output is checked: the original frames are in it byte for byte.
Usage: python bench/bench_audio_label.py [MINUTES] [--reencode]   (input cached in bench/out/)
"""

from __future__ import annotations

import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aigclabel_gui.engine.events import CancelToken, no_progress
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.settings import AudioSettings, ImplicitSettings, LabelSettings
from aigclabel_gui.engine.visible import mp3_frames
from aigclabel_gui.engine.visible.audio import apply_explicit

OUT = Path(__file__).parent / "out" / "audio"
PRODUCER = "001191440300708461136T1XGW3"
RATE = 44100


def make_input(minutes: int) -> Path:
    """A stereo 128 kb/s MP3 of music-like tones and noise, encoded once with PyAV/LAME."""
    path = OUT / f"programme-{minutes}min.mp3"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    rng = np.random.default_rng(4)
    chunk = RATE * 10
    with av.open(str(tmp), "w", format="mp3") as out:
        st = out.add_stream("libmp3lame", rate=RATE, layout="stereo")
        st.bit_rate = 128_000
        for i in range(minutes * 6):
            t = (np.arange(chunk) + i * chunk) / RATE
            base = 0.2 * np.sin(2 * np.pi * (220 + 20 * (i % 7)) * t) * (0.7 + 0.3 * np.sin(t))
            x = np.stack([base, np.roll(base, 50)]) + 0.02 * rng.standard_normal((2, chunk))
            frame = av.AudioFrame.from_ndarray(x.astype(np.float32), "fltp", "stereo")
            frame.sample_rate, frame.pts, frame.time_base = RATE, i * chunk, Fraction(1, RATE)
            for pkt in st.encode(frame):
                out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    tmp.rename(path)
    return path


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    minutes = int(args[0]) if args else 60
    t0 = time.perf_counter()
    src = make_input(minutes)
    made = time.perf_counter() - t0
    size = src.stat().st_size
    print(
        f"input: {src.name}, {size / 1e6:.1f} MB ({'cached' if made < 1 else f'made in {made:.0f} s'})"
    )
    info = identify(src)
    results = {}
    for prompt in ("rhythm", "voice"):
        dst = OUT / f"out-{prompt}.mp3"
        s = LabelSettings(audio=AudioSettings(prompt=prompt, position="start"))
        results[f"engine {prompt}"] = timed(
            lambda s=s, dst=dst: apply_explicit(src, dst, info, s, no_progress, CancelToken())
        )
    full = LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        audio=AudioSettings(prompt="voice", position="start"),
    )
    piped = OUT / "out-pipeline.mp3"
    results["pipeline voice + AIGC"] = timed(lambda: label_file(src, piped, full))
    copy = OUT / "out-ffmpeg-copy.mp3"
    results["ffmpeg -c copy"] = timed(
        lambda: subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c", "copy", str(copy)], check=True
        )
    )
    if "--reencode" in sys.argv:
        re = OUT / "out-ffmpeg-reencode.mp3"
        results["ffmpeg re-encode"] = timed(
            lambda: subprocess.run(
                [
                    "ffmpeg",
                    "-v",
                    "error",
                    "-y",
                    "-i",
                    str(src),
                    "-c:a",
                    "libmp3lame",
                    "-b:a",
                    "128k",
                    str(re),
                ],
                check=True,
            )  # fmt: skip
        )
    # The programme was not re-encoded: its frames are in the output byte for byte.
    data = src.read_bytes()
    lay = mp3_frames.scan(data, src.name)
    body = data[int(lay.offsets[0]) : lay.frames_end]
    assert body in (OUT / "out-voice.mp3").read_bytes(), "programme frames changed"
    base = results["ffmpeg -c copy"]
    for name, sec in results.items():
        print(f"{name:24s} {sec:6.2f} s   {sec / base:5.2f}× ffmpeg -c copy")


if __name__ == "__main__":
    main()
