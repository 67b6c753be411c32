"""The Network tab's batch-norm view: one BatchNorm2d layer on a mini-batch of MNIST, channel by
channel. It observes `BatchNormState` (bn_model.py) and writes the user's choices to it.

Shown for the chosen channel: the histogram of the layer's input values over N×H×W with μ_B and
μ_B ± σ_B marked (and the running mean evaluation would use), Algorithm 1's four steps with the
channel's numbers, the running averages before and after one training step and evaluation's output
(`core.batchnorm_text`), and μ_B of 20 batches of 2 images against 20 of 128 (why tiny batches hurt).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.core import batchnorm as bn
from visualizer.core.batchnorm_text import channel_lines, num
from visualizer.ui.network.bn_model import BatchNormState
from visualizer.ui.shell.quietly import set_quietly

SPLIT_SIZES = {"test": 10_000, "train": 60_000}


class BatchNormView(QWidget):
    def __init__(self, state: BatchNormState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BatchNormView")
        self.state = state
        self.layer = QComboBox(self)
        self.layer.setAccessibleName("Batch norm layer")
        self.split = QComboBox(self)
        self.split.addItems(["test", "train"])
        self.split.setAccessibleName("MNIST file of the batch")
        self.start = self._spin(0, SPLIT_SIZES["test"] - 1, "First image of the batch (from 0)")
        self.size = self._spin(bn.MIN_BATCH, bn.MAX_BATCH, "Images in the batch (2 to 512)")
        self.channel = self._spin(1, 1, "Channel (from 1)")
        form = QFormLayout()
        form.addRow("Layer", self.layer)
        batch = QHBoxLayout()
        for w in (self.split, QLabel("images from"), self.start, QLabel("count"), self.size):
            batch.addWidget(w)
        form.addRow("Batch", batch)
        form.addRow("Channel", self.channel)

        self._make_histogram()
        self.steps = QPlainTextEdit(self)  # read-only, one line per step (scrolls sideways when narrow)
        self.steps.setObjectName("bn_steps")
        self.steps.setAccessibleName("Algorithm 1 with this channel's numbers")
        self.steps.setReadOnly(True)
        self.steps.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.steps.setFont(font)
        self.steps.setMinimumHeight(self.steps.fontMetrics().lineSpacing() * 11)

        self._make_spread()
        self.spread_text = QLabel(self)
        self.spread_text.setWordWrap(True)
        self.status = QLabel(" ", self)
        self.status.setObjectName("bn_status")
        self.status.setWordWrap(True)

        col = QVBoxLayout(self)
        col.setContentsMargins(4, 4, 4, 4)
        col.addLayout(form)
        col.addWidget(self.status)
        col.addWidget(self.histogram, 2)
        col.addWidget(self.legend)
        col.addWidget(self.steps, 1)
        col.addWidget(QLabel("<b>Why tiny batches hurt</b>: the same layer, 20 batches of each size"))
        col.addWidget(self.spread, 1)
        col.addWidget(self.spread_text)

        self.layer.activated.connect(self._layer_picked)
        self.split.activated.connect(self._split_picked)
        self.start.valueChanged.connect(self._batch_edited)
        self.size.valueChanged.connect(self._batch_edited)
        self.channel.valueChanged.connect(self._channel_edited)
        state.changed.connect(self._show_choices)
        state.result_changed.connect(self._show_result)
        state.busy_changed.connect(self._busy)
        state.message.connect(self.status.setText)
        self._show_choices()
        self._show_result()

    def _make_histogram(self) -> None:
        self.histogram = pg.PlotWidget(self)
        self.histogram.setObjectName("bn_histogram")
        self.histogram.setMinimumHeight(150)
        self.histogram.setLabel("bottom", "the channel's input values x (N·H·W of them)")
        self.bars = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=(90, 140, 220, 120))
        self.histogram.addItem(self.bars)
        self.mean_line = pg.InfiniteLine(angle=90, pen=pg.mkPen((200, 60, 40), width=2))
        self.sd_lines = [pg.InfiniteLine(angle=90, pen=pg.mkPen((200, 60, 40), style=Qt.PenStyle.DashLine))
                         for _ in range(2)]
        self.running_line = pg.InfiniteLine(angle=90, pen=pg.mkPen((40, 140, 60), style=Qt.PenStyle.DotLine, width=2))
        for line in (self.mean_line, *self.sd_lines, self.running_line):
            self.histogram.addItem(line)
        self.legend = QLabel("<span style='color:#c83c28'>━ μ_B, ┅ μ_B ± σ_B</span> (training); "
                             "<span style='color:#288c3c'>┈ running mean</span> (evaluation)", self)

    def _make_spread(self) -> None:
        self.spread = pg.PlotWidget(self)
        self.spread.setObjectName("bn_spread")
        self.spread.setMinimumHeight(110)
        self.spread.setLabel("bottom", "μ_B of each of 20 batches")
        self.spread.getAxis("left").setTicks([[(0, "2 images"), (1, "128 images")]])
        self.spread.setYRange(-0.6, 1.6)
        self.dots = pg.ScatterPlotItem(size=8, pen=pg.mkPen(None), brush=pg.mkBrush(90, 140, 220, 200))
        self.spread.addItem(self.dots)

    def _spin(self, lo: int, hi: int, name: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(lo, hi)
        box.setKeyboardTracking(False)  # one computation per finished number, not per digit
        box.setAccessibleName(name)
        return box

    # -- input --------------------------------------------------------------------------------
    @Slot(int)
    def _layer_picked(self, _i: int) -> None:
        self.state.set_choice(layer=self.layer.currentText())

    @Slot(int)
    def _split_picked(self, _i: int) -> None:
        split = self.split.currentText()
        set_quietly(self.start, "setMaximum", SPLIT_SIZES[split] - 1)
        self.state.set_choice(split=split, start=self.start.value())

    @Slot(int)
    def _batch_edited(self, _v: int) -> None:
        self.state.set_choice(start=self.start.value(), size=self.size.value())

    @Slot(int)
    def _channel_edited(self, v: int) -> None:
        self.state.set_channel(v)

    # -- output -------------------------------------------------------------------------------
    @Slot()
    def _show_choices(self) -> None:
        s = self.state
        widgets = (self.layer, self.split, self.start, self.size, self.channel)
        for w in widgets:
            w.blockSignals(True)
        self.layer.clear()
        self.layer.addItems(s.layers)
        if s.layer:
            self.layer.setCurrentText(s.layer)
        self.split.setCurrentText(s.split)
        self.start.setMaximum(SPLIT_SIZES.get(s.split, 10_000) - 1)
        self.start.setValue(s.start)
        self.size.setValue(s.size)
        count = len(s.result.stats.channels) if s.result is not None else 1
        self.channel.setMaximum(max(1, count))
        self.channel.setValue(s.channel)
        for w in widgets:
            w.blockSignals(False)
        self.setEnabled(bool(s.layers))

    @Slot(bool)
    def _busy(self, on: bool) -> None:
        if on:
            self.status.setText("Computing…")
        elif self.status.text() == "Computing…":
            self.status.setText(" ")

    @Slot()
    def _show_result(self) -> None:
        s = self.state
        ch = s.channel_stats()
        if ch is None:
            self.bars.setData([], [])
            self.dots.setData([], [])
            for line in (self.mean_line, *self.sd_lines, self.running_line):
                line.hide()
            self.steps.setPlainText(s.error or ("No BatchNorm2d layer in this net" if not s.layers else ""))
            self.spread_text.setText("")
            return
        stats = s.result.stats
        counts, edges = s.result.histograms[ch.channel - 1]
        self.bars.setData(edges, counts)
        sd = float(np.sqrt(ch.batch_var))
        self.mean_line.setValue(ch.batch_mean)
        self.sd_lines[0].setValue(ch.batch_mean - sd)
        self.sd_lines[1].setValue(ch.batch_mean + sd)
        self.running_line.setValue(ch.running_mean)
        for line in (self.mean_line, *self.sd_lines, self.running_line):
            line.show()
        self.steps.setPlainText("\n".join(channel_lines(ch, stats)))
        self._show_spread(ch.channel - 1)

    def _show_spread(self, c: int) -> None:
        spread = self.state.result.spread
        if spread is None:
            self.dots.setData([], [])
            self.spread_text.setText("")
            return
        xs, ys = [], []
        for row, size in enumerate(spread.sizes):
            xs.extend(spread.means[size][:, c])
            ys.extend([row] * len(spread.means[size]))
        self.dots.setData(np.asarray(xs, float), np.asarray(ys, float))
        small, big = spread.sizes[0], spread.sizes[-1]
        sm, sv = spread.spread(small)
        bm, bv = spread.spread(big)
        self.spread_text.setText(
            f"Standard deviation over the batches: μ_B {num(sm[c])} with {small} images, {num(bm[c])} with {big}; "
            f"σ²_B {num(sv[c])} against {num(bv[c])}. With tiny batches the same image is normalised "
            f"differently depending on which images share its batch.")
