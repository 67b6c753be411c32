"""The Qt adapter of the training engine: engine callbacks become Qt signals of plain data.

The engine (`visualizer.core.training.Trainer`) knows nothing of Qt. A `TrainingWorker` lives in
its own `QThread`, loads MNIST there, runs one `Trainer`, and forwards every callback as a signal
carrying dicts and numpy arrays, never widgets. Stop, pause and resume are called directly from
the GUI thread: the worker's thread is busy inside `Trainer.run()` and would never get to a
queued call, and the trainer's controls are thread-safe by contract.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.core.training import Callback, TrainConfig
from visualizer.ui.shell.threads import run_and_report

log = logging.getLogger(__name__)


class SignalCallback(Callback):
    """Forward engine callbacks to the worker's signals (runs in the worker thread)."""

    def __init__(self, worker: "TrainingWorker") -> None:
        self.worker = worker

    def on_train_begin(self, trainer) -> None:
        self.worker.train_began.emit({"device": str(trainer.device)})

    def on_batch_end(self, trainer, record) -> None:
        self.worker.batch_recorded.emit(dict(record))

    def on_epoch_end(self, trainer, record) -> None:
        self.worker.epoch_recorded.emit(dict(record))


def result_payload(result) -> dict[str, Any]:
    """What the GUI needs from a RunResult, as plain data (the model itself is saved by RunWriter)."""
    return {
        "config": result.config.to_dict() if hasattr(result.config, "to_dict") else dict(result.config),
        "final": dict(result.final or {}),
        "history": list(result.history or []),
        "epochs": list(result.epochs or []),
        "confusion": result.confusion,
        "misclassified": result.misclassified,
        "first_layer_filters": result.first_layer_filters,
    }


class TrainingWorker(QObject):
    """Runs one training; lives in a QThread (no parent) and is deleted when it is done."""

    phase = Signal(str)  # "Loading MNIST…"
    train_began = Signal(dict)  # {"device": "cpu"}
    batch_recorded = Signal(dict)
    epoch_recorded = Signal(dict)
    run_finished = Signal(dict)  # result_payload(...)
    run_failed = Signal(str)  # one sentence for the user
    #: the model's weights at a reporting point (visualizer.core.live's snapshot: plain data,
    #: numpy arrays on the CPU), tagged with `live_tag`; sent only when `live_tag` is given
    live_snapshot = Signal(dict)
    done = Signal()  # always the last signal, success or not

    def __init__(self, config: TrainConfig, run_folder: Path | None, data: Any = None,
                 trainer_factory: Callable[..., Any] | None = None, live_tag: dict | None = None,
                 distributions: int | None = None) -> None:
        super().__init__()
        #: record distributions.jsonl every this many examples (None: not), as `train --distributions`
        self.distributions = distributions
        self.config = config
        self.run_folder = run_folder
        self.data = data
        self.trainer_factory = trainer_factory
        self.live_tag = dict(live_tag) if live_tag is not None else None
        self.live = None  # the LiveSnapshots callback while a run with live_tag trains
        self._lock = threading.Lock()
        self._trainer = None
        self._stop = False
        self._aborted = False
        self._paused = False

    # -- controls, called from the GUI thread ------------------------------------------------
    def request_stop(self) -> None:
        with self._lock:
            self._stop = True
            trainer = self._trainer
        if trainer is not None:
            trainer.request_stop()
            trainer.resume()  # a paused trainer must wake up to see the stop flag

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            trainer = self._trainer
        if trainer is not None:
            trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            trainer = self._trainer
        if trainer is not None:
            trainer.resume()

    @property
    def trainer(self):
        """The trainer once the run has begun (None before)."""
        with self._lock:
            return self._trainer

    @property
    def stop_requested(self) -> bool:
        with self._lock:
            return self._stop

    # -- the work, in the worker thread -----------------------------------------------------
    @Slot()
    def work(self) -> None:
        run_and_report(self._train, self.run_failed, self.done, "Training failed")

    def abort(self) -> None:
        """Stop now, skipping the final evaluation (closing the app mid-run); no more snapshots."""
        with self._lock:
            self._stop = True
            self._aborted = True
            trainer = self._trainer
        if trainer is not None:
            if hasattr(trainer, "abort"):
                trainer.abort()
            else:
                trainer.request_stop()
            trainer.resume()

    def _train(self) -> None:
        if "torch" not in sys.modules:  # the first run of the session: torch loads here, off the GUI thread
            self.phase.emit("Loading PyTorch…")
            import torch  # noqa: F401
        from visualizer.core.training import Trainer

        callbacks: list[Callback] = [SignalCallback(self)]
        if self.live_tag is not None:
            from visualizer.core.live import LiveSnapshots

            # Called by the engine on this thread between optimizer steps: consistent weights.
            self.live = LiveSnapshots(self._send_snapshot, self.live_tag)
            callbacks.append(self.live)
        if self.run_folder is not None:
            from visualizer.core.runs import RunWriter

            # RunWriter saves on a writer thread of its own, so the training loop never waits for the disk.
            callbacks.append(RunWriter(self.run_folder))
            from visualizer.core.distributions import recorder_for

            # the trainer loads MNIST itself: the recorder takes its validation images when training begins
            callbacks.append(recorder_for(self.run_folder, self.distributions))
        if self.data is None:
            self.phase.emit("Loading MNIST…")
        factory = self.trainer_factory or Trainer
        # The engine loads MNIST itself (config.data_dir, then the usual places) inside run().
        trainer = factory(self.config, data=self.data, callbacks=callbacks)
        with self._lock:
            self._trainer = trainer
            stop, paused = self._stop, self._paused
        if stop:
            self.run_failed.emit("Stopped before training began.")
            return
        if paused:
            trainer.pause()
        if self.run_folder is None:
            result = trainer.run()
        else:
            from visualizer.core.run_lock import RunLock

            # the same lock as `convviz train`: no second run (another app, a CLI run) writes here
            with RunLock(self.run_folder):
                result = trainer.run()
        self.run_finished.emit(result_payload(result))

    def _send_snapshot(self, snapshot: dict) -> None:
        with self._lock:
            aborted = self._aborted
        if not aborted:  # the window is closing: nobody will look at it
            self.live_snapshot.emit(snapshot)


class DownloadWorker(QObject):
    """Fetches MNIST with `download_mnist` in a worker thread, with progress and cancel."""

    progress = Signal(float, float, str)  # bytes done, bytes total (0 when unknown), file name
    succeeded = Signal(str)  # the folder
    failed = Signal(str)
    done = Signal()

    def __init__(self, dest: str | Path, download: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.dest = Path(dest)
        self.download = download
        self._cancel = threading.Event()
        self._last = (-1, "")

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, done: int, total: int, name: str) -> None:
        # Only emit when the shown percentage changes: a download reports every few KB.
        pct = int(100 * done / total) if total else done // 1_000_000
        if (pct, name) != self._last:
            self._last = (pct, name)
            self.progress.emit(float(done), float(total or 0), str(name))

    @Slot()
    def work(self) -> None:
        try:
            download = self.download
            if download is None:
                from visualizer.core.mnist import download_mnist as download
            folder = download(self.dest, progress=self._progress, should_stop=self._cancel.is_set)
            if self._cancel.is_set():
                self.failed.emit("Download cancelled.")
            else:
                self.succeeded.emit(str(folder))
        except UserInputError as exc:
            self.failed.emit("Download cancelled." if self._cancel.is_set() else str(exc))
        except Exception as exc:  # noqa: BLE001
            log.error("download failed:\n%s", traceback.format_exc())
            self.failed.emit(f"Download failed: {type(exc).__name__}: {exc}")
        finally:
            self.done.emit()
