"""Preview rendering for the UI, run in the thread pool: calls the engine's own preview functions
(the same code that writes the file) and turns their Pillow images into QImages.

QPixmaps may only be made on the UI thread, so these functions return QImages in plain dataclasses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
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
    baked: bool = False  # the label is already in `image` (video): `label` is only a drag ghost
    source_size: tuple[int, int] = (0, 0)
    ink_pct: float = 0.0  # the label's measured text height, % of the shorter side (§5.2)


@dataclass
class AudioRender:
    """The source's waveform and the engine's layout of the labelled output
    (audio_plan.output_segments: the same layout the writer splices)."""

    waveform: QImage  # the source's waveform, its full length
    duration: float  # seconds, of the source
    prompt_s: float = 0.0
    gap_s: float = 0.0
    layout: list = field(default_factory=list)  # engine Segments, output timeline
    prompt_peaks: list[float] = field(default_factory=list)  # the prompt's waveform, 0..1

    @property
    def positions(self) -> list[float]:
        """Prompt starts on the output timeline (s)."""
        return [s.start for s in self.layout if s.kind == "prompt"]

    def segments(self) -> list[tuple[str, float, float, float]]:
        """(what, start s, end s, source start s) in output order; no prompt: the programme."""
        if not self.layout:
            return [("audio", 0.0, self.duration, 0.0)] if self.duration else []
        return [(s.kind, s.start, s.end, s.source_start) for s in self.layout]

    @property
    def total(self) -> float:
        segs = self.segments()
        return segs[-1][2] if segs else self.duration


@dataclass
class VideoInfo:
    """The labelled video's timeline as the engine writes it (video_cards.VideoTimeline)."""

    duration: float  # of the programme
    settings: LabelSettings
    rate: float | None = None  # frames per second: inserted cards last whole frames

    @property
    def timeline(self):
        from aigclabel_gui.engine.visible.video_cards import VideoTimeline

        return VideoTimeline.from_settings(self.settings.video, self.duration, self.rate)

    @property
    def inserted(self) -> tuple[float, float]:
        """Seconds of inserted title cards before and after the programme."""
        tl = self.timeline
        return tl.before, tl.after

    @property
    def total(self) -> float:
        return self.timeline.total

    def label_shown(self, t: float) -> bool:
        """Whether the engine shows the label at `t` (GB 45438 §5.4 cards, persistent label)."""
        return shows_label(self.settings) and self.timeline.opacity(t) > 0

    def movable(self, t: float) -> bool:
        """The label can be dragged where it is drawn on the programme (not on a title card)."""
        return self.label_shown(t) and self.timeline.locate(t)[0] == "programme"


def shows_label(settings: LabelSettings) -> bool:
    return not settings.implicit_only and settings.visible.enabled


def render_image(path: Path, settings: LabelSettings, max_side: int = 1200) -> ImageRender:
    from aigclabel_gui.engine.visible.image import render_preview

    pv = render_preview(path, settings, max_side)
    out = ImageRender(pil_to_qimage(pv.image), source_size=pv.source_size)
    if shows_label(settings) and pv.overlay is not None:
        ov = pv.overlay
        out.label, out.box, out.position = pil_to_qimage(ov.image), ov.box, pv.position
        # Measured on the full-size label the file gets (the height does not depend on where).
        from aigclabel_gui.engine.visible.render import render_label_overlay

        w, h = pv.source_size
        out.ink_pct = render_label_overlay(w, h, settings.visible, position="center").ink_pct
    return out


def video_info(path: Path, settings: LabelSettings) -> VideoInfo:
    from aigclabel_gui.engine.visible.video import video_timing

    duration, rate = video_timing(path)  # headers only: the frames are decoded by the renderer
    return VideoInfo(float(duration or 0.0), settings, float(rate) if rate else None)


def render_video_frame(
    path: Path, settings: LabelSettings, t: float, max_side: int = 960
) -> ImageRender:
    """The frame at `t` exactly as the labelled video shows it (the engine's own blend), plus the
    label's box and image so it can be dragged."""
    from aigclabel_gui.engine.visible.video import plan_label, probe, render_card_frame

    frame = render_card_frame(path, settings, t, max_side)
    out = ImageRender(pil_to_qimage(frame), caption=f"{t:.1f} s", baked=True)
    if shows_label(settings):
        pr = probe(path)
        plan = plan_label(pr, settings.visible)
        scale = frame.width / pr.display_size[0]
        ov = plan.overlay
        x0, y0, x1, y1 = ov.box
        out.box = (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))
        out.label = pil_to_qimage(ov.image)
        out.position = plan.position
    return out


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
    from aigclabel_gui.engine.visible.audio_plan import inserts_for, output_segments
    from aigclabel_gui.engine.visible.audio_prompt import load_prompt

    rate = 48000
    prompt = load_prompt(settings.audio, rate, 1)
    out.prompt_s = prompt.shape[-1] / rate
    mono = np.abs(prompt).max(axis=0) if prompt.ndim == 2 else np.abs(prompt)
    cols = np.array_split(mono, 200) if mono.size >= 200 else [mono]
    peak = float(mono.max()) or 1.0
    out.prompt_peaks = [float(c.max()) / peak if c.size else 0.0 for c in cols]
    out.gap_s = settings.audio.gap_ms / 1000
    inserts = inserts_for(settings.audio.position, duration, rate)
    out.layout = output_segments(inserts, duration, out.prompt_s, out.gap_s, rate)
    return out


def playback_settings(settings: LabelSettings) -> LabelSettings:
    """Settings for a preview copy: the explicit label only (no producer code needed, no record).
    The preview shows what the user chose, even a choice the export will ask them to confirm
    (no explicit label, custom wording): the guardrails belong to the export."""
    return dataclasses.replace(
        settings,
        implicit_only=False,
        implicit=dataclasses.replace(settings.implicit, enabled=False),
        no_explicit=True,
        force_text=True,
    )
