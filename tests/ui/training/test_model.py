"""The Training model on its own: no widget, no worker thread, no display needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from visualizer.core.devices import DeviceReport
from visualizer.core.errors import UserInputError
from visualizer.core.runs import RunRecord
from visualizer.core.training import TrainConfig
from visualizer.core.experiments import EXPERIMENTS
from visualizer.ui.training.model import FORM_DEFAULTS, TrainingModel
from visualizer.ui.training.run_entry import RunEntry


def arch(name: str, layers: list[dict], input_shape=(1, 28, 28)) -> dict:
    return {"schema": "convviz.architecture", "version": 1, "name": name,
            "input_shape": list(input_shape), "layers": layers}


@pytest.fixture
def model(tmp_path) -> TrainingModel:
    return TrainingModel(runs_dir=tmp_path / "runs")


def recorder(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args))
    return seen


# -- the form --------------------------------------------------------------------------------
def test_form_starts_with_the_course_defaults_and_validates(model):
    assert model.form == FORM_DEFAULTS
    c = model.config()
    assert (c.net, c.loss, c.optimizer, c.lr, c.momentum, c.epochs, c.batch_size) == \
        ("mnist-net1", "ce", "sgdm", 0.01, 0.5, 8, 128)
    changed = recorder(model.form_changed)
    assert model.set_field("lr", "1e-3") and model.config().lr == 0.001
    assert model.set_field("momentum", "0,9")  # kept as typed; Start explains (one number rule: a point)
    with pytest.raises(UserInputError, match=r"Momentum: “0,9” is not a number \(write a decimal point: 0.9\)"):
        model.config()
    assert model.set_field("momentum", "−0.5/−1") and model.config().momentum == 0.5  # − and 1/9 are numbers
    assert changed == [("lr",), ("momentum",), ("momentum",)]
    model.set_field("lr", "1e-3")  # no change, no signal
    assert len(changed) == 3


def test_whole_numbers_are_kept_in_range_and_odd_values_refused(model):
    assert model.set_field("epochs", 5000) and model.form["epochs"] == 1000
    assert model.set_field("val_size", -3) and model.form["val_size"] == 0
    assert not model.set_field("epochs", "x") and not model.set_field("seed", True)
    assert not model.set_field("loss", "hinge") and not model.set_field("net", "resnet")
    assert model.form["loss"] == "ce" and model.form["net"] == "mnist-net1"
    with pytest.raises(KeyError):
        model.set_field("colour", 1)


@pytest.mark.parametrize("name, value, message", [
    ("lr", "abc", "Learning rate: “abc” is not a number"),
    ("lr", "-0.1", "learning rate must be greater than 0"),
    ("lr", "inf", "Learning rate: must be a finite number"),
    ("momentum", "1.5", "momentum must be at least 0 and below 1"),
])
def test_bad_numbers_are_explained(model, name, value, message):
    model.set_field(name, value)
    with pytest.raises(UserInputError, match=message):
        model.config()


def test_split_sizes_that_do_not_fit(model):
    model.set_field("train_size", 55_000)
    with pytest.raises(UserInputError, match="does not fit in the 60,000"):
        model.config()


def test_momentum_matters_only_for_sgd_with_momentum(model):
    assert model.momentum_used()
    model.set_field("optimizer", "adam")
    assert not model.momentum_used()


# -- devices ---------------------------------------------------------------------------------
def test_devices_wait_for_the_probe(model):
    assert model.device_choices() == ["auto", "cpu"]
    assert model.device_text == "Device: checking… (auto)"
    assert not model.set_field("device", "cuda")  # not known yet: remembered, not set
    assert model.form["device"] == "auto"
    model.set_device_report(DeviceReport(cuda=True, cuda_devices=("GPU",), cuda_build="12.4"))
    assert model.device_choices() == ["auto", "cpu", "cuda"]
    assert model.form["device"] == "cuda"  # what the settings/session asked for, now that it exists
    assert model.device_text == "Device: cuda"
    model.set_field("device", "auto")
    assert model.device_text == "Device: cuda (auto)"


def test_several_gpus_are_offered_by_name(model):
    model.set_device_report(DeviceReport(cuda=True, cuda_devices=("GPU a", "GPU b"), cuda_build="12.4"))
    assert model.device_choices() == ["auto", "cpu", "cuda", "cuda:0", "cuda:1"]
    assert model.set_field("device", "cuda:1") and model.config().device == "cuda:1"
    assert not model.set_field("device", "cuda:2") and not model.set_field("device", "cuda:x")
    assert model.form["device"] == "cuda:1"


def test_a_machine_without_gpu_keeps_auto(model):
    model.set_field("device", "cuda")
    model.set_device_report(DeviceReport(cuda_build=None))
    assert model.device_choices() == ["auto", "cpu"] and model.form["device"] == "auto"
    assert model.device_text == "Device: cpu (auto)"
    assert not model.set_field("device", "mps")


# -- architectures from Shapes ---------------------------------------------------------------
def test_hand_over_of_architectures(model):
    nets = recorder(model.nets_changed)
    dense = arch("tiny", [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}])
    assert model.use_architecture(dense)
    assert model.form["net"] == "tiny (from Shapes)" and model.nets()[-1] == "tiny (from Shapes)"
    assert model.config().net == dense
    # fully convolutional: 10 channels of 1×1 at the end, which the engine flattens
    fcn = arch("fcn", [{"type": "Conv2d", "out_channels": 10, "kernel_size": 28}])
    assert model.use_architecture(fcn) and model.form["net"] == "fcn (from Shapes)"
    assert len(nets) == 2
    # refused, with the reason, and the net stays as it was
    assert not model.use_architecture(arch("rgb", [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}],
                                           (3, 32, 32)))
    assert "1×28×28" in model.message and model.form["net"] == "fcn (from Shapes)"
    assert not model.use_architecture(arch("twelve", [{"type": "Flatten"}, {"type": "Linear", "out_features": 12}]))
    assert "10 outputs" in model.message
    assert not model.use_architecture("not a document")


# -- runs ------------------------------------------------------------------------------------
def saved_run(folder: Path, run_id: str) -> RunRecord:
    return RunRecord(run_id, folder / run_id, {"net": "mnist-net1", "epochs": 1, "train_size": 100},
                     {"status": "completed", "test_accuracy": 0.9},
                     history=[{"examples_seen": 50}, {"examples_seen": 100}], epochs=[{"epoch": 1}])


def test_adding_and_ticking_runs(model, tmp_path):
    added, ticked = recorder(model.run_added), recorder(model.run_ticked)
    rec = saved_run(tmp_path, "a")
    model.add_run(RunEntry("a", rec.folder, rec.config, model.next_color(), final=rec.final,
                           status="completed", saved=rec))
    model.add_run(RunEntry("b", None, {"net": "mnist-net2"}, model.next_color()))
    assert added == [("a",), ("b",)] and model.runs[0].color != model.runs[1].color
    assert model.run("a").history == []  # records are read when the run is ticked
    model.set_ticked("a", True)
    assert model.run("a").ticked and len(model.run("a").history) == 2 and model.ticked_ids() == ["a"]
    model.tick_all(True)
    assert model.ticked_ids() == ["a", "b"]
    model.tick_all(False)
    assert model.ticked_ids() == [] and ticked == [("a", True), ("b", True), ("a", False), ("b", False)]
    selected = recorder(model.selection_changed)
    model.select("b")
    model.select("b")
    assert selected == [("b",)] and model.selected == "b"
    model.remove_run("b")
    assert model.run("b") is None and model.selected == ""


def test_experiment_queue_runs_in_order(model, tmp_path):
    model.set_field("epochs", 2)
    configs = model.experiment_configs("learning rates")
    assert [c.lr for c in configs] == list(EXPERIMENTS["learning rates"][1])
    assert all(c.epochs == 2 for c in configs)
    model.set_queue("learning rates", configs[1:])
    states = recorder(model.state_changed)
    done = []
    config: TrainConfig | None = configs[0]
    while config is not None:
        run_id = f"run{len(done)}"
        model.begin_run(run_id, tmp_path / run_id, config)
        assert model.queue_text == f"Experiment “learning rates”: run {len(done) + 1} of 3"
        model.train_began({"device": "cpu"})
        model.record_batch({"examples_seen": 10, "train_loss": 1.0})
        model.record_epoch({"epoch": 1, "train_accuracy": 0.5, "val_accuracy": 0.4})
        model.finish_run({"final": {"status": "completed", "test_accuracy": 0.5}, "history": [{}], "epochs": [{}]})
        done.append(model.run(run_id).config["lr"])
        config = model.end_run()
    assert done == [0.1, 0.01, 0.0001]
    assert model.queue_text == "Experiment “learning rates”: all runs done."
    assert states[:3] == [("loading",), ("training",), ("idle",)] and model.state == "idle"
    assert model.ticked_ids() == ["run0", "run1", "run2"]  # overlaid
    assert model.last_device == "cpu" and "last run used cpu" in model.device_text


def test_stopping_drops_the_queue(model, tmp_path):
    configs = model.experiment_configs("loss functions")
    model.set_queue("loss functions", configs[1:])
    model.begin_run("r", tmp_path / "r", configs[0])
    model.set_paused(True)
    assert model.state == "paused" and "Paused" in model.progress_text
    model.set_stopping()
    assert model.state == "stopping" and model.queue == []
    assert model.end_run() is None and model.queue_text.endswith("stopped.")


def test_a_run_that_failed_before_training_leaves_nothing(model, tmp_path):
    folder = tmp_path / "runs" / "r"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    model.begin_run("r", folder, TrainConfig())
    model.fail_run("MNIST not found")
    assert model.run("r") is None and not folder.exists() and model.message == "MNIST not found"


# -- the saved session -----------------------------------------------------------------------
def test_to_dict_from_dict_round_trip(model, tmp_path):
    model.use_architecture(arch("fcn", [{"type": "Conv2d", "out_channels": 10, "kernel_size": 28}]))
    model.set_field("optimizer", "adam")
    model.set_field("lr", "0.001")
    model.set_field("seed", 7)
    model.set_option("smoothing", True)
    model.set_log_axis("loss", True)
    model.set_option("experiment", "architectures")
    state = json.loads(json.dumps(model.to_dict()))
    other = TrainingModel(runs_dir=tmp_path / "runs")
    other.from_dict(state)
    assert other.to_dict() == state
    assert other.form["net"] == "fcn (from Shapes)" and other.options["log_axes"]["loss"]


def test_reads_what_the_old_panel_saved(model, tmp_path):
    rec = saved_run(tmp_path, "old-run")
    model.add_run(RunEntry("old-run", rec.folder, rec.config, model.next_color(), saved=rec))
    old = {  # TrainingPanel.save_state before the model existed
        "net": "mnist-net2", "loss": "l2", "optimizer": "sgd", "lr": "0.1", "momentum": "0.5",
        "epochs": 3, "batch_size": 64, "train_size": 1000, "val_size": 200, "test_size": 200, "seed": 4,
        "device": "cuda", "data_dir": str(tmp_path / "mnist"), "shown_runs": ["old-run", "gone"],
        "smoothing": True, "smoothing_weight": 80,
        "log_axes": {"loss": True, "accuracy": False, "examples": True, "epoch": False},
        "keep_overlays": True, "experiment": "loss functions", "unknown": [1],
    }
    model.from_dict(old)
    assert model.config().to_dict()["loss"] == "l2" and model.form["epochs"] == 3 and model.form["seed"] == 4
    assert model.mnist.chosen_dir == str(tmp_path / "mnist") and "MNIST not found" in model.mnist.text
    assert model.ticked_ids() == ["old-run"]
    assert model.options["smoothing_weight"] == 80 and "keep_overlays" not in model.options
    assert "keep_overlays" not in model.to_dict()  # the old key is read, never written again
    assert model.options["experiment"] == "loss functions"
    assert model.form["device"] == "auto"  # cuda is taken once the probe says it exists
    model.set_device_report(DeviceReport(cuda=True, cuda_devices=("GPU",), cuda_build="12.4"))
    assert model.form["device"] == "cuda"
    model.from_dict({"lr": 5, "epochs": "x", "net": {"name": "broken"}, "log_axes": "no"})  # odd values
    assert model.form["lr"] == "5" and model.form["epochs"] == 3 and model.form["net"] == "mnist-net2"
