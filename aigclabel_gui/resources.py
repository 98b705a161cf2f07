"""Qt-free lookup of bundled resources: fonts, voice prompts, icons, translations, samples."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """`resources/` beside the package (source checkout, editable install) or inside a
    PyInstaller bundle; AIGCLABEL_RESOURCES overrides both."""
    env = os.environ.get("AIGCLABEL_RESOURCES")
    if env:
        return Path(env)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def default_font() -> Path:
    return resource("fonts", "NotoSansSC-Regular-subset.otf")
