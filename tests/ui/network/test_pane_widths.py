"""How the Network tab shares its width among the left column, the maps and the opened map at a
type size (`visualizer.ui.network.fit.pane_widths`)."""

from __future__ import annotations

import pytest

from visualizer.ui.network.fit import MAPS_SHARE, PANE_WANTS, pane_widths


def test_normal_type_keeps_the_side_panes_and_gives_the_maps_the_rest():
    assert pane_widths(1900, 1.0, (300, 140, 170)) == [320, 1900 - 720, 400]
    assert pane_widths(1004, 1.0, (300, 140, 170)) == [320, 284, 400]  # a 1024 px screen, as before


def test_larger_type_widens_the_side_panes_in_proportion():
    left, maps, right = pane_widths(1900, 1.5, (300, 200, 250))
    assert (left, right) == (480, 600)
    assert maps == 1900 - 1080


@pytest.mark.parametrize("total", [800, 1004, 1260, 1900])
@pytest.mark.parametrize("scale", [1.5, 1.98, 2.28, 4.0])
def test_where_the_width_runs_out_the_side_panes_shrink_together(total, scale):
    minimums = (300, 200, 250)
    sizes = pane_widths(total, scale, minimums)
    assert sum(sizes) == total
    assert all(s >= m for s, m in zip(sizes, minimums))
    assert sizes[1] >= min(MAPS_SHARE * total, total - 550) - 1
    if sizes[0] > minimums[0] and sizes[2] > minimums[2]:  # neither held at its minimum: one factor
        assert sizes[0] / sizes[2] == pytest.approx(PANE_WANTS[0] / PANE_WANTS[2], rel=0.01)
    # never wider than what the type wants
    assert sizes[0] <= PANE_WANTS[0] * scale + 1 and sizes[2] <= PANE_WANTS[2] * scale + 1


def test_minimums_that_fill_the_width_are_kept():
    assert pane_widths(700, 2.28, (300, 200, 250)) == [300, 150, 250]  # the maps give way last


def test_a_smaller_type_keeps_the_side_panes_at_least_at_their_minimums():
    assert pane_widths(1900, 0.87, (300, 140, 170)) == [300, 1900 - 300 - 348, 348]
