"""A sweep's plan rebuilt from its folder alone (the app's Resume sweep): each run's whole config
from its own config.json, else from a run with the same settings, else from any run with its own
settings and seed; a sweep none of whose runs started says it cannot be rebuilt."""

from __future__ import annotations

import pytest

from visualizer.core import sweep
from visualizer.core.errors import UserInputError
from visualizer.core.runs import write_json
from visualizer.core.training import TrainConfig


def _plan(out, epochs=7):
    base = TrainConfig(epochs=epochs, train_size=96, val_size=32, test_size=32, batch_size=32).to_dict()
    points = [({"lr": lr}, seed, {**base, "lr": lr, "seed": seed}) for lr in (0.1, 0.01) for seed in (0, 1)]
    plan = sweep.make_plan(points, {"lr": [0.1, 0.01]}, {}, [0, 1])  # "fixed" holds no sizes, as the CLI's
    sweep.write_sweep_files(plan, out, "local", 1)
    return plan


def test_configs_come_from_the_run_folders_not_from_fixed(tmp_path):
    out = tmp_path / "sw"
    out.mkdir()
    plan = _plan(out)
    with pytest.raises(UserInputError, match="no run with the settings of lr0.1_seed0 has started"):
        sweep.sweep_plan_from_folder(out)
    started = plan.runs[0]  # lr 0.1, seed 0: its folder holds its config
    (out / started.name).mkdir()
    write_json(out / started.name / "config.json", {**started.config, "run_id": started.name})
    rebuilt = sweep.sweep_plan_from_folder(out)
    assert [r.name for r in rebuilt.runs] == [r.name for r in plan.runs]
    for mine, theirs in zip(rebuilt.runs, plan.runs):
        assert (mine.settings, mine.seed) == (theirs.settings, theirs.seed)
        assert mine.config["epochs"] == 7 and mine.config["train_size"] == 96  # not TrainConfig's defaults
        assert mine.config["lr"] == theirs.config["lr"] and mine.config["seed"] == theirs.seed
    assert sweep.can_resume(out)
    sweep.resume_state(rebuilt, out)  # the same settings as the folder's: no "different sweep" error


def test_a_folder_without_a_sweep_is_refused(tmp_path):
    with pytest.raises(UserInputError, match="holds no ConvViz sweep"):
        sweep.sweep_plan_from_folder(tmp_path)
    assert not sweep.can_resume(tmp_path)
