"""Visible labels on video (issue #5): checked with ffprobe, ffmpeg's own decoder (which applies the
display matrix as players do), packet hashes and Tesseract — not only with our own reader."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageOps

from aigclabel_gui.engine.errors import Cancelled, CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.events import CancelToken
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.settings import LabelSettings, VideoSettings, VisibleSettings
from aigclabel_gui.engine.visible.video import apply_explicit, render_card_frame, video_duration
from tests.conftest import ffprobe_json

# 8 % of 360 px: about 29 px of ink, which Tesseract reads from a crop of the frame.
VISIBLE = VisibleSettings(size_pct=8.0)


def make_clip(
    path: Path,
    *,
    w: int = 640,
    h: int = 360,
    fps: int = 25,
    secs: float = 5.0,
    vcodec: str = "libx264",
    acodec: str | None = "aac",
    rotation: int | None = None,
    vfr: bool = False,
    subtitles: bool = False,
    gop: int | None = None,
    preset: str = "ultrafast",
) -> Path:
    """A small synthetic clip: a colour gradient with a moving white square, a 440 Hz tone."""
    opts = {"movflags": "use_metadata_tags"} if path.suffix in (".mp4", ".mov") else {}
    out = av.open(str(path), "w", options=opts)
    out.metadata["title"] = "clip"
    out.metadata["comment"] = "keep me"
    v = out.add_stream(vcodec, rate=fps)
    v.width, v.height, v.pix_fmt = w, h, "yuv420p"
    v.codec_context.time_base = Fraction(1, fps * 4 if vfr else fps)
    v.time_base = v.codec_context.time_base
    if vcodec == "libx264":
        v.codec_context.options = {"preset": preset}
    if gop:
        v.codec_context.gop_size = gop
    if rotation is not None:
        v.set_display_rotation(rotation)
    a = None
    if acodec:
        a = out.add_stream(acodec, rate=48000)
        a.layout = "stereo"
    grad = np.zeros((h, w, 3), np.uint8)
    grad[..., 0] = (np.arange(w) * 200 // w)[None, :]
    grad[..., 2] = (np.arange(h) * 200 // h)[:, None]
    n = round(fps * secs)
    pts = 0
    for i in range(n):
        img = grad.copy()
        img[..., 1] = (i * 3) % 160
        x = (i * 7) % (w - 40)
        img[h // 3 : h // 3 + 40, x : x + 40] = 255
        f = av.VideoFrame.from_ndarray(img, "rgb24")
        f.pts = pts
        pts += (1 + (i % 3) * 2) if vfr else 1  # VFR: 1, 3, 5 ticks of 1/100 s
        out.mux(v.encode(f))
    out.mux(v.encode(None))
    if a is not None:
        sr, fs = 48000, 960
        for t in range(0, int(secs * sr), fs):
            x = (0.2 * np.sin(2 * np.pi * 440 * np.arange(t, t + fs) / sr)).astype(np.float32)
            fr = av.AudioFrame.from_ndarray(np.stack([x, x]), format="fltp", layout="stereo")
            fr.sample_rate, fr.pts = sr, t
            out.mux(a.encode(fr))
        out.mux(a.encode(None))
    out.close()
    if subtitles:  # muxed by the ffmpeg CLI from an SRT file, as users' files are made
        srt = path.with_suffix(".srt")
        srt.write_text(
            "1\n00:00:00,500 --> 00:00:01,500\nhello\n\n2\n00:00:01,600 --> 00:00:01,900\nworld\n"
        )
        tmp = path.with_name("sub-" + path.name)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-i", str(srt), "-map", "0", "-map", "1"]
            + ["-c", "copy", "-c:s", "mov_text" if path.suffix == ".mp4" else "srt", str(tmp)],
            check=True,
        )
        tmp.replace(path)
    return path


def label(src: Path, dst: Path, **video) -> object:
    settings = LabelSettings(visible=VISIBLE, video=VideoSettings(**video))
    return apply_explicit(src, dst, identify(src), settings)


def ffprobe_streams(path: Path) -> list[dict]:
    return ffprobe_json(path)["streams"]


def packet_hashes(path: Path, stream: str) -> list[str]:
    """ffmpeg's framemd5 of the stream's packets, copied (an independent packet reader)."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", f"0:{stream}", "-c", "copy"]
        + ["-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line and not line.startswith("#")]


def ffmpeg_frame(path: Path, t: float) -> Image.Image:
    """The frame at `t` as ffmpeg shows it (display matrix applied, like a player)."""
    png = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(t), "-i", str(path), "-frames:v", "1"]
        + ["-f", "image2pipe", "-c:v", "png", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def ocr(im: Image.Image, box: tuple[int, int, int, int]) -> str:
    """Tesseract on the inside of the label plate (the pill's round ends cut off)."""
    x0, y0, x1, y1 = box
    r = (y1 - y0) // 4
    crop = ImageOps.invert(im.crop((x0 + r, y0 + 3, x1 - r, y1 - 3)).convert("L"))
    crop = crop.resize((crop.width * 2, crop.height * 2), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    ImageOps.expand(crop, 16, fill=255).save(buf, "PNG")
    res = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", "chi_sim+eng", "--psm", "7"],
        input=buf.getvalue(),
        capture_output=True,
        check=True,
    )
    # In Noto Sans capital I and lower-case l are the same stroke; OCR cannot tell them.
    return re.sub(r"\s", "", res.stdout.decode()).replace("Al", "AI")


def box_of(rep) -> tuple[int, int, int, int]:
    return rep.measurements["box"]


def test_tools_present():
    # CI installs these; the tests below must not skip silently without them.
    for tool in ("ffmpeg", "ffprobe", "tesseract"):
        assert shutil.which(tool), f"{tool} is not installed"


@pytest.mark.slow
def test_start_card_mp4(tmp_path):
    src = make_clip(tmp_path / "in.mp4")
    dst = tmp_path / "out.mp4"
    rep = label(src, dst, cards="start", card_seconds=3.0)
    a, b = ffprobe_streams(src), ffprobe_streams(dst)
    assert [s["codec_name"] for s in a] == [s["codec_name"] for s in b] == ["h264", "aac"]
    assert b[0]["pix_fmt"] == a[0]["pix_fmt"] and b[0]["profile"] == a[0]["profile"]
    # Duration and frame count unchanged; every audio packet identical.
    fa, fb = ffprobe_json(src)["format"], ffprobe_json(dst)["format"]
    assert abs(float(fa["duration"]) - float(fb["duration"])) < 0.001
    assert a[0]["nb_frames"] == b[0]["nb_frames"] == "125"
    assert packet_hashes(src, "a") == packet_hashes(dst, "a")
    # Container tags survive (MP4 keys need movflags=use_metadata_tags).
    assert fb["tags"]["title"] == "clip" and fb["tags"]["comment"] == "keep me"
    # The label is read at 1 s and gone after the card (3 s); the prompt height is ≥ 5 %.
    box = box_of(rep)
    assert ocr(ffmpeg_frame(dst, 1.0), box) == "AI生成"
    assert "生成" not in ocr(ffmpeg_frame(dst, 4.0), box)
    assert rep.measurements["ink_height_pct"] >= 5.0
    assert rep.measurements["label_seconds"] == 3.0
    assert rep.measurements["labelled_frames"] == 75
    assert (
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(dst), "-f", "null", "-"], capture_output=True
        ).stderr
        == b""
    )


def test_pixels_outside_label_untouched_before_encoding(tmp_path):
    """Blend in YUV: only the label's rectangle changes (checked on the decoded planes)."""
    from aigclabel_gui.engine.visible.video import Probe, plan_label, probe

    src = make_clip(tmp_path / "in.mp4", secs=0.2)
    pr: Probe = probe(src)
    plan = plan_label(pr, VISIBLE)
    with av.open(str(src)) as c:
        frame = next(c.decode(video=0))
    before = [np.frombuffer(p, np.uint8).copy() for p in frame.planes]
    from aigclabel_gui.engine.visible.video_blend import blend_into

    frame.make_writable()
    blend_into(frame, plan.yuv(frame), 1.0)
    after = [np.frombuffer(p, np.uint8) for p in frame.planes]
    x0, y0, x1, y1 = plan.coded.box
    y_b = before[0].reshape(frame.planes[0].height, -1)
    y_a = after[0].reshape(frame.planes[0].height, -1)
    changed = np.argwhere(y_b != y_a)
    assert len(changed) > 0
    assert changed[:, 0].min() >= y0 and changed[:, 0].max() < y1
    assert changed[:, 1].min() >= x0 and changed[:, 1].max() < x1
    for i in (1, 2):
        cb = before[i].reshape(frame.planes[i].height, -1)
        ca = after[i].reshape(frame.planes[i].height, -1)
        ch = np.argwhere(cb != ca)
        assert ch[:, 0].min() >= y0 // 2 and ch[:, 0].max() < (y1 + 1) // 2
    # The plate is black and the text white as decoded back to RGB.
    rgb = frame.to_ndarray(format="rgb24")
    plate = rgb[y0 + 2 : y1 - 2, x0 + (y1 - y0) // 2 : x1 - (y1 - y0) // 2]
    assert plate.min() < 20 and plate.max() > 235


@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_rotation_label_upright_as_viewed(tmp_path, rotation):
    """A portrait phone clip (display matrix) gets a label that is upright where players show it."""
    src = make_clip(tmp_path / "in.mp4", secs=2.0, rotation=rotation)
    dst = tmp_path / "out.mp4"
    rep = label(src, dst, cards="start", card_seconds=2.0)
    vs = ffprobe_streams(dst)[0]

    def matrix(stream):
        sd = stream.get("side_data_list", [])
        return [d for d in sd if d.get("side_data_type") == "Display Matrix"]

    side = matrix(vs)
    assert side and int(side[0]["rotation"]) % 360 == rotation % 360
    assert side == matrix(ffprobe_streams(src)[0])  # the same matrix, byte for byte
    assert (vs["width"], vs["height"]) == (640, 360)
    shown = ffmpeg_frame(dst, 1.0)
    expected = (360, 640) if rotation in (90, -90) else (640, 360)
    assert shown.size == expected
    x0, y0, x1, y1 = box_of(rep)  # in the displayed frame: bottom-right corner
    assert x1 > shown.width * 0.8 and y1 > shown.height * 0.85
    assert ocr(shown, (x0, y0, x1, y1)) == "AI生成"


@pytest.mark.slow
def test_end_card_persistent_and_fade_webm(tmp_path):
    src = make_clip(tmp_path / "in.webm", secs=3.0, vcodec="libvpx-vp9", acodec="libopus")
    dst = tmp_path / "out.webm"
    rep = label(src, dst, cards="end", card_seconds=2.0, fade=True)
    a, b = ffprobe_streams(src), ffprobe_streams(dst)
    assert [s["codec_name"] for s in b] == [s["codec_name"] for s in a] == ["vp9", "opus"]
    assert packet_hashes(src, "a") == packet_hashes(dst, "a")
    box = box_of(rep)
    assert "生成" not in ocr(ffmpeg_frame(dst, 0.1), box)  # before the fade-in
    assert ocr(ffmpeg_frame(dst, 2.5), box) == "AI生成"
    # Persistent: every frame labelled.
    rep2 = label(src, tmp_path / "p.webm", cards="none", persistent=True)
    assert rep2.measurements["labelled_frames"] == rep2.measurements["frames"] == 75


def test_mkv_vfr_timestamps_kept(tmp_path):
    src = make_clip(tmp_path / "in.mkv", secs=2.0, vfr=True, subtitles=True)
    dst = tmp_path / "out.mkv"
    label(src, dst, cards="start", card_seconds=2.0)
    a, b = ffprobe_streams(src), ffprobe_streams(dst)
    assert [s["codec_type"] for s in a] == [s["codec_type"] for s in b]
    assert [s["codec_type"] for s in b] == ["video", "audio", "subtitle"]
    assert packet_hashes(src, "s") == packet_hashes(dst, "s")
    assert len(packet_hashes(dst, "s")) == 2

    def frame_times(p):
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries"]
            + ["frame=pts_time", "-of", "json", str(p)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [round(float(f["pts_time"]), 3) for f in json.loads(out)["frames"]]

    ta, tb = frame_times(src), frame_times(dst)
    assert ta == tb and len(set(np.diff(ta).round(3))) == 3  # VFR kept frame for frame


def test_short_card_is_refused():
    with pytest.raises(Exception, match="too short"):
        LabelSettings(video=VideoSettings(card_seconds=1.5)).validate()


def test_bad_inputs(tmp_path):
    empty = tmp_path / "e.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UnsupportedFormat):
        identify(empty)
    src = make_clip(tmp_path / "in.mp4", secs=3.0)
    data = src.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    dst = tmp_path / "out.mp4"
    with pytest.raises(CorruptFile, match="cut.mp4"):
        apply_explicit(cut, dst, identify(src), LabelSettings(visible=VISIBLE))
    assert not dst.exists()
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(data[:64] + b"\x00" * 5000)
    with pytest.raises((CorruptFile, UnsupportedFormat), match="junk.mp4"):
        apply_explicit(junk, dst, identify(src), LabelSettings(visible=VISIBLE))
    assert not dst.exists()


def test_cancel_leaves_no_file(tmp_path):
    src = make_clip(tmp_path / "in.mp4", secs=3.0)
    dst = tmp_path / "out.mp4"
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p)
        token.cancel()

    with pytest.raises(Cancelled):
        apply_explicit(src, dst, identify(src), LabelSettings(visible=VISIBLE), progress, token)
    assert not dst.exists()


def test_preview_frame_matches_file(tmp_path):
    src = make_clip(tmp_path / "in.mp4", secs=4.0, rotation=-90)
    settings = LabelSettings(visible=VISIBLE, video=VideoSettings(cards="start", card_seconds=2.0))
    assert abs(video_duration(src) - 4.0) < 0.05
    img = render_card_frame(src, settings, 1.0, max_side=640)
    assert img.size == (360, 640)
    dst = tmp_path / "out.mp4"
    rep = apply_explicit(src, dst, identify(src), settings)
    box = box_of(rep)
    assert ocr(img, box) == "AI生成"
    shown = np.asarray(ffmpeg_frame(dst, 1.0), np.int16)
    diff = np.abs(np.asarray(img, np.int16) - shown)[box[1] : box[3], box[0] : box[2]]
    assert diff.mean() < 6  # same blend, differing only by the encoder's loss
    late = render_card_frame(src, settings, 3.0, max_side=640)
    assert "生成" not in ocr(late, box)


def test_file_hash_helper_is_sane(tmp_path):
    # packet_hashes must see a difference when packets differ (guards the identity checks above).
    a = make_clip(tmp_path / "a.mp4", secs=1.0)
    b = make_clip(tmp_path / "b.mp4", secs=1.0, fps=24)
    assert packet_hashes(a, "v") != packet_hashes(b, "v")


def test_cli_labels_mkv_with_record(tmp_path, producer):
    """The whole path: CLI → pipeline → this module → the MKV container's record."""
    from aigclabel_gui import cli

    src = make_clip(tmp_path / "in.mkv", secs=4.0)
    out = tmp_path / "out"
    out.mkdir()
    code = cli.main(
        ["label", "-o", str(out), "--producer", producer, "--video-card", "end"]
        + ["--card-seconds", "2", "--size-pct", "8", "--quiet", str(src)]
    )
    assert code == 0
    dst = out / "in.mkv"
    tags = ffprobe_json(dst)["format"]["tags"]
    assert json.loads(tags["AIGC"])["ContentProducer"] == producer
    assert tags["title"] == "clip"
    assert packet_hashes(src, "a") == packet_hashes(dst, "a")

    def dark_share(t):  # share of black-plate pixels in the bottom-right corner
        px = np.asarray(ffmpeg_frame(dst, t))[-45:-12, -110:-20]
        return float((px.max(axis=2) < 40).mean())

    assert dark_share(3.0) > 0.4  # inside the end card (last 2 s of 4)
    assert dark_share(1.0) < 0.05  # before it


def audio_peak_db(path: Path, start: float, end: float) -> float:
    """ffmpeg volumedetect's max_volume over [start, end) of the first audio stream."""
    err = subprocess.run(
        ["ffmpeg", "-v", "info", "-i", str(path), "-vn", "-af"]
        + [f"atrim={start}:{end},volumedetect", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    return float(re.search(r"max_volume: (-?[\d.]+) dB", err).group(1))


def card_plate(card: Image.Image) -> tuple[int, int, int, int]:
    """The black plate of an inserted card, looked for in the middle of the frame."""
    w, h = card.size
    left, t = w // 5, h // 5
    mid = np.asarray(card)[t : h - t, left : w - left].max(axis=2) < 16
    ys, xs = np.nonzero(mid)
    return left + xs.min(), t + ys.min(), left + xs.max() + 1, t + ys.max() + 1


@pytest.mark.slow
def test_inserted_cards_mp4(tmp_path):
    src = make_clip(tmp_path / "in.mp4", secs=3.0)
    dst = tmp_path / "out.mp4"
    rep = label(src, dst, cards="start+end", card_seconds=2.0, insert_card=True)
    a, b = ffprobe_streams(src), ffprobe_streams(dst)
    assert [s["codec_name"] for s in a] == [s["codec_name"] for s in b] == ["h264", "aac"]
    # +2 s per card, on the video and on the audio track.
    assert abs(float(b[0]["duration"]) - (float(a[0]["duration"]) + 4.0)) < 0.05
    assert abs(float(b[1]["duration"]) - (float(a[1]["duration"]) + 4.0)) < 0.1
    assert b[1]["sample_rate"] == a[1]["sample_rate"] and b[1]["channels"] == a[1]["channels"]
    # Silence under the cards, the tone in the programme.
    assert audio_peak_db(dst, 0.0, 1.9) < -60
    assert audio_peak_db(dst, 2.2, 4.8) > -20
    assert audio_peak_db(dst, 5.2, 7.0) < -60
    # The card: the label in the middle of the frame, legible; the programme after it is clean.
    w, h = 640, 360
    card = ffmpeg_frame(dst, 1.0)
    x0, y0, x1, y1 = card_plate(card)
    assert abs((x0 + x1) / 2 - w / 2) < 4 and abs((y0 + y1) / 2 - h / 2) < 4
    assert ocr(card, (x0, y0, x1, y1)) == "AI生成"
    assert ocr(ffmpeg_frame(dst, 6.0), (x0, y0, x1, y1)) == "AI生成"  # the end card
    assert "生成" not in ocr(ffmpeg_frame(dst, 3.0), box_of(rep))  # programme: no corner label
    assert rep.measurements["mode"] == "insert"


@pytest.mark.slow
def test_inserted_start_card_webm_rotated(tmp_path):
    src = make_clip(tmp_path / "in.webm", secs=2.0, vcodec="libvpx-vp9", acodec="libopus")
    dst = tmp_path / "out.webm"
    label(src, dst, cards="start", card_seconds=2.0, insert_card=True, persistent=True)
    b = ffprobe_streams(dst)
    assert [s["codec_name"] for s in b] == ["vp9", "opus"]
    fmt = ffprobe_json(dst)["format"]
    assert abs(float(fmt["duration"]) - 4.0) < 0.1
    assert fmt["tags"]["title"] == "clip"
    src2 = make_clip(tmp_path / "r.mp4", secs=2.0, rotation=-90)
    dst2 = tmp_path / "r-out.mp4"
    label(src2, dst2, cards="start", card_seconds=2.0, insert_card=True)
    card = ffmpeg_frame(dst2, 1.0)
    assert card.size == (360, 640)
    x0, y0, x1, y1 = card_plate(card)
    assert x1 - x0 > y1 - y0  # the plate lies horizontally as viewed: the text is upright
    assert ocr(card, (x0, y0, x1, y1)) == "AI生成"


def decoded_md5(path: Path) -> list[str]:
    """ffmpeg's per-frame MD5 of the decoded pictures."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [ln.split(",")[-1].strip() for ln in out.splitlines() if ln and ln[0] != "#"]


def keyframe_indices(path: Path) -> list[int]:
    """Display-order indices of the keyframes, from ffprobe's decoded frames."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=key_frame"]
        + ["-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [i for i, ln in enumerate(out.split()) if ln.strip().startswith("1")]


@pytest.mark.slow
@pytest.mark.parametrize("suffix,rotation", [(".mp4", -90), (".mkv", None)])
def test_smart_render_copies_untouched_gops(tmp_path, suffix, rotation):
    """Cards only: the GOPs the cards touch are re-encoded, every other picture is bit-identical
    to the source's, and the whole file decodes without a single error."""
    src = make_clip(
        tmp_path / f"in{suffix}", secs=8.0, gop=25, preset="veryfast", rotation=rotation
    )
    dst = tmp_path / f"out{suffix}"
    rep = label(src, dst, cards="start+end", card_seconds=2.0)
    assert rep.measurements["mode"] == "smart"
    err = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(dst), "-f", "null", "-"], capture_output=True
    ).stderr
    assert err == b""
    a, b = decoded_md5(src), decoded_md5(dst)
    assert len(a) == len(b) == 200
    # Cards: 0–2 s and 6–8 s. The copied run is from the first keyframe at or after 2 s to the
    # last one at or before 6 s (x264 may place keyframes earlier than every 25 frames).
    keys = keyframe_indices(src)
    k_s = next(k for k in keys if k >= 50)
    k_e = [k for k in keys if k <= 150][-1]
    assert k_e - k_s >= 50
    assert a[k_s:k_e] == b[k_s:k_e]
    assert all(x != y for x, y in zip(a[:50], b[:50], strict=True))  # labelled
    assert all(x != y for x, y in zip(a[150:], b[150:], strict=True))
    assert packet_hashes(src, "a") == packet_hashes(dst, "a")
    box = box_of(rep)
    assert ocr(ffmpeg_frame(dst, 1.0), box) == "AI生成"
    assert ocr(ffmpeg_frame(dst, 7.0), box) == "AI生成"
    assert "生成" not in ocr(ffmpeg_frame(dst, 4.0), box)
    sb = ffprobe_streams(dst)[0]
    assert sb["codec_name"] == "h264"
    if rotation is not None:
        side = [d for d in sb.get("side_data_list", []) if "rotation" in d]
        assert side and int(side[0]["rotation"]) == rotation


def test_hevc_10bit_hdr_keeps_format_and_tames_white(tmp_path):
    """10-bit HEVC PQ: codec, profile, pix_fmt and colour tags kept; the label's white sits at
    BT.2408 reference white (58 % PQ), not at the display's peak."""
    src = tmp_path / "in.mp4"
    out = av.open(str(src), "w")
    v = out.add_stream("libx265", rate=25)
    v.width, v.height, v.pix_fmt = 640, 360, "yuv420p10le"
    v.codec_context.options = {"preset": "ultrafast", "x265-params": "log-level=error"}
    ctx = v.codec_context
    ctx.color_range, ctx.colorspace, ctx.color_primaries, ctx.color_trc = 1, 9, 9, 16
    for i in range(25):
        f = av.VideoFrame.from_ndarray(np.full((360, 640, 3), 60, np.uint8), "rgb24")
        f.pts = i
        out.mux(v.encode(f.reformat(format="yuv420p10le")))
    out.mux(v.encode(None))
    out.close()
    dst = tmp_path / "out.mp4"
    rep = label(src, dst, card_seconds=2.0)
    keys = ("codec_name", "profile", "pix_fmt", "color_space", "color_transfer", "color_primaries")
    a, b = ffprobe_streams(src)[0], ffprobe_streams(dst)[0]
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}
    assert b["pix_fmt"] == "yuv420p10le" and b["color_transfer"] == "smpte2084"
    with av.open(str(dst)) as c:
        frame = next(c.decode(video=0))
    luma = np.frombuffer(frame.planes[0], np.uint16).reshape(360, -1)[:, :640]
    x0, y0, x1, y1 = box_of(rep)
    text = float(np.percentile(luma[y0:y1, x0:x1], 99))
    white = 64 + 0.58 * 876  # limited-range 10-bit code of 58 % signal (572; peak white is 940)
    assert abs(text - white) < 40


def test_cancel_in_smart_render_leaves_no_file(tmp_path):
    src = make_clip(tmp_path / "in.mp4", secs=4.0, gop=25)
    dst = tmp_path / "out.mp4"
    token = CancelToken()
    calls = []

    def progress(p):
        calls.append(p)
        if len(calls) == 2:
            token.cancel()

    from aigclabel_gui.engine.visible import gop_splice

    real = gop_splice.blend_into

    def slow_blend(*args):  # make sure progress gets a chance to fire mid-run
        import time

        time.sleep(0.02)
        real(*args)

    gop_splice.blend_into = slow_blend
    try:
        with pytest.raises(Cancelled):
            apply_explicit(src, dst, identify(src), LabelSettings(visible=VISIBLE), progress, token)
    finally:
        gop_splice.blend_into = real
    assert not dst.exists()
    assert len(calls) >= 2


def test_preview_of_inserted_card(tmp_path):
    src = make_clip(tmp_path / "in.mp4", secs=2.0)
    settings = LabelSettings(
        visible=VISIBLE, video=VideoSettings(cards="start", card_seconds=2.0, insert_card=True)
    )
    card = render_card_frame(src, settings, 1.0, max_side=640)
    x0, y0, x1, y1 = card_plate(card)
    assert abs((x0 + x1) / 2 - 320) < 4 and ocr(card, (x0, y0, x1, y1)) == "AI生成"
    programme = np.asarray(render_card_frame(src, settings, 2.5, max_side=640))
    assert (programme.max(axis=2) < 16).mean() < 0.01  # no plate: the programme is unlabelled


def test_end_card_alone_warns_that_the_start_has_no_label(tmp_path):
    """GB 45438 §5.4: the prompt shall be in the picture from the start frame; the end is an
    addition. An end card alone used to pass silently."""
    src = make_clip(tmp_path / "in.mp4", secs=2.0)
    rep = label(src, tmp_path / "out.mp4", cards="end", card_seconds=2.0)
    assert any("§5.4" in w and "start frame" in w for w in rep.warnings), rep.warnings
    rep = label(src, tmp_path / "out2.mp4", cards="start", card_seconds=2.0)
    assert not any("start frame" in w for w in rep.warnings), rep.warnings


# --- high bit depth and HDR: kept, or the change is said -----------------------------------------

HDR10 = [
    "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc",
    "-color_range", "tv",
]  # fmt: skip


@pytest.mark.parametrize(
    "case, vcodec, ext, extra, want_codec",
    [
        (
            "av1-10",
            "libsvtav1",
            ".mkv",
            [
                "-preset",
                "12",
                "-svtav1-params",
                "content-light=1000,400:mastering-display="
                "G(0.2650,0.6900)B(0.1500,0.0600)R(0.6800,0.3200)WP(0.3127,0.3290)L(1000,0.0001)",
            ],
            "av1",
        ),
        (
            "hevc-10",
            "libx265",
            ".mp4",
            [
                "-x265-params",
                "log-level=error:hdr10=1:max-cll=1000,400:master-display="
                "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)",
            ],
            "hevc",
        ),
        ("h264-high10", "libx264", ".mp4", [], "h264"),
        ("vp9-profile2", "libvpx-vp9", ".webm", ["-deadline", "realtime", "-cpu-used", "8"], "av1"),
    ],
)
def test_10_bit_sources_keep_depth_transfer_and_primaries(
    tmp_path, case, vcodec, ext, extra, want_codec
):
    """10-bit input used to fail (x264 opened with the 8-bit 'main' profile for AV1 'Main') or
    become 8-bit. The labelled copy keeps 10 bits, BT.2020 primaries and the PQ transfer; where
    this FFmpeg has no 10-bit encoder for the codec (libvpx), the codec change is said."""
    src = tmp_path / f"{case}{ext}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=192x128:d=2.5:r=10",
         "-c:v", vcodec, "-pix_fmt", "yuv420p10le", *HDR10, *extra, str(src)],
        check=True,
    )  # fmt: skip
    (before,) = ffprobe_streams(src)
    assert before["pix_fmt"] == "yuv420p10le"
    dst = tmp_path / f"out{ext}"
    rep = label(src, dst)
    (after,) = ffprobe_streams(dst)
    assert after["codec_name"] == want_codec
    assert after["pix_fmt"] == "yuv420p10le"
    for key in ("color_primaries", "color_transfer", "color_space"):
        assert after.get(key) == before.get(key), key
    if case == "h264-high10":
        assert after["profile"] == "High 10"
    if case == "vp9-profile2":
        assert any("keep 10-bit" in w for w in rep.warnings), rep.warnings
    else:
        assert not any("bit" in w for w in rep.warnings), rep.warnings
    if case == "hevc-10":  # HDR10 static metadata (SMPTE ST 2086 + MaxCLL/MaxFALL) carried

        def hdr10(path: Path) -> list[str]:
            out = subprocess.run(
                ["ffprobe", "-v", "error", "-select_streams", "v", "-read_intervals", "%+#1",
                 "-show_frames", str(path)],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            keys = ("red_x", "white_point_y", "min_luminance", "max_luminance", "max_content",
                    "max_average")  # fmt: skip
            return [ln for ln in out.splitlines() if ln.split("=")[0] in keys]

        assert len(hdr10(src)) == 6 and hdr10(dst) == hdr10(src)
    if case == "av1-10":  # ffprobe 5.1 does not show AV1 metadata OBUs: FFmpeg 8's decoder does

        def hdr_side(path: Path) -> dict:
            with av.open(str(path)) as c:
                frame = next(c.decode(video=0))
                return {
                    sd.type.name: bytes(sd)
                    for sd in frame.side_data
                    if sd.type.name in ("MASTERING_DISPLAY_METADATA", "CONTENT_LIGHT_LEVEL")
                }

        assert len(hdr_side(src)) == 2 and hdr_side(dst) == hdr_side(src)
    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(dst), "-f", "null", "-"], capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stderr == ""
