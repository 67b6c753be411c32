"""The weight × product notes on the window's cells and the badges of their terms (colour and index),
drawn by the explorer's cell grid (matrix_view.CellGrid): one line while it reads, else two, and
black or white by the cell's luminance so a note reads on dark and light cells."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

TEXT_DARK = QColor("#1b1f24")

#: The index of a term, drawn on its cell's badge and before it in the written sum.
TERM_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def term_mark(i: int) -> str:
    """①, ②, … for term i from 0 (the plain number past 20)."""
    return TERM_MARKS[i] if 0 <= i < len(TERM_MARKS) else f"({i + 1})"


#: The smallest note drawn (points): only cells too small for it, even on two lines, lose their notes.
MIN_NOTE_POINTS = 5.0


def split_note(text: str) -> list[str]:
    """A note "×0.3 = 7.2" on two lines: ["×0.3", "= 7.2"]."""
    head, sep, tail = text.partition(" = ")
    return [head, "= " + tail] if sep else [text]


def luminance(c: QColor) -> float:
    """Relative luminance (0 black … 1 white) of an sRGB colour, as WCAG defines it."""
    def lin(u: float) -> float:
        return u / 12.92 if u <= 0.04045 else ((u + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def text_colour_on(background: QColor) -> QColor:
    """Black or white, whichever contrasts more with `background`."""
    # Contrast with black (L + 0.05) / 0.05 beats white's 1.05 / (L + 0.05) above L ≈ 0.179.
    return QColor(TEXT_DARK) if luminance(background) > 0.179 else QColor("white")


def note_layout(font: QFont, cell: float, texts: list[str]) -> tuple[QFont, int] | None:
    """The notes' small font and their number of lines (1, or 2 split before "="): whichever
    draws them larger (one line unless two are clearly larger), so every note shows; None only
    when even two lines would be unreadable (tiny cells)."""
    c = cell
    f = QFont(font)
    f.setPointSizeF(font.pointSizeF() * 0.7)
    fm = QFontMetricsF(f)
    one = max(fm.horizontalAdvance(t) for t in texts)
    one_size = f.pointSizeF() * min(1.0, (c * 0.94) / max(one, 1.0), (c * 0.36) / fm.height())
    two = max(fm.horizontalAdvance(part) for t in texts for part in split_note(t))
    two_size = f.pointSizeF() * min(1.0, (c * 0.94) / max(two, 1.0), (c * 0.46) / (2 * fm.height()))
    # two lines when they read clearly larger (a projector reads size, not line count)
    size, lines = (one_size, 1) if one_size >= 0.9 * two_size else (two_size, 2)
    if size < MIN_NOTE_POINTS:
        return None
    f.setPointSizeF(size)
    return f, lines


def paint_note(p: QPainter, r: QRectF, label: str, note: tuple, fill: QColor,
               layout: tuple[QFont, int]) -> None:
    """A value with its note under it, in black or white by the cell's luminance, and the
    term's badge (its colour and index) in the cell's top-left corner."""
    note_font, lines = layout
    split = 0.6 if lines == 1 else 0.5
    top = QRectF(r.x(), r.y(), r.width(), r.height() * split)
    p.drawText(top, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, label)
    p.setFont(note_font)
    p.setPen(text_colour_on(fill))
    low = QRectF(r.x(), r.y() + r.height() * split, r.width(), r.height() * (0.98 - split))
    text = note[0] if lines == 1 else "\n".join(split_note(note[0]))
    p.drawText(low, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)
    if len(note) > 2 and note[2] is not None:
        paint_badge(p, r, QColor(note[1]), int(note[2]), note_font)


def paint_badge(p: QPainter, r: QRectF, colour: QColor, index: int, font: QFont) -> None:
    """A disc of the term's colour with its number (from 1), in the cell's top-left corner."""
    d = max(10.0, min(r.width() * 0.26, 26.0))
    box = QRectF(r.x() + 2, r.y() + 2, d, d)
    p.setPen(QPen(QColor("#3d4752"), 1))
    p.setBrush(QBrush(colour))
    p.drawEllipse(box)
    f = QFont(font)
    f.setPointSizeF(max(5.0, f.pointSizeF() * 0.9 if index < 9 else f.pointSizeF() * 0.7))
    f.setBold(True)
    p.setFont(f)
    p.setPen(text_colour_on(colour))
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, str(index + 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
