"""Shapes → Open Python module…: the table of any torch module, built off the GUI thread.

`core.module_summary.summarize_module` imports the user's file (running their code), calls the
factory and runs one forward pass on the meta device. It runs in a child process
(`core.module_child.summarize_in_child`), watched from a worker thread through
`visualizer.ui.shell.threads`, so that the window stays responsive, and a factory that never
returns can be cancelled (`ModuleLoader.cancel`) or is stopped after `timeout_s`: its process is
ended, which a thread could not be. The finished `ShapeTable` (plain data) comes to the GUI thread.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.ui.shell.threads import SingleJob


class ModuleWorker(QObject):
    #: the ShapeTable of the module
    finished = Signal(object)
    #: one line naming the file and line of the user's error (or the timeout)
    failed = Signal(str)
    #: the user cancelled: the child process was ended
    cancelled = Signal()
    done = Signal()

    def __init__(self, spec: str, input_shape: tuple[int, int, int], timeout_s: float) -> None:
        super().__init__()  # no parent: it is moved to its own thread
        self._spec = spec
        self._shape = input_shape
        self._timeout_s = timeout_s
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: end the child process within a few hundredths of a second."""
        self._cancel.set()

    @Slot()
    def work(self) -> None:
        from visualizer.core.module_child import BuildCancelled, summarize_in_child

        try:
            table = summarize_in_child(self._spec, self._shape, self._timeout_s, self._cancel.is_set)
        except BuildCancelled:
            self.cancelled.emit()
        except UserInputError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a process that cannot start, a table that cannot be read
            self.failed.emit(f"{type(exc).__name__}: {exc}"[:300])
        else:
            self.finished.emit(table)
        finally:
            self.done.emit()


class ModuleLoader(SingleJob):
    """One module at a time; `loaded(table)`, `failed(message)` or `cancelled()` on the GUI thread."""

    loaded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from visualizer.core.module_child import DEFAULT_TIMEOUT_S

        #: seconds a module may take before its process is ended
        self.timeout_s = DEFAULT_TIMEOUT_S

    def start(self, spec: str, input_shape: tuple[int, int, int]) -> bool:
        if self.is_running():
            return False
        worker = ModuleWorker(spec, input_shape, self.timeout_s)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        return self.run(worker)

    def cancel(self) -> None:
        worker = self._worker
        if isinstance(worker, ModuleWorker):
            worker.cancel()

    def shutdown(self, timeout_ms: int = 2000) -> None:
        self.cancel()  # the child process ends at once; the thread then returns
        super().shutdown(timeout_ms)

    @Slot(object)
    def _on_finished(self, table: object) -> None:
        self.loaded.emit(table)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()
