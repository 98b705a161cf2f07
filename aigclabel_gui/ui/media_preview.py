"""Audio and video previews: the audio waveform with the prompt's place marked and a Play of
the labelled result; the video's start and end card frames with a scrubber and a Play of the
labelled clip. Every picture and every sound comes from the engine (see preview_render)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.ui.playback import LabelledPlayer, LivePlayer
from aigclabel_gui.ui.preview import PreviewFrame, PreviewWidget
from aigclabel_gui.ui.preview_render import (
    AudioRender,
    ImageRender,
    VideoInfo,
    render_audio,
    video_info,
)
from aigclabel_gui.ui.video_frames import FrameServer, VideoFrameRender
from aigclabel_gui.ui.workers import FunctionTask, start_task

PROMPT_COLOUR = QColor(220, 60, 60)


def _run(owner, key, fn, *args, on_result, on_error) -> None:
    task = FunctionTask(key, fn, *args)
    task.signals.result.connect(on_result)
    task.signals.error.connect(on_error)
    start_task(task, owner._tasks)


def image_frame(r: ImageRender, movable: bool = True) -> PreviewFrame:
    return PreviewFrame(
        QPixmap.fromImage(r.image),
        r.box,
        r.caption,
        QPixmap.fromImage(r.label) if r.label is not None else None,
        movable and r.box is not None,
        r.baked,
    )


class WaveformView(QWidget):
    """The output timeline: the source's waveform with the prompt blocks inserted where the
    engine puts them (GB 45438 §5.3: start, end or middle), and a playhead while playing."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(200)
        self.setMaximumHeight(280)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.render: AudioRender | None = None
        self.wave: QPixmap | None = None
        self.playhead: float | None = None  # seconds on the output timeline
        self.prompt_text = "prompt"

    def set_render(self, render: AudioRender | None) -> None:
        self.render = render
        self.wave = QPixmap.fromImage(render.waveform) if render is not None else None
        self.playhead = None
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        r = self.render
        if r is None or self.wave is None or r.total <= 0:
            return
        area = QRectF(self.rect()).adjusted(6, 6, -6, -24)
        sx = area.width() / r.total
        for what, a, b, src in r.segments():
            rect = QRectF(area.left() + a * sx, area.top(), (b - a) * sx, area.height())
            if what == "prompt":
                p.fillRect(rect, QColor(PROMPT_COLOUR.red(), 60, 60, 40))
                p.setPen(QPen(PROMPT_COLOUR, 1))
                peaks = r.prompt_peaks
                mid, half = rect.center().y(), rect.height() * 0.45
                for i, v in enumerate(peaks):
                    x = rect.left() + (i + 0.5) * rect.width() / len(peaks)
                    p.drawLine(QPointF(x, mid - v * half), QPointF(x, mid + v * half))
                p.setPen(QPen(PROMPT_COLOUR, 2))
                p.drawRect(rect)
                tag = p.fontMetrics().boundingRect(self.prompt_text).adjusted(-6, -2, 6, 2)
                tag.moveCenter(QPointF(rect.center().x(), rect.top() + tag.height()).toPoint())
                p.fillRect(tag, PROMPT_COLOUR)
                p.setPen(QColor("white"))
                p.drawText(tag, Qt.AlignmentFlag.AlignCenter, self.prompt_text)
            else:
                w = self.wave.width() / max(r.duration, 1e-6)
                srect = QRectF(src * w, 0, (b - a) * w, self.wave.height())
                p.drawPixmap(rect, self.wave, srect)
        p.setPen(self.palette().text().color())
        p.drawText(
            QRectF(area.left(), area.bottom() + 4, area.width(), 18),
            Qt.AlignmentFlag.AlignLeft,
            "0:00",
        )
        m, s = divmod(int(r.total + 0.5), 60)
        p.drawText(
            QRectF(area.left(), area.bottom() + 4, area.width(), 18),
            Qt.AlignmentFlag.AlignRight,
            f"{m}:{s:02d}",
        )
        if self.playhead is not None:
            x = area.left() + self.playhead * sx
            p.setPen(QPen(self.palette().highlight().color(), 2))
            p.drawLine(int(x), int(area.top()), int(x), int(area.bottom()))


class AudioPreview(QWidget):
    """Waveform + prompt positions + Play of the labelled result."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._tasks: set = set()
        self._serial = 0
        self.path: Path | None = None
        self.settings: LabelSettings | None = None
        layout = QVBoxLayout(self)
        self.wave = WaveformView()
        self.wave.setObjectName("waveform")
        self.wave.prompt_text = self.tr("prompt")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.play_btn = QPushButton(self.tr("▶ Play labelled audio"))
        self.play_btn.setObjectName("playAudio")
        self.play_btn.clicked.connect(self.toggle_play)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addStretch(1)
        layout.addWidget(self.wave)
        layout.addWidget(self.caption)
        row = QHBoxLayout()
        row.addWidget(self.play_btn)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.player = LabelledPlayer(self)
        self.player.state_changed.connect(self._state_changed)
        self.player.failed.connect(
            lambda m: self.status.setText(self.tr("Cannot play: {0}").format(m))
        )
        self.player.player.positionChanged.connect(self._position)

    def load(self, path: Path, settings: LabelSettings) -> None:
        if self.player.state != "idle":
            self.player.stop()
        self.path, self.settings = path, settings
        self._serial += 1
        self.caption.setText(self.tr("Reading {0}…").format(path.name))
        self.wave.set_render(None)
        _run(
            self, self._serial, render_audio, path, settings,
            on_result=self._ready, on_error=self._failed,
        )  # fmt: skip

    def _ready(self, serial: int, render: AudioRender) -> None:
        if serial != self._serial:
            return
        self.wave.set_render(render)
        total = render.total
        if render.positions:
            where = ", ".join(f"{p:.1f} s" for p in render.positions)
            text = self.tr("{0:.1f} s of audio · prompt of {1:.1f} s at {2} · result {3:.1f} s")
            self.caption.setText(text.format(render.duration, render.prompt_s, where, total))
        else:
            self.caption.setText(
                self.tr("{0:.1f} s of audio · no audible prompt with these settings").format(
                    render.duration
                )
            )

    def _failed(self, serial: int, message: str) -> None:
        if serial == self._serial:
            self.caption.setText(self.tr("No preview: {0}").format(message))

    def toggle_play(self) -> None:
        if self.player.state != "idle":
            self.player.stop()
            return
        if self.path is not None and self.settings is not None:
            self.status.setText("")
            self.player.play(self.path, self.settings)

    def _state_changed(self, state: str) -> None:
        self.play_btn.setText(
            {
                "idle": self.tr("▶ Play labelled audio"),
                "preparing": self.tr("Labelling a copy…"),
                "playing": self.tr("■ Stop"),
            }[state]
        )
        if state == "idle":
            self.wave.playhead = None
            self.wave.update()

    def _position(self, ms: int) -> None:
        self.wave.playhead = ms / 1000
        self.wave.update()


class VideoPreview(QWidget):
    """The frame at a time chosen with the scrubber (start card, end card, anywhere), the label
    draggable where it is shown, and a live Play: the original's frames with the engine's label
    drawn over them. Frames come from a FrameServer (decoded on its own thread, cached)."""

    position_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._tasks: set = set()
        self._serial = 0
        self.path: Path | None = None
        self.settings: LabelSettings | None = None
        self.info: VideoInfo | None = None
        self.frames = FrameServer(self)
        self.frames.frame_ready.connect(self._frame_ready)
        self.frames.failed.connect(self._frame_failed)
        self.last_render: VideoFrameRender | None = None
        self.frame_view = PreviewWidget()
        self.frame_view.setObjectName("videoFrame")
        self.frame_view.position_changed.connect(self.position_changed)
        self.stack = QStackedLayout()
        self.stack.addWidget(self.frame_view)
        layout = QVBoxLayout(self)
        layout.addLayout(self.stack, 1)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("scrubber")
        self.slider.valueChanged.connect(self._scrubbed)
        self.time_label = QLabel("0.0 s")
        srow = QHBoxLayout()
        srow.addWidget(self.slider, 1)
        srow.addWidget(self.time_label)
        layout.addLayout(srow)
        row = QHBoxLayout()
        self.start_btn = QPushButton(self.tr("Start card"))
        self.start_btn.clicked.connect(lambda: self.seek(self._start_time()))
        self.end_btn = QPushButton(self.tr("End card"))
        self.end_btn.clicked.connect(lambda: self.seek(self._end_time()))
        self.play_btn = QPushButton(self.tr("▶ Play labelled clip"))
        self.play_btn.setObjectName("playVideo")
        self.play_btn.clicked.connect(self.toggle_play)
        for b in (self.start_btn, self.end_btn, self.play_btn):
            row.addWidget(b)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        # The engine's estimate of the export's work (VideoPlan.estimate), known before it runs.
        self.work_label = QLabel()
        self.work_label.setObjectName("videoWork")
        self.work_label.setWordWrap(True)
        layout.addWidget(self.work_label)
        self.player = LivePlayer(self.frames, self)
        self.player.state_changed.connect(self._state_changed)
        self.player.position.connect(self._play_position)
        self.player.failed.connect(
            lambda m: self.status.setText(self.tr("Cannot play: {0}").format(m))
        )

    # --- loading -------------------------------------------------------------------------------
    def unload(self) -> None:
        """Another file is shown (or none): stop playing, close the clip, free its frames."""
        if self.path is None:
            return
        if self.player.state != "idle":
            self.player.stop()
        self._serial += 1  # a video_info still on its way is for a clip no longer shown
        self.path, self.info = None, None
        self.frames.release()

    def load(self, path: Path, settings: LabelSettings, margin_frac: float = 0.02) -> None:
        same_file = path == self.path and self.info is not None
        if self.player.state != "idle":
            self.player.stop()
        self.path, self.settings = path, settings
        self.frames.set_file(path, settings)
        self.frame_view.margin_frac = margin_frac
        self._serial += 1
        if not same_file:
            self.info = None
            self.frame_view.show_message(self.tr("Reading {0}…").format(path.name))
        _run(
            self, self._serial, video_info, path, settings,
            on_result=self._info_ready, on_error=self._failed,
        )  # fmt: skip

    def _info_ready(self, serial: int, info: VideoInfo) -> None:
        if serial != self._serial:
            return
        keep_t = self.current_time() if self.info is not None else None
        self.info = info
        self.frames.set_plan(info.plan)  # the export's own plan: the frames draw its label
        self.work_label.setText(self.work_text(info.plan))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, int(info.total * 10) - 1))
        self.slider.blockSignals(False)
        v = info.settings.video
        self.start_btn.setEnabled(v.cards in ("start", "start+end") or v.persistent)
        self.end_btn.setEnabled(v.cards in ("end", "start+end") or v.persistent)
        self.seek(keep_t if keep_t is not None else self._start_time(), force=True)

    def work_text(self, plan) -> str:
        """The export's work for this clip, from the engine's estimate, in the user's words."""
        est = getattr(plan, "estimate", None)
        if est is None:
            return ""
        minutes = est.seconds / 60
        when = (
            self.tr("{0} min").format(f"{minutes:.0f}")
            if minutes >= 1.5
            else self.tr("{0} s").format(f"{max(1.0, est.seconds):.0f}")
        )
        return self.tr(
            "Export: about {0} of work here ({1} frames encoded; the clip has {2})."
        ).format(when, est.encoded_frames, est.frames)

    def _start_time(self) -> float:
        if self.info is None:
            return 0.0
        return min(1.0, self.info.settings.video.card_seconds / 2, self.info.total / 2)

    def _end_time(self) -> float:
        if self.info is None:
            return 0.0
        n = self.info.settings.video.card_seconds
        return max(0.0, self.info.total - min(1.0, n / 2))

    def current_time(self) -> float:
        return self.slider.value() / 10

    def seek(self, t: float, force: bool = False) -> None:
        value = round(t * 10)
        if value == self.slider.value() and force:
            self._render_now()
        else:
            self.slider.setValue(value)

    def _scrubbed(self, value: int) -> None:
        self.time_label.setText(f"{value / 10:.1f} s")
        if self.player.state == "idle":
            self._render_now()  # the decoder thread drops what a newer scrub overtakes

    def _render_now(self) -> None:
        if self.path is None or self.settings is None or self.info is None:
            return
        self.frames.request(self.current_time())

    def _frame_ready(self, serial: int, render: VideoFrameRender) -> None:
        if serial != self.frames.serial:
            return  # overtaken on its way here
        self.last_render = render
        self.frame_view.setToolTip("")
        playing = self.player.state != "idle"
        t = render.t
        on = self.info.label_shown(t) if self.info is not None else render.opacity > 0
        movable = not playing and self.info is not None and self.info.movable(t)
        caption = f"{t:.1f} s · " + (
            self.tr("label shown") if on else self.tr("no label at this time")
        )
        self.frame_view.show_frame(
            PreviewFrame(
                QPixmap.fromImage(render.image),
                render.box,
                caption,
                QPixmap.fromImage(render.label) if render.label is not None else None,
                movable and render.box is not None,
                render.baked,
                render.opacity,
            )
        )

    def _frame_failed(self, serial: int, message: str) -> None:
        if serial == self.frames.serial:
            from aigclabel_gui.ui.messages import friendly_reason

            # The user's language on screen; the engine's technical text in the tooltip.
            self.frame_view.show_message(
                self.tr("No preview: {0}").format(friendly_reason(message))
            )
            self.frame_view.setToolTip(message)

    def _failed(self, serial: int, message: str) -> None:
        if serial == self._serial:
            self._frame_failed(self.frames.serial, message)

    # --- playing -------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.player.state != "idle":
            self.player.stop()
            return
        if self.path is None or self.settings is None or self.info is None:
            return
        self.status.setText("")
        before, _after = self.info.inserted
        self.player.play(
            self.path,
            self.current_time(),
            self.info.total,
            before,
            self.info.duration,
            self.info.rate,
        )

    def _play_position(self, t: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(min(round(t * 10), self.slider.maximum()))
        self.slider.blockSignals(False)
        self.time_label.setText(f"{t:.1f} s")

    def _state_changed(self, state: str) -> None:
        self.play_btn.setText(
            {"idle": self.tr("▶ Play labelled clip"), "playing": self.tr("■ Stop")}[state]
        )
        if state == "idle":
            self._render_now()  # the still at the stop time, with the label draggable again
