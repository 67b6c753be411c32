"""Stopping a long command cleanly: `convviz train` and `convviz sweep` share these.

The first stop signal (Ctrl+C, SIGTERM, SIGHUP) asks the work to stop after its batch; a second
raises `QuitNow` to end the command at once (exit status 128 + N). `run_in_folder` runs the work
with the handler installed and the output folder locked.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any, Callable

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


def second_signal_words(signum: int) -> str:
    """How to quit at once after the first stop signal `signum`: "Ctrl+C again" or "a second signal"."""
    return "Ctrl+C again" if signum == signal.SIGINT else "a second signal"


def run_in_folder(out: Path, on_signal, work: Callable[[Any], int]) -> int:
    """`work(lock)` with `on_signal` handling the stop signals, `lock` the RunLock of `out` (not yet
    acquired: `work` acquires it). A QuitNow (a second signal) ends it with 128 + N. Afterwards the
    handlers are restored, the lock released, and a folder this call made and left unused removed."""
    from visualizer.core.run_lock import RunLock, discard_if_unused

    created = not out.exists()
    old = install(on_signal)
    lock = RunLock(out)
    try:
        return work(lock)
    except QuitNow as exc:
        say_line("convviz: interrupted")
        return 128 + exc.signum
    finally:
        restore(old)
        if created:
            discard_if_unused(out, held=lock)  # a run or sweep that wrote nothing leaves no folder
        lock.release()
