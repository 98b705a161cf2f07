"""Text label → RGBA overlay (an opaque pill behind the text), positioned in a frame, and composited.

Shared by images, video frames and the GUI preview: it knows nothing about files. GB 45438 §5.2/§5.4
ask for a *rendered text height* ≥ 5 % of the shorter side, so the font size is searched until the
measured glyph ink (not the nominal font size) reaches the target.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

from aigclabel_gui.engine.errors import InvalidSettings
from aigclabel_gui.engine.settings import ANCHORS, MIN_SIZE_PCT, VisibleSettings, parse_xy
from aigclabel_gui.engine.visible.base import Box
from aigclabel_gui.resources import default_font

# A pixel counts as ink when the glyph covers at least half of it: the fringe of anti-aliasing
# is not what a viewer reads as the letter, so it must not inflate the §5.2 number.
INK_THRESHOLD = 128
# Plate padding around the ink, as fractions of the ink height. The pill's round ends have a
# radius of half the plate height; 0.55 keeps the text corners clear of the curve.
PAD_Y = 0.35
PAD_X = 0.55
_REF_SIZE = 100


@dataclass(frozen=True)
class LabelOverlay:
    """A rendered label placed in a frame. `image` is shared through a cache: do not modify it."""

    image: Image.Image  # RGBA, exactly the size of the label (plate included)
    x: int  # top-left corner in the upright (as-viewed) frame
    y: int
    ink_height: int  # measured height in px of the rendered glyph ink (the number §5.2 checks)
    frame_size: tuple[int, int] = (0, 0)
    font_size: int = 0

    @property
    def box(self) -> Box:
        return Box(self.x, self.y, self.x + self.image.width, self.y + self.image.height)

    @property
    def ink_pct(self) -> float:
        """Ink height as % of the frame's shorter side."""
        short = min(self.frame_size) if all(self.frame_size) else 0
        return 100.0 * self.ink_height / short if short else 0.0


def resolve_font_path(visible: VisibleSettings) -> Path:
    return Path(visible.font_path) if visible.font_path else default_font()


@lru_cache(maxsize=8)
def _cmap(font_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        # lazy: only the cmap table is read (~0.2 s for the bundled 2 MB subset, once).
        with TTFont(font_path, lazy=True, fontNumber=0) as tt:
            return frozenset(tt.getBestCmap() or {})
    except (OSError, TTLibError) as exc:
        raise InvalidSettings(f"font {font_path}: cannot be read ({exc})") from exc


def missing_glyphs(text: str, font_path: str | Path | None = None) -> str:
    """Characters of `text` that the font cannot draw (Pillow has no fallback and draws them
    blank). Whitespace and control characters are ignored."""
    cmap = _cmap(str(font_path or default_font()))
    out = []
    for ch in text:
        if ch.isspace() or unicodedata.category(ch).startswith("C"):
            continue
        if ord(ch) not in cmap and ch not in out:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=64)
def _font(font_path: str, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(font_path, size)
    except OSError as exc:
        raise InvalidSettings(f"font {font_path}: cannot be loaded ({exc})") from exc


def _text_mask(text: str, font: ImageFont.FreeTypeFont, stroke: int = 0) -> Image.Image:
    """The text drawn in an 'L' canvas with `stroke` px of room on every side."""
    left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
    w, h = max(1, right - left), max(1, bottom - top)
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, stroke_width=stroke)
    return mask


def _ink_box(mask: Image.Image) -> tuple[int, int, int, int] | None:
    return mask.point(lambda v: 255 if v >= INK_THRESHOLD else 0).getbbox()


@dataclass(frozen=True)
class _Plate:
    image: Image.Image
    ink_height: int
    font_size: int


@lru_cache(maxsize=32)
def _render_plate(
    text: str,
    font_path: str,
    ink_target: int,
    color: str,
    plate_color: str,
    plate_opacity: float,
    outline: bool,
) -> _Plate:
    # Ink height grows about linearly with the font size: estimate from a reference size, then
    # step up until the measured ink reaches the target (rounding and hinting make it jumpy).
    ref = _ink_box(_text_mask(text, _font(font_path, _REF_SIZE)))
    if ref is None:
        raise InvalidSettings(f"label text {text!r} draws no visible ink in {Path(font_path).name}")
    size = max(1, math.ceil(_REF_SIZE * ink_target / (ref[3] - ref[1])))
    for _ in range(50):
        font = _font(font_path, size)
        fill_mask = _text_mask(text, font)
        ink = _ink_box(fill_mask)
        if ink is not None and ink[3] - ink[1] >= ink_target:
            break
        size += 1
    else:  # pragma: no cover - the estimate is never 50 px off
        raise InvalidSettings(f"cannot size label text {text!r} to {ink_target}px")
    ink_h = ink[3] - ink[1]
    ink_w = ink[2] - ink[0]

    try:
        fg = ImageColor.getrgb(color)[:3]
        bg = ImageColor.getrgb(plate_color)[:3]
    except ValueError as exc:
        raise InvalidSettings(f"colour: {exc}") from exc

    stroke = max(1, round(ink_h / 14)) if outline else 0
    pad_y = max(1, round(ink_h * PAD_Y)) + stroke
    pad_x = max(2, round(ink_h * PAD_X)) + stroke
    w, h = ink_w + 2 * pad_x, ink_h + 2 * pad_y
    plate = Image.new("RGBA", (w, h), (*bg, 0))
    alpha = round(255 * plate_opacity)
    if alpha:
        ImageDraw.Draw(plate).rounded_rectangle(
            (0, 0, w - 1, h - 1), radius=h // 2, fill=(*bg, alpha)
        )
    # Put the ink box (not the font's line box) at the padding, so the text sits centred.
    if stroke:
        stroke_mask = _text_mask(text, font, stroke)
        layer = Image.new("RGBA", stroke_mask.size, (*bg, 255))
        layer.putalpha(stroke_mask)
        plate.alpha_composite(layer, (pad_x - ink[0] - stroke, pad_y - ink[1] - stroke))
    layer = Image.new("RGBA", fill_mask.size, (*fg, 255))
    layer.putalpha(fill_mask)
    plate.alpha_composite(layer, (pad_x - ink[0], pad_y - ink[1]))
    return _Plate(plate, ink_h, size)


def _place(
    frame_w: int, frame_h: int, w: int, h: int, position: str, margin: int
) -> tuple[int, int]:
    if position in ANCHORS:
        vert, _, horiz = position.partition("-") if "-" in position else (position, "", position)
        if position in ("left", "right"):
            vert = "center"
        if position in ("top", "bottom"):
            horiz = "center"
        x = {"left": margin, "right": frame_w - w - margin}.get(horiz, (frame_w - w) // 2)
        y = {"top": margin, "bottom": frame_h - h - margin}.get(vert, (frame_h - h) // 2)
    else:
        try:
            fx, fy = parse_xy(position)
        except ValueError:
            raise ValueError(f"position {position!r} is not an anchor or 'X,Y'") from None
        x = round(fx * frame_w - w / 2)
        y = round(fy * frame_h - h / 2)
    # The whole label stays inside the frame: a cut-off label is not a legible prompt.
    x = min(max(x, 0), max(frame_w - w, 0))
    y = min(max(y, 0), max(frame_h - h, 0))
    return x, y


def render_label_overlay(
    frame_w: int, frame_h: int, visible: VisibleSettings, *, position: str | None = None
) -> LabelOverlay:
    """The label for a `frame_w`×`frame_h` upright frame. `position` overrides
    `visible.position`: one of ANCHORS or "X,Y" (fractions of width/height; the label is centred
    there and kept inside the frame). "auto" must be resolved first (placement.score_corners).

    Raises InvalidSettings when the font lacks a character of the text or the label cannot fit.
    """
    position = position or visible.position
    if position == "auto":
        raise ValueError("'auto' must be resolved by placement.score_corners first")
    if frame_w <= 0 or frame_h <= 0:
        raise ValueError(f"bad frame size {frame_w}x{frame_h}")
    text = visible.resolved_text()
    font_path = str(resolve_font_path(visible))
    if missing := missing_glyphs(text, font_path):
        raise InvalidSettings(
            f"the font {Path(font_path).name} has no glyph for {missing!r} in the label text",
            advice="choose a font that covers the text, or change the text",
        )
    short = min(frame_w, frame_h)
    # GB 45438 §5.2: never below the minimum, whatever the settings say.
    pct = max(visible.size_pct, MIN_SIZE_PCT)
    ink_target = max(1, math.ceil(round(short * pct / 100.0, 6)))  # 600 * 7 % is 42, not 43
    plate = _render_plate(
        text,
        font_path,
        ink_target,
        visible.color,
        visible.plate_color,
        float(visible.plate_opacity),
        bool(visible.outline),
    )
    w, h = plate.image.size
    if w > frame_w or h > frame_h:
        raise InvalidSettings(
            f"the label {text!r} at {pct:g}% ({w}x{h}px) does not fit a {frame_w}x{frame_h} frame",
            advice="use a shorter label text",
        )
    margin = round(short * max(visible.margin_pct, 0.0) / 100.0)
    # Clamp the margin so a label that nearly fills the frame is still placed inside it.
    margin = min(margin, (frame_w - w) // 2, (frame_h - h) // 2)
    x, y = _place(frame_w, frame_h, w, h, position, margin)
    return LabelOverlay(plate.image, x, y, plate.ink_height, (frame_w, frame_h), plate.font_size)


def composite(frame: Image.Image, overlay: LabelOverlay) -> Image.Image:
    """Blend the overlay onto `frame` **in place** and return `frame`.

    In place matters: a JPEG re-saved with quality="keep" needs the object Pillow opened.
    Pixels outside `overlay.box` are never touched. Modes: RGB, RGBA, L, LA, CMYK."""
    if frame.size != overlay.frame_size and overlay.frame_size != (0, 0):
        raise ValueError(f"overlay made for {overlay.frame_size}, frame is {frame.size}")
    label = overlay.image
    box = overlay.box
    if frame.mode in ("RGBA", "LA"):
        # Proper "over" for a frame with its own alpha (a transparent PNG keeps its alpha).
        region = frame.crop(box).convert("RGBA")
        region.alpha_composite(label)
        frame.paste(region.convert(frame.mode), box)
    elif frame.mode in ("RGB", "L", "CMYK"):
        frame.paste(label.convert("RGB").convert(frame.mode), box, mask=label.getchannel("A"))
    else:
        raise ValueError(f"cannot draw on a {frame.mode} image; convert it first")
    return frame


# --- orientation: labels are drawn upright (as viewed) and stored in the file's own pixel grid ---

_T = Image.Transpose
# Transposes that are not their own inverse.
_INVERSE_OP = {_T.ROTATE_90: _T.ROTATE_270, _T.ROTATE_270: _T.ROTATE_90}
_SWAPS_AXES = {_T.ROTATE_90, _T.ROTATE_270, _T.TRANSPOSE, _T.TRANSVERSE}


def inverse_transpose(op: Image.Transpose) -> Image.Transpose:
    return _INVERSE_OP.get(op, op)


def _map_corner(x: float, y: float, w: int, h: int, op: Image.Transpose) -> tuple[float, float]:
    """Where the continuous point (x, y) of a w×h picture lands after `picture.transpose(op)`."""
    return {
        _T.FLIP_LEFT_RIGHT: (w - x, y),
        _T.FLIP_TOP_BOTTOM: (x, h - y),
        _T.ROTATE_90: (y, w - x),
        _T.ROTATE_180: (w - x, h - y),
        _T.ROTATE_270: (h - y, x),
        _T.TRANSPOSE: (y, x),
        _T.TRANSVERSE: (h - y, w - x),
    }[op]


def overlay_to_stored(ov: LabelOverlay, to_upright: Image.Transpose | None) -> LabelOverlay:
    """The overlay rendered for the upright picture, turned into the stored picture's grid
    (`to_upright` turns stored → upright: EXIF orientation, a video display matrix), so the
    viewer's rotation makes it upright again."""
    if to_upright is None:
        return ov
    back = inverse_transpose(to_upright)
    W, H = ov.frame_size
    x0, y0, x1, y1 = ov.box
    p = _map_corner(x0, y0, W, H, back)
    q = _map_corner(x1, y1, W, H, back)
    size = (H, W) if to_upright in _SWAPS_AXES else (W, H)
    return LabelOverlay(
        ov.image.transpose(back),
        int(min(p[0], q[0])),
        int(min(p[1], q[1])),
        ov.ink_height,
        size,
        ov.font_size,
    )
