"""`convviz shapes`: the layer-by-layer shape table of a CNN, or a check of a table written by hand.

    convviz shapes ARCH [--input C,H,W] [--format text|markdown|csv|json|latex]
                        [--check FILE [--against PRESET]]
    convviz shapes --module FILE.py:FACTORY [--input C,H,W] [--format ...]

--module imports (RUNS) the user's Python file or module, calls FACTORY and runs its forward
pass on torch's meta device (or the CPU, see core/module_build.py) with hooks: the table of leaf
modules in call order (see core/module_summary.py). An error in the user's code is one line naming their file and line.

ARCH is a preset name (see `--help`) or an architecture JSON file. Without --check it prints
the table (`--format json`: {"layers": [{"name", "type", "output_shape", "params", "macs", ...}],
"total_params", "total_macs", ...}). With --check FILE it prints one line per wrong row
("row N (Operation): claimed X, correct Y: reason") and, with --against, one line per missing
or extra layer ("missing: ...", "extra: ..."); `--format json` gives the report as JSON and
markdown/csv/latex every row with its claim beside the truth. The input shape of the check is
ARCH's (or --input's).

Exit status: 0 when every layer is valid (or, with --check, every row of the table is right),
1 when a layer is invalid (or a row is wrong, or a layer is missing or extra), 2 when an input
cannot be read.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from visualizer.commands import command_parser
from visualizer.core.errors import UserInputError
from visualizer.core.safe_json import dumps_strict

FORMATS = ("text", "markdown", "csv", "json", "latex")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from visualizer.core.architecture import preset_names

    p = command_parser(
        subparsers, "shapes",
        description="Print the shape table of a CNN (a preset or a JSON file), or check a table "
        "of layers and output sizes written by hand. Presets: " + ", ".join(preset_names()) + ".",
        epilog="--module runs your code: it imports the file or module and calls FACTORY, as Python "
        "would; use it only with code you trust. Exit status: 0 all right; 1 an invalid layer, or a "
        "wrong/missing/extra row with --check; 2 an input that cannot be read (or, with --module, an error "
        "in your code: one line naming the file and line).",
        raw=False,
    )
    p.add_argument("arch", metavar="ARCH", nargs="?",
                   help="preset name (e.g. vgg16, resnet18, mnist-net1) or architecture JSON file")
    p.add_argument("--module", metavar="FILE.py:FACTORY",
                   help="instead of ARCH: the table of any torch module. RUNS YOUR CODE: imports FILE.py (or "
                   "package.module), calls FACTORY (a class or function with no required arguments) and runs its "
                   "forward pass on the meta device (on the CPU when its __init__ computes with tensors) with "
                   "forward hooks; rows are the leaf modules in call order. "
                   "Input: --input (default 3,224,224)")
    p.add_argument("--input", metavar="C,H,W", help="input shape instead of the architecture's, e.g. 3,32,32")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="output format (default: text); with --check, text gives one line per problem, "
                   "json the report as JSON, markdown/csv/latex every row with its claim beside the truth")
    p.add_argument("--check", metavar="FILE",
                   help="a CSV or tab-separated table of layers with claimed output sizes ('-' reads stdin)")
    p.add_argument("--against", metavar="PRESET",
                   help="with --check: also name the layers the table lacks or adds compared with "
                   "this preset (or architecture JSON file)")
    p.set_defaults(func=run)


def parse_input_shape(text: str) -> tuple[int, int, int]:
    """"1,28,28", "1x28x28", "1×28×28" … -> (1, 28, 28): the one shape grammar (core.parsing);
    UserInputError otherwise."""
    from visualizer.core.parsing import parse_shape

    c, h, w = parse_shape(text, "--input")
    return c, h, w


def load_architecture(spec: str, what: str = "ARCH"):
    """A preset by name, or an architecture JSON file."""
    from visualizer.core.architecture import preset, preset_names

    looks_like_file = spec.lower().endswith(".json") or "/" in spec or "\\" in spec
    if not looks_like_file:
        try:
            return preset(spec)
        except UserInputError:
            if not Path(spec).is_file():
                raise UserInputError(f"{what}: {spec!r} is neither a preset nor a file; presets: "
                                     f"{', '.join(preset_names())}") from None
    return _load_architecture_file(spec)


def _load_architecture_file(spec: str):
    """An architecture JSON file (`Architecture.load` reads it with safe_json: nesting too deep, a
    huge integer, a folder, binary data are one plain sentence, never a traceback)."""
    from visualizer.core.architecture import Architecture

    return Architecture.load(spec)


#: Biggest table read by --check (a hand-written table is a few kB).
MAX_CHECK_BYTES = 8 * 2**20
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _read_check_file(path: str) -> str:
    text = _decode_check_file(path)
    if "\x00" in text or len(_BINARY.findall(text)) > max(2, len(text) // 100):
        raise UserInputError(f"--check: {'standard input' if path == '-' else path} holds binary data, "
                             f"not a text table")
    return text


def _decode_check_file(path: str) -> str:
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a test's StringIO
            return sys.stdin.read(MAX_CHECK_BYTES)
        data = stream.read(MAX_CHECK_BYTES + 1)
        if len(data) > MAX_CHECK_BYTES:
            raise UserInputError(f"--check: standard input is larger than {MAX_CHECK_BYTES // 2**20} MB; not a table")
        return _decode(data, "standard input")
    p = Path(path)
    try:
        with open(p, "rb") as f:
            data = f.read(MAX_CHECK_BYTES + 1)
    except FileNotFoundError:
        raise UserInputError(f"--check: {path}: no such file") from None
    except IsADirectoryError:
        raise UserInputError(f"--check: {path}: is a folder") from None
    except OSError as exc:
        raise UserInputError(f"--check: {path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_CHECK_BYTES:
        raise UserInputError(f"--check: {path} is larger than {MAX_CHECK_BYTES // 2**20} MB; not a table")
    return _decode(data, path)


def _decode(data: bytes, path: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # spreadsheets on Windows save cp1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserInputError(f"--check: {path}: not a text file")  # pragma: no cover (cp1252 decodes most bytes)


def run(args: argparse.Namespace) -> int:
    from visualizer.core.architecture import compute_table
    from visualizer.core.table_format import format_table

    if args.against and not args.check:
        raise UserInputError("--against needs --check FILE")
    if args.module:
        if args.arch or args.check:
            raise UserInputError("--module takes the place of ARCH and cannot be used with --check")
        return _run_module(args)
    if not args.arch:
        raise UserInputError("give ARCH (a preset or an architecture JSON file) or --module FILE.py:FACTORY")
    arch = load_architecture(args.arch)
    if args.input:
        arch.input_shape = parse_input_shape(args.input)
    if args.check:
        return _run_check(args, arch)
    table = compute_table(arch)
    sys.stdout.write(format_table(table, args.format))
    return 0 if table.ok else 1


def _run_module(args: argparse.Namespace) -> int:
    from visualizer.core.module_summary import summarize_module
    from visualizer.core.table_format import format_table

    shape = parse_input_shape(args.input) if args.input else (3, 224, 224)
    table = summarize_module(args.module, shape)
    sys.stdout.write(format_table(table, args.format))
    return 0


def _run_check(args: argparse.Namespace, arch) -> int:
    from visualizer.core.table_check import check_table, report_lines, report_to_dict

    text = _read_check_file(args.check)
    against = load_architecture(args.against, "--against") if args.against else None
    try:
        # the table is ARCH's: each row is judged with its layer's settings (bias, groups, ...)
        report = check_table(text, input_shape=tuple(arch.input_shape), against=against, reference=arch)
    except UserInputError as exc:
        raise UserInputError(f"--check: {'standard input' if args.check == '-' else args.check}: {exc}") from None
    if args.format == "json":
        text, nulls = dumps_strict(report_to_dict(report), indent=2, ensure_ascii=False)
        if nulls:
            print(f"note: {nulls} value(s) that are not finite numbers written as null", file=sys.stderr)
        sys.stdout.write(text + "\n")
    elif args.format in ("markdown", "csv", "latex"):
        from visualizer.core.table_format import format_check_report

        sys.stdout.write(format_check_report(report, args.format))
    else:
        for line in report_lines(report, against_name=(against.name or args.against) if against else None):
            print(line)
    return 0 if report.ok else 1
