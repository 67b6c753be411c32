"""The Training tab's Distributions view: how a layer's weights, gradients or activations are
spread while a net trains, drawn as TensorBoard draws a histogram summary (issue #24).

* **Distributions**: over examples seen, the nine recorded percentiles as nested shaded bands
  (0–100 %, 6.68–93.32 %, 15.87–84.13 %, 30.85–69.15 %: a normal distribution's ±∞, ±1.5σ, ±σ and
  ±0.5σ) around the median's line.
* **Histograms**: each record's 30-bin histogram, stacked with an offset (TensorBoard's "offset"
  mode): the oldest at the back and top, the newest in front at the bottom.

One small plot per ticked run, side by side on the same axes' ranges, in the run's colour; the
hover readout gives the examples seen and the percentiles (or the bin and its count) under the
pointer. It observes `DistributionsState` (which reads the files off the GUI thread).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from visualizer.core.convolution import format_number
from visualizer.core.distributions import PERCENTILES, Series
from visualizer.core.experiments import EXPERIMENT_DISTRIBUTIONS, LOOK_AT
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side
from visualizer.ui.shell.quietly import set_quietly
from visualizer.ui.training.distributions_state import MODES, DistributionsState
from visualizer.ui.training.model import TrainingModel

KIND_NAMES = {"weight": "weights", "grad": "gradients of the weights", "activation": "activations"}
MODE_NAMES = {"distributions": "Distributions (percentile bands)", "histograms": "Histograms (offset)"}
#: Histograms drawn at most (evenly spaced over the records, the newest always among them).
MAX_HISTOGRAMS = 30
#: A histogram's tallest bin reaches this many offset steps up (the curves overlap, as TensorBoard's).
HIST_HEIGHT = 4.0
COLUMNS = 3
#: the band pairs (indices into the nine percentiles), outermost first, and their fill opacity
BANDS = ((0, 8, 40), (1, 7, 70), (2, 6, 100), (3, 5, 140))


def num(v: float) -> str:
    return format_number(v, 3) if np.isfinite(v) else "—"


def shown_histograms(n: int) -> list[int]:
    """Indices of the records whose histograms are drawn: all up to MAX_HISTOGRAMS, else evenly spaced
    with the first and the newest."""
    if n <= MAX_HISTOGRAMS:
        return list(range(n))
    return sorted(set(np.linspace(0, n - 1, MAX_HISTOGRAMS).round().astype(int).tolist()))


class RunPlot:
    """One run's plot: its band and median items and its histogram curves, made once, set by setData."""

    def __init__(self, plot: pg.PlotItem, color: str) -> None:
        self.plot = plot
        c = QColor(color)
        # the percentiles' own lines, faint (a PlotCurveItem: FillBetweenItem needs drawn paths)
        self.lines = [pg.PlotCurveItem(pen=pg.mkPen(QColor(c.red(), c.green(), c.blue(), 60))) for _ in PERCENTILES]
        for line in self.lines:
            plot.addItem(line)
        self.bands = []
        for lo, hi, alpha in BANDS:
            fill = pg.FillBetweenItem(self.lines[lo], self.lines[hi], brush=QColor(c.red(), c.green(), c.blue(), alpha))
            plot.addItem(fill)
            self.bands.append(fill)
        self.median = plot.plot(pen=pg.mkPen(c, width=2))
        plot.getAxis("left").setWidth(64)  # room for "30,000" (examples seen) beside the histograms
        self.hists: list[pg.PlotDataItem] = []
        self.color = c
        self.series: Series | None = None
        self.hist_rows: list[int] = []

    def _hist_item(self, k: int) -> pg.PlotDataItem:
        while len(self.hists) <= k:
            c = self.color
            item = pg.PlotDataItem(stepMode="center", pen=pg.mkPen(c.darker(130), width=1),
                                   brush=QColor(c.red(), c.green(), c.blue(), 110))
            self.plot.addItem(item)
            self.hists.append(item)
        return self.hists[k]

    def show(self, s: Series, mode: str) -> None:
        self.series = s
        bands = mode == "distributions" and len(s) > 0
        for item in (*self.lines, *self.bands, self.median):
            item.setVisible(bands)
        if bands:
            x = s.examples_seen.astype(float)
            for i, line in enumerate(self.lines):
                line.setData(x, s.percentiles[:, i])
            self.median.setData(x, s.percentiles[:, 4])
        rows = shown_histograms(len(s)) if mode == "histograms" else []
        self.hist_rows = rows
        top = np.nanmax(s.counts[rows]) if rows and np.isfinite(s.counts[rows]).any() else 1.0
        for k, row in enumerate(rows):
            base = float(len(rows) - 1 - k)  # the newest at the bottom, in front
            item = self._hist_item(k)
            item.setData(s.edges[row], base + HIST_HEIGHT * s.counts[row] / max(top, 1.0), fillLevel=base)
            item.setZValue(k)
            item.setVisible(True)
        for item in self.hists[len(rows):]:
            item.setVisible(False)
        axis = self.plot.getAxis("left")
        if rows:
            step = max(1, len(rows) // 5)
            ticks = [(float(len(rows) - 1 - k), f"{int(s.examples_seen[rows[k]]):,}") for k in range(0, len(rows), step)]
            axis.setTicks([ticks, []])
        else:
            axis.setTicks(None)

    def readout(self, vx: float, vy: float, mode: str) -> str:
        """The values under the view point (vx, vy)."""
        s = self.series
        if s is None or not len(s):
            return ""
        if mode == "distributions":
            i = int(np.argmin(np.abs(s.examples_seen - vx)))
            values = " · ".join(f"{p:g} %: {num(v)}" for p, v in zip(PERCENTILES, s.percentiles[i]))
            return f"{int(s.examples_seen[i]):,} examples seen (epoch {s.epoch[i]:.2f}): {values}"
        rows = self.hist_rows
        if not rows:
            return ""
        k = int(np.clip(len(rows) - 1 - np.floor(vy), 0, len(rows) - 1))
        row = rows[k]
        edges = s.edges[row]
        b = int(np.clip(np.searchsorted(edges, vx, side="right") - 1, 0, len(edges) - 2))
        close = "]" if b == len(edges) - 2 else ")"  # the last bin holds its right edge (numpy's bins)
        return (f"{int(s.examples_seen[row]):,} examples seen: bin {b + 1} of {len(edges) - 1}, "
                f"[{num(edges[b])}, {num(edges[b + 1])}{close}: {int(s.counts[row][b]):,} values")


class DistributionsView(QWidget):
    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("distributions")
        self.model = model
        self.state = DistributionsState(model, self)
        layout = QVBoxLayout(self)
        bar_widget = QWidget(self)
        bar = FlowLayout(bar_widget)  # wraps where the pane is narrow (1024×768, lecture mode)
        self.layer_combo = QComboBox(self)
        self.layer_combo.setObjectName("distribution_layer")
        self.layer_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("distribution_kind")
        for k, text in KIND_NAMES.items():
            self.kind_combo.addItem(text, k)
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("distribution_mode")
        for k in MODES:
            self.mode_combo.addItem(MODE_NAMES[k], k)
        for text, w in (("Layer", self.layer_combo), ("Values", self.kind_combo), ("Draw", self.mode_combo)):
            bar.addWidget(side_by_side(bar_widget, QLabel(text, self), w))
        layout.addWidget(bar_widget)
        self.graphics = pg.GraphicsLayoutWidget(self)
        layout.addWidget(self.graphics, 1)
        self.readout = QLabel(self)
        self.readout.setObjectName("distribution_readout")
        self.readout.setWordWrap(True)
        layout.addWidget(self.readout)
        self.caption = QLabel(self)
        self.caption.setObjectName("distribution_caption")
        self.caption.setWordWrap(True)
        layout.addWidget(self.caption)
        self.run_plots: dict[str, RunPlot] = {}
        self._layout_key: tuple = ()
        self.layer_combo.currentIndexChanged.connect(self._layer_picked)
        self.kind_combo.currentIndexChanged.connect(self._kind_picked)
        self.mode_combo.currentIndexChanged.connect(self._mode_picked)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.state.changed.connect(self.redraw)
        self.caption.setVisible(False)
        self.redraw()

    # -- widgets -> state --------------------------------------------------------------------
    @Slot()
    def _layer_picked(self) -> None:
        if self.layer_combo.currentData() is not None:
            self.state.set_layer(self.layer_combo.currentData())

    @Slot()
    def _kind_picked(self) -> None:
        self.state.set_kind(self.kind_combo.currentData())

    @Slot()
    def _mode_picked(self) -> None:
        self.state.set_mode(self.mode_combo.currentData())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.state.set_active(True)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.state.set_active(False)

    def set_caption(self, experiment: str) -> None:
        """What to look at in `experiment` (core.experiments.LOOK_AT), for one that records
        distributions; hidden for anything else ("": a run of the form)."""
        text = LOOK_AT.get(experiment, "") if experiment in EXPERIMENT_DISTRIBUTIONS else ""
        self.caption.setText(f"<b>{experiment.capitalize()}:</b> {text}" if text else "")
        self.caption.setVisible(bool(text))

    # -- state -> widgets --------------------------------------------------------------------
    @Slot()
    def redraw(self) -> None:
        st = self.state
        self._sync_combos()
        ids = [r for r in st.run_ids() if r in st.records]
        key = tuple(ids)
        if key != self._layout_key:
            self._build(ids)
        for run_id, rp in self.run_plots.items():
            s = st.series_of(run_id)
            rp.show(s, st.mode)
            values = f"{st.layer} {KIND_NAMES[st.kind]}"
            bottom, left = ("examples seen", values) if st.mode == "distributions" else (values, "examples seen")
            rp.plot.setLabel("bottom", bottom)
            rp.plot.setLabel("left", left)
        self._same_ranges()
        self.readout.setText(self._empty_text(ids))

    def _sync_combos(self) -> None:
        st = self.state
        layers = st.layers()
        if [self.layer_combo.itemData(i) for i in range(self.layer_combo.count())] != layers:
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            for name in layers:
                self.layer_combo.addItem(name, name)
            self.layer_combo.blockSignals(False)
        for combo, value in ((self.layer_combo, st.layer), (self.kind_combo, st.kind), (self.mode_combo, st.mode)):
            i = combo.findData(value)
            if i >= 0 and i != combo.currentIndex():
                set_quietly(combo, "setCurrentIndex", i)

    def _build(self, ids: list[str]) -> None:
        self.graphics.clear()
        self.run_plots = {}
        self._layout_key = tuple(ids)
        for k, run_id in enumerate(ids):
            entry = self.model.run(run_id)
            plot = self.graphics.addPlot(row=k // COLUMNS, col=k % COLUMNS)
            plot.setTitle(entry.label if entry else run_id)
            plot.showGrid(x=True, y=True, alpha=0.2)
            self.run_plots[run_id] = RunPlot(plot, entry.color if entry else "#1f77b4")

    def _same_ranges(self) -> None:
        """Every run's plot on the same ranges, so side by side they compare."""
        xs, ys = [], []
        for rp in self.run_plots.values():
            s = rp.series
            if s is None or not len(s):
                continue
            if self.state.mode == "distributions":
                xs += [s.examples_seen.min(), s.examples_seen.max()]
                ys += [np.nanmin(s.percentiles), np.nanmax(s.percentiles)]
            elif rp.hist_rows:
                xs += [np.nanmin(s.edges[rp.hist_rows]), np.nanmax(s.edges[rp.hist_rows])]
                ys += [0.0, len(rp.hist_rows) - 1 + HIST_HEIGHT]
        xs = [v for v in xs if np.isfinite(v)]
        ys = [v for v in ys if np.isfinite(v)]
        if not xs or not ys:
            return
        for rp in self.run_plots.values():
            rp.plot.setXRange(min(xs), max(xs), padding=0.02)
            rp.plot.setYRange(min(ys), max(ys), padding=0.05)

    def _empty_text(self, ids: list[str]) -> str:
        st = self.state
        if not st.run_ids():
            return "Tick runs in the table to see their distributions."
        missing = [r for r in st.run_ids() if r not in st.records]
        errors = "; ".join(st.errors.values())
        if not ids:
            return (errors + " " if errors else "") + (
                "The ticked runs recorded no distributions: set the form's Distributions option (or "
                "convviz train --distributions N) before training, or run the course experiment batch norm.")
        note = f" ({len(missing)} ticked run(s) without distributions.jsonl)" if missing else ""
        return (errors + " " if errors else "") + "Point at a plot for its values." + note

    # -- hover -------------------------------------------------------------------------------
    @Slot(object)
    def _mouse_moved(self, pos) -> None:
        for run_id, rp in self.run_plots.items():
            if rp.plot.sceneBoundingRect().contains(pos):
                p = rp.plot.vb.mapSceneToView(pos)
                self.show_readout(run_id, p.x(), p.y())
                return

    def show_readout(self, run_id: str, vx: float, vy: float) -> str:
        """The readout for the point (vx, vy) of run `run_id`'s plot, shown under the plots."""
        rp = self.run_plots.get(run_id)
        text = rp.readout(vx, vy, self.state.mode) if rp else ""
        if text:
            entry = self.model.run(run_id)
            text = f"<b>{entry.label if entry else run_id}</b>, {self.state.layer} {KIND_NAMES[self.state.kind]}: {text}"
            self.readout.setText(text)
        return text

    def set_look(self, look: str) -> None:
        from visualizer.ui.shell import theme

        bg, fg = theme.PLOT_COLOURS.get(look, theme.PLOT_COLOURS["light"])
        self.graphics.setBackground(bg)
        for rp in self.run_plots.values():
            for ax in ("bottom", "left"):
                rp.plot.getAxis(ax).setPen(fg)
                rp.plot.getAxis(ax).setTextPen(fg)

    def shutdown(self) -> None:
        self.state.shutdown()
