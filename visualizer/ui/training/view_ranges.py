"""The view ranges of the training plots: fitted to the data in steps, left to the user after a
zoom, given back on a double-click.

pyqtgraph's auto-range moves the axes on every new point, and a moved axis repaints the whole plot
(tens of ms in software rendering). Ranges here move in steps with headroom, so most redraws repaint
only the curves; a user's pan or zoom is left alone until a double-click (or pyqtgraph's "A"
auto-range button) gives the plot back. Plots whose x axes are linked move together.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Slot


class Extent(NamedTuple):
    """What a plot shows, in view coordinates (log10 on a log axis): the data's x and y bounds,
    the largest planned x of the runs (their whole length, when known), and whether x counts
    from 0 (examples seen and epochs do)."""

    x: tuple[float, float]
    y: tuple[float, float]
    planned: float | None
    from_zero: bool


def sticky(lo: float, hi: float, cur_lo: float, cur_hi: float, force: bool, below: float, above: float):
    """A new (lo, hi) view range when the data left the current one or fill under half of it;
    None to keep it. The new range leaves headroom: `below` and `above` times the data's span."""
    span = hi - lo
    if span <= 0:
        span = abs(hi) * 0.1 or 1.0
    if not force and cur_lo <= lo and hi <= cur_hi and span >= 0.5 * (cur_hi - cur_lo):
        return None
    return lo - below * span, hi + above * span


class ViewRanges(QObject):
    """Keeps the ranges of a set of plots; `extent(key)` says what a plot's data covers (None: no data)."""

    def __init__(self, plots: dict[str, pg.PlotItem], partner: dict[str, str],
                 extent: Callable[[str], Extent | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plots, self.partner, self.extent = plots, partner, extent
        self.managed = {k: True for k in plots}  # False: the user zoomed or panned it
        for key, p in plots.items():
            p.getViewBox().sigRangeChangedManually.connect(lambda *_a, k=key: self.user_moved(k))

    def user_moved(self, key: str) -> None:
        # the partner's x axis moved with it (linked): both are the user's now
        self.managed[key] = self.managed[self.partner[key]] = False

    def give_back(self, key: str) -> None:
        """The plot's range follows the data again (from the next fit)."""
        self.managed[key] = True

    def reset(self, key: str) -> None:
        """Give a plot (and its linked partner) back to the automatic range (a double-click)."""
        for k in (key, self.partner[key]):
            self.managed[k] = True
            self.fit(k, force=True)

    @Slot(QPointF)
    def double_clicked(self, scene_pos: QPointF) -> None:
        for key, p in self.plots.items():
            if p.getViewBox().sceneBoundingRect().contains(scene_pos):
                self.reset(key)
                return

    def fit(self, key: str, force: bool = False) -> None:
        """Fit a managed plot's range to its data: the whole planned run at once when known,
        else in steps with headroom; `force` fits it even when the data still fills it."""
        vb = self.plots[key].getViewBox()
        if any(vb.autoRangeEnabled()):  # the "A" button: the plot is ours again
            vb.disableAutoRange()
            self.managed[key] = True
            force = True
        if not self.managed[key]:
            return
        ext = self.extent(key)
        if ext is None:
            return
        (x_lo, x_hi), (y_lo, y_hi) = ext.x, ext.y
        (cx0, cx1), (cy0, cy1) = vb.viewRange()
        if ext.planned is not None and ext.planned >= x_hi:
            # the whole run's extent is known: show it from the start, exactly
            lo, hi = x_lo, ext.planned
            if ext.from_zero:
                lo = min(lo, 0.0)
            pad = 0.03 * (hi - lo if hi > lo else 1.0)
            target = (lo - pad, hi + pad)
            nx = None if (abs(cx0 - target[0]) < 1e-9 * max(1.0, abs(hi)) and
                          abs(cx1 - target[1]) < 1e-9 * max(1.0, abs(hi))) else target
        else:
            nx = sticky(x_lo, x_hi, cx0, cx1, force, below=0.02, above=0.3)  # x grows rightwards
        ny = sticky(y_lo, y_hi, cy0, cy1, force, below=0.12, above=0.12)
        if nx is not None or ny is not None:
            vb.setRange(xRange=nx or (cx0, cx1), yRange=ny or (cy0, cy1), padding=0)
