"""Preview rendering for the UI, run in the thread pool: calls the engine's own preview functions
(the same code that writes the file) and turns their Pillow images into QImages.

QPixmaps may only be made on the UI thread, so these functions return QImages in plain dataclasses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.ui.qt_image import pil_to_qimage

WAVE_W, WAVE_H = 1000, 200


@dataclass
class ImageRender:
    """A picture and the engine's label for it, in the picture's pixels."""

    image: QImage
    label: QImage | None = None
    box: tuple[int, int, int, int] | None = None
    caption: str = ""
    position: str = ""  # the anchor the engine used ("auto" resolved)


@dataclass
class AudioRender:
    waveform: QImage
    duration: float  # seconds, of the source
    prompt_s: float = 0.0
    positions: list[float] = field(default_factory=list)  # prompt starts, output timeline (s)
    note: str = ""

    @property
    def total(self) -> float:
        return self.duration + self.prompt_s * len(self.positions)


@dataclass
class VideoInfo:
    duration: float
    card_seconds: float
    cards: str  # "none", "start", "end", "start+end"
    persistent: bool


def shows_label(settings: LabelSettings) -> bool:
    return not settings.implicit_only and settings.visible.enabled


def render_image(path: Path, settings: LabelSettings, max_side: int = 1200) -> ImageRender:
    from aigclabel_gui.engine.visible.image import render_preview

    pv = render_preview(path, settings, max_side)
    w, h = pv.source_size
    caption = f"{w} × {h}"
    if not shows_label(settings) or pv.overlay is None:
        return ImageRender(pil_to_qimage(pv.image), caption=caption)
    ov = pv.overlay
    caption += f" · {ov.ink_pct:.1f} %"
    return ImageRender(
        pil_to_qimage(pv.image), pil_to_qimage(ov.image), ov.box, caption, pv.position
    )


def video_info(path: Path, settings: LabelSettings) -> VideoInfo:
    from aigclabel_gui.engine.thumbnails import media_duration

    try:
        from aigclabel_gui.engine.visible.video import video_duration

        duration = video_duration(path)
    except ImportError:
        duration = media_duration(path) or 0.0
    v = settings.video
    return VideoInfo(float(duration or 0.0), v.card_seconds, v.cards, v.persistent)


def label_visible_at(info: VideoInfo, t: float) -> bool:
    """Whether the engine's video label is on screen at `t` (GB 45438 §5.4 start/end cards)."""
    if info.persistent:
        return True
    start = info.cards in ("start", "start+end") and t < info.card_seconds
    end = info.cards in ("end", "start+end") and t >= info.duration - info.card_seconds
    return start or end


def render_video_frame(
    path: Path, settings: LabelSettings, t: float, max_side: int = 960
) -> ImageRender:
    """The frame at `t` as the labelled video will show it."""
    from aigclabel_gui.engine.visible.video import render_card_frame

    frame = render_card_frame(path, settings, t, max_side)
    return _from_engine_frame(frame, t)


def _from_engine_frame(frame, t: float) -> ImageRender:
    caption = f"t = {t:.1f} s"
    image = getattr(frame, "image", frame)
    overlay = getattr(frame, "overlay", None)
    if overlay is None:  # the label is already in the picture (or not shown at this time)
        return ImageRender(pil_to_qimage(image), caption=caption)
    return ImageRender(pil_to_qimage(image), pil_to_qimage(overlay.image), overlay.box, caption, "")


def render_audio(path: Path, settings: LabelSettings) -> AudioRender:
    """The source's waveform and where the engine will put the audible prompt."""
    from PIL import Image

    from aigclabel_gui.engine.thumbnails import audio_thumbnail, media_duration

    duration = media_duration(path) or 0.0
    wave = audio_thumbnail(path, WAVE_W, seconds=max(duration, 1.0) + 1.0)
    wave = wave.resize((WAVE_W, WAVE_H), Image.Resampling.BILINEAR)
    out = AudioRender(pil_to_qimage(wave), duration)
    if settings.implicit_only or not settings.audio.enabled or not duration:
        return out
    try:
        from aigclabel_gui.engine.visible.audio import load_prompt, prompt_positions
    except ImportError:
        out.note = "audio prompt engine not available"
        return out
    rate = 48000
    prompt = load_prompt(settings.audio, rate, 1)
    out.prompt_s = prompt.shape[-1] / rate
    out.positions = [float(p) for p in prompt_positions(duration, out.prompt_s, settings.audio)]
    return out


def playback_settings(settings: LabelSettings) -> LabelSettings:
    """Settings for a preview copy: the explicit label only (no producer code needed, no record)."""
    return dataclasses.replace(
        settings,
        implicit_only=False,
        implicit=dataclasses.replace(settings.implicit, enabled=False),
    )
