"""The state of a course experiment run "with 3 seeds" (a sweep on this machine's worker processes).

`SweepRunState` belongs to `TrainingModel` (`model.sweep_run`). The sweep job's signals land on its
slots (queued onto the GUI thread); it turns them into what the tab's views already show: the
model's running state (so Start and Run all are disabled, Stop enabled), the progress bar and text
(runs done, running and left, the best so far), the experiment line, runs joining the table as they
end and the Sweep plot redrawn from the sweep's sweep.csv. No widget, no thread: testable alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.ui.training.run_entry import RunEntry

if TYPE_CHECKING:
    from visualizer.ui.training.model import TrainingModel


class SweepRunState(QObject):
    #: a sweep began / ended (the panel shows the Sweep plot)
    began = Signal()
    ended = Signal()
    #: (the model's state, unchanged) every run has ended and the worker processes are closing
    #: (seconds): Stop has nothing left to stop
    winding_down = Signal(str)

    def __init__(self, model: "TrainingModel") -> None:
        super().__init__(model)
        self.model = model
        self.active = False
        self.experiment = ""
        self.folder: Path | None = None
        self.total = 0
        self.counts = (0, 0, 0)  # done, running, left
        self.best = ""
        self.where = ""  # "2 workers × 1 thread"
        self.error = ""  # why the sweep itself failed (not one of its runs)
        self.device = ""
        self.title = ""  # the run box's line: "“learning rates” × 3 seeds", "sweep NAME resumed"
        #: no run is running or left (the pool is closing): Stop has nothing to stop
        self.all_ended = False

    @property
    def name(self) -> str:
        """The sweep's name: its folder's (the table's runs are "NAME/RUN")."""
        return self.folder.name if self.folder is not None else ""

    # -- the job's life ----------------------------------------------------------------------
    def begin(self, experiment: str, folder: Path, total: int, device: str, resumed: bool = False) -> None:
        """A sweep starts: a course experiment with 3 seeds, or (`resumed`) an interrupted sweep
        of any kind resumed from its folder (then `experiment` is the sweep's name)."""
        m = self.model
        self.active, self.experiment, self.folder, self.total = True, experiment, Path(folder), int(total)
        self.title = f"sweep {experiment} resumed" if resumed else f"“{experiment}” × 3 seeds"
        self.counts, self.best, self.where, self.device = (0, 0, int(total)), "", "", device
        self.error, self.all_ended = "", False
        m.clear_message()
        m.clear_queue()
        m.progress = 0.0
        m.set_state("training")
        m.progress_text = f"{total} runs to do: starting the worker processes…"
        m.device_text = f"Device: {device} (in each worker process)"
        # short: the run box's experiment line does not wrap (the sweep's name is on the Sweep plot)
        m.queue_text = f"Sweep: {self.title}"
        m.queue_changed.emit()
        m.progress_changed.emit()
        m.status.emit(f"Sweep: {self.title}: {total} runs in {self.folder}", 5000)
        self.began.emit()

    @Slot(dict)
    def workers_started(self, info: dict) -> None:
        """The pool's size: {"workers", "threads"}."""
        w, t = int(info.get("workers", 1)), int(info.get("threads", 1))
        self.where = f"{w} worker{'s' if w != 1 else ''} × {t} thread{'s' if t != 1 else ''}"
        self.model.device_text = f"Device: {self.device} · {self.where}"  # short: the line does not wrap
        self.model.progress_changed.emit()
        self._show_table(always=True)

    @Slot(dict)
    def progress(self, info: dict) -> None:
        """{"done", "running", "left", "best"} whenever a run starts or ends."""
        m = self.model
        self.counts = (int(info.get("done", 0)), int(info.get("running", 0)), int(info.get("left", 0)))
        self.best = str(info.get("best", ""))
        done, running, left = self.counts
        m.progress = done / self.total if self.total else 0.0
        text = f"{done} done, {running} running, {left} left · {self.best}"
        m.progress_text = f"Stopping… {text}" if m.state == "stopping" else text
        m.progress_changed.emit()
        if running == 0 and left == 0 and self.total:
            self._all_ended()

    @Slot(dict)
    def run_done(self, info: dict) -> None:
        """A run ended ({"name", "folder", "status", "reason"}): its row joins the table (when its
        folder holds a run: one that failed before training leaves none) and the plot is redrawn."""
        from visualizer.core.runs import load_run

        m = self.model
        run_id = f"{self.name}/{info.get('name', '')}"
        folder = Path(str(info.get("folder", "")))
        existing = m.run(run_id)  # listed before: a stopped run a resumed sweep has run again
        if folder.is_dir() and (existing is None or existing.saved is not None):
            try:
                rec = load_run(folder)
            except (UserInputError, OSError, ValueError):
                rec = None  # open_sweep lists it, greyed out with the reason, when the sweep ends
            if rec is not None and existing is None:
                m.add_run(RunEntry.from_record(run_id, rec, m.next_color(rec.folder)))
            elif rec is not None:
                existing.final, existing.status = dict(rec.final or {}), rec.status
                existing.saved, existing.result = rec, None
                existing.history, existing.epochs = list(rec.history or []), list(rec.epochs or [])
                m.run_changed.emit(run_id)
                m.run_records.emit(run_id)
        self._show_table()

    @Slot(str)
    def failed(self, message: str) -> None:
        self.error = message
        self.model.show_message(message)

    @Slot(dict)
    def summary(self, info: dict) -> None:
        """The sweep's end: {"counts": {status: n}, "bad": [name, reason] of the first run that
        diverged or failed, or []}."""
        self._all_ended()
        counts = info.get("counts") or {}
        text = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        self.model.progress_text = f"{self.total} runs: {text} · {self.best}"
        bad = info.get("bad") or []
        if bad:
            n = sum(counts.get(s, 0) for s in ("diverged", "failed"))
            self.model.show_message(f"{n} run(s) of the sweep diverged or failed (the others went on), "
                                    f"e.g. {bad[0]}: {bad[1]}")

    def end(self) -> None:
        """The sweep's thread has ended: back to idle, and the sweep folder opened in the tab."""
        m = self.model
        stopped = m.state == "stopping"
        self.active, self.all_ended = False, False
        m.set_state("idle")
        how = "failed" if self.error else "stopped" if stopped else "all runs done"
        m.queue_text = f"Sweep: {self.title}: {how}."
        m.queue_changed.emit()
        m.progress_changed.emit()
        if self.folder is not None and (self.folder / "sweep.json").is_file():
            m.open_sweep(self.folder)
        elif self.folder is not None:  # it failed before writing anything: no empty sweep folder is left
            from visualizer.core.run_lock import discard_if_unused

            discard_if_unused(self.folder)
        self.ended.emit()

    # -- helpers -----------------------------------------------------------------------------
    def _all_ended(self) -> None:
        """No run is running or left: the worker processes take a few seconds to close, and
        Stop (and Pause) have nothing to act on meanwhile."""
        if self.active and not self.all_ended:
            self.all_ended = True
            self.winding_down.emit(self.model.state)

    def _show_table(self, always: bool = False) -> None:
        """The Sweep plot follows the sweep's sweep.csv (rewritten atomically as each run ends),
        unless the user has opened another sweep meanwhile."""
        from visualizer.core.sweep import read_sweep

        shown = self.model.sweep
        if self.folder is None or not always and shown is not None and Path(shown.folder) != self.folder:
            return
        try:
            table = read_sweep(self.folder)
        except (UserInputError, OSError):
            return
        self.model.sweep = table
        self.model.sweep_changed.emit()
