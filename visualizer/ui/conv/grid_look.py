"""How the explorer's grids look: their colours, the term colours, the value-to-colour scale shared
by the cell grid and the heat map, and the one precision rule for a cell's text."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from visualizer.core.number_text import shown

#: Largest side that may be drawn as cells with numbers (beyond: heat map).
MAX_CELLS = 48

WINDOW_COLOUR = QColor("#e8590c")  # the current window and cell (orange, solid lines)
HOVER_COLOUR = QColor("#1c7ed6")  # hover marks (blue, dashed lines)
HIGHLIGHT_COLOUR = QColor("#7b2cbf")  # the cell whose term is pointed at in the written sum
#: The longest the window takes to slide to the next cell.
SLIDE_MS = 200
#: Colours of the window's taps, in kernel order: a cell's badge and its term in the written sum
#: share one. Okabe–Ito's eight (told apart with the common colour-vision deficiencies) and grey:
#: the nine terms of a 3×3 sum never share one, and each also carries its index (①②…).
TERM_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
                "#999999")
def term_colour(i: int) -> str:
    return TERM_COLOURS[i % len(TERM_COLOURS)]


PAD_FILL = QColor("#dde3ec")
GRID_LINE = QColor("#9aa5b1")
TEXT_PAD = QColor("#5c6773")

_GRAY = pg.ColorMap(pos=np.array([0.0, 1.0]), color=np.array([[0, 0, 0, 255], [255, 255, 255, 255]]))
_DIVERGING = pg.colormap.get("CET-D1")
_SEQUENTIAL = pg.colormap.get("viridis")
# In cells, under dark text, a one-hue blue reads better than viridis' purple-to-yellow.
_BLUES = pg.ColorMap(pos=np.array([0.0, 0.5, 1.0]),
                     color=np.array([[247, 251, 255, 255], [107, 174, 214, 255], [8, 69, 148, 255]]))


def cell_label(v: float) -> str:
    """Short text for a cell: the explorer's one precision rule (number_text.shown)."""
    return shown(v)


class ColourScale:
    """Value -> colour, shared by the cell grid (paled) and the heat map (full strength)."""

    def __init__(self, kind: str, lo: float, hi: float) -> None:
        self.kind = kind  # "gray", "diverging", "sequential"
        if kind == "diverging":
            m = max(abs(lo), abs(hi), 1e-12)
            lo, hi = -m, m
        if hi <= lo:
            hi = lo + 1.0
        self.lo, self.hi = float(lo), float(hi)
        self.cmap = {"gray": _GRAY, "diverging": _DIVERGING}.get(kind, _SEQUENTIAL)

    @classmethod
    def for_values(cls, values: np.ndarray, kind: str = "auto", fixed: tuple[float, float] | None = None
                   ) -> "ColourScale":
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
        if not (math.isfinite(lo) and math.isfinite(hi)):  # only then pay for a filtered copy
            finite = values[np.isfinite(values)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        elif values.size > MAX_CELLS * MAX_CELLS and fixed is None:
            # Heat maps: a few extreme cells (an image border under zero padding) would wash out
            # everything else, so the colours span 0.5–99.5 % of the values; the rest saturate.
            sample = values.ravel()[:: max(1, values.size // 200_000)]
            plo, phi = (float(v) for v in np.percentile(sample, (0.5, 99.5)))
            if phi > plo:
                lo, hi = plo, phi
        if fixed is not None:
            lo, hi = fixed
        if kind == "auto":
            kind = "diverging" if lo < 0 < hi else "sequential"
        return cls(kind, lo, hi)

    def colour(self, v: float, pale: float = 0.0) -> QColor:
        t = 0.5 if not math.isfinite(v) else min(1.0, max(0.0, (v - self.lo) / (self.hi - self.lo)))
        cmap = _BLUES if pale and self.kind == "sequential" else self.cmap
        c = cmap.map(t, mode="qcolor")
        if pale:
            c = QColor(round(c.red() + (255 - c.red()) * pale), round(c.green() + (255 - c.green()) * pale),
                       round(c.blue() + (255 - c.blue()) * pale))
        return c
