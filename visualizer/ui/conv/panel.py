"""Convolution tab: set an input, a kernel, stride, padding and dilation; see the padded input,
the kernel and the output, and step the sliding window through the computation.

The arithmetic lives in `visualizer.core.convolution`; this module only gathers what the user
set, runs it (off the GUI thread for big images, newest request wins) and shows the result.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QMutex, QMutexLocker, QObject, QThread, QTimer, Qt, Signal, Slot
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.convolution import (
    INPUT_PRESETS,
    PADDING_MODES,
    Cancelled,
    ConvSpec,
    UserInputError,
    effective_kernels,
    explain_cell,
    format_number,
    kernel_preset,
    outputs_fed_by,
    preset_labels,
    window,
)
from visualizer.core.conv_job import ConvJob, ConvResult, run_job
from visualizer.image_io import IMAGE_SUFFIXES, load_image, sample_images
from visualizer.ui.conv import export as conv_export
from visualizer.ui.conv.grid_editor import KeepNavigationKeys, MatrixEditor
from visualizer.ui.conv.stepper import SPEEDS, Stepper
from visualizer.ui.conv.matrix_view import MAX_CELLS, ColourScale, MatrixView
from visualizer.ui.shell.panel import Panel

COURSE_INPUT = INPUT_PRESETS["course-example"]
COURSE_KERNEL = "course-normalized"
#: The two settings the course works through: (stride, padding).
COURSE_SETTINGS = ((2, 1), (1, 2))
MAX_INPUT_CELLS = 32
MAX_KERNEL = 11
MAX_KERNELS = 256
#: Inputs up to this many values are computed at once on the GUI thread (a few ms); bigger ones
#: go to the worker thread so dragging a control never freezes the window.
SYNC_LIMIT = 64 * 64 * 3
CHANNEL_NAMES = ("R", "G", "B")
OPERATION_NOTE = ("Cross-correlation slides the kernel as written (what PyTorch's conv2d and every CNN "
                  "library do); true convolution first flips it by 180°.")


class ConvWorker(QObject):
    """Lives on its own thread; of the jobs submitted while it was busy only the newest runs."""

    done = Signal(object)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._mutex = QMutex()
        self._pending: ConvJob | None = None
        self._stopping = False
        self._wake.connect(self._work, Qt.ConnectionType.QueuedConnection)

    def submit(self, job: ConvJob) -> None:  # called on the GUI thread
        with QMutexLocker(self._mutex):
            self._pending = job
        self._wake.emit()

    def stop(self) -> None:  # called on the GUI thread before quitting the thread
        with QMutexLocker(self._mutex):
            self._stopping = True
            self._pending = None

    def _should_stop(self) -> bool:
        # A newer request waiting makes the current one pointless: drop it and start the new one.
        with QMutexLocker(self._mutex):
            return self._stopping or self._pending is not None

    @Slot()
    def _work(self) -> None:
        with QMutexLocker(self._mutex):
            job, self._pending = self._pending, None
        if job is None:
            return
        try:
            result = run_job(job, self._should_stop)
        except Cancelled:
            return
        self.done.emit(result)


# -- small widgets ----------------------------------------------------------------------------
def _spin(lo: int, hi: int, value: int, tip: str, name: str) -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setToolTip(tip)
    s.setAccessibleName(name)
    s.setObjectName(name.replace(" ", "_"))
    s.setKeyboardTracking(True)
    return s


def _title(text: str) -> QLabel:
    label = QLabel(text)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class ConvExplorer(Panel):
    title = "Convolution"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ConvExplorer")
        self._job_ids = itertools.count(1)
        self._latest_job = 0
        self._random_seed = itertools.count(1)
        self._result: ConvResult | None = None
        self._source_kind = "matrix"  # "matrix" | "sample" | "file"
        self._source_name = ""  # sample name or file path
        self._image: np.ndarray | None = None  # the loaded image, (C, H, W), before crop/resize
        self._kernels = np.asarray(kernel_preset(COURSE_KERNEL))[None, None].copy()
        self._thread: QThread | None = None
        self._worker: ConvWorker | None = None
        self._hover_input: tuple[int, int] | None = None
        self._hover_output: tuple[int, int] | None = None
        self._lecture = False
        self._syncing = False

        self.stepper = Stepper(self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(30)
        self._debounce.timeout.connect(self._submit_to_worker)

        self._build()
        self._build_actions()
        self.stepper.changed.connect(self._step_changed)
        self.stepper.playing_changed.connect(self._playing_changed)
        self.load_course_example(*COURSE_SETTINGS[0])

    # ==== building =============================================================================
    def _build(self) -> None:
        root = QHBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        self.sidebar = QScrollArea(self)
        self.sidebar.setWidgetResizable(True)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 6, 0)
        side_layout.addWidget(self._build_input_box())
        side_layout.addWidget(self._build_kernel_box())
        side_layout.addWidget(self._build_parameter_box())
        side_layout.addStretch(1)
        self.sidebar.setWidget(side)
        # Wide enough for the widest row, so nothing is cut off on the right.
        self.sidebar.setMinimumWidth(side.minimumSizeHint().width()
                                     + self.sidebar.verticalScrollBar().sizeHint().width() + 4)
        self.sidebar.setMaximumWidth(max(self.sidebar.minimumWidth(), 460))
        root.addWidget(self.sidebar)

        main = QVBoxLayout()
        root.addLayout(main, 1)
        self.figure = QWidget(self)  # what "export view" saves
        self.figure.setObjectName("figure")
        self.figure.setAutoFillBackground(True)
        fig = QVBoxLayout(self.figure)
        fig.setContentsMargins(4, 4, 4, 4)
        fig.addLayout(self._build_views(), 1)
        self.explanation = QLabel(self.figure)
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._scale_font(self.explanation, 1.25)
        self.explanation_scroll = QScrollArea(self.figure)
        self.explanation_scroll.setWidgetResizable(True)
        self.explanation_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.explanation_scroll.setWidget(self.explanation)
        fig.addWidget(self.explanation_scroll)
        self.formula = QLabel(self.figure)
        self.formula.setObjectName("formula")
        self.formula.setWordWrap(True)
        self.formula.setTextFormat(Qt.TextFormat.RichText)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fig.addWidget(self.formula)
        main.addWidget(self.figure, 1)
        main.addLayout(self._build_step_bar())
        self._apply_look("light")
        # Space and the arrows step through, except where a control has its own use for them.
        self._keep_keys = KeepNavigationKeys(self)
        for w in self.findChildren(QWidget):
            if isinstance(w, (QComboBox, QAbstractButton, QSlider, QAbstractItemView)):
                w.installEventFilter(self._keep_keys)
        self.setAcceptDrops(True)

    def _build_input_box(self) -> QGroupBox:
        box = QGroupBox("Input", self)
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        self.source_combo = QComboBox(box)
        self.source_combo.setAccessibleName("input source")
        self.source_combo.addItem("Typed matrix", ("matrix", ""))
        for name in sample_images():
            self.source_combo.addItem(f"Sample: {name}", ("sample", name))
        self.source_combo.addItem("Image file…", ("file", ""))
        self.source_combo.setToolTip("Type a matrix, or use an image: a bundled sample or a file")
        self.source_combo.activated.connect(self._source_chosen)
        row.addWidget(self.source_combo, 1)
        self.course_button = QPushButton("Course example", box)
        self.course_button.setToolTip("The course's 5×5 input with its normalized filter, stride 2, padding 1")
        self.course_button.clicked.connect(lambda: self.load_course_example(*COURSE_SETTINGS[0]))
        row.addWidget(self.course_button)
        lay.addLayout(row)

        self.input_editor = MatrixEditor("Input", MAX_INPUT_CELLS, COURSE_INPUT, box, cell_width=44)
        self.input_editor.matrix_changed.connect(self._typed_input_changed)
        self.input_editor.problem_changed.connect(self._editor_problem)
        lay.addWidget(self.input_editor)

        self.image_box = QWidget(box)
        form = QFormLayout(self.image_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.image_label = QLabel("", self.image_box)
        self.image_label.setWordWrap(True)
        form.addRow(self.image_label)
        self.channels_combo = QComboBox(self.image_box)
        self.channels_combo.setAccessibleName("image channels")
        for text, key in (("As the file is", "auto"), ("Grayscale", "gray"), ("RGB", "rgb")):
            self.channels_combo.addItem(text, key)
        self.channels_combo.currentIndexChanged.connect(self._reload_image)
        form.addRow("Channels", self.channels_combo)
        self.crop_top = _spin(0, 100000, 0, "First row of the crop", "crop top")
        self.crop_left = _spin(0, 100000, 0, "First column of the crop", "crop left")
        self.crop_h = _spin(1, 100000, 1, "Rows in the crop", "crop height")
        self.crop_w = _spin(1, 100000, 1, "Columns in the crop", "crop width")
        for label, (a, b) in (("Crop from (row, col)", (self.crop_top, self.crop_left)),
                              ("Crop size (rows, cols)", (self.crop_h, self.crop_w))):
            pair = QHBoxLayout()
            pair.addWidget(a, 1)
            pair.addWidget(b, 1)
            a.valueChanged.connect(self._image_geometry_changed)
            b.valueChanged.connect(self._image_geometry_changed)
            form.addRow(label, pair)
        size_row = QHBoxLayout()
        self.size_slider = QSlider(Qt.Orientation.Horizontal, self.image_box)
        self.size_slider.setAccessibleName("longest side slider")
        self.size_spin = _spin(1, 4096, 64, "Shrink the image so its longest side has at most this many "
                               "pixels (numbers show in the cells up to about 48)", "longest side")
        self.size_slider.valueChanged.connect(self.size_spin.setValue)
        self.size_spin.valueChanged.connect(self.size_slider.setValue)
        self.size_spin.valueChanged.connect(self._image_geometry_changed)
        size_row.addWidget(self.size_slider, 1)
        size_row.addWidget(self.size_spin)
        form.addRow("Longest side", size_row)
        reset = QPushButton("Whole image", self.image_box)
        reset.setToolTip("Undo the crop and the shrinking")
        reset.clicked.connect(self._reset_image_geometry)
        self.to_grid_button = QPushButton("Edit as numbers", self.image_box)
        self.to_grid_button.setToolTip(f"Copy the picture (the channel shown, up to {MAX_INPUT_CELLS}×"
                                       f"{MAX_INPUT_CELLS} pixels) into the grid to change single pixels")
        self.to_grid_button.clicked.connect(self.image_to_grid)
        buttons = QHBoxLayout()
        buttons.addWidget(reset)
        buttons.addWidget(self.to_grid_button)
        form.addRow(buttons)
        lay.addWidget(self.image_box)
        self.image_box.hide()
        return box

    def _build_kernel_box(self) -> QGroupBox:
        box = QGroupBox("Kernel", self)
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        self.preset_combo = QComboBox(box)
        self.preset_combo.setAccessibleName("kernel preset")
        self.preset_combo.addItem("Preset…", "")
        for name, label in preset_labels("kernels").items():
            self.preset_combo.addItem(label, name)
        self.preset_combo.setToolTip("Put a well-known kernel in the grid (the current kernel, every channel slice)")
        self.preset_combo.activated.connect(self._preset_chosen)
        row.addWidget(self.preset_combo, 1)
        self.normalize_button = QPushButton("Normalize to sum 1", box)
        self.normalize_button.setToolTip("Divide every weight by the sum of the weights")
        self.normalize_button.clicked.connect(self.normalize_kernel)
        row.addWidget(self.normalize_button)
        lay.addLayout(row)

        self.kernel_editor = MatrixEditor("Kernel", MAX_KERNEL, self._kernels[0, 0], box, cell_width=52)
        self.kernel_editor.matrix_changed.connect(self._kernel_edited)
        self.kernel_editor.problem_changed.connect(self._editor_problem)
        lay.addWidget(self.kernel_editor)

        form = QFormLayout()
        self.slice_combo = QComboBox(box)
        self.slice_combo.setAccessibleName("kernel slice")
        self.slice_combo.setToolTip("Which channel slice of the kernel the grid edits")
        self.slice_combo.currentIndexChanged.connect(self._show_kernel_in_editor)
        self.slice_label = QLabel("Edit slice", box)
        form.addRow(self.slice_label, self.slice_combo)
        self.kernel_count = _spin(1, MAX_KERNELS, 1, "Number of kernels stacked: each makes one output "
                                  "channel (new ones start random)", "output kernels")
        self.kernel_count.valueChanged.connect(self._kernel_count_changed)
        form.addRow("Output kernels", self.kernel_count)
        self.bias_spin = QDoubleSpinBox(box)
        self.bias_spin.setRange(-1e6, 1e6)
        self.bias_spin.setDecimals(3)
        self.bias_spin.setSingleStep(0.1)
        self.bias_spin.setAccessibleName("bias")
        self.bias_spin.setToolTip("Added to every output cell")
        self.bias_spin.valueChanged.connect(self._parameters_changed)
        form.addRow("Bias", self.bias_spin)
        lay.addLayout(form)
        return box

    def _build_parameter_box(self) -> QGroupBox:
        box = QGroupBox("Parameters", self)
        lay = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Course:"))
        self.course_buttons = []
        for s, p in COURSE_SETTINGS:
            b = QPushButton(f"stride {s}, padding {p}", box)
            b.setToolTip(f"The course's setting: stride {s}, padding {p} (zeros), cross-correlation")
            b.clicked.connect(lambda _=False, s=s, p=p: self.apply_course_setting(s, p))
            row.addWidget(b)
            self.course_buttons.append(b)
        lay.addLayout(row)
        grid = QGridLayout()
        grid.addWidget(QLabel("<i>rows</i>"), 0, 1, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(QLabel("<i>columns</i>"), 0, 2, Qt.AlignmentFlag.AlignCenter)
        self.stride_y = _spin(1, 64, 1, "Stride along the rows: how far the window moves down", "stride rows")
        self.stride_x = _spin(1, 64, 1, "Stride along the columns: how far the window moves right",
                              "stride columns")
        self.pad_y = _spin(0, 64, 0, "Padding added above and below", "padding rows")
        self.pad_x = _spin(0, 64, 0, "Padding added left and right", "padding columns")
        self.dil_y = _spin(1, 16, 1, "Dilation along the rows: gap between kernel taps", "dilation rows")
        self.dil_x = _spin(1, 16, 1, "Dilation along the columns", "dilation columns")
        for r, (label, a, b) in enumerate((("Stride", self.stride_y, self.stride_x),
                                           ("Padding", self.pad_y, self.pad_x),
                                           ("Dilation", self.dil_y, self.dil_x)), start=1):
            grid.addWidget(QLabel(label), r, 0)
            grid.addWidget(a, r, 1)
            grid.addWidget(b, r, 2)
            a.valueChanged.connect(self._axis_value_changed)
            b.valueChanged.connect(self._axis_value_changed)
        lay.addLayout(grid)
        self.link_axes = QCheckBox("Same for rows and columns", box)
        self.link_axes.setChecked(True)
        self.link_axes.toggled.connect(self._link_toggled)
        lay.addWidget(self.link_axes)
        form = QFormLayout()
        self.pad_kind = QComboBox(box)
        self.pad_kind.setAccessibleName("padding kind")
        for text, key in (("Number of cells", "number"), ("valid (no padding)", "valid"),
                          ("same (keep the size)", "same")):
            self.pad_kind.addItem(text, key)
        self.pad_kind.currentIndexChanged.connect(self._parameters_changed)
        form.addRow("Padding", self.pad_kind)
        self.mode_combo = QComboBox(box)
        self.mode_combo.setAccessibleName("padding mode")
        for m in PADDING_MODES:
            self.mode_combo.addItem(m, m)
        self.mode_combo.setToolTip("zeros: 0 around the input; reflect: mirror without the edge; "
                                   "replicate: repeat the edge; circular: wrap around")
        self.mode_combo.currentIndexChanged.connect(self._parameters_changed)
        form.addRow("Fill padding with", self.mode_combo)
        lay.addLayout(form)
        self.op_xcorr = QRadioButton("Cross-correlation (deep learning)", box)
        self.op_conv = QRadioButton("True convolution (kernel flipped)", box)
        self.op_xcorr.setChecked(True)
        self._op_group = QButtonGroup(box)
        self._op_group.addButton(self.op_xcorr)
        self._op_group.addButton(self.op_conv)
        self.op_conv.toggled.connect(self._parameters_changed)
        lay.addWidget(self.op_xcorr)
        lay.addWidget(self.op_conv)
        note = QLabel(OPERATION_NOTE, box)
        note.setWordWrap(True)
        note.setStyleSheet("color: #4a5560;")
        lay.addWidget(note)
        return box

    def _build_views(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)

        def column(title: QLabel, view: MatrixView, extra: QWidget | None = None, stretch: int = 3):
            col = QVBoxLayout()
            head = QHBoxLayout()
            head.addStretch(1)
            head.addWidget(title)
            if extra is not None:
                head.addWidget(extra)
            head.addStretch(1)
            col.addLayout(head)
            col.addWidget(view, 1)
            row.addLayout(col, stretch)
            view.resized.connect(self._equalize_soon)

        def operator(text: str) -> None:
            label = QLabel(text)
            f = label.font()
            f.setPointSizeF(max(1.0, f.pointSizeF()) * 2)
            f.setBold(True)
            label.setFont(f)
            label.setStyleSheet("color: #5c6773;")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            row.addWidget(label)
            self._operator_labels.append(label)

        self._operator_labels: list[QLabel] = []
        self.input_title = _title("Padded input")
        self.input_channel = QComboBox(self)
        self.input_channel.setAccessibleName("input channel shown")
        self.input_channel.currentIndexChanged.connect(self._channel_choice_changed)
        self.input_view = MatrixView(self)
        self.input_view.setAccessibleName("padded input view")
        column(self.input_title, self.input_view, self.input_channel, 4)
        operator("∗")
        self.kernel_title = _title("Kernel")
        self.kernel_view = MatrixView(self)
        self.kernel_view.setAccessibleName("kernel view")
        column(self.kernel_title, self.kernel_view, None, 2)
        operator("=")
        self.output_title = _title("Output")
        out_extra = QWidget(self)
        oh = QHBoxLayout(out_extra)
        oh.setContentsMargins(0, 0, 0, 0)
        self.channel_label = QLabel("channel", out_extra)
        self.output_channel = _spin(1, 1, 1, "Which output channel (kernel) to show", "output channel")
        self.output_channel.valueChanged.connect(self._channel_choice_changed)
        oh.addWidget(self.channel_label)
        oh.addWidget(self.output_channel)
        self.output_channel_box = out_extra
        self.output_view = MatrixView(self)
        self.output_view.setAccessibleName("output view")
        column(self.output_title, self.output_view, out_extra, 4)

        self._views_row = row
        self._equalize_timer = QTimer(self)
        self._equalize_timer.setSingleShot(True)
        self._equalize_timer.setInterval(0)
        self._equalize_timer.timeout.connect(self._equalize_cells)
        self.input_view.hovered.connect(self._input_hovered)
        self.output_view.hovered.connect(self._output_hovered)
        self.output_view.clicked.connect(self._output_clicked)
        self.input_view.clicked.connect(self._input_clicked)
        return row

    def _build_step_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()

        style = self.style()
        SP = QStyle.StandardPixmap

        def button(text: str, icon, tip: str, slot) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            if icon is not None:
                b.setIcon(style.standardIcon(icon))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        self.start_button = button("Start", SP.SP_MediaSkipBackward, "Jump to the first output cell (Home)",
                                   self.stepper.to_start)
        self.back_button = button("Back", SP.SP_MediaSeekBackward, "Step back one cell (Left)",
                                  self.stepper.step_back)
        self.play_button = button("Play", SP.SP_MediaPlay, "Play / pause the sliding window (Space)",
                                  self.stepper.toggle_play)
        self.play_button.setMinimumWidth(80)
        self.forward_button = button("Step", SP.SP_MediaSeekForward, "Step forward one cell (Right)",
                                     self.stepper.step_forward)
        self.end_button = button("End", SP.SP_MediaSkipForward, "Jump to the last output cell (End)",
                                 self.stepper.to_end)
        self.all_button = button("Show all", None, "Show the whole output again", self.stepper.stop_stepping)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Speed"))
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(SPEEDS.index(2.0))
        self.speed_slider.setMaximumWidth(160)
        self.speed_slider.setAccessibleName("speed")
        self.speed_slider.valueChanged.connect(self._speed_changed)
        bar.addWidget(self.speed_slider)
        self.speed_label = QLabel(self)
        self.speed_label.setMinimumWidth(70)
        bar.addWidget(self.speed_label)
        self._speed_changed(self.speed_slider.value())
        bar.addSpacing(12)
        self.position_label = QLabel(self)
        self.position_label.setObjectName("position")
        bar.addWidget(self.position_label, 1)
        self.busy_label = QLabel("computing…", self)
        self.busy_label.setStyleSheet("color: #e8590c;")
        self.busy_label.hide()
        bar.addWidget(self.busy_label)
        self.export_button = QToolButton(self)
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(self.export_button)
        return bar

    def _build_actions(self) -> None:
        def action(text: str, keys, slot) -> QAction:
            a = QAction(text, self)
            if keys is not None:
                a.setShortcut(QKeySequence(keys))
                # Only while this tab shows: the other tabs keep their own keys.
                a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.addAction(a)
            a.triggered.connect(slot)
            return a

        self.play_action = action("Play / pause", Qt.Key.Key_Space, self.stepper.toggle_play)
        self.forward_action = action("Step forward", Qt.Key.Key_Right, self.stepper.step_forward)
        self.back_action = action("Step back", Qt.Key.Key_Left, self.stepper.step_back)
        self.start_action = action("Jump to the first cell", Qt.Key.Key_Home, self.stepper.to_start)
        self.end_action = action("Jump to the last cell", Qt.Key.Key_End, self.stepper.to_end)
        self.all_action = action("Show the whole output", None, self.stepper.stop_stepping)
        self.course_action = action("Course example", None, lambda: self.load_course_example(*COURSE_SETTINGS[0]))
        self.export_actions = [
            action("Export output as CSV…", None, lambda: self.export_matrix_dialog("csv")),
            action("Export output as Markdown…", None, lambda: self.export_matrix_dialog("markdown")),
            action("Export output as LaTeX…", None, lambda: self.export_matrix_dialog("latex")),
            action("Copy output (for a spreadsheet)", None, lambda: self.copy_output("tsv")),
            action("Copy output as LaTeX", None, lambda: self.copy_output("latex")),
            action("Save view as PNG…", None, lambda: self.export_view_dialog("png")),
            action("Save view as SVG…", None, lambda: self.export_view_dialog("svg")),
        ]
        menu = QMenu(self)
        menu.addActions(self.export_actions)
        self.export_button.setMenu(menu)

    def panel_actions(self) -> list[QAction]:
        sep = QAction(self)
        sep.setSeparator(True)
        return [self.play_action, self.forward_action, self.back_action, self.start_action,
                self.end_action, self.all_action, sep, self.course_action, *self.export_actions]

    # ==== what the user set ====================================================================
    def spec(self) -> ConvSpec:
        kind = self.pad_kind.currentData()
        padding: tuple[int, int] | str = kind if kind in ("same", "valid") else (self.pad_y.value(),
                                                                                  self.pad_x.value())
        return ConvSpec(stride=(self.stride_y.value(), self.stride_x.value()), padding=padding,
                        dilation=(self.dil_y.value(), self.dil_x.value()),
                        padding_mode=self.mode_combo.currentData(), flip=self.op_conv.isChecked(),
                        bias=float(self.bias_spin.value()))

    def kernels(self) -> np.ndarray:
        """All kernels, (O, C, kh, kw)."""
        return self._kernels.copy()

    def source_array(self) -> np.ndarray:
        if self._source_kind == "matrix" or self._image is None:
            return self.input_editor.matrix()[None]
        return self._image

    def output(self) -> np.ndarray | None:
        """The last computed output, (O, Ho, Wo), or None when there is an error."""
        return None if self._result is None else self._result.output

    def result(self) -> ConvResult | None:
        return self._result

    def _crop_and_size(self):
        if self._source_kind == "matrix" or self._image is None:
            return None, None
        _, h, w = self._image.shape
        crop = (self.crop_top.value(), self.crop_left.value(), self.crop_h.value(), self.crop_w.value())
        full = crop == (0, 0, h, w)
        side = self.size_spin.value()
        ch, cw = min(crop[2], h - crop[0]), min(crop[3], w - crop[1])
        return (None if full else crop), (None if side >= max(ch, cw) else side)

    # ==== recompute ============================================================================
    def _make_job(self) -> ConvJob:
        crop, side = self._crop_and_size()
        return ConvJob(next(self._job_ids), self.source_array(), crop, side, self._kernels.copy(), self.spec())

    def recompute(self) -> None:
        """Recompute after a change: at once for small inputs, on the worker for big ones."""
        src = self.source_array()
        if src.size <= SYNC_LIMIT:
            self._debounce.stop()
            self.recompute_now()
        else:
            self.busy_label.show()
            self._debounce.start()

    def recompute_now(self) -> None:
        """Compute and show the result on this thread (small inputs, benchmarks)."""
        job = self._make_job()
        self._latest_job = job.id  # any result still on its way from the worker is now stale
        self.busy_label.hide()
        self._apply_result(run_job(job))

    @Slot()
    def _submit_to_worker(self) -> None:
        if self._worker is None:
            self._thread = QThread()
            self._thread.setObjectName("conv-explorer-worker")
            self._worker = ConvWorker()
            self._worker.moveToThread(self._thread)
            self._worker.done.connect(self._worker_done)
            # The worker is dropped on the GUI thread in shutdown(), not deleteLater'd in its own
            # thread (see visualizer.ui.shell.threads.start_worker for the deadlock that avoids).
            self._thread.start()
        job = self._make_job()
        self._latest_job = job.id
        self._worker.submit(job)

    @Slot(object)
    def _worker_done(self, result: ConvResult) -> None:
        if result.job_id != self._latest_job:
            return  # a newer request is on its way
        self.busy_label.hide()
        self._apply_result(result)

    def is_busy(self) -> bool:
        return self.busy_label.isVisibleTo(self) or self._debounce.isActive()

    def _apply_result(self, r: ConvResult) -> None:
        self._result = r
        self._refresh_channel_controls()
        self._update_formula()
        if r.error:
            self.output_view.set_message(r.error)
            self.emit_status(r.error, 8000)
            self.stepper.set_total(0)
        else:
            ho, wo = r.output.shape[1:]
            self.stepper.set_total(ho * wo)
        self._show_matrices()
        self._update_step_visuals()

    # ==== showing ==============================================================================
    def _refresh_channel_controls(self) -> None:
        r = self._result
        channels = r.kernels.shape[1]
        self._syncing = True
        try:
            want = ["Colour", *CHANNEL_NAMES] if channels == 3 else [f"channel {i + 1}" for i in range(channels)]
            if channels == 1:
                want = []
            have = [self.input_channel.itemText(i) for i in range(self.input_channel.count())]
            if have != want:
                self.input_channel.clear()
                self.input_channel.addItems(want)
            self.input_channel.setVisible(bool(want))
            slices = ["All channels", *(CHANNEL_NAMES if channels == 3 else [f"{i + 1}" for i in range(channels)])]
            have = [self.slice_combo.itemText(i) for i in range(self.slice_combo.count())]
            if have != slices:
                self.slice_combo.clear()
                self.slice_combo.addItems(slices)
            self.slice_combo.setVisible(channels > 1)
            self.slice_label.setVisible(channels > 1)
            o = r.kernels.shape[0]
            self.output_channel.setMaximum(o)
            self.output_channel_box.setVisible(o > 1)
            self.channel_label.setText(f"channel (of {o})")
        finally:
            self._syncing = False

    def _shown_input_channel(self) -> int | None:
        """Index of the input channel shown; None for the colour picture."""
        c = self._kernels.shape[1]
        if c == 1:
            return 0
        i = self.input_channel.currentIndex()
        if c == 3:
            return None if i <= 0 else i - 1
        return max(0, i)

    def _out_channel(self) -> int:
        return self.output_channel.value() - 1

    def _show_matrices(self) -> None:
        r = self._result
        if r is None:
            return
        ci = self._shown_input_channel()
        o = min(self._out_channel(), r.kernels.shape[0] - 1)
        if r.padded is not None:
            x = r.input
            top, _, left, _ = r.pads
            inner = (top, left, x.shape[1], x.shape[2])
            is_image = self._source_kind != "matrix"
            fixed = (0.0, 255.0) if is_image else None
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
            which = f", slice {CHANNEL_NAMES[c] if r.kernels.shape[1] == 3 else c + 1}"
        flipped = ", flipped" if r.spec.flip else ""
        self.kernel_title.setText(f"Kernel {kh}×{kw}{which}{flipped}")
        if r.output is not None:
            out = r.output[o]
            self.output_view.set_matrix(out, scale=ColourScale.for_values(out, "auto"))
            O, ho, wo = r.output.shape
            chans = f"×{O} channels" if O > 1 else ""
            span = ""
            if out.size > MAX_CELLS * MAX_CELLS:
                # the heat map's colours leave out the extremes; say what they are
                span = f"  ·  min {format_number(out.min(), 4)}, max {format_number(out.max(), 4)}"
            self.output_title.setText(f"Output {ho}×{wo}{chans}{span}")
        else:
            self.output_title.setText("Output")
        self._equalize_soon()

    @Slot()
    def _equalize_soon(self) -> None:
        self._equalize_timer.start()

    @Slot()
    def _equalize_cells(self) -> None:
        """Give the three views room in proportion to their columns and one common cell size,
        so the kernel's cells are the same size as the input cells it slides over."""
        views = (self.input_view, self.kernel_view, self.output_view)
        in_cells = [v for v in views if v.mode() == "cells"]
        cols = [v.model.shape[1] if v in in_cells else 0 for v in views]
        wide = max(8, sum(cols))  # a heat map or a message gets as much room as all the cells
        for index, (v, c) in zip((0, 2, 4), zip(views, cols)):
            if v in in_cells:
                weight = max(1, c)
            elif v.mode() == "message":
                weight = max(4, wide // 2)
            else:
                weight = wide if v is not self.kernel_view else max(3, wide // 3)
            self._views_row.setStretch(index, weight)
        limit = min((v.cells.natural_cell_size() for v in in_cells), default=None)
        for v in views:
            v.set_cell_limit(limit if v in in_cells else None)

    def _update_formula(self) -> None:
        r = self._result
        rep = r.report
        parts = ["<b>Output size</b> per axis: ⌊(N + 2P − D·(K − 1) − 1) / S⌋ + 1"]
        if rep is not None:
            parts.append(f"rows: {rep.rows.formula}<br>columns: {rep.cols.formula}")
            if not rep.error and not r.error:
                o = r.kernels.shape[0]
                chans = f" × {o} channels" if o > 1 else ""
                parts.append(f"<b>Output: {rep.out_shape[0]} × {rep.out_shape[1]}{chans}</b>")
            for w in rep.warnings:
                parts.append(f"<span style='color:#b35c00'>⚠ {w}</span>")
        if r.error:
            parts.append(f"<span style='color:#c92a2a'><b>✖ {_html(_sentence(r.error))}</b></span>")
        self.formula.setText("<br>".join(parts))

    def _update_step_visuals(self) -> None:
        self._show_step()
        self._fit_explanation()

    def _show_step(self) -> None:
        r = self._result
        idx = self.stepper.current_index()
        if r is None or r.output is None:
            self.input_view.set_window([])
            self.position_label.setText("")
            self.explanation.setText("<i>Nothing to compute: see the red message.</i>" if r and r.error else "")
            return
        ho, wo = r.output.shape[1:]
        if idx is None:
            self.output_view.set_revealed(None)
            self.output_view.set_current(None)
            self.input_view.set_window([])
            self.position_label.setText(f"{ho * wo} output cells")
            self.explanation.setText(
                "Press <b>Space</b> to play, <b>→</b> to step, or click an output cell to see how it is "
                "computed. Hover a cell to see where it comes from or what it feeds.")
            return
        y, x = divmod(idx, wo)
        kh, kw = r.kernels.shape[2:]
        self.output_view.set_revealed(idx + 1)
        self.output_view.set_current((y, x))
        self.input_view.set_window(window(y, x, (kh, kw), r.spec))
        self.position_label.setText(f"Cell {idx + 1} of {ho * wo}: row {y + 1}, column {x + 1}")
        try:
            exp = explain_cell(r.input, r.kernels, r.spec, min(self._out_channel(), r.kernels.shape[0] - 1), y, x)
        except UserInputError as exc:
            self.explanation.setText(_html(str(exc)))
            return
        self._explanation_text = exp.text
        where = f"row {y + 1}, column {x + 1}"
        if r.kernels.shape[0] > 1:
            where += f", channel {exp.out_channel + 1}"
        if r.kernels.shape[1] > 1:
            body = _per_channel_html(exp, r.kernels.shape[1])
        else:
            body = _html(exp.text)
        self.explanation.setText(f"<b>Output {where}</b> = {body}")

    def _fit_explanation(self) -> None:
        """As tall as the arithmetic needs, up to a third of the figure (then it scrolls)."""
        label = self.explanation
        width = max(100, self.explanation_scroll.viewport().width())
        need = label.heightForWidth(width) + 4  # heightForWidth includes the style sheet padding
        cap = max(80, self.figure.height() // 3)
        self.explanation_scroll.setFixedHeight(min(max(need, 40), cap))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_explanation()

    def explanation_text(self) -> str:
        """The arithmetic shown for the current cell, as plain text."""
        return self.explanation.text() if self.stepper.current_index() is None else self._explanation_text

    # ==== reactions ============================================================================
    @Slot(bool, int)
    def _step_changed(self, stepping: bool, position: int) -> None:
        self._update_step_visuals()

    @Slot(bool)
    def _playing_changed(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        sp = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(sp))

    @Slot(int)
    def _speed_changed(self, i: int) -> None:
        v = SPEEDS[i]
        self.stepper.set_speed(v)
        self.speed_label.setText(f"{format_number(v)} cells/s")

    @Slot(int, int)
    def _output_clicked(self, y: int, x: int) -> None:
        r = self._result
        if r is not None and r.output is not None:
            self.stepper.pause()
            self.stepper.jump_to(y * r.output.shape[2] + x)

    @Slot(int, int)
    def _input_clicked(self, y: int, x: int) -> None:
        self._input_hovered(y, x)

    @Slot(int, int)
    def _output_hovered(self, y: int, x: int) -> None:
        r = self._result
        if r is None or r.output is None or y < 0:
            self.input_view.set_marks([])
            self.output_view.set_marks([])
            return
        cells = window(y, x, r.kernels.shape[2:], r.spec)
        self.input_view.set_marks(cells)
        self.output_view.set_marks([], hover=(y, x))
        value = r.output[min(self._out_channel(), r.output.shape[0] - 1), y, x]
        self.emit_status(f"Output row {y + 1}, column {x + 1} = {format_number(value)}: reads the "
                         f"{len(cells)} highlighted input cells", 4000)

    @Slot(int, int)
    def _input_hovered(self, y: int, x: int) -> None:
        r = self._result
        if r is None or r.padded is None or y < 0:
            self.output_view.set_marks([])
            self.input_view.set_marks([])
            return
        fed = outputs_fed_by(y, x, r.input.shape[1:], r.kernels.shape[2:], r.spec) if r.output is not None else []
        self.output_view.set_marks(fed)
        self.input_view.set_marks([], hover=(y, x))
        ci = self._shown_input_channel() or 0
        value = r.padded[ci, y, x]
        where = "padding" if self.input_view.model.is_padding(y, x) else "input"
        self.emit_status(f"Padded {where} cell row {y + 1}, column {x + 1} = {format_number(value)} "
                         f"feeds {len(fed)} output cell{'s' if len(fed) != 1 else ''}", 4000)

    @Slot()
    def _channel_choice_changed(self) -> None:
        if self._syncing or self._result is None:
            return
        self._show_kernel_in_editor()
        self._show_matrices()
        self._update_step_visuals()

    @Slot(str)
    def _editor_problem(self, text: str) -> None:
        if text:
            self.emit_status(text, 0)
        else:
            self.emit_status("All cells are numbers again", 3000)

    @Slot(object)
    def _typed_input_changed(self, m: np.ndarray) -> None:
        if self._source_kind == "matrix":
            self.recompute()

    def _slice_index(self) -> int | None:
        """Kernel slice the editor writes to; None for every slice."""
        i = self.slice_combo.currentIndex()
        return None if i <= 0 or self._kernels.shape[1] == 1 else i - 1

    @Slot(object)
    def _kernel_edited(self, m: np.ndarray) -> None:
        o = self._out_channel()
        k = self._kernels
        if m.shape != k.shape[2:]:
            # A new kernel size applies to every kernel and slice; kept weights stay in place.
            new = np.zeros(k.shape[:2] + m.shape)
            h, w = min(m.shape[0], k.shape[2]), min(m.shape[1], k.shape[3])
            new[:, :, :h, :w] = k[:, :, :h, :w]
            k = new
        s = self._slice_index()
        if s is None:
            k[o, :] = m
        else:
            k[o, s] = m
        self._kernels = k
        self.recompute()

    @Slot()
    def _show_kernel_in_editor(self) -> None:
        if self._syncing:
            return
        o = min(self._out_channel(), self._kernels.shape[0] - 1)
        s = self._slice_index()
        self.kernel_editor.set_matrix(self._kernels[o, 0 if s is None else s])

    @Slot(int)
    def _kernel_count_changed(self, n: int) -> None:
        if self._syncing:
            return
        k = self._kernels
        if n < k.shape[0]:
            k = k[:n].copy()
        elif n > k.shape[0]:
            # New kernels start random so that each output channel differs.
            rng = np.random.default_rng(next(self._random_seed))
            extra = np.round(rng.uniform(-1.0, 1.0, (n - k.shape[0],) + k.shape[1:]), 2)
            k = np.concatenate([k, extra])
        self._kernels = k
        self.output_channel.setMaximum(n)
        self.recompute()

    @Slot(int)
    def _preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        self.preset_combo.setCurrentIndex(0)
        if name:
            self.apply_kernel_preset(name)

    def apply_kernel_preset(self, name: str) -> None:
        kh, kw = self._kernels.shape[2:]
        size = kh if kh == kw and name in ("identity", "box-blur", "gaussian", "random") else 3
        if name == "identity" and size % 2 == 0:
            size = 3
        o = self._out_channel()
        s = self._slice_index()
        slices = range(self._kernels.shape[1]) if s is None else [s]
        try:
            mats = {c: kernel_preset(name, size, seed=next(self._random_seed)) for c in slices}
        except UserInputError as exc:
            self.emit_status(str(exc), 6000)
            return
        k = self._kernels
        if (size, size) != k.shape[2:]:
            old = k
            k = np.zeros(old.shape[:2] + (size, size))
            h, w = min(size, old.shape[2]), min(size, old.shape[3])
            k[:, :, :h, :w] = old[:, :, :h, :w]
        for c, m in mats.items():
            k[o, c] = m
        self._kernels = k
        self._show_kernel_in_editor()
        self.emit_status(f"Kernel {o + 1}: {preset_labels('kernels').get(name, name)}", 3000)
        self.recompute()

    @Slot()
    def normalize_kernel(self) -> None:
        o = self._out_channel()
        s = self._slice_index()
        part = self._kernels[o] if s is None else self._kernels[o, s]
        total = float(part.sum())
        if abs(total) < 1e-12:
            self.emit_status("This kernel sums to 0 (like an edge detector), so it cannot be scaled to "
                             "sum 1", 6000)
            return
        if s is None:
            self._kernels[o] = part / total
        else:
            self._kernels[o, s] = part / total
        self._show_kernel_in_editor()
        self.emit_status(f"Kernel divided by its sum {format_number(total)}", 3000)
        self.recompute()

    @Slot()
    def _axis_value_changed(self) -> None:
        if self._syncing:
            return
        sender = self.sender()
        if self.link_axes.isChecked():
            pairs = ((self.stride_y, self.stride_x), (self.pad_y, self.pad_x), (self.dil_y, self.dil_x))
            for a, b in pairs:
                if sender is a or sender is b:
                    other = b if sender is a else a
                    self._syncing = True
                    other.setValue(sender.value())
                    self._syncing = False
            if sender in (self.pad_y, self.pad_x) and self.pad_kind.currentData() != "number":
                self.pad_kind.setCurrentIndex(0)  # typing a padding means "this many cells"
        elif sender in (self.pad_y, self.pad_x) and self.pad_kind.currentData() != "number":
            self.pad_kind.setCurrentIndex(0)
        self._parameters_changed()

    @Slot(bool)
    def _link_toggled(self, on: bool) -> None:
        if on:
            self._syncing = True
            self.stride_x.setValue(self.stride_y.value())
            self.pad_x.setValue(self.pad_y.value())
            self.dil_x.setValue(self.dil_y.value())
            self._syncing = False
            self._parameters_changed()

    @Slot()
    def _parameters_changed(self) -> None:
        if self._syncing:
            return
        number = self.pad_kind.currentData() == "number"
        self.pad_y.setEnabled(number)
        self.pad_x.setEnabled(number)
        self.recompute()

    # ==== inputs ===============================================================================
    @Slot(int)
    def _source_chosen(self, index: int) -> None:
        kind, name = self.source_combo.itemData(index)
        if kind == "array":
            return
        if kind == "matrix":
            self.use_typed_matrix()
        elif kind == "sample":
            self.load_sample(name)
        else:
            self.open_image_dialog()

    def _select_source_item(self) -> None:
        # An image handed over as an array gets its own entry while it is in use.
        for i in reversed(range(self.source_combo.count())):
            if self.source_combo.itemData(i)[0] == "array":
                self.source_combo.removeItem(i)
        if self._source_kind == "array":
            self.source_combo.addItem(f"Image: {self._source_name}", ("array", self._source_name))
        for i in range(self.source_combo.count()):
            kind, name = self.source_combo.itemData(i)
            if kind == self._source_kind and (kind not in ("sample", "array") or name == self._source_name):
                self.source_combo.setCurrentIndex(i)
                return

    def use_typed_matrix(self) -> None:
        self._source_kind, self._source_name, self._image = "matrix", "", None
        self._select_source_item()
        self.input_editor.show()
        self.image_box.hide()
        self._match_kernel_channels(1)
        self.recompute()

    @Slot()
    def open_image_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", f"Images ({patterns});;All files (*)")
        if path:
            self.load_image_file(path)
        else:
            self._select_source_item()

    def load_image_file(self, path: str | Path, channels: str | None = None, kind: str = "file",
                        name: str | None = None) -> bool:
        """Load an image as the input; an error dialog when it cannot be read."""
        if channels is not None:
            i = self.channels_combo.findData(channels)
            if i >= 0:
                self._syncing = True
                self.channels_combo.setCurrentIndex(i)
                self._syncing = False
        try:
            image = load_image(path, self.channels_combo.currentData())
        except UserInputError as exc:
            QMessageBox.critical(self, "Cannot open image", _sentence(str(exc)))
            self._select_source_item()
            return False
        self._image = image
        self._source_kind = kind
        self._source_name = name if name is not None else str(path)
        self._select_source_item()
        self.input_editor.hide()
        self.image_box.show()
        c, h, w = image.shape
        label = f"sample “{name}”" if kind == "sample" else Path(path).name
        colour = "RGB" if c == 3 else "grayscale"
        self.image_label.setText(f"<b>{_html(label)}</b>: {w}×{h} pixels, {colour}")
        self._reset_image_geometry(recompute=False)
        self._match_kernel_channels(c)
        self.recompute()
        return True

    def use_image_array(self, image: np.ndarray, label: str = "image") -> None:
        """Use an array as the input image, (H, W) or (C, H, W) with values 0..255 (benchmarks,
        other tools handing over a picture). Not remembered between starts."""
        x = np.asarray(image, dtype=np.float64)
        x = x[None] if x.ndim == 2 else x
        if x.ndim != 3 or x.shape[0] not in (1, 3) or min(x.shape) < 1:
            raise UserInputError(f"an image must be H×W or C×H×W with 1 or 3 channels, got {x.shape}")
        self._image = np.ascontiguousarray(x)
        self._source_kind, self._source_name = "array", label
        self._select_source_item()
        self.input_editor.hide()
        self.image_box.show()
        colour = "RGB" if x.shape[0] == 3 else "grayscale"
        self.image_label.setText(f"<b>{_html(label)}</b>: {x.shape[2]}×{x.shape[1]} pixels, {colour}")
        self._reset_image_geometry(recompute=False)
        self._match_kernel_channels(x.shape[0])
        self.recompute()

    def set_kernels(self, kernels: np.ndarray) -> None:
        """Use these kernels: (kh, kw), (C, kh, kw) or (O, C, kh, kw); sizes up to 11×11."""
        k = np.asarray(kernels, dtype=np.float64)
        channels = self._kernels.shape[1]
        if k.ndim == 2:
            k = np.repeat(k[None, None], channels, axis=1)
        elif k.ndim == 3:
            k = k[None]
        if k.ndim != 4 or k.shape[1] != channels or max(k.shape[2:]) > MAX_KERNEL or min(k.shape) < 1:
            raise UserInputError(f"kernels of shape {np.shape(kernels)} do not fit an input with {channels} channels")
        self._kernels = k.copy()
        self._syncing = True
        try:
            self.kernel_count.setValue(k.shape[0])
            self.output_channel.setMaximum(k.shape[0])
        finally:
            self._syncing = False
        self._show_kernel_in_editor()
        self.recompute()

    def load_sample(self, name: str) -> bool:
        samples = sample_images()
        if name not in samples:
            self.emit_status(f"No sample image called {name!r}", 6000)
            return False
        return self.load_image_file(samples[name], kind="sample", name=name)

    @Slot()
    def _reload_image(self) -> None:
        if self._syncing or self._source_kind not in ("sample", "file"):
            return
        path = sample_images().get(self._source_name) if self._source_kind == "sample" else self._source_name
        if path:
            self.load_image_file(path, kind=self._source_kind, name=self._source_name)

    def _reset_image_geometry(self, recompute: bool = True) -> None:
        if self._image is None:
            return
        _, h, w = self._image.shape
        self._syncing = True
        try:
            self.crop_top.setRange(0, h - 1)
            self.crop_left.setRange(0, w - 1)
            self.crop_h.setRange(1, h)
            self.crop_w.setRange(1, w)
            self.crop_top.setValue(0)
            self.crop_left.setValue(0)
            self.crop_h.setValue(h)
            self.crop_w.setValue(w)
            side = max(h, w)
            self.size_slider.setRange(1, side)
            self.size_spin.setRange(1, side)
            self.size_spin.setValue(side)
            self.size_slider.setValue(side)
        finally:
            self._syncing = False
        if recompute:
            self.recompute()

    @Slot()
    def _image_geometry_changed(self) -> None:
        if self._syncing or self._image is None:
            return
        self.recompute()

    def _match_kernel_channels(self, channels: int) -> None:
        k = self._kernels
        if k.shape[1] != channels:
            # Every channel starts with the kernel's first slice: a blur stays a blur on RGB.
            self._kernels = np.repeat(k[:, :1], channels, axis=1)
            self._syncing = True
            self.slice_combo.setCurrentIndex(0)
            self._syncing = False

    @Slot()
    def image_to_grid(self) -> bool:
        """Make the current (cropped, shrunk) picture the typed matrix, one channel of it."""
        r = self._result
        if r is None or r.input is None or self._source_kind == "matrix":
            return False
        c, h, w = r.input.shape
        if max(h, w) > MAX_INPUT_CELLS:
            self.emit_status(f"The picture is {h}×{w}; crop or shrink it to at most {MAX_INPUT_CELLS}×"
                             f"{MAX_INPUT_CELLS} pixels to edit it as numbers", 8000)
            return False
        channel = self._shown_input_channel()
        values = r.input[0 if channel is None else channel]
        matrix = np.round(values, 2)
        self.input_editor.set_matrix(matrix)
        self.use_typed_matrix()
        name = "" if c == 1 else f" (channel {CHANNEL_NAMES[channel or 0] if c == 3 else (channel or 0) + 1})"
        self.emit_status(f"The picture{name} is now the typed matrix: change any pixel in the grid", 6000)
        return True

    def _dropped_image(self, event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [u.toLocalFile() for u in urls if u.isLocalFile()]
        return next((p for p in paths if Path(p).suffix.lower() in IMAGE_SUFFIXES), None)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._dropped_image(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._dropped_image(event)
        if path:
            event.acceptProposedAction()
            self.load_image_file(path)

    # ==== course ===============================================================================
    def load_course_example(self, stride: int = 2, padding: int = 1) -> None:
        """The course's 5×5 input and normalized filter with one of its two settings."""
        self.stepper.stop_stepping()
        self._syncing = True
        try:
            self._source_kind, self._source_name, self._image = "matrix", "", None
            self.input_editor.set_matrix(COURSE_INPUT)
            self.input_editor.show()
            self.image_box.hide()
            self._kernels = kernel_preset(COURSE_KERNEL)[None, None].copy()
            self.kernel_count.setValue(1)
            self.output_channel.setValue(1)
            self.bias_spin.setValue(0.0)
            self.op_xcorr.setChecked(True)
            self.mode_combo.setCurrentIndex(0)
            self.dil_y.setValue(1)
            self.dil_x.setValue(1)
            self.link_axes.setChecked(True)
        finally:
            self._syncing = False
        self._select_source_item()
        self._show_kernel_in_editor()
        self.apply_course_setting(stride, padding)

    def apply_course_setting(self, stride: int, padding: int) -> None:
        self._syncing = True
        try:
            self.stride_y.setValue(stride)
            self.stride_x.setValue(stride)
            self.pad_kind.setCurrentIndex(0)
            self.pad_y.setValue(padding)
            self.pad_x.setValue(padding)
            self.mode_combo.setCurrentIndex(0)
            self.op_xcorr.setChecked(True)
        finally:
            self._syncing = False
        self._parameters_changed()

    # ==== export ===============================================================================
    def current_output(self) -> np.ndarray | None:
        out = self.output()
        return None if out is None else out[min(self._out_channel(), out.shape[0] - 1)]

    def export_matrix(self, path: str | Path, fmt: str) -> Path:
        out = self.current_output()
        if out is None:
            raise UserInputError("there is no output to export (see the message beside the formula)")
        target = conv_export.with_suffix(path, conv_export.TEXT_FORMATS[fmt][1])
        conv_export.save_matrix(target, out, fmt)
        return target

    def export_matrix_dialog(self, fmt: str) -> None:
        filt, suffix, _ = conv_export.TEXT_FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(self, "Export the output", f"output{suffix}", filt)
        if not path:
            return
        try:
            target = self.export_matrix(path, fmt)
        except UserInputError as exc:
            QMessageBox.warning(self, "Export failed", _sentence(str(exc)))
            return
        self.emit_status(f"Saved {target}", 5000)

    def copy_output(self, fmt: str = "tsv") -> None:
        out = self.current_output()
        if out is None:
            self.emit_status("There is no output to copy", 4000)
            return
        conv_export.copy_matrix(out, fmt)
        self.emit_status(f"Output ({out.shape[0]}×{out.shape[1]}) copied to the clipboard", 4000)

    def export_view(self, path: str | Path, fmt: str) -> Path:
        target = conv_export.with_suffix(path, "." + fmt)
        if fmt == "svg":
            conv_export.save_svg(self.figure, target)
        else:
            conv_export.save_png(self.figure, target)
        return target

    def export_view_dialog(self, fmt: str) -> None:
        filt = "PNG image (*.png)" if fmt == "png" else "SVG drawing (*.svg)"
        path, _ = QFileDialog.getSaveFileName(self, "Save the view", f"convolution.{fmt}", filt)
        if not path:
            return
        try:
            target = self.export_view(path, fmt)
        except UserInputError as exc:
            QMessageBox.warning(self, "Save failed", _sentence(str(exc)))
            return
        self.emit_status(f"Saved {target}", 5000)

    # ==== panel contract =======================================================================
    def save_state(self) -> dict[str, Any]:
        spec = self.spec()
        state: dict[str, Any] = {
            "version": 1,
            "source": self._source_kind if self._source_kind in ("sample", "file") else "matrix",
            "matrix": self.input_editor.matrix().tolist(),
            "kernels": self._kernels.tolist(),
            "stride": list(spec.stride),
            "padding": spec.padding if isinstance(spec.padding, str) else list(spec.padding),
            "padding_numbers": [self.pad_y.value(), self.pad_x.value()],
            "dilation": list(spec.dilation),
            "padding_mode": spec.padding_mode,
            "flip": spec.flip,
            "bias": spec.bias,
            "link_axes": self.link_axes.isChecked(),
            "speed": self.speed_slider.value(),
        }
        if self._source_kind in ("sample", "file"):
            state["image"] = self._source_name
            state["channels"] = self.channels_combo.currentData()
            state["crop"] = [self.crop_top.value(), self.crop_left.value(), self.crop_h.value(), self.crop_w.value()]
            state["longest_side"] = self.size_spin.value()
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        try:
            self._restore(state)
        except (UserInputError, ValueError, TypeError, KeyError, IndexError) as exc:
            self.emit_status(f"Could not restore the convolution explorer ({exc}); showing the course example",
                             8000)
            self.load_course_example(*COURSE_SETTINGS[0])

    def _restore(self, state: dict[str, Any]) -> None:
        self.stepper.stop_stepping()
        matrix = np.array(state.get("matrix", COURSE_INPUT), dtype=np.float64)
        if matrix.ndim != 2 or not 1 <= min(matrix.shape) or max(matrix.shape) > MAX_INPUT_CELLS \
                or not np.isfinite(matrix).all():
            raise ValueError("bad input matrix")
        kernels = np.array(state.get("kernels", self._kernels), dtype=np.float64)
        if kernels.ndim != 4 or min(kernels.shape) < 1 or max(kernels.shape[2:]) > MAX_KERNEL \
                or kernels.shape[0] > MAX_KERNELS or not np.isfinite(kernels).all():
            raise ValueError("bad kernels")
        self._syncing = True
        try:
            self.input_editor.set_matrix(matrix)
            self.link_axes.setChecked(bool(state.get("link_axes", True)))
            sy, sx = (int(v) for v in state.get("stride", (1, 1)))
            self.stride_y.setValue(sy)
            self.stride_x.setValue(sx)
            py, px = (int(v) for v in state.get("padding_numbers", (0, 0)))
            self.pad_y.setValue(py)
            self.pad_x.setValue(px)
            padding = state.get("padding", [py, px])
            self.pad_kind.setCurrentIndex(max(0, self.pad_kind.findData(padding if isinstance(padding, str)
                                                                        else "number")))
            if not isinstance(padding, str):
                self.pad_y.setValue(int(padding[0]))
                self.pad_x.setValue(int(padding[1]))
            dy, dx = (int(v) for v in state.get("dilation", (1, 1)))
            self.dil_y.setValue(dy)
            self.dil_x.setValue(dx)
            self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(state.get("padding_mode", "zeros"))))
            (self.op_conv if state.get("flip") else self.op_xcorr).setChecked(True)
            self.bias_spin.setValue(float(state.get("bias", 0.0)))
            self.speed_slider.setValue(int(state.get("speed", self.speed_slider.value())))
            self.kernel_count.setValue(kernels.shape[0])
            self.output_channel.setMaximum(kernels.shape[0])
        finally:
            self._syncing = False
        self._kernels = kernels
        source = state.get("source", "matrix")
        loaded = False
        if source == "sample":
            loaded = self.load_sample(str(state.get("image", "")))
        elif source == "file":
            path = str(state.get("image", ""))
            if Path(path).is_file():
                loaded = self.load_image_file(path, channels=state.get("channels"))
            else:
                self.emit_status(f"The last image ({path}) is gone; showing the typed matrix", 8000)
        if loaded:
            self._kernels = kernels if kernels.shape[1] == self._image.shape[0] else self._kernels
            self._syncing = True
            try:
                crop = [int(v) for v in state.get("crop", [])]
                if len(crop) == 4:
                    for spin, v in zip((self.crop_top, self.crop_left, self.crop_h, self.crop_w), crop):
                        spin.setValue(v)
                if "longest_side" in state:
                    self.size_spin.setValue(int(state["longest_side"]))
            finally:
                self._syncing = False
        else:
            self._source_kind, self._source_name, self._image = "matrix", "", None
            self.input_editor.show()
            self.image_box.hide()
            self._match_kernel_channels(1)
        self._select_source_item()
        self.pad_y.setEnabled(self.pad_kind.currentData() == "number")
        self.pad_x.setEnabled(self.pad_kind.currentData() == "number")
        self._show_kernel_in_editor()
        self.recompute()

    def apply_settings(self, settings: dict[str, Any]) -> None:
        if "theme" in settings:
            from visualizer.ui.shell.theme import resolve

            self._apply_look(resolve(str(settings["theme"])))

    def _apply_look(self, look: str) -> None:
        """Boxes and heat maps to match a light or dark theme (the cells keep their own colours,
        chosen to read well on both and on a projector)."""
        dark = look == "dark"
        boxes = {
            "explanation": ("#3a3026", "#8a6a4a", "#f2e8dc") if dark else ("#fff8f0", "#f0c8a8", "#1b1f24"),
            "formula": ("#262c33", "#55606b", "#e3e8ee") if dark else ("#f4f7fb", "#c9d3df", "#1b1f24"),
        }
        for name, (bg, border, fg) in boxes.items():
            getattr(self, name).setStyleSheet(
                f"#{name} {{ background: {bg}; color: {fg}; border: 1px solid {border}; border-radius: 6px;"
                " padding: 8px; }")
        for view in (self.input_view, self.kernel_view, self.output_view):
            if view.heat is not None:
                view.heat.set_look(look)

    def set_lecture_mode(self, on: bool) -> None:
        self._lecture = on
        self.sidebar.setVisible(not on)
        self.export_button.setVisible(not on)
        self._fit_explanation()
        if on:
            self.output_view.setFocus()  # keys step through, not into a spin box

    def is_lecture_mode(self) -> bool:
        return self._lecture

    def shutdown(self) -> None:
        self.stepper.pause()
        self._debounce.stop()
        if self._thread is not None:
            self._worker.stop()
            self._thread.quit()
            # The worker stops between bands of work, so this normally returns at once; one band
            # of a huge image can take longer, and the thread must not be destroyed while it runs.
            if not self._thread.wait(2000):
                self._thread.wait(30000)
            self._thread = None
            self._worker = None

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def _scale_font(self, widget: QWidget, factor: float, bold: bool = False) -> None:
        f = QFont(self.font())
        f.setPointSizeF(max(1.0, f.pointSizeF()) * factor)
        f.setBold(bold)
        widget.setFont(f)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "explanation"):
            # Labels with their own font do not follow the panel's; scale them again.
            for label in self._operator_labels:
                self._scale_font(label, 2.0, bold=True)
            for label in (self.input_title, self.kernel_title, self.output_title):
                self._scale_font(label, 1.1, bold=True)
            self._scale_font(self.explanation, 1.25)
            self._scale_font(self.formula, 1.0)
            self._scale_font(self.input_view.message_label, 1.2)
            self._fit_explanation()


def _per_channel_html(exp, channels: int) -> str:
    """The arithmetic of a multi-channel cell, one line per input channel."""
    def paren(v: float) -> str:
        t = format_number(v)
        return f"({t})" if t.startswith("−") else t

    lines = []
    for c in range(channels):
        name = CHANNEL_NAMES[c] if channels == 3 else f"channel {c + 1}"
        terms = [t for t in exp.terms if t.channel == c]
        subtotal = math.fsum(t.product for t in terms)
        text = " + ".join(f"{format_number(t.weight)}×{paren(t.value)}" for t in terms)
        lines.append(f"<i>{name}:</i> {_html(text)} = {_html(format_number(subtotal))}")
    tail = ""
    if exp.bias:
        tail = f" + bias {_html(paren(exp.bias))}"
    sums = " + ".join(paren(math.fsum(t.product for t in exp.terms if t.channel == c)) for c in range(channels))
    return ("<br>" + "<br>".join(lines) + f"<br><b>{_html(sums)}{tail} = {_html(format_number(exp.total))}</b>")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def main() -> int:
    from visualizer.ui.shell.application import create_application

    from PySide6.QtWidgets import QMainWindow

    app = create_application()
    window = QMainWindow()
    window.setWindowTitle("ConvViz — Convolution")
    panel = ConvExplorer()
    window.setCentralWidget(panel)
    panel.status_message.connect(window.statusBar().showMessage)
    window.resize(1500, 920)
    window.show()
    if "--lecture" in sys.argv:
        panel.set_lecture_mode(True)
        f = app.font()
        f.setPointSizeF(f.pointSizeF() * 1.6)
        panel.setFont(f)
    if "--sample" in sys.argv:
        panel.load_sample(sys.argv[sys.argv.index("--sample") + 1])
    if "--step" in sys.argv:
        for _ in range(int(sys.argv[sys.argv.index("--step") + 1])):
            panel.stepper.step_forward()
    app.aboutToQuit.connect(panel.shutdown)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
