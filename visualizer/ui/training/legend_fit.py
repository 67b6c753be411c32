"""The plots' legend kept inside the view: as many columns (up to three) as hold every run's name
whole; where not even one column does, the names are shortened in the middle (the net and
settings at the start, the run's date at the end) and the whole name is shown on hover.

Three runs with long names side by side (weight decay, dropout, early stopping) once made the
legend's row wider than the view at 1280×800, and the graphics layout pushed the plots past the
window's edge with it.
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

#: At most this many columns; where names must be shortened, no more rows than this while
#: columns are left (so many runs do not take the plots' height).
MAX_COLUMNS, MAX_ROWS = 3, 4
#: Pixels an entry takes besides its name: the line sample (20), the layout's spacing and margins.
ENTRY_EXTRA = 36
#: The legend's own margins inside the graphics view.
VIEW_MARGIN = 24


def legend_columns(name_widths: list[float], room: float) -> tuple[int, float]:
    """(columns, pixels for each name) for names of these widths in a legend `room` pixels wide:
    the most columns (up to MAX_COLUMNS) in which every name fits whole; else the names are
    shortened, in one column, or in as many as keep the legend to MAX_ROWS rows."""
    n = len(name_widths)
    if n == 0:
        return 1, room
    widest = max(name_widths)
    for cols in range(min(MAX_COLUMNS, n), 0, -1):
        if widest <= room / cols - ENTRY_EXTRA:
            return cols, room / cols - ENTRY_EXTRA
    cols = min(MAX_COLUMNS, max(1, math.ceil(n / MAX_ROWS)))
    return cols, max(0.0, room / cols - ENTRY_EXTRA)


def _font_of(legend, label) -> QFont:
    """The font a legend label is drawn in (its text item's, at the legend's text size)."""
    font = QFont(label.item.font())
    size = str(legend.opts.get("labelTextSize") or "")
    if size.endswith("pt"):
        font.setPointSizeF(float(size[:-2]))
    elif size.endswith("px"):
        font.setPixelSize(int(float(size[:-2])))
    return font


def fit_legend(legend, width: float) -> None:
    """Columns and names of a pyqtgraph LegendItem for a view `width` pixels wide; every label
    keeps its whole name as `full_name` and as its tooltip (and its line sample's)."""
    entries = []
    for sample, label in legend.items:
        if not hasattr(label, "full_name"):
            label.full_name = label.text  # the name it was added with
        metrics = QFontMetricsF(_font_of(legend, label))
        margin = 2 * label.item.document().documentMargin()
        entries.append((sample, label, metrics, metrics.horizontalAdvance(label.full_name) + margin, margin))
    cols, room = legend_columns([e[3] for e in entries], max(0.0, width - VIEW_MARGIN))
    if cols != legend.columnCount:
        legend.setColumnCount(cols)
    for sample, label, metrics, need, margin in entries:
        shown = label.full_name if need <= room else metrics.elidedText(
            label.full_name, Qt.TextElideMode.ElideMiddle, max(0.0, room - margin))
        text = label.full_name if shown == label.full_name else html.escape(shown)
        if label.text != text:
            label.setText(text)
        label.setToolTip(label.full_name)  # the whole name on hover, shortened or not
        sample.setToolTip(label.full_name)
    legend.updateSize()


def legend_overflow(legend, width: float) -> str:
    """A sentence when the legend is wider than a view `width` pixels wide, else ""."""
    need = legend.boundingRect().width()
    if need > width + 1:
        return f"the plots' legend is {need:.0f} px wide, the view {width:.0f} px"
    return ""
