"""Preview of the selected image or video frame, rendered by the engine itself (what you see is
what gets written).

The engine gives the picture and the label it would draw (same renderer, same placement); the
widget paints the label on the picture, so while the user drags it the real label moves. On
release the new place is reported as "X,Y" fractions of the picture (the label's centre), or as
one of the nine anchors when it is dropped near one.
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
    """What the preview shows: a picture and, if it has one, the engine's label and its box."""

    pixmap: QPixmap
    label_box: tuple[int, int, int, int] | None  # (x0, y0, x1, y1) in pixmap pixels
    caption: str = ""
    label: QPixmap | None = None  # the rendered label, painted at label_box (None: baked in)
    movable: bool = True
    baked: bool = False  # the label is already in the picture: paint `label` only while dragging
    opacity: float = 1.0  # the label's opacity (a video label fading in or out, GB 45438 §5.4)


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
    """Shows a PreviewFrame scaled to fit; lets the user drag the label."""

    position_changed = Signal(str)  # an anchor name or "X,Y"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 160)
        self.setMouseTracking(True)
        self.frame: PreviewFrame | None = None
        self.message = ""
        self.margin_frac = 0.02
        self.actual_size = False  # 100 %: one picture pixel per screen pixel, centred on the label
        self._drag_offset: QPointF | None = None
        self._drag_box: QRectF | None = None
        self._hover = False

    # --- content ------------------------------------------------------------------------
    def show_frame(self, frame: PreviewFrame | None, message: str = "") -> None:
        self.frame, self.message = frame, message
        self._drag_box = None
        self._drag_offset = None
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
        if self.actual_size:
            scale = 1.0 / max(self.devicePixelRatioF(), 1.0)
            w, h = pm.width() * scale, pm.height() * scale
            box = self.frame.label_box
            cx, cy = (
                ((box[0] + box[2]) / 2 * scale, (box[1] + box[3]) / 2 * scale)
                if box
                else (
                    w / 2,
                    h / 2,
                )
            )

            def place(size: float, avail: float, centre: float) -> float:
                if size <= avail:
                    return (avail - size) / 2 + 4
                return min(max(avail / 2 - centre, avail - size), 0) + 4

            return QRectF(place(w, avail_w, cx), place(h, avail_h, cy), w, h), scale
        scale = min(avail_w / max(pm.width(), 1), avail_h / max(pm.height(), 1))
        w, h = pm.width() * scale, pm.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - caption_h - h) / 2, w, h), scale

    def label_rect(self) -> QRectF | None:
        """The label's rectangle in widget coordinates (follows the mouse while dragging)."""
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
            p.setPen(self.palette().placeholderText().color())
            p.drawText(
                self.rect().adjusted(16, 16, -16, -16),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.message,
            )
            return
        target, _ = self._target()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawPixmap(target, self.frame.pixmap, QRectF(self.frame.pixmap.rect()))
        rect = self.label_rect()
        if rect is not None:
            dragging = self._drag_box is not None
            if self.frame.label is not None and (not self.frame.baked or dragging):
                if self.frame.baked:
                    p.setOpacity(0.85)
                elif dragging:
                    p.setOpacity(max(self.frame.opacity, 0.85))
                else:
                    p.setOpacity(self.frame.opacity)
                p.drawPixmap(rect, self.frame.label, QRectF(self.frame.label.rect()))
                p.setOpacity(1.0)
            if self.frame.movable and (self._hover or dragging):
                p.setPen(QPen(QColor(255, 200, 0), 2, Qt.PenStyle.DashLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(rect.adjusted(-2, -2, 2, 2))
        if self.frame.caption:
            p.setPen(self.palette().text().color())
            p.drawText(
                QRectF(0, self.height() - 22, self.width(), 20),
                Qt.AlignmentFlag.AlignCenter,
                self.frame.caption,
            )

    # --- dragging ---------------------------------------------------------------------------------
    def _over_label(self, pos: QPointF) -> bool:
        rect = self.label_rect()
        return bool(self.frame and self.frame.movable and rect is not None and rect.contains(pos))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._over_label(event.position()):
            rect = self.label_rect()
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
            over = self._over_label(event.position())
            if over != self._hover:
                self._hover = over
                self.update()
            self.setCursor(Qt.CursorShape.OpenHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._drag_offset is not None and self._drag_box is not None:
            position = self._position_for(self._drag_box)
            self._drag_offset = None  # the box stays where it was dropped until the re-render
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            self.position_changed.emit(position)
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hover:
            self._hover = False
            self.update()
        super().leaveEvent(event)

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
