"""label_file(): one file in, one fully labelled copy out (explicit + implicit), verified.

Steps: identify by bytes → read the producer's existing record → explicit label (per media kind)
into a temp file → implicit record into a second temp file → read back and verify → os.replace.
The source is never opened for writing; on any failure no output is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, FoundRecord
from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    ExplicitLabelRequired,
    InvalidRecord,
    LabelTextRefused,
    NoCarrier,
    OutputError,
    VerificationFailed,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.realtime import demote_realtime_threads
from aigclabel_gui.engine.record import (
    PRODUCER_FIELDS,
    AigcRecord,
    new_content_id,
    parse_record_text,
    record_from_partial,
    value_problem,
)
from aigclabel_gui.engine.registry import FormatInfo, identify
from aigclabel_gui.engine.settings import (
    DEFAULT_TEXT,
    ImplicitSettings,
    LabelSettings,
    label_text_problem,
    position_warning,
)
from aigclabel_gui.engine.visible.base import ExplicitReport, labeler_for
from aigclabel_gui.engine.xmp import DST_COMPOSITE, DST_TRAINED, source_type_is_ai


@dataclass
class LabelResult:
    src: Path
    dst: Path
    format: str
    kind: str
    record: AigcRecord | None
    explicit: ExplicitReport | None = None
    kept_producer_record: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # "" normally; else why this export carries no explicit label although the user chose so
    # (LabelSettings.no_explicit / implicit_only): marked in the report.
    no_explicit: str = ""
    notes: list[str] = field(default_factory=list)  # what the engine decided on the user's behalf


def _pick_existing(records: list[FoundRecord]):
    parsed = [(r, parse_record_text(r.raw)) for r in records]
    # A stored value without a producer is not a producer's record to keep (e.g. `{"a":1}`):
    # it is replaced by a complete first write, and the user is told.
    usable = [(r, p) for r, p in parsed if str(p.values.get("ContentProducer", "")).strip()]
    usable.sort(key=lambda rp: (not rp[0].standard, len(rp[1].errors)))
    return usable[0] if usable else (None, None)


def existing_record(records: list[FoundRecord]) -> tuple[AigcRecord | None, list[str]]:
    """The producer's record to keep, from what a scan found. Prefers the standard carrier."""
    warnings: list[str] = []
    found, pr = _pick_existing(records)
    if found is None or pr is None:
        if records:
            warnings.append("an unusable AIGC record (no ContentProducer) was found and replaced")
        return None, warnings
    if len(records) > 1:
        warnings.append(f"{len(records)} AIGC records found; merged into one (GB 45438 §6.1 c)")
    if pr.errors:
        warnings.append("the producer's record does not conform: " + "; ".join(pr.errors))
    return record_from_partial(pr.values), warnings


def per_file_suffix(src: Path) -> str:
    """A stable per-file suffix for a fixed ID used as a prefix (Annex E: one ID per piece of
    content): from the file's name, size and first/last 64 KiB, so a rerun gives the same ID."""
    h = hashlib.sha256(src.name.encode("utf-8", "surrogateescape"))
    size = src.stat().st_size
    h.update(str(size).encode())
    with open(src, "rb") as f:
        h.update(f.read(1 << 16))
        if size > 1 << 17:
            f.seek(-(1 << 16), os.SEEK_END)
            h.update(f.read())
    return h.hexdigest()[:12]


def build_record(
    imp: ImplicitSettings,
    existing: AigcRecord | None,
    *,
    notes: list[str] | None = None,
    suffix: str = "",
) -> AigcRecord:
    """Our record: the producer's kept and completed, or a first write (Annex E note 1).

    `notes` receives what was decided on the user's behalf (IDs generated here, --producer
    ignored, fixed IDs made per-file). `suffix`, with `imp.ids_as_prefix`, turns a fixed
    produce_id/propagate_id into prefix + "-" + suffix."""
    notes = notes if notes is not None else []
    ours = {
        "ContentPropagator": imp.propagator,
        "PropagateID": imp.propagate_id,
        "ReservedCode2": imp.reserved2,
    }
    for name, value in ours.items():
        if value and (prob := value_problem(name, value)):
            raise InvalidRecord(prob)

    def fixed(name: str, value: str) -> str:
        if value and imp.ids_as_prefix and suffix:
            value = f"{value}-{suffix}"
            notes.append(
                f"{name} {value}: the fixed ID is used as a prefix with a per-file suffix "
                "(Annex E: one ID per piece of content)"
            )
        return value

    def generated(name: str) -> str:
        value = new_content_id()
        notes.append(f"{name} {value} was generated locally (random UUID)")
        return value

    propagate_id = fixed("PropagateID", imp.propagate_id)
    if existing is not None:
        if imp.producer and imp.producer != existing.ContentProducer:
            notes.append(
                f"--producer {imp.producer!r} was ignored: the file already names its producer "
                f"{existing.ContentProducer!r}, whose record is kept (GB 45438 §6.1, Annex E)"
            )
        if imp.propagator:
            prop, pid = imp.propagator, propagate_id or generated("PropagateID")
        else:
            prop = existing.ContentPropagator or existing.ContentProducer
            if prob := value_problem("ContentPropagator", prop):
                # Kept byte for byte in the producer fields, never copied into ours: a
                # propagator field we write must conform (Annex E character rule).
                raise InvalidRecord(
                    f"the file's record names {prop!r}, which Annex E does not allow in "
                    f"ContentPropagator ({prob}); it stays unchanged in the producer fields but "
                    "cannot be copied into the propagator fields",
                    advice="give your own provider code with --propagator (GUI: the Propagator field)",
                )
            pid = propagate_id or existing.PropagateID or existing.ProduceID
            if value_problem("PropagateID", pid):
                pid = generated("PropagateID")
            if not existing.ContentPropagator:
                notes.append(
                    "ContentPropagator/PropagateID were empty: completed from the producer pair "
                    "(Annex E note 1)"
                )
        return AigcRecord(
            Label=existing.Label,
            ContentProducer=existing.ContentProducer,
            ProduceID=existing.ProduceID,
            ReservedCode1=existing.ReservedCode1,
            ContentPropagator=prop,
            PropagateID=pid,
            ReservedCode2=imp.reserved2 or (existing.ReservedCode2 if not imp.propagator else ""),
        )
    if not imp.producer:
        raise InvalidRecord(
            "ContentProducer is required: enter the provider code of the service that generated the content",
            advice="a 27-character code such as 001191440300708461136T1XGW3; the GUI can build it from a unified social credit code",
        )
    produce_id = fixed("ProduceID", imp.produce_id) or generated("ProduceID")
    if not propagate_id:
        propagate_id = produce_id if not imp.propagator else generated("PropagateID")
    rec = AigcRecord(
        Label=imp.label_value,
        ContentProducer=imp.producer,
        ProduceID=produce_id,
        ReservedCode1=imp.reserved1,
        ContentPropagator=imp.propagator or imp.producer,
        PropagateID=propagate_id,
        ReservedCode2=imp.reserved2,
    )
    rec.validate()
    return rec


def propagator_required(existing: AigcRecord | dict | None) -> str | None:
    """Why the user must give a propagator for a file whose record is `existing` (its producer
    name or propagator breaks the Annex E character rule, so neither can be copied into the
    propagator fields), or None. For the GUI: the Propagator field turns required."""
    if existing is None:
        return None
    values = existing.as_dict() if isinstance(existing, AigcRecord) else existing
    prop = str(values.get("ContentPropagator") or values.get("ContentProducer") or "")
    if not prop:
        return None
    if prob := value_problem("ContentPropagator", prop):
        return f"the file's record names {prop!r}, which cannot be copied into ContentPropagator ({prob})"
    return None


_EXPLICIT_CLAUSE = {"image": "§5.2", "video": "§5.4", "audio": "§5.3", "text": "§5.1"}


def explicit_missing(kind: str, settings: LabelSettings) -> str | None:
    """Why an export of `kind` with these settings would carry no explicit label where GB 45438
    asks for one, or None."""
    if settings.implicit_only:
        return f"metadata only: no explicit label (GB 45438 {_EXPLICIT_CLAUSE.get(kind, '§5')})"
    if kind == "image" and not settings.visible.enabled:
        return "the image would carry no text prompt (GB 45438 §5.2: on an edge or in a corner)"
    if kind == "video":
        if not settings.visible.enabled:
            return "the video would carry no text prompt (GB 45438 §5.4: from the start frame)"
        if settings.video.cards == "none" and not settings.video.persistent:
            return (
                "the video would carry no text prompt: no start card and no overlay "
                "(GB 45438 §5.4: a text prompt in the picture from the start frame)"
            )
    if kind == "audio" and not settings.audio.enabled:
        return "the audio would carry no voice or rhythm prompt (GB 45438 §5.3)"
    if kind == "text" and not settings.text.enabled:
        return "the document would carry no text prompt (GB 45438 §5.1)"
    return None


def check_label_text(kind: str, settings: LabelSettings) -> str | None:
    """Refuse label text for images/video without "AI" + "generated" (§5.2/§5.4) unless forced;
    returns the warning to report when forced."""
    if kind not in ("image", "video"):
        return None
    text = settings.visible.resolved_text()
    prob = label_text_problem(text, kind)
    if prob is None:
        return None
    if settings.force_text:
        return f"label text forced (--force-text): {prob}"
    default = DEFAULT_TEXT.get(settings.visible.language, DEFAULT_TEXT["zh"])
    raise LabelTextRefused(
        prob,
        advice=f'use the default {default!r} (or e.g. "本内容由人工智能生成"), or --force-text '
        "to draw it anyway (reported as forced)",
    )


def digital_source_type_uri(imp: ImplicitSettings) -> str | None:
    if not imp.iptc:
        return None
    return DST_COMPOSITE if imp.digital_source_type.startswith("composite") else DST_TRAINED


def verify_written(
    container: Container,
    path: Path,
    expected: AigcRecord,
    existing: AigcRecord | None,
    dst_uri: str | None,
) -> None:
    """Read the written file back: exactly one record, our values, producer fields unchanged."""
    scan = container.scan(path)
    if len(scan.records) != 1:
        raise VerificationFailed(
            f"expected one AIGC record after writing, found {len(scan.records)}"
        )
    pr = parse_record_text(scan.records[0].raw)
    if pr.values != expected.as_dict():
        raise VerificationFailed(
            f"the record read back differs from the one written: {scan.records[0].raw!r}"
        )
    if existing is not None:
        got = tuple(pr.values.get(f) for f in PRODUCER_FIELDS)
        if got != existing.producer_part():
            raise VerificationFailed("the producer's fields changed while writing")
    if (
        dst_uri
        and container.carries_xmp
        and scan.records[0].carrier.startswith("XMP")
        and not scan.digital_source_type
    ):
        raise VerificationFailed("IPTC DigitalSourceType was not found after writing")
    if (
        dst_uri
        and container.carries_xmp
        and scan.digital_source_type
        and not source_type_is_ai(scan.digital_source_type)
    ):
        raise VerificationFailed(
            f"IPTC DigitalSourceType {scan.digital_source_type!r} still contradicts the AI label"
        )


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()  # read once at import: os.umask is process-wide and not thread-safe


def _temp_path(folder: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=".aigclabel-", suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


def _explicit_step(
    info: FormatInfo,
    src: Path,
    dst: Path,
    settings: LabelSettings,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> ExplicitReport | None:
    try:
        if info.kind == "audio" and info.name in ("mkv", "webm") and settings.audio.enabled:
            # audio-only Matroska: the track is labelled in its own container, then muxed back
            from aigclabel_gui.engine.visible.audio_matroska import label as label_matroska

            return label_matroska(src, dst, info.name, settings, progress, cancel)
        # plan() then apply() (visible/base.py); None when these settings add no explicit label
        return labeler_for(info.kind).label(src, dst, settings, info.name, progress, cancel)
    finally:
        demote_realtime_threads()  # an AV1 encode may have made this thread real-time


def label_file(
    src: Path | str,
    dst: Path | str,
    settings: LabelSettings,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> LabelResult:
    """Write a labelled copy of `src` to `dst`. Raises an AigcError subclass on failure, leaving no
    file at `dst` (an existing `dst` is only replaced by a complete, verified file)."""
    src, dst = Path(src), Path(dst)
    # A container that can keep what it read of `src` for the rest of this job (JPEG: the file
    # read once, its layout parsed once for scan and write; issue 11, fixed costs).
    with contextlib.ExitStack() as stack:
        same = src.is_file() and dst.exists() and os.path.samefile(src, dst)
        info = identify(src) if src.is_file() and not same else None  # else refused below
        if info is not None and (once := getattr(info.container, "reads_once", None)):
            stack.enter_context(once())
        return _label_file(src, dst, settings, info, progress=progress, cancel=cancel)


def _label_file(
    src: Path,
    dst: Path,
    settings: LabelSettings,
    info: FormatInfo | None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> LabelResult:
    t0 = time.perf_counter()
    progress = progress or no_progress
    cancel = cancel or CancelToken()
    if not src.is_file():
        raise CorruptFile(f"{src}: no such file", advice="check the path")
    if dst.exists() and os.path.samefile(src, dst):
        raise OutputError(
            f"{dst}: the output would overwrite the original", advice="choose another output folder"
        )
    if info is None:
        info = identify(src)
    warnings: list[str] = []
    if not info.extension_matches:
        warnings.append(
            f"the extension {src.suffix!r} does not match the content ({info.name}); labelled as {info.name}"
        )

    do_implicit = settings.implicit.enabled
    do_explicit = not settings.implicit_only
    if not info.container.has_carrier:
        if not do_explicit:
            raise NoCarrier(
                f"{src.name}: {info.name} has no implicit-label carrier; nothing written",
                # NoCarrier's default advice is about plain text; other formats (BMP) get their own.
                advice=None
                if info.kind == "text"
                else "add the visible label only, or convert to a format that carries metadata (e.g. PNG)",
            )
        if do_implicit:
            warnings.append(
                f"{info.name} has no metadata carrier: only the explicit label was added"
            )
        do_implicit = False

    notes: list[str] = []
    # Guardrails (GB 45438 §5): no export without the explicit label unless chosen explicitly.
    no_explicit = ""
    if (missing := explicit_missing(info.kind, settings)) is not None:
        if not (settings.no_explicit or settings.implicit_only):
            raise ExplicitLabelRequired(f"{src.name}: {missing}")
        how = "--implicit-only" if settings.implicit_only else "--no-explicit"
        no_explicit = f"{missing}; exported without it by the user's explicit choice ({how})"
        warnings.append("NO EXPLICIT LABEL: " + no_explicit)
    elif do_explicit and (forced := check_label_text(info.kind, settings)):
        warnings.append(forced)

    existing, ex_warn = (None, [])
    dst_uri = digital_source_type_uri(settings.implicit)
    if do_implicit:
        scan = info.container.scan(src)
        existing, ex_warn = existing_record(scan.records)
        warnings += ex_warn
        old = scan.digital_source_type
        if dst_uri and old and not source_type_is_ai(old) and not info.container.carries_xmp:
            warnings.append(
                f"IPTC DigitalSourceType {old!r} contradicts the AI label; aigclabel does not "
                f"write IPTC in {info.name} files, so it is left as it is"
            )
        elif dst_uri and old and not source_type_is_ai(old):
            if settings.implicit.keep_source_type:
                warnings.append(
                    f"IPTC DigitalSourceType {old!r} contradicts the AI label and was kept as asked"
                    " (platforms reading IPTC will not call this AI-generated)"
                )
                dst_uri = None
            else:
                notes.append(
                    f"IPTC DigitalSourceType {old!r} contradicted the AI label: updated to "
                    f"{dst_uri!r} (keep it with --keep-source-type)"
                )
        if existing is not None:
            found, _pr = _pick_existing(scan.records)
            raw = found.raw.strip().rstrip("\x00").strip() if found else ""
            if raw and raw != existing.to_json():
                notes.append(
                    "the producer's JSON string was re-serialised (spacing, key order, escapes "
                    "or wrapper); its four producer values are unchanged, but a ReservedCode1 "
                    "signature over the raw string would no longer match"
                )
    suffix = ""
    if (
        do_implicit
        and settings.implicit.ids_as_prefix
        and (settings.implicit.produce_id or settings.implicit.propagate_id)
    ):
        suffix = per_file_suffix(src)
    record = (
        build_record(settings.implicit, existing, notes=notes, suffix=suffix)
        if do_implicit
        else None
    )

    folder = dst.parent
    if not folder.is_dir():
        raise OutputError(f"output folder {folder} does not exist")
    temps: list[Path] = []
    try:
        try:
            stage = src
            explicit = None
            if do_explicit:
                tmp1 = _temp_path(folder, dst.suffix)
                temps.append(tmp1)
                explicit = _explicit_step(info, src, tmp1, settings, progress, cancel)
                if explicit is not None:
                    stage = tmp1
                    warnings += explicit.warnings
                    if info.kind in ("image", "video") and (
                        w := position_warning(settings.visible)
                    ):
                        warnings.append(w)
            cancel.raise_if_cancelled()
            if record is not None:
                tmp2 = _temp_path(folder, dst.suffix)
                temps.append(tmp2)
                info.container.write(stage, tmp2, record, digital_source_type=dst_uri)
                verify_written(info.container, tmp2, record, existing, dst_uri)
                stage = tmp2
            if stage == src:
                raise NoCarrier(f"{src.name}: nothing to write with these settings")
            cancel.raise_if_cancelled()
            # mkstemp makes 0600 files; a labelled copy gets the normal mode for new files.
            os.chmod(stage, 0o666 & ~_UMASK)
            os.replace(stage, dst)
            temps.remove(stage)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise OutputError(
                    f"{dst}: disk full", advice="free some space and run again"
                ) from exc
            if isinstance(exc, PermissionError) or exc.errno in (errno.EROFS, errno.EACCES):
                raise OutputError(f"{folder}: not writable ({exc.strerror})") from exc
            raise OutputError(f"{dst}: {exc.strerror or exc}") from exc
    finally:
        for t in temps:
            with contextlib.suppress(OSError):
                t.unlink()
    progress(FileProgress(str(src), 1.0, "done"))
    return LabelResult(
        src=src,
        dst=dst,
        format=info.name,
        kind=info.kind,
        record=record,
        explicit=explicit,
        kept_producer_record=existing is not None,
        # notes go into warnings too: the batch report and the CLI show warnings
        warnings=warnings + notes,
        seconds=time.perf_counter() - t0,
        no_explicit=no_explicit,
        notes=notes,
    )


__all__ = [
    "AigcError",
    "ExplicitReport",
    "LabelResult",
    "build_record",
    "check_label_text",
    "explicit_missing",
    "label_file",
    "verify_written",
]
