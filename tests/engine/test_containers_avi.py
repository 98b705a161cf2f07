"""AVI: the record as LIST/INFO sub-chunk AIGC (TC260 video guide), movie data untouched, checked
with ffprobe, exiftool and a packet-level hash of every stream."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from aigclabel_gui.cli import main as cli_main
from aigclabel_gui.engine.containers.avi import AviContainer
from aigclabel_gui.engine.errors import CorruptFile
from aigclabel_gui.engine.registry import identify
from tests.conftest import PRODUCER, ffprobe_json, label_implicit, packets_md5


def _ffmpeg_avi(path: Path) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440",
            "-t",
            "1",
            "-c:v",
            "mpeg4",
            "-c:a",
            "pcm_s16le",
            str(path),
        ],
        check=True,
    )
    return path


def _chunks(data: bytes) -> list[tuple[bytes, bytes, int]]:
    out, off = [], 12
    while off + 8 <= len(data):
        cid, size = struct.unpack("<4sI", data[off : off + 8])
        out.append((cid, data[off + 8 : off + 12] if cid == b"LIST" else b"", off))
        off += 8 + size + (size & 1)
    return out


def _without_info_and_junk(src: Path, dst: Path) -> Path:
    """The same AVI with no LIST/INFO and no top-level JUNK: no room, the INFO list must be
    inserted before movi (idx1 stays relative to movi, as ffmpeg writes it)."""
    data = src.read_bytes()
    keep = b""
    for cid, form, off in _chunks(data):
        size = struct.unpack("<I", data[off + 4 : off + 8])[0]
        if cid == b"JUNK" or form == b"INFO":
            continue
        keep += data[off : off + 8 + size + (size & 1)]
    dst.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(keep)) + b"AVI " + keep)
    return dst


@pytest.fixture
def avi(tmp_path) -> Path:
    return _ffmpeg_avi(tmp_path / "clip.avi")


def test_record_written_over_junk_keeps_every_offset(avi, tmp_path):
    assert identify(avi).name == "avi"
    dst = label_implicit(avi, tmp_path / "out")
    src_b, dst_b = avi.read_bytes(), dst.read_bytes()
    assert len(dst_b) == len(src_b)  # INFO + JUNK rewritten in place
    movi = next(off for cid, form, off in _chunks(src_b) if form == b"movi")
    assert dst_b[movi:] == src_b[movi:]  # movie data and index byte-identical
    tags = ffprobe_json(dst)["format"]["tags"]
    assert json.loads(tags["AIGC"])["ContentProducer"] == PRODUCER
    assert tags["software"].startswith("Lavf")  # the muxer's own INFO entry is kept
    v = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", str(dst)], capture_output=True, text=True
    ).stdout
    assert "Warning" not in v, v
    assert cli_main(["check", str(dst)]) == 0
    assert cli_main(["check", str(avi)]) == 1  # the original was not touched


def test_no_room_inserts_info_before_movi_and_streams_stay_identical(avi, tmp_path):
    bare = _without_info_and_junk(avi, tmp_path / "bare.avi")
    assert packets_md5(bare) == packets_md5(avi)  # the fixture itself is a valid AVI
    dst = label_implicit(bare, tmp_path / "out")
    assert packets_md5(dst) == packets_md5(bare)
    forms = [form for _cid, form, _off in _chunks(dst.read_bytes()) if form]
    assert forms == [b"hdrl", b"INFO", b"movi"]
    assert PRODUCER in ffprobe_json(dst)["format"]["tags"]["AIGC"]
    assert cli_main(["check", str(dst)]) == 0


def test_relabel_keeps_one_record(avi, tmp_path):
    once = label_implicit(avi, tmp_path / "a")
    twice = label_implicit(once, tmp_path / "b")
    scan = AviContainer().scan(twice)
    assert len(scan.records) == 1 and PRODUCER in scan.records[0].raw


def test_truncated_avi_is_a_clear_error(avi, tmp_path):
    cut = tmp_path / "cut.avi"
    cut.write_bytes(avi.read_bytes()[:6000])
    with pytest.raises(CorruptFile):
        AviContainer().scan(cut)
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    assert (
        cli_main(
            [
                "label",
                "--implicit-only",
                str(cut),
                "-o",
                str(tmp_path / "out"),
                "--producer",
                PRODUCER,
            ]
        )
        == 7
    )  # a damaged input
    assert not (tmp_path / "out" / "cut.avi").exists()
