"""Visible label on video (GB 45438 §5.4): start/end cards, a persistent corner label, inserted cards.

The orchestrator: `VideoLabeler.plan()` probes the video and plans the label, the encoder and the
output timeline (a `VideoPlan`); `apply()` wraps the plan in a `VideoJob` and picks the path:
inserted title cards (video_insert.py), the copy-most-GOPs smart render (gop_splice.py) or the
full re-encode (video_overlay.py). Probing, encoder choice and the job live in video_probe.py,
video_encode.py and video_job.py; they are re-exported here for callers of the former module.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import ClassVar

import av
from PIL import Image

from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    InputTooLarge,
    OutputError,
    UnsupportedFormat,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.engine.visible.audio_codecs import refuse_dropped_audio
from aigclabel_gui.engine.visible.base import ExplicitReport, Labeler, format_name
from aigclabel_gui.engine.visible.dolby_vision import check_reencode
from aigclabel_gui.engine.visible.gop_splice import qualifies, reencoded_seconds, splice_run
from aigclabel_gui.engine.visible.video_blend import PLANAR_YUV, blend_into
from aigclabel_gui.engine.visible.video_cards import VideoTimeline, title_card
from aigclabel_gui.engine.visible.video_encode import (  # noqa: F401 (re-exported)
    DECODED_CODEC,
    ENCODER,
    PROFILES,
    EncoderChoice,
    choose_encoder,
    faster,
    speed_setting,
)
from aigclabel_gui.engine.visible.video_insert import insert_cards_run
from aigclabel_gui.engine.visible.video_job import (  # noqa: F401 (re-exported)
    GOP_GUESS_S,
    LONG_JOB_S,
    TRUNCATION_SLACK,
    LabelPlan,
    RunStats,
    VideoJob,
    VideoPlan,
    WorkEstimate,
    estimate_work,
    plan_label,
)
from aigclabel_gui.engine.visible.video_overlay import overlay_run
from aigclabel_gui.engine.visible.video_probe import (  # noqa: F401 (re-exported)
    MAX_PIXELS,
    Orientation,
    Probe,
    open_input,
    probe,
    to_display,
    video_duration,
    video_timing,
)

OUT_FORMAT = {
    "mp4": "mp4",
    "mov": "mov",
    "mkv": "matroska",
    "webm": "webm",
    "avi": "avi",
    "flv": "flv",
}
# Cards only on H.264: re-encode just the GOPs they touch (gop_splice.py). Benchmarks switch it
# off to time the full re-encode.
SMART_RENDER = True


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


class VideoLabeler(Labeler):
    """GB 45438 §5.4: a text prompt in the picture from the start frame (start/end cards, a
    persistent corner label, or inserted title cards)."""

    kind: ClassVar[str] = "video"
    formats: ClassVar[tuple[str, ...]] = tuple(OUT_FORMAT)

    def plan(self, path: Path, settings: LabelSettings, fmt: str | None = None) -> VideoPlan | None:
        v = settings.video
        if not settings.visible.enabled or settings.implicit_only:
            return None
        if v.cards == "none" and not v.persistent:
            return None
        src = Path(path)
        with _errors(src, None):
            fmt = format_name(src, fmt)
            out_format = OUT_FORMAT.get(fmt)
            if out_format is None:
                raise UnsupportedFormat(
                    f"{src.name}: visible labels are written to MP4, MOV, MKV, WebM"
                )
            refuse_dropped_audio(src)  # AC-4/MPEG-H tracks cannot be copied by PyAV
            pr = probe(src)
            check_reencode(src, pr.dolby_vision)  # profile 5: no viewable base layer
            label = plan_label(pr, settings.visible)
            timeline = VideoTimeline.from_settings(v, pr.duration, pr.rate)
            enc, estimate, notes = encoder_for(pr, out_format, v.crf, timeline)
            warnings = [*pr.warnings, *label.warnings, *notes]
            if v.cards == "end" and not v.persistent:
                warnings.append(
                    "only an end card: GB 45438 §5.4 asks for the prompt in the picture from the "
                    "start frame (add a start card or the persistent label)"
                )
            ov = label.overlay
            return VideoPlan(
                fmt=fmt,
                out_format=out_format,
                position=label.position,
                box=ov.box,
                ink_pct=ov.ink_pct,
                timeline=timeline,
                encoder=enc,
                estimate=estimate,
                mode="insert" if v.insert_card and v.cards != "none" else "overlay",
                settings=settings,
                probe=pr,
                label=label,
                warnings=warnings,
            )

    def apply(
        self,
        plan: VideoPlan,
        src: Path,
        dst: Path,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport:
        """Write `src` with the visible video label to `dst` (a fresh temp path)."""
        src, dst = Path(src), Path(dst)
        with _errors(src, dst):
            report = _apply(plan, src, dst, progress or no_progress, cancel or CancelToken())
        report.plan = plan
        return report


def encoder_for(
    pr: Probe, out_format: str, crf: int, timeline: VideoTimeline
) -> tuple[EncoderChoice, WorkEstimate, list[str]]:
    """The encoder (choose_encoder) and the work it costs; a long job (over LONG_JOB_S) gets
    the encoder's faster setting at the same CRF, said in the notes."""
    enc = choose_encoder(pr, out_format, crf)
    notes = [enc.note] if enc.note else []
    estimate = _estimate(pr, enc, out_format, timeline)
    if estimate.seconds > LONG_JOB_S and (quick := faster(enc)) is not None:
        slow, enc = estimate, quick
        estimate = _estimate(pr, enc, out_format, timeline)
        notes.append(
            f"long video: {enc.name} {speed_setting(enc)} instead of {slow.setting} at the same "
            f"quality setting, a somewhat larger file ({estimate.describe()}; the default "
            f"setting needs about {slow.seconds / 60:.0f} min)"
        )
    return enc, estimate, notes


def _estimate(pr: Probe, enc: EncoderChoice, out_format: str, timeline: VideoTimeline):
    """The up-front work estimate, counting only what smart render re-encodes when it applies."""
    schedule = timeline.schedule
    redone = pr.duration
    if SMART_RENDER and not (timeline.before or timeline.after):
        if qualifies(pr, enc, out_format, schedule):
            redone = reencoded_seconds(pr.duration, schedule, GOP_GUESS_S)
    return estimate_work(pr, enc, timeline, redone)


@contextlib.contextmanager
def _errors(src: Path, dst: Path | None):
    """Decoder and muxer errors as the user's one-line reasons; no half-written `dst`."""
    try:
        yield
    except BaseException as exc:
        if dst is not None:
            _remove(dst)
        if isinstance(exc, AigcError) or not isinstance(exc, Exception):
            raise
        if isinstance(exc, MemoryError):
            raise InputTooLarge(f"{src.name}: not enough memory to decode it") from exc
        if isinstance(exc, av.error.FFmpegError):
            if dst is not None and isinstance(exc, OSError) and exc.errno == 28:
                raise OutputError(f"{dst}: disk full") from exc
            raise CorruptFile(f"{src.name}: cannot be decoded or re-encoded ({exc})") from exc
        if isinstance(exc, (OSError, ValueError)):
            raise CorruptFile(f"{src.name}: cannot be decoded or re-encoded ({exc})") from exc
        raise


def apply_explicit(
    src: Path,
    dst: Path,
    info,
    settings: LabelSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExplicitReport | None:
    """plan() then apply(). None when the settings add no visible video label."""
    labeler = VideoLabeler()
    return labeler.label(src, dst, settings, getattr(info, "name", None) or None, progress, cancel)


def _apply(plan: VideoPlan, src: Path, dst: Path, progress, cancel) -> ExplicitReport:
    t0 = time.perf_counter()
    settings = plan.settings
    v = settings.video
    pr, label, enc = plan.probe, plan.label, plan.encoder
    job = VideoJob(src, dst, plan, progress, cancel, warnings=list(plan.warnings))
    warnings = job.warnings
    cancel.raise_if_cancelled()
    progress(FileProgress(str(src), 0.0, plan.estimate.describe()))

    mode = plan.mode
    if mode == "insert":
        stats, shown = insert_cards_run(job)
    else:
        schedule = job.schedule
        # Cards only: re-encode just the GOPs they touch when the stream allows it.
        stats = splice_run(job) if SMART_RENDER else None
        if stats is not None:
            mode = "smart"
        else:
            stats = overlay_run(job)
        shown = schedule.shown_seconds()
    job.check_complete()
    if mode != "insert" and job.schedule.start and pr.duration < job.schedule.start:
        warnings.append(
            f"the video is {pr.duration:.1f} s long: the label shows for all of it, "
            f"not {job.schedule.start:g} s"
            + (" (GB 45438 §5.4 asks for at least 2 s)" if pr.duration < 2.0 else "")
        )
    cancel.raise_if_cancelled()
    ov = label.overlay
    elapsed = time.perf_counter() - t0
    out_bytes = dst.stat().st_size
    out_seconds = pr.duration + (shown * (v.cards.count("+") + 1) if mode == "insert" else 0)
    out_rate = out_bytes * 8 / out_seconds if out_seconds else 0
    measurements: dict = {
        "ink_height_px": ov.ink_height,
        "ink_height_pct": round(ov.ink_pct, 2),
        "position": plan.position,
        "box": plan.box,
        "mode": mode,
        "cards": v.cards,
        "persistent": "yes" if v.persistent else "no",
        "label_seconds": round(shown, 2),
        "frames": stats.frames,
        "labelled_frames": stats.labelled,
        "rotation": pr.orientation.rotation,
        "encoder": enc.name,
        "crf": enc.crf,
        "source_kbps": round(pr.bit_rate / 1000),
        "output_kbps_all_streams": round(out_rate / 1000),
        "fps": round(stats.frames / elapsed, 1) if elapsed > 0 else 0.0,
        "estimated_s": round(plan.estimate.seconds, 2),
        "estimated_reencoded_frames": plan.estimate.encoded_frames,
        "elapsed_s": round(elapsed, 1),
    }
    what = "persistent label" if v.persistent else f"{v.cards} card"
    if mode == "insert":
        what = f"inserted {v.cards} card"
    summary = (
        f"label {settings.visible.resolved_text()!r} {plan.position}, {what} "
        f"{shown:.1f} s, text height {ov.ink_pct:.1f}% of shorter side"
    )
    progress(FileProgress(str(src), 0.95, f"{stats.frames} frames labelled and encoded"))
    return ExplicitReport("video", summary, measurements, warnings)


def render_card_frame(
    src: Path,
    settings: LabelSettings,
    t: float,
    max_side: int = 960,
    plan: VideoPlan | None = None,
) -> Image.Image:
    """The labelled frame at output time `t` as a viewer sees it (rotation applied), drawn by the
    same blend code as the file from the export's `plan` (made here when not given); an inserted
    card shows as the card itself."""
    src = Path(src)
    if plan is None:
        plan = VideoLabeler().plan(src, settings)
    if plan is None:  # no visible label with these settings: the frame as it is
        pr = probe(src)
        return _fit(_frame_at(src, pr, t, max_side), max_side)
    pr, visible = plan.probe, plan.settings.visible
    timeline = plan.timeline
    part, t = timeline.locate(t)
    if part == "start-card":
        return _fit(title_card(_frame_at(src, pr, 0.0, max_side), visible), max_side)
    if part == "end-card":
        last = _frame_at(src, pr, pr.duration, max_side)
        return _fit(title_card(last, visible), max_side)
    opacity = timeline.schedule.opacity(t)
    frame = _decode_at(src, pr, t)
    if opacity > 0:
        if frame.format.name not in PLANAR_YUV:
            frame = frame.reformat(format="yuv420p")
        frame.make_writable()
        blend_into(frame, plan.label.yuv(frame), opacity)
    return _fit(to_display(frame.to_image(), pr.orientation), max_side)


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _decode_at(src: Path, pr: Probe, t: float) -> av.VideoFrame:
    """The frame shown at `t` seconds (the last one starting at or before it)."""
    with open_input(src) as inp:
        vin = inp.streams[pr.stream_index]
        vin.thread_type = "AUTO"
        target = pr.start + max(0.0, min(t, pr.duration))
        with contextlib.suppress(av.error.FFmpegError):
            inp.seek(int(target / pr.time_base), stream=vin, backward=True)
        shown = None
        try:
            for frame in inp.decode(vin):
                if frame.pts is not None and float(frame.pts * pr.time_base) > target + 1e-6:
                    if shown is None:
                        shown = frame
                    break
                shown = frame
        except av.error.FFmpegError as exc:
            raise CorruptFile(f"{src.name}: cannot be decoded at {t:.2f} s ({exc})") from exc
        if shown is None:
            raise CorruptFile(f"{src.name}: no frame at {t:.2f} s")
        return shown


def _frame_at(src: Path, pr: Probe, t: float, max_side: int) -> Image.Image:
    frame = _decode_at(src, pr, t)
    return to_display(frame.to_image(), pr.orientation)
