"""Frames of a video for previews (scrubbing, live play): one open decoder per file, frames
downscaled to the preview size and kept in an LRU cache bounded in bytes.

A request for time t is served from the cache when a kept frame covers t; otherwise the decoder
continues forward when t is just ahead of where it stopped (dragging the scrubber to the right,
playing), or seeks to the keyframe before t and decodes forward. On the way it keeps one frame per
`step` seconds, so dragging back over that stretch is served from the cache. A caller's `stale()`
callback is asked between frames: a newer request stops the work (latest request wins).

Qt-free and not thread-safe: one thread (the UI's decoder thread) owns a FrameSource.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from aigclabel_gui.engine.errors import CorruptFile
from aigclabel_gui.engine.visible.video_probe import Probe, probe
from aigclabel_gui.engine.visible.video_probe import open_input as _open_input

DEFAULT_BUDGET = 192 * 1024 * 1024  # bytes of kept frames: ~250 at 960x540 (25 s in tenths)
# Decoding forward is cheaper than a seek (which restarts at the keyframe) up to about this far.
FORWARD_LIMIT_S = 2.0
SCAN_MAX = 256 << 20  # keyframes are listed by reading the packets (about 60 ms for 20 MB)


@dataclass(frozen=True)
class CachedFrame:
    """A kept frame, downscaled. Stored as 8-bit YUV 4:2:0 (half the bytes of RGB, so twice the
    frames fit the budget) in the coded grid; `rgb()` converts and turns it upright."""

    start: float  # seconds from the programme's first frame
    end: float  # the next frame's start (this frame is shown on [start, end))
    pixels: np.ndarray  # yuv420p planes as PyAV lays them out: (H * 3 / 2) x W uint8
    to_display: Image.Transpose | None = None

    @property
    def nbytes(self) -> int:
        return int(self.pixels.nbytes)

    def rgb(self) -> np.ndarray:
        """H x W x 3 uint8, as viewed."""
        frame = av.VideoFrame.from_ndarray(self.pixels, format="yuv420p")
        rgb = frame.to_ndarray(format="rgb24")
        if self.to_display is None:
            return rgb
        return np.asarray(Image.fromarray(rgb).transpose(self.to_display))


class FrameCache:
    """Decoded frames by time, least recently used evicted first, at most `budget` bytes."""

    def __init__(self, budget: int = DEFAULT_BUDGET):
        self.budget = budget
        self.nbytes = 0
        self._lru: OrderedDict[float, CachedFrame] = OrderedDict()
        self._starts: list[float] = []  # sorted keys, for the lookup by time
        self.hits = self.misses = self.evictions = 0

    def __len__(self) -> int:
        return len(self._lru)

    def get(self, t: float) -> CachedFrame | None:
        i = bisect.bisect_right(self._starts, t + 1e-6) - 1
        if i >= 0:
            f = self._lru[self._starts[i]]
            if f.start - 1e-6 <= t < f.end - 1e-6:
                self._lru.move_to_end(f.start)
                self.hits += 1
                return f
        self.misses += 1
        return None

    def covers(self, t: float) -> bool:
        i = bisect.bisect_right(self._starts, t + 1e-6) - 1
        return i >= 0 and t < self._lru[self._starts[i]].end - 1e-6

    def nearest(self, t: float) -> CachedFrame | None:
        if not self._starts:
            return None
        i = bisect.bisect_right(self._starts, t)
        near = [k for k in self._starts[max(0, i - 1) : i + 1]]
        return self._lru[min(near, key=lambda k: abs(k - t))]

    def put(self, f: CachedFrame) -> None:
        if f.start in self._lru:
            self._lru.move_to_end(f.start)
            return
        self._lru[f.start] = f
        bisect.insort(self._starts, f.start)
        self.nbytes += f.nbytes
        while self.nbytes > self.budget and len(self._lru) > 1:
            old_key, old = self._lru.popitem(last=False)
            self._starts.pop(bisect.bisect_left(self._starts, old_key))
            self.nbytes -= old.nbytes
            self.evictions += 1

    def clear(self) -> None:
        self._lru.clear()
        self._starts.clear()
        self.nbytes = 0


class Stale(Exception):
    """A newer request arrived while decoding: this one is dropped."""


class FrameSource:
    """Serves `frame_at(t)` for one video (t in seconds from its first frame)."""

    def __init__(self, path: Path, max_side: int = 960, budget: int = DEFAULT_BUDGET):
        self.path = Path(path)
        self.probe: Probe = probe(self.path)
        self.max_side = max_side
        self.cache = FrameCache(budget)
        self.decoded = 0  # frames decoded (all of them, kept or not)
        self.seeks = 0
        pr = self.probe
        w, h = pr.display_size
        scale = min(1.0, max_side / max(w, h, 1))
        cw, ch = pr.coded_size
        # Even sizes: 4:2:0 chroma is half the picture in both directions.
        self.out_size = (max(2, round(cw * scale / 2) * 2), max(2, round(ch * scale / 2) * 2))
        self.frame_s = float(1 / pr.rate) if pr.rate else 0.04
        self._inp = _open_input(self.path)
        self._vin = self._inp.streams[pr.stream_index]
        # Measured on the shared 2-core machine: frame threads slowed the decode (84 fps for
        # AUTO against 157 for one thread, 1080p H.264); keep a core for the UI elsewhere.
        threads = min(4, (os.cpu_count() or 2) - 1)
        if threads > 1:
            self._vin.thread_type = "FRAME"
            self._vin.codec_context.thread_count = threads
        self._frames = None  # the decode iterator, positioned after `_pending`
        self._pending: av.VideoFrame | None = None  # decoded, not yet passed
        self._pos: float | None = None  # start time of `_pending` (where decoding stands)
        self.keyframes: list[float] | None = None  # listed by scan_keyframes(), when idle
        self.scanned = False

    @property
    def duration(self) -> float:
        return self.probe.duration

    @property
    def position(self) -> float | None:
        """Where the decoder stands (the start of the next frame it will hand out)."""
        return self._pos

    def close(self) -> None:
        self._frames = None
        self._pending = None
        with contextlib.suppress(Exception):
            self._inp.close()

    # --- decoding ---------------------------------------------------------------------------
    def _time(self, frame: av.VideoFrame) -> float:
        tb = frame.time_base or self.probe.time_base
        return float(frame.pts * tb) - self.probe.start if frame.pts is not None else 0.0

    def _seek(self, t: float) -> None:
        pr = self.probe
        self.seeks += 1
        with contextlib.suppress(av.error.FFmpegError):
            self._inp.seek(int((pr.start + t) / pr.time_base), stream=self._vin, backward=True)
        self._frames = self._inp.decode(self._vin)
        self._pending = None
        self._pos = None
        self._advance()

    def _advance(self) -> None:
        """Decode the next frame into `_pending` (None at the end of the stream)."""
        try:
            while True:
                frame = next(self._frames, None)
                if frame is None or frame.pts is not None:
                    break
        except av.error.FFmpegError as exc:
            raise CorruptFile(f"{self.path.name}: cannot be decoded ({exc})") from exc
        self._pending = frame
        if frame is not None:
            self.decoded += 1
            self._pos = self._time(frame)
        else:
            self._pos = None

    def _keep(self, frame: av.VideoFrame, start: float, end: float) -> CachedFrame:
        w, h = self.out_size
        small = frame.reformat(width=w, height=h, format="yuv420p", interpolation="AREA")
        f = CachedFrame(start, end, small.to_ndarray(), self.probe.orientation.to_display)
        self.cache.put(f)
        return f

    def _walk_to(self, t: float, step: float, stale: Callable[[], bool]) -> CachedFrame | None:
        """Decode forward from `_pending` to the frame shown at t, keeping one per `step` s."""
        while self._pending is not None:
            frame, start = self._pending, self._pos
            self._advance()
            end = self._pos if self._pos is not None else max(start + self.frame_s, self.duration)
            if start - 1e-6 <= t < end - 1e-6 or self._pending is None:
                return self._keep(frame, start, end)
            if _on_tick(start, end, step):
                self._keep(frame, start, end)
            if stale():
                raise Stale
        return None

    def frame_at(
        self, t: float, step: float = 0.1, stale: Callable[[], bool] = lambda: False
    ) -> CachedFrame:
        """The frame shown at t, from the cache or decoded (raises Stale when `stale()` says a
        newer request is waiting)."""
        t = min(max(t, 0.0), max(self.duration - 1e-3, 0.0))
        hit = self.cache.get(t)
        if hit is not None:
            return hit
        if not self._walk_is_shorter(t):
            self._seek(t)
            if self._pos is not None and self._pos > t + 1e-6 and t > 0:
                # The demuxer landed after t (no index entry before it): start over.
                self._seek(0.0)
        f = self._walk_to(t, step, stale)
        if f is None:  # past the last frame: the last one stays on screen
            self._seek(max(0.0, t - 1.0))
            f = self._walk_to(t, step, stale)
        if f is None:
            raise CorruptFile(f"{self.path.name}: no frame at {t:.2f} s")
        return f

    def scan_keyframes(self) -> None:
        """List the keyframes (after the first frame is on screen: it reads every packet)."""
        if not self.scanned:
            self.scanned = True
            if self.path.stat().st_size <= SCAN_MAX:
                self.keyframes = _keyframe_times(self.path, self.probe)

    def _walk_is_shorter(self, t: float) -> bool:
        """Decoding on from where the decoder stands reaches t sooner than a seek, which
        restarts at the keyframe before t."""
        pos = self._pos
        if self._frames is None or pos is None or t < pos - 1e-6:
            return False
        if self.keyframes is None:
            return t <= pos + FORWARD_LIMIT_S
        i = bisect.bisect_right(self.keyframes, t + 1e-6) - 1
        key = self.keyframes[i] if i >= 0 else 0.0
        return t - pos <= t - key + 0.2

    def prefetch(self, until: float, step: float, stale: Callable[[], bool]) -> bool:
        """Decode on from where the decoder stands up to `until` s, keeping one frame per `step`
        (0: every frame). Returns False when there is nothing left to do."""
        if self._frames is None or self._pos is None or self._pos >= until:
            return False
        if self.cache.nbytes + self._frame_bytes() > self.cache.budget:
            return False  # full: prefetching more would evict what the user just looked at
        frame, start = self._pending, self._pos
        self._advance()
        end = self._pos if self._pos is not None else max(start + self.frame_s, self.duration)
        if _on_tick(start, end, step) and not self.cache.covers(start):
            self._keep(frame, start, end)
        return not stale()

    def _frame_bytes(self) -> int:
        w, h = self.out_size
        return w * h * 3 // 2

    def nearest(self, t: float) -> CachedFrame | None:
        """The kept frame closest to t (a stand-in while the exact one is decoded)."""
        return self.cache.nearest(t)


def _keyframe_times(path: Path, pr: Probe) -> list[float] | None:
    """Where the keyframes are (seconds from the first frame), read from the packets without
    decoding: a seek lands on one, so it tells whether decoding on is shorter."""
    try:
        with _open_input(path) as inp:
            vin = inp.streams[pr.stream_index]
            tb = vin.time_base or pr.time_base
            keys = [
                float(p.pts * tb) - pr.start
                for p in inp.demux(vin)
                if p.is_keyframe and p.pts is not None
            ]
    except (av.error.FFmpegError, CorruptFile):
        return None
    return sorted(keys) or None


def _on_tick(start: float, end: float, step: float) -> bool:
    """The frame shown on [start, end) is the one the scrubber shows at a multiple of `step`
    (0: every frame is kept; negative: none on the way, only the frame asked for)."""
    if step < 0:
        return False
    if step == 0:
        return True
    return math.ceil(start / step - 1e-6) * step < end - 1e-6
