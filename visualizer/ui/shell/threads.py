"""Worker threads for the tabs: one way to start a worker QObject on a QThread and let it go.

A worker is a QObject with no parent, a `work` slot and a `done` signal. `start_worker` moves it
to a new QThread and runs `work` there; the owner keeps both until `thread.finished`, then calls
`join_finished` and drops them on the GUI thread.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from visualizer.core.errors import UserInputError

log = logging.getLogger(__name__)


def start_worker(worker: QObject, on_finished: Callable[[], Any] | None = None) -> QThread:
    """Move `worker` (no parent) to a new QThread and start its `work` slot there.

    The thread quits when the worker says `done`. The caller keeps references to both until
    `thread.finished` and then lets go of them on the GUI thread (`on_finished`, a slot, is
    connected before the start so that even a very short job cannot finish unseen).
    """
    thread = QThread()
    thread.setObjectName(type(worker).__name__)
    worker.moveToThread(thread)
    thread.started.connect(worker.work)
    # Direct: quit() is thread-safe, and a GUI thread blocked in wait() (shutdown) could never
    # deliver a queued quit.
    worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    if on_finished is not None:
        thread.finished.connect(on_finished)
    # No `thread.finished -> worker.deleteLater`: that destroys the worker in its own thread, and
    # PySide6's destructor of a Python-derived QObject waits for the GIL while Qt holds its
    # signal-slot mutex, which deadlocks against a GUI thread that holds the GIL while it connects
    # anything (QLabel.setText with rich text did). The owner drops the worker on the GUI thread
    # after `join_finished`, so it is destroyed there.
    # The QThread itself belongs to its Python owner, who lets go of it only after
    # `join_finished`: `finished` is emitted while the thread is still winding down, and a QThread
    # deleted then (by deleteLater or by dropping the last reference) takes the process down.
    thread.start()
    return thread


def run_and_report(run: Callable[[], Any], failed, done, failure: str) -> None:
    """The body of a worker's `work` slot, in its thread: `run()`; a UserInputError goes to
    `failed` as its own sentence, any other exception is logged with its traceback and goes to
    `failed` as "<failure>: Type: message"; `done` is always the last signal."""
    try:
        run()
    except UserInputError as exc:
        failed.emit(str(exc))
    except Exception as exc:  # noqa: BLE001  (shown to the user, logged with the traceback)
        log.error("%s:\n%s", failure, traceback.format_exc())
        failed.emit(f"{failure}: {type(exc).__name__}: {exc}")
    finally:
        done.emit()


def join_finished(thread: QThread | None) -> None:
    """Wait for a thread that has emitted `finished` to end (a few microseconds), so that its
    owner can drop it safely."""
    if thread is None:
        return
    try:
        thread.wait()
    except RuntimeError:  # already deleted on the C++ side
        pass


_late: list = []


def keep_until_done(thread: QThread, worker: QObject | None) -> None:
    """A thread that did not end within shutdown's bound (say, still reading MNIST after Stop):
    keep it, and its worker, alive until it ends, and wait for it when Python exits, so that
    Qt never destroys a running thread ("QThread: Destroyed while thread is still running")."""
    if not _late:
        import atexit

        atexit.register(_wait_for_late_threads)
    _late.append((thread, worker))


def _wait_for_late_threads() -> None:
    for thread, _worker in _late:
        try:
            thread.wait(30_000)
        except RuntimeError:
            pass


class SingleJob(QObject):
    """One background job at a time, for a tool's runner (Verify with PyTorch, Open Python module):
    `run(worker)` starts the worker unless one is running, `running_changed` follows the thread, and
    `shutdown` waits a bounded time, keeping a thread that outlives it (keep_until_done). Subclasses
    connect the worker's own result signals before calling `run`."""

    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: QObject | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    def run(self, worker: QObject) -> bool:
        if self._thread is not None:
            return False
        self._worker = worker  # kept alive with its thread while it runs
        self._thread = start_worker(worker, self._thread_finished)
        self.running_changed.emit(True)
        return True

    @Slot()
    def _thread_finished(self) -> None:
        join_finished(self._thread)
        self._thread, self._worker = None, None
        self.running_changed.emit(False)

    def shutdown(self, timeout_ms: int = 2000) -> None:
        """The job cannot be interrupted (torch, the user's code): wait a bounded time for it."""
        thread = self._thread
        if thread is not None:
            thread.quit()
            if not thread.wait(timeout_ms):
                keep_until_done(thread, self._worker)  # never destroy a running thread
