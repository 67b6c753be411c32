"""The backward steps' outlines against the grids they are drawn on (no widgets): over random
convolutions (strides, paddings of every mode, dilations, channels, kernels, true convolution or
cross-correlation), every term of a stepped cell reads its factors from the cells it outlines, and
the cell's sum is the gradient torch.autograd gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visualizer.core import conv_backward as cb
from visualizer.core import convolution as cv
from visualizer.core.conv_job import ConvJob, run_job
from visualizer.ui.conv.backward_steps import bias_step, input_step, weight_step


@st.composite
def problems(draw):
    c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(2, 7)), draw(st.integers(2, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    mode = draw(st.sampled_from(cv.PADDING_MODES))
    limit = 1 if mode == "reflect" else 2
    spec = cv.ConvSpec(stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                       padding=(draw(st.integers(0, limit)), draw(st.integers(0, limit))),
                       dilation=(draw(st.integers(1, 2)), draw(st.integers(1, 2))), padding_mode=mode,
                       flip=draw(st.booleans()))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    x = np.round(rng.uniform(-2, 2, (c, h, w)), 2)
    k = np.round(rng.uniform(-1, 1, (o, c, kh, kw)), 2)
    r = run_job(ConvJob(1, x, None, None, k, spec))
    if r.error or r.output is None:
        return None
    g = np.round(rng.uniform(-1, 1, r.output.shape), 2)
    return r, g, draw(st.integers(0, o - 1)), draw(st.integers(0, c - 1))


def torch_grads(r, g):
    spec = r.spec
    xt = torch.tensor(r.input, requires_grad=True)
    w = r.kernels[:, :, ::-1, ::-1].copy() if spec.flip else r.kernels
    wt = torch.tensor(w, requires_grad=True)
    top, bottom, left, right = r.pads
    mode = {"zeros": "constant"}.get(spec.padding_mode, spec.padding_mode)
    padded = F.pad(xt[None], (left, right, top, bottom), mode=mode)
    y = F.conv2d(padded, wt, stride=spec.stride, dilation=spec.dilation)[0]
    (y * torch.tensor(g)).sum().backward()
    gw = wt.grad.numpy()
    return xt.grad.numpy(), gw[:, :, ::-1, ::-1] if spec.flip else gw


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_each_step_reads_what_it_outlines_and_sums_to_autograd(problem):
    if problem is None:
        return
    r, g, o, c = problem
    grads = cb.backward(r.input, r.kernels, r.spec, g)
    gx, gw = torch_grads(r, g)
    dilated = grads.grad_output_dilated[o]
    rotated = cv.effective_kernels(r.kernels, r.spec)[o, c][::-1, ::-1]
    kh, kw = r.kernels.shape[2:]
    for i in range(kh):
        for j in range(kw):
            step = weight_step(r, grads, o, c, i, j)
            assert step.total == pytest.approx(gw[o, c, i, j], abs=1e-9)
            for cell, t in step.padded.items():
                assert r.padded[c][cell] == step.terms[t][0]  # the input value of its term
            for cell, t in step.grad_output.items():
                assert dilated[cell] == step.terms[t][1]  # the ∂L/∂Y of its term
    h, w = r.input.shape[1:]
    for y in range(h):
        for x in range(w):
            step = input_step(r, grads, o, c, y, x)
            assert step.total == pytest.approx(gx[c, y, x], abs=1e-9)
            for cell in step.padded:
                assert r.padded[c][cell] == r.input[c, y, x]  # the cell itself, or a padding copy of it
            for cell, t in step.grad_output.items():
                assert dilated[cell] == step.terms[t][1]
            for cell, t in step.kernel.items():
                assert rotated[cell] == step.terms[t][0]  # the weight, on the kernel rotated by 180°
    b = bias_step(r, grads, o)
    assert b.total == pytest.approx(float(g.sum()), abs=1e-9)
    (sy, sx), (ho, wo) = r.spec.stride, g.shape[1:]
    assert sorted(b.grad_output) == [(y * sy, x * sx) for y in range(ho) for x in range(wo)]  # all of ∂L/∂Y
    assert all(dilated[cell] == g[o].ravel()[t - o * ho * wo] for cell, t in b.grad_output.items())
