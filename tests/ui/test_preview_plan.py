"""The preview draws from the engine's own plan: where the audible prompt goes, how long inserted
title cards last and when the video label shows, where the picture label sits. Each test exports
the file and compares what was written with what the preview said."""

from __future__ import annotations

import pytest

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import (
    AudioSettings,
    ImplicitSettings,
    LabelSettings,
    VideoSettings,
)
from aigclabel_gui.ui.preview_render import render_audio, render_image, video_info
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
    written = [float(t) for t in out.explicit.measurements["prompt_at_s"].split(",")]
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
    label_file(src, tmp_path / "out.mp4", settings)
    probe = ffprobe_json(tmp_path / "out.mp4")
    video = next(s for s in probe["streams"] if s["codec_type"] == "video")
    frames = int(video["nb_frames"])
    # 2.03 s at 15 fps is 31 whole frames (2.0667 s): the preview knows it, not 2.03 s.
    assert info.inserted[0] == pytest.approx(31 / 15)
    assert frames == round(info.total * 15)
    assert info.label_shown(0.0) and not info.movable(0.0)  # the title card itself
    assert info.movable(info.inserted[0] + 0.5) is False  # no overlay on the programme
    assert info.label_shown(info.inserted[0] + 0.5) is False


def test_picture_preview_box_is_the_exported_box(tmp_path):
    src = make_picture(tmp_path / "in.png", size=(1000, 700))
    settings = LabelSettings(implicit=IMPLICIT)
    preview = render_image(src, settings)
    out = label_file(src, tmp_path / "out.png", settings)
    box = out.explicit.measurements["box"]
    written = tuple(int(v) for v in box.split(",")) if isinstance(box, str) else tuple(box)
    assert preview.box == written
    assert preview.position == out.explicit.measurements.get("position", preview.position)
