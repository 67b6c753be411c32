"""The backward mode's step-through: which result is stepped (∂L/∂W, ∂L/∂X or ∂L/∂b), its current
cell, and what that cell draws from, as state (no widgets).

`BackwardSteps` holds its own `Stepper` (the forward's class: the same play timer, the same
positions), counting the cells of the stepped result in reading order. `StepExplanation` says
what one cell adds up, term by term, and which cells of the padded input, the stride-dilated
∂L/∂Y and the rotated kernel those terms read, so a view outlines them and colours the terms as the
forward's arithmetic does. `StepRouter` sends the explorer's step keys to the forward's stepper,
or to this one while the backward mode is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core import conv_backward as cb
from visualizer.core.number_text import equals_sign, exact, in_parens, shown, written_sum
from visualizer.core.errors import UserInputError
from visualizer.core.step_text import cell_of
from visualizer.ui.conv.stepper import Stepper

#: The results that can be stepped, in the order the "stepped result" key cycles them: (key, name).
STEPPED = (("grad_weight", "∂L/∂W"), ("grad_input", "∂L/∂X"), ("grad_bias", "∂L/∂b"))
#: ∂L/∂b's sum writes its terms up to this many (one per output cell of every kernel).
MAX_BIAS_TERMS = cb.MAX_WRITTEN_TERMS


@dataclass
class StepExplanation:
    """One cell of a stepped result: its terms (a, b, product) and the cells they read. Cells are
    (row, column) from 0 in the shown kernel's and channel's grids; the terms' index is their colour."""

    result: str  # "grad_weight", "grad_input" or "grad_bias"
    cell: tuple[int, int]
    head: str  # "∂L/∂W at row 1, column 2"
    rule: str  # "Σ input value × ∂L/∂Y"
    terms: list[tuple[float, ...]]  # each term's factors as written (one for ∂L/∂b's plain sum)
    total: float
    note: str = ""  # instead of the terms when there are too many to write (words, without the total)
    padded: dict[tuple[int, int], int] = field(default_factory=dict)  # padded-input cell → term index
    grad_output: dict[tuple[int, int], int] = field(default_factory=dict)  # dilated ∂L/∂Y cell → term index
    kernel: dict[tuple[int, int], int] = field(default_factory=dict)  # rotated-kernel cell → term index

    def text(self) -> str:
        """The arithmetic as plain text, as the view writes it (without its colours): the explorer's
        one precision rule, 3 significant digits, a negative term as a minus, "≈" where rounded."""
        if self.note:
            body = f"{self.note} {equals_sign([self.total])} {shown(self.total)}"
        elif not self.terms:
            body = f"no output uses it, so 0 = {shown(self.total)}"
        else:
            body = written_sum([term_text(t) for t in self.terms], [v for t in self.terms for v in t], self.total)
        return f"{self.head} = {self.rule} = {body}"

    def exact_text(self) -> str:
        """The arithmetic with every number exact (the tool tip; `text` rounds them)."""
        if self.note:
            body = f"{self.note} = {exact(self.total)}"
        elif not self.terms:
            body = f"no output uses it, so 0 = {exact(self.total)}"
        else:
            body = " + ".join("×".join(exact_factor(v) for v in t) for t in self.terms) + f" = {exact(self.total)}"
        return f"{self.head} = {self.rule} = {body}"


def exact_factor(v: float) -> str:
    t = exact(v)
    return f"({t})" if t.startswith("−") else t


def term_text(factors: tuple[float, ...]) -> str:
    """"2×(−1)": a term's factors as the forward's arithmetic writes them (number_text.shown)."""
    return "×".join([shown(factors[0]), *(in_parens(v) for v in factors[1:])])


class BackwardSteps(QObject):
    """Which result the backward mode steps and where it is; `changed` after either moves."""

    changed = Signal()

    def __init__(self, backward, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backward = backward  # the BackwardModel
        self.result = "grad_weight"
        self.stepper = Stepper(self)
        self._shape: tuple[int, int] | None = None
        self._pending_step: int | None = None  # a saved step (from 1), taken once the gradients are there
        self.stepper.changed.connect(self._moved)
        backward.changed.connect(self._settle)
        backward.conv.view_changed.connect(self._moved)

    # ---- what is stepped ---------------------------------------------------------------------
    def result_name(self) -> str:
        return dict(STEPPED)[self.result]

    def set_result(self, result: str) -> None:
        if result not in dict(STEPPED):
            raise ValueError(f"unknown stepped result {result!r}")
        if result != self.result:
            self.result = result
            self._shape = None
            self._settle()

    @Slot()
    def next_result(self) -> None:
        """∂L/∂W → ∂L/∂X → ∂L/∂b → ∂L/∂W."""
        keys = [k for k, _ in STEPPED]
        self.set_result(keys[(keys.index(self.result) + 1) % len(keys)])

    def grid_shape(self) -> tuple[int, int] | None:
        """(rows, columns) of the stepped result's grid; None without gradients."""
        g = self.backward.grads
        if g is None:
            return None
        if self.result == "grad_weight":
            return tuple(g.grad_applied_weight.shape[2:])
        if self.result == "grad_input":
            return tuple(g.grad_input.shape[1:])
        return (1, 1)

    @Slot()
    def _settle(self) -> None:
        """New gradients: the same shape keeps the position (a step applied shows the same cell's
        new sum); another shape starts again at cell 1."""
        shape = self.grid_shape()
        total = 0 if shape is None else shape[0] * shape[1]
        if shape == self._shape:
            self.stepper.set_total(total)
        else:
            self._shape = shape
            self.stepper.restart(total)
        if self._pending_step is not None and total:
            step, self._pending_step = self._pending_step, None
            self.stepper.jump_to(min(step, total) - 1)
        self.changed.emit()

    @Slot()
    def _moved(self) -> None:
        self.changed.emit()

    def current_cell(self) -> tuple[int, int] | None:
        shape = self.grid_shape()
        if shape is None:
            return None
        return cell_of(self.stepper.current_index(), shape)

    def caption(self) -> str:
        """"∂L/∂W: cell 4 of 9, row 2, column 1", or how many cells there are while not stepping."""
        shape, cell = self.grid_shape(), self.current_cell()
        if shape is None:
            return ""
        n = shape[0] * shape[1]
        if cell is None:
            return f"{self.result_name()}: {n} cell{'s' if n != 1 else ''} to step (→)"
        y, x = cell
        return f"{self.result_name()}: cell {y * shape[1] + x + 1} of {n}, row {y + 1}, column {x + 1}"

    # ---- the current cell's arithmetic -------------------------------------------------------
    def explanation(self) -> StepExplanation | None:
        """What the current cell adds up; None while not stepping or without gradients."""
        cell, b = self.current_cell(), self.backward
        r = b.conv.result
        if cell is None or b.grads is None or r is None or r.input is None:
            return None
        o, c = b.shown()
        try:
            if self.result == "grad_weight":
                return weight_step(r, b.grads, o, c, *cell)
            if self.result == "grad_input":
                return input_step(r, b.grads, o, c, *cell)
        except UserInputError:
            return None
        return bias_step(r, b.grads, o)

    # ---- the session -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"stepped": self.result, "step": self.stepper.position if self.stepper.stepping else None}

    def apply(self, state: dict) -> None:
        """`to_dict`'s keys (checked by BackwardModel.read_state before)."""
        self.stepper.stop_stepping()
        self.set_result(state.get("stepped", self.result))
        step = state.get("step")
        self._pending_step = step if isinstance(step, int) and not isinstance(step, bool) and step >= 1 else None
        self._settle()


def weight_step(r, grads: cb.ConvGradients, o: int, c: int, row: int, col: int) -> StepExplanation:
    """∂L/∂W at (row, col) of kernel o, slice c: the weight's window over the padded input (its
    cells S apart, D between taps) times the stride-dilated ∂L/∂Y."""
    e = cb.explain_weight_cell(r.input, r.kernels, r.spec, grads.grad_output, o, c, row, col)
    sy, sx = r.spec.stride
    step = StepExplanation("grad_weight", (row, col), f"∂L/∂W at row {row + 1}, column {col + 1}",
                           "Σ input value × ∂L/∂Y", [(t.value, t.grad) for t in e.terms], e.total,
                           note="" if e.terms else e.text.rsplit(" = ", 1)[0])  # its words; text() adds the sum
    for i, t in enumerate(e.terms):
        step.padded.setdefault(t.padded_yx, i)
        step.grad_output.setdefault((t.out_yx[0] * sy, t.out_yx[1] * sx), i)
    return step


def input_step(r, grads: cb.ConvGradients, o: int, c: int, row: int, col: int) -> StepExplanation:
    """∂L/∂X at (row, col) of channel c: over every output the cell fed, the weight that met it
    times that output's ∂L/∂Y, i.e. the dilated ∂L/∂Y under the kernel rotated by 180°."""
    e = cb.explain_input_cell(r.input, r.kernels, r.spec, grads.grad_output, c, row, col)
    sy, sx = r.spec.stride
    kh, kw = r.kernels.shape[2:]
    step = StepExplanation("grad_input", (row, col), f"∂L/∂X at row {row + 1}, column {col + 1}",
                           "Σ weight × ∂L/∂Y", [(t.weight, t.grad) for t in e.terms], e.total)
    for i, t in enumerate(e.terms):
        step.padded.setdefault(t.padded_yx, i)
        if t.out_channel != o:
            continue  # another kernel's ∂L/∂Y and weights: in the sum, not on the grids shown
        step.grad_output.setdefault((t.out_yx[0] * sy, t.out_yx[1] * sx), i)
        ky, kx = t.kernel_yx  # as written; the grid shows the applied kernel rotated by 180°
        step.kernel.setdefault((ky, kx) if r.spec.flip else (kh - 1 - ky, kw - 1 - kx), i)
    return step


def bias_step(r, grads: cb.ConvGradients, o: int) -> StepExplanation:
    """∂L/∂b of the one bias every kernel adds: Σ ∂L/∂Y over every output cell of every kernel."""
    g = grads.grad_output
    sy, sx = r.spec.stride
    total = grads.grad_bias_total
    values = [float(v) for v in g.ravel()]
    step = StepExplanation("grad_bias", (0, 0), "∂L/∂b", "Σ ∂L/∂Y", [], total)
    if len(values) > MAX_BIAS_TERMS:
        step.note = f"the sum of {len(values):,} values, too many to write out,"
    else:
        step.terms = [(v,) for v in values]
    ho, wo = g.shape[1:]
    if ho * wo > MAX_BIAS_TERMS:
        return step  # every cell of ∂L/∂Y: outlining them all would say nothing and slow the drawing
    first = o * ho * wo
    for y in range(ho):
        for x in range(wo):
            step.grad_output[(y * sy, x * sx)] = first + y * wo + x
    return step


class StepRouter(QObject):
    """The explorer's step keys (Space, ←/→, Home/End): the backward result's stepper while the
    backward mode is on, else the forward output's."""

    def __init__(self, forward: Stepper, backward, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.forward = forward
        self.backward = backward  # the BackwardModel (its `steps.stepper`)

    def stepper(self) -> Stepper:
        return self.backward.steps.stepper if self.backward.enabled else self.forward

    @Slot()
    def toggle_play(self) -> None:
        self.stepper().toggle_play()

    @Slot()
    def step_forward(self) -> None:
        self.stepper().step_forward()

    @Slot()
    def step_back(self) -> None:
        self.stepper().step_back()

    @Slot()
    def to_start(self) -> None:
        self.stepper().to_start()

    @Slot()
    def to_end(self) -> None:
        self.stepper().to_end()

    @Slot()
    def stop_stepping(self) -> None:
        self.stepper().stop_stepping()
