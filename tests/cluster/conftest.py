"""A real two-node Ray cluster on this machine, started with Ray's own commands, for the module.

Head and worker node are separate `ray start` processes sharing a private RAY_TMPDIR; at the end
(also on failure) exactly the processes carrying that RAY_TMPDIR are killed. `ray stop` is not
used: it stops every Ray process of the user, including other people's clusters.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAY_BIN = Path(sys.executable).with_name("ray")
DIE_AFTER_COMMIT = "die-after-commit.png"


@dataclass
class Cluster:
    address: str
    tmpdir: str
    env: dict[str, str]

    def processes(self) -> dict[int, str]:
        """pid → command line of every process of this cluster (found by its RAY_TMPDIR)."""
        return ray_processes(self.tmpdir)


def ray_processes(tmpdir: str) -> dict[int, str]:
    """Found by RAY_TMPDIR in the environment, or by an open file under it: Ray's agents set a
    long process title over their environment block, but they all keep logs in the session dir."""
    marker = f"RAY_TMPDIR={tmpdir}".encode()
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            ours = marker in (d / "environ").read_bytes().split(b"\0")
            if not ours:
                for fd in (d / "fd").iterdir():
                    with contextlib.suppress(OSError):
                        if os.readlink(fd).startswith(tmpdir + "/"):
                            ours = True
                            break
            if ours:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found[int(d.name)] = cmd.strip()
        except OSError:
            continue
    return found


def _free_port() -> int:
    # Ephemeral ports (32768+) are outside Ray's default worker port range 10002-19999.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_all(tmpdir: str) -> None:
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
        procs = ray_processes(tmpdir)
        for pid in procs:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while ray_processes(tmpdir) and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture(scope="module")
def ray_cluster():
    # Ray is a test dependency (`make test` installs the cluster extra): fail, never skip.
    assert RAY_BIN.exists(), "Ray is not installed: pip install -e '.[cluster]'"

    # A short path: Ray's unix sockets live under it (sun_path is limited to 107 bytes).
    tmpdir = tempfile.mkdtemp(prefix="aigc-ray-", dir="/tmp")
    env = dict(os.environ)
    env.update(
        RAY_TMPDIR=tmpdir,
        RAY_USAGE_STATS_ENABLED="0",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        # On a loaded 2-core CI machine the raylet can take over a minute to register.
        RAY_raylet_start_wait_time_s="300",
        # Token auth as on a real multi-machine cluster, with the token in the environment of
        # every node and driver (not in ~/.ray/auth_token, which would outlive the test).
        RAY_AUTH_MODE="token",
        RAY_AUTH_TOKEN=secrets.token_hex(32),
        # fault injection: the worker that labels a file of this name dies after its rename
        AIGCLABEL_FAULT_DIE_AFTER_COMMIT=DIE_AFTER_COMMIT,
    )
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus=1", "--disable-usage-stats"]
    try:
        for extra in (
            ["--head", f"--port={port}", "--include-dashboard=false"],
            [f"--address={address}"],
        ):
            r = subprocess.run(
                [str(RAY_BIN), "start", *extra, *common],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert r.returncode == 0, (
                f"ray start {' '.join(extra)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
            )
        yield Cluster(address, tmpdir, env)
    finally:
        _kill_all(tmpdir)
        left = ray_processes(tmpdir)
        shutil.rmtree(tmpdir, ignore_errors=True)
        assert not left, f"Ray processes left running: {left}"
