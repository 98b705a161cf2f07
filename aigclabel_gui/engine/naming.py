"""Output names from a template, kept inside the output folder and never equal to an input."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path, PurePosixPath

from aigclabel_gui.engine.errors import InvalidSettings

TEMPLATE_FIELDS = ("stem", "ext", "kind", "date", "name")
_FIELD_RE = re.compile(r"\{([^{}]*)\}")
# Characters Windows forbids in names (the strictest OS we ship to), plus control characters.
_FORBIDDEN = set('<>:"|?*\\') | {chr(c) for c in range(32)}
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


def render_name(
    template: str, src: Path, kind: str, *, today: _dt.date | None = None
) -> PurePosixPath:
    """The relative output path for `src` (relative to its place in the output tree)."""
    check_template(template)
    values = {
        "stem": src.stem,
        "ext": src.suffix,
        "kind": kind or "file",
        "date": (today or _dt.date.today()).isoformat(),
        "name": src.name,
    }
    rendered = template.format(**values)
    path = PurePosixPath(rendered.replace("\\", "/"))
    for part in path.parts:
        if part in ("..", ".", "") or any(c in _FORBIDDEN for c in part):
            raise InvalidSettings(f"output name {rendered!r} is not allowed on every OS")
        if part.split(".")[0].upper() in _RESERVED or part.endswith((" ", ".")):
            raise InvalidSettings(f"output name {rendered!r} is reserved on Windows")
    return path


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
