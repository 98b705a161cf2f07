"""Audio and video previews: engine-rendered frames and prompt positions, a draggable video label,
and Play of a labelled copy made by the engine."""

from __future__ import annotations

import av
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from aigclabel_gui.ui.preview_render import AudioRender
from tests.conftest import ffprobe_json
from tests.ui.conftest import add_files, make_mp4, make_wav


def _qimage_array(qimg) -> np.ndarray:
    qimg = qimg.convertToFormat(qimg.Format.Format_RGB888)
    w, h, bpl = qimg.width(), qimg.height(), qimg.bytesPerLine()
    return np.frombuffer(qimg.constBits(), np.uint8).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3)


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
    # The frame is the engine's blend: pixels inside the label box differ from the plain source.
    with av.open(str(src)) as c:
        plain = next(f for f in c.decode(video=0) if f.time >= vp.current_time()).to_ndarray(
            format="rgb24"
        )
    shown = _qimage_array(frame.pixmap.toImage())
    assert shown.shape[:2] == plain.shape[:2]
    x0, y0, x1, y1 = frame.label_box
    inside = np.abs(shown[y0:y1, x0:x1].astype(int) - plain[y0:y1, x0:x1]).mean()
    outside = np.abs(shown[:y0, :x0].astype(int) - plain[:y0, :x0]).mean()
    assert inside > 30 and outside < 8, (inside, outside)

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


def test_video_play_makes_a_labelled_copy_with_the_engine(qtbot, window, tmp_path):
    src = make_mp4(tmp_path / "clip.mp4", seconds=2.5)
    _select(qtbot, window, src)
    vp = window.video_preview
    qtbot.waitUntil(lambda: vp.info is not None, timeout=20000)
    window.act_play.trigger()  # Ctrl+P
    qtbot.waitUntil(lambda: vp.player.copy is not None, timeout=60000)
    copy = vp.player.copy
    assert copy.is_file() and copy != src
    assert vp.player.player.source().toLocalFile() == str(copy)
    probe = ffprobe_json(copy)
    kinds = sorted(s["codec_type"] for s in probe["streams"])
    assert kinds == ["audio", "video"]
    assert abs(float(probe["format"]["duration"]) - 2.5) < 0.2
    # The copy's first frames carry the label (pixels differ from the source's in the corner).
    with av.open(str(src)) as a, av.open(str(copy)) as b:
        fa = next(a.decode(video=0)).to_ndarray(format="rgb24").astype(int)
        fb = next(b.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    h, w = fa.shape[:2]
    corner = np.abs(fa[h * 3 // 4 :, w * 2 // 3 :] - fb[h * 3 // 4 :, w * 2 // 3 :]).mean()
    assert corner > 10
    assert vp.player.state == "idle"


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
