"""When the video label shows (start/end cards, persistent) and the picture of an inserted title card.

GB 45438 §5.4: the text prompt is in the picture from the start frame for at least 2 s; it may also
be at the end, in the middle, or run persistently. A fade never eats into those seconds: the start
card is fully opaque from the first frame for N s and fades out *after* them; the end card fades in
*before* its N s.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction

from PIL import Image, ImageFilter

from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.settings import VideoSettings, VisibleSettings
from aigclabel_gui.engine.visible.render import composite, render_label_overlay

FADE_SECONDS = 0.5
# The inserted card's text is larger than the corner label: it is the whole picture's subject.
CARD_TEXT_PCT = 10.0


@dataclass(frozen=True)
class CardSchedule:
    """Label opacity as a function of the time since the first frame."""

    duration: float  # of the programme, in seconds
    start: float  # seconds of start card (0: none)
    end: float  # seconds of end card (0: none)
    persistent: bool
    fade: bool

    @classmethod
    def from_settings(cls, video: VideoSettings, duration: float) -> CardSchedule:
        overlay = not video.insert_card
        n = video.card_seconds
        return cls(
            duration=duration,
            start=n if overlay and video.cards in ("start", "start+end") else 0.0,
            end=n if overlay and video.cards in ("end", "start+end") else 0.0,
            persistent=video.persistent,
            fade=video.fade,
        )

    def opacity(self, t: float) -> float:
        if self.persistent:
            return 1.0
        best = 0.0
        if self.start:
            if t < self.start:
                return 1.0
            if self.fade and t < self.start + FADE_SECONDS:
                best = max(best, 1.0 - (t - self.start) / FADE_SECONDS)
        if self.end:
            begin = self.duration - self.end
            if t >= begin:
                return 1.0
            if self.fade and t >= begin - FADE_SECONDS:
                best = max(best, 1.0 - (begin - t) / FADE_SECONDS)
        return best

    def last_labelled_time(self) -> float:
        """Seconds after which no start-card frame is labelled (for smart rendering)."""
        return self.start + (FADE_SECONDS if self.fade else 0.0) if self.start else 0.0

    def first_end_time(self) -> float:
        """Seconds from which the end card may show (duration when there is no end card)."""
        if not self.end:
            return self.duration
        return max(0.0, self.duration - self.end - (FADE_SECONDS if self.fade else 0.0))

    def shown_seconds(self) -> float:
        """How long the label is fully shown at the start (what §5.4 measures)."""
        if self.persistent:
            return self.duration
        return min(self.start, self.duration) if self.start else 0.0


def card_frames(seconds: float, rate: Fraction | float | None) -> tuple[int, float]:
    """(frames, seconds) of an inserted title card: whole frames, never shorter than asked
    (§5.4 counts seconds of prompt, a frame short would break the rule)."""
    rate = Fraction(rate) if rate else Fraction(25)
    count = max(1, round(seconds * rate))
    if count / rate < seconds:
        count += 1
    return count, float(count / rate)


@dataclass(frozen=True)
class VideoTimeline:
    """The labelled video's timeline: inserted title cards before and after the programme, and
    when the label shows on the programme. The one definition used by the writer
    (video_insert), the frame renderer (video.render_card_frame) and the GUI preview."""

    duration: float  # of the programme
    before: float  # seconds of inserted start card (0: none)
    after: float  # seconds of inserted end card
    schedule: CardSchedule

    @classmethod
    def from_settings(
        cls, video: VideoSettings, duration: float, rate: Fraction | float | None = None
    ) -> VideoTimeline:
        inserting = video.insert_card and video.cards != "none"
        card = card_frames(video.card_seconds, rate)[1] if inserting else 0.0
        return cls(
            duration=duration,
            before=card if inserting and video.cards in ("start", "start+end") else 0.0,
            after=card if inserting and video.cards in ("end", "start+end") else 0.0,
            schedule=CardSchedule.from_settings(video, duration),
        )

    @property
    def total(self) -> float:
        return self.before + self.duration + self.after

    def locate(self, t: float) -> tuple[str, float]:
        """("start-card" | "programme" | "end-card", time within that part) for output time t."""
        if self.before and t < self.before:
            return "start-card", t
        if self.after and t >= self.before + self.duration:
            return "end-card", t - self.before - self.duration
        return "programme", t - self.before

    def opacity(self, t: float) -> float:
        """The label's opacity at output time t (a title card is all label)."""
        part, local = self.locate(t)
        return 1.0 if part != "programme" else self.schedule.opacity(local)


def title_card(background: Image.Image, visible: VisibleSettings) -> Image.Image:
    """An upright RGB card: the blurred, darkened frame with the label text large in the middle."""
    w, h = background.size
    radius = max(4, min(w, h) // 30)
    card = background.convert("RGB").filter(ImageFilter.GaussianBlur(radius))
    card = Image.blend(card, Image.new("RGB", card.size, (0, 0, 0)), 0.35)
    big = dataclasses.replace(visible, size_pct=max(visible.size_pct, CARD_TEXT_PCT))
    try:
        ov = render_label_overlay(w, h, big, position="center")
    except InvalidSettings:  # a long text may not fit at the card size: fall back to the label size
        ov = render_label_overlay(w, h, visible, position="center")
    return composite(card, ov)
