"""HEIF/AVIF: read the XMP item (ISO/IEC 23008-12); writing is not supported yet.

pillow-heif reads the primary image's XMP and EXIF without decoding pixels, but it can only write
metadata by re-encoding the image, which would lose quality and any producer signature. Adding an
XMP item in place needs `iinf`/`iloc`/`iref` edits and shifted item offsets; until that exists we
refuse honestly instead of re-encoding.
"""

from __future__ import annotations

from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, MetadataScan
from aigclabel_gui.engine.containers.imgmeta import exif_user_comment, user_comment_record
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import scan_xmp


def _metadata(path: Path) -> tuple[bytes | None, bytes | None]:
    """(XMP packet, EXIF blob) of the primary image."""
    try:
        import pillow_heif
    except ImportError:  # Pillow's own AVIF plugin still reads AVIF
        pillow_heif = None
    try:
        if pillow_heif is not None:
            info = pillow_heif.open_heif(path, convert_hdr_to_8bit=False).info
        else:
            from PIL import Image

            with Image.open(path) as im:
                info = dict(im.info)
    except Exception as exc:  # libheif reports damage as RuntimeError/ValueError/OSError
        raise CorruptFile(f"{path.name}: the HEIF/AVIF file cannot be read ({exc})") from exc
    xmp, exif = info.get("xmp"), info.get("exif")
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8")
    return xmp or None, exif or None


class HeifContainer(Container):
    name = "heif"
    kind = "image"
    extensions = (".heic", ".heif", ".avif", ".hif")
    carrier = "XMP TC260:AIGC (HEIF XMP item)"
    carries_xmp = True

    def scan(self, path: Path) -> MetadataScan:
        if path.stat().st_size == 0:
            raise UnsupportedFormat(f"{path.name} is empty")
        xmp, exif = _metadata(path)
        scan = MetadataScan()
        if xmp:
            try:
                scan.add_xmp(scan_xmp(xmp), "XMP")
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
        raise UnsupportedFormat(
            f"{src.name}: writing HEIF/AVIF metadata is not supported yet",
            advice="convert the image to JPEG or PNG to add the implicit label; the HEIF is left as it is",
        )
