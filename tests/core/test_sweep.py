"""The sweep's rules without training: lists, names, the plan, the files, the Sweep plot's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from visualizer.core import sweep
from visualizer.core.errors import UserInputError
from visualizer.core.training import TrainConfig


def test_split_list_refuses_empty_items():
    assert sweep.split_list(" 0.1, 0.03 ,0.01", "--lr") == ["0.1", "0.03", "0.01"]
    for bad in ("0.1,,0.01", "0.1,", ",0.1", ""):
        with pytest.raises(UserInputError, match="empty item"):
            sweep.split_list(bad, "--lr")


def test_run_names_are_readable_and_unique():
    assert sweep.run_name({"lr": 0.1, "loss": "ce"}, 2) == "lr0.1_loss-ce_seed2"
    assert sweep.run_name({"lr": 1e-4}, 0) == "lr0.0001_seed0"
    assert sweep.run_name({"lr": 1e-6}, 0) == "lr1e-6_seed0"
    assert sweep.run_name({"net": "nets/my net.json"}, 0) == "net-my-net_seed0"
    assert sweep.run_name({}, 7) == "seed7"
    cfg = TrainConfig().to_dict()
    plan = sweep.make_plan([({"net": "a/x.json"}, 0, cfg), ({"net": "b/x.json"}, 0, cfg)],
                           {"net": ["a/x.json", "b/x.json"]}, {}, [0])
    names = [r.name for r in plan.runs]
    assert len(set(names)) == 2 and names[0] == "net-x_seed0" and names[1].startswith("net-x_seed0_")


def test_experiment_plan_runs_each_value_with_three_seeds():
    plan = sweep.experiment_plan("lr", (0.1, 0.01, 0.0001), TrainConfig(epochs=2))
    assert [(r.settings["lr"], r.seed) for r in plan.runs] == [(v, s) for v in (0.1, 0.01, 0.0001) for s in (0, 1, 2)]
    assert all(r.config["epochs"] == 2 and r.config["lr"] == r.settings["lr"] and r.config["seed"] == r.seed
               for r in plan.runs)
    assert plan.grid == {"lr": [0.1, 0.01, 0.0001]} and plan.seeds == [0, 1, 2] and plan.fixed["epochs"] == 2
    with pytest.raises(UserInputError, match="learning rate"):
        sweep.experiment_plan("lr", (0.1, -1.0), TrainConfig())


def test_best_epoch_is_the_lowest_validation_loss_unless_the_run_names_one():
    # The engine's rule (metrics.json, the runs table, the plots' ★): lowest validation loss, the
    # earliest of equals; accuracy plays no part (epoch 4 has the highest).
    epochs = [{"epoch": 1, "val_loss": 0.5, "val_accuracy": 0.5}, {"epoch": 2, "val_loss": 0.3, "val_accuracy": 0.7},
              {"epoch": 3, "val_loss": 0.3, "val_accuracy": 0.7}, {"epoch": 4, "val_loss": 0.4, "val_accuracy": 0.9},
              {"epoch": 5, "val_loss": float("nan"), "val_accuracy": 0.95}]
    assert sweep.best_epoch({}, epochs) == 2
    assert sweep.best_epoch({"best_epoch": 3}, epochs) == 3
    assert sweep.best_epoch({}, []) is None


def _plan_with_results(tmp_path):
    cfg = TrainConfig().to_dict()
    points = [({"lr": lr, "loss": loss}, s, cfg) for lr in (0.1, 0.01) for loss in ("ce", "l2") for s in (0, 1, 2)]
    plan = sweep.make_plan(points, {"lr": [0.1, 0.01], "loss": ["ce", "l2"]}, {"epochs": 8}, [0, 1, 2])
    rng = np.random.default_rng(1)
    for r in plan.runs:
        r.status = "completed"
        r.final = {k: float(rng.uniform(0.5, 1)) for k in sweep.RESULT_COLUMNS}
        r.best_epoch = 3
    plan.runs[0].status, plan.runs[0].final = "failed", {}
    plan.runs[0].reason = 'a "quoted", reason'
    return plan


def test_sweep_files_round_trip_and_the_plot_numbers(tmp_path):
    plan = _plan_with_results(tmp_path)
    sweep.write_sweep_files(plan, tmp_path, "local", 2)
    table = sweep.read_sweep(tmp_path)
    assert table.options == ["lr", "loss"] and len(table.rows) == 12
    assert table.rows[0]["status"] == "failed" and table.rows[0]["reason"] == 'a "quoted", reason'
    assert math.isnan(table.rows[0]["test_accuracy"])
    labels, numeric, series = sweep.sweep_series(table, "test_accuracy", "lr", "loss")
    assert labels == [] and numeric and [s.group for s in series] == ["ce", "l2"]
    ce = series[0]
    assert ce.xs == [0.01, 0.1]
    for x, lr in zip(ce.xs, (0.01, 0.1)):
        ys = [r.final["test_accuracy"] for r in plan.runs
              if r.settings == {"lr": lr, "loss": "ce"} and r.status == "completed"]
        i = ce.xs.index(x)
        assert ce.means[i] == pytest.approx(np.mean(ys))
        assert ce.spreads[i] == pytest.approx(np.std(ys, ddof=1))
    assert len(ce.points) == 5  # six runs, one failed
    # words on the x axis: tick labels, positions 0, 1, …
    labels, numeric, series = sweep.sweep_series(table, "val_loss", "loss")
    assert labels == ["ce", "l2"] and not numeric and len(series) == 1 and series[0].xs == [0.0, 1.0]


@pytest.mark.parametrize("content, words", [
    ('{"schema": "other"}', "not a ConvViz sweep"),
    ("[" * 100_000, "sweep.json"),
    ("not json", "sweep.json"),
])
def test_read_sweep_refuses_what_is_not_a_sweep(tmp_path, content, words):
    (tmp_path / "sweep.json").write_text(content)
    with pytest.raises(UserInputError, match=words):
        sweep.read_sweep(tmp_path)


def test_read_sweep_refuses_a_damaged_csv(tmp_path):
    plan = _plan_with_results(tmp_path)
    sweep.write_sweep_files(plan, tmp_path, "local", 2)
    text = (tmp_path / "sweep.csv").read_text().replace("completed,", "completed,oops", 1)
    (tmp_path / "sweep.csv").write_text(text)
    with pytest.raises(UserInputError, match="line 3: train_accuracy is not a number"):
        sweep.read_sweep(tmp_path)
    (tmp_path / "sweep.csv").write_text("seed,status\n0,completed\n")
    with pytest.raises(UserInputError, match="no column 'lr'"):
        sweep.read_sweep(tmp_path)
    (tmp_path / "sweep.csv").unlink()
    with pytest.raises(UserInputError, match="cannot read"):
        sweep.read_sweep(tmp_path)


def test_default_workers_on_a_cpu_split_the_cores():
    import os

    workers, threads, gpus = sweep.default_workers({"cpu"}, None)
    assert (workers, threads, gpus) == (os.cpu_count(), 1, [])
    workers, threads, gpus = sweep.default_workers({"cpu"}, 2)
    assert workers == max(1, os.cpu_count() // 2) and threads == 2
