"""Issue 26 items 3–4: the weight × product notes lie on the window's cells on every step, readable on
dark and light cells; term colours a colour-blind viewer tells apart, each with its index."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import launch_main_window
from visualizer.core.convolution import explain_cell
from visualizer.core.number_text import shown
from visualizer.ui.conv.matrix_view import (TEXT_DARK, term_colour, term_mark, text_colour_on)


@pytest.fixture
def conv(qtbot, fresh_settings):
    w = launch_main_window(qtbot)  # the normal window at 1280×800, the course's stride-2 example
    return w.tabs.currentWidget()


def test_notes_drawn_on_all_nine_steps_of_the_stride_2_walk(conv, qtbot):
    r = conv.result()
    assert r.spec.stride == (2, 2) and r.spec.padding == (1, 1)
    view = conv.matrices.input_view
    for step in range(9):
        conv.stepper.step_forward()
        y, x = divmod(step, 3)
        assert view.model.window  # the step shows its window
        QApplication.processEvents()
        view.cells.grab()  # paint now: drawn_notes is what the last paint drew
        exp = explain_cell(r.input, r.kernels, r.spec, 0, y, x)
        want = {t.padded_yx: f"×{shown(t.weight)} = {shown(t.product)}" for t in exp.terms}
        assert view.cells.drawn_notes == want, f"step {step + 1}"
        for i, t in enumerate(exp.terms):
            assert view.model.notes[t.padded_yx][1:] == (term_colour(i), i)
            assert view.note_text(*t.padded_yx) == want[t.padded_yx]


def test_note_colour_follows_the_cell_background():
    assert text_colour_on(QColor("#000000")) == QColor("white")
    assert text_colour_on(QColor("#2b3a55")) == QColor("white")  # a dark cell
    assert text_colour_on(QColor("#ffffff")) == TEXT_DARK
    assert text_colour_on(QColor("#f0e442")) == TEXT_DARK  # Okabe–Ito's yellow badge


def test_nine_terms_of_a_3x3_sum_have_nine_colours_and_indices():
    colours = [term_colour(i) for i in range(9)]
    assert len(set(colours)) == 9
    assert colours[:8] == ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                           "#000000"]  # Okabe–Ito, in that order
    assert [term_mark(i) for i in range(9)] == list("①②③④⑤⑥⑦⑧⑨")
    assert term_mark(20) == "(21)"
