"""Probing a video before labelling it: the stream, its geometry and orientation (display matrix),
colour description, HDR metadata, timing, and a small upright first frame.

A leaf of the video pipeline (see video_job.VideoJob): it imports no other video module.
"""

from __future__ import annotations

import contextlib
import re
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.visible.dolby_vision import DolbyVision, read_dolby_vision
from aigclabel_gui.engine.visible.render import LabelOverlay, overlay_to_stored

T = Image.Transpose
MAX_PIXELS = 8192 * 8192  # a larger frame is not a phone or camera video: refuse, not thrash
# Frame side data a re-encode does not carry, and what the result should say about it.
_DYNAMIC_HDR = {
    "DOVI_METADATA": "Dolby Vision",
    "DOVI_RPU_BUFFER": "Dolby Vision",
    "DYNAMIC_HDR_PLUS": "HDR10+",
    "DYNAMIC_HDR_VIVID": "HDR Vivid",
}


# --- orientation (display matrix) -------------------------------------------------------------

# Signs of the display matrix's 2x2 part (a, b, c, d) -> the transpose that turns the coded
# picture into the displayed one. FFmpeg: (x', y') = (a·x + c·y, b·x + d·y), y pointing down.
_DISPLAY_OP = {
    (1, 0, 0, 1): None,
    (0, -1, 1, 0): T.ROTATE_90,
    (-1, 0, 0, -1): T.ROTATE_180,
    (0, 1, -1, 0): T.ROTATE_270,
    (-1, 0, 0, 1): T.FLIP_LEFT_RIGHT,
    (1, 0, 0, -1): T.FLIP_TOP_BOTTOM,
    (0, 1, 1, 0): T.TRANSPOSE,
    (0, -1, -1, 0): T.TRANSVERSE,
}


@dataclass(frozen=True)
class Orientation:
    matrix: tuple[int, ...] | None  # the 9 int32 of FFmpeg's display matrix, as stored
    to_display: Image.Transpose | None  # coded picture -> as viewed
    rotation: int = 0  # counter-clockwise degrees, as ffprobe reports it

    @property
    def swaps_axes(self) -> bool:
        return self.to_display in (T.ROTATE_90, T.ROTATE_270, T.TRANSPOSE, T.TRANSVERSE)


def orientation_of(frame: av.VideoFrame) -> tuple[Orientation, str | None]:
    """The display matrix the decoder attached to the frame (from the stream's side data)."""
    for sd in frame.side_data:
        if sd.type == av.sidedata.sidedata.Type.DISPLAYMATRIX:
            m = tuple(int(v) for v in np.frombuffer(bytes(sd), np.int32)[:9])
            key = tuple(int(round(v / 65536)) for v in (m[0], m[1], m[3], m[4]))
            if key not in _DISPLAY_OP:
                return Orientation(m, None, 0), (
                    f"the display matrix rotates by {frame.rotation}°: the label is drawn "
                    "unrotated (only multiples of 90° are supported)"
                )
            return Orientation(m, _DISPLAY_OP[key], int(frame.rotation)), None
    return Orientation(None, None, 0), None


def to_coded(ov: LabelOverlay, orient: Orientation) -> LabelOverlay:
    """The overlay rendered for the displayed picture, turned into the coded picture's grid, so
    the player's rotation makes it upright again."""
    return overlay_to_stored(ov, orient.to_display)


def to_display(image: Image.Image, orient: Orientation) -> Image.Image:
    return image.transpose(orient.to_display) if orient.to_display is not None else image


# --- probing ----------------------------------------------------------------------------------


@dataclass
class Probe:
    """What the pipeline needs to know before the first packet is written."""

    format_name: str
    stream_index: int
    codec: str
    coded_size: tuple[int, int]
    display_size: tuple[int, int]
    pix_fmt: str
    colorspace: int
    color_range: int
    color_primaries: int
    color_trc: int
    time_base: Fraction
    rate: Fraction | None
    start: float  # seconds, first frame's time
    duration: float  # seconds, of the video stream (the container's when the stream has none)
    duration_known: bool  # the video stream states its own length (truncation can be checked)
    bit_rate: int
    profile: str | None
    orientation: Orientation
    first_frame: Image.Image  # upright, small: for auto placement and inserted cards
    warnings: list[str] = field(default_factory=list)
    dynamic_hdr: tuple[str, ...] = ()  # Dolby Vision / HDR10+ metadata on the frames
    dolby_vision: DolbyVision | None = None  # the stream's dvcC/dvvC record, read once here
    # HDR10 static metadata of the first frame, in x265/x264 units: "G(x,y)B(x,y)R(x,y)WP(x,y)
    # L(max,min)" (chromaticity in 1/50000, luminance in 1/10000 cd/m²) and (MaxCLL, MaxFALL).
    master_display: str | None = None
    content_light: tuple[int, int] | None = None


def open_input(src: Path) -> av.container.InputContainer:
    try:
        return av.open(str(src), metadata_errors="ignore")
    except av.error.FileNotFoundError as exc:
        raise CorruptFile(f"{src.name}: cannot be opened ({exc})") from exc
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise CorruptFile(f"{src.name}: not a readable video ({exc})") from exc


def video_stream(inp: av.container.InputContainer, src: Path) -> av.video.stream.VideoStream:
    """The programme's video stream: the first one that is not cover art."""
    for s in inp.streams.video:
        if not s.disposition & av.stream.Disposition.attached_pic:
            return s
    raise UnsupportedFormat(f"{src.name}: has no video stream")


def _seconds(value: int | None, tb: Fraction | None) -> float | None:
    return float(value * tb) if value is not None and tb is not None else None


def _own_duration(vin) -> float | None:
    """The video stream's own length: MP4 track duration or the Matroska DURATION tag."""
    d = _seconds(vin.duration, vin.time_base)
    if d is None:
        tag = vin.metadata.get("DURATION") or vin.metadata.get("duration")
        if tag and re.fullmatch(r"\d+:\d\d:\d\d(\.\d+)?", tag):
            h, m, sec = tag.split(":")
            d = int(h) * 3600 + int(m) * 60 + float(sec)
    return d


def _last_packet_end(inp: av.container.InputContainer, vin) -> float | None:
    """Where the video stream really ends, from its last packets (seek near the end)."""
    if inp.duration is None:
        return None
    try:
        inp.seek(inp.duration, backward=True)
        end = None
        for packet in inp.demux(vin):
            if packet.pts is not None:
                e = float((packet.pts + (packet.duration or 0)) * vin.time_base)
                end = e if end is None else max(end, e)
        return end
    except av.error.FFmpegError:
        return None
    finally:
        with contextlib.suppress(av.error.FFmpegError):
            inp.seek(0)


def _stream_duration(inp: av.container.InputContainer, vin) -> float:
    d = _own_duration(vin)
    if d is None:
        # The container's length may include longer audio, which would push an end card past
        # the last picture: measure the video's own end instead.
        d = _last_packet_end(inp, vin)
    if d is None and inp.duration is not None:
        d = inp.duration / av.time_base
    return float(d or 0.0)


def probe(src: Path, side: int = 640) -> Probe:
    """Open `src`, decode its first video frame, and describe the stream."""
    with open_input(src) as inp:
        vin = video_stream(inp, src)
        vin.thread_type = "AUTO"
        try:
            frame = next(inp.decode(vin), None)
        except av.error.FFmpegError as exc:
            raise CorruptFile(
                f"{src.name}: the first video frame cannot be decoded ({exc})"
            ) from exc
        if frame is None:
            raise CorruptFile(f"{src.name}: the video stream has no decodable frame")
        w, h = frame.width, frame.height
        if w * h > MAX_PIXELS:
            raise InputTooLarge(f"{src.name}: {w}x{h} video frames are over the limit")
        orient, warn = orientation_of(frame)
        thumb = frame.to_image()
        thumb.thumbnail((side, side), Image.Resampling.BILINEAR)
        upright = to_display(thumb, orient)
        ctx = vin.codec_context
        start = _seconds(frame.pts, frame.time_base or vin.time_base) or 0.0
        dynamic = _dynamic_hdr(frame)
        dv = read_dolby_vision(src)
        if "Dolby Vision" not in dynamic and dv is not None:
            dynamic = tuple(sorted({*dynamic, "Dolby Vision"}))  # a dvcC, no RPU on frame 1
        master_display, content_light = _hdr10_static(frame)
        return Probe(
            format_name=inp.format.name,
            stream_index=vin.index,
            codec=ctx.name,
            coded_size=(w, h),
            display_size=(h, w) if orient.swaps_axes else (w, h),
            pix_fmt=frame.format.name,
            colorspace=int(frame.colorspace),
            color_range=int(frame.color_range),
            color_primaries=int(frame.color_primaries),
            color_trc=int(frame.color_trc),
            time_base=vin.time_base,
            rate=_stream_rate(vin),
            start=start,
            duration=_stream_duration(inp, vin),
            duration_known=_own_duration(vin) is not None,
            bit_rate=int(vin.bit_rate or ctx.bit_rate or 0),
            profile=ctx.profile,
            orientation=orient,
            first_frame=upright,
            warnings=[warn] if warn else [],
            dynamic_hdr=dynamic,
            dolby_vision=dv,
            master_display=master_display,
            content_light=content_light,
        )


def _dynamic_hdr(frame: av.VideoFrame) -> tuple[str, ...]:
    try:
        side = {getattr(getattr(sd, "type", None), "name", "") for sd in frame.side_data}
    except (
        ValueError
    ):  # a side-data type this PyAV does not know (MV-HEVC: "29 is not a valid Type")
        return ()
    return tuple(sorted({_DYNAMIC_HDR[n] for n in side if n in _DYNAMIC_HDR}))


def _hdr10_static(frame: av.VideoFrame) -> tuple[str | None, tuple[int, int] | None]:
    """Mastering display colour volume (SMPTE ST 2086) and content light level of the frame,
    from FFmpeg's AVMasteringDisplayMetadata / AVContentLightMetadata side data."""
    master = light = None
    try:
        items = list(frame.side_data)
    except ValueError:
        return None, None
    for sd in items:
        name = getattr(getattr(sd, "type", None), "name", "")
        raw = bytes(sd)
        if name == "MASTERING_DISPLAY_METADATA" and len(raw) >= 88:
            v = struct.unpack_from("<20i2i", raw)
            if not (v[20] and v[21]):  # has_primaries, has_luminance
                continue

            def q(i: int, scale: int, v: tuple = v) -> int:
                return round(v[i] / v[i + 1] * scale) if v[i + 1] else 0

            r, g = (q(0, 50000), q(2, 50000)), (q(4, 50000), q(6, 50000))
            b, wp = (q(8, 50000), q(10, 50000)), (q(12, 50000), q(14, 50000))
            master = (
                f"G({g[0]},{g[1]})B({b[0]},{b[1]})R({r[0]},{r[1]})WP({wp[0]},{wp[1]})"
                f"L({q(18, 10000)},{q(16, 10000)})"
            )
        elif name == "CONTENT_LIGHT_LEVEL" and len(raw) >= 8:
            light = struct.unpack_from("<2I", raw)
    return master, light


def video_duration(src: Path) -> float:
    """Seconds of the video stream (for the GUI's time slider)."""
    return video_timing(src)[0]


def video_timing(src: Path) -> tuple[float, Fraction | None]:
    """(seconds, frames per second) of the video stream, from the headers only (no decode): what
    the GUI's timeline needs (inserted cards last whole frames, video_cards.card_frames)."""
    src = Path(src)
    with open_input(src) as inp:
        vin = video_stream(inp, src)
        return _stream_duration(inp, vin), _stream_rate(vin)


def _stream_rate(vin) -> Fraction | None:
    return vin.average_rate or vin.guessed_rate
