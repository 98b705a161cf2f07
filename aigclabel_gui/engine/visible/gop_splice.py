"""Smart render for start/end cards on H.264: re-encode only the GOPs the cards touch, copy the rest.

A 60-minute video with a 3 s start card then costs one GOP of encoding plus a remux. The
re-encoded GOPs use their own parameter-set IDs (x264 `sps-id`), and the output's `avcC` carries
both the source's SPS/PPS and ours, so every slice names the set it was coded with and the file
stays a single conforming `avc1` track (ISO/IEC 14496-15 allows several parameter sets).
Boundaries are IDR pictures only: an IDR has no leading pictures, so nothing copied refers to a
re-encoded frame. The re-encoded frames have no B-frames and their DTS are shifted by the source's
own delay at the boundary, so DTS stay increasing across the splice.

Returns None (and writes nothing) when the source does not qualify; the caller then re-encodes all.
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from pathlib import Path

import av

from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.engine.visible.video_blend import blend_into
from aigclabel_gui.engine.visible.video_cards import CardSchedule
from aigclabel_gui.engine.visible.video_encode import (
    PROFILES,
    EncoderChoice,
    add_copied_streams,
    close_quietly,
    copy_container_metadata,
    delay_of,
    open_output,
    prepare_frame,
)
from aigclabel_gui.engine.visible.video_job import RunStats, VideoJob
from aigclabel_gui.engine.visible.video_probe import Probe, open_input

NAL_IDR, NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD = 5, 6, 7, 8, 9
# Not worth it when most of the stream would be re-encoded anyway.
MAX_REENCODED_SHARE = 0.6


class SpliceAbort(Exception):
    """The source turned out not to qualify; nothing usable was written."""


# --- H.264 bitstream helpers (only what the splice needs) -------------------------------------


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte stream (start codes 00 00 01 / 00 00 00 01)."""
    out, i, n = [], 0, len(data)
    starts = []
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    for k, s in enumerate(starts):
        end = starts[k + 1] - 3 if k + 1 < len(starts) else n
        nal = data[s:end].rstrip(b"\x00") if k + 1 < len(starts) else data[s:end]
        if nal:
            out.append(nal)
    return out


def split_avcc(data: bytes, length_size: int) -> list[bytes]:
    out, i = [], 0
    while i + length_size <= len(data):
        n = int.from_bytes(data[i : i + length_size], "big")
        i += length_size
        if n == 0 or i + n > len(data):
            raise SpliceAbort("malformed length-prefixed NAL unit")
        out.append(data[i : i + n])
        i += n
    return out


def first_ue(rbsp: bytes) -> int:
    """The first Exp-Golomb ue(v) of an RBSP (SPS id after 3 bytes, PPS id at the start)."""
    bits = "".join(f"{b:08b}" for b in rbsp[:8])
    zeros = len(bits) - len(bits.lstrip("0"))
    if zeros > 15:
        raise SpliceAbort("unreadable parameter set id")
    return int(bits[zeros : 2 * zeros + 1], 2) - 1


def unescape(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


@dataclass
class AvcC:
    """AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3.1)."""

    profile: int
    compat: int
    level: int
    length_size: int
    sps: list[bytes]
    pps: list[bytes]
    tail: bytes  # chroma/bit-depth fields of High profiles, kept as they are

    @classmethod
    def parse(cls, data: bytes) -> AvcC:
        if len(data) < 7 or data[0] != 1:
            raise SpliceAbort("the H.264 stream has no avcC record")
        pos, sps, pps = 6, [], []
        for _ in range(data[5] & 0x1F):
            (n,) = struct.unpack_from(">H", data, pos)
            sps.append(data[pos + 2 : pos + 2 + n])
            pos += 2 + n
        count = data[pos]
        pos += 1
        for _ in range(count):
            (n,) = struct.unpack_from(">H", data, pos)
            pps.append(data[pos + 2 : pos + 2 + n])
            pos += 2 + n
        return cls(data[1], data[2], data[3], (data[4] & 3) + 1, sps, pps, data[pos:])

    def build(self) -> bytes:
        out = bytearray([1, self.profile, self.compat, self.level])
        out += bytes([0xFC | (self.length_size - 1), 0xE0 | len(self.sps)])
        for s in self.sps:
            out += struct.pack(">H", len(s)) + s
        out.append(len(self.pps))
        for p in self.pps:
            out += struct.pack(">H", len(p)) + p
        return bytes(out) + self.tail

    def ids(self) -> tuple[set[int], set[int]]:
        return (
            {first_ue(unescape(s)[4:]) for s in self.sps},
            {first_ue(unescape(p)[1:]) for p in self.pps},
        )


# --- the splice -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    index: int  # position of the packet in decode order
    pts: int
    dts: int | None  # Matroska stores none


def _index_keyframes(src: Path, pr: Probe, length_size: int, cancel: CancelToken) -> list[Key]:
    """IDR packets of the video stream (a demux pass: no decoding)."""
    keys: list[Key] = []
    with open_input(src) as inp:
        vin = inp.streams[pr.stream_index]
        i = 0
        for packet in inp.demux(vin):
            if packet.size == 0:  # flush packet
                continue
            if packet.is_keyframe and packet.pts is not None:
                if i % 256 == 0:
                    cancel.raise_if_cancelled()
                nals = split_avcc(bytes(packet), length_size)
                if any(n[0] & 0x1F == NAL_IDR for n in nals):
                    keys.append(Key(i, packet.pts, packet.dts))
            i += 1
    return keys


def _make_encoder(
    pr: Probe, enc: EncoderChoice, sps_id: int
) -> av.video.codeccontext.VideoCodecContext:
    ctx = av.CodecContext.create(enc.name, "w")
    ctx.width, ctx.height = pr.coded_size
    ctx.pix_fmt = enc.pix_fmt
    ctx.time_base = pr.time_base
    ctx.framerate = pr.rate or 25
    ctx.color_range = pr.color_range
    ctx.colorspace = pr.colorspace
    ctx.color_primaries = pr.color_primaries
    ctx.color_trc = pr.color_trc
    opts = dict(enc.options)
    profile = PROFILES["libx264"].get(pr.profile or "")
    if profile:
        opts["profile"] = profile
    # Own parameter-set IDs; no B-frames, so decode order = display order inside our GOPs.
    # (HDR10 mastering display / light level from choose_encoder stay in the same option.)
    opts["x264-params"] = ":".join(
        p for p in (opts.get("x264-params", ""), f"sps-id={sps_id}:bframes=0") if p
    )
    ctx.options = opts
    return ctx


def _parameter_sets(pr: Probe, enc: EncoderChoice, sps_id: int) -> tuple[bytes, bytes]:
    """Our encoder's SPS and PPS. They depend only on the settings, not on the pictures, so a
    one-frame encode with the same settings gives the ones the real encodes will use."""
    ctx = _make_encoder(pr, enc, sps_id)
    frame = av.VideoFrame(pr.coded_size[0], pr.coded_size[1], enc.pix_fmt)
    frame.pts = 0
    data = b"".join(bytes(p) for p in ctx.encode(frame) + ctx.encode(None))
    nals = split_annexb(data)
    sps = [n for n in nals if n[0] & 0x1F == NAL_SPS]
    pps = [n for n in nals if n[0] & 0x1F == NAL_PPS]
    if len(sps) != 1 or len(pps) != 1:
        raise SpliceAbort("the encoder did not emit one SPS and one PPS")
    return sps[0], pps[0]


@dataclass(frozen=True)
class _Splice:
    """What every re-encoded segment shares: the source stream, our parameter sets and their
    IDs, the NAL length size of the avcC, and the output stream."""

    job: VideoJob
    vin: av.video.stream.VideoStream
    sps_id: int
    ours: tuple[bytes, bytes]  # our SPS and PPS
    length_size: int
    out: av.container.OutputContainer
    vout: av.video.stream.VideoStream


class _Segment:
    """Decode a run of source packets from an IDR, label, encode, mux as length-prefixed NALs."""

    def __init__(self, sp: _Splice, delay: int):
        codec = sp.vin.codec_context
        self.dec = av.CodecContext.create(codec.name, "r")
        self.dec.extradata = codec.extradata
        self.dec.thread_type = "AUTO"
        self.enc = _make_encoder(sp.job.probe, sp.job.encoder, sp.sps_id)
        self.pix_fmt = sp.job.encoder.pix_fmt
        self.delay, self.length_size, self.ours = delay, sp.length_size, sp.ours
        self.out, self.vout = sp.out, sp.vout

    def feed(self, packet, on_frame) -> None:
        for frame in self.dec.decode(packet):
            frame = on_frame(prepare_frame(frame, self.pix_fmt))
            self._mux(self.enc.encode(frame))

    def finish(self, on_frame) -> None:
        self.feed(None, on_frame)
        self._mux(self.enc.encode(None))

    def _mux(self, packets) -> None:
        for p in packets:
            body = bytearray()
            for nal in split_annexb(bytes(p)):
                t = nal[0] & 0x1F
                if t in (NAL_AUD,):
                    continue
                if t in (NAL_SPS, NAL_PPS):
                    if nal not in self.ours:  # the avcC names these; any other set is a surprise
                        raise SpliceAbort("the encoder changed its parameter sets")
                    continue
                body += len(nal).to_bytes(self.length_size, "big") + nal
            q = av.Packet(bytes(body))
            q.pts = p.pts
            q.dts = p.pts - self.delay  # the source's delay: DTS continue the copied ones
            q.time_base = p.time_base
            if p.is_keyframe:
                q.is_keyframe = True
            q.stream = self.vout
            self.out.mux(q)


def qualifies(pr: Probe, enc: EncoderChoice, out_format: str, schedule: CardSchedule) -> bool:
    """Whether the stream and the cards allow a smart render (the IDRs decide later)."""
    return not (
        pr.codec != "h264"
        or enc.name != "libx264"
        or enc.pix_fmt != pr.pix_fmt
        or out_format not in ("mp4", "mov", "matroska")
        or schedule.persistent
        or not (schedule.start or schedule.end)
        or not pr.duration_known
    )


def reencoded_seconds(duration: float, schedule: CardSchedule, gop_s: float) -> float:
    """Seconds a smart render re-encodes with GOPs of `gop_s`; the whole duration when that is
    more than MAX_REENCODED_SHARE (then the full re-encode is used)."""
    start = min(duration, schedule.last_labelled_time() + gop_s) if schedule.start else 0.0
    end = min(duration, duration - schedule.first_end_time() + gop_s) if schedule.end else 0.0
    redone = min(duration, start + end)
    return duration if redone > MAX_REENCODED_SHARE * duration else redone


def splice_run(job: VideoJob) -> RunStats | None:
    """Label the cards re-encoding only the GOPs they touch; None (nothing written) when the
    source does not qualify."""
    if not qualifies(job.probe, job.encoder, job.out_format, job.schedule):
        return None
    try:
        return _splice(job)
    except SpliceAbort:
        with contextlib.suppress(OSError):
            job.dst.unlink()
        return None


def _splice(job: VideoJob) -> RunStats:
    pr, enc, schedule, cancel = job.probe, job.encoder, job.schedule, job.cancel
    with job.open_input() as inp:
        extradata = inp.streams[pr.stream_index].codec_context.extradata or b""
    avcc = AvcC.parse(extradata)
    sps_ids, pps_ids = avcc.ids()
    sps_id = next(i for i in range(1, 32) if i not in sps_ids and i not in pps_ids)
    keys = _index_keyframes(job.src, pr, avcc.length_size, cancel)
    tb = pr.time_base
    start_ticks = round(pr.start / tb)

    def t_of(k: Key) -> float:
        return float((k.pts - start_ticks) * tb)

    k_start = k_end = None
    if schedule.start:
        after = [k for k in keys if t_of(k) >= schedule.last_labelled_time() - 1e-6]
        if not after:
            raise SpliceAbort("no IDR after the start card")
        k_start = after[0]
    if schedule.end:
        before = [k for k in keys if t_of(k) <= schedule.first_end_time() + 1e-6]
        if not before or (k_start and before[-1].index <= k_start.index):
            raise SpliceAbort("no IDR between the cards")
        k_end = before[-1]
    redone = (t_of(k_start) if k_start else 0.0) + (pr.duration - t_of(k_end) if k_end else 0.0)
    if redone > MAX_REENCODED_SHARE * pr.duration:
        raise SpliceAbort("the cards cover most of the video")

    ours = _parameter_sets(pr, enc, sps_id)
    merged = AvcC(
        avcc.profile,
        avcc.compat,
        max(avcc.level, ours[0][3]),
        avcc.length_size,
        [*avcc.sps, ours[0]],
        [*avcc.pps, ours[1]],
        avcc.tail,
    )
    tick = job.start(pr.duration)
    stats = job.stats
    with job.open_input() as inp:
        vin = inp.streams[pr.stream_index]
        out = open_output(job.dst, job.out_format)
        try:
            copy_container_metadata(inp, out)
            vout = out.add_stream_from_template(vin)
            vout.codec_context.extradata = merged.build()
            for k, v in vin.metadata.items():
                if k.lower() != "encoder":
                    vout.metadata[k] = v
            copies = add_copied_streams(inp, out, vin, job.warnings)
            streams = [vin, *(inp.streams[i] for i in copies)]

            def label(frame: av.VideoFrame) -> av.VideoFrame:
                cancel.raise_if_cancelled()
                t = float(frame.pts * tb) - pr.start
                opacity = schedule.opacity(t)
                if opacity > 0:
                    frame.make_writable()
                    blend_into(frame, job.label.yuv(frame), opacity)
                    stats.labelled += 1
                return frame

            sp = _Splice(job, vin, sps_id, ours, avcc.length_size, out, vout)

            def segment(key: Key) -> _Segment:
                return _Segment(sp, delay_of(key.pts, key.dts))

            first = keys[0] if keys else None
            seg = segment(first) if k_start and first else None
            if k_start and (first is None or first.index != 0):
                raise SpliceAbort("the stream does not start with an IDR")
            if seg is not None:
                seg.delay = delay_of(k_start.pts, k_start.dts)
            i = 0
            for packet in inp.demux(streams):
                if packet.stream.index != vin.index:
                    if packet.size == 0:
                        continue
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
                    continue
                if packet.size == 0:  # end of stream
                    if seg is not None:
                        seg.finish(label)
                        seg = None
                    continue
                if k_start is not None and i == k_start.index and seg is not None:
                    seg.finish(label)
                    seg = None
                if k_end is not None and i == k_end.index:
                    seg = segment(k_end)
                if seg is not None:
                    seg.feed(packet, label)
                else:
                    if i % 64 == 0:
                        cancel.raise_if_cancelled()
                    packet.stream = vout
                    out.mux(packet)
                if packet.pts is not None:
                    stats.last_time = max(stats.last_time, float(packet.pts * tb) - pr.start)
                stats.frames += 1
                i += 1
                tick(stats.last_time, stats.frames)
        except BaseException:
            close_quietly(out)  # the original error matters, not the muxer's
            raise
        out.close()
    return stats
