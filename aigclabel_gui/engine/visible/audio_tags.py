"""Carry the source's tags (title, artist, album, cover art, lyrics ...) over to a re-encoded
file with mutagen. ReplayGain and gapless tags describe the old audio, so they are dropped and
the user told (a stale gain is worse than none: players would apply it to the new file)."""

from __future__ import annotations

from pathlib import Path

from mutagen import MutagenError
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from aigclabel_gui.engine.errors import CorruptFile

_STALE_VORBIS = ("REPLAYGAIN_", "R128_")
_STALE_MP4 = (
    "----:com.apple.iTunes:replaygain_",
    "----:com.apple.iTunes:iTunNORM",
    "----:com.apple.iTunes:iTunSMPB",  # encoder delay/padding of the old stream
)
RG_NOTE = "ReplayGain tags were removed (the audio changed); re-scan the file in your player"


def _stale_vorbis(key: str) -> bool:
    return key.upper().startswith(_STALE_VORBIS)


def _stale_mp4(key: str) -> bool:
    return any(key.lower().startswith(p.lower()) for p in _STALE_MP4)


def copy_tags(src: Path, dst: Path, fmt_name: str) -> list[str]:
    """Replace `dst`'s tags by `src`'s (minus stale ones). Returns notes for the user."""
    notes: list[str] = []
    try:
        if fmt_name == "flac":
            s, d = FLAC(src), FLAC(dst)
            _copy_vorbis(s, d, notes)
            d.clear_pictures()
            for pic in s.pictures:
                d.add_picture(pic)
            d.save()
        elif fmt_name in ("ogg", "opus"):
            cls = OggOpus if fmt_name == "opus" else OggVorbis
            s, d = cls(src), cls(dst)
            _copy_vorbis(s, d, notes)
            d.save()
        elif fmt_name == "m4a":
            s, d = MP4(src), MP4(dst)
            if s.tags:
                if d.tags is None:
                    d.add_tags()
                d.tags.clear()
                for key, value in s.tags.items():
                    if _stale_mp4(key):
                        _note(notes)
                        continue
                    d.tags[key] = value
            d.save()
    except (MutagenError, OSError, ValueError) as exc:
        raise CorruptFile(f"{src.name}: the tags cannot be copied ({exc})") from exc
    return notes


def _copy_vorbis(s, d, notes: list[str]) -> None:
    if d.tags is None:
        d.add_tags()
    d.tags.clear()
    for key, value in s.tags or []:
        if _stale_vorbis(key):
            _note(notes)
            continue
        d.tags.append((key, value))


def _note(notes: list[str]) -> None:
    if RG_NOTE not in notes:
        notes.append(RG_NOTE)


def strip_id3_replaygain(tags: ID3) -> bool:
    """Remove ReplayGain frames (TXXX:REPLAYGAIN_*, RVA2) from an ID3 tag; True if any were."""
    doomed = [
        k
        for k, f in tags.items()
        if f.FrameID == "RVA2" or (f.FrameID == "TXXX" and f.desc.upper().startswith("REPLAYGAIN_"))
    ]
    for k in doomed:
        del tags[k]
    return bool(doomed)
