"""Audio the label cannot rewrite, told before any decoding (issue 14: real-world fidelity).

- No decoder at all (AC-4, MPEG-H 3D Audio): FFmpeg opens no codec context, so neither the
  audible prompt nor a stream copy through PyAV is possible. Say which codec it is.
- Decodable but not writable back in kind (DTS: FFmpeg has only an experimental core-DTS encoder,
  and its DTS-HD MA decoder has crashed on real files): refuse before the first decode.
"""

from __future__ import annotations

from pathlib import Path

import av

from aigclabel_gui.engine.errors import UnsupportedFormat

# ISO/IEC 14496-12 sample-entry types of codecs without an FFmpeg decoder.
NO_DECODER = {
    b"ac-4": "AC-4 audio",
    b"mha1": "MPEG-H 3D Audio",
    b"mha2": "MPEG-H 3D Audio",
    b"mhm1": "MPEG-H 3D Audio",
    b"mhm2": "MPEG-H 3D Audio",
}
# PyAV decoder names -> what the user knows them as (codecs with no usable encoder to write back)
NOT_WRITABLE = {"dca": "DTS", "dts": "DTS", "truehd": "Dolby TrueHD", "mlp": "MLP"}


def mp4_sample_entries(path: Path) -> list[bytes]:
    """The sample-entry types (e.g. b"mp4a", b"ac-4") of every track's `stsd`, in file order;
    [] for anything that is not ISO BMFF (containers/isobmff.py reads the boxes)."""
    from aigclabel_gui.engine.containers.isobmff import file_moov, sample_entries

    moov = file_moov(path)
    return [] if moov is None else [e.type for e in sample_entries(moov)]


def undecodable_reason(path: Path) -> str | None:
    """Why FFmpeg cannot decode the file's first audio stream, or None if it can."""
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            streams = list(c.streams.audio)
    except (av.FFmpegError, OSError):
        return None  # the usual reader reports a damaged file with its own message
    if not streams or streams[0].codec_context is not None:
        return None
    return _no_decoder_text(path)


def _no_decoder_text(path: Path) -> str:
    names = [NO_DECODER[t] for t in mp4_sample_entries(path) if t in NO_DECODER]
    what = names[0] if names else "the audio codec"
    return f"{path.name}: {what} has no decoder in FFmpeg"


def refuse_undecodable(path: Path) -> None:
    """For the audible prompt: refuse audio FFmpeg cannot decode, naming the codec."""
    if (why := undecodable_reason(path)) is not None:
        raise UnsupportedFormat(
            f"{why}, so the audible prompt cannot be added",
            advice="label it metadata-only (--implicit-only), or convert the audio to AAC/FLAC first",
        )


def refuse_dropped_audio(path: Path) -> None:
    """For the visible video label: a copied audio track FFmpeg cannot read would be dropped
    from the output (PyAV copies a stream only through its codec parameters): refuse instead."""
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            bad = [k for k, s in enumerate(c.streams.audio) if s.codec_context is None]
    except (av.FFmpegError, OSError):
        return
    if bad:
        raise UnsupportedFormat(
            f"{_no_decoder_text(path)}: the visible label would drop that audio track",
            advice="label it metadata-only (--implicit-only), which keeps every track",
        )


def refuse_unwritable(path: Path, fmt_name: str, codec: str) -> None:
    """Audio that decodes but cannot be encoded back in kind: refused before any decoding."""
    if codec in NOT_WRITABLE:
        raise UnsupportedFormat(
            f"{path.name}: {NOT_WRITABLE[codec]} audio in {fmt_name.upper()} cannot be written back "
            "(FFmpeg has no complete encoder for it), so the audible prompt cannot be added",
            advice="label it metadata-only (--implicit-only), or convert the audio to FLAC or AAC first",
        )
