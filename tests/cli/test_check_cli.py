"""`aigclabel check` for audits: folders, --jobs, summary, --report, --strict, --against."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from aigclabel_gui.cli import main
from aigclabel_gui.engine.record import AigcRecord
from tests.conftest import PRODUCER

PRODUCER_ONLY = AigcRecord(Label="1", ContentProducer=PRODUCER, ProduceID="gen-1")


def _png(path: Path, keyword_record: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    if keyword_record is not None:
        info.add_text("AIGC", keyword_record)
    Image.new("RGB", (40, 30), (90, 20, 160)).save(path, pnginfo=info)
    return path


def _folder(root: Path) -> dict[str, int]:
    """A mixed folder: unlabelled, generator-labelled (propagator empty), labelled by us, text,
    damaged, hidden and unknown files (left out of the walk, as `label` leaves them out)."""
    for i in range(4):
        _png(root / "plain" / f"p{i}.png")
    for i in range(3):
        _png(root / "gen" / "deep" / f"g{i}.png", PRODUCER_ONLY.to_json())
    (root / "notes.txt").write_text("hello\n", "utf-8")
    (root / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    (root / ".hidden.png").write_bytes(b"junk")
    (root / "readme.xyz").write_text("not a media file")
    src = _png(root.parent / "src" / "a.png")
    assert main(["label", "--implicit-only", str(src), "-o", str(root / "ours"),
                 "--producer", PRODUCER, "--jobs", "1", "--report", str(root.parent / "r.json")]) == 0  # fmt: skip
    return {
        "no-label": 4,
        "compliant-with-warnings": 3,
        "no-carrier": 1,
        "cannot-tell": 1,
        "compliant": 1,
    }


def test_folder_walk_summary_and_reports(tmp_path, capsys):
    want = _folder(tmp_path / "audit")
    capsys.readouterr()
    rc = main(
        [
            "check",
            str(tmp_path / "audit"),
            "--jobs",
            "2",
            "--report",
            str(tmp_path / "r.csv"),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 1  # no-label files fail the audit
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("10 files: ")
    for verdict, n in want.items():
        assert f"{n} {verdict}" in summary
    with open(tmp_path / "r.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10
    assert {r["verdict"] for r in rows} == set(want)
    assert all(r["clause"] and r["advice"] for r in rows)
    assert not any(".hidden" in r["path"] or r["path"].endswith(".xyz") for r in rows)
    assert (
        main(
            ["check", str(tmp_path / "audit"), "--jobs", "1", "--report", str(tmp_path / "r.json")]
        )
        == 1
    )
    doc = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert {k: v for k, v in doc["summary"].items() if v} == want
    # Only the passing subfolders: exit 0, with warnings too; --strict fails the warnings.
    passing = [str(tmp_path / "audit" / "gen"), str(tmp_path / "audit" / "ours")]
    assert main(["check", *passing]) == 0
    assert main(["check", "--strict", *passing]) == 1


def test_against_says_what_changed(tmp_path, capsys):
    gen = _png(tmp_path / "gen.png", PRODUCER_ONLY.to_json())
    out = tmp_path / "out"
    assert main(["label", "--implicit-only", str(gen), "-o", str(out), "--producer", PRODUCER,
                 "--propagator", "001191440300708461136T2PUB1", "--jobs", "1"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["check", "--against", str(gen), str(out / "gen.png")]) == 0
    text = capsys.readouterr().out
    assert "record completed" in text and "ContentPropagator" in text
    plain = _png(tmp_path / "plain.png")
    assert main(["check", "--against", str(gen), str(plain)]) == 1
    assert "record lost" in capsys.readouterr().out
    assert main(["check", "--against", str(plain), str(out / "gen.png"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "added"
    # Producer fields altered by someone else's edit.
    forged = _png(tmp_path / "forged.png", PRODUCER_ONLY.to_json().replace("gen-1", "gen-2"))
    assert main(["check", "--against", str(gen), str(forged)]) == 1
    assert "producer field ProduceID altered" in capsys.readouterr().out
    # Folders: --before/--after pair files by relative path.
    capsys.readouterr()
    assert main(["check", "--before", str(tmp_path), "--after", str(out)]) == 0
    text = capsys.readouterr().out
    assert "gen.png: record completed" in text and "plain.png: no counterpart" in text


def test_check_folder_in_a_subprocess(tmp_path):
    _png(tmp_path / "d" / "x.png", PRODUCER_ONLY.to_json())
    r = subprocess.run([sys.executable, "-m", "aigclabel_gui.cli", "check", str(tmp_path / "d")],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "compliant-with-warnings" in r.stdout and "§6.1 a" in r.stdout
