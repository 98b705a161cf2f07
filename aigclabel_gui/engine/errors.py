"""One exception per user-facing failure, each with a sentence of advice and an exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of `aigclabel`; each AigcError names its own in `exit_code`."""

    OK = 0
    NOT_COMPLIANT = 1  # `check`: some file lacks a complete implicit label
    USAGE = 2  # bad options or paths: nothing was labelled
    SOME_FAILED = 3  # `label`: files failed for different reasons (or one without its own code)
    MISSING_DEPENDENCY = 4  # a library or tool a format needs is not installed here
    UNREADABLE_INPUT = 5  # an input could not be read (permissions, not a regular file, gone)
    UNWRITABLE_OUTPUT = 6  # the output folder is full, read-only or not writable
    CORRUPT_INPUT = 7  # an input is damaged, truncated or too large to read safely
    UNSUPPORTED_INPUT = 8  # an input is not a format aigclabel labels
    CANCELLED = 130


# JobResult.error (an AigcError.code, or one of the batch's own) -> the exit code of `label`
# when every failed file failed for that one reason.
EXIT_FOR_ERROR = {
    "missing-dependency": ExitCode.MISSING_DEPENDENCY,
    "unreadable-input": ExitCode.UNREADABLE_INPUT,
    "output-error": ExitCode.UNWRITABLE_OUTPUT,
    "corrupt-file": ExitCode.CORRUPT_INPUT,
    "input-too-large": ExitCode.CORRUPT_INPUT,
    "unsupported-format": ExitCode.UNSUPPORTED_INPUT,
}


def batch_exit_code(error_codes: list[str]) -> ExitCode:
    """`label`'s exit code from the error codes of the failed files (empty: OK)."""
    if not error_codes:
        return ExitCode.OK
    found = {EXIT_FOR_ERROR.get(c, ExitCode.SOME_FAILED) for c in error_codes}
    return found.pop() if len(found) == 1 else ExitCode.SOME_FAILED


class AigcError(Exception):
    """Base class: `message` says what went wrong, `advice` what the user can do."""

    advice = ""
    exit_code = ExitCode.SOME_FAILED

    def __init__(self, message: str, advice: str | None = None):
        # One line per failed file (reports, the CLI, the GUI's table): a library's own text
        # (FFmpeg, libheif) quoted in the message may hold line breaks.
        if "\n" in message or "\r" in message:
            message = " ".join(line.strip() for line in message.splitlines() if line.strip())
        super().__init__(message)
        self.message = message
        if advice is not None:
            self.advice = advice

    def __str__(self) -> str:
        return f"{self.message} ({self.advice})" if self.advice else self.message

    @property
    def code(self) -> str:
        """Stable machine-readable code for pipelines: the class name in kebab-case
        (CorruptFile -> "corrupt-file"); part of the public API (see engine/__init__.py)."""
        name = type(self).__name__
        return "".join(
            "-" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name)
        )


class UnsupportedFormat(AigcError):
    """The bytes are not a format we can label."""

    _advice: str | None = None

    @property
    def advice(self) -> str:  # derived from the container classes: never a stale list
        if self._advice is not None:
            return self._advice
        from aigclabel_gui.engine.registry import supported_titles

        return f"supported: {supported_titles()}"

    @advice.setter
    def advice(self, value: str) -> None:
        self._advice = value


class CorruptFile(AigcError):
    """The file is damaged, truncated or missing."""

    advice = "the file is damaged or truncated; re-export it from its source"


class InputTooLarge(AigcError):
    """The file exceeds a safety limit (decompression bomb guard)."""

    advice = "the file is larger than the safety limit (possible decompression bomb)"


class InvalidRecord(AigcError):
    """A value of the AIGC record breaks GB 45438 Annex E."""

    advice = (
        "Annex E allows printable ASCII only (no spaces, no Chinese, no backslash); "
        "use the 27-character provider code, e.g. 001191440300708461136T1XGW3"
    )


class InvalidSettings(AigcError):
    """A setting, template or option value cannot be used."""

    advice = "fix the setting and try again"


class NoCarrier(AigcError):
    """The format has no implicit-label carrier (plain .txt): nothing is written."""

    advice = "plain text has no metadata carrier; use the explicit text prompt instead"


class OutputError(AigcError):
    """The output cannot be written (folder missing, read-only, disk full)."""

    advice = "check that the output folder exists, is writable and has free space"


class VerificationFailed(AigcError):
    """The written file did not read back with the expected record; nothing was kept."""

    advice = "the written file did not read back with the expected record; it was not kept"


class Cancelled(AigcError):
    """The job was cancelled through its CancelToken; nothing was written."""

    exit_code = ExitCode.CANCELLED
    advice = ""


class ExplicitLabelRequired(AigcError):
    """The export would carry no explicit label where GB 45438 asks for one, and the user has not
    chosen so explicitly (LabelSettings.no_explicit / `--no-explicit`)."""

    advice = (
        "add the label (image text, video start card or overlay, audio prompt), or choose "
        "explicitly to export without it with --no-explicit (GUI: confirm); Measures Art. 9 lets a "
        "provider hand out unlabelled content only on the user's request, with the user's "
        "labelling duty made clear — the choice is recorded in the report"
    )


class LabelTextRefused(InvalidSettings):
    """Label text without the "AI" + "generated/synthesised" elements (GB 45438 §5.2/§5.4)."""

    advice = 'use the default "AI生成" / "AI-generated", or --force-text to draw it anyway (reported as forced)'


class MissingDependency(AigcError):
    """A library or tool that this format needs is not installed (e.g. pillow-heif for HEIC)."""

    advice = "install the missing package (see the README's dependency table) and run again"


class UnreadableInput(AigcError):
    """The input exists but cannot be read: permissions, a FIFO or device, removed meanwhile."""

    advice = "check that the file is a regular file you can read"
