"""Preview rendering for the UI, run in the thread pool: asks the engine's explicit-label handler
for its plan (`visible.base.labeler_for(kind).plan`, the very plan the export carries out), draws
from it with the engine's own code, and turns the Pillow images into QImages.

QPixmaps may only be made on the UI thread, so these functions return QImages in plain dataclasses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    plan: Any = None  # the engine's ImagePlan / VideoPlan this was drawn from (None: no label)


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
    plan: Any = None  # the engine's AudioPlan the layout comes from (None: no prompt)

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
    """The labelled video's timeline as the engine writes it (VideoPlan.timeline)."""

    duration: float  # of the programme
    settings: LabelSettings
    rate: float | None = None  # frames per second: inserted cards last whole frames
    plan: Any = None  # the engine's VideoPlan (None: these settings add no visible label)

    @property
    def timeline(self):
        if self.plan is not None:
            return self.plan.timeline
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
        return self.plan is not None and self.timeline.opacity(t) > 0

    def movable(self, t: float) -> bool:
        """The label can be dragged where it is drawn on the programme (not on a title card)."""
        return self.label_shown(t) and self.timeline.locate(t)[0] == "programme"


@dataclass
class TextInfo:
    """The document's prompt as the engine writes it (TextPlan): the words, where, and how."""

    prompt: str = ""
    places: tuple[str, ...] = ()  # "start" and/or "end"
    style: str = ""  # "line", "quote", "paragraph", "stamp", "header", "text box"
    plan: Any = None


def shows_label(settings: LabelSettings) -> bool:
    return not settings.implicit_only and settings.visible.enabled


def render_image(path: Path, settings: LabelSettings, max_side: int = 1200) -> ImageRender:
    from aigclabel_gui.engine.visible.image import render_preview

    plan = _plan("image", path, settings)
    pv = render_preview(path, settings, max_side, plan=plan)
    out = ImageRender(pil_to_qimage(pv.image), source_size=pv.source_size, plan=plan)
    if plan is not None and pv.overlay is not None:
        out.label, out.box = pil_to_qimage(pv.overlay.image), pv.overlay.box
        out.position = plan.position
        out.ink_pct = plan.ink_pct  # measured on the full-size label the file gets
    return out


def _plan(kind: str, path: Path, settings: LabelSettings, fmt: str | None = None):
    """The export's plan for this file (None when the settings add no explicit label)."""
    from aigclabel_gui.engine.visible.base import labeler_for

    if not shows_label(settings) and kind in ("image", "video"):
        return None
    return labeler_for(kind).plan(Path(path), settings, fmt)


def video_info(path: Path, settings: LabelSettings) -> VideoInfo:
    plan = _plan("video", path, settings)
    if plan is not None:
        pr = plan.probe
        return VideoInfo(pr.duration, settings, float(pr.rate) if pr.rate else None, plan)
    from aigclabel_gui.engine.visible.video import video_timing

    duration, rate = video_timing(path)  # headers only: no label to plan
    return VideoInfo(float(duration or 0.0), settings, float(rate) if rate else None)


def render_video_frame(
    path: Path, settings: LabelSettings, t: float, max_side: int = 960, plan: Any = None
) -> ImageRender:
    """The frame at `t` exactly as the labelled video shows it (the engine's own blend, from the
    export's plan: pass VideoInfo.plan to skip probing again), plus the label's box and image so
    it can be dragged."""
    from aigclabel_gui.engine.visible.video import render_card_frame

    if plan is None:
        plan = _plan("video", path, settings)
    frame = render_card_frame(path, settings, t, max_side, plan=plan)
    out = ImageRender(pil_to_qimage(frame), caption=f"{t:.1f} s", baked=True, plan=plan)
    if plan is not None:
        out.box = tuple(plan.box.scaled(frame.width / plan.probe.display_size[0]))
        out.label = pil_to_qimage(plan.label.overlay.image)
        out.position = plan.position
    return out


def render_audio(path: Path, settings: LabelSettings) -> AudioRender:
    """The source's waveform and where the engine will put the audible prompt."""
    from PIL import Image

    from aigclabel_gui.engine.thumbnails import audio_thumbnail, media_duration

    plan = None if settings.implicit_only else _plan("audio", path, settings)
    duration = plan.probe.duration_s if plan is not None else (media_duration(path) or 0.0)
    wave = audio_thumbnail(path, WAVE_W, seconds=max(duration, 1.0) + 1.0)
    wave = wave.resize((WAVE_W, WAVE_H), Image.Resampling.BILINEAR)
    out = AudioRender(pil_to_qimage(wave), duration)
    if plan is None:
        return out
    out.plan = plan
    out.prompt_s, out.gap_s, out.layout = plan.prompt_s, plan.gap_s, list(plan.layout)
    mono = np.abs(plan.prompt).max(axis=0)
    cols = np.array_split(mono, 200) if mono.size >= 200 else [mono]
    peak = float(mono.max()) or 1.0
    out.prompt_peaks = [float(c.max()) / peak if c.size else 0.0 for c in cols]
    return out


def text_info(path: Path, settings: LabelSettings) -> TextInfo:
    """The prompt the export adds to this document, and where (GB 45438 §5.1)."""
    plan = None if settings.implicit_only else _plan("text", path, settings)
    if plan is None:
        return TextInfo()
    return TextInfo(plan.prompt, plan.places, plan.style, plan)


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
