"""The explorer's backward mode: its model against torch.autograd, and the panel driven by a user."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from visualizer.core.conv_job import run_job
from visualizer.core.convolution import INPUT_PRESETS, kernel_preset
from visualizer.ui.conv.backward_model import BackwardModel
from visualizer.ui.conv.matrix_view import cell_label
from visualizer.ui.conv.model import ConvModel
from visualizer.ui.conv.panel import ConvPanel

COURSE = INPUT_PRESETS["course-example"]
COURSE_K = kernel_preset("course-normalized")


def computed(m: ConvModel, n=[0]) -> None:  # noqa: B006 (a job counter)
    n[0] += 1
    m.set_result(run_job(m.make_job(n[0])))


def autograd(x, k, bias, g, stride=2, padding=1):
    xt = torch.tensor(x, requires_grad=True)
    kt = torch.tensor(k, requires_grad=True)
    bt = torch.tensor([bias], dtype=torch.float64, requires_grad=True)
    y = F.conv2d(xt[None, None], kt[None, None], bt, stride=stride, padding=padding)[0, 0]
    (y * torch.tensor(g)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy(), kt.grad.numpy(), float(bt.grad[0])


def test_model_gradients_and_three_steps_equal_autograd(qapp):
    conv = ConvModel()
    back = BackwardModel(conv)
    computed(conv)
    assert back.grads is None  # off until switched on
    back.set_enabled(True)
    _, gx, gk, gb = autograd(COURSE, COURSE_K, 0.0, np.ones((3, 3)))
    np.testing.assert_allclose(back.grads.grad_input[0], gx, rtol=1e-12)
    np.testing.assert_allclose(back.grads.grad_weight[0, 0], gk, rtol=1e-12)
    assert back.grads.grad_bias_total == gb == 9
    back.set_kind("target")
    back.set_target_text("0")
    back.set_lr(0.001)
    k, b = COURSE_K.copy(), 0.0
    for _ in range(3):
        y, gx, gk, gb = autograd(COURSE, k, b, conv.result.output[0])  # G = Y − 0
        assert back.loss == pytest.approx(0.5 * float((y ** 2).sum()), rel=1e-12)
        assert back.apply_step()
        k, b = k - 0.001 * gk, b - 0.001 * gb
        computed(conv)
        np.testing.assert_allclose(conv.kernels[0, 0], k, rtol=1e-12)
        assert conv.bias == pytest.approx(b)
    assert len(back.losses) == 4 and back.losses == sorted(back.losses, reverse=True)
    assert back.loss_text().startswith("L = ½‖Y − T‖² = 34.38 → 7.009 → 1.545 → 0.4427")
    back.set_target_text("1,2;3,4")
    assert back.grads is None and "the target T is 2×2 but the output is 3×3" in back.error
    back.set_target_text("1")
    np.testing.assert_allclose(back.grads.grad_output[0], conv.result.output[0] - 1)
    back.set_kind("typed")
    back.set_grad_text("1, 0, -1; 0, 2, 0; 1/2, 0, 0")
    g = np.array([[1, 0, -1], [0, 2, 0], [0.5, 0, 0]])
    _, gx, gk, gb = autograd(COURSE, conv.kernels[0, 0], conv.bias, g)
    np.testing.assert_allclose(back.grads.grad_input[0], gx, rtol=1e-12)
    np.testing.assert_allclose(back.grads.grad_weight[0, 0], gk, rtol=1e-12)
    assert back.loss is None and back.loss_text() == ""
    back.set_grad_text("1, x")
    assert back.grads is None and "row 1, column 2" in back.error


@pytest.fixture
def panel(qtbot):
    p = ConvPanel()
    qtbot.addWidget(p)
    p.resize(1400, 1000)
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is p)
    return p


def grid_texts(view) -> list[list[str]]:
    rows, cols = view.model.shape
    return [[view.cell_text(y, x) for x in range(cols)] for y in range(rows)]


def test_panel_switch_shows_the_gradients_and_steps_lower_the_loss(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None and panel.result().output is not None)
    view = panel.backward
    assert not view.grids.isVisible()
    qtbot.mouseClick(view.switch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.grids.isVisible())
    assert grid_texts(view.views["grad_weight"]) == [[cell_label(v) for v in row]
                                                    for row in ([14, 23, 14], [15, 39, 15], [14, 23, 14])]
    # stride 2: the upstream gradient drawn with a zero between its cells
    assert grid_texts(view.views["grad_output"])[0] == ["1", "0", "1", "0", "1"]
    assert grid_texts(view.views["grad_input"])[1][1] == cell_label(0.35)
    assert "∂L/∂b = Σ ∂L/∂Y = 9" in view.bias_label.text()
    w = view.views["grad_weight"]
    qtbot.mouseClick(w.cells, Qt.MouseButton.LeftButton, pos=w.cell_center(0, 0))
    assert view.arithmetic_text() == ("∂L/∂W at row 1, column 1 = Σ input value × ∂L/∂Y = "
                                      "0×1 + 0×1 + 0×1 + 0×1 + 2×1 + 7×1 + 0×1 + 4×1 + 1×1 = 14")
    assert w.model.current == (0, 0)
    x = view.views["grad_input"]
    qtbot.mouseClick(x.cells, Qt.MouseButton.LeftButton, pos=x.cell_center(1, 1))
    assert view.arithmetic_text() == ("∂L/∂X at row 2, column 2 = Σ weight × ∂L/∂Y = "
                                      "0.05×1 + 0.15×1 + 0.05×1 + 0.1×1 = 0.35")
    # combo boxes are picked with the mouse in this panel (keys.py keeps the arrows for stepping)
    view.kind_combo.setCurrentIndex(view.kind_combo.findData("target"))
    qtbot.waitUntil(lambda: view.target_edit.isVisible())
    view.lr_spin.setFocus()
    view.lr_spin.selectAll()
    qtbot.keyClicks(view.lr_spin, "0.001")
    qtbot.keyClick(view.lr_spin, Qt.Key.Key_Return)
    assert panel.backward_model.lr == pytest.approx(0.001)
    for n in range(2, 5):
        qtbot.mouseClick(view.step_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(panel.backward_model.losses) == n)
    assert view.loss_label.text() == "L = ½‖Y − T‖² = 34.38 → 7.009 → 1.545 → 0.4427"


def test_a_too_large_step_makes_the_loss_rise(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None and panel.result().output is not None)
    back = panel.backward_model
    back.set_enabled(True)
    back.set_kind("target")
    back.set_lr(0.005)
    for n in (2, 3):
        back.apply_step()
        qtbot.waitUntil(lambda: len(back.losses) == n)
    assert back.losses[0] < back.losses[1] < back.losses[2]
    assert panel.backward.lr_spin.value() == pytest.approx(0.005)  # the view follows the model
    assert panel.backward.kind_combo.currentData() == "target" and panel.backward.switch.isChecked()


def test_too_big_a_problem_is_refused_in_words(qapp):
    conv = ConvModel()
    back = BackwardModel(conv)
    back.set_enabled(True)
    conv.set_kernels(np.ones((200, 1, 11, 11)))
    conv.set_matrix(np.ones((32, 32)))
    computed(conv)
    assert back.grads is None and "multiply-adds" in back.error and "fewer kernels" in back.error
    conv.set_kernels(np.ones((1, 1, 3, 3)))
    computed(conv)
    assert back.grads is not None and back.error == ""


def test_a_layer_handed_over_with_its_true_gradient_gives_the_nets_weight_gradient(qapp):
    """What the Network tab's hand-over will do: a conv2 map's inputs, kernel and ∂L/∂(map) into
    the explorer, whose ∂L/∂W must equal the net's own weight gradient of that kernel."""
    import copy

    from visualizer.core import activations as act
    from visualizer.core.gradients import net_gradients
    from visualizer.core.mnist import synthetic_mnist

    net = act.untrained_net("mnist-net1", 0)
    x = act.normalize(synthetic_mnist(1, 1, 4, seed=3).test_images[0])
    acts = act.forward(net, x)
    layer = [la.name for la in acts.layers].index("conv2")
    grads = net_gradients(net, x, 2)
    o = 5
    conv = ConvModel()
    back = BackwardModel(conv)
    conv.open_convolution(**act.explorer_request(act.conv_parts(net, acts, layer, o)))
    computed(conv)
    back.use_gradient(grads.layers[layer].grad[o])
    assert back.enabled and back.kind == "typed" and back.error == ""
    module = copy.deepcopy(net.module).double()
    loss = F.cross_entropy(module(torch.tensor(x, dtype=torch.float64)[None, None]), torch.tensor([2]))
    loss.backward()
    want = list(module.children())[layer].weight.grad[o].numpy()
    np.testing.assert_allclose(back.grads.grad_weight[0], want, rtol=1e-5, atol=1e-7 * np.abs(want).max())
    np.testing.assert_allclose(back.grads.grad_bias_total, list(module.children())[layer].bias.grad[o].item(),
                               rtol=1e-5)
    back.use_gradient(np.ones((3, 3)))
    assert back.grads is None and "∂L/∂Y is 3×3 but the output is 14×14" in back.error
