"""A convolution handed over from a net (8 input channels of 14×14, a 3×3 kernel of small real
weights, padding 1) read at 1280×800 from a fresh main window: the source box names it without
cutting it, the kernel editor shows every weight whole by the precision rule, and the picture keeps
readable text (the big grids become heat maps rather than the text shrinking to a third)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from tests.helpers.gui import launch_main_window


def test_a_handed_over_8_channel_convolution_reads_whole(qtbot, fresh_settings):
    w = launch_main_window(qtbot, size=(1280, 800))
    conv = w.panels[0]
    rng = np.random.default_rng(3)
    inputs = rng.uniform(0, 0.3, size=(8, 14, 14))
    kernels = rng.normal(0, 0.06, size=(1, 8, 3, 3))
    kernels[0, 0, 1, 1] = -0.0412  # five characters after the minus: "−0.0412"
    conv.open_convolution(inputs, kernels, padding=(1, 1), bias=-0.0923,
                          title="conv2, output channel 3, all input channels")
    qtbot.waitUntil(lambda: conv.model.result is not None and not conv.is_busy(), timeout=10_000)
    combo = conv.input_box.source_combo
    assert combo.currentText() == "Handed over: conv2"
    assert combo.itemData(combo.currentIndex(), Qt.ItemDataRole.ToolTipRole) == (
        "Handed over: conv2, output channel 3, all input channels")
    editor = conv.kernel_box.kernel_editor
    table = editor.table
    fm = QFontMetrics(table.font())
    assert editor.shown_text(1, 1) == "−0.0412"
    for i in range(3):
        for j in range(3):
            text = editor.shown_text(i, j)
            assert fm.horizontalAdvance(text) + 8 <= table.columnWidth(j), (text, table.columnWidth(j))
    assert conv.picture_factor >= 0.8  # 0.5 when the 16×16 grids were planned as numbers


def test_the_bias_box_keeps_a_nets_bias_and_what_is_typed(qtbot, fresh_settings):
    w = launch_main_window(qtbot, size=(1280, 800))
    conv = w.panels[0]
    conv.open_convolution(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), bias=0.0587)
    qtbot.waitUntil(lambda: conv.model.result is not None and not conv.is_busy(), timeout=10_000)
    box = conv.kernel_box.bias_spin
    assert box.text() == "0.0587" and conv.model.bias == 0.0587  # not 0.059
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "0.00125")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: conv.model.bias == pytest.approx(0.00125, abs=1e-12))
    assert box.text() == "0.00125"
