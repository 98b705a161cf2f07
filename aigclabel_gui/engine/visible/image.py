"""Explicit label on image files (GB 45438 §5.2): JPEG, PNG, WebP, GIF, TIFF, BMP, HEIF/AVIF.

Orientation: the label is drawn where the viewer sees it, in the *stored* pixels, and the EXIF
orientation tag is kept. So the file's metadata stays as it was and a JPEG can be re-encoded with
its own quantisation tables (quality="keep" needs the object Pillow opened, drawn on in place).
Only the label box's pixels change; metadata (EXIF, ICC, DPI, XMP, PNG text/colour chunks) is
copied so the pipeline's container step can add the AIGC record on top.
"""

from __future__ import annotations

import contextlib
import io
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image, ImageSequence

from aigclabel_gui.engine.containers.imgmeta import read_ifd, tiff_endian
from aigclabel_gui.engine.containers.png import SIGNATURE, chunk_bytes, read_chunks
from aigclabel_gui.engine.errors import (
    AigcError,
    CorruptFile,
    InputTooLarge,
    MissingDependency,
    OutputError,
    UnsupportedFormat,
)
from aigclabel_gui.engine.events import CancelToken, FileProgress, ProgressCallback, no_progress
from aigclabel_gui.engine.registry import FormatInfo
from aigclabel_gui.engine.settings import LabelSettings, VisibleSettings
from aigclabel_gui.engine.visible.base import Box, ExplicitReport, Labeler, format_name
from aigclabel_gui.engine.visible.placement import AutoPlacement, score_corners
from aigclabel_gui.engine.visible.render import (
    LabelOverlay,
    composite,
    overlay_to_stored,
    render_label_overlay,
)
from aigclabel_gui.engine.xmp import drop_companion_claims

# Decompression bombs: Pillow's own hard limit (2 × MAX_IMAGE_PIXELS) per frame, and a budget
# for all frames of an animation together.
MAX_PIXELS = 2 * 89_478_485
MAX_TOTAL_PIXELS = 1_500_000_000
# Below this short side the label (>= 5 % ink height, GB 45438 §5.2) is a few pixels of blur.
MIN_LABEL_SIDE = 48
_DEEP_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")
DEFAULT_LOSSY_QUALITY = 92  # WebP/HEIF/AVIF: their quality cannot be read back from the file

# exif_transpose's operation per EXIF orientation (stored → upright), and its inverse.
_TO_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass
class ImagePreview:
    """What the GUI shows: the upright source scaled to fit, and the label in the same coordinates."""

    image: Image.Image  # RGB/RGBA, upright as viewed, scaled by `scale`
    overlay: LabelOverlay | None  # in preview coordinates; None: no visible label planned
    scale: float
    source_size: tuple[int, int]  # (w, h) as viewed
    position: str = ""  # the anchor used ("auto" resolved)
    auto: AutoPlacement | None = None
    plan: ImagePlan | None = None  # the export's plan this preview draws

    def composited(self) -> Image.Image:
        if self.overlay is None:
            return self.image.copy()
        return composite(self.image.copy(), self.overlay)


@dataclass
class ImagePlan:
    """Where the label goes on this picture, in its pixels as viewed (EXIF orientation applied)."""

    kind: ClassVar[str] = "image"
    fmt: str
    visible: VisibleSettings
    stored_size: tuple[int, int]  # (w, h) of the pixels as stored
    orientation: int  # EXIF orientation 1..8 (1: upright)
    upright_size: tuple[int, int]  # (w, h) as viewed
    position: str  # the anchor used ("auto" resolved)
    box: Box  # the label's box, upright, full size
    ink_height: int  # measured glyph ink, px (GB 45438 §5.2)
    ink_pct: float  # ... as % of the shorter side
    overlay: LabelOverlay = field(compare=False, repr=False)  # upright, full size
    auto: AutoPlacement | None = field(default=None, compare=False)
    warnings: list[str] = field(default_factory=list)


# --- opening ---------------------------------------------------------------------------------


def _register_plugins() -> bool:
    """Register the HEIF opener; False when pillow-heif is not installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


def _open(src: Path) -> Image.Image:
    heif = _register_plugins()
    try:
        im = Image.open(src)
    except Image.DecompressionBombError as exc:
        raise InputTooLarge(f"{src.name}: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        if not heif and "cannot identify" in str(exc) and _is_heif(src):
            # A missing decoder is not a damaged file: say what to install.
            raise MissingDependency(
                f"{src.name}: reading HEIF needs pillow-heif, which is not installed"
            ) from exc
        if heif and "cannot identify" in str(exc) and _is_heif(src):
            _refuse_undecodable_heif(src)
        raise CorruptFile(f"{src.name}: not a readable image ({exc})") from exc
    w, h = im.size
    if w <= 0 or h <= 0:
        raise CorruptFile(f"{src.name}: image has no pixels ({w}x{h})")
    frames = getattr(im, "n_frames", 1)
    if w * h > MAX_PIXELS or w * h * frames > MAX_TOTAL_PIXELS:
        raise InputTooLarge(f"{src.name}: {w}x{h} px × {frames} frame(s) is over the limit")
    return im


def _refuse_undecodable_heif(src: Path) -> None:
    """A valid HEIF whose primary image libheif has no decoder for is not damaged: say so."""
    from aigclabel_gui.engine.containers.heif_items import ITEM_TYPE_NAMES, primary_item_type

    typ = primary_item_type(src)
    if typ is not None and typ not in (b"hvc1", b"av01", b"jpeg", b"grid", b"iden", b"iovl"):
        what = ITEM_TYPE_NAMES.get(typ, f"HEIF with {typ.decode('latin-1')!r} images")
        raise UnsupportedFormat(
            f"{src.name}: {what} cannot be decoded by the installed libheif, so the visible "
            "label cannot be drawn",
            advice="label it metadata-only (--implicit-only), which needs no decoding",
        )


def _is_heif(src: Path) -> bool:
    from aigclabel_gui.engine.sniff import sniff_format

    with contextlib.suppress(OSError):
        return sniff_format(src) == "heif"
    return False


def _depth_note(im: Image.Image, src: Path) -> str | None:
    """A warning when the labelled copy has fewer bits per sample than the source: 16-bit PNG and
    TIFF are written as 8-bit (Pillow draws and saves 8-bit RGB only). Floating-point samples have
    no meaningful 8-bit scale and are refused."""
    if im.mode == "F":
        raise UnsupportedFormat(
            f"{src.name}: floating-point samples are not supported for the visible label",
            advice="convert the image to 8 or 16 bits per channel first",
        )
    bits = im.info.get("bit_depth")
    if im.format == "PNG":
        with open(src, "rb") as f:
            head = f.read(26)
        bits = head[24] if len(head) >= 26 else bits
    elif im.format == "TIFF":
        bps = im.tag_v2.get(258)
        bits = max(bps) if isinstance(bps, tuple) else bps
    if (isinstance(bits, int) and bits > 8) or im.mode in _DEEP_MODES:
        return (
            f"the {bits or 16}-bit image was converted to 8 bits per channel for the labelled copy"
        )
    return None


def _refuse_tiny(size: tuple[int, int], src: Path) -> None:
    if min(size) < MIN_LABEL_SIDE:
        raise UnsupportedFormat(
            f"{src.name}: {size[0]}x{size[1]} px is too small for a legible visible label "
            f"(needs at least {MIN_LABEL_SIDE} px on the short side)",
            advice="label a larger version of the image, or use metadata only (--implicit-only)",
        )


def _orientation(im: Image.Image) -> int:
    if im.format == "HEIF":  # libheif applies irot/imir and pillow-heif resets the tag
        return 1
    try:
        value = im.getexif().get(0x0112, 1)
    except Exception:  # a damaged EXIF block must not stop the label; treat as upright
        return 1
    return value if value in _TO_UPRIGHT else 1


def _upright_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def _to_stored(ov: LabelOverlay, orientation: int) -> LabelOverlay:
    """The upright overlay expressed in the stored (un-rotated) pixel grid."""
    return overlay_to_stored(ov, None if orientation == 1 else _TO_UPRIGHT[orientation])


# --- planning (shared by the file path and the preview) ---------------------------------------


def _plan_opened(im: Image.Image, src: Path, fmt: str, visible: VisibleSettings) -> ImagePlan:
    """Resolve the position ("auto" scores the upright first frame) and render the overlay."""
    _refuse_tiny(im.size, src)
    depth = _depth_note(im, src)
    orientation = _orientation(im)
    upright = _upright_size(im.size, orientation)
    w, h = upright
    auto = None
    position = visible.position
    if position == "auto":
        # The label is proportional to the frame, so a small copy scores the same corners.
        auto = score_corners(_analysis_frame(im, orientation), visible)
        position = auto.position
    overlay = render_label_overlay(w, h, visible, position=position)
    warnings = []
    if auto is not None and not auto.faces_checked:
        warnings.append("auto placement used edge density only: no face detector is available")
    if depth:
        warnings.append(depth)
    return ImagePlan(
        fmt=fmt,
        visible=visible,
        stored_size=im.size,
        orientation=orientation,
        upright_size=upright,
        position=position,
        box=overlay.box,
        ink_height=overlay.ink_height,
        ink_pct=overlay.ink_pct,
        overlay=overlay,
        auto=auto,
        warnings=warnings,
    )


def _analysis_frame(
    im: Image.Image, orientation: int, side: int = 1024, src: Path | None = None
) -> Image.Image:
    """A small upright copy of the first frame, for auto placement (decoded pixels, box
    averaged) and the preview's picture (`src`: JPEG DCT scaling). The opened image is never
    altered (a JPEG must stay as opened for quality="keep")."""
    if src is not None and im.format in ("JPEG", "MPO"):
        # Preview: a second decoder with DCT scaling (1/2..1/8 size from the coefficients).
        small = Image.open(src)
        small.draft(small.mode if small.mode != "CMYK" else "RGB", (side, side))
    else:
        # Labelling: the pixels are decoded anyway; shrink them by box averaging.
        if getattr(im, "n_frames", 1) > 1:
            im.seek(0)
        im.load()
        base = im if im.mode in ("L", "LA", "RGB", "RGBA", "CMYK") else _drawable(im.copy())
        factor = max(1, max(im.size) // side)
        small = base.reduce(factor) if factor > 1 else base.copy()
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    if orientation != 1:
        small = small.transpose(_TO_UPRIGHT[orientation])
    return small


# --- frames -----------------------------------------------------------------------------------


def _drawable(frame: Image.Image) -> Image.Image:
    """A frame in a mode `composite` can draw on (palette/bi-level images are expanded)."""
    if frame.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return frame
    if frame.mode == "P":
        has_alpha = "transparency" in frame.info or frame.palette.mode == "RGBA"
        return frame.convert("RGBA" if has_alpha else "RGB")
    if frame.mode == "PA":
        return frame.convert("RGBA")
    if frame.mode == "1":
        return frame.convert("L")
    if frame.mode in _DEEP_MODES:
        # 16-bit grey: scale to 8 bits (Pillow's own convert clips everything above 255 to white).
        a = np.clip(np.asarray(frame).astype(np.int64), 0, 65535) >> 8
        return Image.fromarray(a.astype(np.uint8), "L")
    return frame.convert("RGBA" if "A" in frame.mode else "RGB")


def _label_frames(
    im: Image.Image,
    ov: LabelOverlay,
    src: Path,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[list[Image.Image], list[dict]]:
    """Every frame labelled, with each frame's own info (duration, disposal)."""
    n = getattr(im, "n_frames", 1)
    frames, infos = [], []
    for i, frame in enumerate(ImageSequence.Iterator(im)):
        cancel.raise_if_cancelled()
        frame.load()  # WebP sets the frame's duration only when it is decoded
        info = dict(frame.info)
        info["disposal"] = getattr(frame, "disposal_method", info.get("disposal", 0))
        out = _drawable(frame.copy())
        composite(out, ov)
        frames.append(out)
        infos.append(info)
        if n > 1:
            progress(FileProgress(str(src), (i + 1) / n * 0.9, f"frame {i + 1}/{n}"))
    return frames, infos


# --- writers ----------------------------------------------------------------------------------


def _exif_without_thumbnail(raw: bytes, warnings: list[str]) -> bytes:
    """The EXIF thumbnail (IFD1) is a small copy of the picture that viewers and file managers show:
    it would stay unlabelled. It is unlinked from IFD0 and its bytes are zeroed *in place*; every
    other byte of the block is kept, so tag types (UNDEFINED, SRATIONAL, LONG) and maker notes
    with absolute offsets survive (Pillow's Exif.tobytes() retypes tags and moves data)."""
    if not raw:
        return raw
    try:
        out = _unlink_ifd1(raw)
    except (struct.error, ValueError, IndexError):  # a block we cannot walk: kept as it was
        return raw
    if out is None:
        return raw
    warnings.append(
        "the EXIF thumbnail was removed: it would have shown the picture without the label"
    )
    return out


def _unlink_ifd1(raw: bytes) -> bytes | None:
    """`raw` (an APP1 body, "Exif\\0\\0" + TIFF) with IFD1 unlinked and its table, values and
    thumbnail zeroed; None when there is no IFD1. The IFDs are read with the containers' own
    reader (imgmeta.read_ifd), which raises ValueError on a table outside the block."""
    head = 6 if raw.startswith(b"Exif\x00\x00") else 0
    tiff = bytearray(raw[head:])
    order = tiff_endian(tiff)
    (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
    entries0, ifd1 = read_ifd(tiff, ifd0, order)
    if ifd1 == 0:
        return None
    link = ifd0 + 2 + 12 * len(entries0)
    entries1, _ = read_ifd(tiff, ifd1, order)
    spans = [(ifd1, ifd1 + 2 + 12 * len(entries1) + 4)]
    thumb_at = thumb_len = 0
    for e in entries1:
        if e.size > 4:
            spans.append((e.value_offset, e.value_offset + e.size))
        elif e.tag in (0x0201, 0x0202):  # JPEGInterchangeFormat / …Length: one LONG each
            (value,) = struct.unpack_from(order + "I", tiff, e.value_offset)
            if e.tag == 0x0201:
                thumb_at = value
            else:
                thumb_len = value
    if thumb_at and thumb_len:
        spans.append((thumb_at, thumb_at + thumb_len))
    struct.pack_into(order + "I", tiff, link, 0)
    # A damaged or crafted IFD1 (a link back to IFD0, a thumbnail "inside" the EXIF IFD) must not
    # zero what IFD0 and its sub-IFDs still use (Orientation, dates): only the unlink then.
    keep = _ifd0_spans(tiff, ifd0, entries0, order)
    for a, b in spans:
        if 8 <= a < b <= len(tiff) and not any(a < y and x < b for x, y in keep):
            tiff[a:b] = bytes(b - a)
    return raw[:head] + bytes(tiff)


_SUB_IFD_TAGS = (0x8769, 0x8825, 0xA005)  # EXIF, GPS, Interoperability IFD pointers


def _ifd0_spans(tiff, ifd0: int, entries0: list, order: str) -> list[tuple[int, int]]:
    """Byte ranges IFD0 and its sub-IFDs occupy: their tables and their out-of-line values."""
    spans = [(ifd0, ifd0 + 2 + 12 * len(entries0) + 4)]
    todo, seen = [entries0], {ifd0}
    while todo:
        for e in todo.pop():
            if e.size > 4:
                spans.append((e.value_offset, e.value_offset + e.size))
            if e.tag in _SUB_IFD_TAGS and e.size <= 4:
                (at,) = struct.unpack_from(order + "I", tiff, e.value_offset)
                if at in seen:
                    continue  # a loop
                seen.add(at)
                try:
                    sub, _ = read_ifd(tiff, at, order)
                except ValueError:
                    continue
                spans.append((at, at + 2 + 12 * len(sub) + 4))
                todo.append(sub)
    return spans


def _xmp_without_companions(xmp: bytes | None, warnings: list[str]) -> bytes | None:
    """Pillow writes the primary image only: a motion photo's appended video and an Ultra HDR
    gain map are not written (an unlabelled video or a gain map of other pixels must not ride
    along), so their XMP claims (GCamera MotionPhoto/MicroVideo, Container directory, hdrgm)
    are removed too — a viewer would otherwise look for data that is not there."""
    if not xmp:
        return xmp
    try:
        dropped = drop_companion_claims(xmp)
    except CorruptFile:
        return xmp
    if dropped is None:
        return xmp
    packet, names = dropped
    what = []
    if any(n.startswith(("MotionPhoto", "MicroVideo")) for n in names):
        what.append("the motion photo's video")
    if any(n in ("Version", "GainMapMin", "GainMapMax", "HDRCapacityMax") for n in names):
        what.append("the Ultra HDR gain map")
    warnings.append(
        f"{' and '.join(what) or 'the appended images'} were not kept (they would show the "
        "picture without the label); their XMP description was removed: a plain still JPEG"
    )
    return packet


def _save_jpeg(
    im: Image.Image, ov: LabelOverlay, dst: Path, visible: VisibleSettings, warnings: list[str]
) -> dict:
    im.load()
    composite(im, ov)  # in place: quality="keep" needs the opened JPEG object
    q = visible.jpeg_quality
    opts: dict = {
        "quality": q if q else "keep",
        "subsampling": "keep",
        "exif": _exif_without_thumbnail(im.info.get("exif", b""), warnings),
        "icc_profile": im.info.get("icc_profile"),
        "xmp": _xmp_without_companions(im.info.get("xmp"), warnings),
        "progressive": bool(im.info.get("progressive")),
    }
    if "dpi" in im.info:
        opts["dpi"] = im.info["dpi"]
    # APP13 (Photoshop IRB / IPTC) is not carried by Pillow's reader into `info`: pass it raw.
    extra = b"".join(
        b"\xff\xed" + struct.pack(">H", len(data) + 2) + data
        for marker, data in im.applist
        if marker == "APP13" and len(data) + 2 <= 0xFFFF
    )
    if extra:
        opts["extra"] = extra
    im.save(dst, "JPEG", **{k: v for k, v in opts.items() if v is not None})
    return {"jpeg_quality": str(q) if q else "keep"}


# PNG ancillary chunks that do not depend on the colour type: copied from the source as they were.
_PNG_KEEP = {
    b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCV", b"cLLI", b"pHYs", b"sPLT",
    b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"oFFs", b"pCAL", b"sCAL",
}  # fmt: skip
# Chunks Pillow writes for the new pixels (with the new colour type / animation).
_PNG_FROM_PILLOW = {b"IHDR", b"PLTE", b"tRNS", b"bKGD", b"IDAT", b"acTL", b"fcTL", b"fdAT", b"IEND"}


def _save_png(
    frames: list[Image.Image], infos: list[dict], src: Path, dst: Path, warnings: list[str]
) -> dict:
    buf = io.BytesIO()
    first = frames[0]
    # Pillow writes iCCP from the frame's info; the source's own iCCP is copied below, and
    # PNG allows only one (PNG spec §11.3.3.3).
    opts: dict = {"icc_profile": None}
    if "transparency" in infos[0] and first.mode in ("L", "RGB"):
        opts["transparency"] = infos[0]["transparency"]
    if len(frames) > 1:  # APNG
        # A default image outside the animation (acTL without an fcTL before IDAT) has no
        # timing: Pillow's per-frame lists then count the animation frames only.
        timed = infos[1:] if infos[0].get("default_image") else infos
        opts.update(
            save_all=True,
            append_images=frames[1:],
            default_image=bool(infos[0].get("default_image")),
            duration=[i.get("duration", 0) for i in timed],
            loop=infos[0].get("loop", 0),
            disposal=[i.get("disposal", 0) for i in timed],
            blend=[i.get("blend", 0) for i in timed],
        )
    first.save(buf, "PNG", **opts)
    # One chunk walker for PNG: the container's (containers/png.py), on our output and the source.
    ours = read_chunks(buf.getvalue(), "output", bodies=lambda t: True)
    theirs = read_chunks(src, bodies=lambda t: t not in _PNG_FROM_PILLOW and t != b"caBX")
    # Keep the source's ancillary chunks where they were (before or after the image data);
    # unknown chunks only if marked safe-to-copy (PNG spec §5.4: bit 5 of the 4th byte).
    before, after, seen_idat = [], [], False
    for c in theirs:
        typ = c.ctype
        if typ in (b"IDAT", b"fdAT"):
            seen_idat = True
            continue
        if typ in _PNG_FROM_PILLOW:
            continue
        if typ == b"caBX":
            warnings.append("the C2PA manifest was dropped: the labelled pixels invalidate it")
            continue
        if typ in _PNG_KEEP or typ[3] & 0x20:
            (after if seen_idat else before).append(chunk_bytes(typ, c.data or b""))
    parts = [SIGNATURE, chunk_bytes(ours[0].ctype, ours[0].data or b""), *before]
    for c in ours[1:]:
        if c.ctype == b"IEND":
            parts += after
        parts.append(chunk_bytes(c.ctype, c.data or b""))
    dst.write_bytes(b"".join(parts))
    return {"png": "lossless"}


def _webp_is_lossless(path: Path) -> bool:
    """True when every image bitstream is VP8L (lossless), still or animated."""
    from aigclabel_gui.engine.containers.webp import bitstream_kinds

    return bitstream_kinds(path) == {b"VP8L"}


def _save_webp(
    frames: list[Image.Image],
    infos: list[dict],
    im: Image.Image,
    src: Path,
    dst: Path,
    visible: VisibleSettings,
) -> dict:
    lossless = _webp_is_lossless(src)
    quality = visible.jpeg_quality or DEFAULT_LOSSY_QUALITY
    opts: dict = {"lossless": lossless, "quality": 100 if lossless else quality, "method": 4}
    for key in ("exif", "icc_profile", "xmp"):
        if im.info.get(key):
            opts[key] = im.info[key]
    if len(frames) > 1:
        opts.update(
            save_all=True,
            append_images=frames[1:],
            duration=[i.get("duration", 0) for i in infos],
            loop=im.info.get("loop", 0),
            background=im.info.get("background", (0, 0, 0, 0)),
        )
    frames[0].save(dst, "WEBP", **opts)
    return {"webp": "lossless" if lossless else f"lossy q{quality}"}


def _save_gif(frames: list[Image.Image], infos: list[dict], im: Image.Image, dst: Path) -> dict:
    durations = [i.get("duration", 0) for i in infos]
    disposals = [i.get("disposal", 0) for i in infos]
    opts: dict = {
        "save_all": True,
        "append_images": frames[1:],
        "duration": durations if len(frames) > 1 else durations[0],
        "disposal": disposals if len(frames) > 1 else disposals[0],
    }
    if "loop" in im.info:  # no NETSCAPE extension in the source: play once, as it did
        opts["loop"] = im.info["loop"]
    if im.info.get("comment"):
        opts["comment"] = im.info["comment"]
    frames[0].save(dst, "GIF", **opts)
    _restore_gif_xmp(Path(im.filename), dst)
    return {"frames": len(frames)}


def _bmp_embedded_profile(data: bytes) -> bytes | None:
    """The ICC profile of a BITMAPV5HEADER BMP with bV5CSType 'MBED', or None."""
    if len(data) < 14 + 124 or struct.unpack_from("<I", data, 14)[0] != 124:
        return None
    (cs_type,) = struct.unpack_from("<I", data, 14 + 56)
    offset, size = struct.unpack_from("<II", data, 14 + 112)
    if cs_type != 0x4D424544 or not size or 14 + offset + size > len(data):  # 'MBED'
        return None
    return data[14 + offset : 14 + offset + size]


def _restore_bmp_icc(src: Path, dst: Path, warnings: list[str]) -> None:
    """Pillow writes a BITMAPINFOHEADER (no colour profile): a source's embedded ICC profile is
    kept by upgrading the copy's header to BITMAPV5HEADER with the profile after the pixels."""
    profile = _bmp_embedded_profile(src.read_bytes())
    if profile is None:
        return
    data = dst.read_bytes()
    if struct.unpack_from("<I", data, 14)[0] != 40 or struct.unpack_from("<I", data, 14 + 16)[0]:
        warnings.append("the BMP's ICC colour profile could not be kept")
        return
    off_bits = struct.unpack_from("<I", data, 10)[0] + 84
    pixels_end = len(data) + 84
    v5_extra = struct.pack(
        "<4I I 36x 3I I I I I",
        0, 0, 0, 0,  # bit masks (unused for BI_RGB)
        0x4D424544,  # bV5CSType 'MBED': the profile is embedded
        0, 0, 0,  # gamma (unused with a profile)
        4,  # bV5Intent LCS_GM_IMAGES (perceptual), the usual value
        pixels_end - 14,  # bV5ProfileData: from the start of the header
        len(profile),
        0,  # reserved
    )  # fmt: skip
    header = bytearray(data[:54])
    header[14:18] = struct.pack("<I", 124)
    out = bytes(header) + v5_extra + data[54:] + profile
    out = out[:2] + struct.pack("<I", len(out)) + out[6:10] + struct.pack("<I", off_bits) + out[14:]
    dst.write_bytes(out)


def _restore_gif_xmp(src: Path, dst: Path) -> None:
    """Pillow neither reads nor writes GIF XMP: put the source's packet back (dc:title, rights,
    a producer's record for the implicit step to keep)."""
    from aigclabel_gui.engine.containers.gif import copy_with_xmp, source_xmp

    try:
        packet = source_xmp(src)
    except (CorruptFile, ValueError):
        return
    if not packet or b"\x00" in packet:
        return
    tmp = dst.with_name(dst.name + ".xmp")
    try:
        copy_with_xmp(dst, tmp, packet)
        tmp.replace(dst)
    finally:
        _remove(tmp)


_TIFF_LOSSLESS = {None, "raw", "tiff_lzw", "tiff_deflate", "tiff_adobe_deflate", "packbits"}
# Tags Pillow computes for the new image data; everything else is copied from the source IFD.
_TIFF_LAYOUT_TAGS = {
    256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 320, 322, 323, 324, 325, 338, 339,
}  # fmt: skip
# Offsets of sub-directories (SubIFDs, Exif, GPS, Interop) in the *source* file: copied as plain
# numbers they would point into the new file's image data. Pillow cannot write these directories.
_TIFF_POINTER_TAGS = {330, 34665, 34853, 40965}


def _save_tiff(frames: list[Image.Image], im: Image.Image, dst: Path, warnings: list[str]) -> dict:
    compression = im.info.get("compression")
    if compression not in _TIFF_LOSSLESS:
        warnings.append(f"TIFF compression {compression!r} replaced by lossless Deflate")
        compression = "tiff_adobe_deflate"
    info = {k: v for k, v in im.tag_v2.items() if k not in _TIFF_LAYOUT_TAGS | _TIFF_POINTER_TAGS}
    if _TIFF_POINTER_TAGS & set(im.tag_v2):
        warnings.append("the TIFF's Exif/GPS sub-directories were not carried over")
    opts: dict = {"compression": compression or "raw", "tiffinfo": info}
    if im.info.get("icc_profile"):
        opts["icc_profile"] = im.info["icc_profile"]
    if len(frames) > 1:
        opts.update(save_all=True, append_images=frames[1:])
    frames[0].save(dst, "TIFF", **opts)
    return {"tiff": compression or "raw"}


def _save_heif(
    frames: list[Image.Image],
    im: Image.Image,
    dst: Path,
    visible: VisibleSettings,
    warnings: list[str] | None = None,
) -> dict:
    quality = visible.jpeg_quality or DEFAULT_LOSSY_QUALITY
    fmt = "AVIF" if im.format == "AVIF" else "HEIF"
    opts: dict = {"quality": quality}
    for key in ("exif", "icc_profile", "xmp"):
        if im.info.get(key):
            opts[key] = im.info[key]
    if opts.get("xmp"):  # a HEIC motion photo's `mpvd` video is not re-encoded: drop its claims
        said: list[str] = []
        opts["xmp"] = _xmp_without_companions(opts["xmp"], said)
        if warnings is not None:
            warnings += [w.replace("still JPEG", f"still {fmt}") for w in said]
    frames[0].save(dst, fmt, **opts)
    return {fmt.lower(): f"q{quality}"}


# --- entry points -----------------------------------------------------------------------------


class ImageLabeler(Labeler):
    """GB 45438 §5.2: a text label on an edge or in a corner of the picture."""

    kind: ClassVar[str] = "image"
    formats: ClassVar[tuple[str, ...]] = ("jpeg", "png", "webp", "gif", "tiff", "bmp", "heif")

    def plan(self, path: Path, settings: LabelSettings, fmt: str | None = None) -> ImagePlan | None:
        visible = settings.visible
        if not visible.enabled or settings.implicit_only:
            return None
        src = Path(path)
        with _errors(src, None):
            fmt = format_name(src, fmt)
            with _open(src) as im:
                return _plan_opened(im, src, fmt, visible)

    def apply(
        self,
        plan: ImagePlan,
        src: Path,
        dst: Path,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport:
        src, dst = Path(src), Path(dst)
        progress = progress or no_progress
        cancel = cancel or CancelToken()
        with _errors(src, dst):
            # Close the source promptly: batches open thousands, and Windows locks open files.
            with _open(src) as im:
                if im.size != plan.stored_size or _orientation(im) != plan.orientation:
                    raise CorruptFile(
                        f"{src.name}: the picture changed since the label was planned"
                    )
                report = _apply_opened(im, plan, src, dst, progress, cancel)
        report.plan = plan
        return report

    def label(
        self,
        src: Path,
        dst: Path,
        settings: LabelSettings,
        fmt: str | None = None,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> ExplicitReport | None:
        """plan() then apply() on one opened picture: "auto" placement scores the pixels the
        label is drawn on, decoded once (as plan() alone decodes them)."""
        visible = settings.visible
        if not visible.enabled or settings.implicit_only:
            return None
        src, dst = Path(src), Path(dst)
        with _errors(src, dst):
            fmt = format_name(src, fmt)
            with _open(src) as im:
                plan = _plan_opened(im, src, fmt, visible)
                report = _apply_opened(
                    im, plan, src, dst, progress or no_progress, cancel or CancelToken()
                )
        report.plan = plan
        return report


@contextlib.contextmanager
def _errors(src: Path, dst: Path | None):
    """Pillow signals damaged data with many exception types: the user needs the file and the
    reason, and no half-written `dst`."""
    try:
        yield
    except BaseException as exc:
        if dst is not None:
            _remove(dst)
        if isinstance(exc, AigcError) or not isinstance(exc, Exception):
            raise
        if isinstance(exc, Image.DecompressionBombError):
            raise InputTooLarge(f"{src.name}: {exc}") from exc
        if isinstance(exc, MemoryError):
            raise InputTooLarge(f"{src.name}: not enough memory to decode it") from exc
        if isinstance(exc, (OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error)):
            if (
                dst is not None
                and isinstance(exc, OSError)
                and exc.filename
                and str(dst) in str(exc.filename)
            ):
                raise OutputError(f"{dst}: {exc.strerror or exc}") from exc
            raise CorruptFile(f"{src.name}: cannot be decoded or re-encoded ({exc})") from exc
        raise


def apply_explicit(
    src: Path,
    dst: Path,
    info: FormatInfo | None,
    settings: LabelSettings,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExplicitReport | None:
    """plan() then apply(): `src` with the visible label to `dst`. None if disabled."""
    labeler = ImageLabeler()
    return labeler.label(
        src, dst, settings, info.name if info is not None else None, progress, cancel
    )


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _apply_opened(im, plan: ImagePlan, src, dst, progress, cancel) -> ExplicitReport:
    fmt = im.format
    visible = plan.visible
    stored = _to_stored(plan.overlay, plan.orientation)
    warnings = list(plan.warnings)
    cancel.raise_if_cancelled()
    if fmt in ("JPEG", "MPO"):
        if fmt == "MPO":
            warnings.append(
                "the secondary images of the multi-picture JPEG (e.g. an Ultra HDR gain map) were "
                "dropped: they would not match the labelled picture"
            )
        if any(m == "APP11" for m, _ in im.applist):
            warnings.append("the C2PA manifest was dropped: the labelled pixels invalidate it")
        extra = _save_jpeg(im, stored, dst, visible, warnings)
        frames = 1
    else:
        frames_list, infos = _label_frames(im, stored, src, progress, cancel)
        frames = len(frames_list)
        if fmt == "PNG":
            extra = _save_png(frames_list, infos, src, dst, warnings)
        elif fmt == "WEBP":
            extra = _save_webp(frames_list, infos, im, src, dst, visible)
        elif fmt == "GIF":
            extra = _save_gif(frames_list, infos, im, dst)
        elif fmt == "TIFF":
            extra = _save_tiff(frames_list, im, dst, warnings)
        elif fmt == "BMP":
            frames_list[0].save(dst, "BMP", dpi=im.info.get("dpi", (96, 96)))
            _restore_bmp_icc(src, dst, warnings)
            extra = {}
        elif fmt in ("HEIF", "AVIF"):
            if frames > 1:
                warnings.append(f"only the primary image of {frames} in the HEIF file is kept")
            extra = _save_heif(frames_list, im, dst, visible, warnings)
        else:
            raise UnsupportedFormat(f"{src.name}: {fmt} images are not supported")
    cancel.raise_if_cancelled()
    ov = plan.overlay
    measurements: dict = {
        "ink_height_px": ov.ink_height,
        "ink_height_pct": round(ov.ink_pct, 2),
        "position": plan.position,
        "box": plan.box,
        "frames": frames,
        "orientation": plan.orientation,
        **extra,
    }
    if plan.auto is not None:
        measurements["auto_faces_checked"] = "yes" if plan.auto.faces_checked else "no"
    summary = (
        f"label {visible.resolved_text()!r} {plan.position}, "
        f"text height {ov.ink_pct:.1f}% of shorter side"
        + (f", {frames} frames" if frames > 1 else "")
    )
    return ExplicitReport("image", summary, measurements, warnings)


def render_preview(
    src: Path, settings: LabelSettings, max_side: int = 1600, plan: ImagePlan | None = None
) -> ImagePreview:
    """The upright image scaled to fit `max_side`, with the label of `plan` (the export's own
    ImageLabeler.plan, made here when not given) scaled into preview coordinates."""
    src = Path(src)
    if plan is None:
        plan = ImageLabeler().plan(src, settings)  # refuses what the export refuses (tiny)
    with _open(src) as im:
        return _preview_opened(im, src, plan, max_side)


def _preview_opened(im, src: Path, plan: ImagePlan | None, max_side: int) -> ImagePreview:
    try:
        im.seek(0)
        orientation = _orientation(im)
        upright = _upright_size(im.size, orientation)
        small = _analysis_frame(im, orientation, side=max_side, src=src)
        small = _drawable(small)
        if small.mode in ("L", "LA", "CMYK"):
            small = small.convert("RGBA" if "A" in small.mode else "RGB")
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFile(f"{src.name}: cannot be decoded ({exc})") from exc
    scale = small.width / upright[0]
    if plan is None:
        return ImagePreview(small, None, scale, upright)
    ov = plan.overlay
    x0, y0, x1, y1 = plan.box.scaled(scale)
    pw = max(1, min(x1, small.width) - x0)
    ph = max(1, min(y1, small.height) - y0)
    scaled = LabelOverlay(
        ov.image.resize((pw, ph), Image.Resampling.LANCZOS),
        x0,
        y0,
        max(1, round(ov.ink_height * scale)),
        small.size,
        ov.font_size,
    )
    return ImagePreview(small, scaled, scale, upright, plan.position, plan.auto, plan)
