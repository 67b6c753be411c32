"""Views of a matrix for the convolution explorer: numbers in cells while they can be read, a
pyqtgraph heat map with a colour bar beyond that.

`MatrixView` picks the mode itself from the matrix size, the widget size and the font, and
offers the same overlays in both: padding shown apart from the input, the current window, the
current cell, hover marks, and cells not reached yet left blank.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEasingCurve, QEvent, QPointF, QRectF, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from visualizer.ui.conv.cell_notes import note_layout, paint_note, text_colour_on
from visualizer.ui.conv.fit import CELL_LINES
from visualizer.ui.conv.focus_header import header_room, paint_header
from visualizer.ui.conv.grid_look import (
    GRID_LINE,
    HIGHLIGHT_COLOUR,
    HOVER_COLOUR,
    MAX_CELLS,
    PAD_FILL,
    SLIDE_MS,
    TEXT_PAD,
    WINDOW_COLOUR,
    ColourScale,
    cell_label,
)
from visualizer.ui.conv.heat_map import HeatMap


class MatrixModel:
    """What a view shows: values, where the original input sits inside them, what is revealed."""

    def __init__(self) -> None:
        self.values = np.zeros((1, 1))
        self.rgb: np.ndarray | None = None  # (H, W, 3) 0..255 to show in colour instead
        self.inner: tuple[int, int, int, int] | None = None  # top, left, rows, cols of the real input
        self.scale = ColourScale("sequential", 0.0, 1.0)
        self.revealed: int | None = None  # cells shown in reading order; None = all
        self.window: list[tuple[int, int]] = []
        self.current: tuple[int, int] | None = None
        self.marks: list[tuple[int, int]] = []
        self.hover: tuple[int, int] | None = None
        #: Small text under a cell's value: (y, x) -> (text, colour); the window's weight × value.
        self.notes: dict[tuple[int, int], tuple[str, str]] = {}
        self.highlight: tuple[int, int] | None = None
        #: The neighbourhood shown (top, left, rows, columns) on a big input while stepping
        #: (core.step_focus); None: the whole matrix.
        self.focus: tuple[int, int, int, int] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape[0], self.values.shape[1]

    def area(self) -> tuple[int, int, int, int]:
        """The cells drawn: the neighbourhood in focus, or the whole matrix."""
        return self.focus if self.focus is not None else (0, 0, *self.shape)

    def in_area(self, y: int, x: int) -> bool:
        t, l, h, w = self.area()
        return t <= y < t + h and l <= x < l + w

    def is_padding(self, y: int, x: int) -> bool:
        if self.inner is None:
            return False
        t, l, h, w = self.inner
        return not (t <= y < t + h and l <= x < l + w)

    def is_revealed(self, y: int, x: int) -> bool:
        return self.revealed is None or y * self.values.shape[1] + x < self.revealed


class CellGrid(QWidget):
    """The matrix drawn as cells with their numbers (small matrices)."""

    hovered = Signal(int, int)
    clicked = Signal(int, int)

    def __init__(self, model: MatrixModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        #: The notes the last paint drew, by cell: what a viewer saw (for tests and tours).
        self.drawn_notes: dict[tuple[int, int], str] = {}
        self.setMouseTracking(True)
        self.setMinimumSize(60, 60)
        self._last_hover = (-1, -1)
        self.limit: float | None = None  # set by the explorer so all three views share one cell size
        # The window and the current cell slide: their boxes (in cell units) move from where they
        # were to where they are, eased, in at most SLIDE_MS.
        self._slide = QVariantAnimation(self)
        self._slide.setStartValue(0.0)
        self._slide.setEndValue(1.0)
        self._slide.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self._slide.valueChanged.connect(self.update)
        self._from: dict[str, QRectF] = {}

    # sliding --------------------------------------------------------------------------------
    def boxes(self) -> dict[str, QRectF]:
        """The window's and the current cell's boxes in cell units (x, y, columns, rows)."""
        m = self.model
        out = {}
        if len(m.window) > 1:
            ys = [c[0] for c in m.window]
            xs = [c[1] for c in m.window]
            out["window"] = QRectF(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)
        if m.current is not None:
            out["current"] = QRectF(m.current[1], m.current[0], 1, 1)
        return out

    def slide_from(self, before: dict[str, QRectF], duration_ms: int) -> None:
        """The boxes were at `before`: move them to where they are now in `duration_ms`."""
        self._slide.stop()
        now = self.boxes()
        self._from = {k: r for k, r in before.items() if k in now and r != now[k]}
        if self._from and duration_ms > 0:
            self._slide.setDuration(min(SLIDE_MS, int(duration_ms)))
            self._slide.start()
        self.update()

    def stop_sliding(self) -> None:
        self._slide.stop()
        self._from = {}
        self.update()

    def is_sliding(self) -> bool:
        return self._slide.state() == QVariantAnimation.State.Running

    def _shown_box(self, key: str, target: QRectF) -> QRectF:
        """Where a box is drawn now: on its way from where it was, or where it is."""
        start = self._from.get(key)
        if start is None or not self.is_sliding():
            r = target
        else:
            t = float(self._slide.currentValue() or 0.0)
            r = QRectF(start.x() + (target.x() - start.x()) * t, start.y() + (target.y() - start.y()) * t,
                       start.width() + (target.width() - start.width()) * t,
                       start.height() + (target.height() - start.height()) * t)
        c = self.cell_size()
        o = self.origin()
        return QRectF(o.x() + r.x() * c, o.y() + r.y() * c, r.width() * c, r.height() * c)

    # geometry -------------------------------------------------------------------------------
    def max_cell(self) -> float:
        """The cells' size where the room allows: the figure's one rule (fit.CELL_LINES)."""
        return CELL_LINES * QFontMetricsF(self.font()).height()

    def room_cell_size(self) -> float:
        """The largest cells the widget has room for."""
        _, _, rows, cols = self.model.area()
        side, top = self.header_size()
        return max(1.0, min((self.width() - 4 - side) / cols, (self.height() - 4 - top) / rows))

    def natural_cell_size(self) -> float:
        return min(self.room_cell_size(), self.max_cell())

    def header_size(self) -> tuple[float, float]:
        """Room (width at the left, height on top) for the neighbourhood's caption and the row and
        column numbers; none while the whole matrix shows."""
        return (0.0, 0.0) if self.model.focus is None else header_room(self.font(), self.model.shape)

    def cell_size(self) -> float:
        c = self.natural_cell_size()
        return min(c, self.limit) if self.limit else c

    def origin(self) -> QPointF:
        """Where cell (0, 0) is (outside the widget when a neighbourhood further on shows)."""
        top, left, rows, cols = self.model.area()
        side, head = self.header_size()
        c = self.cell_size()
        return QPointF(side + (self.width() - side - c * cols) / 2 - left * c,
                       head + (self.height() - head - c * rows) / 2 - top * c)

    def area_rect(self) -> QRectF:
        """The drawn cells' rectangle on screen."""
        top, left, rows, cols = self.model.area()
        return self.cell_rect(top, left).united(self.cell_rect(top + rows - 1, left + cols - 1))

    def cell_rect(self, y: int, x: int) -> QRectF:
        c = self.cell_size()
        o = self.origin()
        return QRectF(o.x() + x * c, o.y() + y * c, c, c)

    def cell_at(self, pos: QPointF) -> tuple[int, int]:
        c = self.cell_size()
        o = self.origin()
        x = math.floor((pos.x() - o.x()) / c)
        y = math.floor((pos.y() - o.y()) / c)
        if self.model.in_area(y, x):
            return y, x
        return -1, -1

    def text_font(self, cell: float | None = None) -> QFont | None:
        """The widget font, shrunk to fit the widest number; None when it would be unreadable."""
        cell = self.cell_size() if cell is None else cell
        font = QFont(self.font())
        base = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        texts = self._widest_texts()
        fm = QFontMetricsF(font)
        widest = max((fm.horizontalAdvance(t) for t in texts), default=fm.horizontalAdvance("0"))
        # Grow with big cells (up to 1.5× the widget font) so a projector shows large numbers.
        fit = min(1.5, (cell * 0.8) / max(widest, 1.0), (cell * 0.42) / fm.height())
        fit = max(fit, min(1.0, (cell * 0.9) / max(widest, 1.0), (cell * 0.8) / fm.height()))
        size = base * fit
        if size < max(6.5, base * 0.55):
            return None
        font.setPointSizeF(size)
        return font

    def _widest_texts(self) -> list[str]:
        v = self.model.values  # the whole matrix: a neighbourhood's page turn keeps the type's size
        if v.size == 0:
            return ["0"]
        texts = {cell_label(float(a)) for a in (v.min(), v.max())}
        # Lengths differ more by decimals than by magnitude; sample a few cells too.
        flat = v.ravel()
        for a in flat[:: max(1, flat.size // 64)]:
            texts.add(cell_label(float(a)))
        return sorted(texts, key=len)[-3:]

    # painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.paint(p)
        p.end()

    def paint(self, p: QPainter) -> None:
        m = self.model
        top, left, rows, cols = m.area()
        font = self.text_font()
        grid_pen = QPen(GRID_LINE, 1)
        pad_brush = QBrush(PAD_FILL)
        hatch = QBrush(QColor("#b8c2cf"), Qt.BrushStyle.BDiagPattern)
        pad_font = QFont(font) if font is not None else None
        if pad_font is not None:
            pad_font.setItalic(True)
        layout = self.note_layout(font) if m.notes and font is not None else None
        self.drawn_notes = {}
        if m.focus is not None:
            paint_header(p, self, m)
            p.setClipRect(self.area_rect().adjusted(-3, -3, 3, 3))
        for y in range(top, top + rows):
            for x in range(left, left + cols):
                r = self.cell_rect(y, x)
                padding = m.is_padding(y, x)
                shown_cell = m.is_revealed(y, x)
                if padding:
                    fill = PAD_FILL
                    p.fillRect(r, pad_brush)
                    p.fillRect(r, hatch)
                elif not shown_cell:
                    fill = QColor("white")
                    p.fillRect(r, fill)
                elif m.rgb is not None:
                    fill = QColor(*[int(c) for c in m.rgb[y, x]])
                    p.fillRect(r, fill)
                else:
                    fill = m.scale.colour(float(m.values[y, x]), pale=0.55)
                    p.fillRect(r, fill)
                p.setPen(grid_pen)
                p.drawRect(r)
                if font is not None and shown_cell and m.rgb is None:
                    p.setFont(pad_font if padding else font)
                    p.setPen(TEXT_PAD if padding else text_colour_on(fill))
                    note = m.notes.get((y, x)) if layout is not None else None
                    label = cell_label(float(m.values[y, x]))
                    if note is None:
                        p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
                    else:
                        paint_note(p, r, label, note, fill, layout)
                        self.drawn_notes[(y, x)] = note[0]
        if m.inner is not None and m.inner[2:] != m.shape:
            t, l, h, w = m.inner
            box = self.cell_rect(t, l).united(self.cell_rect(t + h - 1, l + w - 1))
            p.setPen(QPen(QColor("#3d4752"), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(box)
        self._paint_marks(p, m.marks, HOVER_COLOUR, dashed=True)
        self._paint_marks(p, m.window, WINDOW_COLOUR, outline_box=True)
        boxes = self.boxes()
        if "current" in boxes:
            p.setPen(QPen(WINDOW_COLOUR, 4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self._shown_box("current", boxes["current"]).adjusted(2, 2, -2, -2))
        if m.hover is not None:
            p.setPen(QPen(HOVER_COLOUR, 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.cell_rect(*m.hover).adjusted(1, 1, -1, -1))
        if m.highlight is not None:
            p.setPen(QPen(HIGHLIGHT_COLOUR, 4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.cell_rect(*m.highlight).adjusted(3, 3, -3, -3))

    def note_layout(self, font: QFont | None = None) -> tuple[QFont, int] | None:
        """The notes' small font and their number of lines (cell_notes.note_layout)."""
        font = self.text_font() if font is None else font
        if font is None or not self.model.notes:
            return None
        return note_layout(font, self.cell_size(), [n[0] for n in self.model.notes.values()])

    def note_font(self, font: QFont | None = None) -> QFont | None:
        """The notes' small font (None when no note is drawn)."""
        layout = self.note_layout(font)
        return None if layout is None else layout[0]

    def _paint_marks(self, p: QPainter, cells, colour: QColor, outline_box: bool = False,
                     dashed: bool = False) -> None:
        if not cells:
            return
        fill = QColor(colour)
        fill.setAlpha(45 if dashed else 60)
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        p.setPen(QPen(colour, 2, style))
        p.setBrush(fill)
        sliding = outline_box and self.is_sliding()
        if not sliding:
            for y, x in cells:
                p.drawRect(self.cell_rect(y, x).adjusted(1, 1, -1, -1))
        boxes = self.boxes()
        if outline_box and "window" in boxes:
            p.setPen(QPen(colour, 4))
            p.setBrush(fill if sliding else Qt.BrushStyle.NoBrush)
            p.drawRect(self._shown_box("window", boxes["window"]))

    # mouse ----------------------------------------------------------------------------------
    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        cell = self.cell_at(event.position())
        if cell != self._last_hover:
            self._last_hover = cell
            self.hovered.emit(*cell)

    def leaveEvent(self, event) -> None:  # noqa: N802
        if self._last_hover != (-1, -1):
            self._last_hover = (-1, -1)
            self.hovered.emit(-1, -1)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            cell = self.cell_at(event.position())
            if cell != (-1, -1):
                self.clicked.emit(*cell)


class MatrixView(QStackedWidget):
    """A matrix shown as numbered cells or as a heat map, whichever can be read; or a message."""

    hovered = Signal(int, int)
    clicked = Signal(int, int)
    resized = Signal()

    def __init__(self, parent: QWidget | None = None, allow_heat: bool = True) -> None:
        super().__init__(parent)
        self.model = MatrixModel()
        self.allow_heat = allow_heat
        self._switching = False  # inside setCurrentWidget (its relayout may resize this view again)
        self.cells = CellGrid(self.model, self)
        self.heat = HeatMap(self.model, self) if allow_heat else None
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setObjectName("viewMessage")
        self.message_label.setStyleSheet(
            "#viewMessage { color: #a61e1e; background: #fff4f4; border: 2px dashed #e03131;"
            " border-radius: 8px; padding: 12px; }")
        self.addWidget(self.cells)
        if self.heat is not None:
            self.addWidget(self.heat)
        self.addWidget(self.message_label)
        for view in (self.cells, self.heat):
            if view is not None:
                view.hovered.connect(self.hovered)
                view.clicked.connect(self.clicked)
        self._message = ""
        # Clicking a view gives it focus, so the panel's keys (Space, arrows) step through.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # data -----------------------------------------------------------------------------------
    def set_matrix(self, values: np.ndarray, *, scale: ColourScale | None = None,
                   inner: tuple[int, int, int, int] | None = None, rgb: np.ndarray | None = None) -> None:
        m = self.model
        m.values = np.asarray(values, dtype=np.float64)
        m.rgb = rgb
        m.inner = inner
        m.scale = scale or ColourScale.for_values(m.values)
        rows, cols = m.shape
        clip = lambda cells: [c for c in cells if 0 <= c[0] < rows and 0 <= c[1] < cols]  # noqa: E731
        m.window, m.marks = clip(m.window), clip(m.marks)
        if m.current is not None and not clip([m.current]):
            m.current = None
        self._message = ""
        self._choose_mode(refresh_image=True)

    def set_message(self, text: str) -> None:
        """Show a sentence instead of the matrix (an error, or why there is nothing to show)."""
        self._message = text
        self.message_label.setText(text)
        self.setCurrentWidget(self.message_label)

    def message(self) -> str:
        return self._message

    def set_revealed(self, count: int | None) -> None:
        if count != self.model.revealed:
            self.model.revealed = count
            self._refresh(image=True)

    def set_window(self, cells: list[tuple[int, int]], slide_ms: int = 0) -> None:
        """The step's window; with `slide_ms`, the outline slides there from where it was."""
        before = self.cells.boxes()
        self.model.window = list(cells)
        if slide_ms and before and self.mode() == "cells":
            self.cells.slide_from(before, slide_ms)
        self._refresh()

    def set_current(self, cell: tuple[int, int] | None, slide_ms: int = 0) -> None:
        before = self.cells.boxes()
        self.model.current = cell
        if slide_ms and before and self.mode() == "cells":
            self.cells.slide_from(before, slide_ms)
        self._refresh()

    def set_notes(self, notes: dict[tuple[int, int], tuple[str, str]]) -> None:
        """Small text under cells' values (the window's weight and product), with its colour."""
        if notes != self.model.notes:
            self.model.notes = dict(notes)
            self._refresh()

    def set_highlight(self, cell: tuple[int, int] | None) -> None:
        if cell != self.model.highlight:
            self.model.highlight = cell
            self._refresh()

    def note_text(self, y: int, x: int) -> str:
        """The note drawn under a cell's value ("" when none is drawn)."""
        note = self.model.notes.get((y, x))
        if note is None or self.mode() != "cells" or self.cell_text(y, x) == "":
            return ""
        return note[0] if self.cells.note_layout() is not None else ""

    def set_focus(self, box: tuple[int, int, int, int] | None) -> None:
        """Show only the neighbourhood `box` (top, left, rows, columns) as cells, or the whole
        matrix (None). A new neighbourhood is a page turned: the window jumps, it does not slide."""
        if box != self.model.focus:
            self.model.focus = box
            self.cells.stop_sliding()
            self._choose_mode(refresh_image=True)

    def whole_is_readable(self) -> bool:
        """The whole matrix shows numbers in its cells at this view's size (or it has no room for
        any matrix yet)."""
        rows, cols = self.model.shape
        if self.width() < 20 or self.height() < 20:
            return True
        if rows > MAX_CELLS or cols > MAX_CELLS:
            return False
        c = max(1.0, min((self.width() - 4) / cols, (self.height() - 4) / rows, self.cells.max_cell()))
        return self.cells.text_font(c) is not None

    def set_marks(self, cells: list[tuple[int, int]], hover: tuple[int, int] | None = None) -> None:
        self.model.marks = list(cells)
        self.model.hover = hover
        self._refresh()

    def mode(self) -> str:
        if self._message:
            return "message"
        return "heat" if self.currentWidget() is self.heat else "cells"

    def cell_text(self, y: int, x: int) -> str:
        """The text shown in a cell ("" when blank or when the view is a heat map)."""
        if self.mode() != "cells" or not self.model.is_revealed(y, x) or self.model.rgb is not None \
                or not self.model.in_area(y, x):
            return ""
        if self.cells.text_font() is None:
            return ""
        return cell_label(float(self.model.values[y, x]))

    def cell_center(self, y: int, x: int):
        """Where cell (y, x) is on screen, in this widget's coordinates (for tests and tours)."""
        if self.mode() == "heat":
            scene = self.heat.vb.mapViewToScene(QPointF(x + 0.5, y + 0.5))
            return self.heat.mapFromScene(scene)
        return self.cells.cell_rect(y, x).center().toPoint()

    # internals ------------------------------------------------------------------------------
    def _choose_mode(self, refresh_image: bool = False) -> None:
        if self._message:
            return
        rows, cols = self.model.shape
        readable = rows <= MAX_CELLS and cols <= MAX_CELLS or self.model.focus is not None
        if readable and self.heat is not None and self.model.focus is None:
            c = max(1.0, min((self.width() - 2) / cols, (self.height() - 2) / rows))
            readable = self.cells.text_font(c) is not None or self.model.rgb is not None and c >= 6
        target = self.cells if readable or self.heat is None else self.heat
        if self.currentWidget() is not target:
            if self._switching:  # a resize from the switch itself: decide once it is done
                QTimer.singleShot(0, self, self._choose_mode)  # not after the view is gone
                return
            self._switching = True
            try:
                self.setCurrentWidget(target)
            finally:
                self._switching = False
            for page in (self.cells, self.heat, self.message_label):  # one page shown, whatever
                if page is not None and page is not target and not page.isHidden():  # came between
                    page.hide()
            refresh_image = True
        self._refresh(image=refresh_image)

    def _refresh(self, image: bool = False) -> None:
        if self._message:
            return
        if self.currentWidget() is self.heat:
            if image:
                self.heat.refresh_image()
            else:
                self.heat.refresh_overlays()
        else:
            self.cells.update()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._choose_mode()
        self.resized.emit()

    def set_cell_limit(self, limit: float | None) -> None:
        if limit != self.cells.limit:
            self.cells.limit = limit
            self.cells.update()

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # Cell text follows the widget font (Ctrl+plus / lecture mode).
            self._choose_mode()
