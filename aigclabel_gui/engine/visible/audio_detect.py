"""Re-labelling audio: is an audible AI prompt (ours: the voice prompt in either language, the
Morse rhythm, or the user's own clip from the settings) already at the start or the end?

A labelled file labelled again must not get a second prompt (2 s → 6.6 s → 11 s measured before).
The prompt is found by normalised cross-correlation of the decoded start/end of the programme with
each known prompt, at the lags where we put it (codec priming and our silence gap included). The
prompt is levelled to the programme and may have been re-encoded (MP3/AAC/Vorbis/Opus), which
scales it and adds a little noise; normalised correlation ignores the scale, and the threshold
leaves room for the codec noise while staying far above what music or speech reach by chance."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import numpy as np

from aigclabel_gui.engine.errors import AigcError
from aigclabel_gui.engine.settings import AudioSettings
from aigclabel_gui.engine.visible.audio_plan import AudioProbe, Insert, decode_span
from aigclabel_gui.engine.visible.audio_prompt import prompt_samples

MATCH = 0.9  # the prompt re-encoded scores > 0.99; a steady 800 Hz tone vs the rhythm 0.73
SLACK_S = 0.6  # lag range searched beyond the prompt: our 0.3-0.5 s gap plus codec priming


def _mono(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=0).astype(np.float64) if x.ndim == 2 else x.astype(np.float64)


def _known_prompts(a: AudioSettings, rate: int) -> list[np.ndarray]:
    """The configured prompt and our built-in ones (a file labelled earlier with other settings)."""
    variants = [a]
    for prompt, lang in (("voice", "zh"), ("voice", "en"), ("rhythm", a.language)):
        if (a.prompt, a.language) != (prompt, lang):
            variants.append(dataclasses.replace(a, prompt=prompt, language=lang))
    out = []
    for v in variants:
        try:
            out.append(_mono(prompt_samples(v, rate, "mono")))
        except (AigcError, OSError, av.FFmpegError, ValueError):
            continue  # a missing bundled voice or custom clip: nothing to compare with
    return out


def _window(path: Path, probe: AudioProbe, t0: float, t1: float) -> np.ndarray:
    """Mono samples of the programme between t0 and t1 seconds (seeking for a late window)."""
    rate = probe.sample_rate
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        if t0 > 1.0:
            c.seek(int((t0 + probe.start_s) / st.time_base), stream=st, backward=True)
        span = decode_span(c, st, probe, t0, t1)
    if span is None:
        return np.zeros(0)
    x, first = _mono(span[0]), span[1]
    lo = max(round(t0 * rate) - first, 0)
    return x[lo : max(round(t1 * rate) - first, lo)]


def best_match(x: np.ndarray, p: np.ndarray) -> float:
    """Highest normalised cross-correlation of prompt `p` over every placement inside `x`."""
    n = len(p)
    pn = float(np.sqrt(np.dot(p, p)))
    if n == 0 or len(x) < n or pn == 0:
        return 0.0
    size = 1 << int(np.ceil(np.log2(len(x) + n)))
    corr = np.fft.irfft(np.fft.rfft(x, size) * np.conj(np.fft.rfft(p, size)), size)[
        : len(x) - n + 1
    ]
    energy = np.concatenate(([0.0], np.cumsum(x * x)))
    win = np.sqrt(np.maximum(energy[n:] - energy[:-n], 0.0))
    ncc = corr / (win * pn + 1e-12)
    # Near-silent windows give noisy ratios: only placements with real signal count.
    ncc[win < 1e-3 * pn] = 0.0
    return float(ncc.max(initial=0.0))


def prompts_already_there(
    src: Path, probe: AudioProbe, a: AudioSettings, inserts: list[Insert]
) -> list[int]:
    """Indices of `inserts` (start / end only) where a known prompt already sits."""
    wanted = [k for k, ins in enumerate(inserts) if ins.at == 0 or ins.at is None]
    if not wanted or probe.duration_s <= 0:
        return []
    rate = probe.sample_rate
    prompts = _known_prompts(a, rate)
    found = []
    for k in wanted:
        for p in prompts:
            span = len(p) / rate + SLACK_S
            if span > probe.duration_s:
                continue
            if inserts[k].at == 0:
                x = _window(src, probe, 0.0, span)
            else:
                # container durations of AAC/Vorbis are approximate: look a little further back
                x = _window(
                    src, probe, max(0.0, probe.duration_s - span - 0.5), probe.duration_s + 1.0
                )
            # The full prompt, or its first three quarters: an AAC stream's last second can come
            # back altered (measured 0.83 on the last quarter of an end prompt in M4A).
            if best_match(x, p) >= MATCH or best_match(x, p[: len(p) * 3 // 4]) >= MATCH:
                found.append(k)
                break
    return found
