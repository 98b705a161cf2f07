"""BMP: no metadata carrier exists (no TC260 guide defines one, and BMP has no text/XMP field).

Only the explicit label can mark a BMP; the pipeline skips the implicit step for it."""

from __future__ import annotations

from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, MetadataScan
from aigclabel_gui.engine.errors import NoCarrier
from aigclabel_gui.engine.record import AigcRecord


class BmpContainer(Container):
    name = "bmp"
    kind = "image"
    extensions = (".bmp", ".dib")
    carrier = "none (BMP has no metadata carrier)"
    has_carrier = False

    def scan(self, path: Path) -> MetadataScan:
        return MetadataScan()

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        raise NoCarrier(
            f"{src.name}: BMP has no metadata carrier; nothing written",
            advice="convert to PNG to carry the implicit label, or add the visible label only",
        )
