"""The band around a neighbourhood of a big matrix (core.step_focus) that the cell grid shows while
stepping: on top, what part of the matrix it is ("rows 41–55 of 128, columns 45–59 of 128") and
the columns' numbers; at the left, the rows' numbers. Numbered as the grid's input is, from 1:
padding rows and columns get no number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from visualizer.core.step_focus import focus_caption

if TYPE_CHECKING:
    from visualizer.ui.conv.matrix_view import CellGrid, MatrixModel

#: The band's type, as a share of the grid's.
HEADER_SCALE = 0.8
#: The smallest number drawn (points); smaller cells leave their numbers out.
MIN_HEADER_POINTS = 5.5
HEADER_TEXT = QColor("#5c6773")
#: After the caption, where room is left: how to get the whole picture back.
WHOLE_HINT = "  ·  Z: whole picture"


def header_font(font: QFont) -> QFont:
    f = QFont(font)
    base = f.pointSizeF() if f.pointSizeF() > 0 else 10.0
    f.setPointSizeF(base * HEADER_SCALE)
    return f


#: The cells' numbers grow up to this much beyond the grid's type (CellGrid.text_font): room for
#: a band in their type.
ROOM_SCALE = 1.5


def header_room(font: QFont, shape: tuple[int, int]) -> tuple[float, float]:
    """(width at the left, height on top): the row numbers' column, the caption and column numbers."""
    f = header_font(font)
    f.setPointSizeF(f.pointSizeF() * ROOM_SCALE)
    fm = QFontMetricsF(f)
    return fm.horizontalAdvance(str(max(shape))) + 8, 2 * fm.height() * 1.15


def number(i: int, start: int, count: int) -> str:
    """Row or column `i` (from 0, in the matrix drawn) as the input grid numbers it."""
    return str(i - start + 1) if start <= i < start + count else ""


def caption(m: "MatrixModel") -> str:
    inner = m.inner if m.inner is not None else (0, 0, *m.shape)
    return focus_caption(m.focus, inner)


def paint_header(p: QPainter, grid: "CellGrid", m: "MatrixModel") -> None:
    """The caption and the row and column numbers around the neighbourhood `m.focus`."""
    top, left, rows, cols = m.focus
    it, il, ih, iw = m.inner if m.inner is not None else (0, 0, *m.shape)
    area = grid.area_rect()
    # in the type of the cells' numbers (a small screen shrinks the grid's own type more)
    cell_font = QFont(grid.text_font() or grid.font())
    cell_font.setPointSizeF(min(cell_font.pointSizeF(), grid.font().pointSizeF() * ROOM_SCALE))
    band = header_font(cell_font)
    font = QFont(band)
    fm = QFontMetricsF(font)
    line = fm.height() * 1.15
    text = caption(m)
    room = grid.width() - 4
    if fm.horizontalAdvance(text + WHOLE_HINT) <= room:
        text += WHOLE_HINT
    elif fm.horizontalAdvance(text) > room:  # a narrow view: the caption's type shrinks to fit
        font.setPointSizeF(max(MIN_HEADER_POINTS, font.pointSizeF() * room / fm.horizontalAdvance(text)))
    p.setPen(HEADER_TEXT)
    p.setFont(font)
    p.drawText(QRectF(0, area.top() - 2 * line, grid.width(), line), Qt.AlignmentFlag.AlignCenter, text)
    c = grid.cell_size()
    numbers = QFont(band)
    widest = QFontMetricsF(numbers).horizontalAdvance(str(max(m.shape)))
    if widest > c * 0.92:
        numbers.setPointSizeF(numbers.pointSizeF() * c * 0.92 / widest)
    if numbers.pointSizeF() < MIN_HEADER_POINTS:
        return
    p.setFont(numbers)
    for x in range(left, left + cols):
        r = grid.cell_rect(top, x)
        p.drawText(QRectF(r.left(), area.top() - line, r.width(), line), Qt.AlignmentFlag.AlignCenter,
                   number(x, il, iw))
    for y in range(top, top + rows):
        r = grid.cell_rect(y, left)
        p.drawText(QRectF(0, r.top(), area.left() - 4, r.height()),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, number(y, it, ih))
