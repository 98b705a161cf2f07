"""AVI: the AIGC record as sub-chunk `AIGC` of the top-level `LIST/INFO` (TC260 video guide).

The movie data never moves when there is room: ffmpeg and most muxers leave a `JUNK` chunk after
the header (and after `LIST/INFO`), so the new INFO list is written over INFO + JUNK and a smaller
JUNK fills the rest — every offset in the file stays valid, every other byte is identical. Without
room the INFO list is inserted before `LIST/movi` and the legacy `idx1` index is shifted when it
holds absolute offsets; files with an OpenDML (`indx`) index, whose 64-bit offsets point across the
file, are refused in that case rather than guessed at.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.imgmeta import Piece, write_pieces
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord

AIGC_ID = b"AIGC"
MAX_CHUNKS = 100_000  # top-level and INFO entries: a real file has a handful
MAX_META = 16 * 1024 * 1024  # INFO is read into memory; movie data never is
CARRIER = "RIFF LIST/INFO AIGC"


@dataclass(frozen=True)
class _Chunk:
    cid: bytes
    offset: int  # of the 8-byte header
    size: int  # data size, without the pad byte
    form: bytes = b""  # the list type for LIST chunks

    @property
    def end(self) -> int:
        return self.offset + 8 + self.size + (self.size & 1)


@dataclass(frozen=True)
class _Layout:
    riff_size: int
    chunks: list[_Chunk]  # top level of the first RIFF 'AVI ' chunk
    file_size: int


def _read_layout(f: BinaryIO, name: str) -> _Layout:
    f.seek(0, 2)
    file_size = f.tell()
    f.seek(0)
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"AVI ":
        raise UnsupportedFormat(f"{name}: not an AVI file")
    riff_size = struct.unpack("<I", head[4:8])[0]
    end = min(8 + riff_size, file_size)
    chunks: list[_Chunk] = []
    off = 12
    while off + 8 <= end:
        if len(chunks) >= MAX_CHUNKS:
            raise CorruptFile(f"{name}: more than {MAX_CHUNKS} top-level chunks")
        f.seek(off)
        cid, size = struct.unpack("<4sI", f.read(8))
        form = f.read(4) if cid == b"LIST" and size >= 4 else b""
        chunk = _Chunk(cid, off, size, form)
        if chunk.offset + 8 + size > file_size:
            raise CorruptFile(
                f"{name}: the {cid!r} chunk runs past the end of the file (truncated)"
            )
        chunks.append(chunk)
        off = chunk.end
    if not any(c.cid == b"LIST" and c.form == b"movi" for c in chunks):
        raise CorruptFile(f"{name}: no movie data (LIST movi): the file is damaged or truncated")
    return _Layout(riff_size, chunks, file_size)


def _info_entries(data: bytes, name: str) -> list[tuple[bytes, bytes]]:
    """(id, raw body) of each sub-chunk of a LIST/INFO body (after the 'INFO' form type)."""
    out = []
    off = 4
    while off + 8 <= len(data):
        if len(out) >= MAX_CHUNKS:
            raise CorruptFile(f"{name}: LIST/INFO has too many entries")
        sid, size = struct.unpack("<4sI", data[off : off + 8])
        if off + 8 + size > len(data):
            raise CorruptFile(f"{name}: a LIST/INFO entry runs past its list (damaged)")
        out.append((sid, data[off + 8 : off + 8 + size]))
        off += 8 + size + (size & 1)
    return out


def _read(f: BinaryIO, chunk: _Chunk, name: str) -> bytes:
    if chunk.size > MAX_META:
        raise CorruptFile(f"{name}: a {chunk.cid!r} chunk of {chunk.size} bytes is not metadata")
    f.seek(chunk.offset + 8)
    return f.read(chunk.size)


def _text(body: bytes) -> str:
    # INFO values are NUL-terminated strings; ours may carry a trailing pad space.
    return body.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()


def _sub(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


class AviContainer(Container):
    name = "avi"
    kind = "video"
    extensions = (".avi",)
    carrier = f"{CARRIER} (INFO sub-chunk)"

    def scan(self, path: Path) -> MetadataScan:
        scan = MetadataScan()
        with open(path, "rb") as f:
            layout = _read_layout(f, path.name)
            for c in layout.chunks:
                if c.cid == b"LIST" and c.form == b"INFO":
                    for sid, body in _info_entries(_read(f, c, path.name), path.name):
                        if sid == AIGC_ID:
                            scan.records.append(FoundRecord(CARRIER, _text(body), True))
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        value = record.to_json().encode("utf-8") + b"\x00"  # INFO strings are NUL-terminated
        with open(src, "rb") as f:
            layout = _read_layout(f, src.name)
            chunks = layout.chunks
            movi = next(i for i, c in enumerate(chunks) if c.cid == b"LIST" and c.form == b"movi")
            info_i = next(
                (i for i, c in enumerate(chunks[:movi]) if c.cid == b"LIST" and c.form == b"INFO"),
                None,
            )
            kept = []
            if info_i is not None:  # every other INFO entry stays; one record per file (§6.1 c)
                data = _read(f, chunks[info_i], src.name)
                kept = [(s, b) for s, b in _info_entries(data, src.name) if s != AIGC_ID]
            info = _sub(
                b"LIST", b"INFO" + b"".join(_sub(s, b) for s, b in kept + [(AIGC_ID, value)])
            )
            plan = self._in_place(chunks, movi, info_i, len(info))
            if plan is not None:
                start, end = plan
                room = end - start - len(info)
                junk = b"JUNK" + struct.pack("<I", room - 8) + b"\x00" * (room - 8) if room else b""
                pieces = [(0, start), info + junk, (end, layout.file_size)]
            else:
                pieces = self._insert(f, layout, movi, info_i, info, src.name)
        write_pieces(src, dst, pieces)

    @staticmethod
    def _in_place(chunks: list[_Chunk], movi: int, info_i: int | None, need: int):
        """(start, end) of a run of INFO/JUNK chunks before movi that the new INFO list fits in,
        leaving either nothing or at least a JUNK header's 8 bytes."""
        runs: list[tuple[int, int]] = []
        # INFO goes after the header list: readers expect LIST/hdrl first.
        i = next((k + 1 for k, c in enumerate(chunks) if c.form == b"hdrl"), movi)
        while i < movi:
            if chunks[i].cid == b"JUNK" or i == info_i:
                j = i
                while j + 1 < movi and (chunks[j + 1].cid == b"JUNK" or j + 1 == info_i):
                    j += 1
                if info_i is None or i <= info_i <= j:
                    runs.append((chunks[i].offset, chunks[j].end))
                i = j + 1
            else:
                i += 1
        for start, end in runs:
            room = end - start - need
            if room == 0 or room >= 8:
                return start, end
        return None

    @staticmethod
    def _insert(
        f, layout: _Layout, movi: int, info_i: int | None, info: bytes, name: str
    ) -> list[Piece]:
        """The output as pieces: the INFO list before movi, idx1 shifted where absolute."""
        chunks = layout.chunks
        if any(_has_odml_index(f, c) for c in chunks if c.cid == b"LIST" and c.form == b"hdrl"):
            raise UnsupportedFormat(
                f"{name}: an OpenDML AVI with no free space before its movie data: the record "
                "cannot be added without rewriting its 64-bit index",
                "remux it (e.g. to MP4 or MKV) and label that",
            )
        removed = chunks[info_i].end - chunks[info_i].offset if info_i is not None else 0
        delta = len(info) - removed
        movi_c = chunks[movi]
        if layout.riff_size + delta > 0xFFFFFFFF:
            raise UnsupportedFormat(f"{name}: the labelled file would exceed the 4 GB RIFF limit")
        pieces: list[Piece] = [b"RIFF" + struct.pack("<I", layout.riff_size + delta) + b"AVI "]
        for i, c in enumerate(chunks):
            if i == info_i:
                continue
            if i == movi:
                pieces.append(info)
            if c.cid == b"idx1":
                pieces.append(_shift_idx1(f, c, movi_c, delta))
                continue
            pieces.append((c.offset, c.end))
        # AVIX extension RIFFs etc., as they were
        pieces.append((max(chunks[-1].end, 12), layout.file_size))
        return pieces


def _has_odml_index(f: BinaryIO, hdrl: _Chunk) -> bool:
    if hdrl.size > MAX_META:
        return True
    f.seek(hdrl.offset + 8)
    return b"indx" in f.read(hdrl.size)


def _shift_idx1(f: BinaryIO, idx1: _Chunk, movi: _Chunk, delta: int) -> bytes:
    """idx1 entries point at chunks either relative to the 'movi' list type or absolutely; only
    absolute ones move with the data."""
    f.seek(idx1.offset)
    raw = bytearray(f.read(8 + idx1.size + (idx1.size & 1)))
    n = idx1.size // 16
    if n == 0:
        return bytes(raw)
    first_id, _flags, first_off = struct.unpack_from("<4sII", raw, 8)
    f.seek(first_off)
    absolute = first_off > movi.offset and f.read(4) == first_id
    if absolute:
        for k in range(n):
            pos = 8 + 16 * k + 8
            (off,) = struct.unpack_from("<I", raw, pos)
            struct.pack_into("<I", raw, pos, off + delta)
    return bytes(raw)
