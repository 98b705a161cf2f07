"""WAV: the AIGC record in a RIFF sub-chunk with ID `AIGC` (TC260 audio guide).

A small RIFF chunk walker/writer, because no library writes an arbitrary chunk (mutagen writes only
the `id3 ` chunk). Every other chunk — fmt, data, LIST, id3, bext, ... — is copied byte for byte;
only the RIFF size is recomputed. RF64/BW64 (> 4 GB) files are refused.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.id3 import (
    id3_records,
    id3_tag_bytes,
    load_id3,
    looks_like_record,
    remove_id3_records,
)
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord

AIGC_ID = b"AIGC"
ID3_IDS = (b"id3 ", b"ID3 ")
MAX_META_CHUNK = 64 * 1024 * 1024  # metadata chunks are read into memory; data never is
MAX_RIFF = 0xFFFFFFFF


@dataclass(frozen=True)
class Chunk:
    cid: bytes
    offset: int  # of the 8-byte header
    size: int  # the data, without the pad byte
    pad_missing: bool = False  # an odd last chunk whose pad byte the writer left out
    declared: int | None = None  # the size field, when it is wrong (a streamed WAV's data)

    @property
    def data_offset(self) -> int:
        return self.offset + 8

    @property
    def stored_end(self) -> int:
        """End of the chunk in the source file (pad byte included when present)."""
        return self.data_offset + self.size + (self.size & 1 and not self.pad_missing)

    @property
    def padded_len(self) -> int:
        return 8 + self.size + (self.size & 1)


@dataclass
class RiffLayout:
    chunks: list[Chunk]
    end: int  # end of the RIFF chunk's contents; bytes after it are copied as they are
    size: int  # file size
    streamed: bool = False  # RIFF/data sizes never filled in (written to a pipe)


def _read(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    return f.read(n)


def read_layout(f: BinaryIO, name: str) -> RiffLayout:
    """Walk the top-level chunks. Raises CorruptFile when one runs past the end of the file."""
    f.seek(0, 2)
    size = f.tell()
    if size == 0:
        raise UnsupportedFormat(f"{name} is empty")
    head = _read(f, 0, 12)
    if head[:4] in (b"RF64", b"BW64"):
        raise UnsupportedFormat(
            f"{name}: RF64/BW64 WAV (over 4 GB) is not supported",
            advice="split the file, or convert it to FLAC, then label it",
        )
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise CorruptFile(f"{name}: not a RIFF/WAVE file (header damaged)")
    declared_riff = struct.unpack("<I", head[4:8])[0]
    # A WAV written to a pipe (TTS services stream them) keeps placeholder sizes, 0 or 0xFFFFFFFF,
    # and its data runs to the end of the file: read it so, and write real sizes in the copy.
    streamed = declared_riff in (0, MAX_RIFF)
    end = size if streamed else 8 + declared_riff
    if end > size:
        raise CorruptFile(
            f"{name}: the RIFF header declares {end} bytes but the file has {size} (truncated)"
        )
    chunks: list[Chunk] = []
    pos = 12
    while pos + 8 <= end:
        cid, csize = struct.unpack("<4sI", _read(f, pos, 8))
        declared = None
        if streamed and cid == b"data" and (csize in (0, MAX_RIFF) or pos + 8 + csize > size):
            declared, csize = csize, size - pos - 8
        data_end = pos + 8 + csize
        if data_end > size:
            raise CorruptFile(
                f"{name}: chunk {cid.decode('latin-1')!r} runs past the end of the file (truncated)"
            )
        pad_missing = bool(csize & 1) and data_end == size
        chunk = Chunk(cid, pos, csize, pad_missing, declared)
        chunks.append(chunk)
        pos = chunk.stored_end
        # A RIFF size that is a little short (some writers forget the last pad or chunk):
        # the chunk is in the file, so it belongs to the RIFF.
        end = max(end, pos)
    ids = {c.cid for c in chunks}
    if b"fmt " not in ids or b"data" not in ids:
        raise CorruptFile(f"{name}: a WAVE file needs 'fmt ' and 'data' chunks; one is missing")
    # Stray bytes after the last whole chunk are kept, after the RIFF chunk.
    return RiffLayout(chunks, pos, size, streamed)


def _meta_data(f: BinaryIO, chunk: Chunk, name: str) -> bytes:
    if chunk.size > MAX_META_CHUNK:
        raise InputTooLarge(
            f"{name}: the {chunk.cid.decode('latin-1')!r} chunk is {chunk.size >> 20} MiB"
        )
    return _read(f, chunk.data_offset, chunk.size)


def _text(data: bytes) -> str:
    data = data.split(b"\x00", 1)[0]  # INFO strings are NUL-terminated; JSON has no NUL
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _info_entries(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(id, start, end) of each sub-chunk of a LIST/INFO body (after the 'INFO' type)."""
    pos = 4
    while pos + 8 <= len(data):
        sid, ssize = struct.unpack("<4sI", data[pos : pos + 8])
        end = min(pos + 8 + ssize + (ssize & 1), len(data))
        yield sid, pos, end
        pos = end


def _is_record_entry(sid: bytes, body: bytes) -> bool:
    return sid.upper() == AIGC_ID or looks_like_record(_text(body))


def _record_chunks(f: BinaryIO, layout: RiffLayout, name: str):
    """Yield (chunk, kind, data) for chunks that may hold a record: AIGC, LIST/INFO, id3."""
    for c in layout.chunks:
        if c.cid.upper() == AIGC_ID:
            yield c, "aigc", _meta_data(f, c, name)
        elif c.cid == b"LIST":
            if _read(f, c.data_offset, 4) == b"INFO":
                yield c, "info", _meta_data(f, c, name)
        elif c.cid in ID3_IDS:
            yield c, "id3", _meta_data(f, c, name)


class WavContainer(Container):
    name = "wav"
    kind = "audio"
    extensions = (".wav", ".wave")
    carrier = "RIFF chunk AIGC"

    def scan(self, path: Path) -> MetadataScan:
        scan = MetadataScan()
        with open(path, "rb") as f:
            layout = read_layout(f, path.name)
            if layout.streamed:
                scan.notes.append("WAV written as a stream: its chunk sizes were never filled in")
            for c, kind, data in _record_chunks(f, layout, path.name):
                if kind == "aigc":
                    exact = c.cid == AIGC_ID
                    note = "" if exact else f"chunk ID {c.cid!r}: RIFF IDs are case-sensitive"
                    scan.records.append(
                        FoundRecord(
                            f"RIFF chunk {c.cid.decode('latin-1')}", _text(data), exact, note
                        )
                    )
                elif kind == "info":
                    for sid, start, end in _info_entries(data):
                        body = data[start + 8 : end]
                        if _is_record_entry(sid, body):
                            where = f"LIST/INFO {sid.decode('latin-1')}"
                            scan.records.append(
                                FoundRecord(
                                    where,
                                    _text(body),
                                    False,
                                    f"{where}: recognised, not the RIFF chunk AIGC",
                                )
                            )
                else:
                    tags, _v2 = load_id3(data, path.name)
                    scan.records += id3_records(tags, "WAV id3 chunk", standard_carrier=False)
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        # Where the record goes: always one RIFF chunk AIGC, put where the first one was (else at
        # the end, after data, where players that stop at 'data' never look). Records in
        # LIST/INFO or the id3 chunk are removed from there, not updated in place: checks accept
        # only the AIGC chunk, and §6.1 c allows one record per file.
        ours = aigc_chunk(record.to_json())
        with open(src, "rb") as f:
            layout = read_layout(f, src.name)
            changed = {
                c.offset: self._without_record(kind, data, c, src.name)
                for c, kind, data in _record_chunks(f, layout, src.name)
            }
            pieces: list[Chunk | bytes] = []
            placed = False
            for c in layout.chunks:
                new = changed.get(c.offset, c)
                if new is None:  # an AIGC chunk: ours goes in the first one's place
                    new, placed = (b"" if placed else ours), True
                pieces.append(new)
            if not placed:
                pieces.append(ours)
            riff_size = 4 + sum(p.padded_len if isinstance(p, Chunk) else len(p) for p in pieces)
            if riff_size > MAX_RIFF:
                raise UnsupportedFormat(
                    f"{src.name}: the labelled file would exceed the 4 GB RIFF limit"
                )
            with open(dst, "wb") as out:
                out.write(b"RIFF" + struct.pack("<I", riff_size) + b"WAVE")
                for p in pieces:
                    if isinstance(p, bytes):
                        out.write(p)
                        continue
                    if p.declared is None:
                        f.seek(p.offset)
                        _copy(f, out, p.stored_end - p.offset)  # byte for byte, pad included
                    else:  # a streamed WAV's data: the real size instead of the placeholder
                        out.write(p.cid + struct.pack("<I", p.size))
                        f.seek(p.data_offset)
                        _copy(f, out, p.size)
                    if p.pad_missing:
                        out.write(b"\x00")
                f.seek(layout.end)
                shutil.copyfileobj(f, out, 1 << 20)  # anything after the RIFF, as it was

    @staticmethod
    def _without_record(kind: str, data: bytes, chunk: Chunk, name: str) -> Chunk | bytes | None:
        """The chunk with any record taken out: the Chunk itself when unchanged, new bytes
        (b"" drops it), or None for an AIGC chunk (replaced by ours)."""
        if kind == "aigc":
            return None
        if kind == "info":
            entries = list(_info_entries(data))
            keep = [
                data[s:e] for sid, s, e in entries if not _is_record_entry(sid, data[s + 8 : e])
            ]
            if len(keep) == len(entries):
                return chunk
            return _chunk_bytes(b"LIST", b"INFO" + b"".join(keep)) if keep else b""
        tags, v2 = load_id3(data, name)
        if not remove_id3_records(tags):
            return chunk
        return _chunk_bytes(chunk.cid, id3_tag_bytes(tags, v2)) if len(tags) else b""


def aigc_chunk(record_json: str) -> bytes:
    """The AIGC chunk, padded to even length with one trailing space rather than the RIFF NUL pad
    byte: readers that take the padded length (exiftool does) would otherwise get `{...}\\0`,
    which strict JSON parsers refuse; trailing whitespace is valid JSON for every reader."""
    body = record_json.encode("utf-8")
    if len(body) & 1:
        body += b" "
    return AIGC_ID + struct.pack("<I", len(body)) + body


def _chunk_bytes(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


def _copy(fin: BinaryIO, fout: BinaryIO, n: int) -> None:
    while n > 0:
        buf = fin.read(min(n, 1 << 20))
        if not buf:
            raise CorruptFile("the file ended while copying a chunk (changed while reading?)")
        fout.write(buf)
        n -= len(buf)
