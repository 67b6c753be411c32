"""The Network tab's backward view, as a user meets it: the gradient maps beside the activation
maps (ReLU's zeros and max-pooling's routing visible), the class whose loss is backpropagated,
the saliency, and a conv2 gradient map opened in the Convolution explorer's backward mode, whose
∂L/∂W is torch.autograd's weight gradient of that output channel."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt

from tests.helpers.gui import draw_stroke, launch_main_window, open_network_tab
from visualizer.core.gradients import net_gradients
from visualizer.core.number_text import shown
from visualizer.ui.conv.panel import ConvPanel
from visualizer.ui.network.panel import NetworkPanel


def autograd_weight_grad(net, x, target, layer_path, channel):
    module = copy.deepcopy(net.module).double().eval()
    loss = F.cross_entropy(module(torch.tensor(x, dtype=torch.float64)[None, None]), torch.tensor([target]))
    loss.backward()
    conv = module.get_submodule(layer_path)
    return conv.weight.grad[channel].numpy(), float(conv.bias.grad[channel])


def test_a_conv2_gradient_map_opened_in_the_explorer_gives_autograds_weight_gradient(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    panel = open_network_tab(qtbot, w)
    model, back, bar = panel.model, panel.backward, panel.backward_bar
    draw_stroke(qtbot, panel.canvas, [(6, 8), (6, 14), (6, 20), (10, 18), (15, 15), (20, 12), (24, 10)])
    qtbot.waitUntil(lambda: model.drawing.any() and model.acts is not None)
    assert not bar.gradient_canvas.isVisible() and not bar.explorer_button.isVisible()
    bar.mode_combo.setCurrentIndex(bar.mode_combo.findData("both"))
    qtbot.waitUntil(lambda: back.grads is not None and back.grads.target == model.acts.prediction, timeout=20_000)
    assert bar.gradient_canvas.isVisible() and panel.maps.canvas.isVisible()
    assert bar.class_combo.itemText(0) == "the prediction"  # a drawn digit has no true label
    names = [la.name for la in model.acts.layers]
    x = model.input_normalized()
    want = net_gradients(model.net, x, back.grads.target)
    for got, ref in zip(back.grads.layers, want.layers):
        np.testing.assert_allclose(got.grad, ref.grad, rtol=1e-9, atol=1e-12)
    assert bar.loss_label.text().startswith(f"L = −log p") and f"≈ {shown(want.loss)} (" in bar.loss_label.text()
    assert not bar.saliency.pixmap().isNull()
    # ReLU's zeros: no gradient reaches bn1's output where relu1 let nothing through
    g = {la.name: la.grad for la in back.grads.layers}
    relu1 = model.acts.layers[names.index("relu1")].values
    assert np.all(g["bn1"][relu1 <= 0] == 0) and np.any(g["bn1"] != 0)
    # max-pooling's routing: at most one cell of each 2×2 window gets a gradient
    c, h, wd = g["relu1"].shape
    per_window = (g["relu1"] != 0).reshape(c, h // 2, 2, wd // 2, 2).sum(axis=(2, 4))
    assert per_window.max() == 1
    # the same rows as the activations: each layer's gradient tile beside its map
    conv2 = names.index("conv2")
    grad_canvas = bar.gradient_canvas
    assert grad_canvas.tile_rect(conv2, 5).top() == panel.maps.canvas.tile_rect(conv2, 5).top()
    # another class changes the loss and the gradients
    bar.class_combo.setCurrentIndex(bar.class_combo.findData((want.target + 1) % 10))
    qtbot.waitUntil(lambda: back.grads.target == (want.target + 1) % 10, timeout=20_000)
    # click conv2's gradient map 5: it opens; hand its backward pass to the explorer
    rect = grad_canvas.tile_rect(conv2, 5)
    top_left = grad_canvas.mapTo(panel.maps.scroll.widget(), rect.center().toPoint())
    panel.maps.scroll.ensureVisible(top_left.x(), top_left.y(), 80, 80)
    qtbot.mouseClick(grad_canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert model.opened == (conv2, 5)
    qtbot.waitUntil(bar.explorer_button.isEnabled)
    with qtbot.waitSignal(panel.backward_explorer_requested, timeout=5000):
        qtbot.mouseClick(bar.explorer_button, Qt.MouseButton.LeftButton)
    conv = w.tabs.currentWidget()
    assert isinstance(conv, ConvPanel)
    cback = conv.backward_model
    qtbot.waitUntil(lambda: cback.grads is not None and cback.error == "", timeout=10_000)
    assert cback.enabled and conv.backward.switch.isChecked() and cback.kind == "typed"
    want_w, want_b = autograd_weight_grad(model.net, x, back.grads.target, model.net.layers[conv2].path, 5)
    scale = np.abs(want_w).max()
    assert scale > 0
    np.testing.assert_allclose(cback.grads.grad_weight[0], want_w, rtol=1e-5, atol=1e-7 * scale)
    assert cback.grads.grad_bias_total == pytest.approx(want_b, rel=1e-5, abs=1e-9)
    # the upstream gradient is the net's own ∂L/∂(conv2 map 5); the explorer steps it by keys
    np.testing.assert_allclose(cback.grads.grad_output[0], back.grads.layers[conv2].grad[5])
    cback.steps.stepper.step_forward()
    assert conv.backward.arithmetic_text().startswith("∂L/∂W at row 1, column 1")
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())


def test_backward_view_without_a_map_opened_hands_nothing_over(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    panel = open_network_tab(qtbot, w)
    bar = panel.backward_bar
    bar.mode_combo.setCurrentIndex(bar.mode_combo.findData("backward"))
    qtbot.waitUntil(lambda: panel.backward.grads is not None, timeout=20_000)
    assert not panel.maps.canvas.isVisible() and bar.gradient_canvas.isVisible()
    assert not bar.explorer_button.isEnabled() and panel.backward.backward_request() is None
    assert bar.class_label.isVisible() and bar.class_combo.isVisible()  # the loss's class, with its words
    bar.mode_combo.setCurrentIndex(bar.mode_combo.findData("forward"))
    assert panel.maps.canvas.isVisible() and not bar.gradient_canvas.isVisible()
    assert not bar.class_label.isVisible() and not bar.class_combo.isVisible()  # no dangling "loss of class:"
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())


def test_gradients_follow_the_drawing_to_its_last_stroke(qtbot, fresh_settings):
    """Many forward passes while drawing: one computation at a time, and the gradients shown in
    the end are those of the digit as drawn last (no stale answer wins)."""
    w = launch_main_window(qtbot)
    panel = open_network_tab(qtbot, w)
    model, back, bar = panel.model, panel.backward, panel.backward_bar
    bar.mode_combo.setCurrentIndex(bar.mode_combo.findData("both"))
    qtbot.waitUntil(lambda: back.grads is not None, timeout=20_000)
    draw_stroke(qtbot, panel.canvas, [(4, 14), (8, 14), (12, 14), (16, 14), (20, 14), (24, 14)])
    draw_stroke(qtbot, panel.canvas, [(14, 6), (14, 22)])

    def settled() -> bool:
        if back.busy or back.grads is None:
            return False
        want = net_gradients(model.net, model.input_normalized(), back.grads.target)
        return np.allclose(back.grads.input_grad, want.input_grad, rtol=1e-9, atol=1e-12)

    qtbot.waitUntil(settled, timeout=20_000)
    assert model.drawing[14, 14] > 200 and not back.busy
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())


def test_a_backward_hand_over_that_does_not_fit_is_refused_in_words(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    panel = open_network_tab(qtbot, w)
    request = {"inputs": np.zeros((1, 20, 20)), "kernels": np.ones((1, 1, 13, 13)), "stride": (1, 1),
               "padding": (0, 0), "dilation": (1, 1), "bias": 0.0, "title": "a big kernel",
               "grad_output": np.ones((8, 8))}
    panel.backward_explorer_requested.emit(request)
    message = w.statusBar().currentMessage()
    assert message.startswith("Convolution cannot take this convolution's backward pass: ") and "13" in message
    assert w.tabs.currentWidget() is panel
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())


def test_the_backward_view_is_kept_with_the_session(qtbot):
    a = NetworkPanel()
    qtbot.addWidget(a)
    a.backward_bar.mode_combo.setCurrentIndex(a.backward_bar.mode_combo.findData("backward"))
    a.backward_bar.class_combo.setCurrentIndex(a.backward_bar.class_combo.findData(3))
    state = a.save_state()
    assert state["backward"] == {"mode": "backward", "target": 3}
    b = NetworkPanel()
    qtbot.addWidget(b)
    b.restore_state(state)
    assert (b.backward.mode, b.backward.target) == ("backward", 3)
    assert b.backward_bar.mode_combo.currentData() == "backward" and b.backward_bar.class_combo.currentData() == 3
    qtbot.waitUntil(lambda: b.backward.grads is not None and b.backward.grads.target == 3, timeout=30_000)
    b.restore_state(dict(state, backward={"mode": "sideways", "target": 12}))  # nonsense is left alone
    assert (b.backward.mode, b.backward.target) == ("backward", 3)
    for p in (a, b):
        p.shutdown()
