"""One small, valid sample per supported format, generated (no binary test data): the seeds the
fuzz and fault tests mutate. Images with Pillow (+pillow-heif), audio/video with the ffmpeg CLI,
PDF with Pillow, DOCX/XLSX/PPTX as minimal OOXML packages, text by hand."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from PIL import Image

PRODUCER = "001191440300708461136T1XGW3"

_FFMPEG = {
    # name: (file, ffmpeg output arguments); inputs: 0.6 s tone and/or 0.6 s of 96x64 test video
    "mp3": ("s.mp3", ["-c:a", "libmp3lame", "-b:a", "48k"]),
    "flac": ("s.flac", ["-c:a", "flac"]),
    "ogg": ("s.ogg", ["-c:a", "libvorbis", "-q:a", "0"]),
    "opus": ("s.opus", ["-c:a", "libopus", "-b:a", "24k"]),
    "m4a": ("s.m4a", ["-c:a", "aac", "-b:a", "48k"]),
    "wav": ("s.wav", ["-c:a", "pcm_s16le"]),
    "mp4": (
        "s.mp4",
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ),
    "mov": (
        "s.mov",
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    ),
    "mkv": (
        "s.mkv",
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "libvorbis"],
    ),
    "webm": (
        "s.webm",
        ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "100k", "-c:a", "libopus"],
    ),
    # wave 3: audio-only Matroska (the audible prompt) and Opus in MP4
    "mka": ("s.mka", ["-c:a", "flac"]),
    "opus-mp4": ("s-opus.mp4", ["-c:a", "libopus", "-b:a", "24k", "-strict", "-2"]),
}


def _image(name: str, folder: Path) -> Path:
    img = Image.new("RGB", (96, 64), (30, 90, 160))
    img.paste((220, 200, 40), (20, 10, 60, 40))
    fmt = {"jpeg": ("s.jpg", "JPEG"), "png": ("s.png", "PNG"), "webp": ("s.webp", "WEBP"),
           "tiff": ("s.tif", "TIFF"), "gif": ("s.gif", "GIF"), "bmp": ("s.bmp", "BMP"),
           "avif": ("s.avif", "AVIF")}[name]  # fmt: skip
    path = folder / fmt[0]
    img.save(path, fmt[1])
    return path


def _heic(folder: Path) -> Path | None:
    try:
        import pillow_heif
    except ImportError:
        return None
    path = folder / "s.heic"
    pillow_heif.from_pillow(Image.new("RGB", (96, 64), (200, 40, 40))).save(path, quality=50)
    return path


def _av(name: str, folder: Path) -> Path:
    file, args = _FFMPEG[name]
    path = folder / file
    video = name in ("mp4", "mov", "mkv", "webm")
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.6"]
    if video:
        cmd += ["-f", "lavfi", "-i", "testsrc=size=96x64:rate=10:duration=0.6"]
    cmd += [*args, "-shortest", str(path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    return path


_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_document(
    paragraphs: str | bytes = "<w:p><w:r><w:t>Generated text.</w:t></w:r></w:p>",
) -> bytes:
    body = paragraphs.encode() if isinstance(paragraphs, str) else paragraphs
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'.encode()
        + body
        + b"</w:body></w:document>"
    )


def make_docx(
    path: Path, document: bytes | None = None, extra: list[tuple[str, bytes]] = ()
) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", document if document is not None else docx_document())
        for name, data in extra:
            z.writestr(name, data)
    return path


def make_samples(folder: Path) -> dict[str, Path]:
    """name -> sample file. Formats whose encoder is missing here are left out."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for name in ("jpeg", "png", "webp", "tiff", "gif", "bmp", "avif"):
        try:
            out[name] = _image(name, folder)
        except (KeyError, OSError, ValueError):
            pass
    if heic := _heic(folder):
        out["heic"] = heic
    if shutil.which("ffmpeg"):
        for name in _FFMPEG:
            try:
                out[name] = _av(name, folder)
            except subprocess.CalledProcessError:
                pass
    pdf = folder / "s.pdf"
    Image.new("RGB", (96, 64), (250, 250, 250)).save(pdf, "PDF")
    out["pdf"] = pdf
    # wave 3: a tagged PDF with real text (the text prompt, its structure element) and an
    # uncompressed ('unci') HEIF (its items read without libheif)
    from tests.robustness.wave3_seeds import pdf_seeds, unci_heif

    out["pdf-tagged"] = pdf_seeds(folder, only=("tagged",))["tagged"]
    (folder / "s-unci.heif").write_bytes(unci_heif())
    out["heif-unci"] = folder / "s-unci.heif"
    out["docx"] = make_docx(folder / "s.docx")
    md = folder / "s.md"
    md.write_text(
        "---\ntitle: sample\ntags: [a, b]\n---\n# Heading\n\nSome generated text.\n", "utf-8"
    )
    out["markdown"] = md
    txt = folder / "s.txt"
    txt.write_text("Some generated text.\n第二行。\n", "utf-8")
    out["txt"] = txt
    return out
