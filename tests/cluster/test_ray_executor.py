"""`aigclabel label --executor ray=HOST:PORT` against a real two-node Ray cluster.

Same records and pixels as the local pool; a worker killed mid-batch; Ctrl-C on the driver;
resume after the driver was killed. The driver always runs as a real `aigclabel` subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile
from PIL import Image

from aigclabel_gui import cli
from aigclabel_gui.engine.cluster import ClusterError, RayExecutor, parse_executor
from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.inspect import inspect_file
from tests.cluster.conftest import DIE_AFTER_COMMIT
from tests.conftest import PRODUCER, exiftool_json
from tests.engine.test_video_label import make_clip

pytestmark = pytest.mark.cluster

TASK_TITLE = "ray::_label_one"  # the process title Ray gives a worker while it runs our task
IDS = ("ProduceID", "PropagateID")  # generated per file: differ between any two runs


def _img(path: Path, size=(96, 72), seed=0, fmt=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    a = np.zeros((h, w, 3), np.uint8)
    a[..., 0] = (np.arange(w) * 255 // w)[None, :]
    a[..., 1] = (seed * 37) % 256
    a[..., 2] = (np.arange(h) * 255 // h)[:, None]
    Image.fromarray(a).save(path, fmt)
    return path


def mixed_inputs(root: Path) -> Path:
    """23 files: PNG, JPEG (in sub-folders, non-ASCII names), WAV, MP4, Markdown, TXT, and
    three bad ones."""
    src = root / "in"
    for i in range(8):
        _img(src / ("sub" if i % 2 else "") / f"图 {i}.png", seed=i)
    for i in range(6):
        _img(src / "jpg" / f"p{i}.jpg", size=(120, 90), seed=10 + i)
    for i in range(2):
        t = np.arange(22050) / 22050
        soundfile.write(src / f"tone{i}.wav", 0.2 * np.sin(2 * np.pi * (330 + 110 * i) * t), 22050)
    make_clip(src / "clip.mp4", w=160, h=120, fps=10, secs=3.5)
    for i in range(2):
        (src / f"note{i}.md").write_text(f"# Title {i}\n\nGenerated text {i}.\n", "utf-8")
    (src / "plain.txt").write_text("生成的文本\n", "utf-8")
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    jpg = (src / "jpg" / "p0.jpg").read_bytes()
    (src / "jpg" / "truncated.jpg").write_bytes(jpg[: len(jpg) // 3])
    (src / "empty.md").write_bytes(b"")
    return src


def _cli(args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "aigclabel_gui.cli", "label", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _report(out: Path) -> dict:
    return json.loads((out / "aigclabel-report.json").read_text("utf-8"))


def _record_without_ids(path: Path) -> tuple[str, dict | None]:
    rep = inspect_file(path)
    if path.suffix == ".txt":  # plain text has no carrier: the explicit prompt only
        assert rep.verdict == "no-carrier" and "本内容由人工智能生成" in rep.explicit, rep
        return rep.verdict, None
    assert rep.verdict == "compliant", (path, rep)
    values = json.loads(rep.records[0].raw)
    values = values.get("AIGC", values)
    for k in IDS:
        assert values.pop(k, None), f"{path}: {k} missing"
    return rep.verdict, values


def _content(path: Path) -> object:
    """What a viewer or listener gets, decoded by an independent reader."""
    ext = path.suffix.lower()
    if ext in (".png", ".jpg"):
        return np.asarray(Image.open(path).convert("RGB"))
    if ext == ".wav":
        return soundfile.read(path)[0]
    if ext == ".mp4":
        with av.open(str(path)) as c:
            return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])
    text = path.read_text("utf-8")
    for k in IDS:  # the text carrier holds the generated IDs inline
        text = re.sub(rf"""({k}["']?\s*:\s*)["'][0-9a-zA-Z_-]*["']""", r"\1''", text)
    return text


def _leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob(".aigclabel-*") if p.name != ".aigclabel-manifest.json"]


def _running_tasks(cluster) -> dict[int, str]:
    return {p: c for p, c in cluster.processes().items() if c.startswith(TASK_TITLE)}


def test_same_records_and_pixels_as_the_local_pool(ray_cluster, tmp_path):
    src = mixed_inputs(tmp_path)
    common = [str(src), "--producer", PRODUCER, "--quiet"]
    assert cli.main(["label", *common, "-o", str(tmp_path / "local"), "--jobs", "2"]) == 3
    t0 = time.monotonic()
    p = _cli(
        [*common, "-o", str(tmp_path / "ray"), "--executor", f"ray={ray_cluster.address}"],
        ray_cluster.env,
    )
    out, err = p.communicate(timeout=150)
    assert p.returncode == 3, err  # exit 3: some inputs failed, as with the local pool
    print(f"ray batch of 23 files: {time.monotonic() - t0:.1f} s")

    local, ray_rep = _report(tmp_path / "local"), _report(tmp_path / "ray")
    assert (
        ray_rep["summary"]
        == local["summary"]
        == {"ok": 20, "skipped": 0, "failed": 3, "cancelled": 0}
    )
    by_src = {f["src"]: f for f in local["files"]}
    for f in ray_rep["files"]:
        mine = by_src[f["src"]]
        assert f["status"] == mine["status"], f
        if f["status"] != "ok":
            assert f["reason"] == mine["reason"]
            assert not Path(f["dst"]).exists()
            continue
        a, b = Path(mine["dst"]), Path(f["dst"])
        assert b.relative_to(tmp_path / "ray") == a.relative_to(tmp_path / "local")
        assert _record_without_ids(b) == _record_without_ids(a), b
        ca, cb = _content(a), _content(b)
        if isinstance(ca, np.ndarray):
            assert ca.shape == cb.shape and np.array_equal(ca, cb), b
        else:
            assert ca == cb, b
    # An independent reader sees the record in a file the cluster wrote.
    png = tmp_path / "ray" / "图 0.png"
    tags = exiftool_json(png)
    assert PRODUCER in json.dumps(tags, ensure_ascii=False)
    assert not _leftovers(tmp_path / "ray")
    journal = (tmp_path / "ray" / ".aigclabel-manifest.json").read_text("utf-8").splitlines()
    assert len([json.loads(line) for line in journal]) == sum(
        f["status"] == "ok" for f in ray_rep["files"]
    )  # the driver journals every committed file, one line each


def _heavy_inputs(root: Path, n: int, size=(1600, 1200)) -> Path:
    src = root / "in"
    for i in range(n):
        _img(src / f"big{i:02d}.jpg", size=size, seed=i)
    return src


def _wait_for(pred, timeout: float, step: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(step)
    return None


def test_killed_worker_is_retried_and_nothing_is_doubled(ray_cluster, tmp_path):
    src = _heavy_inputs(tmp_path, 12)
    make_clip(src / "clip.mp4", w=320, h=240, fps=25, secs=8)
    out = tmp_path / "out"
    p = _cli(
        [
            str(src),
            "-o",
            str(out),
            "--producer",
            PRODUCER,
            "--executor",
            f"ray={ray_cluster.address}",
        ],
        ray_cluster.env,
    )
    try:
        # Kill the worker that has the clip open: it is certainly inside that file (started,
        # not yet committed), the case a retry must handle.
        clip = str(src / "clip.mp4")

        def has_clip_open():
            for pid in _running_tasks(ray_cluster):
                with contextlib.suppress(OSError):
                    if any(os.readlink(fd) == clip for fd in Path(f"/proc/{pid}/fd").iterdir()):
                        return {pid}
            return None

        victims = _wait_for(has_clip_open, timeout=90, step=0.01)
        assert victims, "never saw a worker inside the clip"
        os.kill(
            next(iter(victims)), signal.SIGKILL
        )  # a worker dies mid-file (OOM killer, segfault)
        _, err = p.communicate(timeout=150)
    finally:
        p.kill()
    assert p.returncode == 0, err
    rep = _report(out)
    assert rep["summary"] == {"ok": 13, "skipped": 0, "failed": 0, "cancelled": 0}, err
    assert sorted(Path(f["src"]).name for f in rep["files"]) == sorted(
        x.name for x in src.iterdir()
    )
    outputs = sorted(
        x.name for x in out.iterdir() if not x.name.startswith(".") and "report" not in x.name
    )
    assert outputs == sorted(x.name for x in src.iterdir())  # no "name (2).jpg": done once each
    retried = [f for f in rep["files"] if any(w.startswith("retried") for w in f["warnings"])]
    assert len(retried) == 1, (
        victims,
        err[-3000:],
    )  # the file whose worker was killed, and only it
    for x in out.glob("big*.jpg"):
        assert inspect_file(x).verdict == "compliant", x
    assert inspect_file(out / "clip.mp4").verdict == "compliant"
    assert not _leftovers(out)


def test_a_retry_after_the_commit_does_not_label_the_file_again(ray_cluster, tmp_path):
    src = tmp_path / "in"
    _img(src / DIE_AFTER_COMMIT, size=(320, 240))
    _img(src / "other.png")
    out = tmp_path / "out"
    # An output from an earlier run, older than this batch: must be replaced, not trusted.
    _img(out / DIE_AFTER_COMMIT, size=(8, 8))
    os.utime(out / DIE_AFTER_COMMIT, (1e9, 1e9))
    p = _cli(
        [
            str(src),
            "-o",
            str(out),
            "--producer",
            PRODUCER,
            "--executor",
            f"ray={ray_cluster.address}",
        ],
        ray_cluster.env,
    )
    _, err = p.communicate(timeout=150)
    assert p.returncode == 0, err
    rep = {Path(f["src"]).name: f for f in _report(out)["files"]}
    assert rep[DIE_AFTER_COMMIT]["status"] == "ok"
    assert rep[DIE_AFTER_COMMIT]["warnings"] == [
        "committed by attempt 1 before its worker was lost"
    ]
    assert [w for w in rep["other.png"]["warnings"] if "generated locally" not in w] == []
    dst = out / DIE_AFTER_COMMIT
    assert Image.open(dst).size == (320, 240)  # the first attempt's output, complete
    rec = inspect_file(dst)
    assert rec.verdict == "compliant" and len(rec.records) == 1
    assert not _leftovers(out)


def test_sigint_on_the_driver_cancels_cleanly(ray_cluster, tmp_path):
    src = _heavy_inputs(tmp_path, 40, size=(1200, 900))
    out = tmp_path / "out"
    p = _cli(
        [
            str(src),
            "-o",
            str(out),
            "--producer",
            PRODUCER,
            "--executor",
            f"ray={ray_cluster.address}",
        ],
        ray_cluster.env,
    )
    try:
        oks = 0
        while oks < 2:
            line = p.stdout.readline()
            assert line, p.stderr.read()
            oks += line.startswith("ok: ")
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=90)
    finally:
        p.kill()
    assert p.returncode == 130, err
    assert "cancelling" in err
    rep = _report(out)
    s = rep["summary"]
    assert s["ok"] >= 2 and s["cancelled"] >= 20 and s["ok"] + s["cancelled"] == 40, s
    for f in rep["files"]:
        dst = Path(f["dst"])
        if f["status"] == "ok":
            assert inspect_file(dst).verdict == "compliant", dst
        else:
            assert not dst.exists(), dst  # a cancelled file leaves nothing behind
    assert not _leftovers(out)
    # No task of the cancelled batch keeps a CPU of the cluster busy.
    assert _wait_for(lambda: not _running_tasks(ray_cluster), timeout=20)


def test_resume_after_the_driver_was_killed(ray_cluster, tmp_path):
    src = _heavy_inputs(tmp_path, 16, size=(1200, 900))
    out = tmp_path / "out"
    args = [
        str(src),
        "-o",
        str(out),
        "--producer",
        PRODUCER,
        "--executor",
        f"ray={ray_cluster.address}",
    ]
    p = _cli(args, ray_cluster.env)
    try:
        done = []
        while len(done) < 3:
            line = p.stdout.readline()
            assert line, p.stderr.read()
            if line.startswith("ok: "):
                done.append(Path(re.search(r" -> (.+?\.jpg)", line).group(1)))
        p.kill()  # SIGKILL: no cleanup, no report, no final manifest
        p.wait(timeout=10)
    finally:
        p.kill()
    # Ray ends the dead driver's tasks: nothing keeps running for it.
    assert _wait_for(lambda: not _running_tasks(ray_cluster), timeout=30)
    for x in out.glob("big*.jpg"):  # what was committed is complete (the rename is the commit)
        assert inspect_file(x).verdict == "compliant", x
    kept = {x: x.stat().st_mtime_ns for x in done}

    p = _cli(args, ray_cluster.env)  # the driver's journal says what is done
    _, err = p.communicate(timeout=150)
    assert p.returncode == 0, err
    s = _report(out)["summary"]
    assert s["failed"] == s["cancelled"] == 0 and s["ok"] + s["skipped"] == 16, s
    assert s["skipped"] >= 3
    for x, mtime in kept.items():
        assert x.stat().st_mtime_ns == mtime, f"{x} was labelled twice"
    for x in sorted(src.iterdir()):
        assert inspect_file(out / x.name).verdict == "compliant", x


def test_executor_spec_and_errors():
    assert parse_executor("local") is None
    assert parse_executor("ray").address is None
    assert parse_executor("ray=10.0.0.5:6379").address == "10.0.0.5:6379"
    with pytest.raises(InvalidSettings):
        parse_executor("dask")
    assert isinstance(parse_executor("ray=h:1"), RayExecutor)


def test_an_unreachable_cluster_fails_fast_with_advice(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    p = _cli(
        [str(tmp_path), "-o", str(tmp_path / "out"), "--executor", f"ray=127.0.0.1:{port}"],
        dict(os.environ),
    )
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and time.monotonic() - t0 < 30, err  # not Ray's minutes of retries
    assert f"nothing answers at 127.0.0.1:{port}" in err and "ray start --head" in err
    with pytest.raises(ClusterError, match="nothing answers"):
        RayExecutor(f"127.0.0.1:{port}").connect()


_TIME_LIMIT_DRIVER = """
import json, sys
from pathlib import Path
from aigclabel_gui.engine import (BatchFinished, ImplicitSettings, LabelSettings, RayExecutor,
                                  plan_jobs, run_batch)
from aigclabel_gui.engine.settings import VideoSettings
src, out, address, producer = sys.argv[1:5]
# A persistent label re-encodes every frame (no smart render): seconds of work per clip.
settings = LabelSettings(implicit=ImplicitSettings(producer=producer),
                         video=VideoSettings(persistent=True))
jobs = plan_jobs([Path(src)], Path(out), settings)
with RayExecutor(address, time_limit=0.5) as ex:
    final = list(run_batch(jobs, outdir=Path(out), executor=ex))[-1]
assert isinstance(final, BatchFinished)
print(json.dumps({Path(r.src).name: [r.status, r.reason] for r in final.results}))
"""


def test_per_file_time_limit_fails_the_file_not_the_batch(ray_cluster, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    make_clip(src / "long.mp4", w=1280, h=720, fps=25, secs=10)  # seconds of encoding, idle or not
    _img(src / "small.png")
    out = tmp_path / "out"
    # The library API, in a driver process of its own (as a platform's pipeline would run it).
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            _TIME_LIMIT_DRIVER,
            str(src),
            str(out),
            ray_cluster.address,
            PRODUCER,
        ],
        env=ray_cluster.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout.strip().splitlines()[-1])
    assert results["small.png"][0] == "ok"
    assert results["long.mp4"][0] == "failed"
    assert "time limit of 0.5 s exceeded" in results["long.mp4"][1]
    assert not (out / "long.mp4").exists() and not _leftovers(out)


def test_check_on_the_cluster_gives_the_local_verdicts(ray_cluster, tmp_path):
    """`aigclabel check DIR --executor ray=…`: the same verdicts, in the same order, as in-process,
    over labelled outputs, unlabelled inputs and damaged files."""
    src = mixed_inputs(tmp_path)
    out = tmp_path / "out"
    assert cli.main(["label", str(src), "-o", str(out), "--producer", PRODUCER, "--jobs", "2"]) == 3
    local = subprocess.run(
        [sys.executable, "-m", "aigclabel_gui.cli", "check", str(src), str(out), "--json"],
        env=ray_cluster.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    remote = subprocess.run(
        [sys.executable, "-m", "aigclabel_gui.cli", "check", str(src), str(out), "--json",
         "--executor", f"ray={ray_cluster.address}"],
        env=ray_cluster.env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert remote.returncode == local.returncode == 1, remote.stderr
    a = [(r["path"], r["verdict"]) for r in json.loads(local.stdout)]
    b = [(r["path"], r["verdict"]) for r in json.loads(remote.stdout)]
    assert a == b and len(a) > 40
    assert {v for _p, v in b} >= {"compliant", "no-label", "cannot-tell"}
