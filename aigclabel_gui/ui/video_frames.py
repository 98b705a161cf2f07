"""Video frames for the preview, decoded on a thread of their own (never on the UI thread).

One FrameServer per video preview. `request(t)` only stores the wish and wakes the decoder thread:
the latest request wins (a scrub that is overtaken by the next one is dropped, so rapid scrubs do
not queue). The thread serves from the engine's FrameSource (an LRU cache of downscaled frames,
seek to the keyframe and decode forward on a miss), adds the label exactly as the engine renders
it (plan_label's overlay, the timeline's opacity, title_card for inserted cards), and emits
`frame_ready` with QImages (QPixmaps may only be made on the UI thread). When idle it decodes
ahead of the last request, so the next scrubs and Play are served from the cache.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from aigclabel_gui.engine.settings import LabelSettings
from aigclabel_gui.ui.qt_image import pil_to_qimage

SCRUB_STEP = 0.1  # the scrubber moves in tenths of a second: keep one frame per tenth
PREFETCH_SCRUB_S = 30.0  # how far ahead the idle thread decodes for scrubbing (cache permitting)
PREFETCH_PLAY_S = 1.0  # while playing: every frame, this far ahead


@dataclass
class VideoFrameRender:
    """The picture at output time `t` and the engine's label to draw over it."""

    t: float
    image: QImage  # preview size, upright; an inserted card has its label in it (baked)
    part: str  # "programme", "start-card", "end-card"
    label: QImage | None = None  # the engine's overlay image (full size)
    box: tuple[int, int, int, int] | None = None  # where it goes, in `image` pixels
    opacity: float = 0.0  # the timeline's opacity at t (fades, GB 45438 §5.4 cards)
    position: str = ""  # the anchor the engine resolved ("auto")
    source_size: tuple[int, int] = (0, 0)  # as viewed
    exact: bool = True  # False: the nearest kept frame, shown while the exact one is decoded

    @property
    def baked(self) -> bool:
        return self.part != "programme"


@dataclass
class _Request:
    serial: int
    t: float
    play: bool


def _rgb_qimage(rgb) -> QImage:
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, w * 3, QImage.Format.Format_RGB888).copy()


class FrameServer(QObject):
    frame_ready = Signal(int, object)  # (request serial, VideoFrameRender)
    failed = Signal(int, str)

    def __init__(
        self, parent: QObject | None = None, max_side: int = 960, budget: int | None = None
    ):
        super().__init__(parent)
        self.max_side = max_side
        self.budget = budget
        self._cond = threading.Condition()
        self._want: _Request | None = None
        self._path: Path | None = None
        self._settings: LabelSettings | None = None
        self._serial = 0
        self._stop = False
        self._thread: threading.Thread | None = None
        self._last: _Request | None = None
        self._working = False
        # Owned by the decoder thread:
        self.source = None  # engine FrameSource of the open file
        self._plan_key = None
        self._plan = None
        self._given = None  # set_plan
        self._release = False  # release(): close the source on the decoder thread
        self._timeline = None
        self._cards: dict = {}
        self.decode_threads: set[int] = set()  # idents of threads that decoded (tests check)
        self.prefetch = True  # decode ahead when idle (the scrub benchmark turns it off for cold)

    # --- UI thread ---------------------------------------------------------------------------
    def set_file(self, path: Path, settings: LabelSettings) -> None:
        with self._cond:
            self._path, self._settings = Path(path), settings
            self._want = None
            self._cond.notify()

    def release(self) -> None:
        """Leaving the video (another file selected, rows removed): the decoder thread closes
        the file and drops its cached frames (up to the budget), so nothing holds the clip open
        (Windows could not delete or rename it) or keeps the memory."""
        with self._cond:
            self._path, self._settings, self._want = None, None, None
            self._given = None
            self._release = True
            self._cond.notify()

    def set_plan(self, plan) -> None:
        """The export's VideoPlan (preview_render.video_info): its label and timeline are drawn
        as they are, so the preview cannot drift from what the export writes."""
        with self._cond:
            self._given = plan
            self._plan_key = None

    def request(self, t: float, play: bool = False) -> int:
        """Ask for the frame at output time t; returns the serial `frame_ready` will carry."""
        with self._cond:
            self._serial += 1
            self._want = _Request(self._serial, float(t), play)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="frames", daemon=True)
                self._thread.start()
            self._cond.notify()
            return self._serial

    @property
    def serial(self) -> int:
        return self._serial

    def busy(self) -> bool:
        """A request is waiting or being served, or the thread is decoding ahead."""
        with self._cond:
            return self._want is not None or self._working

    def shutdown(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._want = None
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # --- decoder thread -------------------------------------------------------------------------
    def _stale(self) -> bool:
        """A newer request waits, and it is not further along the same forward walk (those are
        served right after this one: a drag to the right or Play shows every step)."""
        want, src = self._want, self.source
        if self._stop:
            return True
        if want is None or src is None or self._last is None:
            return False
        if self._path != src.path:
            return True
        tl = self._timeline
        part, local = tl.locate(want.t) if tl is not None else ("programme", want.t)
        pos = src.position
        return part != "programme" or pos is None or local < pos - 1e-6

    def _run(self) -> None:
        while True:
            with self._cond:
                while (
                    not self._stop
                    and self._want is None
                    and not self._release
                    and not self._idle_work()
                ):
                    self._working = False
                    self._cond.wait()
                if self._stop:
                    break
                if self._release:
                    self._release = False
                    if self.source is not None:
                        self.source.close()
                        self.source = None
                    self._last, self._plan_key, self._cards = None, None, {}
                    if self._want is None:
                        continue
                self._working = True
                req, self._want = self._want, None
                path, settings = self._path, self._settings
            if req is None:
                self._prefetch_step()
                continue
            self._last = req
            try:
                render = self._serve(req, path, settings)
            except _Dropped:
                continue
            except Exception as exc:  # shown in the preview, never raised into Qt
                traceback.print_exc()
                self.failed.emit(req.serial, f"{type(exc).__name__}: {exc}")
                continue
            self.frame_ready.emit(req.serial, render)
        if self.source is not None:
            self.source.close()
            self.source = None

    def _idle_work(self) -> bool:
        src, last = self.source, self._last
        if src is not None and not src.scanned:
            return True
        if not self.prefetch or src is None or last is None or src.position is None:
            return False
        return src.position < self._prefetch_until(last) and (
            src.cache.nbytes + src._frame_bytes() <= src.cache.budget
        )

    def _prefetch_until(self, req: _Request) -> float:
        part, local = self._timeline.locate(req.t) if self._timeline else ("programme", req.t)
        ahead = PREFETCH_PLAY_S if req.play else PREFETCH_SCRUB_S
        return min(self.source.duration, max(local, 0.0) + ahead)

    def _prefetch_step(self) -> None:
        src = self.source
        if src is None:
            return
        self.decode_threads.add(threading.get_ident())
        if not src.scanned:
            try:
                src.scan_keyframes()
            except Exception:  # without the list, the decoder decides by distance alone
                src.scanned = True
            return
        last = self._last
        if last is None:
            return
        try:
            src.prefetch(
                self._prefetch_until(last),
                0.0 if last.play else SCRUB_STEP,
                lambda: self._want is not None or self._stop,
            )
        except Exception:  # a damaged tail: stop prefetching, the request path reports it
            self._last = None

    def _open(self, path: Path) -> None:
        from aigclabel_gui.engine.visible.frame_source import DEFAULT_BUDGET, FrameSource

        if self.source is not None and self.source.path == path:
            return
        if self.source is not None:
            self.source.close()
            self.source = None
        self._plan_key, self._cards = None, {}
        self.source = FrameSource(path, self.max_side, self.budget or DEFAULT_BUDGET)

    def _ensure_plan(self, settings: LabelSettings) -> None:
        from aigclabel_gui.engine.visible.video import plan_label
        from aigclabel_gui.engine.visible.video_cards import VideoTimeline
        from aigclabel_gui.ui.preview_render import shows_label

        given = self._given
        if given is not None and given.settings is not settings:
            given = None  # made for other settings: not this frame's plan
        key = (repr(settings), id(given))
        if key == self._plan_key:
            return
        if given is not None:
            self._timeline, self._plan = given.timeline, given.label
        else:  # before video_info has answered, or no label planned: the same engine steps
            pr = self.source.probe
            self._timeline = VideoTimeline.from_settings(settings.video, pr.duration, pr.rate)
            self._plan = plan_label(pr, settings.visible) if shows_label(settings) else None
        self._plan_key = key
        self._label_q = pil_to_qimage(self._plan.overlay.image) if self._plan else None
        self._cards = {}

    def _card(self, part: str, settings: LabelSettings) -> QImage:
        """An inserted title card, drawn by the engine from the first or last frame."""
        if part not in self._cards:
            from aigclabel_gui.engine.visible.video import _fit, _frame_at
            from aigclabel_gui.engine.visible.video_cards import title_card

            src = self.source
            pr = src.probe
            at = 0.0 if part == "start-card" else pr.duration
            bg = _frame_at(src.path, pr, at, 0)
            self._cards[part] = pil_to_qimage(_fit(title_card(bg, settings.visible), self.max_side))
        return self._cards[part]

    def _serve(self, req: _Request, path: Path, settings: LabelSettings) -> VideoFrameRender:
        from aigclabel_gui.engine.visible.frame_source import Stale

        self.decode_threads.add(threading.get_ident())
        self._open(path)
        self._ensure_plan(settings)
        src, tl = self.source, self._timeline
        shown = src.probe.display_size
        part, local = tl.locate(req.t)
        if part != "programme":
            return VideoFrameRender(req.t, self._card(part, settings), part, source_size=shown)
        pos = src.position
        short_walk = pos is not None and pos - 1e-6 <= local < pos + 0.3
        if not req.play and not short_walk and not src.cache.covers(local):
            near = src.nearest(local)  # something to look at at once; the exact frame follows
            if near is not None:
                self.frame_ready.emit(req.serial, self._labelled(req, near, local, exact=False))
        try:
            # Playing: frames passed on the way to a late request are already in the past.
            f = src.frame_at(local, -1.0 if req.play else SCRUB_STEP, self._stale)
        except Stale:
            raise _Dropped from None
        return self._labelled(req, f, local)

    def _labelled(self, req: _Request, f, local: float, exact: bool = True) -> VideoFrameRender:
        shown = self.source.probe.display_size
        image = _rgb_qimage(f.rgb())
        out = VideoFrameRender(req.t, image, "programme", source_size=shown, exact=exact)
        tl = self._timeline
        if self._plan is not None:
            scale = image.width() / shown[0]
            x0, y0, x1, y1 = self._plan.overlay.box
            out.box = (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))
            out.label = self._label_q
            out.opacity = tl.schedule.opacity(local)
            out.position = self._plan.position
        return out


class _Dropped(Exception):
    """The request was overtaken by a newer one."""
