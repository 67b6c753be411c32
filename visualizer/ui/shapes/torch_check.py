"""Hold the Shapes table against a real torch.nn module, off the GUI thread.

`torch_check` builds the network with PyTorch on the meta device (no memory used) and compares
every shape and parameter count; the first call of a session imports torch, which takes seconds,
so it runs in a worker thread and the tab stays responsive (keys and clicks are answered), saying
"Loading PyTorch…" in place until torch is in. `TorchChecker` runs it through
`visualizer.ui.shell.threads`; `TorchVerifier` checks the `ShapesModel`'s network and puts what it
is doing, then the verdict, on the model's message line.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.architecture import Architecture, torch_check
from visualizer.core.errors import UserInputError, first_sentence
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shell.threads import SingleJob


log = logging.getLogger(__name__)

LOADING_TEXT = "Loading PyTorch…"
BUILDING_TEXT = "Building the network with PyTorch…"


def torch_ready() -> bool:
    """True when torch is imported (not merely being imported by another thread)."""
    module = sys.modules.get("torch")
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)


def load_torch() -> None:
    """Import torch: called on the worker thread, never on the GUI thread."""
    import torch  # noqa: F401


class TorchCheckWorker(QObject):
    #: (token, differences): an empty list means torch agrees on everything
    finished = Signal(int, list)
    #: (token, message) when the check itself could not run
    failed = Signal(int, str)
    #: (token): torch is imported; the check itself begins
    torch_loaded = Signal(int)
    #: after either of the two: the thread may end
    done = Signal()

    def __init__(self, doc: dict[str, Any], token: int) -> None:
        super().__init__()  # no parent: it is moved to its own thread
        self._doc = doc
        self._token = token

    @Slot()
    def work(self) -> None:
        try:
            if not torch_ready():
                load_torch()  # here, off the GUI thread: seconds, the first time in a session
            self.torch_loaded.emit(self._token)
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
    """Runs one check at a time; `result` carries (token, differences or None, error text);
    `torch_loaded` (token) says torch is in and the check has begun."""

    result = Signal(int, object, str)
    torch_loaded = Signal(int)

    def start(self, doc: dict[str, Any], token: int) -> bool:
        if self.is_running():
            return False
        worker = TorchCheckWorker(doc, token)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.torch_loaded.connect(self._on_torch_loaded)
        return self.run(worker)

    @Slot(int)
    def _on_torch_loaded(self, token: int) -> None:
        self.torch_loaded.emit(token)

    @Slot(int, list)
    def _on_finished(self, token: int, problems: list) -> None:
        self.result.emit(token, problems, "")

    @Slot(int, str)
    def _on_failed(self, token: int, message: str) -> None:
        self.result.emit(token, None, message)


class TorchVerifier(QObject):
    """"Verify with PyTorch" for the model's network; the verdict goes to the model's message
    line, once (it went to the status bar as well, so it was printed twice). A verdict for a
    network that has changed since is not shown as one. While it runs, `progress` says what it is
    doing ("Loading PyTorch…" the first time, then "Building the network with PyTorch…"), and ""
    when the verdict is in."""

    running_changed = Signal(bool)
    progress = Signal(str)

    def __init__(self, model: ShapesModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.last_text = ""
        self.checker = TorchChecker(self)
        self.checker.result.connect(self._on_result)
        self.checker.torch_loaded.connect(self._on_torch_loaded)
        self.checker.running_changed.connect(self.running_changed)

    def is_running(self) -> bool:
        return self.checker.is_running()

    def start(self) -> bool:
        if not self.checker.start(self.model.table.architecture.to_dict(), self.model.revision):
            return False
        self._say(BUILDING_TEXT if torch_ready() else LOADING_TEXT)
        return True

    def _say(self, text: str) -> None:
        self.model.show_message(text)
        self.progress.emit(text)

    @Slot(int)
    def _on_torch_loaded(self, _token: int) -> None:
        if self.model.message[0] == LOADING_TEXT:
            self._say(BUILDING_TEXT)

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
        self.progress.emit("")

    def shutdown(self) -> None:
        self.checker.shutdown()
