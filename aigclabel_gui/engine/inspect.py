"""inspect_file(): every label a file carries and a verdict per the spec's "compliant" rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aigclabel_gui.engine.errors import AigcError, CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.record import ParsedRecord, parse_record_text
from aigclabel_gui.engine.registry import identify

COMPLIANT = "compliant"
NOT_COMPLIANT = "not-compliant"
NO_LABEL = "no-label"
CANNOT_TELL = "cannot-tell"  # damaged file: we cannot say whether a label is there
NO_CARRIER = "no-carrier"  # plain text: no implicit carrier exists
UNSUPPORTED = "unsupported"

VERDICT_WORDS = {
    COMPLIANT: "has one complete AIGC record in the right place",
    NOT_COMPLIANT: "has an AIGC record, but it does not conform",
    NO_LABEL: "has no AIGC record",
    CANNOT_TELL: "cannot tell: the file is damaged",
    NO_CARRIER: "this format has no metadata carrier (plain text, BMP); only the explicit label can label it",
    UNSUPPORTED: "unsupported file type",
}


@dataclass
class RecordFinding:
    carrier: str
    standard_carrier: bool
    raw: str
    values: dict[str, object]
    wrapped: bool
    errors: list[str]
    warnings: list[str]


@dataclass
class InspectReport:
    path: str
    format: str | None
    kind: str | None
    verdict: str
    records: list[RecordFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # every deviation, by name
    warnings: list[str] = field(default_factory=list)
    digital_source_type: str | None = None
    c2pa: bool = False
    explicit: str = "explicit labels cannot be verified on an arbitrary file"
    error: str = ""

    @property
    def complete(self) -> bool:
        return self.verdict == COMPLIANT

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def _finding(carrier: str, standard: bool, note: str, pr: ParsedRecord) -> RecordFinding:
    warnings = list(pr.warnings)
    if note:
        warnings.insert(0, note)
    return RecordFinding(
        carrier, standard, pr.raw, pr.values, pr.wrapped, list(pr.errors), warnings
    )


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
        report.warnings.append(
            f"extension {path.suffix!r} does not match the content ({info.name})"
        )
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
    report.warnings += scan.notes
    if report.c2pa:
        report.warnings.append(
            "a C2PA manifest is present; re-encoding or editing invalidates its signature"
        )
    for found in scan.records:
        report.records.append(
            _finding(found.carrier, found.standard, found.note, parse_record_text(found.raw))
        )

    if info.name in ("txt", "markdown"):
        from aigclabel_gui.engine.visible.text import find_text_prompt

        if prompt := find_text_prompt(path):
            report.explicit = f"text prompt found ({prompt}); GB 45438 §5.1 allows start or end"
    if not info.container.has_carrier and not report.records:
        report.verdict = NO_CARRIER
        return report
    if not report.records:
        return report
    problems = report.problems
    if len(report.records) > 1:
        problems.append(
            f"duplicate: {len(report.records)} AIGC records (GB 45438 §6.1 c allows one)"
        )
    for rf in report.records:
        if not rf.standard_carrier:
            problems.append(f"wrong carrier: {rf.carrier} (expected {info.container.carrier})")
        problems += [f"{rf.carrier}: {e}" for e in rf.errors]
        report.warnings += [f"{rf.carrier}: {w}" for w in rf.warnings]
    report.verdict = NOT_COMPLIANT if problems else COMPLIANT
    return report
