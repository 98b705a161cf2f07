"""Plain text (.txt): no TC260 guide defines a metadata carrier, so nothing implicit is written.

The explicit prompt line is the label (visible/text.py)."""

from __future__ import annotations

from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, MetadataScan
from aigclabel_gui.engine.errors import NoCarrier
from aigclabel_gui.engine.record import AigcRecord


class PlainTextContainer(Container):
    name = "txt"
    kind = "text"
    extensions = (".txt", ".text", "")
    title = "plain text"
    carrier = "none (plain text has no metadata carrier)"
    has_carrier = False

    def scan(self, path: Path) -> MetadataScan:
        return MetadataScan()

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        raise NoCarrier(f"{src.name}: plain text has no implicit-label carrier; nothing written")
