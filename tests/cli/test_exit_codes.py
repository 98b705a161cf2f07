"""`aigclabel label` exits with one code per class of failure when every failed file failed for
that reason (a missing dependency must not look like a corrupt file), 3 when reasons differ."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from aigclabel_gui.cli import main
from aigclabel_gui.engine.errors import ExitCode
from tests.conftest import PRODUCER

ROOT = Path(__file__).resolve().parents[2]


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (160, 120), (10, 120, 200)).save(path)
    return path


def _label(*paths: Path, out: Path, extra=()) -> int:
    return main(["label", *map(str, paths), "-o", str(out), "--producer", PRODUCER, *extra])


def test_corrupt_input(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(_png(tmp_path / "ok.png").read_bytes()[:60])
    assert _label(bad, out=tmp_path / "o") == ExitCode.CORRUPT_INPUT == 7


def test_unsupported_input(tmp_path, capsys):
    odd = tmp_path / "notes.png"
    odd.write_text("this is text, not a picture\n" * 20)
    assert _label(odd, out=tmp_path / "o") == ExitCode.UNSUPPORTED_INPUT == 8


def test_unreadable_input(tmp_path, capsys):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert _label(fifo, out=tmp_path / "o") == ExitCode.UNREADABLE_INPUT == 5


def test_mixed_reasons_are_exit_3(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(_png(tmp_path / "ok.png").read_bytes()[:60])
    odd = tmp_path / "notes.png"
    odd.write_text("text\n" * 50)
    assert _label(bad, odd, out=tmp_path / "o") == ExitCode.SOME_FAILED == 3


def test_missing_dependency(tmp_path):
    """pillow-heif hidden (a stub package that fails to import, first on the path of the
    CLI and of its worker processes): a HEIC needing a decoder is exit 4, not 'corrupt'."""
    import pillow_heif

    src = tmp_path / "in" / "photo.heic"
    src.parent.mkdir()
    pillow_heif.from_pillow(Image.new("RGB", (160, 120), (200, 40, 40))).save(src, quality=60)
    stub = tmp_path / "stub" / "pillow_heif"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ImportError("pillow_heif hidden by the test")\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(stub.parent), str(ROOT)])}
    r = subprocess.run(
        [sys.executable, "-m", "aigclabel_gui.cli", "label", str(src), "-o", str(tmp_path / "o"),
         "--producer", PRODUCER],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == ExitCode.MISSING_DEPENDENCY == 4, r.stderr
    assert "not installed" in r.stderr or "not available" in r.stderr, r.stderr


def test_help_documents_the_exit_codes(capsys):
    try:
        main(["--help"])
    except SystemExit:
        pass
    out = capsys.readouterr().out
    for code in ("0", "2", "3", "4", "5", "6", "7", "8", "130"):
        assert f"\n  {code} " in out, code
