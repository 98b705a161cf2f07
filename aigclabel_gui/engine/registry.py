"""Container and media-kind lookup: the bytes decide the format, the registry gives its handler.

The container classes are the one source of truth for a format: each declares its registry name,
media kind, extensions and carrier (`containers/base.py`). Everything else that lists formats —
the folder walk, the "supported" advice, the README's carrier table — is derived from them here.
A new container is one module in `containers/`, one line in `CONTAINERS` and a sniff rule.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container
from aigclabel_gui.engine.errors import MissingDependency, UnsupportedFormat
from aigclabel_gui.engine.sniff import sniff_format

# registry name -> "module under engine.containers:class". Modules are imported lazily, so a
# missing optional dependency only affects its own format and `aigclabel --help` imports none.
# (tests/engine/test_registry.py checks that each class's `name` equals its key.)
CONTAINERS: dict[str, str] = {
    "jpeg": "jpeg:JpegContainer",
    "png": "png:PngContainer",
    "webp": "webp:WebpContainer",
    "tiff": "tiff:TiffContainer",
    "gif": "gif:GifContainer",
    "bmp": "bmp:BmpContainer",
    "heif": "heif:HeifContainer",
    "mp3": "id3:Mp3Container",
    "flac": "vorbis:FlacContainer",
    "ogg": "vorbis:OggVorbisContainer",
    "opus": "vorbis:OggOpusContainer",
    "oggflac": "vorbis:OggFlacContainer",
    "m4a": "mp4:M4aContainer",
    "wav": "wav:WavContainer",
    "mp4": "mp4:Mp4Container",
    "mov": "mp4:MovContainer",
    "mkv": "mkv:MkvContainer",
    "webm": "mkv:WebmContainer",
    "avi": "avi:AviContainer",
    "flv": "flv:FlvContainer",
    "pdf": "pdf:PdfContainer",
    "docx": "ooxml:DocxContainer",
    "xlsx": "ooxml:XlsxContainer",
    "pptx": "ooxml:PptxContainer",
    "markdown": "frontmatter:MarkdownContainer",
    "txt": "plaintext:PlainTextContainer",
}


# registry name -> (media kind, extensions): what the classes above declare, repeated here so the
# folder walk and planning need not import every container module (0.24 s for a metadata-only
# batch of JPEGs, issue 11 item 7). tests/engine/test_registry.py checks it equals the classes
# and prints the line to paste when a container changes.
EXTENSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jpeg": ("image", (".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".jps")),
    "png": ("image", (".png",)),
    "webp": ("image", (".webp",)),
    "tiff": ("image", (".tif", ".tiff")),
    "gif": ("image", (".gif",)),
    "bmp": ("image", (".bmp", ".dib")),
    "heif": ("image", (".heic", ".heif", ".avif", ".hif", ".avifs", ".heics")),
    "mp3": ("audio", (".mp3",)),
    "flac": ("audio", (".flac",)),
    "ogg": ("audio", (".ogg", ".oga")),
    "opus": ("audio", (".opus",)),
    "oggflac": ("audio", (".oga",)),
    "m4a": ("audio", (".m4a", ".m4b")),
    "wav": ("audio", (".wav", ".wave")),
    "mp4": ("video", (".mp4", ".m4v", ".3gp", ".3g2")),
    "mov": ("video", (".mov", ".qt")),
    "mkv": ("video", (".mkv", ".mka")),
    "webm": ("video", (".webm",)),
    "avi": ("video", (".avi",)),
    "flv": ("video", (".flv",)),
    "pdf": ("text", (".pdf",)),
    "docx": ("text", (".docx",)),
    "xlsx": ("text", (".xlsx",)),
    "pptx": ("text", (".pptx",)),
    "markdown": ("text", (".md", ".markdown", ".mdown", ".mkd")),
    "txt": ("text", (".txt", ".text", "")),
}


@dataclass(frozen=True)
class FormatInfo:
    name: str
    kind: str
    container: Container
    extension_matches: bool  # False when the file's extension names another format


@cache
def container_for(name: str) -> Container:
    module, cls = CONTAINERS[name].split(":")
    mod = importlib.import_module(f"aigclabel_gui.engine.containers.{module}")
    return getattr(mod, cls)()


@cache
def all_containers() -> tuple[Container, ...]:
    """Every container whose module imports here (a missing optional library leaves its
    formats out rather than breaking the others)."""
    found = []
    for name in CONTAINERS:
        try:
            found.append(container_for(name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


@cache
def supported_extensions() -> frozenset[str]:
    """Extensions the folder walk takes: every extension some container accepts. From the static
    table, without importing the containers: a format whose optional library is missing is still
    walked, and its files then fail with that reason (MissingDependency) instead of vanishing."""
    return frozenset(e for _, exts in EXTENSIONS.values() for e in exts if e)


@cache
def kinds_by_extension() -> dict[str, str]:
    """Extension -> media kind, for the extensions whose formats all share one kind (static)."""
    found: dict[str, set[str]] = {}
    for kind, exts in EXTENSIONS.values():
        for ext in exts:
            found.setdefault(ext, set()).add(kind)
    return {ext: next(iter(ks)) for ext, ks in found.items() if len(ks) == 1}


def supported_titles() -> str:
    """'JPEG, PNG, …' in registry order, for the "supported" advice."""
    titles: list[str] = []
    for c in all_containers():
        if c.title not in titles:
            titles.append(c.title)
    return ", ".join(titles)


def carrier_table() -> str:
    """The README's carrier table (Markdown), one row per format, generated from the classes."""
    rows = [
        "| format | kind | extensions | where the record goes |",
        "|---|---|---|---|",
    ]
    for c in all_containers():
        exts = " ".join(f"`{e}`" for e in c.extensions if e) or "—"
        rows.append(f"| {c.title} | {c.kind} | {exts} | {c.carrier} |")
    return "\n".join(rows)


def identify(path: Path) -> FormatInfo:
    """Identify `path` by its bytes. Raises UnsupportedFormat with the reason."""
    try:
        name = sniff_format(path)
    except OSError as exc:
        raise UnsupportedFormat(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if name is None or name not in CONTAINERS:
        if path.stat().st_size == 0:
            raise UnsupportedFormat(f"{path.name} is empty")
        raise UnsupportedFormat(f"{path.name}: unrecognised or unsupported file type")
    try:
        container = container_for(name)
    except (ImportError, AttributeError) as exc:
        raise MissingDependency(
            f"{path.name}: {name} support is not available here ({exc})"
        ) from exc
    ext = path.suffix.lower()
    matches = ext in container.extensions or ext in container.also_matches or ext == ""
    return FormatInfo(
        name=name, kind=container.kind_for(path), container=container, extension_matches=matches
    )


def kind_of(path: Path) -> str | None:
    try:
        return identify(path).kind
    except UnsupportedFormat:
        return None
