"""Slow work of the Network tab off the GUI thread: loading a net (torch.load, building the
module), reading the MNIST test set, reading a run's misclassified digits.

`Loader` watches the model's `load_requested(kind, dict)` and runs each request as a `Job` on its own
thread (`visualizer.ui.shell.threads.start_worker`). Newest request of a kind wins: the result of an
older one of the same kind that ends later is dropped. Results go back to the model on the GUI
thread (plain Python objects and numpy arrays only).
"""

from __future__ import annotations

import itertools
import sys
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker

SHUTDOWN_WAIT_MS = 2000
#: What the tab says while the first job that needs torch imports it (several seconds, once).
LOADING_TORCH = "Loading PyTorch…"
#: The jobs that run torch: the first of them imports it, on its own thread.
TORCH_JOBS = frozenset({"net", "image"})


def torch_ready() -> bool:
    """torch imported and done: not absent, nor half-way through its import on another thread
    (an `import torch` here would then wait for that thread, freezing the GUI)."""
    module = sys.modules.get("torch")
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)


def import_torch() -> None:
    """Import torch (on a worker's thread: it holds the interpreter for seconds the first time)."""
    import torch  # noqa: F401


class Job(QObject):
    """Calls `fn(request)` on its thread; says `succeeded((kind, serial, request, result))` or
    `failed((kind, serial, request, message))`, then `done`. The tuple names the request, so the
    answer needs no lookup of its sender (whose thread may already be gone)."""

    succeeded = Signal(object)
    failed = Signal(object)
    phase = Signal(object)  # (kind, serial, request, words): what it is doing now, "" for its job
    done = Signal()

    def __init__(self, kind: str, serial: int, request: dict, fn: Callable[[dict], Any]) -> None:
        super().__init__()
        self._kind, self._serial, self._request, self._fn = kind, serial, request, fn

    @Slot()
    def work(self) -> None:
        head = (self._kind, self._serial, self._request)
        try:
            if self._kind in TORCH_JOBS and not torch_ready():  # the session's first: say so
                self.phase.emit(head + (LOADING_TORCH,))
                import_torch()
                self.phase.emit(head + ("",))
            self.succeeded.emit(head + (self._fn(self._request),))
        except UserInputError as exc:
            self.failed.emit(head + (str(exc),))
        except MemoryError:
            self.failed.emit(head + ("not enough memory for this net",))
        except Exception as exc:  # a bug or an odd file must not take the tab down
            self.failed.emit(head + (f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300],))
        finally:
            self.done.emit()


class _LiveNets:
    """One LiveNetBuilder (its template net), made when the first snapshot is built."""

    def __init__(self) -> None:
        self._builder = None

    def build(self, snapshot: dict) -> Any:
        if self._builder is None:
            from visualizer.core.live import LiveNetBuilder

            self._builder = LiveNetBuilder()
        return self._builder.build(snapshot)


LIVE_NETS = _LiveNets()


def load_net(request: dict) -> Any:
    from visualizer.core import activations as act

    kind = request.get("kind")
    if kind == "run":
        return act.run_net(request["run"])
    if kind == "live":  # a snapshot of the run in training (visualizer.core.live)
        return LIVE_NETS.build(request["snapshot"])
    if kind == "file":
        from visualizer.commands.shapes import load_architecture

        return act.untrained_net(load_architecture(str(request["file"]), "architecture file"),
                                 int(request.get("seed", 0)))
    if kind == "architecture":
        return act.untrained_net(request["architecture"], int(request.get("seed", 0)))
    return act.untrained_net(str(request.get("net") or "mnist-net1"), int(request.get("seed", 0)))


def load_test_set(request: dict) -> Any:
    from visualizer.core import activations as act

    return act.mnist_test_set(request.get("data_dir") or None)


def load_misclassified(request: dict) -> Any:
    from visualizer.core.runs import load_results

    res = load_results(request["run"])
    images = res.get("misclassified_images")
    if images is None:
        return None
    return {"images": images, "true": res.get("misclassified_true"), "pred": res.get("misclassified_pred"),
            "index": res.get("misclassified_index")}


def load_image_file(request: dict) -> Any:
    from visualizer.core import activations as act
    from visualizer.image_io import load_image

    from visualizer.commands.activations import MAX_IMAGE_VALUES

    raw = load_image(request["path"], "auto", max_values=MAX_IMAGE_VALUES)
    return act.mnist_preprocess(raw)


JOBS = {"net": load_net, "test_set": load_test_set, "misclassified": load_misclassified, "image": load_image_file}


class _Running:
    def __init__(self, kind: str, serial: int, request: dict, thread: QThread, job: Job) -> None:
        self.kind, self.serial, self.request, self.thread, self.job = kind, serial, request, thread, job
        # a "quiet" request (the live net's rebuilds, several a second) does not flash "Loading…"
        self.quiet = bool(request.get("quiet"))


class Loader(QObject):
    """Runs the model's load requests on worker threads and gives the results back to it."""

    def __init__(self, model, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._serial = itertools.count(1)
        self._newest: dict[str, int] = {}
        self._running: list[_Running] = []
        model.load_requested.connect(self.start)

    def busy(self) -> bool:
        return bool(self._running)

    @Slot(str, dict)
    def start(self, kind: str, request: dict) -> None:
        serial = next(self._serial)
        self._newest[kind] = serial
        job = Job(kind, serial, dict(request), JOBS[kind])
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        job.phase.connect(self._phase)
        entry = _Running(kind, serial, dict(request), None, job)  # type: ignore[arg-type]
        self._running.append(entry)
        entry.thread = start_worker(job, self._thread_finished)
        self.model.set_busy(self._loud())

    @Slot(object)
    def _succeeded(self, answer: tuple) -> None:
        kind, serial, request, result = answer
        if self._newest.get(kind) == serial:  # an older request of this kind lost to a newer one
            self.model.loaded(kind, request, result)

    @Slot(object)
    def _phase(self, answer: tuple) -> None:
        kind, serial, _request, words = answer
        if self._newest.get(kind) == serial:
            self.model.set_phase(words)

    @Slot(object)
    def _failed(self, answer: tuple) -> None:
        kind, serial, request, message = answer
        if self._newest.get(kind) == serial:
            self.model.load_failed(kind, request, message)

    @Slot()
    def _thread_finished(self) -> None:
        for e in [e for e in self._running if e.thread is not None and e.thread.isFinished()]:
            join_finished(e.thread)
            self._running.remove(e)
        self.model.set_busy(self._loud())

    def _loud(self) -> bool:
        return any(not e.quiet for e in self._running)

    def shutdown(self) -> None:
        for e in list(self._running):
            if e.thread is not None and not e.thread.wait(SHUTDOWN_WAIT_MS):
                keep_until_done(e.thread, e.job)
            self._running.remove(e)
