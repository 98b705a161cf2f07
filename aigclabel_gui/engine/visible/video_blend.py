"""Blend an RGBA label into a decoded video frame's Y/U/V planes, in place, with numpy.

The overlay is converted to the frame's YUV flavour once per resolution (matrix, range, bit depth,
chroma subsampling); each labelled frame then only touches the label's rectangle, so every pixel
outside it reaches the encoder exactly as decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

# pix_fmt -> (chroma shift x, chroma shift y, bit depth): the planar YUV layouts we blend into.
# Anything else is converted to yuv420p first (video.py), as FFmpeg's own overlay filter does.
PLANAR_YUV = {
    "yuv420p": (1, 1, 8),
    "yuvj420p": (1, 1, 8),
    "yuv422p": (1, 0, 8),
    "yuvj422p": (1, 0, 8),
    "yuv444p": (0, 0, 8),
    "yuvj444p": (0, 0, 8),
    "yuv420p10le": (1, 1, 10),
    "yuv422p10le": (1, 0, 10),
    "yuv444p10le": (0, 0, 10),
    "yuv420p12le": (1, 1, 12),
    "yuv422p12le": (1, 0, 12),
    "yuv444p12le": (0, 0, 12),
}

# AVColorSpace -> (Kr, Kb) of the RGB→YUV matrix (ITU-R BT.709, BT.601, BT.2020, SMPTE 240M).
_BT709 = (0.2126, 0.0722)
_BT601 = (0.299, 0.114)
_KRKB = {
    1: _BT709,
    5: _BT601,
    6: _BT601,
    7: (0.212, 0.087),
    9: (0.2627, 0.0593),
    10: (0.2627, 0.0593),
}
AVCOL_RANGE_JPEG = 2
# HDR transfers: a full-scale white label would be the brightest thing the display can show
# (10 000 nits in PQ). Map the label's white to the reference white of BT.2408 instead:
# 203 nits is 58 % of the PQ signal, 75 % of the HLG signal.
HDR_WHITE = {16: 0.58, 18: 0.75}  # AVColorTransferCharacteristic: SMPTE 2084 (PQ), ARIB STD-B67


@dataclass(frozen=True)
class YuvOverlay:
    """A label in one frame layout: planes as int32 arrays, alpha scaled to 0..256."""

    x: int  # luma-plane position of the (chroma-aligned) rectangle
    y: int
    planes: tuple[np.ndarray, np.ndarray, np.ndarray]  # Y, U, V values of the label
    alphas: tuple[np.ndarray, np.ndarray]  # alpha for the luma plane and for the chroma planes
    shift: tuple[int, int]  # chroma subsampling shifts (x, y)
    dtype: type

    @property
    def size(self) -> tuple[int, int]:
        return self.planes[0].shape[1], self.planes[0].shape[0]


def matrix_coefficients(colorspace: int, height: int) -> tuple[float, float]:
    """Kr, Kb for the frame. Unspecified: BT.709 for HD, BT.601 for SD (what players assume)."""
    if colorspace in _KRKB:
        return _KRKB[colorspace]
    return _BT709 if height >= 720 else _BT601


def make_yuv_overlay(
    rgba: Image.Image,
    x: int,
    y: int,
    pix_fmt: str,
    *,
    colorspace: int,
    full_range: bool,
    frame_height: int,
    transfer: int = 0,
) -> YuvOverlay:
    """Convert the RGBA label placed at (x, y) of a coded frame to the frame's YUV layout."""
    sx, sy, depth = PLANAR_YUV[pix_fmt]
    # Align the rectangle to the chroma grid by padding with transparent pixels, so the label
    # itself is not moved by a pixel and every chroma sample it touches is blended whole.
    x0, y0 = (x >> sx) << sx, (y >> sy) << sy
    w = rgba.width + (x - x0)
    h = rgba.height + (y - y0)
    w += (-w) % (1 << sx)
    h += (-h) % (1 << sy)
    canvas = np.zeros((h, w, 4), np.float64)
    canvas[y - y0 : y - y0 + rgba.height, x - x0 : x - x0 + rgba.width] = np.asarray(
        rgba.convert("RGBA"), np.float64
    )
    rgb = canvas[..., :3] / 255.0 * HDR_WHITE.get(transfer, 1.0)
    alpha = canvas[..., 3] / 255.0

    kr, kb = matrix_coefficients(colorspace, frame_height)
    luma = kr * rgb[..., 0] + (1.0 - kr - kb) * rgb[..., 1] + kb * rgb[..., 2]
    cb = (rgb[..., 2] - luma) / (2.0 * (1.0 - kb))
    cr = (rgb[..., 0] - luma) / (2.0 * (1.0 - kr))
    scale = float(1 << (depth - 8))
    if full_range:
        yv, uv, vv = luma * 255.0, 128.0 + cb * 255.0, 128.0 + cr * 255.0
    else:
        yv, uv, vv = 16.0 + luma * 219.0, 128.0 + cb * 224.0, 128.0 + cr * 224.0

    # Chroma: average the premultiplied colour over each subsampled block, so a half-covered
    # block gets the label's colour at half strength instead of a darkened fringe.
    def down(a: np.ndarray) -> np.ndarray:
        return a.reshape(h >> sy, 1 << sy, w >> sx, 1 << sx).mean(axis=(1, 3))

    a_c = down(alpha)
    safe = np.where(a_c > 0, a_c, 1.0)
    u_c = down(uv * alpha) / safe
    v_c = down(vv * alpha) / safe

    def as_int(a: np.ndarray) -> np.ndarray:
        return np.rint(a * scale).astype(np.int32)

    dtype = np.uint8 if depth == 8 else np.uint16
    return YuvOverlay(
        x0,
        y0,
        (as_int(yv), as_int(u_c), as_int(v_c)),
        (np.rint(alpha * 256).astype(np.int32), np.rint(a_c * 256).astype(np.int32)),
        (sx, sy),
        dtype,
    )


def _plane_array(plane: av.video.plane.VideoPlane, dtype: type) -> np.ndarray:
    itemsize = np.dtype(dtype).itemsize
    arr = np.frombuffer(plane, dtype)
    return arr.reshape(plane.height, plane.line_size // itemsize)[:, : plane.width]


def blend_into(frame: av.VideoFrame, ov: YuvOverlay, opacity: float = 1.0) -> None:
    """Alpha-blend `ov` into `frame` in place (only the label's rectangle is written).

    The frame must be writable: decoders keep references to their output, so callers run
    `frame.make_writable()` first (it copies only when the buffer is shared)."""
    if opacity <= 0.0:
        return
    gain = round(opacity * 256)
    sx, sy = ov.shift
    for i, plane in enumerate(frame.planes[:3]):
        vals = ov.planes[i]
        alpha = ov.alphas[0 if i == 0 else 1]
        if gain < 256:
            alpha = (alpha * gain) >> 8
        px, py = (ov.x, ov.y) if i == 0 else (ov.x >> sx, ov.y >> sy)
        arr = _plane_array(plane, ov.dtype)
        h, w = vals.shape
        region = arr[py : py + h, px : px + w]
        if region.shape != vals.shape:  # the renderer keeps labels inside; guard anyway
            h, w = region.shape
            vals, alpha = vals[:h, :w], alpha[:h, :w]
        bg = region.astype(np.int32)
        region[...] = bg + (((vals - bg) * alpha + 128) >> 8)
