"""The engine's small vocabularies, defined once: media kinds and job statuses.

A leaf module (it imports only `enum`) so the CLI, the GUI, reports and the batch runner can all
use it without loading anything else. Both are `StrEnum`s: a member *is* its string (`"ok" ==
JobStatus.OK`, `json.dumps` and `csv` write `"ok"`), so JSON/CSV reports, the resume journal and
code that still compares plain strings keep working unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class MediaKind(StrEnum):
    """What a file is, as the registry reports it (each container declares its kind)."""

    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    TEXT = "text"  # text documents: plain text, Markdown, PDF, DOCX…
    FILE = "file"  # not identified (yet), or not a regular file: its job says why


class JobStatus(StrEnum):
    """The outcome of one file in a batch (`JobResult.status`), plus the GUI's in-flight state."""

    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RUNNING = "running"  # GUI only: sent to the batch, no result yet; never in a report

    @classmethod
    def final(cls) -> tuple[JobStatus, ...]:
        """The statuses a finished file can have, in report order (the JSON summary's keys)."""
        return (cls.OK, cls.SKIPPED, cls.FAILED, cls.CANCELLED)


# Label anchors (VisibleSettings.position; the CLI's --position help).
ANCHORS = (
    "top-left", "top", "top-right",
    "left", "center", "right",
    "bottom-left", "bottom", "bottom-right",
)  # fmt: skip

# `--on-exist` policies (batch.run_batch, the CLI, the GUI's export settings).
ON_EXIST = ("skip", "overwrite", "rename")
