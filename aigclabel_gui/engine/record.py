"""The AIGC record (GB 45438-2025 §6.1, Annex E), defined once: fields, validation, JSON, codes.

Every container stores the same record; only *where* differs (see containers/).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field, fields

from aigclabel_gui.engine.errors import InvalidRecord

# Annex E key order. The JSON is written in exactly this order.
FIELD_NAMES: tuple[str, ...] = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
# §6.1 a: five elements must be non-empty; the reserved codes may be "".
MANDATORY: tuple[str, ...] = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ContentPropagator",
    "PropagateID",
)
PRODUCER_FIELDS: tuple[str, ...] = ("Label", "ContentProducer", "ProduceID", "ReservedCode1")
PROPAGATOR_FIELDS: tuple[str, ...] = ("ContentPropagator", "PropagateID", "ReservedCode2")
LABEL_VALUES = {"1": "AI-generated", "2": "possibly AI-generated", "3": "suspected AI-generated"}

# Annex E: single-byte printable ASCII, 0x21 and 0x23-0x5B and 0x5D-0x7E, plus `"` (escaped in JSON).
# So: 0x21-0x7E except the backslash. No spaces, no Chinese. `\Z`, not `$`: `$` also matches
# before a trailing newline, which would let "id\n" through.
_VALUE_RE = re.compile(r"^[\x21-\x5b\x5d-\x7e]*\Z")
# TC260 coding-rules guide: 00 + 1 + 1 + 18-char USCC + 5-char service extension.
PROVIDER_CODE_RE = re.compile(r"^0011[0-9A-Z]{18}[0-9A-Z]{5}\Z")

# GB 32100-2015 unified social credit code: 31-symbol alphabet (no I, O, Z, S, V).
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character of a unified social credit code (GB 32100-2015)."""
    total = 0
    for ch, w in zip(first17, _USCC_WEIGHTS, strict=True):
        idx = _USCC_ALPHABET.find(ch)
        if idx < 0:
            raise ValueError(f"{ch!r} is not allowed in a unified social credit code")
        total += idx * w
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(uscc: str) -> bool:
    uscc = uscc.strip().upper()
    if len(uscc) != 18 or any(c not in _USCC_ALPHABET for c in uscc):
        return False
    return uscc_check_char(uscc[:17]) == uscc[17]


def provider_code_from_uscc(uscc: str, extension: str = "00000") -> str:
    """Build the 27-character provider code the TC260 guide describes from a USCC."""
    uscc = uscc.strip().upper()
    if not uscc_is_valid(uscc):
        raise InvalidRecord(
            f"{uscc!r} is not a valid unified social credit code (18 characters, check character)",
            advice="copy the code from the business licence",
        )
    extension = extension.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{5}", extension):
        raise InvalidRecord(
            "the service extension must be 5 digits or capital letters, e.g. 00000 or 1XGW3"
        )
    return f"0011{uscc}{extension}"


def looks_like_provider_code(value: str) -> bool:
    return bool(PROVIDER_CODE_RE.match(value))


def value_problem(name: str, value: object) -> str | None:
    """Why `value` is not allowed in field `name`, or None if it is (Annex E character rule)."""
    if not isinstance(value, str):
        return f"{name} must be a string, not {type(value).__name__}"
    if name in MANDATORY and value == "":
        return f"{name} must not be empty (GB 45438 §6.1 a)"
    if name == "Label" and value not in LABEL_VALUES:
        return f'Label must be "1", "2" or "3", not {value!r}'
    if not _VALUE_RE.match(value):
        bad = sorted({c for c in value if not _VALUE_RE.match(c)})
        shown = " ".join("space" if c == " " else repr(c) for c in bad[:5])
        return f"{name} contains characters Annex E forbids: {shown}"
    return None


def new_content_id() -> str:
    """A unique ID for one piece of content (IDs seen in the wild are UUIDs or hex hashes)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class AigcRecord:
    """The seven-field AIGC record. Construct via `make()` to validate."""

    Label: str = "1"
    ContentProducer: str = ""
    ProduceID: str = ""
    ReservedCode1: str = ""
    ContentPropagator: str = ""
    PropagateID: str = ""
    ReservedCode2: str = ""

    @classmethod
    def make(cls, **values: str) -> AigcRecord:
        rec = cls(**values)
        rec.validate()
        return rec

    def problems(self) -> list[str]:
        return [p for f in FIELD_NAMES if (p := value_problem(f, getattr(self, f)))]

    def validate(self) -> None:
        probs = self.problems()
        if probs:
            raise InvalidRecord("; ".join(probs))

    def as_dict(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in FIELD_NAMES}

    def to_json(self, *, wrapped: bool = False) -> str:
        """Compact ASCII JSON, keys in Annex E order. Values obey the character rule, so only
        `"` can ever be escaped. `wrapped` gives Annex E's template `{"AIGC":{...}}` for carriers
        with no key name of their own (EXIF UserComment)."""
        # ensure_ascii=False: a conforming record is ASCII anyway, so this only matters for a
        # producer's non-conforming value (e.g. "豆包 AI"), which we keep byte for byte instead of
        # re-serialising it as \uXXXX escapes (Annex E j: only `\"` is ever escaped).
        body = json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))
        return '{"AIGC":' + body + "}" if wrapped else body

    def producer_part(self) -> tuple[str, ...]:
        return tuple(getattr(self, f) for f in PRODUCER_FIELDS)


@dataclass
class ParsedRecord:
    """What a reader made of a stored record text: the values and every deviation, by name."""

    raw: str
    values: dict[str, object] = field(default_factory=dict)
    wrapped: bool = False
    errors: list[str] = field(default_factory=list)  # non-compliance
    warnings: list[str] = field(default_factory=list)  # recognised deviations that still conform
    record: AigcRecord | None = None  # set when the seven keys are present as strings

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.errors


_MISSPELT = {
    "ReserveCode1": "ReservedCode1",
    "ReserveCode2": "ReservedCode2",
    "Propagator": "ContentPropagator",
    "PropatorID": "PropagateID",
    "Producer": "ContentProducer",
    "ProducerID": "ProduceID",
}


def parse_record_text(raw: str | bytes) -> ParsedRecord:
    """Parse a stored AIGC value: bare `{...}` or wrapped `{"AIGC":{...}}`; strict JSON.

    Never raises on bad content: everything wrong is reported in `errors`."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raw = raw.decode("latin-1")
    text = raw.strip().rstrip("\x00").strip()
    pr = ParsedRecord(raw=raw)
    # A bare `AIGC{...}` blob (seen in JPEG APP segments): strip the label word.
    if text.startswith("AIGC{"):
        text = text[4:]
        pr.warnings.append("record stored as a bare 'AIGC{...}' blob")
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, ValueError) as exc:
        pr.errors.append(f"not valid JSON ({exc.msg})" if hasattr(exc, "msg") else "not valid JSON")
        return pr
    if isinstance(obj, dict) and set(obj) == {"AIGC"} and isinstance(obj["AIGC"], dict):
        obj = obj["AIGC"]
        pr.wrapped = True
    if not isinstance(obj, dict):
        pr.errors.append("the record is not a JSON object")
        return pr
    pr.values = dict(obj)
    for key in obj:
        if key not in FIELD_NAMES:
            hint = f" (misspelt {_MISSPELT[key]}?)" if key in _MISSPELT else ""
            pr.errors.append(f"unknown key {key!r}{hint}")
    for name in FIELD_NAMES:
        if name not in obj:
            pr.errors.append(f"missing key {name}")
            continue
        if name in PROPAGATOR_FIELDS and obj[name] == "":
            # §6.1 a asks for it, Annex E note 1 says the first write copies the producer pair;
            # generators (Doubao, Tencent's docs, the guide's own ffmpeg example) leave it empty.
            # A producer-side deviation, not garbage: a warning of its own.
            if name in MANDATORY:
                pr.warnings.append(
                    f"{name} is empty: a producer-side deviation from GB 45438 §6.1 a / Annex E"
                    " note 1 (filled when the file is labelled for publishing)"
                )
            continue
        prob = value_problem(name, obj[name])
        if prob:
            pr.errors.append(prob)
    pr.warnings += raw_json_deviations(text, obj)
    if all(isinstance(obj.get(n), str) for n in FIELD_NAMES):
        pr.record = AigcRecord(**{n: obj[n] for n in FIELD_NAMES})
        for name in ("ContentProducer", "ContentPropagator"):
            v = obj[name]
            if v and not looks_like_provider_code(v):
                pr.warnings.append(f"{name} {v!r} is a name, not a 27-character provider code")
    return pr


_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def raw_json_deviations(text: str, obj: dict | None = None) -> list[str]:
    """How the stored JSON string departs from Annex E j)'s serialisation although it parses:
    escapes other than `\\"`, whitespace between tokens, another key order. Values stay the same,
    so these are warnings, not non-compliance."""
    out: list[str] = []
    escapes = sorted({"\\" + m.group(1) for m in _ESCAPE_RE.finditer(text) if m.group(1) != '"'})
    if escapes:
        out.append(
            'raw JSON uses escapes other than \\" (' + " ".join(escapes[:5]) + "); Annex E j)"
            " escapes only the quote"
        )
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in " \t\r\n":
            out.append("raw JSON has whitespace between tokens; Annex E j) writes it compact")
            break
    if isinstance(obj, dict):
        keys = [k for k in obj if k in FIELD_NAMES]
        if keys != [k for k in FIELD_NAMES if k in obj]:
            out.append("keys are not in Annex E order (Label, ContentProducer, ProduceID, …)")
    return out


def looks_like_record(text: str) -> bool:
    """A value holding an AIGC record as JSON — `{"AIGC":{...}}` or a bare object with its keys —
    stored under a name that is not AIGC (COMM/COMMENT/other TXXX fields: seen in the wild)."""
    text = text.strip().rstrip("\x00").strip()
    if not text.startswith("{"):
        return False
    try:
        obj = json.loads(text)
    except ValueError:
        return False
    if not isinstance(obj, dict):
        return False
    return any(str(k).upper() == "AIGC" for k in obj) or (
        "Label" in obj and ("ContentProducer" in obj or "ProduceID" in obj)
    )


def record_from_partial(values: dict[str, object]) -> AigcRecord:
    """Best-effort record from a non-conforming stored one (missing keys become "")."""
    return AigcRecord(**{f.name: str(values.get(f.name, "")) for f in fields(AigcRecord)})
