"""Insert the prompt into decoded audio: a byte-level splice for PCM WAV, and a streaming
decode → insert → encode pass with PyAV for FLAC, ALAC, AAC, Vorbis and Opus.

Lossless audio is never converted to float: decoded integer samples go back to the encoder as
they came, so the programme is bit-exact (GB 45438 asks only for the label to be added)."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile as sf
from mutagen import MutagenError
from mutagen.oggvorbis import OggVorbis

from aigclabel_gui.engine.containers.wav import read_layout
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback
from aigclabel_gui.engine.visible.audio_plan import AudioProbe, Insert

# A segment is the prompt with its silence, float32 (channels, n); the caller builds one per insert.
SegmentFn = Callable[[Insert], np.ndarray]

# decoder name -> encoder name; formats whose encoder is lossless keep integer samples.
ENCODERS = {
    "flac": "flac",
    "alac": "alac",
    "aac": "aac",
    "vorbis": "vorbis",
    "opus": "libopus",
    "libopus": "libopus",
    "ac3": "ac3",  # Dolby Digital tracks of .mka / MP4 (FFmpeg's native encoder)
    "eac3": "eac3",
}
LOSSLESS = {"flac", "alac"}
MUXERS = {"flac": "flac", "ogg": "ogg", "opus": "ogg", "m4a": "ipod"}
COPY_CHUNK = 1 << 20
MAX_RIFF = 0xFFFFFFFF
WAVE_FORMAT_PCM, WAVE_FORMAT_FLOAT, WAVE_FORMAT_EXTENSIBLE = 1, 3, 0xFFFE


# --- sample conversion -----------------------------------------------------------------------
def float_to_native(x: np.ndarray, fmt: str, bits: int) -> np.ndarray:
    """float32 (ch, n) → the decoder's sample format, still (ch, n). `bits` is the stored depth:
    24-bit audio decodes to s32 with the low 8 bits zero, and the prompt must look the same."""
    base = fmt.rstrip("p")
    x = np.clip(x.astype(np.float64), -1.0, 1.0)
    if base == "s16":
        return np.round(x * 32767).astype(np.int16)
    if base == "s32":
        if bits and bits <= 24:
            return np.round(x * 8388607).astype(np.int32) << (32 - 24)
        return np.round(x * 2147483647).astype(np.int32)
    if base == "u8":
        return (np.round(x * 127) + 128).astype(np.uint8)
    if base == "flt":
        return x.astype(np.float32)
    if base == "dbl":
        return x
    raise UnsupportedFormat(f"sample format {fmt} is not supported")


def frame_native(frame: av.AudioFrame) -> np.ndarray:
    a = frame.to_ndarray()
    if not frame.format.is_planar:
        a = a.reshape(-1, len(frame.layout.channels)).T
    return a


def make_frame(a: np.ndarray, fmt: str, layout: str, rate: int, pts: int) -> av.AudioFrame:
    if not fmt.endswith("p"):
        a = np.ascontiguousarray(a.T).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(a), format=fmt, layout=layout)
    frame.sample_rate = rate
    frame.pts = pts
    frame.time_base = Fraction(1, rate)
    return frame


# --- WAV: splice bytes -------------------------------------------------------------------------
def _wav_format(fmt: bytes, name: str) -> tuple[str, int, int, int]:
    """(numpy dtype or 'i24', channels, block_align, bits) of a PCM/float WAV."""
    if len(fmt) < 16:
        raise CorruptFile(f"{name}: the 'fmt ' chunk is too short")
    tag, channels, _rate, _brate, align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == WAVE_FORMAT_EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack("<H", fmt[24:26])[0]
    width = align // channels if channels else 0
    if tag == WAVE_FORMAT_PCM and width in (1, 2, 3, 4) and width * channels == align:
        return {1: "u1", 2: "<i2", 3: "i24", 4: "<i4"}[width], channels, align, width * 8
    if tag == WAVE_FORMAT_FLOAT and width in (4, 8) and width * channels == align:
        return {4: "<f4", 8: "<f8"}[width], channels, align, width * 8
    raise UnsupportedFormat(
        f"{name}: WAV with format tag 0x{tag:04X} ({bits}-bit); only PCM and float WAV can "
        "take an audible label",
        advice="convert it to PCM WAV or FLAC first",
    )


def _wav_bytes(x: np.ndarray, dtype: str) -> bytes:
    x = np.clip(x.astype(np.float64), -1.0, 1.0).T  # interleaved (n, ch)
    if dtype == "u1":
        return (np.round(x * 127) + 128).astype(np.uint8).tobytes()
    if dtype == "<i2":
        return np.round(x * 32767).astype("<i2").tobytes()
    if dtype == "i24":
        v = np.round(x * 8388607).astype("<i4")
        return np.ascontiguousarray(v).view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    if dtype == "<i4":
        return np.round(x * 2147483647).astype("<i4").tobytes()
    return x.astype(dtype).tobytes()


def splice_wav(
    src: Path,
    dst: Path,
    inserts: list[Insert],
    segment: SegmentFn,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Copy the RIFF file chunk by chunk; the data chunk gets the prompt bytes spliced in at
    whole sample frames. Every other chunk (LIST, id3, bext, cue ...) is copied byte for byte."""
    name = src.name
    with open(src, "rb") as f, open(dst, "wb") as o:
        layout = read_layout(f, name)
        fmt_chunk = next(c for c in layout.chunks if c.cid == b"fmt ")
        f.seek(fmt_chunk.data_offset)
        dtype, _channels, align, _bits = _wav_format(f.read(fmt_chunk.size), name)
        pieces = [(ins.at, _wav_bytes(segment(ins), dtype)) for ins in inserts]
        added = sum(len(b) for _, b in pieces)
        o.write(b"RIFF\0\0\0\0WAVE")
        data_seen = False
        for chunk in layout.chunks:
            if chunk.cid == b"data" and not data_seen:
                data_seen = True
                if chunk.size < align:
                    raise CorruptFile(f"{name}: the WAV has no audio samples (zero length)")
                new_size = chunk.size + added
                if new_size > MAX_RIFF - 64:
                    raise InputTooLarge(f"{name}: with the prompt the WAV would exceed 4 GB")
                o.write(b"data" + struct.pack("<I", new_size))
                _copy_data(
                    f, o, chunk.data_offset, chunk.size, align, pieces, progress, cancel, name
                )
                if new_size & 1:
                    o.write(b"\0")
            else:
                f.seek(chunk.offset)
                _copy(f, o, 8 + chunk.size)
                if chunk.size & 1:
                    o.write(b"\0")
        riff_end = o.tell()
        f.seek(layout.end)
        _copy(f, o, layout.size - layout.end)  # stray bytes after the RIFF stay after it
        if riff_end - 8 > MAX_RIFF:
            raise InputTooLarge(f"{name}: with the prompt the WAV would exceed 4 GB")
        o.seek(4)
        o.write(struct.pack("<I", riff_end - 8))


def _copy_data(f, o, offset, size, align, pieces, progress, cancel, name) -> None:
    nsamples = size // align
    done = 0
    f.seek(offset)
    for at, data in pieces:
        stop = nsamples if at is None else min(at, nsamples)
        _copy(f, o, (stop - done) * align, cancel)
        o.write(data)
        done = stop
        progress(FileProgress(name, 0.9 * done / max(nsamples, 1), "audio"))
    _copy(f, o, size - done * align, cancel)  # the rest, with any partial sample frame


def _copy(f, o, n: int, cancel: CancelToken | None = None) -> None:
    while n > 0:
        buf = f.read(min(COPY_CHUNK, n))
        if not buf:
            raise CorruptFile(f"{getattr(f, 'name', 'file')}: truncated while copying")
        o.write(buf)
        n -= len(buf)
        if cancel is not None:
            cancel.raise_if_cancelled()


# --- decode → insert → encode ------------------------------------------------------------------
# Vorbis quality (libvorbis -q) by nominal bitrate for stereo 44.1/48 kHz, from libvorbis' tables.
VORBIS_Q_KBPS = ((0, 64), (1, 80), (2, 96), (3, 112), (4, 128), (5, 160), (6, 192), (7, 224),
                 (8, 256), (9, 320), (10, 500))  # fmt: skip


class _AvWriter:
    """PyAV encoder + muxer. Lossless codecs get the decoder's integer format back unchanged."""

    def __init__(self, dst: Path, enc: str, muxer: str, probe: AudioProbe, bits: int):
        self.rate, self.layout, self.fmt = probe.sample_rate, probe.layout, probe.sample_format
        self.out = av.open(str(dst), "w", format=muxer)
        self.stream = self.out.add_stream(enc, rate=self.rate, layout=self.layout)
        cc = self.stream.codec_context
        options: dict[str, str] = {}
        if enc in LOSSLESS:
            cc.format = self.fmt
            if enc == "flac" and bits > 24:
                options["strict"] = "experimental"  # else FFmpeg's FLAC encoder stores 24 bits
            self.how = "lossless, programme samples bit-exact"
        else:
            kbps = round((probe.bit_rate or 128_000) / 1000)
            cc.bit_rate = kbps * 1000  # re-encoded at the source's bitrate
            self.how = f"{kbps} kb/s"
        cc.options = options
        self.emitted = 0

    def write(self, a: np.ndarray) -> None:
        if a.shape[1] == 0:
            return
        frame = make_frame(a, self.fmt, self.layout, self.rate, self.emitted)
        for pkt in self.stream.encode(frame):
            self.out.mux(pkt)
        self.emitted += a.shape[1]

    def close(self) -> None:
        for pkt in self.stream.encode(None):
            self.out.mux(pkt)
        self.out.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.out.close()


class _VorbisWriter:
    """Ogg Vorbis through libsndfile's libvorbis (python-soundfile): FFmpeg's own Vorbis encoder
    (the only one in PyAV's wheel) is experimental and aborts the process on ordinary music
    (vorbisenc.c floor_encode assertion), which no try/except can catch."""

    def __init__(self, dst: Path, probe: AudioProbe, nominal_bps: int):
        kbps = (nominal_bps or probe.bit_rate or 128_000) / 1000
        per_pair = kbps * 2 / max(probe.channels, 1) if probe.channels != 2 else kbps
        q = min(VORBIS_Q_KBPS, key=lambda qk: abs(qk[1] - per_pair))[0]
        # libsndfile maps compression level c to libvorbis quality 1 - c (q/10).
        self.sf = sf.SoundFile(
            str(dst), "w", probe.sample_rate, probe.channels, format="OGG", subtype="VORBIS",
            compression_level=1.0 - q / 10,
        )  # fmt: skip
        self.how = f"libvorbis q{q} (the source: ~{kbps:.0f} kb/s)"

    def write(self, a: np.ndarray) -> None:
        if a.shape[1]:
            self.sf.write(np.ascontiguousarray(a.T, dtype=np.float32))

    def close(self) -> None:
        self.sf.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.sf.close()


def _vorbis_nominal(src: Path) -> int:
    try:
        return int(OggVorbis(src).info.bitrate or 0)
    except (MutagenError, OSError):
        return 0


def reencode(
    src: Path,
    dst: Path,
    fmt_name: str,
    probe: AudioProbe,
    bits: int,
    inserts: list[Insert],
    segment: SegmentFn,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> str:
    """Stream the programme frame by frame, splitting a frame where a prompt goes (the whole
    programme is never in memory). Returns how the audio was written, for the report."""
    enc = ENCODERS.get(probe.codec)
    muxer = MUXERS.get(fmt_name)
    if muxer == "ipod" and enc not in ("aac", "alac"):
        muxer = "mp4"  # 'ipod' (M4A) takes only AAC and ALAC; Opus and FLAC go in plain MP4
    if enc is None or muxer is None:
        raise UnsupportedFormat(f"{src.name}: {probe.codec} audio in {fmt_name} is not supported")
    if enc == "vorbis":
        writer: _AvWriter | _VorbisWriter = _VorbisWriter(dst, probe, _vorbis_nominal(src))
    else:
        writer = _AvWriter(dst, enc, muxer, probe, bits)
    fmt = probe.sample_format
    total = max(round(probe.duration_s * probe.sample_rate), 1)
    try:
        with av.open(str(src), metadata_errors="replace") as inp:
            pending = [i for i in inserts if i.at is not None]
            pos = 0
            for count, frame in enumerate(inp.decode(inp.streams.audio[0])):
                a = frame_native(frame)
                if frame.format.name != fmt or a.shape[0] != probe.channels:
                    raise UnsupportedFormat(f"{src.name}: the audio format changes mid-stream")
                while pending and pending[0].at < pos + a.shape[1]:
                    k = max(pending[0].at - pos, 0)
                    writer.write(a[:, :k])
                    writer.write(float_to_native(segment(pending.pop(0)), fmt, bits))
                    a, pos = a[:, k:], pos + k
                writer.write(a)
                pos += a.shape[1]
                if count % 64 == 0:
                    cancel.raise_if_cancelled()
                    progress(FileProgress(str(src), 0.9 * min(pos / total, 1.0), "audio"))
            if pos == 0:
                raise CorruptFile(f"{src.name}: the audio has no samples (zero length)")
            for ins in pending + [i for i in inserts if i.at is None]:
                writer.write(float_to_native(segment(ins), fmt, bits))
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return f"re-encoded {enc} ({writer.how})"
