"""Hold the Shapes table against a real torch.nn module, off the GUI thread.

`torch_check` builds the network with PyTorch on the meta device (no memory used) and compares
every shape and parameter count; the first call imports torch and warms it up, which takes
seconds, so it runs in a worker thread and the tab stays responsive.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualizer.core.architecture import Architecture, torch_check
from visualizer.core.errors import UserInputError
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker


class TorchCheckWorker(QObject):
    #: (token, differences): an empty list means torch agrees on everything
    finished = Signal(int, list)
    #: (token, message) when the check itself could not run
    failed = Signal(int, str)
    #: after either of the two: the thread may end
    done = Signal()

    def __init__(self, doc: dict[str, Any], token: int) -> None:
        super().__init__()  # no parent: it is moved to its own thread
        self._doc = doc
        self._token = token

    @Slot()
    def work(self) -> None:
        try:
            arch = Architecture.from_dict(self._doc)
            problems = torch_check(arch)
        except UserInputError as exc:
            self.failed.emit(self._token, str(exc))
        except Exception as exc:  # noqa: BLE001 - report, never crash the worker thread
            self.failed.emit(self._token, f"{type(exc).__name__}: {exc}")
        else:
            self.finished.emit(self._token, list(problems))
        finally:
            self.done.emit()


class TorchChecker(QObject):
    """Runs one check at a time; `result` carries (token, differences or None, error text)."""

    result = Signal(int, object, str)
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TorchCheckWorker | None = None

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, doc: dict[str, Any], token: int) -> bool:
        if self._thread is not None:
            return False
        worker = TorchCheckWorker(doc, token)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._worker = worker  # keep both alive while it runs
        self._thread = start_worker(worker, self._on_thread_finished)
        self.running_changed.emit(True)
        return True

    @Slot(int, list)
    def _on_finished(self, token: int, problems: list) -> None:
        self.result.emit(token, problems, "")

    @Slot(int, str)
    def _on_failed(self, token: int, message: str) -> None:
        self.result.emit(token, None, message)

    @Slot()
    def _on_thread_finished(self) -> None:
        join_finished(self._thread)
        self._thread, self._worker = None, None
        self.running_changed.emit(False)

    def shutdown(self, timeout_ms: int = 2000) -> None:
        """The check cannot be interrupted inside torch; wait a bounded time for it to end."""
        thread = self._thread
        if thread is not None:
            thread.quit()
            if not thread.wait(timeout_ms):
                keep_until_done(thread, self._worker)  # never destroy a running thread
