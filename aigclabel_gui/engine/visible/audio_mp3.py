"""MP3 without re-encoding the programme: only the prompt (with its silence) is encoded, as MPEG
frames of the same version, sample rate, channel mode and bitrate, and joined to the original
frames at frame boundaries. The original frames are copied byte for byte.

Three things make a naive byte join fail; what we do about each:
1. The bit reservoir. A Layer III frame may start its main data up to 511 bytes back, inside
   earlier frames (main_data_begin > 0). Our prompt segments come from a fresh encoder, so their
   first frame has main_data_begin 0 (checked). When the programme is cut in the middle, the
   first frame after the prompt borrows bytes that the prompt would now supply: we put "bridge"
   frames after the prompt — silent frames (all-zero side info, so they use none of their own
   main data) whose payloads end with exactly the borrowed bytes copied from the original. At
   the start of a file, frames that borrow bytes which never existed (a stream cut from a
   longer one) are partly undecodable in the source: decoders mute the granules whose data is
   missing. Behind the prompt they would find the prompt's bytes instead and play garbage, so
   exactly those granules get global_gain 0 (×2^-52.5, silent); no bit moves, so everything
   else decodes as in the source.
2. The Xing/Info/LAME header frame. Decoders take the frame count, byte count, seek table and
   encoder delay/padding from it; left as is, FFmpeg would trim the end of the stream at the old
   frame count and cut off an end prompt. It stays first and is rewritten: counts, TOC, delay
   (ours when a prompt starts the file), padding (ours when one ends it), music length, music
   CRC (combined from CRCs, not re-read) and the tag CRC; its ReplayGain fields are cleared.
   A Fraunhofer VBRI header frame is dropped (with a note): nothing else in it matters.
3. Encoder delay/padding inside the stream: the prompt's encoder priming (576 + 529 samples) and
   the original's priming now play in the middle, inside the silence gap, where they belong.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aigclabel_gui.engine.containers.id3 import id3_tag_bytes, load_id3
from aigclabel_gui.engine.errors import UnsupportedFormat
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback
from aigclabel_gui.engine.visible import mp3_frames as mf
from aigclabel_gui.engine.visible.audio_pcm import SegmentFn
from aigclabel_gui.engine.visible.audio_plan import AudioProbe, Insert
from aigclabel_gui.engine.visible.audio_tags import RG_NOTE, strip_id3_replaygain

ENCODER_DELAY = 576  # LAME's encoder delay; FFmpeg's decoder adds its own 529 (mp3dec.c)
DECODER_DELAY = 529
MAX_ORPHANS = 8  # main_data_begin ≤ 511 bytes reaches back at most a few frames
COPY_CHUNK = 1 << 20


@dataclass
class Piece:
    """Output audio after the Info frame: a byte range of the source, or new frames."""

    src: tuple[int, int] | None = None
    frames: list[bytes] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.src[1] - self.src[0] if self.src else sum(len(f) for f in self.frames)


@dataclass
class Mp3Result:
    how: str
    notes: list[str]
    prompt_frames: list[int]  # output frame index where each inserted segment starts
    skip: int  # samples FFmpeg trims at the start (LAME delay + decoder delay)
    spf: int
    added_frames: int


def encode_segment(
    x: np.ndarray, like: mf.FrameHeader, kbps: int, layout: str, name: str
) -> tuple[list[bytes], int]:
    """The segment as MP3 frames from a fresh LAME encoder, checked to fit the stream.
    Returns (frames, LAME padding in samples)."""
    cc = av.CodecContext.create("libmp3lame", "w")
    cc.sample_rate = like.sample_rate
    cc.layout = layout
    cc.format = "fltp"
    cc.bit_rate = kbps * 1000
    if like.mode in (0, 2):  # the source uses plain stereo: do the same
        cc.options = {"joint_stereo": "0"}
    cc.open()
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x, np.float32), "fltp", layout)
    frame.sample_rate = like.sample_rate
    frame.pts = 0
    frame.time_base = Fraction(1, like.sample_rate)
    frames = [bytes(p) for p in cc.encode(frame) + cc.encode(None)]
    for i, fr in enumerate(frames):
        h = mf.parse_header(fr)
        if h is None or h.stream_key() != like.stream_key() or h.channels != like.channels:
            raise UnsupportedFormat(f"{name}: the prompt could not be encoded to match this MP3")
        if i == 0 and mf.main_data_begin(fr, 0, h):
            raise UnsupportedFormat(f"{name}: the prompt encoder borrowed from a reservoir")
    padding = len(frames) * like.samples - ENCODER_DELAY - x.shape[1]
    return frames, max(padding, 0)


def _stream_bitrate(mm, lay: mf.Mp3Layout) -> tuple[int, bool]:
    """(kb/s for the prompt, variable?) — CBR: the stream's own rate; VBR: the nearest to its mean."""
    h = lay.first
    plain = mf.FrameHeader(h.version, 3, False, h.bitrate_index, h.sample_rate, 0, h.mode).size
    cbr = int(lay.sizes.min()) >= plain and int(lay.sizes.max()) <= plain + 1
    if cbr and not (lay.info and lay.info.vbr):
        return h.bitrate, False
    mean = float(lay.sizes.mean()) * 8 * h.sample_rate / h.samples / 1000
    table = [b for b in mf.BITRATES[1 if h.version == 1 else 2] if b]
    return min(table, key=lambda b: abs(b - mean)), True


def join_mp3(
    src: Path,
    dst: Path,
    probe: AudioProbe,
    inserts: list[Insert],
    segment: SegmentFn,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> Mp3Result:
    name = src.name
    with open(src, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        lay = mf.scan(mm, name)
        cancel.raise_if_cancelled()
        return _join(mm, lay, dst, probe, inserts, segment, progress, cancel, name)


def _join(mm, lay, dst, probe, inserts, segment, progress, cancel, name) -> Mp3Result:
    h = lay.first
    notes: list[str] = []
    kbps, vbr = _stream_bitrate(mm, lay)
    n = len(lay.offsets)
    info = lay.info
    delay_pad = info.delay_padding if info else None
    skip = (delay_pad[0] + DECODER_DELAY) if delay_pad else 0

    # Where the Info frame is, and where the original audio frames start.
    if info is not None:
        prefix_end, region_start = info.offset, info.offset + len(info.raw)
    elif lay.vbri_frame is not None:
        prefix_end, region_start = lay.vbri_frame[0], sum(lay.vbri_frame)
        notes.append("the VBRI header frame was dropped; the duration is estimated by players")
    else:
        prefix_end = region_start = int(lay.offsets[0])
    region_end = lay.trailer_start

    pieces: list[Piece] = []
    cursor = region_start
    added_frames = 0
    prompt_frames: list[int] = []
    frames_before = 0
    end_padding = None
    starts_file = False
    for ins in inserts:
        x = segment(ins)
        seg, pad = encode_segment(x, h, kbps, probe.layout, name)
        if ins.at == 0:
            cut = region_start
            k = 0
            starts_file = True
        elif ins.at is None:
            cut, k = lay.frames_end, n
            end_padding = pad
            if lay.truncated:
                notes.append(f"a cut-off last frame ({lay.truncated} bytes) was dropped")
        else:
            k = int(np.clip(round((ins.at + skip) / h.samples), 1, n - 1))
            cut = int(lay.offsets[k])
        frames_before += _count_frames(lay, cursor, cut)
        if cut > cursor:
            pieces.append(Piece(src=(cursor, cut)))
        prompt_frames.append(frames_before)
        bridge: list[bytes] = []
        if 0 < k < n:
            kh = lay.frame_header(mm, k)
            need = mf.main_data_begin(mm, int(lay.offsets[k]), kh)
            if need:
                res, missing = mf.reservoir_before(mm, lay, k, need)
                bridge = mf.bridge_frames(kh, bytes(missing) + res)
        pieces.append(Piece(frames=seg + bridge))
        added_frames += len(seg) + len(bridge)
        frames_before += len(seg) + len(bridge)
        cursor = cut
        if k == 0:
            nfixed, muted = _mute_orphans(mm, lay, pieces)
            if nfixed:
                cursor = int(lay.offsets[nfixed - 1]) + int(lay.sizes[nfixed - 1])
                frames_before += nfixed
                notes.append(
                    f"the first {nfixed} frame(s) borrowed audio data from before the file's "
                    f"start (cut from a longer stream); {muted} granule(s) muted, as decoders "
                    "do for the original"
                )
        if ins.at is None:
            cursor = lay.frames_end + lay.truncated
    if region_end > cursor:
        pieces.append(Piece(src=(cursor, region_end)))

    old_len = region_end - region_start
    new_len = sum(p.length for p in pieces)
    prefix = _prefix(mm, lay, prefix_end, notes, name)
    if info is not None:
        old_frames = info.get("frames")
        old_bytes = info.get("bytes")
        positions = _frame_positions(lay, pieces, len(info.raw))
        notes += mf.update_info_frame(
            info,
            frames=(old_frames if old_frames is not None else n) + added_frames,
            audio_bytes=(old_bytes if old_bytes is not None else old_len + len(info.raw))
            + new_len
            - old_len,
            positions=positions,
            delay=ENCODER_DELAY if starts_file else None,
            padding=end_padding,
            music_crc=_music_crc(mm, lay, info, pieces, region_start),
        )
        if starts_file:
            skip = ENCODER_DELAY + DECODER_DELAY
    total = new_len + len(prefix)
    done = 0
    with open(dst, "wb") as o:
        o.write(prefix)
        if info is not None:
            o.write(info.raw)
        for p in pieces:
            if p.src is None:
                o.writelines(p.frames)
                continue
            for a in range(p.src[0], p.src[1], COPY_CHUNK):
                o.write(mm[a : min(a + COPY_CHUNK, p.src[1])])
                done += COPY_CHUNK
                cancel.raise_if_cancelled()
                progress(FileProgress(name, 0.9 * min(done / total, 1.0), "audio"))
        o.write(mm[region_end:])
    mode = "variable" if vbr else "constant"
    how = (
        f"MP3 frames joined, programme not re-encoded ({kbps} kb/s {mode} prompt frames, "
        f"{h.sample_rate} Hz, {'mono' if h.channels == 1 else 'stereo'})"
    )
    return Mp3Result(how, notes, prompt_frames, skip, h.samples, added_frames)


def _count_frames(lay: mf.Mp3Layout, a: int, b: int) -> int:
    return int(np.searchsorted(lay.offsets, b) - np.searchsorted(lay.offsets, a))


def _mute_orphans(mm, lay: mf.Mp3Layout, pieces: list[Piece]) -> tuple[int, int]:
    """Leading frames whose bit reservoir lies before the file's start: in the source, decoders
    mute the granules they cannot find; once the prompt precedes them they would find *its*
    bytes and play garbage. Mute those granules in a copy of the frames (a new piece).
    Returns (frames copied, granule blocks muted)."""
    avail, fixed, muted = 0, [], 0
    for j in range(min(MAX_ORPHANS, len(lay.offsets))):
        off, size = int(lay.offsets[j]), int(lay.sizes[j])
        h = lay.frame_header(mm, j)
        if mf.main_data_begin(mm, off, h) <= avail:
            break
        frame = bytearray(mm[off : off + size])
        muted += mf.mute_orphan_granules(frame, h, avail)
        fixed.append(bytes(frame))
        avail += size - h.payload_at
    if fixed:
        pieces.append(Piece(frames=fixed))
    return len(fixed), muted


def _prefix(mm, lay: mf.Mp3Layout, prefix_end: int, notes: list[str], name: str) -> bytes:
    """The ID3v2 tag (and anything before the first frame), ReplayGain frames removed."""
    if lay.audio_start == 0:
        return bytes(mm[:prefix_end])
    tags, v2 = load_id3(bytes(mm[: lay.audio_start]), name)
    if not strip_id3_replaygain(tags):
        return bytes(mm[:prefix_end])
    notes.append(RG_NOTE)
    return id3_tag_bytes(tags, v2) + bytes(mm[lay.audio_start : prefix_end])


def _frame_positions(lay: mf.Mp3Layout, pieces: list[Piece], start: int) -> np.ndarray:
    """Every audio frame's offset in the output, from the Info frame's start (for the TOC)."""
    out, cursor = [], start
    for p in pieces:
        if p.src is None:
            sizes = np.fromiter((len(f) for f in p.frames), np.int64, len(p.frames))
            out.append(cursor + np.concatenate(([0], np.cumsum(sizes)[:-1])))
        else:
            a, b = p.src
            sel = lay.offsets[(lay.offsets >= a) & (lay.offsets < b)]
            out.append(sel - a + cursor)
        cursor += p.length
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _music_crc(mm, lay, info: mf.InfoFrame, pieces: list[Piece], region_start: int) -> int | None:
    """The LAME music CRC of the joined audio, from the stored CRC of the original audio by CRC
    algebra: CRC(A+B) = advance(CRC(A), len B) xor CRC(B). Only a middle cut needs to read the
    original (the part before the cut). None when the tag has no CRC to update."""
    if info.lame_at is None:
        return None
    la = info.lame_at
    stored = int.from_bytes(info.raw[la + 32 : la + 34], "big")
    whole = (region_start, lay.frames_end + lay.truncated)

    head_crcs: dict[int, int] = {}

    def head_crc(a: int) -> int:  # CRC of the original audio before `a` (read once)
        if a not in head_crcs:
            head_crcs[a] = mf.crc16_lame(mm[whole[0] : a])
        return head_crcs[a]

    def range_crc(a: int, b: int) -> int:
        if (a, b) == whole:
            return stored
        if a == whole[0]:
            return head_crc(b)
        if b == whole[1]:
            return stored ^ mf.crc16_zero_advance(head_crc(a), b - a)
        return mf.crc16_lame(mm[a:b])

    crc = 0
    for p in pieces:
        if p.src is None:
            for fr in p.frames:
                crc = mf.crc16_lame(fr, crc)
        else:
            a, b = p.src
            b = min(b, whole[1])
            if b <= a:
                continue
            crc = mf.crc16_zero_advance(crc, b - a) ^ range_crc(a, b)
    return crc
