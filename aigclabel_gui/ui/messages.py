"""Engine messages (English, technical) → one translated sentence for the user.

The engine reports a failure as `str(AigcError)`: "message (advice)", where the advice is the
error class's own sentence. The class is recognised from that advice, so the UI can say it in
the user's language; the technical text stays available behind "details" and in the report.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from aigclabel_gui.engine import errors


def _class_of(reason: str) -> str:
    for cls in (
        errors.UnsupportedFormat,
        errors.CorruptFile,
        errors.InputTooLarge,
        errors.InvalidRecord,
        errors.InvalidSettings,
        errors.NoCarrier,
        errors.OutputError,
        errors.VerificationFailed,
    ):
        if cls.advice and reason.endswith(f"({cls.advice})"):
            return cls.__name__
    return ""


# JobResult.error (the engine's stable code) -> the error class whose sentence to show.
_CODE_CLASS = {
    "unsupported-format": "UnsupportedFormat",
    "corrupt-file": "CorruptFile",
    "input-too-large": "InputTooLarge",
    "invalid-record": "InvalidRecord",
    "invalid-settings": "InvalidSettings",
    "no-carrier": "NoCarrier",
    "output-error": "OutputError",
    "verification-failed": "VerificationFailed",
}


def friendly_reason(reason: str, status: str = "failed", error: str = "") -> str:
    """One short sentence in the UI language for an engine result: by its error code
    (JobResult.error) when there is one, else recognised from the reason text."""
    r = reason or ""
    by_code = {
        "missing-dependency": QCoreApplication.translate(
            "Messages", "A component needed for this file type is not installed; see the details."
        ),
        "unreadable-input": QCoreApplication.translate(
            "Messages", "The file could not be read (permissions, or not a regular file)."
        ),
        "time-limit": QCoreApplication.translate(
            "Messages",
            "Labelling this file took too long and was stopped; the file may be damaged.",
        ),
        "memory-limit": QCoreApplication.translate(
            "Messages", "This file needed too much memory and was stopped; the file may be damaged."
        ),
    }.get(error)
    if by_code:
        return by_code
    if status == "cancelled" or r.startswith("cancelled"):
        return QCoreApplication.translate("Messages", "Cancelled before it was finished.")
    if "(resume" in r:  # "already labelled … (resume; output verified)"
        return QCoreApplication.translate(
            "Messages", "Already labelled with these settings in this folder; left as it is."
        )
    if "output exists" in r:
        return QCoreApplication.translate(
            "Messages", "A file with this name is already in the output folder; left as it is."
        )
    if "ContentProducer is required" in r:
        return QCoreApplication.translate(
            "Messages",
            "No producer code: enter the code of the AI service that generated this file.",
        )
    if "worker process crashed" in r:
        return QCoreApplication.translate(
            "Messages", "The labelling process crashed on this file; try it again alone."
        )
    if "disk full" in r or "not enough free space" in r:
        return QCoreApplication.translate(
            "Messages", "The output disk is full; free some space and try again."
        )
    if "not writable" in r:
        return QCoreApplication.translate(
            "Messages", "The output folder cannot be written to; choose another folder."
        )
    if "is an input file" in r:  # planning: an output name would replace an input
        return QCoreApplication.translate(
            "Messages",
            "An output would replace one of the input files; choose an output folder that is "
            "not an input folder.",
        )
    if "would leave the output folder" in r or "reserved for aigclabel" in r:
        return QCoreApplication.translate(
            "Messages", "The name template cannot be used for these files; change the template."
        )
    if "would overwrite the original" in r:
        return QCoreApplication.translate(
            "Messages", "The output would replace the original; choose another output folder."
        )
    if "16-bit" in r or "8 bits" in r:
        return QCoreApplication.translate(
            "Messages", "This picture uses 16 bits per channel; save it as 8 bits and try again."
        )
    kind = _CODE_CLASS.get(error) or _class_of(r)
    if not kind and "has no implicit-label carrier" in r:
        kind = "NoCarrier"
    text = {
        "UnsupportedFormat": QCoreApplication.translate(
            "Messages", "This file type is not supported."
        ),
        "CorruptFile": QCoreApplication.translate(
            "Messages", "The file is damaged; export it again from the original software."
        ),
        "InputTooLarge": QCoreApplication.translate(
            "Messages", "The file is too large to open safely."
        ),
        "InvalidRecord": QCoreApplication.translate(
            "Messages", "A value of the metadata record is not allowed (codes use A–Z, 0–9)."
        ),
        "InvalidSettings": QCoreApplication.translate(
            "Messages", "A setting is not allowed; check the settings and try again."
        ),
        "NoCarrier": QCoreApplication.translate(
            "Messages", "This format cannot hold a metadata record; nothing was written."
        ),
        "OutputError": QCoreApplication.translate(
            "Messages", "The labelled copy could not be saved in the output folder."
        ),
        "VerificationFailed": QCoreApplication.translate(
            "Messages", "The labelled copy did not check out and was not kept."
        ),
    }.get(kind)
    if text:
        return text
    if status == "skipped":
        return QCoreApplication.translate("Messages", "Skipped.")
    return QCoreApplication.translate(
        "Messages", "This file could not be labelled; see the details."
    )


def friendly_unsupported(exc_class: str) -> str:
    """Why a file was refused when it was added (identify() raised exc_class)."""
    if exc_class == "CorruptFile":
        return QCoreApplication.translate("Messages", "damaged file")
    if exc_class == "InputTooLarge":
        return QCoreApplication.translate("Messages", "too large to open safely")
    return QCoreApplication.translate("Messages", "not a supported file type")


def producer_code_problem(value: str) -> str | None:
    """What is wrong with a typed producer code, in the UI language, or None.

    A 27-character provider code (TC260 guide: 0011 + 18-character unified social credit code +
    5-character service extension) is checked in full, including the credit code's check
    character; any other value is taken as the service's registered name, which only has to
    keep to the Annex E characters."""
    import re

    from aigclabel_gui.engine.record import PROVIDER_CODE_RE, uscc_is_valid, value_problem

    if not value:
        return None
    if value_problem("ContentProducer", value):
        bad = sorted({c for c in value if not ("\x21" <= c <= "\x7e") or c == "\\"})
        shown = " ".join(
            QCoreApplication.translate("Messages", "space") if c == " " else f"'{c}'"
            for c in bad[:5]
        )
        return QCoreApplication.translate(
            "Messages",
            "GB 45438 Annex E: only letters, digits and ASCII signs; not allowed here: {0}",
        ).format(shown)
    looks_like_code = value.startswith("00") or re.fullmatch(r"[0-9A-Z]{10,}", value)
    if not looks_like_code:
        return None
    if len(value) != 27:
        return QCoreApplication.translate(
            "Messages", "A provider code has 27 characters; this one has {0}."
        ).format(len(value))
    if not PROVIDER_CODE_RE.match(value):
        return QCoreApplication.translate(
            "Messages", "A provider code starts with 0011 and uses only digits and capital letters."
        )
    if not uscc_is_valid(value[4:22]):
        return QCoreApplication.translate(
            "Messages",
            "The credit code inside (characters 5–22) has a wrong check character: a typing error?",
        )
    return None
