"""The AV1 encoder must not leave this process on real-time scheduling (see engine/realtime.py):
as root, libsvtav1 switches threads to SCHED_FIFO 99, and a spinning FIFO worker starved the
batch parent so its per-file time limit never fired."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = r"""
import os, sys
from fractions import Fraction
import av, numpy as np
from aigclabel_gui.engine.realtime import demote_realtime_threads

def rt_threads():
    n = 0
    for t in os.listdir("/proc/self/task"):
        try:
            n += os.sched_getscheduler(int(t)) in (os.SCHED_FIFO, os.SCHED_RR)
        except OSError:
            pass
    return n

c = av.CodecContext.create("libsvtav1", "w")
c.width, c.height, c.pix_fmt = 64, 64, "yuv420p"
c.time_base, c.framerate = Fraction(1, 25), 25
c.open()
before = rt_threads()
demote_realtime_threads()
after = rt_threads()
frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
for _ in c.encode(frame.reformat(format="yuv420p")):
    pass
for _ in c.encode(None):
    pass
print(before, after, os.sched_getscheduler(0))
"""


@pytest.mark.skipif(not hasattr(os, "sched_setscheduler"), reason="Linux scheduling only")
def test_threads_made_realtime_by_the_av1_encoder_are_demoted():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    before, after, main_policy = map(int, out.stdout.split())
    if os.geteuid() == 0:
        assert before >= 1  # the encoder did it (this is why the guard exists)
    assert after == 0 and main_policy == os.SCHED_OTHER


def test_label_leaves_the_process_on_normal_scheduling(tmp_path):
    """A full AV1 label in this process: afterwards no thread of ours is real-time."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=128x96:rate=10",
            "-t",
            "1",
            "-c:v",
            "libsvtav1",
            str(tmp_path / "in.mkv"),
        ],
        check=True,
    )
    code = (
        "import os\nfrom pathlib import Path\n"
        "from aigclabel_gui.engine.pipeline import label_file\n"
        "from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings, VideoSettings\n"
        "s = LabelSettings(implicit=ImplicitSettings(producer='001191440300708461136T1XGW3'),"
        " video=VideoSettings(card_seconds=2))\n"
        f"label_file(Path({str(tmp_path / 'in.mkv')!r}), Path({str(tmp_path / 'out.mkv')!r}), s)\n"
        "print(sum(os.sched_getscheduler(int(t)) in (os.SCHED_FIFO, os.SCHED_RR)"
        " for t in os.listdir('/proc/self/task')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "0"
