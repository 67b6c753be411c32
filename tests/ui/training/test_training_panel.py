"""The training tab driven as a user would: form, Start/Pause/Stop, live curves, runs, exports.

Runs are tiny (a few hundred synthetic digits, or 1,000 real MNIST images for one epoch) and every
test keeps its runs folder in tmp_path.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLineEdit

from tests.helpers.gui import answer_quit_question, make_panel, wait_done
from tests.helpers.pages import TrainingPage
from visualizer.core.mnist import MnistSplits, synthetic_mnist
from visualizer.core.run_table import COLUMNS
from visualizer.core.experiments import EXPERIMENTS
from visualizer.ui.training.panel import TrainingPanel



def shown_points(panel, run_id, plot="loss_examples", series="train_raw") -> int:
    panel.plots.refresh()
    return len(panel.plots.curve_data(run_id, plot, series)[0])


def live_run_id(panel) -> str:
    return panel.runs.table_model.entries[-1].run_id


@pytest.mark.mnist
def test_start_on_real_mnist_fills_curves_table_and_results(qtbot, tmp_path, mnist_dir):
    panel = make_panel(qtbot, tmp_path, train=1000, val=200, test=200)
    panel.set_data_folder(mnist_dir)
    assert str(mnist_dir) in panel.data_box.label.text()
    TrainingPage(panel).start(qtbot)
    assert panel.is_running() and not panel.controls.start_button.isEnabled()
    wait_done(qtbot, panel)

    entry = panel.runs.table_model.entries[-1]
    assert entry.status == "completed", panel.controls.message_label.text()
    rid = entry.run_id
    x, y = panel.plots.curve_data(rid, "loss_examples", "train_raw")
    assert len(x) >= 1 and x[-1] == 1000 and np.all(np.diff(x) > 0) and np.all(np.isfinite(y))
    ex, acc = panel.plots.curve_data(rid, "acc_epoch", "val")
    assert list(ex) == [1.0] and 0 <= acc[0] <= 100
    assert acc[0] == pytest.approx(100 * entry.final["val_accuracy"])
    # the results table shows the final accuracies (one row per run)
    m = panel.runs.table_model
    row = [m.data(m.index(0, c)) for c in range(m.columnCount())]
    assert row[0] == rid and row[1] == "mnist-net1" and row[-1] == "completed"
    assert row[COLUMNS.index("Test acc.")] == f"{100 * entry.final['test_accuracy']:.2f} %"
    assert entry.final["test_accuracy"] > 0.5  # 1,000 real digits, one epoch: far above chance
    # after the run: confusion matrix of the 200 test digits, the mistakes, the first-layer filters
    conf = panel.results_view.confusion.matrix
    assert conf.shape == (10, 10) and conf.sum() == 200
    assert np.trace(conf) / 200 == pytest.approx(entry.final["test_accuracy"])
    n_wrong = 200 - int(np.trace(conf))
    assert len(panel.results_view.misclassified.captions) == min(n_wrong, 64)
    assert len(panel.results_view.filters.captions) > 0
    assert "Device in use" in panel.controls.device_label.text() or "last run used cpu" in panel.controls.device_label.text()
    # saved as it went, in the runs folder
    metrics = json.loads((tmp_path / "runs" / rid / "metrics.json").read_text())
    assert metrics["final"]["status"] == "completed"


def test_synthetic_run_exports_and_is_listed_again(qtbot, tmp_path):
    data = synthetic_mnist(512, 128, 128)
    panel = make_panel(qtbot, tmp_path, data=data, epochs=2, train=512, val=128, test=128)
    panel.form.lr_edit.clear()
    qtbot.keyClicks(panel.form.lr_edit, "0.05")
    TrainingPage(panel).start(qtbot)
    wait_done(qtbot, panel)
    entry = panel.runs.table_model.entries[-1]
    assert entry.status == "completed", panel.controls.message_label.text()
    assert entry.config["lr"] == 0.05
    assert shown_points(panel, entry.run_id, "acc_epoch", "train") == 2
    assert "Completed" in panel.controls.progress_label.text() and panel.controls.progress.value() == 1000

    # exports: table as CSV / Markdown / LaTeX, plots as PNG / SVG
    panel.export_table(tmp_path / "t.csv")
    rows = list(csv.DictReader((tmp_path / "t.csv").open()))
    assert rows[0]["run"] == entry.run_id
    assert float(rows[0]["test_accuracy"]) == pytest.approx(entry.final["test_accuracy"])
    panel.export_table(tmp_path / "t.md")
    md = (tmp_path / "t.md").read_text().splitlines()
    assert md[0].startswith("| Run | Net |") and entry.run_id in md[2]
    panel.export_table(tmp_path / "t.tex")
    tex = (tmp_path / "t.tex").read_text()
    assert r"\begin{tabular}" in tex and entry.run_id.replace("_", r"\_") in tex and r"\%" in tex
    panel.export_plots(tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    panel.export_plots(tmp_path / "p.svg")
    assert b"<svg" in (tmp_path / "p.svg").read_bytes()[:2000]
    from visualizer.core.errors import UserInputError

    with pytest.raises(UserInputError):
        panel.export_table(tmp_path / "t.docx")

    # a new session lists the run again, and ticking it brings its curves back from disk
    again = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(again)
    listed = again.runs.table_model.entry(entry.run_id)
    assert listed is not None and listed.status == "completed"
    again.runs.table_model.set_shown(entry.run_id, True)
    assert shown_points(again, entry.run_id, "acc_epoch", "train") == 2
    again.select_run(entry.run_id)
    assert again.results_view.confusion.matrix.sum() == 128  # from the saved results.npz
    again.show()
    qtbot.waitExposed(again)
    rect = again.runs.table.visualRect(again.runs.table_model.index(0, 3))
    qtbot.mouseClick(again.runs.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(again.runs.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert again.view_tabs.currentWidget() is again.results_view

    # unticking in the table (as the view's check box does) hides the curves
    m = again.runs.table_model
    row = m.index_of(entry.run_id)
    m.setData(m.index(row, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert m.data(m.index(row, 0), Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert not again.plots.runs[entry.run_id].items[("acc_epoch", "train")].isVisible()
    # deleting a run removes its row and its folder
    again.delete_runs([entry.run_id])
    assert m.rowCount() == 0 and not (tmp_path / "runs" / entry.run_id).exists()


def test_stop_mid_run(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(4096, 128, 128), epochs=200,
                       train=4096, val=128, test=128)
    TrainingPage(panel).start(qtbot)
    rid = live_run_id(panel)
    qtbot.waitUntil(lambda: shown_points(panel, rid) >= 2, timeout=30_000)
    assert panel.controls.stop_button.isEnabled()
    qtbot.waitUntil(lambda: "running, " in panel.runs.table_model.data(panel.runs.table_model.index(0, COLUMNS.index("Status"))),
                    timeout=5_000)  # the table shows how far the run is
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    assert not panel.controls.stop_button.isEnabled()  # no double stop
    wait_done(qtbot, panel, timeout=20_000)
    entry = panel.runs.table_model.entry(rid)
    assert entry.status == "stopped"
    assert entry.final["examples_seen"] < 200 * 4096
    assert panel.controls.start_button.isEnabled()


def test_pause_and_resume(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(4096, 128, 128), epochs=200,
                       train=4096, val=128, test=128)
    TrainingPage(panel).start(qtbot)
    rid = live_run_id(panel)
    qtbot.waitUntil(lambda: shown_points(panel, rid) >= 1, timeout=30_000)
    trainer = panel.runner.worker.trainer
    qtbot.mouseClick(panel.controls.pause_button, Qt.MouseButton.LeftButton)
    assert panel.controls.pause_button.text() == "Resume" and "Paused" in panel.controls.progress_label.text()
    qtbot.waitUntil(trainer.pause_reached.is_set, timeout=10_000)  # the trainer waits between batches
    QCoreApplication.processEvents()  # records sent before it stopped still arrive
    n = shown_points(panel, rid)
    QCoreApplication.processEvents()
    assert trainer.pause_reached.is_set() and shown_points(panel, rid) == n  # nothing trained while paused
    qtbot.mouseClick(panel.controls.pause_button, Qt.MouseButton.LeftButton)
    assert panel.controls.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: shown_points(panel, rid) > n, timeout=30_000)
    # Stop works from the paused state too
    qtbot.mouseClick(panel.controls.pause_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, panel, timeout=20_000)
    assert panel.runs.table_model.entry(rid).status == "stopped"


def test_closing_the_window_mid_run_stops_the_thread(qtbot, fresh_settings, tmp_path):
    from visualizer.ui.shell.main_window import MainWindow
    from visualizer.ui.shell.settings import save_settings

    # the window gives its panels the saved runs folder: this test's, not the shared default one
    # (a run left there showed up in later tests' tables)
    save_settings({"runs_dir": str(tmp_path / "runs")})
    panel = TrainingPanel(runs_dir=tmp_path / "runs")
    panel.data_override = synthetic_mnist(4096, 128, 128)
    window = MainWindow(panels=[panel])
    qtbot.addWidget(window)
    window.show()
    panel.form.epochs_spin.setValue(200)
    panel.form.train_spin.setValue(4096)
    panel.form.val_spin.setValue(128)
    panel.form.test_spin.setValue(128)
    TrainingPage(panel).start(qtbot)
    rid = live_run_id(panel)
    qtbot.waitUntil(lambda: shown_points(panel, rid) >= 1, timeout=30_000)
    thread = panel.runner.thread
    assert thread is not None and thread.isRunning()
    window.close()  # asks first; Stop and quit ends the run cleanly, then the window closes
    answer_quit_question(qtbot, window, "Stop and quit")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert not thread.isRunning()
    [folder] = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    assert (folder / "model.pt").is_file()


def test_shutdown_before_any_record(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(4096, 128, 128), epochs=200,
                       train=4096, val=128, test=128)
    TrainingPage(panel).start(qtbot)
    thread = panel.runner.thread
    panel.shutdown()
    assert not thread.isRunning()


@pytest.mark.parametrize(
    "field, text, expected",
    [
        ("lr", "abc", "Learning rate: “abc” is not a number"),
        ("lr", "-0.1", "learning rate must be greater than 0"),
        ("momentum", "1.5", "momentum must be at least 0 and below 1"),
        ("weight_decay", "-0.01", "weight decay must be at least 0"),
        ("weight_decay", "lots", "Weight decay: “lots” is not a number"),
        ("dropout", "1", "dropout must be at least 0 and below 1"),
        ("dropout", "-0.2", "dropout must be at least 0 and below 1"),
    ],
)
def test_bad_input_shows_a_message(qtbot, tmp_path, field, text, expected):
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(64, 16, 16))
    edit = panel.form.findChild(QLineEdit, field)
    edit.clear()
    qtbot.keyClicks(edit, text)
    messages = []
    panel.status_message.connect(lambda t, _ms: messages.append(t))
    TrainingPage(panel).start(qtbot)
    assert not panel.is_running()
    assert expected in panel.controls.message_label.text()
    assert not panel.controls.message_label.isHidden()
    assert messages and expected in messages[-1]
    assert panel.runs.table_model.rowCount() == 0


def test_split_sizes_that_do_not_fit(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path, train=55_000, val=10_000)
    TrainingPage(panel).start(qtbot)
    assert not panel.is_running()
    assert "does not fit in the 60,000" in panel.controls.message_label.text()


def test_missing_mnist_says_what_to_do(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path)
    panel.set_data_folder(tmp_path / "empty")
    assert "MNIST not found" in panel.data_box.label.text()
    TrainingPage(panel).start(qtbot)
    assert not panel.is_running()
    assert "Download MNIST" in panel.controls.message_label.text()
    assert panel.runs.table_model.rowCount() == 0 and not any((tmp_path / "runs").glob("*"))


def test_ctrl_return_starts_and_experiment_queue_runs_in_turn(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(256, 64, 64), train=256, val=64, test=64)
    with qtbot.waitActive(panel):
        panel.show()
        panel.activateWindow()
    panel.form.lr_edit.setFocus()
    qtbot.keyClick(panel.form.lr_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert panel.is_running()
    wait_done(qtbot, panel)
    first = live_run_id(panel)

    # the "loss functions" experiment: two runs queued, run one after the other, overlaid
    panel.experiments.combo.setCurrentIndex(panel.experiments.combo.findData("loss functions"))
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.runs.table_model.entries) == 3 and not panel.is_running()
                    and panel.runner.thread is None, timeout=90_000)  # and the last queued signals in
    runs = panel.runs.table_model.entries[1:]
    assert [e.config["loss"] for e in runs] == list(EXPERIMENTS["loss functions"][1])
    assert all(e.status == "completed" for e in runs)
    # every run stays on the plots until the user unticks it: the first one too
    assert set(panel.runs.table_model.shown_ids()) == {first} | {e.run_id for e in runs}
    assert "loss functions" in panel.controls.queue_label.text() and "all runs done" in panel.controls.queue_label.text()
    assert panel.plots.runs[first].items[("acc_epoch", "train")].isVisible()
    assert panel.plots.legend.items and len(panel.plots.legend.items) == 3


def test_architecture_from_shape_calculator(qtbot, tmp_path):
    from visualizer.core.architecture import preset

    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(128, 32, 32), train=128, val=32, test=32)
    doc = preset("mnist-net2").to_dict()
    doc["name"] = "my small net"
    panel.use_architecture(doc)
    assert panel.form.net_combo.currentText() == "my small net (from Shapes)"
    config = panel.config_from_form()
    assert isinstance(config.net, dict) and config.net["name"] == "my small net"
    TrainingPage(panel).start(qtbot)
    wait_done(qtbot, panel)
    assert panel.runs.table_model.entries[-1].status == "completed"
    # a network for colour 32×32 images is refused with a reason
    bad = preset("mnist-net1").to_dict()
    bad["input_shape"] = [3, 32, 32]
    panel.use_architecture(bad)
    assert "1×28×28" in panel.controls.message_label.text()
    assert panel.form.net_combo.currentText() == "my small net (from Shapes)"


def test_state_round_trip_and_view_options(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path)
    panel.form.opt_combo.setCurrentIndex(panel.form.opt_combo.findData("adam"))
    assert not panel.form.momentum_edit.isEnabled()  # momentum only matters for SGD with momentum
    panel.form.lr_edit.setText("0.001")
    panel.form.seed_spin.setValue(7)
    panel.plots.options.smooth_check.setChecked(True)
    panel.plots.options.log_checks["loss"].setChecked(True)
    state = json.loads(json.dumps(panel.save_state()))
    other = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.form.opt_combo.currentData() == "adam" and other.form.lr_edit.text() == "0.001"
    assert other.form.seed_spin.value() == 7 and other.form.train_spin.value() == 1000
    assert other.plots.options.smooth_check.isChecked() and other.plots.log_axes["loss"]
    assert other.plots.plots["loss_epoch"].getAxis("left").logMode
    other.restore_state({"lr": 5, "unknown": [1], "epochs": "x"})  # odd values are ignored or used
    assert other.form.lr_edit.text() == "5"
    # lecture mode: the form steps aside, the curves get thicker
    other.set_lecture_mode(True)
    assert other.form.isHidden() and other.plots.line_width > 3
    other.set_lecture_mode(False)
    assert not other.form.isHidden()


def test_smoothing_hover_and_actions(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path)
    plots = panel.plots
    plots.add_run("r", "run r", "#1f77b4")
    for i in range(1, 41):
        plots.append_batch("r", {"examples_seen": 100 * i, "epoch": i / 40, "train_loss": 2.0 / i + (i % 2),
                                 "train_accuracy": 0.02 * i})
    plots.append_epoch("r", {"epoch": 1, "examples_seen": 4000, "train_loss": 0.3, "train_accuracy": 0.8,
                             "val_loss": 0.35, "val_accuracy": 0.78})
    plots.refresh()
    raw = plots.runs["r"].items[("loss_examples", "train_raw")]
    smooth = plots.runs["r"].items[("loss_examples", "train_smooth")]
    assert raw.isVisible() and not smooth.isVisible()
    plots.options.smooth_check.setChecked(True)
    plots.refresh()
    assert smooth.isVisible() and raw.opacity() < 0.5  # raw stays, faint
    sx, sy = plots.curve_data("r", "loss_examples", "train_smooth")
    rx, ry = plots.curve_data("r", "loss_examples", "train_raw")
    assert len(sy) == len(ry) and np.std(np.diff(sy[10:])) < np.std(np.diff(ry[10:]))
    # hover over the validation point of epoch 1 on "accuracy vs epoch"
    text = plots.show_hover("acc_epoch", 1.0, 78.0)
    assert "validation 78.00 %" in text and "training 80.00 %" in text and text.startswith("epoch 1")
    # the same through the mouse: a move over the scene near the training point (1, 80 %)
    from PySide6.QtCore import QPointF

    panel.resize(1200, 800)
    panel.show()
    qtbot.waitExposed(panel)
    vb = plots.plots["acc_epoch"].getViewBox()

    def hover_on_the_point() -> bool:
        # worked out afresh each try: the plots are laid out for the new size on a later turn
        plots.hover.mouse_moved((vb.mapViewToScene(QPointF(1.0, 80.1)),))
        return "training 80.00 %" in plots.hover_text

    qtbot.waitUntil(hover_on_the_point)
    plots.hover.mouse_moved((vb.mapViewToScene(QPointF(1.0, 50.0)) + QPointF(0, 4000),))
    assert plots.hover_text == ""  # outside every plot: nothing shown
    assert hover_on_the_point()
    assert plots.hover.label.isVisible()
    # the view follows the data: two more epochs arrive at once, both end up in view
    for e in (2, 3):
        plots.append_epoch("r", {"epoch": e, "examples_seen": 4000 * e, "train_loss": 0.3 / e,
                                 "train_accuracy": 0.8 + 0.05 * e, "val_loss": 0.35 / e,
                                 "val_accuracy": 0.78 + 0.05 * e})
    plots.refresh()
    (x0, x1), (y0, y1) = plots.plots["acc_epoch"].getViewBox().viewRange()
    assert x0 <= 1 and x1 >= 3 and y0 <= 78 and y1 >= 95
    (x0, x1), _ = plots.plots["loss_examples"].getViewBox().viewRange()
    assert x0 <= 100 and x1 >= 12000
    # shortcuts are in the panel's actions, limited to the tab
    keys = {a.text(): a.shortcut().toString() for a in panel.panel_actions()}
    assert keys["Start training"] == "Ctrl+Return"
    assert all(a.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
               for a in panel.panel_actions())


def test_download_shows_progress_and_can_be_cancelled(qtbot, tmp_path):
    import time as _time

    from visualizer.core.errors import UserInputError

    calls = []

    def slow_download(dest, progress=None, should_stop=None):
        calls.append(dest)
        for i in range(2000):
            if should_stop():
                raise UserInputError("stopped")
            progress(i * 5000, 10_000_000, "train-images-idx3-ubyte.gz")
            _time.sleep(0.005)
        return dest

    panel = make_panel(qtbot, tmp_path)
    panel.set_data_folder(tmp_path / "mnist")
    panel.downloader = slow_download
    qtbot.mouseClick(panel.data_box.download_button, Qt.MouseButton.LeftButton)
    assert not panel.data_box.download_button.isEnabled()
    qtbot.waitUntil(lambda: panel.data_box.bar.value() > 0, timeout=10_000)
    assert not panel.data_box.bar.isHidden() and not panel.data_box.cancel_button.isHidden()
    assert "train-images" in panel.data_box.bar.format()
    qtbot.mouseClick(panel.data_box.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.runner.download_thread is None, timeout=10_000)
    assert calls == [tmp_path / "mnist"]
    assert "Download cancelled" in panel.controls.message_label.text()
    assert panel.data_box.download_button.isEnabled() and panel.data_box.bar.isHidden()


@pytest.mark.mnist
def test_download_fills_the_chosen_folder(qtbot, tmp_path, mnist_dir):
    import shutil

    def copy_download(dest, progress=None, should_stop=None):
        dest.mkdir(parents=True, exist_ok=True)
        for f in sorted(mnist_dir.glob("*.gz")):
            progress(0, f.stat().st_size, f.name)
            shutil.copy(f, dest / f.name)
            progress(f.stat().st_size, f.stat().st_size, f.name)
        return dest

    panel = make_panel(qtbot, tmp_path)
    target = tmp_path / "fresh"
    panel.set_data_folder(target)
    assert "MNIST not found" in panel.data_box.label.text()
    panel.downloader = copy_download
    qtbot.mouseClick(panel.data_box.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.runner.download_thread is None, timeout=20_000)
    assert str(target) in panel.data_box.label.text() and "not found" not in panel.data_box.label.text()
    assert panel.controls.message_label.isHidden()


def test_settings_choose_device_runs_folder_and_mnist_folder(qtbot, tmp_path):
    first = make_panel(qtbot, tmp_path, data=synthetic_mnist(128, 32, 32), train=128, val=32, test=32)
    TrainingPage(first).start(qtbot)
    wait_done(qtbot, first)
    panel = TrainingPanel(runs_dir=tmp_path / "elsewhere")
    qtbot.addWidget(panel)
    assert panel.runs.table_model.rowCount() == 0
    panel.apply_settings({"runs_dir": str(tmp_path / "runs"), "default_device": "cpu",
                          "mnist_dir": str(tmp_path / "no-mnist-here")})
    assert panel.runs.table_model.rowCount() == 1  # the runs of the settings' folder are listed
    assert panel.form.device_combo.currentData() == "cpu"
    assert "MNIST not found" in panel.data_box.label.text() and "no-mnist-here" in panel.data_box.label.text()
    # a folder chosen in the tab wins over the settings
    panel.set_data_folder(tmp_path / "chosen")
    assert panel.data_dir == str(tmp_path / "chosen")
    assert panel.download_folder() == tmp_path / "chosen"


def test_a_diverging_run_is_kept_and_explained(qtbot, tmp_path):
    rng = np.random.default_rng(0)

    def noise(n):  # random labels: nothing to learn, so a huge step blows the weights up
        return rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n)

    data = MnistSplits(*noise(512), *noise(64), *noise(64))
    panel = make_panel(qtbot, tmp_path, data=data, epochs=2, train=512, val=64, test=64)
    panel.use_architecture({"schema": "convviz.architecture", "version": 1, "name": "linear",
                            "input_shape": [1, 28, 28],
                            "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]})
    panel.form.opt_combo.setCurrentIndex(panel.form.opt_combo.findData("adam"))
    panel.form.lr_edit.setText("1e6")
    TrainingPage(panel).start(qtbot)
    wait_done(qtbot, panel)
    entry = panel.runs.table_model.entries[-1]
    assert entry.status == "diverged"
    assert "diverged" in panel.controls.message_label.text() and "smaller learning rate" in panel.controls.message_label.text()
    m = panel.runs.table_model
    assert m.data(m.index(0, COLUMNS.index("Status"))) == "diverged"
    assert (tmp_path / "runs" / entry.run_id / "metrics.json").is_file()  # the run is kept


def test_shutdown_is_bounded_when_the_worker_cannot_stop_at_once(qtbot, tmp_path):
    import threading

    from visualizer.core.errors import UserInputError

    released = threading.Event()

    class StuckInLoading:
        """Like a trainer busy reading a slow disk: it notices Stop only once the test lets it."""

        device = "cpu"

        def __init__(self, config, data=None, callbacks=None):
            released.wait(30)  # busy before any stop flag can be looked at

        def request_stop(self): ...
        def abort(self): ...
        def pause(self): ...
        def resume(self): ...

        def run(self):
            released.wait(30)
            raise UserInputError("stopped while loading")

    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(64, 16, 16))
    panel.trainer_factory = StuckInLoading
    TrainingPage(panel).start(qtbot)
    thread = panel.runner.thread
    try:
        panel.shutdown()
        # shutdown gave up after its bound (the worker is still stuck): the window may close, and
        # the thread is kept alive until it ends instead of being destroyed while running
        from visualizer.ui.shell import threads

        assert thread.isRunning() and any(t is thread for t, _w in threads._late)
    finally:
        released.set()
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=10_000)


def test_device_choices_follow_the_probe(qtbot, tmp_path):
    from visualizer.core.devices import DeviceReport

    panel = make_panel(qtbot, tmp_path)
    panel.model.device_report = None  # as before the probe has answered
    panel.model.devices_changed.emit()
    assert [panel.form.device_combo.itemData(i) for i in range(panel.form.device_combo.count())] == ["auto", "cpu"]
    panel.model.set_device_report(DeviceReport(cuda=True, cuda_devices=("GPU",), cuda_build="12.4"))
    assert [panel.form.device_combo.itemData(i) for i in range(panel.form.device_combo.count())] == ["auto", "cpu", "cuda"]
    assert panel.controls.device_label.text() == "Device: cuda (auto)"
    panel.form.device_combo.setCurrentIndex(panel.form.device_combo.findData("cuda"))
    assert panel.model.form["device"] == "cuda" and panel.controls.device_label.text() == "Device: cuda"
