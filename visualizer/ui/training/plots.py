"""The four live training plots of the course report, with runs overlaid.

Loss and accuracy, each against examples seen and against epoch; training curves solid,
validation curves dashed, one colour per run. Records arrive as signals and are appended to numpy
buffers that double when full; the curves (each created once) are redrawn from those buffers by a
40 ms timer, never on every signal, so a fast trainer cannot flood the GUI thread.

Reading them works as in TensorBoard: a vertical cursor follows the mouse and a readout lists every
ticked run at that x (colour, name, raw and smoothed value), kept inside the plot; the x axes of the
two "vs examples" plots are linked, as are those of the two "vs epoch" plots. Drag a box to zoom, the
wheel zooms, a double-click gives the plot back to the automatic range. Each run's epoch with the
lowest validation loss is starred: where early stopping would stop.
"""

from __future__ import annotations

import csv
import html
import io
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6 import QtCore
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QPointF, QRect, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from visualizer.ui.shell.files import save_bytes, save_text


# plot key -> (title, x label, y label, x quantity, y quantity)
PLOTS = {
    "loss_examples": ("Loss vs examples seen", "examples seen", "loss", "examples", "loss"),
    "loss_epoch": ("Loss vs epoch", "epoch", "loss", "epoch", "loss"),
    "acc_examples": ("Accuracy vs examples seen", "examples seen", "accuracy (%)", "examples", "accuracy"),
    "acc_epoch": ("Accuracy vs epoch", "epoch", "accuracy (%)", "epoch", "accuracy"),
}
QUANTITIES = ("loss", "accuracy", "examples", "epoch")
#: The x axis of the "vs examples" plots: key -> (axis label, title ending)
X_AXES = {"examples": ("examples seen", "examples seen"), "epochs": ("epoch (fractional)", "epoch (fractional)"),
          "time": ("wall time (s)", "wall time")}
#: Plots whose x axes move together.
PARTNER = {"loss_examples": "acc_examples", "acc_examples": "loss_examples",
           "loss_epoch": "acc_epoch", "acc_epoch": "loss_epoch"}
SERIES_NAMES = {"train_raw": "training", "train_smooth": "training (smoothed)", "train": "training",
                "val": "validation"}
BEST_NOTE = "lowest validation loss: early stopping would stop here"
MAX_EPOCH_LINES = 200

# batch buffer columns / epoch buffer columns
B_EXAMPLES, B_EPOCH, B_LOSS, B_ACC, B_TIME = range(5)
E_EPOCH, E_EXAMPLES, E_TLOSS, E_TACC, E_VLOSS, E_VACC, E_TIME = range(7)


class IntegerAxis(pg.AxisItem):
    """An axis of whole numbers (epochs): no tick at 1.5 (log axes are left to pyqtgraph)."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        levels = super().tickValues(minVal, maxVal, size)
        if self.logMode:
            return levels
        kept = [(spacing, [v for v in values if abs(v - round(v)) < 1e-9])
                for spacing, values in levels if spacing >= 1 - 1e-9]
        kept = [(sp, v) for sp, v in kept if v]
        if not kept and maxVal - minVal < 2 and math.isfinite(minVal) and math.isfinite(maxVal):
            kept = [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]
        return kept


def _fmt(value: float, quantity: str) -> str:
    if not math.isfinite(value):
        return "–"
    if quantity == "accuracy":
        return f"{value:.2f} %"
    if quantity == "examples":
        return f"{value:,.0f}"
    return f"{value:.4f}" if quantity == "loss" else f"{value:.4g}"


def _elide(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class GrowingBuffer:
    """Rows appended in amortised O(1): the array doubles when full; views are handed out."""

    def __init__(self, columns: int, capacity: int = 256) -> None:
        self._data = np.full((capacity, columns), np.nan)
        self.size = 0

    def append(self, row) -> None:
        if self.size == len(self._data):
            grown = np.full((2 * len(self._data), self._data.shape[1]), np.nan)
            grown[: self.size] = self._data
            self._data = grown
        self._data[self.size] = row
        self.size += 1

    def column(self, i: int) -> np.ndarray:
        return self._data[: self.size, i]

    def clear(self) -> None:
        self.size = 0


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average with bias correction (as TensorBoard's smoothing slider).

    y[t] = weight * y[t-1] + (1 - weight) * x[t] from y[-1] = 0, divided by 1 - weight**(t+1);
    non-finite values count as 0. Plain numpy (no scipy on the GUI thread): within a block the
    recurrence is a cumulative sum of x[k] * weight**-k, and blocks are short enough that
    weight**-k stays far from overflow."""
    if weight <= 0 or len(values) == 0:
        return values
    x = np.where(np.isfinite(values), values, 0.0).astype(float)
    n = len(x)
    block = max(1, int(100 * np.log(10) / -np.log(weight))) if weight < 1 else 1
    out = np.empty(n)
    carry = 0.0
    for s in range(0, n, block):
        chunk = x[s:s + block]
        k = np.arange(len(chunk))
        scaled = np.cumsum(chunk * weight ** (-k.astype(float)))
        out[s:s + block] = weight ** (k + 1.0) * carry + (1.0 - weight) * weight ** k.astype(float) * scaled
        carry = out[s + len(chunk) - 1]
    return out / (1.0 - weight ** np.arange(1, n + 1))


def _sticky(lo: float, hi: float, cur_lo: float, cur_hi: float, force: bool, below: float, above: float):
    """A new (lo, hi) view range when the data left the current one or fill under half of it;
    None to keep it. The new range leaves headroom: `below` and `above` times the data's span."""
    span = hi - lo
    if span <= 0:
        span = abs(hi) * 0.1 or 1.0
    if not force and cur_lo <= lo and hi <= cur_hi and span >= 0.5 * (cur_hi - cur_lo):
        return None
    return lo - below * span, hi + above * span


def _num(v: float) -> str:
    return repr(float(v)) if np.isfinite(v) else ""


def _get(record: dict, key: str) -> float:
    v = record.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


@dataclass
class RunCurves:
    """One run's buffers and its curve items in the four plots."""

    run_id: str
    label: str
    color: str
    batches: GrowingBuffer = field(default_factory=lambda: GrowingBuffer(5))
    epochs: GrowingBuffer = field(default_factory=lambda: GrowingBuffer(7))
    best_marks: dict = field(default_factory=dict)  # plot key -> ScatterPlotItem (the best epoch's star)
    items: dict = field(default_factory=dict)  # (plot key, series) -> PlotDataItem
    visible: bool = True
    planned: tuple = (None, None)  # (examples, epochs) of the whole run, when known: the x extent
    dirty: set = field(default_factory=lambda: set(PLOTS))  # plots whose curves need new data


class TrainingPlots(QWidget):
    """Four plots in one graphics layout (so one export holds all four), plus view options."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: dict[str, RunCurves] = {}
        self.smoothing = 0.0
        self.log_axes: dict[str, bool] = {q: False for q in QUANTITIES}
        self.line_width = 2.0
        self.hover_text = ""
        self.hover_plot = ""  # the plot the readout is shown in
        self.x_axis = "examples"

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.smooth_check = QCheckBox("Smooth training curves", self)
        self.smooth_check.setToolTip("Exponential moving average; the raw curve stays visible, faint")
        self.smooth_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.smooth_slider.setRange(0, 99)
        self.smooth_slider.setValue(60)
        self.smooth_slider.setMaximumWidth(120)
        self.smooth_slider.setToolTip("Smoothing weight (0 to 0.99)")
        self.smooth_value = QLabel("0.60", self)
        bar.addWidget(self.smooth_check)
        bar.addWidget(self.smooth_slider)
        bar.addWidget(self.smooth_value)
        bar.addSpacing(16)
        bar.addWidget(QLabel("Log scale:", self))
        self.log_checks: dict[str, QCheckBox] = {}
        for q in QUANTITIES:
            box = QCheckBox(q, self)
            box.setObjectName(f"log_{q}")
            box.setToolTip(f"Logarithmic {q} axis")
            box.toggled.connect(self._log_toggled)
            self.log_checks[q] = box
            bar.addWidget(box)
        bar.addSpacing(16)
        bar.addWidget(QLabel("x axis:", self))
        self.x_combo = QComboBox(self)
        self.x_combo.setObjectName("x_axis")
        self.x_combo.setToolTip("What the x axis of the two left plots counts")
        for k, (label, _t) in X_AXES.items():
            self.x_combo.addItem(label, k)
        self.x_combo.currentIndexChanged.connect(self._x_combo_changed)
        bar.addWidget(self.x_combo)
        key = QLabel("solid: training · dashed: validation · ★ best epoch", self)
        key.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the tab
        key.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        key.setToolTip("★ marks each run's epoch with the lowest validation loss: where early stopping "
                       "would stop. Drag a box to zoom, use the wheel to zoom, double-click to reset; "
                       "right-click a plot to export its data as CSV.")
        key.setEnabled(False)
        bar.addWidget(key, 1)
        self.key_label, self._bar = key, bar
        layout.addLayout(bar)
        self.smooth_check.toggled.connect(self._smoothing_changed)
        self.smooth_slider.valueChanged.connect(self._smoothing_changed)

        from visualizer.ui.shell import theme

        self.graphics = _TimedGraphicsLayout(self)
        self.plots: dict[str, pg.PlotItem] = {}
        for i, (key_, (_title, _xl, _yl, _xq, _yq)) in enumerate(PLOTS.items()):
            axes = {"bottom": IntegerAxis("bottom")} if key_.endswith("epoch") else None
            p = self.graphics.addPlot(row=i // 2, col=i % 2, axisItems=axes)
            # No grid: pyqtgraph draws it as part of the axes, and a grid axis must repaint with
            # every curve update (values are one hover away).
            p.setClipToView(True)
            p.setDownsampling(auto=True, mode="peak")
            # A fixed width: tick labels growing from "2" to "0.25" would otherwise re-layout all
            # four plots, and a re-layout repaints every axis.
            p.getAxis("left").setWidth(56)
            for ax in ("left", "bottom"):
                p.getAxis(ax).enableAutoSIPrefix(False)  # "loss (x0.001)" reads badly
            vb = p.getViewBox()
            vb.disableAutoRange()
            vb.setMouseMode(pg.ViewBox.RectMode)  # drag a box to zoom (TensorBoard, MATLAB)
            csv_action = QAction("Export this plot's data as CSV…", vb.menu)
            csv_action.setData(key_)
            csv_action.triggered.connect(self._export_csv_action)
            vb.menu.addAction(csv_action)
            vb.sigRangeChangedManually.connect(lambda *_a, k=key_: self._user_moved_range(k))
            self.plots[key_] = p
        self.plots["acc_examples"].setXLink(self.plots["loss_examples"])
        self.plots["acc_epoch"].setXLink(self.plots["loss_epoch"])
        self._managed = {k: True for k in PLOTS}
        self._refit: set[str] = set()
        self._bg, self._fg = (QColor(c) for c in theme.PLOT_COLOURS[theme.current_look()])
        self.set_look(theme.current_look())
        # The legend sits in its own row under the plots: inside a plot it would hide curves
        # (low accuracies, high losses), and here it is still part of an exported image.
        self.legend = pg.LegendItem(colCount=3, labelTextColor=self._fg)
        self.graphics.addItem(self.legend, row=2, col=0, colspan=2)
        layout.addWidget(self.graphics, 1)

        # hover: a vertical cursor in the plot (and its linked partner) and one readout widget
        self._cursor: dict[str, pg.InfiniteLine] = {}
        self._empty: dict[str, pg.TextItem] = {}
        self._epoch_lines: dict[str, list[pg.InfiniteLine]] = {k: [] for k in PLOTS if k.endswith("examples")}
        for key_, p in self.plots.items():
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setZValue(100)
            p.addItem(line, ignoreBounds=True)
            line.hide()
            self._cursor[key_] = line
            hint = pg.TextItem(anchor=(0.5, 0.5))
            hint.setZValue(50)
            p.addItem(hint, ignoreBounds=True)
            hint.setPos(0.5, 0.5)
            self._empty[key_] = hint
        self.readout = QLabel(self.graphics)
        self.readout.setObjectName("hover_readout")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.readout.hide()
        self.graphics.left.connect(self.hide_hover)
        self.set_empty_hint("Press Start to train mnist-net1 with the course settings.")
        self._mouse_proxy = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=60,
                                           slot=self._mouse_moved)
        self.graphics.double_clicked.connect(self._double_clicked)
        self._style_overlays()

        self.timer = QTimer(self)
        self.timer.setInterval(40)
        self.timer.timeout.connect(self._tick)  # runs only while something needs redrawing
        self._last_redraw = 0.0
        self._redraw_cost = 0.0  # seconds, smoothed: our setData calls plus the repaint they cause

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        # the key (also in its tooltip and the guide) only where it fits whole
        others = sum(self._bar.itemAt(i).sizeHint().width() + self._bar.spacing()
                     for i in range(self._bar.count()) if self._bar.itemAt(i).widget() is not self.key_label)
        self.key_label.setVisible(others + self.key_label.sizeHint().width() <= self.width())

    # -- runs --------------------------------------------------------------------------------
    def add_run(self, run_id: str, label: str, color: str, planned_examples: float | None = None,
                planned_epochs: float | None = None) -> RunCurves:
        """Curves for a run. The planned totals fix the x axes for the whole run up front, so the
        axes do not move (and repaint) with every record, and show how far the run has come."""
        if run_id in self.runs:
            return self.runs[run_id]
        run = RunCurves(run_id, label, color)
        run.planned = (planned_examples, planned_epochs)
        c = QColor(color)
        solid = pg.mkPen(c, width=self.line_width)
        dashed = pg.mkPen(c, width=self.line_width, style=Qt.PenStyle.DashLine)
        for key_, p in self.plots.items():
            if key_.endswith("examples"):
                series = {"train_raw": dict(pen=solid), "train_smooth": dict(pen=solid),
                          "val": dict(pen=dashed, symbol="o", symbolSize=6, symbolBrush=c, symbolPen=c)}
            else:
                series = {"train": dict(pen=solid, symbol="o", symbolSize=6, symbolBrush=c, symbolPen=c),
                          "val": dict(pen=dashed, symbol="t", symbolSize=7, symbolBrush=c, symbolPen=c)}
            for name, kw in series.items():
                item = pg.PlotDataItem(**kw)
                item.setClipToView(True)
                item.setDownsampling(auto=True, method="peak")
                p.addItem(item)
                run.items[(key_, name)] = item
        for key_, p in self.plots.items():
            star = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen(self._fg, width=1), brush=pg.mkBrush(c))
            star.setZValue(20)
            star.setToolTip(f"{label}: {BEST_NOTE}")
            p.addItem(star)
            run.best_marks[key_] = star
        self.legend.addItem(run.items[("acc_examples", "train_raw")], label)
        self.runs[run_id] = run
        self._apply_style(run)
        return run

    def remove_run(self, run_id: str) -> None:
        run = self.runs.pop(run_id, None)
        if run is None:
            return
        self.legend.removeItem(run.items[("acc_examples", "train_raw")])
        for (key_, _), item in run.items.items():
            self.plots[key_].removeItem(item)
        for key_, star in run.best_marks.items():
            self.plots[key_].removeItem(star)
        self._refit = set(PLOTS)
        self._schedule()

    def set_run_visible(self, run_id: str, visible: bool) -> None:
        run = self.runs.get(run_id)
        if run is None or run.visible == visible:
            return
        run.visible = visible
        legend_item = run.items[("acc_examples", "train_raw")]
        if visible:
            self.legend.addItem(legend_item, run.label)
        else:
            self.legend.removeItem(legend_item)
        self._apply_style(run)
        run.dirty = set(PLOTS)
        self._refit = set(PLOTS)
        self._schedule()

    def set_run_label(self, run_id: str, label: str) -> None:
        run = self.runs.get(run_id)
        if run is not None and run.label != label:
            run.label = label
            if run.visible:
                legend_item = run.items[("acc_examples", "train_raw")]
                self.legend.removeItem(legend_item)
                self.legend.addItem(legend_item, label)

    def append_batch(self, run_id: str, record: dict) -> None:
        run = self.runs.get(run_id)
        if run is None:  # a record of a run that is not drawn
            return
        run.batches.append((_get(record, "examples_seen"), _get(record, "epoch"),
                            _get(record, "train_loss"), 100.0 * _get(record, "train_accuracy"),
                            _get(record, "elapsed_s")))
        run.dirty |= {"loss_examples", "acc_examples"}  # the epoch plots change once an epoch
        self._schedule()

    def append_epoch(self, run_id: str, record: dict) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        run.epochs.append((_get(record, "epoch"), _get(record, "examples_seen"),
                           _get(record, "train_loss"), 100.0 * _get(record, "train_accuracy"),
                           _get(record, "val_loss"), 100.0 * _get(record, "val_accuracy"),
                           _get(record, "elapsed_s")))
        run.dirty = set(PLOTS)
        self._schedule()

    def set_records(self, run_id: str, history: list[dict], epochs: list[dict]) -> None:
        run = self.runs[run_id]
        run.batches.clear()
        run.epochs.clear()
        for r in history:
            self.append_batch(run_id, r)
        for r in epochs:
            self.append_epoch(run_id, r)

    # -- drawing -----------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self.timer.isActive():
            self.timer.start()

    def _apply_style(self, run: RunCurves) -> None:
        smooth = self.smoothing > 0
        for star in run.best_marks.values():
            star.setVisible(run.visible)
        for (key_, name), item in run.items.items():
            item.setVisible(run.visible and (name != "train_smooth" or smooth))
            if name == "train_raw":
                # the raw curve stays visible under the smoothed one, faint
                item.setOpacity(0.25 if smooth else 1.0)

    def _series(self, run: RunCurves, key_: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        b, e = run.batches, run.epochs
        loss = key_.startswith("loss")
        if key_.endswith("examples"):
            bx, ex = {"examples": (B_EXAMPLES, E_EXAMPLES), "epochs": (B_EPOCH, E_EPOCH),
                      "time": (B_TIME, E_TIME)}[self.x_axis]
            if name == "train_raw":
                return b.column(bx), b.column(B_LOSS if loss else B_ACC)
            if name == "train_smooth":
                return b.column(bx), ema(b.column(B_LOSS if loss else B_ACC), self.smoothing)
            return e.column(ex), e.column(E_VLOSS if loss else E_VACC)
        if name == "train":
            return e.column(E_EPOCH), e.column(E_TLOSS if loss else E_TACC)
        return e.column(E_EPOCH), e.column(E_VLOSS if loss else E_VACC)

    #: Share of the GUI thread that redrawing may take while records pour in (a GPU run sends
    #: dozens a second); the rest stays free for the user and for the trainer's Python.
    REDRAW_BUDGET = 0.03

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        cost = self._redraw_cost + self.graphics.last_paint_s
        if now - self._last_redraw < min(1.0, cost / self.REDRAW_BUDGET):
            return  # redrawn recently; the records wait in the buffers for the next tick
        self._last_redraw = now
        self.graphics.last_paint_s *= 0.5
        self.refresh()
        self._redraw_cost = 0.7 * self._redraw_cost + 0.3 * (time.perf_counter() - now)

    @Slot()
    def refresh(self) -> None:
        """Redraw the curves of runs that received records since the last redraw."""
        changed: set[str] = set(self._refit)
        for run in self.runs.values():
            if not run.dirty:
                continue
            dirty, run.dirty = run.dirty, set()
            if not run.visible:
                continue
            for (key_, name), item in run.items.items():
                if key_ not in dirty or (name == "train_smooth" and self.smoothing <= 0):
                    continue
                x, y = self._series(run, key_, name)
                ok = np.isfinite(x) & np.isfinite(y)
                if self.log_axes[PLOTS[key_][3]]:
                    ok &= x > 0
                if self.log_axes[PLOTS[key_][4]]:
                    ok &= y > 0
                if not ok.all():
                    x, y = x[ok], y[ok]
                item.setData(x.copy(), y.copy())
            changed |= dirty
        for key_ in changed:
            self._update_marks(key_)
        for key_ in changed:
            self._fit_range(key_, force=key_ in self._refit)
        self._refit = set()
        self._update_empty()
        if not changed:
            self.timer.stop()  # idle until the next record

    def best_epoch(self, run_id: str) -> int | None:
        """The run's epoch with the lowest validation loss (the first of equals; the engine's
        rule, so it matches metrics.json's best_epoch), or None before its first epoch."""
        run = self.runs.get(run_id)
        i = self._best_row(run) if run is not None else None
        return None if i is None else int(run.epochs.column(E_EPOCH)[i])

    @staticmethod
    def _best_row(run: RunCurves) -> int | None:
        v = run.epochs.column(E_VLOSS)
        ok = np.isfinite(v)
        if not ok.any():
            return None
        return int(np.argmin(np.where(ok, v, np.inf)))

    def best_mark(self, run_id: str, plot_key: str) -> tuple[float, float] | None:
        """Where the run's star sits in a plot (data coordinates), or None when not shown."""
        star = self.runs[run_id].best_marks[plot_key]
        x, y = star.getData()
        if x is None or len(x) == 0 or not star.isVisible():
            return None
        lx, ly = self.log_axes[PLOTS[plot_key][3]], self.log_axes[PLOTS[plot_key][4]]
        return (10 ** float(x[0]) if lx else float(x[0]), 10 ** float(y[0]) if ly else float(y[0]))

    def _update_marks(self, key_: str) -> None:
        """The best-epoch stars and, on the "vs examples" plots, the faint epoch boundaries."""
        lx, ly = self.log_axes[PLOTS[key_][3]], self.log_axes[PLOTS[key_][4]]
        bounds: set[float] = set()
        for run in self.runs.values():
            star = run.best_marks[key_]
            i = self._best_row(run) if run.visible else None
            x, y = self._series(run, key_, "val")
            if i is None or i >= len(x) or not (np.isfinite(x[i]) and np.isfinite(y[i])) \
                    or (lx and x[i] <= 0) or (ly and y[i] <= 0):
                star.setData([], [])
            else:
                star.setData([math.log10(x[i]) if lx else float(x[i])], [math.log10(y[i]) if ly else float(y[i])])
            if run.visible and key_ in self._epoch_lines:
                bounds.update(round(float(v), 6) for v in x if np.isfinite(v) and (not lx or v > 0))
        if key_ in self._epoch_lines:
            self._set_epoch_lines(key_, sorted(bounds)[:MAX_EPOCH_LINES], lx)

    def _set_epoch_lines(self, key_: str, xs: list[float], log_x: bool) -> None:
        lines = self._epoch_lines[key_]
        while len(lines) < len(xs):
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setZValue(-10)
            self.plots[key_].addItem(line, ignoreBounds=True)
            lines.append(line)
            self._style_overlays()
        for k, line in enumerate(lines):
            if k < len(xs):
                line.setValue(math.log10(xs[k]) if log_x else xs[k])
                line.show()
            else:
                line.hide()

    def epoch_lines(self, plot_key: str) -> list[float]:
        """The x positions of the epoch boundaries drawn in a "vs examples" plot."""
        return [float(line.value()) for line in self._epoch_lines.get(plot_key, []) if line.isVisible()]

    def set_empty_hint(self, text: str) -> None:
        """What the plots say while no run is shown: what will appear and how to start."""
        self.empty_text = text
        for key_, hint in self._empty.items():
            what = {"loss": "Loss", "accuracy": "Accuracy"}[PLOTS[key_][4]]
            hint.setText(f"{what} curves appear here as a run learns:\ntraining solid, validation dashed.\n\n{text}")
        self._update_empty()

    def _update_empty(self) -> None:
        empty = not any(r.visible for r in self.runs.values())
        for key_, hint in self._empty.items():
            if empty:
                (x0, x1), (y0, y1) = self.plots[key_].getViewBox().viewRange()
                hint.setPos((x0 + x1) / 2, (y0 + y1) / 2)
            hint.setVisible(empty)

    # -- view ranges -------------------------------------------------------------------------
    # pyqtgraph's auto-range moves the axes on every new point, and a moved axis repaints the
    # whole plot (tens of ms in software rendering). Ranges here move in steps with headroom, so
    # most redraws repaint only the curves; a user's pan or zoom is left alone until the "A"
    # (auto-range) button gives the plot back.
    def _user_moved_range(self, key_: str) -> None:
        # the partner's x axis moved with it (linked): both are the user's now
        self._managed[key_] = self._managed[PARTNER[key_]] = False

    def reset_view(self, key_: str) -> None:
        """Give a plot (and its linked partner) back to the automatic range (a double-click)."""
        for k in (key_, PARTNER[key_]):
            self._managed[k] = True
            self._fit_range(k, force=True)

    @Slot(QPointF)
    def _double_clicked(self, scene_pos: QPointF) -> None:
        for key_, p in self.plots.items():
            if p.getViewBox().sceneBoundingRect().contains(scene_pos):
                self.reset_view(key_)
                return

    def _fit_range(self, key_: str, force: bool = False) -> None:
        vb = self.plots[key_].getViewBox()
        if any(vb.autoRangeEnabled()):  # the "A" button: the plot is ours again
            vb.disableAutoRange()
            self._managed[key_] = True
            force = True
        if not self._managed[key_]:
            return
        xb, yb, planned = [], [], []
        x_log = self.log_axes[PLOTS[key_][3]]
        y_log = self.log_axes[PLOTS[key_][4]]
        for run in self.runs.values():
            if not run.visible:
                continue
            if key_.endswith("examples"):
                plan = {"examples": run.planned[0], "epochs": run.planned[1], "time": None}[self.x_axis]
            else:
                plan = run.planned[1]
            if plan:
                planned.append(np.log10(plan) if x_log else float(plan))
            for (k, name), item in run.items.items():
                if k != key_ or not item.isVisible():
                    continue
                # from our own buffers: the items' dataBounds only cover what is in view
                # (clip-to-view), so a range fitted from them could never grow
                x, y = self._series(run, k, name)
                with np.errstate(divide="ignore", invalid="ignore"):
                    if x_log:
                        x = np.log10(np.where(x > 0, x, np.nan))
                    if y_log:
                        y = np.log10(np.where(y > 0, y, np.nan))
                ok = np.isfinite(x) & np.isfinite(y)
                if ok.any():
                    xb += [float(x[ok].min()), float(x[ok].max())]
                    yb += [float(y[ok].min()), float(y[ok].max())]
        xb = [v for v in xb if np.isfinite(v)]
        yb = [v for v in yb if np.isfinite(v)]
        if not yb:
            return
        (cx0, cx1), (cy0, cy1) = vb.viewRange()
        if planned and max(planned) >= max(xb):
            # the whole run's extent is known: show it from the start, exactly
            lo, hi = min(xb), max(planned)
            if key_.endswith("examples") and not x_log:
                lo = min(lo, 0.0)  # examples seen (and epochs) count from 0
            pad = 0.03 * (hi - lo if hi > lo else 1.0)
            target = (lo - pad, hi + pad)
            nx = None if (abs(cx0 - target[0]) < 1e-9 * max(1.0, abs(hi)) and
                          abs(cx1 - target[1]) < 1e-9 * max(1.0, abs(hi))) else target
        else:
            nx = _sticky(min(xb), max(xb), cx0, cx1, force, below=0.02, above=0.3)  # x grows rightwards
        ny = _sticky(min(yb), max(yb), cy0, cy1, force, below=0.12, above=0.12)
        if nx is not None or ny is not None:
            vb.setRange(xRange=nx or (cx0, cx1), yRange=ny or (cy0, cy1), padding=0)

    def curve_data(self, run_id: str, plot_key: str, series: str) -> tuple[np.ndarray, np.ndarray]:
        """The data a curve currently shows (x, y), as the user sees it (for tests and export)."""
        x, y = self.runs[run_id].items[(plot_key, series)].getOriginalDataset()
        if x is None:
            return np.empty(0), np.empty(0)
        return np.asarray(x), np.asarray(y)

    @Slot()
    def _smoothing_changed(self) -> None:
        w = self.smooth_slider.value() / 100.0
        self.smooth_value.setText(f"{w:.2f}")
        self.smoothing = w if self.smooth_check.isChecked() else 0.0
        for run in self.runs.values():
            self._apply_style(run)
            run.dirty = set(PLOTS)
        self._refit = set(PLOTS)
        self._schedule()

    @Slot()
    def _log_toggled(self) -> None:
        for q, box in self.log_checks.items():
            self.log_axes[q] = box.isChecked()
        for key_, p in self.plots.items():
            _t, _xl, _yl, xq, yq = PLOTS[key_]
            p.setLogMode(x=self.log_axes[xq], y=self.log_axes[yq])
        for run in self.runs.values():
            run.dirty = set(PLOTS)
        self._refit = set(PLOTS)
        self._schedule()

    def set_look(self, look: str) -> None:
        """Background and text colours for the theme's look ('light' or 'dark')."""
        from visualizer.ui.shell import theme

        self._bg, self._fg = (QColor(c) for c in theme.PLOT_COLOURS.get(look, theme.PLOT_COLOURS["light"]))
        self.graphics.setBackground(self._bg)
        for key_, p in self.plots.items():
            _title, _xl, yl, _xq, _yq = PLOTS[key_]
            p.setLabel("left", yl, color=self._fg)
            for ax in ("bottom", "left"):
                p.getAxis(ax).setPen(self._fg)
                p.getAxis(ax).setTextPen(self._fg)
        self._set_titles()
        if hasattr(self, "legend"):
            self.legend.setLabelTextColor(self._fg)
        if hasattr(self, "readout"):
            self._style_overlays()

    def _set_titles(self) -> None:
        for key_, p in self.plots.items():
            title, xl, _yl, _xq, _yq = PLOTS[key_]
            if key_.endswith("examples"):
                xl, ending = X_AXES[self.x_axis]
                title = title.replace("examples seen", ending)
            p.setTitle(title, color=self._fg)
            p.setLabel("bottom", xl, color=self._fg)

    def _style_overlays(self) -> None:
        """Cursor, readout, epoch lines and hints in the look's colours."""
        faint = QColor(self._fg)
        faint.setAlpha(110)
        for line in self._cursor.values():
            line.setPen(pg.mkPen(faint, width=1))
        boundary = QColor(self._fg)
        boundary.setAlpha(40)
        for lines in self._epoch_lines.values():
            for line in lines:
                line.setPen(pg.mkPen(boundary, width=1, style=Qt.PenStyle.DotLine))
        for hint in self._empty.values():
            hint.setColor(self._fg)
        bg = QColor(self._bg)
        self.readout.setStyleSheet(
            f"QLabel#hover_readout {{ background: rgba({bg.red()},{bg.green()},{bg.blue()},235); "
            f"color: {self._fg.name()}; border: 1px solid {self._fg.name()}; padding: 2px; font-size: 9pt; }}")

    def set_line_width(self, width: float) -> None:
        self.line_width = width
        for run in self.runs.values():
            for (_k, name), item in run.items.items():
                pen = pg.mkPen(item.opts["pen"])
                pen.setWidthF(width)
                item.setPen(pen)

    # -- hover -------------------------------------------------------------------------------
    def _mouse_moved(self, event) -> None:
        pos = event[0]
        for key_, p in self.plots.items():
            vb = p.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                view = vb.mapSceneToView(pos)
                self.show_hover(key_, view.x(), view.y())
                return
        self.hide_hover()

    @Slot()
    def hide_hover(self) -> None:
        """The mouse left the plots: no cursor, no readout."""
        for line in self._cursor.values():
            line.hide()
        self.readout.hide()
        self.hover_text = ""
        self.hover_plot = ""

    def hover_rows(self, plot_key: str, vx: float) -> tuple[str, list[dict]]:
        """What the readout lists at view x `vx`: the x as text and, per ticked run, its values
        at the nearest point of each of its curves (TensorBoard's rule: nearest x, not nearest
        point)."""
        _t, xl, _yl, xq, yq = PLOTS[plot_key]
        if plot_key.endswith("examples"):
            xl = X_AXES[self.x_axis][0]
            xq = {"examples": "examples", "epochs": "epoch", "time": "time"}[self.x_axis]
        log_x = self.log_axes[PLOTS[plot_key][3]]
        rows, nearest = self._hover_values(plot_key, vx, log_x, yq)
        # the header names the x of the data point nearest the cursor (the records' own x)
        x_value = nearest if nearest is not None else (10 ** vx if log_x else vx)
        if xq == "examples":
            x_text = f"{xl}: {max(0.0, x_value):,.0f}"
        elif xq == "time":
            x_text = f"{xl.split(' (')[0]}: {x_value:.1f} s"
        elif plot_key.endswith("epoch"):
            x_text = f"epoch {max(0, round(x_value))}"
        else:
            x_text = f"epoch {x_value:.2f}"
        return x_text, rows

    def _hover_values(self, plot_key: str, vx: float, log_x: bool, yq: str) -> tuple[list[dict], float | None]:
        rows = []
        nearest, nearest_d = None, math.inf
        for run in self.runs.values():
            if not run.visible:
                continue
            row = {"run": run.label, "color": run.color, "values": []}
            best = self._best_row(run)
            for (key_, name), item in run.items.items():
                if key_ != plot_key or name == "train_smooth":
                    continue
                x, y = self._series(run, key_, name)
                ok = np.isfinite(x)
                if not ok.any():
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    tx = np.log10(x) if log_x else x
                d = np.where(ok & np.isfinite(tx), np.abs(tx - vx), np.inf)
                i = int(np.argmin(d))
                if not np.isfinite(d[i]):
                    continue
                if d[i] < nearest_d:
                    nearest, nearest_d = float(x[i]), float(d[i])
                entry = {"series": SERIES_NAMES[name], "x": float(x[i]), "raw": _fmt(float(y[i]), yq)}
                if name == "train_raw" and self.smoothing > 0:
                    entry["smoothed"] = _fmt(float(self._series(run, key_, "train_smooth")[1][i]), yq)
                if name == "val" and best is not None and i == best:
                    entry["best"] = True
                row["values"].append(entry)
            if row["values"]:
                rows.append(row)
        return rows, nearest

    def show_hover(self, plot_key: str, vx: float, vy: float | None = None) -> str:
        """The cursor at view x `vx` in a plot (and its linked partner) and the readout of every
        ticked run there, kept inside the plot; returns the readout as plain text ("" if none)."""
        x_text, rows = self.hover_rows(plot_key, vx)
        if not rows:
            self.hide_hover()
            return ""
        for key_, line in self._cursor.items():
            if key_ in (plot_key, PARTNER[plot_key]):
                line.setValue(vx)
                line.show()
            else:
                line.hide()
        plain = [x_text]
        for row in rows:
            parts = []
            for v in row["values"]:
                t = f"{v['series']} {v['raw']}"
                if "smoothed" in v:
                    t += f" (smoothed {v['smoothed']})"
                if v.get("best"):
                    t += " ★ " + BEST_NOTE
                parts.append(t)
            row["parts"] = parts
            plain.append(f"{row['run']}: " + " · ".join(parts))
        self.hover_text = "\n".join(plain)
        self.hover_plot = plot_key
        vb = self.plots[plot_key].getViewBox()
        area = self.graphics.mapFromScene(vb.sceneBoundingRect()).boundingRect().adjusted(2, 2, -2, -2)
        # the fullest readout that fits in the plot: names elided harder, then one line per run
        for name_len, stacked in ((40, True), (24, True), (24, False), (14, False)):
            self.readout.setText(self._readout_html(x_text, rows, name_len, stacked))
            self.readout.adjustSize()
            if self.readout.width() <= area.width() and self.readout.height() <= area.height():
                break
        if vy is None:
            vy = float(np.mean(vb.viewRange()[1]))
        self._place_readout(vb, vb.mapViewToScene(QPointF(vx, vy)))
        self.readout.show()
        self.readout.raise_()
        return self.hover_text

    @staticmethod
    def _short_names(rows: list[dict]) -> list[str]:
        """Run names without the settings every listed run shares ("mnist-net1 · ce · sgdm …"),
        so that what tells them apart survives the readout's narrow width."""
        names = [r["run"] for r in rows]
        bare = [n.split(" [")[0] for n in names]  # the legend's "[run folder]" suffix
        if len(set(bare)) == len(bare):
            names = bare
        parts = [n.split(" · ") for n in names]
        if len(parts) < 2:
            return names
        common = set(parts[0]).intersection(*parts[1:])
        return [" · ".join(p for p in ps if p not in common) or ps[-1] for ps in parts]

    @classmethod
    def _readout_html(cls, x_text: str, rows: list[dict], name_len: int, stacked: bool) -> str:
        cells = [f"<tr><td colspan=2><b>{html.escape(x_text)}</b></td></tr>"]
        for row, name in zip(rows, cls._short_names(rows)):
            parts = [html.escape(p if stacked else p.replace(" " + BEST_NOTE, "")) for p in row["parts"]]
            values = ("<br>&nbsp;&nbsp;" + "<br>&nbsp;&nbsp;".join(parts)) if stacked else ": " + " · ".join(parts)
            cells.append(f"<tr><td style='color:{row['color']}'>■</td>"
                         f"<td>{html.escape(_elide(name, name_len))}{values}</td></tr>")
        return "<table cellspacing=0 cellpadding=0>" + "".join(cells) + "</table>"

    def plot_rect(self, plot_key: str) -> QRect:
        """The plot's data area in the coordinates of the graphics widget (the readout's parent)."""
        vb = self.plots[plot_key].getViewBox()
        return self.graphics.mapFromScene(vb.sceneBoundingRect()).boundingRect()

    def _place_readout(self, vb, scene_pos) -> None:
        """Right of and below the cursor; left of it near the right edge; always inside the plot."""
        area = self.graphics.mapFromScene(vb.sceneBoundingRect()).boundingRect().adjusted(2, 2, -2, -2)
        at = self.graphics.mapFromScene(scene_pos)
        w, h = self.readout.width(), self.readout.height()
        gap = 14
        x = at.x() + gap
        if x + w > area.right():
            x = at.x() - gap - w  # flip to the left of the cursor
        x = max(area.left(), min(x, area.right() - w))
        y = at.y() + gap
        if y + h > area.bottom():
            y = at.y() - gap - h
        y = max(area.top(), min(y, area.bottom() - h))
        self.readout.move(QPoint(int(x), int(y)))

    # -- CSV -----------------------------------------------------------------------------------
    def plot_csv(self, plot_key: str) -> str:
        """A plot's data as CSV: run, series (training / validation), x, raw, smoothed (the
        training curve's moving average when smoothing is on, else empty)."""
        _t, xl, _yl, xq, yq = PLOTS[plot_key]
        if plot_key.endswith("examples"):
            xl = X_AXES[self.x_axis][0]
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["run", "series", xl, f"{yq} (raw)", f"{yq} (smoothed)"])
        for run in self.runs.values():
            if not run.visible:
                continue
            for (key_, name), _item in run.items.items():
                if key_ != plot_key or name == "train_smooth":
                    continue
                x, y = self._series(run, key_, name)
                smooth = None
                if name == "train_raw" and self.smoothing > 0:
                    smooth = self._series(run, key_, "train_smooth")[1]
                for i in range(len(x)):
                    w.writerow([run.label, SERIES_NAMES[name], _num(x[i]), _num(y[i]),
                                _num(smooth[i]) if smooth is not None else ""])
        return out.getvalue()

    def export_csv(self, plot_key: str, path: str | Path) -> None:
        """Write plot_csv(plot_key) atomically. Raises OSError."""
        save_text(path, self.plot_csv(plot_key))

    @Slot()
    def _export_csv_action(self) -> None:
        action = self.sender()
        key_ = action.data() if isinstance(action, QAction) else None
        if key_ not in PLOTS:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export plot data", str(Path.home() / f"{key_}.csv"),
                                              "CSV (*.csv)")
        if not path:
            return
        try:
            self.export_csv(key_, path)
        except OSError as exc:
            if getattr(self, "_model", None) is not None:
                self._model.show_message(f"Could not save {path}: {exc.strerror or exc}")
            return
        if getattr(self, "_model", None) is not None:
            self._model.status.emit(f"Plot data saved to {path}", 5000)

    # -- x axis --------------------------------------------------------------------------------
    def set_x_axis(self, mode: str) -> None:
        """The "vs examples" plots count examples seen, epochs (fractional) or wall time."""
        if mode not in X_AXES or mode == self.x_axis:
            return
        self.x_axis = mode
        i = self.x_combo.findData(mode)
        if i >= 0 and i != self.x_combo.currentIndex():
            self.x_combo.setCurrentIndex(i)
        self._set_titles()
        for run in self.runs.values():
            run.dirty = set(PLOTS)
        for k in ("loss_examples", "acc_examples"):
            self._managed[k] = True
        self._refit = set(PLOTS)
        self.hide_hover()
        self._schedule()

    @Slot()
    def _x_combo_changed(self) -> None:
        mode = self.x_combo.currentData()
        if getattr(self, "_model", None) is not None:
            self._model.set_option("x_axis", mode)
        else:
            self.set_x_axis(mode)

    # -- export ------------------------------------------------------------------------------
    def export_image(self, path: str | Path) -> None:
        """Save all four plots as one PNG or SVG (by the suffix), atomically. Raises OSError."""
        path = Path(path)
        self.refresh()
        if path.suffix.lower() == ".svg":
            try:
                data = exporters.SVGExporter(self.graphics.ci).export(toBytes=True)
                if isinstance(data, str):
                    data = data.encode("utf-8")
            except ValueError:
                # pyqtgraph 0.14's SVG exporter cannot parse the closing "Z" that newer Qt writes
                # in paths; Qt's own SVG generator draws the same scene as vectors.
                data = self._svg_by_qt()
        else:
            exporter = exporters.ImageExporter(self.graphics.ci)
            exporter.parameters()["width"] = max(1600, int(self.graphics.width()))
            image = exporter.export(toBytes=True)
            array = QByteArray()
            buf = QBuffer(array)
            buf.open(QIODevice.OpenModeFlag.WriteOnly)
            if not image.save(buf, "PNG"):
                raise OSError(f"could not encode the plots as PNG for {path}")
            buf.close()
            data = bytes(array.data())
        save_bytes(path, bytes(data))

    def _svg_by_qt(self) -> bytes:
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        rect = self.graphics.ci.sceneBoundingRect()
        array = QByteArray()
        buf = QBuffer(array)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buf)
        gen.setSize(rect.size().toSize())
        gen.setViewBox(rect.translated(-rect.topLeft()))
        gen.setTitle("ConvViz training curves")
        painter = QPainter(gen)
        self.graphics.scene().render(painter, rect.translated(-rect.topLeft()), rect)
        painter.end()
        buf.close()
        return bytes(array.data())


    # -- observing the Training model --------------------------------------------------------
    def bind(self, model) -> None:
        """Follow a `TrainingModel`: its ticked runs are drawn, its view options set the controls
        here, and these controls write the options back to it."""
        self._model = model
        model.run_ticked.connect(self._model_run_ticked)
        model.run_removed.connect(self.remove_run)
        model.run_records.connect(self._model_records)
        model.batch_recorded.connect(self.append_batch)
        model.epoch_recorded.connect(self.append_epoch)
        model.options_changed.connect(self._model_option)
        self.smooth_check.toggled.connect(self._smooth_check_edited)
        self.smooth_slider.valueChanged.connect(self._smooth_weight_edited)
        for box in self.log_checks.values():
            box.toggled.connect(self._log_box_edited)
        model.form_changed.connect(self._form_changed)
        for name in ("smoothing", "smoothing_weight", "log_axes", "x_axis"):
            self._model_option(name)
        self._form_changed("")

    @Slot(str)
    def _form_changed(self, _name: str) -> None:
        self.set_empty_hint(self._model.empty_hint())

    @Slot(str, bool)
    def _model_run_ticked(self, run_id: str, on: bool) -> None:
        entry = self._model.run(run_id)
        if entry is None:
            return
        if on and run_id not in self.runs:
            self.add_run(run_id, entry.legend, entry.color, *entry.planned())
            if entry.history or entry.epochs:
                self.set_records(run_id, entry.history, entry.epochs)
        if run_id in self.runs:
            self.set_run_visible(run_id, on)

    @Slot(str)
    def _model_records(self, run_id: str) -> None:
        entry = self._model.run(run_id)
        if entry is not None and run_id in self.runs:
            self.set_records(run_id, entry.history, entry.epochs)

    @Slot(str)
    def _model_option(self, name: str) -> None:
        o = self._model.options
        if name == "smoothing":
            self.smooth_check.setChecked(bool(o["smoothing"]))
        elif name == "smoothing_weight":
            self.smooth_slider.setValue(int(o["smoothing_weight"]))
        elif name == "log_axes":
            for q, box in self.log_checks.items():
                box.setChecked(bool(o["log_axes"].get(q, False)))
        elif name == "x_axis":
            self.set_x_axis(o["x_axis"])

    @Slot(bool)
    def _smooth_check_edited(self, on: bool) -> None:
        self._model.set_option("smoothing", on)

    @Slot(int)
    def _smooth_weight_edited(self, value: int) -> None:
        self._model.set_option("smoothing_weight", value)

    @Slot()
    def _log_box_edited(self) -> None:
        self._model.set_option("log_axes", {q: b.isChecked() for q, b in self.log_checks.items()})


class _TimedGraphicsLayout(pg.GraphicsLayoutWidget):
    """Remembers how long its last repaint took, for the redraw budget; says when the mouse leaves."""

    last_paint_s = 0.0
    left = QtCore.Signal()
    double_clicked = QtCore.Signal(QPointF)  # scene position

    def leaveEvent(self, event) -> None:  # noqa: N802
        super().leaveEvent(event)
        self.left.emit()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        # Here rather than through the scene's sigMouseClicked: with Qt 6's press + double-click
        # sequence pyqtgraph reports the second click as a single one.
        super().mouseDoubleClickEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit(self.mapToScene(event.position().toPoint()))

    def paintEvent(self, event) -> None:  # noqa: N802
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.last_paint_s = max(self.last_paint_s, time.perf_counter() - t0)
