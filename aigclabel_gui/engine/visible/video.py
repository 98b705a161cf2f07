"""Visible label on video (GB 45438 §5.4): start/end cards, a persistent corner label, inserted cards.

A streaming PyAV pipeline: demux → decode → blend the label into the YUV planes of the frames that
show it → encode with the source's codec → mux; audio, subtitle and data packets are copied as
they are. Memory stays flat with the length: frames go straight from decoder to encoder.
Inserted title cards (video_insert.py) and the copy-most-GOPs fast path (gop_splice.py) build on
the same probe, plan and encoder settings.
"""

from __future__ import annotations

import contextlib
import re
import struct
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.frame import PictureType
from PIL import Image

from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    InputTooLarge,
    OutputError,
    UnsupportedFormat,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.realtime import demote_realtime_threads
from aigclabel_gui.engine.settings import LabelSettings, VisibleSettings
from aigclabel_gui.engine.visible.dolby_vision import check_reencode, read_dolby_vision
from aigclabel_gui.engine.visible.render import (
    LabelOverlay,
    overlay_to_stored,
    render_label_overlay,
)
from aigclabel_gui.engine.visible.video_blend import (
    PLANAR_YUV,
    YuvOverlay,
    blend_into,
    make_yuv_overlay,
)
from aigclabel_gui.engine.visible.video_cards import CardSchedule

T = Image.Transpose
MAX_PIXELS = 8192 * 8192  # a larger frame is not a phone or camera video: refuse, not thrash
OUT_FORMAT = {
    "mp4": "mp4",
    "mov": "mov",
    "mkv": "matroska",
    "webm": "webm",
    "avi": "avi",
    "flv": "flv",
}
ENCODER = {
    "h264": "libx264",
    "hevc": "libx265",
    "vp9": "libvpx-vp9",
    "av1": "libsvtav1",
    "vp8": "libvpx",
}
# Decoder names -> the codec they decode (AV1 is decoded by libdav1d; its profile "Main" is not
# H.264's "Main", so profiles are only carried within one codec).
DECODED_CODEC = {"libdav1d": "av1", "libaom-av1": "av1", "libvpx-vp9": "vp9", "libvpx": "vp8"}
# Frame side data a re-encode does not carry, and what the result should say about it.
_DYNAMIC_HDR = {
    "DOVI_METADATA": "Dolby Vision",
    "DOVI_RPU_BUFFER": "Dolby Vision",
    "DYNAMIC_HDR_PLUS": "HDR10+",
    "DYNAMIC_HDR_VIVID": "HDR Vivid",
}
# FFmpeg's profile names -> the encoders' `profile` option (same pix_fmt is kept, so they fit).
PROFILES = {
    "libx264": {
        "Constrained Baseline": "baseline",
        "Baseline": "baseline",
        "Main": "main",
        "High": "high",
        "High 10": "high10",
        "High 4:2:2": "high422",
        "High 4:4:4 Predictive": "high444",
    },
    "libx265": {"Main": "main", "Main 10": "main10", "Main 12": "main12"},
}
# Muxers write these themselves; copied as tags they would land in MP4 `keys` as fake metadata.
MUXER_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "duration"}
# A start card exists to be read: the probe tolerates this much missing at the end of a stream
# before calling the file truncated (container durations are rounded, audio may run longer).
TRUNCATION_SLACK = 0.5
# Cards only on H.264: re-encode just the GOPs they touch (gop_splice.py). Benchmarks switch it
# off to time the full re-encode.
SMART_RENDER = True


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
    # HDR10 static metadata of the first frame, in x265/x264 units: "G(x,y)B(x,y)R(x,y)WP(x,y)
    # L(max,min)" (chromaticity in 1/50000, luminance in 1/10000 cd/m²) and (MaxCLL, MaxFALL).
    master_display: str | None = None
    content_light: tuple[int, int] | None = None


def _open_input(src: Path) -> av.container.InputContainer:
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
    with _open_input(src) as inp:
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
        if "Dolby Vision" not in dynamic and read_dolby_vision(src) is not None:
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
    with _open_input(src) as inp:
        vin = video_stream(inp, src)
        return _stream_duration(inp, vin), _stream_rate(vin)


def _stream_rate(vin) -> Fraction | None:
    return vin.average_rate or vin.guessed_rate


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


# --- encoder ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncoderChoice:
    name: str
    pix_fmt: str
    options: dict[str, str]
    crf: int
    note: str = ""


def _depth(pix_fmt: str) -> int:
    if pix_fmt in PLANAR_YUV:
        return PLANAR_YUV[pix_fmt][2]
    for bits in (16, 14, 12, 10, 9):  # p010le, yuv420p10be, gbrp12le, ...
        if str(bits) in pix_fmt:
            return bits
    return 8


def _deep_format(pix_fmt: str, depth: int, formats: list[str]) -> str | None:
    """The encoder's pixel format closest to a >8-bit source: same chroma and depth, else the
    same chroma at 10 bits, else 4:2:0 10-bit; None if the encoder has no deep format."""
    sub = PLANAR_YUV.get(pix_fmt, (1, 1, depth))[:2]
    chroma = {(1, 1): "420", (1, 0): "422", (0, 0): "444"}.get(sub, "420")
    for cand in (f"yuv{chroma}p{depth}le", f"yuv{chroma}p10le", "yuv420p10le"):
        if cand in formats:
            return cand
    return None


def _svt_hdr(pr: Probe) -> str:
    """The HDR10 static metadata in SVT-AV1's notation (chromaticity and cd/m² as decimals)."""
    parts = []
    if pr.master_display:
        nums = [int(n) for n in re.findall(r"\d+", pr.master_display)]
        xy = [f"{n / 50000:.4f}" for n in nums[:8]]
        lmax, lmin = nums[8] / 10000, nums[9] / 10000
        parts.append(
            f"mastering-display=G({xy[0]},{xy[1]})B({xy[2]},{xy[3]})R({xy[4]},{xy[5]})"
            f"WP({xy[6]},{xy[7]})L({lmax:g},{lmin:g})"
        )
    if pr.content_light:
        parts.append(f"content-light={pr.content_light[0]},{pr.content_light[1]}")
    return ":".join(parts)


def choose_encoder(pr: Probe, out_format: str, crf: int = 0) -> EncoderChoice:
    """The source's codec where FFmpeg has an encoder for it, at a visually transparent CRF, at
    the source's bit depth: a 10-bit source keeps 10 bits (x264 High 10, x265 Main 10, SVT-AV1),
    with another encoder if this FFmpeg's one for the codec is 8-bit only (libvpx here)."""
    notes = []
    codec = DECODED_CODEC.get(pr.codec, pr.codec)
    name = ENCODER.get(codec)
    if out_format == "webm" and codec not in ("vp8", "vp9", "av1"):
        name = "libvpx-vp9"
    if name is None:
        name = "libx264"
        notes.append(f"{codec} has no encoder here: re-encoded as H.264")
    depth = _depth(pr.pix_fmt)
    formats = [f.name for f in av.codec.Codec(name, "w").video_formats or []]
    if depth > 8 and _deep_format(pr.pix_fmt, depth, formats) is None:
        # Keep the depth with an encoder that has it; WebM allows only VP8/VP9/AV1.
        alt = "libsvtav1" if out_format == "webm" else "libx265"
        notes.append(
            f"{depth}-bit {codec}: this FFmpeg's {name} encodes 8 bits only; re-encoded with "
            f"{alt} to keep {depth}-bit samples"
        )
        name = alt
        formats = [f.name for f in av.codec.Codec(name, "w").video_formats or []]
    pix_fmt = pr.pix_fmt
    if pix_fmt not in formats or pix_fmt not in PLANAR_YUV:
        deep = _deep_format(pr.pix_fmt, depth, formats) if depth > 8 else None
        pix_fmt = deep or "yuv420p"
        if depth > _depth(pix_fmt):
            notes.append(
                f"the {depth}-bit video was re-encoded as {_depth(pix_fmt)}-bit ({pix_fmt})"
            )
    if pr.dynamic_hdr:
        kept = "HDR10" if pr.color_trc == 16 else "HLG" if pr.color_trc == 18 else "its base layer"
        notes.append(
            f"{' and '.join(pr.dynamic_hdr)} metadata cannot be re-encoded: the labelled video is "
            f"plain {kept} (same transfer, primaries and bit depth)"
        )
    # CRF defaults: visually transparent for each encoder (x264 18 and x265 20 are the usual
    # "transparent" points; libvpx/SVT-AV1 scales differ). Fast presets: the job is encode-bound.
    if name == "libx264":
        q = crf or 18
        opts = {"crf": str(q), "preset": "veryfast"}
    elif name == "libx265":
        q = crf or 20
        opts = {"crf": str(q), "preset": "veryfast", "x265-params": "log-level=error"}
    elif name in ("libvpx-vp9", "libvpx"):
        q = crf or 30
        opts = {"crf": str(q), "b": "0", "deadline": "good", "cpu-used": "5", "row-mt": "1"}
    else:  # libsvtav1
        q = crf or 30
        opts = {"crf": str(q), "preset": "10"}
    if pr.master_display or pr.content_light:
        # HDR10 static metadata (SEI / OBU) is not carried by FFmpeg from the frames to these
        # encoders: hand it over as encoder parameters so the copy stays HDR10.
        hdr = []
        if pr.master_display:
            hdr.append(f"master-display={pr.master_display}")
        if pr.content_light:
            key = "max-cll" if name == "libx265" else "cll"
            hdr.append(f"{key}={pr.content_light[0]},{pr.content_light[1]}")
        if name == "libx265":
            opts["x265-params"] += ":hdr10=1:" + ":".join(hdr)
        elif name == "libx264":
            opts["x264-params"] = ":".join(h.replace("master-display", "mastering-display")
                                           for h in hdr)  # fmt: skip
        elif name == "libsvtav1":
            opts["svtav1-params"] = _svt_hdr(pr)
        else:
            notes.append("the HDR10 mastering display / light level metadata were not carried")
    if pr.bit_rate and name in ("libx264", "libx265"):
        # Keep the bitrate in the source's range: CRF, capped at 1.5× the source over 2 s.
        opts["maxrate"] = str(int(pr.bit_rate * 1.5))
        opts["bufsize"] = str(int(pr.bit_rate * 3))
    return EncoderChoice(name, pix_fmt, opts, q, "; ".join(notes))


def add_video_output(
    out: av.container.OutputContainer, vin, pr: Probe, enc: EncoderChoice
) -> av.video.stream.VideoStream:
    vout = out.add_stream(enc.name, rate=pr.rate or 25)
    ctx = vout.codec_context
    ctx.width, ctx.height = pr.coded_size
    ctx.pix_fmt = enc.pix_fmt
    ctx.time_base = pr.time_base
    vout.time_base = pr.time_base
    if vin.sample_aspect_ratio:
        ctx.sample_aspect_ratio = vin.sample_aspect_ratio
    # Colour description travels in the bitstream/container: keep the source's.
    ctx.color_range = pr.color_range
    ctx.colorspace = pr.colorspace
    ctx.color_primaries = pr.color_primaries
    ctx.color_trc = pr.color_trc
    ctx.options = dict(enc.options)
    same_codec = ENCODER.get(DECODED_CODEC.get(pr.codec, pr.codec)) == enc.name
    profile = PROFILES.get(enc.name, {}).get(pr.profile or "") if same_codec else None
    if profile and enc.pix_fmt == pr.pix_fmt:
        # Keep the source's profile: a Baseline clip made for old players stays Baseline.
        ctx.options = {**ctx.options, "profile": profile}
    if pr.orientation.matrix is not None:
        # The label is drawn in the coded grid; the same display matrix makes it upright.
        vout.set_display_matrix(list(pr.orientation.matrix))
    for k in ("language", "handler_name", "title"):
        if k in vin.metadata:
            vout.metadata[k] = vin.metadata[k]
    return vout


def open_output(dst: Path, out_format: str) -> av.container.OutputContainer:
    # MP4/MOV: without use_metadata_tags the muxer drops custom container tags (FIELD-NOTES).
    options = {"movflags": "use_metadata_tags"} if out_format in ("mp4", "mov") else {}
    try:
        return av.open(str(dst), "w", format=out_format, options=options)
    except OSError as exc:
        raise OutputError(f"{dst}: {exc.strerror or exc}") from exc


def close_quietly(out: av.container.OutputContainer) -> None:
    """Close a half-written output after an error (cancel, bad packet) without masking it."""
    with contextlib.suppress(Exception):
        out.close()


def copy_container_metadata(inp, out) -> None:
    for k, v in inp.metadata.items():
        if k.lower() not in MUXER_TAGS:
            out.metadata[k] = v
    with contextlib.suppress(AttributeError, av.error.FFmpegError, ValueError):
        chapters = inp.chapters()
        if chapters:
            out.set_chapters(chapters)


def add_copied_streams(inp, out, vin, warnings: list[str]) -> dict[int, av.stream.Stream]:
    """Every other stream (audio, subtitles, data, cover art, attachments) copied as it is."""
    copies: dict[int, av.stream.Stream] = {}
    for s in inp.streams:
        if s.index == vin.index:
            continue
        try:
            o = out.add_stream_from_template(s)
        except (ValueError, av.error.FFmpegError, TypeError) as exc:
            warnings.append(f"stream #{s.index} ({s.type}) could not be copied: {exc}")
            continue
        for k, v in s.metadata.items():
            if k.lower() != "encoder":
                o.metadata[k] = v
        o.disposition = s.disposition
        copies[s.index] = o
    if any(s.type == "video" and s.index != vin.index for s in inp.streams):
        warnings.append("only the first video stream is labelled; the others were copied")
    return copies


# --- the overlay pipeline ---------------------------------------------------------------------


@dataclass
class RunStats:
    frames: int = 0
    labelled: int = 0
    seconds: float = 0.0
    last_time: float = 0.0
    out_bytes: int = 0


class Throttle:
    """Progress at most every 0.2 s, with frames, speed and ETA."""

    def __init__(self, src: Path, progress: ProgressCallback, total: float, share: float = 0.95):
        self.src, self.progress, self.total, self.share = str(src), progress, total, share
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
        eta = elapsed * (1 - frac) / frac if frac > 0.001 else float("nan")
        fps = frames / elapsed if elapsed > 0 else 0.0
        detail = f"frame {frames}, {fps:.0f} fps" + (f", ETA {eta:.0f} s" if eta == eta else "")
        self.progress(FileProgress(self.src, frac * self.share, detail))


def delay_of(pts: int | None, dts: int | None) -> int:
    """pts - dts of a packet; Matroska stores no DTS (None), which the muxer accepts as is."""
    return pts - dts if pts is not None and dts is not None else 0


def prepare_frame(frame: av.VideoFrame, pix_fmt: str) -> av.VideoFrame:
    """The decoded frame in the encoder's layout, its frame type reset so the encoder decides
    (keyframes stay keyframes: seek points are kept where the source had them)."""
    if frame.format.name != pix_fmt:
        pts, tb = frame.pts, frame.time_base
        frame = frame.reformat(format=pix_fmt)
        frame.pts, frame.time_base = pts, tb
    if frame.pict_type != PictureType.I:
        frame.pict_type = PictureType.NONE
    return frame


def _overlay_run(
    src: Path,
    dst: Path,
    pr: Probe,
    plan: LabelPlan,
    schedule: CardSchedule,
    enc: EncoderChoice,
    out_format: str,
    progress: ProgressCallback,
    cancel: CancelToken,
    warnings: list[str],
) -> RunStats:
    stats = RunStats()
    tick = Throttle(src, progress, pr.duration)
    with _open_input(src) as inp:
        vin = inp.streams[pr.stream_index]
        vin.thread_type = "AUTO"
        out = open_output(dst, out_format)
        try:
            copy_container_metadata(inp, out)
            vout = add_video_output(out, vin, pr, enc)
            copies = add_copied_streams(inp, out, vin, warnings)
            streams = [vin, *(inp.streams[i] for i in copies)]
            last_pts = None
            step = int(1 / (pr.rate * pr.time_base)) if pr.rate else 1
            for packet in inp.demux(streams):
                if packet.stream.index != vin.index:
                    if packet.size == 0:  # the demuxer's flush packet: nothing to copy
                        continue
                    packet.stream = copies[packet.stream.index]
                    out.mux(packet)
                    continue
                # The final flush packet (dts None) must be decoded too, or the last frames
                # stay in the decoder (FIELD-NOTES: 296 of 300).
                for frame in vin.decode(packet):
                    cancel.raise_if_cancelled()
                    if frame.pts is None:  # rare: a frame without a timestamp follows the last
                        frame.pts = last_pts + step if last_pts is not None else 0
                    last_pts = frame.pts
                    t = float(frame.pts * pr.time_base) - pr.start
                    frame = prepare_frame(frame, enc.pix_fmt)
                    opacity = schedule.opacity(t)
                    if opacity > 0:
                        frame.make_writable()
                        blend_into(frame, plan.yuv(frame), opacity)
                        stats.labelled += 1
                    out.mux(vout.encode(frame))
                    stats.frames += 1
                    stats.last_time = t
                    tick(t, stats.frames)
            out.mux(vout.encode(None))
        except BaseException:
            close_quietly(out)  # the original error matters, not the muxer's
            raise
        out.close()
    return stats


def check_complete(src: Path, pr: Probe, stats: RunStats) -> None:
    """A file cut short decodes without error but ends early: refuse it rather than label half."""
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


# --- entry points -----------------------------------------------------------------------------


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def apply_explicit(
    src: Path,
    dst: Path,
    info,
    settings: LabelSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
):
    """Write `src` with the visible video label to `dst` (a fresh temp path). None if disabled."""
    from aigclabel_gui.engine.pipeline import ExplicitReport  # pipeline imports us lazily
    from aigclabel_gui.engine.visible import audio_codecs

    v = settings.video
    if not settings.visible.enabled or settings.implicit_only:
        return None
    if v.cards == "none" and not v.persistent:
        return None
    audio_codecs.refuse_dropped_audio(Path(src))  # AC-4/MPEG-H tracks cannot be copied by PyAV
    check_reencode(Path(src))  # Dolby Vision profile 5: no viewable base layer
    progress = progress or no_progress
    cancel = cancel or CancelToken()
    src, dst = Path(src), Path(dst)
    out_format = OUT_FORMAT.get(getattr(info, "name", ""), None)
    if out_format is None:
        raise UnsupportedFormat(f"{src.name}: visible labels are written to MP4, MOV, MKV, WebM")
    try:
        return _apply(src, dst, settings, out_format, progress, cancel, ExplicitReport)
    except AigcError:
        _remove(dst)
        raise
    except MemoryError as exc:
        _remove(dst)
        raise InputTooLarge(f"{src.name}: not enough memory to decode it") from exc
    except av.error.FFmpegError as exc:
        _remove(dst)
        if isinstance(exc, OSError) and exc.errno == 28:
            raise OutputError(f"{dst}: disk full") from exc
        raise CorruptFile(f"{src.name}: cannot be decoded or re-encoded ({exc})") from exc
    except (OSError, ValueError) as exc:
        _remove(dst)
        raise CorruptFile(f"{src.name}: cannot be decoded or re-encoded ({exc})") from exc
    except BaseException:
        _remove(dst)
        raise


def _apply(src, dst, settings, out_format, progress, cancel, report_cls):
    t0 = time.perf_counter()
    v = settings.video
    pr = probe(src)
    plan = plan_label(pr, settings.visible)
    warnings = [*pr.warnings, *plan.warnings]
    enc = choose_encoder(pr, out_format, v.crf)
    if enc.note:
        warnings.append(enc.note)
    if v.cards == "end" and not v.persistent:
        warnings.append(
            "only an end card: GB 45438 §5.4 asks for the prompt in the picture from the start "
            "frame (add a start card or the persistent label)"
        )
    cancel.raise_if_cancelled()

    mode = "overlay"
    if v.insert_card and v.cards != "none":
        from aigclabel_gui.engine.visible.video_insert import insert_cards_run

        mode = "insert"
        stats, shown = insert_cards_run(
            src, dst, pr, plan, settings, enc, out_format, progress, cancel, warnings
        )
        check_complete(src, pr, stats)
    else:
        schedule = CardSchedule.from_settings(v, pr.duration)
        from aigclabel_gui.engine.visible.gop_splice import splice_run

        # Cards only: re-encode just the GOPs they touch when the stream allows it.
        stats = None
        if SMART_RENDER:
            stats = splice_run(
                src, dst, pr, plan, schedule, enc, out_format, progress, cancel, warnings
            )
        if stats is not None:
            mode = "smart"
        else:
            stats = _overlay_run(
                src, dst, pr, plan, schedule, enc, out_format, progress, cancel, warnings
            )
        check_complete(src, pr, stats)
        shown = schedule.shown_seconds()
        if schedule.start and pr.duration < schedule.start:
            warnings.append(
                f"the video is {pr.duration:.1f} s long: the label shows for all of it, "
                f"not {schedule.start:g} s"
                + (" (GB 45438 §5.4 asks for at least 2 s)" if pr.duration < 2.0 else "")
            )
    cancel.raise_if_cancelled()
    ov = plan.overlay
    elapsed = time.perf_counter() - t0
    out_bytes = dst.stat().st_size
    out_seconds = pr.duration + (shown * (v.cards.count("+") + 1) if mode == "insert" else 0)
    out_rate = out_bytes * 8 / out_seconds if out_seconds else 0
    measurements: dict[str, float | str] = {
        "ink_height_px": ov.ink_height,
        "ink_height_pct": round(ov.ink_pct, 2),
        "position": plan.position,
        "box": ",".join(map(str, ov.box)),
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
    }
    what = "persistent label" if v.persistent else f"{v.cards} card"
    if mode == "insert":
        what = f"inserted {v.cards} card"
    summary = (
        f"label {settings.visible.resolved_text()!r} {plan.position}, {what} "
        f"{shown:.1f} s, text height {ov.ink_pct:.1f}% of shorter side"
    )
    progress(FileProgress(str(src), 0.95, f"{stats.frames} frames labelled and encoded"))
    return report_cls("video", summary, measurements, warnings)


def render_card_frame(
    src: Path, settings: LabelSettings, t: float, max_side: int = 960
) -> Image.Image:
    """The labelled frame at `t` seconds as a viewer sees it (rotation applied), drawn by the
    same blend code as the file; an inserted card shows as the card itself."""
    src = Path(src)
    v = settings.video
    pr = probe(src)
    plan = plan_label(pr, settings.visible)
    from aigclabel_gui.engine.visible.video_cards import VideoTimeline, title_card

    timeline = VideoTimeline.from_settings(v, pr.duration, pr.rate)
    part, t = timeline.locate(t)
    if part == "start-card":
        return _fit(title_card(_frame_at(src, pr, 0.0, max_side), settings.visible), max_side)
    if part == "end-card":
        last = _frame_at(src, pr, pr.duration, max_side)
        return _fit(title_card(last, settings.visible), max_side)
    opacity = timeline.schedule.opacity(t)
    frame = _decode_at(src, pr, t)
    if opacity > 0:
        if frame.format.name not in PLANAR_YUV:
            frame = frame.reformat(format="yuv420p")
        frame.make_writable()
        blend_into(frame, plan.yuv(frame), opacity)
    return _fit(to_display(frame.to_image(), pr.orientation), max_side)


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    image = image.convert("RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


def _decode_at(src: Path, pr: Probe, t: float) -> av.VideoFrame:
    """The frame shown at `t` seconds (the last one starting at or before it)."""
    with _open_input(src) as inp:
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
