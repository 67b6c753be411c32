"""The `convviz` command: no subcommand opens the GUI; `conv`, `shapes` and `train` run headless.

Every error a user can cause is one line on stderr and exit status 2, never a traceback: bad
input, and every OSError (disk full, read-only, I/O error, a folder where a file belongs, a full
or closed stdout). Ctrl+C (even during the imports of the first half second) exits 130 quietly.
Subcommands live in `visualizer/commands/`, each with `add_parser(subparsers)` and a
`run(args) -> int` set as the parser's default `func`.
"""

from __future__ import annotations

import sys

try:  # the first thing we do: a Ctrl+C while Python imports the rest is a quiet exit 130
    import argparse
    import errno
    import os
    import re
    from typing import Sequence

    from visualizer import __version__
    from visualizer.core.errors import UserInputError
except KeyboardInterrupt:  # pragma: no cover - a window of milliseconds
    sys.exit(130)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: Longest error line printed; longer ones (say, binary data quoted back) are cut.
MAX_ERROR_CHARS = 1200
_LONG_WORD = re.compile(r"\S{100,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus a message; we keep it to one line and exit status 2."""

    #: The OSError of the last failed write of help, usage or version text (argparse itself
    #: swallows it, so `convviz --help > /dev/full` would exit 0 having printed nothing).
    write_error: OSError | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")

    def _print_message(self, message, file=None):  # type: ignore[override]
        if message:
            try:
                (file or sys.stderr).write(message)
            except OSError as exc:
                _Parser.write_error = exc
            except AttributeError:  # no stream at all (pythonw): as argparse does
                pass


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
            importlib.import_module(f"visualizer.commands.{name.replace('-', '_')}").add_parser(sub)
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


def one_line(message: str) -> str:
    """`message` as one printable line of reasonable length: control characters shown as '?',
    any run of 100+ characters without a space cut to 80, the whole cut to MAX_ERROR_CHARS."""
    text = " ".join(_CONTROL.sub("?", str(message)).split()) or "invalid input"
    text = _LONG_WORD.sub(_shorten_word, text)
    if len(text) > MAX_ERROR_CHARS:
        text = text[:MAX_ERROR_CHARS - 1] + "…"
    return text


def _shorten_word(m: "re.Match[str]") -> str:
    word = m.group(0)
    end = word[-1] if word[-1] in ":;,." else ""  # keep the sentence's punctuation
    word = word[:-1] if end else word
    return f"{word[:80]}…({len(word):,} characters){end}"


def fail(message: str, status: int = EXIT_USAGE) -> int:
    """Print one error line and return `status` (the usage exit status unless told)."""
    _say(f"convviz: error: {one_line(message)}")
    return status


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed or full: the exit status still tells
        pass


def describe_os_error(exc: OSError) -> str:
    """One sentence for an OSError, naming the file (or the output) and the cause."""
    name = exc.filename
    if name is None and _stdout_failed():
        return f"cannot write the output: {exc.strerror or exc}"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {name or exc}"
    if isinstance(exc, IsADirectoryError):
        return f"{name} is a folder, not a file" if name else "a folder was given where a file is expected"
    if isinstance(exc, NotADirectoryError):
        return f"{name}: a part of this path is a file, not a folder" if name else str(exc)
    cause = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        cause = "no space left on the disk"
    elif exc.errno == errno.EROFS:
        cause = "the disk is read-only"
    elif exc.errno == errno.EIO:
        cause = "input/output error (the device or file cannot be read)"
    if name is not None:
        verb = "cannot read" if exc.errno in (errno.EIO, errno.EISDIR) else "cannot use"
        return f"{verb} {name}: {cause}"
    return cause


class _WatchedStdout:
    """sys.stdout while a command runs: remembers whether writing to it failed, so an OSError
    without a file name can be told apart (the output) from one of a file the command used."""

    def __init__(self, stream):
        self._stream = stream
        self.failed = False

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError:
            self.failed = True
            raise

    def flush(self):
        try:
            return self._stream.flush()
        except OSError:
            self.failed = True
            raise

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _stdout_failed() -> bool:
    """True when writing to stdout failed (full disk, closed pipe), or fails now."""
    if isinstance(sys.stdout, _WatchedStdout) and sys.stdout.failed:
        return True
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _silence_stdout() -> None:
    """After stdout failed: send what is still buffered to /dev/null, so the flush at interpreter
    exit cannot print "Exception ignored …" or change the exit status."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in {id(s): s for s in (sys.stdout, sys.__stdout__) if s is not None}.values():
            try:
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
        os.close(devnull)
    except OSError:
        pass
    sys.stdout = open(os.devnull, "w")


def main(argv: Sequence[str] | None = None) -> int:
    exiting: SystemExit | None = None
    try:
        status = _main(argv)
    except KeyboardInterrupt:
        _say("convviz: interrupted")
        status = EXIT_INTERRUPTED
    except SystemExit as exc:  # argparse's --help, --version and usage errors: kept as SystemExit
        exiting, status = exc, exc.code
        failed, _Parser.write_error = _Parser.write_error, None
        if failed is not None and not isinstance(failed, BrokenPipeError) and status in (None, 0):
            _silence_stdout()
            status = fail(f"cannot write the output: {failed.strerror or failed}")
    # Flush here, not at interpreter exit, where a full or closed stdout would print a traceback.
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, ValueError) as exc:
        _silence_stdout()
        if status in (None, 0, 1, 3) or (isinstance(status, int) and status >= 128):
            status = fail(f"cannot write the output: {getattr(exc, 'strerror', None) or exc}")
    if exiting is not None:
        if status != exiting.code:
            raise SystemExit(status)
        raise exiting
    return status


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        from visualizer.app import run_gui

        return run_gui(sys.argv[:1] + argv)
    watched = sys.stdout = _WatchedStdout(sys.stdout)
    try:
        return _run_command(args)
    finally:
        if sys.stdout is watched:
            sys.stdout = watched._stream


def _run_command(args) -> int:
    try:
        return int(args.func(args) or 0)
    except UserInputError as exc:
        return fail(str(exc))
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except OSError as exc:
        failed_output = exc.filename is None and _stdout_failed()
        message = describe_os_error(exc)
        if failed_output:
            _silence_stdout()
        return fail(message)
    except MemoryError:
        return fail("not enough memory for this input; try a smaller one")
    except RecursionError:
        return fail("the input is nested too deeply")


def launch() -> int:
    """`convviz-gui` (a gui-script, for menus and shortcuts) and the frozen bundle's program: `main()`
    where there may be no console. A Windows gui-script (pythonw) or windowed bundle starts with
    sys.stdout and sys.stderr set to None; they go to the null device, so that what the app prints
    (or flushes on the way out) cannot raise. In a terminal it is `main()` itself."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    return main()


if __name__ == "__main__":
    sys.exit(main())
