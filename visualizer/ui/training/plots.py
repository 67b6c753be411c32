"""The four live training plots of the course report, with runs overlaid.

Loss and accuracy, each against examples seen and against epoch; training curves solid,
validation curves dashed, one colour per run. Records arrive as signals and are appended to numpy
buffers that double when full; the curves (each created once) are redrawn from those buffers by a
40 ms timer, never on every signal, so a fast trainer cannot flood the GUI thread.

Reading them works as in TensorBoard: a vertical cursor follows the mouse and a readout lists every
ticked run at that x (hover.py); the x axes of the two "vs examples" plots are linked, as are those
of the two "vs epoch" plots. Drag a box to zoom, the wheel zooms, a double-click gives the plot back
to the automatic range (view_ranges.py). Each run's epoch with the lowest validation loss is
starred: the epoch whose weights early stopping keeps. The numbers (x per axis mode, smoothing, best epoch, the
readout's values, CSV) are `visualizer.core.curves`; the option bar is plot_options.py; `ModelLink`
keeps the plots in step with the Training model.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore
from PySide6.QtCore import QObject, QPointF, QRect, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from visualizer.core.curves import (
    BEST_NOTE,
    PLOTS,
    X_AXES,
    GrowingBuffer,
    RunSeries,
    data_bounds,
    hover_rows,
    plot_csv,
    plot_series,
    x_label,
)
from visualizer.ui.shell.files import save_bytes, save_text
from visualizer.ui.training.hover import HoverReadout
from visualizer.ui.training.legend_fit import fit_legend, legend_overflow
from visualizer.ui.training.plot_hints import EmptyHints
from visualizer.ui.training.plot_export import csv_file_name, layout_image, save_csv_dialog
from visualizer.ui.training.plot_options import PlotOptionsBar
from visualizer.ui.training.view_ranges import Extent, ViewRanges

#: Plots whose x axes move together.
PARTNER = {"loss_examples": "acc_examples", "acc_examples": "loss_examples",
           "loss_epoch": "acc_epoch", "acc_epoch": "loss_epoch"}
MAX_EPOCH_LINES = 200


class IntegerAxis(pg.AxisItem):
    """An axis of whole numbers (epochs): no tick at 1.5 (log axes are left to pyqtgraph)."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        levels = super().tickValues(minVal, maxVal, size)
        if self.logMode:
            return levels
        kept = [(spacing, [v for v in values if abs(v - round(v)) < 1e-9])
                for spacing, values in levels if spacing >= 1 - 1e-9]
        kept = [(sp, v) for sp, v in kept if v]
        if not kept and math.isfinite(minVal) and math.isfinite(maxVal) and maxVal >= minVal:
            # pyqtgraph ticks a short range (a 3-epoch run: 0.9 to 3.1) in halves and tenths only;
            # every whole number then, or every step-th where they would crowd (~40 px apart)
            lo, hi = math.ceil(minVal), math.floor(maxVal)
            step = max(1, math.ceil((hi - lo + 1) / max(2.0, size / 40)))
            kept = [(float(step), [float(v) for v in range(math.ceil(lo / step) * step, hi + 1, step)])]
        return kept


class RunCurves:
    """One run's records (`data`) and its items in the four plots: a curve per series, a star on
    its best epoch."""

    def __init__(self, run_id: str, label: str, color: str, plots: dict[str, pg.PlotItem], line_width: float,
                 star_pen: QColor) -> None:
        self.run_id, self.label, self.color = run_id, label, color
        self.data = RunSeries()
        self.items: dict[tuple[str, str], pg.PlotDataItem] = {}  # (plot key, series) -> curve
        self.best_marks: dict[str, pg.ScatterPlotItem] = {}  # plot key -> the best epoch's star
        self.visible = True
        self.planned: tuple = (None, None)  # (examples, epochs) of the whole run, when known: the x extent
        self.dirty: set[str] = set(PLOTS)  # plots whose curves need new data
        self.lone: set[tuple[str, str]] = set()  # line-only curves showing a dot for their one point
        c = QColor(color)
        solid = pg.mkPen(c, width=line_width)
        dashed = pg.mkPen(c, width=line_width, style=Qt.PenStyle.DashLine)
        marked = dict(symbolBrush=c, symbolPen=c)
        styles = {"train_raw": dict(pen=solid), "train_smooth": dict(pen=solid),
                  "val": dict(pen=dashed, symbol="o", symbolSize=6, **marked)}
        epoch_styles = {"train": dict(pen=solid, symbol="o", symbolSize=6, **marked),
                        "val": dict(pen=dashed, symbol="t", symbolSize=7, **marked)}
        for key, p in plots.items():
            for name in plot_series(key):
                item = pg.PlotDataItem(**(styles if key.endswith("examples") else epoch_styles)[name])
                item.setClipToView(True)
                item.setDownsampling(auto=True, method="peak")
                p.addItem(item)
                self.items[(key, name)] = item
        for key, p in plots.items():
            star = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen(star_pen, width=1), brush=pg.mkBrush(c))
            star.setZValue(20)
            star.setToolTip(f"{label}: {BEST_NOTE}")
            p.addItem(star)
            self.best_marks[key] = star

    def mark_lone_point(self, key: tuple[str, str], item: pg.PlotDataItem, lone: bool) -> None:
        """A curve drawn as a line alone (the raw and smoothed training loss) shows nothing for a
        single point (a run shorter than one reporting interval): give it a dot until it has two."""
        if item.opts.get("symbol") is not None and key not in self.lone:
            return  # a curve with its own symbols
        if lone and key not in self.lone:
            self.lone.add(key)
            item.setSymbol("o")
            item.setSymbolSize(6)
            item.setSymbolBrush(self.color)
            item.setSymbolPen(self.color)
        elif not lone and key in self.lone:
            self.lone.discard(key)
            item.setSymbol(None)

    @property
    def batches(self) -> GrowingBuffer:
        return self.data.batches

    @property
    def epochs(self) -> GrowingBuffer:
        return self.data.epochs

    @property
    def legend_item(self) -> pg.PlotDataItem:
        return self.items[("acc_examples", "train_raw")]

    def detach(self, plots: dict[str, pg.PlotItem]) -> None:
        for (key, _), item in self.items.items():
            plots[key].removeItem(item)
        for key, star in self.best_marks.items():
            plots[key].removeItem(star)

    def apply_style(self, smoothing: float) -> None:
        smooth = smoothing > 0
        for star in self.best_marks.values():
            star.setVisible(self.visible)
        for (_key, name), item in self.items.items():
            item.setVisible(self.visible and (name != "train_smooth" or smooth))
            if name == "train_raw":
                # the raw curve stays visible under the smoothed one, faint
                item.setOpacity(0.25 if smooth else 1.0)

    def place_star(self, key: str, x_axis: str, log_x: bool, log_y: bool) -> np.ndarray:
        """The star on the best epoch's validation point in a plot (none while hidden, before a
        finite validation loss, or off a log axis); returns the validation x (epoch ends)."""
        star, i = self.best_marks[key], self.data.best_row() if self.visible else None
        x, y = self.data.series(key, "val", x_axis)
        if i is None or i >= len(x) or not (np.isfinite(x[i]) and np.isfinite(y[i])) \
                or (log_x and x[i] <= 0) or (log_y and y[i] <= 0):
            star.setData([], [])
        else:
            star.setData([math.log10(x[i]) if log_x else float(x[i])], [math.log10(y[i]) if log_y else float(y[i])])
        return x

    def star_at(self, key: str, log_x: bool, log_y: bool) -> tuple[float, float] | None:
        """Where the star sits in a plot (data coordinates), or None when not shown."""
        x, y = self.best_marks[key].getData()
        if x is None or len(x) == 0 or not self.best_marks[key].isVisible():
            return None
        return (10 ** float(x[0]) if log_x else float(x[0]), 10 ** float(y[0]) if log_y else float(y[0]))

    def set_line_width(self, width: float) -> None:
        for item in self.items.values():
            pen = pg.mkPen(item.opts["pen"])
            pen.setWidthF(width)
            item.setPen(pen)


class EpochLines:
    """Faint vertical lines at the epoch boundaries of the "vs examples" plots (at most
    MAX_EPOCH_LINES per plot), created as needed and then reused."""

    def __init__(self, plots: dict[str, pg.PlotItem]) -> None:
        self.plots = plots
        self.lines: dict[str, list[pg.InfiniteLine]] = {k: [] for k in plots if k.endswith("examples")}
        self.pen = pg.mkPen(None)

    def set_colour(self, fg: QColor) -> None:
        boundary = QColor(fg)
        boundary.setAlpha(40)
        self.pen = pg.mkPen(boundary, width=1, style=Qt.PenStyle.DotLine)
        for lines in self.lines.values():
            for line in lines:
                line.setPen(self.pen)

    def show(self, key: str, xs: list[float], log_x: bool) -> None:
        """Lines at these x (data coordinates) and no others."""
        xs = xs[:MAX_EPOCH_LINES]
        lines = self.lines[key]
        while len(lines) < len(xs):
            line = pg.InfiniteLine(angle=90, movable=False, pen=self.pen)
            line.setZValue(-10)
            self.plots[key].addItem(line, ignoreBounds=True)
            lines.append(line)
        for k, line in enumerate(lines):
            if k < len(xs):
                line.setValue(math.log10(xs[k]) if log_x else xs[k])
                line.show()
            else:
                line.hide()

    def positions(self, key: str) -> list[float]:
        return [float(line.value()) for line in self.lines.get(key, []) if line.isVisible()]


class TrainingPlots(QWidget):
    """Four plots in one graphics layout (so one export holds all four), plus view options."""

    def __init__(self, model, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: dict[str, RunCurves] = {}
        self.line_width = 2.0
        self._model = model  # the TrainingModel: its `options` are the only copy of the view options

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.options = PlotOptionsBar(self)
        layout.addWidget(self.options)

        from visualizer.ui.shell import theme

        self.graphics = _TimedGraphicsLayout(self)
        self.plots: dict[str, pg.PlotItem] = {}
        for i, key_ in enumerate(PLOTS):
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
            self.plots[key_] = p
        self.plots["acc_examples"].setXLink(self.plots["loss_examples"])
        self.plots["acc_epoch"].setXLink(self.plots["loss_epoch"])
        self.ranges = ViewRanges(self.plots, PARTNER, self._extent, self)
        self._refit: set[str] = set()
        self._bg, self._fg = (QColor(c) for c in theme.PLOT_COLOURS[theme.current_look()])
        self.set_look(theme.current_look())
        # The legend sits in its own row under the plots: inside a plot it would hide curves
        # (low accuracies, high losses), and here it is still part of an exported image.
        self.legend = pg.LegendItem(colCount=3, labelTextColor=self._fg)
        self.graphics.addItem(self.legend, row=2, col=0, colspan=2)
        self.graphics.resized.connect(self.fit_legend)  # never wider than the view (legend_fit.py)
        layout.addWidget(self.graphics, 1)

        self.hover = HoverReadout(self.graphics, self.plots, PARTNER, self.hover_rows)
        self.graphics.left.connect(self.hover.hide)
        self.boundaries = EpochLines(self.plots)
        self.empty_hints = EmptyHints(self.plots)
        self.set_empty_hint("Press Start to train mnist-net1 with the course settings.")
        self.graphics.double_clicked.connect(self.ranges.double_clicked)
        self._style_overlays()

        self.timer = QTimer(self)
        self.timer.setInterval(40)
        self.timer.timeout.connect(self._tick)  # runs only while something needs redrawing
        self._last_redraw = 0.0
        self._redraw_cost = 0.0  # seconds, smoothed: our setData calls plus the repaint they cause
        # Follow the model: its ticked runs are drawn, its view options set the option bar and
        # these plots, and the option bar writes the options back to it.
        self._link = ModelLink(self, model)
        self._apply_log_axes()

    # -- runs --------------------------------------------------------------------------------
    def add_run(self, run_id: str, label: str, color: str, planned_examples: float | None = None,
                planned_epochs: float | None = None) -> RunCurves:
        """Curves for a run. The planned totals fix the x axes for the whole run up front, so the
        axes do not move (and repaint) with every record, and show how far the run has come."""
        if run_id in self.runs:
            return self.runs[run_id]
        run = RunCurves(run_id, label, color, self.plots, self.line_width, self._fg)
        run.planned = (planned_examples, planned_epochs)
        self.legend.addItem(run.legend_item, label)
        self.fit_legend()
        self.runs[run_id] = run
        run.apply_style(self.smoothing)
        return run

    def remove_run(self, run_id: str) -> None:
        run = self.runs.pop(run_id, None)
        if run is None:
            return
        self.legend.removeItem(run.legend_item)
        self.fit_legend()
        run.detach(self.plots)
        self._redraw_all(refit=True, data=False)

    def set_run_visible(self, run_id: str, visible: bool) -> None:
        run = self.runs.get(run_id)
        if run is None or run.visible == visible:
            return
        run.visible = visible
        if visible:
            self.legend.addItem(run.legend_item, run.label)
        else:
            self.legend.removeItem(run.legend_item)
        self.fit_legend()
        run.apply_style(self.smoothing)
        run.dirty = set(PLOTS)
        self._redraw_all(refit=True, data=False)

    def append_batch(self, run_id: str, record: dict) -> None:
        run = self.runs.get(run_id)
        if run is None:  # a record of a run that is not drawn
            return
        run.data.append_batch(record)
        run.dirty |= {"loss_examples", "acc_examples"}  # the epoch plots change once an epoch
        self._schedule()

    def append_epoch(self, run_id: str, record: dict) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        run.data.append_epoch(record)
        run.dirty = set(PLOTS)
        self._schedule()

    def set_records(self, run_id: str, history: list[dict], epochs: list[dict]) -> None:
        run = self.runs[run_id]
        run.data.clear()
        for r in history:
            self.append_batch(run_id, r)
        for r in epochs:
            self.append_epoch(run_id, r)

    @Slot()
    def fit_legend(self) -> None:
        """The legend's columns and names for the view's width (legend_fit.py)."""
        fit_legend(self.legend, self.graphics.viewport().width())

    def layout_problems(self) -> list[str]:
        """For the layout report: a legend wider than the view, which would push the plots out."""
        return [why] if (why := legend_overflow(self.legend, self.graphics.viewport().width())) else []

    # -- drawing -----------------------------------------------------------------------------
    def _schedule(self) -> None:
        if not self.timer.isActive():
            self.timer.start()

    def _redraw_all(self, refit: bool = True, data: bool = True) -> None:
        """Every plot again at the next tick: `data` every run's curves, `refit` every range."""
        if data:
            for run in self.runs.values():
                run.dirty = set(PLOTS)
        if refit:
            self._refit = set(PLOTS)
        self._schedule()

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
                x, y = run.data.series(key_, name, self.x_axis, self.smoothing)
                log_x, log_y = self._logs(key_)
                ok = np.isfinite(x) & np.isfinite(y)
                if log_x:
                    ok &= x > 0
                if log_y:
                    ok &= y > 0
                if not ok.all():
                    x, y = x[ok], y[ok]
                item.setData(x.copy(), y.copy())
                run.mark_lone_point((key_, name), item, len(x) == 1)
            changed |= dirty
        for key_ in changed:
            self._update_marks(key_)
        for key_ in changed:
            self.ranges.fit(key_, force=key_ in self._refit)
        self._refit = set()
        self._update_empty()
        if not changed:
            self.timer.stop()  # idle until the next record

    def best_epoch(self, run_id: str) -> int | None:
        """The run's epoch with the lowest validation loss (the first of equals; the engine's
        rule, so it matches metrics.json's best_epoch), or None before its first epoch."""
        run = self.runs.get(run_id)
        return None if run is None else run.data.best_epoch()

    def _logs(self, key_: str) -> tuple[bool, bool]:
        """Whether the plot's x and y axes are logarithmic."""
        return self.log_axes[PLOTS[key_][3]], self.log_axes[PLOTS[key_][4]]

    def best_mark(self, run_id: str, plot_key: str) -> tuple[float, float] | None:
        """Where the run's star sits in a plot (data coordinates), or None when not shown."""
        return self.runs[run_id].star_at(plot_key, *self._logs(plot_key))

    def _update_marks(self, key_: str) -> None:
        """The best-epoch stars and, on the "vs examples" plots, the faint epoch boundaries."""
        lx, ly = self._logs(key_)
        bounds: set[float] = set()
        for run in self.runs.values():
            x = run.place_star(key_, self.x_axis, lx, ly)
            if run.visible and key_ in self.boundaries.lines:
                bounds.update(round(float(v), 6) for v in x if np.isfinite(v) and (not lx or v > 0))
        if key_ in self.boundaries.lines:
            self.boundaries.show(key_, sorted(bounds), lx)

    def epoch_lines(self, plot_key: str) -> list[float]:
        """The x positions of the epoch boundaries drawn in a "vs examples" plot."""
        return self.boundaries.positions(plot_key)

    def set_empty_hint(self, text: str) -> None:
        """What the plots say while no run is shown: what will appear and how to start."""
        self.empty_text = text
        self.empty_hints.set_text(text)
        self._update_empty()

    def _update_empty(self) -> None:
        self.empty_hints.update(not any(r.visible for r in self.runs.values()))

    # -- view ranges (view_ranges.py) --------------------------------------------------------
    def _extent(self, key_: str) -> Extent | None:
        """What the ticked runs cover in a plot, from our own buffers: the items' dataBounds only
        cover what is in view (clip-to-view), so a range fitted from them could never grow."""
        x_log, y_log = self._logs(key_)
        shown = self._shown()
        bounds = data_bounds([r.data for r in shown], key_, self.x_axis, self.smoothing, x_log, y_log)
        if bounds is None:
            return None
        examples = key_.endswith("examples")
        plans = [({"examples": r.planned[0], "epochs": r.planned[1], "time": None}[self.x_axis] if examples
                  else r.planned[1]) for r in shown]
        planned = [np.log10(p) if x_log else float(p) for p in plans if p]
        return Extent(*bounds, max(planned) if planned else None, examples and not x_log)

    def curve_data(self, run_id: str, plot_key: str, series: str) -> tuple[np.ndarray, np.ndarray]:
        """The data a curve currently shows (x, y), as the user sees it (for tests and export)."""
        x, y = self.runs[run_id].items[(plot_key, series)].getOriginalDataset()
        if x is None:
            return np.empty(0), np.empty(0)
        return np.asarray(x), np.asarray(y)

    # -- view options: the Training model's `options` (set there by the option bar) ------------
    @property
    def smoothing(self) -> float:
        """The training curves' moving-average weight; 0 while smoothing is off."""
        o = self._model.options
        return o["smoothing_weight"] / 100.0 if o["smoothing"] else 0.0

    @property
    def log_axes(self) -> dict[str, bool]:
        """quantity -> logarithmic axis."""
        return self._model.options["log_axes"]

    @property
    def x_axis(self) -> str:
        """What the "vs examples" plots count: examples seen, epochs (fractional) or wall time."""
        return self._model.options["x_axis"]

    @Slot(str)
    def _option_changed(self, name: str) -> None:
        if name in ("smoothing", "smoothing_weight"):
            for run in self.runs.values():
                run.apply_style(self.smoothing)
        elif name == "log_axes":
            self._apply_log_axes()
        elif name == "x_axis":
            self._set_titles()
            for k in ("loss_examples", "acc_examples"):
                self.ranges.give_back(k)
            self.hover.hide()
        else:
            return
        self._redraw_all()

    def _apply_log_axes(self) -> None:
        for key_, p in self.plots.items():
            _t, _xl, _yl, xq, yq = PLOTS[key_]
            p.setLogMode(x=self.log_axes[xq], y=self.log_axes[yq])

    def set_look(self, look: str) -> None:
        """Background and text colours for the theme's look ('light' or 'dark')."""
        from visualizer.ui.shell import theme

        self._bg, self._fg = (QColor(c) for c in theme.PLOT_COLOURS.get(look, theme.PLOT_COLOURS["light"]))
        self.graphics.setBackground(self._bg)
        for key_, p in self.plots.items():
            p.setLabel("left", PLOTS[key_][2], color=self._fg)
            for ax in ("bottom", "left"):
                p.getAxis(ax).setPen(self._fg)
                p.getAxis(ax).setTextPen(self._fg)
        self._set_titles()
        if hasattr(self, "legend"):  # not yet while __init__ sets the first look
            self.legend.setLabelTextColor(self._fg)
        if hasattr(self, "hover"):
            self._style_overlays()

    def _set_titles(self) -> None:
        for key_, p in self.plots.items():
            title = PLOTS[key_][0]
            if key_.endswith("examples"):
                title = title.replace("examples seen", X_AXES[self.x_axis][1])
            p.setTitle(title, color=self._fg)
            p.setLabel("bottom", x_label(key_, self.x_axis), color=self._fg)

    def _style_overlays(self) -> None:
        """Cursor, readout, epoch lines and hints in the look's colours."""
        self.hover.set_colours(self._fg, QColor(self._bg))
        self.boundaries.set_colour(self._fg)
        self.empty_hints.set_colour(self._fg)

    def set_line_width(self, width: float) -> None:
        self.line_width = width
        for run in self.runs.values():
            run.set_line_width(width)

    # -- hover (hover.py) ----------------------------------------------------------------------
    @property
    def hover_text(self) -> str:
        return self.hover.text

    @property
    def hover_plot(self) -> str:
        return self.hover.plot

    def _shown(self):
        return [run for run in self.runs.values() if run.visible]

    def hover_rows(self, plot_key: str, vx: float) -> tuple[str, list[dict]]:
        """What the readout lists at view x `vx` (see `visualizer.core.curves.hover_rows`)."""
        return hover_rows([(r.label, r.color, r.data) for r in self._shown()], plot_key, vx, self.x_axis,
                          self.smoothing, self.log_axes[PLOTS[plot_key][3]])

    def show_hover(self, plot_key: str, vx: float, vy: float | None = None) -> str:
        """The cursor at view x `vx` in a plot (and its linked partner) and the readout of every
        ticked run there, kept inside the plot; returns the readout as plain text ("" if none)."""
        return self.hover.show(plot_key, vx, vy)

    def plot_rect(self, plot_key: str) -> QRect:
        """The plot's data area in the coordinates of the graphics widget (the readout's parent)."""
        return self.hover.plot_rect(plot_key)

    # -- export ------------------------------------------------------------------------------
    def plot_csv(self, plot_key: str) -> str:
        """A plot's data as CSV (see `visualizer.core.curves.plot_csv`), the ticked runs."""
        return plot_csv([(r.label, r.data) for r in self._shown()], plot_key, self.x_axis, self.smoothing)

    def export_csv(self, plot_key: str, path: str | Path) -> None:
        """Write plot_csv(plot_key) atomically. Raises OSError."""
        save_text(path, self.plot_csv(plot_key))

    @Slot()
    def _export_csv_action(self) -> None:
        action = self.sender()
        key_ = action.data() if isinstance(action, QAction) else None
        if key_ in PLOTS:
            save_csv_dialog(self, csv_file_name(key_, self.x_axis), lambda: self.plot_csv(key_), self._model)

    def export_image(self, path: str | Path) -> None:
        """Save all four plots as one PNG or SVG (by the suffix), atomically. Raises OSError."""
        path = Path(path)
        self.refresh()
        try:
            data = layout_image(self.graphics, svg=path.suffix.lower() == ".svg")
        except OSError as exc:
            raise OSError(f"{exc} for {path}") from None
        save_bytes(path, data)

    # -- observing the Training model --------------------------------------------------------


class ModelLink(QObject):
    """Keeps the plots in step with a `TrainingModel`: its ticked runs drawn with their records,
    live records appended as they come, the view options two-way (the option bar), and the empty
    plots' hint from its form."""

    def __init__(self, plots: TrainingPlots, model) -> None:
        super().__init__(plots)
        self.plots, self.model = plots, model
        model.run_ticked.connect(self._run_ticked)
        model.run_removed.connect(plots.remove_run)
        model.run_records.connect(self._records)
        model.batch_recorded.connect(plots.append_batch)
        model.epoch_recorded.connect(plots.append_epoch)
        plots.options.bind(model)
        model.options_changed.connect(plots._option_changed)
        model.form_changed.connect(self._form_changed)
        self._form_changed("")

    @Slot(str)
    def _form_changed(self, _name: str) -> None:
        self.plots.set_empty_hint(self.model.empty_hint())

    @Slot(str, bool)
    def _run_ticked(self, run_id: str, on: bool) -> None:
        entry, plots = self.model.run(run_id), self.plots
        if entry is None:
            return
        if on and run_id not in plots.runs:
            plots.add_run(run_id, entry.legend, entry.color, *entry.planned())
            if entry.history or entry.epochs:
                plots.set_records(run_id, entry.history, entry.epochs)
        if run_id in plots.runs:  # ticked and let through by the runs filter (run_filter.py)
            plots.set_run_visible(run_id, on and self.model.passes_filter(run_id))

    @Slot(str)
    def _records(self, run_id: str) -> None:
        entry = self.model.run(run_id)
        if entry is not None and run_id in self.plots.runs:
            self.plots.set_records(run_id, entry.history, entry.epochs)


class _TimedGraphicsLayout(pg.GraphicsLayoutWidget):
    """Remembers how long its last repaint took, for the redraw budget; says when the mouse leaves."""

    last_paint_s = 0.0
    left = QtCore.Signal()
    resized = QtCore.Signal()
    double_clicked = QtCore.Signal(QPointF)  # scene position

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.resized.emit()

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
