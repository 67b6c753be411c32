"""File → Open Python module…: the table of any torch module, built off the GUI thread.

`core.module_summary.summarize_module` imports the user's file (running their code), calls the
factory and runs one forward pass on the meta device; the import of torch and of the user's
code can take seconds, so `ModuleLoader` runs it in a worker thread through
`visualizer.ui.shell.threads` and hands the finished `ShapeTable` (plain data) to the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.ui.shell.threads import SingleJob


class ModuleWorker(QObject):
    #: the ShapeTable of the module
    finished = Signal(object)
    #: one line naming the file and line of the user's error
    failed = Signal(str)
    done = Signal()

    def __init__(self, spec: str, input_shape: tuple[int, int, int]) -> None:
        super().__init__()  # no parent: it is moved to its own thread
        self._spec = spec
        self._shape = input_shape

    @Slot()
    def work(self) -> None:
        from visualizer.core.module_summary import summarize_module

        try:
            table = summarize_module(self._spec, self._shape)
        except UserInputError as exc:
            self.failed.emit(str(exc))
        except BaseException as exc:  # noqa: BLE001 - the user's code may raise anything
            self.failed.emit(f"{type(exc).__name__}: {exc}"[:300])
        else:
            self.finished.emit(table)
        finally:
            self.done.emit()


class ModuleLoader(SingleJob):
    """One module at a time; `loaded(table)` or `failed(message)` on the GUI thread."""

    loaded = Signal(object)
    failed = Signal(str)

    def start(self, spec: str, input_shape: tuple[int, int, int]) -> bool:
        if self.is_running():
            return False
        worker = ModuleWorker(spec, input_shape)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        return self.run(worker)

    @Slot(object)
    def _on_finished(self, table: object) -> None:
        self.loaded.emit(table)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)
