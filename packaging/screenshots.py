"""Take the README screenshots from the real app under Xvfb: the bundled samples loaded, the
picture, the clip and the audio file selected in turn, in Chinese and in English.

    .venv/bin/python packaging/screenshots.py        (or: make screenshots)

Writes docs/screenshots/{zh,en}-{start,image,video,card,audio,results,check}.png. Without a DISPLAY it re-runs itself
under `xvfb-run`. Settings and presets go to a temporary folder, never the user's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SIZE = (1400, 860)
MAX_BYTES = 300_000
# The example provider code from the TC260 guide's format (00·1·1·USCC·extension), shown filled in
# so the form is not all red; the app itself never fills in a producer code.
EXAMPLE_PRODUCER = "001191440300708461136T1XGW3"
SHOTS = (
    ("image", "sample-picture.jpg"),
    ("video", "sample-clip.mp4"),
    ("audio", "sample-audio.mp3"),
)


def _under_xvfb() -> int:
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        sys.exit("xvfb-run not found: install the Debian package xvfb (make deps does)")
    cmd = [xvfb, "-a", "-s", f"-screen 0 {SIZE[0] + 100}x{SIZE[1] + 100}x24", sys.executable]
    return subprocess.call(
        [*cmd, __file__, *sys.argv[1:]], env={**os.environ, "AIGCLABEL_XVFB": "1"}
    )


def _wait(app, condition, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the app did not finish rendering in time")
        app.processEvents()
        time.sleep(0.02)


def _settle(app, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def _save(pixmap, path: Path) -> None:
    """PNG, optimised; palette-reduced only if a full-colour PNG is over the size budget."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.toImage().save(buf, "PNG")
    import io

    img = Image.open(io.BytesIO(bytes(buf.data()))).convert("RGB")
    img.save(path, optimize=True)
    if path.stat().st_size > MAX_BYTES:
        img.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True
        )
    print(
        f"{path.relative_to(ROOT)}: {img.width}x{img.height}, {path.stat().st_size / 1024:.0f} KB"
    )


def take(lang: str, app, tmp: Path) -> None:
    from PySide6.QtCore import QSettings

    from aigclabel_gui.ui.app import create_window

    qs = QSettings(str(tmp / f"{lang}.ini"), QSettings.Format.IniFormat)
    qs.setValue("language", "zh_CN" if lang == "zh" else "en")
    window = create_window(["aigclabel-gui"], app, qs)
    window.resize(*SIZE)
    window.show()
    _settle(app)
    _save(window.grab(), OUT / f"{lang}-start.png")  # first launch: the empty list
    window.panel.set_role("creator", emit=True)  # the first-run question answered
    edit = window.panel.id_edits["producer"]
    edit.setText(EXAMPLE_PRODUCER)
    edit.textEdited.emit(EXAMPLE_PRODUCER)
    edit.setCursorPosition(0)
    window.add_samples()
    _wait(app, lambda: window.model.rowCount() == len(SHOTS))
    _wait(app, lambda: all(e.thumb is not None for e in window.model.entries))
    for kind, name in SHOTS:
        row = next(i for i, e in enumerate(window.model.entries) if e.path.name == name)
        window.table.selectRow(row)
        if kind == "image":
            _wait(app, lambda: window.preview.frame is not None)
        elif kind == "video":
            vp = window.video_preview
            _wait(app, lambda vp=vp: vp.frame_view.frame is not None and vp.info is not None)
        else:
            ap = window.audio_preview
            _wait(app, lambda ap=ap: ap.wave.render is not None)
        _settle(app)
        _save(window.grab(), OUT / f"{lang}-{kind}.png")
        if kind == "video":
            _title_card(window, app, lang)
    _results(window, app, tmp / lang)
    window.close()
    window.deleteLater()
    _settle(app, 0.2)


def _title_card(window, app, lang: str) -> None:
    """The same clip with an inserted title card, at its first second (then the option is off
    again for the next shots)."""
    vp = window.video_preview
    window.panel.insert_card.setChecked(True)
    _wait(app, lambda: vp.info is not None and vp.info.settings.video.insert_card)
    vp.seek(0.5)
    _wait(app, lambda: vp.last_render is not None and vp.last_render.part == "start-card")
    _settle(app)
    _save(window.grab(), OUT / f"{lang}-card.png")
    window.panel.insert_card.setChecked(False)
    _wait(app, lambda: vp.info is not None and not vp.info.settings.video.insert_card)


def _results(window, app, tmp: Path) -> None:
    """The results view: the sample picture labelled, and a damaged copy that fails."""
    src = next(e.path for e in window.model.entries if e.path.name == SHOTS[0][1])
    tmp.mkdir(parents=True, exist_ok=True)
    good = tmp / "photo.jpg"
    shutil.copy(src, good)
    (tmp / "damaged.jpg").write_bytes(good.read_bytes()[:2000])
    window.model.clear()
    window.add_paths([good, tmp / "damaged.jpg"])
    _wait(app, lambda: window.model.rowCount() == 2)
    window.panel.output_edit.setText(str(tmp / "out"))
    dlg = window.export()
    _wait(app, lambda: dlg is not None and dlg.final is not None, timeout=120)
    dlg.resize(760, 420)
    _settle(app)
    _save(dlg.grab(), OUT / f"{window.lang[:2]}-results.png")
    dlg.close()
    _check(window, app, [good, tmp / "damaged.jpg", tmp / "out"])


def _check(window, app, paths: list[Path]) -> None:
    """The Check tab: the originals, the labelled copies and the damaged file, one row each."""
    view = window.check_view
    window.tabs.setCurrentWidget(view)
    view.check_paths(paths)
    _wait(app, lambda: view.table.rowCount() >= 3 and "…" not in view.summary.text(), 60)
    view.table.selectRow(0)
    _settle(app)
    _save(window.grab(), OUT / f"{window.lang[:2]}-check.png")
    window.tabs.setCurrentIndex(0)


def main() -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("AIGCLABEL_XVFB"):
        return _under_xvfb()
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    tmp = Path(tempfile.mkdtemp(prefix="aigclabel-shots-"))
    os.environ["AIGCLABEL_CONFIG"] = str(tmp / "config")  # presets: not the user's
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from aigclabel_gui.ui.app import register_font

    app = QApplication([sys.argv[0]])
    app.setApplicationName("aigclabel")
    register_font(app)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        for lang in ("zh", "en"):
            take(lang, app, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
