"""A studio's export from the app: N pictures (default 500, 1280×720 JPEG and PNG, mixed) added as a
folder to the real window and exported through the worker processes, as the Export button does.

Prints the wall time, files per second, the peak RSS of the GUI process and the largest peak RSS of
a worker, and the reference-count drift of `True` across the export (a leaking Qt binding shows
thousands; see tests/ui/test_soak.py). Runs offscreen unless QT_QPA_PLATFORM says otherwise.

    .venv/bin/python -m bench.bench_gui_export [N]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PRODUCER = "001191440300708461136T1XGW3"


def _make_inputs(folder: Path, n: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
    for i in range(n):
        img = Image.fromarray(np.roll(base, i * 7, axis=1))
        if i % 2:
            img.save(folder / f"shot{i:04d}.jpg", quality=88)
        else:
            img.save(folder / f"shot{i:04d}.png", compress_level=1)


def main(n: int = 500) -> None:
    from PySide6.QtCore import QSettings, QThreadPool
    from PySide6.QtWidgets import QApplication

    from aigclabel_gui.ui.app import create_window, register_font

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["AIGCLABEL_CONFIG"] = str(tmp / "config")
        src = tmp / "in"
        src.mkdir()
        _make_inputs(src, n)
        app = QApplication.instance() or QApplication([])
        register_font(app)
        qs = QSettings(str(tmp / "gui.ini"), QSettings.Format.IniFormat)
        qs.setValue("language", "en")
        window = create_window(["aigclabel-gui"], app, qs)
        window.audio_preview.player.autoplay = False
        window.video_preview.player.autoplay = False
        window.show()
        window.add_paths([src])
        deadline = time.monotonic() + 60
        while window.model.rowCount() < n and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        window.panel.output_edit.setText(str(tmp / "out"))
        window.panel.id_edits["producer"].setText(PRODUCER)
        window.panel.id_edits["producer"].textEdited.emit(PRODUCER)
        true_before = sys.getrefcount(True)
        t0 = time.perf_counter()
        dlg = window.export()
        assert dlg is not None, window.last_message
        while dlg.final is None:
            app.processEvents()
            time.sleep(0.005)
        elapsed = time.perf_counter() - t0
        drift = sys.getrefcount(True) - true_before
        counts = {s: n for s, n in dlg.final.summary.counts.items() if n}
        window.close()
        QThreadPool.globalInstance().waitForDone(30000)
        gui_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"GUI export of {n} pictures (1280x720 JPEG/PNG): {elapsed:.1f} s, "
            f"{n / elapsed:.1f} files/s, statuses {counts}; peak RSS GUI {gui_rss:.0f} MiB, "
            f"largest worker {worker_rss:.0f} MiB; refcount(True) drift {drift:+d}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
