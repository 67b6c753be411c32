"""Computing what the explorer shows: small inputs at once, big ones on a worker thread; and
decoding image files on a thread of their own (`ImageLoading`).

`ConvCompute` watches the model: after every change it runs `conv_job.run_job` on the GUI thread
for small inputs (a few ms) and hands big ones to a `ConvWorker` on its own thread (started with
`visualizer.ui.shell.threads.start_worker`). Newest request wins: a request arriving while one
runs cancels that one between bands of rows (Qt's Mandelbrot example keeps such a restart flag
under a QMutex). The worker is kept until its thread has ended and is never dropped while running.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QMutex, QMutexLocker, QObject, QThread, QTimer, Signal, Slot

from visualizer.core.conv_job import ConvJob, ConvResult, run_job
from visualizer.core.convolution import Cancelled
from visualizer.core.errors import UserInputError
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker

#: Inputs up to this many values are computed at once on the GUI thread (a few ms); bigger ones
#: go to the worker thread so dragging a control never freezes the window.
SYNC_LIMIT = 64 * 64 * 3
#: How long shutdown waits for a running job to notice it was cancelled.
SHUTDOWN_WAIT_MS = 1500


class ConvWorker(QObject):
    """Runs jobs on its own thread until none is waiting; of the jobs offered while it was busy
    only the newest runs, and a newer one cancels the one running."""

    result = Signal(object)
    done = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._mutex = QMutex()
        self._pending: ConvJob | None = None
        self._stopping = False
        self._closing = False  # the work loop has seen nothing left to do and is ending
        self.running_job = 0  # id of the job being computed (0: none), for tests and the busy sign

    def submit(self, job: ConvJob) -> bool:
        """Hand a job over (any thread); False when this worker is already ending."""
        with QMutexLocker(self._mutex):
            if self._closing or self._stopping:
                return False
            self._pending = job
            return True

    def stop(self) -> None:
        """Cancel the job running and drop the one waiting (any thread)."""
        with QMutexLocker(self._mutex):
            self._stopping = True
            self._pending = None

    def _should_stop(self) -> bool:
        # A newer request waiting makes the current one pointless: drop it and start the new one.
        with QMutexLocker(self._mutex):
            return self._stopping or self._pending is not None

    @Slot()
    def work(self) -> None:
        while True:
            with QMutexLocker(self._mutex):
                job, self._pending = self._pending, None
                if job is None or self._stopping:
                    self._closing = True
                    break
            self.running_job = job.id
            try:
                result = run_job(job, self._should_stop)
            except Cancelled:
                continue
            finally:
                self.running_job = 0
            self.result.emit(result)
        self.done.emit()


class ConvCompute(QObject):
    """Keeps the model's `result` up to date with what the model says."""

    busy_changed = Signal(bool)

    def __init__(self, model, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._ids = itertools.count(1)
        self.latest_job = 0
        self._thread: QThread | None = None
        self._worker: ConvWorker | None = None
        self._waiting: ConvJob | None = None  # for the next worker, while the last one ends
        self._busy = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(30)
        self._debounce.timeout.connect(self._submit)
        model.inputs_changed.connect(self.request)

    # ==== requests ==============================================================================
    @Slot()
    def request(self) -> None:
        """Recompute after a change: at once for small inputs, on the worker for big ones."""
        if self.model.source_array().size <= SYNC_LIMIT:
            self._debounce.stop()
            self.compute_now()
        else:
            self._set_busy(True)
            self._debounce.start()

    def compute_now(self) -> None:
        """Compute and show the result on this thread (small inputs, benchmarks)."""
        job = self.model.make_job(next(self._ids))
        self.latest_job = job.id  # any result still on its way from the worker is now stale
        self._waiting = None
        result = run_job(job)
        self._set_busy(False)
        self.model.set_result(result)

    @Slot()
    def _submit(self) -> None:
        job = self.model.make_job(next(self._ids))
        self.latest_job = job.id
        if self._worker is not None and self._worker.submit(job):
            return
        if self._thread is not None:
            self._waiting = job  # the worker is ending: the next one takes it
            return
        self._start(job)

    def _start(self, job: ConvJob) -> None:
        worker = ConvWorker()
        worker.submit(job)
        worker.result.connect(self._worker_result)
        self._worker = worker
        self._thread = start_worker(worker, self._thread_finished)

    @Slot(object)
    def _worker_result(self, result: ConvResult) -> None:
        if result.job_id != self.latest_job:
            return  # a newer request is on its way
        self._set_busy(False)
        self.model.set_result(result)

    @Slot()
    def _thread_finished(self) -> None:
        if self.sender() is not self._thread:
            return  # a thread that shutdown already let go of (a new one may be running now)
        join_finished(self._thread)
        self._thread = None
        self._worker = None  # dropped here, on the GUI thread
        job, self._waiting = self._waiting, None
        if job is not None:
            self._start(job)

    # ==== state ================================================================================
    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def is_busy(self) -> bool:
        return self._busy or self._debounce.isActive()

    def is_running(self) -> bool:
        """A job is being computed on the worker thread right now."""
        return self._worker is not None and self._worker.running_job != 0

    def worker_thread(self) -> QThread | None:
        """The worker's thread while there is one (tests)."""
        return self._thread

    def shutdown(self) -> None:
        """Cancel what runs and end the thread; returns within about two seconds. A thread still
        in one long band of work after that is kept until it ends (never dropped while running).
        A later change starts a new worker."""
        self._debounce.stop()
        self.latest_job = next(self._ids)  # whatever still arrives is stale
        self._waiting = None
        thread, worker = self._thread, self._worker
        if thread is None:
            return
        worker.stop()
        thread.finished.disconnect(self._thread_finished)
        if thread.wait(SHUTDOWN_WAIT_MS):
            join_finished(thread)
        else:
            keep_until_done(thread, worker)
        self._thread = None
        self._worker = None
        self._set_busy(False)


class ImageWorker(QObject):
    """Decodes one image file on its own thread (image_io.load_image, the CLI's 40 M-value limit
    checked from the header first): `loaded(job, image)` or `failed(job, sentence)`, then `done`."""

    loaded = Signal(int, object)
    failed = Signal(int, str)
    done = Signal()

    def __init__(self, job: int, path: str, channels: str) -> None:
        super().__init__()
        self.job, self.path, self.channels = job, path, channels

    @Slot()
    def work(self) -> None:
        try:
            from visualizer.core.conv_job import MAX_INPUT_VALUES
            from visualizer.image_io import load_image

            self.loaded.emit(self.job, load_image(self.path, self.channels, max_values=MAX_INPUT_VALUES))
        except UserInputError as exc:
            self.failed.emit(self.job, str(exc))
        except Exception as exc:  # noqa: BLE001  (a sentence for the user, not a traceback)
            self.failed.emit(self.job, f"cannot read image {Path(self.path).name}: {type(exc).__name__}: {exc}")
        finally:
            self.done.emit()


class ImageLoading(QObject):
    """Opens image files for the explorer off the GUI thread, so the window answers while a big
    picture decodes: the status says "Loading image …", then the model takes the picture (or
    `failed` says why not, and the input in use stays). The newest request wins: a picture that
    arrives after a newer request is dropped. Workers are kept until their threads have ended."""

    #: A load began (True) or ended (False).
    busy_changed = Signal(bool)
    #: The file could not be used: the sentence to show (the input in use stays).
    failed = Signal(str)

    def __init__(self, model, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._ids = itertools.count(1)
        self.latest = 0
        self._requests: dict[int, tuple[str, str]] = {}  # job -> (path, channels)
        self._running: dict[QThread, ImageWorker] = {}

    def load(self, path: str | Path, channels: str | None = None) -> None:
        """Start decoding `path` read as `channels` (the current way when None)."""
        job = next(self._ids)
        self.latest = job
        path, channels = str(path), channels or self.model.channels
        self._requests = {job: (path, channels)}
        worker = ImageWorker(job, path, channels)
        worker.loaded.connect(self._loaded)
        worker.failed.connect(self._failed)
        thread = start_worker(worker, self._thread_finished)
        self._running[thread] = worker
        self.model.status.emit(f"Loading image {Path(path).name}…", 0)
        self.busy_changed.emit(True)

    def is_busy(self) -> bool:
        return bool(self._requests)

    @Slot(int, object)
    def _loaded(self, job: int, image) -> None:
        request = self._requests.pop(job, None)
        if request is None or job != self.latest:
            return  # a newer request is on its way
        self.busy_changed.emit(False)
        try:
            self.model.use_decoded_image(image, *request)
        except UserInputError as exc:
            self.failed.emit(str(exc))
            return
        self.model.status.emit(f"Loaded image {Path(request[0]).name}", 3000)

    @Slot(int, str)
    def _failed(self, job: int, message: str) -> None:
        if self._requests.pop(job, None) is None or job != self.latest:
            return
        self.busy_changed.emit(False)
        self.model.status.emit("", 1)
        self.failed.emit(message)

    @Slot()
    def _thread_finished(self) -> None:
        thread = self.sender()
        if thread in self._running:
            join_finished(thread)
            self._running.pop(thread)  # the worker is dropped here, on the GUI thread

    def shutdown(self) -> None:
        """Forget what is loading and wait (boundedly) for the decoders; one still decoding after
        that is kept until it ends (never dropped while running)."""
        self._requests.clear()
        self.latest = next(self._ids)
        for thread, worker in list(self._running.items()):
            thread.finished.disconnect(self._thread_finished)
            if thread.wait(SHUTDOWN_WAIT_MS):
                join_finished(thread)
            else:
                keep_until_done(thread, worker)
        self._running.clear()
