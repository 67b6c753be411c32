"""The training curves as numbers (visualizer.core.curves), without Qt: x per axis mode, smoothing,
the best epoch, what the hover readout lists, the CSV, the data bounds the view ranges fit."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys

import numpy as np
import pytest

from visualizer.core.curves import (
    GrowingBuffer,
    RunSeries,
    data_bounds,
    ema,
    hover_rows,
    plot_csv,
    plot_series,
    value_text,
    x_label,
)


def run(per_epoch: int = 1000, epochs: int = 3, shift: float = 0.0) -> RunSeries:
    """4 batches per epoch; validation loss lowest at epoch 2."""
    data = RunSeries()
    for i in range(1, 4 * epochs + 1):
        seen = i * per_epoch // 4
        data.append_batch({"examples_seen": seen, "epoch": seen / per_epoch, "train_loss": 1.0 / i + shift,
                           "train_accuracy": 0.5 + 0.01 * i, "elapsed_s": 0.5 * i})
    for e in range(1, epochs + 1):
        data.append_epoch({"epoch": e, "examples_seen": e * per_epoch, "train_loss": 0.5 / e + shift,
                           "train_accuracy": 0.8, "val_loss": abs(e - 2.0) / 10 + 0.3 + shift,
                           "val_accuracy": 0.78, "elapsed_s": 2.0 * e})
    return data


def test_the_core_module_needs_no_qt():
    code = "import sys; sys.modules['PySide6'] = None; sys.modules['pyqtgraph'] = None; import visualizer.core.curves"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_growing_buffer_keeps_every_row_past_its_capacity():
    b = GrowingBuffer(2, capacity=2)
    for i in range(5):
        b.append((i, 10 * i))
    assert b.size == 5 and list(b.column(1)) == [0, 10, 20, 30, 40]
    b.clear()
    assert b.size == 0 and len(b.column(0)) == 0


@pytest.mark.parametrize("mode, first, last", [("examples", 250, 3000), ("epochs", 0.25, 3.0), ("time", 0.5, 6.0)])
def test_x_of_the_examples_plots_follows_the_axis_mode(mode, first, last):
    data = run()
    x, y = data.series("loss_examples", "train_raw", mode)
    assert (x[0], x[-1]) == (pytest.approx(first), pytest.approx(last)) and y[0] == 1.0
    vx, vy = data.series("acc_examples", "val", mode)
    assert len(vx) == 3 and vx[-1] == pytest.approx(last) and vy[0] == pytest.approx(78.0)  # percent
    ex, _ = data.series("loss_epoch", "train", mode)  # the epoch plots count epochs in every mode
    assert list(ex) == [1, 2, 3]


def test_smoothed_series_is_the_debiased_ema_and_plot_series_lists_the_curves():
    data = run()
    _, raw = data.series("loss_examples", "train_raw")
    _, smooth = data.series("loss_examples", "train_smooth", smoothing=0.6)
    np.testing.assert_allclose(smooth, ema(raw, 0.6))
    assert smooth[0] == pytest.approx(raw[0])  # debiased: the first value is the first record
    assert plot_series("acc_examples") == ("train_raw", "train_smooth", "val")
    assert plot_series("loss_epoch") == ("train", "val")
    assert x_label("loss_examples", "time") == "wall time (s)" and x_label("acc_epoch", "time") == "epoch"


def test_missing_or_odd_values_are_nan_and_the_best_epoch_is_the_first_lowest():
    data = RunSeries()
    assert data.best_row() is None and data.best_epoch() is None
    data.append_epoch({"epoch": 1, "val_loss": None})
    data.append_epoch({"epoch": 2, "val_loss": "x", "train_loss": float("inf")})
    assert data.best_epoch() is None
    for e, v in ((3, 0.5), (4, 0.2), (5, 0.2)):
        data.append_epoch({"epoch": e, "val_loss": v})
    assert data.best_row() == 3 and data.best_epoch() == 4  # the first of equals (the engine's rule)
    assert math.isnan(data.series("loss_epoch", "val")[1][0])


def test_hover_rows_list_each_run_at_its_nearest_x_with_the_best_epoch():
    a, b = run(), run(shift=0.25)
    x_text, rows = hover_rows([("run a", "#111111", a), ("run b", "#222222", b)], "loss_examples", 2010)
    assert x_text == "examples seen: 2,000"
    assert [r["run"] for r in rows] == ["run a", "run b"] and rows[0]["color"] == "#111111"
    train, val = rows[0]["values"]
    assert (train["series"], train["raw"], train["x"]) == ("training", "0.1250", 2000.0)
    assert val["series"] == "validation" and val["raw"] == "0.3000" and val["best"] is True
    assert "smoothed" not in train
    _, rows = hover_rows([("a", "#1", a)], "loss_examples", 2010, smoothing=0.6)
    assert rows[0]["values"][0]["smoothed"] == value_text(ema(a.series("loss_examples", "train_raw")[1], 0.6)[7], "loss")
    # the header in each axis mode, and on the epoch plots
    assert hover_rows([("a", "#1", a)], "acc_examples", 1.6, "epochs")[0] == "epoch 1.50"
    assert hover_rows([("a", "#1", a)], "acc_examples", 4.1, "time")[0] == "wall time: 4.0 s"
    x_text, rows = hover_rows([("a", "#1", a)], "acc_epoch", 2.8)
    assert x_text == "epoch 3" and rows[0]["values"][0]["raw"] == "80.00 %"
    # a log x axis: the cursor's view x is log10 of x
    assert hover_rows([("a", "#1", a)], "loss_examples", math.log10(1000), log_x=True)[0] == "examples seen: 1,000"
    # no runs, or runs without records: no rows, the cursor's own x in the header
    assert hover_rows([("empty", "#1", RunSeries())], "loss_examples", 12.4) == ("examples seen: 12", [])


def test_plot_csv_writes_every_point_in_full_and_empty_cells_for_missing_values():
    a = run()
    a.append_batch({"examples_seen": 3250, "epoch": 3.25, "train_loss": None, "train_accuracy": 0.9})
    rows = list(csv.reader(io.StringIO(plot_csv([("run a", a)], "loss_examples", "epochs", smoothing=0.5))))
    assert rows[0] == ["run", "series", "epoch (fractional)", "loss (raw)", "loss (smoothed)"]
    train = [r for r in rows[1:] if r[1] == "training"]
    assert len(train) == 13 and train[2] == ["run a", "training", "0.75", repr(1 / 3), train[2][4]]
    assert float(train[2][4]) == pytest.approx(ema(a.series("loss_examples", "train_raw")[1], 0.5)[2])
    assert train[-1][3] == ""  # the missing loss
    assert [r[2] for r in rows[1:] if r[1] == "validation"] == ["1.0", "2.0", "3.0"]
    rows = list(csv.reader(io.StringIO(plot_csv([("run a", a)], "acc_epoch"))))
    assert rows[0] == ["run", "series", "epoch", "accuracy (raw)", "accuracy (smoothed)"]
    assert rows[1] == ["run a", "training", "1.0", "80.0", ""] and len(rows) == 7
    assert plot_csv([], "loss_epoch").count("\n") == 1  # only the header


def test_data_bounds_cover_the_drawn_series_in_view_coordinates():
    a, b = run(), run(shift=1.0)
    (x0, x1), (y0, y1) = data_bounds([a, b], "loss_examples")
    assert (x0, x1) == (250, 3000) and y0 == pytest.approx(1 / 12) and y1 == pytest.approx(2.0)
    (x0, x1), (y0, y1) = data_bounds([a], "loss_examples", log_x=True, log_y=True)
    assert x0 == pytest.approx(math.log10(250)) and y1 == pytest.approx(0.0)
    assert data_bounds([RunSeries()], "acc_epoch") is None
    # the smoothed curve counts only while smoothing is on
    spiky = RunSeries()
    for i, v in enumerate((10.0, 0.0, 0.0, 0.0)):
        spiky.append_batch({"examples_seen": i + 1, "train_loss": v})
    assert data_bounds([spiky], "loss_examples", smoothing=0.9)[1] == (0.0, 10.0)
    assert value_text(float("nan"), "loss") == "–" and value_text(12345.4, "examples") == "12,345"
