"""Issue 26, item 5: on a big input the step view zooms to the window's neighbourhood. The course's
1×1×3 kernels on the whole 128×128 picture, and a 3×3 kernel on a 128×128 picture, stepped with
real keys on a fresh main window: cells with readable numbers around the window, the input's own
row and column numbers, a caption saying where they are, the output following the same way; Play
keeps the window in view; Z gives the whole picture back (and the neighbourhood again)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import choose_in_combo, press_key
from visualizer.core.number_text import shown
from visualizer.ui.conv.focus_header import caption
from visualizer.ui.conv.stepper import SPEEDS


def settle(qtbot, conv) -> None:
    qtbot.waitUntil(lambda: not conv.is_busy() and conv.result() is not None, timeout=30_000)
    qtbot.waitUntil(lambda: not conv.matrices.is_fitting())


def shows(view, y: int, x: int) -> bool:
    """Cell (y, x) is drawn, inside the view, with its number."""
    rect = view.cells.cell_rect(y, x)
    return (view.model.in_area(y, x) and view.cells.rect().contains(rect.toRect())
            and view.cell_text(y, x) == shown(view.model.values[y, x]))


def test_course_1x1x3_steps_through_the_window_neighbourhood_with_numbers(launched, qtbot):
    w, conv = launched
    conv.course_rgb_action.trigger()  # Convolution ▸ Course 1×1×3 example
    settle(qtbot, conv)
    inp, out = conv.matrices.input_view, conv.matrices.output_view
    assert out.mode() == "heat" and inp.model.focus is None  # the whole picture until stepping
    press_key(w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: out.model.focus is not None)
    assert out.mode() == "cells" and inp.mode() == "cells"
    top, left, rows, cols = out.model.focus
    assert (top, left) == (0, 0) and 5 <= rows <= 15 and 5 <= cols <= 15  # cells, not 16,384 of them
    assert shows(out, 0, 0) and out.cells.cell_size() >= 2 * out.cells.fontMetrics().height()
    assert caption(out.model) == f"rows 1–{rows} of 128, columns 1–{cols} of 128"
    assert inp.model.focus == out.model.focus  # 1×1 kernels, stride 1: the same neighbourhood
    choose_in_combo(qtbot, conv.matrices.input_channel, "R")  # the red channel's numbers
    qtbot.waitUntil(lambda: inp.cell_text(0, 0) != "")
    qtbot.wait(100)  # the offscreen platform activates the closed list's frame a moment later:
    w.activateWindow()  # the window a user looks at is active again
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    assert shows(inp, 0, 0) and inp.note_text(0, 0).startswith("×0.299 = ")

    press_key(w, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: out.model.in_area(127, 127))
    assert shows(out, 127, 127) and shows(inp, 127, 127)
    assert caption(out.model).endswith("of 128") and "128 of 128" in caption(out.model)

    press_key(w, Qt.Key.Key_Z)  # the whole picture
    qtbot.waitUntil(lambda: out.model.focus is None)
    assert out.mode() == "heat" and inp.model.focus is None and not conv.zoom_action.isChecked()
    assert conv.stepper.current_index() == 128 * 128 - 1  # still at the last cell
    press_key(w, Qt.Key.Key_Z)  # and back
    qtbot.waitUntil(lambda: out.model.focus is not None)
    assert shows(out, 127, 127)


def test_play_keeps_the_window_in_view_turning_pages(launched, qtbot):
    w, conv = launched
    conv.course_rgb_action.trigger()
    settle(qtbot, conv)
    inp, out = conv.matrices.input_view, conv.matrices.output_view
    conv.model.set_speed_index(len(SPEEDS) - 1)  # 20 cells a second
    seen, lefts = [], set()

    def record() -> None:
        cell = conv.model.current_cell()
        if cell is not None:
            seen.append(out.model.in_area(*cell) and inp.model.in_area(*cell))
            lefts.add(out.model.focus[1])

    conv.stepper.changed.connect(record)
    press_key(w, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(seen) >= 24, timeout=10_000)
    press_key(w, Qt.Key.Key_Space)
    assert not conv.stepper.is_playing()
    assert all(seen)
    assert len(lefts) >= 2  # past its first page, the neighbourhood moved on


def test_a_3x3_kernel_on_a_big_picture_shows_the_window_with_its_notes(launched, qtbot):
    w, conv = launched
    picture = np.add.outer(np.arange(128), np.arange(128)) % 256
    conv.use_image_array(picture.astype(float), "ramp")
    conv.apply_kernel_preset("box-blur")
    settle(qtbot, conv)
    inp, out = conv.matrices.input_view, conv.matrices.output_view
    for _ in range(60):  # along the first row, past a page turn
        press_key(w, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: inp.model.focus is not None and conv.model.current_cell() == (0, 59))
    window = inp.model.window
    assert len(window) == 9
    assert all(shows(inp, y, x) and inp.note_text(y, x).startswith("×") for y, x in window)
    assert shows(out, 0, 59)
    assert "columns" in caption(inp.model) and caption(inp.model).startswith("rows 1–")
