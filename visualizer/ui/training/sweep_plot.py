"""The Sweep plot: a final metric of a sweep's runs against one swept option.

One point per seed, the mean over the seeds joined by a line with its spread (± one sample
standard deviation) as error bars, and one line per value of a second swept option (e.g. ce
against l2). Learning rate and weight decay are drawn on a log axis (ticks at the swept values);
an option that takes words (loss, net) is spread evenly with its words as ticks. The numbers come
from `core.sweep.sweep_series` over sweep.csv; this view only draws them. It observes
`TrainingModel.sweep` (set by "Open sweep folder…").
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from visualizer.core.run_colors import RUN_COLORS
from visualizer.core.sweep import LOG_OPTIONS, SweepTable, sweep_series
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side
from visualizer.ui.training.model import TrainingModel
from visualizer.ui.training.sweep_readout import SweepHover, SweepStatsTable, elide_middle

#: metric key -> (label, shown in percent)
METRICS = {
    "test_accuracy": ("test accuracy (%)", True),
    "val_accuracy": ("validation accuracy (%)", True),
    "train_accuracy": ("training accuracy (%)", True),
    "test_loss": ("test loss", False),
    "val_loss": ("validation loss", False),
    "train_loss": ("training loss", False),
    "best_epoch": ("best epoch (lowest validation loss)", False),
}
NO_GROUP = "(none)"


def standard_error_text(series: list, scale: float, percent: bool) -> str:
    """"; the means' standard error (SD/√n): 0.12–0.31 points" over the plotted means with two or
    more seeds: how uncertain each mean is, smaller than the bars by √n; "" when no mean has two."""
    errors = []
    for s in series:
        for x, sd in zip(s.xs, s.spreads):
            n = sum(1 for px, _ in s.points if px == x)
            if n > 1 and math.isfinite(sd):
                errors.append(sd * scale / math.sqrt(n))
    if not errors:
        return ""
    unit = " points" if percent else ""
    lo, hi = min(errors), max(errors)
    shown = f"{lo:.3g}{unit}" if f"{lo:.3g}" == f"{hi:.3g}" else f"{lo:.3g}–{hi:.3g}{unit}"
    return f"; the means' standard error (SD/√n, n seeds): {shown}"


class SweepPlotView(QWidget):
    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweep_plot")
        self.model = model
        self.table: SweepTable | None = None
        #: what is drawn, per line: {"group", "name", "points": (x, y) as given, "runs" (one per
        #: point), "means", "spreads", "xs", "stats" (x, mean, SD, SE, n), "x_texts"}
        self.drawn: list[dict] = []
        self._log, self._metric = False, "test_accuracy"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        bar_widget = QWidget(self)
        bar = FlowLayout(bar_widget)  # wraps where the pane is narrow (1024×768, lecture mode)
        self.metric_combo = QComboBox(self)
        for key, (label, _) in METRICS.items():
            self.metric_combo.addItem(label, key)
        self.x_combo = QComboBox(self)
        self.group_combo = QComboBox(self)
        self.open_button = QPushButton("Open sweep folder…", self)
        self.open_button.setToolTip("A folder written by `convviz sweep` (it holds sweep.json and sweep.csv)")
        for text, w in (("Plot", self.metric_combo), ("against", self.x_combo), ("one line per", self.group_combo)):
            bar.addWidget(side_by_side(bar_widget, QLabel(text, self), w))
        bar.addWidget(self.open_button)
        layout.addWidget(bar_widget)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.hint)
        self.plot = pg.PlotWidget(self)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.getPlotItem().getViewBox().setDefaultPadding(0.06)  # end points off the frame
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.stats = SweepStatsTable(self)  # the plot's numbers, under it
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.plot)
        split.addWidget(self.stats)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
        self.readout = SweepHover(self)
        for combo in (self.metric_combo, self.x_combo, self.group_combo):
            combo.currentIndexChanged.connect(self.redraw)
        model.sweep_changed.connect(self._sweep_changed)
        self._sweep_changed()

    @Slot()
    def _sweep_changed(self) -> None:
        self.table = getattr(self.model, "sweep", None)
        options = list(self.table.options) if self.table is not None else []
        for combo in (self.x_combo, self.group_combo):
            combo.blockSignals(True)
            combo.clear()
        for o in options:
            self.x_combo.addItem(o)
        self.group_combo.addItem(NO_GROUP)
        for o in options:
            self.group_combo.addItem(o)
        # lr first when swept; the line per value of the next option (ce vs l2)
        x = "lr" if "lr" in options else (options[0] if options else "")
        self.x_combo.setCurrentIndex(max(0, self.x_combo.findText(x)))
        rest = [o for o in options if o != x]
        self.group_combo.setCurrentIndex(self.group_combo.findText(rest[0]) if rest else 0)
        for combo in (self.x_combo, self.group_combo):
            combo.blockSignals(False)
        self.redraw()

    def choose(self, metric: str | None = None, x: str | None = None, group: str | None = None) -> None:
        """Set the plot's choices (as the combos would); group "" for one line."""
        if metric is not None:
            self.metric_combo.setCurrentIndex(self.metric_combo.findData(metric))
        if x is not None:
            self.x_combo.setCurrentIndex(self.x_combo.findText(x))
        if group is not None:
            self.group_combo.setCurrentIndex(self.group_combo.findText(group or NO_GROUP))

    def x_position(self, x: float) -> float:
        """Where a swept value sits on the plot's x axis (log10 on a log axis)."""
        return math.log10(x) if self._log and x > 0 else x

    def percent(self) -> bool:
        return METRICS[self._metric][1]

    def metric_label(self) -> str:
        return METRICS[self._metric][0].replace(" (%)", "")

    @Slot()
    def redraw(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self.readout.hide()
        self.drawn = []
        self.stats.show_lines([], False)
        t = self.table
        if t is None:
            self.hint.setText("Open a sweep folder (written by <code>convviz sweep</code>) to plot a final metric "
                              "of its runs against a swept option, with the spread over seeds.")
            return
        if not t.options:
            self.hint.setText(f"Sweep “{t.name}” varies only the seed: nothing to plot against.")
            return
        metric = self.metric_combo.currentData() or "test_accuracy"
        x_opt = self.x_combo.currentText()
        group = self.group_combo.currentText()
        group = "" if group in (NO_GROUP, x_opt) else group
        labels, numeric, series = sweep_series(t, metric, x_opt, group)
        label, percent = METRICS[metric]
        scale = 100.0 if percent else 1.0
        log = numeric and x_opt in LOG_OPTIONS and all(x > 0 for s in series for x in s.xs)
        self._log, self._metric = log, metric

        def pos(x: float) -> float:
            return math.log10(x) if log else x

        counted = sum(len(s.points) for s in series)
        self.hint.setText(
            f"Sweep “{t.name}”: {len(t.rows)} runs, {counted} completed with a {label.split(' (')[0]} "
            f"(dots: one per seed; line: mean over seeds; bars: ± one standard deviation over the seeds, "
            f"the spread of single runs{standard_error_text(series, scale, percent)})"
            + (f"; {x_opt} on a log axis" if log else ""))
        for i, s in enumerate(series):
            color = RUN_COLORS[i % len(RUN_COLORS)]
            name = f"{group} = {s.group}" if group else "mean over seeds"
            xs = np.array([pos(x) for x in s.xs], float)
            means = np.array(s.means, float) * scale
            spreads = np.array(s.spreads, float) * scale
            keep = np.isfinite(means)
            self.plot.plot(xs[keep], means[keep], pen=pg.mkPen(color, width=2), symbol="o", symbolSize=4,
                           symbolBrush=color, name=name)
            if keep.any():
                bars = pg.ErrorBarItem(x=xs[keep], y=means[keep], height=2 * spreads[keep], beam=0.0,
                                       pen=pg.mkPen(color, width=1))
                self.plot.addItem(bars)
            if s.points:
                px = np.array([pos(x) for x, _ in s.points], float)
                py = np.array([y for _, y in s.points], float) * scale
                dots = pg.ScatterPlotItem(px, py, size=8, pen=pg.mkPen(color), brush=pg.mkBrush(color + "80"))
                self.plot.addItem(dots)
            x_texts = [f"{x_opt} = {labels[int(x)] if labels else f'{x:g}'}" for x in s.xs]
            stats = [(x, m * scale, sd * scale, se * scale, n) for x, m, sd, se, n in s.stats()]
            self.drawn.append({"group": s.group, "name": name, "points": [(x, y * scale) for x, y in s.points],
                               "runs": list(s.runs), "xs": list(s.xs), "means": list(means),
                               "spreads": list(spreads), "stats": stats, "x_texts": x_texts})
        axis = self.plot.getAxis("bottom")
        values = series[0].xs if series else []
        self.stats.show_lines(self.drawn, percent)
        if labels:  # words (net files' names): elided in the middle, whole in the table and readout
            axis.setTicks([[(float(i), elide_middle(text, 18)) for i, text in enumerate(labels)]])
        else:
            axis.setTicks([[(pos(v), f"{v:g}") for v in values]])
        self.plot.setLabel("bottom", x_opt + (" (log scale)" if log else ""))
        self.plot.setLabel("left", label)
        self.plot.enableAutoRange()
