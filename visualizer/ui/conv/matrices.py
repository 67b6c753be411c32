"""The three matrices side by side: padded input ∗ kernel = output, with the current step's
window, revealed cells and hover marks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Qt, Signal, Slot
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from visualizer.core.convolution import (
    UserInputError,
    effective_kernels,
    explain_cell,
    outputs_fed_by,
    window,
)
from visualizer.core.number_text import exact, shown
from visualizer.core.step_focus import FOCUS_MIN_SPAN, FOCUS_SPAN, cells_box, focus_box
from visualizer.ui.conv.common import scale_font, spin, title
from visualizer.ui.conv.fit import CELL_LINES
from visualizer.ui.conv.grid_look import (
    HIGHLIGHT_COLOUR,
    HOVER_COLOUR,
    MAX_CELLS,
    SLIDE_MS,
    WINDOW_COLOUR,
    ColourScale,
    cell_label,
    term_colour,
)
from visualizer.ui.conv.matrix_view import MatrixView
from visualizer.ui.conv.model import CHANNEL_NAMES, ConvModel
from visualizer.ui.shell.quietly import set_quietly


class MatrixFigure(QWidget):
    #: A status line for the user (text, timeout in ms): what a hovered cell is.
    status = Signal(str, int)
    #: A big matrix's neighbourhood (core.step_focus) came, went or changed its size.
    focus_resized = Signal()
    #: The room the grids' cells got, as a share of fit.CELL_LINES lines of text, when it is not
    #: about that: the picture's scale was planned for another room than the layout gave.
    room_found = Signal(float)

    def __init__(self, model: ConvModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        self._row = row
        self.operator_labels: list[QLabel] = []
        #: The text size chosen (the panel sets it; the figure's own may be shrunk to fit).
        self.base_font: QFont | None = None

        self.input_title = title("Padded input")
        self.input_channel = QComboBox(self)
        self.input_channel.setAccessibleName("input channel shown")
        self.input_channel.currentIndexChanged.connect(self._input_channel_chosen)
        self.input_view = MatrixView(self)
        self.input_view.setAccessibleName("padded input view")
        self._column(self.input_title, self.input_view, self.input_channel, 4)
        self._operator("∗")
        self.kernel_title = title("Kernel")
        self.kernel_view = MatrixView(self)
        self.kernel_view.setAccessibleName("kernel view")
        self._column(self.kernel_title, self.kernel_view, None, 2)
        self._operator("=")
        self.output_title = title("Output")
        self.output_channel_box = QWidget(self)
        oh = QHBoxLayout(self.output_channel_box)
        oh.setContentsMargins(0, 0, 0, 0)
        self.channel_label = QLabel("channel", self.output_channel_box)
        self.output_channel = spin(1, 1, 1, "Which output channel (kernel) to show", "output channel")
        self.output_channel.valueChanged.connect(self._output_channel_chosen)
        oh.addWidget(self.channel_label)
        oh.addWidget(self.output_channel)
        self.output_view = MatrixView(self)
        self.output_view.setAccessibleName("output view")
        self._column(self.output_title, self.output_view, self.output_channel_box, 4)

        self._equalize_timer = QTimer(self)
        self._equalize_timer.setSingleShot(True)
        self._equalize_timer.setInterval(0)
        self._equalize_timer.timeout.connect(self._equalize_cells)
        self.input_view.hovered.connect(self._input_hovered)
        self.output_view.hovered.connect(self._output_hovered)
        self.output_view.clicked.connect(self._output_clicked)
        self.input_view.clicked.connect(self._input_hovered)

        model.inputs_changed.connect(self._refresh_channel_controls)
        model.result_changed.connect(self.redraw)
        model.view_changed.connect(self.redraw)
        model.stepper.changed.connect(self._step_changed)
        model.highlight_changed.connect(self._show_highlight)
        self._refresh_channel_controls()
        for label in self.operator_labels:
            scale_font(label, self.font(), 2.0, bold=True)

    def _column(self, head_title: QLabel, view: MatrixView, extra: QWidget | None, stretch: int) -> None:
        col = QVBoxLayout()
        head = QHBoxLayout()
        head.addStretch(0)
        head.addWidget(head_title, 1)  # the (wrapping) title takes the column's width: one line when it fits
        if extra is not None:
            head.addWidget(extra)
        head.addStretch(0)
        col.addLayout(head)
        col.addWidget(view, 1)
        self._row.addLayout(col, stretch)
        view.resized.connect(self._equalize_soon)

    def _operator(self, text: str) -> None:
        label = QLabel(text, self)
        label.setStyleSheet("color: #5c6773;")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._row.addWidget(label)
        self.operator_labels.append(label)

    def scale_fonts(self) -> None:
        """Labels with their own font do not follow the panel's; scale them again."""
        for label in self.operator_labels:
            scale_font(label, self.font(), 2.0, bold=True)
        for label in (self.input_title, self.kernel_title, self.output_title):
            scale_font(label, self.font(), 1.1, bold=True)
        scale_font(self.input_view.message_label, self.font(), 1.2)

    def set_look(self, look: str) -> None:
        for view in (self.input_view, self.kernel_view, self.output_view):
            if view.heat is not None:
                view.heat.set_look(look)

    # ==== model -> widgets =====================================================================
    @Slot()
    def _refresh_channel_controls(self) -> None:
        m = self.model
        channels = m.channel_count()
        colour = m.is_colour()
        want = [] if channels == 1 else (["Colour", *CHANNEL_NAMES] if colour
                                         else [f"channel {i + 1}" for i in range(channels)])
        have = [self.input_channel.itemText(i) for i in range(self.input_channel.count())]
        if have != want:
            set_quietly(self.input_channel, "clear")
            set_quietly(self.input_channel, "addItems", want)
        shown = m.shown_input_channel()
        index = 0 if channels == 1 else (0 if shown is None else shown + (1 if colour else 0))
        set_quietly(self.input_channel, "setCurrentIndex", index)
        self.input_channel.setVisible(bool(want))
        o = m.kernels.shape[0]
        set_quietly(self.output_channel, "setMaximum", o)
        set_quietly(self.output_channel, "setValue", m.out_channel + 1)
        self.output_channel_box.setVisible(o > 1)
        self.channel_label.setText(f"channel (of {o})")

    @Slot()
    def redraw(self) -> None:
        self._refresh_channel_controls()
        self._show_matrices()
        self._show_step()

    def _show_matrices(self) -> None:
        m, r = self.model, self.model.result
        if r is None:
            return
        ci = m.shown_input_channel() if r.kernels.shape[1] == m.channel_count() else 0
        o = min(m.out_channel, r.kernels.shape[0] - 1)
        if r.padded is not None:
            x = r.input
            top, _, left, _ = r.pads
            inner = (top, left, x.shape[1], x.shape[2])
            fixed = (0.0, 255.0) if m.is_image() and m.value_kind == "pixels" else None
            if ci is None:
                rgb = np.clip(r.padded.transpose(1, 2, 0), 0, 255)
                self.input_view.set_matrix(r.padded[0], inner=inner, rgb=rgb,
                                           scale=ColourScale.for_values(r.padded[0], "gray", fixed))
            else:
                self.input_view.set_matrix(r.padded[ci], inner=inner,
                                           scale=ColourScale.for_values(r.padded[ci], "gray", fixed))
            hp, wp = r.padded.shape[1:]
            pad_note = "" if (hp, wp) == x.shape[1:] else f" (input {x.shape[1]}×{x.shape[2]} + padding)"
            hint = "" if ci is not None else "  ·  pick R, G or B for the numbers"
            self.input_title.setText(f"Padded input {hp}×{wp}{pad_note}{hint}")
        else:
            self.input_view.set_message(r.error)
            self.input_title.setText("Padded input")
        k = effective_kernels(r.kernels, r.spec)[o, 0 if ci is None else ci]
        self.kernel_view.set_matrix(k, scale=ColourScale.for_values(k, "diverging"))
        kh, kw = r.kernels.shape[2:]
        which = ""
        if r.kernels.shape[1] > 1:
            c = 0 if ci is None else ci
            which = f", slice {m.channel_label(c)}"
        flipped = ", flipped" if r.spec.flip else ""
        self.kernel_title.setText(f"Kernel {kh}×{kw}{which}{flipped}")
        if r.output is not None:
            out = r.output[o]
            self.output_view.set_matrix(out, scale=ColourScale.for_values(out, "auto"))
            count, ho, wo = r.output.shape
            chans = f"×{count} channels" if count > 1 else ""
            span = ""
            if out.size > MAX_CELLS * MAX_CELLS:
                # the heat map's colours leave out the extremes; say what they are
                span = f"  ·  min {shown(out.min())}, max {shown(out.max())}"
            self.output_title.setText(f"Output {ho}×{wo}{chans}{span}")
        else:
            self.output_view.set_message(r.error)
            self.output_title.setText("Output")
        self._equalize_soon()

    def current_cell(self) -> tuple[int, int] | None:
        """The current step's output cell, where the result shown has it."""
        return self.model.current_cell()

    @Slot()
    def _step_changed(self) -> None:
        # The window slides to the next cell: eased, in at most 200 ms and never longer than
        # most of the time between two cells while playing.
        self._show_step(slide_ms=min(SLIDE_MS, int(self.model.stepper.interval_ms() * 0.8)))

    def _show_step(self, slide_ms: int = 0) -> None:
        r = self.model.result
        if r is None or r.output is None:
            self.input_view.set_window([])
            self.input_view.set_notes({})
            self._show_focus()
            return
        cell = self.current_cell()
        if cell is None:
            self.output_view.set_revealed(None)
            self.output_view.set_current(None)
            self.input_view.set_window([])
            self.input_view.set_notes({})
            self.input_view.set_highlight(None)
            self._show_focus()
            return
        y, x = cell
        self.output_view.set_revealed(y * r.output.shape[2] + x + 1)
        self.output_view.set_current((y, x), slide_ms)
        self.input_view.set_window(window(y, x, r.kernels.shape[2:], r.spec), slide_ms)
        self.input_view.set_notes(self._window_notes(y, x))
        self._show_focus()
        self._show_highlight()

    def _show_focus(self) -> None:
        """While stepping through an input too big for numbers in its cells, the input and output
        views show the window's and the cell's neighbourhood (core.step_focus), as cells with their
        numbers, unless the user asked for the whole picture (Z)."""
        cell = self.current_cell() if self.model.zoom_to_window else None
        r = self.model.result
        boxes = (None, None)
        if cell is not None and r is not None and r.output is not None:
            boxes = (cells_box(window(*cell, r.kernels.shape[2:], r.spec)), (*cell, 1, 1))
        span = self._focus_span()
        views = (self.input_view, self.output_view)
        sizes = [v.model.focus and v.model.focus[2:] for v in views]
        for view, box in zip(views, boxes):
            if box is None or view.mode() == "message" or view.whole_is_readable():
                view.set_focus(None)
            else:
                view.set_focus(focus_box(view.model.focus, box, view.model.shape, span))
        if sizes != [v.model.focus and v.model.focus[2:] for v in views]:
            self.focus_resized.emit()  # the picture to fit is another (not on a page turned)

    def _focus_span(self) -> tuple[int, int]:
        """Rows and columns of a neighbourhood: as many as the room has for cells CELL_LINES
        lines of text tall (numbers and notes at the chosen size), at most FOCUS_SPAN a side."""
        # at the text size chosen, not the one a small screen shrank the picture to (fit.py)
        line = QFontMetricsF(self.base_font or self.font()).height()
        cell = CELL_LINES * line
        kernel_w = (self.model.kernels.shape[3] + 1) * cell
        signs = sum(label.width() for label in self.operator_labels) + 4 * self._row.spacing()
        room_w = (self.width() - kernel_w - signs) / 2 - 3 * line  # the row numbers
        room_h = self.input_view.height() - 3 * line  # the caption and the column numbers
        return tuple(max(FOCUS_MIN_SPAN, min(FOCUS_SPAN, int(room / cell))) for room in (room_h, room_w))

    def _window_notes(self, y: int, x: int) -> dict[tuple[int, int], tuple[str, str, int]]:
        """Under each cell of the window: "×weight = product" for the input channel shown, with the
        colour and index (from 0) of its term in the written sum."""
        m, r = self.model, self.model.result
        ci = m.shown_input_channel()
        if ci is None or r.padded is None:
            return {}
        o = min(m.out_channel, r.kernels.shape[0] - 1)
        try:
            exp = explain_cell(r.input, r.kernels, r.spec, o, y, x)
        except UserInputError:
            return {}
        terms = [t for t in exp.terms if t.channel == ci]
        notes = {}
        for i, t in enumerate(terms):
            # Dilated or overlapping windows never put two taps on one cell; keep the first anyway.
            notes.setdefault(t.padded_yx, (f"×{cell_label(t.weight)} = {cell_label(t.product)}", term_colour(i), i))
        return notes

    @Slot()
    def _show_highlight(self) -> None:
        h, ci = self.model.highlight, self.model.shown_input_channel()
        cell = self.current_cell()
        if h is None or cell is None or (ci is not None and h[0] != ci):
            self.input_view.set_highlight(None)
        else:
            self.input_view.set_highlight((h[1], h[2]))

    @Slot()
    def _equalize_soon(self) -> None:
        self._equalize_timer.start()

    def is_fitting(self) -> bool:
        """The views are about to get their shares of the room and one cell size."""
        return self._equalize_timer.isActive()

    def stop_fitting(self) -> None:
        self._equalize_timer.stop()

    @Slot()
    def _equalize_cells(self) -> None:
        """Give the three views room in proportion to their columns and one common cell size,
        so the kernel's cells are the same size as the input cells it slides over."""
        self._show_focus()  # a new size may call for (or end) a neighbourhood, or another span
        views = (self.input_view, self.kernel_view, self.output_view)
        in_cells = [v for v in views if v.mode() == "cells"]
        cols = [v.model.area()[3] if v in in_cells else 0 for v in views]
        wide = max(8, sum(cols))  # a heat map or a message gets as much room as all the cells
        for index, (v, c) in zip((0, 2, 4), zip(views, cols)):
            if v in in_cells:
                weight = max(1, c)
            elif v.mode() == "message":
                weight = max(4, wide // 2)
            else:
                weight = wide if v is not self.kernel_view else max(3, wide // 3)
            self._row.setStretch(index, weight)
        limit = min((v.cells.natural_cell_size() for v in in_cells), default=None)
        for v in views:
            v.set_cell_limit(limit if v in in_cells else None)
        if in_cells:
            want = min(v.cells.max_cell() for v in in_cells)
            room = min(v.cells.room_cell_size() for v in in_cells) / want
            if room < 0.97 or room > 1.05:  # the cells have less or more room than the rule gives them
                self.room_found.emit(room)

    # ==== widgets -> model, hover ==============================================================
    @Slot(int)
    def _input_channel_chosen(self, i: int) -> None:
        self.model.set_input_channel((None if i <= 0 else i - 1) if self.model.is_colour() else max(0, i))

    @Slot(int)
    def _output_channel_chosen(self, value: int) -> None:
        self.model.set_out_channel(value - 1)

    @Slot(int, int)
    def _output_clicked(self, y: int, x: int) -> None:
        r = self.model.result
        if r is not None and r.output is not None:
            self.model.jump_to_cell(y, x)

    @Slot(int, int)
    def _output_hovered(self, y: int, x: int) -> None:
        r = self.model.result
        if r is None or r.output is None or y < 0:
            self.input_view.set_marks([])
            self.output_view.set_marks([])
            return
        cells = window(y, x, r.kernels.shape[2:], r.spec)
        self.input_view.set_marks(cells)
        self.output_view.set_marks([], hover=(y, x))
        value = r.output[min(self.model.out_channel, r.output.shape[0] - 1), y, x]
        self.status.emit(f"Output row {y + 1}, column {x + 1} = {exact(value)}: reads the "
                         f"{len(cells)} highlighted input cells", 4000)

    @Slot(int, int)
    def _input_hovered(self, y: int, x: int) -> None:
        r = self.model.result
        if r is None or r.padded is None or y < 0:
            self.output_view.set_marks([])
            self.input_view.set_marks([])
            self.model.set_highlight(None)
            return
        ci = self.model.shown_input_channel()
        in_window = (y, x) in self.input_view.model.window
        self.model.set_highlight((ci, y, x) if in_window and ci is not None else None)
        fed = outputs_fed_by(y, x, r.input.shape[1:], r.kernels.shape[2:], r.spec) if r.output is not None else []
        self.output_view.set_marks(fed)
        self.input_view.set_marks([], hover=(y, x))
        ci = self.model.shown_input_channel() or 0
        value = r.padded[min(ci, r.padded.shape[0] - 1), y, x]
        feeds = f"feeds {len(fed)} output cell{'s' if len(fed) != 1 else ''}"
        if self.input_view.model.is_padding(y, x):  # no place in the input grid: say where it is
            self.status.emit(f"Padding cell (row {y + 1}, column {x + 1} of the padded input) = "
                             f"{exact(value)} {feeds}", 4000)
            return
        top, _, left, _ = r.spec.pads(r.kernels.shape[2:], r.input.shape[1:])
        # numbered as the Input grid numbers it (the unpadded input, from 1)
        self.status.emit(f"Input cell row {y - top + 1}, column {x - left + 1} = {exact(value)} {feeds}", 4000)


def legend_html() -> str:
    """Tells the step's window from the hover window (and the pointed-at term's cell)."""
    def swatch(colour, style: str) -> str:
        return (f"<span style='color:{colour.name()}; font-weight:bold'>{style}</span>")
    return (f"{swatch(WINDOW_COLOUR, '▬ solid orange')}: the step's window  ·  "
            f"{swatch(HOVER_COLOUR, '┅ dashed blue')}: under the mouse  ·  "
            f"{swatch(HIGHLIGHT_COLOUR, '□ purple')}: the term pointed at")
