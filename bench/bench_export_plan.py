"""How long Export freezes the window (issue 11): N small PNGs (default 1,000) added as a folder,
then `window.export()` is timed (the UI thread is blocked for that long), plus the longest gap
of a 10 ms timer on the UI thread until the batch has been planned (its progress bar gets a
range). Before issue 11 the window planned the jobs itself, sniffing every file again: 2.4–3 s
frozen for 1,000 PNGs. The export is cancelled once planned; only planning is measured.

    .venv/bin/python -m bench.bench_export_plan [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PRODUCER = "001191440300708461136T1XGW3"


def main(n: int = 1000) -> None:
    import shutil

    from PIL import Image
    from PySide6.QtCore import QElapsedTimer, QSettings, QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    from aigclabel_gui.ui.app import create_window, register_font

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["AIGCLABEL_CONFIG"] = str(tmp / "config")
        src = tmp / "in"
        src.mkdir()
        Image.new("RGB", (64, 48), (30, 120, 200)).save(src / "0000.png")
        for i in range(1, n):
            shutil.copyfile(src / "0000.png", src / f"{i:04d}.png")
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
        ticks: list[int] = []
        clock = QElapsedTimer()
        clock.start()
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(clock.elapsed()))
        timer.start()
        ticks.append(clock.elapsed())
        t0 = time.perf_counter()
        dlg = window.export(workers=1)
        blocked = time.perf_counter() - t0
        assert dlg is not None, window.last_message
        ticks.append(clock.elapsed())
        while dlg.bar.maximum() == 0 and dlg.final is None:  # range 0: still planning
            app.processEvents()
            time.sleep(0.002)
        planned = time.perf_counter() - t0
        timer.stop()
        gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
        window.stop_export(timeout_s=120)
        window.close()
        QThreadPool.globalInstance().waitForDone(30000)
        print(
            f"{n} small PNGs: export() blocked the UI thread {blocked * 1000:.0f} ms; planned "
            f"after {planned * 1000:.0f} ms; longest UI-timer gap until planned "
            f"{max(gaps, default=0):.0f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
