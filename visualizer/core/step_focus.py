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
#: The fewest cells a side it shows (where the matrix has them), even on a small screen.
FOCUS_MIN_SPAN = 5
#: Cells kept between the window and the neighbourhood's edge (unless the input ends there).
FOCUS_MARGIN = 1

Box = tuple[int, int, int, int]  # top, left, rows, columns (from 0)


def follow_axis(previous: int | None, lo: int, hi: int, length: int, span: int,
                margin: int = FOCUS_MARGIN) -> int:
    """The first index of a run of `span` cells (of `length`) that shows cells lo..hi (inclusive),
    `margin` cells from its ends where the input allows. `previous` (the run's first index before)
    is kept while it still does; a window that stepped just past it turns a page: the run moves the
    way the window went, so the window enters at one end and has the whole run to cross. A window
    that jumped further (or a first one) is centred."""
    span = max(1, min(span, length))
    last = length - span
    margin = max(0, min(margin, (span - (hi - lo + 1)) // 2))  # a window as wide as the run: no margin
    need_lo, need_hi = max(0, lo - margin), min(length - 1, hi + margin)
    if previous is not None and 0 <= previous <= last and previous <= need_lo and need_hi < previous + span:
        return previous
    if previous is not None and previous + span <= need_hi < previous + 2 * span:  # stepped forward
        start = need_lo
    elif previous is not None and previous - span <= need_lo < previous:  # stepped back
        start = need_hi - span + 1
    else:
        start = (lo + hi + 1) // 2 - span // 2
    return max(0, min(start, last))


def focus_box(previous: Box | None, window: Box, shape: tuple[int, int], span: tuple[int, int]) -> Box:
    """The neighbourhood (top, left, rows, columns) of a matrix of `shape` that shows `window`
    (top, left, rows, columns: the cells read for one output cell, or the one output cell): `span`
    (rows, columns) cells where the matrix has them, never less than the window needs."""
    rows, cols = shape
    wt, wl, wh, ww = window
    span_y = min(rows, max(span[0], wh + 2 * FOCUS_MARGIN))
    span_x = min(cols, max(span[1], ww + 2 * FOCUS_MARGIN))
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
