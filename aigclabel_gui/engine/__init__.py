"""The labelling engine as a library: the only code that reads or writes media. Qt-free by contract.

One file::

    from aigclabel_gui.engine import LabelSettings, ImplicitSettings, label_file, inspect_file

    settings = LabelSettings(implicit=ImplicitSettings(producer="001191440300708461136T1XGW3"))
    result = label_file("in/cat.jpg", "out/cat.jpg", settings)   # -> LabelResult, or raises AigcError
    report = inspect_file("out/cat.jpg")                          # -> InspectReport
    assert report.verdict == "compliant"

Many files: `plan_jobs` + `run_batch` (a generator of events; a local process pool, or a Ray
cluster with `executor=RayExecutor("HOST:PORT")`). See docs/library.md for pipelines (Ray Data,
concurrent.futures).

Contract
--------
* `label_file(src, dst, settings, *, progress=None, cancel=None) -> LabelResult` never modifies
  `src`; it writes a temp file next to `dst`, reads it back, verifies the record and renames it:
  `dst` is either a complete labelled file or untouched. Failures raise a subclass of
  `AigcError` with `.message`, `.advice`, `.exit_code` and a stable `.code` (e.g.
  "corrupt-file"); `NoCarrier` means "nothing to write" rather than a fault.
* `inspect_file(path) -> InspectReport` never raises for a bad file: `verdict` is one of
  `VERDICT_WORDS` and `error` says why a file could not be read.
* Settings and results are dataclasses (settings frozen; `LabelSettings.to_dict/from_dict`
  round-trip through JSON), picklable, so they cross process and machine boundaries.
* Progress is a callback receiving `FileProgress`; cancellation is a `CancelToken` checked
  between frames and steps (`Cancelled` is raised, nothing is left behind).
* Thread- and process-safe per file: calls share no state, two calls must not write one `dst`.

Stability (semantic versioning)
-------------------------------
Every name in `__all__` is public: from 1.0 on, removing or renaming one, a parameter of a public
function or a field of a public dataclass, or changing an error's `code` needs a new major
version; new names, new optional parameters, new dataclass fields with defaults and new error
classes (always subclasses of the existing ones) are minor. While the version is 0.x, a minor
release may still break the API and says so in its notes. Everything else in the sub-modules
(`containers`, `visible`, `xmp`, helpers with a leading underscore) is internal.

Import cost: `import aigclabel_gui.engine` loads none of the media libraries; each public name is
imported on first use (PEP 562 module `__getattr__`), and PyAV, OpenCV, pikepdf and Pillow's
codecs load only when a file of their kind is labelled or inspected (bench/bench_import.py).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)

# public name -> module that defines it (imported on first access)
_EXPORTS: dict[str, str] = {
    # one file
    "label_file": "pipeline",
    "LabelResult": "pipeline",
    "ExplicitReport": "pipeline",
    "inspect_file": "inspect",
    "InspectReport": "inspect",
    "RecordFinding": "inspect",
    "VERDICT_WORDS": "inspect",
    # settings and the record
    "LabelSettings": "settings",
    "ImplicitSettings": "settings",
    "VisibleSettings": "settings",
    "AudioSettings": "settings",
    "VideoSettings": "settings",
    "TextSettings": "settings",
    "AigcRecord": "record",
    # errors (one class per user-facing failure) and exit codes
    "AigcError": "errors",
    "ExitCode": "errors",
    "UnsupportedFormat": "errors",
    "CorruptFile": "errors",
    "InputTooLarge": "errors",
    "InvalidRecord": "errors",
    "InvalidSettings": "errors",
    "NoCarrier": "errors",
    "OutputError": "errors",
    "VerificationFailed": "errors",
    "Cancelled": "errors",
    # progress and cancellation
    "CancelToken": "events",
    "FileProgress": "events",
    "ProgressCallback": "events",
    # many files
    "Job": "batch",
    "JobResult": "batch",
    "plan_jobs": "batch",
    "run_batch": "batch",
    "BatchStarted": "batch",
    "FileStarted": "batch",
    "FileProgressed": "batch",
    "FileFinished": "batch",
    "BatchProgress": "batch",
    "BatchFinished": "batch",
    "BatchSummary": "report",
    "JobStatus": "kinds",
    "MediaKind": "kinds",
    # on a Ray cluster (needs the `cluster` extra only when a batch actually runs)
    "RayExecutor": "cluster",
    "ClusterError": "cluster",
}

__all__ = [
    "AigcError",
    "AigcRecord",
    "AudioSettings",
    "BatchFinished",
    "BatchProgress",
    "BatchStarted",
    "BatchSummary",
    "CancelToken",
    "Cancelled",
    "ClusterError",
    "CorruptFile",
    "ExitCode",
    "ExplicitReport",
    "FileFinished",
    "FileProgress",
    "FileProgressed",
    "FileStarted",
    "ImplicitSettings",
    "InputTooLarge",
    "InspectReport",
    "InvalidRecord",
    "InvalidSettings",
    "Job",
    "JobResult",
    "JobStatus",
    "LabelResult",
    "LabelSettings",
    "MediaKind",
    "NoCarrier",
    "OutputError",
    "ProgressCallback",
    "RayExecutor",
    "RecordFinding",
    "TextSettings",
    "UnsupportedFormat",
    "VERDICT_WORDS",
    "VerificationFailed",
    "VideoSettings",
    "VisibleSettings",
    "inspect_file",
    "label_file",
    "plan_jobs",
    "run_batch",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static type checkers and IDEs see the real definitions
    from typing import Any

    from aigclabel_gui.engine.batch import (
        BatchFinished,
        BatchProgress,
        BatchStarted,
        FileFinished,
        FileProgressed,
        FileStarted,
        Job,
        JobResult,
        plan_jobs,
        run_batch,
    )
    from aigclabel_gui.engine.cluster import ClusterError, RayExecutor
    from aigclabel_gui.engine.errors import (
        AigcError,
        Cancelled,
        CorruptFile,
        ExitCode,
        InputTooLarge,
        InvalidRecord,
        InvalidSettings,
        NoCarrier,
        OutputError,
        UnsupportedFormat,
        VerificationFailed,
    )
    from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback
    from aigclabel_gui.engine.inspect import (
        VERDICT_WORDS,
        InspectReport,
        RecordFinding,
        inspect_file,
    )
    from aigclabel_gui.engine.kinds import JobStatus, MediaKind
    from aigclabel_gui.engine.pipeline import ExplicitReport, LabelResult, label_file
    from aigclabel_gui.engine.record import AigcRecord
    from aigclabel_gui.engine.report import BatchSummary
    from aigclabel_gui.engine.settings import (
        AudioSettings,
        ImplicitSettings,
        LabelSettings,
        TextSettings,
        VideoSettings,
        VisibleSettings,
    )
