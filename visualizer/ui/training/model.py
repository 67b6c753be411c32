"""The Training tool's state: the one source of truth its views observe and edit.

`TrainingModel` holds what the user set (the form, the data folder, the view options), the runs
(one `RunEntry` each: folder, config, records, final numbers, colour, tick), the selected run, the
experiment queue and whether a run is going (idle / loading / training / paused / stopping). It is
a QObject only for its change signals: no widget, testable without a display. The worker's signals
are connected to its slots (queued onto the GUI thread), so the training thread never touches a view.
`to_dict()` / `from_dict()` are the tab's saved session (the keys the panel always saved).
A live run's bookkeeping is in `live_run.py`, restoring the session in `session.py`, the runs folder
in `saved_runs.py`: the model's methods call them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from visualizer.core import appdirs
from visualizer.core.devices import DeviceReport
from visualizer.core.curves import X_AXES
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import parse_device, parse_number
from visualizer.core.experiments import EXPERIMENTS, experiment_configs
from visualizer.core.run_colors import color_for
from visualizer.core.run_filter import run_matches
from visualizer.core.training import TrainConfig
from visualizer.ui.training import live_run, saved_runs, session
from visualizer.ui.training.mnist_source import MnistSource
from visualizer.ui.training.run_entry import RunEntry
from visualizer.ui.training.sweep_state import SweepRunState

PRESET_NETS = ("mnist-net1", "mnist-net2")
LOSSES = {"ce": "cross-entropy (ce)", "l2": "L2 / mean squared error (l2)"}
OPTIMIZERS = {"sgdm": "SGD with momentum (sgdm)", "sgd": "SGD (sgd)", "adam": "Adam (adam)"}

#: The form's fields and their starting values (lr and momentum as typed: text).
FORM_DEFAULTS: dict[str, Any] = {
    "net": "mnist-net1", "loss": "ce", "optimizer": "sgdm", "lr": "0.01", "momentum": "0.5",
    "epochs": 8, "batch_size": 128, "train_size": 50_000, "val_size": 10_000, "test_size": 10_000,
    "seed": 0, "device": "auto", "weight_decay": "0", "dropout": "0", "early_stopping": 0, "threads": 0,
    "distributions": 0,  # record distributions.jsonl every N examples (0: off), not a TrainConfig field
}
#: The form's fields typed as text and parsed on Start (a message says what is wrong).
TEXT_FIELDS = ("lr", "momentum", "weight_decay", "dropout")
#: The text fields' names in messages.
FIELD_NAMES = {"lr": "Learning rate", "momentum": "Momentum", "weight_decay": "Weight decay", "dropout": "Dropout"}
#: Inclusive ranges of the whole-number fields (the spin boxes show the same).
FORM_RANGES: dict[str, tuple[int, int]] = {
    "epochs": (1, 1000), "batch_size": (1, 60_000), "train_size": (1, 60_000), "val_size": (0, 60_000),
    "test_size": (1, 10_000), "seed": (0, 2_147_483_647), "early_stopping": (0, 1000), "threads": (0, 256),
    "distributions": (0, 1_000_000_000),
}
VIEW_DEFAULTS: dict[str, Any] = {
    "smoothing": False, "smoothing_weight": 60,
    "log_axes": {"loss": False, "accuracy": False, "examples": False, "epoch": False},
    "experiment": "learning rates",
    "experiment_seeds": False,  # "with 3 seeds": Run all runs the experiment as a sweep (sweep_job.py)
    "x_axis": "examples",  # the batch plots' x: "examples" seen, "epochs" (fractional) or "time"
    "run_filter": "",  # the runs filter's text (core/run_filter.py): a regular expression
}
STATES = ("idle", "loading", "training", "paused", "stopping")




class TrainingModel(QObject):
    """The Training tab's state: the form (`form`, one TrainConfig's fields as typed), the view
    options (`options`: smoothing, log axes, x axis, experiment…), every run listed (`runs`, one
    `RunEntry` each, this session's and those saved in `runs_dir`), the running state (`state`, one
    of STATES) with its progress and device lines, the queue of an experiment and a sweep's state
    (`sweep_run`). No widget and no thread: the runner and the sweep job report to it, the views
    observe its signals; `to_dict`/`from_dict` are the saved session."""

    form_changed = Signal(str)  # field name
    nets_changed = Signal()  # the net choices (an architecture was handed over)
    devices_changed = Signal()  # the device report arrived
    options_changed = Signal(str)  # view option name
    run_added = Signal(str)
    run_removing = Signal(int)  # row, before it goes
    run_removed = Signal(str)
    run_changed = Signal(str)  # its row's numbers or status
    run_ticked = Signal(str, bool)
    run_records = Signal(str)  # its history/epochs were replaced as a whole
    batch_recorded = Signal(str, dict)
    epoch_recorded = Signal(str, dict)
    run_finished = Signal(str)
    selection_changed = Signal(str)
    state_changed = Signal(str)
    progress_changed = Signal()  # progress, progress_text, device_text
    queue_changed = Signal()
    message_changed = Signal(str)  # "" hides the message
    runs_folder_changed = Signal()
    status = Signal(str, int)  # a line for the status bar
    sweep_changed = Signal()  # a sweep folder was opened (self.sweep)

    def __init__(self, runs_dir: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.form: dict[str, Any] = dict(FORM_DEFAULTS)
        self.options: dict[str, Any] = {**VIEW_DEFAULTS, "log_axes": dict(VIEW_DEFAULTS["log_axes"])}
        self.architectures: dict[str, dict] = {}  # combo name -> architecture document
        self.device_report: DeviceReport | None = None
        self._wanted_device = ""  # a saved/settings device not confirmed by the probe yet
        self.runs: list[RunEntry] = []
        self.selected: str = ""
        self.runs_dir = Path(runs_dir) if runs_dir else appdirs.runs_dir()
        self.mnist = MnistSource(self)  # where MNIST is found, and its download
        self.mnist.found.connect(self._mnist_found)
        self.state = "idle"
        self.live_id: str | None = None
        self.live_total = 0
        self._last_record: dict | None = None  # the newest batch record, until the progress line takes it
        self.last_device = ""
        self.progress = 0.0
        self.progress_text = "Not running."
        self.device_text = ""
        self.message = ""
        self.queue: list[TrainConfig] = []
        self.queue_name = ""
        self.queue_total = 0
        self.queue_text = ""
        self.sweep = None  # the opened sweep (core.sweep.SweepTable), for the Sweep plot
        self.sweep_run = SweepRunState(self)  # a course experiment running "with 3 seeds"
        self._update_device_text()

    # ============================================================================ the form ==
    def nets(self) -> list[str]:
        return [*PRESET_NETS, *self.architectures]

    def device_choices(self) -> list[str]:
        """auto and cpu until the probe has answered; then what this machine has."""
        r = self.device_report
        if r is None:
            return ["auto", "cpu"]
        gpus = [f"cuda:{i}" for i in range(len(r.cuda_devices))] if r.cuda and len(r.cuda_devices) > 1 else []
        return r.available() + gpus  # each GPU by name (cuda:N) when there are several

    def set_field(self, name: str, value: Any) -> bool:
        """Set one form field; False (and nothing changes) for a value the field cannot take."""
        if name not in FORM_DEFAULTS:
            raise KeyError(name)
        if name in FORM_RANGES:
            if isinstance(value, bool) or not isinstance(value, int):
                return False
            lo, hi = FORM_RANGES[name]
            value = min(hi, max(lo, value))
        elif name in TEXT_FIELDS:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                return False
            value = str(value)
        elif name == "net":
            if value not in self.nets():
                return False
        elif name == "loss" and value not in LOSSES or name == "optimizer" and value not in OPTIMIZERS:
            return False
        elif name == "device":
            try:
                value = parse_device(value)
            except UserInputError:
                return False
            if value not in self.device_choices():
                if self.device_report is None and value not in ("auto", "cpu"):
                    self._wanted_device = value  # decided when the probe answers
                return False
            self._wanted_device = ""
        if self.form[name] == value:
            return True
        self.form[name] = value
        self.form_changed.emit(name)
        if name == "device":
            self._update_device_text()
        return True

    def form_number(self, name: str) -> float:
        """A text field of the form (lr, momentum, weight_decay, dropout) as a number, by ConvViz's
        one number rule (core.parsing); UserInputError with a plain sentence if it is not one."""
        return parse_number(self.form[name], FIELD_NAMES[name])

    def empty_hint(self) -> str:
        """What the plots say before the first run: what will appear and how to start."""
        f = self.form
        course = all(f[k] == v for k, v in FORM_DEFAULTS.items() if k not in ("device", "seed", "threads"))
        how = "with the course settings" if course else "with the settings on the left"
        return f"Press Start to train {f['net']}\n{how}, or run a course experiment."

    def momentum_used(self) -> bool:
        return self.form["optimizer"] == "sgdm"

    def config(self) -> TrainConfig:
        """The form as a validated TrainConfig; UserInputError with a plain sentence if not."""
        f = self.form
        net = self.architectures.get(f["net"], f["net"])
        config = TrainConfig(
            net=net, loss=f["loss"], optimizer=f["optimizer"],
            lr=self.form_number("lr"), momentum=self.form_number("momentum"),
            epochs=f["epochs"], batch_size=f["batch_size"], train_size=f["train_size"],
            val_size=f["val_size"], test_size=f["test_size"], seed=f["seed"], device=f["device"],
            weight_decay=self.form_number("weight_decay"),
            dropout=self.form_number("dropout"), early_stopping=f["early_stopping"],
            num_threads=f["threads"])  # 0: automatic (the runner counts the free cores)
        config.validate()
        return config

    def add_architecture(self, doc: Any) -> str:
        """A network handed over from Shapes becomes a net choice; UserInputError if it cannot train."""
        from visualizer.core.architecture import Architecture
        from visualizer.core.training import trainability_problem

        if not isinstance(doc, dict):
            raise UserInputError("the network must be an architecture document (a JSON object).")
        problem = trainability_problem(Architecture.from_dict(doc))
        if problem:
            raise UserInputError(problem)
        base = str(doc.get("name") or "custom net").strip() or "custom net"
        name = f"{base} (from Shapes)"
        new = name not in self.architectures
        self.architectures[name] = dict(doc)
        if new:
            self.nets_changed.emit()
        return name

    def use_architecture(self, doc: Any) -> bool:
        """Hand-over from Shapes: add the net and select it; a message says why when it cannot train."""
        try:
            name = self.add_architecture(doc)
        except UserInputError as exc:
            self.show_message(f"Cannot train this network: {exc}")
            return False
        self.set_field("net", name)
        self.clear_message()
        self.status.emit(f"Training tab: net set to “{name}” from the shape calculator", 5000)
        return True

    @Slot(object)
    def set_device_report(self, report: DeviceReport) -> None:
        self.device_report = report
        self.devices_changed.emit()
        if self.form["device"] not in self.device_choices():
            self.set_field("device", "auto")
        if self._wanted_device and report.has(self._wanted_device) and not self.running():
            self.set_field("device", self._wanted_device)
        self._wanted_device = ""
        self._update_device_text()

    # ======================================================================= view options ==
    def set_option(self, name: str, value: Any) -> None:
        if name not in VIEW_DEFAULTS:
            raise KeyError(name)
        if name == "log_axes":
            value = {q: bool(value.get(q, False)) for q in VIEW_DEFAULTS["log_axes"]}
        elif name == "experiment" and value not in EXPERIMENTS:
            return
        elif name == "x_axis" and value not in X_AXES or name == "run_filter" and not isinstance(value, str):
            return
        if self.options[name] != value:
            self.options[name] = value
            self.options_changed.emit(name)

    def set_log_axis(self, quantity: str, on: bool) -> None:
        self.set_option("log_axes", {**self.options["log_axes"], quantity: bool(on)})

    @Slot(str)
    def _mnist_found(self, line: str) -> None:
        self.clear_message()
        self.status.emit(line, 5000)

    # ============================================================================== runs ==
    def run(self, run_id: str | None) -> RunEntry | None:
        for e in self.runs:
            if e.run_id == run_id:
                return e
        return None

    def index_of(self, run_id: str) -> int:
        return next((i for i, e in enumerate(self.runs) if e.run_id == run_id), -1)

    def next_color(self, folder: Path | None = None) -> str:
        """The run's colour for life: the one kept in its folder (core.run_colors), else the first
        colour no listed run has, then kept there."""
        return color_for(folder, [e.color for e in self.runs])

    def add_run(self, entry: RunEntry) -> None:
        self.runs.append(entry)
        self.run_added.emit(entry.run_id)

    def remove_run(self, run_id: str) -> None:
        i = self.index_of(run_id)
        if i < 0:
            return
        self.run_removing.emit(i)
        del self.runs[i]
        if self.selected == run_id:
            self.selected = ""
        self.run_removed.emit(run_id)

    def set_runs_dir(self, folder: str | Path) -> None:
        folder = Path(folder)
        if folder != self.runs_dir:
            self.runs_dir = folder
            self.reload_runs()

    def reload_runs(self) -> None:
        """List the runs saved in the runs folder (earlier sessions) that are not listed yet, and
        the runs of the sweeps kept there ("SWEEP/RUN")."""
        self.runs_folder_changed.emit()
        saved_runs.list_saved(self)

    def open_sweep(self, folder: str | Path) -> bool:
        """A `convviz sweep` folder: its runs join the table as "SWEEP/RUN" (grouped by the sweep's
        name) and its table goes to the Sweep plot; False with a message when it is no sweep."""
        return saved_runs.open_sweep(self, folder)

    def set_ticked(self, run_id: str, on: bool) -> None:
        """Tick a run to overlay its curves (a saved run's records are read from its folder then)."""
        e = self.run(run_id)
        if e is None or e.shown == on or (on and e.problem):
            return
        if on and e.saved is not None and not e.history and not e.epochs:
            e.history, e.epochs = list(e.saved.history or []), list(e.saved.epochs or [])
        e.shown = on
        self.run_changed.emit(run_id)
        self.run_ticked.emit(run_id, on)

    def tick_all(self, on: bool) -> None:
        for e in list(self.runs):
            self.set_ticked(e.run_id, on)

    def ticked_ids(self) -> list[str]:
        return [e.run_id for e in self.runs if e.shown]

    def passes_filter(self, run_id: str) -> bool:
        """Whether the runs filter lets the run through (to the table and, ticked, the plots)."""
        e = self.run(run_id)
        return e is not None and run_matches(self.options["run_filter"], e.run_id, e.label)

    def select(self, run_id: str) -> None:
        if run_id != self.selected:
            self.selected = run_id
            self.selection_changed.emit(run_id)

    def result_of(self, run_id: str) -> dict | None:
        """A run's test results (confusion matrix, mistakes, filters): this session's, or the
        arrays the run saved in its folder (results.npz), in the worker's shape."""
        e = self.run(run_id)
        if e is None:
            return None
        if e.result is None and e.status != "running" and e.saved is not None and not e.problem:
            try:
                e.result = saved_runs.saved_result(e)
            except (UserInputError, OSError, ValueError) as exc:
                e.results_problem = f"this run's results can't be read: {exc}"
                self.status.emit(e.results_problem, 6000)
                return None
        return e.result

    def problem_runs(self) -> list[RunEntry]:
        """The listed runs whose folders cannot be read."""
        return [e for e in self.runs if e.problem]

    def delete_runs(self, run_ids: list[str]) -> None:
        """Delete runs and their folders (a running run, or one another process writes, is kept)."""
        saved_runs.delete_runs(self, run_ids)

    # ====================================================================== experiments ==
    def experiment_configs(self, name: str) -> list[TrainConfig]:
        """The runs of the course experiment `name`, in order: the form with one field varied."""
        return experiment_configs(name, self.config().to_dict())

    def set_queue(self, name: str, configs: list[TrainConfig]) -> None:
        """Queue runs to follow the one starting now (`configs` excludes it)."""
        self.queue, self.queue_name, self.queue_total = list(configs), name, len(configs) + (1 if name else 0)
        self.queue_changed.emit()

    def clear_queue(self) -> None:
        if self.queue:
            self.queue = []
            self.queue_changed.emit()

    def next_queued(self) -> TrainConfig | None:
        return self.queue.pop(0) if self.queue else None

    def run_number(self) -> int:
        """k of "run k of n" for the run going now."""
        return self.queue_total - len(self.queue)

    # ========================================================================== running ==
    def running(self) -> bool:
        return self.state != "idle"

    def set_state(self, state: str) -> None:
        """Enter one of STATES (the run buttons and the device line follow `state_changed`)."""
        if state != self.state:
            self.state = state
            self._update_device_text()
            self.state_changed.emit(state)

    def begin_run(self, run_id: str, folder: Path, config: TrainConfig) -> RunEntry:
        """A run is starting (its worker is about to): add its row and tick it (the runs ticked
        before stay on the plots until the user unticks them), show the progress."""
        return live_run.begin_run(self, run_id, folder, config)

    def set_paused(self, paused: bool) -> None:
        if self.state in ("loading", "training", "paused"):
            self.set_state("paused" if paused else "training")
            self.progress_text = "Paused. Resume to go on, or Stop." if paused else "Resumed."
            self.progress_changed.emit()

    def set_stopping(self) -> None:
        self.clear_queue()
        if self.running():
            self.set_state("stopping")
            self.progress_text = "Stopping…"
            self.progress_changed.emit()

    @Slot(str)
    def worker_phase(self, text: str) -> None:
        if self.state != "stopping":
            self.progress_text = text
            self.progress_changed.emit()

    @Slot(dict)
    def train_began(self, info: dict) -> None:
        self.last_device = str(info.get("device", "?"))
        if self.state == "loading":
            self.set_state("training")
        self.device_text = f"Device in use: <b>{self.last_device}</b>"
        self.progress_changed.emit()

    @Slot(dict)
    def record_batch(self, record: dict) -> None:
        e = self.run(self.live_id)
        if e is None:
            return
        e.history.append(record)
        self._last_record = record  # shown by tick_progress, not per record
        self.batch_recorded.emit(e.run_id, record)

    def take_last_record(self) -> dict | None:
        """The newest batch record since the last call (None if none came), then forgotten: the
        progress line shows one record a few times a second, not every record."""
        record, self._last_record = self._last_record, None
        return record

    def forget_last_record(self) -> None:
        """A run begins or ends: no batch record of it is waiting to be shown."""
        self._last_record = None

    def tick_progress(self) -> None:
        """Turn the newest batch record into the progress bar and text (a few times a second)."""
        live_run.tick_progress(self)

    @Slot(dict)
    def record_epoch(self, record: dict) -> None:
        live_run.record_epoch(self, record)

    @Slot(dict)
    def finish_run(self, payload: dict) -> None:
        live_run.finish_run(self, payload)

    @Slot(str)
    def fail_run(self, message: str) -> None:
        live_run.fail_run(self, message)

    def end_run(self) -> TrainConfig | None:
        """The run's thread has ended: back to idle; the next queued run's config, if one is due."""
        return live_run.end_run(self)

    def _update_device_text(self) -> None:
        if self.running():
            return
        d = self.form["device"]
        if d == "auto":
            auto = self.device_report.auto if self.device_report is not None else "checking…"
            text = f"Device: {auto} (auto)"
        else:
            text = f"Device: {d}"
        if self.last_device:
            text += f" · last run used {self.last_device}"
        self.device_text = text
        self.progress_changed.emit()

    # ========================================================================== messages ==
    @Slot(str)
    def show_message(self, text: str) -> None:
        self.message = text
        self.message_changed.emit(text)
        self.status.emit(text.split("\n")[0], 8000)

    def clear_message(self) -> None:
        if self.message:
            self.message = ""
            self.message_changed.emit("")

    # ======================================================================== the session ==
    def to_dict(self) -> dict[str, Any]:
        f = self.form
        return {
            "net": self.architectures.get(f["net"], f["net"]),
            **{k: f[k] for k in FORM_DEFAULTS if k != "net"},
            "data_dir": self.mnist.chosen_dir or "",
            "shown_runs": self.ticked_ids(),
            "smoothing": self.options["smoothing"],
            "smoothing_weight": self.options["smoothing_weight"],
            "log_axes": dict(self.options["log_axes"]),
            "experiment": self.options["experiment"],
            "experiment_seeds": self.options["experiment_seeds"],
            "x_axis": self.options["x_axis"],
            "run_filter": self.options["run_filter"],
            "sweep": str(self.sweep.folder) if self.sweep is not None else "",
        }

    def from_dict(self, state: dict[str, Any]) -> None:
        """Apply a saved session (what to_dict, or the panel before it, wrote); odd values are ignored."""
        session.from_dict(self, state)
