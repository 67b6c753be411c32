"""The Input box: typed matrix or image (sample, file), the crop and the longest side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.errors import UserInputError
from visualizer.image_io import IMAGE_SUFFIXES, sample_images
from visualizer.ui.conv.common import html, sentence, spin
from visualizer.ui.conv.grid_editor import MatrixEditor
from visualizer.ui.conv.input_source import MAX_INPUT_CELLS
from visualizer.ui.conv.model import COURSE_SETTINGS, ConvModel
from visualizer.ui.conv.worker import ImageLoading
from visualizer.ui.shell.quietly import set_quietly


class InputBox(QGroupBox):
    #: A status line for the user (text, timeout in ms).
    status = Signal(str, int)

    def __init__(self, model: ConvModel, images: ImageLoading, parent: QWidget | None = None) -> None:
        super().__init__("Input", parent)
        self.model = model
        self.images = images  # decodes image files off the GUI thread
        images.failed.connect(self._load_failed)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.source_combo = QComboBox(self)
        self.source_combo.setAccessibleName("input source")
        self.source_combo.addItem("Typed matrix", ("matrix", ""))
        for name in sample_images():
            self.source_combo.addItem(f"Sample: {name}", ("sample", name))
        self.source_combo.addItem("Image file…", ("file", ""))
        self.source_combo.addItem("Course 1×1×3: RGB picture, 1×1×3 kernels", ("course-rgb", ""))
        self.source_combo.setToolTip("Type a matrix, or use an image: a bundled sample or a file")
        self.source_combo.activated.connect(self._source_chosen)
        row.addWidget(self.source_combo, 1)
        self.course_button = QPushButton("Course example", self)
        self.course_button.setToolTip("The course's 5×5 input with its normalized filter, stride 2, padding 1")
        self.course_button.clicked.connect(self.load_course_example)
        row.addWidget(self.course_button)
        lay.addLayout(row)

        self.input_editor = MatrixEditor("Input", MAX_INPUT_CELLS, model.matrix, self, cell_width=44)
        self.input_editor.matrix_changed.connect(self._typed)
        lay.addWidget(self.input_editor)

        self.image_box = QWidget(self)
        form = QFormLayout(self.image_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.image_label = QLabel("", self.image_box)
        self.image_label.setWordWrap(True)
        form.addRow(self.image_label)
        self.channels_combo = QComboBox(self.image_box)
        self.channels_combo.setAccessibleName("image channels")
        for text, key in (("As the file is", "auto"), ("Grayscale", "gray"), ("RGB", "rgb")):
            self.channels_combo.addItem(text, key)
        self.channels_combo.currentIndexChanged.connect(self._channels_chosen)
        form.addRow("Channels", self.channels_combo)
        self.crop_top = spin(0, 100000, 0, "First row of the crop", "crop top")
        self.crop_left = spin(0, 100000, 0, "First column of the crop", "crop left")
        self.crop_h = spin(1, 100000, 1, "Rows in the crop", "crop height")
        self.crop_w = spin(1, 100000, 1, "Columns in the crop", "crop width")
        for label, (a, b) in (("Crop from (row, col)", (self.crop_top, self.crop_left)),
                              ("Crop size (rows, cols)", (self.crop_h, self.crop_w))):
            pair = QHBoxLayout()
            pair.addWidget(a, 1)
            pair.addWidget(b, 1)
            a.valueChanged.connect(self._crop_edited)
            b.valueChanged.connect(self._crop_edited)
            form.addRow(label, pair)
        size_row = QHBoxLayout()
        self.size_slider = QSlider(Qt.Orientation.Horizontal, self.image_box)
        self.size_slider.setAccessibleName("longest side slider")
        self.size_spin = spin(1, 4096, 64, "Shrink the image so its longest side has at most this many "
                              "pixels (numbers show in the cells up to about 48)", "longest side")
        self.size_slider.valueChanged.connect(self.size_spin.setValue)
        self.size_spin.valueChanged.connect(self._side_edited)
        size_row.addWidget(self.size_slider, 1)
        size_row.addWidget(self.size_spin)
        form.addRow("Longest side", size_row)
        reset = QPushButton("Whole image", self.image_box)
        reset.setToolTip("Undo the crop and the shrinking")
        reset.clicked.connect(model.reset_image_geometry)
        self.to_grid_button = QPushButton("Edit as numbers", self.image_box)
        self.to_grid_button.setToolTip(f"Copy the picture (the channel shown, up to {MAX_INPUT_CELLS}×"
                                       f"{MAX_INPUT_CELLS} pixels) into the grid to change single pixels")
        self.to_grid_button.clicked.connect(self._to_grid)
        buttons = QHBoxLayout()
        buttons.addWidget(reset)
        buttons.addWidget(self.to_grid_button)
        form.addRow(buttons)
        lay.addWidget(self.image_box)
        self.image_box.hide()

        model.inputs_changed.connect(self.refresh)
        self.refresh()

    # ==== model -> widgets =====================================================================
    @Slot()
    def refresh(self) -> None:
        m = self.model
        if not np.array_equal(self.input_editor.matrix(), m.matrix):
            self.input_editor.set_matrix(m.matrix)
        image = m.is_image()
        self.input_editor.setVisible(not image)
        self.image_box.setVisible(image)
        self._select_source_item()
        set_quietly(self.channels_combo, "setCurrentIndex", max(0, self.channels_combo.findData(m.channels)))
        if not image:
            return
        c, h, w = m.image.shape
        label = f"sample “{m.source_name}”" if m.source_kind == "sample" else (
            Path(m.source_name).name if m.source_kind == "file" else m.source_name)
        if m.value_kind == "values":
            what = f"{c} channel{'s' if c > 1 else ''} of real values"
        else:
            what = "pixels, " + ("RGB" if c == 3 else "grayscale")
        self.image_label.setText(f"<b>{html(label)}</b>: {w}×{h} {what}")
        self.channels_combo.setEnabled(m.source_kind in ("sample", "file"))
        for box, (lo, hi), value in zip((self.crop_top, self.crop_left, self.crop_h, self.crop_w),
                                        ((0, h - 1), (0, w - 1), (1, h), (1, w)), m.crop):
            set_quietly(box, "setRange", lo, hi)
            set_quietly(box, "setValue", value)
        side = max(h, w)
        for box in (self.size_slider, self.size_spin):
            set_quietly(box, "setRange", 1, side)
            set_quietly(box, "setValue", m.longest_side)

    def _select_source_item(self) -> None:
        m, combo = self.model, self.source_combo
        # An image or tensor handed over as an array gets its own entry while it is in use.
        for i in reversed(range(combo.count())):
            if combo.itemData(i)[0] in ("array", "tensor"):
                combo.removeItem(i)
        if m.source_kind in ("array", "tensor"):
            prefix = "Image" if m.source_kind == "array" else "Handed over"
            # The box names it up to its first comma ("Handed over: conv2"); the line under it and
            # the entry's tool tip give it whole ("conv2, output channel 3, all input channels").
            combo.addItem(f"{prefix}: {m.source_name.split(', ')[0]}", (m.source_kind, m.source_name))
            combo.setItemData(combo.count() - 1, f"{prefix}: {m.source_name}", Qt.ItemDataRole.ToolTipRole)
        for i in range(combo.count()):
            kind, name = combo.itemData(i)
            if kind == m.source_kind and (kind not in ("sample", "array", "tensor") or name == m.source_name):
                set_quietly(combo, "setCurrentIndex", i)
                return

    # ==== widgets -> model =====================================================================
    @Slot()
    def load_course_example(self) -> None:
        self.model.load_course_example(*COURSE_SETTINGS[0])

    @Slot()
    def load_course_rgb_example(self) -> None:
        try:
            self.model.load_course_rgb_example()
        except UserInputError as exc:
            self.status.emit(sentence(str(exc)), 8000)
        self._select_source_item()

    @Slot(object)
    def _typed(self, m: np.ndarray) -> None:
        self.model.set_matrix(m)

    @Slot(int)
    def _source_chosen(self, index: int) -> None:
        kind, name = self.source_combo.itemData(index)
        if kind in ("array", "tensor"):
            return
        if kind == "course-rgb":
            self.load_course_rgb_example()
        elif kind == "matrix":
            self.model.use_typed_matrix()
        elif kind == "sample":
            self.load_sample(name)
        else:
            self.open_image_dialog()

    @Slot()
    def open_image_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", "", f"Images ({patterns});;All files (*)")
        if path:
            self.load_image_file(path)
        else:
            self._select_source_item()

    def load_image_file(self, path: str | Path, channels: str | None = None) -> bool:
        """Start loading an image as the input, decoded off the GUI thread (the status says
        "Loading image …"); an error dialog when it cannot be read, and the input in use stays."""
        self.images.load(path, channels)
        return True

    @Slot(str)
    def _load_failed(self, message: str) -> None:
        QMessageBox.critical(self, "Cannot open image", sentence(message))
        self.refresh()  # the source and channels of the input in use again

    def load_sample(self, name: str) -> bool:
        try:
            self.model.load_sample(name)
        except UserInputError:
            self.status.emit(f"No sample image called {name!r}", 6000)
            self._select_source_item()
            return False
        return True

    @Slot(int)
    def _channels_chosen(self, index: int) -> None:
        channels = self.channels_combo.itemData(index)
        if self.model.source_kind == "file" and channels != self.model.channels:
            self.images.load(self.model.source_name, channels)  # read again, off the GUI thread
            return
        try:
            self.model.set_channels(channels)
        except UserInputError as exc:
            QMessageBox.critical(self, "Cannot open image", sentence(str(exc)))

    @Slot()
    def _crop_edited(self) -> None:
        self.model.set_crop(self.crop_top.value(), self.crop_left.value(), self.crop_h.value(),
                            self.crop_w.value())

    @Slot(int)
    def _side_edited(self, side: int) -> None:
        set_quietly(self.size_slider, "setValue", side)
        self.model.set_longest_side(side)

    @Slot()
    def _to_grid(self) -> None:
        self.model.image_to_grid()
