"""`aigclabel --help` starts like bare Python (issue 11, fixed costs): building the parser
imports none of the engine's batch, inspection or settings code, and no media library. Times
are in bench/bench_fixed_costs.py, not here; this checks what gets imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("av", "PIL", "numpy", "lxml", "cv2", "pikepdf", "multiprocessing", "concurrent.futures")


def _modules_after(argv: list[str]) -> set[str]:
    probe = (
        "import sys\n"
        "from aigclabel_gui.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(run.stderr.split())


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_top_level_help_imports_no_engine_code(argv):
    loaded = _modules_after(argv)
    ours = {m for m in loaded if m.startswith("aigclabel_gui")}
    assert ours <= {"aigclabel_gui", "aigclabel_gui.cli"}, ours
    assert not loaded & set(HEAVY), loaded & set(HEAVY)
    # Beyond what bare Python loads: argparse and its helpers, not typing/json/dataclasses.
    bare = subprocess.run(
        [sys.executable, "-c", "import sys; print(' '.join(sys.modules), file=sys.stderr)"],
        capture_output=True, text=True, check=True,
    ).stderr.split()  # fmt: skip
    added = loaded - set(bare)
    assert not added & {"typing", "json", "dataclasses", "inspect", "shutil"}, added


def test_subcommand_help_builds_its_options_without_the_batch_runner(capsys):
    from aigclabel_gui.cli import main

    with pytest.raises(SystemExit):
        main(["label", "--help"])
    text = capsys.readouterr().out
    assert "--on-exist {skip,overwrite,rename}" in text and "bottom-right" in text
    loaded = _modules_after(["label", "--help"])
    assert "aigclabel_gui.engine.batch" not in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_full_parser_still_has_every_subcommand():
    from aigclabel_gui.cli import COMMANDS, build_parser

    parser = build_parser()
    for argv in (["label", "x", "-o", "y"], ["check", "x"], ["presets", "list"]):
        args = parser.parse_args(argv)
        assert args.command in COMMANDS and callable(args.func)
