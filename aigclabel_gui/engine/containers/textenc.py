"""The encoding of a plain-text file, found and kept: what Notepad on a Chinese Windows writes
("ANSI" = GBK/GB18030, "Unicode" = UTF-16LE with a BOM), UTF-8 with or without a BOM, Big5,
Latin-1/Windows-1252.

Order: a BOM decides; else a strict UTF-8 decode; else charset-normalizer, limited to the
encodings such files are really written in (an open guess over every codec picks exotic code
pages for short texts: "résumé" came out as cp1006).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aigclabel_gui.engine.containers.frontmatter import MAX_TEXT_FILE, TextDoc
from aigclabel_gui.engine.errors import InputTooLarge, UnsupportedFormat

BOM = "\ufeff"
# Longest BOM first: a UTF-32LE BOM starts with the UTF-16LE one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Legacy encodings a text file on a Chinese (or Western) desktop is saved in, most likely first.
_LEGACY = ("gb18030", "big5", "cp1252", "latin_1")


@dataclass(frozen=True)
class EncodedText:
    """A decoded text document and how to write it back the same way."""

    doc: TextDoc
    encoding: str  # a Python codec name, without BOM handling ("utf-16-le", "gb18030", ...)

    @property
    def label(self) -> str:
        """The encoding as a user reads it ("UTF-16LE with BOM", "GB18030")."""
        name = self.encoding.upper().replace("_", "-")
        name = {"CP1252": "Windows-1252", "LATIN-1": "Latin-1"}.get(name, name)
        return name + (" with BOM" if self.doc.bom else "")

    def encode(self, doc: TextDoc | None = None) -> bytes:
        doc = doc or self.doc
        return (doc.bom + doc.text).encode(self.encoding)


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark names, or None."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    return None


def guess_encoding(data: bytes, *, partial: bool = False) -> str | None:
    """The text encoding of `data` (None: not text we can read). `partial`: `data` is the head of
    a longer file, so a character cut at its end is not an error."""
    codec = bom_encoding(data)
    if codec is not None:
        return codec
    if b"\x00" in data:
        return None  # binary, or UTF-16/32 without a BOM (not what desktop editors write)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 4:
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536], cp_isolation=list(_LEGACY)).best()
    return best.encoding if best is not None else None


def read_encoded_text(path: Path) -> EncodedText:
    """The file decoded in its own encoding, split into lines with their endings kept."""
    size = path.stat().st_size
    if size > MAX_TEXT_FILE:
        raise InputTooLarge(f"{path.name}: {size} bytes is too large for a text document")
    data = path.read_bytes()
    codec = guess_encoding(data)
    if codec is None:
        raise UnsupportedFormat(
            f"{path.name}: the text encoding cannot be recognised",
            advice="save the file as UTF-8",
        )
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise UnsupportedFormat(
            f"{path.name}: not valid {codec.upper()} text (byte {exc.start})",
            advice="save the file as UTF-8",
        ) from exc
    bom = BOM if text.startswith(BOM) else ""
    lines = text[len(bom) :].splitlines(keepends=True)
    return EncodedText(TextDoc(bom, lines, _newline_of(lines)), codec)


def _newline_of(lines: list[str]) -> str:
    # The first line ending decides; the output adds lines with the file's own ending.
    for line in lines:
        for nl in ("\r\n", "\n", "\r"):
            if line.endswith(nl):
                return nl
    return "\n"


def check_encodable(src: EncodedText, prompt: str, name: str) -> None:
    """Refuse clearly when the file's encoding has no code for a character of the prompt
    (a Latin-1 file cannot hold 人工智能): changing the file's encoding is not ours to do."""
    bad = sorted({ch for ch in prompt if not _encodes(ch, src.encoding)})
    if bad:
        raise UnsupportedFormat(
            f"{name}: the file is {src.label} text, which cannot hold the prompt characters "
            f"{''.join(bad[:8])!r}",
            advice="save the file as UTF-8 (or GB18030), or use a prompt in this file's script",
        )


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
        return True
    except UnicodeEncodeError:
        return False
