"""Issue 26, item 2: lecture mode is one picture. F5 fixes the menu bar and tabs at the desktop's
size; Ctrl+plus / minus / 0 size the picture only (Ctrl+0 is the F5 look, its hint again); Esc gives
the window back exactly as it was. Real keys on a fresh main window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt

from tests.helpers.gui import press_key
from visualizer.ui.shell.display import LECTURE_SCALE


def sizes(w, conv) -> dict[str, float]:
    return {"menu": w.menuBar().font().pointSizeF(), "tabs": w.tabs.tabBar().font().pointSizeF(),
            "formula": conv.arithmetic.formula.font().pointSizeF(),
            "bar": conv.step_bar.position_label.font().pointSizeF()}


def test_zoom_in_lecture_mode_scales_the_picture_not_the_menus_and_ctrl0_is_the_f5_look(launched, qtbot):
    w, conv = launched
    qtbot.waitUntil(lambda: not conv.picture.is_pending())
    desktop = sizes(w, conv)
    press_key(w, Qt.Key.Key_F5)
    assert w.display.lecture and w.isFullScreen()
    f5 = sizes(w, conv)
    assert f5["menu"] == pytest.approx(desktop["menu"]) and f5["tabs"] == pytest.approx(desktop["tabs"])
    assert w.display.font_scale == pytest.approx(LECTURE_SCALE)
    assert f5["formula"] > desktop["formula"]  # (shrunk to fit when the screen runs out, with the grids)
    w.showNormal()  # the offscreen screen is 800×800: give the picture a projector's room
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: w.width() == 1920 and not conv.picture.is_pending())
    f5 = sizes(w, conv)
    press_key(w, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    press_key(w, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not conv.picture.is_pending())
    big = sizes(w, conv)
    assert big["menu"] == pytest.approx(desktop["menu"]) and big["tabs"] == pytest.approx(desktop["tabs"])
    assert big["formula"] > f5["formula"] * 1.25 and big["bar"] > f5["bar"] * 1.25  # together
    press_key(w, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not conv.picture.is_pending())
    assert f5["formula"] < sizes(w, conv)["formula"] < big["formula"]
    press_key(w, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not conv.picture.is_pending())
    assert sizes(w, conv) == pytest.approx(f5)  # the F5 look, not the desktop's size
    assert w.display.lecture and "F5 or Esc to leave" in w.statusBar().currentMessage()
    press_key(w, Qt.Key.Key_Escape)
    qtbot.wait(100)
    qtbot.waitUntil(lambda: not conv.picture.is_pending())
    assert not w.display.lecture and sizes(w, conv) == pytest.approx(desktop)


def test_esc_gives_back_a_normal_window_at_its_place_and_size(launched, qtbot):
    w, _ = launched
    w.setGeometry(QRect(40, 60, 1000, 700))
    qtbot.waitUntil(lambda: w.geometry().topLeft() == QRect(40, 60, 1, 1).topLeft())
    qtbot.wait(200)
    before = w.geometry()
    press_key(w, Qt.Key.Key_F5)
    qtbot.waitUntil(w.isFullScreen)
    press_key(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.isFullScreen())
    assert not w.isMaximized()
    qtbot.wait(200)
    assert w.geometry() == before


def test_esc_gives_back_a_maximised_window_maximised(launched, qtbot):
    w, _ = launched
    w.showMaximized()
    qtbot.waitUntil(w.isMaximized)
    qtbot.wait(200)
    maximised = w.geometry()
    press_key(w, Qt.Key.Key_F5)
    qtbot.waitUntil(w.isFullScreen)
    press_key(w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.isFullScreen(), timeout=2000)
    assert w.isMaximized(), w.windowState()
    qtbot.wait(200)
    # maximised again (not its old normal size); the width is the window's minimum on this 800 px
    # test screen, which the lecture fit changes, so the place and height are compared
    got = w.geometry()
    assert w.isMaximized() and got.topLeft() == maximised.topLeft() and got.height() == maximised.height()
