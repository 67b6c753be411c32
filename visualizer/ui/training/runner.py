"""Runs the Training tool's background work: one training worker at a time (and the experiment
queue behind it) and the MNIST download, each on its own QThread through `ui.shell.threads`.

The workers' signals go straight to the model's slots (queued onto the GUI thread); the runner
only starts, controls and ends threads, and tells the model when a thread is over.

`live_net_changed(dict)` follows the running net for other tabs (the Network tab, through the
main window): {"event": "started", "run_id", "run_folder"} when a run is launched, then
{"event": "snapshot", ...} with `visualizer.core.live`'s snapshot at each (throttled) reporting
point, and {"event": "ended", "run_id", "run_folder", "status", "has_model"} once its thread is
over. No snapshot of a run is passed on after its "ended".
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualizer.core.experiments import distributions_every, queued_run_name
from visualizer.core.runs import new_run_folder
from visualizer.core.threads import CpuWindow
from visualizer.core.training import TrainConfig
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker
from visualizer.ui.training.model import TrainingModel
from visualizer.ui.training.worker import DownloadWorker, TrainingWorker

log = logging.getLogger(__name__)


class TrainingRunner(QObject):
    live_net_changed = Signal(dict)

    def __init__(self, model: TrainingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._live: dict | None = None  # the run followed live: run_id, run_folder, status
        self.model = model
        self._cpu_window = CpuWindow()  # counts the free cores until the next Start
        #: Trainer class to use instead of the engine's (tests); None: visualizer.core.training.Trainer
        self.trainer_factory: Callable[..., Any] | None = None
        #: download function with download_mnist's signature (tests); None: the real download
        self.downloader: Callable[..., Any] | None = None
        self.worker: TrainingWorker | None = None
        self.thread: QThread | None = None
        self.download: DownloadWorker | None = None
        self.download_thread: QThread | None = None

    # -- training ----------------------------------------------------------------------------
    def launch(self, config: TrainConfig) -> bool:
        """Start one run of `config`; False (with a message in the model) when it cannot start."""
        m = self.model
        if m.mnist.override is None and not m.mnist.refresh():
            m.clear_queue()
            m.show_message("MNIST not found. Use “Download MNIST” or “Choose data folder…” "
                           "in the MNIST data box, then press Start again.")
            return False
        config.data_dir = m.mnist.folder or ""
        if config.num_threads == 0 and config.device in ("auto", "cpu"):
            # the cores free since the tab opened or the last Start, less one for the GUI (core.threads)
            config.num_threads = self._cpu_window.default_threads(reserve=1, wait=False)
            self._cpu_window = CpuWindow()
        try:
            m.runs_dir.mkdir(parents=True, exist_ok=True)
            folder = new_run_folder(m.runs_dir, config, name=queued_run_name(m.queue_name, m.run_number()))
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            m.clear_queue()
            m.show_message(f"Cannot create the run folder in {m.runs_dir}: {exc.strerror or exc}")
            return False
        m.begin_run(folder.name, folder, config)
        tag = {"run_id": folder.name, "run_folder": str(folder)}
        worker = TrainingWorker(config, folder, data=m.mnist.override, trainer_factory=self.trainer_factory,
                                live_tag=tag, distributions=distributions_every(m.queue_name, m.form["distributions"]))
        worker.live_snapshot.connect(self._live_snapshot)
        worker.phase.connect(m.worker_phase)
        worker.train_began.connect(m.train_began)
        worker.batch_recorded.connect(m.record_batch)
        worker.epoch_recorded.connect(m.record_epoch)
        worker.run_finished.connect(m.finish_run)
        worker.run_failed.connect(m.fail_run)
        self.worker = worker
        self.thread = start_worker(worker, self._training_finished)
        self._live = dict(tag)
        self.live_net_changed.emit({"event": "started", **tag})
        return True

    def toggle_pause(self) -> None:
        if self.worker is None or self.model.state == "stopping":
            return
        if self.model.state == "paused":
            self.worker.resume()
            self.model.set_paused(False)
        else:
            self.worker.pause()
            self.model.set_paused(True)

    def stop(self) -> None:
        """Stop the run (it ends as "stopped" with what it has so far) and drop the queue."""
        self.model.clear_queue()
        if self.worker is None:
            return
        self.model.set_stopping()
        self.worker.request_stop()

    @Slot(dict)
    def _live_snapshot(self, snapshot: dict) -> None:
        live = self._live
        if live is None or snapshot.get("run_id") != live["run_id"]:
            return  # an ended (or aborted) run's late snapshot
        if snapshot.get("at") == "end":
            live["status"] = snapshot.get("status") or ""
        self.live_net_changed.emit({**snapshot, "event": "snapshot"})

    def _live_ended(self) -> None:
        live, self._live = self._live, None
        if live is None:
            return
        status = live.pop("status", "") or ("stopped" if self.model.state == "stopping" else "failed")
        has_model = (Path(live["run_folder"]) / "model.pt").is_file()
        self.live_net_changed.emit({"event": "ended", **live, "status": status, "has_model": has_model})

    @Slot()
    def _training_finished(self) -> None:
        join_finished(self.thread)
        self.worker = None
        self.thread = None
        self._live_ended()
        config = self.model.end_run()
        if config is not None:
            self.launch(config)

    def wait_until_idle(self, timeout_ms: int) -> bool:
        """Block until the training thread has finished (used by shutdown and scripts)."""
        thread = self.thread
        if thread is None:
            return True
        try:
            return thread.wait(timeout_ms)
        except RuntimeError:  # already deleted
            return True

    # -- download ----------------------------------------------------------------------------
    def start_download(self) -> None:
        if self.download_thread is not None:
            return
        m = self.model
        dest = m.mnist.download_folder()
        self.download = DownloadWorker(dest, self.downloader)
        self.download.progress.connect(m.mnist.download_step)
        self.download.succeeded.connect(m.mnist.download_succeeded)
        self.download.failed.connect(m.show_message)
        m.mnist.set_downloading(True)
        m.status.emit(f"Downloading MNIST into {dest}…", 0)
        self.download_thread = start_worker(self.download, self._download_finished)

    def cancel_download(self) -> None:
        if self.download is not None:
            self.download.cancel()
            self.model.mnist.cancel_download()

    @Slot()
    def _download_finished(self) -> None:
        join_finished(self.download_thread)
        self.download = None
        self.download_thread = None
        self.model.mnist.set_downloading(False)

    # -- closing -----------------------------------------------------------------------------
    def shutdown(self, bound_s: float = 2.0) -> None:
        """Stop training and downloads, and wait (bounded) for their threads to end; a thread that
        does not end in time is kept alive until it does (keep_until_done)."""
        self.model.clear_queue()
        self._live = None  # closing: no snapshot is passed on any more
        if self.worker is not None:
            self.model.set_stopping()
            self.worker.abort()
        if self.download is not None:
            self.download.cancel()
        deadline = time.monotonic() + bound_s
        for thread, worker in ((self.thread, self.worker), (self.download_thread, self.download)):
            if thread is None:
                continue
            try:
                thread.quit()  # exec() has not started yet or returns right after work()
                left = max(1, int(1000 * (deadline - time.monotonic())))
                if not thread.wait(left):
                    log.warning("%s still running at shutdown", thread.objectName())
                    keep_until_done(thread, worker)
            except RuntimeError:
                pass
