"""Issue 26, item 4 for the backward grids: their sums and totals follow the explorer's one precision
rule (number_text: 3 significant digits, a negative term as a minus, "≈" where rounded); the exact
numbers are on the tool tips of the sum, the ∂L/∂b line and every grid cell. A handed-over layer
with real-valued numbers, stepped with the keys."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.helpers.gui import launch_main_window
from visualizer.core.number_text import exact, shown

NUMBER = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture
def handed_over(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    conv = w.tabs.currentWidget()
    rng = np.random.default_rng(26)
    x = rng.normal(size=(1, 5, 5))
    k = rng.normal(size=(1, 1, 3, 3))
    conv.open_backward(rng.normal(size=(1, 3, 3)), inputs=x, kernels=k, title="layer")
    qtbot.waitUntil(lambda: conv.backward.grids.isVisible())
    return w, conv


def significant(number: str) -> int:
    return len(number.replace(".", "").lstrip("0"))


def test_the_stepped_sum_has_three_digits_and_the_exact_one_on_hover(handed_over, qtbot):
    w, conv = handed_over
    view = conv.backward.grids
    QTest.keyClick(w.windowHandle(), Qt.Key.Key_Right)  # ∂L/∂W, its first cell
    text = view.arithmetic_text()
    assert text.startswith("∂L/∂W at row 1, column 1 = Σ input value × ∂L/∂Y = ")
    body = text.split(" = ", 2)[2]
    assert "+ −" not in body and "(−" in body  # a negative factor after ×, in parentheses
    assert all(significant(n) <= 3 for n in NUMBER.findall(body)), body
    total = conv.backward_model.grads.grad_weight[0, 0, 0, 0]
    assert body.endswith(f" ≈ {shown(total)}")  # rounded: not a false "="
    assert exact(total) in view.arithmetic.toolTip() and "≈" not in view.arithmetic.toolTip()
    assert f"<b>{shown(total)}</b>" in view.arithmetic.text()
    line = view.bias_label.text()
    bias = conv.backward_model.grads.grad_bias_total
    assert line == f"∂L/∂b = Σ ∂L/∂Y ≈ {shown(bias)}" and exact(bias) in view.bias_label.toolTip()


def test_a_grid_cell_tells_its_exact_value_on_hover(handed_over, qtbot):
    w, conv = handed_over
    grid = conv.backward.grids.views["grad_input"]
    qtbot.mouseMove(grid.cells, grid.cell_center(1, 2))
    value = conv.backward_model.grads.grad_input[0, 1, 2]
    qtbot.waitUntil(lambda: grid.toolTip() == f"∂L/∂X, row 2, column 3 = {exact(value)}")
    assert shown(value) != exact(value)  # a value the grid rounds
