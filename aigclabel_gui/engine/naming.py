"""Output names from a template, kept inside the output folder and never equal to an input.

A name legal here but forbidden on another OS (the copies are shared) is not refused: each part of
the output path is made portable by this documented mapping, and the file's result says so:

- `: ? * " < > | \\` → their full-width forms `： ？ ＊ ＂ ＜ ＞ ｜ ＼` (a backslash never becomes a
  folder);
- control characters (tab, newline, ...) → `_`;
- trailing dots and spaces → `_` (Windows drops them silently);
- Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with any extension) get a
  `_` after the device name: `con.png` → `con_.png`;
- a part longer than 255 bytes (UTF-8) is shortened, keeping its extension, with `~` and the first
  8 hex digits of the SHA-256 of the full part, so the same long name always gives the same output.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from pathlib import Path, PurePath, PurePosixPath

from aigclabel_gui.engine.errors import InvalidSettings

TEMPLATE_FIELDS = ("stem", "ext", "kind", "date", "name")
_FIELD_RE = re.compile(r"\{([^{}]*)\}")
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def check_template(template: str) -> None:
    """Refuse templates that could escape the output folder or name nothing."""
    if not template.strip():
        raise InvalidSettings("the name template is empty")
    for f in _FIELD_RE.findall(template):
        if f not in TEMPLATE_FIELDS:
            raise InvalidSettings(
                f"unknown field {{{f}}} in the name template",
                advice="use " + ", ".join("{" + x + "}" for x in TEMPLATE_FIELDS),
            )
    literal = _FIELD_RE.sub("x", template)
    if literal.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", literal):
        raise InvalidSettings(
            f"name template {template!r} is an absolute path",
            advice="names stay inside the output folder",
        )
    parts = re.split(r"[/\\]", literal)
    if any(p in ("..", ".") for p in parts):
        raise InvalidSettings(
            f"name template {template!r} contains '..'",
            advice="names stay inside the output folder",
        )


_PORTABLE = {
    ":": "：",
    "?": "？",
    "*": "＊",
    '"': "＂",
    "<": "＜",
    ">": "＞",
    "|": "｜",
    "\\": "＼",
}
MAX_NAME_BYTES = 255  # ext4, NTFS (in UTF-16 units, fewer bytes), APFS


def safe_component(part: str) -> str:
    """One path part made legal on Windows, macOS and Linux by the mapping in the module doc."""
    out = "".join(_PORTABLE.get(c, "_" if ord(c) < 32 or ord(c) == 127 else c) for c in part)
    stripped = out.rstrip(" .")
    out = stripped + "_" * (len(out) - len(stripped))
    base, dot, rest = out.partition(".")
    if base.rstrip(" ").upper() in _RESERVED:
        out = base + "_" + dot + rest
    if out in ("", ".", ".."):
        out = "_"
    # surrogateescape: a name that is not UTF-8 on disk (Linux, from an old archive) is counted
    # in its real bytes instead of failing the whole plan with UnicodeEncodeError
    if len(out.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem, ext = out, ""
        if "." in out[1:]:
            stem, ext = out.rsplit(".", 1)
            ext = "." + ext
            if len(ext.encode("utf-8", "surrogateescape")) > 16:
                stem, ext = out, ""
        budget = MAX_NAME_BYTES - len(ext.encode("utf-8", "surrogateescape")) - 9
        cut = stem.encode("utf-8", "surrogateescape")[:budget].decode("utf-8", "ignore")
        out = f"{cut}~{digest}{ext}"
    return out


def render_name_noted(
    template: str,
    src: Path,
    kind: str,
    *,
    folder: PurePath | None = None,
    today: _dt.date | None = None,
) -> tuple[PurePosixPath, list[str]]:
    """(output path relative to the output folder, notes). `folder` is the input's folder
    relative to its input root. Each part is made portable (safe_component); a note says what
    changed."""
    check_template(template)

    mapped: list[tuple[str, str]] = []

    def field(value: str) -> str:
        # A field's value is one name: its backslash is a character, never a folder separator.
        out = value.replace("\\", _PORTABLE["\\"])
        if out != value and (value, out) not in mapped:
            mapped.append((value, out))
        return out

    values = {
        "stem": field(src.stem),
        "ext": field(src.suffix),
        "kind": kind or "file",
        "date": (today or _dt.date.today()).isoformat(),
        "name": field(src.name),
    }
    rendered = template.format(**values)
    parts = [*(folder.parts if folder is not None else ()), *re.split(r"[/\\]", rendered)]
    parts = [p for p in parts if p not in ("", ".")]
    if not parts or ".." in parts:
        raise InvalidSettings(f"output name {rendered!r} is not a file name in the output folder")
    safe = [safe_component(p) for p in parts]
    notes = []
    changed = mapped[:1] + [(a, b) for a, b in zip(parts, safe, strict=True) if a != b]
    if any(len(a.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for a, _ in changed):
        notes.append(f"output name shortened to {MAX_NAME_BYTES} bytes with a hash suffix")
    what: list[str] = []
    for a, _ in changed:
        for c in a:
            m = _PORTABLE.get(c) or ("_" if ord(c) < 32 or ord(c) == 127 else None)
            if m and f"{c!r} → {m!r}" not in what:
                what.append(f"{c!r} → {m!r}")
        if a.rstrip(" .") != a and "trailing dot/space → '_'" not in what:
            what.append("trailing dot/space → '_'")
        if a.partition(".")[0].rstrip(" ").upper() in _RESERVED:
            what.append(
                f"Windows device name {a.partition('.')[0]!r} → {a.partition('.')[0] + '_'!r}"
            )
    if what:
        notes.append("output name made portable for other systems: " + ", ".join(what))
    return PurePosixPath(*safe), notes


def render_name(
    template: str, src: Path, kind: str, *, today: _dt.date | None = None
) -> PurePosixPath:
    """The relative output path for `src` (relative to its place in the output tree)."""
    return render_name_noted(template, src, kind, today=today)[0]


def inside(folder: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def renamed(path: Path, taken: set[Path]) -> Path:
    """`name (2).ext`, `name (3).ext`, ... the first that neither exists nor is taken."""
    n = 2
    while True:
        cand = path.with_name(f"{path.stem} ({n}){path.suffix}")
        if cand not in taken and not cand.exists():
            return cand
        n += 1
