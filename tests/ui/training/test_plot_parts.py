"""The pieces the training plots are built from: the hover readout's text, the option bar with and
without a Training model, the view ranges (sticky fits, reset), the CSV export dialog."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QFileDialog

from visualizer.core.curves import BEST_NOTE
from visualizer.ui.training.hover import readout_html, short_names
from visualizer.ui.training.model import TrainingModel
from visualizer.ui.training.plot_export import save_csv_dialog
from visualizer.ui.training.plot_options import PlotOptionsBar
from visualizer.ui.training.plots import IntegerAxis
from visualizer.ui.training.view_ranges import Extent, ViewRanges, sticky


def test_short_names_drop_what_every_run_shares_and_the_folder_suffix():
    names = ["mnist-net1 · ce · sgdm · lr 0.01 [run-1]", "mnist-net1 · ce · adam · lr 0.01 [run-2]"]
    assert short_names(names) == ["sgdm", "adam"]
    same = ["net · ce [run-1]", "net · ce [run-2]"]  # equal without the folder: the folder stays
    assert short_names(same) == ["ce [run-1]", "ce [run-2]"]
    assert short_names(["only one · run"]) == ["only one · run"]


def test_readout_html_escapes_names_and_drops_the_note_when_not_stacked():
    rows = [{"run": "<b>a</b> · x", "color": "#123456", "parts": [f"validation 0.3 ★ {BEST_NOTE}"]},
            {"run": "<b>a</b> · y", "color": "#654321", "parts": ["training 0.4"]}]
    stacked = readout_html("epoch 2", rows, 40, True)
    assert "<b>epoch 2</b>" in stacked and "color:#123456" in stacked and BEST_NOTE in stacked
    assert "&lt;b&gt;a&lt;/b&gt;" not in stacked and "<b>a</b>" not in stacked  # shared parts go, escaped
    flat = readout_html("epoch 2", rows, 40, False)
    assert BEST_NOTE not in flat and "★" in flat and "x: validation 0.3" in flat
    one = readout_html("x <1>", [{"run": "<i>n</i>", "color": "#000000", "parts": ["a & b"]}], 40, True)
    assert "&lt;i&gt;n&lt;/i&gt;" in one and "a &amp; b" in one and "x &lt;1&gt;" in one
    long = [{"run": "z" * 60, "color": "#000000", "parts": ["training 1"]}]
    assert "z" * 13 + "…" in readout_html("epoch 1", long, 14, False)


def test_option_bar_alone_says_what_is_chosen(qtbot):
    bar = PlotOptionsBar()
    qtbot.addWidget(bar)
    with qtbot.waitSignal(bar.smoothing_changed) as sig:
        bar.smooth_check.setChecked(True)
    assert sig.args == [pytest.approx(0.6)] and bar.smooth_value.text() == "0.60"
    with qtbot.waitSignal(bar.smoothing_changed) as sig:
        bar.smooth_slider.setValue(90)
    assert sig.args == [pytest.approx(0.9)] and bar.smooth_value.text() == "0.90"
    with qtbot.waitSignal(bar.log_axes_changed) as sig:
        bar.log_checks["loss"].setChecked(True)
    assert sig.args[0] == {"loss": True, "accuracy": False, "examples": False, "epoch": False}
    with qtbot.waitSignal(bar.x_axis_changed) as sig:
        bar.x_combo.setCurrentIndex(bar.x_combo.findData("time"))
    assert sig.args == ["time"]
    with qtbot.assertNotEmitted(bar.x_axis_changed):
        bar.show_x_axis("time")  # already shown


def test_option_bar_bound_writes_the_model_and_follows_it(qtbot, tmp_path):
    model = TrainingModel(tmp_path / "runs")
    model.set_option("smoothing", True)
    model.set_option("x_axis", "epochs")
    bar = PlotOptionsBar()
    qtbot.addWidget(bar)
    bar.bind(model)
    assert bar.smooth_check.isChecked() and bar.x_combo.currentData() == "epochs"  # the model's options at once
    bar.x_combo.setCurrentIndex(bar.x_combo.findData("time"))  # the user: through the model
    assert model.options["x_axis"] == "time"
    model.set_option("x_axis", "examples")  # the model: the combo follows
    assert bar.x_combo.currentData() == "examples"
    bar.log_checks["accuracy"].setChecked(True)
    assert model.options["log_axes"]["accuracy"] is True
    model.set_option("smoothing_weight", 25)  # a restored session
    assert bar.smooth_slider.value() == 25 and bar.smoothing() == pytest.approx(0.25)


def test_sticky_keeps_a_range_the_data_still_fills():
    assert sticky(0, 10, -1, 12, False, 0.02, 0.3) is None
    assert sticky(0, 10, -1, 12, True, 0.02, 0.3) == (pytest.approx(-0.2), pytest.approx(13.0))
    assert sticky(0, 30, -1, 12, False, 0.0, 0.0) == (0, 30)  # the data left the range
    assert sticky(0, 1, -1, 100, False, 0.0, 0.0) == (0, 1)  # it fills under half of it
    assert sticky(5, 5, 0, 1, False, 0.0, 0.0) == (5, 5)  # one value: its own range


def test_view_ranges_fit_leave_a_zoom_alone_and_reset_both_linked_plots(qtbot):
    w = pg.GraphicsLayoutWidget()
    qtbot.addWidget(w)
    plots = {"a": w.addPlot(row=0, col=0), "b": w.addPlot(row=1, col=0)}
    for p in plots.values():
        p.getViewBox().disableAutoRange()
    extents = {"a": Extent((0.0, 50.0), (0.0, 1.0), 100.0, True), "b": Extent((10.0, 20.0), (2.0, 4.0), None, False)}
    ranges = ViewRanges(plots, {"a": "b", "b": "a"}, extents.get)
    ranges.fit("a")
    (x0, x1), _ = plots["a"].getViewBox().viewRange()
    assert (x0, x1) == (pytest.approx(-3.0), pytest.approx(103.0))  # the planned run, from 0
    ranges.fit("b")
    (x0, x1), (y0, y1) = plots["b"].getViewBox().viewRange()
    assert x0 < 10 and x1 > 20 and y0 < 2 and y1 > 4
    ranges.user_moved("a")
    assert ranges.managed == {"a": False, "b": False}
    plots["b"].getViewBox().setRange(xRange=(0, 1000), padding=0)
    ranges.fit("b")
    assert plots["b"].getViewBox().viewRange()[0] == [0, 1000]  # the user's range stays
    w.resize(400, 400)
    w.show()
    qtbot.waitExposed(w)
    centre = plots["b"].getViewBox().sceneBoundingRect().center()
    ranges.double_clicked(QPointF(centre))
    assert ranges.managed == {"a": True, "b": True}
    assert plots["b"].getViewBox().viewRange()[0][1] < 100
    ranges.double_clicked(QPointF(-50, -50))  # outside every plot: nothing happens


def test_csv_dialog_saves_reports_and_cancels(qtbot, tmp_path, monkeypatch):
    model = TrainingModel(tmp_path / "runs")
    parent = PlotOptionsBar()
    qtbot.addWidget(parent)
    target = tmp_path / "loss.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(model.status) as sig:
        save_csv_dialog(parent, "loss_epoch.csv", lambda: "run,series\n", model)
    assert target.read_text() == "run,series\n" and "saved" in sig.args[0]
    bad = tmp_path / "missing-folder" / "x.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(bad), ""))
    shown = []
    monkeypatch.setattr(model, "show_message", shown.append)
    save_csv_dialog(parent, "loss_epoch.csv", lambda: "x", model)
    assert shown and str(bad) in shown[0] and not bad.exists()  # a message, not a traceback
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    save_csv_dialog(parent, "loss_epoch.csv", lambda: pytest.fail("no CSV without a file"), model)


@pytest.mark.parametrize("lo, hi, size, ticks", [
    (0.9, 3.1, 380, [1, 2, 3]),  # a 3-epoch run: pyqtgraph offers only halves and tenths here
    (0.93, 3.07, 560, [1, 2, 3]),
    (1.0, 2.0, 800, [1, 2]),
    (0.8, 4.2, 400, [1, 2, 3, 4]),
    (0.2, 0.8, 400, []),  # no whole number in view
])
def test_epoch_axes_tick_whole_numbers_only(qtbot, lo, hi, size, ticks):
    axis = IntegerAxis("bottom")
    got = sorted(v for _sp, values in axis.tickValues(lo, hi, size) for v in values)
    assert got == ticks


@pytest.mark.parametrize("x_axis, key, name", [
    ("examples", "loss_examples", "loss_examples.csv"),
    ("time", "loss_examples", "loss_wall_time.csv"),
    ("epochs", "acc_examples", "acc_epochs_fractional.csv"),
    ("time", "acc_epoch", "acc_epoch.csv"),  # the per-epoch plot's x is the epoch whatever the option
])
def test_the_csv_name_offered_follows_the_x_axis(qtbot, tmp_path, monkeypatch, x_axis, key, name):
    from visualizer.ui.training.plots import TrainingPlots

    model = TrainingModel(tmp_path / "runs")
    plots = TrainingPlots(model)
    qtbot.addWidget(plots)
    model.set_option("x_axis", x_axis)  # the plot options flow through the Training model
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _p, _t, path, _f: offered.append(path) or ("", ""))
    action = next(a for a in plots.plots[key].getViewBox().menu.actions() if a.data() == key)
    action.trigger()
    assert offered and offered[0].endswith(name)
