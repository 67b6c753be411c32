"""The `convviz` command: no subcommand opens the GUI; `conv`, `shapes` and `train` run headless.

Every error a user can cause is one line on stderr and exit status 2, never a traceback.
Subcommands live in `visualizer/commands/`, each with `add_parser(subparsers)` and a
`run(args) -> int` set as the parser's default `func`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from visualizer import __version__
from visualizer.core.errors import UserInputError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus a message; we keep it to one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from visualizer.commands import conv, shapes, train

    parser = _Parser(
        prog="convviz",
        description="ConvViz: convolution explorer, CNN shape calculator and MNIST trainer. "
        "Without a subcommand the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"ConvViz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (conv, shapes, train):
        module.add_parser(sub)
    return parser


def fail(message: str) -> int:
    """Print one error line and return the usage exit status."""
    text = " ".join(str(message).split()) or "invalid input"
    print(f"convviz: error: {text}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from visualizer.app import run_gui

        return run_gui(sys.argv[:1] + argv)
    try:
        return int(args.func(args) or 0)
    except UserInputError as exc:
        return fail(str(exc))
    except FileNotFoundError as exc:
        return fail(f"file not found: {exc.filename or exc}")
    except (IsADirectoryError, PermissionError) as exc:
        return fail(f"cannot read {exc.filename or exc}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        print("convviz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
