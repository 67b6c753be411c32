"""The explorer's picture fitted to its room: `PictureFit` gives the figure and the step bar the
share of the chosen text size (fit.picture_scale) that fits the room the tab has, measured on the
window as laid out, so that the cells (fit.CELL_LINES lines of that text), their numbers and notes,
the arithmetic, the formula and the step bar grow and shrink together as one picture.

It fits again after each new result, on a resize, on a new text size (Ctrl+plus, F5), when a big
input's neighbourhood comes or goes, and when the layout gave the cells more or less room than
planned (twice in a row at most: a fit that changes nothing relays nothing out)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QFont, QFontMetricsF

from visualizer.core.convolution import MAX_KERNEL
from visualizer.ui.conv.fit import MIN_SCALE, PictureNeeds, picture_scale

#: Fits in a row on the layout's word that the cells got another room than planned.
MAX_ROOM_REFITS = 2
#: Matrices up to this many cells a side are planned as grids of numbers...
GRID_CELLS = 16
#: ...unless that would shrink the text below this share of the chosen size: then the matrices
#: bigger than a kernel (MAX_KERNEL cells a side) are planned as heat maps (as the views draw them
#: when their cells are too small for numbers; stepping zooms to the window's neighbourhood with
#: its numbers), and the text keeps the larger of the two sizes.
READABLE_SCALE = 0.8


class PictureFit(QObject):
    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)  # on the next turn of the event loop
        self.timer.timeout.connect(self.fit)
        #: The share of the chosen text size shown now.
        self.factor = 1.0
        self._font: QFont | None = None
        self._room_refits = 0
        self._room_share = 1.0
        panel.model.result_changed.connect(self.refit)
        panel.matrices.focus_resized.connect(self.refit)
        panel.matrices.room_found.connect(self._refit_to_room)

    # ==== when ==================================================================================
    @Slot()
    def refit(self) -> None:
        """Fit again on the next turn of the event loop."""
        self._room_refits = 0
        self.timer.start()

    def refit_now(self) -> None:
        self._room_refits = 0
        self.fit()

    @Slot(float)
    def _refit_to_room(self, share: float) -> None:
        """The cells got room for `share` of the rule's size: fit again on this layout, the whole
        picture at most that much smaller or larger."""
        if self._room_refits < MAX_ROOM_REFITS and (share < 1 or self.factor < 1):
            self._room_refits += 1
            self._room_share = share
            self.timer.start()

    def is_pending(self) -> bool:
        """A fit or the views' share of the room is still to come."""
        return self.timer.isActive() or self.panel.matrices.is_fitting()

    def stop(self) -> None:
        self.timer.stop()
        self.panel.matrices.stop_fitting()

    # ==== how ===================================================================================
    @Slot()
    def fit(self) -> None:
        """Give the figure and the step bar the share of the chosen text size that fits the room
        they have; cells, numbers, boxes and buttons then grow and shrink together."""
        p = self.panel
        p.fit_sidebar()
        base = QFont(p.font())
        size = base.pointSizeF()
        if size <= 0:
            return
        fm = QFontMetricsF(base)
        width = p.width() - 16 - (p.sidebar.width() + 6 if p.sidebar.isVisible() else 0)
        room = (fm.height(), fm.averageCharWidth(), width, p.height() - 12)
        factor = picture_scale(self.needs(), *room)
        if factor < READABLE_SCALE:
            factor = max(factor, picture_scale(self.needs(MAX_KERNEL), *room))
        if self._room_share != 1.0:  # what the layout made of the last plan bounds the next
            factor = min(factor, max(MIN_SCALE, self.factor * self._room_share))
            self._room_share = 1.0
        factor = round(factor, 2)
        font = QFont(base)
        font.setPointSizeF(size * factor)
        self.factor = factor
        p.matrices.base_font = base
        if font != self._font:
            # Only a new size relays the figure out (a relayout moves every cell).
            self._font = font
            for part in (p.figure, p.step_bar):
                part.setFont(font)
            p.matrices.scale_fonts()
            p.arithmetic.scale_fonts()
        if p.isVisible():  # before the first show the boxes have no width to fit to yet
            p.arithmetic.fit()
            p.step_bar.fit()
        p.fit_legend()

    def needs(self, grid_cells: int = GRID_CELLS) -> PictureNeeds:
        """What the figure holds now, and (once laid out) the room all but its grids take; a
        matrix more than `grid_cells` a side is planned as a heat map."""
        p = self.panel
        r = p.model.result
        columns, rows, heat = 0, 1, 0
        per_matrix = []
        if r is not None:
            m = p.matrices
            shapes = [(m.input_view, r.padded.shape[1:] if r.padded is not None else None, m.input_title),
                      (m.kernel_view, r.kernels.shape[2:], m.kernel_title),
                      (m.output_view, r.output.shape[1:] if r.output is not None else None, m.output_title)]
            for view, shape, head in shapes:
                focus = view.model.focus if shape is not None else None
                if focus is not None:  # a big matrix's neighbourhood while stepping, with its numbers
                    shape = (focus[2] + 1, focus[3])
                if shape is None:
                    per_matrix.append((0, len(head.text())))
                    continue
                h, w = shape
                if max(h, w) <= grid_cells:  # beyond, a heat map
                    columns += w
                    rows = max(rows, h)
                    per_matrix.append((w, len(head.text())))
                else:
                    heat += 1
                    per_matrix.append((0, len(head.text())))
        text = p.arithmetic.explanation_text()
        formula = p.arithmetic.formula.text().count("<br>") + 1
        bar = len(p.step_bar.position_label.text()) + len(p.step_bar.speed_label.text()) + 6
        needs = PictureNeeds(columns, rows, heat, len(text), formula, bar, tuple(per_matrix))
        self._measure_others(needs)
        return needs

    def _measure_others(self, needs: PictureNeeds) -> None:
        """The height of all but the grids as laid out now (once there is a layout): the written
        sum's box, and the rest in lines of the figure's text."""
        p = self.panel
        view = p.matrices.input_view
        line = QFontMetricsF(p.figure.font()).height()
        if not p.isVisible() or view.height() < 20 or line <= 0:
            return
        for part in (p, p.figure, p.arithmetic):  # a font change may wait for its relayout
            part.layout().activate()
        box = p.arithmetic.explanation_scroll.height()
        needs.other_lines = max(0.0, p.height() - 12 - view.height() - box) / line
        needs.sum_px, needs.sum_line_px = float(box), line
