"""Helpers shared by the image containers: splice-copy a file, read EXIF UserComment, find blobs.

The image containers never re-encode: they copy the source's byte ranges and splice new metadata
bytes between them. EXIF is a TIFF structure (JPEG APP1, PNG eXIf, WebP EXIF, TIFF files), read
here with a tiny IFD walker because we need value *offsets* (to blank a moved record in place),
which no library gives.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui.engine.containers.base import FoundRecord

# A piece of the output: bytes to write, or a (start, end) byte range copied from the source.
Piece = bytes | tuple[int, int]
_COPY_BUF = 1 << 20

EXIF_IFD_TAG = 0x8769
USER_COMMENT_TAG = 0x9286
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def write_pieces(src: Path, dst: Path, pieces: list[Piece], *, data: bytes | None = None) -> int:
    """Write `dst` from new bytes and byte ranges of `src` (adjacent ranges copied in one go);
    returns the size written. `data`: the whole of `src`, already read (a small file): the
    ranges are taken from it and `dst` is written in one call, without opening `src` again."""
    if data is not None:
        out = b"".join(p if isinstance(p, bytes) else data[p[0] : p[1]] for p in pieces)
        with open(dst, "wb", buffering=0) as fout:
            _write_all(fout, out)
        return len(out)
    merged: list[Piece] = []
    for p in pieces:
        if isinstance(p, tuple) and merged and isinstance(merged[-1], tuple):
            if merged[-1][1] == p[0]:
                merged[-1] = (merged[-1][0], p[1])
                continue
        merged.append(p)
    with open(src, "rb", buffering=0) as fin, open(dst, "wb", buffering=0) as fout:
        for p in merged:
            if isinstance(p, bytes):
                _write_all(fout, p)
            else:
                _copy_range(fin, fout, *p)
        return fout.tell()


def _write_all(fout, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[fout.write(view) :]


def _copy_range(fin, fout, start: int, end: int) -> None:
    """Copy src[start:end] to the current end of dst: in the kernel where it can, else by reads."""
    left = end - start
    pos = start
    if hasattr(os, "copy_file_range"):
        try:
            while left > 0:
                n = os.copy_file_range(fin.fileno(), fout.fileno(), min(left, 1 << 30), pos)
                if n == 0:
                    break
                pos += n
                left -= n
        except OSError:
            pass  # e.g. across file systems on old kernels: fall back to plain reads
    fin.seek(pos)
    while left > 0:
        buf = fin.read(min(left, _COPY_BUF))
        if not buf:
            raise OSError(f"{fin.name}: the file shrank while it was being copied")
        _write_all(fout, buf)
        left -= len(buf)


# --- TIFF / EXIF IFDs ------------------------------------------------------------------------
@dataclass(frozen=True)
class IfdEntry:
    tag: int
    type: int
    count: int
    entry_offset: int  # of the 12-byte entry
    value_offset: int  # where the value bytes are (inside the entry when they fit in 4 bytes)

    @property
    def size(self) -> int:
        return TYPE_SIZES.get(self.type, 1) * self.count


def read_ifd(buf, offset: int, endian: str) -> tuple[list[IfdEntry], int]:
    """The entries of the classic-TIFF IFD at `offset` and the next IFD's offset.

    Raises ValueError when the IFD lies outside `buf` (truncated or damaged)."""
    if offset < 8 or offset + 2 > len(buf):
        raise ValueError(f"IFD offset {offset} is outside the data ({len(buf)} bytes)")
    (n,) = struct.unpack_from(endian + "H", buf, offset)
    end = offset + 2 + 12 * n
    if end + 4 > len(buf):
        raise ValueError(f"the IFD at {offset} ({n} entries) runs past the end of the data")
    entries = []
    for i in range(n):
        pos = offset + 2 + 12 * i
        tag, typ, count = struct.unpack_from(endian + "HHI", buf, pos)
        size = TYPE_SIZES.get(typ, 1) * count
        value_at = pos + 8 if size <= 4 else struct.unpack_from(endian + "I", buf, pos + 8)[0]
        entries.append(IfdEntry(tag, typ, count, pos, value_at))
    (next_ifd,) = struct.unpack_from(endian + "I", buf, end)
    return entries, next_ifd


def tiff_endian(buf) -> str:
    head = bytes(buf[:4])
    if head == b"II*\x00":
        return "<"
    if head == b"MM\x00*":
        return ">"
    raise ValueError("not a TIFF/EXIF structure (bad byte-order header)")


@dataclass(frozen=True)
class UserComment:
    text: str
    offset: int  # of the value (charset prefix included) inside the TIFF structure
    length: int


def _decode_user_comment(value: bytes, endian: str) -> str:
    # EXIF 2.3 §4.6.5: an 8-byte character code, then the text.
    prefix, body = value[:8], value[8:]
    if prefix.startswith(b"UNICODE"):
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return body.decode("utf-16", "replace")
        # No BOM: writers disagree on the byte order; a NUL in the first byte means big-endian.
        big = body[:1] == b"\x00" if body else endian == ">"
        return body.decode("utf-16-be" if big else "utf-16-le", "replace")
    if prefix in (b"ASCII\x00\x00\x00", b"\x00" * 8, b"JIS\x00\x00\x00\x00\x00"):
        return body.decode("utf-8", "replace")
    return value.decode("utf-8", "replace")  # no prefix at all (seen in the wild)


def exif_user_comment(tiff) -> UserComment | None:
    """EXIF UserComment from a TIFF structure (bytes, or an mmap of a TIFF file), or None."""
    try:
        endian = tiff_endian(tiff)
        (ifd0,) = struct.unpack_from(endian + "I", tiff, 4)
        entries, _ = read_ifd(tiff, ifd0, endian)
        exif = next((e for e in entries if e.tag == EXIF_IFD_TAG), None)
        if exif is None:
            return None
        (exif_at,) = struct.unpack_from(endian + "I", tiff, exif.value_offset)
        entries, _ = read_ifd(tiff, exif_at, endian)
    except (ValueError, struct.error):
        return None  # damaged EXIF: nothing we can read, and not our payload to judge
    uc = next((e for e in entries if e.tag == USER_COMMENT_TAG), None)
    if uc is None or uc.value_offset + uc.size > len(tiff):
        return None
    value = bytes(tiff[uc.value_offset : uc.value_offset + uc.size])
    text = _decode_user_comment(value, endian).rstrip("\x00 ").strip()
    return UserComment(text, uc.value_offset, uc.size)


def user_comment_record(uc: UserComment | None, where: str) -> FoundRecord | None:
    """A record in EXIF UserComment (Annex E's wrapped form; seen in the wild), as non-standard."""
    if uc is None or not uc.text:
        return None
    # id3 pulls in mutagen (12 ms): imported only for an image that has a UserComment.
    from aigclabel_gui.engine.containers.id3 import looks_like_record

    if not ("AIGC" in uc.text or looks_like_record(uc.text)):
        return None
    return FoundRecord(
        carrier=f"{where} EXIF UserComment",
        raw=uc.text,
        standard=False,
        note="record in EXIF UserComment; the TC260 image guide's carrier is XMP TC260:AIGC",
    )


def blank_user_comment(value: bytes) -> bytes:
    """A UserComment value of the same length with the charset prefix kept and the text gone."""
    keep = min(8, len(value))
    return value[:keep] + b"\x00" * (len(value) - keep)


def without_user_comment_record(tiff: bytes) -> bytes | None:
    """The EXIF (TIFF) blob with a record in UserComment blanked in place — same length, charset
    prefix kept, so no offset moves — or None when UserComment holds no record. The record then
    lives in the carrier we write (GB 45438 §6.1 c: one record per file)."""
    uc = exif_user_comment(tiff)
    if user_comment_record(uc, "") is None:
        return None
    assert uc is not None
    out = bytearray(tiff)
    at, end = uc.offset, uc.offset + uc.length
    out[at:end] = blank_user_comment(bytes(out[at:end]))
    return bytes(out)


# --- records in free-form blobs -------------------------------------------------------------
def find_record_blob(data: bytes) -> str | None:
    """A record in an arbitrary metadata blob: `AIGC{...}` (seen in JPEG APP segments) or a JSON
    object with AIGC keys. Returns the record text (with its `AIGC` prefix if it had one)."""
    text = data.decode("utf-8", "replace")
    start = text.find("AIGC{")
    if start >= 0:
        obj_at = start + 4
    else:
        obj_at = text.find('{"AIGC"')
        if obj_at < 0:
            obj_at = text.find('{"Label"')
        if obj_at < 0:
            return None
    try:
        _, end = json.JSONDecoder().raw_decode(text, obj_at)
    except ValueError:
        end = len(text.rstrip("\x00"))
    return text[start if start >= 0 else obj_at : end]
