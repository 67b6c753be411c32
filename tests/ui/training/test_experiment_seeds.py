"""Course experiments "with 3 seeds": ticked in a fresh main window, Run all runs the experiment as
a sweep of worker processes (seeds 0, 1, 2) into a new sweep folder in the runs folder; its runs
join the table grouped by the sweep and the Sweep plot shows sweep.csv's numbers. Stop and closing
the window stop the workers (runs "stopped", files written). Runs are tiny synthetic digits, handed
to the worker processes through the tab's data override."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSpinBox

from tests.helpers.gui import answer_quit_question, launch_main_window
from visualizer.core.mnist import synthetic_mnist
from visualizer.ui.shell.settings import save_settings
from visualizer.ui.training.model import TrainingModel

RUN_FILES = ("config.json", "metrics.json", "history.csv", "model.pt", "results.npz")


def type_into(qtbot, widget, text: str) -> None:
    edit = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
    edit.selectAll()
    qtbot.keyClicks(widget, text)


def training_tab(qtbot, tmp_path, runs_dir=None):
    save_settings({"runs_dir": str(runs_dir or tmp_path / "runs"), "mnist_dir": str(tmp_path / "mnist")})
    w = launch_main_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    panel = w.tabs.currentWidget()
    assert panel.title == "Training"
    return w, panel


def tiny_form(qtbot, panel, epochs="1", train="64", lr=None) -> None:
    panel.data_override = synthetic_mnist(int(train), 32, 32)
    fields = [(panel.form.epochs_spin, epochs), (panel.form.batch_spin, "32"), (panel.form.train_spin, train),
              (panel.form.val_spin, "32"), (panel.form.test_spin, "32")]
    if lr is not None:
        fields.append((panel.form.lr_edit, lr))
    for widget, text in fields:
        type_into(qtbot, widget, text)
    box = panel.experiments.seeds_check  # a click on its box (the widget is wider than its words)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert panel.experiments.seeds_check.isChecked() and panel.model.options["experiment_seeds"] is True


def sweep_folders(runs: Path) -> list[Path]:
    return sorted(p for p in runs.iterdir() if p.is_dir() and p.name.startswith("sweep-")) if runs.is_dir() else []


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def table_ids(panel) -> list[str]:
    m = panel.runs.table_model
    return [m.data(m.index(i, 0)) for i in range(m.rowCount())]


def test_learning_rates_with_3_seeds_run_as_a_sweep(qtbot, fresh_settings, tmp_path):
    w, panel = training_tab(qtbot, tmp_path)
    tiny_form(qtbot, panel)
    assert panel.experiments.combo.currentData() == "learning rates"
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)

    # running: the single run and Run all wait, Stop is there, Pause is not (workers stop, not pause)
    assert panel.is_running() and panel.sweep_job.is_running()
    assert not panel.controls.start_button.isEnabled() and not panel.experiments.run_button.isEnabled()
    assert not panel.controls.pause_button.isEnabled() and panel.controls.stop_button.isEnabled()
    assert not panel.experiments.seeds_check.isEnabled()
    assert panel.view_tabs.currentWidget() is panel.sweep_plot
    assert panel.controls.queue_label.text() == "Sweep: “learning rates” × 3 seeds"
    # the GUI answers while the pool works: the progress text follows the runs
    qtbot.waitUntil(lambda: "running, " in panel.controls.progress_label.text() and " left · " in panel.controls.progress_label.text(),
                    timeout=30_000)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)

    [out] = sweep_folders(tmp_path / "runs")
    assert out.name.startswith("sweep-learning-rates-")
    names = {f"lr{v}_seed{s}" for v in ("0.1", "0.01", "0.0001") for s in (0, 1, 2)}
    assert {p.name for p in out.iterdir() if p.is_dir()} == names
    for name in names:
        for f in RUN_FILES:
            assert (out / name / f).is_file(), (name, f)
    rows = read_csv(out / "sweep.csv")
    assert len(rows) == 9 and {r["status"] for r in rows} == {"completed"}
    assert {(r["lr"], r["seed"]) for r in rows} == {(v, str(s)) for v in ("0.1", "0.01", "0.0001") for s in (0, 1, 2)}
    for r in rows:  # each run's seed and learning rate, the rest from the form
        config = json.loads((out / r["folder"] / "config.json").read_text())
        assert (config["lr"], config["seed"]) == (float(r["lr"]), int(r["seed"]))
        assert (config["epochs"], config["train_size"]) == (1, 64)
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["backend"] == "local" and doc["grid"] == {"lr": [0.1, 0.01, 0.0001]} and doc["seeds"] == [0, 1, 2]
    assert doc["fixed"]["device"] == panel.model.form["device"]  # the form's device, for every run
    from visualizer.core.sweep import default_workers

    assert doc["workers"] == min(9, default_workers({"auto"}, None)[0])  # the local backend's default pool

    # the runs are in the table, grouped by the sweep (SWEEP/RUN), with their status
    ids = table_ids(panel)
    assert sorted(i for i in ids if i.startswith(out.name + "/")) == sorted(f"{out.name}/{r['folder']}" for r in rows)
    from visualizer.core.run_table import COLUMNS

    status = COLUMNS.index("Status")
    m = panel.runs.table_model
    assert {m.data(m.index(i, status)) for i in range(m.rowCount())} == {"completed"}
    assert "9 completed" in panel.controls.progress_label.text() and "best test accuracy" in panel.controls.progress_label.text()
    assert "all runs done" in panel.controls.queue_label.text()
    assert panel.controls.start_button.isEnabled() and panel.experiments.run_button.isEnabled()

    # the Sweep plot: test accuracy against lr on a log axis, its points those of sweep.csv
    view = panel.sweep_plot
    assert panel.view_tabs.currentWidget() is view
    assert view.x_combo.currentText() == "lr" and "log axis" in view.hint.text()
    [line] = view.drawn
    expected = sorted((float(r["lr"]), 100 * float(r["test_accuracy"])) for r in rows)
    assert np.allclose(sorted(line["points"]), expected)
    for x, mean, spread in zip(line["xs"], line["means"], line["spreads"]):
        ys = [100 * float(r["test_accuracy"]) for r in rows if float(r["lr"]) == x]
        assert mean == pytest.approx(np.mean(ys)) and spread == pytest.approx(np.std(ys, ddof=1))
    from pyqtgraph import ScatterPlotItem

    scatters = [i for i in view.plot.getPlotItem().items if isinstance(i, ScatterPlotItem)]
    drawn = sorted((round(p.pos().x(), 9), round(p.pos().y(), 9)) for s in scatters for p in s.points())
    assert drawn == sorted((round(math.log10(x), 9), round(y, 9)) for x, y in line["points"])
    w.close()
    assert not panel.sweep_job.is_running()


def wait_for_training(qtbot, tmp_path) -> Path:
    """The sweep folder, once a worker has trained and saved part of a run."""
    found: list[Path] = []

    def saving() -> bool:
        for out in sweep_folders(tmp_path / "runs"):
            if any((p / "history.csv").is_file() for p in out.iterdir() if p.is_dir()):
                found.append(out)
                return True
        return False

    qtbot.waitUntil(saving, timeout=30_000)
    return found[0]


def test_stop_ends_the_sweep_cleanly(qtbot, fresh_settings, tmp_path):
    w, panel = training_tab(qtbot, tmp_path)
    tiny_form(qtbot, panel, epochs="1000", train="256")  # long runs: Stop comes mid-run
    panel.sweep_job.workers = 1  # one worker process to start (the test's two cores are shared)
    panel.experiments.combo.setCurrentIndex(panel.experiments.combo.findData("loss functions"))
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    out = wait_for_training(qtbot, tmp_path)
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    assert panel.model.state == "stopping" and not panel.controls.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=20_000)

    rows = read_csv(out / "sweep.csv")
    assert len(rows) == 6 and {r["status"] for r in rows} <= {"stopped", "pending"}
    stopped = [r for r in rows if r["status"] == "stopped"]
    assert stopped  # the running runs ended after their batch, their files written
    for r in stopped:
        metrics = json.loads((out / r["folder"] / "metrics.json").read_text())
        assert metrics["final"]["status"] == "stopped"
        assert (out / r["folder"] / "model.pt").is_file()
        assert not (out / r["folder"] / ".convviz-run.lock").exists()
    assert not (out / ".convviz-run.lock").exists()
    ids = table_ids(panel)
    assert {f"{out.name}/{r['folder']}" for r in stopped} <= set(ids)
    assert "stopped" in panel.controls.queue_label.text() and panel.controls.start_button.isEnabled()
    w.close()


def test_closing_the_window_mid_sweep_stops_the_workers(qtbot, fresh_settings, tmp_path):
    w, panel = training_tab(qtbot, tmp_path)
    tiny_form(qtbot, panel, epochs="1000", train="256")
    panel.sweep_job.workers = 1
    panel.experiments.combo.setCurrentIndex(panel.experiments.combo.findData("architectures"))
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    out = wait_for_training(qtbot, tmp_path)
    thread = panel.sweep_job.thread
    w.close()  # asks first; Stop and quit says "Stopping…" at once and closes once all is saved
    answer_quit_question(qtbot, w, "Stop and quit")
    assert w.statusBar().currentMessage().startswith("Stopping…") and panel.model.state == "stopping"
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=30_000)
    assert not thread.isRunning()
    rows = read_csv(out / "sweep.csv")
    assert {r["status"] for r in rows} <= {"stopped", "pending"} and any(r["status"] == "stopped" for r in rows)
    for r in rows:  # the stopped runs are evaluated on the test set, as the CLI's
        if r["status"] == "stopped":
            final = json.loads((out / r["folder"] / "metrics.json").read_text())["final"]
            assert final["test_accuracy"] is not None and (out / r["folder"] / "model.pt").is_file()
    import multiprocessing

    assert not [p for p in multiprocessing.active_children() if p.name.startswith("convviz sweep worker")]


def test_bad_form_values_and_an_unwritable_runs_folder_are_explained(qtbot, fresh_settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the runs folder should be")
    w, panel = training_tab(qtbot, tmp_path, runs_dir=blocker)
    tiny_form(qtbot, panel, lr="abc")
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    # the single run's sentence, for the same value
    assert panel.controls.message_label.text() == "Learning rate: “abc” is not a number."
    assert not panel.is_running()
    type_into(qtbot, panel.form.lr_edit, "0.01")
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    text = panel.controls.message_label.text()
    assert text.startswith("Cannot create the sweep folder: the runs folder") and str(blocker) in text
    assert "is a file, not a folder" in text
    assert not panel.is_running() and panel.experiments.run_button.isEnabled()
    # a restored session sets the box as it was saved
    panel.restore_state({"experiment_seeds": False})
    assert not panel.experiments.seeds_check.isChecked()
    w.close()


def test_no_mnist_says_how_to_get_it(qtbot, fresh_settings, tmp_path):
    w, panel = training_tab(qtbot, tmp_path)
    tiny_form(qtbot, panel)
    panel.data_override = None  # nothing in tmp_path/mnist
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    assert panel.controls.message_label.text().startswith("MNIST not found.")
    assert not panel.is_running() and sweep_folders(tmp_path / "runs") == []
    w.close()


def test_the_seeds_choice_is_saved_in_the_session(tmp_path):
    model = TrainingModel(runs_dir=tmp_path / "runs")
    assert model.to_dict()["experiment_seeds"] is False
    model.set_option("experiment_seeds", True)
    state = model.to_dict()
    assert state["experiment_seeds"] is True
    other = TrainingModel(runs_dir=tmp_path / "runs")
    other.from_dict(json.loads(json.dumps(state)))
    assert other.options["experiment_seeds"] is True
    # a session saved before the choice existed, or an odd value, leaves it off
    for old in ({}, {"experiment_seeds": "yes"}, {"experiment_seeds": 1}):
        fresh = TrainingModel(runs_dir=tmp_path / "runs")
        fresh.from_dict(old)
        assert fresh.options["experiment_seeds"] is False


def test_every_course_experiment_has_a_sweep_plan(tmp_path):
    """Each value × seeds 0, 1, 2; overfitting varies whole settings, named by their labels."""
    from visualizer.core.experiments import EXPERIMENTS
    from visualizer.ui.training.sweep_job import experiment_sweep_plan

    model = TrainingModel(runs_dir=tmp_path / "runs")
    model.set_field("seed", 7)  # the form's seed gives way to 0, 1, 2
    for name, (field_name, values) in EXPERIMENTS.items():
        plan = experiment_sweep_plan(model, name)
        assert len(plan.runs) == 3 * len(values) and plan.seeds == [0, 1, 2]
        assert sorted({r.seed for r in plan.runs}) == [0, 1, 2]
        if field_name:
            assert plan.grid == {field_name: list(values)}
            assert all(r.config[field_name] == r.settings[field_name] for r in plan.runs)
    plan = experiment_sweep_plan(model, "overfitting")
    labels = ["plain", "wd0.01", "dropout0.5", "early-stop", "4x-data"]
    assert plan.grid == {"overfit": labels}
    by_label = {r.settings["overfit"]: r.config for r in plan.runs if r.seed == 0}
    assert by_label["plain"]["weight_decay"] == 0 and by_label["plain"]["early_stopping"] == 0
    assert by_label["wd0.01"]["weight_decay"] == 0.01 and by_label["dropout0.5"]["dropout"] == 0.5
    assert by_label["early-stop"]["early_stopping"] == 5
    assert [by_label[k]["train_size"] for k in labels] == [500, 500, 500, 500, 2000]
    assert all(c["epochs"] == 40 for c in by_label.values())
    assert plan.fixed["epochs"] == 40 and "weight_decay" not in plan.fixed and "train_size" not in plan.fixed
    assert [r.name for r in plan.runs][:2] == ["overfit-plain_seed0", "overfit-plain_seed1"]


def test_the_sweep_state_drives_the_run_box(tmp_path):
    """SweepRunState (no widget): running state, progress, a failed run's message, the end."""
    model = TrainingModel(runs_dir=tmp_path / "runs")
    s = model.sweep_run
    states: list[str] = []
    model.state_changed.connect(states.append)
    folder = tmp_path / "runs" / "sweep-learning-rates-x"
    folder.mkdir(parents=True)
    s.begin("learning rates", folder, 9, "cpu")
    assert model.running() and s.active and model.queue_text == "Sweep: “learning rates” × 3 seeds"
    best = "best test accuracy 90.00% (lr0.1_seed0)"
    s.progress({"done": 3, "running": 2, "left": 4, "best": best})
    assert model.progress == pytest.approx(3 / 9) and model.progress_text == f"3 done, 2 running, 4 left · {best}"
    model.set_stopping()
    s.progress({"done": 4, "running": 1, "left": 4, "best": best})
    assert model.progress_text.startswith("Stopping… 4 done, 1 running")
    s.summary({"counts": {"completed": 3, "stopped": 2, "failed": 1, "pending": 3},
               "bad": ["lr0.1_seed2", "the worker process died (exit status 1)"]})
    assert model.progress_text == f"9 runs: 3 completed, 2 stopped, 1 failed, 3 pending · {best}"
    assert "1 run(s) of the sweep diverged or failed (the others went on)" in model.message
    assert "lr0.1_seed2: the worker process died (exit status 1)" in model.message
    s.end()
    assert not model.running() and not s.active and states == ["training", "stopping", "idle"]
    assert model.queue_text.endswith("stopped.")
    assert not folder.exists()  # nothing was written in it: no empty sweep folder is left
    # a sweep that fails as a whole (a disk error writing sweep.csv) says so
    s.begin("loss functions", folder, 6, "cpu")
    s.failed("The sweep failed: OSError: [Errno 28] No space left on device")
    s.end()
    assert model.queue_text.endswith("failed.") and "No space left" in model.message and not model.running()


def test_a_sweep_task_trains_on_the_data_it_carries_and_a_crash_is_its_outcome(tmp_path):
    """The data override reaches the worker with the task; a run that fails says why and never raises."""
    from visualizer.core import sweep
    from visualizer.core.training import TrainConfig

    cfg = TrainConfig(epochs=1, batch_size=32, train_size=64, val_size=32, test_size=32, device="cpu",
                      data_dir=str(tmp_path / "no-mnist-here"))
    task = {"name": "seed0", "folder": str(tmp_path / "seed0"), "config": cfg.to_dict(), "threads": 0,
            "data": synthetic_mnist(64, 32, 32)}
    outcome = sweep.run_one(task)
    assert outcome["status"] == "completed" and (tmp_path / "seed0" / "model.pt").is_file()
    broken = synthetic_mnist(64, 32, 32)
    broken.train_images = broken.train_images[:, :5]  # not 28×28
    outcome = sweep.run_one({**task, "name": "seed1", "folder": str(tmp_path / "seed1"), "data": broken})
    assert outcome["status"] == "failed" and outcome["reason"]


def test_sweep_folders_are_new_and_a_refused_runs_folder_is_explained(tmp_path, monkeypatch):
    from datetime import datetime

    from visualizer.core.errors import UserInputError
    from visualizer.ui.training.sweep_job import new_sweep_folder

    when = datetime(2026, 11, 30, 13, 5, 0)
    runs = tmp_path / "runs"
    first = new_sweep_folder(runs, "learning rates", when)
    assert first.name == "sweep-learning-rates-2026-11-30_130500" and first.is_dir()
    (first / "keep.txt").write_text("x")
    second = new_sweep_folder(runs, "learning rates", when)  # same second: a new folder, the first untouched
    assert second.name == "sweep-learning-rates-2026-11-30_130500-2" and (first / "keep.txt").is_file()

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)  # a runs folder this user may not write to
    with pytest.raises(UserInputError, match=r"Cannot create the sweep folder in the runs folder .*: "
                                             r"Permission denied\. Choose a runs folder you can write to"):
        new_sweep_folder(runs, "loss functions", when)
