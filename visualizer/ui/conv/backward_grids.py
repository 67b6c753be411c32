"""The backward mode's grids: what the gradients read (the padded input, the kernel rotated by
180°, ∂L/∂Y dilated by the stride) and the three results (∂L/∂W, ∂L/∂X, ∂L/∂b), with the stepped
result's current cell outlined, the cells its terms read outlined on the grids they come from, and
its sum written term by term in the colours the forward's arithmetic uses (each term's note on its
cell in the same colour). Observes the `BackwardModel` and its `steps`; a click on a result's cell
steps there."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from visualizer.core.convolution import effective_kernels
from visualizer.core.number_text import equals_sign, exact, shown, signed_term
from visualizer.ui.conv.backward_model import BackwardModel
from visualizer.ui.conv.backward_steps import StepExplanation, term_text
from visualizer.ui.conv.cell_notes import term_mark, text_colour_on
from visualizer.ui.conv.common import html
from visualizer.ui.conv.grid_look import ColourScale, cell_label, term_colour
from visualizer.ui.conv.matrix_view import MatrixView

HINT = ("Press <b>→</b> to step the stepped result cell by cell (<b>G</b> picks ∂L/∂W, ∂L/∂X or ∂L/∂b), "
        "or click a cell of ∂L/∂W or ∂L/∂X to see its sum.")

#: (key, title, row, column) of each grid, in one row: what is read, then the results.
GRIDS = (
    ("padded", "Padded input X", 0, 0),
    ("kernel", "Kernel rotated 180°", 0, 1),
    ("grad_output", "∂L/∂Y, stride-dilated", 0, 2),
    ("grad_weight", "∂L/∂W", 0, 3),
    ("grad_input", "∂L/∂X", 0, 4),
    ("grad_bias", "∂L/∂b", 0, 5),
)


class BackwardGrids(QWidget):
    def __init__(self, model: BackwardModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.steps = model.steps
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.titles: dict[str, QLabel] = {}
        self.views: dict[str, MatrixView] = {}
        for key, head, row, col in GRIDS:
            self.titles[key] = QLabel(head, self)
            self.titles[key].setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.views[key] = MatrixView(self, allow_heat=key != "grad_bias")
            self.views[key].setMinimumSize(40 if key == "grad_bias" else 110, 140)
            self.views[key].setAccessibleName(f"{head} (backward)")
            grid.addWidget(self.titles[key], row, col)
            grid.addWidget(self.views[key], row + 1, col)
            grid.setColumnStretch(col, 1 if key == "grad_bias" else 3)
        self.bias_label = QLabel(self)
        grid.addWidget(self.bias_label, 2, 0, 1, len(GRIDS))
        self.arithmetic = QLabel(HINT, self)
        self.arithmetic.setObjectName("backwardArithmetic")
        self.arithmetic.setWordWrap(True)
        self.arithmetic.setTextFormat(Qt.TextFormat.RichText)
        self.arithmetic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_look("light")
        grid.addWidget(self.arithmetic, 3, 0, 1, len(GRIDS))
        for key, view in self.views.items():
            view.hovered.connect(partial(self._cell_hovered, key))
        self.views["grad_weight"].clicked.connect(self._weight_clicked)
        self.views["grad_input"].clicked.connect(self._input_clicked)
        self.views["grad_bias"].clicked.connect(self._bias_clicked)
        self._exp: StepExplanation | None = None
        model.changed.connect(self.redraw)
        model.conv.view_changed.connect(self.redraw)
        self.steps.changed.connect(self.show_step)

    def set_look(self, look: str) -> None:
        """The sum's box as the forward's arithmetic box, light or dark; heat maps to match."""
        bg, border, fg = ("#3a3026", "#8a6a4a", "#f2e8dc") if look == "dark" else ("#fff8f0", "#f0c8a8", "#1b1f24")
        self.arithmetic.setStyleSheet(f"#backwardArithmetic {{ background: {bg}; color: {fg}; "
                                      f"border: 1px solid {border}; border-radius: 6px; padding: 6px; }}")
        for view in self.views.values():
            if view.heat is not None:
                view.heat.set_look(look)

    def arithmetic_text(self) -> str:
        """The written sum of the current cell as plain text (the hint while not stepping)."""
        return self._exp.text() if self._exp is not None else ""

    # ---- the numbers -------------------------------------------------------------------------
    @Slot()
    def redraw(self) -> None:
        m, r = self.model, self.model.conv.result
        g = m.grads
        if not m.enabled:
            return
        if g is None or r is None or r.padded is None:
            for view in self.views.values():
                view.set_message(m.error or "No gradient")
            self.bias_label.setText("")
            self.show_step()
            return
        o, c = m.shown()
        o, c = min(o, g.grad_output.shape[0] - 1), min(c, g.grad_input.shape[0] - 1)
        top, _, left, _ = r.pads
        padded = r.padded[min(c, r.padded.shape[0] - 1)]
        self.views["padded"].set_matrix(padded, inner=(top, left, *r.input.shape[1:]),
                                        scale=ColourScale.for_values(padded, "gray"))
        rotated = effective_kernels(r.kernels, r.spec)[o, c][::-1, ::-1]
        self.views["kernel"].set_matrix(rotated, scale=ColourScale.for_values(rotated, "diverging"))
        for key, values in (("grad_output", g.grad_output_dilated[o]), ("grad_weight", g.grad_weight[o, c]),
                            ("grad_input", g.grad_input[c])):  # ∂L/∂W of the kernel as written (flip undone)
            self.views[key].set_matrix(values, scale=ColourScale.for_values(values, "diverging"))
        total = g.grad_bias_total
        self.views["grad_bias"].set_matrix([[total]], scale=ColourScale.for_values(g.grad_bias, "diverging"))
        mine = " (this kernel's outputs: {})" if g.grad_bias.shape[0] > 1 else ""
        self.bias_label.setText(f"∂L/∂b = Σ ∂L/∂Y {equals_sign([total])} {shown(total)}"
                                + mine.format(shown(g.grad_bias[o])))
        self.bias_label.setToolTip(f"∂L/∂b = Σ ∂L/∂Y = {exact(total)}" + mine.format(exact(g.grad_bias[o])))
        self.show_step()

    # ---- the step ----------------------------------------------------------------------------
    @Slot()
    def show_step(self) -> None:
        exp = self.steps.explanation() if self.model.enabled else None
        self._exp = exp
        for key, view in self.views.items():
            view.set_current(exp.cell if exp is not None and key == exp.result else None)
            view.set_revealed(None)
            view.set_window([])
            view.set_notes({})
        for key in ("grad_weight", "grad_input", "grad_bias"):
            self.titles[key].setText(dict((k, h) for k, h, _r, _c in GRIDS)[key]
                                     + (" ◀ stepped" if key == self.steps.result else ""))
        if exp is None:
            self.arithmetic.setText(HINT)
            self.arithmetic.setToolTip("")
            return
        self.arithmetic.setToolTip(exp.exact_text())  # the exact numbers the line rounds
        stepped = self.views[exp.result]
        rows, cols = stepped.model.shape
        stepped.set_revealed(exp.cell[0] * cols + exp.cell[1] + 1)
        self.views["padded"].set_window(list(exp.padded))
        self.views["grad_output"].set_window(list(exp.grad_output))
        self.views["kernel"].set_window(list(exp.kernel))
        if exp.result == "grad_weight":  # under each input cell of the window: × ∂L/∂Y = product
            self.views["padded"].set_notes(self._notes(exp.padded, exp))
        elif exp.result == "grad_input":  # under each ∂L/∂Y cell it fed: × weight = product
            self.views["grad_output"].set_notes(self._notes(exp.grad_output, exp))
        self.arithmetic.setText(self._html(exp))

    @staticmethod
    def _notes(cells: dict[tuple[int, int], int], exp: StepExplanation) -> dict:
        notes = {}
        for cell, i in cells.items():
            if i < len(exp.terms) and len(exp.terms[i]) == 2:
                a, b = exp.terms[i]
                notes[cell] = (f"×{cell_label(a if exp.result == 'grad_input' else b)} = {cell_label(a * b)}",
                               term_colour(i), i)
        return notes

    @staticmethod
    def _html(exp: StepExplanation) -> str:
        """The sum, each term on a chip of its colour with its index (as the badge of its note)."""
        if exp.note or not exp.terms:
            body = html(exp.text().split(" = ", 2)[2])
        else:  # as the forward writes its sum: a negative term as a minus, "≈" where rounded
            chips = []
            for i, t in enumerate(exp.terms):
                op, text = signed_term(term_text(t), i == 0)
                chips.append(f"{op}<span style='background-color:{term_colour(i)}; color:"
                             f"{text_colour_on(QColor(term_colour(i))).name()}'>&nbsp;{term_mark(i)}"
                             f"&nbsp;{html(text)}&nbsp;</span>")
            sign = equals_sign([v for t in exp.terms for v in t] + [exp.total])
            body = "".join(chips) + f" {sign} <b>{html(shown(exp.total))}</b>"
        return f"<b>{html(exp.head)}</b> = {html(exp.rule)} = {body}"

    def _cell_hovered(self, key: str, y: int, x: int) -> None:
        """A cell's exact value on its tool tip (the grid shows 3 significant digits)."""
        view = self.views[key]
        if y < 0 or view.mode() == "message":
            view.setToolTip("")
            return
        title = dict((k, h) for k, h, _r, _c in GRIDS)[key]
        view.setToolTip(f"{title}, row {y + 1}, column {x + 1} = {exact(view.model.values[y, x])}")

    # ---- clicks ------------------------------------------------------------------------------
    def _jump(self, result: str, y: int, x: int) -> None:
        self.steps.set_result(result)
        shape = self.steps.grid_shape()
        if shape is not None and 0 <= y < shape[0] and 0 <= x < shape[1]:
            self.steps.stepper.pause()
            self.steps.stepper.jump_to(y * shape[1] + x)

    @Slot(int, int)
    def _weight_clicked(self, y: int, x: int) -> None:
        self._jump("grad_weight", y, x)

    @Slot(int, int)
    def _input_clicked(self, y: int, x: int) -> None:
        self._jump("grad_input", y, x)

    @Slot(int, int)
    def _bias_clicked(self, y: int, x: int) -> None:
        self._jump("grad_bias", 0, 0)
