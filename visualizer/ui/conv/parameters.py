"""The Parameters box: the course's two settings, stride, padding, dilation, padding mode and
cross-correlation or true convolution."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.convolution import PADDING_MODES
from visualizer.ui.conv.common import spin
from visualizer.ui.conv.conv_settings import AXIS_RANGES
from visualizer.ui.conv.model import COURSE_SETTINGS, ConvModel
from visualizer.ui.shell.quietly import set_quietly

OPERATION_NOTE = ("Cross-correlation slides the kernel as written (what PyTorch's conv2d and every CNN "
                  "library do); true convolution first flips it by 180°.")


#: The padding kind 'same': the input's size at stride 1, ⌈N / S⌉ above it (TensorFlow/Keras's rule).
SAME_PADDING_LABEL = "same (N at stride 1, ⌈N / S⌉ above)"


class ParametersBox(QGroupBox):
    def __init__(self, model: ConvModel, parent: QWidget | None = None) -> None:
        super().__init__("Parameters", parent)
        self.model = model
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Course:"))
        self.course_buttons = []
        for s, p in COURSE_SETTINGS:
            b = QPushButton(f"stride {s}, padding {p}", self)
            b.setToolTip(f"The course's setting: stride {s}, padding {p} (zeros), cross-correlation")
            b.setProperty("course_setting", (s, p))
            b.clicked.connect(self._course_setting)
            row.addWidget(b)
            self.course_buttons.append(b)
        lay.addLayout(row)
        grid = QGridLayout()
        grid.addWidget(QLabel("<i>rows</i>"), 0, 1, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(QLabel("<i>columns</i>"), 0, 2, Qt.AlignmentFlag.AlignCenter)
        stride, pad, dil = AXIS_RANGES["stride"], AXIS_RANGES["padding"], AXIS_RANGES["dilation"]
        self.stride_y = spin(*stride, 1, "Stride along the rows: how far the window moves down", "stride rows")
        self.stride_x = spin(*stride, 1, "Stride along the columns: how far the window moves right",
                             "stride columns")
        self.pad_y = spin(*pad, 0, "Padding added above and below", "padding rows")
        self.pad_x = spin(*pad, 0, "Padding added left and right", "padding columns")
        self.dil_y = spin(*dil, 1, "Dilation along the rows: gap between kernel taps", "dilation rows")
        self.dil_x = spin(*dil, 1, "Dilation along the columns", "dilation columns")
        self._axes = {}
        for r, (label, setting, a, b) in enumerate((("Stride", "stride", self.stride_y, self.stride_x),
                                                    ("Padding", "padding", self.pad_y, self.pad_x),
                                                    ("Dilation", "dilation", self.dil_y, self.dil_x)), start=1):
            grid.addWidget(QLabel(label), r, 0)
            grid.addWidget(a, r, 1)
            grid.addWidget(b, r, 2)
            self._axes[a] = (setting, 0)
            self._axes[b] = (setting, 1)
            a.valueChanged.connect(self._axis_value_changed)
            b.valueChanged.connect(self._axis_value_changed)
        lay.addLayout(grid)
        self.link_axes = QCheckBox("Same for rows and columns", self)
        self.link_axes.setChecked(True)
        self.link_axes.toggled.connect(model.set_link_axes)
        lay.addWidget(self.link_axes)
        form = QFormLayout()
        self.pad_kind = QComboBox(self)
        self.pad_kind.setAccessibleName("padding kind")
        for text, key in (("Number of cells", "number"), ("valid (no padding)", "valid"),
                          (SAME_PADDING_LABEL, "same")):
            self.pad_kind.addItem(text, key)
        self.pad_kind.setItemData(2, "PyTorch's padding='same' at stride 1: the output keeps the input's size. "
                                  "With a stride above 1 PyTorch refuses 'same'; the explorer then follows "
                                  "TensorFlow/Keras (⌈N / S⌉ outputs) and says so under the formula.",
                                  Qt.ItemDataRole.ToolTipRole)
        self.pad_kind.currentIndexChanged.connect(self._pad_kind_chosen)
        form.addRow("Padding", self.pad_kind)
        self.mode_combo = QComboBox(self)
        self.mode_combo.setAccessibleName("padding mode")
        for m in PADDING_MODES:
            self.mode_combo.addItem(m, m)
        self.mode_combo.setToolTip("zeros: 0 around the input; reflect: mirror without the edge; "
                                   "replicate: repeat the edge; circular: wrap around")
        self.mode_combo.currentIndexChanged.connect(self._mode_chosen)
        form.addRow("Fill padding with", self.mode_combo)
        lay.addLayout(form)
        self.op_xcorr = QRadioButton("Cross-correlation (deep learning)", self)
        self.op_conv = QRadioButton("True convolution (kernel flipped)", self)
        self.op_xcorr.setChecked(True)
        self._op_group = QButtonGroup(self)
        self._op_group.addButton(self.op_xcorr)
        self._op_group.addButton(self.op_conv)
        self.op_conv.toggled.connect(model.set_flip)
        lay.addWidget(self.op_xcorr)
        lay.addWidget(self.op_conv)
        note = QLabel(OPERATION_NOTE, self)
        note.setWordWrap(True)
        note.setStyleSheet("color: #4a5560;")
        lay.addWidget(note)

        model.inputs_changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        m = self.model
        for (a, b), pair in (((self.stride_y, self.stride_x), m.stride),
                             ((self.pad_y, self.pad_x), m.padding_numbers),
                             ((self.dil_y, self.dil_x), m.dilation)):
            set_quietly(a, "setValue", pair[0])
            set_quietly(b, "setValue", pair[1])
        set_quietly(self.link_axes, "setChecked", m.link_axes)
        set_quietly(self.pad_kind, "setCurrentIndex", max(0, self.pad_kind.findData(m.padding_kind)))
        set_quietly(self.mode_combo, "setCurrentIndex", max(0, self.mode_combo.findData(m.padding_mode)))
        if self.op_conv.isChecked() != m.flip:
            # checking one button of the exclusive group unchecks the other (quietly, too)
            blocker = QSignalBlocker(self.op_conv)
            (self.op_conv if m.flip else self.op_xcorr).setChecked(True)
            del blocker
        number = m.padding_kind == "number"
        self.pad_y.setEnabled(number)
        self.pad_x.setEnabled(number)

    @Slot()
    def _course_setting(self) -> None:
        s, p = self.sender().property("course_setting")
        self.model.apply_course_setting(s, p)

    @Slot(int)
    def _axis_value_changed(self, value: int) -> None:
        setting, axis = self._axes[self.sender()]
        self.model.set_axis_value(setting, axis, value)

    @Slot(int)
    def _pad_kind_chosen(self, index: int) -> None:
        self.model.set_padding_kind(self.pad_kind.itemData(index))

    @Slot(int)
    def _mode_chosen(self, index: int) -> None:
        self.model.set_padding_mode(self.mode_combo.itemData(index))
