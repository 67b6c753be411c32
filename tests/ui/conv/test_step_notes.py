"""Issue 26 items 3–4: the weight × product notes lie on the window's cells on every step, readable on
dark and light cells; term colours a colour-blind viewer tells apart, each with its index."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import launch_main_window
from visualizer.core.convolution import explain_cell
from visualizer.core.number_text import exact, shown
from visualizer.ui.conv.cell_notes import TEXT_DARK, term_mark, text_colour_on
from visualizer.ui.conv.grid_look import term_colour


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


def _wait_result(conv, qtbot):
    qtbot.waitUntil(lambda: not conv.is_busy() and conv.output() is not None, timeout=20000)


def test_a_negative_weight_is_written_as_a_minus_with_three_digits(conv, qtbot):
    k = np.array([[0.1, -0.309087, 0.05], [0.05, 0.2, 0.1], [0.15, 0.1, 0.05]])
    assert conv.kernel_box.kernel_editor.paste_text("0.1, -0.309087, 0.05\n0.05, 0.2, 0.1\n0.15, 0.1, 0.05")
    qtbot.waitUntil(lambda: conv.result() is not None and np.allclose(conv.result().kernels[0, 0], k))
    _wait_result(conv, qtbot)
    assert conv.kernel_box.kernel_editor.cell_text(0, 1) == "-0.309087"  # exact where it is edited
    assert conv.kernel_box.kernel_editor.shown_text(0, 1) == "−0.309"  # as the centre grid shows it
    assert conv.matrices.kernel_view.cell_text(0, 1) == "−0.309"
    conv.stepper.step_forward()  # row 1, column 1: the second term is −0.309087 × 0 (padding)
    html = conv.arithmetic.explanation.text()
    assert "+ −" not in html and "0.309087" not in html
    assert html.endswith(" ≈ 1.3")  # a weight rounded to 3 digits: ≈, not a false =
    second = html.split("href='term:0:0:1'")
    assert second[0].endswith(" − <a ") and "② 0.309×0" in second[1].replace("&nbsp;", " ")[:200]
    assert conv.arithmetic.exact_term((0, 0, 1)) == "weight −0.309087 × value 0 = 0"
    conv.arithmetic._link_hovered("term:0:0:1")
    assert conv.arithmetic.explanation.toolTip() == "weight −0.309087 × value 0 = 0"


def test_1x1x3_kernel_cell_and_arithmetic_agree_and_channels_fold(conv, qtbot):
    combo = conv.input_box.source_combo
    i = combo.findText("Course 1×1×3: RGB picture, 1×1×3 kernels")
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    qtbot.waitUntil(lambda: not conv.is_busy() and conv.output() is not None
                    and conv.output().shape == (4, 128, 128), timeout=20000)
    conv.stepper.jump_to(130)  # row 2, column 3
    r = conv.result()
    exp = explain_cell(r.input, r.kernels, r.spec, 0, 1, 2)
    html = conv.arithmetic.explanation.text()
    assert "href='term:" not in html  # folded: each channel's partial sum on its line
    assert "(click a channel's name for its terms)" in html
    for c in range(3):
        part = sum(t.product for t in exp.terms if t.channel == c)
        assert f"window ∗ slice = <b>{shown(part)}</b>" in html
    conv.model.set_input_channel(0)  # R: its terms on demand
    qtbot.waitUntil(lambda: "href='term:0:" in conv.arithmetic.explanation.text())
    t = next(t for t in exp.terms if t.channel == 0)
    weight = conv.matrices.kernel_view.cell_text(0, 0)
    assert weight == shown(t.weight) == "0.299"  # the kernel cell shows what the arithmetic uses
    html = conv.arithmetic.explanation.text().replace("&nbsp;", " ")
    assert f"① {weight}×{shown(t.value)}" in html
    # 0.299 × a pixel is rounded to 3 digits: the line says so with ≈ rather than a false =
    assert shown(t.product) != exact(t.product) and f"≈ <b>{shown(t.product)}</b>" in html
    assert "href='term:1:" not in html  # G and B stay folded
    for name in "RGB":  # each channel's link is a word wide, not a letter
        assert f"<i>channel {name}</i></a>" in html


def test_a_sum_of_exact_numbers_says_equals(conv, qtbot):
    conv.stepper.step_forward()
    assert conv.arithmetic.explanation.text().endswith(" = 1.3")  # the course's weights and inputs are exact
