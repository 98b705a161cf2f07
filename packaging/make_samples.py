"""Make the demo files for "Try with samples" (resources/samples/): a picture, a short clip with
sound and a short audio file, all drawn and synthesised here (no third-party material).

    .venv/bin/python packaging/make_samples.py [OUTDIR]

Deterministic (fixed seeds) and small (< 300 KB together).
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
W, H = 1024, 768


def _ridge(rng: np.random.Generator, width: int, base: float, rough: float) -> np.ndarray:
    """A mountain ridge line: sum of a few random sine waves."""
    x = np.linspace(0, 1, width)
    y = np.full(width, base)
    for k in range(1, 6):
        y += rough / k * np.sin(2 * np.pi * (k * 1.3 * x + rng.random()))
    return y


def scene(width: int, height: int, t: float = 0.0, seed: int = 7) -> Image.Image:
    """A calm synthetic landscape: sky gradient, sun, three mountain ranges, a lake."""
    rng = np.random.default_rng(seed)
    yy = np.linspace(0, 1, height)[:, None, None]
    top, horizon = np.array([38, 92, 168]), np.array([250, 196, 150])
    sky = (top + (horizon - top) * yy**0.8) * np.ones((1, width, 1))
    img = Image.fromarray(sky.clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    sun_x = width * (0.68 - 0.04 * t)
    sun_y = height * (0.36 + 0.03 * t)
    r = height * 0.07
    glow = Image.new("L", (width, height), 0)
    ImageDraw.Draw(glow).ellipse((sun_x - 3 * r, sun_y - 3 * r, sun_x + 3 * r, sun_y + 3 * r), 90)
    glow = glow.filter(ImageFilter.GaussianBlur(r))
    img.paste((255, 230, 170), mask=glow)
    d.ellipse((sun_x - r, sun_y - r, sun_x + r, sun_y + r), fill=(255, 236, 180))
    water_y = int(height * 0.72)
    colours = [(120, 110, 150), (80, 80, 120), (45, 60, 85)]
    for i, colour in enumerate(colours):
        ridge = _ridge(rng, width, height * (0.42 + 0.1 * i), height * (0.1 - 0.02 * i))
        pts = [(x, float(ridge[x])) for x in range(0, width, 4)]
        d.polygon([(0, water_y), *pts, (width - 1, water_y)], fill=colour)
    # The lake: the scene above, mirrored, darkened, with ripples.
    above = np.asarray(img, dtype=np.float32)[water_y - (height - water_y) : water_y][::-1]
    ripple = (np.sin(np.arange(above.shape[0])[:, None] * 0.9 + t * 6) * 2).astype(int)
    cols = (np.arange(width)[None, :] + ripple) % width
    lake = above[np.arange(above.shape[0])[:, None], cols] * 0.65 + np.array([10, 25, 40])
    arr = np.asarray(img).copy()
    arr[water_y:] = lake.clip(0, 255).astype(np.uint8)[: height - water_y]
    return Image.fromarray(arr)


def make_picture(path: Path) -> None:
    scene(W, H).save(path, quality=82, optimize=True, progressive=True)


def _tone(seconds: float, rate: int, notes: list[float]) -> np.ndarray:
    """A soft arpeggio: one note per beat, each with an attack/decay envelope."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    out = np.zeros(n, np.float32)
    beat = seconds / len(notes)
    for i, f in enumerate(notes):
        s, e = int(i * beat * rate), min(n, int((i + 1.6) * beat * rate))
        tt = t[s:e] - t[s]
        env = np.minimum(tt / 0.02, 1.0) * np.exp(-tt * 2.2)
        out[s:e] += 0.25 * env * (np.sin(2 * np.pi * f * tt) + 0.3 * np.sin(4 * np.pi * f * tt))
    return out


def _encode_audio(c, stream, samples: np.ndarray, rate: int) -> None:
    frame_size = stream.codec_context.frame_size or 1152
    for start in range(0, len(samples), frame_size):
        chunk = samples[start : start + frame_size]
        if len(chunk) < frame_size:
            chunk = np.pad(chunk, (0, frame_size - len(chunk)))
        frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
        frame.rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
        for p in stream.encode(frame):
            c.mux(p)
    for p in stream.encode():
        c.mux(p)


def make_clip(path: Path, seconds: float = 3.0, size=(640, 360), fps: int = 25) -> None:
    """H.264 + AAC: a slow pan over the scene, with a soft arpeggio."""
    wide = scene(int(size[0] * 1.25), size[1], seed=11)
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.options = {"crf": "30", "preset": "veryslow", "tune": "stillimage"}
        rate = 44100
        a = c.add_stream("aac", rate=rate)
        a.layout, a.bit_rate = "mono", 48000
        n = int(seconds * fps)
        for i in range(n):
            x = int((wide.width - size[0]) * i / max(n - 1, 1))
            frame = av.VideoFrame.from_image(wide.crop((x, 0, x + size[0], size[1])))
            for p in v.encode(frame):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
        _encode_audio(c, a, _tone(seconds, rate, [262, 330, 392, 523, 392, 330]), rate)


def make_audio(path: Path, seconds: float = 3.0) -> None:
    """MP3 (LAME), mono, 64 kbit/s: a short arpeggio."""
    rate = 44100
    with av.open(str(path), "w") as c:
        a = c.add_stream("libmp3lame", rate=rate)
        a.layout, a.bit_rate = "mono", 64000
        _encode_audio(c, a, _tone(seconds, rate, [294, 370, 440, 587, 440, 370, 294]), rate)


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "resources" / "samples"
    out.mkdir(parents=True, exist_ok=True)
    make_picture(out / "sample-picture.jpg")
    make_clip(out / "sample-clip.mp4")
    make_audio(out / "sample-audio.mp3")
    total = 0
    for p in sorted(out.glob("sample-*")):
        total += p.stat().st_size
        print(f"{p.name}: {p.stat().st_size / 1024:.1f} KB")
    print(f"total {total / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
