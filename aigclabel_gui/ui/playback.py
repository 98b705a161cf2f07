"""Play what the export will write.

Audio (LabelledPlayer): the engine labels a temporary copy (off the UI thread) with the current
settings, then QtMultimedia plays it. The copy carries the explicit label only, so no producer code
is needed to listen; it is deleted with the window.

Video (LivePlayer): the original's frames from the preview's FrameServer with the engine's overlay
drawn over them live; no copy is encoded (a full re-encode took > 28 s for 10 s of 1080p)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTemporaryDir, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.ui.preview_render import playback_settings
from aigclabel_gui.ui.workers import FunctionTask, start_task


def labelled_copy(src: Path, settings: LabelSettings, dst: Path) -> Path:
    """The engine's own pipeline writes the copy (what you hear is what gets exported)."""
    label_file(src, dst, playback_settings(settings))
    return dst


class LabelledPlayer(QObject):
    """Prepares a labelled copy and plays it. States: idle → preparing → playing."""

    preparing = Signal()
    ready = Signal(str)  # path of the labelled copy
    failed = Signal(str)
    state_changed = Signal(str)  # "idle", "preparing", "playing"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.tmp = QTemporaryDir()
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.playbackStateChanged.connect(self._playback_changed)
        self.player.errorOccurred.connect(lambda _e, msg: self.failed.emit(msg))
        self._cache: dict[tuple[str, str], Path] = {}
        self._serial = 0
        self._tasks: set = set()
        self.state = "idle"
        self.copy: Path | None = None
        # Tests turn this off: offscreen (no audio device, no screen) QMediaPlayer.stop() on a
        # playing video deadlocked in about 1 run of 7; making the copy is what they check.
        self.autoplay = True

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)

    def play(self, src: Path, settings: LabelSettings) -> None:
        key = (str(src), repr(playback_settings(settings)))
        cached = self._cache.get(key)
        if cached is not None and cached.is_file():
            self._start(cached)
            return
        self._serial += 1
        dst = Path(self.tmp.path()) / f"preview-{self._serial}{src.suffix.lower()}"
        task = FunctionTask((self._serial, key), labelled_copy, src, settings, dst)
        task.signals.result.connect(self._copy_ready)
        task.signals.error.connect(self._copy_failed)
        self._set_state("preparing")
        self.preparing.emit()
        start_task(task, self._tasks)

    def stop(self) -> None:
        self._serial += 1  # a copy still being made is not played
        self.player.stop()
        self._set_state("idle")

    def shutdown(self) -> None:
        """Stop and release the media (its decoding threads) before the window goes away."""
        self._serial += 1
        self.player.stop()
        self.player.setSource(QUrl())
        self.state = "idle"

    def _copy_ready(self, key, path: Path) -> None:
        serial, cache_key = key
        self._cache[cache_key] = path
        if serial == self._serial:
            self._start(path)

    def _copy_failed(self, key, message: str) -> None:
        if key[0] == self._serial:
            self._set_state("idle")
            self.failed.emit(message)

    def _start(self, path: Path) -> None:
        self.copy = path
        self.ready.emit(str(path))
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        if not self.autoplay:
            self._set_state("idle")
            return
        self.player.play()
        self._set_state("playing")

    def _playback_changed(self, state) -> None:
        if state == QMediaPlayer.PlaybackState.StoppedState and self.state == "playing":
            self._set_state("idle")


class LivePlayer(QObject):
    """Plays a video as the export will show it without writing anything: a timer asks the
    FrameServer for the frame at the playing time (the original's frames, the engine's overlay
    drawn over them by the preview), and QtMultimedia plays the original's sound along.
    States: idle → playing. Nothing is re-encoded before or while playing."""

    state_changed = Signal(str)
    failed = Signal(str)
    position = Signal(float)  # seconds on the output timeline

    def __init__(self, frames, parent: QObject | None = None):
        from PySide6.QtCore import QElapsedTimer, QTimer

        super().__init__(parent)
        self.frames = frames
        self.player = QMediaPlayer(self)  # the original's sound only: no video output is set
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.player.errorOccurred.connect(lambda _e, msg: self.failed.emit(msg))
        self.state = "idle"
        self.autoplay = True  # the sound; tests turn it off (no audio device offscreen)
        self.timer = QTimer(self)
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.t0 = 0.0
        self.total = 0.0
        self.before = 0.0  # seconds of inserted start card (the sound starts after it)
        self.duration = 0.0
        self._sound = False
        self.requests = 0
        self.frame_s = 0.0
        self._last_frame: int | None = None

    @property
    def t(self) -> float:
        return self.t0 + self.clock.elapsed() / 1000 if self.clock.isValid() else self.t0

    def play(
        self,
        src: Path,
        start: float,
        total: float,
        before: float,
        duration: float,
        rate: float | None = None,
    ) -> None:
        self.stop()
        self.frame_s = 1 / rate if rate else 0.0
        self._last_frame = None
        self.t0 = 0.0 if start >= total - 0.05 else start
        self.total, self.before, self.duration = total, before, duration
        self._sound = False
        if self.autoplay:
            self.player.setSource(QUrl.fromLocalFile(str(src)))
        self.clock.start()
        self.state = "playing"
        self.state_changed.emit("playing")
        self.timer.start()
        self._tick()

    def _tick(self) -> None:
        t = self.t
        if t >= self.total:
            self.stop()
            return
        # One request per frame of the video, not per timer tick (a 50 Hz timer on a 25 fps clip
        # would convert every frame twice).
        step = int(t / self.frame_s) if self.frame_s else None
        if step is None or step != self._last_frame:
            self._last_frame = step
            self.requests += 1
            self.frames.request(t, play=True)
        self.position.emit(t)
        local = t - self.before
        if self.autoplay and not self._sound and 0 <= local < self.duration:
            self._sound = True
            self.player.setPosition(int(local * 1000))
            self.player.play()
        elif self._sound and local >= self.duration:
            self._sound = False
            self.player.pause()

    def stop(self) -> None:
        self.timer.stop()
        if self._sound or self.player.playbackState() != QMediaPlayer.PlaybackState.StoppedState:
            self.player.stop()
        self._sound = False
        if self.state != "idle":
            self.state = "idle"
            self.state_changed.emit("idle")

    def shutdown(self) -> None:
        """Stop, release the media and the decoder thread before the window goes away."""
        self.timer.stop()
        self.player.stop()
        self.player.setSource(QUrl())
        self.state = "idle"
        self.frames.shutdown()
