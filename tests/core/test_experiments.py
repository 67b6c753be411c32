"""The course experiments (core/experiments.py): their runs, names and settings, and the overfitting
lesson on the real MNIST files (issue #25: a plain run that overfits, early stopping that stops)."""

from __future__ import annotations

import pytest

from visualizer.core.errors import UserInputError
from visualizer.core.experiments import (
    EXPERIMENTS,
    OVERFITTING_BASE,
    cli_name,
    experiment_caption,
    experiment_configs,
    from_cli_name,
    queued_run_name,
    run_names,
)
from visualizer.core.training import TrainConfig, Trainer, build_model


def test_the_overfitting_runs_are_named_apart_and_set_what_they_say():
    names = run_names("overfitting")
    assert names == ["overfit-plain", "overfit-wd0.01", "overfit-dropout0.5", "overfit-early-stop", "overfit-4x-data"]
    assert len(set(names)) == len(names)
    configs = experiment_configs("overfitting", TrainConfig().to_dict())
    got = [(c.weight_decay, c.dropout, c.early_stopping, c.train_size) for c in configs]
    assert got == [(0, 0, 0, 500), (0.01, 0, 0, 500), (0, 0.5, 0, 500), (0, 0, 5, 500), (0, 0, 0, 2000)]
    assert all(c.optimizer == "adam" and c.lr == 0.001 and c.epochs == 40 for c in configs)
    assert run_names("learning rates") is None  # one field varied: the runs differ in it
    caption = experiment_caption("overfitting")
    assert caption == "overfitting: plain, wd0.01, dropout0.5, early-stop, 4x-data"  # short: the box stays narrow
    assert "mnist-net1-fc128 on 500 images × 40 epochs" in experiment_caption("overfitting", detail=True)


def test_queued_runs_are_named_by_their_place_in_the_experiment(tmp_path):
    from visualizer.core.runs import new_run_folder

    assert [queued_run_name("overfitting", k) for k in (1, 5)] == ["overfit-plain", "overfit-4x-data"]
    assert queued_run_name("overfitting", 6) == "" and queued_run_name("", 1) == ""
    assert queued_run_name("learning rates", 1) == ""  # told apart by their learning rates
    folder = new_run_folder(tmp_path, TrainConfig(), name="overfit-wd0.01")
    assert folder.name.endswith("_overfit-wd0.01") and folder.parent == tmp_path
    assert new_run_folder(tmp_path, TrainConfig()).name.endswith("_mnist-net1_ce_sgdm_lr0.01")


def test_the_lesson_net_has_no_batchnorm_and_a_hidden_layer():
    model = build_model(OVERFITTING_BASE["net"])
    kinds = [type(m).__name__ for m in model]
    assert "BatchNorm2d" not in kinds and kinds.count("Linear") == 2
    assert sum(p.numel() for p in model.parameters()) == 208_010  # the number the comment gives


def test_cli_names():
    assert [cli_name(n) for n in EXPERIMENTS] == ["learning-rates", "loss-functions", "architectures", "overfitting",
                                                "batch-norm"]
    assert from_cli_name("loss-functions") == "loss functions"
    with pytest.raises(UserInputError, match="must be one of learning-rates"):
        from_cli_name("batchnorm")


def test_options_kept_win_and_more_data_follows_them():
    base = {**TrainConfig().to_dict(), "train_size": 100, "epochs": 3}
    configs = experiment_configs("overfitting", base, keep=("train_size", "epochs"))
    assert [c.train_size for c in configs] == [100, 100, 100, 100, 400]
    assert all(c.epochs == 3 for c in configs)
    with pytest.raises(UserInputError, match="does not fit"):
        experiment_configs("overfitting", {**base, "train_size": 15_000}, keep=("train_size",))


@pytest.mark.mnist
def test_the_plain_run_overfits_and_early_stopping_stops_at_its_best(mnist_dir):
    """The lesson's shape on the real digits (seed 0, one thread): the plain run's validation loss is
    lowest in the first half of the epochs and ends at least 20 % above it while the training loss
    keeps falling; early stopping stops and keeps the best epoch's weights. Shortened to 30 of the 40
    epochs to keep the suite fast (the shape is already there); the other remedies' runs take longer,
    and their measured numbers are in the guide."""
    from visualizer.core.mnist import load_mnist

    plain_cfg, early_cfg = (c for c in experiment_configs("overfitting", TrainConfig().to_dict())
                            if c.weight_decay == 0 and c.dropout == 0 and c.train_size == 500)
    data = load_mnist(mnist_dir, plain_cfg.train_size, plain_cfg.val_size, 500, plain_cfg.seed)
    runs = []
    for cfg in (plain_cfg, early_cfg):
        cfg.num_threads, cfg.device, cfg.test_size, cfg.report_every, cfg.epochs = 1, "cpu", 500, 10**6, 30
        runs.append(Trainer(cfg, data).run())
    plain, early = runs
    val = [e["val_loss"] for e in plain.epochs]
    train = [e["train_loss"] for e in plain.epochs]
    best = plain.final["best_epoch"]
    assert len(val) == 30 and best <= 15
    assert val[-1] >= 1.2 * min(val)
    assert train[-1] < train[best - 1] / 10 and train[-1] < train[19]
    assert early.final["stopped_early"] is True and early.final["epochs_completed"] < 30
    assert early.final["best_epoch"] == best and early.final["epochs_completed"] == best + 5
    assert early.final["val_loss"] == pytest.approx(min(val), rel=1e-4)  # the best weights, kept


def test_the_batch_norm_runs_are_mnist_net1_with_and_without_its_batchnorm_layers():
    from visualizer.core.distributions import layer_names
    from visualizer.core.experiments import BATCH_NORM_LAYER, distributions_every

    assert run_names("batch norm") == ["bn-mnist-net1", "bn-mnist-net1-no-bn"]
    assert experiment_caption("batch norm") == "batch norm: mnist-net1, mnist-net1-no-bn"
    with_bn, without = experiment_configs("batch norm", {**TrainConfig().to_dict(), "lr": 0.5, "epochs": 9})
    assert with_bn.net == "mnist-net1" and without.net["name"] == "mnist-net1-no-bn"
    # trained alike: every setting but the net is the same, the experiment's own (not the form's)
    assert {**with_bn.to_dict(), "net": ""} == {**without.to_dict(), "net": ""}
    assert (with_bn.lr, with_bn.epochs, with_bn.train_size) == (0.01, 3, 10_000)
    kinds = [[type(m).__name__ for m in build_model(c.net)] for c in (with_bn, without)]
    assert kinds[0].count("BatchNorm2d") == 3 and [k for k in kinds[0] if k != "BatchNorm2d"] == kinds[1]
    # the layer it shows feeds conv2 in both nets
    for c in (with_bn, without):
        names = [n for n, _ in layer_names(c.net, build_model(c.net))]
        assert names[names.index("conv2") - 1] == BATCH_NORM_LAYER
    # its runs record distributions whatever the form says; other runs as the form says
    assert distributions_every("batch norm", 0) == distributions_every("batch norm", 7) == 500
    assert distributions_every("overfitting", 0) is None and distributions_every("", 300) == 300
