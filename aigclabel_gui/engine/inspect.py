"""inspect_file(): every label a file carries and one verdict per the spec's "compliant" rules.

Each verdict means one thing (a generator's file, a stripped file and garbage never share a word):
see `Verdict` and `VERDICTS` (words, the clause behind it, one line of advice). The CLI, the JSON
and CSV reports and the GUI's Check tab all read them from here.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from aigclabel_gui.engine.containers.base import FoundRecord
from aigclabel_gui.engine.errors import AigcError, CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import ParsedRecord, parse_record_text
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.xmp import TC260_NS, source_type_is_ai


class Verdict(StrEnum):
    COMPLIANT = "compliant"
    WARNINGS = "compliant-with-warnings"
    NOT_COMPLIANT = "not-compliant"
    NO_LABEL = "no-label"
    CANNOT_TELL = "cannot-tell"  # damaged: we cannot say whether a label is there
    NO_CARRIER = "no-carrier"  # plain text, BMP: no implicit carrier exists
    UNSUPPORTED = "unsupported"

    @property
    def passes(self) -> bool:
        """Exit code 0 (`--strict` also fails WARNINGS)."""
        return self in (Verdict.COMPLIANT, Verdict.WARNINGS)


# Old names, kept for callers and tests written before the enum.
COMPLIANT = Verdict.COMPLIANT
COMPLIANT_WITH_WARNINGS = Verdict.WARNINGS
NOT_COMPLIANT = Verdict.NOT_COMPLIANT
NO_LABEL = Verdict.NO_LABEL
CANNOT_TELL = Verdict.CANNOT_TELL
NO_CARRIER = Verdict.NO_CARRIER
UNSUPPORTED = Verdict.UNSUPPORTED


@dataclass(frozen=True)
class VerdictInfo:
    words: str
    clause: str
    advice: str


VERDICTS: dict[Verdict, VerdictInfo] = {
    Verdict.COMPLIANT: VerdictInfo(
        "one complete AIGC record in the format's carrier",
        "GB 45438 §6.1, Annex E",
        "nothing to do",
    ),
    Verdict.WARNINGS: VerdictInfo(
        "a sound AIGC record with a recognised deviation (empty propagator fields, an accepted "
        "non-primary carrier, or non-canonical JSON)",
        "GB 45438 §6.1 a, Annex E note 1 and j); TC260 image guide annex",
        "label it for publishing (aigclabel label) to fill the propagator fields and move the "
        "record to the primary carrier",
    ),
    Verdict.NOT_COMPLIANT: VerdictInfo(
        "has an AIGC record, but it does not conform",
        "GB 45438 §6.1 a–c, Annex E",
        "re-export it from the generator, or label it: aigclabel keeps the producer's fields "
        "and writes one conforming record",
    ),
    Verdict.NO_LABEL: VerdictInfo(
        "has no AIGC record",
        "GB 45438 §6.1; Measures Art. 5 (metadata label for every generated file)",
        "label it with `aigclabel label --producer CODE`",
    ),
    Verdict.CANNOT_TELL: VerdictInfo(
        "cannot tell: the file is damaged or its structure is not supported",
        "—",
        "re-export the file from its source and check again",
    ),
    Verdict.NO_CARRIER: VerdictInfo(
        "this format has no metadata carrier (plain text, BMP); only the explicit label can label it",
        "GB 45438 §5 (explicit label); no TC260 guide names a carrier for this format",
        "keep the explicit prompt, or convert to a format with a carrier (PNG, Markdown)",
    ),
    Verdict.UNSUPPORTED: VerdictInfo(
        "unsupported file type", "—", "check a supported format (see `aigclabel check --help`)"
    ),
}
VERDICT_WORDS = {v: i.words for v, i in VERDICTS.items()}

# Where a record sits, relative to the carrier the TC260 guides name for the format.
PRIMARY = "primary"  # the format's carrier (XMP element or attribute form: one RDF property)
ACCEPTED = "accepted"  # an accepted non-primary form: PNG keyword chunk, EXIF UserComment
OTHER = "other"  # a carrier nobody names for this format

_PNG_KEYWORD = re.compile(r"^PNG (tEXt|iTXt|zTXt) AIGC$", re.IGNORECASE)
_ATTRIBUTE_NOTE = "stored as an XMP attribute"


def carrier_form(found: FoundRecord) -> str:
    if _PNG_KEYWORD.match(found.carrier) or found.carrier.endswith("EXIF UserComment"):
        # Both attributed to the TC260 image guide's annex; moved to XMP when we write.
        return ACCEPTED
    if found.standard:
        return PRIMARY
    if found.carrier.startswith("XMP") and found.note.startswith(_ATTRIBUTE_NOTE):
        # `TC260:AIGC="…"` on rdf:Description is RDF's shorthand for the same property (the
        # image guide's own Exempi sample writes it): the primary carrier.
        return PRIMARY
    return OTHER


@dataclass
class RecordFinding:
    carrier: str
    standard_carrier: bool
    raw: str
    values: dict[str, object]
    wrapped: bool
    errors: list[str]
    warnings: list[str]
    form: str = PRIMARY
    note: str = ""  # the container's word on where it sits (why a carrier is not the primary one)


@dataclass
class InspectReport:
    path: str
    format: str | None
    kind: str | None
    verdict: Verdict
    records: list[RecordFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # → not-compliant, each by name
    warnings: list[str] = field(default_factory=list)  # → compliant-with-warnings
    notes: list[str] = field(default_factory=list)  # informative: C2PA, extension, structure
    hints: list[str] = field(default_factory=list)  # forensic: where a label looks stripped
    digital_source_type: str | None = None
    c2pa: bool = False
    explicit: str = "explicit labels cannot be verified on an arbitrary file"
    error: str = ""

    @property
    def complete(self) -> bool:
        return Verdict(self.verdict).passes

    @property
    def info(self) -> VerdictInfo:
        return VERDICTS[Verdict(self.verdict)]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["verdict"] = str(self.verdict)
        d["clause"], d["advice"] = self.info.clause, self.info.advice
        return d


def _finding(found: FoundRecord, pr: ParsedRecord) -> RecordFinding:
    return RecordFinding(
        found.carrier,
        found.standard,
        pr.raw,
        pr.values,
        pr.wrapped,
        list(pr.errors),
        list(pr.warnings),
        carrier_form(found),
        found.note,
    )


def _empty(raw: str) -> bool:
    return not raw.strip(" \x00\r\n\t")


_HINT_SCAN_BYTES = 32 << 20  # metadata sits near the start or the end of big media files


def _bytes_hints(path: Path, fmt: str) -> list[str]:
    """Traces of a label in the raw bytes when no record was found (mmap; files over 64 MiB are
    searched in their first and last 32 MiB, where containers keep metadata)."""
    hints = []
    ns = TC260_NS.encode()

    def found(m: mmap.mmap, needle: bytes) -> bool:
        size = len(m)
        if size <= 2 * _HINT_SCAN_BYTES:
            return m.find(needle) >= 0
        return (
            m.find(needle, 0, _HINT_SCAN_BYTES) >= 0 or m.find(needle, size - _HINT_SCAN_BYTES) >= 0
        )

    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            if found(m, ns):
                hints.append(
                    "the TC260 namespace is declared but holds no AIGC property: "
                    "a label may have been stripped"
                )
            if fmt == "pdf" and found(m, b"/AIGC"):
                hints.append(
                    "an earlier PDF revision held /AIGC, the current one does not: "
                    "a label may have been removed by an incremental update"
                )
    except (OSError, ValueError):  # ValueError: empty file cannot be mapped
        pass
    return hints


def inspect_file(path: Path | str) -> InspectReport:
    """Every AIGC record the file carries and a verdict per GB 45438; never raises for a bad file."""
    path = Path(path)
    try:
        info = identify(path)
    except UnsupportedFormat as exc:
        return InspectReport(str(path), None, None, UNSUPPORTED, error=exc.message)
    except OSError as exc:
        return InspectReport(str(path), None, None, CANNOT_TELL, error=str(exc))
    report = InspectReport(str(path), info.name, info.kind, NO_LABEL)
    if not info.extension_matches:
        report.notes.append(f"extension {path.suffix!r} does not match the content ({info.name})")
    try:
        scan = info.container.scan(path)
    except CorruptFile as exc:
        report.verdict, report.error = CANNOT_TELL, exc.message
        return report
    except AigcError as exc:
        report.verdict, report.error = CANNOT_TELL, str(exc)
        return report
    except Exception as exc:  # a parser library failing on a damaged file
        report.verdict, report.error = CANNOT_TELL, f"{type(exc).__name__}: {exc}"
        return report
    report.digital_source_type = scan.digital_source_type
    report.c2pa = scan.c2pa
    report.notes += scan.notes
    if report.c2pa:
        report.notes.append(
            "a C2PA manifest is present; re-encoding or editing invalidates its signature"
        )
    for found in scan.records:
        if _empty(found.raw):
            report.hints.append(
                f"{found.carrier} is present with an empty value: a label may have been stripped"
            )
            continue
        report.records.append(_finding(found, parse_record_text(found.raw)))
        if carrier_form(found) == PRIMARY and found.note.startswith(_ATTRIBUTE_NOTE):
            report.notes.append(f"{found.carrier}: {found.note} (the same RDF property)")

    if info.name in ("txt", "markdown"):
        from aigclabel_gui.engine.visible.text import find_text_prompt

        if prompt := find_text_prompt(path):
            report.explicit = f"text prompt found ({prompt}); GB 45438 §5.1 allows start or end"
    if not info.container.has_carrier and not report.records:
        report.verdict = NO_CARRIER
        return report
    if not report.records:
        dst = report.digital_source_type
        if source_type_is_ai(dst):
            report.hints.append(
                f"IPTC DigitalSourceType says AI ({dst.rsplit('/', 1)[-1]}) but there is no AIGC "
                "record: a label may have been stripped"
            )
        report.hints += _bytes_hints(path, info.name)
        return report
    _judge(report, info.container.carrier, info.name)
    return report


def _judge(report: InspectReport, carrier: str, fmt: str) -> None:
    problems, warnings = report.problems, report.warnings
    if len(report.records) > 1:
        problems.append(
            f"duplicate: {len(report.records)} AIGC records (GB 45438 §6.1 c: one record per file,"
            " even identical copies count twice)"
        )
    for rf in report.records:
        if rf.form == OTHER:
            problems.append(
                f"wrong carrier: {rf.carrier} is not a carrier the TC260 guides name for {fmt}"
                + (f" ({rf.note})" if rf.note else "")
                + f"; expected {carrier}"
            )
        elif rf.form == ACCEPTED:
            warnings.append(
                f"{rf.carrier}: an accepted non-primary form (TC260 image guide annex); "
                f"aigclabel moves it to {carrier} when it labels the file"
            )
        if rf.wrapped and rf.form != ACCEPTED:  # the annex forms are read wrapped or bare
            warnings.append(
                f'{rf.carrier}: the record is wrapped as {{"AIGC":{{…}}}} in a carrier already '
                "named AIGC; Annex E's bare object is expected here (both are read)"
            )
        problems += [f"{rf.carrier}: {e} (GB 45438 Annex E)" for e in rf.errors]
        warnings += [f"{rf.carrier}: {w}" for w in rf.warnings]
    dst = report.digital_source_type
    if dst and not source_type_is_ai(dst):
        if any(rf.values.get("Label") == "1" for rf in report.records):
            warnings.append(
                f'IPTC DigitalSourceType {dst.rsplit("/", 1)[-1]!r} contradicts Label "1": '
                "platforms reading IPTC will call it a camera/human work"
            )
    if problems:
        report.verdict = NOT_COMPLIANT
    elif warnings:
        report.verdict = COMPLIANT_WITH_WARNINGS
    else:
        report.verdict = COMPLIANT
