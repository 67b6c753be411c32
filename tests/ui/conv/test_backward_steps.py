"""The backward mode stepped by keys alone, as a lecturer runs it from a fresh main window (and in
lecture mode): ∂L/∂W and ∂L/∂X of the course example at stride 2, padding 1, cell by cell with their
sums, then three update steps with the loss falling; the state kept with the session."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import launch_main_window
from visualizer.core import conv_backward as cb
from visualizer.core.convolution import INPUT_PRESETS, kernel_preset
from visualizer.ui.conv.grid_look import term_colour
from visualizer.ui.conv.panel import ConvPanel

COURSE = INPUT_PRESETS["course-example"]
COURSE_K = kernel_preset("course-normalized")


@pytest.fixture
def launched(qtbot, fresh_settings):
    w = launch_main_window(qtbot, size=(1400, 1000))
    conv = w.tabs.currentWidget()
    assert isinstance(conv, ConvPanel)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    qtbot.waitUntil(lambda: conv.result() is not None and conv.result().output is not None)
    return w, conv


def press(w, key) -> None:
    QTest.keyClick(w.windowHandle(), key)


def autograd(k, bias, g):
    xt = torch.tensor(COURSE, requires_grad=True)
    kt = torch.tensor(k, requires_grad=True)
    bt = torch.tensor([bias], dtype=torch.float64, requires_grad=True)
    y = F.conv2d(xt[None, None], kt[None, None], bt, stride=2, padding=1)[0, 0]
    (y * torch.as_tensor(g)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy(), kt.grad.numpy(), float(bt.grad[0])


@pytest.mark.parametrize("lecture", [False, True])
def test_a_lecturer_steps_both_gradients_and_three_updates_by_keys_alone(launched, qtbot, lecture):
    w, conv = launched
    if lecture:
        press(w, Qt.Key.Key_F5)
        qtbot.waitUntil(conv.is_lecture_mode)
    view, back = conv.backward, conv.backward_model
    assert conv.model.output_shape() == (1, 3, 3) and conv.spec().stride == (2, 2)
    press(w, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: view.grids.isVisible() and back.grads is not None)
    assert "step the backward pass below" in conv.arithmetic.explanation.text()  # the forward's hint says so
    # the backward grids fit a 1280×800 projector with the forward's picture
    assert w.minimumSizeHint().width() <= 1280 and w.minimumSizeHint().height() <= 800
    _, gx, gk, _ = autograd(COURSE_K, 0.0, np.ones((3, 3)))
    # ∂L/∂W, cell by cell: → twice is cell 2 of 9 (row 1, column 2)
    press(w, Qt.Key.Key_Right)
    press(w, Qt.Key.Key_Right)
    assert back.steps.result == "grad_weight" and back.steps.stepper.current_index() == 1
    assert view.step_caption.text() == "∂L/∂W: cell 2 of 9, row 1, column 2"
    w_view = view.views["grad_weight"]
    assert w_view.model.current == (0, 1)
    text = view.arithmetic_text()
    assert text.startswith("∂L/∂W at row 1, column 2 = Σ input value × ∂L/∂Y = ")
    assert text.endswith(f"= {w_view.cell_text(0, 1)}") and float(text.split("= ")[-1]) == pytest.approx(gk[0, 1])
    # the weight's window over the padded input (cells 2 apart: the stride), every ∂L/∂Y cell
    assert sorted(view.views["padded"].model.window) == [(y, x) for y in (0, 2, 4) for x in (1, 3, 5)]
    assert sorted(view.views["grad_output"].model.window) == [(y, x) for y in (0, 2, 4) for x in (0, 2, 4)]
    # each term in its colour, and its note on its cell in the same colour
    assert f"color:{term_colour(4)}" in view.arithmetic.text()
    assert view.views["padded"].model.notes[(2, 3)][1:] == (term_colour(4), 4)  # the badge: colour and ⑤
    assert f"background-color:{term_colour(4)}; color:#ffffff'>&nbsp;⑤&nbsp;" in view.arithmetic.text()
    press(w, Qt.Key.Key_End)
    assert view.step_caption.text().startswith("∂L/∂W: cell 9 of 9")
    assert float(view.arithmetic_text().split("= ")[-1]) == pytest.approx(gk[2, 2])
    # G: ∂L/∂X, stepped from its first cell
    press(w, Qt.Key.Key_G)
    assert back.steps.result == "grad_input"
    press(w, Qt.Key.Key_Right)
    press(w, Qt.Key.Key_Home)
    for _ in range(6):
        press(w, Qt.Key.Key_Right)
    assert view.step_caption.text() == "∂L/∂X: cell 7 of 25, row 2, column 2"
    assert view.arithmetic_text() == ("∂L/∂X at row 2, column 2 = Σ weight × ∂L/∂Y = "
                                      "0.05×1 + 0.15×1 + 0.05×1 + 0.1×1 = 0.35")
    assert float(view.arithmetic_text().split("= ")[-1]) == pytest.approx(gx[1, 1])
    assert view.views["grad_input"].model.current == (1, 1)
    assert view.views["padded"].model.window == [(2, 2)]  # the input cell, in the padded input
    assert len(view.views["grad_output"].model.window) == 4  # the four outputs it fed
    assert len(view.views["kernel"].model.window) == 4  # the rotated kernel's cells that met it
    # Space plays the backward steps, not the forward's
    press(w, Qt.Key.Key_Space)
    assert back.steps.stepper.is_playing() and not conv.stepper.is_playing()
    press(w, Qt.Key.Key_Space)
    assert not back.steps.stepper.is_playing()
    # Y: a typed ∂L/∂Y (Enter gives the keys back); S: a random one's seed
    press(w, Qt.Key.Key_Y)
    qtbot.waitUntil(lambda: view.grad_edit.hasFocus())
    assert back.kind == "typed"
    QTest.keyClicks(QApplication.focusWidget(), "2")
    press(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.grad_edit.hasFocus())
    assert back.grad_text == "2" and float(view.arithmetic_text().split("= ")[-1]) == pytest.approx(2 * gx[1, 1])
    press(w, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: view.seed_spin.hasFocus())
    QTest.keyClicks(QApplication.focusWidget(), "7")
    press(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.seed_spin.hasFocus())
    assert back.kind == "random" and back.seed == 7
    np.testing.assert_array_equal(back.grads.grad_output, cb.grad_random((1, 3, 3), 7))
    press(w, Qt.Key.Key_K)
    assert back.kind == "typed"
    # K: the upstream gradient from a target (T = 0 typed), A: α = 0.001, U: three steps
    press(w, Qt.Key.Key_K)
    assert back.kind == "target"
    press(w, Qt.Key.Key_T)
    qtbot.waitUntil(lambda: view.target_edit.hasFocus())
    QTest.keyClicks(QApplication.focusWidget(), "0")
    press(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.target_edit.hasFocus())
    press(w, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: view.lr_spin.hasFocus())
    QTest.keyClicks(QApplication.focusWidget(), "0.001")
    press(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.lr_spin.hasFocus())
    assert back.lr == pytest.approx(0.001)
    k, b = COURSE_K.copy(), 0.0
    for n in range(2, 5):
        y, _, gk, gb = autograd(k, b, conv.result().output[0])  # G = Y − T, T = 0
        press(w, Qt.Key.Key_U)
        qtbot.waitUntil(lambda: len(back.losses) == n)
        k, b = k - 0.001 * gk, b - 0.001 * gb
        np.testing.assert_allclose(conv.model.kernels[0, 0], k, rtol=1e-12)
    assert view.loss_label.text() == "L = ½‖Y − T‖² = 34.38 → 7.009 → 1.545 → 0.4427"
    assert back.losses == sorted(back.losses, reverse=True)
    # the step stays on its cell: the new sum of ∂L/∂X at row 2, column 2
    assert view.step_caption.text() == "∂L/∂X: cell 7 of 25, row 2, column 2"
    assert view.isVisible() and view.grids.isVisible()
    if lecture:  # F5 again: the type size of the whole application comes back
        press(w, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: not conv.is_lecture_mode())


def test_the_backward_state_is_kept_with_the_session(qtbot):
    a = ConvPanel()
    qtbot.addWidget(a)
    back = a.backward_model
    qtbot.waitUntil(lambda: a.result() is not None and a.result().output is not None)
    back.set_enabled(True)
    back.set_kind("target")
    back.set_target_text("1")
    back.set_lr(0.002)
    back.steps.set_result("grad_input")
    back.steps.stepper.jump_to(6)
    state = a.save_state()
    assert state["backward"]["stepped"] == "grad_input" and state["backward"]["step"] == 7
    b = ConvPanel()
    qtbot.addWidget(b)
    b.restore_state(state)
    qtbot.waitUntil(lambda: b.backward_model.grads is not None and b.backward_model.steps.current_cell() == (1, 1))
    nb = b.backward_model
    assert (nb.enabled, nb.kind, nb.target_text, nb.lr) == (True, "target", "1", 0.002)
    assert b.backward.switch.isChecked() and b.backward.target_edit.text() == "1"
    bad = dict(state, backward=dict(state["backward"], lr=-1))
    b.restore_state(bad)  # refused in words; the course example shows
    assert nb.lr == 0.002
