"""The encoder side of the video pipeline: which encoder, pixel format and options keep the source's
codec, bit depth, profile and HDR description; the output container and the copied streams; frames
made ready for the encoder. A leaf: it needs only the probe (video_probe.Probe).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path

import av
from av.video.frame import PictureType

from aigclabel_gui.engine.errors import OutputError
from aigclabel_gui.engine.visible.video_blend import PLANAR_YUV
from aigclabel_gui.engine.visible.video_probe import Probe

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


# --- work estimate ----------------------------------------------------------------------------

# Encoding speed in megapixels per second at our settings, measured with ffmpeg on the
# development machine: 2 cores loaded at ~2.5× (about 0.8 of a core for the run), 720p
# testsrc2. Scaled to this machine's cores by machine_factor(): an order of magnitude for the
# up-front estimate, not a promise. Keyed by (encoder, speed setting).
ENCODE_MPX_PER_S = {
    ("libx264", "veryfast"): 40.0,
    ("libx264", "superfast"): 55.0,
    ("libx265", "veryfast"): 6.5,
    ("libx265", "ultrafast"): 12.0,
    ("libsvtav1", "10"): 35.0,
    ("libsvtav1", "12"): 70.0,
    ("libvpx-vp9", "5"): 5.0,
    ("libvpx-vp9", "8"): 45.0,
    ("libvpx", "5"): 8.0,
    ("libvpx", "8"): 45.0,
}
DECODE_MPX_PER_S = 150.0  # H.264/HEVC/AV1 (dav1d) decoding, same run
MEASURED_CORES = 0.8
PER_FRAME_S = 0.002  # our per-frame work besides the codecs (reformat, blend, mux)
REMUX_S_PER_FRAME = 0.0002  # a copied packet (smart render)
# The next faster setting of each encoder, for long sources (same CRF: a somewhat larger file).
_FASTER = {
    "libx264": {"preset": "superfast"},
    "libx265": {"preset": "ultrafast"},
    "libsvtav1": {"preset": "12"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8"},
    "libvpx": {"deadline": "realtime", "cpu-used": "8"},
}


def speed_setting(enc: EncoderChoice) -> str:
    return enc.options.get("preset") or enc.options.get("cpu-used", "")


def machine_factor(cores: int | None = None) -> float:
    """This machine's speed against the measurement: cores at 75 % parallel efficiency."""
    n = min(cores or os.cpu_count() or 1, 16)
    return (1 + 0.75 * (n - 1)) / MEASURED_CORES


def encode_rate(enc: EncoderChoice) -> float:
    """Megapixels per second this encoder manages at its settings here (an estimate)."""
    return ENCODE_MPX_PER_S.get((enc.name, speed_setting(enc)), 10.0) * machine_factor()


def decode_rate() -> float:
    return DECODE_MPX_PER_S * machine_factor()


def faster(enc: EncoderChoice) -> EncoderChoice | None:
    """The same encoder at its next faster setting, or None when it already runs at it."""
    change = _FASTER.get(enc.name)
    if change is None or all(enc.options.get(k) == v for k, v in change.items()):
        return None
    return dataclasses.replace(enc, options={**enc.options, **change})


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
