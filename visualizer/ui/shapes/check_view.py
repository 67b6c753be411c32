"""Check a layer table written by hand: the claimed and the true output side by side.

The student pastes (or loads) a homework-style table; every row is recomputed from the claimed
output of the row above (so one mistake is not counted again in every later row) and wrong
claims are highlighted with the correct value and the reason. Optionally the table is compared
with a preset, or with the network in the table above, to name missing and extra layers.
"""

from __future__ import annotations

import re
from pathlib import Path
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.architecture import Architecture, preset, preset_names
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import parse_shape
from visualizer.core.table_check import CheckReport, ClaimedRow, check_table, parse_table
from visualizer.resources import resource_path
from visualizer.ui.shapes.check_state import CURRENT_NETWORK, NO_COMPARISON
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shapes.style import color_for
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side

#: A homework-style table with one planted mistake (padding 2 in row 4), to show both verdicts.
EXAMPLE = (
    "Operation\tSize\tPadding\tStride\tOutput size\n"
    "Input\t\t\t\t[28X28X1]\n"
    "Conv block\t[3X3X1]X8\t[1 1]\t1\t[28X28X8]\n"
    "Pool 2D\t[2 2]\tN/A\tN/A\t[14X14X8]\n"
    "Conv block\t[3X3X8]X16\t[2 2]\t1\t[14X14X16]\n"
    "Pool 2D\t[2 2]\tN/A\tN/A\t[7X7X16]\n"
    "Conv block\t[3X3X16]X32\t[1 1]\t1\t[7X7X32]\n"
    "Fully connected\t[7·7·32]X10\tN/A\tN/A\t[1X1X10]\n"
)

#: the words by which the checker knows a first row that gives the input size
_INPUT_ROW = re.compile(r"\b(input|image)\b", re.IGNORECASE)

MAX_TABLE_BYTES = 1_000_000

TRUE_OUTPUT = "True output"
REASON = "Reason"
WRONG_BACKGROUND = QColor(255, 205, 205)
TRUE_BACKGROUND = QColor(205, 240, 205)


class _SummaryAndResults(QWidget):
    """The right-hand side: the summary keeps the height its wrapped lines need (a splitter does
    not ask for it), so a narrow pane in large type grows rather than cut its last line."""

    def __init__(self, summary: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary = summary

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        need = self._summary.heightForWidth(self.width())
        if need > 0 and need != self._summary.minimumHeight():
            self._summary.setMinimumHeight(need)


def wrong_or_params(row: ClaimedRow) -> set[str]:
    """The header of the row's parameter column (to colour a count that is right in part)."""
    header = row.role_headers.get("params")
    return {header} if header else set()


class ShapeCheckView(QWidget):
    """Observes the model's check state (text, compare-with, input) and writes what the user
    types back into it; reads the model's network when comparing with "the network above"."""

    #: (text, timeout ms) for the status line
    status = Signal(str, int)
    #: a check finished (for tests and for the panel's summary)
    checked = Signal(object)

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._syncing = False  # showing the model's state: do not write it back
        self.report: CheckReport | None = None
        self.last_error: str | None = None
        self._last_dir = ""

        bar = self._build_bar()
        split = self._build_text_and_results()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        # Re-check shortly after typing stops, so the verdicts follow the text without flicker.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(350)
        self._timer.timeout.connect(self.run_check)
        self._show_empty()
        model.check_changed.connect(self._on_model_check_changed)
        model.changed.connect(self.network_changed)
        self._on_model_check_changed()

    def _build_bar(self) -> FlowLayout:
        """Load, Example, Compare with, Input and Check, in one row (or more when narrow)."""
        self.load_button = QPushButton("Load…", self)
        self.load_button.setToolTip("Read a CSV or tab-separated table from a file")
        self.load_button.clicked.connect(self.load_file)
        self.example_button = QPushButton("Example", self)
        self.example_button.setToolTip("Fill in a sample table in the expected format "
                                       "(with one planted mistake)")
        self.example_button.clicked.connect(self.use_example)
        self.against = QComboBox(self)
        self.against.addItems([NO_COMPARISON, CURRENT_NETWORK] + preset_names())
        self.against.setToolTip("Also name the layers your table is missing or has extra, "
                                "compared with this network")
        self.against.currentIndexChanged.connect(self._on_inputs_edited)
        self.input_edit = QLineEdit(self)
        self.input_edit.setPlaceholderText("e.g. 1×28×28")
        self.input_edit.setToolTip("Input size C×H×W (e.g. 1×28×28); leave empty when the table "
                                   "starts with an Input row or is compared with a network")
        self._fit_input_edit()
        self.input_edit.textChanged.connect(self._on_inputs_edited)
        self.check_button = QPushButton("Check", self)
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.run_check)

        # groups that flow onto a second row in lecture mode's large type rather than widen the tab
        bar = FlowLayout(spacing=12, line_spacing=12)
        self.file_buttons = side_by_side(self, self.load_button, self.example_button, spacing=4, fixed=True)
        bar.addWidget(self.file_buttons)
        bar.addWidget(side_by_side(self, QLabel("Compare with:", self), self.against, spacing=4, fixed=True))
        bar.addWidget(side_by_side(self, QLabel("Input:", self), self.input_edit, spacing=4, fixed=True))
        bar.addWidget(self.check_button)
        return bar

    def _build_text_and_results(self) -> QSplitter:
        """The pasted table on the left; the summary and the verdict table on the right."""
        self.text = QPlainTextEdit(self)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        # wide tab stops so tab-separated homework tables line up as columns
        self.text.setTabStopDistance(self.text.fontMetrics().horizontalAdvance(" ") * 16)
        self.text.setPlaceholderText(
            "Paste your table here (CSV or tab-separated, with a header), e.g.\n\n" + EXAMPLE
            + "\nSizes are H×W×C; X, x, ×, * and · all work.")
        self.text.textChanged.connect(self._on_inputs_edited)

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The user's own columns, with the true output next to the claimed one and the reason
        # last; built for each check since the headers are whatever the user wrote.
        self.results = QTableWidget(0, 0, self)
        self.results.verticalHeader().setVisible(False)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setWordWrap(True)
        self.results.horizontalHeader().setStretchLastSection(True)
        # long reasons wrap: re-fit row heights whenever a column changes width
        self.results.horizontalHeader().sectionResized.connect(self._refit_rows)

        right = _SummaryAndResults(self.summary, self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.summary)
        rl.addWidget(self.results, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.text)
        split.addWidget(right)
        split.setStretchFactor(0, 1)  # the results matter more than the pasted text
        split.setStretchFactor(1, 3)
        self.splitter = split
        return split

    # -- inputs --------------------------------------------------------------------------
    @Slot()
    def _schedule(self) -> None:
        self._timer.start()

    @Slot()
    def _on_inputs_edited(self) -> None:
        if not self._syncing:
            self.model.check.set(self.text.toPlainText(), self.against.currentText(), self.input_edit.text())
        self._schedule()

    @Slot()
    def _on_model_check_changed(self) -> None:
        """Show the model's check state (restored sessions); what the user typed is already there."""
        m = self.model
        self._syncing = True
        try:
            if self.text.toPlainText() != m.check.text:
                self.text.setPlainText(m.check.text)
            i = self.against.findText(m.check.against)
            if i >= 0 and i != self.against.currentIndex():
                self.against.setCurrentIndex(i)
            if self.input_edit.text() != m.check.input:
                self.input_edit.setText(m.check.input)
        finally:
            self._syncing = False

    @Slot()
    def network_changed(self) -> None:
        """The table above changed: re-check if the hand-written table is compared with it."""
        if self.against.currentText() == CURRENT_NETWORK and self.text.toPlainText().strip():
            self._schedule()

    @Slot()
    def use_example(self) -> None:
        self.text.setPlainText(EXAMPLE)
        self.run_check()

    @Slot()
    def load_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load a layer table", self._start_dir(), "Tables (*.csv *.tsv *.txt *.md);;All files (*)")
        if path:
            self.load_path(path)

    def _start_dir(self) -> str:
        if self._last_dir:
            return self._last_dir
        try:  # the sample tables that ship with ConvViz
            samples = resource_path("architectures", "tables")
        except FileNotFoundError:
            return ""
        return str(samples) if samples.is_dir() else ""

    def load_path(self, path: str) -> bool:
        try:
            p = Path(path)
            if p.stat().st_size > MAX_TABLE_BYTES:
                raise UserInputError(f"{p.name} is larger than 1 MB; is it really a layer table?")
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            self._show_error(f"{Path(path).name} is not a text file (expected CSV or tab-separated text)")
            return False
        except (OSError, UserInputError) as exc:
            self._show_error(str(exc) if isinstance(exc, UserInputError) else f"cannot read {path}: {exc.strerror or exc}")
            return False
        self._last_dir = str(Path(path).parent)
        self.text.setPlainText(text)
        self.run_check()
        return True

    def input_shape(self) -> tuple[int, int, int] | None:
        raw = self.input_edit.text().strip()
        if not raw:
            return None
        return parse_shape(raw, "input size")  # type: ignore[return-value]  (the one shape rule)

    def against_architecture(self) -> Architecture | None:
        name = self.against.currentText()
        if name == NO_COMPARISON:
            return None
        if name == CURRENT_NETWORK:
            return self.model.architecture()
        return preset(name)

    # -- checking ------------------------------------------------------------------------
    @Slot()
    def run_check(self) -> None:
        self._timer.stop()
        text = self.text.toPlainText()
        if not text.strip():
            self.report = None
            self._show_empty()
            return
        note = ""
        try:
            rows = parse_table(text)
            against = self.against_architecture()
            shape = self.input_shape()
            if shape is None and against is not None:
                shape = tuple(against.input_shape)  # type: ignore[assignment]
            if shape is None and not _INPUT_ROW.search(rows[0].operation):
                # Homework tables often start at the first conv; the network above is on screen,
                # so take its input and say so.
                shape = self.model.input_shape
                note = (f"Input {'×'.join(map(str, shape))} taken from the network above "
                        "(type another under Input, or start the table with an Input row).")
            report = check_table(text, input_shape=shape, against=against)
        except UserInputError as exc:
            self._show_error(str(exc))
            return
        self.report = report
        self.last_error = None
        self._show_report(report, rows, note)
        self.checked.emit(report)

    def column_of(self, header: str) -> int:
        """Index of a results column by its header text (-1 when absent)."""
        for c in range(self.results.columnCount()):
            item = self.results.horizontalHeaderItem(c)
            if item is not None and item.text() == header:
                return c
        return -1

    def _color(self, kind: str) -> str:
        return color_for(self, kind)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and getattr(self, "_summary_kind", ""):
            self.summary.setStyleSheet(f"color: {self._color(self._summary_kind)};")  # theme changed
        if event.type() == event.Type.FontChange and hasattr(self, "input_edit"):
            self._fit_input_edit()

    def _fit_input_edit(self) -> None:
        """Room for its hint "e.g. 1×28×28" (or a shape as long) in the type it is shown in."""
        need = self.input_edit.fontMetrics().horizontalAdvance(self.input_edit.placeholderText() + "  ") + 12
        self.input_edit.setMinimumWidth(need)
        self.input_edit.setMaximumWidth(max(140, need))

    def _show_empty(self) -> None:
        self.results.setRowCount(0)
        self.results.setColumnCount(0)
        self._summary_kind = ""
        self.summary.setStyleSheet("")
        self.summary.setText("Paste a table on the left, or press Example to see the format.")

    def _show_error(self, message: str) -> None:
        self.report = None
        self.last_error = message
        self.results.setRowCount(0)
        self.results.setColumnCount(0)
        self._summary_kind = "bad"
        self.summary.setStyleSheet(f"color: {self._color('bad')};")
        self.summary.setText("Cannot check this table: " + message)
        self.status.emit("Table check: " + message, 8000)

    def _show_report(self, report: CheckReport, rows: list[ClaimedRow], note: str = "") -> None:
        headers = list(rows[0].cells) if rows else []
        output_header = rows[0].role_headers.get("output", "") if rows else ""
        columns = ["Row"]
        for h in headers:
            columns.append(h)
            if h == output_header:
                columns.append(TRUE_OUTPUT)
        if TRUE_OUTPUT not in columns:
            columns.append(TRUE_OUTPUT)
        columns.append(REASON)
        self.results.clear()
        self.results.setColumnCount(len(columns))
        self.results.setHorizontalHeaderLabels(columns)
        verdicts = {v.row_number: v for v in report.verdicts}
        self.results.setRowCount(len(rows))
        for r, row in enumerate(rows):
            v = verdicts.get(row.row_number)
            wrong_headers = set(getattr(v, "wrong_cells", ()) or ()) if v is not None else set()
            if v is not None and not v.ok and not wrong_headers:
                wrong_headers = {output_header}
            for c, column in enumerate(columns):
                if column == "Row":
                    text = str(row.row_number)
                elif column == TRUE_OUTPUT:
                    text = v.correct if v is not None else ""
                elif column == REASON:
                    text = ("✓ right" if v.ok else v.reason) if v is not None else ""
                    if v is not None and v.params_note:
                        text = (text + "; " if not v.ok else "✓ ") + v.params_note
                else:
                    text = row.cells.get(column, "")
                item = QTableWidgetItem(text)
                item.setToolTip((v.reason or "right") if v is not None else "")
                if v is not None and not v.ok:
                    # dark text on the light highlight, whatever the theme's text colour
                    if column in wrong_headers:
                        item.setBackground(QBrush(WRONG_BACKGROUND))
                        item.setForeground(QBrush(QColor(120, 0, 0)))
                    elif column == TRUE_OUTPUT:
                        item.setBackground(QBrush(TRUE_BACKGROUND))
                        item.setForeground(QBrush(QColor(0, 80, 0)))
                    elif column == REASON:
                        item.setForeground(QBrush(QColor(self._color("bad"))))
                elif column == REASON:
                    item.setForeground(QBrush(QColor(self._color("note" if v is not None and v.params_note
                                                                 else "good"))))
                if v is not None and v.ok and v.params_note and column in wrong_or_params(rows[0]):
                    item.setForeground(QBrush(QColor(self._color("note"))))
                self.results.setItem(r, c, item)
        self.results.resizeColumnsToContents()
        self._fit_reason_column()
        self.results.resizeRowsToContents()
        self._give_way()
        # the stretched Reason column gets its final width only after layout: wrap again then
        QTimer.singleShot(0, self._refit_rows)
        wrong = [v for v in report.verdicts if not v.ok]
        lines = []
        if not wrong:
            lines.append(f"All {len(report.verdicts)} rows are right.")
        else:
            rows = ", ".join(str(v.row_number) for v in wrong)
            lines.append(f"{len(wrong)} of {len(report.verdicts)} rows are wrong (row{'s' if len(wrong) > 1 else ''} {rows}).")
            for v in wrong[:5]:  # the reasons in full, since a table cell may cut them short
                lines.append(f"Row {v.row_number}: {v.reason.rstrip('.')}.")
            if len(wrong) > 5:
                lines.append(f"… and {len(wrong) - 5} more (see the table).")
        if report.missing:
            lines.append("Missing layers: " + "; ".join(report.missing) + ".")
        if report.extra:
            lines.append("Extra rows: " + "; ".join(report.extra) + ".")
        if note:
            lines.append(note)
        self._summary_kind = "good" if report.ok else "bad"
        self.summary.setStyleSheet(f"color: {self._color(self._summary_kind)};")
        self.summary.setText("\n".join(lines))
        self.status.emit("Table check: " + lines[0], 5000)

    @Slot()
    def _refit_rows(self) -> None:
        self.results.resizeRowsToContents()

    def _fit_reason_column(self) -> None:
        """The Reason column takes the width left in the view (at least 200 px) and its text
        wraps, rather than running off to the right or being cut to "Rea…"."""
        reason_col = self.column_of(REASON)
        if reason_col < 0:
            return
        others = sum(self.results.columnWidth(c) for c in range(self.results.columnCount()) if c != reason_col)
        room = self.results.viewport().width() - others - 2
        self.results.setColumnWidth(reason_col, max(200, room))

    def _give_way(self) -> None:
        """With results to show, the paste box keeps at most a quarter of the width."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total > 0 and sizes[0] > total // 4:
            self.splitter.setSizes([total // 4, total - total // 4])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.results.columnCount():
            self._fit_reason_column()
            QTimer.singleShot(0, self._refit_rows)

    def set_editing_visible(self, visible: bool) -> None:
        self.file_buttons.setVisible(visible)  # Load… and Example
