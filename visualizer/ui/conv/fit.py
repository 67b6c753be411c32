"""The figure scales as one picture: cells, their numbers, the arithmetic and formula boxes and
the step bar follow one text size, so Ctrl+plus never makes the words grow while the grids shrink.

`picture_scale` works out how much of the chosen text size fits: the figure's height and width
grow in proportion to the text (a cell is a few lines of text tall), so one division gives the
factor. Below 1 everything shrinks together, the text with the grids.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The one rule for a cell's size: this many lines of the figure's text tall, a number and its note
#: on two lines at the notes' full size (cell_notes.note_layout). The grids draw their cells this
#: big where the room allows (matrix_view.CellGrid.max_cell) and `picture_scale` plans for it, so
#: the cells, their numbers and the text around them grow and shrink together.
CELL_LINES = 3.2
#: Never smaller than this share of the chosen size (beyond it, the grids turn into heat maps).
MIN_SCALE = 0.35


@dataclass
class PictureNeeds:
    """What the figure holds, in text lines and characters at the chosen text size."""
    cell_columns: int  # columns of all matrices drawn as cells, side by side
    cell_rows: int  # rows of the tallest matrix drawn as cells
    heat_maps: int  # matrices drawn as heat maps (each wants a square of 8 cells' room)
    explanation_chars: int  # length of the written sum
    formula_lines: int
    bar_chars: int  # the step bar's text (buttons, speed, "Cell k of n: …")
    #: Per matrix (input, kernel, output): its columns drawn as cells (0 for a heat map) and the
    #: length of its title, which the column must also fit.
    columns: tuple[tuple[int, int], ...] = ()
    #: Measured on the window as laid out: the height of all but the grids and the written sum
    #: (titles, legend, formula box, step bar), in lines of the figure's text; None: estimated.
    other_lines: float | None = None
    #: Measured with it: the written sum's box (px) and the figure's line (px) it was measured at.
    #: Its text wraps into more lines as it grows: its height grows with the square of the text.
    sum_px: float = 0.0
    sum_line_px: float = 0.0


def picture_scale(needs: PictureNeeds, line_px: float, char_px: float, width_px: float,
                  height_px: float) -> float:
    """The factor (MIN_SCALE..1) for the chosen text size whose lines are `line_px` tall and
    whose characters `char_px` wide, so that the figure fits `width_px` × `height_px`."""
    if line_px <= 0 or char_px <= 0 or width_px <= 0 or height_px <= 0:
        return 1.0
    cell = CELL_LINES * line_px
    heat = 8 * cell
    if needs.columns:
        # a title wraps: on two lines it needs half its length (titles_px counts two lines' height)
        width = sum(max(cols * cell if cols else heat, title * char_px * 1.15 / 2) for cols, title in needs.columns)
        width += 2 * 3 * line_px + 40  # the ∗ and = signs, spacing
    else:
        width = needs.cell_columns * cell + needs.heat_maps * heat + 2 * 3 * line_px + 40
    # The written sum is 1.25× the text and wraps inside the width it gets.
    sum_chars_per_line = max(20.0, width_px / (1.25 * char_px))
    sum_lines = 1 + needs.explanation_chars // sum_chars_per_line
    # The explanation box scrolls beyond a third of the figure: count at most that.
    sum_px = min((sum_lines * 1.25 * 1.35 + 1.5) * line_px, height_px / 3)
    cells_px = max(needs.cell_rows * cell, heat if needs.heat_maps else 0)
    if needs.other_lines is not None and needs.sum_line_px > 0:  # they grow with the text as the cells do
        grown = needs.sum_px * (line_px / needs.sum_line_px) ** 2
        height = cells_px + needs.other_lines * line_px + min(grown, height_px / 3)
    else:
        height = (cells_px + 2.2 * line_px  # titles
                  + 2.8 * line_px  # legend (two lines when it wraps)
                  + sum_px + (needs.formula_lines * 1.3 + 1.5) * line_px
                  + 2.4 * line_px + 40)  # step bar, margins
    bar = needs.bar_chars * char_px * 1.1 + 12 * line_px  # icons, spacings, the speed slider
    fits = min(width_px / width, height_px / height, width_px / bar if bar > width_px else 1.0)
    return max(MIN_SCALE, min(1.0, fits))
