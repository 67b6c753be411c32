"""The Sweep plot's numbers: a hover readout per point (its run and value) and per setting (mean,
standard deviation, standard error and n over the seeds), and the table of the same numbers under
the plot. Both read what `SweepPlotView` drew (`drawn`: per line its group, points with their
runs, and per x its stats from `core.sweep.SweepSeries.stats`); names too long are elided in the
middle (what tells sweep runs apart is at both ends), the whole name in the table's tooltip and
the readout."""

from __future__ import annotations

import html
import math

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget, QTableWidgetItem

from visualizer.ui.training.hover import corner_for

STATS_HEADERS = ("Line", "Setting", "Mean", "SD", "SE (SD/√n)", "n")


def elide_middle(text: str, n: int = 24) -> str:
    """"lr-interesting-net_seed1" -> "lr-inter…_seed1": both ends kept (n characters at most)."""
    if len(text) <= n:
        return text
    head = (n - 1) // 2
    return text[:head] + "…" + text[len(text) - (n - 1 - head):]


def number_text(v: float, percent: bool) -> str:
    """A mean, SD or SE as the table and readout show it: 4 significant digits, "–" when none."""
    if not math.isfinite(v):
        return "–"
    return f"{v:.4g} %" if percent else f"{v:.4g}"


def setting_lines(line: dict, i: int, percent: bool) -> tuple[str, str, list[str]]:
    """(line name, setting text, [mean, SD, SE, n]) of the i-th x of a drawn line."""
    _x, mean, sd, se, n = line["stats"][i]
    return (line["name"], line["x_texts"][i],
            [number_text(mean, percent), number_text(sd, percent), number_text(se, percent), str(n)])


class SweepStatsTable(QTableWidget):
    """One row per line and setting: mean, standard deviation, standard error and n over the seeds."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(STATS_HEADERS), parent)
        self.setObjectName("sweep_stats")
        self.setHorizontalHeaderLabels(list(STATS_HEADERS))
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setWordWrap(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setToolTip("The numbers of the plot: per setting, over the seeds: the mean, the sample standard "
                        "deviation (n − 1; the spread of single runs, the bars) and the standard error of the "
                        "mean (SD/√n)")

    def show_lines(self, drawn: list[dict], percent: bool) -> None:
        rows = [setting_lines(line, i, percent) for line in drawn for i in range(len(line["stats"]))
                if line["stats"][i][4] > 0]
        self.setRowCount(len(rows))
        for r, (name, setting, numbers) in enumerate(rows):
            for c, text in enumerate([name, setting, *numbers]):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(r, c, item)

    def cells(self) -> list[list[str]]:
        """The table's text, row by row (tests, copying)."""
        return [[self.item(r, c).text() for c in range(self.columnCount())] for r in range(self.rowCount())]


class SweepHover(QObject):
    """The readout over the Sweep plot: the point under the mouse (run and value), else the mean
    of the setting under it (mean, SD, SE, n); inside the plot, in the corner away from the mouse."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.text = ""
        self.label = QLabel(view.plot)
        self.label.setObjectName("sweep_readout")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.setStyleSheet("QLabel#sweep_readout { background: rgba(255,255,255,235); color: black; "
                                 "border: 1px solid gray; padding: 2px; }")
        self.label.hide()
        self._proxy = pg.SignalProxy(view.plot.scene().sigMouseMoved, rateLimit=60, slot=self._moved)

    def _moved(self, event) -> None:
        self.show_at(event[0])

    def hide(self) -> None:
        self.text = ""
        self.label.hide()

    def show_at(self, scene_pos: QPointF) -> str:
        """The readout for the mouse at `scene_pos` (scene coordinates); "" when nothing is near."""
        vb = self.view.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return ""
        text = self._point_text(vb, scene_pos) or self._setting_text(vb, scene_pos)
        if not text:
            self.hide()
            return ""
        self.text = text
        self.label.setText(html.escape(text).replace("\n", "<br>"))
        self.label.adjustSize()
        area = self.view.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect().adjusted(2, 2, -2, -2)
        self.label.resize(min(self.label.width(), area.width()), min(self.label.height(), area.height()))
        mouse = self.view.plot.mapFromScene(scene_pos)
        self.label.move(corner_for(area, self.label.width(), self.label.height(), [mouse]))
        self.label.show()
        self.label.raise_()
        return text

    def _nearest(self, vb, scene_pos: QPointF, candidates, reach: float):
        best, best_d = None, reach * reach
        for item, (x, y) in candidates:
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            p = vb.mapViewToScene(QPointF(x, y))
            d = (p.x() - scene_pos.x()) ** 2 + (p.y() - scene_pos.y()) ** 2
            if d <= best_d:
                best, best_d = item, d
        return best

    def _point_text(self, vb, scene_pos: QPointF) -> str:
        v = self.view
        cands = [((line, k), (v.x_position(px), py)) for line in v.drawn for k, (px, py) in enumerate(line["points"])]
        hit = self._nearest(vb, scene_pos, cands, 8.0)
        if hit is None:
            return ""
        line, k = hit
        value = line["points"][k][1]
        return f"{line['runs'][k]}\n{v.metric_label()}: {number_text(value, v.percent())}"

    def _setting_text(self, vb, scene_pos: QPointF) -> str:
        v = self.view
        cands = [((line, i), (v.x_position(s[0]), s[1])) for line in v.drawn for i, s in enumerate(line["stats"])]
        hit = self._nearest(vb, scene_pos, cands, 14.0)
        if hit is None:
            return ""
        line, i = hit
        name, setting, (mean, sd, se, n) = setting_lines(line, i, v.percent())
        return (f"{setting}" + (f" · {name}" if line["group"] else "") +
                f"\nmean {mean} · SD {sd} · SE {se} · n {n}")
