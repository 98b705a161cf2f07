"""Small previews for file lists: an image thumbnail, a video frame, an audio waveform. Qt-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps


def image_thumbnail(path: Path, size: int) -> Image.Image:
    with Image.open(path) as im:
        im.draft("RGB", (size * 2, size * 2))  # JPEG: decode at reduced scale, much faster
        im = ImageOps.exif_transpose(im)
        im.thumbnail((size, size))
        return im.convert("RGBA")


def video_thumbnail(path: Path, size: int) -> Image.Image:
    import av

    with av.open(str(path), metadata_errors="replace") as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            img = frame.to_image()
            img.thumbnail((size, size))
            return img.convert("RGBA")
    raise ValueError("no video frame")


def audio_thumbnail(path: Path, size: int, seconds: float = 30.0) -> Image.Image:
    """A waveform glyph of the first `seconds` (peak per column)."""
    import av

    peaks: list[float] = []
    with av.open(str(path), metadata_errors="replace") as c:
        stream = c.streams.audio[0]
        rate = stream.rate or 44100
        limit = int(rate * seconds)
        got = 0
        chunks = []
        for frame in c.decode(stream):
            a = frame.to_ndarray()
            a = a.reshape(-1) if a.ndim == 1 else np.abs(a).max(axis=0)
            chunks.append(np.abs(a.astype(np.float32)))
            got += frame.samples
            if got >= limit:
                break
    data = np.concatenate(chunks) if chunks else np.zeros(1, np.float32)
    peak = float(data.max()) or 1.0
    cols = np.array_split(data, size)
    peaks = [float(col.max()) / peak if col.size else 0.0 for col in cols]
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    mid = size / 2
    for x, p in enumerate(peaks):
        h = max(1.0, p * (size * 0.45))
        draw.line([(x, mid - h), (x, mid + h)], fill=(40, 120, 220, 255))
    return img


def make_thumbnail(path: Path, kind: str, size: int = 64) -> Image.Image | None:
    if kind == "image":
        return image_thumbnail(path, size)
    if kind == "video":
        return video_thumbnail(path, size)
    if kind == "audio":
        return audio_thumbnail(path, size)
    return None


def media_duration(path: Path) -> float | None:
    """Seconds, for audio and video (container duration)."""
    import av

    with av.open(str(path), metadata_errors="replace") as c:
        if c.duration:
            return c.duration / 1_000_000
        for s in c.streams:
            if s.duration and s.time_base:
                return float(s.duration * s.time_base)
    return None
