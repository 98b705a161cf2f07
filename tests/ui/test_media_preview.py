"""Audio and video previews: engine-rendered frames and prompt positions, a draggable video label,
Play: live for video (no export), a labelled copy for audio."""

from __future__ import annotations

import threading

import av
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from aigclabel_gui.engine.visible.video import plan_label, probe
from aigclabel_gui.ui.preview_render import AudioRender
from tests.conftest import ffprobe_json
from tests.ui.conftest import add_files, make_mp4, make_wav


def _qimage_array(qimg) -> np.ndarray:
    qimg = qimg.convertToFormat(qimg.Format.Format_RGB888)
    w, h, bpl = qimg.width(), qimg.height(), qimg.bytesPerLine()
    return np.frombuffer(qimg.constBits(), np.uint8).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)


def _rgba_array(qimg) -> np.ndarray:
    w, h, bpl = qimg.width(), qimg.height(), qimg.bytesPerLine()
    return np.frombuffer(qimg.constBits(), np.uint8).reshape(h, bpl)[:, : w * 4].reshape(h, w, 4)


def _select(qtbot, window, path):
    add_files(qtbot, window, [path])
    row = window.model.row_of(path)
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.model.entries[row].kind != "", timeout=10000)
    return window.model.entries[row]


def test_audio_segments_follow_engine_layout():
    from aigclabel_gui.engine.visible.audio_plan import inserts_for, output_segments

    def render(position):
        layout = output_segments(inserts_for(position, 10.0, 48000), 10.0, 2.0, 0.3, 48000)
        return AudioRender(None, duration=10.0, prompt_s=2.0, gap_s=0.3, layout=layout)

    r = render("start")
    assert r.segments() == [("prompt", 0.0, 2.0, 0.0), ("audio", 2.3, 12.3, 0.0)]
    r = render("end")
    assert r.segments() == [("audio", 0.0, 10.0, 0.0), ("prompt", 10.3, 12.3, 10.0)]
    r = render("4")  # middle at 4 s
    assert [s[0] for s in r.segments()] == ["audio", "prompt", "audio"]
    assert [s[1:] for s in r.segments()] == [
        pytest.approx(v) for v in [(0.0, 4.0, 0.0), (4.3, 6.3, 4.0), (6.6, 12.6, 4.0)]
    ]
    assert r.total == pytest.approx(12.6)


def test_video_preview_shows_engine_frames_and_label_drag(qtbot, window, tmp_path):
    src = make_mp4(tmp_path / "clip.mp4", seconds=3.0)
    entry = _select(qtbot, window, src)
    vp = window.video_preview
    assert window.preview_stack.currentWidget() is vp
    qtbot.waitUntil(lambda: vp.frame_view.frame is not None, timeout=20000)
    frame = vp.frame_view.frame
    assert frame.label_box is not None and frame.movable  # start card: label shown at 1 s
    assert vp.info.duration == 3.0
    # The picture is the source's own frame; the label is the engine's overlay drawn over it.
    with av.open(str(src)) as c:
        plain = next(f for f in c.decode(video=0) if f.time >= vp.current_time()).to_ndarray(
            format="rgb24"
        )
    shown = _qimage_array(frame.pixmap.toImage())
    assert shown.shape[:2] == plain.shape[:2]
    assert np.abs(shown.astype(int) - plain).mean() < 3
    assert not frame.baked and frame.opacity == 1.0
    plan = plan_label(probe(src), vp.settings.visible)
    label = frame.label.toImage().convertToFormat(frame.label.toImage().Format.Format_RGBA8888)
    engine = np.asarray(plan.overlay.image.convert("RGBA"))
    assert np.array_equal(_rgba_array(label), engine)
    assert frame.label_box == plan.overlay.box  # 320x180 clip: preview at full size
    # On screen, the label's rectangle shows the label, the rest shows the picture.
    grab = _qimage_array(vp.frame_view.grab().toImage())
    r = vp.frame_view.label_rect().toRect()
    inside = grab[r.top() + 2 : r.bottom() - 2, r.left() + 2 : r.right() - 2].astype(int)
    x0, y0, x1, y1 = plan.overlay.box
    under = shown[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].astype(int)
    assert np.abs(inside.mean(axis=(0, 1)) - under.mean(axis=(0, 1))).max() > 20

    # After the 2 s start card (set below the 3 s default), the label is gone.
    window.panel.card_seconds.setValue(2.0)
    qtbot.waitUntil(lambda: vp.info is not None and vp.info.settings.video.card_seconds == 2.0)
    vp.seek(2.6)
    qtbot.waitUntil(
        lambda: vp.frame_view.frame is not None and "no label" in vp.frame_view.frame.caption,
        timeout=20000,
    )
    assert not vp.frame_view.frame.movable

    # Back on the card, drag the label to the top-right corner.
    vp.seek(0.5)
    qtbot.waitUntil(
        lambda: vp.frame_view.frame is not None and vp.frame_view.frame.movable, timeout=20000
    )
    fv = vp.frame_view
    rect = fv.label_rect()
    target, _ = fv._target()
    start = rect.center().toPoint()
    end = QPoint(
        int(target.right() - rect.width() / 2 - 4), int(target.top() + rect.height() / 2 + 4)
    )
    QTest.mousePress(fv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(fv, end)
    QTest.mouseRelease(fv, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert entry.override is not None and entry.override.visible.position == "top-right"


def test_video_play_is_live_without_an_export(qtbot, window, tmp_path, monkeypatch):
    """Play shows the original's frames with the engine's overlay drawn over them; nothing is
    labelled or encoded before (or while) playing."""
    from aigclabel_gui.engine import pipeline
    from aigclabel_gui.engine.visible import video as engine_video

    def forbidden(*_a, **_k):
        raise AssertionError("Play must not export the video")

    monkeypatch.setattr(pipeline, "label_file", forbidden)
    monkeypatch.setattr(engine_video, "apply_explicit", forbidden)
    monkeypatch.setattr(engine_video.VideoLabeler, "apply", forbidden)  # what an export runs
    src = make_mp4(tmp_path / "clip.mp4", seconds=2.5)
    _select(qtbot, window, src)
    vp = window.video_preview
    qtbot.waitUntil(lambda: vp.info is not None and vp.frame_view.frame is not None, timeout=20000)
    vp.seek(0.0)
    window.act_play.trigger()  # Ctrl+P
    assert vp.player.state == "playing"
    seen = []
    vp.frames.frame_ready.connect(lambda _s, r: seen.append(r.t))
    qtbot.waitUntil(lambda: len(seen) >= 5 and seen[-1] > 0.5, timeout=20000)
    assert seen == sorted(seen)  # the clock runs forward
    frame = vp.frame_view.frame
    assert not frame.movable  # no dragging while it plays
    plan = plan_label(probe(src), vp.settings.visible)
    label = frame.label.toImage().convertToFormat(frame.label.toImage().Format.Format_RGBA8888)
    assert np.array_equal(_rgba_array(label), np.asarray(plan.overlay.image.convert("RGBA")))
    assert frame.label_box == plan.overlay.box
    # It stops by itself at the end (2.5 s) and the still is draggable again.
    qtbot.waitUntil(lambda: vp.player.state == "idle", timeout=20000)
    assert vp.current_time() > 2.0
    assert vp.play_btn.text() == vp.tr("▶ Play labelled clip")
    assert threading.get_ident() not in vp.frames.decode_threads


def test_audio_preview_marks_prompt_and_plays_labelled_copy(qtbot, window, tmp_path):
    src = make_wav(tmp_path / "voice.wav", seconds=1.5)
    _select(qtbot, window, src)
    ap = window.audio_preview
    assert window.preview_stack.currentWidget() is ap
    qtbot.waitUntil(lambda: ap.wave.render is not None, timeout=20000)
    r = ap.wave.render
    assert abs(r.duration - 1.5) < 0.01
    assert r.positions == [0.0] and r.prompt_s > 0.5  # default: the voice prompt at the start
    assert [s[0] for s in r.segments()] == ["prompt", "audio"]
    assert "prompt" in ap.caption.text()

    i = window.panel.audio_position.findData("end")
    window.panel.audio_position.setCurrentIndex(i)
    qtbot.waitUntil(
        lambda: ap.wave.render is not None and ap.wave.render.positions != [0.0], timeout=20000
    )
    r = ap.wave.render
    assert r.positions[0] > 1.5 and [s[0] for s in r.segments()] == ["audio", "prompt"]

    ap.play_btn.click()
    qtbot.waitUntil(lambda: ap.player.copy is not None, timeout=60000)
    copy = ap.player.copy
    probe = ffprobe_json(copy)
    assert abs(float(probe["format"]["duration"]) - r.total) < 0.1


def test_metadata_only_hides_the_label_in_previews(qtbot, window, tmp_path):
    src = make_wav(tmp_path / "a.wav", seconds=1.0)
    _select(qtbot, window, src)
    ap = window.audio_preview
    qtbot.waitUntil(lambda: ap.wave.render is not None, timeout=20000)
    window.panel.implicit_only.setChecked(True)
    assert window.settings.implicit_only
    qtbot.waitUntil(
        lambda: ap.wave.render is not None and ap.wave.render.positions == [], timeout=20000
    )
    assert "no audible prompt" in ap.caption.text()


def test_video_preview_states_the_exports_work_estimate(qtbot, window, tmp_path):
    """The engine's WorkEstimate (VideoPlan.estimate) is shown before the export runs."""
    src = make_mp4(tmp_path / "clip.mp4", seconds=2.0)
    _select(qtbot, window, src)
    vp = window.video_preview
    qtbot.waitUntil(lambda: vp.info is not None and vp.work_label.text() != "", timeout=20000)
    est = vp.info.plan.estimate
    assert est.frames > 0 and 0 < est.encoded_frames <= est.frames + 200
    text = vp.work_label.text()
    assert f"({est.encoded_frames} frames encoded; the clip has {est.frames})" in text


def _open_fds_to(path) -> int:
    import os

    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                n += 1
        except OSError:
            pass
    return n


def test_leaving_a_video_closes_it_and_frees_its_frames(qtbot, window, tmp_path):
    """Selecting another file (or clearing the list) closes the clip's decoder: no open file
    handle on it, no cached frames kept."""
    from tests.ui.conftest import make_picture

    clip = make_mp4(tmp_path / "clip.mp4", seconds=2.0)
    pic = make_picture(tmp_path / "pic.png")
    add_files(qtbot, window, [clip, pic])
    window.table.selectRow(window.model.row_of(clip))
    vp = window.video_preview
    qtbot.waitUntil(lambda: vp.frame_view.frame is not None, timeout=20000)
    server = vp.frames
    assert server.source is not None and _open_fds_to(clip.resolve()) >= 1
    window.table.selectRow(window.model.row_of(pic))
    qtbot.waitUntil(lambda: server.source is None, timeout=10000)
    assert _open_fds_to(clip.resolve()) == 0
    assert vp.path is None and vp.info is None
    # Back to the clip: it opens again and shows frames.
    window.table.selectRow(window.model.row_of(clip))
    qtbot.waitUntil(lambda: server.source is not None and vp.info is not None, timeout=20000)


def test_audio_only_matroska_gets_the_audio_preview(qtbot, window, tmp_path):
    """An .mka is audio in the list and the preview (the engine labels it as audio)."""
    import subprocess

    src = tmp_path / "song.mka"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         "-c:a", "flac", str(src)],
        check=True,
    )  # fmt: skip
    entry = _select(qtbot, window, src)
    assert entry.kind == "audio"
    assert window.preview_stack.currentWidget() is window.audio_preview
