"""Audible labels (GB 45438 §5.3): prompts, placement, level, formats, MP3 frame joining, tags.

Media are generated in tmp_path with PyAV (1.5-2 s). Outputs are checked by decoding with PyAV and
the ffmpeg CLI, with ffprobe and exiftool (independent readers), and by finding the prompt by
cross-correlation with the prompt clip.
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TIT2, TPE1, TXXX, USLT
from mutagen.mp4 import MP4, MP4Cover

from aigclabel_gui import cli
from aigclabel_gui.engine.errors import AigcError, Cancelled, CorruptFile, UnsupportedFormat
from aigclabel_gui.engine.events import CancelToken, no_progress
from aigclabel_gui.engine.pipeline import label_file
from aigclabel_gui.engine.registry import identify
from aigclabel_gui.engine.settings import AudioSettings, ImplicitSettings, LabelSettings
from aigclabel_gui.engine.visible import mp3_frames as mf
from aigclabel_gui.engine.visible.audio import apply_explicit, load_prompt, prompt_positions
from aigclabel_gui.engine.visible.audio_pcm import float_to_native, make_frame
from aigclabel_gui.engine.visible.audio_prompt import rhythm_prompt, speech_level_db, voice_file
from tests.conftest import PRODUCER, exiftool_json, ffprobe_json

# name -> (extension, encoder, muxer, encoder sample format or None, bit rate)
FORMATS = {
    "wav16": (".wav", "pcm_s16le", "wav", None, 0),
    "wav24": (".wav", "pcm_s24le", "wav", None, 0),
    "flac16": (".flac", "flac", "flac", "s16", 0),
    "flac24": (".flac", "flac", "flac", "s32", 0),
    "mp3": (".mp3", "libmp3lame", "mp3", None, 128_000),
    "m4a": (".m4a", "aac", "ipod", None, 96_000),
    "opus": (".opus", "libopus", "ogg", None, 64_000),
}


# --- helpers ---------------------------------------------------------------------------------
def programme(rate: int, nch: int, seconds: float, level: float = 0.25) -> np.ndarray:
    """A music-like test programme: two tones per channel, slowly modulated, plus a little noise."""
    n = int(rate * seconds)
    t = np.arange(n) / rate
    rng = np.random.default_rng(7)
    chans = [
        level
        * (0.6 * np.sin(2 * np.pi * (220 + 55 * c) * t) + 0.3 * np.sin(2 * np.pi * 1250 * t))
        * (0.7 + 0.3 * np.sin(2 * np.pi * 1.3 * t))
        + 0.01 * level * rng.standard_normal(n)
        for c in range(nch)
    ]
    return np.stack(chans).astype(np.float32)


def make_audio(
    path: Path, fmt: str, seconds: float = 1.5, rate: int = 44100, layout: str = "stereo",
    level: float = 0.25,
) -> Path:  # fmt: skip
    _ext, codec, muxer, sample_fmt, bit_rate = FORMATS[fmt]
    if codec == "libopus":
        rate = 48000
    with av.open(str(path), "w", format=muxer) as out:
        st = out.add_stream(codec, rate=rate, layout=layout)
        cc = st.codec_context
        if sample_fmt:
            cc.format = sample_fmt
        if bit_rate:
            cc.bit_rate = bit_rate
        cc.open()
        fmt_name, nch = cc.format.name, cc.layout.nb_channels
        x = programme(rate, nch, seconds, level)
        step = cc.frame_size or 1024
        bits = 24 if fmt in ("flac24", "wav24") else 0
        for i in range(0, x.shape[1], step):
            a = float_to_native(x[:, i : i + step], fmt_name, bits)
            for pkt in st.encode(make_frame(a, fmt_name, cc.layout.name, rate, i)):
                out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    return path


def decode(path: Path) -> tuple[np.ndarray, int]:
    """All samples in the decoder's native type, (channels, n)."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        chunks = []
        for f in c.decode(st):
            a = f.to_ndarray()
            if not f.format.is_planar:
                a = a.reshape(-1, len(f.layout.channels)).T
            chunks.append(a)
        return np.concatenate(chunks, axis=1), st.codec_context.sample_rate


def as_float(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "i":
        return a.astype(np.float64) / float(2 ** (8 * a.dtype.itemsize - 1))
    return a.astype(np.float64)


def ffmpeg_errors(path: Path) -> str:
    """Decode the whole file with the ffmpeg CLI; its error log (empty = clean)."""
    r = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return r.stderr.strip()


def find_prompt(x: np.ndarray, template: np.ndarray, rate: int) -> tuple[float, float]:
    """(seconds, normalised score) of the best match of `template` in the channel mix of `x`."""
    sig = as_float(x).mean(axis=0)
    tpl = template.astype(np.float64) - template.mean()
    n = len(sig) + len(tpl)
    nfft = 1 << (n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(sig, nfft) * np.conj(np.fft.rfft(tpl, nfft)), nfft)
    corr = corr[: len(sig) - len(tpl) + 1]
    lag = int(np.argmax(corr))
    seg = sig[lag : lag + len(tpl)]
    score = corr[lag] / (np.linalg.norm(seg) * np.linalg.norm(tpl) + 1e-12)
    return lag / rate, float(score)


def rhythm_template(rate: int) -> np.ndarray:
    return rhythm_prompt(rate)


def settings(prompt: str = "rhythm", position: str = "start", **kw) -> LabelSettings:
    return LabelSettings(
        implicit=ImplicitSettings(producer=PRODUCER),
        audio=AudioSettings(prompt=prompt, position=position, **kw),
    )


def label(src: Path, dst: Path, s: LabelSettings):
    return apply_explicit(src, dst, identify(src), s, no_progress, CancelToken())


def probe(path: Path) -> dict:
    j = ffprobe_json(path)
    return {"stream": j["streams"][0], "duration": float(j["format"]["duration"])}


# --- prompts -----------------------------------------------------------------------------------
def test_rhythm_prompt_is_morse_ai():
    rate = 48000
    x = rhythm_prompt(rate)
    assert len(x) == round(1.1 * rate)  # 1 + 1 + 3 + 3 + 1 + 1 + 1 units of 100 ms
    env = np.abs(x).reshape(-1, rate // 100).max(axis=1) > 0.5  # 10 ms bins
    on = np.flatnonzero(np.diff(np.concatenate(([0], env.astype(int), [0]))))
    tones = [(int(a), int(b)) for a, b in on.reshape(-1, 2)]
    # short-long, short-short: · (0-100 ms) – (200-500) · (800-900) · (1000-1100), ±1 bin for fades
    expected = [(0, 10), (20, 50), (80, 90), (100, 110)]
    assert len(tones) == 4
    for (a, b), (ea, eb) in zip(tones, expected, strict=True):
        assert abs(a - ea) <= 1 and abs(b - eb) <= 1
    spec = np.abs(np.fft.rfft(x))
    assert np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spec)] == pytest.approx(800, abs=2)
    assert abs(x[0]) < 1e-6 and abs(x[-1]) < 1e-3  # faded: no click


def test_bundled_voice_prompts_meet_speech_rate():
    for lang in ("zh", "en"):
        j = ffprobe_json(voice_file(lang))
        st = j["streams"][0]
        assert st["codec_name"] == "opus" and st["channels"] == 1
        assert voice_file(lang).stat().st_size < 60_000
    x = load_prompt(AudioSettings(prompt="voice", language="zh"), 24000, 1)[0]
    loud = np.flatnonzero(np.abs(x) > 10 ** (-40 / 20) * np.abs(x).max())
    speech_s = (loud[-1] - loud[0]) / 24000
    cpm = 10 * 60 / speech_s  # 本内容由人工智能生成: 10 characters
    assert 120 <= cpm <= 160, cpm  # GB 45438 §5.3


def test_load_prompt_layouts_and_user_clip(tmp_path):
    for nch in (1, 2, 6):
        x = load_prompt(AudioSettings(prompt="rhythm"), 32000, nch)
        assert x.shape == (nch, round(1.1 * 32000)) and x.dtype == np.float32
        assert np.abs(x).max() <= 10 ** (-1 / 20) + 1e-6
    # A user's own recording: a 22.05 kHz mono WAV becomes 48 kHz stereo, same length.
    clip = tmp_path / "my prompt.wav"
    with av.open(str(clip), "w") as out:
        st = out.add_stream("pcm_s16le", rate=22050, layout="mono")
        t = np.arange(22050) / 22050
        a = float_to_native((0.5 * np.sin(2 * np.pi * 600 * t))[None, :], "s16", 0)
        for pkt in st.encode(make_frame(a, "s16", "mono", 22050, 0)):
            out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    x = load_prompt(AudioSettings(prompt=str(clip)), 48000, 2)
    assert x.shape[0] == 2 and abs(x.shape[1] - 48000) < 480
    with pytest.raises(AigcError, match="no such file"):
        load_prompt(AudioSettings(prompt=str(tmp_path / "missing.wav")), 48000, 2)


def test_prompt_positions():
    a = AudioSettings(position="start", gap_ms=300)
    assert prompt_positions(10.0, 1.1, a) == [0.0]
    assert prompt_positions(10.0, 1.1, AudioSettings(position="end")) == pytest.approx([10.3])
    assert prompt_positions(10.0, 1.1, AudioSettings(position="start+end")) == pytest.approx(
        [0.0, 1.1 + 0.3 + 10.0 + 0.3]
    )
    assert prompt_positions(10.0, 1.1, AudioSettings(position="4.5")) == pytest.approx([4.8])
    assert prompt_positions(10.0, 1.1, AudioSettings(position="99")) == pytest.approx([10.3])


# --- lossless: bit-exact programme -----------------------------------------------------------
@pytest.mark.parametrize("fmt", ["wav16", "wav24", "flac16", "flac24"])
@pytest.mark.parametrize("position", ["start", "end", "0.8"])
def test_lossless_programme_bit_exact_and_prompt_placed(tmp_path, fmt, position):
    ext = FORMATS[fmt][0]
    src = make_audio(tmp_path / f"song{ext}", fmt)
    dst = tmp_path / f"out{ext}"
    rep = label(src, dst, settings("rhythm", position))
    x, rate = decode(src)
    y, rate2 = decode(dst)
    assert rate2 == rate and y.shape[0] == x.shape[0] and y.dtype == x.dtype
    added = round(rep.measurements["added_s"] * rate)
    assert y.shape[1] - x.shape[1] == added  # the prompt and its gap, nothing else
    assert added == round(1.1 * rate) + round(0.3 * rate) * (2 if position == "0.8" else 1)
    (at,) = rep.measurements["prompt_at_s"]
    # Where the programme was cut: start 0, end its length, middle at a quiet sample near 0.8 s.
    cut = {"start": 0, "end": x.shape[1]}.get(position)
    if cut is None:
        cut = round((at - 0.3) * rate)
        assert abs(cut / rate - 0.8) <= 0.0101
    assert np.array_equal(y[:, :cut], x[:, :cut])
    assert np.array_equal(y[:, cut + added :], x[:, cut:])  # bit-exact after the prompt
    found, score = find_prompt(y, rhythm_template(rate), rate)
    assert found == pytest.approx(at, abs=0.002) and score > 0.99
    p0, p1 = probe(src), probe(dst)
    assert p1["duration"] - p0["duration"] == pytest.approx(added / rate, abs=0.002)
    for key in ("sample_rate", "channels", "sample_fmt", "bits_per_raw_sample", "codec_name"):
        assert p1["stream"].get(key) == p0["stream"].get(key), key
    assert ffmpeg_errors(dst) == ""


# --- MP3: frames joined, programme not re-encoded --------------------------------------------
def mp3_frames_bytes(path: Path) -> tuple[bytes, mf.Mp3Layout]:
    data = path.read_bytes()
    return data, mf.scan(data, path.name)


@pytest.mark.parametrize("position", ["start", "end", "start+end", "0.9"])
def test_mp3_join_keeps_original_frames(tmp_path, position):
    src = make_audio(tmp_path / "song.mp3", "mp3", seconds=2.0)
    dst = tmp_path / "out.mp3"
    rep = label(src, dst, settings("rhythm", position))
    assert "not re-encoded" in rep.measurements["method"]
    assert ffmpeg_errors(dst) == ""  # the whole output decodes cleanly with the ffmpeg CLI
    sdata, slay = mp3_frames_bytes(src)
    ddata, dlay = mp3_frames_bytes(dst)
    # Programme not re-encoded: the original frames are in the output byte for byte.
    orig = sdata[int(slay.offsets[0]) : slay.frames_end]
    if position == "0.9":
        # The cut: the first frame from which the rest of the original is in the output as is.
        head_end = next(
            int(o) for o in slay.offsets if sdata[int(o) : slay.frames_end] in ddata and o > 0
        )
        assert sdata[int(slay.offsets[0]) : head_end] in ddata
        # The frame after the cut borrows from the reservoir: bridged, not garbage.
        h = mf.parse_header(sdata, head_end)
        assert mf.main_data_begin(sdata, head_end, h) > 0
        # Decoded: identical before the cut and, from two frames after it, identical again (the
        # bridge frames hand that frame its reservoir; without them it decodes garbage). Only the
        # MDCT overlap of the two frames at the junction differs.
        x, rate = decode(src)
        y, _ = decode(dst)
        k = int(np.searchsorted(slay.offsets, head_end))
        cut = k * 1152 - (576 + 529)  # LAME delay + decoder delay are trimmed
        d = y.shape[1] - x.shape[1]
        assert np.array_equal(y[:, : cut - 1152], x[:, : cut - 1152])
        assert np.array_equal(y[:, cut + d + 2304 :], x[:, cut + 2304 :])
    else:
        assert orig in ddata
    # Same stream: sample rate, channels, bitrate of every frame (CBR 128 kb/s).
    hs = {dlay.frame_header(ddata, i) for i in range(len(dlay.offsets))}
    assert {(h.sample_rate, h.channels, h.bitrate) for h in hs} == {(44100, 2, 128)}
    p0, p1 = probe(src), probe(dst)
    for key in ("sample_rate", "channels", "bit_rate", "codec_name"):
        assert p1["stream"][key] == p0["stream"][key], key
    # The Info/LAME frame counts the joined stream and its CRCs hold.
    info = dlay.info
    assert info.get("frames") == len(dlay.offsets)
    assert info.get("bytes") == dlay.frames_end - info.offset
    la = info.lame_at
    assert struct.unpack_from(">H", info.raw, la + 34)[0] == mf.crc16_lame(
        bytes(info.raw[: la + 34])
    )
    music = mf.crc16_lame(ddata[int(dlay.offsets[0]) : dlay.frames_end])
    assert struct.unpack_from(">H", info.raw, la + 32)[0] == music
    # Duration grows by the inserted frames only; the prompt is where the report says.
    x, rate = decode(src)
    y, _ = decode(dst)
    added = rep.measurements["added_s"]
    assert (y.shape[1] - x.shape[1]) / rate == pytest.approx(added, abs=0.03)
    assert p1["duration"] - p0["duration"] == pytest.approx(added, abs=0.06)
    tpl = rhythm_template(rate)
    for at in rep.measurements["prompt_at_s"]:
        lo = max(int((at - 0.2) * rate), 0)
        found, score = find_prompt(y[:, lo : lo + int(1.6 * rate)], tpl, rate)
        assert lo / rate + found == pytest.approx(at, abs=0.03) and score > 0.9
    if position == "start":
        # Decoded programme after the prompt is sample-identical to the source's decode.
        d = y.shape[1] - x.shape[1]
        assert np.array_equal(y[:, d:], x)


def test_mp3_bit_reservoir_orphans_at_file_start(tmp_path):
    """A stream cut out of a longer one: its first frame borrows bytes that are not there."""
    full = make_audio(tmp_path / "full.mp3", "mp3", seconds=2.0)
    data, lay = mp3_frames_bytes(full)
    k = next(i for i in range(5, 40) if mf.main_data_begin(data, int(lay.offsets[i]), lay.first))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[int(lay.offsets[k]) : lay.frames_end])  # no tag, no Info frame
    dst = tmp_path / "out.mp3"
    rep = label(cut, dst, settings("rhythm", "start"))
    assert any("granule(s) muted" in w for w in rep.warnings)
    assert ffmpeg_errors(dst) == ""
    x, rate = decode(cut)
    y, _ = decode(dst)
    d = y.shape[1] - x.shape[1]
    # FFmpeg mutes the granules it cannot find in the source; we muted the same ones. Without
    # that they would decode the prompt's leftover bytes (an error of ~0.02 here). What remains
    # is < 0.001: the muted granule's scalefactors, which the next granule may reuse (scfsi).
    assert np.abs(y[:, d : d + 2304] - x[:, :2304]).max() < 0.003
    assert np.array_equal(y[:, d + 2304 :], x[:, 2304:])


# --- lossy re-encode ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["m4a", "opus"])
def test_lossy_reencode_keeps_stream_parameters(tmp_path, fmt):
    ext = FORMATS[fmt][0]
    src = make_audio(tmp_path / f"song{ext}", fmt, seconds=2.0)
    dst = tmp_path / f"out{ext}"
    rep = label(src, dst, settings("rhythm", "end"))
    assert ffmpeg_errors(dst) == ""
    p0, p1 = probe(src), probe(dst)
    for key in ("sample_rate", "channels", "codec_name"):
        assert p1["stream"][key] == p0["stream"][key], key
    if fmt == "m4a":
        assert int(p1["stream"]["bit_rate"]) == pytest.approx(
            int(p0["stream"]["bit_rate"]), rel=0.25
        )
    assert p1["duration"] - p0["duration"] == pytest.approx(rep.measurements["added_s"], abs=0.05)
    y, rate = decode(dst)
    (at,) = rep.measurements["prompt_at_s"]
    found, score = find_prompt(y, rhythm_template(rate), rate)
    assert found == pytest.approx(at, abs=0.03) and score > 0.8


def test_ogg_vorbis_mono_and_stereo(tmp_path):
    """Vorbis goes through libvorbis (soundfile): FFmpeg's experimental encoder aborted here."""
    import soundfile as sf

    for nch in (1, 2):
        src = tmp_path / f"song{nch}.ogg"
        x = programme(44100, nch, 2.0)
        sf.write(str(src), x.T, 44100, format="OGG", subtype="VORBIS")
        dst = tmp_path / f"out{nch}.ogg"
        rep = label(src, dst, settings("rhythm", "start+end"))
        assert ffmpeg_errors(dst) == ""
        p1 = probe(dst)
        assert p1["stream"]["codec_name"] == "vorbis" and p1["stream"]["channels"] == nch
        assert p1["duration"] - probe(src)["duration"] == pytest.approx(
            rep.measurements["added_s"], abs=0.05
        )


# --- level -------------------------------------------------------------------------------------
def test_prompt_level_follows_programme_and_never_clips(tmp_path):
    levels = {}
    for name, amp in (("quiet", 0.06), ("loud", 0.5)):
        src = make_audio(tmp_path / f"{name}.flac", "flac16", level=amp)
        dst = tmp_path / f"{name}-out.flac"
        rep = label(src, dst, settings("rhythm", "start"))
        y, rate = decode(dst)
        prompt_part = as_float(y[:, : round(1.1 * rate)]).astype(np.float32)
        levels[name] = speech_level_db(prompt_part, rate)
        peak_db = 20 * np.log10(np.abs(prompt_part).max())
        assert peak_db <= -1.0 + 1e-3  # never clips: peak ≤ -1 dBFS
        prog = rep.measurements["programme_level_dbfs"]
        if peak_db < -1.05:  # not limited by the peak cap: at the programme's level
            assert levels[name] == pytest.approx(prog, abs=0.5)
        else:
            assert levels[name] <= prog + 0.5
    assert levels["loud"] - levels["quiet"] > 10  # follows the programme


def test_voice_prompt_found_in_output(tmp_path):
    src = make_audio(tmp_path / "song.flac", "flac16", seconds=1.0)
    dst = tmp_path / "out.flac"
    rep = label(src, dst, settings("voice", "end", language="en"))
    y, rate = decode(dst)
    tpl = load_prompt(AudioSettings(prompt="voice", language="en"), rate, 1)[0]
    found, score = find_prompt(y, tpl, rate)
    assert found == pytest.approx(rep.measurements["prompt_at_s"][0], abs=0.002)
    assert score > 0.99


def has_record(tags: dict, group: str) -> bool:
    """exiftool saw our AIGC record in the format's carrier (ID3 TXXX, Vorbis comment, Keys)."""
    return any(
        k.startswith(group) and "aigc" in (k + str(v)).lower() and PRODUCER in str(v)
        for k, v in tags.items()
    )


# --- tags, through the whole pipeline (explicit + implicit record) ----------------------------
def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


COVER = _png()  # a real PNG: ffmpeg decodes attached pictures too


def test_flac_tags_cover_survive_replaygain_removed(tmp_path):
    src = make_audio(tmp_path / "song.flac", "flac24")
    f = FLAC(src)
    f["TITLE"], f["ARTIST"], f["ALBUM"] = "Title", "Artist", "Album"
    f["LYRICS"] = "la la"
    f["REPLAYGAIN_TRACK_GAIN"] = "-3.2 dB"
    pic = Picture()
    pic.type, pic.mime, pic.data = 3, "image/png", COVER
    f.add_picture(pic)
    f.save()
    dst = tmp_path / "out.flac"
    res = label_file(src, dst, settings("rhythm", "start"))
    assert any("ReplayGain" in w for w in res.warnings)
    tags = exiftool_json(dst)
    assert tags["Vorbis:Title"] == "Title" and tags["Vorbis:Artist"] == "Artist"
    assert tags["Vorbis:Album"] == "Album" and tags["Vorbis:Lyrics"] == "la la"
    assert has_record(tags, "Vorbis")
    assert not any("Replaygain" in k for k in tags)
    assert FLAC(dst).pictures[0].data == COVER
    assert ffprobe_json(dst)["streams"][0]["bits_per_raw_sample"] == "24"


def test_mp3_tags_cover_survive(tmp_path):
    src = make_audio(tmp_path / "song.mp3", "mp3")
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Title"))
    tags.add(TPE1(encoding=3, text="Artist"))
    tags.add(TALB(encoding=3, text="Album"))
    tags.add(USLT(encoding=3, lang="eng", desc="", text="la la"))
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="", data=COVER))
    tags.add(TXXX(encoding=3, desc="REPLAYGAIN_TRACK_GAIN", text="-3.2 dB"))
    tags.save(src)
    dst = tmp_path / "out.mp3"
    res = label_file(src, dst, settings("rhythm", "end"))
    assert any("ReplayGain" in w for w in res.warnings)
    out = ID3(dst)
    assert str(out["TIT2"]) == "Title" and str(out["TPE1"]) == "Artist"
    assert str(out["TALB"]) == "Album" and out.getall("USLT")[0].text == "la la"
    assert out.getall("APIC")[0].data == COVER
    assert not out.getall("TXXX:REPLAYGAIN_TRACK_GAIN")
    assert has_record(exiftool_json(dst), "ID3v2")
    assert ffmpeg_errors(dst) == ""


def test_m4a_tags_cover_survive(tmp_path):
    src = make_audio(tmp_path / "song.m4a", "m4a")
    m = MP4(src)
    m["\xa9nam"], m["\xa9ART"], m["\xa9alb"], m["\xa9lyr"] = "Title", "Artist", "Album", "la la"
    m["covr"] = [MP4Cover(COVER, imageformat=MP4Cover.FORMAT_PNG)]
    m.save()
    dst = tmp_path / "out.m4a"
    label_file(src, dst, settings("rhythm", "start"))
    out = MP4(dst)
    assert out["\xa9nam"] == ["Title"] and out["\xa9ART"] == ["Artist"]
    assert out["\xa9alb"] == ["Album"] and out["\xa9lyr"] == ["la la"]
    assert bytes(out["covr"][0]) == COVER
    assert has_record(exiftool_json(dst), "Keys")


# --- bad input ---------------------------------------------------------------------------------
def _no_output(folder: Path) -> bool:
    return not [p for p in folder.iterdir()]


def test_bad_input_clear_errors_no_partial_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    # Corrupt MP3: an ID3 tag followed by garbage.
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16) + bytes(range(256)) * 40)
    with pytest.raises((CorruptFile, UnsupportedFormat), match="bad.mp3"):
        label_file(bad, out / "bad.mp3", settings())
    # Zero-length WAV: a valid header, no samples.
    empty = tmp_path / "empty.wav"
    fmt = struct.pack("<HHIIHH", 1, 2, 44100, 44100 * 4, 4, 16)
    empty.write_bytes(
        b"RIFF"
        + struct.pack("<I", 36)
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data\0\0\0\0"
    )
    with pytest.raises(CorruptFile, match="empty.wav"):
        label_file(empty, out / "empty.wav", settings())
    # Truncated FLAC (cut in its header).
    flac = make_audio(tmp_path / "t.flac", "flac16")
    trunc = tmp_path / "trunc.flac"
    trunc.write_bytes(flac.read_bytes()[:30])
    with pytest.raises(AigcError, match="trunc.flac"):
        label_file(trunc, out / "trunc.flac", settings())
    assert _no_output(out)
    # An MP3 cut off mid-frame (an interrupted download) is labelled at its end: the partial
    # frame is dropped with a note, so the prompt frames are not read as its continuation.
    full = make_audio(tmp_path / "full.mp3", "mp3", seconds=2.0)
    data = full.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2 + 100])
    rep = label(cut, out / "cut.mp3", settings("rhythm", "end"))
    assert any("cut-off last frame" in w for w in rep.warnings)
    assert ffmpeg_errors(out / "cut.mp3") == ""


def test_multichannel_and_high_rate_are_labelled(tmp_path):
    # 8-channel FLAC (7.1) and 384 kHz WAV: correct output, programme bit-exact.
    cases = [("flac16", 48000, "7.1"), ("wav24", 384000, "stereo")]
    for fmt, rate, layout in cases:
        ext = FORMATS[fmt][0]
        src = make_audio(
            tmp_path / f"{fmt}-{rate}{ext}", fmt, seconds=0.5, rate=rate, layout=layout
        )
        dst = tmp_path / f"{fmt}-{rate}-out{ext}"
        label_file(src, dst, settings("rhythm", "start"))
        x, r = decode(src)
        y, r2 = decode(dst)
        assert r2 == r == rate and y.shape[0] == x.shape[0]
        assert np.array_equal(y[:, y.shape[1] - x.shape[1] :], x)
        assert probe(dst)["stream"]["channels"] == x.shape[0]
    # 10 channels (5.1.4): refused with the reason.
    src = make_audio(tmp_path / "ten.wav", "wav16", seconds=0.2, layout="5.1.4")
    with pytest.raises(UnsupportedFormat, match="10 channels"):
        label_file(src, tmp_path / "ten-out.wav", settings())
    assert not (tmp_path / "ten-out.wav").exists()


def test_cancel_leaves_no_output(tmp_path):
    src = make_audio(tmp_path / "song.flac", "flac16")
    dst = tmp_path / "out.flac"
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        apply_explicit(src, dst, identify(src), settings(), no_progress, cancel)
    assert not dst.exists()


# --- CLI ---------------------------------------------------------------------------------------
def test_cli_rhythm_at_end(tmp_path):
    src = make_audio(tmp_path / "song.flac", "flac16")
    out = tmp_path / "out"
    code = cli.main(
        ["label", "--audio-prompt", "rhythm", "--audio-position", "end", str(src), "-o", str(out),
         "--producer", PRODUCER, "--jobs", "1", "--quiet"]
    )  # fmt: skip
    assert code == 0
    dst = out / "song.flac"
    y, rate = decode(dst)
    x, _ = decode(src)
    found, score = find_prompt(y, rhythm_template(rate), rate)
    assert found == pytest.approx((x.shape[1] + round(0.3 * rate)) / rate, abs=0.002)
    assert score > 0.99
    assert has_record(exiftool_json(dst), "Vorbis")
