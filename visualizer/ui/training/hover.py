"""Reading the training plots as in TensorBoard: a vertical cursor follows the mouse in a plot (and
in the plot whose x axis is linked to it), and one readout lists every ticked run at that x
(colour, name, raw and smoothed value), kept inside the plot.

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
        # the fullest readout that fits in the plot: names elided harder, then one line per run
        for name_len, stacked in ((40, True), (24, True), (24, False), (14, False)):
            self.label.setText(readout_html(x_text, rows, name_len, stacked))
            self.label.adjustSize()
            if self.label.width() <= area.width() and self.label.height() <= area.height():
                break
        if vy is None:
            vy = float(np.mean(vb.viewRange()[1]))
        self._place(area, vb.mapViewToScene(QPointF(vx, vy)))
        self.label.show()
        self.label.raise_()
        return self.text

    def plot_rect(self, plot_key: str) -> QRect:
        """The plot's data area in the coordinates of the graphics widget (the readout's parent)."""
        vb = self.plots[plot_key].getViewBox()
        return self.graphics.mapFromScene(vb.sceneBoundingRect()).boundingRect()

    def _place(self, area: QRect, scene_pos: QPointF) -> None:
        """Right of and below the cursor; left of it near the right edge; always inside `area`."""
        at = self.graphics.mapFromScene(scene_pos)
        w, h = self.label.width(), self.label.height()
        gap = 14
        x = at.x() + gap
        if x + w > area.right():
            x = at.x() - gap - w  # flip to the left of the cursor
        x = max(area.left(), min(x, area.right() - w))
        y = at.y() + gap
        if y + h > area.bottom():
            y = at.y() - gap - h
        y = max(area.top(), min(y, area.bottom() - h))
        self.label.move(QPoint(int(x), int(y)))


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
