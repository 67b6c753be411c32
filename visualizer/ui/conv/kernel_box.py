"""The Kernel box: presets, the grid of weights (one slice of one kernel), kernel count, bias."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.convolution import preset_labels
from visualizer.ui.conv.common import spin
from visualizer.ui.conv.grid_editor import MatrixEditor
from visualizer.ui.conv.model import MAX_KERNEL, MAX_KERNELS, ConvModel
from visualizer.ui.shell.quietly import set_quietly



class ExactSpinBox(QDoubleSpinBox):
    """A number box that keeps what is typed or handed over to 6 decimals and shows it without
    trailing zeros ("0.0587", "1.5", "-2"): a net's bias 0.0587 is neither shown nor kept as 0.059,
    and a typed 0.00125 is not rounded to 0.001."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(6)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

class KernelBox(QGroupBox):
    def __init__(self, model: ConvModel, parent: QWidget | None = None) -> None:
        super().__init__("Kernel", parent)
        self.model = model
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.preset_combo = QComboBox(self)
        self.preset_combo.setAccessibleName("kernel preset")
        self.preset_combo.addItem("Preset…", "")
        for name, label in preset_labels("kernels").items():
            self.preset_combo.addItem(label, name)
        self.preset_combo.setToolTip("Put a well-known kernel in the grid (the current kernel, every channel slice)")
        self.preset_combo.activated.connect(self._preset_chosen)
        #: The kernels right after a preset was loaded: while they are unchanged the box names it.
        self._preset_kernels: np.ndarray | None = None
        row.addWidget(self.preset_combo, 1)
        self.normalize_button = QPushButton("Normalize to sum 1", self)
        self.normalize_button.setToolTip("Divide every weight by the sum of the weights")
        self.normalize_button.clicked.connect(model.normalize_kernel)
        row.addWidget(self.normalize_button)
        lay.addLayout(row)

        self.kernel_editor = MatrixEditor("Kernel", MAX_KERNEL, model.edited_kernel(), self, cell_width=52)
        self.kernel_editor.matrix_changed.connect(self._edited)
        lay.addWidget(self.kernel_editor)

        form = QFormLayout()
        self.slice_combo = QComboBox(self)
        self.slice_combo.setAccessibleName("kernel slice")
        self.slice_combo.setToolTip("Which channel slice of the kernel the grid edits")
        self.slice_combo.currentIndexChanged.connect(self._slice_chosen)
        self.slice_label = QLabel("Edit slice", self)
        form.addRow(self.slice_label, self.slice_combo)
        self.kernel_count = spin(1, MAX_KERNELS, 1, "Number of kernels stacked: each makes one output "
                                 "channel (new ones start random)", "output kernels")
        self.kernel_count.valueChanged.connect(model.set_kernel_count)
        form.addRow("Output kernels", self.kernel_count)
        self.bias_spin = ExactSpinBox(self)
        self.bias_spin.setRange(-1e6, 1e6)
        self.bias_spin.setSingleStep(0.1)
        self.bias_spin.setAccessibleName("bias")
        self.bias_spin.setToolTip("Added to every output cell")
        self.bias_spin.valueChanged.connect(model.set_bias)
        form.addRow("Bias", self.bias_spin)
        lay.addLayout(form)

        model.inputs_changed.connect(self.refresh)
        model.view_changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        m = self.model
        k = m.edited_kernel()
        if not np.array_equal(self.kernel_editor.matrix(), k):
            self.kernel_editor.set_matrix(k)
        channels = m.channel_count()
        slices = ["All channels", *(self.model.channel_label(i) for i in range(channels))]
        if [self.slice_combo.itemText(i) for i in range(self.slice_combo.count())] != slices:
            set_quietly(self.slice_combo, "clear")
            set_quietly(self.slice_combo, "addItems", slices)
        s = m.kernel_slice if channels > 1 else None
        set_quietly(self.slice_combo, "setCurrentIndex", 0 if s is None else s + 1)
        self.slice_combo.setVisible(channels > 1)
        self.slice_label.setVisible(channels > 1)
        set_quietly(self.kernel_count, "setValue", m.kernels.shape[0])
        if self.bias_spin.value() != m.bias:
            set_quietly(self.bias_spin, "setValue", m.bias)
        self._name_preset()

    def _name_preset(self) -> None:
        """The box names the loaded preset until the kernel is edited, then reads "Preset…"."""
        loaded = self._preset_kernels
        if loaded is not None and (loaded.shape != self.model.kernels.shape
                                   or not np.array_equal(loaded, self.model.kernels)):
            self._preset_kernels = None
        if self._preset_kernels is None and self.preset_combo.currentIndex() != 0:
            set_quietly(self.preset_combo, "setCurrentIndex", 0)

    @Slot(object)
    def _edited(self, matrix: np.ndarray) -> None:
        self.model.set_edited_kernel(matrix)

    @Slot(int)
    def _slice_chosen(self, index: int) -> None:
        self.model.set_kernel_slice(None if index <= 0 else index - 1)

    @Slot(int)
    def _preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        loaded = bool(name) and self.model.apply_kernel_preset(name)
        self._preset_kernels = self.model.kernels.copy() if loaded else None
        set_quietly(self.preset_combo, "setCurrentIndex", index if self._preset_kernels is not None else 0)
