"""What the built-in guide teaches, held against what the code computes (issue: teaching accuracy)."""

from __future__ import annotations

import html
import re

import numpy as np

from visualizer.core import convolution as cv
from visualizer.resources import resource_path


def _page(name: str) -> str:
    text = (resource_path("guide") / name).read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", text)
    return " ".join(html.unescape(text).split())


def test_correlation_and_convolution_agree_only_for_kernels_a_half_turn_leaves_unchanged():
    page = _page("02-convolution.html")
    assert "For a symmetric kernel both give the same output" not in page
    emboss = cv.kernel_preset("emboss")
    assert np.array_equal(emboss, emboss.T)  # symmetric about the diagonal...
    assert not np.array_equal(emboss, emboss[::-1, ::-1])  # ...but not under a 180° turn
    x = cv.INPUT_PRESETS["course-example"]
    corr = cv.convolve(x, emboss, cv.ConvSpec())[0, 0, 0]
    conv = cv.convolve(x, emboss, cv.ConvSpec(flip=True))[0, 0, 0]
    assert corr != conv
    shown = f"top-left output is {cv.format_number(corr)} as cross-correlation and {cv.format_number(conv)} as convolution"
    assert shown in page
    box = cv.kernel_preset("box-blur")
    assert np.array_equal(cv.convolve(x, box, cv.ConvSpec()), cv.convolve(x, box, cv.ConvSpec(flip=True)))


def test_the_learning_rate_passage_states_what_the_runs_show():
    page = _page("05-formulas.html")
    assert "0.1 and above for these nets" not in page
    assert "barely moves" not in page
    for fact in ("98.67 %", "98.86 %", "90.64 %", "MATLAB", "seed 0, one torch thread"):
        assert fact in page


def test_momentum_steady_step_and_the_classical_form():
    page = _page("05-formulas.html")
    mu = 0.5
    # v = μv + g with a constant g converges to g / (1 − μ): twice g at μ = 0.5
    v = 0.0
    for _ in range(200):
        v = mu * v + 1.0
    assert abs(v - 1 / (1 - mu)) < 1e-12 and abs(v - 2.0) < 1e-12
    assert "η·g / (1 − μ), twice η·g at μ = 0.5" in page
    assert "classical form" in page


def test_flop_conventions_of_other_tools_are_named():
    page = _page("05-formulas.html")
    for tool in ("torchvision", "fvcore", "torchinfo", "torch.utils.flop_counter"):
        assert tool in page


def test_receptive_field_padding_and_dilation_are_explained():
    page = _page("05-formulas.html")
    assert "do not depend on padding" in page
    assert "spans 5 pixels but reads only 3" in page
    # a 3-tap kernel at dilation 2 spans D·(K − 1) + 1 = 5 input cells and reads 3 of them
    taps = cv.window(0, 0, (1, 3), cv.ConvSpec(dilation=(1, 2)))
    cols = sorted({x for _, x in taps})
    assert len(cols) == 3 and cols[-1] - cols[0] + 1 == 5


def test_batch_norm_parameters_are_gamma_and_beta_and_train_vs_eval_is_explained():
    import torch

    bn = torch.nn.BatchNorm2d(8)
    assert sum(p.numel() for p in bn.parameters()) == 2 * 8
    assert "γ and β are parameters (2C)" in _page("03-shapes.html")
    training = _page("04-training.html")
    assert "running statistics" in training and "evaluation mode" in training
    assert "Overfitting" in training
    assert "drops it" in training  # the preset's Softmax is dropped for training


def test_cross_entropy_gradient_is_per_image():
    import torch

    z = torch.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], requires_grad=True)
    t = torch.tensor([1, 2])
    torch.nn.functional.cross_entropy(z, t).backward()  # batch mean
    expected = (torch.softmax(z, 1) - torch.nn.functional.one_hot(t, 3)) / 2
    assert torch.allclose(z.grad, expected.detach())
    assert "divided by B" in _page("05-formulas.html")


def test_same_padding_says_whose_rule_applies_where():
    import torch

    for page in ("02-convolution.html", "05-formulas.html"):
        text = _page(page)
        assert "in general it gives ⌈N / S⌉" not in text
        assert "TensorFlow" in text and "PyTorch" in text
    # PyTorch's 'same' refuses a stride above 1 ...
    conv = torch.nn.functional.conv2d
    try:
        conv(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), stride=2, padding="same")
    except (RuntimeError, ValueError) as exc:
        assert "stride" in str(exc).lower()
    else:
        raise AssertionError("PyTorch accepted padding='same' with stride 2")
    # ... so the explorer labels the rule it applies there (TensorFlow's ⌈N/S⌉), and not at stride 1
    strided = cv.size_report((5, 5), (3, 3), cv.ConvSpec(stride=(3, 3), padding="same"))
    assert strided.out_shape == (2, 2) and cv.SAME_STRIDE_NOTE in strided.warnings
    plain = cv.size_report((5, 5), (3, 3), cv.ConvSpec(padding="same"))
    assert plain.out_shape == (5, 5) and cv.SAME_STRIDE_NOTE not in plain.warnings
    assert tuple(conv(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3), padding="same").shape[2:]) == (5, 5)


def test_the_table_checker_labels_same_at_a_stride():
    from visualizer.core.table_check import check_table, report_lines

    table = ("Operation\tSize\tPadding\tStride\tOutput size\n"
             "Input\tN/A\tN/A\tN/A\t[28X28X1]\n"
             "Conv block\t[3X3X1]X8\tsame\t2\t[13X13X8]\n")
    text = "\n".join(report_lines(check_table(table)))
    assert "correct [14X14X8]" in text  # ⌈28 / 2⌉ = 14
    assert "TensorFlow/Keras's rule at a stride above 1" in text
