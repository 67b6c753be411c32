"""The form: network and training settings, and the course experiments box.

Both views edit the model on input and redraw from its signals; the values and their validation
live in `TrainingModel` (`set_field`, `config`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.experiments import EXPERIMENTS, experiment_caption
from visualizer.core.training import net_label
from visualizer.ui.shell.flow_layout import FlowLayout
from visualizer.ui.training.model import FORM_RANGES, LOSSES, OPTIMIZERS, TrainingModel

_SPINS = {  # field -> (step, tooltip)
    "epochs": (1, "Passes over the training images"),
    "batch_size": (32, "Images per minibatch"),
    "train_size": (1000, "Training images, taken from MNIST's 60,000 (with validation)"),
    "val_size": (1000, "Validation images: a random subset of MNIST's 60,000 training images, chosen by the "
                       "seed and kept apart from the training images (the same ones whatever the training size)"),
    "test_size": (1000, "Test images, from MNIST's 10,000"),
    "seed": (1, "Fixes the split, the initial weights and the batch order: the same seed, device and number "
                "of CPU threads give the same numbers (the app trains with one thread fewer than the "
                "machine has)"),
    "early_stopping": (1, "Early stopping: stop after this many epochs without a lower validation loss "
                          "and keep the best epoch's weights (0: off)"),
    "threads": (1, "CPU threads for torch on the CPU. Automatic: the cores free when the run starts, less "
                   "one for the window, at most 4 (more threads on busy cores make training slower)"),
    "distributions": (1000, "Record distributions every N examples (off by default): each layer's weights, their "
                            "gradients and its activations on 64 validation images, as 9 percentiles and a "
                            "30-bin histogram, into the run's distributions.jsonl (as convviz train "
                            "--distributions N); the Distributions tab draws them"),
}
#: The regulariser's row: named apart from the L2 (mean squared error) loss above it.
WEIGHT_DECAY_LABEL = "Weight decay λ"  # no wider than the other labels: the column stays narrow
_LABELS = {"epochs": "Epochs", "batch_size": "Batch size", "train_size": "Training images",
           "val_size": "Validation images", "test_size": "Test images", "seed": "Seed",
           "early_stopping": "Early stopping", "threads": "CPU threads", "distributions": "Distributions"}


def set_combo(combo: QComboBox, value: Any) -> None:
    i = combo.findData(value)
    if i >= 0 and i != combo.currentIndex():
        combo.setCurrentIndex(i)


class TrainingForm(QGroupBox):
    """Net, loss, optimizer, learning rate, momentum, epochs, batch and split sizes, seed, device, threads."""

    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__("Network and training", parent)
        self.model = model
        #: None: the form shows its own values; else an experiment's run's (and the net item added for it, or "")
        self._showing: str | None = None
        self._build_fields()
        self._add_rows()
        self._fill_nets()
        self._fill_devices()
        self._show("")
        self._connect()

    def _build_fields(self) -> None:
        """The form's combo boxes, text fields and spin boxes, each named after its model field."""
        self.net_combo = QComboBox(self)
        self.net_combo.setObjectName("net")
        self.net_combo.setToolTip("mnist-net1 / mnist-net2 from the course, or a network handed over "
                                  "from the Shapes tab (1×28×28 in, 10 out)")
        self.loss_combo = QComboBox(self)
        self.loss_combo.setObjectName("loss")
        for k, v in LOSSES.items():
            self.loss_combo.addItem(v, k)
        self.opt_combo = QComboBox(self)
        self.opt_combo.setObjectName("optimizer")
        for k, v in OPTIMIZERS.items():
            self.opt_combo.addItem(v, k)
        self.lr_edit = QLineEdit(self)
        self.lr_edit.setObjectName("lr")
        self.lr_edit.setToolTip("Learning rate, a number above 0 (e.g. 0.1, 0.01, 1e-4)")
        self.momentum_edit = QLineEdit(self)
        self.momentum_edit.setObjectName("momentum")
        self.momentum_edit.setToolTip("Momentum of SGD with momentum, from 0 to below 1")
        self.weight_decay_edit = QLineEdit(self)
        self.weight_decay_edit.setObjectName("weight_decay")
        self.weight_decay_edit.setToolTip(
            "Weight decay λ (the “lambda factor”), at least 0: L2 regularisation, a penalty (λ/2)·Σw² on the "
            "weights (not the L2 loss): the optimizer adds λ·w to each gradient (PyTorch's weight_decay), "
            "e.g. 0.001. With Adam that term is scaled like the gradient (not AdamW's decoupled decay)")
        self.dropout_edit = QLineEdit(self)
        self.dropout_edit.setObjectName("dropout")
        self.dropout_edit.setToolTip("Dropout probability p, from 0 to below 1: in training, a Dropout layer "
                                     "before each Linear layer zeroes each of its inputs independently with "
                                     "probability p and scales the kept ones by 1/(1−p) (0: none)")
        self._texts = {"lr": self.lr_edit, "momentum": self.momentum_edit,
                       "weight_decay": self.weight_decay_edit, "dropout": self.dropout_edit}
        self.spins: dict[str, QSpinBox] = {}
        for name, (step, tip) in _SPINS.items():
            s = QSpinBox(self)
            s.setObjectName(name)
            s.setRange(*FORM_RANGES[name])
            s.setSingleStep(step)
            s.setGroupSeparatorShown(True)
            s.setToolTip(tip)
            self.spins[name] = s
        self.epochs_spin, self.batch_spin = self.spins["epochs"], self.spins["batch_size"]
        self.train_spin, self.val_spin = self.spins["train_size"], self.spins["val_size"]
        self.test_spin, self.seed_spin = self.spins["test_size"], self.spins["seed"]
        self.device_combo = QComboBox(self)
        self.device_combo.setObjectName("device")
        self.device_combo.setToolTip("auto: CUDA, then MPS, then CPU (only devices this machine has)")

    def _add_rows(self) -> None:
        """One labelled row per field, in the order a lecture goes through them."""
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Net", self.net_combo)
        form.addRow("Loss", self.loss_combo)
        form.addRow("Optimizer", self.opt_combo)
        form.addRow("Learning rate", self.lr_edit)
        form.addRow("Momentum", self.momentum_edit)
        for name, s in self.spins.items():
            if name not in ("early_stopping", "threads", "distributions"):
                form.addRow(_LABELS[name], s)
        form.addRow(WEIGHT_DECAY_LABEL, self.weight_decay_edit)
        form.addRow("Dropout", self.dropout_edit)
        for name, unit in (("early_stopping", " epochs"), ("distributions", " examples")):  # 0 is "off"
            form.addRow(_LABELS[name], self.spins[name])
            self.spins[name].setSpecialValueText("off")
            self.spins[name].setSuffix(unit)
        form.addRow("Device", self.device_combo)
        form.addRow(_LABELS["threads"], self.spins["threads"])
        self.spins["threads"].setSpecialValueText("automatic")

    def _connect(self) -> None:
        """Widgets write to the model on input; the model's signals redraw them."""
        model = self.model
        self._combos = {"net": self.net_combo, "loss": self.loss_combo, "optimizer": self.opt_combo,
                        "device": self.device_combo}
        for combo in self._combos.values():
            combo.currentIndexChanged.connect(self._combo_edited)
        for edit in self._texts.values():
            edit.textChanged.connect(self._text_edited)
        for s in self.spins.values():
            s.valueChanged.connect(self._spin_edited)
        model.form_changed.connect(self._show)
        model.nets_changed.connect(self._fill_nets)
        model.devices_changed.connect(self._fill_devices)
        model.state_changed.connect(self._state_changed)

    # -- model -> widgets --------------------------------------------------------------------
    @Slot()
    def _fill_nets(self) -> None:
        for name in self.model.nets():
            if self.net_combo.findData(name) < 0:
                self.net_combo.addItem(name, name)
        set_combo(self.net_combo, self.model.form["net"])

    @Slot()
    def _fill_devices(self) -> None:
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        for d in self.model.device_choices():
            self.device_combo.addItem(d, d)
        self.device_combo.blockSignals(False)
        set_combo(self.device_combo, self.model.form["device"])

    @Slot(str)
    def _show(self, name: str) -> None:
        f = self.model.form
        for key, combo in (("net", self.net_combo), ("loss", self.loss_combo),
                           ("optimizer", self.opt_combo), ("device", self.device_combo)):
            if name in ("", key):
                set_combo(combo, f[key])
        for key, edit in self._texts.items():
            if name in ("", key) and edit.text() != f[key]:
                edit.setText(f[key])
        for key, s in self.spins.items():
            if name in ("", key) and s.value() != f[key]:
                s.setValue(f[key])
        self.momentum_edit.setEnabled(self.model.momentum_used())

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        self.setEnabled(state == "idle")
        m = self.model
        entry = m.run(m.live_id) if state != "idle" and m.queue_name else None
        if entry is not None:
            self._show_settings(entry.config, m.queue_name)
        elif self._showing is not None:
            self._show_settings(None, "")

    def _show_settings(self, config: dict | None, experiment: str) -> None:
        """While an experiment's run goes, show its settings (they are the experiment's, not the
        form's); `config` None gives the form's own values back. The model's form is not touched."""
        widgets = [*self._combos.values(), *self._texts.values(), *self.spins.values()]
        for w in widgets:
            w.blockSignals(True)
        try:
            if self._showing:  # the net an experiment brings is no choice of the form
                extra = self.net_combo.findData(self._showing)
                if extra >= 0 and self._showing not in self.model.nets():
                    self.net_combo.removeItem(extra)
            self._showing = None
            if config is None:
                self.setToolTip("")
                self._show("")
                return
            net = net_label(config.get("net", ""))
            self._showing = ""
            if self.net_combo.findData(net) < 0:
                self.net_combo.addItem(net, net)
                self._showing = net
            for key, combo in self._combos.items():
                set_combo(combo, net if key == "net" else config.get(key))
            for key, edit in self._texts.items():
                edit.setText(f"{config.get(key, 0):g}")
            for key, spin in self.spins.items():
                spin.setValue(int(config.get(key, spin.value())))
            # (a tooltip, not the title: a longer title would widen the column while it runs)
            self.setToolTip(f"The settings of the experiment “{experiment}”, shown while it runs; the form's "
                            f"own values come back when it ends")
        finally:
            for w in widgets:
                w.blockSignals(False)

    # -- widgets -> model --------------------------------------------------------------------
    @Slot()
    def _combo_edited(self) -> None:
        for key, combo in self._combos.items():
            if combo is self.sender() and combo.currentData() is not None:
                self.model.set_field(key, combo.currentData())

    @Slot()
    def _text_edited(self) -> None:
        edit = self.sender()
        for key, e in self._texts.items():
            if e is edit:
                self.model.set_field(key, edit.text())

    @Slot()
    def _spin_edited(self) -> None:
        for key, s in self.spins.items():
            if s is self.sender():
                self.model.set_field(key, s.value())


class ExperimentBox(QGroupBox):
    """The course experiments: pick one, press Run all (the panel starts the queue, or with "with 3
    seeds" ticked the sweep of the experiment)."""

    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__("Course experiments", parent)
        self.model = model
        box = QVBoxLayout(self)
        # one line where the column is wide enough (so the Start button below stays on a
        # 1280×800 screen), two in lecture mode's large type: the box never widens the column
        row = QWidget(self)
        ev = FlowLayout(row)
        box.addWidget(row)
        self.combo = QComboBox(self)
        self.combo.setObjectName("experiment")
        for name in EXPERIMENTS:  # the name in the box, what it varies on the line under it
            self.combo.addItem(name, name)
            self.combo.setItemData(self.combo.count() - 1, experiment_caption(name, detail=True),
                                   Qt.ItemDataRole.ToolTipRole)
        # as wide as its longest name ("learning rates", "loss functions") at any type size, and
        # wider where its line has room
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.caption = QLabel(self)
        self.caption.setObjectName("experiment_values")
        self.caption.setWordWrap(True)  # the overfitting line is long: it wraps, the form stays narrow
        self.run_button = QPushButton("Run all", self)
        self.run_button.setToolTip("Queue one run per value (the rest from the form) and run them "
                                   "one after another, overlaid; with 3 seeds: run them as a sweep")
        self.seeds_check = QCheckBox("with 3 seeds", self)
        self.seeds_check.setObjectName("experiment_seeds")
        self.seeds_check.setToolTip(
            "Run each value with seeds 0, 1 and 2 at once, as a sweep on this machine (one worker process "
            "per CPU core, or per GPU), into a new sweep folder in the runs folder; the Sweep view then "
            "plots the final accuracy with its spread over the seeds")
        ev.addWidget(self.combo)
        ev.addWidget(self.seeds_check)
        ev.addWidget(self.run_button)
        box.addWidget(self.caption)
        set_combo(self.combo, model.options["experiment"])
        self._show_caption()
        self.seeds_check.setChecked(bool(model.options["experiment_seeds"]))
        self.combo.currentIndexChanged.connect(self._edited)
        self.seeds_check.toggled.connect(self._seeds_edited)
        model.options_changed.connect(self._option_changed)
        model.state_changed.connect(self._state_changed)

    @Slot()
    def _edited(self) -> None:
        self.model.set_option("experiment", self.combo.currentData())
        self._show_caption()

    def _show_caption(self) -> None:
        name = self.combo.currentData()
        self.caption.setText(experiment_caption(name).split(": ", 1)[-1] if name in EXPERIMENTS else "")
        self.caption.setToolTip(experiment_caption(name, detail=True) if name in EXPERIMENTS else "")

    @Slot(bool)
    def _seeds_edited(self, on: bool) -> None:
        self.model.set_option("experiment_seeds", bool(on))

    @Slot(str)
    def _option_changed(self, name: str) -> None:
        if name == "experiment":
            set_combo(self.combo, self.model.options["experiment"])
            self._show_caption()
        elif name == "experiment_seeds" and self.seeds_check.isChecked() != self.model.options[name]:
            self.seeds_check.setChecked(bool(self.model.options[name]))

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        self.run_button.setEnabled(state == "idle")
        self.seeds_check.setEnabled(state == "idle")
