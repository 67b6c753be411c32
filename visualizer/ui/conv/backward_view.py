"""The explorer's backward mode, drawn: a switch, the upstream gradient's controls, the learning
rate with *Apply step*, which result is stepped and where, and the grids (`backward_grids.py`).
It observes a `BackwardModel` and writes to it; nothing else. Its keys are in `backward_keys.py`."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.ui.conv.backward_model import GRADIENT_KINDS, BackwardModel
from visualizer.ui.shell.quietly import set_quietly


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
        self.loss_label.setObjectName("backwardLoss")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a61e1e;")
        root.addWidget(self.loss_label)
        root.addWidget(self.message)
        root.addLayout(self._build_step_row())
        self._root = root
        self._grids = None  # built when the mode is first switched on (not at start-up: issue 28)
        self._look = "light"
        model.changed.connect(self.refresh)
        model.steps.changed.connect(self._step_moved)
        self.refresh()

    def _build_step_row(self) -> QHBoxLayout:
        """Which result the keys step (a button that cycles, key G) and where the step is."""
        row = QHBoxLayout()
        self.stepped_button = QPushButton(self)
        self.stepped_button.setToolTip("Which result →/←, Home/End and Space step through: ∂L/∂W, ∂L/∂X "
                                       "or ∂L/∂b (key G)")
        self.stepped_button.clicked.connect(self.model.steps.next_result)
        row.addWidget(self.stepped_button)
        self.step_caption = QLabel(self)
        self.step_caption.setObjectName("backwardStep")
        row.addWidget(self.step_caption, 1)
        return row

    @property
    def grids(self):
        """The six grids and the written sum (`backward_grids.BackwardGrids`), built on first use:
        they cost a tenth of the window's start-up and stay hidden until the mode is on."""
        if self._grids is None:
            from visualizer.ui.conv.backward_grids import BackwardGrids  # here: not at start-up

            self._grids = BackwardGrids(self.model, self)
            self._grids.set_look(self._look)
            self._grids.setVisible(self.model.enabled)
            self._root.addWidget(self._grids, 1)
            self._grids.redraw()
        return self._grids

    @property
    def views(self) -> dict:
        return self.grids.views

    @property
    def titles(self) -> dict:
        return self.grids.titles

    @property
    def bias_label(self) -> QLabel:
        return self.grids.bias_label

    @property
    def arithmetic(self) -> QLabel:
        return self.grids.arithmetic

    def set_look(self, look: str) -> None:
        """Light or dark, for the grids now or when they are built."""
        self._look = look
        if self._grids is not None:
            self._grids.set_look(look)

    def arithmetic_text(self) -> str:
        """The stepped cell's sum as plain text ("" while not stepping)."""
        return self.grids.arithmetic_text() if self._grids is not None else ""

    @Slot()
    def _step_moved(self) -> None:
        steps = self.model.steps
        self.stepped_button.setText(f"Stepping {steps.result_name()} (G)")
        self.step_caption.setText(steps.caption())

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

    @Slot()
    def refresh(self) -> None:
        m = self.model
        on = m.enabled
        grids = [self.grids] if on or self._grids is not None else []
        for w in (self.controls, *grids, self.loss_label, self.message, self.stepped_button, self.step_caption):
            w.setVisible(on)
        grow = QSizePolicy.Policy.Expanding if on else QSizePolicy.Policy.Maximum
        if self.sizePolicy().verticalPolicy() != grow:  # off: only the switch's row, no empty room
            self.setSizePolicy(QSizePolicy.Policy.Preferred, grow)
        self.seed_spin.setVisible(m.kind == "random")
        self.grad_edit.setVisible(m.kind == "typed")
        self.grad_edit.setPlaceholderText("handed over" if m.given is not None else "")
        if m.given is not None and self.grad_edit.text():
            self.grad_edit.clear()
        if self.switch.isChecked() != on:  # switched on by a hand-over
            set_quietly(self.switch, "setChecked", on)
        if abs(self.lr_spin.value() - m.lr) > 1e-12:  # α set elsewhere (a test, a hand-over)
            set_quietly(self.lr_spin, "setValue", m.lr)
        index = self.kind_combo.findData(m.kind)
        if self.kind_combo.currentIndex() != index:
            set_quietly(self.kind_combo, "setCurrentIndex", index)
        self.target_edit.setVisible(m.kind == "target")
        for edit, text in ((self.target_edit, m.target_text), (self.grad_edit, "" if m.given is not None else m.grad_text)):
            if not edit.hasFocus() and edit.text() != text:  # set elsewhere (a session restored)
                edit.setText(text)
        if self.seed_spin.value() != m.seed:
            set_quietly(self.seed_spin, "setValue", m.seed)
        self.loss_label.setText(m.loss_text())
        self.message.setText(m.error)
        self.step_button.setEnabled(m.grads is not None)
        self._step_moved()
