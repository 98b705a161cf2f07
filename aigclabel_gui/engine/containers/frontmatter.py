"""Markdown: the AIGC record as an `AIGC:` mapping in the YAML front matter (TC260 text guide).

Reading uses PyYAML's safe loader. Writing is a line edit of the `AIGC` block only: the user's
other front-matter lines and the body stay byte for byte (a YAML dumper would reorder and
reformat them). BOM and line endings are kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from aigclabel_gui.engine.containers.base import Container, FoundRecord, MetadataScan
from aigclabel_gui.engine.errors import CorruptFile, InputTooLarge, UnsupportedFormat
from aigclabel_gui.engine.record import FIELD_NAMES, AigcRecord

BOM = "\ufeff"
# Front matter is a few lines; anything this big is not front matter we should parse.
MAX_FRONT_MATTER = 1024 * 1024
MAX_TEXT_FILE = 256 * 1024 * 1024
# YAML aliases share one object many times over: 9 levels of 9 aliases ("billion laughs") is 387
# million nodes once walked (json.dumps, ==). The AIGC value is seven strings; refuse anything big.
MAX_AIGC_NODES = 10_000
MAX_AIGC_DEPTH = 64
# A top-level `AIGC:` key (any case, optionally quoted) at column 0.
_AIGC_KEY = re.compile(r"""^(['"]?)aigc\1[ \t]*:(?:[ \t]|\r?\n|$)""", re.IGNORECASE)


@dataclass
class TextDoc:
    """A UTF-8 text file split for line edits: BOM, lines (with their endings), newline style."""

    bom: str
    lines: list[str]
    newline: str

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def encode(self) -> bytes:
        return (self.bom + self.text).encode("utf-8")


def read_text_doc(path: Path) -> TextDoc:
    size = path.stat().st_size
    if size > MAX_TEXT_FILE:
        raise InputTooLarge(f"{path.name}: {size} bytes is too large for a text document")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedFormat(
            f"{path.name}: not UTF-8 text (byte {exc.start})", advice="save the file as UTF-8"
        ) from exc
    bom = BOM if text.startswith(BOM) else ""
    text = text[len(bom) :]
    lines = text.splitlines(keepends=True)
    return TextDoc(bom, lines, _newline_of(lines))


def _newline_of(lines: list[str]) -> str:
    # The first line ending decides (front matter opens the file, so it matches what we edit).
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
        if line.endswith("\r"):
            return "\r"
    return "\n"


def _bare(line: str) -> str:
    return line.rstrip("\r\n").rstrip(" \t")


def front_matter_close(lines: list[str]) -> int | None:
    """Index of the closing `---`/`...` line when the first line opens front matter, else None."""
    if not lines or _bare(lines[0]) != "---":
        return None
    for i in range(1, len(lines)):
        if _bare(lines[i]) in ("---", "..."):
            return i
    return None


def parse_front_matter(doc: TextDoc, name: str) -> tuple[int | None, dict | None]:
    """(closing line index, parsed mapping). A fenced block that is not a YAML mapping (a
    thematic break `---` around prose) is not front matter: (None, None)."""
    close = front_matter_close(doc.lines)
    if close is None:
        return None, None
    body = "".join(doc.lines[1:close])
    if len(body) > MAX_FRONT_MATTER:
        raise InputTooLarge(f"{name}: the front matter is larger than {MAX_FRONT_MATTER} bytes")
    try:
        data = yaml.safe_load(body)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise CorruptFile(f"{name}: the front matter is not valid YAML{where}") from exc
    except RecursionError as exc:
        raise CorruptFile(f"{name}: the front matter is nested too deeply to read") from exc
    if data is None:
        return close, {}
    if not isinstance(data, dict):
        return None, None
    for key, value in data.items():
        if isinstance(key, str) and key.lower() == "aigc":
            _check_bounded(value, name)
    return close, data


def _check_bounded(value: object, name: str) -> None:
    """Walk the value counting every node as aliases expand it; stop at the caps (also ends a
    self-referencing value such as `&a [*a]`)."""
    stack = [(value, 0)]
    count = 0
    while stack:
        v, depth = stack.pop()
        count += 1
        if count > MAX_AIGC_NODES or depth > MAX_AIGC_DEPTH:
            raise CorruptFile(
                f"{name}: the AIGC value in the front matter expands to more than "
                f"{MAX_AIGC_NODES} items or {MAX_AIGC_DEPTH} levels (YAML aliases)",
                advice="write the record as the seven plain keys of GB 45438 Annex E, without anchors or aliases",
            )
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for kv in v.items() for x in kv)
        elif isinstance(v, (list, tuple, set)):
            stack.extend((x, depth + 1) for x in v)


def _raw_of(value: object) -> str:
    """The compact JSON the pipeline's verifier parses, from what YAML gave us."""
    if isinstance(value, str):
        return value  # the JSON-string variant: already the record text
    if isinstance(value, dict):
        mapping = {str(k): v for k, v in value.items()}
        if set(mapping) == set(FIELD_NAMES) and all(isinstance(v, str) for v in mapping.values()):
            return AigcRecord(**mapping).to_json()
        # Keep wrong types and unknown keys visible: parse_record_text reports them by name.
        return json.dumps(mapping, ensure_ascii=True, separators=(",", ":"), default=str)
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str)


def records_in(data: dict) -> list[FoundRecord]:
    found = []
    for key, value in data.items():
        if not (isinstance(key, str) and key.lower() == "aigc"):
            continue
        where = f"front matter {key}"
        if isinstance(value, dict):
            note = "" if key == "AIGC" else f"key spelt {key!r}; the guide writes 'AIGC'"
            found.append(FoundRecord(where, _raw_of(value), key == "AIGC", note))
        elif isinstance(value, str):
            note = "the record is a JSON string, not a YAML mapping of the seven keys"
            found.append(FoundRecord(where, value, False, note))
        else:
            note = f"the AIGC value is a {type(value).__name__}, not a mapping"
            found.append(FoundRecord(where, _raw_of(value), False, note))
    return found


def _yaml_single_quoted(value: str) -> str:
    # Annex E values are printable ASCII without backslash: single quotes need only '' doubling,
    # and quoting keeps "1" a string.
    return "'" + value.replace("'", "''") + "'"


def aigc_block(record: AigcRecord, newline: str) -> list[str]:
    lines = ["AIGC:" + newline]
    for name, value in record.as_dict().items():  # Annex E order
        lines.append(f"  {name}: {_yaml_single_quoted(value)}{newline}")
    return lines


def _block_end(lines: list[str], start: int, close: int) -> int:
    """End (exclusive) of the top-level key starting at `start`: its indented continuation lines."""
    end = start + 1
    while end < close and (lines[end][:1] in (" ", "\t") or lines[end].strip() == ""):
        end += 1
    while end > start + 1 and lines[end - 1].strip() == "":
        end -= 1  # blank lines after the block belong to the user's layout
    return end


def with_aigc_block(doc: TextDoc, close: int | None, record: AigcRecord) -> list[str]:
    """The file's lines with exactly one AIGC block (GB 45438 §6.1 c), every other line kept."""
    block = aigc_block(record, doc.newline)
    lines = doc.lines
    if close is None:
        fence = "---" + doc.newline
        return [fence, *block, fence, *lines]
    out = [lines[0]]
    inserted = False
    i = 1
    while i < close:
        if _AIGC_KEY.match(lines[i]):
            end = _block_end(lines, i, close)
            if not inserted:
                out += block
                inserted = True
            i = end
            continue
        out.append(lines[i])
        i += 1
    if not inserted:
        out += block
    out += lines[close:]
    return out


class MarkdownContainer(Container):
    name = "markdown"
    kind = "text"
    extensions = (".md", ".markdown", ".mdown", ".mkd")
    title = "Markdown"
    carrier = "YAML front matter mapping AIGC"

    def scan(self, path: Path) -> MetadataScan:
        doc = read_text_doc(path)
        _, data = parse_front_matter(doc, path.name)
        scan = MetadataScan()
        if data:
            scan.records = records_in(data)
        return scan

    def write(
        self, src: Path, dst: Path, record: AigcRecord, *, digital_source_type: str | None
    ) -> None:
        doc = read_text_doc(src)
        close, _ = parse_front_matter(doc, src.name)
        new = TextDoc(doc.bom, with_aigc_block(doc, close, record), doc.newline)
        # The line edit assumes block-style YAML at column 0; check the result still parses to
        # a mapping holding our record before anything is written.
        try:
            new_close, data = parse_front_matter(new, src.name)
        except CorruptFile:
            new_close, data = None, None
        if new_close is None or data is None or data.get("AIGC") != record.as_dict():
            raise UnsupportedFormat(
                f"{src.name}: cannot add an AIGC block to this front matter's layout",
                advice="use block-style YAML front matter with top-level keys at column 0",
            )
        dst.write_bytes(new.encode())
