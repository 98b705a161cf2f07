"""The video plan says up front how much work the label costs (frames × pixels at the encoder's
calibrated rate), and a long source gets the encoder's faster setting. No timing is asserted:
only that the estimate exists, grows with duration and resolution, and is reported."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from PIL import Image

from aigclabel_gui.engine.events import FileProgress
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings, VideoSettings
from aigclabel_gui.engine.visible import video_encode
from aigclabel_gui.engine.visible.base import labeler_for
from aigclabel_gui.engine.visible.video import (
    LONG_JOB_S,
    choose_encoder,
    encoder_for,
    estimate_work,
)
from aigclabel_gui.engine.visible.video_cards import VideoTimeline
from aigclabel_gui.engine.visible.video_probe import Orientation, Probe
from tests.conftest import PRODUCER
from tests.ui.conftest import make_mp4


def probe(codec: str, size: tuple[int, int], seconds: float, fps: int = 30) -> Probe:
    """A probe as the engine would make it for such a stream (no file needed)."""
    return Probe(
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        stream_index=0,
        codec=codec,
        coded_size=size,
        display_size=size,
        pix_fmt="yuv420p",
        colorspace=1,
        color_range=1,
        color_primaries=1,
        color_trc=1,
        time_base=Fraction(1, 15360),
        rate=Fraction(fps),
        start=0.0,
        duration=seconds,
        duration_known=True,
        bit_rate=8_000_000,
        profile="Main",
        orientation=Orientation(None, None, 0),
        first_frame=Image.new("RGB", (64, 36)),
    )


def estimate(codec, size, seconds, video=None):
    video = video or VideoSettings(cards="start", persistent=True)
    pr = probe(codec, size, seconds)
    timeline = VideoTimeline.from_settings(video, pr.duration, pr.rate)
    return encoder_for(pr, "mp4", 0, timeline)


@pytest.mark.parametrize("codec", ["h264", "hevc", "av1", "vp9"])
def test_estimate_grows_with_duration_and_resolution(codec):
    short = estimate(codec, (1280, 720), 10.0)[1]
    longer = estimate(codec, (1280, 720), 20.0)[1]
    bigger = estimate(codec, (1920, 1080), 10.0)[1]
    assert 0 < short.seconds < longer.seconds and short.seconds < bigger.seconds
    assert short.frames == 300 and longer.frames == 600
    assert short.encoded_frames == 300  # persistent label: every frame is re-encoded
    assert bigger.megapixels == pytest.approx(300 * 1920 * 1080 / 1e6)


def test_more_cores_estimate_less_time(monkeypatch):
    monkeypatch.setattr(video_encode.os, "cpu_count", lambda: 2)
    two = estimate("hevc", (1920, 1080), 60.0)[1]
    monkeypatch.setattr(video_encode.os, "cpu_count", lambda: 8)
    eight = estimate("hevc", (1920, 1080), 60.0)[1]
    assert eight.seconds < two.seconds and eight.encoded_frames == two.encoded_frames


def test_smart_render_estimate_counts_only_the_card_gops():
    cards = VideoSettings(cards="start", card_seconds=3.0)
    smart = estimate("h264", (1920, 1080), 60.0, cards)[1]
    full = estimate("h264", (1920, 1080), 60.0, VideoSettings(cards="start", persistent=True))[1]
    assert smart.encoded_frames < full.encoded_frames == full.frames == 1800
    assert smart.seconds < full.seconds
    inserted = estimate("h264", (1920, 1080), 60.0, dataclasses.replace(cards, insert_card=True))
    assert inserted[1].encoded_frames == 1800 + 90  # the programme plus a 3 s title card


def test_long_source_gets_the_faster_setting(monkeypatch):
    """The issue's case: a 6-minute 4K AV1 clip on a 2-core machine. Over LONG_JOB_S of work at
    SVT-AV1 preset 10, so preset 12 is planned, and the plan says why and what it costs."""
    monkeypatch.setattr(video_encode.os, "cpu_count", lambda: 2)
    enc, est, notes = estimate("av1", (3840, 2160), 360.0)
    assert enc.name == "libsvtav1" and enc.options["preset"] == "12" and est.setting == "12"
    (note,) = [n for n in notes if n.startswith("long video")]
    assert "instead of 10" in note and "min" in note
    pr = probe("av1", (3840, 2160), 360.0)
    timeline = VideoTimeline.from_settings(VideoSettings(persistent=True), 360.0, pr.rate)
    default = estimate_work(pr, choose_encoder(pr, "mp4"), timeline, 360.0)
    assert default.seconds > LONG_JOB_S and default.seconds > est.seconds
    short_enc, _, short_notes = estimate("av1", (1280, 720), 5.0)
    assert short_enc.options["preset"] == "10" and not short_notes


@pytest.mark.slow
def test_estimate_is_in_the_plan_the_report_and_the_first_progress_event(tmp_path):
    src = make_mp4(tmp_path / "in.mp4", seconds=1.0, size=(320, 180), fps=15)
    settings = LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        video=VideoSettings(cards="start", card_seconds=2.0),
    )
    plan = labeler_for("video").plan(src, settings)
    assert plan.estimate.frames == 15 and plan.estimate.encoder == "libx264"
    events: list[FileProgress] = []
    out = label_file(src, tmp_path / "out.mp4", settings, progress=events.append)
    m = out.explicit.measurements
    assert m["estimated_s"] == round(plan.estimate.seconds, 2) > 0
    assert m["estimated_reencoded_frames"] == plan.estimate.encoded_frames
    assert "of work" in events[0].detail and events[0].fraction == 0.0


def test_early_eta_comes_from_the_estimate(tmp_path):
    import re

    from aigclabel_gui.engine.visible.video_job import Throttle

    events: list[FileProgress] = []
    tick = Throttle(tmp_path / "v.mp4", events.append, total=600.0, estimate_s=300.0)
    tick(1.0, 30)  # 1 s of 600: too early to extrapolate from the frames
    (eta,) = re.findall(r"ETA (\d+) s", events[-1].detail)
    assert 200 < int(eta) <= 300
    plain = Throttle(tmp_path / "v.mp4", events.append, total=600.0)
    plain(0.3, 9)
    assert "ETA" not in events[-1].detail  # no estimate and under 0.1 %: none is made up
