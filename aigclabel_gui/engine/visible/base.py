"""The explicit-label interface, like `containers/base.py` for the implicit one.

One handler per media kind: `plan()` decides where the label, prompt or cards go (in the file's
own pixel and time coordinates, nothing written); `apply()` writes exactly that plan. The GUI
preview draws from the same `plan()`, so what it shows is what the export writes
(tests/ui/test_preview_plan.py). This module is a leaf: the visible modules and the pipeline
import it, it imports none of them (handlers are looked up lazily in `HANDLERS`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

if TYPE_CHECKING:
    from aigclabel_gui.engine.events import CancelToken, ProgressCallback
    from aigclabel_gui.engine.settings import LabelSettings


class Box(NamedTuple):
    """A rectangle in pixels, (x0, y0) inclusive, (x1, y1) exclusive. A tuple, so JSON writes it
    as a list and `x0, y0, x1, y1 = box` works; str() gives the former "x0,y0,x1,y1" text."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def scaled(self, factor: float) -> Box:
        return Box(*(round(v * factor) for v in self))

    def __str__(self) -> str:
        return ",".join(map(str, self))


# A measured value: a number, a word, a box in pixels, or several seconds (prompt starts).
Measurement = float | int | str | Box | tuple[float, ...]


@dataclass
class ExplicitReport:
    """What the explicit step did, with the numbers the standard asks for."""

    kind: str
    summary: str  # e.g. "label 'AI生成' bottom-right, text height 6.1% of shorter side"
    measurements: dict[str, Measurement] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # The handler's Plan this report carried out (ImagePlan, AudioPlan, …). It holds pixels and
    # samples (the label image, the prompt, a video's first frame), so it stays in the process
    # that made it: a pickled report (process pool, Ray) has plan None.
    plan: Any = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "plan": None}


class Plan(Protocol):
    """What a handler's plan() returns: a typed dataclass per kind (ImagePlan, AudioPlan,
    VideoPlan, TextPlan) with the format it was made for and the planning warnings."""

    kind: ClassVar[str]
    fmt: str
    warnings: list[str]


class ExplicitLabeler(Protocol):
    """One media kind's explicit label (GB 45438 §5.1–5.4)."""

    kind: ClassVar[str]  # "image" | "audio" | "video" | "text"
    formats: ClassVar[tuple[str, ...]]  # registry names it can write

    def plan(self, path: Path, settings: LabelSettings, fmt: str | None = None) -> Any:
        """Where the label goes for this file and these settings, or None when the settings add
        no explicit label. `fmt` is the registry name when the caller identified the file."""
        ...

    def apply(
        self, plan: Any, src: Path, dst: Path, progress: ProgressCallback, cancel: CancelToken
    ) -> ExplicitReport:
        """Write `src` with `plan` carried out to `dst` (a fresh temp path). On failure no
        `dst` is left."""
        ...

    def label(
        self,
        src: Path,
        dst: Path,
        settings: LabelSettings,
        fmt: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport | None:
        """plan() then apply() (`Labeler.label`), as the export runs it."""
        ...


class Labeler:
    """Base of the handlers: `label()` is plan() then apply(), what an export runs. A handler
    may override it to share work between the two (the image handler decodes the picture once
    for "auto" placement and the label); the result must equal plan() then apply()."""

    def label(
        self,
        src: Path,
        dst: Path,
        settings: LabelSettings,
        fmt: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport | None:
        """`src` labelled into `dst`; None (nothing written) when the settings add no label."""
        plan = self.plan(src, settings, fmt)  # type: ignore[attr-defined]
        if plan is None:
            return None
        return self.apply(plan, src, dst, progress, cancel)  # type: ignore[attr-defined]


# media kind -> "module under engine.visible:class". Imported on first use: the image handler
# pulls in OpenCV, the video handler PyAV, and `aigclabel --help` needs neither.
HANDLERS: dict[str, str] = {
    "image": "image:ImageLabeler",
    "audio": "audio:AudioLabeler",
    "video": "video:VideoLabeler",
    "text": "text:TextLabeler",
}


@cache
def labeler_for(kind: str) -> ExplicitLabeler:
    module, cls = HANDLERS[str(kind)].split(":")
    mod = importlib.import_module(f"aigclabel_gui.engine.visible.{module}")
    return getattr(mod, cls)()


def format_name(path: Path, fmt: str | None) -> str:
    """The registry name of `path`, identified by its bytes unless the caller knows it."""
    if fmt:
        return fmt
    from aigclabel_gui.engine.registry import identify

    return identify(Path(path)).name
