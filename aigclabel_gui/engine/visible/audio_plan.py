"""Where the audible prompt goes and how loud: probe the programme, place the prompt (GB 45438
§5.3: start, end, or the middle), and measure the programme's level near each place."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import av
import numpy as np

from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.settings import AudioSettings
from aigclabel_gui.engine.visible.audio_prompt import _block_powers, frame_to_float, gated_level_db

MAX_CHANNELS = 8  # 7.1; more is a production stem set, not a programme to label
MAX_RATE = 768_000
WINDOW_S = 20.0  # programme measured over this much audio around each prompt
CUT_SEARCH_S = 0.010  # a middle cut moves up to 10 ms to the quietest sample: no click


@dataclass(frozen=True)
class AudioProbe:
    codec: str  # decoder name: "flac", "mp3float", "aac", "pcm_s24le", ...
    sample_rate: int
    layout: str
    channels: int
    sample_format: str  # what the decoder outputs: "s16", "s32", "fltp", ...
    bit_rate: int  # bits/s, 0 when unknown
    duration_s: float
    start_s: float  # the stream's first timestamp (AAC/MP3 priming is already skipped)


@dataclass(frozen=True)
class Insert:
    """One prompt: before programme sample `at` (None: after the last), with silence around it."""

    at: int | None
    gap_before: bool
    gap_after: bool
    requested_s: float


def probe_audio(path: Path) -> AudioProbe:
    name = path.name
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            if not c.streams.audio:
                raise CorruptFile(f"{name}: no audio stream")
            st = c.streams.audio[0]
            cc = st.codec_context
            # FFmpeg opens no codec context for a stream it cannot decode (e.g. 0 bits per sample).
            if cc is None or not cc.sample_rate or not cc.layout or not cc.layout.nb_channels:
                raise CorruptFile(f"{name}: the audio stream has no sample rate or channels")
            if cc.layout.nb_channels > MAX_CHANNELS:
                raise UnsupportedFormat(
                    f"{name}: {cc.layout.nb_channels} channels; audio labels support up to 8 (7.1)"
                )
            if cc.sample_rate > MAX_RATE:
                raise UnsupportedFormat(f"{name}: sample rate {cc.sample_rate} Hz is above 768 kHz")
            if st.duration is not None and st.time_base:
                duration = float(st.duration * st.time_base)
            elif c.duration is not None:
                duration = c.duration / 1_000_000
            else:
                duration = -1.0
            start = float(st.start_time * st.time_base) if st.start_time and st.time_base else 0.0
            fmt = cc.format.name if cc.format else ""
            bit_rate = cc.bit_rate or st.bit_rate or c.bit_rate or 0
            probe = AudioProbe(
                codec=cc.name,
                sample_rate=cc.sample_rate,
                layout=cc.layout.name,
                channels=cc.layout.nb_channels,
                sample_format=fmt,
                bit_rate=int(bit_rate),
                duration_s=duration,
                start_s=start,
            )
            if not bit_rate or (st.codec_context.name in ("opus", "libopus", "vorbis")):
                bit_rate = _packet_bit_rate(c, st, duration) or bit_rate
            probe = replace(probe, bit_rate=int(bit_rate))
            if duration < 0:  # no duration in the headers: count the samples once
                n = sum(f.samples for f in c.decode(st))
                probe = _replace_duration(probe, n / cc.sample_rate)
    except av.FFmpegError as exc:
        raise CorruptFile(f"{name}: cannot read the audio ({exc.strerror or exc})") from None
    if probe.duration_s <= 0:
        raise CorruptFile(f"{name}: the audio has no samples (zero length)")
    return probe


def _packet_bit_rate(c, st, duration: float) -> int:
    """The audio bitrate from packet sizes (demux only, no decoding): Ogg carries no reliable
    bitrate, and the container's figure counts headers and tags (cover art!) too."""
    if duration <= 0:
        return 0
    total = sum(p.size for p in c.demux(st) if p.size)
    c.seek(0)
    return round(total * 8 / duration)


def _replace_duration(p: AudioProbe, seconds: float) -> AudioProbe:
    return replace(p, duration_s=seconds)


def parse_position(position: str) -> str | float:
    if position in ("start", "end", "start+end"):
        return position
    return float(position)


def plan_inserts(position: str, probe: AudioProbe) -> list[Insert]:
    """The inserts in programme order. A middle time beyond the end becomes "end"."""
    return inserts_for(position, probe.duration_s, probe.sample_rate)


def inserts_for(position: str, duration_s: float, rate: int) -> list[Insert]:
    """start: prompt, gap, programme; end: programme, gap, prompt; SECONDS: the programme up to
    there, gap, prompt, gap, the rest (the writer may move a middle cut ≤ 10 ms to a quiet
    sample)."""
    pos = parse_position(position)
    if isinstance(pos, float):
        if pos <= 0:
            pos = "start"
        elif pos >= duration_s:
            pos = "end"
        else:
            return [Insert(round(pos * rate), True, True, pos)]
    ins = []
    if pos in ("start", "start+end"):
        ins.append(Insert(0, False, True, 0.0))
    if pos in ("end", "start+end"):
        ins.append(Insert(None, True, False, duration_s))
    return ins


@dataclass(frozen=True)
class Segment:
    """One stretch of the labelled output: programme audio or a prompt (gaps lie between)."""

    kind: str  # "audio" | "prompt"
    start: float  # output timeline, seconds
    end: float
    source_start: float  # programme time where this stretch starts (audio) or is inserted


def output_segments(
    inserts: list[Insert], duration_s: float, prompt_s: float, gap_s: float, rate: int
) -> list[Segment]:
    """The labelled output in order, from the same inserts the writer splices: the one layout
    used for the report's prompt times and for the GUI's timeline."""
    segs: list[Segment] = []
    out_t = src_t = 0.0
    for ins in inserts:
        at = duration_s if ins.at is None else ins.at / rate
        if at > src_t:
            segs.append(Segment("audio", out_t, out_t + at - src_t, src_t))
            out_t, src_t = out_t + at - src_t, at
        out_t += gap_s if ins.gap_before else 0.0
        segs.append(Segment("prompt", out_t, out_t + prompt_s, src_t))
        out_t += prompt_s + (gap_s if ins.gap_after else 0.0)
    if src_t < duration_s:
        segs.append(Segment("audio", out_t, out_t + duration_s - src_t, src_t))
    return segs


def prompt_positions(
    duration_s: float, prompt_s: float, settings: AudioSettings, rate: int = 48000
) -> list[float]:
    """Where the prompts start in the labelled output, in seconds."""
    inserts = inserts_for(settings.position, duration_s, rate)
    segs = output_segments(inserts, duration_s, prompt_s, settings.gap_ms / 1000.0, rate)
    return [s.start for s in segs if s.kind == "prompt"]


@dataclass
class AudioPlan:
    """Where the audible prompt goes (GB 45438 §5.3), in the programme's samples and seconds, and
    the labelled output's layout: what the writer splices and what the GUI's timeline draws."""

    kind: ClassVar[str] = "audio"
    fmt: str
    audio: AudioSettings
    probe: AudioProbe
    inserts: tuple[Insert, ...]  # programme order; `at` in samples at probe.sample_rate
    prompt_s: float  # the unlevelled prompt's length at the programme's rate
    gap_s: float
    layout: tuple[Segment, ...]  # the output timeline, seconds
    prompt: np.ndarray = field(compare=False, repr=False)  # (channels, n) float32, unlevelled
    warnings: list[str] = field(default_factory=list)

    @property
    def inserts_s(self) -> tuple[float, ...]:
        """Programme seconds before which each prompt goes (the end: the duration)."""
        rate = self.probe.sample_rate
        return tuple(self.probe.duration_s if i.at is None else i.at / rate for i in self.inserts)

    @property
    def prompt_at_s(self) -> tuple[float, ...]:
        """Prompt starts on the output timeline, seconds."""
        return tuple(s.start for s in self.layout if s.kind == "prompt")

    @property
    def total_s(self) -> float:
        return self.layout[-1].end if self.layout else self.probe.duration_s


def plan_audio(path: Path, fmt: str, settings: AudioSettings) -> AudioPlan:
    """Probe the programme and place the prompt; nothing is decoded beyond the probe."""
    from aigclabel_gui.engine.visible.audio_prompt import prompt_samples

    probe = probe_audio(path)
    if fmt == "mp3" and not probe.codec.startswith("mp3"):
        raise UnsupportedFormat(f"{path.name}: {probe.codec} audio, not MP3")
    rate = probe.sample_rate
    inserts = plan_inserts(settings.position, probe)
    prompt = prompt_samples(settings, rate, probe.layout)
    gap_n = round(settings.gap_ms * rate / 1000)
    total = round(probe.duration_s * rate) / rate
    layout = output_segments(inserts, total, prompt.shape[1] / rate, gap_n / rate, rate)
    return AudioPlan(
        fmt=fmt,
        audio=settings,
        probe=probe,
        inserts=tuple(inserts),
        prompt_s=prompt.shape[1] / rate,
        gap_s=gap_n / rate,
        layout=tuple(layout),
        prompt=prompt,
    )


@dataclass
class Measured:
    level_db: float | None  # the programme's speech-band gated level near the prompts
    cuts: dict[int, int]  # requested middle sample -> the quiet sample chosen


def _windows(inserts: list[Insert], duration: float) -> list[tuple[float, float]]:
    out = []
    for ins in inserts:
        if ins.at == 0:
            out.append((0.0, min(WINDOW_S, duration)))
        elif ins.at is None:
            out.append((max(0.0, duration - WINDOW_S), duration))
        else:
            t = ins.requested_s
            out.append((max(0.0, t - WINDOW_S / 2), min(duration, t + WINDOW_S / 2)))
    return out


def decode_span(c, st, probe: AudioProbe, t0: float, t1: float) -> tuple[np.ndarray, int] | None:
    """Decode stream `st` of the open container `c` from where it stands (the caller seeks) until
    t1 seconds of programme: the float samples (channels × n) and the sample index of the first
    one; frames that end before t0 are skipped. None when nothing was decoded."""
    rate = probe.sample_rate
    chunks, first = [], None
    for frame in c.decode(st):
        ft = (frame.time if frame.time is not None else 0.0) - probe.start_s
        if ft + frame.samples / rate < t0:
            continue
        if first is None:
            first = round(ft * rate)
        chunks.append(frame_to_float(frame))
        if ft >= t1:
            break
    return (np.concatenate(chunks, axis=1), first) if chunks else None


def measure_programme(path: Path, probe: AudioProbe, inserts: list[Insert]) -> Measured:
    """Decode only the audio around each prompt (seeking), never the whole programme."""
    rate = probe.sample_rate
    powers: list[np.ndarray] = []
    cuts: dict[int, int] = {}
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            st = c.streams.audio[0]
            fresh = True  # nothing decoded yet: no seek needed for a window at the start
            for ins, (t0, t1) in zip(inserts, _windows(inserts, probe.duration_s), strict=True):
                if not fresh or t0 > 1.0:
                    target = (t0 if t0 > 1.0 else 0.0) + probe.start_s
                    c.seek(int(target / st.time_base), stream=st, backward=True)
                fresh = False
                span = decode_span(c, st, probe, t0, t1)
                if span is None:
                    continue
                x, first = span
                lo, hi = round(t0 * rate) - first, round(t1 * rate) - first
                powers.append(_block_powers(x[:, max(lo, 0) : max(hi, 0)], rate))
                if ins.at not in (0, None):
                    cuts[ins.at] = _quiet_cut(x, first, ins.at, rate)
    except av.FFmpegError as exc:
        raise CorruptFile(f"{path.name}: cannot decode the audio ({exc.strerror or exc})") from None
    level = gated_level_db(np.concatenate(powers)) if powers else None
    return Measured(level, cuts)


def _quiet_cut(x: np.ndarray, first: int, at: int, rate: int) -> int:
    """The sample within ±10 ms of `at` where the programme is quietest: cutting there does not
    click, and the programme's samples are not touched (no fade needed on lossless audio)."""
    r = round(CUT_SEARCH_S * rate)
    lo, hi = max(at - r - first, 0), min(at + r - first, x.shape[1])
    if hi <= lo:
        return at
    env = np.abs(x[:, lo:hi]).max(axis=0)
    return first + lo + int(np.argmin(env))
