"""The Distributions view's state: which layer and kind it shows, how (TensorBoard's Distributions
or Histograms), and the distributions.jsonl records of the ticked runs.

The files are read off the GUI thread (`DistributionsLoader`, one read at a time, the newest
request next). While the view is shown (`set_active(True)`) the ticked runs' files are looked at
every second and read again when they changed, so a run that records shows its new records live.
Views observe `changed`; this model never touches a widget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from visualizer.core.distributions import FILE_NAME, KINDS, Series, layers_in, read_distributions, series
from visualizer.core.errors import UserInputError
from visualizer.core.experiments import BATCH_NORM_LAYER, EXPERIMENT_DISTRIBUTIONS
from visualizer.ui.shell.threads import SingleJob
from visualizer.ui.training.model import TrainingModel

MODES = ("distributions", "histograms")
POLL_MS = 1000


class _ReadFiles(QObject):
    """Reads distributions.jsonl files in a worker thread: {run_id: {"records", "error", "stamp"}}."""

    loaded = Signal(dict)
    done = Signal()

    def __init__(self, files: dict[str, tuple[str, tuple]]) -> None:
        super().__init__()
        self.files = dict(files)

    @Slot()
    def work(self) -> None:
        out: dict[str, dict[str, Any]] = {}
        try:
            for run_id, (path, stamp) in self.files.items():
                try:
                    out[run_id] = {"records": read_distributions(path), "error": "", "stamp": stamp}
                except UserInputError as exc:
                    out[run_id] = {"records": [], "error": str(exc), "stamp": stamp}
            self.loaded.emit(out)
        finally:
            self.done.emit()


class DistributionsLoader(SingleJob):
    """One read at a time; a request made while one runs is kept (the newest) and run next."""

    loaded = Signal(dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: dict | None = None
        self.running_changed.connect(self._next)

    def load(self, files: dict[str, tuple[str, tuple]]) -> None:
        if self.is_running():
            self._pending = dict(files)
            return
        worker = _ReadFiles(files)
        worker.loaded.connect(self._loaded)
        self.run(worker)

    @Slot(dict)
    def _loaded(self, result: dict) -> None:
        self.loaded.emit(result)

    @Slot(bool)
    def _next(self, running: bool) -> None:
        if not running and self._pending is not None:
            files, self._pending = self._pending, None
            self.load(files)


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class DistributionsState(QObject):
    changed = Signal()  # records, layer, kind or mode

    def __init__(self, model: TrainingModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.layer = ""
        self.kind = "activation"
        self.mode = MODES[0]
        self.records: dict[str, list[dict]] = {}  # run_id -> its records (ticked runs that have a file)
        self.errors: dict[str, str] = {}  # run_id -> why its file could not be read
        self._stamps: dict[str, tuple] = {}
        self.active = False
        self.loader = DistributionsLoader(self)
        self.loader.loaded.connect(self._loaded)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        for sig in (model.run_ticked, model.run_removed, model.run_finished, model.run_added):
            sig.connect(self._runs_changed)
        model.queue_changed.connect(self._queue_changed)

    # -- what is shown -----------------------------------------------------------------------
    def run_ids(self) -> list[str]:
        """The ticked runs, in the table's order."""
        return self.model.ticked_ids()

    def layers(self) -> list[str]:
        seen: dict[str, None] = {}
        for run_id in self.run_ids():
            seen.update(dict.fromkeys(layers_in(self.records.get(run_id, []))))
        return list(seen)

    def series_of(self, run_id: str) -> Series:
        return series(self.records.get(run_id, []), self.layer, self.kind)

    def set_layer(self, layer: str) -> None:
        if layer != self.layer:
            self.layer = layer
            self.changed.emit()

    def set_kind(self, kind: str) -> None:
        if kind in KINDS and kind != self.kind:
            self.kind = kind
            self.changed.emit()

    def set_mode(self, mode: str) -> None:
        if mode in MODES and mode != self.mode:
            self.mode = mode
            self.changed.emit()

    def to_dict(self) -> dict[str, str]:
        """What the session keeps: the layer, kind and drawing chosen."""
        return {"layer": self.layer, "kind": self.kind, "mode": self.mode}

    def from_dict(self, state: Any) -> None:
        """A saved session's choices; odd values are ignored (a layer the next runs lack waits for them)."""
        if not isinstance(state, dict):
            return
        if isinstance(state.get("layer"), str):
            self.layer = state["layer"]
        self.set_kind(state.get("kind"))
        self.set_mode(state.get("mode"))
        self.changed.emit()

    # -- reading the files -------------------------------------------------------------------
    def set_active(self, on: bool) -> None:
        """The view is shown (files are looked at every second) or hidden (they are not)."""
        self.active = on
        if on:
            self.timer.start()
            self.refresh()
        else:
            self.timer.stop()

    @Slot()
    def refresh(self) -> None:
        """Read again the ticked runs' files that are new or changed; forget unticked runs."""
        ids = self.run_ids()
        gone = [r for r in self.records if r not in ids]
        for run_id in gone:
            self.records.pop(run_id, None)
            self.errors.pop(run_id, None)
            self._stamps.pop(run_id, None)
        wanted = {}
        for run_id in ids:
            entry = self.model.run(run_id)
            folder = getattr(entry, "folder", None)
            stamp = _stamp(Path(folder) / FILE_NAME) if folder else None
            if stamp is None:
                if self.records.pop(run_id, None) is not None:
                    gone.append(run_id)
                self._stamps.pop(run_id, None)
            elif stamp != self._stamps.get(run_id):
                wanted[run_id] = (str(Path(folder) / FILE_NAME), stamp)
        if wanted:
            self.loader.load(wanted)
        if gone:
            self.changed.emit()

    @Slot(dict)
    def _loaded(self, result: dict) -> None:
        ids = set(self.run_ids())
        for run_id, got in result.items():
            if run_id not in ids:
                continue  # unticked while it was read
            self.records[run_id] = got["records"]
            self._stamps[run_id] = got["stamp"]
            if got["error"]:
                self.errors[run_id] = got["error"]
            else:
                self.errors.pop(run_id, None)
        layers = self.layers()
        if layers and self.layer not in layers:  # (a layer restored from the session stays if a run has it)
            self.layer = BATCH_NORM_LAYER if BATCH_NORM_LAYER in layers else layers[0]
        self.changed.emit()

    def _runs_changed(self, *_args) -> None:
        if self.active:
            self.refresh()
        else:
            self.changed.emit()  # a hidden view redraws what it has when shown

    @Slot()
    def _queue_changed(self) -> None:
        """An experiment that records distributions starts: show what it is about (conv2's input)."""
        if self.model.queue_name in EXPERIMENT_DISTRIBUTIONS:
            self.layer, self.kind, self.mode = BATCH_NORM_LAYER, "activation", "distributions"
            self.changed.emit()

    def shutdown(self, timeout_ms: int = 2000) -> None:
        self.timer.stop()
        self.loader.shutdown(timeout_ms)
