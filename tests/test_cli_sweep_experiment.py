"""`convviz sweep --experiment NAME`: the course's experiments as one command (issue #25): the plan
(no training), bad input as one line with exit 2, and the overfitting lesson on the real MNIST files,
shortened (the full lesson's numbers are in the guide and tests/core/test_experiments.py)."""

from __future__ import annotations

import json

import pytest

from visualizer.cli import build_parser, main
from visualizer.commands import sweep as sweep_cmd


def plan_of(*args: str):
    args = build_parser().parse_args(["sweep", *args, "--out", "unused"])
    return sweep_cmd.build_plan(args)


def test_each_experiment_is_a_plan_of_ordinary_runs():
    plan = plan_of("--experiment", "overfitting")
    assert [r.name for r in plan.runs] == ["overfit-plain_seed0", "overfit-wd0.01_seed0", "overfit-dropout0.5_seed0",
                                           "overfit-early-stop_seed0", "overfit-4x-data_seed0"]
    sizes = [r.config["train_size"] for r in plan.runs]
    assert sizes == [500, 500, 500, 500, 2000]
    assert {r.config["optimizer"] for r in plan.runs} == {"adam"}
    plan = plan_of("--experiment", "learning-rates", "--seeds", "2", "--epochs", "3")
    assert plan.grid == {"lr": [0.1, 0.01, 0.0001]} and plan.seeds == [0, 1]
    assert all(r.config["epochs"] == 3 for r in plan.runs) and len(plan.runs) == 6
    assert plan_of("--experiment", "loss-functions").grid == {"loss": ["ce", "l2"]}
    assert plan_of("--experiment", "architectures").grid == {"net": ["mnist-net1", "mnist-net2"]}


def test_options_given_win_over_the_experiments_own_settings():
    plan = plan_of("--experiment", "overfitting", "--train-size", "100", "--epochs", "2", "--seed-list", "4")
    assert [r.config["train_size"] for r in plan.runs] == [100, 100, 100, 100, 400]  # 4× the given size
    assert all(r.config["epochs"] == 2 and r.seed == 4 for r in plan.runs)
    # an option left at train's default does not undo the experiment's setting
    assert all(r.config["lr"] == 0.001 for r in plan_of("--experiment", "overfitting").runs)
    assert all(r.config["lr"] == 0.01 for r in plan_of("--experiment", "overfitting", "--lr", "0.01").runs)


@pytest.mark.parametrize("args, words", [
    (["--experiment", "overfit"], "--experiment must be one of learning-rates, loss-functions, architectures, "
                                  "overfitting, batch-norm, got 'overfit'"),
    (["--experiment", "learning-rates", "--lr", "0.5"], "--lr is what --experiment learning-rates varies"),
    (["--experiment", "overfitting", "--epochs", "1,2"], "--epochs takes one value with --experiment"),
    (["--experiment", "overfitting", "--train-size", "20000"], "does not fit in the 60,000"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, args, words):
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["sweep", *args, "--out", str(tmp_path / "o")]))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.mnist
def test_the_overfitting_experiment_writes_named_run_folders(mnist_dir, tmp_path, capsys):
    out = tmp_path / "overfit"
    code = main(["sweep", "--experiment", "overfitting", "--data", str(mnist_dir), "--train-size", "64",
                 "--val-size", "64", "--test-size", "64", "--epochs", "1", "--workers", "1",
                 "--threads-per-run", "1", "--quiet", "--out", str(out)])
    assert code == 0
    names = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert names == sorted(["overfit-plain_seed0", "overfit-wd0.01_seed0", "overfit-dropout0.5_seed0",
                            "overfit-early-stop_seed0", "overfit-4x-data_seed0"])
    for name in names:
        metrics = json.loads((out / name / "metrics.json").read_text())
        assert metrics["final"]["status"] == "completed" and (out / name / "model.pt").is_file()
    four = json.loads((out / "overfit-4x-data_seed0" / "config.json").read_text())
    assert four["train_size"] == 256 and four["net"]["name"] == "mnist-net1-fc128"


@pytest.mark.mnist
def test_the_batch_norm_experiment_records_distributions_in_each_run(mnist_dir, tmp_path, capsys):
    from visualizer.core.distributions import read_distributions

    code = main(["sweep", "--experiment", "batch-norm", "--data", str(mnist_dir), "--train-size", "600",
                 "--epochs", "1", "--threads-per-run", "1", "--quiet", "--out", str(tmp_path / "bn")])
    assert code == 0, capsys.readouterr().err
    for run in ("bn-mnist-net1_seed0", "bn-mnist-net1-no-bn_seed0"):
        records = read_distributions(tmp_path / "bn" / run / "distributions.jsonl")
        conv2_input = [r for r in records if r["layer"] == "maxpool1" and r["kind"] == "activation"]
        assert [r["examples_seen"] for r in conv2_input] == [512]  # at the first reporting point past 500
    assert not any(r["layer"].startswith("bn") for r in records)  # the net without BatchNorm
