"""Dolby Vision configuration records of video tracks: `dvcC`/`dvvC`/`dvwC` in an MP4/MOV sample
entry (Dolby "Dolby Vision Streams Within the ISO Base Media File Format") or in a Matroska
BlockAdditionMapping (Dolby "Dolby Vision Streams Within the Matroska and WebM Format").

The visible label re-encodes the video, and no encoder here writes Dolby Vision RPUs, so the
result is the base layer alone. A stream may carry the record without RPUs FFmpeg reports on the
first frame, so the record itself is read here:

- base layer compatible with HDR10, SDR or HLG (profile 8.x, 7, 9, 10.x with a compatibility id):
  the labelled file is that base layer, and the result says so;
- no compatible base layer (profile 5, or a compatibility id of 0): the pixels are IPTPQc2 and
  would show wrong colours without Dolby Vision processing, so the visible label is refused.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui.engine.errors import UnsupportedFormat

_RECORDS = (b"dvcC", b"dvvC", b"dvwC")
# dv_bl_signal_compatibility_id -> what the base layer is (Dolby profiles spec, table 2)
COMPATIBILITY = {0: None, 1: "HDR10", 2: "SDR", 4: "HLG", 6: "HDR10 (BT.2100 PQ)"}


@dataclass(frozen=True)
class DolbyVision:
    profile: int
    level: int
    compatibility: int  # dv_bl_signal_compatibility_id

    @property
    def name(self) -> str:
        return f"Dolby Vision profile {self.profile}" + (
            f".{self.compatibility}" if self.compatibility else ""
        )

    @property
    def base_layer(self) -> str | None:
        """What a player without Dolby Vision shows; None when it is not viewable as is."""
        return (
            COMPATIBILITY.get(self.compatibility, "its base layer") if self.profile != 5 else None
        )


def parse_record(payload: bytes) -> DolbyVision | None:
    """DOVIDecoderConfigurationRecord: version (2 bytes), then profile:7 level:6 rpu:1 el:1 bl:1,
    then compatibility id:4."""
    if len(payload) < 5:
        return None
    bits = struct.unpack_from(">H", payload, 2)[0]
    return DolbyVision(bits >> 9, (bits >> 3) & 0x3F, payload[4] >> 4)


def read_dolby_vision(path: Path) -> DolbyVision | None:
    """The first Dolby Vision record of the file's video tracks (MP4/MOV sample entries,
    Matroska BlockAdditionMapping), or None."""
    try:
        with open(path, "rb") as f:
            if f.read(4) == b"\x1a\x45\xdf\xa3":  # EBML: Matroska/WebM
                return _matroska(f, path)
    except OSError:
        return None
    from aigclabel_gui.engine.containers.isobmff import child_boxes, file_moov, sample_entries

    moov = file_moov(path)
    if moov is None:
        return None
    for entry in sample_entries(moov):
        # VisualSampleEntry: 8 (SampleEntry) + 70 bytes of fields before its child boxes
        for child in child_boxes(entry.payload, 78, entry.type):
            if child.type in _RECORDS:
                return parse_record(child.payload)
    return None


# Matroska element ids (RFC 9559): Tracks, TrackEntry, BlockAdditionMapping, BlockAddIDType,
# BlockAddIDExtraData. The mapping's type is the record's four-character code as a number.
_TRACKS, _TRACK_ENTRY, _MAPPING, _ADD_TYPE, _ADD_EXTRA = 0x1654AE6B, 0xAE, 0x41E4, 0x41E7, 0x41ED


def _matroska(f, path: Path) -> DolbyVision | None:
    from aigclabel_gui.engine.containers.ebml import EbmlError, NeedsRemux, children, read_segment

    try:
        seg = read_segment(f, f.seek(0, 2))
        tracks = seg.first(_TRACKS)
        if tracks is None or tracks.size > 16 << 20:
            return None
        f.seek(tracks.data)
        for eid, _whole, entry in children(f.read(tracks.size)):
            if eid != _TRACK_ENTRY:
                continue
            for mid, _w, mapping in children(entry):
                if mid != _MAPPING:
                    continue
                parts = {k: v for k, _x, v in children(mapping)}
                kind = int.from_bytes(parts.get(_ADD_TYPE, b""), "big").to_bytes(4, "big")
                if kind in _RECORDS and _ADD_EXTRA in parts:
                    return parse_record(parts[_ADD_EXTRA])
    except (EbmlError, NeedsRemux, OverflowError):
        return None
    return None


def check_reencode(path: Path, dv: DolbyVision | None) -> None:
    """Refuse a Dolby Vision stream (`dv`, the probe's record) whose base layer is not viewable
    alone."""
    if dv is not None and dv.base_layer is None:
        raise UnsupportedFormat(
            f"{path.name}: {dv.name} has no HDR10/SDR/HLG-compatible base layer; re-encoded "
            "without Dolby Vision it would show wrong colours",
            advice="label it metadata-only (--implicit-only), which keeps the stream as it is",
        )
