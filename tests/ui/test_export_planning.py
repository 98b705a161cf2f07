"""Export plans its jobs off the UI thread (issue 11): the window hands the export's worker a
plan, with the media kinds its rows already know, and a refused plan comes back as a message."""

from __future__ import annotations

import threading

from aigclabel_gui.engine import batch
from tests.conftest import PRODUCER
from tests.ui.conftest import add_files, make_picture, wait_inspected


def _prepare(qtbot, window, files, out):
    add_files(qtbot, window, files)
    qtbot.waitUntil(lambda: window.model.rowCount() == len(files), timeout=10000)
    wait_inspected(qtbot, window)
    window.panel.output_edit.setText(str(out))
    window.panel.id_edits["producer"].setText(PRODUCER)
    window.panel.id_edits["producer"].textEdited.emit(PRODUCER)


def test_export_plans_on_the_worker_thread_with_the_rows_kinds(
    qtbot, window, tmp_path, monkeypatch
):
    files = [make_picture(tmp_path / "in" / f"p{i}.png", seed=i) for i in range(3)]
    _prepare(qtbot, window, files, tmp_path / "out")
    calls: list[threading.Thread] = []
    sniffed: list = []
    real_plan, real_kind = batch.plan_jobs, batch._kind_safely

    def spy_plan(*args, **kw):
        calls.append(threading.current_thread())
        return real_plan(*args, **kw)

    def spy_kind(src):
        sniffed.append(src)
        return real_kind(src)

    monkeypatch.setattr(batch, "plan_jobs", spy_plan)
    monkeypatch.setattr(batch, "_kind_safely", spy_kind)
    dlg = window.export(workers=1)
    assert dlg is not None, window.last_message
    # (The worker may start planning before export() returns: no assertion on the timing.)
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=60000)
    assert len(calls) == 1
    assert calls[0] is not threading.main_thread()  # planned on the export's thread
    assert sniffed == []  # every row was identified already: no second sniff
    assert [r.status for r in dlg.final.results] == ["ok"] * 3
    assert [r.kind for r in dlg.final.results] == ["image"] * 3
    assert dlg.bar.maximum() == 3  # the range comes from the planned batch
    assert {e.status for e in window.model.entries} == {"ok"}
    assert "3 labelled" in dlg.current.text()


def test_a_refused_plan_is_said_and_nothing_runs(qtbot, window, tmp_path):
    files = [make_picture(tmp_path / "in" / "a.png")]
    # The output folder is the input folder: the copy would overwrite its own input.
    _prepare(qtbot, window, files, tmp_path / "in")
    dlg = window.export(workers=1)
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.final is not None, timeout=30000)
    assert dlg.final.results == []
    qtbot.waitUntil(lambda: "did not start" in (window.last_message or ""), timeout=5000)
    # The user's language in the message, the engine's words behind "Show Details…".
    assert "replace one of the input files" in window.last_message
    assert "is an input" in window.message_box.detailedText()
    assert window.model.entries[0].status == ""  # not left "labelling…"
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["a.png"]


def test_a_bad_name_template_is_refused_before_the_dialog(qtbot, window, tmp_path):
    files = [make_picture(tmp_path / "in" / "a.png")]
    _prepare(qtbot, window, files, tmp_path / "out")
    window.panel.name_template = "{nope}{ext}"
    assert window.export(workers=1) is None
    assert "nope" in window.last_message


def test_cancel_while_planning_runs_nothing(tmp_path):
    """Cancelled before the plan was ready: the batch is not started (no journal, no report)."""
    from aigclabel_gui.engine.batch import BatchFinished
    from aigclabel_gui.engine.events import CancelToken
    from aigclabel_gui.ui.export_dialog import plan_then_run

    cancel = CancelToken()
    out = tmp_path / "out"
    out.mkdir()
    src = make_picture(tmp_path / "in" / "a.png")

    def plan():
        from aigclabel_gui.engine.batch import plan_jobs
        from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings

        jobs = plan_jobs([src], out, LabelSettings(implicit=ImplicitSettings(producer=PRODUCER)))
        cancel.cancel()  # the user pressed Cancel while this ran
        return jobs

    events = list(plan_then_run(plan, cancel=cancel, outdir=out, report_paths=[out / "r.json"]))
    assert len(events) == 1 and isinstance(events[0], BatchFinished) and events[0].cancelled
    assert list(out.iterdir()) == []
