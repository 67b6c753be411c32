"""The guide's page "Backpropagation through a convolution" held against the core and torch.autograd:
its worked example is recomputed here, and each layer's one-sentence backward rule is checked."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from visualizer.core import conv_backward as cb
from visualizer.core import convolution as cv
from visualizer.core.matrix_format import to_text
from visualizer.resources import resource_path

X = cv.INPUT_PRESETS["course-example"]
K = cv.KERNEL_PRESETS["course-normalized"]
SPEC = cv.ConvSpec(stride=(2, 2), padding=(1, 1))


def _raw() -> str:
    return (resource_path("guide") / "08-backpropagation.html").read_text(encoding="utf-8")


def _flat() -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", _raw())).split())


def _pre_blocks() -> list[str]:
    return [html.unescape(b).strip("\n") for b in re.findall(r"<pre>(.*?)</pre>", _raw(), re.DOTALL)]


def test_worked_example_numbers_are_the_cores():
    g = cb.grad_ones(cb.output_shape(X, K, SPEC))
    grads = cb.backward(X, K, SPEC, g)
    blocks = _pre_blocks()
    for grid in (cv.convolve(X, K, SPEC)[0], grads.grad_output_dilated[0], grads.grad_weight,
                 grads.grad_input[0], cb.apply_step(K, 0.0, grads, 0.01)[0]):
        assert to_text(grid) in blocks, to_text(grid)
    weight_11 = cb.explain_weight_cell(X, K, SPEC, g, 0, None, 0, 0)
    input_22 = cb.explain_input_cell(X, K, SPEC, g, 0, 1, 1)
    assert weight_11.text in blocks and input_22.text in blocks
    # the page names the outputs and kernel cells of input cell (2, 2), counting from 1
    cells = [(t.out_yx, t.kernel_yx) for t in input_22.terms]
    assert cells == [((0, 0), (2, 2)), ((0, 1), (2, 0)), ((1, 0), (0, 2)), ((1, 1), (0, 0))]
    page = _flat()
    assert "outputs (1, 1), (1, 2), (2, 1) and (2, 2), with the kernel's weights (3, 3), (3, 1), (1, 3) and (1, 1)" in page
    centre = cb.explain_weight_cell(X, K, SPEC, g, 0, None, 1, 1)
    assert " + ".join(cv.format_number(t.value) for t in centre.terms) + f" = {cv.format_number(centre.total)}" in page
    assert f"∂L/∂b = {cv.format_number(grads.grad_bias_total)}" in page
    step = cb.apply_step(K, 0.0, grads, 0.01)[1]
    assert f"bias {cv.format_number(step)}" in page


def _losses(lr: float, steps: int) -> list[str]:
    k, b, out = K.copy(), 0.0, []
    for _ in range(steps + 1):
        spec = cv.ConvSpec(stride=(2, 2), padding=(1, 1), bias=b)
        g, loss = cb.grad_from_target(cv.convolve(X, k, spec), np.zeros((1, 3, 3)))
        out.append(f"{loss:.4g}")
        k, b = cb.apply_step(k, b, cb.backward(X, k, spec, g), lr)
    return out


def test_the_loss_falls_and_rises_as_the_page_says():
    page = _flat()
    falling = _losses(0.001, 3)
    assert f"α = 0.001 three steps take L from {falling[0]} to {falling[1]}, {falling[2]} and {falling[3]}" in page
    rising = _losses(0.005, 2)
    assert f"α = 0.005 the steps overshoot and L grows, {', '.join(rising)}" in page


def _grad(f, *tensors):
    ts = [torch.tensor(t, dtype=torch.float64, requires_grad=True) for t in tensors]
    y = f(*ts)
    g = torch.tensor(np.random.default_rng(0).normal(size=tuple(y.shape)))
    (y * g).sum().backward()
    return g.numpy(), [t.grad.numpy() for t in ts]


def test_relu_rule_including_zero():
    x = np.array([-1.0, 0.0, 2.0])
    g, (gx,) = _grad(torch.relu, x)
    np.testing.assert_array_equal(gx, np.where(x > 0, g, 0.0))
    assert "gives 0 where the input is exactly 0" in _flat()


def test_pooling_rules():
    x = np.random.default_rng(1).normal(size=(1, 1, 4, 4))
    g, (gx,) = _grad(lambda t: F.max_pool2d(t, 2), x)
    expected = np.zeros_like(x)
    for y in range(2):
        for c in range(2):
            win = x[0, 0, 2 * y:2 * y + 2, 2 * c:2 * c + 2]
            i, j = np.unravel_index(np.argmax(win), win.shape)
            expected[0, 0, 2 * y + i, 2 * c + j] = g[0, 0, y, c]
    np.testing.assert_allclose(gx, expected)
    g, (gx,) = _grad(lambda t: F.avg_pool2d(t, 3, stride=1, padding=1), x)
    # corner (0, 0) lies in the 4 windows centred on (0..1, 0..1); each hands it g / 9
    assert gx[0, 0, 0, 0] == pytest.approx(g[0, 0, :2, :2].sum() / 9)
    assert "count_include_pad=True divides by Kh·Kw" in _flat()


def test_batch_norm_rules_in_both_modes():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 2, 2, 2))
    bn = torch.nn.BatchNorm2d(2).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, -0.5]))
        bn.running_var.copy_(torch.tensor([2.0, 0.5]))
    bn.eval()
    g, (gx,) = _grad(bn, x)
    scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy()
    np.testing.assert_allclose(gx, g * scale[None, :, None, None], rtol=1e-12)
    bn.train()
    g, (gx,) = _grad(bn, x)
    for c in range(2):
        xc, gc = x[:, c].ravel(), g[:, c].ravel()
        m, sigma = xc.size, np.sqrt(xc.var() + bn.eps)  # the batch's (biased) variance
        xhat = (xc - xc.mean()) / sigma
        rule = float(bn.weight[c].detach()) / (m * sigma) * (m * gc - gc.sum() - xhat * (gc * xhat).sum())
        np.testing.assert_allclose(gx[:, c].ravel(), rule, rtol=1e-9)


def test_linear_and_cross_entropy_rules():
    rng = np.random.default_rng(3)
    w, x, b = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    g, (gw, gx, gb) = _grad(lambda W, v, c: W @ v + c, w, x, b)
    np.testing.assert_allclose(gx, w.T @ g)
    np.testing.assert_allclose(gw, np.outer(g, x))
    np.testing.assert_allclose(gb, g)
    z = torch.tensor(rng.normal(size=(1, 10)), requires_grad=True)
    F.cross_entropy(z, torch.tensor([4])).backward()
    p = torch.softmax(z.detach(), 1).numpy()[0]
    np.testing.assert_allclose(z.grad.numpy()[0], p - np.eye(10)[4], atol=1e-15)
