"""The explorer's backward mode, drawn: a switch, the upstream gradient's controls, the learning
rate with *Apply step*, and the gradients ∂L/∂Y (dilated by the stride), ∂L/∂W, ∂L/∂b and ∂L/∂X
as grids with numbers. It observes a `BackwardModel` and writes to it; nothing else."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.convolution import format_number
from visualizer.ui.conv.backward_model import GRADIENT_KINDS, BackwardModel
from visualizer.ui.conv.matrix_view import MatrixView


HINT = "Click a cell of ∂L/∂W or ∂L/∂X to see its sum."


class BackwardView(QWidget):
    """A "Backward pass" switch; when on, the controls and the three gradient grids below it."""

    def __init__(self, model: BackwardModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("backward")
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.switch = QPushButton("Backward pass", self)
        self.switch.setCheckable(True)
        self.switch.setToolTip("Show ∂L/∂W, ∂L/∂b and ∂L/∂X of this convolution for an upstream gradient ∂L/∂Y")
        self.switch.toggled.connect(self._switched)
        bar.addWidget(self.switch)
        bar.addWidget(self._build_controls(), 1)
        root.addLayout(bar)
        self.loss_label = QLabel(self)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a61e1e;")
        root.addWidget(self.loss_label)
        root.addWidget(self.message)
        self.grids = QWidget(self)
        grid = QGridLayout(self.grids)
        grid.setContentsMargins(0, 0, 0, 0)
        self.titles: dict[str, QLabel] = {}
        self.views: dict[str, MatrixView] = {}
        for col, (key, title) in enumerate((("grad_output", "∂L/∂Y, dilated by the stride"),
                                            ("grad_weight", "∂L/∂W"), ("grad_input", "∂L/∂X"))):
            self.titles[key] = QLabel(title, self.grids)
            self.titles[key].setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.views[key] = MatrixView(self.grids)
            self.views[key].setMinimumSize(120, 120)
            grid.addWidget(self.titles[key], 0, col)
            grid.addWidget(self.views[key], 1, col)
        self.bias_label = QLabel(self.grids)
        grid.addWidget(self.bias_label, 2, 0, 1, 3)
        self.arithmetic = QLabel(HINT, self.grids)
        self.arithmetic.setObjectName("backwardArithmetic")
        self.arithmetic.setWordWrap(True)
        self.arithmetic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.arithmetic, 3, 0, 1, 3)
        self.views["grad_weight"].clicked.connect(self._weight_clicked)
        self.views["grad_input"].clicked.connect(self._input_clicked)
        root.addWidget(self.grids, 1)
        self._drawn = None  # the gradients the grids show
        model.changed.connect(self.refresh)
        self.refresh()

    def _build_controls(self) -> QWidget:
        """∂L/∂Y's kind, its seed or target, α and Apply step, in one row."""
        model = self.model
        self.controls = QWidget(self)
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("∂L/∂Y:", self.controls))
        self.kind_combo = QComboBox(self.controls)
        self.kind_combo.setAccessibleName("upstream gradient")
        for key, label in GRADIENT_KINDS:
            self.kind_combo.addItem(label, key)
        self.kind_combo.currentIndexChanged.connect(self._kind_chosen)
        row.addWidget(self.kind_combo)
        self.seed_spin = QSpinBox(self.controls)
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setPrefix("seed ")
        self.seed_spin.valueChanged.connect(model.set_seed)
        row.addWidget(self.seed_spin)
        self.grad_edit = QLineEdit(model.grad_text, self.controls)
        self.grad_edit.setAccessibleName("upstream gradient values")
        self.grad_edit.setToolTip("∂L/∂Y: one number for every output cell, or rows of numbers (';' between rows)")
        self.grad_edit.editingFinished.connect(self._grad_typed)
        row.addWidget(self.grad_edit, 1)
        self.target_edit = QLineEdit(model.target_text, self.controls)
        self.target_edit.setAccessibleName("target T")
        self.target_edit.setToolTip("T: one number for every output cell, or rows of numbers (';' between rows)")
        self.target_edit.editingFinished.connect(self._target_typed)
        row.addWidget(self.target_edit, 1)
        row.addWidget(QLabel("α", self.controls))
        self.lr_spin = QDoubleSpinBox(self.controls)
        self.lr_spin.setAccessibleName("learning rate")
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 10.0)
        self.lr_spin.setSingleStep(0.001)
        self.lr_spin.setValue(model.lr)
        self.lr_spin.valueChanged.connect(model.set_lr)
        row.addWidget(self.lr_spin)
        self.step_button = QPushButton("Apply step", self.controls)
        self.step_button.setToolTip("W := W − α·∂L/∂W and b := b − α·∂L/∂b")
        self.step_button.clicked.connect(model.apply_step)
        row.addWidget(self.step_button)
        return self.controls

    @Slot(bool)
    def _switched(self, on: bool) -> None:
        self.model.set_enabled(on)

    @Slot(int)
    def _kind_chosen(self, index: int) -> None:
        self.model.set_kind(self.kind_combo.itemData(index))

    @Slot()
    def _grad_typed(self) -> None:
        if self.grad_edit.text() != self.model.grad_text:
            self.model.set_grad_text(self.grad_edit.text())

    @Slot()
    def _target_typed(self) -> None:
        if self.target_edit.text() != self.model.target_text:
            self.model.set_target_text(self.target_edit.text())

    @Slot(int, int)
    def _weight_clicked(self, y: int, x: int) -> None:
        self._explain("grad_weight", y, x)

    @Slot(int, int)
    def _input_clicked(self, y: int, x: int) -> None:
        self._explain("grad_input", y, x)

    def _explain(self, grid: str, y: int, x: int) -> None:
        o, c = self._shown()
        self.views[grid].set_current((y, x))
        self.arithmetic.setText(self.model.explain(grid, y, x, o, c))

    def _shown(self) -> tuple[int, int]:
        """(kernel, input channel) the explorer shows."""
        conv = self.model.conv
        c = conv.shown_input_channel()
        return conv.shown_out_channel(), 0 if c is None else c

    @Slot()
    def refresh(self) -> None:
        m = self.model
        on = m.enabled
        for w in (self.controls, self.grids, self.loss_label, self.message):
            w.setVisible(on)
        self.seed_spin.setVisible(m.kind == "random")
        self.grad_edit.setVisible(m.kind == "typed")
        self.grad_edit.setPlaceholderText("handed over" if m.given is not None else "")
        if m.given is not None and self.grad_edit.text():
            self.grad_edit.clear()
        if self.switch.isChecked() != on:  # switched on by a hand-over
            self.switch.blockSignals(True)
            self.switch.setChecked(on)
            self.switch.blockSignals(False)
        if abs(self.lr_spin.value() - m.lr) > 1e-12:  # α set elsewhere (a test, a hand-over)
            self.lr_spin.blockSignals(True)
            self.lr_spin.setValue(m.lr)
            self.lr_spin.blockSignals(False)
        index = self.kind_combo.findData(m.kind)
        if self.kind_combo.currentIndex() != index:
            self.kind_combo.blockSignals(True)
            self.kind_combo.setCurrentIndex(index)
            self.kind_combo.blockSignals(False)
        self.target_edit.setVisible(m.kind == "target")
        self.loss_label.setText(m.loss_text())
        self.message.setText(m.error)
        self.step_button.setEnabled(m.grads is not None)
        if not on:
            return
        g = m.grads
        if g is None:
            for view in self.views.values():
                view.set_message(m.error or "No gradient")
            self.bias_label.setText("")
            return
        o, c = self._shown()
        o = min(o, g.grad_output.shape[0] - 1)
        c = min(c, g.grad_input.shape[0] - 1)
        self.views["grad_output"].set_matrix(g.grad_output_dilated[o])
        self.views["grad_weight"].set_matrix(g.grad_weight[o, c])  # the kernel as written (flip undone)
        self.views["grad_input"].set_matrix(g.grad_input[c])
        if g is not self._drawn:  # new numbers: the sum written before no longer holds
            self._drawn = g
            for view in self.views.values():
                view.set_current(None)
            self.arithmetic.setText(HINT)
        self.bias_label.setText(f"∂L/∂b = Σ ∂L/∂Y = {format_number(g.grad_bias_total)}"
                                + (f" (this kernel's outputs: {format_number(g.grad_bias[o])})"
                                   if g.grad_bias.shape[0] > 1 else ""))
