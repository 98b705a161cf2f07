"""The audible prompt (GB 45438 §5.3) as samples: the Morse rhythm of "AI", a bundled voice clip or
the user's own clip, at the programme's sample rate and layout, levelled to the programme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.settings import AudioSettings
from aigclabel_gui.resources import resource

# §5.3: the rhythm prompt is "AI" in Morse code, short-long, short-short (· – · ·).
MORSE_AI = (1, 3, None, 1, 1)  # tone lengths in units; None = the 3-unit gap between letters
TONE_HZ = 800.0
UNIT_S = 0.100
FADE_S = 0.005  # ramps on every tone and clip edge: a hard edge is heard as a click
VOICE_FILES = {"zh": "prompt_zh.opus", "en": "prompt_en.opus"}
MAX_CLIP_S = 30.0  # a longer "prompt" is almost certainly the wrong file

# Level matching: R128-style gating over 400 ms blocks, measured in the speech band so that bass
# in music does not make the voice prompt too quiet. Peaks stay ≤ -1 dBFS, so nothing clips.
BLOCK_S = 0.4
BAND_HZ = (200.0, 5000.0)
ABS_GATE_DB = -70.0
REL_GATE_DB = -10.0
PEAK_CAP_DB = -1.0
FLOOR_DB = -35.0  # a nearly silent programme still gets an audible prompt (§5.3: audible)
AUDIBLE_SHORTFALL_DB = 3.0  # a capped prompt this much below the programme is worth a note
DEFAULT_DB = -23.0  # EBU R128's programme level, when the programme has no sound to match


def rhythm_prompt(sample_rate: int) -> np.ndarray:
    """Mono float32 Morse "AI": 800 Hz, 100 ms unit, dot 1, dash 3, gaps 1 and 3 units → 1.1 s."""
    unit = round(UNIT_S * sample_rate)
    parts: list[np.ndarray] = []
    for i, sym in enumerate(MORSE_AI):
        if sym is None:
            parts.append(np.zeros(2 * unit, np.float32))  # 1 unit follows the dash already: 3 total
            continue
        n = sym * unit
        t = np.arange(n) / sample_rate
        parts.append(fade(np.sin(2 * np.pi * TONE_HZ * t).astype(np.float32), sample_rate))
        if i < len(MORSE_AI) - 1:
            parts.append(np.zeros(unit, np.float32))
    return np.concatenate(parts)


def fade(x: np.ndarray, sample_rate: int, seconds: float = FADE_S) -> np.ndarray:
    """Raised-cosine ramps at both ends of the last axis (in place on a float copy)."""
    x = np.array(x, dtype=np.float32, copy=True)
    n = min(round(seconds * sample_rate), x.shape[-1] // 2)
    if n > 0:
        ramp = (0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)).astype(np.float32)
        x[..., :n] *= ramp
        x[..., x.shape[-1] - n :] *= ramp[::-1]
    return x


def voice_file(language: str) -> Path:
    return resource("voice", VOICE_FILES.get(language, VOICE_FILES["zh"]))


def frame_to_float(frame: av.AudioFrame) -> np.ndarray:
    """(channels, n) float32 in [-1, 1] from any decoded frame, packed or planar."""
    a = frame.to_ndarray()
    ch = len(frame.layout.channels)
    if not frame.format.is_planar:
        a = a.reshape(-1, ch).T
    if a.dtype == np.uint8:
        return (a.astype(np.float32) - 128.0) / 128.0
    if a.dtype.kind == "i":
        return a.astype(np.float32) / float(2 ** (8 * a.dtype.itemsize - 1))
    return a.astype(np.float32)


def decode_clip(path: Path, sample_rate: int, layout: str) -> np.ndarray:
    """A whole (short) clip decoded and resampled to `sample_rate`/`layout`: float32 (ch, n)."""
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            if not c.streams.audio:
                raise InvalidSettings(f"audio prompt {path.name}: the file has no audio")
            st = c.streams.audio[0]
            rs = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
            chunks, total = [], 0
            for frame in c.decode(st):
                for out in rs.resample(frame):
                    chunks.append(out.to_ndarray())
                    total += out.samples
                if total > MAX_CLIP_S * sample_rate:
                    raise InvalidSettings(
                        f"audio prompt {path.name} is longer than {MAX_CLIP_S:.0f} s",
                        advice="choose a short clip that says the content is AI-generated",
                    )
            chunks += [o.to_ndarray() for o in rs.resample(None)]
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise InvalidSettings(f"audio prompt {path.name} cannot be decoded ({exc})") from None
    if not chunks:
        raise InvalidSettings(f"audio prompt {path.name} has no samples")
    return np.concatenate(chunks, axis=1).astype(np.float32)


def trim_silence(x: np.ndarray, sample_rate: int, margin_s: float = 0.02) -> np.ndarray:
    """Cut leading/trailing silence (below -50 dB of the peak) so the prompt sits where asked."""
    env = np.abs(x).max(axis=0)
    peak = env.max() if env.size else 0.0
    if peak <= 0:
        return x
    loud = np.nonzero(env > peak * 10 ** (-50 / 20))[0]
    m = round(margin_s * sample_rate)
    return x[:, max(loud[0] - m, 0) : loud[-1] + 1 + m]


def prompt_samples(settings: AudioSettings, sample_rate: int, layout: str) -> np.ndarray:
    """The prompt clip, unlevelled, as float32 (channels, n) in the programme's rate and layout."""
    nch = av.AudioLayout(layout).nb_channels
    if settings.prompt == "rhythm":
        mono = rhythm_prompt(sample_rate)
        return np.repeat(mono[np.newaxis, :], nch, axis=0)
    if settings.prompt == "voice":
        path = voice_file(settings.language)
    else:
        path = Path(settings.prompt).expanduser()
        if not path.is_file():
            raise InvalidSettings(
                f"audio prompt {settings.prompt!r}: no such file",
                advice="use voice, rhythm, or the path of a short recording",
            )
    if nch > 2:
        # Resampling a clip straight to 5.1/7.1 crashes FFmpeg's resampler here (SIGSEGV with
        # PyAV 18): decode to mono and put it on every channel, as the rhythm prompt does.
        mono = decode_clip(path, sample_rate, "mono")[0]
        x = np.repeat(mono[np.newaxis, :], nch, axis=0)
    else:
        x = decode_clip(path, sample_rate, layout)
    return fade(trim_silence(x, sample_rate), sample_rate)


def load_prompt(settings: AudioSettings, sample_rate: int, channels: int) -> np.ndarray:
    """The prompt as float32 (channels, n), peak -1 dBFS (for previews; labelling re-levels it)."""
    layout = av.AudioLayout(f"{channels}c").name  # FFmpeg's default layout for that count
    x = prompt_samples(settings, sample_rate, layout)
    peak = float(np.abs(x).max()) or 1.0
    return (x * (10 ** (PEAK_CAP_DB / 20) / peak)).astype(np.float32)


def _block_powers(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean-square power in the speech band of each 400 ms block, summed over channels (as
    R128 sums them), so a prompt in the centre channel of 5.1 is not measured as 1/6 of itself."""
    n = round(BLOCK_S * sample_rate)
    nblocks = x.shape[1] // n
    if nblocks == 0:
        n, nblocks = x.shape[1], 1 if x.shape[1] else 0
    if nblocks == 0:
        return np.zeros(0)
    blocks = x[:, : nblocks * n].reshape(x.shape[0], nblocks, n).astype(np.float64)
    spec = np.fft.rfft(blocks, axis=2)
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    band = (freqs >= BAND_HZ[0]) & (freqs <= BAND_HZ[1])
    # Parseval: the band's share of the block's mean square.
    power = 2.0 * (np.abs(spec[:, :, band]) ** 2).sum(axis=2) / (n * n)
    return power.sum(axis=0)


def gated_level_db(powers: np.ndarray) -> float | None:
    """EBU R128-style two-stage gate over block powers; None when everything is silent."""
    db = 10 * np.log10(np.maximum(powers, 1e-20))
    kept = powers[db > ABS_GATE_DB]
    if kept.size == 0:
        return None
    rel = 10 * np.log10(kept.mean()) + REL_GATE_DB
    kept = kept[10 * np.log10(kept) > rel]
    return float(10 * np.log10(kept.mean()))


def speech_level_db(x: np.ndarray, sample_rate: int) -> float | None:
    return gated_level_db(_block_powers(x, sample_rate))


@dataclass(frozen=True)
class Levelled:
    samples: np.ndarray  # float32 (channels, n)
    level_db: float  # speech-band gated level of the prompt as inserted
    peak_db: float
    target_db: float
    note: str = ""


def level_prompt(prompt: np.ndarray, sample_rate: int, programme_db: float | None) -> Levelled:
    """Scale the prompt to the programme's speech-band level, capped so its peak is ≤ -1 dBFS."""
    note = ""
    if programme_db is None:
        target = DEFAULT_DB
        note = f"the programme is silent where the prompt goes; prompt set to {DEFAULT_DB:.0f} dBFS"
    elif programme_db < FLOOR_DB:
        target = FLOOR_DB
        note = (
            f"the programme is very quiet ({programme_db:.1f} dBFS); the prompt is set to "
            f"{FLOOR_DB:.0f} dBFS so that it stays audible"
        )
    else:
        target = programme_db
    own = speech_level_db(prompt, sample_rate)
    peak = float(np.abs(prompt).max())
    if own is None or peak == 0:
        raise InvalidSettings("the audio prompt is silent", advice="choose a clip with speech")
    gain_db = target - own
    cap_db = PEAK_CAP_DB - 20 * np.log10(peak)
    if gain_db > cap_db:
        gain_db = cap_db
        if target - own - cap_db > AUDIBLE_SHORTFALL_DB:
            note = note or (
                f"the prompt is {target - own - cap_db:.1f} dB quieter than the programme so "
                "that it does not clip"
            )
    out = (prompt * np.float32(10 ** (gain_db / 20))).astype(np.float32)
    return Levelled(
        samples=out,
        level_db=own + gain_db,
        peak_db=20 * float(np.log10(np.abs(out).max())),
        target_db=target,
        note=note,
    )
