"""FLV: the record as onMetaData key AIGC (AMF0), audio/video tags byte-identical, absolute
keyframe offsets and filesize shifted with the data; checked with ffprobe, exiftool and a
packet-level hash of every stream."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import pytest

from aigclabel_gui.cli import main as cli_main
from aigclabel_gui.engine.containers.flv import FlvContainer, _parse_meta
from aigclabel_gui.engine.errors import CorruptFile
from aigclabel_gui.engine.registry import identify
from tests.conftest import PRODUCER, exiftool_json, ffprobe_json, label_implicit, packets_md5


def _ffmpeg_flv(path: Path, *flags: str) -> Path:
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
            "3",
            "-g",
            "10",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
            *flags,
            str(path),
        ],
        check=True,
    )
    return path


def _meta(path: Path):
    data = path.read_bytes()
    (size,) = struct.unpack(">I", b"\x00" + data[14:17])
    return data, _parse_meta(data[24 : 24 + size], path.name), 24


def test_record_added_streams_identical_and_readers_agree(tmp_path):
    src = _ffmpeg_flv(tmp_path / "clip.flv")
    assert identify(src).name == "flv"
    dst = label_implicit(src, tmp_path / "out")
    assert packets_md5(dst) == packets_md5(src)
    tags = ffprobe_json(dst)["format"]["tags"]
    assert json.loads(tags["AIGC"])["ContentProducer"] == PRODUCER
    assert tags["encoder"].startswith("Lavf")  # the muxer's own keys are kept
    ex = exiftool_json(dst)
    assert ex["Flash:FileSizeBytes"] == dst.stat().st_size  # filesize followed the growth
    v = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", str(dst)], capture_output=True, text=True
    ).stdout
    assert "Warning" not in v, v
    assert cli_main(["check", str(dst)]) == 0
    assert cli_main(["check", str(src)]) == 1  # the original was not touched


def test_keyframe_file_positions_still_point_at_video_tags(tmp_path):
    src = _ffmpeg_flv(tmp_path / "indexed.flv", "-flvflags", "add_keyframe_index")
    data, meta, base = _meta(src)
    assert len(meta.positions) >= 3, "ffmpeg wrote no keyframe index"
    dst = label_implicit(src, tmp_path / "out")
    data, meta, base = _meta(dst)
    for p in meta.positions:
        (pos,) = struct.unpack(">d", data[base + p : base + p + 8])
        assert data[int(pos)] & 0x1F == 9, pos  # a video tag header
    assert packets_md5(dst) == packets_md5(src)


def test_file_without_onmetadata_gets_one(tmp_path):
    src = _ffmpeg_flv(tmp_path / "bare.flv", "-flvflags", "no_metadata")
    assert FlvContainer().scan(src).records == []
    dst = label_implicit(src, tmp_path / "out")
    assert packets_md5(dst) == packets_md5(src)
    assert PRODUCER in ffprobe_json(dst)["format"]["tags"]["AIGC"]


def test_relabel_keeps_one_record(tmp_path):
    src = _ffmpeg_flv(tmp_path / "clip.flv")
    twice = label_implicit(label_implicit(src, tmp_path / "a"), tmp_path / "b")
    assert len(FlvContainer().scan(twice).records) == 1
    assert packets_md5(twice) == packets_md5(src)


def test_truncated_and_hostile_metadata_are_clear_errors(tmp_path):
    src = _ffmpeg_flv(tmp_path / "clip.flv")
    cut = tmp_path / "cut.flv"
    cut.write_bytes(src.read_bytes()[:200])
    with pytest.raises(CorruptFile):
        FlvContainer().scan(cut)
    # onMetaData nested 10,000 objects deep: refused, no RecursionError.
    body = b"\x02\x00\x0aonMetaData\x08\x00\x00\x00\x01" + (b"\x00\x01a\x03" * 10000)
    tag = b"\x12" + struct.pack(">I", len(body))[1:] + b"\x00" * 7 + body
    deep = tmp_path / "deep.flv"
    deep.write_bytes(
        b"FLV\x01\x05\x00\x00\x00\x09" + b"\x00" * 4 + tag + struct.pack(">I", 11 + len(body))
    )
    with pytest.raises(CorruptFile):
        FlvContainer().scan(deep)
    assert (
        cli_main(
            [
                "label",
                "--implicit-only",
                str(deep),
                "-o",
                str(tmp_path / "o"),
                "--producer",
                PRODUCER,
            ]
        )
        == 7
    )  # a damaged input


@pytest.mark.slow
def test_full_label_on_flv(tmp_path):
    src = _ffmpeg_flv(tmp_path / "clip.flv")
    assert (
        cli_main(
            [
                "label",
                str(src),
                "-o",
                str(tmp_path / "out"),
                "--producer",
                PRODUCER,
                "--card-seconds",
                "2",
            ]
        )
        == 0
    )
    dst = tmp_path / "out" / "clip.flv"
    info = ffprobe_json(dst)
    assert PRODUCER in info["format"]["tags"]["AIGC"]
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
    assert cli_main(["check", str(dst)]) == 0
