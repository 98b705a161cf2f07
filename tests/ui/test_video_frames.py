"""The video preview's frame cache and decoder thread: hits, the memory bound, the latest request
winning, and no decoding on the UI thread."""

from __future__ import annotations

import threading

import av
import numpy as np
import pytest

from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.engine.visible.frame_source import CachedFrame, FrameCache, FrameSource
from aigclabel_gui.ui.video_frames import FrameServer
from tests.ui.conftest import make_mp4


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_mp4(tmp_path_factory.mktemp("frames") / "clip.mp4", seconds=4.0, fps=15)


def _source_frame(path, t: float) -> np.ndarray:
    """The frame shown at t, decoded independently from the start."""
    with av.open(str(path)) as c:
        shown = None
        for f in c.decode(video=0):
            if f.time > t + 1e-6:
                break
            shown = f
        return shown.to_ndarray(format="rgb24")


def test_frame_at_is_the_source_frame_and_a_second_ask_is_a_hit(clip):
    src = FrameSource(clip, max_side=960)
    try:
        for t in (2.7, 0.0, 1.3, 3.9):
            f = src.frame_at(t)
            assert f.start <= t < f.end
            assert np.abs(f.rgb().astype(int) - _source_frame(clip, t)).mean() < 2
        decoded = src.decoded
        hits = src.cache.hits
        again = src.frame_at(1.3)
        assert src.decoded == decoded and src.cache.hits == hits + 1
        assert again.pixels is src.frame_at(1.3).pixels
    finally:
        src.close()


def test_forward_scrub_continues_without_seeking_and_keeps_tenths(clip):
    src = FrameSource(clip)
    try:
        src.frame_at(0.5)
        seeks = src.seeks
        for i in range(6, 20):
            src.frame_at(i / 10)
        assert src.seeks == seeks  # dragging right decodes on
        src.frame_at(1.0)
        before = src.decoded
        for i in range(19, 4, -1):  # dragging back: every tenth was kept on the way
            src.frame_at(i / 10)
        assert src.decoded == before
    finally:
        src.close()


def test_decoding_ahead_keeps_every_scrubber_tenth(clip):
    src = FrameSource(clip)
    try:
        src.frame_at(0.0)
        while src.prefetch(4.0, 0.1, lambda: False):
            pass
        assert all(src.cache.covers(i / 10) for i in range(40))
        assert len(src.cache) <= 41  # tenths only, not all 60 frames
        decoded = src.decoded
        for i in range(39, -1, -1):
            src.frame_at(i / 10)
        assert src.decoded == decoded
    finally:
        src.close()


def test_cache_memory_is_bounded_lru():
    cache = FrameCache(budget=10 * 300)
    for i in range(25):
        cache.put(CachedFrame(i / 10, (i + 1) / 10, np.zeros((10, 10, 3), np.uint8)))
        assert cache.nbytes <= cache.budget
    assert len(cache) == 10 and cache.evictions == 15
    assert cache.get(0.05) is None  # the oldest went first
    assert cache.get(2.45) is not None  # the newest stayed
    cache.get(1.55)  # touched: survives the next eviction
    cache.put(CachedFrame(3.0, 3.1, np.zeros((10, 10, 3), np.uint8)))
    assert cache.get(1.55) is not None and cache.get(1.65) is None


def test_source_cache_stays_within_budget_while_prefetching(clip):
    src = FrameSource(clip, max_side=160, budget=160 * 90 * 3 // 2 * 8)
    try:
        src.frame_at(0.0)
        while src.prefetch(4.0, 0.0, lambda: False):
            pass
        assert src.cache.nbytes <= src.cache.budget
        assert len(src.cache) <= 8
    finally:
        src.close()


def test_server_latest_request_wins_and_decodes_off_the_ui_thread(qtbot, clip):
    server = FrameServer(max_side=320)
    got = []
    server.frame_ready.connect(lambda serial, r: r.exact and got.append((serial, r.t)))
    server.set_file(clip, LabelSettings())
    try:
        serials = [server.request(t / 10) for t in (35, 5, 30, 2, 25, 1, 38)]
        qtbot.waitUntil(lambda: any(s == serials[-1] for s, _ in got), timeout=20000)
        # Overtaken requests were dropped, not queued: far fewer frames than requests came back,
        # and the last one is the one asked for last.
        assert got[-1] == (serials[-1], 3.8)
        assert len(got) < len(serials)
        assert server.decode_threads and threading.get_ident() not in server.decode_threads
        # A second request for the same time is served from the cache (no new decoding).
        decoded = server.source.decoded
        hits = server.source.cache.hits
        s = server.request(3.8)
        qtbot.waitUntil(lambda: got[-1][0] == s, timeout=10000)
        assert server.source.cache.hits == hits + 1 and server.source.decoded >= decoded
    finally:
        server.shutdown()
    assert server._thread is None


def test_ui_thread_never_decodes_while_scrubbing(qtbot, window, tmp_path, monkeypatch):
    """Drag the real scrubber: every decode happens on the frame thread."""
    from aigclabel_gui.engine.visible import frame_source
    from tests.ui.conftest import add_files

    threads = []
    real = frame_source.FrameSource._advance

    def spy(self):
        threads.append(threading.get_ident())
        return real(self)

    monkeypatch.setattr(frame_source.FrameSource, "_advance", spy)
    src = make_mp4(tmp_path / "clip.mp4", seconds=3.0)
    add_files(qtbot, window, [src])
    window.table.selectRow(window.model.row_of(src))
    vp = window.video_preview
    qtbot.waitUntil(lambda: vp.info is not None and vp.frame_view.frame is not None, timeout=20000)
    for v in range(0, 29, 3):
        vp.slider.setValue(v)
    qtbot.waitUntil(lambda: vp.last_render is not None and abs(vp.last_render.t - 2.7) < 1e-6)
    assert threads and threading.get_ident() not in threads


def test_inserted_title_card_is_the_engines_card(qtbot, clip):
    """With inserted cards, the server shows the card the writer inserts (video.title_card over
    the first frame), pixel for pixel what the engine's frame renderer draws."""
    import dataclasses

    from aigclabel_gui.engine.settings import VideoSettings
    from aigclabel_gui.engine.visible.video import render_card_frame

    settings = dataclasses.replace(
        LabelSettings(), video=VideoSettings(cards="start", card_seconds=2.0, insert_card=True)
    )
    server = FrameServer(max_side=960)
    got = []
    server.frame_ready.connect(lambda s, r: got.append(r))
    server.set_file(clip, settings)
    try:
        server.request(0.5)
        qtbot.waitUntil(lambda: bool(got), timeout=20000)
        r = got[-1]
        assert r.part == "start-card" and r.baked and r.label is None
        img = r.image.convertToFormat(r.image.Format.Format_RGB888)
        h, w, bpl = img.height(), img.width(), img.bytesPerLine()
        shown = np.frombuffer(img.constBits(), np.uint8).reshape(h, bpl)[:, : w * 3]
        engine = np.asarray(render_card_frame(clip, settings, 0.5, 960))
        assert shown.reshape(h, w, 3).shape == engine.shape
        assert np.array_equal(shown.reshape(h, w, 3), engine)
        # After the card (2 s + 1 frame), the programme: the source's frame, no label over it.
        server.request(3.0)
        qtbot.waitUntil(lambda: got[-1].part == "programme" and got[-1].exact, timeout=20000)
        assert got[-1].opacity == 0.0
    finally:
        server.shutdown()


def test_unreadable_video_reports_and_the_thread_serves_the_next_file(qtbot, clip, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(clip.read_bytes()[:1500])  # the header, no frames
    server = FrameServer(max_side=320)
    failed, got = [], []
    server.failed.connect(lambda s, m: failed.append(m))
    server.frame_ready.connect(lambda s, r: got.append(r))
    try:
        server.set_file(bad, LabelSettings())
        server.request(1.0)
        qtbot.waitUntil(lambda: bool(failed), timeout=20000)
        assert failed[0].startswith("CorruptFile:") and "bad.mp4" in failed[0]
        from aigclabel_gui.ui.messages import friendly_reason

        assert "damaged" in friendly_reason(failed[0])  # what the preview shows
        server.set_file(clip, LabelSettings())
        server.request(1.0)
        qtbot.waitUntil(lambda: any(r.exact for r in got), timeout=20000)
    finally:
        server.shutdown()


def test_keyframes_are_listed_when_idle_and_decide_between_seek_and_decode_on(qtbot, tmp_path):
    """A clip with a keyframe every second: the list is made after the first frame is served;
    a jump just past a keyframe seeks, a jump before the next keyframe decodes on."""
    import av as _av

    path = tmp_path / "gop.mp4"
    with _av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=10)
        v.width, v.height, v.pix_fmt = 160, 96, "yuv420p"
        v.options = {"preset": "ultrafast"}
        v.codec_context.gop_size = 10
        for i in range(60):
            arr = np.full((96, 160, 3), (i * 4) % 256, np.uint8)
            for p in v.encode(_av.VideoFrame.from_ndarray(arr, format="rgb24")):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
    server = FrameServer(max_side=160)
    server.prefetch = False
    got = []
    server.frame_ready.connect(lambda s, r: r.exact and got.append(r))
    server.set_file(path, LabelSettings())
    try:
        server.request(0.2)
        qtbot.waitUntil(lambda: bool(got) and server.source.scanned, timeout=20000)
        src = server.source
        assert src.keyframes == pytest.approx([0, 1, 2, 3, 4, 5])
        seeks = src.seeks
        assert src._walk_is_shorter(0.9)  # no keyframe between 0.3 and 0.9: decode on
        assert not src._walk_is_shorter(4.1)  # the keyframe at 4 s is much closer
        server.request(4.1)
        qtbot.waitUntil(lambda: len(got) == 2, timeout=20000)
        assert src.seeks == seeks + 1 and abs(got[-1].t - 4.1) < 1e-9
    finally:
        server.shutdown()
