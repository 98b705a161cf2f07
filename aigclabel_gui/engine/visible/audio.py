"""The audible label on audio (GB 45438 §5.3): a voice prompt or the Morse rhythm of "AI" at the
start, the end, both, or a given time, with silence around it, levelled to the programme.

Output keeps the input's format, sample rate and layout. WAV: byte splice; FLAC/ALAC: lossless
re-encode (programme samples bit-exact); MP3: prompt frames joined, programme not re-encoded;
AAC/Vorbis/Opus: re-encoded at the source's bitrate. Tags are carried over."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import numpy as np
from mutagen import MutagenError
from mutagen.flac import FLAC
from mutagen.mp4 import MP4

from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.registry import FormatInfo
from aigclabel_gui.engine.settings import DEFAULT_LONG_TEXT, LabelSettings
from aigclabel_gui.engine.visible.audio_codecs import refuse_undecodable, refuse_unwritable
from aigclabel_gui.engine.visible.audio_detect import prompts_already_there
from aigclabel_gui.engine.visible.audio_mp3 import DECODER_DELAY, ENCODER_DELAY, join_mp3
from aigclabel_gui.engine.visible.audio_pcm import reencode, splice_wav
from aigclabel_gui.engine.visible.audio_plan import (
    AudioPlan,
    AudioProbe,
    Insert,
    measure_programme,
    output_segments,
    plan_audio,
    prompt_positions,
)
from aigclabel_gui.engine.visible.audio_prompt import level_prompt, load_prompt
from aigclabel_gui.engine.visible.audio_tags import copy_tags
from aigclabel_gui.engine.visible.base import ExplicitReport, Labeler, format_name

__all__ = ["AudioLabeler", "apply_explicit", "load_prompt", "prompt_positions"]


class AudioLabeler(Labeler):
    """GB 45438 §5.3: a voice or rhythm prompt at the start, the end, both, or a given time."""

    kind: ClassVar[str] = "audio"
    formats: ClassVar[tuple[str, ...]] = ("mp3", "wav", "flac", "ogg", "opus", "oggflac", "m4a")

    def plan(self, path: Path, settings: LabelSettings, fmt: str | None = None) -> AudioPlan | None:
        if not settings.audio.enabled:
            return None
        path = Path(path)
        fmt = format_name(path, fmt)
        refuse_undecodable(path)  # AC-4, MPEG-H: say which codec (not "damaged")
        plan = plan_audio(path, fmt, settings.audio)
        refuse_unwritable(path, fmt, plan.probe.codec)  # DTS: before any decoding
        return plan

    def apply(
        self,
        plan: AudioPlan,
        src: Path,
        dst: Path,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport:
        """Write `src` with the audible prompt to `dst`. On any failure `dst` is removed."""
        try:
            report = _apply(plan, Path(src), Path(dst), progress or no_progress,
                            cancel or CancelToken())  # fmt: skip
        except BaseException:
            with contextlib.suppress(OSError):
                Path(dst).unlink()
            raise
        report.plan = plan
        return report


def apply_explicit(
    src: Path,
    dst: Path,
    info: FormatInfo | None,
    settings: LabelSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExplicitReport | None:
    """plan() then apply(). None when the audible prompt is off."""
    labeler = AudioLabeler()
    return labeler.label(
        src, dst, settings, info.name if info is not None else None, progress, cancel
    )


def _source_bits(src: Path, fmt_name: str) -> int:
    """Stored bits per sample of lossless audio (24-bit decodes to s32 like 32-bit does)."""
    try:
        if fmt_name == "flac":
            return FLAC(src).info.bits_per_sample
        if fmt_name == "m4a":
            return getattr(MP4(src).info, "bits_per_sample", 0) or 0
    except (MutagenError, OSError):
        pass
    return 0


def _apply(
    plan: AudioPlan,
    src: Path,
    dst: Path,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> ExplicitReport:
    a, probe, fmt = plan.audio, plan.probe, plan.fmt
    rate, nch = probe.sample_rate, probe.channels
    inserts = list(plan.inserts)
    # Re-labelling: a prompt already at the start/end (an earlier label) is not added again.
    there = prompts_already_there(src, probe, a, inserts)
    kept_notes = [
        f"an audible AI prompt is already at the {'start' if inserts[k].at == 0 else 'end'}; "
        "not added again"
        for k in there
    ]
    inserts = [ins for k, ins in enumerate(inserts) if k not in there]
    if not inserts:
        shutil.copyfile(src, dst)  # the explicit label is there already: the audio is unchanged
        return ExplicitReport(
            kind="audio",
            summary="existing audible prompt kept; audio unchanged",
            measurements={"prompt": "existing", "prompt_s": 0.0, "added_s": 0.0, "method": "kept"},
            warnings=kept_notes,
        )
    measured = measure_programme(src, probe, inserts)
    progress(FileProgress(str(src), 0.05, "prompt"))
    lev = level_prompt(plan.prompt, rate, measured.level_db)
    gap = np.zeros((nch, round(a.gap_ms * rate / 1000)), np.float32)

    def segment(ins: Insert) -> np.ndarray:
        parts = [gap] if ins.gap_before else []
        parts.append(lev.samples)
        if ins.gap_after:
            parts.append(gap)
        return np.concatenate(parts, axis=1)

    notes: list[str] = kept_notes + ([lev.note] if lev.note else [])
    cancel.raise_if_cancelled()
    if fmt == "mp3":
        res = join_mp3(src, dst, probe, inserts, segment, progress, cancel)
        how, notes = res.how, notes + res.notes
        at = [
            (f * res.spf + ENCODER_DELAY + DECODER_DELAY - res.skip) / rate
            + (a.gap_ms / 1000 if i.gap_before else 0.0)
            for f, i in zip(res.prompt_frames, inserts, strict=True)
        ]
        added = res.added_frames * res.spf / rate
    else:
        # A middle cut moves to the quietest sample nearby: no click, samples untouched.
        inserts = [replace(i, at=measured.cuts.get(i.at, i.at)) for i in inserts]
        if fmt == "wav":
            splice_wav(src, dst, inserts, segment, progress, cancel)
            how = "PCM spliced, programme bytes unchanged"
        else:
            bits = _source_bits(src, fmt)
            how = reencode(src, dst, fmt, probe, bits, inserts, segment, progress, cancel)
            notes += copy_tags(src, dst, fmt)
        at = _pcm_positions(inserts, probe, gap.shape[1], lev.samples.shape[1])
        added = sum(segment(i).shape[1] for i in inserts) / rate
    progress(FileProgress(str(src), 0.95, "audio written"))
    return _report(a, probe, lev, measured.level_db, at, added, how, notes)


def _pcm_positions(
    inserts: list[Insert], probe: AudioProbe, gap_n: int, prompt_n: int
) -> list[float]:
    rate = probe.sample_rate
    total = round(probe.duration_s * rate) / rate
    segs = output_segments(inserts, total, prompt_n / rate, gap_n / rate, rate)
    return [s.start for s in segs if s.kind == "prompt"]


def _report(a, probe, lev, programme_db, at, added, how, notes) -> ExplicitReport:
    if a.prompt == "rhythm":
        what = 'rhythm prompt (Morse "AI" · – · ·)'
    elif a.prompt == "voice":
        what = f"voice prompt “{DEFAULT_LONG_TEXT.get(a.language, DEFAULT_LONG_TEXT['zh'])}”"
    else:
        what = f"prompt {Path(a.prompt).name}"
    prompt_s = lev.samples.shape[1] / probe.sample_rate
    where = ", ".join(f"{t:.2f} s" for t in at)
    prog = "silent" if programme_db is None else f"{programme_db:.1f} dBFS"
    summary = (
        f"{what}, {prompt_s:.2f} s, at {where}; level {lev.level_db:.1f} dBFS "
        f"(programme {prog}), peak {lev.peak_db:.1f} dBFS; {how}"
    )
    return ExplicitReport(
        kind="audio",
        summary=summary,
        measurements={
            "prompt": a.prompt if a.prompt in ("voice", "rhythm") else "file",
            "prompt_s": round(prompt_s, 4),
            "prompt_at_s": tuple(round(t, 4) for t in at),
            "added_s": round(added, 4),
            "gap_ms": float(a.gap_ms),
            "programme_level_dbfs": "silent" if programme_db is None else round(programme_db, 2),
            "prompt_level_dbfs": round(lev.level_db, 2),
            "prompt_peak_dbfs": round(lev.peak_db, 2),
            "method": how,
        },
        warnings=notes,
    )
