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


def packets_md5(path) -> str:
    """ffmpeg's per-packet MD5 of every stream, stream-copied: equal strings mean the audio and
    video payload is byte-identical whatever the container around it did."""
    out = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0",
            "-c",
            "copy",
            "-f",
            "framemd5",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return "\n".join(line for line in out.splitlines() if not line.startswith("#"))


def label_implicit(src, out):
    """`aigclabel label --implicit-only SRC -o OUT` must succeed; the output's path."""
    from aigclabel_gui.cli import main

    rc = main(["label", "--implicit-only", str(src), "-o", str(out), "--producer", PRODUCER])
    assert rc == 0
    return out / src.name
