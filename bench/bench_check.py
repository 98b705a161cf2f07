"""`aigclabel check DIR --report r.csv` on a folder of N mixed files vs `exiftool -r -j` (issue #13).

The folder (generated once in bench/out/check-N/) mixes what an audit meets: unlabelled and
labelled JPEG/PNG (XMP element and attribute form, PNG keyword chunk, EXIF UserComment), MP3 with
a TXXX record, WAV, Markdown with front matter, plain text and a few damaged files, in nested
folders. Prints the per-verdict counts, wall times (best of ROUNDS) and the ratio.
Usage: python bench/bench_check.py [N] [ROUNDS] [JOBS]   (default 1000 files, 2 rounds, jobs 2)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

from PIL import Image
from PIL.PngImagePlugin import PngInfo

OUT = Path(__file__).parent / "out"
PRODUCER = "001191440300708461136T1XGW3"
NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _rec(i: int, full: bool = True) -> str:
    prop, pid = (PRODUCER, f"id{i:05d}") if full else ("", "")
    return json.dumps(
        {"Label": "1", "ContentProducer": PRODUCER, "ProduceID": f"id{i:05d}", "ReservedCode1": "",
         "ContentPropagator": prop, "PropagateID": pid, "ReservedCode2": ""},
        separators=(",", ":"),
    )  # fmt: skip


def _xmp(value: str, attribute: bool) -> str:
    if attribute:
        body = f'<rdf:Description rdf:about="" xmlns:TC260="{NS}" TC260:AIGC="{value.replace(chr(34), "&quot;")}"/>'
    else:
        body = f'<rdf:Description rdf:about="" xmlns:TC260="{NS}"><TC260:AIGC>{value}</TC260:AIGC></rdf:Description>'
    return f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">{body}</rdf:RDF></x:xmpmeta>'


def make_folder(n: int) -> Path:
    root = OUT / f"check-{n}"
    if root.is_dir() and sum(1 for p in root.rglob("*") if p.is_file()) == n:
        return root
    shutil.rmtree(root, ignore_errors=True)
    img = Image.new("RGB", (320, 240), (40, 110, 190))
    mp3 = OUT / "check-tone.mp3"
    if not mp3.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=1", str(mp3)], check=True
        )
    from mutagen.id3 import ID3, TXXX

    for i in range(n):
        d = root / f"set{i % 10}" / f"sub{i % 3}"
        d.mkdir(parents=True, exist_ok=True)
        k = i % 12
        if k == 0:
            img.save(d / f"{i}.jpg", quality=85)  # no label
        elif k == 1:
            img.save(d / f"{i}.jpg", quality=85, xmp=_xmp(_rec(i), False).encode())
        elif k == 2:
            img.save(d / f"{i}.jpg", quality=85, xmp=_xmp(_rec(i), True).encode())
        elif k == 3:
            ex = Image.Exif()
            ex.get_ifd(0x8769)[0x9286] = (
                b"ASCII\x00\x00\x00" + ('{"AIGC":' + _rec(i, False) + "}").encode()
            )
            img.save(d / f"{i}.jpg", quality=85, exif=ex)
        elif k in (4, 5):
            info = PngInfo()
            if k == 4:
                info.add_text("AIGC", _rec(i, False))
            else:
                info.add_itxt("XML:com.adobe.xmp", _xmp(_rec(i), False))
            img.save(d / f"{i}.png", pnginfo=info, compress_level=1)
        elif k == 6:
            p = d / f"{i}.mp3"
            shutil.copy(mp3, p)
            tags = ID3()
            tags.add(TXXX(encoding=3, desc="AIGC", text=_rec(i)))
            tags.save(p)
        elif k == 7:
            with wave.open(str(d / f"{i}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(8000)
                w.writeframes(b"\x00\x00" * 8000)
        elif k == 8:
            (d / f"{i}.md").write_text(
                f"---\nAIGC:\n  Label: '1'\n  ContentProducer: '{PRODUCER}'\n  ProduceID: 'm{i}'\n"
                "  ReservedCode1: ''\n  ContentPropagator: ''\n  PropagateID: ''\n  ReservedCode2: ''\n"
                "---\n本内容由人工智能生成\n",
                "utf-8",
            )
        elif k == 9:
            (d / f"{i}.txt").write_text("本内容由人工智能生成\nhello\n", "utf-8")
        elif k == 10:
            (d / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)  # damaged
        else:
            img.save(d / f"{i}.webp", quality=80)
    return root


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - t0, r


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    jobs = sys.argv[3] if len(sys.argv) > 3 else "2"
    root = make_folder(n)
    report = OUT / f"check-{n}.csv"
    ours = [sys.executable, "-m", "aigclabel_gui.cli", "check", str(root), "--quiet",
            "--jobs", jobs, "--report", str(report)]  # fmt: skip
    ref = ["exiftool", "-r", "-j", "-q", "-q", str(root)]
    best_ours = best_ref = float("inf")
    summary = ""
    for _ in range(rounds):
        t, r = timed(ours)
        best_ours = min(best_ours, t)
        summary = r.stdout.strip().splitlines()[-1]
        t, r2 = timed(ref)
        best_ref = min(best_ref, t)
        n_ref = len(json.loads(r2.stdout or "[]"))
    print(f"files: {n} (exiftool listed {n_ref})")
    print(
        f"aigclabel check --jobs {jobs} --report csv: {best_ours:.2f} s ({best_ours / n * 1000:.1f} ms/file)"
    )
    print(f"  {summary}")
    print(f"exiftool -r -j: {best_ref:.2f} s ({best_ref / n * 1000:.1f} ms/file)")
    print(f"ratio aigclabel/exiftool: {best_ours / best_ref:.2f}")


if __name__ == "__main__":
    main()
