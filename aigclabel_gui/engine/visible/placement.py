"""The "auto" anchor: the corner whose label area is least busy (Canny edge density) and free of faces.

GB 45438 §5.2 puts an image's label on an edge or in a corner; among the four corners we take the
one that covers the least of the picture's subject. Deterministic: the same pixels and settings
give the same corner (fixed downscale, fixed thresholds, ties broken in a fixed order).

Faces: OpenCV 5 wheels no longer ship `CascadeClassifier` nor the Haar cascade files. We use the
Haar frontal-face cascade when the installed OpenCV has it (4.x), else `cv2.FaceDetectorYN` when a
YuNet ONNX model is available (AIGCLABEL_FACE_MODEL or resources/models/); otherwise edge density
alone decides and `faces_checked` is False so callers can say so.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from aigclabel_gui.engine.settings import VisibleSettings
from aigclabel_gui.engine.visible.render import render_label_overlay
from aigclabel_gui.resources import resource

# Preference order for ties: bottom-right is where Chinese generators put their "AI生成" mark.
CORNERS = ("bottom-right", "bottom-left", "top-right", "top-left")
ANALYSIS_SIDE = 640  # analyse a downscaled copy: enough for edges and faces, fast at 50 MP
CANNY_LOW, CANNY_HIGH = 50, 150
FACE_PENALTY = 10.0  # > any edge density (at most 1.0): a corner with a face loses to any without

Box = tuple[int, int, int, int]
FaceDetector = Callable[[np.ndarray], list[Box]]  # grey uint8 image -> face boxes (x0, y0, x1, y1)


@dataclass(frozen=True)
class AutoPlacement:
    position: str  # the chosen corner
    scores: dict[str, float]  # corner -> edge density in [0, 1] (+ FACE_PENALTY if a face overlaps)
    faces: list[Box] = field(default_factory=list)  # in the analysed image's frame coordinates
    faces_checked: bool = False  # False when no face detector is available here


def _grey(frame: Image.Image | np.ndarray) -> np.ndarray:
    """Grey uint8 array of the upright frame, at its full size."""
    if isinstance(frame, Image.Image):
        if frame.mode.startswith("I"):  # 16/32-bit grey: keep the top 8 bits
            return (np.asarray(frame).astype(np.uint32) >> 8).clip(0, 255).astype(np.uint8)
        return np.asarray(frame.convert("L"))
    arr = frame
    if arr.ndim == 3:
        arr = cv2.cvtColor(np.ascontiguousarray(arr[:, :, :3]), cv2.COLOR_RGB2GRAY)
    if arr.dtype == np.uint16:
        arr = (arr >> 8).astype(np.uint8)
    return arr.astype(np.uint8, copy=False)


@lru_cache(maxsize=1)
def _haar() -> object | None:
    if not hasattr(cv2, "CascadeClassifier"):
        return None
    data = getattr(getattr(cv2, "data", None), "haarcascades", "")
    path = os.path.join(data, "haarcascade_frontalface_default.xml")
    if not os.path.exists(path):
        return None
    clf = cv2.CascadeClassifier(path)
    return None if clf.empty() else clf


def _yunet_model() -> Path | None:
    env = os.environ.get("AIGCLABEL_FACE_MODEL")
    if env and Path(env).is_file():
        return Path(env)
    folder = resource("models")
    models = sorted(folder.glob("face_detection_yunet*.onnx")) if folder.is_dir() else []
    return models[-1] if models else None


def default_face_detector() -> FaceDetector | None:
    """The best face detector this installation has, or None."""
    haar = _haar()
    if haar is not None:

        def detect_haar(grey: np.ndarray) -> list[Box]:
            found = haar.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
            return [(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h in found]

        return detect_haar
    model = _yunet_model()
    if model is not None and hasattr(cv2, "FaceDetectorYN"):

        def detect_yunet(grey: np.ndarray) -> list[Box]:
            bgr = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
            det = cv2.FaceDetectorYN.create(str(model), "", (bgr.shape[1], bgr.shape[0]), 0.8)
            _, faces = det.detect(bgr)
            if faces is None:
                return []
            return [(int(f[0]), int(f[1]), int(f[0] + f[2]), int(f[1] + f[3])) for f in faces]

        return detect_yunet
    return None


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def score_corners(
    frame: Image.Image | np.ndarray,
    visible: VisibleSettings,
    *,
    face_detector: FaceDetector | None | bool = True,
) -> AutoPlacement:
    """Score each corner where the label would go. `face_detector`: True = the default one (if
    any), False/None = none, or a callable for tests and other detectors."""
    grey = _grey(frame)
    h, w = grey.shape
    scale = min(1.0, ANALYSIS_SIDE / max(w, h))
    small = (
        cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), cv2.INTER_AREA)
        if scale < 1.0
        else grey
    )
    edges = cv2.Canny(cv2.GaussianBlur(small, (3, 3), 0), CANNY_LOW, CANNY_HIGH)

    detector = default_face_detector() if face_detector is True else (face_detector or None)
    faces = detector(small) if detector else []
    faces_full = [tuple(round(v / scale) for v in f) for f in faces]

    scores: dict[str, float] = {}
    for corner in CORNERS:
        ov = render_label_overlay(w, h, visible, position=corner)
        x0, y0, x1, y1 = ov.box
        # Look a little beyond the plate: a subject just next to the label is covered in effect.
        grow = (y1 - y0) // 2
        region = (max(0, x0 - grow), max(0, y0 - grow), min(w, x1 + grow), min(h, y1 + grow))
        sx0, sy0, sx1, sy1 = (int(round(v * scale)) for v in region)
        patch = edges[sy0 : max(sy1, sy0 + 1), sx0 : max(sx1, sx0 + 1)]
        score = float(np.count_nonzero(patch)) / max(1, patch.size)
        if any(_overlaps(region, f) for f in faces_full):
            score += FACE_PENALTY
        scores[corner] = round(score, 6)
    best = min(CORNERS, key=lambda c: (scores[c], CORNERS.index(c)))
    return AutoPlacement(best, scores, faces_full, faces_checked=detector is not None)
