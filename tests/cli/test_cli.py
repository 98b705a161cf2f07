"""The CLI three ways: cli.main(argv) in-process, and the installed console script in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from aigclabel_gui.cli import main
from tests.conftest import PRODUCER


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), (90, 20, 160)).save(path)
    return path


def test_label_then_check_in_process(tmp_path, capsys):
    src = _png(tmp_path / "in" / "a.png")
    out = tmp_path / "out"
    assert (
        main(
            [
                "label",
                "--implicit-only",
                str(src),
                "-o",
                str(out),
                "--producer",
                PRODUCER,
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    assert main(["check", str(out / "a.png")]) == 0
    assert main(["check", str(src)]) == 1  # the original has no label, and was not modified
    capsys.readouterr()
    assert main(["check", "--json", str(out / "a.png")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["verdict"] == "compliant"
    rec = json.loads(data[0]["records"][0]["raw"])
    assert rec["ContentProducer"] == PRODUCER and rec["ContentPropagator"] == PRODUCER
    assert (out / "aigclabel-report.json").is_file() and (out / "aigclabel-report.csv").is_file()


def test_invalid_producer_is_refused_with_advice(tmp_path, capsys):
    src = _png(tmp_path / "a.png")
    rc = main(
        [
            "label",
            "--implicit-only",
            str(src),
            "-o",
            str(tmp_path / "o"),
            "--producer",
            "某公司",
            "--jobs",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert rc != 0
    assert "ContentProducer" in err and "provider code" in err
    assert not (tmp_path / "o" / "a.png").exists()


def test_size_below_minimum_quotes_the_rule(tmp_path, capsys):
    rc = main(
        [
            "label",
            str(_png(tmp_path / "a.png")),
            "-o",
            str(tmp_path / "o"),
            "--producer",
            PRODUCER,
            "--size-pct",
            "3",
        ]
    )
    assert rc == 2
    assert "5%" in capsys.readouterr().err


def test_presets_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIGCLABEL_CONFIG", str(tmp_path / "cfg"))
    assert main(["presets", "list"]) == 0
    assert "gb-default" in capsys.readouterr().out
    assert main(["presets", "save", "mine", "--producer", PRODUCER, "--implicit-only"]) == 0
    capsys.readouterr()
    assert main(["presets", "show", "mine"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (
        shown["settings"]["implicit"]["producer"] == PRODUCER and shown["settings"]["implicit_only"]
    )
    src = _png(tmp_path / "a.png")
    assert (
        main(["label", str(src), "-o", str(tmp_path / "out"), "--preset", "mine", "--jobs", "1"])
        == 0
    )
    assert main(["check", str(tmp_path / "out" / "a.png")]) == 0


def test_console_script_subprocess(tmp_path):
    exe = shutil.which("aigclabel") or str(Path(__import__("sys").executable).parent / "aigclabel")
    src = _png(tmp_path / "图片" / "一.png")  # non-ASCII paths
    out = tmp_path / "输出"
    r = subprocess.run(
        [exe, "label", "--implicit-only", str(src.parent), "-o", str(out), "--producer", PRODUCER],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run([exe, "check", str(out / "一.png")], capture_output=True, text=True)
    assert r.returncode == 0 and "compliant" in r.stdout


def test_output_has_normal_file_mode(tmp_path):
    import os
    import stat

    src = _png(tmp_path / "a.png")
    out = tmp_path / "out"
    assert (
        main(
            [
                "label",
                "--implicit-only",
                str(src),
                "-o",
                str(out),
                "--producer",
                PRODUCER,
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((out / "a.png").stat().st_mode) == 0o666 & ~mask


def test_failure_line_names_the_file_once(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    good = _png(tmp_path / "good.png")
    bad.write_bytes(good.read_bytes()[:60])  # truncated
    rc = main(
        [
            "label",
            "--implicit-only",
            str(bad),
            str(good),
            "-o",
            str(tmp_path / "o"),
            "--producer",
            PRODUCER,
            "--jobs",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 7  # every failure was a damaged input (see `aigclabel --help`)
    line = next(line for line in err.splitlines() if line.startswith("failed:"))
    assert line.count("bad.png") == 1, line
    assert (tmp_path / "o" / "good.png").is_file()  # the batch went on
