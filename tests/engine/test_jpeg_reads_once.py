"""A small JPEG is read once per job: scan() and write() share one read and one parsed layout
(issue 11, fixed costs), and only inside label_file's job: never across jobs, never for the
read-back of the written output."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from aigclabel_gui.engine.containers import jpeg
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.conftest import PRODUCER

SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))


def _jpeg(path: Path) -> Path:
    Image.new("RGB", (64, 48), (200, 30, 30)).save(path, quality=90)
    return path


def _same_size_edit(path: Path) -> None:
    """Change a byte of the scan data, keeping size and mtime (as a fast in-place edit can)."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_outside_a_job_every_read_is_fresh(tmp_path):
    p = _jpeg(tmp_path / "a.jpg")
    first = jpeg.read_layout(p)
    _same_size_edit(p)
    again = jpeg.read_layout(p)
    assert again is not first and again.data == p.read_bytes() != first.data


def test_inside_a_job_scan_and_write_share_one_read(tmp_path, monkeypatch):
    p = _jpeg(tmp_path / "a.jpg")
    opened: list[str] = []
    real_open = open

    def spy(file, *a, **kw):
        opened.append(os.fspath(file))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(jpeg, "open", spy, raising=False)
    with jpeg.reads_once():
        assert jpeg.read_layout(p) is jpeg.read_layout(p)
    assert opened.count(os.fspath(p)) == 2  # the identity is checked on each call
    assert jpeg._last is None  # nothing kept after the job

    opened.clear()
    out = tmp_path / "out.jpg"
    res = label_file(p, out, SETTINGS)
    assert res.format == "jpeg"
    # The source: one read for scan and write; the written temp file: read back from disk.
    reads = [f for f in opened if Path(f).name.startswith(".aigclabel-")]
    assert opened.count(os.fspath(p)) == 2 and len(reads) == 1
    assert inspect_file(out).verdict == "compliant"
    assert out.read_bytes()[-200:] == p.read_bytes()[-200:]  # scan data copied as is
