"""The drawing canvas (28×28, drawn with the mouse) and the view of what the net receives.

`DrawingCanvas` keeps nothing of its own: a stroke edits the model's drawing (`set_drawing`), and
the canvas repaints when the model says the drawing changed. The brush is soft, like a pen on
MNIST's scans: full ink within the brush radius, fading over one more pixel.
`InputView` shows the 28×28 image after MNIST's preprocessing, with the receptive field of the
value under the mouse outlined."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from visualizer.ui.network.fit import type_scale
from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.render import grey_image

N = 28
#: The squares' side at the normal type (they grow with it: `type_scale`) and their least side.
SIDE, SIDE_MIN = 150, 112
HINT = "draw a digit here"
_HINT_FLAGS = int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap)
_TITLE_FLAGS = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)


def stamp(drawing: np.ndarray, y: float, x: float, radius: float) -> np.ndarray:
    """The drawing with a soft dot at (y, x) in pixel units (centres at i + 0.5)."""
    yy, xx = np.mgrid[0:N, 0:N] + 0.5
    d = np.hypot(yy - y, xx - x)
    ink = np.clip(radius + 1.0 - d, 0.0, 1.0) * 255.0
    return np.maximum(drawing, ink)


class _Square(QWidget):
    """A 28×28 picture drawn as a square under its title. The title is painted, not a QLabel:
    it wraps (in a smaller type where a word is wider than the widget) so the two squares of the
    column share its width equally at any type, and a `twin` square gets the same side."""

    def __init__(self, model: NetworkModel, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.title = title
        self.twin: _Square | None = None
        # Not height-for-width: on a short screen the square shrinks (drawn centred, `square`)
        # so the probability digits below stay in view instead of the column scrolling (#26).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def _line(self) -> int:
        return QFontMetrics(self.title_font()).height() + 4

    def sizeHint(self) -> QSize:  # noqa: N802
        """150 px at the normal type, in proportion to the type in use (lecture mode, Ctrl+plus):
        the layout gives it up to that, or less where the pane is smaller."""
        side = max(SIDE_MIN, round(SIDE * type_scale(self)))
        return QSize(side, side + self._line())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(SIDE_MIN, SIDE_MIN + self._line())

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:
            self.updateGeometry()  # a new size wanted

    def title_font(self) -> QFont:
        """Bold, in the widget's type, or smaller (down to half) where a word of the title would
        be wider than the widget."""
        font = QFont(self.font())
        font.setBold(True)
        size = font.pointSizeF()
        widest = max(QFontMetrics(font).horizontalAdvance(w) for w in self.title.split())
        if size > 0 and widest > self.width() > 0:
            font.setPointSizeF(size * max(0.5, 0.97 * self.width() / widest))
        return font

    def title_height(self) -> int:
        """The title's wrapped height at the widget's width, and a small gap."""
        width = max(1, self.width())
        return QFontMetrics(self.title_font()).boundingRect(0, 0, width, 10_000, _TITLE_FLAGS, self.title).height() + 4

    def _room(self) -> tuple[int, int]:
        """(the title's height, the square's side) for this widget alone."""
        top = self.title_height()
        return top, min(self.width(), self.height() - top) - 2

    def square(self) -> QRectF:
        """Under the title, centred across; as large as the widget and its twin both allow."""
        top, side = self._room()
        if self.twin is not None and self.twin.isVisible():
            twin_top, twin_side = self.twin._room()
            top, side = max(top, twin_top), min(side, twin_side, self.height() - max(top, twin_top) - 2)
        side = max(1, side)
        return QRectF((self.width() - side) / 2, top + 1, side, side)

    def paint_title(self, p: QPainter) -> None:
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        p.setFont(self.title_font())
        p.drawText(QRectF(0, 0, self.width(), self.title_height()), _TITLE_FLAGS, self.title)
        p.setFont(self.font())

    def layout_problems(self) -> list[str]:
        """For the layout report: the title cut (a word wider than the widget even at half size)."""
        fm = QFontMetrics(self.title_font())
        need = fm.boundingRect(0, 0, max(1, self.width()), 10_000, _TITLE_FLAGS, self.title)
        if need.width() > self.width() or need.height() > self.height():
            return [f"the title '{self.title}' needs {need.width()}×{need.height()} px, has "
                    f"{self.width()}×{self.height()}"]
        return []


class DrawingCanvas(_Square):
    """Draw a digit with the mouse: left button draws, right button erases."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(model, "Draw", parent)
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
        self.paint_title(p)
        r = self.square()
        p.drawImage(r, grey_image(self.model.drawing))
        p.setPen(QPen(QColor(120, 120, 120), 1))
        p.drawRect(r)
        if not self.model.drawing.any():
            p.setPen(QColor(170, 170, 170))
            p.setFont(self.hint_font())
            p.drawText(self.hint_rect(), _HINT_FLAGS, HINT)  # two or three lines in a small square at lecture type

    def hint_rect(self) -> QRectF:
        return self.square().adjusted(4, 4, -4, -4)

    def hint_font(self) -> QFont:
        """The widget's font, or smaller (down to half) where the hint's words would not fit the
        square (lecture type on a short screen)."""
        font, room = QFont(self.font()), self.hint_rect().toRect()
        size = font.pointSizeF()
        while size > 0 and not self._hint_fits(font, room) and size > self.font().pointSizeF() / 2:
            size *= 0.9
            font.setPointSizeF(size)
        return font

    @staticmethod
    def _hint_fits(font: QFont, room) -> bool:
        need = QFontMetrics(font).boundingRect(room, _HINT_FLAGS, HINT)
        return need.width() <= room.width() and need.height() <= room.height()

    def layout_problems(self) -> list[str]:
        """For the layout report: the title or the hint cut (this widget draws its own text)."""
        room = self.hint_rect().toRect()
        if self.model.drawing.any() or self._hint_fits(self.hint_font(), room):
            return super().layout_problems()
        return [*super().layout_problems(), f"the hint '{HINT}' does not fit the {room.width()}×{room.height()} px square"]


class InputView(_Square):
    """What the net receives: the digit after MNIST's preprocessing; the hovered value's
    receptive field outlined in yellow (clipped to the image: padding lies outside it)."""

    def __init__(self, model: NetworkModel, parent: QWidget | None = None) -> None:
        super().__init__(model, "The net receives", parent)
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
        self.paint_title(p)
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
