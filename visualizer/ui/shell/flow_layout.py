"""A row of controls that wraps onto further lines where the width runs out (after Qt's flow layout
example), so a bar never widens its pane: at 1024×768, or in lecture mode's large type, it takes two
or three lines instead. The Shapes tab's bars (the network bar, the diagram's colour key and zoom row,
the check view's bar) and the Training tab's bars (plot options, runs, sweep, distributions, the
form's evaluation row) all use it.

An item whose horizontal size policy can grow (Expanding, MinimumExpanding or Ignored) takes what
its line has left; an Ignored one (a label that elides itself) asks only for its minimum width to
stay on a line. Items keep their size hint's width unless the pane is narrower (then their minimum).
Each line's items are centred on the line vertically (a combo box, spin boxes and buttons of
different heights line up). Controls that belong together (a label and its box) go in as one
widget (`side_by_side`), so a line never parts them.

Its minimum width is its widest item's; its height follows the width it is given
(`heightForWidth`), which a QVBoxLayout asks for. A splitter or a short pane does not ask, so the
height the lines took at the last width laid out is also the layout's minimum height.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLayout, QLayoutItem, QSizePolicy, QWidget

_GROWS = (QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding, QSizePolicy.Policy.Ignored)


class FlowLayout(QLayout):
    """Items left to right, wrapped into lines: `spacing` pixels between two items of a line,
    `line_spacing` between two lines."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6, line_spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing, self._line_spacing = spacing, line_spacing
        self._height = -1  # the height the lines took at the last width laid out (-1: none yet)
        self.setContentsMargins(0, 0, 0, 0)

    # -- the QLayout contract ----------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def spacing(self) -> int:
        """Pixels between two items on a line."""
        return self._spacing

    def setSpacing(self, spacing: int) -> None:  # noqa: N802
        self._spacing = spacing
        self.invalidate()

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        height = self._arrange(rect, place=True)
        if height != self._height:
            # The lines at this width are the bar's minimum height from now on: a splitter or a
            # short pane (which do not ask heightForWidth) must not squeeze the second line.
            self._height = height
            parent = self.parentWidget()
            if parent is not None:
                parent.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802
        """Everything on one line."""
        shown = self._shown()
        width = sum(i.sizeHint().width() for i in shown) + self._spacing * max(0, len(shown) - 1)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(width, height) + self._margins()

    def minimumSize(self) -> QSize:  # noqa: N802
        """As narrow as the widest item's minimum (one item a line); as tall as the lines are at
        the width last laid out (before that, the tallest item's minimum)."""
        shown = self._shown()
        width = max((self._least(i) for i in shown), default=0)
        height = max((i.minimumSize().height() for i in shown), default=0)
        return (QSize(width, height) + self._margins()).expandedTo(QSize(0, self._height))

    # -- the arrangement ---------------------------------------------------------------------
    def lines(self, width: int) -> list[list[QLayoutItem]]:
        """The shown items, line by line, as they are arranged in `width` pixels (margins included)."""
        m = self.contentsMargins()
        room = max(0, width - m.left() - m.right())
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._shown():
            want = self._want(item, room)
            if lines[-1] and used + self._spacing + want > room:
                lines.append([])
                used = 0
            used += (self._spacing if lines[-1] else 0) + want
            lines[-1].append(item)
        return [line for line in lines if line]

    def _arrange(self, rect: QRect, place: bool) -> int:
        """Lay the items out in `rect` (when `place`); the height that takes, margins included."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        y = area.y()
        for n, line in enumerate(self.lines(rect.width())):
            if n:
                y += self._line_spacing
            widths = self._widths(line, area.width())
            height = max(i.sizeHint().height() for i in line)
            x = area.x()
            for item, w in zip(line, widths):
                h = min(height, item.maximumSize().height()) if self._grows_v(item) else item.sizeHint().height()
                if place:
                    item.setGeometry(QRect(QPoint(x, y + (height - h) // 2), QSize(w, h)))
                x += w + self._spacing
            y += height
        return y - area.y() + m.top() + m.bottom()

    def _widths(self, line: list[QLayoutItem], room: int) -> list[int]:
        """Each item's width on its line: its wanted width, and the rest of the line shared by the
        items that grow."""
        widths = [self._want(i, room) for i in line]
        growing = [k for k, i in enumerate(line) if self._grows(i)]
        rest = room - sum(widths) - self._spacing * (len(line) - 1)
        if rest > 0 and growing:
            share, extra = divmod(rest, len(growing))
            for n, k in enumerate(growing):
                widths[k] = min(line[k].maximumSize().width(), widths[k] + share + (1 if n < extra else 0))
        return widths

    def _want(self, item: QLayoutItem, room: int) -> int:
        """The width an item claims on a line `room` wide: its size hint's (its minimum for an
        Ignored one), no more than the line, no less than its minimum."""
        least = self._least(item)
        if self._policy(item) == QSizePolicy.Policy.Ignored:
            return least
        return max(least, min(item.sizeHint().width(), room))

    @staticmethod
    def _least(item: QLayoutItem) -> int:
        return item.minimumSize().width()

    @staticmethod
    def _policy(item: QLayoutItem) -> QSizePolicy.Policy:
        w = item.widget()
        return w.sizePolicy().horizontalPolicy() if w is not None else QSizePolicy.Policy.Preferred

    def _grows(self, item: QLayoutItem) -> bool:
        return self._policy(item) in _GROWS

    @staticmethod
    def _grows_v(item: QLayoutItem) -> bool:
        w = item.widget()
        return w is not None and w.sizePolicy().verticalPolicy() in _GROWS

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _margins(self) -> QSize:
        m = self.contentsMargins()
        return QSize(m.left() + m.right(), m.top() + m.bottom())


def side_by_side(parent: QWidget, *widgets: QWidget, spacing: int | None = None,
                 fixed: bool = False) -> QWidget:
    """Widgets in one row, as one item of a flow (a label is never parted from its box).

    `spacing`: pixels between them (None: the style's). `fixed`: the group keeps its size hint,
    never shrunk nor stretched by the flow (its minimum width is then its whole row's); otherwise
    it may shrink to its widgets' minimum where the pane is narrower than the group."""
    group = QWidget(parent)
    row = QHBoxLayout(group)
    row.setContentsMargins(0, 0, 0, 0)
    if spacing is not None:
        row.setSpacing(spacing)
    for w in widgets:
        row.addWidget(w)
    if fixed:
        group.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return group
