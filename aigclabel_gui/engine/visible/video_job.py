"""The video labelling job as one context object: the probe, the label's plan, the encoder, the
output timeline, progress throttling and the run's statistics. The leaf modules that do the work
(video_overlay: full re-encode, gop_splice: smart render, video_insert: inserted title cards) each
take a `VideoJob`; video.py plans it and picks the path.

Import order (no cycles, checked by the import-linter contract in pyproject.toml):
video_probe, video_encode < video_job < video_overlay, gop_splice, video_insert < video.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import av

from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback
from aigclabel_gui.engine.realtime import demote_realtime_threads
from aigclabel_gui.engine.settings import LabelSettings, VisibleSettings
from aigclabel_gui.engine.visible.base import Box
from aigclabel_gui.engine.visible.render import LabelOverlay, render_label_overlay
from aigclabel_gui.engine.visible.video_blend import YuvOverlay, make_yuv_overlay
from aigclabel_gui.engine.visible.video_cards import CardSchedule, VideoTimeline
from aigclabel_gui.engine.visible.video_encode import (
    PER_FRAME_S,
    REMUX_S_PER_FRAME,
    EncoderChoice,
    decode_rate,
    encode_rate,
    speed_setting,
)
from aigclabel_gui.engine.visible.video_probe import Probe, open_input, to_coded

# A start card exists to be read: the probe tolerates this much missing at the end of a stream
# before calling the file truncated (container durations are rounded, audio may run longer).
TRUNCATION_SLACK = 0.5
# A job estimated longer than this gets the encoder's faster setting (issue: a 6-minute 4K AV1
# clip took over 17 minutes at the default preset).
LONG_JOB_S = 600.0
# Smart render re-encodes from the IDR before a card's end: assume GOPs of this length.
GOP_GUESS_S = 2.0


# --- label plan -------------------------------------------------------------------------------


@dataclass
class LabelPlan:
    position: str
    overlay: LabelOverlay  # as viewed
    coded: LabelOverlay  # in the coded picture
    warnings: list[str]
    _yuv: dict[tuple, YuvOverlay] = field(default_factory=dict)

    def yuv(self, frame: av.VideoFrame) -> YuvOverlay:
        """The overlay in this frame's layout, converted once and cached."""
        full = frame.color_range == 2 or frame.format.name.startswith("yuvj")
        trc = int(frame.color_trc)
        key = (frame.format.name, int(frame.colorspace), full, trc, frame.width, frame.height)
        if key not in self._yuv:
            if (frame.width, frame.height) != self.coded.frame_size:
                raise UnsupportedFormat(
                    f"the frame size changes mid-stream ({self.coded.frame_size} → "
                    f"{frame.width}x{frame.height})"
                )
            c = self.coded
            self._yuv[key] = make_yuv_overlay(
                c.image,
                c.x,
                c.y,
                frame.format.name,
                colorspace=int(frame.colorspace),
                full_range=full,
                frame_height=frame.height,
                transfer=trc,
            )
        return self._yuv[key]


def plan_label(pr: Probe, visible: VisibleSettings) -> LabelPlan:
    """Resolve the position ("auto" looks at the first frame as viewed) and render the overlay."""
    warnings: list[str] = []
    position = visible.position
    if position == "auto":
        try:
            from aigclabel_gui.engine.visible.placement import score_corners
        except ImportError:  # OpenCV missing in a trimmed install
            position = "bottom-right"
            warnings.append("auto placement is not available here: the label is bottom-right")
        else:
            auto = score_corners(pr.first_frame, visible)
            position = auto.position
            if not auto.faces_checked:
                warnings.append("auto placement used edge density only: no face detector here")
    w, h = pr.display_size
    ov = render_label_overlay(w, h, visible, position=position)
    return LabelPlan(position, ov, to_coded(ov, pr.orientation), warnings)


# --- the plan and the job ---------------------------------------------------------------------


@dataclass(frozen=True)
class WorkEstimate:
    """The work a video label costs, known before the first frame: frames × pixels decoded and
    re-encoded, and the wall time that takes at the encoder's calibrated rate
    (video_encode.ENCODE_MPX_PER_S). For the report, the progress line and the GUI."""

    frames: int  # of the programme
    encoded_frames: int  # re-encoded (programme frames touched, plus inserted card frames)
    megapixels: float  # re-encoded pixels, millions
    seconds: float  # expected wall time on the development machine
    encoder: str
    setting: str  # preset / cpu-used

    def describe(self) -> str:
        minutes = self.seconds / 60
        when = f"{minutes:.0f} min" if minutes >= 1.5 else f"{self.seconds:.0f} s"
        return (
            f"about {when} of work: {self.encoded_frames} of {self.frames} frames re-encoded "
            f"({self.megapixels:,.0f} Mpx, {self.encoder} {self.setting})"
        )


def estimate_work(
    pr: Probe, enc: EncoderChoice, timeline: VideoTimeline, reencoded_s: float
) -> WorkEstimate:
    """`reencoded_s`: seconds of the programme that are re-encoded (all of it, or what smart
    render touches); inserted title cards (timeline.before/after) are encoded on top."""
    rate = float(pr.rate or 25)
    w, h = pr.coded_size
    mpx = w * h / 1e6
    frames = max(1, round(pr.duration * rate))
    redone = min(frames, round(reencoded_s * rate))  # decoded and re-encoded; the rest copied
    encoded = redone + round((timeline.before + timeline.after) * rate)
    seconds = (
        redone * mpx / decode_rate()
        + encoded * mpx / encode_rate(enc)
        + encoded * PER_FRAME_S
        + (frames - redone) * REMUX_S_PER_FRAME
    )
    return WorkEstimate(frames, encoded, encoded * mpx, seconds, enc.name, speed_setting(enc))


@dataclass
class VideoPlan:
    """What the export will do to this video (GB 45438 §5.4): the label's place in the picture
    as viewed, the output timeline (inserted cards, when the label shows) and the encoder."""

    kind: ClassVar[str] = "video"
    fmt: str
    out_format: str  # the muxer
    position: str  # the anchor used ("auto" resolved)
    box: Box  # the label's box in the picture as viewed, full size
    ink_pct: float
    timeline: VideoTimeline
    encoder: EncoderChoice
    estimate: WorkEstimate
    mode: str  # "insert" (title cards added) or "overlay" (cards on the programme; smart render
    # copies the untouched GOPs when the stream allows it)
    settings: LabelSettings = field(compare=False, repr=False)
    probe: Probe = field(compare=False, repr=False)
    label: LabelPlan = field(compare=False, repr=False)
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunStats:
    frames: int = 0
    labelled: int = 0
    seconds: float = 0.0
    last_time: float = 0.0
    out_bytes: int = 0


class Throttle:
    """Progress at most every 0.2 s, with frames, speed and ETA. Until 2 % is done the ETA comes
    from the plan's up-front estimate (`estimate_s`), not from a few noisy first frames."""

    def __init__(
        self,
        src: Path,
        progress: ProgressCallback,
        total: float,
        share: float = 0.95,
        estimate_s: float = 0.0,
    ):
        self.src, self.progress, self.total, self.share = str(src), progress, total, share
        self.estimate_s = estimate_s
        self.t0 = time.perf_counter()
        self.last = 0.0

    def __call__(self, t: float, frames: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2:
            return
        self.last = now
        demote_realtime_threads()  # the AV1 encoder makes itself real-time as root (realtime.py)
        frac = min(1.0, max(0.0, t / self.total)) if self.total > 0 else 0.0
        elapsed = now - self.t0
        if frac < 0.02 and self.estimate_s > 0:
            eta = max(0.0, self.estimate_s - elapsed)
        else:
            eta = elapsed * (1 - frac) / frac if frac > 0.001 else float("nan")
        fps = frames / elapsed if elapsed > 0 else 0.0
        detail = f"frame {frames}, {fps:.0f} fps" + (f", ETA {eta:.0f} s" if eta == eta else "")
        self.progress(FileProgress(self.src, frac * self.share, detail))


@dataclass
class VideoJob:
    """One run of the video pipeline: what was planned, where it goes, and what happened."""

    src: Path
    dst: Path
    plan: VideoPlan
    progress: ProgressCallback
    cancel: CancelToken
    warnings: list[str] = field(default_factory=list)
    stats: RunStats = field(default_factory=RunStats)

    @property
    def probe(self) -> Probe:
        return self.plan.probe

    @property
    def encoder(self) -> EncoderChoice:
        return self.plan.encoder

    @property
    def label(self) -> LabelPlan:
        return self.plan.label

    @property
    def schedule(self) -> CardSchedule:
        return self.plan.timeline.schedule

    @property
    def out_format(self) -> str:
        return self.plan.out_format

    @property
    def settings(self) -> LabelSettings:
        return self.plan.settings

    def open_input(self) -> av.container.InputContainer:
        return open_input(self.src)

    def start(self, total: float) -> Throttle:
        """Fresh statistics for a run (an abandoned attempt's do not count) and its progress."""
        self.stats = RunStats()
        return Throttle(self.src, self.progress, total, estimate_s=self.plan.estimate.seconds)

    def check_complete(self) -> None:
        """A file cut short decodes without error but ends early: refuse it rather than label
        half."""
        pr, stats, src = self.probe, self.stats, self.src
        if stats.frames == 0:
            raise CorruptFile(f"{src.name}: no video frame could be decoded")
        frame_len = float(1 / pr.rate) if pr.rate else 0.04
        if pr.duration_known and stats.last_time + frame_len < pr.duration - max(
            TRUNCATION_SLACK, 0.02 * pr.duration
        ):
            raise CorruptFile(
                f"{src.name}: the video stops at {stats.last_time:.1f} s of {pr.duration:.1f} s "
                "(truncated or damaged)"
            )
