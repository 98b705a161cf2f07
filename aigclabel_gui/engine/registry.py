"""Container and media-kind lookup: the bytes decide the format, the registry gives its handler."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aigclabel_gui.engine.containers.base import Container
from aigclabel_gui.engine.errors import UnsupportedFormat
from aigclabel_gui.engine.sniff import sniff_format

# format name -> (media kind, module under engine.containers, class name).
# Modules are imported lazily so a missing optional dependency only affects its own format.
FORMATS: dict[str, tuple[str, str, str]] = {
    "jpeg": ("image", "jpeg", "JpegContainer"),
    "png": ("image", "png", "PngContainer"),
    "webp": ("image", "webp", "WebpContainer"),
    "tiff": ("image", "tiff", "TiffContainer"),
    "gif": ("image", "gif", "GifContainer"),
    "bmp": ("image", "bmp", "BmpContainer"),
    "heif": ("image", "heif", "HeifContainer"),
    "mp3": ("audio", "id3", "Mp3Container"),
    "flac": ("audio", "vorbis", "FlacContainer"),
    "ogg": ("audio", "vorbis", "OggVorbisContainer"),
    "opus": ("audio", "vorbis", "OggOpusContainer"),
    "oggflac": ("audio", "vorbis", "OggFlacContainer"),
    "m4a": ("audio", "mp4", "M4aContainer"),
    "wav": ("audio", "wav", "WavContainer"),
    "mp4": ("video", "mp4", "Mp4Container"),
    "mov": ("video", "mp4", "MovContainer"),
    "mkv": ("video", "mkv", "MkvContainer"),
    "webm": ("video", "mkv", "WebmContainer"),
    "pdf": ("text", "pdf", "PdfContainer"),
    "docx": ("text", "ooxml", "DocxContainer"),
    "xlsx": ("text", "ooxml", "XlsxContainer"),
    "pptx": ("text", "ooxml", "PptxContainer"),
    "markdown": ("text", "frontmatter", "MarkdownContainer"),
    "txt": ("text", "plaintext", "PlainTextContainer"),
}


@dataclass(frozen=True)
class FormatInfo:
    name: str
    kind: str
    container: Container
    extension_matches: bool  # False when the file's extension names another format


@cache
def container_for(name: str) -> Container:
    kind, module, cls = FORMATS[name]
    mod = importlib.import_module(f"aigclabel_gui.engine.containers.{module}")
    return getattr(mod, cls)()


def identify(path: Path) -> FormatInfo:
    """Identify `path` by its bytes. Raises UnsupportedFormat with the reason."""
    try:
        name = sniff_format(path)
    except OSError as exc:
        raise UnsupportedFormat(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if name is None or name not in FORMATS:
        if path.stat().st_size == 0:
            raise UnsupportedFormat(f"{path.name} is empty")
        raise UnsupportedFormat(f"{path.name}: unrecognised or unsupported file type")
    try:
        container = container_for(name)
    except (ImportError, AttributeError) as exc:
        raise UnsupportedFormat(
            f"{path.name}: {name} support is not available here ({exc})"
        ) from exc
    ext = path.suffix.lower()
    matches = ext in container.extensions or ext == ""
    return FormatInfo(
        name=name, kind=FORMATS[name][0], container=container, extension_matches=matches
    )


def kind_of(path: Path) -> str | None:
    try:
        return identify(path).kind
    except UnsupportedFormat:
        return None


SUPPORTED_EXTENSIONS = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".png",
        ".webp",
        ".tif",
        ".tiff",
        ".gif",
        ".bmp",
        ".heic",
        ".heif",
        ".avif",
        ".mp3",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".m4a",
        ".aac",
        ".wav",
        ".mp4",
        ".m4v",
        ".mov",
        ".mkv",
        ".webm",
        ".pdf",
        ".docx",
        ".xlsx",
        ".pptx",
        ".md",
        ".markdown",
        ".txt",
    }
)
