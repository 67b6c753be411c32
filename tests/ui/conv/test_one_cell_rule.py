"""Issue 26, item 2: one rule sizes the cells and the text around them (fit.CELL_LINES). At 1920×1080
in lecture mode, Ctrl+plus makes the cells larger with the numbers, notes, arithmetic, formula and
step bar (it used to shrink the 9×9 grid's cells from 94 to 83 px while the text grew); every grid
draws its cells CELL_LINES lines of the figure's text where the room allows, the size the picture
fit plans for. Real keys on a fresh main window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from tests.helpers.gui import press_key
from visualizer.ui.conv.fit import CELL_LINES


def settle(qtbot, conv) -> None:
    qtbot.wait(50)
    qtbot.waitUntil(lambda: not conv.is_busy())
    qtbot.wait(50)
    qtbot.waitUntil(lambda: not conv.is_busy())


def picture(conv) -> dict[str, float]:
    grid = conv.matrices.input_view.cells
    return {"cell": grid.cell_size(), "numbers": grid.text_font().pointSizeF(),
            "notes": grid.note_font().pointSizeF(), "arithmetic": conv.arithmetic.explanation.font().pointSizeF(),
            "formula": conv.arithmetic.formula.font().pointSizeF(),
            "bar": conv.step_bar.position_label.font().pointSizeF()}


def test_ctrl_plus_at_1920_lecture_grows_the_cells_with_the_text(launched, qtbot):
    w, conv = launched
    qtbot.mouseClick(conv.parameters.course_buttons[1], Qt.MouseButton.LeftButton)  # stride 1, padding 2: 9×9
    press_key(w, Qt.Key.Key_F5)
    w.showNormal()  # the offscreen screen is 800×800: give the picture a lecture hall's room
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: w.width() == 1920)
    for _ in range(13):  # the middle cell: a whole window of notes
        press_key(w, Qt.Key.Key_Right)
    settle(qtbot, conv)
    assert conv.matrices.input_view.model.shape == (9, 9)
    zoom0 = picture(conv)
    press_key(w, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, conv)
    zoom1 = picture(conv)
    assert zoom1["arithmetic"] > zoom0["arithmetic"] and zoom1["formula"] > zoom0["formula"]
    assert zoom1["bar"] > zoom0["bar"]
    assert zoom1["cell"] >= zoom0["cell"]  # never smaller while the text grows
    assert zoom1["numbers"] >= zoom0["numbers"] and zoom1["notes"] >= zoom0["notes"]


def test_every_grid_draws_its_cells_by_the_one_rule(launched, qtbot):
    w, conv = launched
    press_key(w, Qt.Key.Key_F5)
    w.showNormal()
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: w.width() == 1920)
    press_key(w, Qt.Key.Key_Right)
    settle(qtbot, conv)
    for view in (conv.matrices.input_view, conv.matrices.kernel_view, conv.matrices.output_view):
        line = QFontMetricsF(view.cells.font()).height()
        assert view.cells.max_cell() == pytest.approx(CELL_LINES * line)
        # the room the layout gave is what the fit planned: the cells are the rule's size
        assert view.cells.cell_size() == pytest.approx(CELL_LINES * line, rel=0.04)
