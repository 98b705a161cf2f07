"""GIF: the AIGC record in the XMP application extension (`XMP DataXMP`, XMP spec part 3 §1.1.2).

A small block walker. The XMP packet is stored raw, followed by the 258-byte "magic trailer" that
makes GIF readers see it as sub-blocks and skip it. Our extension goes after the logical screen
descriptor, global colour table and any leading application extensions (NETSCAPE loop); every
frame, colour table and other extension is copied byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.containers.imgmeta import Piece, find_record_blob, write_pieces
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import scan_xmp, update_xmp

XMP_APP_ID = b"XMP DataXMP"
# 0x01, 0xFF, 0xFE, ..., 0x01, 0x00, then the block terminator 0x00: from any byte of the packet
# a sub-block walker lands inside this ramp and then on the terminator.
MAGIC_TRAILER = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
MAX_GIF = 512 * 1024 * 1024  # GIFs are read into memory


@dataclass(frozen=True)
class Block:
    kind: str  # "ext" or "image"
    offset: int
    end: int
    label: int = 0  # extension label (0xFF application, 0xFE comment, 0xF9 graphic control)
    app_id: bytes = b""  # application identifier + authentication code (11 bytes)


@dataclass
class GifLayout:
    data: bytes
    header_end: int  # after the logical screen descriptor and global colour table
    blocks: list[Block]
    trailer: int  # offset of the 0x3B trailer


def _skip_sub_blocks(data: bytes, pos: int, name: str) -> int:
    while True:
        if pos >= len(data):
            raise CorruptFile(f"{name}: truncated inside a data block")
        n = data[pos]
        pos += 1
        if n == 0:
            return pos
        pos += n


def read_layout(path: Path) -> GifLayout:
    name = path.name
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedFormat(f"{name} is empty")
    if size > MAX_GIF:
        raise InputTooLarge(f"{name}: {size >> 20} MiB is larger than the GIF limit")
    data = path.read_bytes()
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise CorruptFile(f"{name}: not a GIF (bad header)")
    packed = data[10]
    pos = 13 + (3 * (2 << (packed & 7)) if packed & 0x80 else 0)
    header_end = pos
    blocks: list[Block] = []
    while True:
        if pos >= len(data):
            raise CorruptFile(f"{name}: truncated (no GIF trailer)")
        intro = data[pos]
        if intro == 0x3B:
            return GifLayout(data, header_end, blocks, pos)
        if intro == 0x21:
            if pos + 2 > len(data):
                raise CorruptFile(f"{name}: truncated extension")
            label = data[pos + 1]
            app_id = b""
            if label == 0xFF and pos + 3 < len(data) and data[pos + 2] == 11:
                app_id = data[pos + 3 : pos + 14]
            end = _skip_sub_blocks(data, pos + 2, name)
            blocks.append(Block("ext", pos, end, label, app_id))
        elif intro == 0x2C:
            if pos + 10 > len(data):
                raise CorruptFile(f"{name}: truncated image descriptor")
            lpacked = data[pos + 9]
            p = pos + 10 + (3 * (2 << (lpacked & 7)) if lpacked & 0x80 else 0)
            end = _skip_sub_blocks(data, p + 1, name)  # after the LZW minimum code size
            blocks.append(Block("image", pos, end))
        else:
            raise CorruptFile(f"{name}: damaged block structure at byte {pos}")
        pos = end


def _xmp_packet(data: bytes, block: Block) -> bytes:
    body = data[block.offset + 14 : block.end]
    if body.endswith(MAGIC_TRAILER):
        return body[: -len(MAGIC_TRAILER)]
    # A writer without the exact trailer: the packet still ends with its xpacket end PI.
    at = body.find(b"<?xpacket end=")
    return body[: body.find(b"?>", at) + 2] if at >= 0 else body.rstrip(b"\x00")


def _comment_text(data: bytes, block: Block) -> bytes:
    out, pos = bytearray(), block.offset + 2
    while data[pos]:
        out += data[pos + 1 : pos + 1 + data[pos]]
        pos += 1 + data[pos]
    return bytes(out)


def xmp_extension(packet: bytes) -> bytes:
    if b"\x00" in packet:
        raise ValueError("an XMP packet in GIF must not contain NUL bytes")
    return b"\x21\xff\x0b" + XMP_APP_ID + packet + MAGIC_TRAILER


def source_xmp(path: Path) -> bytes | None:
    """The first XMP packet of a GIF, or None."""
    layout = read_layout(path)
    blocks = [b for b in layout.blocks if b.app_id == XMP_APP_ID]
    return _xmp_packet(layout.data, blocks[0]) if blocks else None


def copy_with_xmp(src: Path, dst: Path, packet: bytes) -> None:
    """Copy a GIF that has no XMP, adding `packet` after its leading application extensions
    (Pillow's GIF writer drops XMP: the visible-label copy gets the source's packet back)."""
    layout = read_layout(src)
    insert_at = layout.header_end
    for b in layout.blocks:
        if b.label != 0xFF:
            break
        insert_at = b.end
    pieces: list[Piece] = [(0, insert_at), xmp_extension(packet), (insert_at, len(layout.data))]
    write_pieces(src, dst, pieces)


class GifContainer(Container):
    name = "gif"
    kind = "image"
    extensions = (".gif",)
    carrier = "XMP TC260:AIGC (GIF XMP application extension)"
    carries_xmp = True

    def scan(self, path: Path) -> MetadataScan:
        layout = read_layout(path)
        scan = MetadataScan()
        for b in layout.blocks:
            if b.app_id == XMP_APP_ID:
                try:
                    scan.add_xmp(scan_xmp(_xmp_packet(layout.data, b)), "XMP")
                except CorruptFile as exc:
                    raise CorruptFile(f"{path.name}: {exc.message}") from exc
            elif b.label == 0xFE and (blob := find_record_blob(_comment_text(layout.data, b))):
                scan.records.append(
                    FoundRecord("GIF comment", blob, False, "record in a GIF comment, not in XMP")
                )
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        layout = read_layout(src)
        data = layout.data
        xmp_blocks = [b for b in layout.blocks if b.app_id == XMP_APP_ID]
        old = _xmp_packet(data, xmp_blocks[0]) if xmp_blocks else None
        try:
            packet = update_xmp(old, record.to_json(), digital_source_type)
        except CorruptFile as exc:
            raise CorruptFile(f"{src.name}: {exc.message}") from exc
        ext = xmp_extension(packet)
        comments = []
        for b in layout.blocks:
            text = _comment_text(data, b) if b.label == 0xFE else b""
            if (blob := find_record_blob(text)) is not None:
                if text.strip(b"\x00 \r\n\t") != blob.encode("utf-8"):
                    raise UnsupportedFormat(
                        f"{src.name}: an AIGC record shares a GIF comment with other text;"
                        " it cannot be moved to XMP without losing that text"
                    )
                comments.append(b)
        # After the screen descriptor, colour table and leading application extensions.
        insert_at = layout.header_end
        for b in layout.blocks:
            if b.label != 0xFF:
                break
            insert_at = b.end
        pieces: list[Piece] = [(0, layout.header_end)]
        if not xmp_blocks and insert_at == layout.header_end:
            pieces.append(ext)
        for b in layout.blocks:
            if xmp_blocks and b is xmp_blocks[0]:
                pieces.append(ext)
            elif b in xmp_blocks or b in comments:
                continue  # §6.1 c: one record; a comment holding one moves to XMP
            else:
                pieces.append((b.offset, b.end))
            if not xmp_blocks and b.end == insert_at and insert_at != layout.header_end:
                pieces.append(ext)
        pieces.append((layout.trailer, len(data)))
        write_pieces(src, dst, pieces)
