"""Shared fixtures: every test works on copies in its own temp dir."""

from __future__ import annotations

import os
import subprocess

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A provider code with a valid USCC check character (see tests/engine/test_record.py).
PRODUCER = "001191440300708461136T1XGW3"


@pytest.fixture
def producer() -> str:
    return PRODUCER


def exiftool_json(path, *tags: str) -> dict:
    """Run exiftool (an independent reader) and return its JSON for one file."""
    import json

    out = subprocess.run(
        ["exiftool", "-json", "-G1", "-a", "-struct", *tags, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)[0]


def ffprobe_json(path) -> dict:
    import json

    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)
