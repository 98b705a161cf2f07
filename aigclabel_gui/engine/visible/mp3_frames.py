"""MPEG audio Layer III at the byte level: frame headers, the Xing/Info/LAME header frame, the bit
reservoir (main_data_begin), silent "bridge" frames, and the CRC-16s of LAME tags.

No library exposes these (mutagen reads the first header and the Xing count only); this module is
what lets audio.py join encoded prompt frames to the original frames without re-encoding them.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass

import numpy as np

from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat

BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}
MONO = 3
# Xing flags
XING_FRAMES, XING_BYTES, XING_TOC, XING_QUALITY = 1, 2, 4, 8
LAME_TAG_LEN = 36
MAX_LEADING_JUNK = 64 * 1024


@dataclass(frozen=True)
class FrameHeader:
    version: int  # 1, 2, or 25 for MPEG-2.5
    layer: int
    protected: bool  # a CRC-16 follows the 4-byte header
    bitrate_index: int
    sample_rate: int
    padding: int
    mode: int  # 0 stereo, 1 joint stereo, 2 dual channel, 3 mono

    @property
    def bitrate(self) -> int:
        return BITRATES[1 if self.version == 1 else 2][self.bitrate_index]

    @property
    def samples(self) -> int:
        return 1152 if self.version == 1 else 576

    @property
    def channels(self) -> int:
        return 1 if self.mode == MONO else 2

    @property
    def size(self) -> int:
        per = 144000 if self.version == 1 else 72000
        return per * self.bitrate // self.sample_rate + self.padding

    @property
    def side_info_at(self) -> int:
        return 6 if self.protected else 4

    @property
    def side_info_len(self) -> int:
        if self.version == 1:
            return 17 if self.mode == MONO else 32
        return 9 if self.mode == MONO else 17

    @property
    def payload_at(self) -> int:
        """Where the main data area (the bytes the bit reservoir lends from) starts."""
        return self.side_info_at + self.side_info_len

    def stream_key(self) -> tuple[int, int, int]:
        """What may not change between frames of one stream."""
        return (self.version, self.layer, self.sample_rate)


def parse_header(b: bytes | mmap.mmap, off: int = 0) -> FrameHeader | None:
    """A frame header at `off`, or None if the bytes there are not a valid MPEG audio header."""
    if off + 4 > len(b) or b[off] != 0xFF or (b[off + 1] & 0xE0) != 0xE0:
        return None
    b1, b2, b3 = b[off + 1], b[off + 2], b[off + 3]
    vbits, lbits = (b1 >> 3) & 3, (b1 >> 1) & 3
    br, sr = b2 >> 4, (b2 >> 2) & 3
    if vbits == 1 or lbits == 0 or br == 15 or sr == 3:
        return None
    version = {0: 25, 2: 2, 3: 1}[vbits]
    return FrameHeader(
        version=version,
        layer=4 - lbits,
        protected=not (b1 & 1),
        bitrate_index=br,
        sample_rate=RATES[version][sr],
        padding=(b2 >> 1) & 1,
        mode=b3 >> 6,
    )


def main_data_begin(b: bytes | mmap.mmap, off: int, h: FrameHeader) -> int:
    """How many bytes of earlier frames' main data this frame borrows (the bit reservoir)."""
    p = off + h.side_info_at
    return (b[p] << 1 | b[p + 1] >> 7) if h.version == 1 else b[p]


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc16_lame(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (poly 0x8005 reflected, init 0): the LAME tag's own CRC and its music CRC."""
    t = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ t[(crc ^ byte) & 0xFF]
    return crc


def crc16_zero_advance(crc: int, nbytes: int) -> int:
    """The CRC-16/ARC register after `nbytes` zero bytes, in O(log n): with it the CRC of A+B
    follows from the CRCs of A and B (zlib's crc32_combine idea), without reading A or B."""

    def apply(mat: list[int], vec: int) -> int:
        out, i = 0, 0
        while vec:
            if vec & 1:
                out ^= mat[i]
            vec >>= 1
            i += 1
        return out

    # One zero bit through the reflected register: shift right, xor the polynomial on carry.
    one_bit = [0xA001] + [1 << (i - 1) for i in range(1, 16)]
    mat = one_bit
    for _ in range(3):  # one zero byte = 8 zero bits
        mat = [apply(mat, col) for col in mat]
    n = nbytes
    while n:
        if n & 1:
            crc = apply(mat, crc)
        mat = [apply(mat, col) for col in mat]
        n >>= 1
    return crc


@dataclass
class InfoFrame:
    """The Xing/Info header frame (LAME, FFmpeg and most encoders write one): frame and byte
    counts, a seek table, and in the LAME extension the encoder delay and padding that decoders
    trim for gapless playback."""

    offset: int
    raw: bytearray
    header: FrameHeader
    vbr: bool  # "Xing" (variable bitrate) rather than "Info" (constant)
    flags: int
    field_at: dict[str, int]  # "frames", "bytes", "toc" -> offset in raw
    lame_at: int | None  # the 36-byte LAME extension, when its encoder string is one we know

    def get(self, name: str) -> int | None:
        at = self.field_at.get(name)
        return None if at is None else struct.unpack_from(">I", self.raw, at)[0]

    def set(self, name: str, value: int) -> None:
        if name in self.field_at:
            struct.pack_into(">I", self.raw, self.field_at[name], value & 0xFFFFFFFF)

    @property
    def delay_padding(self) -> tuple[int, int] | None:
        if self.lame_at is None:
            return None
        v = int.from_bytes(self.raw[self.lame_at + 21 : self.lame_at + 24], "big")
        return v >> 12, v & 0xFFF


def read_info_frame(b: bytes | mmap.mmap, off: int, h: FrameHeader) -> InfoFrame | None:
    at = h.payload_at  # the tag follows the (all-zero) side information
    tag = bytes(b[off + at : off + at + 4])
    if tag not in (b"Xing", b"Info") or h.size < at + 8:
        return None
    raw = bytearray(b[off : off + h.size])
    flags = struct.unpack_from(">I", raw, at + 4)[0]
    pos = at + 8
    fields: dict[str, int] = {}
    for name, flag, length in (
        ("frames", XING_FRAMES, 4),
        ("bytes", XING_BYTES, 4),
        ("toc", XING_TOC, 100),
        ("quality", XING_QUALITY, 4),
    ):
        if flags & flag:
            fields[name] = pos
            pos += length
    if pos > len(raw):
        return None
    lame_at = None
    # FFmpeg trusts the delay/padding of these encoder strings (libavformat/mp3dec.c).
    if pos + LAME_TAG_LEN <= len(raw) and bytes(raw[pos : pos + 4]) in (b"LAME", b"Lavf", b"Lavc"):
        lame_at = pos
    return InfoFrame(off, raw, h, tag == b"Xing", flags, fields, lame_at)


@dataclass
class Mp3Layout:
    """Where everything is in an MP3 file. Audio frames exclude the Info/VBRI header frame."""

    size: int
    audio_start: int  # first byte after the ID3v2 tag
    info: InfoFrame | None
    vbri_frame: tuple[int, int] | None  # (offset, size) of a Fraunhofer VBRI frame
    offsets: np.ndarray  # int64 offsets of the audio frames
    sizes: np.ndarray  # int32
    first: FrameHeader  # header of the first audio frame
    frames_end: int  # end of the last complete audio frame
    truncated: int  # bytes of a cut-off frame after frames_end (not decodable)
    trailer_start: int  # ID3v1 / APEv2 / Lyrics3 tags at the end start here
    junk: int  # bytes between frames that are not frames (kept as they are)

    def frame_header(self, mm: bytes | mmap.mmap, i: int) -> FrameHeader:
        h = parse_header(mm, int(self.offsets[i]))
        assert h is not None
        return h


def id3v2_end(mm: bytes | mmap.mmap) -> int:
    """End of the leading ID3v2 tag(s) (0 if none)."""
    pos = 0
    while mm[pos : pos + 3] == b"ID3" and pos + 10 <= len(mm):
        sz = mm[pos + 6 : pos + 10]
        size = (sz[0] << 21) | (sz[1] << 14) | (sz[2] << 7) | sz[3]
        footer = 10 if mm[pos + 5] & 0x10 else 0
        pos += 10 + size + footer
    return min(pos, len(mm))


def trailer_start(mm: bytes | mmap.mmap) -> int:
    """Start of the tags appended after the audio: ID3v1, APEv2, Lyrics3 v2 (any order seen)."""
    end = len(mm)
    changed = True
    while changed:
        changed = False
        if end >= 128 and mm[end - 128 : end - 125] == b"TAG":
            end -= 128
            changed = True
        if end >= 32 and mm[end - 32 : end - 24] == b"APETAGEX":
            size, flags = struct.unpack("<I4xI", mm[end - 20 : end - 8])
            total = size + (32 if flags & 0x80000000 else 0)  # a header is present too
            if 0 < total <= end:
                end -= total
                changed = True
        if end >= 15 and mm[end - 9 : end] == b"LYRICS200":
            try:
                size = int(mm[end - 15 : end - 9])
            except ValueError:
                size = -1
            if 0 < size + 15 <= end:
                end -= size + 15
                changed = True
    return end


def _valid_pair(mm, off: int, limit: int, key=None) -> FrameHeader | None:
    """A header at `off` whose frame is followed by another header of the same stream (or by the
    end): the usual check against 0xFFE bytes inside other data."""
    h = parse_header(mm, off)
    if h is None or h.bitrate_index == 0 or (key and h.stream_key() != key):
        return None
    nxt = off + h.size
    if nxt == limit:
        return h
    h2 = parse_header(mm, nxt) if nxt + 4 <= limit else None
    if h2 is None or h2.stream_key() != h.stream_key():
        return None
    return h


def _find_frame(mm, start: int, limit: int, key=None, max_scan: int | None = None) -> int | None:
    pos = start
    stop = limit if max_scan is None else min(limit, start + max_scan)
    while True:
        pos = mm.find(b"\xff", pos, stop)
        if pos < 0 or pos + 4 > limit:
            return None
        if _valid_pair(mm, pos, limit, key):
            return pos
        pos += 1


def scan(mm: bytes | mmap.mmap, name: str) -> Mp3Layout:
    """Walk every frame header. Raises CorruptFile/UnsupportedFormat with the reason."""
    size = len(mm)
    start = id3v2_end(mm)
    limit = trailer_start(mm)
    if limit < start:
        limit = start
    first = _find_frame(mm, start, limit, max_scan=MAX_LEADING_JUNK)
    if first is None:
        raise CorruptFile(f"{name}: no MPEG audio frames found (damaged or not an MP3)")
    h = parse_header(mm, first)
    assert h is not None
    if h.layer != 3:
        raise UnsupportedFormat(
            f"{name}: MPEG-{h.version} Layer {'I' * h.layer} audio, not MP3 (Layer III)",
            advice="convert it to MP3 or FLAC first",
        )
    key = h.stream_key()
    info = read_info_frame(mm, first, h)
    vbri = None
    pos = first
    if info is not None:
        pos += h.size
    elif mm[first + 36 : first + 40] == b"VBRI":
        vbri = (first, h.size)
        pos += h.size
    offsets: list[int] = []
    sizes: list[int] = []
    junk = truncated = 0
    find = mm.find
    while pos + 4 <= limit:
        hh = None
        if mm[pos] == 0xFF and (mm[pos + 1] & 0xE0) == 0xE0:
            hh = parse_header(mm, pos)
        if hh is not None and hh.stream_key() == key and hh.bitrate_index:
            fsize = hh.size
            if pos + fsize > limit:
                truncated = limit - pos
                break
            offsets.append(pos)
            sizes.append(fsize)
            pos += fsize
            continue
        nxt = _find_frame(mm, pos + 1, limit, key)
        if nxt is None:
            break
        junk += nxt - pos
        pos = find(b"\xff", nxt)
    if not offsets:
        raise CorruptFile(f"{name}: no complete MPEG audio frame (truncated)")
    frames_end = offsets[-1] + sizes[-1]
    return Mp3Layout(
        size=size,
        audio_start=start,
        info=info,
        vbri_frame=vbri,
        offsets=np.asarray(offsets, dtype=np.int64),
        sizes=np.asarray(sizes, dtype=np.int32),
        first=parse_header(mm, offsets[0]),  # type: ignore[arg-type]
        frames_end=frames_end,
        truncated=truncated,
        trailer_start=limit,
        junk=junk,
    )


def reservoir_before(mm, layout: Mp3Layout, k: int, need: int) -> tuple[bytes, int]:
    """The last `need` main-data bytes before audio frame k (what its main_data_begin points at),
    and how many of them are missing because they would lie before the first audio frame."""
    parts: list[bytes] = []
    got = 0
    i = k - 1
    while got < need and i >= 0:
        off = int(layout.offsets[i])
        h = layout.frame_header(mm, i)
        chunk = bytes(mm[off + h.payload_at : off + int(layout.sizes[i])])
        parts.append(chunk)
        got += len(chunk)
        i -= 1
    data = b"".join(reversed(parts))[-need:] if need else b""
    return data, need - len(data)


def silent_frame(like: FrameHeader, payload: bytes = b"") -> bytes:
    """A frame that decodes to silence and uses none of its main data: all-zero side information
    (main_data_begin 0, part2_3_length 0). Its payload is therefore free to lend to the next
    frame through the bit reservoir. Same version, rate, bitrate and mode as `like`, no CRC."""
    h = FrameHeader(like.version, 3, False, like.bitrate_index, like.sample_rate, 0, like.mode)
    room = h.size - h.payload_at
    if len(payload) > room:
        raise ValueError("payload larger than the frame")
    vbits = {1: 3, 2: 2, 25: 0}[h.version]
    b1 = 0xE0 | vbits << 3 | 1 << 1 | 1  # layer III, no CRC
    sr_index = RATES[h.version].index(h.sample_rate)
    b2 = h.bitrate_index << 4 | sr_index << 2
    b3 = h.mode << 6
    head = bytes([0xFF, b1, b2, b3]) + bytes(h.side_info_len)
    return head + bytes(room - len(payload)) + payload


def bridge_frames(like: FrameHeader, reservoir: bytes) -> list[bytes]:
    """Silent frames whose main data areas end with `reservoir`, so that the frame after them
    finds exactly the bytes its main_data_begin expects (MP3 bit reservoir, ISO 11172-3 2.4.3.4)."""
    plain = FrameHeader(like.version, 3, False, like.bitrate_index, like.sample_rate, 0, like.mode)
    room = plain.size - plain.payload_at
    if not reservoir:
        return []
    n = -(-len(reservoir) // room)
    data = bytes(n * room - len(reservoir)) + reservoir
    return [silent_frame(like, data[i * room : (i + 1) * room]) for i in range(n)]


def _granule_fields(h: FrameHeader) -> list[list[int]]:
    """Bit offsets (in the side info) of each granule's per-channel part2_3_length; its
    global_gain follows 21 bits later (ISO 11172-3 2.4.1.7, ISO 13818-3 for MPEG-2 LSF)."""
    nch = h.channels
    if h.version == 1:
        pos, per, ngr = 9 + (5 if nch == 1 else 3) + 4 * nch, 59, 2
    else:
        pos, per, ngr = 8 + (1 if nch == 1 else 2), 63, 1
    out = []
    for _gr in range(ngr):
        out.append([pos + per * ch for ch in range(nch)])
        pos += per * nch
    return out


def mute_orphan_granules(frame: bytearray, h: FrameHeader, available: int) -> int:
    """Mute the granules of a frame whose main data lay in bytes that do not exist (a stream
    cut from a longer one): the same granules FFmpeg's decoder zeroes when it meets the source
    (mpegaudiodec_template.c). global_gain 0 scales them by 2^-52.5; their bits stay where they
    are, so the frame's other granules and later frames decode exactly as in the source.
    Returns how many granule/channel blocks were muted."""
    mdb = main_data_begin(frame, 0, h)
    if mdb <= available:
        return 0
    si0, nbits = h.side_info_at, 8 * h.side_info_len
    si = int.from_bytes(frame[si0 : si0 + h.side_info_len], "big")
    consumed, muted = 8 * available, 0
    for channels in _granule_fields(h):
        if consumed >= 8 * mdb:
            break
        for pos in channels:
            consumed += (si >> (nbits - pos - 12)) & 0xFFF
            si &= ~(0xFF << (nbits - pos - 21 - 8))
            muted += 1
    frame[si0 : si0 + h.side_info_len] = si.to_bytes(h.side_info_len, "big")
    if h.protected:
        crc = _crc16_mpeg(bytes(frame[2:4]) + bytes(frame[6 : 6 + h.side_info_len]))
        frame[4:6] = crc.to_bytes(2, "big")
    return muted


def _crc16_mpeg(data: bytes) -> int:
    """The frame CRC of ISO 11172-3: poly 0x8005, init 0xFFFF, not reflected."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def update_info_frame(
    info: InfoFrame,
    *,
    frames: int,
    audio_bytes: int,
    positions: np.ndarray,
    delay: int | None,
    padding: int | None,
    music_crc: int | None,
) -> list[str]:
    """Rewrite the counts, seek table and LAME delay/padding for the joined stream.

    `audio_bytes` counts the Info frame and every audio frame; `positions` are the audio frames'
    offsets from the Info frame's start. Returns notes for the user."""
    notes: list[str] = []
    info.set("frames", frames)
    info.set("bytes", audio_bytes)
    if "toc" in info.field_at and len(positions):
        # Xing seek table: for each percent of the duration, the byte position as 1/256 of the file.
        idx = np.minimum((np.arange(100) * len(positions)) // 100, len(positions) - 1)
        toc = np.minimum(positions[idx] * 256 // max(audio_bytes, 1), 255).astype(np.uint8)
        at = info.field_at["toc"]
        info.raw[at : at + 100] = toc.tobytes()
    if info.lame_at is not None:
        la = info.lame_at
        # ReplayGain peak and gains describe the old audio: cleared rather than left wrong.
        if any(info.raw[la + 11 : la + 19]):
            info.raw[la + 11 : la + 19] = bytes(8)
            notes.append("the LAME header's ReplayGain fields were cleared (the audio changed)")
        d, p = info.delay_padding or (0, 0)
        d = d if delay is None else delay
        p = p if padding is None else padding
        info.raw[la + 21 : la + 24] = ((min(d, 4095) << 12) | min(p, 4095)).to_bytes(3, "big")
        struct.pack_into(">I", info.raw, la + 28, audio_bytes)
        if music_crc is not None:
            struct.pack_into(">H", info.raw, la + 32, music_crc)
        struct.pack_into(">H", info.raw, la + 34, crc16_lame(bytes(info.raw[: la + 34])))
    return notes
