"""The words of the convolution explorer's step-through (no Qt).

Output cells are stepped through in reading order (row by row); the caption counts cells, rows and
columns from 1, as the grids' headers do: "Cell 5 of 9: row 2, column 2".
"""

from __future__ import annotations

from visualizer.core.number_text import shown


def cell_of(index: int | None, out_hw: tuple[int, int]) -> tuple[int, int] | None:
    """(row, column) from 0 of output cell `index` (reading order) in an output of (Ho, Wo)
    cells; None for no index or one outside the output."""
    ho, wo = out_hw
    if index is None or not 0 <= index < ho * wo:
        return None
    return divmod(index, wo)


def step_caption(out_hw: tuple[int, int], cell: tuple[int, int] | None) -> str:
    """"Cell k of n: row r, column c" for the current cell (row, column from 0), or the number
    of output cells while the whole output shows (no current cell)."""
    ho, wo = out_hw
    if cell is None:
        return f"{ho * wo} output cells"
    y, x = cell
    return f"Cell {y * wo + x + 1} of {ho * wo}: row {y + 1}, column {x + 1}"


def step_status(out_hw: tuple[int, int], cell: tuple[int, int], value: float, channel: int = 0,
                channels: int = 1) -> str:
    """The status line while stepping: the caption, the output channel (from 1) when there are
    several, and the cell's value as the grids show it."""
    where = f", output channel {channel + 1}" if channels > 1 else ""
    return f"{step_caption(out_hw, cell)}{where} = {shown(value)}"
