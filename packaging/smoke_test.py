"""Smoke test for a built bundle: python packaging/smoke_test.py [dist/aigclabel].

Runs only the bundled executables (never the source tree): `aigclabel --version`, labels a
generated PNG and WAV into a temp folder with two spawned workers, checks the outputs with the
bundled `aigclabel check`, with exiftool (an independent reader) and by decoding them again,
feeds it a corrupt file, and starts `aigclabel-gui` offscreen for a few seconds. On Linux it
also asks ldd whether every bundled library resolves. Exit 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import wave
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PRODUCER = "001191440300708461136T1XGW3"  # a provider code with a valid USCC check character
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
GUI_SECONDS = 8.0


class Smoke:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {what}" + (f"  [{detail}]" if detail else ""))
        if not ok:
            self.failures.append(what)
        return ok


def run(cmd: list, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=timeout
    )


def make_png(path: Path) -> None:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:240, 0:320]
    img = np.stack([x * 255 // 319, y * 255 // 239, (x + y) * 255 // 558], axis=-1)
    img = (img + rng.integers(0, 24, img.shape)).clip(0, 255).astype(np.uint8)
    Image.fromarray(img).save(path)


def make_wav(path: Path, seconds: float = 2.0, rate: int = 44100) -> None:
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def exiftool_aigc(path: Path) -> str:
    """The AIGC value exiftool finds (XMP-TC260:AIGC, or the WAV RIFF chunk it lists as unknown)."""
    out = run(["exiftool", "-json", "-G1", "-a", "-u", "-b", path])
    if out.returncode != 0:
        return ""
    tags = json.loads(out.stdout)[0]
    return next((str(v) for k, v in tags.items() if k.split(":")[-1].upper().endswith("AIGC")), "")


def _is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def check_libraries(s: Smoke, internal: Path) -> None:
    """Linux: every bundled ELF file resolves its libraries from the bundle or the base system."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = f"{internal}:{internal / 'PySide6' / 'Qt' / 'lib'}"
    files = [
        p
        for p in internal.rglob("*")
        if p.is_file() and not p.is_symlink() and ".so" in p.name and _is_elf(p)
    ]
    missing: dict[str, str] = {}
    for p in files:
        out = run(["ldd", p], env=env)
        for line in out.stdout.splitlines():
            if "not found" in line:
                missing[str(p.relative_to(internal))] = line.split()[0]
    detail = f"{len(files)} files" + (
        "; " + ", ".join(f"{k} needs {v}" for k, v in list(missing.items())[:5]) if missing else ""
    )
    s.check(not missing, "ldd: every bundled library resolves", detail)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", type=Path, default=ROOT / "dist" / "aigclabel")
    args = ap.parse_args(argv)
    bundle: Path = args.bundle.resolve()
    cli = bundle / f"aigclabel{EXE_SUFFIX}"
    gui = bundle / f"aigclabel-gui{EXE_SUFFIX}"
    internal = bundle / "_internal"
    s = Smoke()

    # Layout: both programs, and what resources.py and the licences need beside them.
    s.check(cli.is_file() and gui.is_file(), "both executables are in the bundle", str(bundle))
    for rel in (
        "LICENSE",
        "resources/fonts/NotoSansSC-Regular-subset.otf",
        "resources/fonts/OFL.txt",
        "resources/voice/prompt_zh.opus",
        "cv2/data/haarcascade_frontalface_default.xml",
        *(f"resources/i18n/{ts.stem}.qm" for ts in (ROOT / "resources" / "i18n").glob("*.ts")),
    ):
        s.check((internal / rel).is_file(), f"bundled: {rel}")
    if s.failures:
        return 1
    size_mb = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"INFO  bundle size {size_mb / 1e6:.0f} MB ({bundle})")
    if sys.platform.startswith("linux"):
        check_libraries(s, internal)

    # --version, and how long the CLI takes to start (median of 5; the first run warms the cache).
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    times = []
    for _ in range(6):
        t0 = time.perf_counter()
        out = run([cli, "--version"])
        times.append(time.perf_counter() - t0)
    s.check(
        out.returncode == 0 and out.stdout.strip() == f"aigclabel {version}",
        "aigclabel --version",
        out.stdout.strip() or out.stderr.strip()[-200:],
    )
    print(
        f"INFO  CLI start (--version): median {statistics.median(times[1:]) * 1000:.0f} ms, "
        f"first {times[0] * 1000:.0f} ms"
    )

    with tempfile.TemporaryDirectory(prefix="aigclabel-smoke-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, HOME=str(tmp), XDG_CONFIG_HOME=str(tmp / "config"))
        src = tmp / "in"
        src.mkdir()
        png, wav = src / "gen.png", src / "gen.wav"
        make_png(png)
        make_wav(wav)
        out_dir = tmp / "out"

        # Two files with --jobs 2 go through the spawned process pool (freeze_support path).
        t0 = time.perf_counter()
        lab = run(
            [cli, "label", png, wav, "-o", out_dir, "--producer", PRODUCER, "--jobs", "2"], env
        )
        took = time.perf_counter() - t0
        s.check(
            lab.returncode == 0,
            "aigclabel label gen.png gen.wav (2 workers)",
            f"exit {lab.returncode}, {took:.1f} s; " + (lab.stderr.strip()[-300:]),
        )
        out_png, out_wav = out_dir / "gen.png", out_dir / "gen.wav"
        s.check(out_png.is_file() and out_wav.is_file(), "labelled copies written")

        chk = run([cli, "check", "--json", out_png, out_wav], env)
        s.check(chk.returncode == 0, "aigclabel check on the outputs exits 0", chk.stderr[-300:])
        try:
            reports = json.loads(chk.stdout)
        except json.JSONDecodeError:
            reports = []
        for r in reports:
            producers = [rec["values"].get("ContentProducer") for rec in r["records"]]
            s.check(
                r["verdict"] == "compliant" and producers == [PRODUCER],
                f"check: {Path(r['path']).name} has one compliant record",
                f"{r['verdict']}, producers {producers}",
            )

        # Independent readers: exiftool for the record, Pillow / wave for the content.
        for p in (out_png, out_wav):
            if p.is_file():
                value = exiftool_aigc(p)
                try:
                    record = json.loads(value)
                except json.JSONDecodeError:
                    record = {}
                s.check(
                    record.get("ContentProducer") == PRODUCER and record.get("Label") == "1",
                    f"exiftool reads the AIGC record in {p.name}",
                    value[:120],
                )
        if out_png.is_file():
            a = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16)
            b = np.asarray(Image.open(out_png).convert("RGB"), dtype=np.int16)
            changed = float((np.abs(a - b).max(axis=-1) > 8).mean()) if a.shape == b.shape else -1
            s.check(
                0.002 < changed < 0.5,
                "PNG: same size, a visible label drawn on part of it",
                f"{changed:.1%} of pixels changed",
            )
        if out_wav.is_file():
            before, after = wav_seconds(wav), wav_seconds(out_wav)
            s.check(
                after > before + 0.5,
                "WAV: a voice prompt was added (default: at the start)",
                f"{before:.2f} s -> {after:.2f} s",
            )

        # Bad input: a one-line error, no traceback, no output file.
        bad = src / "broken.png"
        bad.write_bytes(png.read_bytes()[:200])
        bad_out = tmp / "bad-out"
        res = run([cli, "label", bad, "-o", bad_out, "--producer", PRODUCER], env)
        text = res.stdout + res.stderr
        s.check(
            res.returncode != 0 and "Traceback" not in text and not (bad_out / bad.name).exists(),
            "truncated PNG: refused with a message, no traceback, no output",
            f"exit {res.returncode}: {res.stderr.strip().splitlines()[0] if res.stderr.strip() else ''}",
        )

        # GUI: start offscreen with a file; still running after GUI_SECONDS means it started.
        genv = dict(env, QT_QPA_PLATFORM="offscreen")
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [str(gui), str(out_png)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=genv,
            cwd=tmp,
        )
        try:
            rc = proc.wait(timeout=GUI_SECONDS)
        except subprocess.TimeoutExpired:
            rc = None
            proc.terminate()
        try:
            gout, gerr = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            gout, gerr = proc.communicate()
        s.check(
            rc is None and "Traceback" not in gerr,
            f"aigclabel-gui runs offscreen for {GUI_SECONDS:.0f} s without a traceback",
            f"exit {rc} after {time.perf_counter() - t0:.1f} s; stderr: {gerr.strip()[-300:]}"
            if rc is not None or "Traceback" in gerr
            else "",
        )

    print(f"{'OK' if not s.failures else 'FAILED'}: {len(s.failures)} failed check(s)")
    return 1 if s.failures else 0


if __name__ == "__main__":
    if shutil.which("exiftool") is None:
        sys.exit("smoke_test: exiftool is needed as an independent reader (make deps installs it)")
    sys.exit(main())
