"""The curves read like TensorBoard's (hover through the real mouse path, zoom and reset, x axes,
epoch lines, CSV), the empty state, the overfitting experiment's best-epoch marks against
metrics.json, and "Open in Network"."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import make_panel, wait_done
from tests.helpers.pages import TrainingPage
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.run_table import COLUMNS
from visualizer.core import experiments
from visualizer.ui.training.panel import TrainingPanel



def fill(plots, run_id: str, label: str, color: str, shift: float = 0.0, epochs: int = 4, per_epoch: int = 1000) -> None:
    plots.add_run(run_id, label, color, epochs * per_epoch, epochs)
    for i in range(1, 4 * epochs + 1):
        seen = i * per_epoch // 4
        plots.append_batch(run_id, {"examples_seen": seen, "epoch": seen / per_epoch, "train_loss": 1.0 / i + shift,
                                    "train_accuracy": min(0.99, 0.5 + 0.03 * i), "elapsed_s": 0.5 * i})
    for e in range(1, epochs + 1):
        plots.append_epoch(run_id, {"epoch": e, "examples_seen": e * per_epoch, "train_loss": 0.5 / e + shift,
                                    "train_accuracy": 0.8, "val_loss": abs(e - 2.0) / 10 + 0.3 + shift,
                                    "val_accuracy": 0.78, "elapsed_s": 2.0 * e})
    plots.refresh()


def shown_plots(qtbot, tmp_path) -> TrainingPanel:
    panel = make_panel(qtbot, tmp_path)
    fill(panel.plots, "a", "run a", "#1f77b4")
    fill(panel.plots, "b", "run b", "#ff7f0e", shift=0.25)
    panel.resize(1280, 800)
    panel.show()
    qtbot.waitExposed(panel)
    panel.plots.refresh()
    return panel


def widget_pos(plots, key: str, x: float, y: float) -> QPoint:
    vb = plots.plots[key].getViewBox()
    return plots.graphics.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def test_hover_readout_lists_every_run_inside_the_plot_and_goes_on_leave(qtbot, tmp_path):
    panel = shown_plots(qtbot, tmp_path)
    plots = panel.plots
    view = plots.graphics.viewport()
    (y0, y1) = plots.plots["loss_examples"].getViewBox().viewRange()[1]
    qtbot.mouseMove(view, widget_pos(plots, "loss_examples", 2000, (y0 + y1) / 2))
    qtbot.waitUntil(lambda: plots.hover_text != "")
    text = plots.hover_text
    lines = text.splitlines()
    assert lines[0] == "examples seen: 2,000"
    assert lines[1].startswith("run a: training 0.1250") and "validation 0.3000" in lines[1]
    assert lines[2].startswith("run b: training 0.3750")
    assert "★" in lines[1]  # epoch 2 is run a's lowest validation loss
    readout, area = plots.hover.label, plots.plot_rect("loss_examples")
    assert readout.isVisible() and "run a" in readout.text() and "#ff7f0e" in readout.text()
    assert area.contains(readout.geometry())
    assert plots.hover.cursors["loss_examples"].isVisible() and plots.hover.cursors["acc_examples"].isVisible()
    assert plots.hover.cursors["loss_examples"].value() == pytest.approx(2000, rel=0.02)

    # smoothing on: the smoothed value is listed beside the raw one
    plots.options.smooth_check.setChecked(True)
    qtbot.mouseMove(view, widget_pos(plots, "loss_examples", 2500, (y0 + y1) / 2))
    qtbot.waitUntil(lambda: "smoothed" in plots.hover_text)

    # near the right edge the readout flips to the left of the cursor and stays in the plot
    (x0, x1) = plots.plots["loss_examples"].getViewBox().viewRange()[0]
    at = widget_pos(plots, "loss_examples", x1 - 0.02 * (x1 - x0), (y0 + y1) / 2)
    qtbot.mouseMove(view, at)
    qtbot.waitUntil(lambda: "4,000" in plots.hover_text.splitlines()[0] or "3,9" in plots.hover_text)
    assert area.contains(readout.geometry()) and readout.geometry().right() < at.x()

    # the epoch plot's x axis is linked to its partner, and its readout says "epoch 3"
    (ey0, ey1) = plots.plots["acc_epoch"].getViewBox().viewRange()[1]
    qtbot.mouseMove(view, widget_pos(plots, "acc_epoch", 3.1, (ey0 + ey1) / 2))
    qtbot.waitUntil(lambda: plots.hover_plot == "acc_epoch")
    assert plots.hover_text.startswith("epoch 3\n") and "78.00 %" in plots.hover_text
    assert plots.plot_rect("acc_epoch").contains(readout.geometry())
    assert not plots.hover.cursors["loss_examples"].isVisible() and plots.hover.cursors["loss_epoch"].isVisible()

    # out of the plots (the legend row): nothing shown; out of the widget: nothing either
    legend = plots.graphics.mapFromScene(plots.legend.sceneBoundingRect().center())
    qtbot.mouseMove(view, legend)
    qtbot.waitUntil(lambda: plots.hover_text == "")
    assert not readout.isVisible() and not any(c.isVisible() for c in plots.hover.cursors.values())
    qtbot.mouseMove(view, widget_pos(plots, "acc_epoch", 3.1, (ey0 + ey1) / 2))
    qtbot.waitUntil(lambda: readout.isVisible())
    QApplication.sendEvent(plots.graphics, QEvent(QEvent.Type.Leave))
    assert not readout.isVisible() and plots.hover_text == ""
    panel.close()


def drag(qtbot, view, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=a)
    for t in (0.25, 0.5, 0.75, 1.0):
        qtbot.mouseMove(view, QPoint(int(a.x() + t * (b.x() - a.x())), int(a.y() + t * (b.y() - a.y()))))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=b)


def test_box_zoom_wheel_and_double_click_reset_keep_linked_axes_together(qtbot, tmp_path):
    panel = shown_plots(qtbot, tmp_path)
    plots = panel.plots
    view = plots.graphics.viewport()
    loss, acc = plots.plots["loss_examples"].getViewBox(), plots.plots["acc_examples"].getViewBox()
    full_x, full_y = loss.viewRange()
    y_mid = (full_y[0] + full_y[1]) / 2
    drag(qtbot, view, widget_pos(plots, "loss_examples", 1000, full_y[1] * 0.9),
         widget_pos(plots, "loss_examples", 2000, y_mid))
    qtbot.waitUntil(lambda: loss.viewRange()[0][1] < 2500)
    zx = loss.viewRange()[0]
    assert zx[0] == pytest.approx(1000, rel=0.1) and zx[1] == pytest.approx(2000, rel=0.1)
    assert acc.viewRange()[0] == pytest.approx(zx)  # linked x axes
    # a new record does not undo the user's zoom, in either linked plot
    plots.append_batch("a", {"examples_seen": 4100, "epoch": 4.1, "train_loss": 0.1, "train_accuracy": 0.9,
                             "elapsed_s": 9})
    plots.refresh()
    assert loss.viewRange()[0] == pytest.approx(zx) and acc.viewRange()[0] == pytest.approx(zx)

    # double-click resets both
    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=widget_pos(plots, "loss_examples", 1500, y_mid))
    qtbot.waitUntil(lambda: loss.viewRange()[0][1] > 3900)
    assert loss.viewRange()[0][0] <= 250 and acc.viewRange()[0][1] > 3900  # every point in view again

    # the wheel zooms in around the mouse
    before = np.diff(loss.viewRange()[0])[0]
    at = widget_pos(plots, "loss_examples", 2000, y_mid)
    wheel = QWheelEvent(QPointF(at), QPointF(view.mapToGlobal(at)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, wheel)
    qtbot.waitUntil(lambda: np.diff(loss.viewRange()[0])[0] < 0.9 * before)
    panel.close()


def test_x_axis_modes_epoch_lines_integer_ticks_and_csv(qtbot, tmp_path):
    panel = shown_plots(qtbot, tmp_path)
    plots = panel.plots
    assert plots.epoch_lines("loss_examples") == [1000.0, 2000.0, 3000.0, 4000.0]
    axis = plots.plots["loss_epoch"].getAxis("bottom")
    ticks = [v for _sp, values in axis.tickValues(0.8, 4.2, 400) for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks)
    ticks = [v for _sp, values in axis.tickValues(1.0, 2.0, 800) for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks)

    # epochs (fractional) from the examples, then wall time; the model remembers the choice
    plots.options.x_combo.setCurrentIndex(plots.options.x_combo.findData("epochs"))
    assert panel.model.options["x_axis"] == "epochs"
    plots.refresh()
    x, _ = plots.curve_data("a", "loss_examples", "train_raw")
    assert x[0] == pytest.approx(0.25) and x[-1] == pytest.approx(4.0)
    assert plots.epoch_lines("loss_examples") == [1.0, 2.0, 3.0, 4.0]
    assert "epoch" in plots.plots["loss_examples"].titleLabel.text
    plots.options.x_combo.setCurrentIndex(plots.options.x_combo.findData("time"))
    plots.refresh()
    x, _ = plots.curve_data("a", "loss_examples", "train_raw")
    assert x[-1] == pytest.approx(8.0)
    assert panel.model.to_dict()["x_axis"] == "time"

    # CSV: run, series, x, raw, smoothed
    plots.options.x_combo.setCurrentIndex(plots.options.x_combo.findData("examples"))
    plots.options.smooth_check.setChecked(True)
    rows = list(csv.reader(io.StringIO(plots.plot_csv("loss_examples"))))
    assert rows[0] == ["run", "series", "examples seen", "loss (raw)", "loss (smoothed)"]
    a_train = [r for r in rows[1:] if r[0] == "run a" and r[1] == "training"]
    assert len(a_train) == 16 and float(a_train[0][3]) == 1.0 and a_train[0][4] != ""
    assert any(r[0] == "run b" and r[1] == "validation" for r in rows[1:])
    out = tmp_path / "loss.csv"
    plots.export_csv("acc_epoch", out)
    assert out.read_text().splitlines()[0] == "run,series,epoch,accuracy (raw),accuracy (smoothed)"
    panel.close()


def test_empty_state_says_how_to_start(qtbot, tmp_path):
    panel = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(panel)
    plots = panel.plots
    for key, hint in plots.empty_hints.hints.items():
        assert hint.isVisible() and "appear here" in hint.textItem.toPlainText()
    assert "Press Start to train mnist-net1 with the course settings" in plots.empty_text.replace("\n", " ")
    panel.model.set_field("lr", "0.1")
    assert "with the settings on the left" in plots.empty_text
    fill(plots, "a", "run a", "#1f77b4")
    assert not any(h.isVisible() for h in plots.empty_hints.hints.values())


def test_overfitting_experiment_marks_and_table_agree_with_metrics(qtbot, tmp_path, monkeypatch):
    # the course experiment, shortened for a test: 10 epochs of 96 synthetic digits
    monkeypatch.setitem(experiments.EXPERIMENT_BASE, "overfitting",
                        {**experiments.EXPERIMENT_BASE["overfitting"], "epochs": 10})
    monkeypatch.setitem(experiments.EXPERIMENTS, "overfitting",
                        ("", ({}, {"weight_decay": 0.01}, {"early_stopping": 2})))
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(96, 64, 32), test=32)
    panel.experiments.combo.setCurrentIndex(panel.experiments.combo.findData("overfitting"))
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    # the caption under the plots says what to look at
    assert panel.look_caption.isVisibleTo(panel)
    for words in ("gap opening", "★", "stopped early", "lower validation loss than overfit-plain"):
        assert words in panel.look_caption.text()
    # while it runs, the form shows the experiment's settings, not its own (which it keeps)
    form = panel.form
    assert form.train_spin.value() == 500 and form.epochs_spin.value() == 10
    assert form.net_combo.currentText() == "mnist-net1-fc128" and form.opt_combo.currentData() == "adam"
    assert panel.model.form["train_size"] == 1000 and "“overfitting”, shown while it runs" in form.toolTip()
    qtbot.waitUntil(lambda: len(panel.runs.table_model.entries) == 3 and not panel.is_running(), timeout=120_000)
    qtbot.wait(50)
    panel.plots.refresh()
    entries = panel.runs.table_model.entries
    assert [e.config.get("weight_decay") for e in entries] == [0.0, 0.01, 0.0]
    assert [e.config.get("early_stopping") for e in entries] == [0, 0, 2]
    assert all(e.config["epochs"] == 10 and e.config["net"]["name"] == "mnist-net1-fc128" for e in entries)
    # the runs are named apart in the runs table (their folders: <time>_overfit-plain, …)
    assert [e.run_id.split("_", 2)[2] for e in entries] == ["overfit-plain", "overfit-wd0.01", "overfit-early-stop"]
    assert "weight decay 0.01" in entries[1].label and "early stopping 2" in entries[2].label
    m = panel.runs.table_model
    col = COLUMNS.index("Best epoch")
    for row, e in enumerate(entries):
        metrics = json.loads((e.folder / "metrics.json").read_text())
        final = metrics["final"]
        vals = [r["val_loss"] for r in metrics["epochs"]]
        assert final["best_epoch"] == 1 + int(np.argmin(vals)) and final["best_val_loss"] == min(vals)
        assert panel.plots.best_epoch(e.run_id) == final["best_epoch"]
        x, y = panel.plots.best_mark(e.run_id, "loss_epoch")
        assert (x, y) == (final["best_epoch"], pytest.approx(final["best_val_loss"]))
        ex, _ = panel.plots.best_mark(e.run_id, "loss_examples")
        assert ex == metrics["epochs"][final["best_epoch"] - 1]["examples_seen"]
        cell = m.data(m.index(row, col))
        assert cell.split(" ")[0] == str(final["best_epoch"])
        assert ("stopped early" in cell) == final["stopped_early"]
        if final["stopped_early"]:
            assert len(vals) == final["best_epoch"] + 2
    assert json.loads((entries[0].folder / "metrics.json").read_text())["final"]["stopped_early"] is False
    # the stars are shown for the three overlaid runs
    assert all(panel.plots.best_mark(e.run_id, "acc_epoch") is not None for e in entries)
    # the form's own values are back, and the net the experiment brought is no choice of the form
    assert form.train_spin.value() == 1000 and form.net_combo.findData("mnist-net1-fc128") < 0
    assert form.toolTip() == ""
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)  # a run of the form: no caption
    assert not panel.look_caption.isVisibleTo(panel)
    wait_done(qtbot, panel)
    assert panel.runs.table_model.entries[-1].config["train_size"] == 1000


def test_open_in_network_from_results_and_a_misclassified_digit(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path, data=synthetic_mnist(64, 16, 32), test=32)
    TrainingPage(panel).start(qtbot)
    wait_done(qtbot, panel)
    entry = panel.runs.table_model.entries[-1]
    view = panel.results_view
    assert view.network_button.isEnabled()
    with qtbot.waitSignal(panel.network_requested) as sig:
        qtbot.mouseClick(view.network_button, Qt.MouseButton.LeftButton)
    assert sig.args[0] == {"run": str(entry.folder), "index": None}
    cells = view.misclassified.cells
    if cells:  # an untrained net gets some of 32 digits wrong; each knows its test-set index
        action = cells[0].actions()[0]
        with qtbot.waitSignal(panel.network_requested) as sig:
            action.trigger()
        expected = int(np.asarray(entry.result["misclassified"]["index"])[0])
        assert sig.args[0] == {"run": str(entry.folder), "index": expected}


def test_model_overfitting_configs_form_fields_and_session(tmp_path):
    from visualizer.ui.training.model import TrainingModel

    m = TrainingModel(tmp_path / "runs")
    m.set_field("lr", "0.05")
    m.set_field("loss", "l2")
    configs = m.experiment_configs("overfitting")
    assert [(c.net_name, c.train_size, c.epochs, c.batch_size) for c in configs] == \
        [("mnist-net1-fc128", 500, 40, 32)] * 4 + [("mnist-net1-fc128", 2000, 40, 32)]
    assert [(c.weight_decay, c.dropout, c.early_stopping) for c in configs] == \
        [(0, 0, 0), (0.01, 0, 0), (0, 0.5, 0), (0, 0, 5), (0, 0, 0)]
    assert all(c.optimizer == "adam" and c.lr == 0.001 for c in configs)  # the experiment's own
    assert all(c.loss == "l2" for c in configs)  # the rest comes from the form
    m.set_field("dropout", "0.3")
    m.set_field("weight_decay", "1e-4")
    m.set_field("early_stopping", 3)
    c = m.config()
    assert (c.dropout, c.weight_decay, c.early_stopping) == (0.3, 1e-4, 3)
    assert m.experiment_configs("overfitting")[0].dropout == 0  # the experiment sets its own
    m.set_option("x_axis", "time")
    m.set_option("x_axis", "furlongs")  # ignored
    state = m.to_dict()
    again = TrainingModel(tmp_path / "runs")
    again.from_dict(state)
    assert again.options["x_axis"] == "time" and again.form["dropout"] == "0.3" and again.form["early_stopping"] == 3
    again.from_dict({"early_stopping": -4, "x_axis": 7})  # odd values from a hand-edited session
    assert again.form["early_stopping"] == 0 and again.options["x_axis"] == "time"


def test_a_curve_with_one_point_shows_a_dot_until_it_has_two(qtbot, tmp_path):
    # A run shorter than one reporting interval has one training-loss point: a line alone would
    # draw nothing, so the lone point gets a dot, which goes once the line can be drawn.
    panel = make_panel(qtbot, tmp_path)
    plots = panel.plots
    plots.add_run("r", "run r", "#1f77b4", 1000, 1)
    plots.append_batch("r", {"examples_seen": 250, "epoch": 0.25, "train_loss": 1.5, "train_accuracy": 0.4,
                             "elapsed_s": 0.5})
    plots.refresh()
    raw = plots.runs["r"].items[("loss_examples", "train_raw")]
    assert raw.opts["symbol"] == "o" and len(raw.getData()[0]) == 1
    val = plots.runs["r"].items[("loss_examples", "val")]
    plots.append_batch("r", {"examples_seen": 500, "epoch": 0.5, "train_loss": 1.2, "train_accuracy": 0.5,
                             "elapsed_s": 1.0})
    plots.refresh()
    assert raw.opts["symbol"] is None and len(raw.getData()[0]) == 2
    assert val.opts["symbol"] == "o"  # a curve with its own marks keeps them
