"""Stopping a long command cleanly: `convviz train` and `convviz sweep` share these.

The first stop signal (Ctrl+C, SIGTERM, SIGHUP) asks the work to stop after its batch; a second
raises `QuitNow` to end the command at once (exit status 128 + N).
"""

from __future__ import annotations

import signal
import sys

#: The signals that stop a run cleanly, with the names shown.
STOP_SIGNALS = {"SIGINT": "Ctrl+C", "SIGTERM": "SIGTERM", "SIGHUP": "SIGHUP"}


class QuitNow(KeyboardInterrupt):
    """A stop signal that must end the command at once (the second one)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = int(signum)


def signal_name(signum: int) -> str:
    """"Ctrl+C", "SIGTERM", …: the signal as the stop messages name it."""
    try:
        return STOP_SIGNALS.get(signal.Signals(signum).name, signal.Signals(signum).name)
    except ValueError:
        return f"signal {signum}"


def install(handler) -> dict:
    """`handler` for every stop signal this platform has; the handlers it replaced, for `restore`."""
    old = {}
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            old[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread (e.g. called from a test thread)
            break
    return old


def restore(old: dict) -> None:
    """Put back the handlers `install` replaced."""
    for sig, handler in old.items():
        try:
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        except (ValueError, OSError, TypeError):
            pass


def say_line(text: str) -> None:
    """One line on stderr, even while a signal is being handled (a closed stderr is not an error)."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
