"""Preview of the selected file, rendered by the engine itself (what you see is what gets written).

Images and video frames show the label; the label can be dragged with the mouse. On release the
new place is reported as "X,Y" fractions of the picture (the label's centre), snapped to one of the
nine anchors when it is dropped near one.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from aigclabel_gui.engine.settings import ANCHORS

SNAP_PX = 24  # screen pixels within which a dropped label snaps to an anchor


@dataclass
class PreviewFrame:
    """What the preview shows: a rendered picture and, if it has one, the label's box in it."""

    pixmap: QPixmap
    label_box: tuple[int, int, int, int] | None  # (x0, y0, x1, y1) in pixmap pixels
    caption: str = ""
    markers: list[float] | None = None  # audio: prompt positions as fractions of the timeline


def anchor_centres(
    w: float, h: float, box_w: float, box_h: float, margin: float
) -> dict[str, tuple[float, float]]:
    """Where the label's centre sits for each of the nine anchors (as the engine places them)."""
    xs = {"left": margin + box_w / 2, "center": w / 2, "right": w - margin - box_w / 2}
    ys = {"top": margin + box_h / 2, "center": h / 2, "bottom": h - margin - box_h / 2}
    out = {}
    for name in ANCHORS:
        if name == "center":
            out[name] = (xs["center"], ys["center"])
            continue
        parts = name.split("-")
        v = parts[0] if parts[0] in ("top", "bottom") else "center"
        hz = parts[-1] if parts[-1] in ("left", "right") else "center"
        out[name] = (xs[hz], ys[v])
    return out


class PreviewWidget(QWidget):
    """Shows a PreviewFrame scaled to fit; lets the user drag the label box."""

    position_changed = Signal(str)  # an anchor name or "X,Y"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setMouseTracking(True)
        self.frame: PreviewFrame | None = None
        self.message = ""
        self.margin_frac = 0.02
        self._drag_offset: QPointF | None = None
        self._drag_box: QRectF | None = None

    # --- content ------------------------------------------------------------------------
    def show_frame(self, frame: PreviewFrame | None, message: str = "") -> None:
        self.frame, self.message = frame, message
        self._drag_box = None
        self.update()

    def show_message(self, message: str) -> None:
        self.show_frame(None, message)

    # --- geometry -------------------------------------------------------------------------
    def _target(self) -> tuple[QRectF, float]:
        """Where the pixmap is drawn and at what scale."""
        assert self.frame is not None
        pm = self.frame.pixmap
        caption_h = 22 if self.frame.caption else 0
        avail_w, avail_h = self.width() - 8, self.height() - 8 - caption_h
        scale = min(avail_w / max(pm.width(), 1), avail_h / max(pm.height(), 1))
        w, h = pm.width() * scale, pm.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - caption_h - h) / 2, w, h), scale

    def label_rect(self) -> QRectF | None:
        if self.frame is None or self.frame.label_box is None:
            return None
        if self._drag_box is not None:
            return self._drag_box
        target, scale = self._target()
        x0, y0, x1, y1 = self.frame.label_box
        return QRectF(
            target.x() + x0 * scale, target.y() + y0 * scale, (x1 - x0) * scale, (y1 - y0) * scale
        )

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self.frame is None:
            p.setPen(self.palette().text().color())
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message
            )
            return
        target, _ = self._target()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawPixmap(target, self.frame.pixmap, QRectF(self.frame.pixmap.rect()))
        if self.frame.markers:
            p.setPen(QPen(QColor(230, 60, 60), 2))
            for m in self.frame.markers:
                x = target.x() + m * target.width()
                p.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
        rect = self.label_rect()
        if rect is not None:
            p.setPen(QPen(QColor(255, 200, 0), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
        if self.frame.caption:
            p.setPen(self.palette().text().color())
            p.drawText(
                QRectF(0, self.height() - 22, self.width(), 20),
                Qt.AlignmentFlag.AlignCenter,
                self.frame.caption,
            )

    # --- dragging ---------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        rect = self.label_rect()
        if (
            rect is not None
            and rect.contains(event.position())
            and event.button() == Qt.MouseButton.LeftButton
        ):
            self._drag_offset = event.position() - rect.topLeft()
            self._drag_box = QRectF(rect)
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._drag_offset is not None and self._drag_box is not None:
            target, _ = self._target()
            tl = event.position() - self._drag_offset
            x = min(max(tl.x(), target.left()), target.right() - self._drag_box.width())
            y = min(max(tl.y(), target.top()), target.bottom() - self._drag_box.height())
            self._drag_box.moveTopLeft(QPointF(x, y))
            self.update()
        else:
            rect = self.label_rect()
            over = rect is not None and rect.contains(event.position())
            self.setCursor(Qt.CursorShape.OpenHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._drag_offset is not None and self._drag_box is not None:
            self.position_changed.emit(self._position_for(self._drag_box))
            self._drag_offset = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseReleaseEvent(event)

    def _position_for(self, box: QRectF) -> str:
        target, _ = self._target()
        cx, cy = box.center().x() - target.x(), box.center().y() - target.y()
        margin = self.margin_frac * min(target.width(), target.height())
        for name, (ax, ay) in anchor_centres(
            target.width(), target.height(), box.width(), box.height(), margin
        ).items():
            if abs(ax - cx) <= SNAP_PX and abs(ay - cy) <= SNAP_PX:
                return name
        fx = min(max(cx / target.width(), 0.0), 1.0)
        fy = min(max(cy / target.height(), 0.0), 1.0)
        return f"{fx:.4f},{fy:.4f}"
