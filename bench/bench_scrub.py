"""Scrub latency of the video preview (issue 15, item 5: ≤ 300 ms per scrub on a 1080p clip).

A 10 s 1080p25 H.264 clip (libx264 veryfast crf 23, moving texture; generated with PyAV into
bench/out/scrub/) with the encoder's default GOP (keyint 250: one keyframe, the worst case for a
seek) and with a 2 s GOP. Times, end to end through the preview's FrameServer (request on the UI
thread → frame_ready delivered there, label plan included):

- first: the first frame after the file is selected (probe, label plan, first decode);
- cold: random times, cache emptied before each request and no decoding ahead (seek + decode);
- drag: the scrubber dragged right and back in 0.1 s steps (decoding on / served from frames kept
  on the way), no decoding ahead;
- warm: random times after the idle thread decoded ahead (served from the cache);
- opened: random times right after opening, decoding ahead on (the exact frame, and the first
  picture: the nearest kept frame shown while the exact one is decoded);
- play: live Play for 6 s from a cold start (frames shown per second, lag behind the clock);
- old: the previous path (preview_render.render_video_frame: probe + plan + seek per scrub).

    .venv/bin/python -m bench.bench_scrub [ROUNDS]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT = Path(__file__).parent / "out" / "scrub"


def make_clip(path: Path, gop: int | None, seconds: int = 10, fps: int = 25) -> Path:
    import av
    import numpy as np

    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = 1920, 1080
    rng = np.random.default_rng(0)
    tex = (rng.random((h // 4, w // 4)) * 255).astype(np.uint8).repeat(4, 0).repeat(4, 1)
    yy, xx = np.mgrid[0:h, 0:w]
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"preset": "veryfast", "crf": "23"}
        if gop:
            v.codec_context.gop_size = gop
        for i in range(seconds * fps):
            arr = np.empty((h, w, 3), np.uint8)
            arr[..., 0] = (xx + i * 9) % 256
            arr[..., 1] = np.roll(tex, i * 5, axis=1)
            arr[..., 2] = (yy // 4 + i * 3) % 256
            arr[h // 3 : h // 2, (i * 13) % w :] = 230
            for p in v.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
    tmp.rename(path)
    return path


def stats(ms: list[float]) -> str:
    s = sorted(ms)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return f"median {statistics.median(s):6.1f} ms  p95 {p95:6.1f} ms  (n={len(s)})"


def play_line(app, clip: Path, settings, seconds: float = 6.0) -> str:
    """Live Play for `seconds` from the start, nothing cached beforehand: frames shown per
    second and how far the shown frame lagged behind the clock."""
    from PySide6.QtCore import QEventLoop

    from aigclabel_gui.ui.playback import LivePlayer
    from aigclabel_gui.ui.video_frames import FrameServer

    server = FrameServer(max_side=960)
    server.prefetch = False  # what decoding keeps up with, not a warm cache
    server.set_file(clip, settings)
    shown: list[tuple[float, float]] = []
    server.frame_ready.connect(lambda _s, r: r.exact and shown.append((time.perf_counter(), r.t)))
    server.request(0.0)
    while not shown:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    server.source.cache.clear()
    shown.clear()
    player = LivePlayer(server)
    player.autoplay = False  # no sound device needed
    rate = float(server.source.probe.rate or 25)
    player.play(clip, 0.0, server.source.duration, 0.0, server.source.duration, rate)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
    player.stop()
    server.shutdown()
    distinct = len({round(t * rate) for _w, t in shown})
    lag = max(((w - t0) - t for w, t in shown), default=0.0)
    return f"play   {distinct / seconds:5.1f} frames/s of {rate:.0f} · max lag {lag * 1000:.0f} ms"


def main(rounds: int = 20) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    from aigclabel_gui.engine.settings import LabelSettings
    from aigclabel_gui.ui.preview_render import render_video_frame
    from aigclabel_gui.ui.video_frames import FrameServer

    app = QApplication.instance() or QApplication([])
    settings = LabelSettings()  # auto position: the plan looks at the first frame
    rnd = random.Random(1)
    shown_first: list[float] = []  # per request: ms to the first picture (maybe a stand-in)

    for name, gop in (("default GOP (keyint 250)", None), ("2 s GOP", 50)):
        clip = make_clip(OUT / f"c1080-{gop or 'default'}.mp4", gop)
        print(f"-- 1080p25 10 s, {name}: {clip.stat().st_size / 1e6:.1f} MB", flush=True)

        def ask(server: FrameServer, t: float) -> float:
            """ms until the exact frame is delivered on the UI thread."""
            done, first = [], []
            t0 = time.perf_counter()

            def got(s, r):
                if s == serial:
                    first.append(time.perf_counter() - t0)
                    if r.exact:
                        done.append(s)

            conn = server.frame_ready.connect(got)
            serial = server.request(t)
            while not done:
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
            ms = (time.perf_counter() - t0) * 1000
            shown_first.append(first[0] * 1000)
            server.frame_ready.disconnect(conn)
            return ms

        server = FrameServer(max_side=960)
        server.prefetch = False
        server.set_file(clip, settings)
        print(f"first  {ask(server, 1.0):6.1f} ms", flush=True)
        cold = []
        for _ in range(rounds):
            server.source.cache.clear()
            cold.append(ask(server, rnd.uniform(0, 9.9)))
        print("cold  ", stats(cold), flush=True)
        server.source.cache.clear()
        ask(server, 3.0)
        drag = [ask(server, 3.0 + i / 10) for i in range(1, 31)]
        drag += [ask(server, 6.0 - i / 10) for i in range(1, 31)]
        print("drag  ", stats(drag), flush=True)
        server.prefetch = True
        ask(server, 0.0)
        t0 = time.perf_counter()
        while server.busy():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.02)
        filled = time.perf_counter() - t0
        n = len(server.source.cache)
        mb = server.source.cache.nbytes / 1e6
        print(f"ahead  {filled:6.2f} s to keep {n} frames ({mb:.0f} MB)", flush=True)
        warm = [ask(server, round(rnd.uniform(0, 9.9), 1)) for _ in range(rounds)]
        print("warm  ", stats(warm), flush=True)
        server.shutdown()
        # Just opened, decoding ahead from the first request on: random scrubs right away.
        server = FrameServer(max_side=960)
        server.set_file(clip, settings)
        ask(server, 1.0)
        shown_first.clear()
        fresh = [ask(server, rnd.uniform(0, 9.9)) for _ in range(rounds)]
        print("opened", stats(fresh), flush=True)
        print("  first picture (a kept frame nearby)", stats(shown_first), flush=True)
        print(play_line(app, clip, settings), flush=True)
        server.shutdown()
        old = []
        for _ in range(min(rounds, 5)):
            t = rnd.uniform(0, 9.9)
            t0 = time.perf_counter()
            render_video_frame(clip, settings, t)
            old.append((time.perf_counter() - t0) * 1000)
        print("old   ", stats(old), flush=True)
    QCoreApplication.processEvents()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
