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


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole CLI. Only the subcommand named in `argv` gets its full parser (its module and
    presets imported); the others are listed by name and help alone. None: every one in full."""
    import importlib

    from visualizer.commands import COMMANDS

    wanted = _command_in(argv) if argv is not None else None
    parser = _Parser(
        prog="convviz",
        description="ConvViz: convolution explorer, CNN shape calculator and MNIST trainer. "
        "Without a subcommand the desktop app opens.",
    )
    parser.add_argument("--version", action="version", version=f"ConvViz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        if argv is None or name == wanted:
            importlib.import_module(f"visualizer.commands.{name}").add_parser(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` runs: its first word that is not an option."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None


def fail(message: str) -> int:
    """Print one error line and return the usage exit status."""
    text = " ".join(str(message).split()) or "invalid input"
    print(f"convviz: error: {text}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
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
