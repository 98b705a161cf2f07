"""label_file(): one file in, one fully labelled copy out (explicit + implicit), verified.

Steps: identify by bytes → read the producer's existing record → explicit label (per media kind)
into a temp file → implicit record into a second temp file → read back and verify → os.replace.
The source is never opened for writing; on any failure no output is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container, FoundRecord
from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    InvalidRecord,
    NoCarrier,
    OutputError,
    VerificationFailed,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.record import (
    PRODUCER_FIELDS,
    AigcRecord,
    new_content_id,
    parse_record_text,
    record_from_partial,
    value_problem,
)
from aigclabel_gui.engine.registry import FormatInfo, identify
from aigclabel_gui.engine.settings import ImplicitSettings, LabelSettings, position_warning
from aigclabel_gui.engine.xmp import DST_COMPOSITE, DST_TRAINED

# media kind -> module in engine.visible with `apply_explicit(src, dst, info, settings, progress, cancel)`
EXPLICIT_MODULES = {"image": "image", "audio": "audio", "video": "video", "text": "text"}


@dataclass
class ExplicitReport:
    """What the explicit step did, with the numbers the standard asks for."""

    kind: str
    summary: str  # e.g. "label 'AI生成' bottom-right, text height 6.1% of shorter side"
    measurements: dict[str, float | str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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


def existing_record(records: list[FoundRecord]) -> tuple[AigcRecord | None, list[str]]:
    """The producer's record to keep, from what a scan found. Prefers the standard carrier."""
    warnings: list[str] = []
    parsed = [(r, parse_record_text(r.raw)) for r in records]
    # A stored value without a producer is not a producer's record to keep (e.g. `{"a":1}`):
    # it is replaced by a complete first write, and the user is told.
    usable = [(r, p) for r, p in parsed if str(p.values.get("ContentProducer", "")).strip()]
    if not usable:
        if records:
            warnings.append("an unusable AIGC record (no ContentProducer) was found and replaced")
        return None, warnings
    usable.sort(key=lambda rp: (not rp[0].standard, len(rp[1].errors)))
    found, pr = usable[0]
    if len(records) > 1:
        warnings.append(f"{len(records)} AIGC records found; merged into one (GB 45438 §6.1 c)")
    if pr.errors:
        warnings.append("the producer's record does not conform: " + "; ".join(pr.errors))
    return record_from_partial(pr.values), warnings


def build_record(imp: ImplicitSettings, existing: AigcRecord | None) -> AigcRecord:
    """Our record: the producer's kept and completed, or a first write (Annex E note 1)."""
    ours = {
        "ContentPropagator": imp.propagator,
        "PropagateID": imp.propagate_id,
        "ReservedCode2": imp.reserved2,
    }
    for name, value in ours.items():
        if value and (prob := value_problem(name, value)):
            raise InvalidRecord(prob)
    if existing is not None:
        if imp.propagator:
            prop, pid = imp.propagator, imp.propagate_id or new_content_id()
        else:
            prop = existing.ContentPropagator or existing.ContentProducer
            pid = imp.propagate_id or existing.PropagateID or existing.ProduceID
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
    produce_id = imp.produce_id or new_content_id()
    rec = AigcRecord(
        Label=imp.label_value,
        ContentProducer=imp.producer,
        ProduceID=produce_id,
        ReservedCode1=imp.reserved1,
        ContentPropagator=imp.propagator or imp.producer,
        PropagateID=imp.propagate_id or (produce_id if not imp.propagator else new_content_id()),
        ReservedCode2=imp.reserved2,
    )
    rec.validate()
    return rec


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
    module = importlib.import_module(f"aigclabel_gui.engine.visible.{EXPLICIT_MODULES[info.kind]}")
    return module.apply_explicit(src, dst, info, settings, progress, cancel)


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
    t0 = time.perf_counter()
    src, dst = Path(src), Path(dst)
    progress = progress or no_progress
    cancel = cancel or CancelToken()
    if not src.is_file():
        raise CorruptFile(f"{src}: no such file", advice="check the path")
    if dst.exists() and os.path.samefile(src, dst):
        raise OutputError(
            f"{dst}: the output would overwrite the original", advice="choose another output folder"
        )
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
            warnings.append(f"{info.name} has no metadata carrier: only the explicit label was added")
        do_implicit = False

    existing, ex_warn = (None, [])
    if do_implicit:
        existing, ex_warn = existing_record(info.container.scan(src).records)
        warnings += ex_warn
    record = build_record(settings.implicit, existing) if do_implicit else None
    dst_uri = digital_source_type_uri(settings.implicit)

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
                    if info.kind in ("image", "video") and (w := position_warning(settings.visible)):
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
        warnings=warnings,
        seconds=time.perf_counter() - t0,
    )


__all__ = [
    "AigcError",
    "ExplicitReport",
    "LabelResult",
    "build_record",
    "label_file",
    "verify_written",
]
