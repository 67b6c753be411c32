"""Training tab: train the course's MNIST nets in a worker thread, watch the curves grow, compare runs.

The state is `TrainingModel` (model.py); the views observe it: the form and the experiments box
(form.py), the MNIST data box (data.py), the run bar (controls.py), the four live plots (plots.py),
the test results (results.py) and the runs table (runs_table.py). `TrainingRunner` (runner.py)
runs the worker threads. This panel lays the views out, holds the tab's actions and dialogs, and
implements the Panel contract. Every run is saved as it goes by `RunWriter` in the runs folder and
listed again on the next start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.core import appdirs
from visualizer.core.errors import UserInputError
from visualizer.core.experiments import EXPERIMENT_DISTRIBUTIONS, LOOK_AT
from visualizer.core.run_table import format_for, table_text
from visualizer.ui.shell.devices import device_probe
from visualizer.ui.shell.files import save_text
from visualizer.ui.shell.panel import Panel
from visualizer.ui.training import export_dialogs
from visualizer.ui.training.controls import ControlBar
from visualizer.ui.training.data import DataBox
from visualizer.ui.training.form import ExperimentBox, TrainingForm
from visualizer.ui.training.form_column import FormColumn
from visualizer.core.experiments import EXPERIMENTS
from visualizer.ui.training.model import TrainingModel
from visualizer.ui.training.distributions_view import DistributionsView
from visualizer.ui.training.plots import TrainingPlots
from visualizer.ui.training.results import RunResultsView
from visualizer.ui.training.runner import TrainingRunner
from visualizer.ui.training.run_filter import FilteredPlots
from visualizer.ui.training.runs_table import RunsView
from visualizer.ui.training.sweep_job import SweepJob
from visualizer.ui.training.sweep_plot import SweepPlotView


class TrainingPanel(Panel):
    """The Training tab: lays out the form, the MNIST box, the experiments box and the run bar
    (`controls`) beside the live plots, test results, sweep plot and runs table, all observing one
    `TrainingModel` (`model`); the training thread is the `runner`'s, a sweep's the `sweep_job`'s."""

    title = "Training"
    description = "Train the MNIST nets with live curves and compare runs"
    guide_page = "04-training.html"
    state_key = "TrainingPanel"  # where saved sessions keep its state
    #: "Open in Network" in the test results: {"run": the run's folder, "index": a test-set index
    #: or None}; the main window hands it to the Network tab.
    network_requested = Signal(dict)
    #: the running net for the Network tab's live source (TrainingRunner.live_net_changed's events);
    #: the main window passes them on.
    live_net_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None, runs_dir: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.model = TrainingModel(runs_dir, self)
        self.runner = TrainingRunner(self.model, self)
        self.sweep_job = SweepJob(self.model, self)  # course experiments "with 3 seeds"
        self.runner.live_net_changed.connect(self.live_net_changed)
        self.model.status.connect(self.status_message)
        self._build()
        self._build_actions()
        self._build_live_action()
        self.model.state_changed.connect(self._state_changed)
        self.model.sweep_run.began.connect(self._show_sweep_plot)
        self.model.sweep_run.ended.connect(self._show_sweep_plot)
        self.model.sweep_run.winding_down.connect(self._state_changed)
        self.model.reload_runs()
        self.model.mnist.refresh()
        probe = device_probe()  # torch is asked off the GUI thread; the form lists cuda/mps when it answers
        probe.ready.connect(self.model.set_device_report)
        if probe.report() is not None:
            self.model.set_device_report(probe.report())

    # ================================================================================ layout ==
    def _build(self) -> None:
        m = self.model
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(self.splitter)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 4, 0)
        self.form = TrainingForm(m, left)
        self.data_box = DataBox(m.mnist, left)
        self.experiments = ExperimentBox(m, left)
        for w in (self.form, self.data_box, self.experiments):
            lv.addWidget(w)
        lv.addStretch(1)
        # as wide as the form needs at its type (lecture mode's too), scrolling up and down
        self.left_scroll = scroll = FormColumn(left)
        # The run box (Start, Pause, Stop, progress) stays in view below the form, which scrolls
        # when the screen is short (1280×800 with the MNIST hint showing).
        column = QWidget()
        cv = QVBoxLayout(column)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(scroll, 1)
        self.controls = ControlBar(m, column)
        cv.addWidget(self.controls)
        self.splitter.addWidget(column)
        self.column = column

        # right: the live curves or a run's test results above, every run as a table below
        self.right_splitter = right = QSplitter(Qt.Orientation.Vertical)
        self.view_tabs = QTabWidget(right)
        self.view_tabs.setObjectName("views")
        curves = QWidget(self.view_tabs)
        cl = QVBoxLayout(curves)
        cl.setContentsMargins(0, 0, 0, 0)
        self.plots = TrainingPlots(m, curves)
        FilteredPlots(m, self.plots)  # the runs filter takes filtered-out runs off the plots
        cl.addWidget(self.plots, 1)
        # what to look at in the course experiment last started (core.experiments.LOOK_AT)
        self.look_caption = QLabel(curves)
        self.look_caption.setObjectName("experiment_caption")
        self.look_caption.setWordWrap(True)
        self.look_caption.setVisible(False)
        cl.addWidget(self.look_caption)
        self.view_tabs.addTab(curves, "Curves")
        self.results_view = RunResultsView(m, self.view_tabs)
        self.view_tabs.addTab(self.results_view, "Test results")
        self.sweep_plot = SweepPlotView(m, self.view_tabs)
        self.view_tabs.addTab(self.sweep_plot, "Sweep")
        self.distributions = DistributionsView(m, self.view_tabs)
        self.view_tabs.addTab(self.distributions, "Distributions")
        self.results_view.open_in_network.connect(self.network_requested)
        right.addWidget(self.view_tabs)
        self.runs = RunsView(m, right)
        right.addWidget(self.runs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([650, 230])
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([column.sizeHint().width(), 1100])

        self._connect_buttons()

    def _connect_buttons(self) -> None:
        """The run box's, MNIST box's, experiments' and runs table's buttons to the panel's slots."""
        c, d, r = self.controls, self.data_box, self.runs
        c.start_button.clicked.connect(self.start_training)
        c.pause_button.clicked.connect(self.toggle_pause)
        c.stop_button.clicked.connect(self.stop_training)
        d.choose_button.clicked.connect(self.choose_data_folder)
        d.download_button.clicked.connect(self.start_download)
        d.cancel_button.clicked.connect(self.cancel_download)
        self.experiments.run_button.clicked.connect(self._run_selected_experiment)
        r.export_table_button.clicked.connect(self.export_table_dialog)
        r.export_plots_button.clicked.connect(self.export_plots_dialog)
        r.delete_button.clicked.connect(self.delete_selected_runs)
        r.resume_requested.connect(self.sweep_job.resume)
        r.table.doubleClicked.connect(self._show_results_tab)

    def _build_actions(self) -> None:
        def act(text: str, slot, shortcut: str | None = None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.start_action = act("Start training", self.start_training, "Ctrl+Return")
        self.pause_action = act("Pause / resume training", self.toggle_pause, "Ctrl+Shift+P")
        self.stop_action = act("Stop training", self.stop_training, "Ctrl+.")
        self.export_table_action = act("Export results table…", self.export_table_dialog, "Ctrl+Shift+T")
        self.export_plots_action = act("Export plots…", self.export_plots_dialog, "Ctrl+Shift+E")
        self.choose_data_action = act("Choose data folder…", self.choose_data_folder)
        self.download_action = act("Download MNIST", self.start_download)
        self.open_sweep_action = act("Open sweep folder…", self.open_sweep_dialog)
        self.sweep_plot.open_button.clicked.connect(self.open_sweep_dialog)
        self.experiment_actions = []
        for name in EXPERIMENTS:
            a = act(f"Run experiment: {name}", self._experiment_action)
            a.setData(name)
            self.experiment_actions.append(a)
        self._state_changed(self.model.state)

    def panel_actions(self) -> list[QAction]:
        return [self.start_action, self.pause_action, self.stop_action, self.export_table_action,
                self.export_plots_action, self.choose_data_action, self.download_action,
                *self.experiment_actions, self.open_sweep_action, self.watch_live_action]

    def _build_live_action(self) -> None:
        """Training ▸ Watch the running net in Network: the Network tab's "Current run (live)"."""
        self.watch_live_action = QAction("Watch the running net in Network", self)
        self.watch_live_action.setToolTip("Every layer's maps for one digit, refreshed as the net learns")
        self.watch_live_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.watch_live_action.triggered.connect(self._watch_live)
        self.addAction(self.watch_live_action)
        self.model.state_changed.connect(self._live_action_state)
        self._live_action_state(self.model.state)

    @Slot(str)
    def _live_action_state(self, state: str) -> None:
        self.watch_live_action.setEnabled(state != "idle")

    @Slot()
    def _watch_live(self) -> None:
        self.network_requested.emit({"live": True})

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        running = state != "idle"
        for a in (self.start_action, *self.experiment_actions):
            a.setEnabled(not running)
        for a in (self.pause_action, self.stop_action):
            a.setEnabled(running and state != "stopping")
        sweep = self.model.sweep_run  # its workers stop, never pause; nothing to stop once all ended
        for a, button in ((self.pause_action, self.controls.pause_button), (self.stop_action, self.controls.stop_button)):
            if sweep.active and (a is self.pause_action or sweep.all_ended):
                a.setEnabled(False)
                button.setEnabled(False)

    # ===================================================================== what tests set ==
    @property
    def data_override(self):
        """MnistSplits to train on instead of loading MNIST (synthetic data for tests and benchmarks)."""
        return self.model.mnist.override

    @data_override.setter
    def data_override(self, data) -> None:
        self.model.mnist.set_override(data)

    @property
    def trainer_factory(self):
        return self.runner.trainer_factory

    @trainer_factory.setter
    def trainer_factory(self, factory) -> None:
        self.runner.trainer_factory = factory

    @property
    def downloader(self):
        return self.runner.downloader

    @downloader.setter
    def downloader(self, download) -> None:
        self.runner.downloader = download

    @property
    def data_dir(self) -> str | None:
        return self.model.mnist.folder

    @property
    def runs_dir(self) -> Path:
        return self.model.runs_dir

    def download_folder(self) -> Path:
        return self.model.mnist.download_folder()

    def set_data_folder(self, folder: str | Path | None) -> bool:
        return self.model.mnist.choose(folder)

    def config_from_form(self):
        return self.model.config()

    def is_running(self) -> bool:
        return self.model.running()

    def show_message(self, text: str) -> None:
        self.model.show_message(text)

    # ================================================================== the Panel contract ==
    @Slot(dict)
    def use_architecture(self, doc: dict) -> None:
        """A network handed over by the shape calculator (1×28×28 in, 10 out) becomes the selected net."""
        self.model.use_architecture(doc)

    def apply_settings(self, settings: dict[str, Any]) -> None:
        device = settings.get("default_device")
        if device and not self.model.running():
            self.model.set_field("device", device)
        if "mnist_dir" in settings:
            self.model.mnist.settings_dir = str(settings.get("mnist_dir") or "") or None
            self.model.mnist.refresh()
        if "runs_dir" in settings:
            self.model.set_runs_dir(settings.get("runs_dir") or appdirs.runs_dir())
        if "theme" in settings:
            from visualizer.ui.shell import theme

            self.plots.set_look(theme.current_look())
            self.distributions.set_look(theme.current_look())

    def save_state(self) -> dict[str, Any]:
        return {**self.model.to_dict(), "distributions_view": self.distributions.state.to_dict()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.model.from_dict(state)
        self.distributions.state.from_dict(state.get("distributions_view"))

    def set_lecture_mode(self, on: bool) -> None:
        """For a projector: the form and the data box step aside, curves get thicker."""
        for w in (self.form, self.data_box):
            w.setVisible(not on)
        self.plots.set_line_width(3.5 if on else 2.0)

    def running_work(self) -> list[str]:
        work = []
        if self.runner.thread is not None:
            work.append("a training run")
        if self.sweep_job.is_running():
            work.append("a sweep")
        return work

    def stop_work(self) -> None:
        """Stop a run or a sweep cleanly (the Stop button's stop: evaluated on the test set and saved
        as "stopped"); MNIST downloads are cancelled."""
        self.stop_training()
        self.cancel_download()

    def shutdown(self) -> None:
        """Stop training, a sweep and downloads, and wait (bounded: two seconds, five for a sweep's
        worker processes) for their threads."""
        self.runner.shutdown(2.0)
        self.sweep_job.shutdown(5.0)  # the workers end their batch and save (about a second)
        self.plots.timer.stop()
        self.controls.timer.stop()
        self.distributions.shutdown()

    def wait_until_idle(self, timeout_ms: int) -> bool:
        return self.runner.wait_until_idle(timeout_ms) and self.sweep_job.wait_until_idle(timeout_ms)

    # ============================================================================ running ==
    @Slot()
    def start_training(self) -> bool:
        """Start a run with the form's settings (the Start button); False with a message if not."""
        if self.model.running():
            self.emit_status("A run is already going; stop it first or wait for it to finish.", 4000)
            return False
        try:
            config = self.model.config()
        except UserInputError as exc:
            self.model.show_message(str(exc))
            return False
        self.model.set_queue("", [])
        self.show_look_caption("")
        return self.runner.launch(config)

    def show_look_caption(self, name: str) -> None:
        """The caption under the plots: what to look at in experiment `name` ("" hides it)."""
        text = LOOK_AT.get(name, "")
        self.look_caption.setText(f"<b>{name.capitalize()}:</b> {text}" if text else "")
        self.look_caption.setVisible(bool(text))
        self.distributions.set_caption(name)

    def run_experiment(self, name: str) -> bool:
        """Queue the course experiment `name` (a key of EXPERIMENTS) and start its first run; with
        "with 3 seeds" ticked, run it as a sweep of seeds 0, 1, 2 instead (SweepJob)."""
        if self.model.running():
            self.emit_status("A run is already going; stop it first or wait for it to finish.", 4000)
            return False
        if self.model.options["experiment_seeds"]:  # with 3 seeds: a sweep (sweep_job.py)
            started = self.sweep_job.start(name)
        else:
            try:
                configs = self.model.experiment_configs(name)
            except UserInputError as exc:
                self.model.show_message(str(exc))
                return False
            self.model.set_queue(name, configs[1:])
            started = self.runner.launch(configs[0])
        if started:
            self.show_look_caption(name)
            if name in EXPERIMENT_DISTRIBUTIONS:  # what it is about: conv2's input, side by side
                self.view_tabs.setCurrentWidget(self.distributions)
        return started

    @Slot()
    def _run_selected_experiment(self) -> None:
        self.run_experiment(self.model.options["experiment"])

    @Slot()
    def _experiment_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.model.set_option("experiment", action.data())
            self.run_experiment(action.data())

    @Slot()
    def toggle_pause(self) -> None:
        self.runner.toggle_pause()

    @Slot()
    def stop_training(self) -> None:
        self.runner.stop()
        self.sweep_job.stop()

    @Slot()
    def _show_sweep_plot(self) -> None:
        self.view_tabs.setCurrentWidget(self.sweep_plot)

    # =============================================================================== data ==
    @Slot()
    def choose_data_folder(self) -> None:
        m = self.model
        start = m.mnist.folder or str(m.mnist.download_folder())
        folder = QFileDialog.getExistingDirectory(self, "Folder with the four MNIST files", start)
        if folder:
            m.mnist.choose(folder)

    @Slot()
    def start_download(self) -> None:
        self.runner.start_download()

    @Slot()
    def cancel_download(self) -> None:
        self.runner.cancel_download()

    # =============================================================================== runs ==
    def reload_runs(self) -> None:
        self.model.reload_runs()

    def select_run(self, run_id: str) -> None:
        self.model.select(run_id)

    @Slot()
    def _show_results_tab(self, _index=None) -> None:
        """Double-click on a run: its test results, in front."""
        self.view_tabs.setCurrentWidget(self.results_view)

    @Slot()
    def delete_selected_runs(self) -> None:
        ids = [i for i in self.runs.selected_ids() if self.model.run(i).status != "running"]
        if not ids:
            self.emit_status("Select finished runs to delete (a running run cannot be deleted).", 4000)
            return
        answer = QMessageBox.question(
            self, "Delete runs",
            f"Delete {len(ids)} run(s) and their folders in {self.model.runs_dir}? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            self.model.delete_runs(ids)

    def delete_runs(self, run_ids: list[str]) -> None:
        self.model.delete_runs(run_ids)

    # ============================================================================= sweeps ==
    @Slot()
    def open_sweep_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Sweep folder (written by convviz sweep)",
                                                  str(self.model.runs_dir))
        if folder:
            self.open_sweep(folder)

    def open_sweep(self, folder: str | Path) -> bool:
        """Load a sweep folder's runs into the table and show its Sweep plot."""
        if self.model.open_sweep(folder):
            self.view_tabs.setCurrentWidget(self.sweep_plot)
            return True
        return False

    # ============================================================================= export ==
    def table_text(self, fmt: str) -> str:
        return table_text(self.model.runs, fmt)

    def export_table(self, path: str | Path) -> None:
        """Write the results table as CSV, Markdown or LaTeX (by suffix: .csv, .md, .tex)."""
        save_text(path, self.table_text(format_for(path)))

    def export_plots(self, path: str | Path) -> None:
        """Write the four plots as one PNG or SVG image (by suffix)."""
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            raise UserInputError(f"{path.name}: choose a .png or .svg file name.")
        self.plots.export_image(path)

    @Slot()
    def export_table_dialog(self) -> None:
        export_dialogs.export_table_dialog(self)

    @Slot()
    def export_plots_dialog(self) -> None:
        export_dialogs.export_plots_dialog(self)
