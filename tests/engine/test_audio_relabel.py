"""Re-labelling audio does not add a second audible prompt (issue 12: 2.0 → 6.6 → 11.1 s before)."""

from __future__ import annotations

import numpy as np
import pytest

from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import AudioSettings, ImplicitSettings, LabelSettings
from aigclabel_gui.engine.visible.audio_detect import best_match
from aigclabel_gui.engine.visible.audio_prompt import rhythm_prompt
from tests.conftest import PRODUCER, ffprobe_json
from tests.engine.test_audio_label import FORMATS, make_audio


def _settings(prompt: str, position: str = "start") -> LabelSettings:
    return LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        audio=AudioSettings(prompt=prompt, position=position),
    )


def _seconds(path) -> float:
    return float(ffprobe_json(path)["format"]["duration"])  # an independent reader


@pytest.mark.parametrize("prompt", ["voice", "rhythm"])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_relabelling_keeps_the_one_prompt(tmp_path, fmt, prompt):
    ext = FORMATS[fmt][0]
    src = make_audio(tmp_path / f"a{ext}", fmt, seconds=3.0)
    once, twice = tmp_path / f"once{ext}", tmp_path / f"twice{ext}"
    first = label_file(src, once, _settings(prompt))
    assert not any("already" in w for w in first.warnings)
    assert _seconds(once) > _seconds(src) + 0.9  # a prompt was added the first time
    second = label_file(once, twice, _settings(prompt))
    assert any("already at the start" in w for w in second.warnings), second.warnings
    assert abs(_seconds(twice) - _seconds(once)) < 0.06
    assert second.record is not None  # the implicit record is still written and verified


def test_only_the_missing_end_prompt_is_added(tmp_path):
    src = make_audio(tmp_path / "a.wav", "wav16", seconds=3.0)
    label_file(src, tmp_path / "start.wav", _settings("rhythm", "start"))
    res = label_file(
        tmp_path / "start.wav", tmp_path / "both.wav", _settings("rhythm", "start+end")
    )
    assert any("already at the start" in w for w in res.warnings)
    added = _seconds(tmp_path / "both.wav") - _seconds(tmp_path / "start.wav")
    assert 1.1 < added < 2.0  # one 1.1 s rhythm prompt plus its gap, not two


def test_a_steady_tone_is_not_taken_for_the_rhythm_prompt(tmp_path):
    import av

    rate = 48000
    path = tmp_path / "tone.wav"
    t = np.arange(rate * 3) / rate
    x = (0.3 * np.sin(2 * np.pi * 800 * t) * 32767).astype(np.int16)  # the rhythm's own pitch
    with av.open(str(path), "w", format="wav") as out:
        st = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(x[np.newaxis, :], format="s16", layout="mono")
        frame.sample_rate = rate
        for pkt in st.encode(frame):
            out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    assert best_match(x / 32767.0, rhythm_prompt(rate)) < 0.8
    res = label_file(path, tmp_path / "out.wav", _settings("rhythm"))
    assert not any("already" in w for w in res.warnings)
    assert _seconds(tmp_path / "out.wav") > 3.9


def test_voice_prompt_on_7_1_audio_is_labelled_not_a_crash(tmp_path):
    # Resampling the voice clip straight to 7.1 segfaulted the process (a worker crash in a batch).
    import subprocess
    import sys

    src = make_audio(tmp_path / "surround.flac", "flac16", seconds=0.5, rate=48000, layout="7.1")
    code = (
        "import sys; from aigclabel_gui.engine.pipeline import label_file;"
        "from aigclabel_gui.engine.settings import *;"
        f"label_file(sys.argv[1], sys.argv[2], LabelSettings(implicit=ImplicitSettings(producer='{PRODUCER}'),"
        "audio=AudioSettings(prompt='voice')))"
    )
    dst = tmp_path / "out.flac"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(src), str(dst)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = ffprobe_json(dst)
    assert info["streams"][0]["channels"] == 8 and float(info["format"]["duration"]) > 4.0
