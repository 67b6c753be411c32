"""Issue 10 beyond the keys: lecture mode scales as one picture, the step follows the work, the
arithmetic lies on the cells, the window slides, several channels step by step."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from visualizer.core.convolution import ConvSpec, explain_cell
from visualizer.ui.conv.matrix_view import SLIDE_MS
from visualizer.ui.conv.stepper import SPEEDS


def point_size(font) -> float:
    return font.pointSizeF()


@pytest.mark.parametrize("steps", [3, -3])
def test_lecture_mode_scales_as_one_picture_at_1280x800(launched, qtbot, steps):
    w, conv = launched
    w.display.set_lecture_mode(True)
    w.showNormal()  # the offscreen screen is smaller than a projector: keep the lecture's 1280×800
    w.resize(1280, 800)
    formula_before = point_size(conv.arithmetic.formula.font())
    for _ in range(abs(steps)):
        (w.display.zoom_in if steps > 0 else w.display.zoom_out)()
    for _ in range(2):
        conv.stepper.step_forward()
    qtbot.waitUntil(lambda: not conv.picture.is_pending())
    QApplication.processEvents()
    # nothing pushes the window past the screen (not even a hidden tab's wide controls)
    assert w.minimumSizeHint().width() <= 1280 and w.minimumSizeHint().height() <= 800
    assert conv.width() <= 1280
    # the numbers in the cells are never smaller than the words around them
    box = point_size(conv.arithmetic.formula.font())
    for view in (conv.matrices.input_view, conv.matrices.kernel_view, conv.matrices.output_view):
        font = view.cells.text_font()
        assert font is not None and point_size(font) >= 0.95 * box, view.accessibleName()
    assert box >= formula_before * 0.5  # short of room, everything shrinks together, within reason
    # the step bar: the slider is not squashed and "Cell 2 of 9: …" is not cut off
    label = conv.step_bar.position_label
    assert conv.step_bar.speed_slider.width() >= 60
    assert label.width() >= QFontMetricsF(label.font()).horizontalAdvance(label.text()) - 1
    assert label.text().startswith("Cell 2 of 9")
    assert conv.step_bar.geometry().right() <= conv.width()


def test_lecture_mode_at_1920x1080_grows_everything_together(launched, qtbot):
    w, conv = launched
    w.display.set_lecture_mode(True)
    w.showNormal()
    w.resize(1920, 1080)
    sizes = []
    for _ in range(3):
        w.display.zoom_in()
        qtbot.waitUntil(lambda: not conv.picture.is_pending())
        QApplication.processEvents()
        sizes.append((point_size(conv.arithmetic.formula.font()), point_size(conv.matrices.kernel_view.cells.text_font())))
    assert w.minimumSizeHint().width() <= 1920
    for formula, cells in sizes:
        assert cells >= 0.95 * formula
    assert sizes[1][0] > sizes[0][0]  # the formula box grows with Ctrl+plus (issue 10: it never did)


def test_the_status_line_follows_the_step(launched, qtbot):
    w, conv = launched
    out = conv.matrices.output_view
    qtbot.mouseMove(out.cells, out.cell_center(0, 0))  # the hover says "Output row 1, column 1 …"
    qtbot.waitUntil(lambda: "row 1, column 1" in w.statusBar().currentMessage())
    for _ in range(5):
        QTest.keyClick(w.windowHandle(), Qt.Key.Key_Right)
    assert w.statusBar().currentMessage() == "Cell 5 of 9: row 2, column 2 = 5.25"
    assert conv.step_bar.position_label.text() == "Cell 5 of 9: row 2, column 2"
    assert conv.arithmetic.explanation.text().startswith("<b>Output row 2, column 2</b>")
    assert out.model.current == (1, 1)
    QTest.keyClick(w.windowHandle(), Qt.Key.Key_Right)
    assert w.statusBar().currentMessage().startswith("Cell 6 of 9: row 2, column 3 = ")


def test_same_shape_new_numbers_restart_and_everything_agrees(panel, qtbot):
    for _ in range(5):
        panel.stepper.step_forward()
    panel.kernel_box.bias_spin.setValue(1.0)  # same 3×3 output, other numbers
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.output()[0, 0, 0] == pytest.approx(2.3))
    r = panel.result()
    assert panel.step_bar.position_label.text() == "Cell 1 of 9: row 1, column 1"
    assert panel.matrices.output_view.model.current == (0, 0)
    assert panel.explanation_text() == explain_cell(r.input, r.kernels, r.spec, 0, 0, 0).text
    assert panel.model.step_status() == "Cell 1 of 9: row 1, column 1 = 2.3"
    # Show all stays Show all
    qtbot.mouseClick(panel.step_bar.all_button, Qt.MouseButton.LeftButton)
    panel.kernel_box.bias_spin.setValue(2.0)
    assert panel.stepper.current_index() is None


def test_weights_and_products_lie_on_the_window(panel, qtbot):
    panel.resize(1900, 1050)  # a projector's room: the cells get the one rule's size (fit.CELL_LINES)
    grid = panel.matrices.input_view.cells
    qtbot.waitUntil(lambda: grid.cell_size() >= 0.97 * grid.max_cell())
    spec = ConvSpec(stride=(2, 2), padding=(1, 1))
    r = panel.result()
    for _ in range(5):
        panel.stepper.step_forward()  # output row 2, column 2 = 5.25
    exp = explain_cell(r.input, r.kernels, spec, 0, 1, 1)
    view = panel.matrices.input_view
    for t in exp.terms:
        py, px = t.padded_yx
        w_text = view.note_text(py, px)
        assert w_text.startswith("×") and "=" in w_text, (py, px)
    assert view.note_text(3, 3) == "×0.2 = 1.4"  # the centre: weight 0.2 on the 7
    assert view.note_text(0, 0) == ""  # outside the window: no note
    # the sum's terms are coloured like the notes on their cells and linked to them
    html = panel.arithmetic.explanation.text()
    assert "href='term:0:3:3'" in html
    colour = view.model.notes[(3, 3)][1]
    assert f"color:{colour}" in html.split("href='term:0:3:3'")[1][:80]
    # pointing at a term marks its cell; pointing at a cell marks its term
    panel.arithmetic._link_hovered("term:0:3:3")
    assert view.model.highlight == (3, 3)
    panel.arithmetic._link_hovered("")
    assert view.model.highlight is None
    qtbot.mouseMove(view.cells, view.cell_center(2, 3))
    qtbot.waitUntil(lambda: panel.arithmetic.term_at_highlight() == "0.2×7")
    assert view.model.highlight == (2, 3)
    assert "font-weight:bold; text-decoration:underline" in panel.arithmetic.explanation.text()  # its term stands out


def test_a_legend_tells_the_step_window_from_the_hover_window(panel, qtbot):
    assert panel.legend.isVisible()
    text = panel.legend.text()
    assert "solid orange" in text and "dashed blue" in text
    # while stepping, hovering another output cell adds the dashed hover window beside the step's
    panel.stepper.step_forward()
    out = panel.matrices.output_view
    qtbot.mouseMove(out.cells, out.cell_center(2, 2))
    qtbot.waitUntil(lambda: panel.matrices.input_view.model.marks != [])
    assert panel.matrices.input_view.model.window != panel.matrices.input_view.model.marks


def test_the_window_slides_eased_within_200_ms(panel, qtbot):
    assert SPEEDS[0] == 0.5 and SPEEDS[-1] == 20
    assert panel.step_bar.speed_slider.maximum() == len(SPEEDS) - 1
    panel.stepper.step_forward()
    grid = panel.matrices.input_view.cells
    qtbot.waitUntil(lambda: not grid.is_sliding())
    panel.stepper.step_forward()
    assert grid.is_sliding()
    assert grid._slide.duration() <= SLIDE_MS
    qtbot.waitUntil(lambda: not grid.is_sliding(), timeout=1000)
    # at 20 cells per second the slide takes at most most of the 50 ms between cells
    panel.model.set_speed_index(len(SPEEDS) - 1)
    panel.stepper.step_forward()
    assert grid._slide.duration() <= 40
    # Play stops at the last cell
    panel.stepper.play()
    qtbot.waitUntil(lambda: not panel.stepper.is_playing(), timeout=3000)
    assert panel.stepper.current_index() == 8


def test_course_1x1x3_steps_channel_by_channel(panel, qtbot, statuses=None):
    seen = []
    panel.status_message.connect(lambda text, ms: seen.append(text))
    combo = panel.input_box.source_combo
    i = combo.findText("Course 1×1×3: RGB picture, 1×1×3 kernels")
    assert i >= 0
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.output() is not None
                    and panel.output().shape == (4, 128, 128), timeout=20000)
    assert any("128×128×3" in s and "128×128×4" in s for s in seen)
    k = panel.kernels()
    assert k.shape == (4, 3, 1, 1)
    x = panel.result().input
    want = F.conv2d(torch.tensor(x)[None], torch.tensor(k))[0].numpy()
    np.testing.assert_allclose(panel.output(), want, atol=1e-9)
    panel.stepper.jump_to(130)  # row 2, column 3
    html = panel.arithmetic.explanation.text()
    for name in ("R", "G", "B"):
        assert f"<i>channel {name}</i></a>: window ∗ slice =" in html
    assert "sum over the 3 channels" in html
    assert panel.explanation_text() == explain_cell(x, k, ConvSpec(), 0, 1, 2).text


def test_open_convolution_hands_over_a_real_valued_layer(panel, qtbot):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 6, 7)) * 3.5
    k = rng.normal(size=(3, 2, 3, 3))
    for _ in range(3):
        panel.stepper.step_forward()
    panel.open_convolution(x, k, stride=(1, 2), padding=(1, 0), bias=0.5, title="conv1 of LeNet")
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.output() is not None
                    and panel.output().shape[0] == 3)
    want = F.conv2d(torch.tensor(x)[None], torch.tensor(k), torch.full((3,), 0.5, dtype=torch.float64), stride=(1, 2),
                    padding=(1, 0))[0].numpy()
    np.testing.assert_allclose(panel.output(), want, atol=1e-9)
    assert panel.stepper.current_index() is None  # the step starts again: the normal view
    assert panel.input_box.source_combo.currentText() == "Handed over: conv1 of LeNet"
    assert panel.matrices.input_view.model.scale.lo < 0  # real values, not 0..255 pixels
    assert panel.model.shown_input_channel() == 0
    panel.stepper.step_forward()
    assert "sum over the 2 channels" in panel.arithmetic.explanation.text()
    assert "+ bias 0.5" in panel.arithmetic.explanation.text()
    with pytest.raises(Exception, match="2 channels"):
        panel.open_convolution(x, np.ones((1, 3, 3, 3)))
    with pytest.raises(Exception, match="finite"):
        panel.open_convolution(np.full((1, 3, 3), np.nan), np.ones((1, 1, 1, 1)))
    with pytest.raises(Exception, match="numbers"):
        panel.open_convolution([["a"]], np.ones((1, 1, 1, 1)))
    np.testing.assert_allclose(panel.output(), want, atol=1e-9)  # a refused hand-over changes nothing
