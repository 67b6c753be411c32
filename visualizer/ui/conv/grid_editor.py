"""An editable grid of numbers with row/column spinners, for the explorer's input and kernel.

A cell that is not a number turns red and is explained in `problem`; the last valid matrix
stays in use, so one typo never changes anything else on screen.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.convolution import format_number, parse_matrix, parse_number
from visualizer.core.number_text import shown
from visualizer.core.errors import UserInputError

BAD_CELL = QColor("#f8c4c4")
_NAV_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home,
             Qt.Key.Key_End, Qt.Key.Key_Space}


def cell_text(v: float) -> str:
    # ASCII minus: people type "-", and the text must round-trip through parse_number.
    return format_number(v, digits=10).replace("−", "-")


def shown_cell_text(text: str) -> str:
    """What a grid cell shows for the text it holds: a number by the explorer's precision rule
    ("-0.309087" shows "−0.309"), anything else (a typo being fixed) as typed."""
    try:
        return shown(parse_number(text))
    except (UserInputError, ValueError):
        return text


class ShownNumbers(QStyledItemDelegate):
    """Shows each cell by the one precision rule; editing (and every value used) keeps the exact text."""

    def displayText(self, value, locale) -> str:  # noqa: N802
        return shown_cell_text(str(value))


class KeepNavigationKeys(QObject):
    """The panel binds Space/arrows/Home/End to stepping; inside a grid, list, button or slider
    they must keep their usual meaning, so such widgets claim them before the shortcut system."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if event.key() in _NAV_KEYS and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                event.accept()
                return True
        return False


class MatrixEditor(QWidget):
    """Rows × columns spinners over a table of numbers.

    `matrix_changed` carries the whole matrix whenever every cell is a number; `problem_changed`
    carries a sentence about the first bad cell ("" once all cells are numbers again).
    """

    matrix_changed = Signal(object)
    problem_changed = Signal(str)

    def __init__(self, name: str, max_size: int, initial: np.ndarray, parent: QWidget | None = None,
                 cell_width: int = 52) -> None:
        super().__init__(parent)
        self.name = name
        self.max_size = max_size
        self._updating = False
        self._problem = ""
        self._last_good = np.array(initial, dtype=np.float64)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        sizes = QHBoxLayout()
        self.rows_spin = QSpinBox(self)
        self.cols_spin = QSpinBox(self)
        for spin, what in ((self.rows_spin, "rows"), (self.cols_spin, "columns")):
            spin.setRange(1, max_size)
            spin.setAccelerated(True)
            spin.setToolTip(f"Number of {what} of the {name} (1 to {max_size})")
            spin.setAccessibleName(f"{name} {what}")
        sizes.addWidget(QLabel("Rows", self))
        sizes.addWidget(self.rows_spin)
        sizes.addSpacing(8)
        sizes.addWidget(QLabel("Columns", self))
        sizes.addWidget(self.cols_spin)
        sizes.addStretch(1)
        layout.addLayout(sizes)

        self.table = QTableWidget(self)
        self.table.setAccessibleName(f"{name} values")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._cell_width = cell_width
        self.table.horizontalHeader().setDefaultSectionSize(cell_width)
        self.table.horizontalHeader().setMinimumSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setToolTip("Type a number in a cell (1.5, -2, 1e-3 or 1/9). Ctrl+V pastes rows copied "
                              "from a spreadsheet or a CSV file; Ctrl+C copies the matrix.")
        self._shown_numbers = ShownNumbers(self.table)
        self.table.setItemDelegate(self._shown_numbers)
        self._nav_filter = KeepNavigationKeys(self)
        self.table.installEventFilter(self._nav_filter)
        self.table.installEventFilter(self)
        layout.addWidget(self.table)

        self.rows_spin.valueChanged.connect(self._resize_from_spinners)
        self.cols_spin.valueChanged.connect(self._resize_from_spinners)
        self.table.itemChanged.connect(self._cell_edited)
        self.set_matrix(initial)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # Ctrl+V / Ctrl+C on the grid (not while a cell is being edited: then they act on the text).
        # getattr: an editor being torn down has lost its Python attributes while Qt still filters.
        if obj is getattr(self, "table", None) and event.type() == QEvent.Type.KeyPress:
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste_text(QGuiApplication.clipboard().text())
                return True
            if event.matches(QKeySequence.StandardKey.Copy):
                QGuiApplication.clipboard().setText(self.as_text())
                return True
        return super().eventFilter(obj, event)

    def as_text(self) -> str:
        """The grid as tab-separated rows, as spreadsheets paste them."""
        return "\n".join("\t".join(self.cell_text(i, j) for j in range(self.table.columnCount()))
                         for i in range(self.table.rowCount()))

    def paste_text(self, text: str) -> bool:
        """Rows of numbers (from a spreadsheet, CSV or a Python list) replace the whole matrix."""
        try:
            m = parse_matrix(text, self.name)
        except UserInputError as exc:
            self._set_problem(f"Cannot paste: {exc}")
            return False
        if max(m.shape) > self.max_size:
            self._set_problem(f"Cannot paste a {m.shape[0]}×{m.shape[1]} matrix: the {self.name.lower()} "
                              f"holds at most {self.max_size}×{self.max_size}")
            return False
        self.set_matrix(m)
        self.matrix_changed.emit(m.copy())
        return True

    def _fit_height(self) -> None:
        """Tall enough for the rows (up to 8 visible), so small matrices leave no empty box."""
        t = self.table
        rows = min(max(t.rowCount(), 3), 8)
        h = t.horizontalHeader().sizeHint().height() + rows * t.verticalHeader().defaultSectionSize()
        extra = t.horizontalScrollBar().sizeHint().height() if t.columnCount() > 6 else 0
        t.setFixedHeight(h + 2 * t.frameWidth() + extra + 2)

    def _fit_columns(self) -> None:
        """Every column as wide as the widest number shown (3 significant digits: "−0.0412"), never
        narrower than the grid's cell width: no cell shows "−0.0…"."""
        fm = QFontMetrics(self.table.font())
        t = self.table
        widest = max((fm.horizontalAdvance(self.shown_text(i, j)) for i in range(t.rowCount())
                      for j in range(t.columnCount())), default=0)
        t.horizontalHeader().setDefaultSectionSize(max(self._cell_width, widest + 14))

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.table.verticalHeader().setDefaultSectionSize(QFontMetrics(self.font()).height() + 10)
            self._fit_height()
            self._fit_columns()

    # -- public ----------------------------------------------------------------------------
    def set_matrix(self, m: np.ndarray) -> None:
        """Show `m` (clipped to the maximum size); does not emit `matrix_changed`."""
        m = np.atleast_2d(np.asarray(m, dtype=np.float64))[: self.max_size, : self.max_size]
        self._updating = True
        try:
            self.rows_spin.setValue(m.shape[0])
            self.cols_spin.setValue(m.shape[1])
            self.table.setRowCount(m.shape[0])
            self.table.setColumnCount(m.shape[1])
            for i in range(m.shape[0]):
                for j in range(m.shape[1]):
                    self._set_item(i, j, cell_text(m[i, j]))
        finally:
            self._updating = False
        self._fit_height()
        self._fit_columns()
        self._last_good = m.copy()
        self._set_problem("")

    def matrix(self) -> np.ndarray:
        """The last matrix whose cells were all numbers."""
        return self._last_good.copy()

    def problem(self) -> str:
        return self._problem

    def bad_cells(self) -> list[tuple[int, int]]:
        bad = []
        for i in range(self.table.rowCount()):
            for j in range(self.table.columnCount()):
                if self._parse(i, j) is None:
                    bad.append((i, j))
        return bad

    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return item.text() if item is not None else ""

    def shown_text(self, row: int, col: int) -> str:
        """What the cell shows (the rounded number; cell_text holds the exact one)."""
        return shown_cell_text(self.cell_text(row, col))

    # -- internals -------------------------------------------------------------------------
    def _set_item(self, i: int, j: int, text: str) -> None:
        item = self.table.item(i, j)
        if item is None:
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(i, j, item)
        else:
            item.setText(text)
        item.setBackground(QBrush())
        # the exact value on hover where the cell shows it rounded
        item.setToolTip(text if shown_cell_text(text) != text.replace("-", "−") else "")

    def _parse(self, i: int, j: int) -> float | None:
        try:
            return parse_number(self.cell_text(i, j))
        except (ValueError, ZeroDivisionError):
            return None

    @Slot()
    def _resize_from_spinners(self) -> None:
        if self._updating:
            return
        rows, cols = self.rows_spin.value(), self.cols_spin.value()
        self._updating = True
        try:
            old_r, old_c = self.table.rowCount(), self.table.columnCount()
            self.table.setRowCount(rows)
            self.table.setColumnCount(cols)
            # New cells start at 0 so the matrix stays usable right away.
            for i in range(rows):
                for j in range(cols):
                    if i >= old_r or j >= old_c or self.table.item(i, j) is None:
                        self._set_item(i, j, "0")
        finally:
            self._updating = False
        self._fit_height()
        self._revalidate()

    @Slot(QTableWidgetItem)
    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        self._revalidate()
        self._fit_columns()

    def _revalidate(self) -> None:
        rows, cols = self.table.rowCount(), self.table.columnCount()
        values = np.zeros((rows, cols))
        first_bad: str = ""
        self._updating = True
        try:
            for i in range(rows):
                for j in range(cols):
                    item = self.table.item(i, j)
                    v = self._parse(i, j)
                    if v is None:
                        text = item.text() if item is not None else ""
                        why = "is empty" if not text.strip() else f"'{text}' is not a number"
                        msg = f"{self.name}, row {i + 1}, column {j + 1}: {why}"
                        if item is not None:
                            item.setBackground(BAD_CELL)
                            item.setToolTip(msg + ". Type a number such as 1.5, -2 or 1/9.")
                        if not first_bad:
                            first_bad = msg
                    else:
                        values[i, j] = v
                        if item is not None and item.background().style() != Qt.BrushStyle.NoBrush:
                            item.setBackground(QBrush())
                            item.setToolTip("")
        finally:
            self._updating = False
        if first_bad:
            self._set_problem(first_bad + ". The last valid values are still used.")
            return
        self._set_problem("")
        if values.shape != self._last_good.shape or not np.array_equal(values, self._last_good):
            self._last_good = values
            self.matrix_changed.emit(values.copy())

    def _set_problem(self, text: str) -> None:
        if text != self._problem:
            self._problem = text
            self.problem_changed.emit(text)
