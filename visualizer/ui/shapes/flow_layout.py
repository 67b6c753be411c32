"""A layout that puts its items in a row and starts a new row when the next one does not fit.

The Shapes tab's bars (the network bar with Verify, Export and Train; the diagram's legend and
zoom row) use it so that in lecture mode, where the type is half as large again or more, they
wrap onto a second row rather than push the window wider than the screen. Its minimum width is
its widest item's; its height follows the width it is given (`heightForWidth`), which the
panel's QVBoxLayout asks for. After Qt's FlowLayout example, with each row's items centred
vertically on the row (a combo box, spin boxes and buttons of different heights line up).
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QStyle, QWidget


class FlowLayout(QLayout):
    """Items left to right, wrapping; `spacing` between items of a row (also between rows)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = -1) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._height = -1  # the height the rows took at the last width laid out (-1: none yet)
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # -- QLayout's item list ---------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # -- sizes -----------------------------------------------------------------------------
    def spacing(self) -> int:
        if self._spacing >= 0:
            return self._spacing
        parent = self.parentWidget()
        if parent is None:
            return 6
        return max(0, parent.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing, None, parent))

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        height = self._place(rect, apply=True)
        if height != self._height:
            # The rows at this width are the bar's minimum height from now on: a splitter or a
            # short pane (which do not ask heightForWidth) must not squeeze the second row.
            self._height = height
            parent = self.parentWidget()
            if parent is not None:
                parent.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802
        """Everything on one row (the width it would like)."""
        shown = self._shown()
        m = self.contentsMargins()
        width = sum(i.sizeHint().width() for i in shown) + self.spacing() * max(0, len(shown) - 1)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802
        """As wide as the widest item (one item a row); as tall as the rows are at the width
        last laid out (before that, the tallest item)."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        size += QSize(m.left() + m.right(), m.top() + m.bottom())
        return size.expandedTo(QSize(0, self._height))

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, QSize]]]:
        """The items (with the size each gets) row by row within `width`."""
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        x, gap = 0, self.spacing()
        for item in self._shown():
            size = item.sizeHint().expandedTo(item.minimumSize()).boundedTo(item.maximumSize())
            if size.width() > width:  # an item wider than the row shrinks to it, down to its minimum
                size.setWidth(max(width, item.minimumSize().width()))
            if rows[-1] and x + gap + size.width() > width:
                rows.append([])
                x = 0
            x += (gap if rows[-1] else 0) + size.width()
            rows[-1].append((item, size))
        return rows

    def _place(self, rect: QRect, apply: bool) -> int:
        """Lay the items out in `rect` (when `apply`); the height that takes."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        gap = self.spacing()
        y = area.y()
        rows = [r for r in self._rows(area.width()) if r]
        for n, row in enumerate(rows):
            height = max(size.height() for _, size in row)
            x = area.x()
            for item, size in row:
                if apply:
                    grows = item.sizeHint().height() < height and bool(
                        item.expandingDirections() & Qt.Orientation.Vertical)
                    h = height if grows else size.height()
                    item.setGeometry(QRect(QPoint(x, y + (height - h) // 2), QSize(size.width(), h)))
                x += size.width() + gap
            y += height + (gap if n < len(rows) - 1 else 0)
        return y - area.y() + m.top() + m.bottom()


def flow_row(parent: QWidget, *widgets: QWidget, spacing: int = 4) -> QWidget:
    """A widget holding `widgets` side by side that a FlowLayout keeps on one row (a label with
    its box, say)."""
    from PySide6.QtWidgets import QHBoxLayout

    box = QWidget(parent)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(spacing)
    for w in widgets:
        row.addWidget(w)
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return box
