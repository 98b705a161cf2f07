"""Named presets: LabelSettings saved as human-readable JSON with a schema version.

Built-in presets ship with the app; user presets live in the user's config folder (platformdirs).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir

from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.settings import SCHEMA_VERSION, LabelSettings


@dataclass(frozen=True)
class Preset:
    name: str
    title_zh: str
    title_en: str
    settings: LabelSettings
    builtin: bool = False

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "settings": self.settings.to_dict(),
        }


def _builtin() -> dict[str, Preset]:
    base = LabelSettings()
    corner = dataclasses.replace(
        base,
        # Corner mark only: the label sits in the corner all the time (no cards), audio gets the short rhythm.
        video=dataclasses.replace(base.video, cards="none", persistent=True),
        audio=dataclasses.replace(base.audio, prompt="rhythm"),
    )
    meta = dataclasses.replace(base, implicit_only=True)
    return {
        "gb-default": Preset("gb-default", "国标默认", "GB default", base, True),
        "corner-mark": Preset("corner-mark", "仅角标", "Corner mark only", corner, True),
        "metadata-only": Preset("metadata-only", "仅元数据", "Metadata only", meta, True),
    }


BUILTIN = _builtin()
_NAME_RE = re.compile(r"^[\w\-. ]{1,64}\Z")  # \Z: "$" would accept a trailing newline


def presets_dir() -> Path:
    return (
        Path(os.environ.get("AIGCLABEL_CONFIG") or user_config_dir("aigclabel", appauthor=False))
        / "presets"
    )


def preset_from_dict(data: dict, source: str) -> Preset:
    if not isinstance(data, dict):
        raise InvalidSettings(f"{source}: a preset must be a JSON object")
    unknown = set(data) - {"schema", "name", "title_zh", "title_en", "settings"}
    if unknown:
        raise InvalidSettings(f"{source}: unknown preset field(s) {', '.join(sorted(unknown))}")
    if data.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InvalidSettings(f"{source}: preset schema {data.get('schema')!r} is not supported")
    try:
        settings = LabelSettings.from_dict(data.get("settings", {}))
    except InvalidSettings as exc:
        raise InvalidSettings(f"{source}: {exc.message}", advice=exc.advice) from None
    name = str(data.get("name") or Path(source).stem)
    return Preset(name, str(data.get("title_zh", name)), str(data.get("title_en", name)), settings)


def load_preset(name_or_file: str) -> Preset:
    """A built-in name, a user preset name, or a path to a preset file."""
    if name_or_file in BUILTIN:
        return BUILTIN[name_or_file]
    path = Path(name_or_file)
    if not path.suffix:
        path = presets_dir() / f"{name_or_file}.json"
    if not path.is_file():
        raise InvalidSettings(
            f"no preset named {name_or_file!r}", advice="see `aigclabel presets list`"
        )
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidSettings(f"{path}: not a readable JSON preset ({exc})") from None
    return preset_from_dict(data, str(path))


def list_presets() -> list[Preset]:
    out = list(BUILTIN.values())
    folder = presets_dir()
    if folder.is_dir():
        for p in sorted(folder.glob("*.json")):
            try:
                out.append(load_preset(str(p)))
            except InvalidSettings:
                continue  # shown as broken by `presets show`
    return out


def save_preset(name: str, settings: LabelSettings, title_zh: str = "", title_en: str = "") -> Path:
    if name in BUILTIN:
        raise InvalidSettings(f"{name!r} is a built-in preset; choose another name")
    if not _NAME_RE.match(name):
        raise InvalidSettings(
            f"preset name {name!r}: use letters, digits, - _ . and spaces (max 64)"
        )
    settings.validate()
    folder = presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    preset = Preset(name, title_zh or name, title_en or name, settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(preset.to_dict(), ensure_ascii=False, indent=2), "utf-8")
    os.replace(tmp, path)
    return path


def delete_preset(name: str) -> None:
    if name in BUILTIN:
        raise InvalidSettings(f"{name!r} is a built-in preset and cannot be deleted")
    path = presets_dir() / f"{name}.json"
    if not path.is_file():
        raise InvalidSettings(f"no user preset named {name!r}")
    path.unlink()


def rename_preset(old: str, new: str) -> Path:
    preset = load_preset(old)
    if preset.builtin:
        raise InvalidSettings(f"{old!r} is a built-in preset and cannot be renamed")
    path = save_preset(new, preset.settings, preset.title_zh, preset.title_en)
    delete_preset(old)
    return path
