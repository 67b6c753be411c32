"""The step-through's words (visualizer.core.step_text): reading order, counted from 1."""

from __future__ import annotations

import pytest

from visualizer.core.step_text import cell_of, step_caption, step_status


@pytest.mark.parametrize("index, cell", [(0, (0, 0)), (2, (0, 2)), (3, (1, 0)), (5, (1, 2)), (6, None),
                                         (-1, None), (None, None)])
def test_cells_are_counted_in_reading_order(index, cell):
    assert cell_of(index, (2, 3)) == cell


def test_caption_counts_cells_rows_and_columns_from_one():
    assert step_caption((3, 3), (1, 1)) == "Cell 5 of 9: row 2, column 2"
    assert step_caption((2, 4), (1, 0)) == "Cell 5 of 8: row 2, column 1"
    assert step_caption((3, 3), None) == "9 output cells"


def test_status_names_the_output_channel_only_when_there_are_several():
    assert step_status((3, 3), (0, 0), 2.3) == "Cell 1 of 9: row 1, column 1 = 2.3"
    assert step_status((3, 3), (0, 1), 1 / 3, 1, 4) == "Cell 2 of 9: row 1, column 2, output channel 2 = 0.333"
