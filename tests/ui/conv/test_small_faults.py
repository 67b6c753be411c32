"""Issue 26, item 6: the explorer's smaller faults, tried from a fresh main window with real keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.helpers.gui import choose_in_combo
from tests.helpers.pages import ConvPage
from visualizer.core.convolution import preset_labels


@pytest.mark.parametrize("key", [Qt.Key.Key_Right, Qt.Key.Key_Left])
def test_an_arrow_during_play_steps_once_and_pauses(launched, qtbot, key):
    w, conv = launched
    view = conv.matrices.output_view
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)  # cell 2
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert conv.stepper.is_playing()
    before = conv.stepper.position
    qtbot.keyClick(view, key)
    assert not conv.stepper.is_playing()
    assert conv.step_bar.play_button.text() == "Play"
    stepped = conv.stepper.position
    assert stepped == before + (1 if key == Qt.Key.Key_Right else -1)
    qtbot.wait(3 * conv.stepper.interval_ms())
    assert conv.stepper.position == stepped  # paused: no more ticks


def test_the_preset_box_names_the_loaded_kernel_until_it_is_edited(launched, qtbot):
    w, conv = launched
    box = conv.kernel_box
    label = preset_labels("kernels")["sobel-x"]
    choose_in_combo(qtbot, box.preset_combo, label)
    qtbot.waitUntil(lambda: box.preset_combo.currentText() == label)
    qtbot.keyClick(conv.matrices.output_view, Qt.Key.Key_Right)  # stepping does not edit the kernel
    assert box.preset_combo.currentText() == label
    ConvPage.type_into_cell(qtbot, box.kernel_editor, 0, 0, "7")
    qtbot.waitUntil(lambda: box.preset_combo.currentText() == "Preset…")
