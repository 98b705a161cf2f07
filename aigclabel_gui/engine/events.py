"""Progress events and cancellation shared by the pipeline, the batch runner, the CLI and the GUI."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from aigclabel_gui.engine.errors import Cancelled


class CancelToken:
    """Checked by long jobs between frames/chunks. `event` may be a multiprocessing.Event so a
    parent process can cancel workers."""

    def __init__(self, event: threading.Event | None = None):
        self._event = event if event is not None else threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")


@dataclass(frozen=True)
class FileProgress:
    """Progress of one file: fraction in [0, 1], with an optional detail (frames, seconds)."""

    path: str
    fraction: float
    detail: str = ""


ProgressCallback = Callable[[FileProgress], None]


def no_progress(_: FileProgress) -> None:
    return None
