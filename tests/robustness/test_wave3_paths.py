"""Hostile inputs for the readers and writers of wave 3 (issue 14): the PDF text prompt (page
boxes, rotation, font resources, structure trees), HEIF items (unci, motion photos), EXIF
thumbnails, audio-only Matroska, MP4 sample entries and Dolby Vision records, PNG/WebP chunks.

Each file goes through label_file (metadata-only and the full label) and the container's reader
(`check`) in a worker under a 20 s limit (wave3_harness.py). Invariants, counted: no exception
other than an AigcError, every message one line (crashed), no run over the limit (hung), no
output or temp file left after a refusal (partial), no original changed (modified). Seeded."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.robustness import wave3_seeds as ws
from tests.robustness.conftest import report_counts
from tests.robustness.wave3_harness import classify_all

SEED = 20261201


def _check(outcomes, name: str) -> None:
    counts = dict(tried=len(outcomes), clean=0, crashed=0, hung=0, partial=0, modified=0)
    for o in outcomes:
        counts[o.outcome] += 1
    report_counts(name, counts)
    bad = [f"{Path(o.path).name} [{o.mode}] {o.outcome}: {o.detail}" for o in outcomes
           if o.outcome != "clean"]  # fmt: skip
    assert not bad, "\n".join(bad[:20])


def test_hostile_pdf_values_are_labelled_or_refused_in_one_line(tmp_path):
    (tmp_path / "in").mkdir()
    files = list(ws.hostile_pdfs(tmp_path / "in").values())
    rng = random.Random(SEED)
    seeds = ws.pdf_seeds(tmp_path / "in")
    for k in ("plain", "tagged", "rotated", "pdfa1", "inherited", "encrypted"):
        files.append(seeds[k])
    for k in ("plain", "tagged"):
        files += ws.pdf_byte_mutants(seeds[k], tmp_path / "in", rng, 8)
    _check(classify_all(files, tmp_path / "out"), "wave3 pdf")


def test_pdf_damaged_page_values_are_handled_as_viewers_do(tmp_path):
    """A name for /Rotate reads as 0, a short CropBox falls back to the MediaBox, a structure
    tree with a damaged number tree is left untagged: the prompt is still real text."""
    import pikepdf

    from aigclabel_gui.engine.pipeline import label_file
    from tests.engine.test_fidelity_wave3 import PROMPT, pdftotext, text_label

    (tmp_path / "in").mkdir()
    files = ws.hostile_pdfs(tmp_path / "in")
    for name in ("rotate-name", "cropbox-short", "tag-nums-names", "tag-parenttree-int"):
        out = tmp_path / "out" / f"{name}.pdf"
        out.parent.mkdir(exist_ok=True)
        res = label_file(files[name], out, text_label())
        assert res.explicit.measurements["start_prompt_as"] == "text", name
        assert PROMPT in pdftotext(out, 1).replace("\n", ""), name
        with pikepdf.open(out) as pdf:  # qpdf reads the result without complaint
            assert pdf.check_pdf_syntax() == [], name
    with pytest.raises(Exception) as exc:  # noqa: PT011 (the class is asserted below)
        label_file(files["fonts-int"], tmp_path / "out" / "f.pdf", text_label())
    assert type(exc.value).__name__ == "CorruptFile" and "font list" in str(exc.value)
    # A semi-transparent plate needs an ExtGState: an array in its place is a damaged page too.
    from aigclabel_gui.engine.errors import CorruptFile
    from aigclabel_gui.engine.settings import VisibleSettings

    see_through = text_label(visible=VisibleSettings(plate_opacity=0.5))
    with pytest.raises(CorruptFile, match="ExtGState resources are damaged"):
        label_file(files["extgstate-array"], tmp_path / "out" / "g.pdf", see_through)
    assert not (tmp_path / "out" / "g.pdf").exists()


def test_aigc_error_messages_are_one_line():
    from aigclabel_gui.engine.errors import CorruptFile

    exc = CorruptFile("a.mka: damaged media data (Duplicate element\n (repeated 3 more times))")
    assert "\n" not in str(exc) and "Duplicate element (repeated 3 more times)" in exc.message


def test_hostile_heif_items_are_refused_with_their_reason(tmp_path):
    (tmp_path / "in").mkdir()
    files = ws.hostile_heifs(tmp_path / "in")
    outcomes = classify_all(list(files.values()), tmp_path / "out")
    _check(outcomes, "wave3 heif")
    by = {(Path(o.path).name, o.mode): o.detail for o in outcomes}
    # Our item reader's reason, not wrapped as "cannot be read (…)" with a second advice.
    assert "nested more than 64 deep" in by["meta-deep.heif", "implicit"]
    assert "cannot be read" not in by["meta-deep.heif", "implicit"]
    # 120 items all pointing at one 1 MiB packet: bounded in total, not only per item
    assert "XMP items hold over 64 MiB" in by["xmp-items-120.heif", "inspect"]
    for name in ("iref-loop.heif", "xmp-method-2.heif"):
        assert "heif-enc" in by[name, "implicit"] and "supported:" not in by[name, "implicit"]


def test_deep_box_nesting_is_bounded_in_every_mp4_walker(tmp_path):
    """3000 nested `trak` boxes (past Python's recursion limit): the sample-entry and Dolby Vision
    walkers find nothing, the box parser refuses it as damaged; no RecursionError anywhere."""
    import struct

    from aigclabel_gui.engine.containers.isobmff import BoxError, parse_boxes
    from aigclabel_gui.engine.visible.audio_codecs import mp4_sample_entries
    from aigclabel_gui.engine.visible.dolby_vision import read_dolby_vision

    deep = b""
    for _ in range(3000):
        deep = struct.pack(">I4s", 8 + len(deep), b"trak") + deep
    moov = struct.pack(">I4s", 8 + len(deep), b"moov") + deep
    path = tmp_path / "deep.mp4"
    path.write_bytes(struct.pack(">I4s4sI4s", 20, b"ftyp", b"isom", 0, b"isom") + moov)
    assert mp4_sample_entries(path) == []
    assert read_dolby_vision(path) is None
    # sniff reads the tracks' handlers through the same parser: inspect_file (`check`) raised
    # RecursionError here, past its "never raises for a bad file" promise
    from aigclabel_gui.engine.inspect import inspect_file

    assert "nested more than 64 deep" in inspect_file(path).error
    with pytest.raises(BoxError, match="nested more than"):
        parse_boxes(moov)


def test_exif_thumbnail_unlinking_never_zeroes_ifd0(tmp_path):
    """An IFD1 that links back to IFD0, or a thumbnail whose offset/length cover IFD0 or run
    past the block: the thumbnail is unlinked, IFD0 (Orientation) survives (exiftool reads it)."""
    import subprocess

    from aigclabel_gui.engine.pipeline import label_file
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
    from tests.robustness.samples import PRODUCER

    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    files = ws.hostile_images(tmp_path / "in")
    for name, src in files.items():
        out = tmp_path / "out" / name
        label_file(src, out, LabelSettings(implicit=ImplicitSettings(producer=PRODUCER)))
        tags = subprocess.run(
            ["exiftool", "-s", "-s", "-Orientation#", "-ThumbnailLength", str(out)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "Orientation: 1" in tags and "ThumbnailLength" not in tags, (name, tags)


def test_png_oversized_chunk_with_a_non_ascii_type_is_too_large_not_undecodable(tmp_path):
    """The visible label's chunk copy reads every ancillary chunk: a 65 MiB one (sparse here)
    whose type is not ASCII is refused as too large, its type shown, not a UnicodeDecodeError."""
    import io
    import struct

    from PIL import Image

    from aigclabel_gui.engine.errors import InputTooLarge
    from aigclabel_gui.engine.pipeline import label_file
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
    from tests.robustness.samples import PRODUCER

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buf, "PNG")
    data = buf.getvalue()
    iend = data.rindex(b"IEND") - 4
    src, n = tmp_path / "big-chunk.png", 65 << 20
    with open(src, "wb") as f:
        f.write(data[:iend] + struct.pack(">I", n) + b"\xe1xYz")
        f.seek(n, 1)
        f.write(bytes(4) + data[iend:])
    with pytest.raises(InputTooLarge, match="'áxYz' chunk is 65 MiB"):
        label_file(
            src, tmp_path / "out.png", LabelSettings(implicit=ImplicitSettings(producer=PRODUCER))
        )
    assert not (tmp_path / "out.png").exists()


# --- batch: report paths, the journal, caller-given kinds ----------------------------------------


def _pngs(folder: Path, n: int = 2) -> list[Path]:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", (64, 64), (i, 80, 160)).save(folder / f"p{i}.png")
    return sorted(folder.glob("*.png"))


def _metadata_only():
    from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings
    from tests.robustness.samples import PRODUCER

    return LabelSettings(implicit=ImplicitSettings(producer=PRODUCER), implicit_only=True)


@pytest.mark.parametrize(
    "bad", ["nul", "none", "long-folder", "folder", "device", "input", "journal"]
)
def test_unusable_report_paths_are_refused_before_any_file_is_labelled(tmp_path, bad):
    from aigclabel_gui.engine.batch import MANIFEST, NO_LIMITS, plan_jobs, run_batch
    from aigclabel_gui.engine.errors import InvalidSettings

    files, out = _pngs(tmp_path / "in"), tmp_path / "out"
    report = {
        "nul": out / "r\0.json",
        "none": None,
        "long-folder": out / ("x" * 300) / "r.json",
        "folder": tmp_path / "in",
        "device": Path("/dev/null"),
        "input": out / ".." / "in" / "p0.png",
        "journal": out / MANIFEST,
    }[bad]
    out.mkdir()  # an existing folder: a too-long name inside it fails at once (ENAMETOOLONG)
    jobs = plan_jobs(files, out, _metadata_only())
    with pytest.raises(InvalidSettings):
        list(run_batch(jobs, workers=1, limits=NO_LIMITS, outdir=out, report_paths=[report]))
    assert not list(out.glob("*.png"))  # refused before any work


def test_a_report_that_cannot_be_written_is_said_and_the_others_are_written(tmp_path):
    from aigclabel_gui.engine.batch import NO_LIMITS, plan_jobs, run_batch

    files, out = _pngs(tmp_path / "in"), tmp_path / "out"
    (tmp_path / "afile").write_text("x")
    reports = [tmp_path / "afile" / "r.json", out / "r.csv", out / "r.json"]
    jobs = plan_jobs(files, out, _metadata_only())
    final = list(run_batch(jobs, workers=1, limits=NO_LIMITS, outdir=out, report_paths=reports))[-1]
    assert final.summary.reports == (str(out / "r.csv"), str(out / "r.json"))
    assert len(final.summary.errors) == 1 and "afile" in final.summary.errors[0]
    assert all(r.status == "ok" for r in final.results)


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_journal_name_taken_by_a_fifo_or_folder_neither_hangs_nor_fails_the_run(tmp_path, kind):
    import os
    import threading

    from aigclabel_gui.engine.batch import MANIFEST, NO_LIMITS, plan_jobs, run_batch

    files, out = _pngs(tmp_path / "in"), tmp_path / "out"
    out.mkdir()
    if kind == "fifo":
        os.mkfifo(out / MANIFEST)
    else:
        (out / MANIFEST).mkdir()
    done: list = []

    def run() -> None:
        jobs = plan_jobs(files, out, _metadata_only())
        done.append(list(run_batch(jobs, workers=1, limits=NO_LIMITS, outdir=out))[-1])

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(20)
    if not done and kind == "fifo":  # unblock the opener so the test process can exit
        fd = os.open(out / MANIFEST, os.O_RDWR | os.O_NONBLOCK)
        os.close(fd)
    assert done, "the run blocked on the journal"
    assert all(r.status == "ok" for r in done[0].results)
    assert (out / MANIFEST).is_fifo() if kind == "fifo" else (out / MANIFEST).is_dir()


def test_plan_jobs_ignores_a_kind_the_caller_made_up(tmp_path):
    from aigclabel_gui.engine.batch import plan_jobs

    files, out = _pngs(tmp_path / "in", 1), tmp_path / "out"
    jobs = plan_jobs(files, out, _metadata_only(), kinds={files[0]: "../banana"},
                     name_template="{kind}-{stem}{ext}")  # fmt: skip
    assert jobs[0].kind == "image" and jobs[0].dst == out / "image-p0.png"
    jobs = plan_jobs(files, out, _metadata_only(), kinds={files[0]: "video"},
                     name_template="{kind}-{stem}{ext}")  # fmt: skip
    assert jobs[0].kind == "video"  # a real kind the caller knows is taken as it is


def test_pdf_with_undecodable_xmp_gets_both_labels(tmp_path):
    """A /Metadata stream whose filter fails (pikepdf DataDecodingError) is read as no PDF/A
    claim; the prompt and the record (Info /AIGC) are written (exiftool reads it back)."""
    from aigclabel_gui.engine.pipeline import label_file
    from tests.conftest import exiftool_json
    from tests.engine.test_fidelity_wave3 import PROMPT, pdftotext, text_label

    (tmp_path / "in").mkdir()
    src = ws.hostile_pdfs(tmp_path / "in")["metadata-bad-filter"]
    res = label_file(src, tmp_path / "out.pdf", text_label())
    assert PROMPT in pdftotext(tmp_path / "out.pdf", 1).replace("\n", "")
    assert exiftool_json(tmp_path / "out.pdf")["PDF:AIGC"] == res.record.to_json()


def test_wave3_media_mutants_are_labelled_or_refused_in_one_line(tmp_path):
    """Seeded structure-aware mutants (box/element/chunk sizes set to 0, 1, 7, 0xFFFFFFFF, past
    the end or unknown; cuts at boundaries; header bit flips) of audio-only Matroska/WebM, Opus
    in MP4, Dolby Vision MP4/MKV, unci and motion-photo HEIF, PNG text chunks and animated WebP,
    plus odd-but-valid Matroska (a subtitle track, no packets, live unknown-size clusters)."""
    rng = random.Random(SEED)
    seeds, mut = tmp_path / "seeds", tmp_path / "mut"
    seeds.mkdir()
    mut.mkdir()
    files: list[Path] = []
    av = ws.av_seeds(seeds)
    for name in ("opus.webm", "flac.mka", "dv.mkv", "opus.mp4", "dv.mp4"):
        if name in av:
            files += ws.structural_mutants(av[name], mut, rng, 9)
    for heif in ws.heif_seeds(seeds).values():
        files += ws.structural_mutants(heif, mut, rng, 9)
    imgs = ws.image_seeds(seeds)
    for name in ("text.png", "anim.webp", "anim-lossy.webp"):
        files += ws.chunk_mutants(imgs[name], mut, rng, 9)
    files += list(ws.hostile_matroska(seeds).values())
    _check(classify_all(files, tmp_path / "out"), "wave3 media")


def test_iloc_with_millions_of_zero_width_extents_is_refused_at_once():
    """libheif stops this one first (32 extents per item) when it is installed; our own item
    reader is the only gate for the metadata path without it (and for AVIF via Pillow)."""
    import struct
    import time

    from aigclabel_gui.engine.containers.heif_items import parse_iloc
    from aigclabel_gui.engine.containers.isobmff import BoxError

    items = b"".join(struct.pack(">HHHH", i + 1, 0, 0, 0xFFFF) for i in range(900))
    payload = bytes([1, 0, 0, 0]) + b"\x00\x00" + struct.pack(">H", 900) + items
    t0 = time.monotonic()
    with pytest.raises(BoxError, match="extents in"):
        parse_iloc(payload)
    assert time.monotonic() - t0 < 1


def test_pdf_prompt_reads_a_rotation_inherited_from_the_page_tree(tmp_path):
    """/Rotate is inheritable (ISO 32000-1 §7.7.3.4): a page that takes 90° from its /Pages node
    gets the stamp turned the same way as one that says so itself (page.rotation reads it)."""
    import pikepdf

    from aigclabel_gui.engine.pipeline import label_file
    from tests.engine.test_fidelity_wave3 import page_streams, text_label

    src = tmp_path / "in.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(300, 400))
    pdf.Root.Pages.Rotate = 90
    pdf.save(src)
    label_file(src, tmp_path / "out.pdf", text_label(position="start"))
    stamp = page_streams(tmp_path / "out.pdf")[0][-1]
    assert b"q 0 1 -1 0 300 0 cm" in stamp, stamp[:200]


def test_a_file_name_that_is_not_utf8_is_labelled_reported_and_resumed(tmp_path):
    """Linux allows any bytes in a name (old archives, Latin-1 systems): b'bad\\xff.png' failed
    the whole plan (UnicodeEncodeError in the name check), then the journal and the reports."""
    import json
    import os

    from PIL import Image

    from aigclabel_gui.engine.batch import NO_LIMITS, plan_jobs, run_batch

    (tmp_path / "in").mkdir()
    src = tmp_path / "in" / os.fsdecode(b"bad\xff-name.png")
    Image.new("RGB", (64, 64), (5, 6, 7)).save(src, "PNG")
    out = tmp_path / "out"
    reports = [out / "r.json", out / "r.csv"]

    def run():
        jobs = plan_jobs([tmp_path / "in"], out, _metadata_only())
        return list(run_batch(jobs, workers=1, limits=NO_LIMITS, outdir=out, report_paths=reports))[
            -1
        ]

    first = run()
    assert [r.status for r in first.results] == ["ok"]
    assert os.fsencode(Path(first.results[0].dst).name) == b"bad\xff-name.png"
    assert first.summary.reports == tuple(map(str, reports)) and not first.summary.errors
    doc = json.loads((out / "r.json").read_text("utf-8"))  # valid UTF-8 and JSON
    assert doc["files"][0]["src"].endswith("bad\udcff-name.png")
    again = run()  # the journal round-trips the name: the output is recognised
    assert [r.status for r in again.results] == ["skipped"], again.results[0].reason


@pytest.mark.parametrize("ext", [".json", ".csv"])
def test_check_report_with_a_file_name_that_is_not_utf8(tmp_path, ext):
    import os
    import subprocess
    import sys

    from PIL import Image

    src = tmp_path / os.fsdecode(b"bad\xff-name.png")
    Image.new("RGB", (64, 64)).save(src, "PNG")
    report = tmp_path / f"check{ext}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    res = subprocess.run(  # bytes: the CLI prints the name as it is on disk
        [sys.executable, "-m", "aigclabel_gui.cli", "check", "--report", str(report), str(src)],
        capture_output=True, env=env, timeout=60,
    )  # fmt: skip
    assert res.returncode == 1 and b"Traceback" not in res.stderr, res.stderr[-800:]
    assert "bad\\udcff-name.png" in report.read_text("utf-8-sig")
