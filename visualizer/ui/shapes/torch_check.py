"""Hold the Shapes table against a real torch.nn module, off the GUI thread.

`torch_check` builds the network with PyTorch on the meta device (no memory used) and compares
every shape and parameter count; the first call imports torch and warms it up, which takes
seconds, so it runs in a worker thread and the tab stays responsive. `TorchChecker` runs it
through `visualizer.ui.shell.threads`; `TorchVerifier` checks the `ShapesModel`'s network and puts
the verdict on the model's message line.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.architecture import Architecture, torch_check
from visualizer.core.errors import UserInputError, first_sentence
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shell.threads import SingleJob


log = logging.getLogger(__name__)


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


class TorchChecker(SingleJob):
    """Runs one check at a time; `result` carries (token, differences or None, error text)."""

    result = Signal(int, object, str)

    def start(self, doc: dict[str, Any], token: int) -> bool:
        if self.is_running():
            return False
        worker = TorchCheckWorker(doc, token)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        return self.run(worker)

    @Slot(int, list)
    def _on_finished(self, token: int, problems: list) -> None:
        self.result.emit(token, problems, "")

    @Slot(int, str)
    def _on_failed(self, token: int, message: str) -> None:
        self.result.emit(token, None, message)


class TorchVerifier(QObject):
    """"Verify with PyTorch" for the model's network; the verdict goes to the model's message
    line, once (it went to the status bar as well, so it was printed twice). A verdict for a
    network that has changed since is not shown as one."""

    running_changed = Signal(bool)

    def __init__(self, model: ShapesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.last_text = ""
        self.checker = TorchChecker(self)
        self.checker.result.connect(self._on_result)
        self.checker.running_changed.connect(self.running_changed)

    def is_running(self) -> bool:
        return self.checker.is_running()

    def start(self) -> bool:
        if not self.checker.start(self.model.table.architecture.to_dict(), self.model.revision):
            return False
        self.model.show_message("Building the network with PyTorch…")
        return True

    @Slot(int, object, str)
    def _on_result(self, token: int, problems: Any, error: str) -> None:
        if token != self.model.revision:
            text, kind = "The network changed while PyTorch was checking it; verify again.", ""
        elif error:
            # one sentence on the line; torch's whole text (C++ frames and all) in the log
            log.info("PyTorch could not build the network: %s", error)
            text, kind = f"PyTorch could not build this network: {first_sentence(error)}", "bad"
        elif problems:
            text, kind = "PyTorch disagrees: " + "; ".join(str(p) for p in problems), "bad"
        else:
            bad = sum(1 for r in self.model.table.rows if not r.ok)
            text = ("PyTorch agrees: a real torch.nn module gives the same output shape and parameter "
                    "count for every layer"
                    + (", and torch refuses the layers in red as well." if bad else "."))
            kind = "good"
        self.last_text = text
        self.model.show_message(text, kind)

    def shutdown(self) -> None:
        self.checker.shutdown()
