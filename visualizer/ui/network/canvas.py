"""The drawing canvas (28×28, drawn with the mouse) and the view of what the net receives.

`DrawingCanvas` keeps nothing of its own: a stroke edits the model's drawing (`set_drawing`), and
the canvas repaints when the model says the drawing changed. The brush is soft, like a pen on
MNIST's scans: full ink within the brush radius, fading over one more pixel.
`InputView` shows the 28×28 image after MNIST's preprocessing, with the receptive field of the
value under the mouse outlined."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.render import grey_image

N = 28


def stamp(drawing: np.ndarray, y: float, x: float, radius: float) -> np.ndarray:
    """The drawing with a soft dot at (y, x) in pixel units (centres at i + 0.5)."""
    yy, xx = np.mgrid[0:N, 0:N] + 0.5
    d = np.hypot(yy - y, xx - x)
    ink = np.clip(radius + 1.0 - d, 0.0, 1.0) * 255.0
    return np.maximum(drawing, ink)


class _Square(QWidget):
    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        # Not height-for-width: on a short screen the square shrinks (drawn centred, `square`)
        # so the probability digits below stay in view instead of the column scrolling (#26).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumSize(112, 112)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(150, 150)

    def square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)


class DrawingCanvas(_Square):
    """Draw a digit with the mouse: left button draws, right button erases."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.setObjectName("drawing_canvas")
        self.setAccessibleName("Drawing canvas")
        self.setToolTip("Draw a digit with the mouse (right button erases); the net sees it at once")
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._last: QPointF | None = None
        self._erase = False
        model.drawing_changed.connect(self.update)

    def _cell(self, pos: QPointF) -> QPointF:
        r = self.square()
        return QPointF((pos.x() - r.left()) / r.width() * N, (pos.y() - r.top()) / r.height() * N)

    def _stroke_to(self, pos: QPointF) -> None:
        p = self._cell(pos)
        start = self._last if self._last is not None else p
        drawing = self.model.drawing.copy()
        steps = max(1, int(np.ceil(np.hypot(p.x() - start.x(), p.y() - start.y()) * 2)))
        radius = self.model.brush / 2.0
        for t in np.linspace(0.0, 1.0, steps + 1):
            y = start.y() + (p.y() - start.y()) * t
            x = start.x() + (p.x() - start.x()) * t
            if self._erase:
                yy, xx = np.mgrid[0:N, 0:N] + 0.5
                drawing[np.hypot(yy - y, xx - x) <= radius + 0.5] = 0.0
            else:
                drawing = stamp(drawing, y, x, radius)
        self._last = p
        self.model.set_drawing(drawing)

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if e.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self._erase = e.button() == Qt.MouseButton.RightButton
            self._last = None
            self._stroke_to(e.position())

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if e.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            self._stroke_to(e.position())

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        self._last = None

    def paintEvent(self, _e) -> None:  # noqa: N802
        p = QPainter(self)
        r = self.square()
        p.drawImage(r, grey_image(self.model.drawing))
        p.setPen(QPen(QColor(120, 120, 120), 1))
        p.drawRect(r)
        if not self.model.drawing.any():
            p.setPen(QColor(170, 170, 170))
            p.drawText(r.adjusted(4, 4, -4, -4), int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                       "draw a digit here")  # two lines in a small square at lecture type


class InputView(_Square):
    """What the net receives: the digit after MNIST's preprocessing; the hovered value's
    receptive field outlined in yellow (clipped to the image: padding lies outside it)."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.setObjectName("input_view")
        self.setAccessibleName("What the net receives")
        self.setToolTip("The 28×28 image the net receives (after MNIST's preprocessing: fitted into 20×20, "
                        "centred by mass); hover a map to see its receptive field here")
        self._image = grey_image(model.pixels)
        model.image_changed.connect(self._image_changed)
        model.hover_changed.connect(self.update)

    @Slot()
    def _image_changed(self) -> None:
        self._image = grey_image(self.model.pixels)
        self.update()

    def paintEvent(self, _e) -> None:  # noqa: N802
        p = QPainter(self)
        r = self.square()
        p.drawImage(r, self._image)
        p.setPen(QPen(QColor(120, 120, 120), 1))
        p.drawRect(r)
        field = self.model.hover_field()
        cell = r.width() / N
        if field is not None:
            top, left, h, w = field
            y0, x0 = max(top, 0), max(left, 0)
            y1, x1 = min(top + h, N), min(left + w, N)
            if y1 > y0 and x1 > x0:
                p.setPen(QPen(QColor(255, 215, 0), 2))
                p.drawRect(QRectF(r.left() + x0 * cell, r.top() + y0 * cell, (x1 - x0) * cell, (y1 - y0) * cell))
        elif self.model.hover is not None:
            p.setPen(QPen(QColor(255, 215, 0), 2))
            p.drawRect(r.adjusted(1, 1, -1, -1))
