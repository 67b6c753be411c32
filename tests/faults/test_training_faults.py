"""Issue 9, items 5 and 6: divergence with BatchNorm, learning rates that overflow."""

from __future__ import annotations

import json

import pytest
import torch

from tests.helpers.cli import one_error_line
from tests.helpers.faults import TINY
from visualizer.cli import main
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.run_lock import RunLock
from visualizer.core.training import TrainConfig, Trainer, divergence_bound, untrained_loss


def test_a_huge_learning_rate_with_batchnorm_is_diverged_exit_3(tmp_path, capsys, digits_dir):
    out = tmp_path / "r"
    args = list(TINY)
    args[args.index("--epochs") + 1] = "2"
    code = main(["train", "--data", str(digits_dir), *args, "--net", "mnist-net1", "--lr", "1e6", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 3, captured.err
    assert captured.out.startswith("diverged:")
    assert "Traceback" not in captured.err and "diverged" in captured.err
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["status"] == "diverged" and final["reason"]
    assert ("not a finite number" in final["reason"]) or ("untrained net" in final["reason"])


class _HighLoss(Trainer):
    """Every batch's loss is finite but far above the bound (as with BatchNorm and lr 1e6)."""

    def _loss(self, logits, labels, reduction="mean"):
        real = super()._loss(logits, labels, reduction)
        return real * 0 + 1e6 if self.model.training else real


class _OneSpike(Trainer):
    """One batch in each window is high: not a divergence (not a whole interval)."""

    def _loss(self, logits, labels, reduction="mean"):
        real = super()._loss(logits, labels, reduction)
        return real * 0 + 1e6 if self.model.training and self.iteration % 4 == 1 else real


def _cfg(**kw):
    base = dict(net="mnist-net1", lr=0.01, epochs=1, batch_size=32, train_size=256, val_size=64, test_size=96,
                report_every=128, device="cpu")
    base.update(kw)
    return TrainConfig(**base)


def test_the_divergence_rule_is_a_whole_interval_above_ten_times_the_untrained_loss():
    assert untrained_loss("ce") == pytest.approx(2.302585, rel=1e-5)
    assert divergence_bound("ce") == pytest.approx(23.02585, rel=1e-5)
    assert divergence_bound("l2") == pytest.approx(0.9)
    result = _HighLoss(_cfg(), synthetic_mnist()).run()
    assert result.final["status"] == "diverged"
    assert "stayed above 23.03" in result.final["reason"] and "untrained net" in result.final["reason"]
    assert result.history and result.history[-1]["train_loss"] > 23
    spiky = _OneSpike(_cfg(), synthetic_mnist()).run()
    assert spiky.final["status"] == "completed" and "reason" not in spiky.final


def test_learning_rates_out_of_range_are_refused_up_front(tmp_path, capsys, digits_dir):
    for lr in (1e39, 1e38, 1e37, 2e6, 0.0, -1.0, float("inf")):
        with pytest.raises(UserInputError, match="learning rate"):
            _cfg(lr=lr).validate()
    _cfg(lr=1e6).validate()
    assert main(["train", "--data", str(digits_dir), *TINY, "--lr", "1e39", "--out", str(tmp_path / "o")]) == 2
    assert "at most 1e6" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_what_the_optimizer_raises_is_a_failed_run_in_one_sentence(tmp_path, capsys, digits_dir, monkeypatch):
    def overflow(self, *a, **kw):
        raise RuntimeError("value cannot be converted to type float without overflow\n  C++ frame 1\n  frame 2")

    monkeypatch.setattr(torch.optim.SGD, "step", overflow)
    out = tmp_path / "r"
    code = main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)])
    assert code == 3
    line = one_error_line(capsys.readouterr().err)
    assert "training failed" in line and "overflow" in line and "smaller learning rate" in line
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["status"] == "failed"
    assert "RuntimeError" not in final["error"] and "\n" not in final["error"] and "frame" not in final["error"]
    assert json.loads((out / "config.json").read_text())["lr"] == 0.01
    assert not (out / "model.pt").exists() and not (out / RunLock.LOCK_NAME).exists()
