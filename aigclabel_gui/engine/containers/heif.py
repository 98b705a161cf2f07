"""HEIF/AVIF: the record lives in the primary image's XMP item (ISO/IEC 23008-12).

pillow-heif reads EXIF without decoding pixels, but it can only write metadata by re-encoding the
image, which would lose quality and any producer signature. So XMP items are read and written by
heif_items.py (box surgery, no re-encoding); pillow-heif remains the check that the file opens.
"""

from __future__ import annotations

from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, MetadataScan
from aigclabel_gui.engine.containers.heif_items import (
    MAX_XMP_BYTES,
    item_data,
    read_heif,
    write_xmp_item,
    xmp_item_ids,
)
from aigclabel_gui.engine.containers.imgmeta import exif_user_comment, user_comment_record
from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    InputTooLarge,
    MissingDependency,
    UnsupportedFormat,
)
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import scan_xmp, update_xmp


def _metadata(path: Path) -> tuple[bytes | None, bytes | None]:
    """(XMP packet, EXIF blob) of the primary image."""
    try:
        import pillow_heif
    except ImportError:  # Pillow's own AVIF plugin still reads AVIF
        pillow_heif = None
    try:
        if pillow_heif is not None:
            heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=False)
            if len(heif) == 0:
                # libheif lists no image it cannot decode (e.g. uncompressed 'unci' items in
                # builds without that codec); the metadata needs no pixels: read the items.
                from aigclabel_gui.engine.containers.heif_items import read_metadata_items

                return read_metadata_items(path)
            info = heif.info
        else:
            from PIL import Image

            with Image.open(path) as im:
                info = dict(im.info)
    except AigcError:  # our item reader's own reason (read_metadata_items), not libheif's
        raise
    except Exception as exc:  # libheif reports damage as RuntimeError/ValueError/OSError
        if pillow_heif is None and isinstance(exc, OSError) and "cannot identify" in str(exc):
            # Without pillow-heif Pillow reads AVIF only: a HEIC is not damaged, just unreadable here.
            raise MissingDependency(
                f"{path.name}: reading HEIF needs pillow-heif, which is not installed"
            ) from exc
        raise CorruptFile(f"{path.name}: the HEIF/AVIF file cannot be read ({exc})") from exc
    xmp, exif = info.get("xmp"), info.get("exif")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    return xmp or None, exif or None


def _xmp_items(path: Path, fallback: bytes | None) -> list[bytes]:
    """Every XMP item of the primary image (so a duplicate is seen and reported, §6.1 c).
    A layout our strict box reader refuses (libheif, which opened the file, is more lenient, e.g.
    about trailing bytes) falls back to the one packet libheif returned: reading must not regress."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            hf = read_heif(f, size, path.name)
            packets, total = [], 0
            for i in xmp_item_ids(hf):
                packets.append(item_data(hf, f, i))
                total += len(packets[-1])
                # Items may all point at one region: bound what is read, not only each item.
                if total > 4 * MAX_XMP_BYTES:
                    raise InputTooLarge(
                        f"{path.name}: {len(packets)} XMP items hold over {total >> 20} MiB"
                    )
            return packets
    except (UnsupportedFormat, CorruptFile):
        return [fallback] if fallback else []


def _refuse_low_overhead(path: Path) -> None:
    from aigclabel_gui.engine.containers.heif_items import refuse_low_overhead
    from aigclabel_gui.engine.containers.isobmff import read_top_level

    with open(path, "rb") as f:
        try:
            top = read_top_level(f, path.stat().st_size, path.name)
        except CorruptFile:
            return  # libheif gives its own reason below
    refuse_low_overhead(top, path.name)


class HeifContainer(Container):
    name = "heif"
    kind = "image"
    extensions = (".heic", ".heif", ".avif", ".hif", ".avifs", ".heics")
    title = "HEIF/AVIF"
    carrier = "XMP TC260:AIGC (HEIF XMP item)"
    carries_xmp = True

    def scan(self, path: Path) -> MetadataScan:
        if path.stat().st_size == 0:
            raise UnsupportedFormat(f"{path.name} is empty")
        _refuse_low_overhead(path)
        xmp, exif = _metadata(path)
        packets = _xmp_items(path, xmp)
        scan = MetadataScan()
        for packet in packets:
            try:
                scan.add_xmp(scan_xmp(packet), "XMP")
            except CorruptFile as exc:
                raise CorruptFile(f"{path.name}: {exc.message}") from exc
        if exif:
            tiff = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
            found = user_comment_record(exif_user_comment(tiff), "HEIF")
            if found:
                scan.records.append(found)
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        record_json = record.to_json()

        def merged(old: bytes | None) -> bytes:
            # Spec: update by property, keep every other XMP property (engine/xmp.py).
            try:
                return update_xmp(old, record_json, digital_source_type)
            except CorruptFile as exc:
                raise CorruptFile(f"{src.name}: {exc.message}") from exc

        write_xmp_item(src, dst, merged)
