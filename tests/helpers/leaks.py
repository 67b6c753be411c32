"""The leak guard's thread watch: `threading.Thread.start` and `QThread.start` patched (through
pytest's monkeypatch, so each test gets them back) to note every thread a test starts and where in
our code it was started; `leaked()` names each one still running when the test is over."""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path

_REPO = str(Path(__file__).resolve().parents[2])
_HERE = str(Path(__file__).resolve())


def _where() -> str:
    """The calls in this repository (visualizer/, tests/) that led to the start, innermost first."""
    frames = [f for f in traceback.extract_stack()[:-2]
              if f.filename.startswith(_REPO) and f.filename != _HERE and "/.venv/" not in f.filename]
    shown = [f"{Path(f.filename).relative_to(_REPO)}:{f.lineno} in {f.name}" for f in reversed(frames[-4:])]
    return " <- ".join(shown) or "outside this repository"


class ThreadWatch:
    def __init__(self) -> None:
        self.started: list[tuple[object, str]] = []

    def install(self, monkeypatch) -> None:
        watch = self
        py_start = threading.Thread.start

        def start_python_thread(thread, *args, **kwargs):  # type: ignore[no-untyped-def]
            watch.started.append((thread, _where()))
            return py_start(thread, *args, **kwargs)

        monkeypatch.setattr(threading.Thread, "start", start_python_thread)
        if "PySide6.QtCore" in sys.modules:  # a test that never loads Qt starts no QThread
            from PySide6.QtCore import QThread

            qt_start = QThread.start

            def start_qthread(thread, *args, **kwargs):  # type: ignore[no-untyped-def]
                watch.started.append((thread, _where()))
                return qt_start(thread, *args, **kwargs)

            monkeypatch.setattr(QThread, "start", start_qthread)

    def leaked(self) -> list[str]:
        """One line per thread the test started that is still running, with where it started."""
        problems = []
        for thread, where in self.started:
            if isinstance(thread, threading.Thread):
                running, name = thread.is_alive(), f"thread {thread.name!r}"
            else:
                try:
                    running, name = thread.isRunning(), f"QThread {thread.objectName() or type(thread).__name__!r}"
                except RuntimeError:  # already deleted on the C++ side: not running
                    continue
            if running:
                problems.append(f"{name} still running after the test, started at {where}")
        return problems
