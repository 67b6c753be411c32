"""Backpropagation through the explorer's convolution, held against torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visualizer.core import conv_backward as cb
from visualizer.core import convolution as cv
from visualizer.core.errors import UserInputError

COURSE_X = cv.INPUT_PRESETS["course-example"]
COURSE_K = cv.KERNEL_PRESETS["course-normalized"]
COURSE_SPEC = cv.ConvSpec(stride=(2, 2), padding=(1, 1))
_TORCH_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


@st.composite
def problems(draw):
    c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    mode = draw(st.sampled_from(cv.PADDING_MODES))
    limit_y, limit_x = (h - 1, w - 1) if mode == "reflect" else (h, w) if mode == "circular" else (3, 3)
    padding = draw(st.one_of(
        st.tuples(st.integers(0, min(3, limit_y)), st.integers(0, min(3, limit_x))),
        st.sampled_from(["same", "valid"])))
    kernel_ndim = draw(st.sampled_from([2, 3, 4]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    x = rng.normal(size=(c, h, w))
    shape = {2: (kh, kw), 3: (c, kh, kw), 4: (o, c, kh, kw)}[kernel_ndim]
    k = rng.normal(size=shape)
    spec = cv.ConvSpec(stride=stride, padding=padding, dilation=dilation, padding_mode=mode,
                       flip=draw(st.booleans()), bias=float(rng.normal()))
    return x, k, spec, rng


def _torch_grads(x, k, spec, g):
    """The oracle: torch's own pad and conv2d, differentiated by autograd."""
    o4 = cv.as_oikk(k, x.shape[0])
    xt = torch.tensor(x, requires_grad=True)
    kt = torch.tensor(np.asarray(k, dtype=np.float64), requires_grad=True)
    bt = torch.tensor(spec.bias, dtype=torch.float64, requires_grad=True)
    weight = kt
    if kt.dim() == 2:
        weight = kt[None, None].expand(o4.shape)
    elif kt.dim() == 3:
        weight = kt[None]
    if spec.flip:
        weight = torch.flip(weight, (2, 3))
    top, bottom, left, right = spec.pads(o4.shape[2:], x.shape[1:])
    padded = F.pad(xt[None], (left, right, top, bottom), mode=_TORCH_MODE[spec.padding_mode])
    y = F.conv2d(padded, weight, stride=spec.stride, dilation=spec.dilation)[0] + bt
    (y * torch.tensor(g)).sum().backward()
    return y.detach().numpy(), xt.grad.numpy(), kt.grad.numpy(), float(bt.grad)


def _close(got, expected):
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-9 * scale)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_gradients_equal_torch_autograd(problem):
    x, k, spec, rng = problem
    try:
        shape = cb.output_shape(x, k, spec)
    except UserInputError:
        return  # an empty output or a padding the mode cannot make: the forward refuses it too
    g = rng.normal(size=shape)
    grads = cb.backward(x, k, spec, g)
    y, gx, gk, gb = _torch_grads(x, k, spec, g)
    _close(cv.convolve(x, k, spec), y)
    _close(grads.grad_input, gx)
    assert grads.grad_weight.shape == np.asarray(k).shape
    _close(grads.grad_weight, gk)
    _close(grads.grad_bias_total, gb)
    np.testing.assert_allclose(grads.grad_bias, g.sum(axis=(1, 2)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.data())
def test_cell_arithmetic_sums_to_the_grids(problem, data):
    x, k, spec, rng = problem
    try:
        shape = cb.output_shape(x, k, spec)
    except UserInputError:
        return
    g = rng.normal(size=shape)
    grads = cb.backward(x, k, spec, g)
    k4 = cv.as_oikk(k, x.shape[0])
    o, c, kh, kw = k4.shape
    row, col = data.draw(st.integers(0, kh - 1)), data.draw(st.integers(0, kw - 1))
    ndim = np.asarray(k).ndim
    kernel = data.draw(st.integers(0, o - 1))
    channel = None if ndim == 2 else data.draw(st.integers(0, c - 1))
    exp = cb.explain_weight_cell(x, k, spec, g, kernel, channel, row, col)
    expected = {2: lambda: grads.grad_weight[row, col], 3: lambda: grads.grad_weight[channel, row, col],
                4: lambda: grads.grad_weight[kernel, channel, row, col]}[ndim]()
    assert exp.total == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert all(t.product == t.value * t.grad for t in exp.terms)
    assert len(exp.terms) == (c if channel is None else 1) * shape[1] * shape[2]
    short = cb.explain_weight_cell(x, k, spec, g, kernel, channel, row, col, max_terms=len(exp.terms) - 1)
    assert short.terms == [] and short.total == pytest.approx(exp.total, rel=1e-12, abs=1e-12)
    assert short.text == (f"the sum of {len(exp.terms):,} products, too many to write out, = "
                          f"{cv.format_number(short.total)}")
    ch = data.draw(st.integers(0, c - 1))
    y, xx = data.draw(st.integers(0, x.shape[1] - 1)), data.draw(st.integers(0, x.shape[2] - 1))
    exp = cb.explain_input_cell(x, k, spec, g, ch, y, xx)
    assert exp.total == pytest.approx(grads.grad_input[ch, y, xx], rel=1e-9, abs=1e-9)
    for t in exp.terms:
        assert t.weight == k4[t.out_channel, ch, t.kernel_yx[0], t.kernel_yx[1]]
        assert t.grad == g[t.out_channel, t.out_yx[0], t.out_yx[1]]


def test_course_example_stride2_padding1_with_ones():
    g = cb.grad_ones(cb.output_shape(COURSE_X, COURSE_K, COURSE_SPEC))
    assert g.shape == (1, 3, 3)
    grads = cb.backward(COURSE_X, COURSE_K, COURSE_SPEC, g)
    # ∂L/∂W[0, 0] with L = ΣY: the padded input at rows and columns 0, 2, 4 (stride 2), where only
    # four of the nine cells are real: 2 + 7 + 4 + 1 = 14.
    exp = cb.explain_weight_cell(COURSE_X, COURSE_K, COURSE_SPEC, g, 0, None, 0, 0)
    assert [t.value for t in exp.terms] == [0, 0, 0, 0, 2, 7, 0, 4, 1]
    assert exp.text == "0×1 + 0×1 + 0×1 + 0×1 + 2×1 + 7×1 + 0×1 + 4×1 + 1×1 = 14"
    np.testing.assert_allclose(grads.grad_weight, [[14, 23, 14], [15, 39, 15], [14, 23, 14]])
    assert grads.grad_bias_total == 9
    # Input cell (1, 1) (0-based) is read by one output only, by the kernel's centre weight.
    exp = cb.explain_input_cell(COURSE_X, COURSE_K, COURSE_SPEC, g, 0, 0, 0)
    assert [(t.out_yx, t.kernel_yx) for t in exp.terms] == [((0, 0), (1, 1))]
    assert exp.text == "0.2×1 = 0.2"


def test_stride_dilates_the_upstream_gradient():
    g = np.arange(1, 5, dtype=float).reshape(1, 2, 2)
    np.testing.assert_array_equal(cb.dilate(g, (2, 3))[0], [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]])


def test_replicate_padding_folds_the_gradient_back():
    x = np.arange(9, dtype=float).reshape(3, 3)
    spec = cv.ConvSpec(padding=(1, 1), padding_mode="replicate")
    g = cb.grad_ones(cb.output_shape(x, np.ones((3, 3)), spec))
    grads = cb.backward(x, np.ones((3, 3)), spec, g)
    # A 3×3 ones kernel, G = 1: each cell's gradient counts the reads of it and of its copies. The
    # corner (0, 0) is copied into padded rows 0–1 and columns 0–1; padded row 0 is read by one
    # output row, row 1 by two: (1 + 2)·(1 + 2) = 9 reads, as for every other cell.
    np.testing.assert_array_equal(grads.grad_input[0], np.full((3, 3), 9.0))
    zeros = cb.backward(x, np.ones((3, 3)), cv.ConvSpec(padding=(1, 1)), g)
    assert zeros.grad_input[0, 0, 0] == 4  # zero padding: only the 2·2 direct reads


def test_update_step_lowers_the_squared_error():
    t = np.zeros((1, 3, 3))
    k, b = COURSE_K.copy(), 0.0
    losses = []
    for _ in range(3):
        spec = cv.ConvSpec(stride=(2, 2), padding=(1, 1), bias=b)
        g, loss = cb.grad_from_target(cv.convolve(COURSE_X, k, spec), t)
        losses.append(loss)
        k, b = cb.apply_step(k, b, cb.backward(COURSE_X, k, spec, g), 0.001)
    assert losses[0] > losses[1] > losses[2]
    y = cv.convolve(COURSE_X, COURSE_K, COURSE_SPEC)
    g, loss = cb.grad_from_target(y, t)
    np.testing.assert_array_equal(g, y)
    assert loss == pytest.approx(0.5 * float((y ** 2).sum()))


def test_refusals_are_plain_sentences():
    shape = cb.output_shape(COURSE_X, COURSE_K, COURSE_SPEC)
    with pytest.raises(UserInputError, match="∂L/∂Y is 2×2 but the output is 3×3"):
        cb.backward(COURSE_X, COURSE_K, COURSE_SPEC, np.ones((2, 2)))
    with pytest.raises(UserInputError, match="not a finite number"):
        cb.backward(COURSE_X, COURSE_K, COURSE_SPEC, np.full(shape, np.nan))
    grads = cb.backward(COURSE_X, COURSE_K, COURSE_SPEC, cb.grad_ones(shape))
    for lr in (0, -0.1, float("inf"), "x"):
        with pytest.raises(UserInputError, match="learning rate"):
            cb.apply_step(COURSE_K, 0.0, grads, lr)
    with pytest.raises(UserInputError, match="outside the 3×3 kernel"):
        cb.explain_weight_cell(COURSE_X, COURSE_K, COURSE_SPEC, cb.grad_ones(shape), 0, None, 3, 0)
    with pytest.raises(UserInputError, match="outside the 5×5 input"):
        cb.explain_input_cell(COURSE_X, COURSE_K, COURSE_SPEC, cb.grad_ones(shape), 0, 0, 5)


def test_random_gradient_is_seeded_and_readable():
    a = cb.grad_random((2, 3, 3), seed=4)
    np.testing.assert_array_equal(a, cb.grad_random((2, 3, 3), seed=4))
    assert not np.array_equal(a, cb.grad_random((2, 3, 3), seed=5))
    np.testing.assert_array_equal(a, np.round(a, 2))
    assert np.abs(a).max() <= 1


def test_the_backward_pass_needs_neither_torch_nor_scipy():
    import subprocess
    import sys

    code = ("import sys\n"
            "import numpy as np\n"
            "from visualizer.core import conv_backward as cb, convolution as cv\n"
            "g = cb.backward(np.arange(25.0).reshape(5, 5), np.ones((3, 3)), cv.ConvSpec(), np.ones((3, 3)))\n"
            "assert g.grad_weight[0, 0] == 54.0, g.grad_weight\n"
            "print('torch' in sys.modules, 'scipy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
