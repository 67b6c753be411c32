"""Training tab: train the course's MNIST nets in a worker thread, watch the curves grow, compare runs.

The engine is `visualizer.core.training.Trainer` (no Qt); `training_worker` adapts it to signals,
`training_plots` draws the four live plots, `training_runs` holds the results table and its
exports, `training_results` shows a finished run's confusion matrix, mistakes and filters.
Every run is saved as it goes by `RunWriter` in the runs folder and listed again on the next start.
"""

from __future__ import annotations

import html
import logging
import math
import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, QThread, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.core import appdirs
from visualizer.core.errors import UserInputError
from visualizer.core.runs import new_run_folder
from visualizer.core.training import TrainConfig, gui_thread_count
from visualizer.ui.shell.panel import Panel
from visualizer.ui.training_plots import RUN_COLORS, TrainingPlots
from visualizer.ui.training_results import ResultsView
from visualizer.ui.training_runs import (
    RunEntry,
    RunsTableModel,
    fmt_time,
    run_label,
    save_text_atomic,
    table_csv,
    table_latex,
    table_markdown,
)
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker
from visualizer.ui.training_worker import DownloadWorker, TrainingWorker

log = logging.getLogger(__name__)

PRESET_NETS = ("mnist-net1", "mnist-net2")
LOSSES = {"ce": "cross-entropy (ce)", "l2": "L2 / mean squared error (l2)"}
OPTIMIZERS = {"sgdm": "SGD with momentum (sgdm)", "sgd": "SGD (sgd)", "adam": "Adam (adam)"}

#: Experiment presets of the course: the field varied and its values (everything else from the form).
EXPERIMENTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "learning rates": ("lr", (0.1, 0.01, 0.0001)),
    "loss functions": ("loss", ("ce", "l2")),
    "architectures": ("net", ("mnist-net1", "mnist-net2")),
}


def available_devices() -> list[str]:
    """'auto' and 'cpu', plus 'cuda' / 'mps' only where this machine has them."""
    devices = ["auto", "cpu"]
    try:
        import torch

        if torch.cuda.is_available():
            devices.append("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            devices.append("mps")
    except Exception:  # noqa: BLE001  (torch missing or broken: CPU is still offered)
        pass
    return devices


class TrainingPanel(Panel):
    title = "Training"
    description = "Train the MNIST nets with live curves and compare runs"
    guide_page = "04-training.html"

    def __init__(self, parent: QWidget | None = None, runs_dir: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.runs_dir = Path(runs_dir) if runs_dir else appdirs.runs_dir()
        # Where MNIST is looked for, in this order: the folder chosen in the tab; $CONVVIZ_DATA;
        # the MNIST folder of the settings; the app's own data folder.
        self.chosen_data_dir: str | None = None
        self.settings_data_dir: str | None = None
        #: MnistSplits to train on instead of loading MNIST (synthetic data for tests and benchmarks)
        self.data_override = None
        #: Trainer class to use instead of the engine's (tests); None: visualizer.core.training.Trainer
        self.trainer_factory = None
        #: download function with download_mnist's signature (tests); None: the real download
        self.downloader = None

        self._worker: TrainingWorker | None = None
        self._thread: QThread | None = None
        self._download: DownloadWorker | None = None
        self._download_thread: QThread | None = None
        self._live_id: str | None = None
        self._live_total = 0
        self._live_started = 0.0
        self._paused = False
        self._queue: list[TrainConfig] = []
        self._queue_name = ""
        self._queue_total = 0
        self._stopping = False
        self._lecture = False
        self._architectures: dict[str, dict] = {}
        self._color_index = 0
        self._last_device = ""
        self._last_record: dict | None = None

        self._build()
        self._build_actions()
        # progress text and bar: four times a second, whatever the trainer's pace
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(250)
        self._progress_timer.timeout.connect(self._show_progress)
        self._update_controls()
        self.reload_runs()
        self.refresh_data_status()

    # ================================================================================ layout ==
    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter)
        self.splitter = splitter

        # -- left: the form and the controls -------------------------------------------------
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 4, 0)

        self.config_box = QGroupBox("Network and training", left)
        form = QFormLayout(self.config_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.net_combo = QComboBox(self.config_box)
        self.net_combo.setObjectName("net")
        for n in PRESET_NETS:
            self.net_combo.addItem(n, n)
        self.net_combo.setToolTip("mnist-net1 / mnist-net2 from the course, or a network handed over "
                                  "from the Shapes tab (1×28×28 in, 10 out)")
        self.loss_combo = QComboBox(self.config_box)
        self.loss_combo.setObjectName("loss")
        for k, v in LOSSES.items():
            self.loss_combo.addItem(v, k)
        self.opt_combo = QComboBox(self.config_box)
        self.opt_combo.setObjectName("optimizer")
        for k, v in OPTIMIZERS.items():
            self.opt_combo.addItem(v, k)
        self.lr_edit = QLineEdit("0.01", self.config_box)
        self.lr_edit.setObjectName("lr")
        self.lr_edit.setToolTip("Learning rate, a number above 0 (e.g. 0.1, 0.01, 1e-4)")
        self.momentum_edit = QLineEdit("0.5", self.config_box)
        self.momentum_edit.setObjectName("momentum")
        self.momentum_edit.setToolTip("Momentum of SGD with momentum, from 0 to below 1")

        def spin(name: str, lo: int, hi: int, value: int, step: int = 1, tip: str = "") -> QSpinBox:
            s = QSpinBox(self.config_box)
            s.setObjectName(name)
            s.setRange(lo, hi)
            s.setValue(value)
            s.setSingleStep(step)
            s.setGroupSeparatorShown(True)
            s.setToolTip(tip)
            return s

        self.epochs_spin = spin("epochs", 1, 1000, 8, tip="Passes over the training images")
        self.batch_spin = spin("batch_size", 1, 60_000, 128, 32, "Images per minibatch")
        self.train_spin = spin("train_size", 1, 60_000, 50_000, 1000,
                               "Training images, taken from MNIST's 60,000 (with validation)")
        self.val_spin = spin("val_size", 0, 60_000, 10_000, 1000,
                             "Validation images, the rest of MNIST's 60,000 training images")
        self.test_spin = spin("test_size", 1, 10_000, 10_000, 1000, "Test images, from MNIST's 10,000")
        self.seed_spin = spin("seed", 0, 2_147_483_647, 0, tip="Same seed and device, same numbers")
        self.device_combo = QComboBox(self.config_box)
        self.device_combo.setObjectName("device")
        for d in available_devices():
            self.device_combo.addItem(d, d)
        self.device_combo.setToolTip("auto: CUDA, then MPS, then CPU (only devices this machine has)")
        form.addRow("Net", self.net_combo)
        form.addRow("Loss", self.loss_combo)
        form.addRow("Optimizer", self.opt_combo)
        form.addRow("Learning rate", self.lr_edit)
        form.addRow("Momentum", self.momentum_edit)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow("Training images", self.train_spin)
        form.addRow("Validation images", self.val_spin)
        form.addRow("Test images", self.test_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Device", self.device_combo)
        self.opt_combo.currentIndexChanged.connect(self._optimizer_changed)
        lv.addWidget(self.config_box)

        # data folder
        self.data_box = QGroupBox("MNIST data", left)
        dv = QVBoxLayout(self.data_box)
        self.data_label = QLabel(self.data_box)
        self.data_label.setObjectName("data_status")
        self.data_label.setWordWrap(True)
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dv.addWidget(self.data_label)
        row = QHBoxLayout()
        self.choose_data_button = QPushButton("Choose data folder…", self.data_box)
        self.choose_data_button.clicked.connect(self.choose_data_folder)
        self.download_button = QPushButton("Download MNIST", self.data_box)
        self.download_button.setToolTip("Fetch the four MNIST files (about 11 MB) into the data folder")
        self.download_button.clicked.connect(self.start_download)
        row.addWidget(self.choose_data_button)
        row.addWidget(self.download_button)
        dv.addLayout(row)
        drow = QHBoxLayout()
        self.download_bar = QProgressBar(self.data_box)
        self.download_bar.setObjectName("download_progress")
        self.download_cancel = QPushButton("Cancel", self.data_box)
        self.download_cancel.clicked.connect(self.cancel_download)
        drow.addWidget(self.download_bar, 1)
        drow.addWidget(self.download_cancel)
        dv.addLayout(drow)
        self.download_bar.hide()
        self.download_cancel.hide()
        lv.addWidget(self.data_box)

        # experiments
        self.experiment_box = QGroupBox("Course experiments", left)
        ev = QHBoxLayout(self.experiment_box)
        self.experiment_combo = QComboBox(self.experiment_box)
        self.experiment_combo.setObjectName("experiment")
        for name, (fld, values) in EXPERIMENTS.items():
            self.experiment_combo.addItem(f"{name}: {', '.join(str(v) for v in values)}", name)
        self.experiment_button = QPushButton("Run all", self.experiment_box)
        self.experiment_button.setToolTip("Queue one run per value (the rest from the form) and run them "
                                          "one after another, overlaid")
        self.experiment_button.clicked.connect(self._run_selected_experiment)
        ev.addWidget(self.experiment_combo, 1)
        ev.addWidget(self.experiment_button)
        lv.addWidget(self.experiment_box)

        # controls and progress
        self.control_box = QGroupBox("Run", left)
        cv = QVBoxLayout(self.control_box)
        brow = QHBoxLayout()
        self.start_button = QPushButton("Start", self.control_box)
        self.start_button.setObjectName("start")
        self.start_button.setToolTip("Start training (Ctrl+Return)")
        self.pause_button = QPushButton("Pause", self.control_box)
        self.pause_button.setObjectName("pause")
        self.stop_button = QPushButton("Stop", self.control_box)
        self.stop_button.setObjectName("stop")
        self.start_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_training)
        for b in (self.start_button, self.pause_button, self.stop_button):
            brow.addWidget(b)
        cv.addLayout(brow)
        self.progress = QProgressBar(self.control_box)
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("%p %")
        cv.addWidget(self.progress)
        self.progress_label = QLabel("Not running.", self.control_box)
        self.progress_label.setObjectName("progress_text")
        self.progress_label.setWordWrap(True)
        cv.addWidget(self.progress_label)
        self.queue_label = QLabel(self.control_box)
        self.queue_label.setObjectName("experiment_progress")
        self.queue_label.hide()
        cv.addWidget(self.queue_label)
        self.device_label = QLabel(self.control_box)
        self.device_label.setObjectName("device_in_use")
        cv.addWidget(self.device_label)
        self.message_label = QLabel(self.control_box)
        self.message_label.setObjectName("message")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #c0392b;")
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        cv.addWidget(self.message_label)
        lv.addWidget(self.control_box)
        lv.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setMinimumWidth(left.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.left_scroll = scroll
        splitter.addWidget(scroll)

        # -- right: plots above, runs and results below --------------------------------------
        right = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter = right
        # above: the live curves, or a finished run's test results; below: every run, as a table
        self.view_tabs = QTabWidget(right)
        self.view_tabs.setObjectName("views")
        self.plots = TrainingPlots(self.view_tabs)
        self.view_tabs.addTab(self.plots, "Curves")
        self.results_view = ResultsView(self.view_tabs)
        self.results_view.clear("A run's test results (confusion matrix, misclassified test digits, "
                                "first-layer filters) appear here: select the run in the table below.")
        self.view_tabs.addTab(self.results_view, "Test results")
        right.addWidget(self.view_tabs)

        runs_page = QWidget(right)
        rv = QVBoxLayout(runs_page)
        rv.setContentsMargins(2, 2, 2, 2)
        self.runs_model = RunsTableModel(self)
        self.runs_model.shown_changed.connect(self._run_shown_changed)
        self.runs_view = QTableView(runs_page)
        self.runs_view.setObjectName("results_table")
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.runs_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.runs_view.verticalHeader().hide()
        self.runs_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.runs_view.horizontalHeader().setStretchLastSection(True)
        # the run's folder name is long: elided here, whole in its tooltip
        self.runs_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.runs_view.setColumnWidth(0, 240)
        self.runs_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.runs_view.setWordWrap(False)
        self.runs_view.setToolTip("Tick runs to overlay their curves; select one for its test results "
                                  "(double-click to show them)")
        self.runs_view.selectionModel().currentRowChanged.connect(self._current_run_changed)
        self.runs_view.doubleClicked.connect(self._show_results_tab)
        rv.addWidget(self.runs_view, 1)
        rrow = QHBoxLayout()
        self.keep_overlays = QCheckBox("Keep ticked runs when starting a new one", runs_page)
        self.show_all_button = QPushButton("Tick all", runs_page)
        self.show_all_button.clicked.connect(self._show_all)
        self.hide_all_button = QPushButton("Untick all", runs_page)
        self.hide_all_button.clicked.connect(self._hide_all)
        self.export_table_button = QPushButton("Export table…", runs_page)
        self.export_table_button.clicked.connect(self.export_table_dialog)
        self.export_plots_button = QPushButton("Export plots…", runs_page)
        self.export_plots_button.clicked.connect(self.export_plots_dialog)
        self.delete_button = QPushButton("Delete…", runs_page)
        self.delete_button.setToolTip("Delete the selected runs' folders from disk")
        self.delete_button.clicked.connect(self.delete_selected_runs)
        self.runs_folder_label = QLabel(runs_page)
        self.runs_folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.runs_folder_label.setEnabled(False)
        self.runs_folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        rrow.addWidget(self.keep_overlays)
        rrow.addWidget(self.show_all_button)
        rrow.addWidget(self.hide_all_button)
        rrow.addWidget(self.runs_folder_label, 1)
        rrow.addWidget(self.delete_button)
        rrow.addWidget(self.export_table_button)
        rrow.addWidget(self.export_plots_button)
        rv.addLayout(rrow)
        right.addWidget(runs_page)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([650, 230])
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([scroll.minimumWidth(), 1100])

    def _build_actions(self) -> None:
        def act(text: str, slot, shortcut: str | QKeySequence | None = None) -> QAction:
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
        self.experiment_actions = []
        for name in EXPERIMENTS:
            a = act(f"Run experiment: {name}", self._experiment_action)
            a.setData(name)
            self.experiment_actions.append(a)

    def panel_actions(self) -> list[QAction]:
        return [self.start_action, self.pause_action, self.stop_action, self.export_table_action,
                self.export_plots_action, self.choose_data_action, self.download_action,
                *self.experiment_actions]

    # ================================================================================ config ==
    @Slot()
    def _optimizer_changed(self) -> None:
        self.momentum_edit.setEnabled(self.opt_combo.currentData() == "sgdm")

    def _number(self, edit: QLineEdit, what: str) -> float:
        text = edit.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise UserInputError(f"{what}: “{edit.text()}” is not a number.") from None
        if not math.isfinite(value):
            raise UserInputError(f"{what}: must be a finite number, got {edit.text()}.")
        return value

    def config_from_form(self) -> TrainConfig:
        """The form as a validated TrainConfig; UserInputError with a plain sentence if not."""
        net = self.net_combo.currentData()
        if isinstance(net, str) and net in self._architectures:
            net = self._architectures[net]
        config = TrainConfig(
            net=net,
            loss=self.loss_combo.currentData(),
            optimizer=self.opt_combo.currentData(),
            lr=self._number(self.lr_edit, "Learning rate"),
            momentum=self._number(self.momentum_edit, "Momentum"),
            epochs=self.epochs_spin.value(),
            batch_size=self.batch_spin.value(),
            train_size=self.train_spin.value(),
            val_size=self.val_spin.value(),
            test_size=self.test_spin.value(),
            seed=self.seed_spin.value(),
            device=self.device_combo.currentData(),
        )
        config.validate()
        return config

    def _set_combo(self, combo: QComboBox, value: Any) -> bool:
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)
        return i >= 0

    @Slot(dict)
    def use_architecture(self, doc: dict) -> None:
        """A network handed over by the shape calculator (1×28×28 in, 10 out) becomes the selected net."""
        try:
            name = self._add_architecture(doc)
        except UserInputError as exc:
            self.show_message(f"Cannot train this network: {exc}")
            return
        self._set_combo(self.net_combo, name)
        self.clear_message()
        self.emit_status(f"Training tab: net set to “{name}” from the shape calculator", 5000)

    def _add_architecture(self, doc: Any) -> str:
        if not isinstance(doc, dict):
            raise UserInputError("the network must be an architecture document (a JSON object).")
        shape = list(doc.get("input_shape") or [])
        if shape and shape != [1, 28, 28]:
            raise UserInputError(f"MNIST needs input 1×28×28, this network takes "
                                 f"{'×'.join(str(s) for s in shape)}.")
        from visualizer.core.architecture import Architecture, compute_table

        table = compute_table(Architecture.from_dict(doc))
        if not table.ok:
            bad = next(r for r in table.rows if not r.ok)
            raise UserInputError(f"layer {bad.index} ({bad.name}): {bad.error}")
        out = tuple(table.output_shape or ())
        if out and out not in ((10,), (10, 1, 1)):
            raise UserInputError(f"MNIST needs 10 outputs, this network gives "
                                 f"{'×'.join(str(s) for s in out)}.")
        base = str(doc.get("name") or "custom net").strip() or "custom net"
        name = f"{base} (from Shapes)"
        self._architectures[name] = dict(doc)
        if self.net_combo.findData(name) < 0:
            self.net_combo.addItem(name, name)
        return name

    # ============================================================================== settings ==
    def apply_settings(self, settings: dict[str, Any]) -> None:
        device = settings.get("default_device")
        if device and not self._running():
            self._set_combo(self.device_combo, device)
        if "mnist_dir" in settings:
            self.settings_data_dir = str(settings.get("mnist_dir") or "") or None
            self.refresh_data_status()
        if "runs_dir" in settings:
            new = Path(settings.get("runs_dir") or appdirs.runs_dir())
            if new != self.runs_dir:
                self.runs_dir = new
                self.reload_runs()
        if "theme" in settings:
            from visualizer.ui.shell import theme

            self.plots.set_look(theme.current_look())

    def save_state(self) -> dict[str, Any]:
        net = self.net_combo.currentData()
        return {
            "net": self._architectures.get(net, net),
            "loss": self.loss_combo.currentData(),
            "optimizer": self.opt_combo.currentData(),
            "lr": self.lr_edit.text(),
            "momentum": self.momentum_edit.text(),
            "epochs": self.epochs_spin.value(),
            "batch_size": self.batch_spin.value(),
            "train_size": self.train_spin.value(),
            "val_size": self.val_spin.value(),
            "test_size": self.test_spin.value(),
            "seed": self.seed_spin.value(),
            "device": self.device_combo.currentData(),
            "data_dir": self.chosen_data_dir or "",
            "shown_runs": self.runs_model.shown_ids(),
            "smoothing": self.plots.smooth_check.isChecked(),
            "smoothing_weight": self.plots.smooth_slider.value(),
            "log_axes": dict(self.plots.log_axes),
            "keep_overlays": self.keep_overlays.isChecked(),
            "experiment": self.experiment_combo.currentData(),
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        net = state.get("net")
        if isinstance(net, dict):
            try:
                self._set_combo(self.net_combo, self._add_architecture(net))
            except UserInputError:
                pass
        elif isinstance(net, str):
            self._set_combo(self.net_combo, net)
        for key, combo in (("loss", self.loss_combo), ("optimizer", self.opt_combo),
                           ("device", self.device_combo), ("experiment", self.experiment_combo)):
            if key in state:
                self._set_combo(combo, state[key])
        for key, edit in (("lr", self.lr_edit), ("momentum", self.momentum_edit)):
            if isinstance(state.get(key), (str, int, float)):
                edit.setText(str(state[key]))
        for key, sp in (("epochs", self.epochs_spin), ("batch_size", self.batch_spin),
                        ("train_size", self.train_spin), ("val_size", self.val_spin),
                        ("test_size", self.test_spin), ("seed", self.seed_spin)):
            if isinstance(state.get(key), int):
                sp.setValue(state[key])
        if isinstance(state.get("data_dir"), str) and state["data_dir"]:
            self.chosen_data_dir = state["data_dir"]
            self.refresh_data_status()
        if isinstance(state.get("smoothing_weight"), int):
            self.plots.smooth_slider.setValue(state["smoothing_weight"])
        if isinstance(state.get("smoothing"), bool):
            self.plots.smooth_check.setChecked(state["smoothing"])
        if isinstance(state.get("log_axes"), dict):
            for q, box in self.plots.log_checks.items():
                box.setChecked(bool(state["log_axes"].get(q, False)))
        if isinstance(state.get("keep_overlays"), bool):
            self.keep_overlays.setChecked(state["keep_overlays"])
        if isinstance(state.get("shown_runs"), list):
            wanted = {str(r) for r in state["shown_runs"]}
            for e in list(self.runs_model.entries):
                self.runs_model.set_shown(e.run_id, e.run_id in wanted)

    def set_lecture_mode(self, on: bool) -> None:
        """For a projector: the form and the data box step aside, curves get thicker."""
        self._lecture = on
        for w in (self.config_box, self.data_box):
            w.setVisible(not on)
        self.plots.set_line_width(3.5 if on else 2.0)

    # ================================================================================== data ==
    def refresh_data_status(self) -> bool:
        """Show where MNIST is (or what to do when it is missing); True when it was found."""
        if self.data_override is not None:
            self.data_label.setText("Training on data given by the program (not MNIST files).")
            return True
        from visualizer.core.mnist import MnistNotFound, locate_mnist

        try:
            folder = locate_mnist(self.data_dir or None)
        except MnistNotFound as exc:
            looked = self.data_dir or os.environ.get(appdirs.DATA_ENV) or str(appdirs.mnist_dir())
            self.data_label.setText(
                f"<b>MNIST not found</b> in {html.escape(str(looked))}.<br>Press <i>Download MNIST</i> "
                f"(about 11 MB, into {html.escape(str(self.download_folder()))}) or <i>Choose data "
                "folder…</i> to pick a folder holding the four MNIST .gz files.")
            self.data_label.setToolTip(str(exc))  # the engine's full account of where it looked
            return False
        except UserInputError as exc:
            self.data_label.setText(f"<b>MNIST unusable:</b> {exc}")
            return False
        self.data_label.setText(f"MNIST: {folder}")
        self.data_label.setToolTip(str(folder))
        return True

    @Slot()
    def choose_data_folder(self) -> None:
        start = self.data_dir or os.environ.get(appdirs.DATA_ENV) or str(self.download_folder())
        folder = QFileDialog.getExistingDirectory(self, "Folder with the four MNIST files", start)
        if folder:
            self.set_data_folder(folder)

    def set_data_folder(self, folder: str | Path | None) -> bool:
        self.chosen_data_dir = str(folder) if folder else None
        found = self.refresh_data_status()
        if found:
            self.clear_message()
            self.emit_status(f"MNIST folder: {folder}", 4000)
        return found

    @property
    def data_dir(self) -> str | None:
        """The folder to load MNIST from, or None for $CONVVIZ_DATA / the app's folder."""
        if self.chosen_data_dir:
            return self.chosen_data_dir
        if os.environ.get(appdirs.DATA_ENV):
            return None
        return self.settings_data_dir

    def download_folder(self) -> Path:
        return Path(self.chosen_data_dir or self.settings_data_dir or appdirs.mnist_dir())

    @Slot()
    def start_download(self) -> None:
        if self._download_thread is not None:
            return
        dest = self.download_folder()
        self._download = DownloadWorker(dest, self.downloader)
        self._download.progress.connect(self._download_progress)
        self._download.succeeded.connect(self._download_succeeded)
        self._download.failed.connect(self._download_failed)
        self.download_bar.setRange(0, 0)
        self.download_bar.setFormat("connecting…")
        self.download_bar.show()
        self.download_cancel.show()
        self.download_cancel.setEnabled(True)
        self.download_button.setEnabled(False)
        self.emit_status(f"Downloading MNIST into {dest}…", 0)
        self._download_thread = start_worker(self._download, self._download_thread_finished)

    @Slot()
    def cancel_download(self) -> None:
        if self._download is not None:
            self._download.cancel()
            self.download_cancel.setEnabled(False)
            self.download_bar.setFormat("cancelling…")

    @Slot(float, float, str)
    def _download_progress(self, done: float, total: float, name: str) -> None:
        if total > 0:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(int(1000 * done / total))
            self.download_bar.setFormat(f"{name}: {done / 1e6:.1f} / {total / 1e6:.1f} MB")
        else:
            self.download_bar.setFormat(f"{name}: {done / 1e6:.1f} MB")

    @Slot(str)
    def _download_succeeded(self, folder: str) -> None:
        if not self.refresh_data_status():
            self.chosen_data_dir = folder  # CONVVIZ_DATA points elsewhere: use what we just fetched
        self.refresh_data_status()
        self.clear_message()
        self.emit_status(f"MNIST downloaded to {folder}", 6000)

    @Slot(str)
    def _download_failed(self, message: str) -> None:
        self.show_message(message)

    @Slot()
    def _download_thread_finished(self) -> None:
        join_finished(self._download_thread)
        self._download = None
        self._download_thread = None
        self.download_bar.hide()
        self.download_cancel.hide()
        self.download_button.setEnabled(True)

    # ============================================================================== training ==
    def _running(self) -> bool:
        return self._thread is not None

    def is_running(self) -> bool:
        return self._running()

    @Slot(str)
    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.show()
        self.emit_status(text.split("\n")[0], 8000)

    def clear_message(self) -> None:
        self.message_label.clear()
        self.message_label.hide()

    @Slot()
    def start_training(self) -> bool:
        """Start a run with the form's settings (the Start button); False with a message if not."""
        if self._running():
            self.emit_status("A run is already going; stop it first or wait for it to finish.", 4000)
            return False
        try:
            config = self.config_from_form()
        except UserInputError as exc:
            self.show_message(str(exc))
            return False
        self._queue = []
        self._queue_name = ""
        return self._launch(config, fresh_overlay=not self.keep_overlays.isChecked())

    def run_experiment(self, name: str) -> bool:
        """Queue the course experiment `name` (a key of EXPERIMENTS) and start its first run."""
        if self._running():
            self.emit_status("A run is already going; stop it first or wait for it to finish.", 4000)
            return False
        field_name, values = EXPERIMENTS[name]
        try:
            base = self.config_from_form()
            configs = []
            for v in values:
                c = TrainConfig.from_dict({**base.to_dict(), field_name: v})
                c.validate()
                configs.append(c)
        except UserInputError as exc:
            self.show_message(str(exc))
            return False
        self._queue = configs[1:]
        self._queue_name = name
        self._queue_total = len(configs)
        return self._launch(configs[0], fresh_overlay=not self.keep_overlays.isChecked())

    @Slot()
    def _run_selected_experiment(self) -> None:
        self.run_experiment(self.experiment_combo.currentData())

    @Slot()
    def _experiment_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self._set_combo(self.experiment_combo, action.data())
            self.run_experiment(action.data())

    def _launch(self, config: TrainConfig, fresh_overlay: bool) -> bool:
        if self.data_override is None and not self.refresh_data_status():
            self._queue = []
            self.show_message("MNIST not found. Use “Download MNIST” or “Choose data folder…” "
                              "in the MNIST data box, then press Start again.")
            return False
        config.data_dir = self.data_dir or ""
        if config.num_threads == 0 and self.device_combo.currentData() in ("auto", "cpu"):
            config.num_threads = gui_thread_count()  # one core stays free for the GUI
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            folder = new_run_folder(self.runs_dir, config)
            folder.mkdir(parents=True, exist_ok=False)
            run_id = folder.name
        except OSError as exc:
            self._queue = []
            self.show_message(f"Cannot create the run folder in {self.runs_dir}: {exc.strerror or exc}")
            return False
        self.clear_message()
        if fresh_overlay:
            self._hide_all()
        config_dict = config.to_dict()
        color = self._next_color()
        entry = RunEntry(run_id, folder, config_dict, color, status="running")
        self.runs_model.add(entry)
        n_train = len(self.data_override.train_images) if self.data_override is not None else config.train_size
        self._live_total = max(1, config.epochs * n_train)
        self.plots.add_run(run_id, self._legend_label(entry), color, self._live_total, config.epochs)
        self.runs_model.set_shown(run_id, True)

        self._live_id = run_id
        self._live_started = time.monotonic()
        self._paused = False
        self._stopping = False
        self.progress.setValue(0)
        self.progress_label.setText("Starting…")
        self.device_label.setText(f"Device: {config.device} (starting)")

        worker = TrainingWorker(config, folder, data=self.data_override, trainer_factory=self.trainer_factory)
        worker.phase.connect(self._worker_phase)
        worker.train_began.connect(self._train_began)
        worker.batch_recorded.connect(self._batch_recorded)
        worker.epoch_recorded.connect(self._epoch_recorded)
        worker.run_finished.connect(self._run_finished)
        worker.run_failed.connect(self._run_failed)
        self._worker = worker
        self._last_record = None
        self._progress_timer.start()
        self._thread = start_worker(worker, self._training_thread_finished)
        self._update_controls()
        if self._queue_name:
            done = self._queue_total - len(self._queue)
            self.queue_label.setText(f"Experiment “{self._queue_name}”: run {done} of {self._queue_total}")
            self.queue_label.show()
        else:
            self.queue_label.hide()
        queued = f" ({len(self._queue)} more queued: {self._queue_name})" if self._queue else ""
        self.emit_status(f"Training {run_label(entry)}{queued}", 4000)
        return True

    def _next_color(self) -> str:
        color = RUN_COLORS[self._color_index % len(RUN_COLORS)]
        self._color_index += 1
        return color

    def _legend_label(self, entry: RunEntry) -> str:
        return f"{run_label(entry)} [{entry.run_id[:17]}]"

    @Slot()
    def toggle_pause(self) -> None:
        if self._worker is None:
            return
        if self._paused:
            self._worker.resume()
            self._paused = False
            self.progress_label.setText("Resumed.")
        else:
            self._worker.pause()
            self._paused = True
            self.progress_label.setText("Paused. Resume to go on, or Stop.")
        self._update_controls()

    @Slot()
    def stop_training(self) -> None:
        """Stop the run (it ends as "stopped" with what it has so far) and drop the queue."""
        self._queue = []
        if self._worker is None:
            return
        self._stopping = True
        self._worker.request_stop()
        self._paused = False
        self.progress_label.setText("Stopping…")
        self._update_controls()

    def _update_controls(self) -> None:
        running = self._running()
        self.start_button.setEnabled(not running)
        self.start_action.setEnabled(not running)
        self.experiment_button.setEnabled(not running)
        for a in self.experiment_actions:
            a.setEnabled(not running)
        self.pause_button.setEnabled(running and not self._stopping)
        self.pause_action.setEnabled(running and not self._stopping)
        self.stop_button.setEnabled(running and not self._stopping)
        self.stop_action.setEnabled(running and not self._stopping)
        self.pause_button.setText("Resume" if self._paused else "Pause")
        self.config_box.setEnabled(not running)
        self.download_button.setEnabled(self._download_thread is None)
        if not running:
            try:
                import torch

                auto = "cuda" if torch.cuda.is_available() else (
                    "mps" if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
                    else "cpu")
            except Exception:  # noqa: BLE001
                auto = "cpu"
            d = self.device_combo.currentData()
            text = f"Device: {auto if d == 'auto' else d}" + (" (auto)" if d == "auto" else "")
            if self._last_device:
                text += f" · last run used {self._last_device}"
            self.device_label.setText(text)

    # -- worker signals (queued onto the GUI thread) ---------------------------------------------
    @Slot(str)
    def _worker_phase(self, text: str) -> None:
        if not self._stopping:
            self.progress_label.setText(text)

    @Slot(dict)
    def _train_began(self, info: dict) -> None:
        self._last_device = str(info.get("device", "?"))
        self.device_label.setText(f"Device in use: <b>{self._last_device}</b>")
        self._live_started = time.monotonic()

    @Slot(dict)
    def _batch_recorded(self, record: dict) -> None:
        if self._live_id is None:
            return
        self.plots.append_batch(self._live_id, record)
        self._last_record = record  # shown by the progress timer, not per record

    @Slot()
    def _show_progress(self) -> None:
        record, self._last_record = self._last_record, None
        if record is None or self._live_id is None:
            return
        seen = float(record.get("examples_seen", 0))
        self.progress.setValue(int(1000 * min(1.0, seen / self._live_total)))
        entry = self.runs_model.entry(self._live_id)
        if entry is not None:
            entry.progress = min(1.0, seen / self._live_total)
            self.runs_model.changed(self._live_id)
        sps = float(record.get("samples_per_second") or 0.0)
        eta = (self._live_total - seen) / sps if sps > 0 else float("nan")
        if not self._paused and not self._stopping:
            epoch = float(record.get("epoch", 0.0))
            entry = self.runs_model.entry(self._live_id)
            epochs = entry.config.get("epochs", "?") if entry else "?"
            self.progress_label.setText(
                f"epoch {min(int(epoch) + 1, epochs if isinstance(epochs, int) else 10**9)}/{epochs} · "
                f"{int(seen):,} / {self._live_total:,} examples · {sps:,.0f} samples/s · "
                f"ETA {fmt_time(eta) or '–'} · loss {float(record.get('train_loss', float('nan'))):.4f}")

    @Slot(dict)
    def _epoch_recorded(self, record: dict) -> None:
        if self._live_id is None:
            return
        self.plots.append_epoch(self._live_id, record)
        entry = self.runs_model.entry(self._live_id)
        if entry is not None:
            entry.epochs_done = int(record.get("epoch", 0))
            entry.final = {"train_accuracy": record.get("train_accuracy"),
                           "val_accuracy": record.get("val_accuracy"),
                           "wall_time_s": record.get("elapsed_s"),
                           "epochs_completed": entry.epochs_done}
            self.runs_model.changed(self._live_id)

    @Slot(dict)
    def _run_finished(self, payload: dict) -> None:
        run_id = self._live_id
        entry = self.runs_model.entry(run_id) if run_id else None
        if entry is None:
            return
        self._last_record = None
        entry.final = dict(payload.get("final") or {})
        entry.status = str(entry.final.get("status", "completed"))
        entry.result = payload
        # the result's records are the reference (a signal may still be queued behind this one)
        self.plots.set_records(run_id, payload.get("history") or [], payload.get("epochs") or [])
        self.runs_model.changed(run_id)
        self.results_view.show_result(run_id, run_label(entry), payload)
        self.progress.setValue(1000 if entry.status == "completed" else self.progress.value())
        acc = entry.final.get("test_accuracy")
        acc_text = f"test accuracy {100 * float(acc):.2f} %" if acc is not None else ""
        sps = entry.final.get("samples_per_second")
        sps_text = f"{float(sps):,.0f} samples/s" if sps else ""
        self.progress_label.setText(
            f"{entry.status.capitalize()} in {fmt_time(entry.final.get('wall_time_s'))} · "
            + " · ".join(t for t in (acc_text, sps_text) if t))
        if entry.status == "diverged":
            self.show_message("The loss became NaN or infinite: the run diverged (try a smaller "
                              "learning rate). Everything before that is kept.")
        self.emit_status(f"Run {entry.status}: {run_label(entry)} {acc_text}", 6000)

    @Slot(str)
    def _run_failed(self, message: str) -> None:
        run_id = self._live_id
        entry = self.runs_model.entry(run_id) if run_id else None
        self._queue = []
        if entry is not None:
            run = self.plots.runs.get(run_id)
            empty = run is None or (run.batches.size == 0 and run.epochs.size == 0)
            if empty:  # nothing was trained: no row, no empty folder left behind
                self.plots.remove_run(run_id)
                self.runs_model.remove(run_id)
                try:
                    if entry.folder is not None:
                        for f in entry.folder.iterdir():
                            if f.is_file() and f.suffix in (".json", ".csv", ".tmp"):
                                f.unlink()
                        entry.folder.rmdir()
                except OSError:
                    pass
            else:
                entry.status = "failed"
                self.runs_model.changed(run_id)
        self.progress_label.setText("Not running.")
        self.show_message(message)

    @Slot()
    def _training_thread_finished(self) -> None:
        self._progress_timer.stop()
        join_finished(self._thread)
        self._worker = None
        self._thread = None
        self._live_id = None
        self._paused = False
        stopped = self._stopping
        self._stopping = False
        self._update_controls()
        if self._queue and not stopped:
            config = self._queue.pop(0)
            self._launch(config, fresh_overlay=False)
        else:
            if self._queue_name:
                self.queue_label.setText(f"Experiment “{self._queue_name}”: "
                                         + ("stopped" if stopped else "all runs done") + ".")
            self._queue = []
            self._queue_name = ""

    def wait_until_idle(self, timeout_ms: int) -> bool:
        """Block until the training thread has finished (used by shutdown and scripts)."""
        thread = self._thread
        if thread is None:
            return True
        try:
            return thread.wait(timeout_ms)
        except RuntimeError:  # already deleted
            return True

    def shutdown(self) -> None:
        """Stop training and downloads, and wait (bounded) for their threads to end."""
        self._queue = []
        if self._worker is not None:
            self._stopping = True
            self._worker.abort()
        if self._download is not None:
            self._download.cancel()
        deadline = time.monotonic() + 2.0  # the Panel contract: back within about two seconds
        for thread in (self._thread, self._download_thread):
            if thread is None:
                continue
            try:
                thread.quit()  # exec() has not started yet or returns right after work()
                left = max(1, int(1000 * (deadline - time.monotonic())))
                if not thread.wait(left):
                    log.warning("%s still running at shutdown", thread.objectName())
                    worker = self._worker if thread is self._thread else self._download
                    keep_until_done(thread, worker)
            except RuntimeError:
                pass
        self.plots.timer.stop()
        self._progress_timer.stop()

    # ================================================================================== runs ==
    def reload_runs(self) -> None:
        """List the runs saved in the runs folder (earlier sessions) that are not listed yet."""
        self.runs_folder_label.setText(f"saved in {self.runs_dir}")
        self.runs_folder_label.setToolTip(f"Runs are saved in {self.runs_dir}")
        from visualizer.core.runs import list_runs

        try:
            records = list_runs(self.runs_dir) if self.runs_dir.is_dir() else []
        except OSError as exc:
            self.show_message(f"Cannot read the runs folder {self.runs_dir}: {exc}")
            return
        for rec in records:
            if self.runs_model.entry(rec.run_id) is not None:
                continue
            final = dict(rec.final or {})
            status = str(final.get("status", "")) or "incomplete"
            entry = RunEntry(rec.run_id, Path(rec.folder), dict(rec.config or {}), self._next_color(),
                             final=final, status=status)
            entry.result = None
            entry._record = rec  # type: ignore[attr-defined]  # curves are loaded when ticked
            self.runs_model.add(entry)

    @Slot(str, bool)
    def _run_shown_changed(self, run_id: str, shown: bool) -> None:
        entry = self.runs_model.entry(run_id)
        if entry is None:
            return
        if shown and run_id not in self.plots.runs:
            c = entry.config
            try:
                planned = (int(c["epochs"]) * int(entry.final.get("train_size") or c["train_size"]),
                           int(c["epochs"]))
            except (KeyError, TypeError, ValueError):
                planned = (None, None)
            self.plots.add_run(run_id, self._legend_label(entry), entry.color, *planned)
            rec = getattr(entry, "_record", None)
            if rec is not None:
                self.plots.set_records(run_id, list(rec.history or []), list(rec.epochs or []))
        self.plots.set_run_visible(run_id, shown)

    @Slot()
    def _show_all(self) -> None:
        for e in list(self.runs_model.entries):
            self.runs_model.set_shown(e.run_id, True)

    @Slot()
    def _hide_all(self) -> None:
        for e in list(self.runs_model.entries):
            self.runs_model.set_shown(e.run_id, False)

    def select_run(self, run_id: str) -> None:
        i = self.runs_model.index_of(run_id)
        if i >= 0:
            self.runs_view.selectionModel().setCurrentIndex(
                self.runs_model.index(i, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    @Slot()
    def _current_run_changed(self, current, _previous=None) -> None:
        if not current.isValid():
            return
        entry = self.runs_model.entries[current.row()]
        if entry.result is None and entry.status != "running":
            entry.result = self._saved_results(entry)
        if entry.result is not None:
            self.results_view.show_result(entry.run_id, run_label(entry), entry.result)
        elif entry.status == "running":
            self.results_view.clear(f"{entry.run_id} is still running.")
        else:
            self.results_view.clear(
                f"{entry.run_id}: this run saved no test results (it did not finish, or an older "
                "version wrote it); its curves and numbers are in the plots and the table.")

    @Slot()
    def _show_results_tab(self, _index=None) -> None:
        """Double-click on a run: its test results, in front."""
        self.view_tabs.setCurrentWidget(self.results_view)

    def _saved_results(self, entry: RunEntry) -> dict | None:
        """The end-of-run arrays a run saved in its folder (results.npz), in the worker's shape."""
        rec = getattr(entry, "_record", None)
        if rec is None:
            return None
        try:
            r = rec.load_results()
        except (UserInputError, OSError) as exc:
            self.emit_status(str(exc), 6000)
            return None
        if not r:
            return None
        mis = None
        if "misclassified_images" in r:
            mis = {"images": r["misclassified_images"], "true": r.get("misclassified_true"),
                   "pred": r.get("misclassified_pred")}
        return {"config": entry.config, "final": entry.final, "confusion": r.get("confusion"),
                "misclassified": mis, "first_layer_filters": r.get("first_layer_filters")}

    def _selected_entries(self) -> list[RunEntry]:
        rows = sorted({i.row() for i in self.runs_view.selectionModel().selectedRows()})
        return [self.runs_model.entries[r] for r in rows]

    @Slot()
    def delete_selected_runs(self) -> None:
        entries = [e for e in self._selected_entries() if e.status != "running"]
        if not entries:
            self.emit_status("Select finished runs to delete (a running run cannot be deleted).", 4000)
            return
        answer = QMessageBox.question(
            self, "Delete runs",
            f"Delete {len(entries)} run(s) and their folders in {self.runs_dir}? This cannot be undone.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.delete_runs([e.run_id for e in entries])

    def delete_runs(self, run_ids: list[str]) -> None:
        import shutil

        for run_id in run_ids:
            entry = self.runs_model.entry(run_id)
            if entry is None or entry.status == "running":
                continue
            if entry.folder is not None and entry.folder.is_dir():
                try:
                    shutil.rmtree(entry.folder)
                except OSError as exc:
                    self.show_message(f"Could not delete {entry.folder}: {exc.strerror or exc}")
                    continue
            self.plots.remove_run(run_id)
            self.runs_model.remove(run_id)

    # ================================================================================ export ==
    def table_text(self, fmt: str) -> str:
        entries = list(self.runs_model.entries)
        return {"csv": table_csv, "md": table_markdown, "tex": table_latex}[fmt](entries)

    def export_table(self, path: str | Path) -> None:
        """Write the results table as CSV, Markdown or LaTeX (by suffix: .csv, .md, .tex)."""
        path = Path(path)
        fmt = {".csv": "csv", ".md": "md", ".markdown": "md", ".tex": "tex"}.get(path.suffix.lower())
        if fmt is None:
            raise UserInputError(f"{path.name}: choose a .csv, .md or .tex file name.")
        save_text_atomic(path, self.table_text(fmt))

    @Slot()
    def export_table_dialog(self) -> None:
        if not self.runs_model.entries:
            self.emit_status("No runs to export yet.", 4000)
            return
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export results table", str(Path.home() / "results.csv"),
            "CSV (*.csv);;Markdown (*.md);;LaTeX table (*.tex)")
        if not path:
            return
        if not Path(path).suffix:
            path += {"C": ".csv", "M": ".md", "L": ".tex"}.get(chosen[:1], ".csv")
        try:
            self.export_table(path)
        except (UserInputError, OSError) as exc:
            self.show_message(str(exc))
            return
        self.emit_status(f"Results table saved to {path}", 5000)

    def export_plots(self, path: str | Path) -> None:
        """Write the four plots as one PNG or SVG image (by suffix)."""
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            raise UserInputError(f"{path.name}: choose a .png or .svg file name.")
        self.plots.export_image(path)

    @Slot()
    def export_plots_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export plots", str(Path.home() / "training.png"), "PNG image (*.png);;SVG image (*.svg)")
        if not path:
            return
        if not Path(path).suffix:
            path += ".svg" if chosen.startswith("SVG") else ".png"
        try:
            self.export_plots(path)
        except (UserInputError, OSError) as exc:
            self.show_message(str(exc))
            return
        self.emit_status(f"Plots saved to {path}", 5000)


def main() -> int:
    import sys

    from visualizer.ui.shell.application import create_application

    app = create_application(sys.argv)
    panel = TrainingPanel()
    panel.setWindowTitle("ConvViz — Training")
    panel.resize(1500, 950)
    panel.status_message.connect(lambda text, _ms: print(text, file=sys.stderr))
    app.aboutToQuit.connect(panel.shutdown)
    panel.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
