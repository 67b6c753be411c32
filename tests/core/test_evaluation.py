"""The engine's evaluation passes (validation each epoch, the final train/validation/test): what a
run reports is what an independent evaluation of the trained weights gives.

The oracle is the evaluation written the plain way (a fresh module loaded with the run's weights,
eval mode, torch.no_grad): in batches of EVAL_BATCH and the engine's memory layout (channels_last on
a CPU) it must agree to the last bit (that is how the engine evaluated before it moved to
inference_mode and one read-back per pass), and in one batch of the whole split in the default
layout the accuracies must be identical and the losses equal to 1e-6 relative (summing per batch
and the layout only move the last bits)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from visualizer.core.mnist import load_mnist, synthetic_mnist
from visualizer.core.training import (
    EVAL_BATCH,
    EVAL_CHANNELS_LAST,
    MNIST_MEAN,
    MNIST_STD,
    NUM_CLASSES,
    TrainConfig,
    Trainer,
    build_model,
)


def oracle(result, images: np.ndarray, labels: np.ndarray, loss: str, batch: int, nhwc: bool = False):
    """(mean loss, accuracy, predictions) of the run's weights, evaluated the plain way."""
    model = build_model(result.config.net)
    model.load_state_dict(result.state_dict)
    if nhwc:
        model.to(memory_format=torch.channels_last)
    model.eval()
    total, correct, preds = 0.0, 0, []
    x_all = torch.from_numpy(np.ascontiguousarray(images))
    y_all = torch.from_numpy(labels.astype(np.int64))
    loss_sum = torch.zeros(())
    with torch.no_grad():
        for s in range(0, len(labels), batch):
            x = x_all[s:s + batch].unsqueeze(1).to(torch.float32).sub_(255.0 * MNIST_MEAN).div_(255.0 * MNIST_STD)
            y = y_all[s:s + batch]
            logits = model(x)
            if loss == "ce":
                loss_sum += F.cross_entropy(logits, y, reduction="sum")
            else:
                target = F.one_hot(y, NUM_CLASSES).float()
                loss_sum += F.mse_loss(F.softmax(logits, 1), target, reduction="none").mean(1).sum()
            p = logits.argmax(1)
            correct += int((p == y).sum())
            preds.append(p)
    total = loss_sum.item()
    return total / len(labels), correct / len(labels), torch.cat(preds).numpy()


def check_against_oracle(result, data, loss: str) -> None:
    # The same bits need the same batches and the same thread count as the run's evaluation (torch's
    # CPU kernels split their sums by thread); the process's own count depends on earlier tests.
    before = torch.get_num_threads()
    torch.set_num_threads(result.config.num_threads or before)
    try:
        _check_against_oracle(result, data, loss)
    finally:
        torch.set_num_threads(before)


def _check_against_oracle(result, data, loss: str) -> None:
    f = result.final
    splits = {"train": (data.train_images, data.train_labels), "val": (data.val_images, data.val_labels),
              "test": (data.test_images, data.test_labels)}
    for name, (x, y) in splits.items():
        loss_b, acc_b, pred_b = oracle(result, x, y, loss, EVAL_BATCH, nhwc=EVAL_CHANNELS_LAST)
        assert f[f"{name}_accuracy"] == acc_b, name
        assert f[f"{name}_loss"] == loss_b, name  # same batches: the same bits
        loss_1, acc_1, pred_1 = oracle(result, x, y, loss, len(y))
        assert f[f"{name}_accuracy"] == acc_1, name
        assert f[f"{name}_loss"] == pytest.approx(loss_1, rel=1e-6), name
        if name == "test":
            assert np.array_equal(pred_b, pred_1)
            want = np.bincount(y * NUM_CLASSES + pred_b, minlength=NUM_CLASSES ** 2).reshape(NUM_CLASSES, NUM_CLASSES)
            assert np.array_equal(result.confusion, want)
            wrong = np.flatnonzero(pred_b != y)[:len(result.misclassified["index"])]
            assert np.array_equal(result.misclassified["index"], wrong)
            assert np.array_equal(result.misclassified["pred"], pred_b[wrong])
    # The last epoch's validation pass is the final validation result (no step in between).
    assert result.epochs[-1]["val_loss"] == f["val_loss"]
    assert result.epochs[-1]["val_accuracy"] == f["val_accuracy"]


@pytest.mark.parametrize("loss", ["ce", "l2"])
def test_reported_numbers_are_those_of_an_independent_evaluation(loss):
    # Several evaluation batches per split (more than EVAL_BATCH images), mnist-net1 for its BatchNorm
    # (eval mode must use the running statistics), a barely trained net so accuracies are below 1.
    data = synthetic_mnist(1500, 1100, 1200, seed=5)
    cfg = TrainConfig(net="mnist-net1", loss=loss, optimizer="sgd", lr=1e-4, epochs=1, batch_size=100,
                      train_size=1500, val_size=1100, test_size=1200, report_every=500, device="cpu",
                      num_threads=1)
    result = Trainer(cfg, data).run()
    assert result.status == "completed"
    assert 0.05 < result.final["test_accuracy"] < 1.0  # not a trivial 0 or 1
    check_against_oracle(result, data, loss)


def test_evaluation_leaves_the_model_training_and_its_tensors_ordinary():
    data = synthetic_mnist(300, 120, 130, seed=1)
    cfg = TrainConfig(net="mnist-net1", epochs=1, batch_size=50, train_size=300, val_size=120, test_size=130,
                      device="cpu", num_threads=1)
    trainer = Trainer(cfg, data)
    result = trainer.run()
    assert trainer.model.training  # back in training mode after each pass
    # ... and in the default memory layout (the evaluation's channels_last does not stay behind)
    assert all(t.is_contiguous() for t in trainer.model.state_dict().values())
    loss_v, acc, pred = trainer._evaluate(trainer._test_x, trainer._test_y, want_predictions=True)
    assert (loss_v, acc) == (result.final["test_loss"], result.final["test_accuracy"])
    assert not pred.is_inference()  # usable anywhere, in-place ops included
    pred += 0
    # Autograd still works after an evaluation pass (inference mode does not leak out).
    x = trainer._normalize(trainer._train_x[:8])
    trainer.model(x).sum().backward()
    assert all(p.grad is not None for p in trainer.model.parameters())


def test_a_small_real_mnist_run_reports_what_an_independent_evaluation_gives(mnist_dir):
    data = load_mnist(mnist_dir, train_size=2000, val_size=1500, test_size=1200, seed=0)
    cfg = TrainConfig(net="mnist-net1", epochs=1, train_size=2000, val_size=1500, test_size=1200,
                      device="cpu", num_threads=1, data_dir=str(mnist_dir))
    result = Trainer(cfg, data).run()
    assert result.final["test_accuracy"] > 0.8
    check_against_oracle(result, data, "ce")


def test_the_evaluation_layout_changes_no_training_number(monkeypatch):
    # Validation runs every epoch between training steps: switching its layout to channels_last must
    # leave the weights, the training losses and the accuracies as they were in the default layout.
    import visualizer.core.training.trainer as training  # where _evaluate reads EVAL_CHANNELS_LAST

    data = synthetic_mnist(600, 300, 300, seed=2)
    cfg = TrainConfig(net="mnist-net1", epochs=2, batch_size=50, train_size=600, val_size=300, test_size=300,
                      report_every=100, device="cpu", num_threads=1)
    runs = {}
    for nhwc in (False, True):
        monkeypatch.setattr(training, "EVAL_CHANNELS_LAST", nhwc)
        runs[nhwc] = Trainer(cfg, data).run()
    plain, nhwc = runs[False], runs[True]
    assert [r["train_loss"] for r in plain.history] == [r["train_loss"] for r in nhwc.history]
    assert [r["train_loss"] for r in plain.epochs] == [r["train_loss"] for r in nhwc.epochs]
    for name, t in plain.state_dict.items():
        assert torch.equal(t, nhwc.state_dict[name]), name
    for key in ("train_accuracy", "val_accuracy", "test_accuracy"):
        assert plain.final[key] == nhwc.final[key]
    for key in ("train_loss", "val_loss", "test_loss"):
        assert plain.final[key] == pytest.approx(nhwc.final[key], rel=1e-6)
