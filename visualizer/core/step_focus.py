"""Where the explorer's step view looks on a big input (no Qt).

On a picture too big for numbers in its cells (1×1×3 kernels on a 128×128 picture: 16,384 cells,
the window a dot), the step view shows only the window's neighbourhood, about FOCUS_SPAN cells a
side, as cells with their numbers. The neighbourhood follows the window the way a text editor
follows its cursor: it stays put while the window moves inside it, and when the window would
leave it (or touch its edge), it turns a page, so the window enters from the side it comes from
and crosses the whole neighbourhood again before the next turn. Rows and columns are counted
from 1 in the captions, as on every screen.
"""

from __future__ import annotations

#: The most cells a side the neighbourhood shows.
FOCUS_SPAN = 15
#: Cells kept between the window and the neighbourhood's edge (unless the input ends there).
FOCUS_MARGIN = 1

Box = tuple[int, int, int, int]  # top, left, rows, columns (from 0)


def follow_axis(previous: int | None, lo: int, hi: int, length: int, span: int,
                margin: int = FOCUS_MARGIN) -> int:
    """The first index of a run of `span` cells (of `length`) that shows cells lo..hi (inclusive),
    `margin` cells from its ends where the input allows; `previous` (the run's first index before)
    is kept while it still does, else the run moves just far enough the way the window went, so
    the window enters at one end and has the whole run to cross."""
    span = max(1, min(span, length))
    last = length - span
    need_lo, need_hi = max(0, lo - margin), min(length - 1, hi + margin)
    if previous is not None and 0 <= previous <= last and previous <= need_lo and need_hi < previous + span:
        return previous
    if previous is not None and need_hi >= previous + span:  # went forward: enter at the start
        start = need_lo
    else:  # went back (or nothing before): enter at the end
        start = need_hi - span + 1
    return max(0, min(start, last))


def focus_box(previous: Box | None, window: Box, shape: tuple[int, int], span: int = FOCUS_SPAN) -> Box:
    """The neighbourhood (top, left, rows, columns) of a matrix of `shape` that shows `window`
    (top, left, rows, columns: the cells read for one output cell, or the one output cell), at
    least `span` cells a side where the matrix has them and never less than the window needs."""
    rows, cols = shape
    wt, wl, wh, ww = window
    span_y = min(rows, max(span, wh + 2 * FOCUS_MARGIN))
    span_x = min(cols, max(span, ww + 2 * FOCUS_MARGIN))
    pt, pl = (None, None) if previous is None or previous[2:] != (span_y, span_x) else previous[:2]
    top = follow_axis(pt, wt, wt + wh - 1, rows, span_y)
    left = follow_axis(pl, wl, wl + ww - 1, cols, span_x)
    return top, left, span_y, span_x


def cells_box(cells: list[tuple[int, int]]) -> Box | None:
    """The smallest box (top, left, rows, columns) around `cells` ((row, column) pairs)."""
    if not cells:
        return None
    ys = [c[0] for c in cells]
    xs = [c[1] for c in cells]
    return min(ys), min(xs), max(ys) - min(ys) + 1, max(xs) - min(xs) + 1


def span_text(first: int, count: int, of: int) -> str:
    """"41–55 of 128": cells first..first+count−1 (from 0) counted from 1."""
    return f"{first + 1}–{first + count} of {of}" if count > 1 else f"{first + 1} of {of}"


def focus_caption(box: Box, inner: Box) -> str:
    """"rows 41–55 of 128, columns 45–59 of 128": what a neighbourhood `box` shows of a matrix
    whose real input sits at `inner` (top, left, rows, columns; the padding around it is left out
    and the rest numbered as the input grid numbers it, from 1)."""
    top, left, h, w = box
    it, il, ih, iw = inner
    parts = []
    for name, first, count, start, total in (("rows", top, h, it, ih), ("columns", left, w, il, iw)):
        a, b = max(first - start, 0), min(first + count - start, total) - 1
        parts.append(f"{name} {span_text(a, b - a + 1, total)}" if a <= b else f"{name}: padding only")
    return ", ".join(parts)
