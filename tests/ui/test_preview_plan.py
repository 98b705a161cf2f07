"""The preview draws from the engine's own plan: where the audible prompt goes, how long inserted
title cards last and when the video label shows, where the picture label sits, which prompt a
document gets. Each test exports the file and checks that the plan the export carried out
(`ExplicitReport.plan`) equals the preview's, and that what was written matches it."""

from __future__ import annotations

import pytest

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import (
    AudioSettings,
    ImplicitSettings,
    LabelSettings,
    TextSettings,
    VideoSettings,
    VisibleSettings,
)
from aigclabel_gui.engine.visible.base import Box
from aigclabel_gui.ui.preview_render import (
    render_audio,
    render_image,
    render_video_frame,
    text_info,
    video_info,
)
from tests.conftest import PRODUCER, ffprobe_json
from tests.ui.conftest import make_mp4, make_picture, make_wav

IMPLICIT = ImplicitSettings(producer=PRODUCER)


@pytest.mark.parametrize("position", ["start", "end", "start+end", "1.2"])
def test_audio_preview_layout_is_the_exported_layout(tmp_path, position):
    src = make_wav(tmp_path / "in.wav", seconds=2.5)
    settings = LabelSettings(
        implicit=IMPLICIT, audio=AudioSettings(prompt="rhythm", position=position)
    )
    preview = render_audio(src, settings)
    out = label_file(src, tmp_path / "out.wav", settings)
    assert preview.plan is not None and preview.plan == out.explicit.plan
    assert preview.layout == list(out.explicit.plan.layout)
    written = out.explicit.measurements["prompt_at_s"]
    assert preview.positions == pytest.approx(written, abs=0.011)  # a middle cut may move 10 ms
    duration = float(ffprobe_json(tmp_path / "out.wav")["format"]["duration"])
    assert preview.total == pytest.approx(duration, abs=0.02)


@pytest.mark.slow
@pytest.mark.parametrize("cards", ["start", "start+end"])
def test_video_preview_timeline_is_the_exported_timeline(tmp_path, cards):
    src = make_mp4(tmp_path / "in.mp4", seconds=2.0, fps=15)
    settings = LabelSettings(
        implicit=IMPLICIT,
        video=VideoSettings(cards=cards, card_seconds=2.03, insert_card=True),
    )
    info = video_info(src, settings)
    out = label_file(src, tmp_path / "out.mp4", settings)
    assert info.plan is not None and info.plan == out.explicit.plan
    probe = ffprobe_json(tmp_path / "out.mp4")
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    frames = int(video["nb_frames"])
    # 2.03 s at 15 fps is 31 whole frames (2.0667 s): the preview knows it, not 2.03 s.
    assert info.inserted[0] == pytest.approx(31 / 15)
    assert frames == round(info.total * 15)
    assert info.label_shown(0.0) and not info.movable(0.0)  # the title card itself
    assert info.movable(info.inserted[0] + 0.5) is False  # no overlay on the programme
    assert info.label_shown(info.inserted[0] + 0.5) is False


@pytest.mark.slow
def test_video_preview_box_is_the_exported_box(tmp_path):
    src = make_mp4(tmp_path / "in.mp4", seconds=1.0, size=(320, 180), fps=15)
    settings = LabelSettings(
        implicit=IMPLICIT,
        visible=VisibleSettings(position="top-left"),
        video=VideoSettings(cards="start", card_seconds=2.0),
    )
    info = video_info(src, settings)
    frame = render_video_frame(src, settings, 0.5, max_side=160, plan=info.plan)
    out = label_file(src, tmp_path / "out.mp4", settings)
    assert frame.plan == info.plan == out.explicit.plan
    written = out.explicit.measurements["box"]
    assert isinstance(written, Box) and written == info.plan.box
    assert frame.box == written.scaled(0.5)  # the 320 px frame drawn at 160 px
    assert info.label_shown(0.5) and info.movable(0.5)


@pytest.mark.parametrize("position", ["bottom-right", "auto"])
def test_picture_preview_box_is_the_exported_box(tmp_path, position):
    src = make_picture(tmp_path / "in.png", size=(1000, 700))
    settings = LabelSettings(implicit=IMPLICIT, visible=VisibleSettings(position=position))
    preview = render_image(src, settings)
    out = label_file(src, tmp_path / "out.png", settings)
    assert preview.plan is not None and preview.plan == out.explicit.plan
    written = out.explicit.measurements["box"]
    assert isinstance(written, Box)
    assert preview.box == written  # at most 1200 px: the preview is the picture's own size
    assert preview.position == out.explicit.measurements["position"] == preview.plan.position


@pytest.mark.parametrize(
    ("name", "body", "position"),
    [
        ("doc.txt", "Hello.\nSecond line.\n", "start"),
        ("doc.md", "---\ntitle: t\n---\n# Heading\n\nText.\n", "start+end"),
    ],
)
def test_text_preview_prompt_is_the_exported_prompt(tmp_path, name, body, position):
    src = tmp_path / name
    src.write_text(body, encoding="utf-8")
    settings = LabelSettings(implicit=IMPLICIT, text=TextSettings(position=position))
    info = text_info(src, settings)
    out = label_file(src, tmp_path / f"out-{name}", settings)
    assert info.plan is not None and info.plan == out.explicit.plan
    lines = [ln for ln in (tmp_path / f"out-{name}").read_text("utf-8").splitlines() if ln.strip()]
    if lines[0] == "---":  # Markdown front matter stays first; the prompt follows it
        lines = lines[lines.index("---", 1) + 1 :]
    shown = {"line": info.prompt, "quote": f"> {info.prompt}"}[info.style]
    # The prompt the preview names is the one written, at the places it names.
    assert (lines[0] == shown) == ("start" in info.places)
    assert (lines[-1] == shown) == ("end" in info.places)
    assert "+".join(info.places) == out.explicit.measurements["position"] == position


def test_window_names_the_document_prompt_from_the_plan(qtbot, window, tmp_path):
    """The window's text preview says the TextPlan's prompt and places (planned off the UI
    thread), not a sentence of its own."""
    from tests.ui.conftest import add_files, wait_inspected

    src = tmp_path / "notes.md"
    src.write_text("# Notes\n\nBody.\n", encoding="utf-8")
    add_files(qtbot, window, [src])
    wait_inspected(qtbot, window)
    window.table.selectRow(0)
    info = text_info(src, window.settings_for(window.current_entry()))
    assert info.plan is not None and info.prompt
    qtbot.waitUntil(lambda: info.prompt in window.preview.message, timeout=10000)
    assert window.text_plan_text(info) == window.preview.message
    assert "quote" in window.preview.message  # Markdown: a quote (STYLES)


def test_window_video_frame_draws_the_exported_box(qtbot, window, tmp_path):
    """What the user sees in the window (the frame server's picture and label) sits where the
    export writes the label: the export's box, scaled to the shown frame."""
    import dataclasses

    from tests.ui.conftest import add_files

    src = make_mp4(tmp_path / "in.mp4", seconds=3.0, size=(640, 360), fps=15)
    add_files(qtbot, window, [src])
    window.table.selectRow(0)
    vp = window.video_preview
    qtbot.waitUntil(
        lambda: (
            vp.info is not None and vp.info.plan is not None and vp.frame_view.frame is not None
        ),
        timeout=20000,
    )
    qtbot.waitUntil(lambda: vp.frame_view.frame.label_box is not None, timeout=10000)
    frame = vp.frame_view.frame
    out = label_file(src, tmp_path / "out.mp4", dataclasses.replace(vp.settings, implicit=IMPLICIT))
    written = out.explicit.measurements["box"]
    assert written == vp.info.plan.box
    scale = frame.pixmap.width() / 640
    expected = written.scaled(scale)
    assert all(abs(a - b) <= 1 for a, b in zip(frame.label_box, expected, strict=True)), (
        frame.label_box,
        expected,
    )
