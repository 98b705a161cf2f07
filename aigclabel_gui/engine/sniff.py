"""What a file is, from its bytes (the extension is only a tie-breaker for text)."""

from __future__ import annotations

import os
import struct
from pathlib import Path

_HEAD = 64 * 1024
_HEIF_BRANDS = {
    b"heic",
    b"heix",
    b"hevc",
    b"hevx",
    b"heim",
    b"heis",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
    b"mif3",  # low-overhead ('mini') HEIF/AVIF: refused with its reason by heif_items.py
}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_QT_TOP = {b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}
_MD_EXT = {".md", ".markdown", ".mdown", ".mkd"}


def sniff_format(path: Path) -> str | None:
    """The registry name of the file's format ("jpeg", "mp4", "markdown", ...) or None."""
    with open(path, "rb") as f:
        head = f.read(_HEAD)
    if not head:
        return None
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:3] == b"FLV" and len(head) > 9 and head[3] == 1:
        return "flv"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":  # RF64: refused by wav.py
        return "wav"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):  # classic, BigTIFF
        return "tiff"
    if (
        head[:2] == b"BM"
        and len(head) > 26
        and struct.unpack("<I", head[14:18])[0] in (12, 40, 52, 56, 64, 108, 124)
    ):
        return "bmp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        if b"OpusHead" in head[:512]:
            return "opus"
        if b"\x01vorbis" in head[:512]:
            return "ogg"
        if b"\x7fFLAC" in head[:512]:  # FLAC-in-Ogg mapping (xiph.org/flac/ogg_mapping.html)
            return "oggflac"
        return None  # Theora, Speex, ...: no handler
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    if head[4:8] == b"ftyp":
        return _iso_bmff(path, head)
    if head[4:8] in _QT_TOP:
        return _iso_bmff(path, head)
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(head)
    if path.suffix.lower() in _TEXT_EXT and _text_bom(head):
        # Notepad's "Unicode" (UTF-16LE, BOM FF FE) looks like an MPEG audio frame sync.
        return _text(path, head)
    if head.startswith(b"ID3"):
        # ID3v2 in front of the audio: MP3 (ID3 ahead of FLAC exists but is rare and non-standard).
        # A file cut inside the 10-byte header is still "mp3": its container says it is truncated.
        if len(head) >= 10 and head[_syncsafe(head[6:10]) + 10 :].startswith(b"fLaC"):
            return "flac"
        return "mp3"
    if _is_mpeg_audio_frame(head):
        return "mp3"
    if head[:1] == b"\x00" and _mpeg_after_padding(head):
        return "mp3"
    return _text(path, head)


def _syncsafe(b: bytes) -> int:
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def _is_mpeg_audio_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    layer = (head[1] >> 1) & 3
    version = (head[1] >> 3) & 3
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 3
    # layer 00 is ADTS AAC; reserved version/rate/bitrate values are not MPEG audio.
    return layer != 0 and version != 1 and bitrate not in (0, 15) and rate != 3


def _mpeg_after_padding(head: bytes) -> bool:
    """MPEG audio after zero padding (some rippers and streaming recorders write it): two frame
    headers in a row, so random binary data is not taken for audio."""
    from aigclabel_gui.engine.containers.id3 import mpeg_frame_length

    start = len(head) - len(head.lstrip(b"\x00"))
    if start >= len(head) - 4:
        return False
    first = int.from_bytes(head[start : start + 4], "big")
    length = mpeg_frame_length(first)
    nxt = head[start + length : start + length + 4]
    return length > 0 and len(nxt) == 4 and mpeg_frame_length(int.from_bytes(nxt, "big")) > 0


def _iso_bmff(path: Path, head: bytes) -> str | None:
    brands = set()
    if head[4:8] == b"ftyp":
        size = struct.unpack(">I", head[:4])[0]
        ftyp = head[8 : max(16, min(size, len(head)))]
        brands = {ftyp[0:4]} | {ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)}
        major = ftyp[0:4]
        if major in _HEIF_BRANDS or (
            brands & _HEIF_BRANDS and not brands & {b"isom", b"mp41", b"mp42", b"qt  "}
        ):
            return "heif"
    has_video = _has_video_track(path)
    if has_video is False and (brands & _M4A_BRANDS or brands):
        return "m4a"
    if brands & _M4A_BRANDS and has_video is None:
        return "m4a"
    if b"qt  " in brands or not brands:
        return "mov"
    return "mp4"


def _has_video_track(path: Path) -> bool | None:
    """True/False from the tracks' handler types in `moov`; None if `moov` cannot be found or
    read. The boxes are walked by the MP4 container's own parser (containers/isobmff.py)."""
    from aigclabel_gui.engine.containers.isobmff import iter_top_level, read_moov, track_handlers
    from aigclabel_gui.engine.errors import AigcError

    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            for top in iter_top_level(f, size, path.name):
                if top.type == b"moov":
                    return b"vide" in track_handlers(read_moov(f, top, path.name))
    # AigcError: a box past the end, a damaged or huge moov. ValueError/OverflowError: a box
    # size such as largesize = 2^64-1 that no seek can take.
    except (OSError, AigcError, struct.error, ValueError, OverflowError):
        return None
    return None


def _ooxml(head: bytes) -> str | None:
    # The central directory is at the end, but local headers name the parts early; good enough
    # to tell OOXML from other zips. The container then opens the zip properly.
    if b"word/" in head:
        return "docx"
    if b"xl/" in head:
        return "xlsx"
    if b"ppt/" in head:
        return "pptx"
    if b"[Content_Types].xml" in head:
        return "docx"
    return None


_TEXT_EXT = _MD_EXT | {".txt", ".text", ""}


def _text_bom(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))


def _text(path: Path, head: bytes) -> str | None:
    # Text has no magic bytes: only files named as text count, so a "photo.jpg" that holds text
    # is reported as unsupported instead of getting a prompt line written into it.
    if path.suffix.lower() not in _TEXT_EXT:
        return None
    from aigclabel_gui.engine.containers.textenc import guess_encoding

    # UTF-8, a BOM-marked UTF-16/32, or a legacy desktop encoding (GBK/GB18030, Big5, Latin-1).
    codec = guess_encoding(head, partial=True)
    if codec is None:
        return None
    if codec != "utf-8":
        head = head.decode(codec, "replace").encode("utf-8")
    if path.suffix.lower() in _MD_EXT:
        return "markdown"
    if path.suffix.lower() == ".txt":
        return "txt"  # a plain-text file that starts with "---" must not get front matter
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"---\n") or head.startswith(b"---\r\n"):
        return "markdown"
    return "txt"
