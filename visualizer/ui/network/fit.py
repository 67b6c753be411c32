"""The Network tab's pictures grow with the type: the drawing canvas, the maps' tiles and the
opened map's pictures are sized in proportion to the text size in use (lecture mode's large type,
each Ctrl+plus), as the probabilities and the labels already are; where the screen runs out, the
three panes shrink together.

`type_scale` says how large the type is against the app's normal size (1 on the desktop, 1.5 in
lecture mode, × 1.15 per Ctrl+plus); `pane_widths` shares the tab's width among its three panes
at that type.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

#: The panes' widths at the normal type: the left column (net, digit, probabilities), the maps,
#: the opened map (the middle one takes what is left over).
PANE_WANTS = (320, 560, 400)
#: The maps keep at least this share of the tab's width while the side panes grow.
MAPS_SHARE = 0.28


def type_scale(widget: QWidget) -> float:
    """How many times the app's normal type `widget`'s text is (1 where it cannot be told)."""
    from visualizer.ui.shell.display import base_point_size

    size, base = widget.font().pointSizeF(), base_point_size()
    return size / base if size > 0 and base > 0 else 1.0


def pane_widths(total: int, scale: float, minimums: Sequence[int] = (0, 0, 0)) -> list[int]:
    """The three panes' widths for a splitter `total` px wide at type `scale`: the left column and
    the opened map `PANE_WANTS` × `scale`, the maps what is left over, as a splitter does at the
    normal type. Where that leaves the maps less than `MAPS_SHARE` of the width (or their
    minimum), they keep that and the two side panes shrink by one factor, neither below its
    minimum."""
    left, right = max(minimums[0], PANE_WANTS[0] * scale), max(minimums[2], PANE_WANTS[2] * scale)
    floor = min(max(minimums[1], MAPS_SHARE * total), max(0, total - minimums[0] - minimums[2]))
    if total - left - right >= floor:
        return _whole([left, total - left - right, right], total)
    room = total - floor
    factor = room / (left + right)
    left, right = left * factor, right * factor
    if left < minimums[0]:
        left, right = minimums[0], room - minimums[0]
    elif right < minimums[2]:
        left, right = room - minimums[2], minimums[2]
    return _whole([left, floor, right], total)


def _whole(sizes: list[float], total: int) -> list[int]:
    """Whole pixels that add up to `total` (the middle pane takes the rounding)."""
    out = [round(s) for s in sizes]
    out[1] = max(0, out[1] + total - sum(out))
    return out
