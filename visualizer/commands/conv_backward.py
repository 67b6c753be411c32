"""The `--backward` part of `convviz conv`: the gradients of the convolution for an upstream gradient.

    convviz conv … --backward --grad-output G [--lr A] [--explain ROW,COL]

G = ∂L/∂Y has one value per output cell: a CSV file, `ones` (L = Σ Y) or `random` (uniform in
[−1, 1], 2 decimals, seed 0). json adds `grad_output`, `grad_input` (H×W for one input channel,
C×H×W for several), `grad_weight` (the kernel's shape), `grad_bias` (one number: the bias is
shared) and, with --lr, `updated_kernel` and `updated_bias`. The other formats print the output and
each result under its name. With --backward, --explain ROW,COL (from 1) writes ∂L/∂W at kernel cell
ROW,COL and ∂L/∂X at input cell ROW,COL (one line per input channel) instead of an output cell.
Not a subcommand of its own: `conv.run` hands over to `run_backward`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from visualizer.core import conv_backward as cb
from visualizer.core import convolution as cv
from visualizer.core.errors import UserInputError
from visualizer.core.matrix_format import format_matrix, to_lists
from visualizer.core.safe_json import dumps_strict, excerpt

#: (JSON key, what it is, its symbol in LaTeX) of each printed result, in the order printed.
RESULTS = (
    ("output", "Y, the output", "Y"),
    ("grad_output", "∂L/∂Y, the upstream gradient", r"\frac{\partial L}{\partial Y}"),
    ("grad_weight", "∂L/∂W, the kernel's gradient", r"\frac{\partial L}{\partial W}"),
    ("grad_bias", "∂L/∂b, the bias's gradient", r"\frac{\partial L}{\partial b}"),
    ("grad_input", "∂L/∂X, the input's gradient", r"\frac{\partial L}{\partial X}"),
    ("updated_kernel", "W − α·∂L/∂W, the kernel after one step", r"W - \alpha \frac{\partial L}{\partial W}"),
    ("updated_bias", "b − α·∂L/∂b, the bias after one step", r"b - \alpha \frac{\partial L}{\partial b}"),
)


def check_options(args: argparse.Namespace) -> float | None:
    """The learning rate (None without --lr); UserInputError for --grad-output or --lr without
    --backward, --backward without --grad-output, or an α that is not a positive number."""
    if not args.backward:
        given = "--grad-output" if args.grad_output is not None else "--lr"
        raise UserInputError(f"{given} goes with --backward")
    if args.grad_output is None:
        raise UserInputError("--backward needs --grad-output G: a CSV file, 'ones' or 'random'")
    if args.lr is None:
        return None
    try:
        return cb.check_learning_rate(cv.parse_number(args.lr) if len(args.lr) <= 40 else "")
    except (ValueError, ZeroDivisionError, UserInputError):
        raise UserInputError(f"--lr must be a positive number, got {excerpt(args.lr)}") from None


def load_grad_output(source: str, shape: tuple[int, int, int]) -> np.ndarray:
    """G of `shape` from 'ones', 'random' or a CSV file (UserInputError naming both shapes)."""
    from visualizer.commands.matrix_files import check_file, read_matrix_file

    name = source.strip().lower()
    if name == "ones":
        return cb.grad_ones(shape)
    if name == "random":
        return cb.grad_random(shape, seed=0)
    path = Path(source)
    check_file(path, "--grad-output")
    if not path.is_file():
        raise UserInputError(f"--grad-output must be a CSV file, 'ones' or 'random'; no file {excerpt(source)}")
    g = read_matrix_file(path, "--grad-output")
    try:
        return cb.check_grad_output(g, shape)
    except UserInputError as exc:
        raise UserInputError(f"--grad-output {path.name}: {exc}") from None


def _results(x, k, spec, out, grads: cb.ConvGradients, lr: float | None) -> dict[str, np.ndarray | float]:
    gx = grads.grad_input[0] if x.shape[0] == 1 else grads.grad_input
    res: dict[str, np.ndarray | float] = {
        "output": out[0], "grad_output": grads.grad_output[0], "grad_weight": grads.grad_weight,
        "grad_bias": grads.grad_bias_total, "grad_input": gx,
    }
    if lr is not None:
        res["updated_kernel"], res["updated_bias"] = cb.apply_step(k, spec.bias, grads, lr)
    return res


def run_backward(args: argparse.Namespace, x, k, spec: cv.ConvSpec, out: np.ndarray, doc: dict,
                 explain: tuple[int, int] | None) -> int:
    """Print the forward output and the gradients (the forward `doc` extended for json)."""
    lr = check_options(args)
    g = load_grad_output(args.grad_output, out.shape)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow shows as inf / null, as the forward
        grads = cb.backward(x, k, spec, g)
    if explain:
        print_explain(x, k, spec, grads, explain)
    res = _results(x, k, spec, out, grads, lr)
    if args.format == "json":
        for key, value in res.items():
            if key == "output":
                continue
            if isinstance(value, float):
                doc[key] = value
            elif value.ndim == 3:
                doc[key] = [to_lists(m) for m in value]
            else:
                doc[key] = to_lists(value)
        text, nulls = dumps_strict(doc)
        if nulls:
            print(f"note: {nulls:,} value{'s are' if nulls > 1 else ' is'} not a finite number (too large for a "
                  f"float); written as null", file=sys.stderr)
        print(text)
    else:
        print("\n\n".join(_blocks(res, args.format)))
    return 0


def _blocks(res: dict, fmt: str) -> list[str]:
    blocks = []
    for key, what, symbol in RESULTS:
        if key not in res:
            continue
        value = res[key]
        if isinstance(value, np.ndarray) and value.ndim == 3:
            for c, m in enumerate(value):
                blocks.append(_named(f"{key}, channel {c + 1}", f"{what}, input channel {c + 1}",
                                     f"{symbol}_{{{c + 1}}}", m, fmt))
        else:
            blocks.append(_named(key, what, symbol, value, fmt))
    return blocks


def _named(key: str, what: str, symbol: str, value: float | np.ndarray, fmt: str) -> str:
    """One result under its name in `fmt`: a number on the name's line, a matrix below it."""
    if isinstance(value, float):
        body, inline = cv.format_number(value, digits=10).replace("−", "-"), True
    else:
        body, inline = format_matrix(value, fmt), False
    if fmt == "csv":
        return f"# {key}\n{body}"
    if fmt == "markdown":
        return f"**{what}** (`{key}`)" + (" = " if inline else "\n\n") + body
    if fmt == "latex":
        return f"% {key}\n{symbol} = {body}"
    return f"{what} ({key}):" + (" " if inline else "\n") + body


def print_explain(x, k, spec: cv.ConvSpec, grads: cb.ConvGradients, explain: tuple[int, int]) -> None:
    """∂L/∂W at kernel cell ROW,COL and ∂L/∂X at input cell ROW,COL (from 1) on stderr; a note for
    the one the cell lies outside of, an error when it lies outside both."""
    g = grads.grad_output
    row, col = explain
    kh, kw = k.shape[-2:]
    h, w = x.shape[1:]
    if (row > kh or col > kw) and (row > h or col > w):
        raise UserInputError(f"--explain {row},{col} is outside the {kh}×{kw} kernel and the {h}×{w} input "
                             f"(rows and columns count from 1)")
    if row <= kh and col <= kw:
        over = " (input value × ∂L/∂Y" + (", over every input channel)" if x.shape[0] > 1 else ")")
        text = cb.explain_weight_cell(x, k, spec, g, 0, None, row - 1, col - 1).text
        print(f"∂L/∂W at kernel row {row}, column {col}{over} = {text}", file=sys.stderr)
    else:
        print(f"note: {row},{col} is outside the {kh}×{kw} kernel: no ∂L/∂W line", file=sys.stderr)
    if row <= h and col <= w:
        for c in range(x.shape[0]):
            exp = cb.explain_input_cell(x, k, spec, g, c, row - 1, col - 1)
            where = f"input row {row}, column {col}" + (f", channel {c + 1}" if x.shape[0] > 1 else "")
            print(f"∂L/∂X at {where} (weight × ∂L/∂Y) = {exp.text}", file=sys.stderr)
    else:
        print(f"note: {row},{col} is outside the {h}×{w} input: no ∂L/∂X line", file=sys.stderr)
