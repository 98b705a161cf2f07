"""The one small interface every container implements: scan() what is stored, write() the record.

A container only says *where* the AIGC record lives (the mediafile StorageStyle idea); what the
record is lives in record.py, and the pipeline decides what to write.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from aigclabel_gui.engine.record import AigcRecord
from aigclabel_gui.engine.xmp import XmpScan


@dataclass(frozen=True)
class FoundRecord:
    """One stored AIGC value, as found: where, the raw text, and whether that place is the
    carrier the TC260 guide names for this container."""

    carrier: str  # e.g. "XMP TC260:AIGC", "PNG tEXt AIGC", "ID3 TXXX:AIGC"
    raw: str
    standard: bool
    note: str = ""  # why a non-standard carrier is non-standard


@dataclass
class MetadataScan:
    records: list[FoundRecord] = field(default_factory=list)
    digital_source_type: str | None = None  # IPTC Iptc4xmpExt:DigitalSourceType
    c2pa: bool = False  # a C2PA manifest (JUMBF) is present
    notes: list[str] = field(default_factory=list)

    def add_xmp(self, scan: XmpScan, where: str) -> None:
        """Fold an XMP scan (from the container's XMP carrier) into this scan."""
        for prop in scan.properties:
            self.records.append(
                FoundRecord(
                    carrier=f"{where} {prop.prefix or '?'}:AIGC",
                    raw=prop.value,
                    standard=prop.standard and prop.form == "element",
                    note=prop.note(),
                )
            )
        if scan.digital_source_type and not self.digital_source_type:
            self.digital_source_type = scan.digital_source_type


class Container(ABC):
    """Reads and writes the implicit label of one container format, without touching the payload."""

    name: ClassVar[str]  # registry key, e.g. "jpeg"
    kind: ClassVar[str]  # "image" | "audio" | "video" | "text"
    extensions: ClassVar[tuple[str, ...]]  # lower-case, with dot; the first is the canonical one
    # Other extensions that are not a mismatch for this content (an audio-only .mp4 is an m4a),
    # but that the folder walk does not attribute to this format.
    also_matches: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str] = ""  # how users name the format ("JPEG", "HEIF/AVIF"); default: NAME
    carrier: ClassVar[str]  # the carrier we write, in words (shown to users)
    carries_xmp: ClassVar[bool] = False  # IPTC DigitalSourceType can be written too
    has_carrier: ClassVar[bool] = True  # False for formats with no implicit carrier (txt, BMP)

    def kind_for(self, path: Path) -> str:
        """This file's media kind: `kind`, unless the format holds several (Matroska)."""
        return self.kind

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__ and not cls.__dict__.get("title"):
            cls.title = cls.name.upper()

    @abstractmethod
    def scan(self, path: Path) -> MetadataScan:
        """Every AIGC record stored in the file (standard carrier and variants seen in the wild).

        Raises CorruptFile when the file's structure cannot be read."""

    @abstractmethod
    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        """Copy `src` to `dst` with exactly one AIGC record: in the carrier where `src` already holds
        one (updated there, any duplicates removed), else in the standard carrier. Media payload
        bytes are copied unchanged; all other metadata is kept. `dst` is a fresh temp path."""
