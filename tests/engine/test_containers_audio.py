"""Audio containers: MP3 (ID3 TXXX:AIGC), FLAC/Ogg Vorbis/Opus (Vorbis comment AIGC), WAV (RIFF chunk).

Media are generated with PyAV (1 s sines); results are checked with exiftool and ffprobe (independent
readers), by decoding before/after, and with a test-only RIFF parser for what exiftool cannot show.
"""

from __future__ import annotations

import base64
import json
import shutil
import struct
from pathlib import Path

import av
import numpy as np
import pytest
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, COMM, ID3, TIT2, TPE1, TXXX, USLT
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from aigclabel_gui.engine.containers.id3 import Mp3Container, id3v2_size
from aigclabel_gui.engine.containers.vorbis import (
    FlacContainer,
    OggOpusContainer,
    OggVorbisContainer,
)
from aigclabel_gui.engine.containers.wav import WavContainer
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.inspect import inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.record import FIELD_NAMES, AigcRecord
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.conftest import PRODUCER, exiftool_json, ffprobe_json

# A second valid provider code (a propagating platform) for re-labelling.
PROPAGATOR = "0011" + PRODUCER[4:22] + "2ABCD"
SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))
RELABEL = LabelSettings(
    implicit_only=True,
    implicit=ImplicitSettings(producer=PRODUCER, propagator=PROPAGATOR, propagate_id="pub-42"),
)
# The upstream generator's record, with a signature-like ReservedCode1 that must stay byte-identical.
UPSTREAM = AigcRecord.make(
    Label="1",
    ContentProducer=PRODUCER,
    ProduceID="5f1d2c3b4a59687766554433221100ff",
    ReservedCode1="MEUCIQDx+3/sig==",
    ContentPropagator=PRODUCER,
    PropagateID="5f1d2c3b4a59687766554433221100ff",
)
COVER = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # only the bytes matter here

# format -> (extension, codec, muxer, sample rate, container class)
FORMATS = {
    "mp3": (".mp3", "libmp3lame", "mp3", 44100, Mp3Container),
    "flac": (".flac", "flac", "flac", 44100, FlacContainer),
    "ogg": (".ogg", "vorbis", "ogg", 44100, OggVorbisContainer),
    "opus": (".opus", "libopus", "ogg", 48000, OggOpusContainer),
    "wav": (".wav", "pcm_s16le", "wav", 44100, WavContainer),
}


# --- helpers ---------------------------------------------------------------------------------
def make_audio(path: Path, fmt: str, seconds: float = 1.0) -> Path:
    """A stereo sine, fed in the encoder's frame size (the native vorbis encoder needs that
    to write correct granule positions; it is experimental, hence `strict`)."""
    _ext, codec, muxer, rate, _cls = FORMATS[fmt]
    with av.open(str(path), "w", format=muxer) as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        if codec == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}
        cc = stream.codec_context
        cc.open()
        step = cc.frame_size or 1024
        n = -(-int(rate * seconds) // step) * step
        t = np.arange(n) / rate
        wave = 0.3 * np.sin(2 * np.pi * 440 * t)
        offered = [f.name for f in cc.codec.audio_formats]
        sample_fmt = next(f for f in ("fltp", "flt", "s16", "s16p") if f in offered)
        for i in range(0, n, step):
            chunk = np.stack([wave[i : i + step]] * 2)
            if sample_fmt.startswith("s16"):
                chunk = (chunk * 32767).astype(np.int16)
            else:
                chunk = chunk.astype(np.float32)
            if not sample_fmt.endswith("p"):
                chunk = chunk.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk), format=sample_fmt, layout="stereo"
            )
            frame.sample_rate, frame.pts = rate, i
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode(None):
            out.mux(pkt)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("audio")
    return {fmt: make_audio(folder / f"plain{spec[0]}", fmt) for fmt, spec in FORMATS.items()}


def copy_of(media: dict[str, Path], fmt: str, folder: Path, name: str = "in") -> Path:
    dst = folder / f"{name}{FORMATS[fmt][0]}"
    shutil.copyfile(media[fmt], dst)
    return dst


def decoded(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)


def label(src: Path, settings: LabelSettings = SETTINGS, name: str = "out") -> Path:
    dst = src.with_name(name + src.suffix)
    label_file(src, dst, settings)
    return dst


def records(path: Path) -> list:
    return FORMATS[_fmt(path)][4]().scan(path).records


def _fmt(path: Path) -> str:
    return {".mp3": "mp3", ".flac": "flac", ".ogg": "ogg", ".opus": "opus", ".wav": "wav"}[
        path.suffix
    ]


def exif(path: Path, *tags: str) -> dict:
    # -G1:4 numbers duplicate tags (Copy1 ...) instead of hiding them under one JSON key.
    return exiftool_json(path, "-G1:4", "-u", "-b", *tags)


def exif_records(path: Path) -> list[str]:
    """Every AIGC value exiftool finds, as text."""
    out = []
    for key, value in exif(path).items():
        tag = key.rsplit(":", 1)[-1]
        if tag == "UserDefinedText" and str(value).startswith("(AIGC) "):
            out.append(value[len("(AIGC) ") :])
        elif tag.lower() == "aigc":
            out.append(value)
        elif tag == "Unknown_AIGC":
            # exiftool -b prints valid UTF-8 as text and anything else as base64.
            if value.startswith("base64:"):
                value = base64.b64decode(value[7:]).decode()
            out.append(value)
    return out


def riff_chunks(path: Path) -> tuple[int, list[tuple[bytes, bytes]]]:
    """Test-only RIFF reader: (declared RIFF size, [(id, data)]) — independent of wav.py."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    riff_size = struct.unpack("<I", data[4:8])[0]
    pos, chunks = 12, []
    while pos + 8 <= len(data):
        cid, size = struct.unpack("<4sI", data[pos : pos + 8])
        chunks.append((cid, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    assert pos == len(data), "chunks do not end exactly at the end of the file"
    return riff_size, chunks


def assert_one_record(path: Path, expected: dict | None = None) -> dict:
    found = exif_records(path)
    assert len(found) == 1, found
    values = json.loads(found[0])
    assert list(values) == list(FIELD_NAMES)
    if expected:
        assert values == expected
    ours = records(path)
    assert len(ours) == 1 and ours[0].standard
    assert json.loads(ours[0].raw) == values
    assert inspect_file(path).verdict == "compliant", inspect_file(path).problems
    return values


# --- every format: write, independent read-back, payload untouched -------------------------------
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_label_plain_file(media, tmp_path, fmt):
    src = copy_of(media, fmt, tmp_path)
    out = label(src)
    values = assert_one_record(out)
    assert values["ContentProducer"] == values["ContentPropagator"] == PRODUCER
    assert values["PropagateID"] == values["ProduceID"] != ""  # Annex E note 1: first write
    assert np.array_equal(decoded(src), decoded(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, out.name])  # no temps


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "opus"])
def test_ffprobe_sees_the_tag(media, tmp_path, fmt):
    out = label(copy_of(media, fmt, tmp_path))
    probe = ffprobe_json(out)
    tags = dict(probe["format"].get("tags", {}))
    for s in probe["streams"]:
        tags.update(s.get("tags", {}))
    aigc = {k: v for k, v in tags.items() if k.upper() == "AIGC"}
    assert len(aigc) == 1
    assert json.loads(next(iter(aigc.values())))["ContentProducer"] == PRODUCER


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_labelling_twice_keeps_one_record_and_the_producer(media, tmp_path, fmt):
    first = label(copy_of(media, fmt, tmp_path), name="first")
    before = assert_one_record(first)
    second = label(first, RELABEL, name="second")
    after = assert_one_record(second)
    for key in ("Label", "ContentProducer", "ProduceID", "ReservedCode1"):
        assert after[key] == before[key]
    assert (after["ContentPropagator"], after["PropagateID"]) == (PROPAGATOR, "pub-42")
    assert np.array_equal(decoded(first), decoded(second))


# --- MP3 -----------------------------------------------------------------------------------------
def _rich_mp3(path: Path, version: int, extra=()) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=1, text="标题 Title"))
    tags.add(TPE1(encoding=1, text="Artist"))
    tags.add(APIC(encoding=0, mime="image/png", type=3, desc="cover", data=COVER))
    tags.add(USLT(encoding=1, lang="eng", desc="", text="la la la"))
    tags.add(TXXX(encoding=1, desc="REPLAYGAIN_TRACK_GAIN", text="-3.20 dB"))
    for frame in extra:
        tags.add(frame)
    tags.save(path, v2_version=version, v1=2)  # an ID3v1 tag at the end too


def _frames(path: Path) -> dict:
    tags = ID3(path)
    return {k: repr(v) for k, v in tags.items() if not k.upper().startswith("TXXX:AIGC")}


@pytest.mark.parametrize("version", [3, 4])
def test_mp3_keeps_version_frames_and_audio_bytes(media, tmp_path, version):
    src = copy_of(media, "mp3", tmp_path)
    _rich_mp3(src, version)
    out = label(src)
    assert_one_record(out)
    assert ID3(out).version[:2] == (2, version)
    meta = exif(out)
    assert any(k.startswith(f"ID3v2_{version}:") and "UserDefinedText" in k for k in meta)
    assert _frames(out) == _frames(src)  # title, artist, cover, lyrics, replaygain all kept
    assert ID3(out).getall("APIC")[0].data == COVER
    # Every byte after the ID3v2 tag (the MPEG frames) is unchanged.
    s, o = src.read_bytes(), out.read_bytes()
    assert o[id3v2_size(o[:10]) :] == s[id3v2_size(s[:10]) :]


def test_mp3_producer_record_kept_byte_identical(media, tmp_path):
    src = copy_of(media, "mp3", tmp_path)
    _rich_mp3(src, 3, [TXXX(encoding=0, desc="AIGC", text=UPSTREAM.to_json())])
    out = label(src, RELABEL)
    values = assert_one_record(out)
    assert values == {
        **UPSTREAM.as_dict(),
        "ContentPropagator": PROPAGATOR,
        "PropagateID": "pub-42",
    }


@pytest.mark.parametrize(
    "frame",
    [
        TXXX(encoding=0, desc="aigc", text=UPSTREAM.to_json()),
        COMM(encoding=0, lang="eng", desc="", text=UPSTREAM.to_json(wrapped=True)),
        TXXX(encoding=0, desc="comment", text=UPSTREAM.to_json(wrapped=True)),
    ],
    ids=["TXXX:aigc", "COMM", "TXXX:comment"],
)
def test_mp3_foreign_carrier_is_read_then_moved(media, tmp_path, frame):
    src = copy_of(media, "mp3", tmp_path)
    _rich_mp3(src, 4, [frame])
    found = records(src)
    assert len(found) == 1 and not found[0].standard and found[0].note
    assert inspect_file(src).verdict == "not-compliant"
    out = label(src)
    values = assert_one_record(out)
    assert values["ProduceID"] == UPSTREAM.ProduceID  # the producer's record moved, not replaced
    assert values["ReservedCode1"] == UPSTREAM.ReservedCode1
    assert frame.HashKey not in ID3(out)
    assert _frames(out) == {k: v for k, v in _frames(src).items() if k != frame.HashKey}


def test_mp3_duplicate_records_are_reported_and_merged(media, tmp_path):
    src = copy_of(media, "mp3", tmp_path)
    tags = ID3()
    tags.add(TXXX(encoding=0, desc="AIGC", text=[UPSTREAM.to_json(), UPSTREAM.to_json()]))
    tags.save(src, v2_version=4)
    report = inspect_file(src)
    assert report.verdict == "not-compliant"
    assert any("duplicate" in p for p in report.problems)
    assert_one_record(label(src))


# --- FLAC / Ogg Vorbis / Opus --------------------------------------------------------------------
def _picture() -> Picture:
    pic = Picture()
    pic.type, pic.mime, pic.desc, pic.data = 3, "image/png", "cover", COVER
    pic.width = pic.height = 16
    return pic


def _rich_vorbis(path: Path, extra: list[tuple[str, str]] = ()) -> None:
    audio = {".flac": FLAC, ".ogg": OggVorbis, ".opus": OggOpus}[path.suffix](path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags["TITLE"] = "标题 Title"
    audio.tags["ARTIST"] = ["A", "B"]
    for k, v in extra:
        audio.tags.append((k, v))
    if path.suffix == ".flac":
        audio.add_picture(_picture())
    else:
        audio.tags["METADATA_BLOCK_PICTURE"] = base64.b64encode(_picture().write()).decode()
    audio.save()


def _comments(path: Path) -> list[tuple[str, str]]:
    audio = {".flac": FLAC, ".ogg": OggVorbis, ".opus": OggOpus}[path.suffix](path)
    return [(k, v) for k, v in audio.tags if k.upper() != "AIGC"]


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus"])
def test_vorbis_keeps_comments_and_pictures(media, tmp_path, fmt):
    src = copy_of(media, fmt, tmp_path)
    _rich_vorbis(src)
    out = label(src)
    assert_one_record(out)
    assert _comments(out) == _comments(src)
    if fmt == "flac":
        assert [p.data for p in FLAC(out).pictures] == [COVER]
        assert FLAC(out).info.md5_signature == FLAC(src).info.md5_signature
    meta = exif(out)
    assert meta.get("Vorbis:Title") == "标题 Title"
    assert np.array_equal(decoded(src), decoded(out))


@pytest.mark.parametrize("fmt", ["flac", "ogg", "opus"])
def test_vorbis_producer_record_kept(media, tmp_path, fmt):
    src = copy_of(media, fmt, tmp_path)
    _rich_vorbis(src, [("AIGC", UPSTREAM.to_json())])
    values = assert_one_record(label(src, RELABEL))
    assert values == {
        **UPSTREAM.as_dict(),
        "ContentPropagator": PROPAGATOR,
        "PropagateID": "pub-42",
    }


@pytest.mark.parametrize("key", ["aigc", "COMMENT"])
def test_vorbis_variant_key_reported_and_rewritten(media, tmp_path, key):
    src = copy_of(media, "flac", tmp_path)
    raw = UPSTREAM.to_json() if key == "aigc" else UPSTREAM.to_json(wrapped=True)
    _rich_vorbis(src, [(key, raw)])
    found = records(src)
    assert len(found) == 1 and found[0].note
    # Vorbis names are case-insensitive: `aigc` is the carrier, reported; COMMENT is not.
    assert found[0].standard == (key == "aigc")
    out = label(src)
    values = assert_one_record(out)
    assert values["ReservedCode1"] == UPSTREAM.ReservedCode1
    assert [k for k, _ in FLAC(out).tags if k.upper() in ("AIGC", "COMMENT")] == ["AIGC"]


# --- WAV -----------------------------------------------------------------------------------------
def _riff(chunks: list[tuple[bytes, bytes]], riff_size: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(
        cid + struct.pack("<I", len(d)) + d + b"\x00" * (len(d) & 1) for cid, d in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


def _info(entries: list[tuple[bytes, bytes]]) -> bytes:
    return b"INFO" + b"".join(
        sid + struct.pack("<I", len(d)) + d + b"\x00" * (len(d) & 1) for sid, d in entries
    )


def _rich_wav(media, folder: Path, extra: list[tuple[bytes, bytes]] = ()) -> Path:
    """fmt, data, an odd-sized bext, LIST/INFO with odd entries, a junk chunk, extra chunks."""
    _size, chunks = riff_chunks(media["wav"])
    base = {cid: d for cid, d in chunks}
    info = _info([(b"INAM", b"Title\x00"), (b"IART", b"Art\x00"), (b"ISFT", b"x")])
    out = folder / "rich.wav"
    out.write_bytes(
        _riff(
            [
                (b"fmt ", base[b"fmt "]),
                (b"bext", b"B" * 603),
                (b"data", base[b"data"]),
                (b"LIST", info),
                (b"junk", b"\x01\x02\x03"),
                *extra,
            ]
        )
    )
    return out


def test_wav_chunks_copied_byte_for_byte(media, tmp_path):
    src = _rich_wav(media, tmp_path)
    out = label(src)
    assert_one_record(out)
    riff_size, chunks = riff_chunks(out)
    assert riff_size == out.stat().st_size - 8
    _s, before = riff_chunks(src)
    assert [c for c in chunks if c[0] != b"AIGC"] == before  # order and bytes kept
    assert chunks[-1][0] == b"AIGC" and len(chunks[-1][1]) % 2 == 0
    assert json.loads(chunks[-1][1])["ContentProducer"] == PRODUCER
    meta = exif(out)
    assert meta["RIFF:Title"] == "Title" and meta["RIFF:Artist"] == "Art"
    assert np.array_equal(decoded(src), decoded(out))
    assert ffprobe_json(out)["streams"][0]["codec_name"] == "pcm_s16le"


def test_wav_existing_chunk_replaced_in_place_and_duplicates_removed(media, tmp_path):
    src = _rich_wav(media, tmp_path, [(b"AIGC", UPSTREAM.to_json().encode()), (b"AIGC", b"{}")])
    assert inspect_file(src).verdict == "not-compliant"  # duplicate
    out = label(src, RELABEL)
    values = assert_one_record(out)
    assert values == {
        **UPSTREAM.as_dict(),
        "ContentPropagator": PROPAGATOR,
        "PropagateID": "pub-42",
    }
    ids = [cid for cid, _ in riff_chunks(out)[1]]
    assert ids == [b"fmt ", b"bext", b"data", b"LIST", b"junk", b"AIGC"]


def test_wav_list_info_record_read_then_moved(media, tmp_path):
    src = _rich_wav(media, tmp_path)
    _s, chunks = riff_chunks(src)
    info = _info(
        [(b"INAM", b"T\x00"), (b"AIGC", UPSTREAM.to_json().encode() + b"\x00"), (b"IART", b"A\x00")]
    )
    chunks = [(c, info if c == b"LIST" else d) for c, d in chunks]
    src.write_bytes(_riff(chunks))
    found = records(src)
    assert [(r.carrier, r.standard) for r in found] == [("LIST/INFO AIGC", False)]
    assert inspect_file(src).verdict == "not-compliant"
    out = label(src)
    values = assert_one_record(out)
    assert values["ReservedCode1"] == UPSTREAM.ReservedCode1
    lists = [d for c, d in riff_chunks(out)[1] if c == b"LIST"]
    assert lists == [_info([(b"INAM", b"T\x00"), (b"IART", b"A\x00")])]


def test_wav_id3_chunk_record_read_then_moved(media, tmp_path):
    src = copy_of(media, "wav", tmp_path)
    wave = WAVE(src)
    wave.add_tags()
    wave.tags.add(TIT2(encoding=3, text="Title"))
    wave.tags.add(TXXX(encoding=3, desc="AIGC", text=UPSTREAM.to_json()))
    wave.save()
    found = records(src)
    assert [(r.carrier, r.standard) for r in found] == [("WAV id3 chunk TXXX:AIGC", False)]
    out = label(src)
    assert_one_record(out)
    tags = WAVE(out).tags
    assert str(tags["TIT2"]) == "Title" and not tags.getall("TXXX")


def test_wav_streamed_placeholder_sizes_are_filled_in(media, tmp_path):
    """A WAV written to a pipe (0xFFFFFFFF sizes, data to the end) is read and fixed, not refused."""
    base = dict(riff_chunks(media["wav"])[1])
    src = tmp_path / "streamed.wav"
    fmt_chunk = b"fmt " + struct.pack("<I", len(base[b"fmt "])) + base[b"fmt "]
    src.write_bytes(
        b"RIFF\xff\xff\xff\xffWAVE" + fmt_chunk + b"data\xff\xff\xff\xff" + base[b"data"]
    )
    assert any("stream" in n for n in WavContainer().scan(src).notes)
    out = label(src)
    assert_one_record(out)
    riff_size, chunks = riff_chunks(out)
    assert riff_size == out.stat().st_size - 8
    assert dict(chunks)[b"data"] == base[b"data"]
    assert np.array_equal(decoded(src), decoded(out))


def test_wav_rf64_is_refused_clearly(tmp_path):
    path = tmp_path / "big.wav"
    path.write_bytes(b"RF64" + b"\xff\xff\xff\xff" + b"WAVE" + b"ds64" + bytes(28))
    with pytest.raises(UnsupportedFormat, match="RF64"):
        WavContainer().scan(path)
    with pytest.raises(UnsupportedFormat, match="RF64"):
        label_file(path, tmp_path / "out.wav", SETTINGS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.wav"]
    assert "RF64" in inspect_file(path).error


# --- damaged input: a clean error, nothing left behind ----------------------------------------
def _cut(fmt: str, data: bytes) -> bytes:
    if fmt == "mp3":
        return data[: len(data) - 128 - 100]  # the ID3v1 tag and into the last MPEG frame
    if fmt == "mp3-tag":
        return data[: id3v2_size(data[:10]) - 500]  # inside the cover art
    if fmt == "flac":
        return data[: data.index(COVER[:64]) + 100]  # inside the PICTURE block
    if fmt == "wav":
        return data[: len(data) // 2]  # inside the data chunk
    if fmt in ("ogg", "opus"):
        return data[: len(data) * 2 // 3]  # inside an audio page
    raise AssertionError(fmt)


@pytest.mark.parametrize(
    "case", ["mp3", "mp3-tag", "flac", "wav", "ogg", "opus", "empty-mp3", "empty-wav"]
)
def test_damaged_input_clean_error_no_output(media, tmp_path, case):
    fmt = case.split("-")[-1] if case.startswith("empty") else case.split("-")[0]
    src = copy_of(media, fmt, tmp_path)
    if fmt == "mp3":
        _rich_mp3(src, 3)
    elif fmt == "flac":
        _rich_vorbis(src)
    src.write_bytes(b"" if case.startswith("empty") else _cut(case, src.read_bytes()))
    dst = tmp_path / f"out{src.suffix}"
    with pytest.raises((CorruptFile, UnsupportedFormat)) as err:
        label_file(src, dst, SETTINGS)
    assert src.name in str(err.value) and "\n" not in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == [src.name]  # no output, no temp
    assert inspect_file(src).verdict in ("cannot-tell", "unsupported")


@pytest.mark.parametrize("fmt", ["mp3", "flac", "ogg", "opus", "wav"])
def test_garbage_after_header_is_corrupt(media, tmp_path, fmt):
    src = copy_of(media, fmt, tmp_path)
    data = src.read_bytes()
    src.write_bytes(data[:12] + b"\x00" * 40)
    with pytest.raises((CorruptFile, UnsupportedFormat)):
        FORMATS[fmt][4]().scan(src)


# --- valid files real players accept: labelled, not refused ---------------------------------------


def _ffmpeg(*args: str) -> None:
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


def _decode_errors(path: Path) -> str:
    import subprocess

    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return r.stderr.strip() + ("" if r.returncode == 0 else f" (exit {r.returncode})")


def _validate(path: Path) -> list[str]:
    import subprocess

    out = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()[1:]


def _mp3_variant(tmp_path: Path, variant: str) -> Path:
    """MP3 layouts seen in the wild, built from a LAME stream without any header frame."""
    from aigclabel_gui.engine.containers.id3 import mpeg_frame_length

    bare = tmp_path / "bare.mp3"
    _ffmpeg(
        "-f", "lavfi", "-i", "sine=d=2", "-c:a", "libmp3lame", "-b:a", "64k",
        "-write_xing", "0", "-id3v2_version", "0", str(bare),
    )  # fmt: skip
    raw = bare.read_bytes()
    src = tmp_path / f"{variant}.mp3"
    if variant == "zero-padding":  # some rippers/stream recorders pad the start with NULs
        src.write_bytes(b"\0" * 1024 + raw)
    elif variant == "id3v1+v2":
        src.write_bytes(raw)
        tags = ID3()
        tags.add(TIT2(encoding=3, text="标题"))
        tags.save(src, v1=2, v2_version=3)
    elif variant == "id3v2.2":  # iTunes' old tag version: 3-letter frame ids, 24-bit sizes
        frames = b"".join(
            fid + struct.pack(">I", len(body) + 1)[1:] + b"\0" + body
            for fid, body in ((b"TT2", b"Old title"), (b"TP1", b"Artist"))
        )
        size = len(frames) + 64
        syncsafe = bytes((size >> s) & 0x7F for s in (21, 14, 7, 0))
        src.write_bytes(b"ID3\x02\x00\x00" + syncsafe + frames + b"\0" * 64 + raw)
    elif variant == "vbri":  # Fraunhofer encoders: a VBRI header frame before the audio
        n = mpeg_frame_length(int.from_bytes(raw[:4], "big"))
        count, pos = 0, 0
        while pos < len(raw) and (
            step := mpeg_frame_length(int.from_bytes(raw[pos : pos + 4], "big"))
        ):
            pos, count = pos + step, count + 1
        frame = bytearray(n)
        frame[:4] = raw[:4]
        vbri = b"VBRI" + struct.pack(">HHHIIHHHH", 1, 1105, 75, len(raw) + n, count, 0, 1, 2, 1)
        frame[36 : 36 + len(vbri)] = vbri
        src.write_bytes(bytes(frame) + raw)
    elif variant == "xing-vbr":
        _ffmpeg("-f", "lavfi", "-i", "sine=d=2", "-c:a", "libmp3lame", "-q:a", "4", str(src))
    else:
        raise AssertionError(variant)
    return src


@pytest.mark.parametrize("variant", ["zero-padding", "id3v1+v2", "id3v2.2", "vbri", "xing-vbr"])
def test_mp3_variants_are_labelled(tmp_path, variant):
    src = _mp3_variant(tmp_path, variant)
    assert _decode_errors(src) == ""  # ffmpeg decodes the source cleanly
    before = _validate(src)
    dst = tmp_path / "out.mp3"
    result = label_file(src, dst, SETTINGS)
    assert result.format == "mp3"
    assert _decode_errors(dst) == ""
    assert set(_validate(dst)) <= set(before)
    record = json.loads(ffprobe_json(dst)["format"]["tags"]["AIGC"])
    assert record["ContentProducer"] == PRODUCER
    assert inspect_file(dst).verdict == "compliant"
    if variant in ("id3v1+v2", "id3v2.2"):
        title = ffprobe_json(dst)["format"]["tags"]["title"]
        assert title == {"id3v1+v2": "标题", "id3v2.2": "Old title"}[variant]


def test_ogg_flac_is_labelled(tmp_path):
    """FLAC in Ogg (xiph.org FLAC-to-Ogg mapping): the Vorbis comment packet carries AIGC."""
    src = tmp_path / "a.oga"
    _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=d=1",
        "-c:a",
        "flac",
        "-metadata",
        "title=t",
        "-f",
        "ogg",
        str(src),
    )
    dst = tmp_path / "out.oga"
    result = label_file(src, dst, SETTINGS)
    assert result.format == "oggflac"
    probe = ffprobe_json(dst)
    (stream,) = probe["streams"]
    assert stream["codec_name"] == "flac"
    assert json.loads(stream["tags"]["AIGC"])["ContentProducer"] == PRODUCER
    assert stream["tags"]["title"] == "t"
    assert _decode_errors(dst) == ""
    assert set(_validate(dst)) <= set(_validate(src))
    assert inspect_file(dst).verdict == "compliant"


def test_flac_comment_with_invalid_utf8_keeps_its_bytes(tmp_path):
    """Old Windows taggers wrote ANSI bytes into Vorbis comments: the other comments keep their
    exact bytes (mutagen alone would rewrite them as U+FFFD)."""
    src = tmp_path / "a.flac"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-metadata", "title=XXXXXXXXXX", str(src))
    bad = "歌曲".encode("gbk") + b"\xff(TL-x"  # 10 bytes, not UTF-8
    data = src.read_bytes()
    src.write_bytes(data.replace(b"XXXXXXXXXX", bad))
    dst = tmp_path / "out.flac"
    label_file(src, dst, SETTINGS)
    assert bad in dst.read_bytes()
    assert json.loads(ffprobe_json(dst)["format"]["tags"]["AIGC"])["ContentProducer"] == PRODUCER
    assert _decode_errors(dst) == ""
    assert inspect_file(dst).verdict == "compliant"


def test_flac_with_invalid_utf8_comment_gets_the_audible_prompt(tmp_path):
    """The full label decodes the programme: a non-UTF-8 comment must not stop PyAV."""
    src = tmp_path / "a.flac"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1.5", "-metadata", "title=XXXXXXXXXX", str(src))
    bad = "歌曲".encode("gbk") + b"\xff(TL-x"
    src.write_bytes(src.read_bytes().replace(b"XXXXXXXXXX", bad))
    full = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
    dst = tmp_path / "out.flac"
    result = label_file(src, dst, full)
    assert result.explicit is not None and result.explicit.kind == "audio"
    assert float(ffprobe_json(dst)["format"]["duration"]) > 2.5  # prompt + gap + programme
    assert _decode_errors(dst) == ""
    assert inspect_file(dst).verdict == "compliant"
