"""The four live training plots of the course report, with runs overlaid.

Loss and accuracy, each against examples seen and against epoch; training curves solid,
validation curves dashed, one colour per run. Records arrive as signals and are appended to numpy
buffers that double when full; the curves (each created once) are redrawn from those buffers by a
40 ms timer, never on every signal, so a fast trainer cannot flood the GUI thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from visualizer.ui.shell.files import save_bytes


# plot key -> (title, x label, y label, x quantity, y quantity)
PLOTS = {
    "loss_examples": ("Loss vs examples seen", "examples seen", "loss", "examples", "loss"),
    "loss_epoch": ("Loss vs epoch", "epoch", "loss", "epoch", "loss"),
    "acc_examples": ("Accuracy vs examples seen", "examples seen", "accuracy (%)", "examples", "accuracy"),
    "acc_epoch": ("Accuracy vs epoch", "epoch", "accuracy (%)", "epoch", "accuracy"),
}
QUANTITIES = ("loss", "accuracy", "examples", "epoch")

# batch buffer columns / epoch buffer columns
B_EXAMPLES, B_EPOCH, B_LOSS, B_ACC = range(4)
E_EPOCH, E_EXAMPLES, E_TLOSS, E_TACC, E_VLOSS, E_VACC = range(6)


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
    batches: GrowingBuffer = field(default_factory=lambda: GrowingBuffer(4))
    epochs: GrowingBuffer = field(default_factory=lambda: GrowingBuffer(6))
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
        bar.addStretch(1)
        key = QLabel("solid: training · dashed: validation", self)
        key.setEnabled(False)
        bar.addWidget(key)
        layout.addLayout(bar)
        self.smooth_check.toggled.connect(self._smoothing_changed)
        self.smooth_slider.valueChanged.connect(self._smoothing_changed)

        from visualizer.ui.shell import theme

        self.graphics = _TimedGraphicsLayout(self)
        self.plots: dict[str, pg.PlotItem] = {}
        for i, (key_, (_title, _xl, _yl, _xq, _yq)) in enumerate(PLOTS.items()):
            p = self.graphics.addPlot(row=i // 2, col=i % 2)
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
            vb.sigRangeChangedManually.connect(lambda *_a, k=key_: self._user_moved_range(k))
            self.plots[key_] = p
        self._managed = {k: True for k in PLOTS}
        self._refit: set[str] = set()
        self._bg, self._fg = (QColor(c) for c in theme.PLOT_COLOURS[theme.current_look()])
        self.set_look(theme.current_look())
        # The legend sits in its own row under the plots: inside a plot it would hide curves
        # (low accuracies, high losses), and here it is still part of an exported image.
        self.legend = pg.LegendItem(colCount=3, labelTextColor=self._fg)
        self.graphics.addItem(self.legend, row=2, col=0, colspan=2)
        layout.addWidget(self.graphics, 1)

        # hover: a marker and a label showing the nearest point's exact values
        self._hover_marker = {}
        self._hover_label = {}
        for key_, p in self.plots.items():
            marker = pg.ScatterPlotItem(size=9, pen=pg.mkPen(self._fg, width=1.5), brush=None)
            marker.setZValue(100)
            label = pg.TextItem(color=self._fg, fill=pg.mkBrush(self._bg), border=pg.mkPen(self._fg))
            label.setZValue(101)
            for item in (marker, label):
                p.addItem(item, ignoreBounds=True)
                item.hide()
            self._hover_marker[key_] = marker
            self._hover_label[key_] = label
        self._mouse_proxy = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._mouse_moved)

        self.timer = QTimer(self)
        self.timer.setInterval(40)
        self.timer.timeout.connect(self._tick)  # runs only while something needs redrawing
        self._last_redraw = 0.0
        self._redraw_cost = 0.0  # seconds, smoothed: our setData calls plus the repaint they cause

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
                            _get(record, "train_loss"), 100.0 * _get(record, "train_accuracy")))
        run.dirty |= {"loss_examples", "acc_examples"}  # the epoch plots change once an epoch
        self._schedule()

    def append_epoch(self, run_id: str, record: dict) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        run.epochs.append((_get(record, "epoch"), _get(record, "examples_seen"),
                           _get(record, "train_loss"), 100.0 * _get(record, "train_accuracy"),
                           _get(record, "val_loss"), 100.0 * _get(record, "val_accuracy")))
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
        for (key_, name), item in run.items.items():
            item.setVisible(run.visible and (name != "train_smooth" or smooth))
            if name == "train_raw":
                # the raw curve stays visible under the smoothed one, faint
                item.setOpacity(0.25 if smooth else 1.0)

    def _series(self, run: RunCurves, key_: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        b, e = run.batches, run.epochs
        loss = key_.startswith("loss")
        if key_.endswith("examples"):
            if name == "train_raw":
                return b.column(B_EXAMPLES), b.column(B_LOSS if loss else B_ACC)
            if name == "train_smooth":
                return b.column(B_EXAMPLES), ema(b.column(B_LOSS if loss else B_ACC), self.smoothing)
            return e.column(E_EXAMPLES), e.column(E_VLOSS if loss else E_VACC)
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
            self._fit_range(key_, force=key_ in self._refit)
        self._refit = set()
        if not changed:
            self.timer.stop()  # idle until the next record

    # -- view ranges -------------------------------------------------------------------------
    # pyqtgraph's auto-range moves the axes on every new point, and a moved axis repaints the
    # whole plot (tens of ms in software rendering). Ranges here move in steps with headroom, so
    # most redraws repaint only the curves; a user's pan or zoom is left alone until the "A"
    # (auto-range) button gives the plot back.
    def _user_moved_range(self, key_: str) -> None:
        self._managed[key_] = False

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
            plan = run.planned[0 if key_.endswith("examples") else 1]
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
                lo = min(lo, 0.0)  # examples seen count from 0
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
            title, xl, yl, _xq, _yq = PLOTS[key_]
            p.setTitle(title, color=self._fg)
            p.setLabel("bottom", xl, color=self._fg)
            p.setLabel("left", yl, color=self._fg)
            for ax in ("bottom", "left"):
                p.getAxis(ax).setPen(self._fg)
                p.getAxis(ax).setTextPen(self._fg)
        if hasattr(self, "legend"):
            self.legend.setLabelTextColor(self._fg)
            for key_ in self.plots:
                self._hover_marker[key_].setPen(pg.mkPen(self._fg, width=1.5))
                label = self._hover_label[key_]
                label.setColor(self._fg)
                label.fill = pg.mkBrush(self._bg)
                label.border = pg.mkPen(self._fg)

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
        self.hover_text = ""
        for key_, p in self.plots.items():
            vb = p.getViewBox()
            if not p.sceneBoundingRect().contains(pos) or not vb.sceneBoundingRect().contains(pos):
                self._hover_marker[key_].hide()
                self._hover_label[key_].hide()
                continue
            view = vb.mapSceneToView(pos)
            self.show_hover(key_, view.x(), view.y())

    def show_hover(self, plot_key: str, vx: float, vy: float) -> str:
        """Mark the point nearest to view coordinates (vx, vy) and show its values; return the text."""
        p = self.plots[plot_key]
        _t, xl, yl, xq, yq = PLOTS[plot_key]
        log_x, log_y = self.log_axes[xq], self.log_axes[yq]
        pw, ph = p.getViewBox().viewPixelSize()
        pw, ph = pw or 1.0, ph or 1.0
        best = None
        for run in self.runs.values():
            if not run.visible:
                continue
            for (key_, name), item in run.items.items():
                if key_ != plot_key or not item.isVisible():
                    continue
                x, y = self._series(run, key_, name)
                if len(x) == 0:
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    tx = np.log10(x) if log_x else x
                    ty = np.log10(y) if log_y else y
                    d = ((tx - vx) / pw) ** 2 + ((ty - vy) / ph) ** 2
                d = np.where(np.isfinite(d), d, np.inf)
                i = int(np.argmin(d))
                if np.isfinite(d[i]) and (best is None or d[i] < best[0]):
                    best = (d[i], run, name, x[i], y[i], tx[i], ty[i])
        marker, label = self._hover_marker[plot_key], self._hover_label[plot_key]
        if best is None or best[0] > 40 ** 2:  # nothing within 40 pixels
            marker.hide()
            label.hide()
            self.hover_text = ""
            return ""
        _d, run, name, x, y, tx, ty = best
        kind = {"train_raw": "training", "train_smooth": "training (smoothed)",
                "train": "training", "val": "validation"}[name]
        xs = f"{x:,.0f}" if xq == "examples" else f"{x:g}"
        ys = f"{y:.2f} %" if yq == "accuracy" else f"{y:.4f}"
        text = f"{run.label}\n{kind}\n{xl}: {xs}\n{yl.split(' (')[0]}: {ys}"
        marker.setData([tx], [ty])
        marker.show()
        label.setText(text)
        label.setPos(tx, ty)
        label.show()
        self.hover_text = text
        return text

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
        for name in ("smoothing", "smoothing_weight", "log_axes"):
            self._model_option(name)

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
    """Remembers how long its last repaint took, for the redraw budget."""

    last_paint_s = 0.0

    def paintEvent(self, event) -> None:  # noqa: N802
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.last_paint_s = max(self.last_paint_s, time.perf_counter() - t0)
