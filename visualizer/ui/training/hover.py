"""Reading the training plots as in TensorBoard: a vertical cursor follows the mouse in a plot (and
in the plot whose x axis is linked to it), and one readout lists every ticked run at that x
(colour, name, raw and smoothed value), kept inside the plot in the corner away from the cursor
and the values under it.

`HoverReadout` draws the cursor lines and the readout; what it lists comes from a callback (the
plots' `hover_rows`, built on `visualizer.core.curves.hover_rows`).
"""

from __future__ import annotations

import html
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPoint, QPointF, QRect, Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from visualizer.core.curves import BEST_NOTE

#: (plot key, view x) -> (x text, rows), as `visualizer.core.curves.hover_rows` returns them
RowsAt = Callable[[str, float], "tuple[str, list[dict]]"]


def _elide(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class HoverReadout(QObject):
    """The cursor lines and the readout over the plots of one graphics layout."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, plots: dict[str, pg.PlotItem], partner: dict[str, str],
                 rows_at: RowsAt) -> None:
        super().__init__(graphics)
        self.graphics, self.plots, self.partner, self.rows_at = graphics, plots, partner, rows_at
        self.text = ""  # the readout as plain text, "" while none is shown
        self.plot = ""  # the plot the readout is shown in
        self.cursors: dict[str, pg.InfiniteLine] = {}
        for key, p in plots.items():
            line = pg.InfiniteLine(angle=90, movable=False)
            line.setZValue(100)
            p.addItem(line, ignoreBounds=True)
            line.hide()
            self.cursors[key] = line
        self.label = QLabel(graphics)
        self.label.setObjectName("hover_readout")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.hide()
        self._mouse_proxy = pg.SignalProxy(graphics.scene().sigMouseMoved, rateLimit=60, slot=self.mouse_moved)

    def set_colours(self, fg: QColor, bg: QColor) -> None:
        faint = QColor(fg)
        faint.setAlpha(110)
        for line in self.cursors.values():
            line.setPen(pg.mkPen(faint, width=1))
        self.label.setStyleSheet(
            f"QLabel#hover_readout {{ background: rgba({bg.red()},{bg.green()},{bg.blue()},235); "
            f"color: {fg.name()}; border: 1px solid {fg.name()}; padding: 2px; font-size: 9pt; }}")

    def mouse_moved(self, event) -> None:
        """The scene's (rate-limited) mouse move: the readout of the plot under the mouse, or none."""
        pos = event[0]
        for key, p in self.plots.items():
            vb = p.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                view = vb.mapSceneToView(pos)
                self.show(key, view.x(), view.y())
                return
        self.hide()

    @Slot()
    def hide(self) -> None:
        """The mouse left the plots: no cursor, no readout."""
        for line in self.cursors.values():
            line.hide()
        self.label.hide()
        self.text = ""
        self.plot = ""

    def show(self, plot_key: str, vx: float, vy: float | None = None) -> str:
        """The cursor at view x `vx` in a plot (and its linked partner) and the readout of every
        ticked run there, kept inside the plot; returns the readout as plain text ("" if none)."""
        x_text, rows = self.rows_at(plot_key, vx)
        if not rows:
            self.hide()
            return ""
        for key, line in self.cursors.items():
            if key in (plot_key, self.partner[plot_key]):
                line.setValue(vx)
                line.show()
            else:
                line.hide()
        plain = [x_text]
        for row in rows:
            parts = []
            for v in row["values"]:
                t = f"{v['series']} {v['raw']}"
                if "at" in v:  # measured at another x than the header's (a validation point)
                    t += f" (at {v['at']})"
                if "smoothed" in v:
                    t += f" (smoothed {v['smoothed']})"
                if v.get("best"):
                    t += " ★ " + BEST_NOTE
                parts.append(t)
            row["parts"] = parts
            plain.append(f"{row['run']}: " + " · ".join(parts))
        self.text = "\n".join(plain)
        self.plot = plot_key
        vb = self.plots[plot_key].getViewBox()
        area = self.plot_rect(plot_key).adjusted(2, 2, -2, -2)
        # the fullest readout that fits in the plot: names elided harder, then one line per run;
        # on a plot too small for even that, the readout is cut at the plot's edges
        for name_len, stacked in ((40, True), (24, True), (24, False), (14, False)):
            self.label.setText(readout_html(x_text, rows, name_len, stacked))
            self.label.adjustSize()
            if self.label.width() <= area.width() and self.label.height() <= area.height():
                break
        self.label.resize(min(self.label.width(), max(1, area.width())),
                          min(self.label.height(), max(1, area.height())))
        if vy is None:
            vy = float(np.mean(vb.viewRange()[1]))
        self._place(area, self._points(plot_key, vx, vy, rows))
        self.label.show()
        self.label.raise_()
        return self.text

    def plot_rect(self, plot_key: str) -> QRect:
        """The plot's data area in the coordinates of the graphics widget (the readout's parent)."""
        vb = self.plots[plot_key].getViewBox()
        return self.graphics.mapFromScene(vb.sceneBoundingRect()).boundingRect()

    def _points(self, plot_key: str, vx: float, vy: float, rows: list[dict]) -> list[QPoint]:
        """Where the mouse and the listed values are, in the graphics widget's coordinates: what
        the readout must not cover."""
        p = self.plots[plot_key]
        vb = p.getViewBox()
        log_y = bool(getattr(p.getAxis("left"), "logMode", False))
        points = [self.graphics.mapFromScene(vb.mapViewToScene(QPointF(vx, vy)))]
        for row in rows:
            for v in row["values"]:
                y = v.get("y")
                if y is None or not np.isfinite(y) or (log_y and y <= 0):
                    continue
                view_y = float(np.log10(y)) if log_y else float(y)
                points.append(self.graphics.mapFromScene(vb.mapViewToScene(QPointF(vx, view_y))))
        return points

    def _place(self, area: QRect, points: list[QPoint]) -> None:
        """In the corner of the plot `area` that keeps the readout off the cursor line and the
        points under it (the first of `points` is the mouse): the readout never leaves the plot."""
        self.label.move(corner_for(area, self.label.width(), self.label.height(), points))


def corner_for(area: QRect, w: int, h: int, points: list[QPoint]) -> QPoint:
    """The top-left of a w×h box in one of the four corners of `area` (inside it), the one that
    covers the fewest of `points` (a margin around each) and does not cross the vertical line
    through the first, preferring, among equals, the corner farthest from them."""
    if not points:
        return QPoint(area.left(), area.top())
    cursor_x = points[0].x()
    left, top = area.left(), area.top()
    right, bottom = max(left, area.right() + 1 - w), max(top, area.bottom() + 1 - h)
    best, best_key = QPoint(right, top), None
    for x, y in ((right, top), (left, top), (right, bottom), (left, bottom)):
        box = QRect(x, y, w, h)
        margin = box.adjusted(-6, -6, 6, 6)
        covered = sum(1 for q in points if margin.contains(q))
        crosses = margin.left() <= cursor_x <= margin.right()
        nearest = min(((q.x() - min(max(q.x(), box.left()), box.right())) ** 2
                       + (q.y() - min(max(q.y(), box.top()), box.bottom())) ** 2) for q in points)
        key = (covered, crosses, -nearest)
        if best_key is None or key < best_key:
            best, best_key = QPoint(x, y), key
    return best


def short_names(names: list[str]) -> list[str]:
    """Run names without the settings every listed run shares ("mnist-net1 · ce · sgdm …"),
    so that what tells them apart survives the readout's narrow width."""
    bare = [n.split(" [")[0] for n in names]  # the legend's "[run folder]" suffix
    if len(set(bare)) == len(bare):
        names = bare
    parts = [n.split(" · ") for n in names]
    if len(parts) < 2:
        return list(names)
    common = set(parts[0]).intersection(*parts[1:])
    return [" · ".join(p for p in ps if p not in common) or ps[-1] for ps in parts]


def readout_html(x_text: str, rows: list[dict], name_len: int, stacked: bool) -> str:
    """The readout as a rich-text table: the x, then per run a colour square, its (short) name and
    its values, one line each when `stacked`, else on the name's line without the best-epoch note."""
    cells = [f"<tr><td colspan=2><b>{html.escape(x_text)}</b></td></tr>"]
    for row, name in zip(rows, short_names([r["run"] for r in rows])):
        parts = [html.escape(p if stacked else p.replace(" " + BEST_NOTE, "")) for p in row["parts"]]
        values = ("<br>&nbsp;&nbsp;" + "<br>&nbsp;&nbsp;".join(parts)) if stacked else ": " + " · ".join(parts)
        cells.append(f"<tr><td style='color:{row['color']}'>■</td>"
                     f"<td>{html.escape(_elide(name, name_len))}{values}</td></tr>")
    return "<table cellspacing=0 cellpadding=0>" + "".join(cells) + "</table>"
