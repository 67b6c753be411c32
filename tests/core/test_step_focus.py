"""The step view's neighbourhood on a big input (core.step_focus): it stays while the window moves
inside it, turns a page the way the window went, centres a far jump, never leaves the matrix, and
its caption numbers the input from 1 with the padding left out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from visualizer.core.step_focus import FOCUS_MARGIN, cells_box, focus_box, focus_caption, follow_axis


def test_the_neighbourhood_stays_while_the_window_moves_inside_it():
    assert follow_axis(40, 45, 45, 128, 15) == 40
    assert follow_axis(40, 53, 53, 128, 15) == 40  # one cell of margin left before the edge


def test_a_step_past_the_edge_turns_a_page_so_the_window_enters_at_the_start():
    assert follow_axis(40, 54, 54, 128, 15) == 54 - FOCUS_MARGIN
    assert follow_axis(40, 40, 40, 128, 15) == 27  # stepped back: enters at the end (cells 27–41, 40 at the margin)


def test_a_far_jump_is_centred_and_the_ends_of_the_matrix_hold_it():
    assert follow_axis(None, 64, 64, 128, 15) == 64 - 7
    assert follow_axis(100, 0, 0, 128, 15) == 0  # a new row: back to the first columns
    assert follow_axis(None, 127, 127, 128, 15) == 128 - 15
    assert follow_axis(None, 2, 4, 5, 15) == 0  # a matrix smaller than the span: all of it


@settings(deadline=None)
@given(st.integers(1, 200), st.integers(1, 20), st.integers(0, 10**6), st.integers(0, 10**6),
       st.integers(0, 10**6), st.booleans())
def test_the_window_is_always_inside_the_neighbourhood(length, span, a, b, c, first):
    run = min(span, length)
    previous = None if first else a % (length - run + 1)
    lo = b % length
    hi = min(length - 1, lo + c % run)
    start = follow_axis(previous, lo, hi, length, span)
    assert 0 <= start <= length - run
    assert start <= lo and hi < start + run


def test_stepping_a_whole_row_turns_pages_not_every_step():
    box, starts = None, []
    for x in range(128):
        box = focus_box(box, (40, x, 1, 1), (128, 128), (15, 15))
        assert box[1] <= x < box[1] + box[3]
        starts.append(box[1])
    assert len(set(starts)) <= 128 // 12  # a page turn about every 13 steps


def test_a_window_wider_than_the_span_gets_room_around_it():
    assert focus_box(None, (10, 10, 11, 11), (128, 128), (5, 5))[2:] == (13, 13)


def test_the_caption_counts_from_1_and_leaves_the_padding_out():
    assert focus_caption((40, 44, 15, 15), (0, 0, 128, 128)) == "rows 41–55 of 128, columns 45–59 of 128"
    # padding 2 around a 10×10 input: the first two rows and columns are padding
    assert focus_caption((0, 3, 5, 5), (2, 2, 10, 10)) == "rows 1–3 of 10, columns 2–6 of 10"
    assert focus_caption((0, 0, 2, 14), (2, 2, 10, 10)) == "rows: padding only, columns 1–10 of 10"


def test_cells_box():
    assert cells_box([(3, 4), (5, 6), (4, 4)]) == (3, 4, 3, 3)
    assert cells_box([]) is None
