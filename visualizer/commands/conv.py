"""`convviz conv`: compute a convolution headless and print the output matrix.

    convviz conv --input A --kernel B [--stride S] [--padding P] [--dilation D]
                 [--padding-mode zeros|reflect|replicate|circular] [--flip]
                 [--format text|csv|json|markdown|latex]
                 [--backward --grad-output G [--lr A]]

A and B are a CSV file of numbers, an image file (A only) or a preset name.
--backward also computes the gradients of a loss L whose gradient at the output is G = ∂L/∂Y (a CSV
file, 'ones' or 'random'): ∂L/∂W, ∂L/∂b and ∂L/∂X, and with --lr the kernel and bias after one step.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from visualizer.core import convolution as cv
from visualizer.commands import command_parser
from visualizer.commands.matrix_files import check_file, read_matrix_file
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import argparse_type, number_arg
from visualizer.core.matrix_format import FORMATS, format_matrix, to_lists
from visualizer.core.safe_json import dumps_strict, excerpt

#: Largest stride, dilation or padding accepted (far beyond any picture; keeps numpy's and torch's
#: index arithmetic within 64 bits). The sizes of the input, padded input and output are capped
#: separately (conv_job.MAX_INPUT_VALUES, MAX_OUTPUT_VALUES).
MAX_STEP = 100_000
#: Biggest CSV file read (bytes): 40 M numbers would be several hundred MB of text.


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    kernels = ", ".join(sorted(list(cv.KERNEL_PRESETS) + ["random"]))
    p = command_parser(
        subparsers, "conv",
        description="Convolve a matrix or image with a kernel (cross-correlation, as deep-learning "
        "libraries do, unless --flip) and print the output matrix.",
        epilog=f"Input presets: {', '.join(sorted(cv.INPUT_PRESETS))}. Kernel presets: {kernels}.",
        raw=False,
    )
    p.add_argument("--input", "-i", required=True, metavar="A",
                   help="CSV file of numbers, image file (PNG, JPEG, BMP, ...) or input preset name")
    p.add_argument("--kernel", "-k", required=True, metavar="B", help="CSV file of numbers or kernel preset name")
    p.add_argument("--stride", "-s", default="1", metavar="S", type=argparse_type(_stride, "stride"),
                   help="integer or SY,SX (default 1)")
    p.add_argument("--padding", "-p", default="0", metavar="P", type=argparse_type(_bounded_padding, "padding"),
                   help="integer, PY,PX, 'same' or 'valid' (default 0)")
    p.add_argument("--dilation", "-d", default="1", metavar="D", type=argparse_type(_dilation, "dilation"),
                   help="integer or DY,DX (default 1)")
    p.add_argument("--padding-mode", default="zeros", choices=cv.PADDING_MODES)
    p.add_argument("--flip", action="store_true", help="true convolution: flip the kernel first")
    p.add_argument("--bias", default="0", metavar="X", type=number_arg,
                   help="number added to every output cell (e.g. 0.5, −1 or 1/9)")
    p.add_argument("--channels", default="auto", choices=("auto", "gray", "rgb"),
                   help="how to read an image input (default: gray when it has no colour)")
    p.add_argument("--explain", metavar="ROW,COL", type=argparse_type(_cell, "cell"),
                   help="also print the arithmetic of one output cell on stderr; ROW and COL count "
                   "from 1, as the app's row and column labels do (1,1 is the top-left cell); an input "
                   "with several channels gets one line per channel, then their sum plus the bias")
    p.add_argument("--format", "-f", default="text", choices=FORMATS)
    back = p.add_argument_group("backward pass (backpropagation through the convolution)")
    back.add_argument("--backward", action="store_true",
                      help="also compute ∂L/∂W, ∂L/∂b and ∂L/∂X for the upstream gradient --grad-output; "
                      "--explain ROW,COL then writes ∂L/∂W at that kernel cell and ∂L/∂X at that input cell")
    back.add_argument("--grad-output", metavar="G",
                      help="the upstream gradient ∂L/∂Y, one value per output cell: a CSV file, 'ones' "
                      "(L = the sum of the outputs) or 'random' (uniform in [−1, 1], 2 decimals, seed 0)")
    back.add_argument("--lr", metavar="A", help="learning rate α: also print the kernel and bias after one step "
                      "W := W − α·∂L/∂W, b := b − α·∂L/∂b")
    p.set_defaults(func=run)


def _bounded_pair(text: str, name: str, minimum: int = 1, maximum: int = MAX_STEP) -> tuple[int, int]:
    """cv.parse_pair with a length check first (a 5,000-digit number is refused before int()
    sees it) and an upper bound after."""
    if len(str(text)) > 40:
        raise UserInputError(f"{name} must be an integer or two integers 'Y,X', got {excerpt(text, 20)}")
    return cv.parse_pair(text, name, minimum, maximum)


def _stride(text: str) -> tuple[int, int]:
    return _bounded_pair(text, "stride")


def _dilation(text: str) -> tuple[int, int]:
    return _bounded_pair(text, "dilation")


def _cell(text: str) -> tuple[int, int]:
    return _bounded_pair(text, "--explain", 1, 10**9)


def _bounded_padding(text: str):
    if len(str(text)) > 40:
        raise UserInputError(f"padding must be an integer ≥ 0, 'PY,PX', 'same' or 'valid', got "
                             f"{excerpt(text, 20)}")
    return cv.parse_padding(text, MAX_STEP)


def load_input(source: str, channels: str = "auto") -> np.ndarray:
    """A preset name, an image file or a CSV file -> (C, H, W) float64."""
    from visualizer.core.conv_job import MAX_INPUT_VALUES

    if source in cv.INPUT_PRESETS:
        return cv.INPUT_PRESETS[source][None].copy()
    path = Path(source)
    check_file(path, "input")
    if path.is_file():
        from visualizer.image_io import is_image_path, load_image

        if is_image_path(path):
            return load_image(path, channels, max_values=MAX_INPUT_VALUES, quiet=True)
        return read_matrix_file(path, "input")[None]
    if path.suffix or "/" in source or "\\" in source:
        raise UserInputError(f"input file not found: {source}")
    raise UserInputError(
        f"unknown input {excerpt(source)}: not a file and not a preset (presets: {', '.join(sorted(cv.INPUT_PRESETS))})")


def load_kernel(source: str) -> np.ndarray:
    """A preset name or a CSV file -> 2-D float64."""
    name = source.strip().lower()
    if name in cv.KERNEL_PRESETS or name == "random":
        return cv.kernel_preset(name, seed=0)
    path = Path(source)
    check_file(path, "kernel")
    if path.is_file():
        k = read_matrix_file(path, "kernel")
        if max(k.shape) > cv.MAX_KERNEL:
            raise UserInputError(f"kernel is {k.shape[0]}×{k.shape[1]}; at most {cv.MAX_KERNEL}×{cv.MAX_KERNEL}")
        return k
    if path.suffix or "/" in source or "\\" in source:
        raise UserInputError(f"kernel file not found: {source}")
    known = ", ".join(sorted(list(cv.KERNEL_PRESETS) + ["random"]))
    raise UserInputError(f"unknown kernel {excerpt(source)}: not a file and not a preset (presets: {known})")


def run(args: argparse.Namespace) -> int:
    import sys

    spec = cv.ConvSpec(stride=args.stride, padding=args.padding, dilation=args.dilation,
                       padding_mode=args.padding_mode, flip=args.flip, bias=args.bias)
    explain = args.explain
    if args.backward or args.grad_output is not None or args.lr is not None:
        from visualizer.commands.conv_backward import check_options

        check_options(args)  # before the input is read
    from visualizer.core.conv_job import check_sizes

    x = load_input(args.input, args.channels)
    k = load_kernel(args.kernel)
    check_sizes(x.shape, k.shape, spec)  # before the padded input and the output are allocated
    report = cv.size_report(x.shape[1:], k.shape, spec)
    if report.error:
        raise UserInputError(report.error)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow shows as inf, reported below
        out = cv.convolve(x, k, spec)
    for w in report.warnings:
        print(f"note: {w}", file=sys.stderr)
    if args.backward:
        from visualizer.commands.conv_backward import run_backward

        return run_backward(args, x, k, spec, out, _json_doc(x, k, spec, out, report, None, None), explain)
    explained = _print_explain(x, k, spec, out, explain) if explain else None
    if args.format == "json":
        text, nulls = dumps_strict(_json_doc(x, k, spec, out, report, explained, explain))
        if nulls:
            print(f"note: {nulls:,} output value{'s are' if nulls > 1 else ' is'} not a finite number "
                  f"(too large for a float); written as null", file=sys.stderr)
        print(text)
    else:
        print(format_matrix(out[0], args.format))
    return 0


def _print_explain(x, k, spec, out, explain):
    """The arithmetic of output cell `explain` (ROW, COL from 1) on stderr; its explanation."""
    import sys

    row, col = explain  # counted from 1
    ho, wo = out.shape[1:]
    if row > ho or col > wo:
        raise UserInputError(f"--explain {row},{col} is outside the {ho}×{wo} output (rows and columns "
                             f"count from 1)")
    explained = cv.explain_cell(x, k, spec, 0, row - 1, col - 1)
    where = f"output row {row}, column {col}"
    if x.shape[0] == 1:
        print(f"{where} = {explained.text}", file=sys.stderr)
    else:
        names = ["R", "G", "B"] if x.shape[0] == 3 else None
        print(f"{where}, one line per input channel:", file=sys.stderr)
        for line in cv.explain_by_channel(explained, names):
            print(f"  {line}", file=sys.stderr)
    return explained


def _json_doc(x, k, spec, out, report, explained, explain) -> dict:
    """The --format json document of the forward pass."""
    doc = {
        "output": to_lists(out[0]),
        "shape": [int(out.shape[1]), int(out.shape[2])],
        "channels": int(out.shape[0]),
        "input_shape": [int(v) for v in x.shape],
        "kernel_shape": [int(v) for v in k.shape],
        "stride": list(spec.stride),
        "padding": list(spec.pads(k.shape, x.shape[1:])),
        "dilation": list(spec.dilation),
        "padding_mode": spec.padding_mode,
        "flip": spec.flip,
        "bias": spec.bias,
        "formula": {"rows": report.rows.formula, "cols": report.cols.formula},
        "warnings": report.warnings,
        # "explain" rows and columns count from 1, like --explain and the app's labels.
        "index_base": 1,
    }
    if explained is not None:
        doc["explain"] = {
            "row": explain[0], "col": explain[1],
            "channels": [{"channel": p.channel + 1, "partial_sum": p.subtotal}
                         for p in cv.channel_parts(explained)],
            "bias": explained.bias,
            "value": explained.total,
        }
    return doc
