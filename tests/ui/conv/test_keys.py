"""The one keyboard model of the Convolution tab, pressed as a user at launch would: the keys go
through the window (QTest on the QWindow), to whatever Qt gives the focus."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication

from tests.helpers.gui import launch_main_window, press_key
from visualizer.ui.conv.panel import ConvPanel


@pytest.fixture
def launched(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    conv = w.tabs.currentWidget()
    assert isinstance(conv, ConvPanel)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return w, conv


def test_the_keys_work_at_launch_as_the_hint_says(launched, qtbot):
    w, conv = launched
    assert "Press <b>Space</b> to play, <b>→</b> to step" in conv.arithmetic.explanation.text()
    press_key(w, Qt.Key.Key_Right)
    press_key(w, Qt.Key.Key_Right)
    assert w.tabs.currentWidget() is conv  # not the Shapes tab: the tab bar has no focus
    assert conv.stepper.current_index() == 1
    assert conv.step_bar.position_label.text().startswith("Cell 2 of 9")
    press_key(w, Qt.Key.Key_Left)
    assert conv.stepper.current_index() == 0
    press_key(w, Qt.Key.Key_End)
    assert conv.stepper.current_index() == 8
    press_key(w, Qt.Key.Key_Home)
    assert conv.stepper.current_index() == 0
    press_key(w, Qt.Key.Key_Space)
    assert conv.stepper.is_playing()
    press_key(w, Qt.Key.Key_Space)
    assert not conv.stepper.is_playing()
    assert not w.tabs.tabBar().hasFocus()


def test_space_never_presses_the_button_clicked_last(launched, qtbot):
    w, conv = launched
    qtbot.mouseClick(conv.parameters.course_buttons[0], Qt.MouseButton.LeftButton)  # stride 2, padding 1
    press_key(w, Qt.Key.Key_Right)
    press_key(w, Qt.Key.Key_Space)  # plays; does not fire "stride 1, padding 2"
    assert conv.model.output_shape() == (1, 3, 3)
    assert conv.stepper.is_playing()
    conv.stepper.pause()


def test_the_keys_step_after_clicking_any_button(launched, qtbot):
    w, conv = launched
    buttons = [b for b in conv.findChildren(QAbstractButton)
               if b.isVisible() and b.isEnabled() and b is not conv.step_bar.export_button
               and b is not conv.backward.switch]  # it gives the keys to the backward steps (test_backward_steps)
    assert len(buttons) >= 12
    for b in buttons:
        qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
        conv.stepper.pause()
        shape = conv.model.output_shape()
        total = shape[1] * shape[2]
        press_key(w, Qt.Key.Key_Home)
        press_key(w, Qt.Key.Key_Right)
        assert conv.stepper.current_index() == min(1, total - 1), b.text()
        press_key(w, Qt.Key.Key_End)
        assert conv.stepper.current_index() == total - 1, b.text()
        press_key(w, Qt.Key.Key_Space)
        assert conv.stepper.is_playing(), b.text()
        press_key(w, Qt.Key.Key_Space)
        assert not conv.stepper.is_playing(), b.text()
        assert conv.model.output_shape() == shape, b.text()  # the keys pressed no button
        assert not b.hasFocus()


def test_an_editor_keeps_the_keys_until_esc_or_enter(launched, qtbot):
    w, conv = launched
    press_key(w, Qt.Key.Key_Right)
    spin = conv.parameters.stride_y
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(spin.hasFocus)
    press_key(w, Qt.Key.Key_Right)  # moves the text cursor, not the step
    assert conv.stepper.current_index() == 0
    press_key(w, Qt.Key.Key_Escape)
    assert not spin.hasFocus()
    press_key(w, Qt.Key.Key_Right)
    assert conv.stepper.current_index() == 1
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(spin.hasFocus)
    spin.lineEdit().selectAll()
    press_key(w, Qt.Key.Key_1)
    press_key(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not spin.hasFocus())
    assert conv.model.stride == (1, 1)
    press_key(w, Qt.Key.Key_Right)
    assert conv.stepper.current_index() == 1  # the new stride restarted at cell 1; → went to 2


def test_esc_leaves_lecture_mode(launched, qtbot):
    w, conv = launched
    press_key(w, Qt.Key.Key_F5)
    assert w.lecture_action.isChecked() and conv.is_lecture_mode()
    press_key(w, Qt.Key.Key_Right)
    assert conv.stepper.current_index() == 0
    press_key(w, Qt.Key.Key_Escape)
    assert not w.lecture_action.isChecked() and not conv.is_lecture_mode()
