"""MP3: the AIGC record in an ID3v2 `TXXX` frame with description `AIGC` (TC260 audio guide).

The ID3v2 tag at the start of the file is rebuilt with mutagen (same tag version, every other
frame kept); every byte after it — the MPEG frames, an ID3v1 or APE tag at the end — is copied
unchanged. The ID3 helpers here are shared with wav.py, which reads the WAV `id3 ` chunk.
"""

from __future__ import annotations

import io
import mmap
import shutil
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import ID3, TXXX, Encoding
from mutagen.mp3 import HeaderNotFoundError, MPEGInfo

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord, looks_like_record

AIGC = "AIGC"
# A tag bigger than this is not metadata we should hold in memory (cover art is a few MB).
MAX_TAG_BYTES = 64 * 1024 * 1024
# Errors mutagen (and the struct/bit readers under it) raise on damaged tags.
PARSE_ERRORS = (MutagenError, ValueError, EOFError, IndexError, KeyError, TypeError)


def _texts(frame) -> list[str]:
    return [str(t) for t in getattr(frame, "text", [])]


def _is_aigc_frame(frame) -> bool:
    """Any frame that carries a record: TXXX named AIGC in any case, or TXXX/COMM holding one."""
    fid = frame.FrameID
    if fid == "TXXX" and frame.desc.upper() == AIGC:
        return True
    if fid in ("TXXX", "COMM"):
        return any(looks_like_record(t) for t in _texts(frame))
    return False


def id3_records(tags: ID3, where: str, *, standard_carrier: bool) -> list[FoundRecord]:
    """Every AIGC record in an ID3 tag. `standard_carrier` is True for MP3 (TXXX:AIGC is its
    carrier) and False where ID3 is itself a foreign place (the WAV `id3 ` chunk)."""
    found = []
    for frame in tags.values():
        if not _is_aigc_frame(frame):
            continue
        fid = frame.FrameID
        desc = frame.desc
        carrier = f"{where} {fid}:{desc}" if desc or fid == "TXXX" else f"{where} {fid}"
        exact = fid == "TXXX" and desc == AIGC
        if not standard_carrier:
            note = f"{carrier} is not this format's carrier"
        elif exact:
            note = ""
        elif fid == "TXXX" and desc.upper() == AIGC:
            note = f"TXXX description {desc!r}: ID3 descriptions are case-sensitive; the guide uses 'AIGC'"
        else:
            note = f"record stored in {fid} {desc!r}, not in TXXX:AIGC"
        # mutagen merges frames with the same description into one frame with several texts:
        # each text is one stored record, so duplicates are reported as such.
        for text in _texts(frame):
            if exact or looks_like_record(text):
                found.append(FoundRecord(carrier, text, standard_carrier and exact, note))
    return found


def remove_id3_records(tags: ID3) -> int:
    """Delete every frame that carries a record; returns how many were removed."""
    keys = [key for key, frame in tags.items() if _is_aigc_frame(frame)]
    for key in keys:
        del tags[key]
    return len(keys)


def add_aigc_txxx(tags: ID3, record_json: str) -> None:
    # Our records are ASCII (Annex E); a kept non-conforming producer value may not be, and
    # mutagen turns UTF-8 into UTF-16 itself when it writes v2.3.
    enc = Encoding.LATIN1 if record_json.isascii() else Encoding.UTF8
    tags.add(TXXX(encoding=enc, desc=AIGC, text=[record_json]))


def load_id3(data: bytes, name: str) -> tuple[ID3, int]:
    """Parse one ID3v2 tag from `data`. Returns the tags and the major version to write back
    (2.2 cannot be written: it becomes 2.3). ID3v1 is not merged in: it is a separate tag."""
    version = data[3] if len(data) > 3 else 3
    v2 = 4 if version == 4 else 3
    tags = ID3()
    try:
        tags.load(io.BytesIO(data), v2_version=v2, load_v1=False)
    except PARSE_ERRORS as exc:
        raise CorruptFile(f"{name}: the ID3v2 tag cannot be read ({exc})") from exc
    return tags, v2


def id3_tag_bytes(tags: ID3, v2_version: int) -> bytes:
    """Serialise `tags` as one complete ID3v2 tag (header + frames + mutagen's padding)."""
    buf = io.BytesIO()
    tags.save(buf, v1=0, v2_version=v2_version)
    data = buf.getvalue()
    return data[: id3v2_size(data[:10])]


def id3v2_size(header: bytes) -> int:
    """Total size of the ID3v2 tag whose 10-byte header is given (0 if there is none)."""
    if len(header) < 10 or header[:3] != b"ID3":
        return 0
    if any(b & 0x80 for b in header[6:10]) or header[3] > 4:
        return -1
    size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]
    footer = 10 if header[3] == 4 and header[5] & 0x10 else 0
    return 10 + size + footer


class Mp3Container(Container):
    name = "mp3"
    kind = "audio"
    extensions = (".mp3",)
    carrier = "ID3v2 TXXX frame AIGC"

    def _read_tag(self, path: Path) -> tuple[ID3 | None, int, int, int]:
        """(tags or None, tag end offset, version to write, file size); checks the audio."""
        size = path.stat().st_size
        if size == 0:
            raise UnsupportedFormat(f"{path.name} is empty")
        with open(path, "rb") as f:
            header = f.read(10)
            end = id3v2_size(header)
            if end < 0:
                raise CorruptFile(f"{path.name}: the ID3v2 header is damaged")
            if end > size:
                raise CorruptFile(f"{path.name}: the ID3v2 tag is cut off (file truncated)")
            if end > MAX_TAG_BYTES:
                raise InputTooLarge(f"{path.name}: the ID3v2 tag is {end >> 20} MiB")
            tags, v2 = (None, 3)
            if end:
                f.seek(0)
                tags, v2 = load_id3(f.read(end), path.name)
            check_mpeg_stream(f, end, size, path.name)
        return tags, end, v2, size

    def scan(self, path: Path) -> MetadataScan:
        tags, _end, _v2, _size = self._read_tag(path)
        scan = MetadataScan()
        if tags is not None:
            scan.records = id3_records(tags, "ID3", standard_carrier=True)
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        # Where the record goes: always TXXX:AIGC. A producer record found in a case variant,
        # another TXXX or a COMM frame is moved there and the old frame removed, because a check
        # (ours and the guide's) accepts only TXXX:AIGC — exactly one record results (§6.1 c).
        tags, end, v2, _size = self._read_tag(src)
        if tags is None:
            # No tag yet: v2.3 is the version every player and OS shell reads.
            tags, v2 = ID3(), 3
        remove_id3_records(tags)
        add_aigc_txxx(tags, record.to_json())
        try:
            new_tag = id3_tag_bytes(tags, v2)
        except PARSE_ERRORS as exc:
            raise CorruptFile(f"{src.name}: the ID3v2 tag cannot be rewritten ({exc})") from exc
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fout.write(new_tag)
            fin.seek(end)
            shutil.copyfileobj(fin, fout, 1 << 20)  # the audio frames, byte for byte


# ISO/IEC 11172-3 and 13818-3 frame header tables: kbit/s by (MPEG-1?, layer), Hz by version bits.
_KBPS = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_KBPS[(False, 3)] = _KBPS[(False, 2)]
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_frame_length(header: int) -> int:
    """Bytes in the MPEG audio frame starting with this 32-bit header; 0 if it is not one
    (or is free-format, whose length the header does not give)."""
    if header >> 21 != 0x7FF:
        return 0
    version, layer_bits = (header >> 19) & 3, (header >> 17) & 3
    br_idx, sr_idx, pad = (header >> 12) & 15, (header >> 10) & 3, (header >> 9) & 1
    if version == 1 or layer_bits == 0 or br_idx in (0, 15) or sr_idx == 3:
        return 0
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _KBPS[(mpeg1, layer)][br_idx] * 1000
    rate = _RATES[version][sr_idx]
    if layer == 1:
        return (12 * bitrate // rate + pad) * 4
    per_frame = 1152 if layer == 2 or mpeg1 else 576
    return per_frame // 8 * bitrate // rate + pad


def check_mpeg_stream(f, start: int, size: int, name: str) -> None:
    """Refuse a file with no MPEG audio, or whose last frame is cut off (a truncated download).

    mutagen finds the first frame; then the frame headers are walked (4 bytes each, ~15 ms per
    3 min). Anything that is not a frame header (ID3v1/APE tags, junk, free format) ends the walk
    quietly: only a frame that runs past the end of the file counts as truncation."""
    try:
        info = MPEGInfo(f, offset=start)
    except HeaderNotFoundError as exc:
        raise CorruptFile(f"{name}: no MPEG audio frames found") from exc
    except PARSE_ERRORS as exc:
        raise CorruptFile(f"{name}: the MPEG audio cannot be read ({exc})") from exc
    with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        pos = info.frame_offset
        while pos + 4 <= size:
            length = mpeg_frame_length(int.from_bytes(mm[pos : pos + 4], "big"))
            if not length:
                return
            pos += length
        if pos < size and mm[pos] != 0xFF:
            return  # 1-3 stray bytes that are not the start of a frame header
    if pos != size:
        raise CorruptFile(f"{name}: the last MPEG frame is cut off (file truncated)")
