"""Implicit labels in MP4 / MOV / M4A (QuickTime keys/ilst) and MKV / WebM (global SimpleTag).

Clips are made with PyAV in a temp dir, variants with the ffmpeg CLI (stream copy); results are
checked with independent readers (exiftool, ffprobe, an FFmpeg decode) and by comparing every
demuxed packet with the source's.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from aigclabel_gui.engine.containers.isobmff import Box, parse_boxes
from aigclabel_gui.engine.errors import CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.inspect import COMPLIANT, NOT_COMPLIANT, inspect_file
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.conftest import PRODUCER, ffprobe_json

SETTINGS = LabelSettings(implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER))
PROPAGATOR = "001191440300708461136T2ABCD"
PRODUCER_JSON = (
    '{"Label":"1","ContentProducer":"001191440300708461136T1XGW3","ProduceID":"prod-0001",'
    '"ReservedCode1":"c2lnbmF0dXJl","ContentPropagator":"001191440300708461136T1XGW3",'
    '"PropagateID":"prod-0001","ReservedCode2":""}'
)
CREATION = "2024-05-06T07:08:09.000000Z"
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
C2PA_UUID = bytes.fromhex("D8FEC3D61B0E483C92975828877EC481")


# --- making clips ------------------------------------------------------------------------------


def make_clip(path: Path, vcodec="libx264", acodec="aac", *, video=True, fmt=None, opts=None):
    """A tiny clip: 64x64, 10 frames at 10 fps and/or 1 s of a 440 Hz tone."""
    with av.open(str(path), "w", format=fmt) as out:
        vs = aus = None
        if video:
            vs = out.add_stream(vcodec, rate=10, options=opts or {})
            vs.width = vs.height = 64
            vs.pix_fmt = "yuv420p"
        if acodec:
            aus = out.add_stream(acodec, rate=48000)
            aus.layout = "mono"
        if vs is not None:
            for i in range(10):
                img = np.zeros((64, 64, 3), np.uint8)
                img[:, : 6 * (i + 1)] = (200, 25 * i, 90)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                frame.pts = i
                out.mux(vs.encode(frame))
            out.mux(vs.encode(None))
        if aus is not None:
            n = aus.codec_context.frame_size or 960
            fmt_name = aus.codec_context.format.name
            t = 0
            while t < 48000:
                samples = (0.3 * np.sin(2 * np.pi * 440 * (t + np.arange(n)) / 48000)).astype(
                    np.float32
                )
                if fmt_name == "s16":
                    samples = (samples * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(samples[None, :], format=fmt_name, layout="mono")
                frame.sample_rate = 48000
                frame.pts = t
                frame.time_base = Fraction(1, 48000)
                out.mux(aus.encode(frame))
                t += n
            out.mux(aus.encode(None))


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """Source clips by role; tests copy what they touch."""
    d = tmp_path_factory.mktemp("clips")
    base = d / "base.mp4"
    make_clip(base)
    c = {}
    meta = ["-metadata", f"creation_time={CREATION}", "-metadata:s:v:0", "rotate=90"]
    c["mp4"] = d / "plain.mp4"  # moov after mdat
    ffmpeg("-i", str(base), "-c", "copy", *meta, str(c["mp4"]))
    c["faststart"] = d / "faststart.mp4"  # moov before mdat: chunk offsets must move
    ffmpeg("-i", str(base), "-c", "copy", *meta, "-movflags", "+faststart", str(c["faststart"]))
    c["mov"] = d / "clip.mov"
    ffmpeg("-i", str(base), "-c", "copy", *meta, "-movflags", "+faststart", str(c["mov"]))
    c["m4a"] = d / "audio.m4a"
    make_clip(c["m4a"], video=False, fmt="ipod")
    c["producer"] = d / "producer.mp4"  # what Kling/Tongyi/MiniMax outputs carry
    ffmpeg(
        "-i", str(base), "-c", "copy", *meta, "-movflags", "use_metadata_tags+faststart",
        "-metadata", f"AIGC={PRODUCER_JSON}",
        "-metadata", "com.apple.quicktime.location.ISO6709=+39.9042+116.4074/",
        str(c["producer"]),
    )  # fmt: skip
    c["fragmented"] = d / "fragmented.mp4"
    ffmpeg(
        "-i", str(base), "-c", "copy", "-movflags", "frag_keyframe+empty_moov",
        str(c["fragmented"]),
    )  # fmt: skip
    mkv_base = d / "base.mkv"
    make_clip(mkv_base, fmt="matroska")
    srt = d / "sub.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,500\nhello\n", encoding="utf-8")
    chapters = d / "chapters.txt"
    chapters.write_text(
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=One\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Two\n",
        encoding="utf-8",
    )
    c["mkv"] = d / "rich.mkv"
    ffmpeg(
        "-i", str(mkv_base), "-i", str(srt), "-i", str(chapters),
        "-map", "0", "-map", "1", "-map_chapters", "2", "-c", "copy", "-c:s", "srt",
        "-metadata", "title=Rich", "-metadata", f"creation_time={CREATION}",
        "-metadata:s:a:0", "language=chi", "-metadata:s:s:0", "language=eng",
        "-attach", str(srt), "-metadata:s:t", "mimetype=text/plain",
        str(c["mkv"]),
    )  # fmt: skip
    c["webm"] = d / "clip.webm"
    make_clip(
        c["webm"],
        "libvpx-vp9",
        "libopus",
        fmt="webm",
        opts={"deadline": "realtime", "cpu-used": "8"},
    )
    return c


def copy_clip(clips, role: str, tmp_path: Path, name: str | None = None) -> Path:
    src = clips[role]
    dst = tmp_path / (name or src.name)
    shutil.copyfile(src, dst)
    return dst


# --- independent checks ------------------------------------------------------------------------


def packets(path: Path) -> list[tuple]:
    """Every demuxed packet: (stream, pts, dts, keyframe, bytes)."""
    out = []
    with av.open(str(path)) as c:
        for p in c.demux():
            if p.dts is None and p.size == 0:
                continue
            out.append((p.stream.index, p.pts, p.dts, p.is_keyframe, bytes(p)))
    return out


def decode_errors(path: Path) -> str:
    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return r.stderr.strip() + ("" if r.returncode == 0 else f" (exit {r.returncode})")


def exiftool_aigc(path: Path) -> list[tuple[str, str]]:
    """Every tag whose name is AIGC, in any group, as (group:name, value); duplicates kept."""
    out = subprocess.run(
        ["exiftool", "-s", "-G1", "-a", "-u", "-n", "-api", "LargeFileSupport=1", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        check=True,
    ).stdout
    found = []
    for line in out.splitlines():
        tag, _, value = line.partition(":")
        tag = " ".join(tag.split())
        if tag.split()[-1].lower() == "aigc":
            found.append((tag.replace(" ", ":").replace("[", "").replace("]", ""), value.strip()))
    return found


def rotation(path: Path) -> float | None:
    for s in ffprobe_json(path)["streams"]:
        for sd in s.get("side_data_list", []):
            if "rotation" in sd:
                return sd["rotation"]
    return None


def top_boxes(path: Path) -> list[tuple[bytes, bytes]]:
    """Top-level boxes (type, bytes), read without the code under test."""
    data = path.read_bytes()
    boxes, pos = [], 0
    while pos < len(data):
        size, typ = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        size = size or len(data) - pos
        boxes.append((typ, data[pos : pos + size]))
        pos += size
    return boxes


def assert_labelled(src: Path, dst: Path, *, kind: str = "mp4") -> dict:
    """The shared checks: one record (exiftool), ffprobe tag, packets equal, clean decode,
    verdict compliant. Returns the record read back."""
    tags = exiftool_aigc(dst)
    expected_group = "Keys:AIGC" if kind == "mp4" else "Matroska:Aigc"
    assert len(tags) == 1, tags
    assert tags[0][0] == expected_group, tags
    record = json.loads(tags[0][1])
    assert ffprobe_json(dst)["format"]["tags"]["AIGC"] == tags[0][1]
    assert packets(dst) == packets(src)
    assert decode_errors(dst) == ""
    report = inspect_file(dst)
    assert report.verdict == COMPLIANT, report.problems
    return record


# --- MP4 / MOV / M4A ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mp4", "faststart", "mov", "m4a"])
def test_quicktime_keys_carrier(clips, tmp_path, role):
    src = copy_clip(clips, role, tmp_path)
    dst = tmp_path / ("out" + src.suffix)
    result = label_file(src, dst, SETTINGS)
    assert result.format == {"faststart": "mp4"}.get(role, role)
    record = assert_labelled(src, dst)
    assert record == result.record.as_dict()
    assert record["ContentProducer"] == record["ContentPropagator"] == PRODUCER
    assert record["PropagateID"] == record["ProduceID"]  # first write (Annex E note 1)
    assert result.kind == ("audio" if role == "m4a" else "video")
    probe_src, probe_dst = ffprobe_json(src), ffprobe_json(dst)
    assert probe_dst["format"]["tags"].get("creation_time") == probe_src["format"]["tags"].get(
        "creation_time"
    )
    if role != "m4a":
        assert probe_src["format"]["tags"]["creation_time"] == CREATION
        assert rotation(src) in (90, -90)
        assert rotation(dst) == rotation(src)
    # Only moov changed; every other top-level box (mdat, ftyp, free) is byte-identical.
    before, after = top_boxes(src), top_boxes(dst)
    assert [t for t, _ in before] == [t for t, _ in after]
    assert [b for t, b in before if t != b"moov"] == [b for t, b in after if t != b"moov"]
    # Inside moov, only udta differs (mvhd with its creation time, trak with tkhd's matrix kept);
    # the chunk-offset tables move only when moov precedes mdat.
    moov_src = parse_boxes(dict(before)[b"moov"])[0]
    moov_dst = parse_boxes(dict(after)[b"moov"])[0]
    moov_first = [t for t, _ in before].index(b"moov") < [t for t, _ in before].index(b"mdat")
    for a, b in zip(moov_src.children, moov_dst.children, strict=False):
        if a.type == b"udta":
            continue
        assert a.type == b.type
        if a.type == b"trak" and moov_first:
            assert a.first(b"tkhd").to_bytes() == b.first(b"tkhd").to_bytes()
            assert a.to_bytes() != b.to_bytes()  # stco shifted
        else:
            assert a.to_bytes() == b.to_bytes()


def test_ffmpeg_written_producer_record_is_kept_and_completed(clips, tmp_path):
    src = copy_clip(clips, "producer", tmp_path)
    assert exiftool_aigc(src) == [("Keys:AIGC", PRODUCER_JSON)]  # the fixture is the real thing
    dst = tmp_path / "out.mp4"
    settings = LabelSettings(
        implicit_only=True,
        implicit=ImplicitSettings(producer=PRODUCER, propagator=PROPAGATOR, propagate_id="pub-42"),
    )
    result = label_file(src, dst, settings)
    assert result.kept_producer_record
    record = assert_labelled(src, dst)
    producer = json.loads(PRODUCER_JSON)
    for key in ("Label", "ContentProducer", "ProduceID", "ReservedCode1"):
        assert record[key] == producer[key]
    assert (record["ContentPropagator"], record["PropagateID"]) == (PROPAGATOR, "pub-42")
    # The record text keeps the producer's bytes: only the propagator fields differ.
    assert exiftool_aigc(dst)[0][1].startswith(PRODUCER_JSON.split('"ContentPropagator"')[0])
    tags = ffprobe_json(dst)["format"]["tags"]
    assert tags["com.apple.quicktime.location.ISO6709"] == "+39.9042+116.4074/"
    assert tags["creation_time"] == ffprobe_json(src)["format"]["tags"]["creation_time"]


def test_relabelling_keeps_one_record(clips, tmp_path):
    src = copy_clip(clips, "faststart", tmp_path)
    once, twice = tmp_path / "once.mp4", tmp_path / "twice.mp4"
    first = label_file(src, once, SETTINGS).record
    second = label_file(once, twice, SETTINGS).record
    record = assert_labelled(src, twice)
    assert second.producer_part() == first.producer_part()
    assert record == second.as_dict()
    assert twice.stat().st_size == once.stat().st_size  # updated in place, nothing added


def test_duplicate_keys_collapse_and_items_are_renumbered(clips, tmp_path):
    src = tmp_path / "plain.mp4"
    ffmpeg(
        "-i", str(clips["producer"]), "-c", "copy", "-movflags", "use_metadata_tags",
        "-metadata", "com.example.note=hello", str(src),
    )  # fmt: skip
    variant = tmp_path / "dup.mp4"

    def add_duplicate(moov: Box) -> None:
        meta = moov.first(b"udta").first(b"meta")
        keys = meta.first(b"keys")
        count = struct.unpack(">I", keys.payload[4:8])[0]
        dup = PRODUCER_JSON.replace("prod-0001", "dup")
        keys.payload = (
            keys.payload[:4] + struct.pack(">I", count + 1) + keys.payload[8:]
            + struct.pack(">I4s", 12, b"mdta") + b"aigc"
        )  # fmt: skip
        data = Box(b"data", payload=struct.pack(">II", 1, 0) + dup.encode())
        meta.first(b"ilst").children.insert(0, Box(struct.pack(">I", count + 1), children=[data]))

    _with_moov(src, variant, add_duplicate)
    assert len(exiftool_aigc(variant)) == 2
    assert any("duplicate" in p for p in inspect_file(variant).problems)
    dst = tmp_path / "out.mp4"
    label_file(variant, dst, SETTINGS)
    record = assert_labelled(variant, dst)
    assert record["ProduceID"] == "prod-0001"  # the exact mdta:AIGC key is the producer's
    tags = ffprobe_json(dst)["format"]["tags"]
    assert tags["com.example.note"] == "hello"
    assert tags["com.apple.quicktime.location.ISO6709"] == "+39.9042+116.4074/"


def test_fragmented_mp4(clips, tmp_path):
    src = copy_clip(clips, "fragmented", tmp_path)
    kinds = [t for t, _ in top_boxes(src)]
    assert b"moof" in kinds and b"mfra" in kinds
    dst = tmp_path / "out.mp4"
    label_file(src, dst, SETTINGS)
    assert_labelled(src, dst)
    # tfhd base-data-offsets and tfra entries are absolute: they moved with the fragments.
    assert [b for t, b in top_boxes(src) if t == b"mdat"] == [
        b for t, b in top_boxes(dst) if t == b"mdat"
    ]


def test_itunes_freeform_record_moves_to_keys(clips, tmp_path):
    from mutagen.mp4 import MP4, MP4FreeForm

    src = copy_clip(clips, "m4a", tmp_path)
    tags = MP4(src)
    tags["----:com.apple.iTunes:AIGC"] = [MP4FreeForm(PRODUCER_JSON.encode())]
    tags["\xa9nam"] = ["Title kept"]
    tags.save()
    assert exiftool_aigc(src) == [("iTunes:AIGC", PRODUCER_JSON)]
    before = inspect_file(src)
    assert before.verdict == NOT_COMPLIANT
    assert any("wrong carrier" in p for p in before.problems)

    dst = tmp_path / "out.m4a"
    result = label_file(src, dst, SETTINGS)
    assert result.kept_producer_record
    record = assert_labelled(src, dst)
    assert record["ProduceID"] == "prod-0001" and record["ReservedCode1"] == "c2lnbmF0dXJl"
    assert MP4(dst)["\xa9nam"] == ["Title kept"]  # the iTunes items are kept
    # Labelling again leaves the iTunes items (no record left among them) byte for byte.
    again = tmp_path / "again.m4a"
    label_file(dst, again, SETTINGS)

    def itunes_items(path: Path) -> list[bytes]:
        udta = parse_boxes(dict(top_boxes(path))[b"moov"])[0].first(b"udta")
        (meta,) = udta.all(b"meta")
        return [it.to_bytes() for it in meta.first(b"ilst").children if it.type[0] >= 0x20]

    assert itunes_items(again) == itunes_items(dst) != []


def exiftool_warnings(path: Path) -> list[str]:
    """exiftool's own structure check (`-validate -warning -a`), minus the summary line."""
    out = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line.strip() and line.strip() != "OK"]


@pytest.mark.parametrize("ext", [".m4a", ".mp4", ".mov"])
def test_existing_itunes_meta_is_merged_not_duplicated(tmp_path, ext):
    """What ffmpeg, phones and iTunes write: a udta/meta (hdlr mdir) with iTunes items. The key
    joins that meta: exiftool must not see a second meta ("Duplicate tag 'meta'"), and every old
    tag must still be read by ffprobe, exiftool and mutagen."""
    from mutagen.mp4 import MP4

    src = tmp_path / f"tagged{ext}"
    make_clip(tmp_path / "base.mp4", video=ext != ".m4a", fmt="mp4")
    tags = ["-metadata", "title=标题 kept", "-metadata", "artist=Me", "-metadata", "comment=c"]
    ffmpeg("-i", str(tmp_path / "base.mp4"), "-c", "copy", *tags, str(src))
    assert exiftool_warnings(src) == []
    dst = tmp_path / f"out{ext}"
    label_file(src, dst, SETTINGS)
    assert exiftool_warnings(dst) == []
    assert_labelled(src, dst)
    before, after = ffprobe_json(src)["format"]["tags"], ffprobe_json(dst)["format"]["tags"]
    assert after.pop("AIGC") and after == before
    if ext != ".mov":  # ffmpeg's mov muxer writes QuickTime udta atoms, not an iTunes meta
        assert {k: v for k, v in MP4(dst).tags.items() if k[0] != "\0"} == dict(MP4(src).tags)
    udta = parse_boxes(dict(top_boxes(dst))[b"moov"])[0].first(b"udta")
    assert len(udta.all(b"meta")) == 1
    # A file labelled by an earlier version (mdir meta + a second mdta meta) is repaired.
    twice = tmp_path / f"twice{ext}"

    def split(moov: Box) -> None:
        u = moov.first(b"udta")
        (meta,) = u.all(b"meta")
        keys = meta.first(b"keys")
        key_items = [it for it in meta.first(b"ilst").children if it.type[0] < 0x20]
        meta.children.remove(keys)
        meta.first(b"ilst").children = [
            it for it in meta.first(b"ilst").children if it not in key_items
        ]
        hdlr = meta.first(b"hdlr")
        hdlr.payload = hdlr.payload[:8] + b"mdir" + hdlr.payload[12:]
        mdta_hdlr = Box(b"hdlr", payload=b"\0" * 8 + b"mdta" + b"\0" * 13)
        u.children.append(
            Box(
                b"meta",
                prefix=b"\0" * 4,
                children=[mdta_hdlr, keys, Box(b"ilst", children=key_items)],
            )
        )

    old = tmp_path / f"old{ext}"
    _with_moov(dst, old, split)
    assert any("Duplicate tag 'meta'" in w for w in exiftool_warnings(old))
    label_file(old, twice, SETTINGS)
    assert exiftool_warnings(twice) == []
    assert_labelled(src, twice)
    assert ffprobe_json(twice)["format"]["tags"] | {"AIGC": ""} == before | {"AIGC": ""}


def _with_moov(src: Path, dst: Path, edit) -> None:
    """Build a variant fixture: apply `edit` to the parsed moov (offsets fixed by the tool
    under test are not needed: these sources have moov after mdat)."""
    out = []
    for typ, raw in top_boxes(src):
        if typ == b"moov":
            moov = parse_boxes(raw)[0]
            edit(moov)
            raw = moov.to_bytes()
        out.append(raw)
    dst.write_bytes(b"".join(out))


def test_moov_meta_and_literal_box_variants_become_one_record(clips, tmp_path):
    src = copy_clip(clips, "producer", tmp_path, "p.mp4")
    plain = tmp_path / "plain.mp4"
    # moov after mdat: the variant can be built by moving boxes without touching offsets.
    ffmpeg("-i", str(src), "-c", "copy", "-movflags", "use_metadata_tags", str(plain))
    variant = tmp_path / "doubao.mp4"
    literal = json.dumps(json.loads(PRODUCER_JSON) | {"ProduceID": "dup"}, separators=(",", ":"))

    def move_meta(moov: Box) -> None:
        udta = moov.first(b"udta")
        meta = udta.first(b"meta")
        udta.children.remove(meta)
        meta.prefix = b""  # QuickTime form (no version/flags), as iPhones write it
        moov.children.append(meta)
        udta.children.append(Box(b"aigc", payload=literal.encode()))

    _with_moov(plain, variant, move_meta)
    assert exiftool_aigc(variant)[0] == ("Keys:AIGC", PRODUCER_JSON)  # exiftool reads moov/meta
    report = inspect_file(variant)
    assert len(report.records) == 2 and report.verdict == NOT_COMPLIANT
    assert any("duplicate" in p for p in report.problems)

    dst = tmp_path / "out.mp4"
    label_file(variant, dst, SETTINGS)
    record = assert_labelled(variant, dst)
    assert record["ProduceID"] == "prod-0001"  # the QuickTime key won over the literal box
    # FFmpeg reads only the first `keys` box of a file: the moov/meta keys were merged into the
    # one in udta, so ffprobe sees both the record (checked above) and the location.
    tags = ffprobe_json(dst)["format"]["tags"]
    assert tags["com.apple.quicktime.location.ISO6709"] == "+39.9042+116.4074/"
    moov = parse_boxes(dict(top_boxes(dst))[b"moov"])[0]
    assert moov.first(b"meta") is None and len(moov.walk(b"keys")) == 1


def test_keyless_mdir_list_under_moov_is_moved(clips, tmp_path):
    """Doubao iOS variant: an iTunes-style (hdlr mdir) meta directly under moov holding the
    record as an `AIGC` atom; its other atoms stay where they are."""
    src = copy_clip(clips, "mp4", tmp_path, "src.mp4")
    variant = tmp_path / "mdir.mp4"

    def data_item(typ: bytes, text: str) -> Box:
        return Box(typ, children=[Box(b"data", payload=struct.pack(">II", 1, 0) + text.encode())])

    def add_meta(moov: Box) -> None:
        hdlr = Box(b"hdlr", payload=b"\0" * 8 + b"mdir" + b"appl" + b"\0" * 9)
        ilst = Box(
            b"ilst", children=[data_item(b"AIGC", PRODUCER_JSON), data_item(b"\xa9nam", "kept")]
        )
        moov.children.append(Box(b"meta", prefix=b"\0" * 4, children=[hdlr, ilst]))

    _with_moov(src, variant, add_meta)
    report = inspect_file(variant)
    assert [r.carrier for r in report.records] == ["QuickTime moov/meta atom 'AIGC'"]
    assert report.verdict == NOT_COMPLIANT
    dst = tmp_path / "out.mp4"
    assert label_file(variant, dst, SETTINGS).kept_producer_record
    record = assert_labelled(variant, dst)
    assert record["ProduceID"] == "prod-0001"
    moov = parse_boxes(dict(top_boxes(dst))[b"moov"])[0]
    items = [it.type for it in moov.first(b"meta").first(b"ilst").children]
    assert items == [b"\xa9nam"]


def _uuid_box(usertype: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 24 + len(body), b"uuid") + usertype + body


def test_xmp_uuid_record_moves_and_offsets_follow(clips, tmp_path):
    from aigclabel_gui.engine.xmp import update_xmp

    variant = copy_clip(clips, "faststart", tmp_path, "xmp.mp4")
    packet = tmp_path / "p.xmp"
    packet.write_bytes(update_xmp(None, PRODUCER_JSON))
    # exiftool writes the XMP uuid box between moov and mdat (and fixes the offsets itself):
    # shrinking it when the record moves out must move the media again.
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", f"-xmp<={packet}", str(variant)], check=True
    )
    kinds = [t for t, _ in top_boxes(variant)]
    assert kinds.index(b"moov") < kinds.index(b"uuid") < kinds.index(b"mdat")
    assert exiftool_aigc(variant) == [("XMP-TC260:Aigc", PRODUCER_JSON)]
    found = inspect_file(variant)
    assert [r.carrier for r in found.records] == ["XMP TC260:AIGC"]
    assert found.verdict == NOT_COMPLIANT

    dst = tmp_path / "out.mp4"
    label_file(variant, dst, SETTINGS)
    record = assert_labelled(variant, dst)
    assert record["ProduceID"] == "prod-0001"
    # The XMP box stays (other properties kept) without the record.
    out = subprocess.run(
        ["exiftool", "-s", "-G1", "-XMP:all", str(dst)], capture_output=True, text=True
    )
    assert "XMPToolkit" in out.stdout and "Aigc" not in out.stdout


def test_c2pa_uuid_is_reported(clips, tmp_path):
    src = copy_clip(clips, "mp4", tmp_path)
    data = src.read_bytes()
    src.write_bytes(data + _uuid_box(C2PA_UUID, b"\0" * 32))
    assert inspect_file(src).c2pa


def test_truncated_moov_is_corrupt_and_leaves_nothing(clips, tmp_path):
    src = copy_clip(clips, "faststart", tmp_path, "cut.mp4")
    data = src.read_bytes()
    moov_at = data.index(b"moov") - 4
    moov_size = struct.unpack(">I", data[moov_at : moov_at + 4])[0]
    src.write_bytes(data[: moov_at + moov_size // 2])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptFile) as exc:
        label_file(src, out / "cut.mp4", SETTINGS)
    assert "cut.mp4" in str(exc.value) and "truncated" in str(exc.value)
    assert list(out.iterdir()) == []
    assert inspect_file(src).verdict == "cannot-tell"


@pytest.mark.parametrize("role", ["mp4", "faststart", "fragmented"])
def test_every_cut_is_refused(clips, tmp_path, role):
    """Cuts inside boxes and exactly at box boundaries (header kept, media gone)."""
    data = clips[role].read_bytes()
    ends, pos = [], 0
    for _typ, raw in top_boxes(clips[role]):
        pos += len(raw)
        ends.append(pos)
    cuts = {len(data) * k // 20 for k in range(1, 20)} | set(ends[:-1]) | {len(data) - 1}
    if role == "fragmented":
        # Fragments are self-contained: losing whole trailing fragments is not detectable.
        cuts -= set(ends)
    out = tmp_path / "out"
    out.mkdir()
    for cut in sorted(cuts):
        src = tmp_path / f"cut{cut}.mp4"
        src.write_bytes(data[:cut])
        with pytest.raises(CorruptFile, match=f"cut{cut}.mp4"):
            label_file(src, out / src.name, SETTINGS)
    assert list(out.iterdir()) == []


def test_empty_and_wrong_extension(clips, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UnsupportedFormat):
        label_file(empty, tmp_path / "x.mp4", SETTINGS)
    # An MP4 named .mkv is labelled by its bytes, with a warning.
    src = copy_clip(clips, "mp4", tmp_path, "really_mp4.mkv")
    result = label_file(src, tmp_path / "o.mp4", SETTINGS)
    assert result.format == "mp4" and any("extension" in w for w in result.warnings)
    assert identify(tmp_path / "o.mp4").name == "mp4"


# --- MKV / WebM --------------------------------------------------------------------------------


def test_mkv_global_simpletag_keeps_everything(clips, tmp_path):
    src = copy_clip(clips, "mkv", tmp_path)
    dst = tmp_path / "out.mkv"
    label_file(src, dst, SETTINGS)
    assert_labelled(src, dst, kind="mkv")
    p_src, p_dst = ffprobe_json(src), ffprobe_json(dst)
    assert [s["codec_type"] for s in p_dst["streams"]] == [
        s["codec_type"] for s in p_src["streams"]
    ]
    assert [s["codec_type"] for s in p_dst["streams"]] == [
        "video", "audio", "subtitle", "attachment",
    ]  # fmt: skip
    for a, b in zip(p_src["streams"], p_dst["streams"], strict=True):
        assert a["codec_name"] == b["codec_name"] if "codec_name" in a else True
        assert a["disposition"] == b["disposition"]
        assert a.get("tags", {}).get("language") == b.get("tags", {}).get("language")
    assert p_dst["streams"][3]["tags"]["filename"] == "sub.srt"
    assert p_dst["format"]["tags"]["title"] == "Rich"
    assert p_dst["format"]["tags"]["creation_time"] == p_src["format"]["tags"]["creation_time"]
    with av.open(str(src)) as a, av.open(str(dst)) as b:
        assert b.chapters() == a.chapters()
        assert len(b.chapters()) == 2
        assert bytes(b.streams[3].data) == bytes(a.streams[3].data)


def test_webm_vp9_opus(clips, tmp_path):
    src = copy_clip(clips, "webm", tmp_path)
    dst = tmp_path / "out.webm"
    label_file(src, dst, SETTINGS)
    assert_labelled(src, dst, kind="mkv")
    assert [s["codec_name"] for s in ffprobe_json(dst)["streams"]] == ["vp9", "opus"]
    assert identify(dst).name == "webm"


def test_mkv_track_and_global_records_become_one(clips, tmp_path):
    src = tmp_path / "two.mkv"
    track_json = PRODUCER_JSON.replace("prod-0001", "track-id")
    ffmpeg(
        "-i", str(clips["mkv"]), "-map", "0", "-c", "copy",
        "-metadata", f"AIGC={PRODUCER_JSON}", "-metadata:s:v:0", f"AIGC={track_json}",
        str(src),
    )  # fmt: skip
    report = inspect_file(src)
    assert len(report.records) == 2 and report.verdict == NOT_COMPLIANT
    dst = tmp_path / "out.mkv"
    settings = LabelSettings(
        implicit_only=True, implicit=ImplicitSettings(producer=PRODUCER, propagator=PROPAGATOR)
    )
    label_file(src, dst, settings)
    record = assert_labelled(src, dst, kind="mkv")
    assert record["ProduceID"] == "prod-0001"  # the global (standard) tag is the producer's
    assert record["ContentPropagator"] == PROPAGATOR
    assert "AIGC" not in ffprobe_json(dst)["streams"][0].get("tags", {})
    # Twice: still one.
    again = tmp_path / "again.mkv"
    label_file(dst, again, settings)
    assert len(exiftool_aigc(again)) == 1


def test_damaged_mkv_cluster_is_not_silently_dropped(clips, tmp_path):
    data = bytearray(clips["mkv"].read_bytes())
    mid = len(data) // 2
    data[mid : mid + 300] = b"\xff" * 300
    src = tmp_path / "damaged.mkv"
    src.write_bytes(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptFile, match="damaged.mkv: damaged media data"):
        label_file(src, out / "damaged.mkv", SETTINGS)
    assert list(out.iterdir()) == []
    assert av.logging.get_level() is None  # the global FFmpeg log level was restored


def test_truncated_mkv_is_corrupt(clips, tmp_path):
    src = copy_clip(clips, "mkv", tmp_path, "cut.mkv")
    data = src.read_bytes()
    src.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CorruptFile) as exc:
        label_file(src, out / "cut.mkv", SETTINGS)
    assert "cut.mkv" in str(exc.value)
    assert list(out.iterdir()) == []


def test_mkv_track_with_an_unknown_codec_is_labelled_in_place(clips, tmp_path):
    # A CodecID FFmpeg does not know (here a damaged one): the remux used to refuse it ("no
    # codec"); the in-place edit needs no codec, and the track bytes are left as they were.
    data = clips["mkv"].read_bytes()
    at = data.find(b"V_")
    assert at > 0
    src = tmp_path / "badcodec.mkv"
    src.write_bytes(data[:at] + b"V_XXXX" + data[at + 6 :])
    dst = tmp_path / "out.mkv"
    label_file(src, dst, SETTINGS)
    assert len(exiftool_aigc(dst)) == 1
    assert b"V_XXXX" in dst.read_bytes()
    keep = {0x1F43B675, 0x1654AE6B, 0x1549A966}  # clusters, tracks, info
    assert [b for i, _o, b in segment_elements(src)[1] if i in keep] == [
        b for i, _o, b in segment_elements(dst)[1] if i in keep
    ]


# --- MKV/WebM: edited in place, every other element byte for byte --------------------------------


def _vint(buf: bytes, pos: int, marker: bool) -> tuple[int, int]:
    first = buf[pos]
    n = 9 - first.bit_length()
    v = first if marker else first & (0xFF >> n)
    for b in buf[pos + 1 : pos + n]:
        v = (v << 8) | b
    return v, pos + n


def segment_elements(path: Path) -> tuple[int, list[tuple[int, int, bytes]]]:
    """(Segment data offset, [(id, offset, element bytes)]) read without the code under test."""
    data = path.read_bytes()
    _, p = _vint(data, 0, True)
    size, p = _vint(data, p, False)
    _, p = _vint(data, p + size, True)
    seg_size, p = _vint(data, p, False)
    seg_data, out = p, []
    end = min(len(data), seg_data + seg_size)
    while p < end:
        eid, q = _vint(data, p, True)
        size, q = _vint(data, q, False)
        out.append((eid, p, data[p : q + size]))
        p = q + size
    return seg_data, out


def _with_ietf_language(src: Path, dst: Path) -> None:
    """Add TrackLanguageIETF (LanguageBCP47, 0x22B59D) "zh-Hans-CN" to the audio track, as
    mkvmerge writes it, taking the bytes from the Void after the SeekHead; SeekHead entries for
    the moved Info and Tracks are fixed."""
    from aigclabel_gui.engine.containers import ebml

    data = src.read_bytes()
    seg_data, els = segment_elements(src)
    ids = [e[0] for e in els]
    assert ids[:4] == [ebml.SEEKHEAD, ebml.VOID, 0x1549A966, 0x1654AE6B], [hex(i) for i in ids]
    tracks_raw = els[3][2]
    _, p = _vint(tracks_raw, 0, True)
    _, p = _vint(tracks_raw, p, False)
    kids = ebml.children(tracks_raw[p:])
    new_kids = []
    for eid, raw, body in kids:
        if eid == 0xAE and any(i == 0x83 and b == b"\x02" for i, _r, b in ebml.children(body)):
            raw = ebml.element(0xAE, body + ebml.element(0x22B59D, b"zh-Hans-CN"))
        if eid != ebml.CRC32:
            new_kids.append(raw)
    tracks = ebml.element(0x1654AE6B, ebml.crc_payload(new_kids, True))
    grow = len(tracks) - len(tracks_raw)
    info_rel, tracks_rel = els[2][1] - seg_data, els[3][1] - seg_data

    def shift(v: int) -> int:
        return v - grow if v in (info_rel, tracks_rel) else v

    sh = els[0][2]
    _, p = _vint(sh, 0, True)
    _, p = _vint(sh, p, False)
    sh_new = ebml.element(
        ebml.SEEKHEAD, ebml.shift_positions(sh[p:], {ebml.SEEK}, {ebml.SEEK_POSITION}, shift)
    )
    assert len(sh_new) == len(sh)
    void = ebml.void(len(els[1][2]) - grow)
    head = data[: els[0][1]]
    tail = data[els[3][1] + len(tracks_raw) :]
    dst.write_bytes(head + sh_new + void + els[2][2] + tracks + tail)


@pytest.mark.parametrize("role", ["mkv-ietf", "mkv-flags", "webm", "av1", "mkv-reserved"])
def test_matroska_is_edited_in_place(clips, tmp_path, role):
    """Only Tags (and the SeekHead, Segment size, Cues positions when the Tags grow before the
    clusters) change: tracks with TrackLanguageIETF, flags and DefaultDuration, Info with its
    SegmentUID, chapters, attachments and every Cluster stay byte for byte."""
    src = tmp_path / f"{role}.{'webm' if role == 'webm' else 'mkv'}"
    if role == "mkv-ietf":
        _with_ietf_language(clips["mkv"], src)
    elif role == "mkv-flags":
        ffmpeg(
            "-i", str(clips["mkv"]), "-map", "0", "-c", "copy",
            "-disposition:a:0", "0", "-disposition:s:0", "forced", str(src),
        )  # fmt: skip
    elif role == "webm":
        shutil.copyfile(clips["webm"], src)
    elif role == "mkv-reserved":  # Cues at the front with reserved space (a Void) after them
        ffmpeg(
            "-i", str(clips["mkv"]), "-map", "0", "-c", "copy", "-reserve_index_space", "4000",
            str(src),
        )  # fmt: skip
    else:  # AV1: FFmpeg's remux path found "no codec"; the in-place edit needs none
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc=s=96x64:d=2:r=10", "-c:v", "libaom-av1",
            "-cpu-used", "8", "-g", "5", str(src),
        )  # fmt: skip
    warnings_before = [
        w for w in subprocess.run(
            ["exiftool", "-validate", "-warning", "-a", "-s3", str(src)],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()[1:]
    ]  # fmt: skip
    dst = tmp_path / f"out{src.suffix}"
    label_file(src, dst, SETTINGS)
    assert_labelled(src, dst, kind="mkv")
    warnings_after = subprocess.run(
        ["exiftool", "-validate", "-warning", "-a", "-s3", str(dst)],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()[1:]  # fmt: skip
    assert set(warnings_after) <= set(warnings_before)
    probe_src, probe_dst = ffprobe_json(src), ffprobe_json(dst)
    assert probe_dst["streams"] == probe_src["streams"]  # languages, dispositions, rates
    tags_src, tags_dst = probe_src["format"].get("tags", {}), probe_dst["format"]["tags"]
    assert {k: v for k, v in tags_dst.items() if k != "AIGC"} == tags_src
    if role == "mkv-ietf":
        ex = subprocess.run(
            ["exiftool", "-a", "-G1", "-s", "-ee", str(dst)], capture_output=True, text=True
        ).stdout
        assert "zh-Hans-CN" in ex
    # Byte compare: every element except Tags, SeekHead, Void and Cues is unchanged, in order.
    seg_src, before = segment_elements(src)
    seg_dst, after = segment_elements(dst)
    skip = {0x1254C367, 0x114D9B74, 0xEC, 0x1C53BB6B}
    assert [(i, b) for i, _o, b in before if i not in skip] == [
        (i, b) for i, _o, b in after if i not in skip
    ]
    clusters = [b for i, _o, b in after if i == 0x1F43B675]
    assert clusters and b"".join(clusters) in dst.read_bytes()
    if role == "mkv-reserved":  # the Tags moved into the reserved Void: nothing shifted
        assert dst.stat().st_size == src.stat().st_size
        assert [o for i, o, _b in after if i == 0x1F43B675] == [
            o for i, o, _b in before if i == 0x1F43B675
        ]
    # Cues still point at clusters; a seek into the middle decodes cleanly.
    starts = {o - seg_dst for i, o, _b in after if i == 0x1F43B675}
    cues = [b for i, _o, b in after if i == 0x1C53BB6B]
    if role != "webm":  # FFmpeg writes Cues for these; each position must name a Cluster
        positions = _cue_cluster_positions(cues[0])
        assert positions and set(positions) <= starts
    seek = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "0.5", "-i", str(dst), "-f", "null", "-"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert seek.returncode == 0 and seek.stderr == ""
    # Labelled twice: the Tags are rewritten where they now are; still one record.
    again = tmp_path / f"again{src.suffix}"
    label_file(dst, again, SETTINGS)
    assert len(exiftool_aigc(again)) == 1
    assert [b for i, _o, b in segment_elements(again)[1] if i == 0x1F43B675] == clusters


def _cue_cluster_positions(cues: bytes) -> list[int]:
    """CueClusterPosition values: Cues > CuePoint > CueTrackPositions > CueClusterPosition."""
    out = []

    def walk(buf: bytes, start: int, end: int) -> None:
        pos = start
        while pos < end:
            eid, q = _vint(buf, pos, True)
            size, q = _vint(buf, q, False)
            if eid in (0x1C53BB6B, 0xBB, 0xB7):
                walk(buf, q, q + size)
            elif eid == 0xF1:
                out.append(int.from_bytes(buf[q : q + size], "big"))
            pos = q + size

    walk(cues, 0, len(cues))
    return out


def test_matroska_with_unknown_size_cluster_falls_back_to_a_remux(tmp_path):
    """A live recording (a Cluster of unknown size, RFC 9559 §6.2) cannot be walked by sizes:
    the stream-copy remux still labels it."""
    src = tmp_path / "live.mkv"
    make_clip(tmp_path / "base.mkv", fmt="matroska")
    ffmpeg("-i", str(tmp_path / "base.mkv"), "-c", "copy", "-live", "1", "-f", "matroska", str(src))
    data = bytearray(src.read_bytes())
    seg_data, els = segment_elements(src)
    clusters = [o for i, o, _b in els if i == 0x1F43B675]
    last = clusters[-1]
    assert last == els[-1][1]  # the last element: an unknown size runs to the end of the file
    size_len = 9 - data[last + 4].bit_length()
    data[last + 4 : last + 4 + size_len] = bytes([0xFF >> (size_len - 1)]) + b"\xff" * (
        size_len - 1
    )
    src.write_bytes(bytes(data))
    dst = tmp_path / "out.mkv"
    label_file(src, dst, SETTINGS)
    assert len(exiftool_aigc(dst)) == 1
    assert decode_errors(dst) == ""
