"""The audible prompt (GB 45438 §5.3) in audio-only Matroska/WebM (.mka, music .webm).

The registry sorts Matroska files as video; the pipeline re-sorts one without a picture stream as
audio (registry.identify, via the Matroska container's kind_for), so it gets the audio prompt and the audio guardrails instead of a refusal. The audio track is copied (not decoded) into the codec's own
container, labelled there by the audio path (audio.py: the same levelling, re-label detection
and encoder choices as .opus/.ogg/.flac/.m4a/.wav/.mp3 files), and muxed back into Matroska with
the track's language, title and flags, the file's tags, attachments (cover art, fonts) and its
chapters moved to the labelled timeline.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import av

from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    UnsupportedFormat,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.settings import LabelSettings

# decoder -> (suffix, muxer) of the codec's own container, which audio.py labels
NATIVE = {
    "opus": (".opus", "ogg"),
    "libopus": (".opus", "ogg"),
    "vorbis": (".ogg", "ogg"),
    "flac": (".flac", "flac"),
    "aac": (".m4a", "ipod"),
    "alac": (".m4a", "ipod"),
    "mp3": (".mp3", "mp3"),
    "mp3float": (".mp3", "mp3"),
    "ac3": (".m4a", "mp4"),  # labelled as an MP4 audio file (re-encoded with FFmpeg's AC-3)
    "eac3": (".m4a", "mp4"),
    # Matroska PCM is little-endian (A_PCM/INT/LIT, A_PCM/FLOAT/IEEE): a WAV splice
    "pcm_s16le": (".wav", "wav"),
    "pcm_s24le": (".wav", "wav"),
    "pcm_s32le": (".wav", "wav"),
    "pcm_f32le": (".wav", "wav"),
    "pcm_f64le": (".wav", "wav"),
    "pcm_u8": (".wav", "wav"),
}
_STREAM_TAGS_DROPPED = {"encoder", "duration"}  # the muxer's own; DURATION is recomputed
MKV_MUXER = {"mkv": "matroska", "webm": "webm"}


def label(
    src: Path,
    dst: Path,
    fmt: str,
    settings: LabelSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
):
    """The audible prompt on audio-only Matroska/WebM (`fmt` "mkv" or "webm")."""
    from aigclabel_gui.engine.visible import audio
    from aigclabel_gui.engine.visible.audio_codecs import refuse_undecodable, refuse_unwritable

    src, dst = Path(src), Path(dst)
    progress, cancel = progress or no_progress, cancel or CancelToken()
    refuse_undecodable(src)
    with av.open(str(src), metadata_errors="replace") as inp:
        timed = [
            s
            for s in inp.streams
            if s.type in ("audio", "subtitle", "data")
            or (s.type == "video" and not s.disposition & av.stream.Disposition.attached_pic)
        ]
        if len(timed) != 1:
            raise UnsupportedFormat(
                f"{src.name}: audio-only {fmt.upper()} with {len(timed)} tracks: the audible "
                "prompt is added only to a single-track file (the other tracks' timing would shift)",
                advice="split the tracks, or label it metadata-only (--implicit-only)",
            )
        codec = inp.streams.audio[0].codec_context.name
    refuse_unwritable(src, fmt, codec)
    if codec not in NATIVE:
        raise UnsupportedFormat(
            f"{src.name}: {codec} audio in {fmt.upper()}: the audible prompt is written for "
            "Opus, Vorbis, FLAC, AAC, ALAC, MP3, AC-3 and PCM tracks",
            advice="label it metadata-only (--implicit-only), or convert the audio first",
        )
    suffix, muxer = NATIVE[codec]
    folder = dst.parent
    plain, labelled = _temp(folder, suffix), _temp(folder, suffix)
    try:
        _copy_audio(src, plain, muxer)
        inner = identify(plain)
        report = audio.apply_explicit(plain, labelled, inner, settings, progress, cancel)
        cancel.raise_if_cancelled()
        progress(FileProgress(str(src), 0.96, "Matroska"))
        _mux_back(src, labelled, dst, MKV_MUXER[fmt], settings, report)
    except AigcError:
        with contextlib.suppress(OSError):
            dst.unlink()
        raise
    except av.FFmpegError as exc:
        with contextlib.suppress(OSError):
            dst.unlink()
        raise CorruptFile(f"{src.name}: the audio cannot be rewritten ({exc})") from exc
    finally:
        for t in (plain, labelled):
            with contextlib.suppress(OSError):
                t.unlink()
    report.summary += f"; muxed back into {fmt.upper()} (track and file tags kept)"
    return report


def _temp(folder: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=".aigclabel-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


def _copy_audio(src: Path, dst: Path, muxer: str) -> None:
    """The audio packets as they are (no decoding) into the codec's own container."""
    with (
        av.open(str(src), metadata_errors="replace") as inp,
        av.open(str(dst), "w", format=muxer) as out,
    ):
        ain = inp.streams.audio[0]
        aout = out.add_stream_from_template(ain)
        for packet in inp.demux(ain):
            if packet.dts is None and packet.pts is None:
                continue  # the demuxer's flush packet
            packet.stream = aout
            out.mux(packet)


def _mux_back(src: Path, labelled: Path, dst: Path, muxer: str, settings, report) -> None:
    from aigclabel_gui.engine.visible.audio_plan import inserts_for, output_segments, probe_audio
    from aigclabel_gui.engine.visible.video_encode import MUXER_TAGS

    probe = probe_audio(src)
    m = report.measurements
    segs = []
    if m.get("method") != "kept":
        inserts = inserts_for(settings.audio.position, probe.duration_s, probe.sample_rate)
        segs = output_segments(
            inserts,
            probe.duration_s,
            float(m["prompt_s"]),
            settings.audio.gap_ms / 1000,
            probe.sample_rate,
        )

    def moved(t: float) -> float:
        """A programme time on the labelled timeline: chapters follow the programme, and the
        first and last chapters take in a prompt at the very start or end."""
        if not segs or t <= 0:
            return max(t, 0.0)
        if t >= probe.duration_s - 1e-3:
            return segs[-1].end
        for s in segs:
            if s.kind == "audio" and s.source_start <= t <= s.source_start + (s.end - s.start):
                return s.start + t - s.source_start
        return t if not segs else segs[-1].end

    with (
        av.open(str(src), metadata_errors="replace") as orig,
        av.open(str(labelled), metadata_errors="replace") as lab,
        av.open(str(dst), "w", format=muxer) as out,
    ):
        for k, v in orig.metadata.items():
            if k.lower() not in MUXER_TAGS:
                out.metadata[k] = v
        chapters = orig.chapters()
        if chapters:
            for ch in chapters:
                tb = ch["time_base"]
                ch["start"] = round(moved(float(ch["start"] * tb)) / tb)
                ch["end"] = round(moved(float(ch["end"] * tb)) / tb)
            out.set_chapters(chapters)
        oa, la = orig.streams.audio[0], lab.streams.audio[0]
        aout = out.add_stream_from_template(la)
        for k, v in oa.metadata.items():
            if k.lower() not in _STREAM_TAGS_DROPPED:
                aout.metadata[k] = v
        aout.disposition = oa.disposition
        for name, mimetype, data in _attachments(orig):  # cover art, fonts, booklets
            out.add_attachment(name, mimetype, data)
        for packet in lab.demux(la):
            if packet.dts is None and packet.pts is None:
                continue
            packet.stream = aout
            out.mux(packet)


def _attachments(inp) -> list[tuple[str, str, bytes]]:
    """Matroska attachments as (file name, MIME type, bytes). FFmpeg shows an attached image as
    a one-packet video stream (attached_pic): its bytes are that packet."""
    found = []
    for s in inp.streams:
        if s.type == "attachment":
            found.append((s.name or "attachment", s.mimetype or "application/octet-stream", s.data))
        elif s.type == "video" and s.disposition & av.stream.Disposition.attached_pic:
            packet = next((p for p in inp.demux(s) if p.size), None)
            if packet is not None:
                tags = {k.lower(): v for k, v in s.metadata.items()}
                found.append(
                    (
                        tags.get("filename", "cover"),
                        tags.get("mimetype", "image/jpeg"),
                        bytes(packet),
                    )
                )
            inp.seek(0)
    return found
