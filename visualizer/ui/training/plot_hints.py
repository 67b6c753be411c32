"""What each training plot says in its middle while no run is shown: what will appear and how to
start. The text wraps to the plot's width (at 1024×768 a plot is narrower than its longest line)
and is left out of a plot too short to hold it (lecture zoom on a small screen), never cut."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtGui import QColor

from visualizer.core.curves import PLOTS

#: Pixels kept free around the hint inside its plot.
MARGIN = 8


class EmptyHints:
    """One centred, wrapping hint per plot (`hints`: plot key -> pg.TextItem)."""

    def __init__(self, plots: dict[str, pg.PlotItem]) -> None:
        self.plots = plots
        self.hints: dict[str, pg.TextItem] = {}
        self.empty = True
        for key, p in plots.items():
            hint = pg.TextItem(anchor=(0.5, 0.5))
            hint.setZValue(50)
            p.addItem(hint, ignoreBounds=True)
            hint.setPos(0.5, 0.5)
            self.hints[key] = hint
            p.getViewBox().sigResized.connect(self._resized)

    def set_text(self, text: str) -> None:
        for key, hint in self.hints.items():
            what = {"loss": "Loss", "accuracy": "Accuracy"}[PLOTS[key][4]]
            hint.setText(f"{what} curves appear here as a run learns:\ntraining solid, validation dashed.\n\n{text}")
        self.update(self.empty)

    def set_colour(self, fg: QColor) -> None:
        for hint in self.hints.values():
            hint.setColor(fg)

    def update(self, empty: bool) -> None:
        """Shown while no run is (centred, wrapped to its plot), hidden when a run is drawn."""
        self.empty = empty
        for key, hint in self.hints.items():
            vb = self.plots[key].getViewBox()
            fits = True
            if empty and vb.width() >= 1 and vb.height() >= 1:  # (not yet laid out: as it is)
                room = max(1.0, vb.width() - 2 * MARGIN)
                hint.setTextWidth(-1)  # its own width, where that fits; else wrapped to the plot's
                if hint.textItem.boundingRect().width() > room:
                    hint.setTextWidth(room)
                fits = hint.textItem.boundingRect().height() <= vb.height() - MARGIN
            if empty:
                (x0, x1), (y0, y1) = vb.viewRange()
                hint.setPos((x0 + x1) / 2, (y0 + y1) / 2)
            hint.setVisible(empty and fits)

    def fits(self, key: str) -> bool:
        """Whether the plot's hint is inside its plot (wrapped to its width, no taller than it)."""
        vb, hint = self.plots[key].getViewBox(), self.hints[key].textItem.boundingRect()
        return hint.width() <= vb.width() + 1 and hint.height() <= vb.height()

    @Slot()
    def _resized(self, *_args) -> None:
        self.update(self.empty)
