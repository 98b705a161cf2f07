"""Export from the window: the batch runs off the UI thread, outputs pass `aigclabel check` and an
independent reader, cancel leaves no partial file, and the event loop keeps running."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QElapsedTimer, QTimer

from aigclabel_gui.cli import main as cli_main
from tests.conftest import PRODUCER, exiftool_json, ffprobe_json
from tests.ui.conftest import add_files, make_mp4, make_picture, make_wav, wait_inspected

OUTPUT_EXTRAS = {"aigclabel-report.json", "aigclabel-report.html", ".aigclabel-manifest.json"}


def _prepare(qtbot, window, tmp_path, files, producer=PRODUCER):
    add_files(qtbot, window, files)
    qtbot.waitUntil(lambda: window.model.rowCount() == len(files), timeout=10000)
    if len(files) <= 6:  # rows are inspected lazily, when shown; small lists fit on screen
        wait_inspected(qtbot, window)
    out = tmp_path / "out"
    window.panel.output_edit.setText(str(out))
    window.panel.id_edits["producer"].setText(producer)
    window.panel.id_edits["producer"].textEdited.emit(producer)
    assert window.settings.implicit.producer == producer
    return out


def _outputs(out):
    return sorted(p for p in out.iterdir() if p.name not in OUTPUT_EXTRAS)


def test_export_images_then_check_accepts_them(qtbot, window, tmp_path, capsys):
    files = [
        make_picture(tmp_path / "in" / "a.png"),
        make_picture(tmp_path / "in" / "b.jpg", seed=2),
        make_picture(tmp_path / "in" / "c.jpeg", size=(300, 500), seed=3),
    ]
    out = _prepare(qtbot, window, tmp_path, files)
    dlg = window.export(workers=1)
    assert dlg is not None, window.last_message
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert [r.status for r in dlg.final.results] == ["ok"] * 3, [
        r.reason for r in dlg.final.results
    ]
    assert "3 labelled" in dlg.current.text()
    assert dlg.open_btn.isEnabled() and dlg.report_btn.isEnabled()
    assert (out / "aigclabel-report.json").is_file()
    outputs = _outputs(out)
    assert [p.name for p in outputs] == ["a.png", "b.jpg", "c.jpeg"]
    assert [e.status for e in window.model.entries] == ["ok"] * 3
    assert cli_main(["check", *map(str, outputs)]) == 0
    for p in outputs:  # an independent reader sees the TC260 record
        meta = {k.lower(): v for k, v in exiftool_json(p).items()}
        assert f'"ContentProducer":"{PRODUCER}"' in meta["xmp-tc260:aigc"]
    # The sources were never touched.
    assert cli_main(["check", str(files[0])]) == 1


def test_cancel_midway_says_cancelled_and_leaves_no_partial_file(qtbot, window, tmp_path):
    files = [
        make_picture(tmp_path / "in" / f"p{i:02d}.png", size=(900, 700), seed=i) for i in range(14)
    ]
    out = _prepare(qtbot, window, tmp_path, files)
    dlg = window.export(workers=1)
    assert dlg is not None
    finished = []

    def first_done(result):
        finished.append(result)
        if len(finished) == 1:
            dlg.cancel_btn.click()  # what the user does

    dlg.file_finished.connect(first_done)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert dlg.final.cancelled
    assert dlg.current.text().startswith("Cancelled")
    statuses = [r.status for r in dlg.final.results]
    assert statuses.count("ok") < len(files)
    assert statuses.count("cancelled") >= 1
    outputs = _outputs(out)
    # No temp or partial outputs: exactly the files reported ok exist, and they all pass check.
    assert not [
        p for p in out.iterdir() if p.name.startswith(".aigclabel-") and p.suffix != ".json"
    ]
    assert sorted(p.name for p in outputs) == sorted(
        r.dst.rsplit("/", 1)[-1] for r in dlg.final.results if r.status == "ok"
    )
    assert cli_main(["check", *map(str, outputs)]) == 0
    # The list shows which were cancelled.
    assert "cancelled" in [e.status for e in window.model.entries]


def test_event_loop_keeps_running_during_export(qtbot, window, tmp_path):
    files = [
        make_picture(tmp_path / "in" / f"big{i}.png", size=(1600, 1200), seed=i) for i in range(6)
    ]
    _prepare(qtbot, window, tmp_path, files)
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
    timer.start()
    t0 = time.perf_counter()
    dlg = window.export(workers=1)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=120000)
    elapsed = time.perf_counter() - t0
    timer.stop()
    assert [r.status for r in dlg.final.results] == ["ok"] * len(files)
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert elapsed > 0.3, "the job was too short to prove anything"
    # The UI thread kept serving a 10 ms timer throughout the job (no multi-second freeze).
    assert len(ticks) >= elapsed * 1000 / 10 * 0.3, (len(ticks), elapsed)
    assert max(gaps) < 500, max(gaps)


@pytest.mark.slow
def test_export_mixed_batch_with_process_pool(qtbot, window, tmp_path):
    """Picture, audio and video together, through the default worker processes (spawn) that the
    Export button uses; `aigclabel check` accepts every output, ffprobe/exiftool see the record."""
    files = [
        make_picture(tmp_path / "in" / "pic.png"),
        make_picture(tmp_path / "in" / "photo.jpg", seed=4),
        make_wav(tmp_path / "in" / "voice.wav", seconds=1.5),
        make_mp4(tmp_path / "in" / "clip.mp4", seconds=3.0),
    ]
    out = _prepare(qtbot, window, tmp_path, files)
    window.panel.card_seconds.setValue(2.0)
    dlg = window.export(workers=2)
    assert dlg is not None, window.last_message
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=180000)
    assert [r.status for r in dlg.final.results] == ["ok"] * 4, [
        r.reason for r in dlg.final.results
    ]
    outputs = _outputs(out)
    assert [p.name for p in outputs] == ["clip.mp4", "photo.jpg", "pic.png", "voice.wav"]
    assert cli_main(["check", *map(str, outputs)]) == 0
    # Independent readers: the MP4 keys carrier and the WAV chunk carry our producer code.
    clip = ffprobe_json(out / "clip.mp4")
    assert PRODUCER in clip["format"]["tags"]["AIGC"]
    assert abs(float(clip["format"]["duration"]) - 3.0) < 0.2
    # exiftool shows the RIFF "AIGC" chunk as an unknown tag with -u.
    wav = exiftool_json(out / "voice.wav", "-u", "-b")
    assert any(PRODUCER in str(v) for k, v in wav.items() if "aigc" in k.lower()), wav
    # The audible prompt made the WAV longer (the voice prompt was inserted at the start).
    assert float(ffprobe_json(out / "voice.wav")["format"]["duration"]) > 2.0
    assert "4 labelled" in dlg.current.text()
