"""Hostile structures a user could have (each generated here): every one fails or labels its own
file with a one-line reason; none stops, hangs or crashes the batch or `check`."""

from __future__ import annotations

import os
import struct
import time
import zipfile
from pathlib import Path

from PIL import Image

from aigclabel_gui.engine.batch import BatchFinished, Limits, plan_jobs, run_batch
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
from tests.robustness.conftest import report_counts, run_cli, sha, temp_leftovers
from tests.robustness.samples import PRODUCER, docx_document, make_docx

SETTINGS = LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
_BILLION_LAUGHS = (
    "---\ntitle: x\nAIGC:\n"
    '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"  {c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "---\nbody\n"
)


def _box(typ: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), typ) + body


def _wav_zero_bits() -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 0, 0, 0)  # PCM, 1 channel, 0 bits per sample
    data = b"\0" * 64
    body = b"WAVE" + _box_le(b"fmt ", fmt) + _box_le(b"data", data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _box_le(typ: bytes, body: bytes) -> bytes:
    return typ + struct.pack("<I", len(body)) + body


def hostile_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, data: bytes | str) -> None:
        p = folder / name
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        files[name] = p

    ftyp = struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom")
    put("largesize.mp4", ftyp + struct.pack(">I4sQ", 1, b"free", 2**64 - 1) + b"\0" * 64)
    deep = b""
    for _ in range(3000):  # box nesting far past Python's recursion limit
        deep = _box(b"trak", deep)
    put("deep-boxes.mp4", ftyp + _box(b"moov", deep))
    put(
        "deep-boxes.m4a",
        struct.pack(">I4s4sI4s", 20, b"ftyp", b"M4A ", 0, b"M4A ") + _box(b"moov", deep),
    )
    put("billion-laughs.md", _BILLION_LAUGHS)
    put("self-alias.md", "---\nAIGC: &a [*a, *a]\n---\ntext\n")
    put("deep-yaml.md", "---\nAIGC: " + "[" * 5000 + "]" * 5000 + "\n---\ntext\n")
    put("zero-bits.wav", _wav_zero_bits())
    put("utf16.txt", "生成的文字\nsecond line\n".encode("utf-16"))
    bomb = folder / "bomb.docx"  # document.xml inflates to 140 MiB from a few hundred kB
    make_docx(bomb, docx_document(b"<w:p><w:r><w:t>" + b" " * (140 << 20) + b"</w:t></w:r></w:p>"))
    files["bomb.docx"] = bomb
    dup = folder / "duplicate.docx"
    make_docx(dup)
    with zipfile.ZipFile(dup, "a") as z, __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        z.writestr("word/document.xml", docx_document("<w:p><w:r><w:t>other</w:t></w:r></w:p>"))
    files["duplicate.docx"] = dup
    for ext in (".png", ".jpg", ".mp3", ".mp4", ".pdf", ".docx", ".md", ".wav"):
        put(f"empty{ext}", b"")
    png = folder / "pixel-bomb.png"  # a header claiming 60000 x 60000 pixels
    Image.new("1", (60000, 60000)).save(png, optimize=False)
    files["pixel-bomb.png"] = png
    fifo = folder / "pipe.mp3"
    os.mkfifo(fifo)
    files["pipe.mp3"] = fifo
    # wave 3: damaged PDF page/structure values (the text prompt), crafted HEIF item tables
    from tests.robustness.wave3_seeds import hostile_heifs, hostile_pdfs

    (folder / "w3").mkdir()
    pdfs = hostile_pdfs(folder / "w3")
    for k in ("rotate-name", "cropbox-names", "fonts-int", "tag-nums-names", "metadata-bad-filter"):
        files[f"{k}.pdf"] = pdfs[k]
    heifs = hostile_heifs(folder / "w3")
    for k in ("meta-deep.heif", "iref-loop.heif", "xmp-past-eof.heif"):
        files[k] = heifs[k]
    small = Image.new("RGB", (96, 64), (9, 99, 199))  # above the 48 px legibility floor
    for name in ("ComfyUI 2025-01-01 10:00:00.png", "con.png", "aux.png", "a\\b.png", "new\nline.png",
                 "trailing. .png", "x" * 250 + ".png"):  # fmt: skip
        small.save(folder / name, "PNG")
        files[name] = folder / name
    return files


def test_hostile_files_fail_alone(tmp_path):
    files = hostile_files(tmp_path / "in")
    regular = {n: p for n, p in files.items() if p.is_file()}
    before = {n: sha(p) for n, p in regular.items()}
    out = tmp_path / "out"
    t0 = time.monotonic()
    jobs = plan_jobs(list(files.values()), out, SETTINGS)
    events = list(run_batch(jobs, workers=2, outdir=out, limits=Limits(seconds=60)))
    took = time.monotonic() - t0
    final = events[-1]
    assert isinstance(final, BatchFinished) and len(final.results) == len(files)
    by = {Path(r.src).name: r for r in final.results}
    counts = dict(tried=len(files), clean=0, crashed=0, hung=0, lost=0, modified=0)
    problems = []
    for name, r in by.items():
        bad = []
        if (
            r.status not in ("ok", "failed", "skipped")
            or "(unexpected " in r.reason
            or "internal error" in r.reason
        ):
            bad.append("crashed")
        if "time limit" in r.reason or "MiB of memory" in r.reason:
            bad.append("hung")
        if (r.status == "ok") != Path(r.dst).exists():
            bad.append("lost")
        if name in regular and sha(regular[name]) != before[name]:
            bad.append("modified")
        for b in bad:
            counts[b] += 1
        if bad:
            problems.append(f"{name}: {r.status}: {r.reason} {bad}")
        else:
            counts["clean"] += 1
    counts["lost"] += len(temp_leftovers(out))
    report_counts("hostile", counts)
    assert not problems, "\n".join(problems)
    assert not temp_leftovers(out)
    assert took < 120
    # The specific outcomes the issue reproduced:
    assert by["largesize.mp4"].status == "failed"
    assert (
        "nested too deeply" in by["deep-boxes.mp4"].reason
        or by["deep-boxes.mp4"].status == "failed"
    )
    assert (
        "YAML aliases" in by["billion-laughs.md"].reason
        and "YAML aliases" in by["self-alias.md"].reason
    )
    assert "inflates" in by["bomb.docx"].reason and "two members" in by["duplicate.docx"].reason
    assert "named pipe" in by["pipe.mp3"].reason
    for name in (
        "rotate-name.pdf",
        "cropbox-names.pdf",
        "tag-nums-names.pdf",
        "metadata-bad-filter.pdf",
    ):
        assert by[name].status == "ok", (name, by[name].reason)
    assert by["fonts-int.pdf"].error == "corrupt-file" and "font list" in by["fonts-int.pdf"].reason
    assert "nested more than 64 deep" in by["meta-deep.heif"].reason
    for name in (
        "ComfyUI 2025-01-01 10:00:00.png",
        "con.png",
        "a\\b.png",
        "new\nline.png",
        "x" * 250 + ".png",
    ):
        assert by[name].status == "ok", (name, by[name].reason)
        assert len(Path(by[name].dst).name.encode()) <= 255 and Path(by[name].dst).parent == out

    # `check` reads them all (the FIFO too) in bounded time: one verdict each, no traceback.
    chk = run_cli("check", *map(str, files.values()), timeout=120)
    assert chk.returncode in (0, 1) and "Traceback" not in chk.stderr, chk.stderr[-3000:]
    assert chk.stdout.count(": ") >= len(files)


def test_docx_bomb_is_refused_before_python_docx_reads_it_in_a_visible_only_export(tmp_path):
    """The package check runs for the explicit prompt too, not only with the metadata label."""
    from aigclabel_gui.engine.errors import InputTooLarge
    from aigclabel_gui.engine.pipeline import label_file

    bomb = tmp_path / "bomb.docx"
    make_docx(bomb, docx_document(b"<w:p><w:r><w:t>" + b" " * (140 << 20) + b"</w:t></w:r></w:p>"))
    visible_only = LabelSettings(implicit=ImplicitSettings(enabled=False))
    t0 = time.monotonic()
    try:
        label_file(bomb, tmp_path / "out.docx", visible_only)
    except InputTooLarge as exc:
        assert "inflates" in str(exc)
    else:
        raise AssertionError("a 140 MiB document.xml was read")
    assert time.monotonic() - t0 < 10
    assert not (tmp_path / "out.docx").exists()
