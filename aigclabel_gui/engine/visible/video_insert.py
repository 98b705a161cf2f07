"""Inserted title cards (GB 45438 §5.4 "at the start ... may also be at the end"): an N-second card
before and/or after the programme — the label large over a blurred first/last frame — with the
programme shifted by N s, the audio padded with silence and re-encoded, subtitles shifted.

The duration grows by N s per card, so audio packets cannot be copied as they are.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction

import av
import numpy as np
from PIL import Image

from aigclabel_gui.engine.visible.render import inverse_transpose
from aigclabel_gui.engine.visible.video_blend import blend_into
from aigclabel_gui.engine.visible.video_cards import card_frames, title_card
from aigclabel_gui.engine.visible.video_encode import (
    EncoderChoice,
    add_video_output,
    close_quietly,
    copy_container_metadata,
    open_output,
    prepare_frame,
)
from aigclabel_gui.engine.visible.video_job import RunStats, VideoJob
from aigclabel_gui.engine.visible.video_probe import Probe, to_display

# Source audio codec -> encoder (the native Vorbis encoder is experimental: Opus replaces it).
AUDIO_ENCODER = {
    "aac": "aac",
    "opus": "libopus",
    "mp3": "libmp3lame",
    "flac": "flac",
    "vorbis": "libopus",
    "ac3": "ac3",
    "eac3": "eac3",
    "alac": "alac",
}


def _audio_encoder(codec: str, out_format: str) -> str:
    if codec.startswith("pcm_") and out_format in ("mov", "matroska"):
        return codec
    name = AUDIO_ENCODER.get(codec)
    if out_format == "webm":
        return "libopus"
    return name or "aac"


class _AudioTrack:
    """One audio stream: decoded, laid end to end after `lead` s of silence, re-encoded."""

    def __init__(self, out, ain, out_format: str, lead: float, warnings: list[str]):
        ctx = ain.codec_context
        name = _audio_encoder(ctx.name, out_format)
        if name != ctx.name and AUDIO_ENCODER.get(ctx.name) != name:
            warnings.append(f"audio {ctx.name} re-encoded as {name}")
        rate = ctx.sample_rate
        if name == "libopus" and rate not in (8000, 12000, 16000, 24000, 48000):
            rate = 48000
        self.stream = out.add_stream(name, rate=rate)
        self.stream.layout = ctx.layout.name
        if ctx.bit_rate and name not in ("flac", "alac") and not name.startswith("pcm_"):
            self.stream.bit_rate = ctx.bit_rate
        for k, v in ain.metadata.items():
            if k.lower() != "encoder":
                self.stream.metadata[k] = v
        self.stream.disposition = ain.disposition
        self.rate = rate
        self.layout = ctx.layout.name
        self.samples = 0
        self.lead = lead
        self.resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=rate)

    def _emit(self, out, frame: av.AudioFrame) -> None:
        frame.pts = self.samples
        frame.time_base = Fraction(1, self.rate)
        self.samples += frame.samples
        out.mux(self.stream.encode(frame))

    def silence(self, out, seconds: float) -> None:
        left = round(seconds * self.rate)
        channels = av.AudioLayout(self.layout).nb_channels
        while left > 0:
            n = min(left, 1024)
            frame = av.AudioFrame.from_ndarray(
                np.zeros((channels, n), np.float32), format="fltp", layout=self.layout
            )
            frame.sample_rate = self.rate
            self._emit(out, frame)
            left -= n

    def feed(self, out, frame: av.AudioFrame | None) -> None:
        if self.lead:
            self.silence(out, self.lead)
            self.lead = 0.0
        for f in self.resampler.resample(frame):
            self._emit(out, f)

    def close(self, out, tail: float) -> None:
        self.feed(out, None)
        if tail:
            self.silence(out, tail)
        out.mux(self.stream.encode(None))


def _card_frames(card: Image.Image, pr: Probe, enc: EncoderChoice, count: int, first_pts: int):
    """`count` encoder-ready frames of the still card, at the programme's frame rate."""
    back = pr.orientation.to_display
    if back is not None:  # the card is drawn upright; store it in the coded orientation
        card = card.transpose(inverse_transpose(back))
    base = av.VideoFrame.from_image(card.convert("RGB"))
    space = (
        pr.colorspace if pr.colorspace in (1, 5, 6, 9) else (1 if pr.coded_size[1] >= 720 else 5)
    )
    step = 1 / ((pr.rate or 25) * pr.time_base)
    for k in range(count):
        # A fresh frame each time: the encoder may still hold the previous one.
        frame = base.reformat(
            format=enc.pix_fmt, dst_colorspace=space, dst_color_range=pr.color_range or 1
        )
        frame.pts = first_pts + round(k * step)
        frame.time_base = pr.time_base
        frame.color_range = pr.color_range
        frame.colorspace = pr.colorspace
        if k == 0:
            frame.pict_type = av.video.frame.PictureType.I  # a clean start for the card
        yield frame


def insert_cards_run(job: VideoJob) -> tuple[RunStats, float]:
    """Write the programme with title cards before/after it; (stats, seconds of one card)."""
    pr, enc, cancel, out_format, warnings = (
        job.probe, job.encoder, job.cancel, job.out_format, job.warnings
    )  # fmt: skip
    v = job.settings.video
    visible = job.settings.visible
    at_start = v.cards in ("start", "start+end")
    at_end = v.cards in ("end", "start+end")
    rate = pr.rate or Fraction(25)
    # Whole frames: the card lasts at least N s (as in the plan's timeline).
    count, card_len = card_frames(v.card_seconds, rate)
    tb = pr.time_base
    start_ticks = round(pr.start / tb)
    offset = round(card_len / tb) if at_start else 0
    tick = job.start(pr.duration + card_len * (at_start + at_end))
    stats = job.stats
    display_size = pr.display_size

    def upright(img: Image.Image) -> Image.Image:
        return img.resize(display_size, Image.Resampling.BILINEAR)

    with job.open_input() as inp:
        vin = inp.streams[pr.stream_index]
        vin.thread_type = "AUTO"
        out = open_output(job.dst, out_format)
        try:
            copy_container_metadata(inp, out)
            with contextlib.suppress(AttributeError, av.error.FFmpegError, ValueError):
                chapters = inp.chapters()
                if chapters and at_start:  # chapters follow the programme
                    for c in chapters:
                        shift = round(card_len / c["time_base"])
                        c["start"] += shift
                        c["end"] += shift
                    out.set_chapters(chapters)
            vout = add_video_output(out, vin, pr, enc)
            audio: dict[int, _AudioTrack] = {}
            copies: dict[int, av.stream.Stream] = {}
            for s in inp.streams:
                if s.index == vin.index:
                    continue
                if s.type == "audio":
                    audio_start = float((s.start_time or 0) * s.time_base) if s.time_base else 0
                    gap = max(0.0, audio_start - pr.start)
                    lead = (card_len if at_start else 0.0) + gap
                    audio[s.index] = _AudioTrack(out, s, out_format, lead, warnings)
                elif s.type in ("subtitle", "data"):
                    try:
                        copies[s.index] = out.add_stream_from_template(s)
                    except (ValueError, av.error.FFmpegError, TypeError) as exc:
                        warnings.append(f"stream #{s.index} ({s.type}) could not be copied: {exc}")
                else:
                    warnings.append(f"stream #{s.index} ({s.type}) was dropped")

            def encode(frame: av.VideoFrame) -> None:
                out.mux(vout.encode(frame))
                stats.frames += 1
                tick(float((frame.pts - start_ticks) * tb), stats.frames)

            if at_start:
                card = title_card(upright(pr.first_frame), visible)
                for frame in _card_frames(card, pr, enc, count, start_ticks):
                    cancel.raise_if_cancelled()
                    encode(frame)
                    stats.labelled += 1
            last_frame = None
            last_pts = start_ticks + offset
            for packet in inp.demux():
                idx = packet.stream.index
                if idx in audio:
                    for af in packet.decode():
                        audio[idx].feed(out, af)
                    continue
                if idx in copies:
                    if packet.size == 0:
                        continue
                    shift = round(card_len / packet.time_base) if at_start else 0
                    if packet.pts is not None:
                        packet.pts += shift
                    if packet.dts is not None:
                        packet.dts += shift
                    packet.stream = copies[idx]
                    out.mux(packet)
                    continue
                if idx != vin.index:
                    continue
                for frame in vin.decode(packet):
                    cancel.raise_if_cancelled()
                    if frame.pts is None:
                        frame.pts = last_pts - offset + 1
                    last_frame = frame
                    frame = prepare_frame(frame, enc.pix_fmt)
                    frame.pts += offset
                    last_pts = frame.pts
                    if v.persistent:
                        frame.make_writable()
                        blend_into(frame, job.label.yuv(frame), 1.0)
                        stats.labelled += 1
                    encode(frame)
                    stats.last_time = float((frame.pts - offset - start_ticks) * tb)
            if at_end:
                if last_frame is None:
                    raise av.error.InvalidDataError(0, "no video frame")
                still = to_display(last_frame.to_image(), pr.orientation)
                card = title_card(still, visible)
                step = round(1 / (rate * tb))
                for frame in _card_frames(card, pr, enc, count, last_pts + step):
                    cancel.raise_if_cancelled()
                    encode(frame)
                    stats.labelled += 1
            out.mux(vout.encode(None))
            for track in audio.values():
                track.close(out, card_len if at_end else 0.0)
        except BaseException:
            close_quietly(out)  # the original error matters, not the muxer's
            raise
        out.close()
    return stats, card_len
