"""`convviz conv --backward`: the gradients held against torch.autograd, the formats and the refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from visualizer.cli import main
from visualizer.core import convolution as cv

COURSE = ["conv", "--input", "course-example", "--kernel", "course-normalized", "--stride", "2", "--padding", "1"]


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def autograd(x, k, g, stride=1, padding=0, dilation=1, flip=False, bias=0.0):
    """x (C, H, W), a 2-D kernel shared by every channel, G (Ho, Wo) → (∂L/∂X, ∂L/∂K, ∂L/∂b)."""
    xt = torch.tensor(x, requires_grad=True)
    kt = torch.tensor(k, requires_grad=True)
    bt = torch.tensor([bias], dtype=torch.float64, requires_grad=True)
    w = kt.flip((0, 1)) if flip else kt
    y = F.conv2d(xt[None], w[None, None].expand(1, x.shape[0], *k.shape), bt, stride=stride, padding=padding,
                 dilation=dilation)
    (y[0, 0] * torch.tensor(g)).sum().backward()
    return xt.grad.numpy(), kt.grad.numpy(), float(bt.grad[0])


def test_json_equals_torch_autograd_for_a_csv_gradient(capsys, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(-5, 6, (6, 7)).astype(float)
    k = rng.integers(-3, 4, (3, 2)).astype(float)
    g = rng.integers(-4, 5, (2, 2)).astype(float)
    for name, m in (("x.csv", x), ("k.csv", k), ("g.csv", g)):
        np.savetxt(tmp_path / name, m, delimiter=",")
    code, out, err = run(capsys, "conv", "-i", str(tmp_path / "x.csv"), "-k", str(tmp_path / "k.csv"),
                         "--stride", "2,3", "--padding", "1,0", "--dilation", "2,1", "--flip", "--bias", "0.5",
                         "--backward", "--grad-output", str(tmp_path / "g.csv"), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    gx, gk, gb = autograd(x[None], k, g, (2, 3), (1, 0), (2, 1), flip=True, bias=0.5)
    assert doc["grad_output"] == g.tolist()
    np.testing.assert_allclose(doc["grad_input"], gx[0], rtol=1e-5, atol=1e-12)  # H×W for one channel
    np.testing.assert_allclose(doc["grad_weight"], gk, rtol=1e-5, atol=1e-12)
    assert doc["grad_bias"] == pytest.approx(gb) == g.sum()
    assert "updated_kernel" not in doc and "updated_bias" not in doc


def test_several_channels_and_the_update(capsys):
    from visualizer.image_io import sample_images

    path = str(sample_images()["rgb-shapes"])
    code, out, err = run(capsys, "conv", "--input", path, "--channels", "rgb", "--kernel", "sobel-x",
                         "--stride", "3", "--backward", "--grad-output", "random", "--lr", "1e-4",
                         "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    from visualizer.commands.conv import load_input

    x = load_input(path, "rgb")
    g = np.array(doc["grad_output"])
    gx, gk, gb = autograd(x, cv.KERNEL_PRESETS["sobel-x"], g, stride=3)
    assert np.array(doc["grad_input"]).shape == x.shape  # C×H×W for several channels
    np.testing.assert_allclose(doc["grad_input"], gx, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(doc["grad_weight"], gk, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(doc["updated_kernel"], cv.KERNEL_PRESETS["sobel-x"] - 1e-4 * gk, rtol=1e-9)
    assert doc["updated_bias"] == pytest.approx(-1e-4 * gb)
    assert np.all(np.abs(g) <= 1) and np.array_equal(g, np.round(g, 2))


@pytest.mark.parametrize("fmt,marks", [
    ("text", ["∂L/∂W, the kernel's gradient (grad_weight):", "∂L/∂b, the bias's gradient (grad_bias): 9",
              "∂L/∂X, the input's gradient (grad_input):"]),
    ("csv", ["# grad_weight\n14,23,14\n15,39,15\n14,23,14", "# grad_bias\n9", "# grad_input"]),
    ("markdown", ["**∂L/∂W, the kernel's gradient** (`grad_weight`)", "(`grad_bias`) = 9", "(`grad_input`)"]),
    ("latex", [r"\frac{\partial L}{\partial W} = \begin{bmatrix}", r"\frac{\partial L}{\partial b} = 9",
               r"\frac{\partial L}{\partial X} = \begin{bmatrix}"]),
])
def test_other_formats_print_the_three_results_under_their_names(capsys, fmt, marks):
    code, out, err = run(capsys, *COURSE, "--backward", "--grad-output", "ones", "--format", fmt)
    assert code == 0, err
    for mark in marks:
        assert mark in out, mark


def test_explain_writes_both_cells_counted_from_one(capsys):
    code, out, err = run(capsys, *COURSE, "--backward", "--grad-output", "ones", "--explain", "2,2")
    assert code == 0
    lines = err.strip().splitlines()
    # kernel centre: every output's window centre, on input rows/cols 1, 3, 5 (from 1), all real
    assert lines[0] == ("∂L/∂W at kernel row 2, column 2 (input value × ∂L/∂Y) = "
                        "4×1 + 6×1 + 3×1 + 2×1 + 7×1 + 7×1 + 0×1 + 6×1 + 4×1 = 39")
    # input cell (2, 2) is met by the top-left weight of output (2, 2) ... and three more
    assert lines[1].startswith("∂L/∂X at input row 2, column 2 (weight × ∂L/∂Y) = ") and lines[1].endswith("= 0.35")
    code, out, err = run(capsys, *COURSE, "--backward", "--grad-output", "ones", "--explain", "5,5")
    assert code == 0 and "note: 5,5 is outside the 3×3 kernel" in err and "∂L/∂X at input row 5, column 5" in err


@pytest.mark.parametrize("argv,fragment", [
    (["--grad-output", "ones"], "--grad-output goes with --backward"),
    (["--lr", "0.1"], "--lr goes with --backward"),
    (["--backward"], "--backward needs --grad-output"),
    (["--backward", "--grad-output", "twos"], "a CSV file, 'ones' or 'random'"),
    (["--backward", "--grad-output", "ones", "--lr", "0"], "--lr must be a positive number"),
    (["--backward", "--grad-output", "ones", "--lr", "abc"], "--lr must be a positive number"),
    (["--backward", "--grad-output", "ones", "--explain", "6,6"], "outside the 3×3 kernel and the 5×5 input"),
])
def test_errors_are_one_line_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *COURSE, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err, err


def test_a_gradient_of_the_wrong_shape_names_both_shapes(capsys, tmp_path):
    (tmp_path / "g.csv").write_text("1,2\n3,4\n")
    code, out, err = run(capsys, *COURSE, "--backward", "--grad-output", str(tmp_path / "g.csv"))
    assert code == 2 and out == ""
    assert "--grad-output g.csv: the upstream gradient ∂L/∂Y is 2×2 but the output is 3×3" in err
    assert len(err.strip().splitlines()) == 1


def test_explain_of_a_big_output_writes_only_the_sum(capsys, tmp_path):
    x = np.arange(40 * 40, dtype=float).reshape(40, 40) % 7
    np.savetxt(tmp_path / "x.csv", x, delimiter=",")
    code, out, err = run(capsys, "conv", "-i", str(tmp_path / "x.csv"), "-k", "box-blur", "--backward",
                         "--grad-output", "ones", "--explain", "1,1", "--format", "json")
    assert code == 0
    total = json.loads(out)["grad_weight"][0][0]
    assert total == pytest.approx(x[:38, :38].sum())
    line = err.splitlines()[0]
    assert "the sum of 1,444 products, too many to write out, = " in line
    assert line.endswith(cv.format_number(total))
