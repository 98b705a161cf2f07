"""Per-file progress from the CLI (issue 11, one progress path): a long file's own progress shows
while it runs — plain lines when stderr is not a terminal, a bar line on a terminal."""

from __future__ import annotations

import re

from aigclabel_gui.cli import _ProgressLines, main
from tests.conftest import PRODUCER
from tests.ui.conftest import make_mp4


def test_one_video_prints_its_progress_when_not_a_terminal(tmp_path, capsys):
    src = make_mp4(tmp_path / "in" / "clip.mp4", seconds=3.0)
    rc = main(["label", str(src), "-o", str(tmp_path / "out"), "--producer", PRODUCER,
               "--jobs", "1"])  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 0, err
    steps = [int(m) for m in re.findall(r"^progress: clip\.mp4 (\d+)%$", err, re.M)]
    assert steps, err  # the file's own progress reached the log while it ran
    assert steps == sorted(set(steps)) and all(0 < s < 100 for s in steps)
    assert (tmp_path / "out" / "clip.mp4").is_file()


def test_quiet_prints_no_progress_lines(tmp_path, capsys):
    src = make_mp4(tmp_path / "in" / "clip.mp4", seconds=2.0)
    rc = main(["label", str(src), "-o", str(tmp_path / "out"), "--producer", PRODUCER,
               "--jobs", "1", "--quiet"])  # fmt: skip
    assert rc == 0
    assert "progress:" not in capsys.readouterr().err


def test_terminal_bar_names_the_running_file_and_its_share(capsys):
    shown = _ProgressLines(interactive=True)
    shown.started(0, "/x/long.mp4")
    shown.batch(0, 3, None)
    shown.file_progress(0, 0.42)
    err = capsys.readouterr().err
    assert "0/3 · long.mp4 42%" in err.rsplit("\r", 1)[-1]
    shown.finished(0)
    shown.batch(1, 3, 5.0)
    assert "long.mp4" not in capsys.readouterr().err.rsplit("\r", 1)[-1]
