"""Shared pieces of the robustness suite: samples, the invariants, the case counts."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aigclabel_gui.engine.batch import MANIFEST

COUNTS_ENV = "AIGCLABEL_ROBUSTNESS_COUNTS"  # a file to append the case counts to (for CI logs)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".aigclabel-*") if p.name != MANIFEST]


def run_cli(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, "-m", "aigclabel_gui.cli", *args],
        capture_output=True, text=True, timeout=timeout, env=env, **kw,
    )  # fmt: skip


def report_counts(name: str, counts: dict[str, int]) -> None:
    line = f"robustness {name}: " + ", ".join(f"{k}={v}" for k, v in counts.items())
    print(line)
    if path := os.environ.get(COUNTS_ENV):
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> dict[str, Path]:
    from tests.robustness.samples import make_samples

    return make_samples(tmp_path_factory.mktemp("samples"))
