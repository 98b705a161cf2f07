"""Background work for the UI: QRunnable tasks, each with a separate QObject carrying its signals.

(Never inherit QRunnable and QObject together: the runnable may be deleted by the pool while
queued signals still reference it.)
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

# How long a finished task is kept referenced after it says "finished": the pool thread is still
# returning from run() when the signal is delivered, so the task must outlive that moment.
RELEASE_DELAY_MS = 500


class TaskSignals(QObject):
    result = Signal(object, object)  # (key, value)
    error = Signal(object, str)  # (key, message)
    progress = Signal(object, object)  # (key, event)
    finished = Signal(object)  # key


class FunctionTask(QRunnable):
    """Run `fn(*args)` in the pool; emit result(key, value) or error(key, message)."""

    def __init__(self, key: Any, fn: Callable[..., Any], *args: Any):
        super().__init__()
        self.key, self.fn, self.args = key, fn, args
        self.signals = TaskSignals()
        self.setAutoDelete(False)  # Python owns the task (see start_task)

    def run(self) -> None:
        try:
            value = self.fn(*self.args)
        except Exception as exc:  # reported to the UI, never raised into Qt
            self.signals.error.emit(self.key, f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
        else:
            self.signals.result.emit(self.key, value)
        finally:
            self.signals.finished.emit(self.key)


class GeneratorTask(QRunnable):
    """Iterate `gen_fn(*args)` in the pool, emitting progress(key, event) for every item
    (the engine's batch runner yields event dataclasses)."""

    def __init__(self, key: Any, gen_fn: Callable[..., Any], *args: Any):
        super().__init__()
        self.key, self.gen_fn, self.args = key, gen_fn, args
        self.signals = TaskSignals()
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            for event in self.gen_fn(*self.args):
                self.signals.progress.emit(self.key, event)
        except Exception as exc:
            self.signals.error.emit(self.key, f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
        finally:
            self.signals.finished.emit(self.key)


def start_task(
    task: FunctionTask | GeneratorTask, keep: set, pool: QThreadPool | None = None
) -> None:
    """Start `task` in the pool, holding a reference in `keep` until shortly after it finished
    (never let Python free a runnable whose run() is still returning on a pool thread)."""
    keep.add(task)
    task.signals.finished.connect(
        lambda _k, t=task: QTimer.singleShot(RELEASE_DELAY_MS, lambda: keep.discard(t))
    )
    (pool or QThreadPool.globalInstance()).start(task)
