"""A course experiment "with 3 seeds": the experiment run as a sweep on the local backend.

`experiment_sweep_plan` turns the form and an experiment into the sweep's plan (each value × seeds
0, 1, 2; checked as a single run is checked, with the same messages). `SweepJob.start` makes a new
sweep folder in the runs folder (`sweep-<experiment>-<time>`, never an existing one) and runs the
plan with `core.sweep.run_local` (worker processes, as `convviz sweep` does) from a `SweepWorker`
on a QThread, so the GUI never waits for the pool. The worker's signals carry plain data to the
model's `SweepRunState`; Stop sets the pool's stop event: the running runs end after their batch
with status "stopped" and every file is written, as Ctrl+C does for `convviz sweep`. `SweepJob.resume`
resumes an interrupted sweep of any kind from its folder (`core.sweep.resume`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.ui.shell.threads import join_finished, keep_until_done, run_and_report, start_worker
from visualizer.ui.training.model import TrainingModel

log = logging.getLogger(__name__)

SEEDS = (0, 1, 2)


def experiment_sweep_plan(model: TrainingModel, name: str):
    """The sweep of course experiment `name` with seeds 0, 1, 2 (core.sweep.SweepPlan, made by
    core.experiments, as `convviz sweep --experiment` makes it); the form is checked as for a single
    run (UserInputError with the same sentence)."""
    from visualizer.core.experiments import experiment_sweep_plan as plan_of

    base = model.config().to_dict()  # the form, validated: a single run's messages
    base["data_dir"] = model.mnist.folder or ""
    return plan_of(name, base, SEEDS)


def new_sweep_folder(runs_dir: Path, experiment: str, when: datetime | None = None) -> Path:
    """Create `runs_dir/sweep-<experiment>-<YYYY-mm-dd_HHMMSS>` (suffixed -2, -3, … when taken: an
    existing folder is never reused); UserInputError saying why when the runs folder is not writable."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", experiment).strip("-").lower() or "experiment"
    base = f"sweep-{slug}-{(when or datetime.now()):%Y-%m-%d_%H%M%S}"
    if runs_dir.exists() and not runs_dir.is_dir():
        raise UserInputError(f"Cannot create the sweep folder: the runs folder {runs_dir} is a file, not a "
                             f"folder. Choose a runs folder in File → Settings.")
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):
            folder = runs_dir / (base if n == 1 else f"{base}-{n}")
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return folder
    except OSError as exc:
        raise UserInputError(f"Cannot create the sweep folder in the runs folder {runs_dir}: "
                             f"{exc.strerror or exc}. Choose a runs folder you can write to in "
                             f"File → Settings.") from None
    raise UserInputError(f"Cannot create the sweep folder in {runs_dir}: {base} and 998 more are taken.")


class SweepWorker(QObject):
    """Runs one sweep with the local backend's process pool; lives in a QThread (no parent)."""

    workers_started = Signal(dict)  # {"workers", "threads"}
    progress = Signal(dict)  # {"done", "running", "left", "best", "event"}
    run_done = Signal(dict)  # {"name", "folder", "status", "reason"}
    failed = Signal(str)  # one sentence for the user
    summary = Signal(dict)  # {"counts": {status: n}, "bad": [name, reason] or []}
    done = Signal()  # always the last signal

    def __init__(self, plan: Any, out: Path, data: Any = None, workers: int | None = None,
                 distributions: int | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.distributions = distributions  # each run records distributions.jsonl every N examples
        self.out = Path(out)
        self.data = data  # MnistSplits instead of MNIST (the app's data override: tests, demos)
        self.workers = workers  # None: core.sweep.default_workers
        self._stop = threading.Event()

    def request_stop(self) -> None:
        """Thread-safe (called from the GUI thread while `work` waits on the pool)."""
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @Slot()
    def work(self) -> None:
        run_and_report(self._run, self.failed, self.done, "The sweep failed")

    def _run(self) -> None:
        from visualizer.core import sweep as core
        from visualizer.core.run_lock import RunLock

        plan, out = self.plan, self.out
        lock = RunLock(out)  # as `convviz sweep`: no other sweep writes into this folder meanwhile
        lock.acquire()
        try:
            devices = {str(r.config.get("device", "auto")) for r in plan.runs}
            workers, threads, gpus = core.default_workers(devices, None)
            if self.workers:
                workers = self.workers
            workers = max(1, min(workers, len(plan.runs)))
            tasks = core.tasks_for(plan, out, threads, self.distributions)
            if self.data is not None:
                for t in tasks:
                    t["data"] = self.data
            progress = core.SweepProgress(plan, quiet=True)
            core.write_sweep_files(plan, out, "local", workers)
            self.workers_started.emit({"workers": workers, "threads": threads})
            self._progress(progress, "")

            def on_start(name: str) -> None:
                progress.started(name)
                self._progress(progress, f"started {name}")

            def on_done(outcome: dict) -> None:
                r = core.apply_outcome(plan, outcome)
                if r is None:
                    return
                progress.running.discard(r.name)
                core.write_sweep_files(plan, out, "local", workers)
                self.run_done.emit({"name": r.name, "folder": str(out / r.name), "status": r.status,
                                    "reason": r.reason})
                self._progress(progress, f"{r.status} {r.name}")

            if not self._stop.is_set():
                core.run_local(tasks, workers, threads, gpus, on_start, on_done, self._stop)
            core.write_sweep_files(plan, out, "local", workers)
            counts = {s: sum(1 for r in plan.runs if r.status == s) for s in core.STATUSES}
            bad = next(([r.name, r.reason or r.status] for r in plan.runs if r.status in ("diverged", "failed")), [])
            self.summary.emit({"counts": counts, "bad": bad})
        finally:
            lock.release()

    def _progress(self, progress: Any, event: str) -> None:
        done, running, left = progress.counts()
        self.progress.emit({"done": done, "running": running, "left": left, "best": progress.best(),
                            "event": event})


class SweepJob(QObject):
    """Starts, stops and ends the sweep of a course experiment "with 3 seeds" (one at a time)."""

    def __init__(self, model: TrainingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.state = model.sweep_run
        self.worker: SweepWorker | None = None
        self.thread: QThread | None = None
        #: worker processes to use instead of core.sweep.default_workers (tests); None: the default
        self.workers: int | None = None

    def is_running(self) -> bool:
        return self.thread is not None

    def start(self, name: str) -> bool:
        """Run course experiment `name` with seeds 0, 1, 2 as a sweep; False with a message when it
        cannot start (a bad form value, no MNIST, a runs folder that is not writable)."""
        m = self.model
        if self.thread is not None or m.running():
            m.status.emit("A run is already going; stop it first or wait for it to finish.", 4000)
            return False
        try:
            plan = experiment_sweep_plan(m, name)
        except UserInputError as exc:
            m.show_message(str(exc))
            return False
        if m.mnist.override is None and not m.mnist.refresh():
            m.show_message("MNIST not found. Use “Download MNIST” or “Choose data folder…” "
                           "in the MNIST data box, then press Run all again.")
            return False
        try:
            out = new_sweep_folder(m.runs_dir, name)
        except UserInputError as exc:
            m.show_message(str(exc))
            return False
        return self._launch(plan, out, name, resumed=False)

    @Slot(str)
    def resume(self, folder: str | Path) -> bool:
        """Resume the interrupted sweep in `folder` (stopped, or the app closed mid-sweep): the plan
        is rebuilt from the folder (sweep.json and its runs' config.json, not the form), its
        completed runs kept and the others run again, as `convviz sweep` with the same command
        does. False with a message when it cannot be resumed."""
        from visualizer.core.sweep import can_resume, resume_state, sweep_plan_from_folder

        m, folder = self.model, Path(folder)
        if self.thread is not None or m.running():
            m.status.emit("A run is already going; stop it first or wait for it to finish.", 4000)
            return False
        try:
            if not can_resume(folder):
                raise UserInputError(f"The sweep {folder.name} has no runs left to do.")
            plan = sweep_plan_from_folder(folder)
            resume_state(plan, folder)
        except UserInputError as exc:
            m.show_message(str(exc))
            return False
        if m.mnist.override is None:
            for r in plan.runs:  # MNIST where this session finds it, when the saved folder is gone
                if not Path(str(r.config.get("data_dir") or "")).is_dir() and m.mnist.refresh():
                    r.config["data_dir"] = m.mnist.folder or ""
        return self._launch(plan, folder, folder.name, resumed=True)

    def _launch(self, plan: Any, out: Path, name: str, resumed: bool) -> bool:
        m = self.model
        device = str(plan.runs[0].config.get("device", "auto")) if plan.runs else m.form["device"]
        self.state.begin(name, out, len(plan.runs), device, resumed=resumed)
        from visualizer.core.experiments import distributions_every

        worker = SweepWorker(plan, out, data=m.mnist.override, workers=self.workers,
                             distributions=distributions_every(name, m.form["distributions"]))
        s = self.state
        worker.workers_started.connect(s.workers_started)
        worker.progress.connect(s.progress)
        worker.run_done.connect(s.run_done)
        worker.failed.connect(s.failed)
        worker.summary.connect(s.summary)
        self.worker = worker
        self.thread = start_worker(worker, self._finished)
        return True

    def stop(self) -> None:
        """Stop the sweep: running runs end after their batch ("stopped"), the rest stay pending."""
        if self.worker is None:
            return
        self.model.set_stopping()
        self.worker.request_stop()

    @Slot()
    def _finished(self) -> None:
        join_finished(self.thread)
        self.worker, self.thread = None, None
        self.state.end()

    def wait_until_idle(self, timeout_ms: int) -> bool:
        thread = self.thread
        if thread is None:
            return True
        try:
            return thread.wait(timeout_ms)
        except RuntimeError:
            return True

    def shutdown(self, bound_s: float = 5.0) -> None:
        """Closing the window: stop the workers and wait (bounded) for the sweep's thread; one that
        does not end in time (a worker still importing torch) is kept alive until it does."""
        if self.worker is None or self.thread is None:
            return
        self.worker.request_stop()
        thread, worker = self.thread, self.worker
        deadline = time.monotonic() + bound_s
        try:
            if not thread.wait(max(1, int(1000 * (deadline - time.monotonic())))):
                log.warning("the sweep is still stopping at shutdown")
                keep_until_done(thread, worker)
        except RuntimeError:
            pass
