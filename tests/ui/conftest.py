"""GUI fixtures: the real window, offscreen, with QSettings and presets in the test's temp dir."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def make_picture(path: Path, size=(480, 360), seed: int = 0) -> Path:
    """A small synthetic scene (gradient sky, a sun, ground) so labels and thumbnails have content."""
    w, h = size
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, h)[:, None]
    sky = np.stack(
        [
            90 + 60 * y + 0 * np.arange(w),
            140 + 60 * y + 0 * np.arange(w),
            220 - 40 * y + 0 * np.arange(w),
        ],
        axis=-1,
    )
    img = Image.fromarray(sky.clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    cx, cy = int(w * (0.3 + 0.4 * rng.random())), int(h * 0.35)
    d.ellipse((cx - h // 8, cy - h // 8, cx + h // 8, cy + h // 8), fill=(250, 210, 80))
    d.rectangle((0, int(h * 0.7), w, h), fill=(70, 130, 60))
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        img.save(path, quality=90)
    else:
        img.save(path)
    return path


def make_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    import wave

    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def make_mp4(path: Path, seconds: float = 3.0, size=(320, 180), fps: int = 15) -> Path:
    """H.264 + AAC, written with PyAV."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.options = {"preset": "ultrafast"}
        a = c.add_stream("aac", rate=44100)
        a.layout = "mono"
        n = int(seconds * fps)
        for i in range(n):
            arr = np.zeros((size[1], size[0], 3), np.uint8)
            arr[:, :, 0] = 40 + (i * 5) % 200
            arr[:, :, 2] = 160
            arr[size[1] // 3 : size[1] // 2, (i * 7) % size[0] :] = 230
            for p in v.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
        samples = int(seconds * 44100)
        t = np.arange(samples) / 44100
        tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
        for start in range(0, samples, 1024):
            chunk = tone[start : start + 1024]
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.rate = 44100
            frame.pts = start
            for p in a.encode(frame):
                c.mux(p)
        for p in a.encode():
            c.mux(p)
    return path


def drop_urls(widget, paths: list[Path]) -> None:
    """A real drag-enter + drop of file URLs, as the window receives it from a file manager."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(widget.width() // 2, widget.height() // 2)  # PySide6 6.11 takes QPoint
    enter = QDragEnterEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)
    assert drop.isAccepted()


@pytest.fixture
def gui_config(tmp_path, monkeypatch) -> Path:
    """Presets in the test's temp dir; never the user's."""
    cfg = tmp_path / "config"
    monkeypatch.setenv("AIGCLABEL_CONFIG", str(cfg))
    return cfg


@pytest.fixture
def qsettings(tmp_path, gui_config) -> QSettings:
    s = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    s.setValue("language", "en")
    return s


@pytest.fixture
def window(qtbot, qapp, qsettings):
    from aigclabel_gui.ui.app import create_window, register_font

    register_font(qapp)
    w = create_window(["aigclabel-gui"], qapp, qsettings)
    # Not qtbot.addWidget: pytest-qt closes its widgets before this fixture's teardown, and a
    # window closed during an export (a test that failed half-way) asks a modal question that
    # nobody answers: the whole run would hang. The teardown below stops the export first.
    w.show()
    qtbot.waitExposed(w)
    # Make the labelled copy and load it, but do not start QtMultimedia playback offscreen
    # (see LabelledPlayer.autoplay).
    w.audio_preview.player.autoplay = False
    w.video_preview.player.autoplay = False
    try:
        yield w
    finally:
        # Stop a running export first: closing would ask for confirmation with nobody to answer.
        if w.export_dialog is not None and w.export_dialog.final is None:
            w.stop_export(timeout_s=120)
        _answer_any_question(w)
        w.close()  # stops media players, as the app does on quit
        w.deleteLater()
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30000)


def _answer_any_question(w) -> None:
    """If closing still asks (an export that would not stop), answer yes instead of hanging."""
    from PySide6.QtCore import QTimer

    def answer():
        if w.confirm_box is not None:
            w.confirm_yes.click()
        elif w.isVisible():
            QTimer.singleShot(100, w, answer)

    QTimer.singleShot(100, w, answer)  # with `w` as context: never called once w is deleted


def add_files(qtbot, window, paths: list[Path]) -> None:
    before = window.model.rowCount()
    window.add_paths(paths)
    qtbot.waitUntil(lambda: window.model.rowCount() > before, timeout=10000)


def wait_inspected(qtbot, window) -> None:
    qtbot.waitUntil(
        lambda: all(e.kind or e.unsupported for e in window.model.entries), timeout=20000
    )


def wait_image_preview(qtbot, window):
    qtbot.waitUntil(
        lambda: window.preview.frame is not None and window.preview.frame.label_box is not None,
        timeout=20000,
    )
    return window.preview.frame
