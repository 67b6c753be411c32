"""The training engine: config checks, records and callbacks, determinism, divergence, stop and
pause from another thread, the L2 loss, and real MNIST subsets (skipped without MNIST)."""

from __future__ import annotations

import json
import math
import threading
import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.runs import small_config
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import load_mnist, synthetic_mnist
from visualizer.core.training import (
    MNIST_MEAN,
    MNIST_STD,
    Callback,
    RunResult,
    TrainConfig,
    Trainer,
    build_model,
)
from visualizer.core.devices import pick_device

BATCH_KEYS = {"examples_seen", "iteration", "epoch", "train_loss", "train_accuracy", "elapsed_s",
              "samples_per_second"}
EPOCH_KEYS = {"epoch", "examples_seen", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "elapsed_s"}
FINAL_KEYS = {"status", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
              "wall_time_s", "samples_per_second", "device", "epochs_completed"}


class Recorder(Callback):
    def __init__(self):
        self.events: list[tuple[str, object]] = []

    def on_train_begin(self, trainer):
        self.events.append(("begin", trainer.device))

    def on_batch_end(self, trainer, record):
        self.events.append(("batch", dict(record)))

    def on_epoch_end(self, trainer, record):
        self.events.append(("epoch", dict(record)))

    def on_train_end(self, trainer, result):
        self.events.append(("end", result))


def numbers_only(records):
    """Records without the timing fields (those differ between identical runs)."""
    skip = {"elapsed_s", "samples_per_second", "wall_time_s", "train_time_s", "paused_s"}
    return [{k: v for k, v in r.items() if k not in skip} for r in records]


# --- config ---------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("lr", 0, "learning rate"), ("lr", -0.1, "learning rate"), ("lr", float("nan"), "learning rate"),
    ("momentum", 1.0, "momentum"), ("epochs", 0, "epochs"), ("epochs", 1.5, "epochs"),
    ("batch_size", 0, "batch size"), ("train_size", 0, "training size"), ("val_size", 0, "validation size"),
    ("train_size", 55_000, "60,000"), ("test_size", 10_001, "test size"), ("seed", -1, "seed"),
    ("loss", "mse", "loss"), ("optimizer", "rmsprop", "optimizer"), ("device", "gpu", "device"),
    ("net", "no-such-net", "no-such-net"), ("report_every", 0, "reporting interval"),
])
def test_bad_config_is_one_plain_sentence(field, value, words):
    cfg = TrainConfig(**{field: value})
    with pytest.raises(UserInputError) as exc:
        cfg.validate()
    assert words in str(exc.value)
    assert "\n" not in str(exc.value)


def test_defaults_are_the_course_setup():
    cfg = TrainConfig()
    cfg.validate()
    assert (cfg.net, cfg.loss, cfg.optimizer, cfg.lr, cfg.momentum, cfg.epochs, cfg.batch_size) == \
        ("mnist-net1", "ce", "sgdm", 0.01, 0.5, 8, 128)
    assert (cfg.train_size, cfg.val_size, cfg.test_size) == (50_000, 10_000, 10_000)


def _arch_doc(input_shape, layers):
    return {"schema": "convviz.architecture", "version": 1, "name": "custom", "input_shape": input_shape,
            "layers": layers}


def test_architecture_must_take_28x28_and_give_10():
    rgb = _arch_doc([3, 32, 32], [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}])
    with pytest.raises(UserInputError, match="1×28×28"):
        TrainConfig(net=rgb).validate()
    five = _arch_doc([1, 28, 28], [{"type": "Flatten"}, {"type": "Linear", "out_features": 5}])
    with pytest.raises(UserInputError, match="10 outputs"):
        TrainConfig(net=five).validate()


def test_config_round_trips_through_json():
    doc = _arch_doc([1, 28, 28], [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}])
    cfg = TrainConfig(net=doc, loss="l2", optimizer="adam", lr=0.001, epochs=3, seed=7)
    again = TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg
    # Keys from a newer version are ignored, not fatal.
    assert TrainConfig.from_dict({**cfg.to_dict(), "future_field": 1}) == cfg


@settings(max_examples=40, deadline=None)
@given(train=st.integers(1, 59_999), val=st.integers(1, 59_999), test=st.integers(1, 10_000),
       lr=st.floats(1e-8, 10), momentum=st.floats(0, 0.99), seed=st.integers(0, 2**63 - 1),
       loss=st.sampled_from(["ce", "l2"]), optimizer=st.sampled_from(["sgdm", "sgd", "adam"]))
def test_any_config_that_fits_is_accepted_and_round_trips(train, val, test, lr, momentum, seed, loss, optimizer):
    cfg = TrainConfig(net="mnist-net2", train_size=train, val_size=val, test_size=test, lr=lr, momentum=momentum,
                      seed=seed, loss=loss, optimizer=optimizer)
    if train + val > 60_000:
        with pytest.raises(UserInputError, match="does not fit"):
            cfg.validate()
        return
    cfg.validate()
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_trailing_softmax_is_dropped_so_the_losses_get_logits():
    from visualizer.core.architecture import preset

    arch = preset("mnist-net1")
    assert arch.layers[-1].type == "Softmax"  # the preset ends in softmax, as in the course
    model = build_model("mnist-net1")
    assert not isinstance(model[-1], torch.nn.Softmax)
    model.eval()
    out = model(torch.randn(4, 1, 28, 28))
    assert not torch.allclose(out.sum(dim=1), torch.ones(4))  # logits, not probabilities
    assert sum(p.numel() for p in model.parameters()) == 21_690


def test_auto_device_and_missing_cuda():
    dev = pick_device("auto")
    if torch.cuda.is_available():
        assert dev.type == "cuda"
    else:
        assert dev.type in ("mps", "cpu")
        with pytest.raises(UserInputError, match="CUDA is not available"):
            pick_device("cuda")


def test_bad_data_is_refused():
    data = synthetic_mnist()
    data.train_labels = data.train_labels[:10]
    with pytest.raises(UserInputError, match="one per image"):
        Trainer(small_config(), data).run()


# --- a run ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_run():
    rec = Recorder()
    trainer = Trainer(small_config(), synthetic_mnist(), [rec])
    result = trainer.run()
    return trainer, result, rec


def test_callbacks_come_in_order_with_the_documented_records(small_run):
    trainer, result, rec = small_run
    kinds = [k for k, _ in rec.events]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert kinds.count("epoch") == 2
    # 256 examples per epoch, a record every 64: four batch records before each epoch record.
    assert kinds == ["begin"] + (["batch"] * 4 + ["epoch"]) * 2 + ["end"]
    batches = [r for k, r in rec.events if k == "batch"]
    epochs = [r for k, r in rec.events if k == "epoch"]
    assert all(set(b) == BATCH_KEYS for b in batches)
    assert all(set(e) == EPOCH_KEYS for e in epochs)
    assert [b["examples_seen"] for b in batches] == list(range(64, 513, 64))
    assert [b["iteration"] for b in batches] == list(range(2, 17, 2))
    assert [b["epoch"] for b in batches] == pytest.approx([s / 256 for s in range(64, 513, 64)])
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert result.history == batches and result.epochs == epochs
    # Records are plain JSON-able Python numbers.
    json.dumps(batches + epochs + [result.final], allow_nan=False)
    assert rec.events[-1][1] is result


def test_epoch_training_numbers_are_the_mean_of_its_batch_records(small_run):
    _, result, _ = small_run
    for e, first in zip(result.epochs, (0, 4)):
        window = result.history[first:first + 4]  # four equal windows of 64 make up the epoch
        assert e["train_loss"] == pytest.approx(np.mean([b["train_loss"] for b in window]), rel=1e-5)
        assert e["train_accuracy"] == pytest.approx(np.mean([b["train_accuracy"] for b in window]))


def test_final_numbers_agree_with_an_independent_evaluation(small_run):
    """Rebuild the net from the saved state_dict, normalize with numpy, and recount."""
    _, result, _ = small_run
    final = result.final
    assert FINAL_KEYS <= set(final)
    assert final["status"] == "completed" and final["epochs_completed"] == 2
    assert final["device"] == "cpu" and final["examples_seen"] == 512
    data = synthetic_mnist()
    model = build_model("mnist-net2")
    model.load_state_dict(result.state_dict)
    model.eval()
    x = torch.from_numpy(((data.test_images / 255.0 - MNIST_MEAN) / MNIST_STD).astype(np.float32))[:, None]
    with torch.no_grad():
        logits = model(x)
    pred = logits.argmax(1).numpy()
    truth = data.test_labels
    assert final["test_accuracy"] == pytest.approx((pred == truth).mean())
    assert final["val_accuracy"] == result.epochs[-1]["val_accuracy"]  # the same model, the same images
    with torch.no_grad():
        vx = torch.from_numpy(((data.val_images / 255.0 - MNIST_MEAN) / MNIST_STD).astype(np.float32))[:, None]
        assert final["val_accuracy"] == pytest.approx((model(vx).argmax(1).numpy() == data.val_labels).mean())
    ce = torch.nn.functional.cross_entropy(logits, torch.from_numpy(truth)).item()
    assert final["test_loss"] == pytest.approx(ce, rel=1e-4)
    # Confusion matrix: rows true, columns predicted.
    expected = np.zeros((10, 10), np.int64)
    np.add.at(expected, (truth, pred), 1)
    assert np.array_equal(result.confusion, expected)
    # Misclassified digits are the wrong ones, in test order, with their images.
    wrong = np.flatnonzero(pred != truth)[:64]
    mis = result.misclassified
    assert np.array_equal(mis["true"], truth[wrong]) and np.array_equal(mis["pred"], pred[wrong])
    assert np.array_equal(mis["images"], data.test_images[wrong])
    # The first layer's filters are the first conv's weights.
    assert np.array_equal(result.first_layer_filters, result.state_dict["0.weight"].numpy())
    assert result.first_layer_filters.shape == (2, 1, 3, 3)
    assert all(t.device.type == "cpu" for t in result.state_dict.values())


def test_the_synthetic_task_is_learned(small_run):
    _, result, _ = small_run
    assert result.final["test_accuracy"] > 0.6
    assert result.epochs[-1]["train_loss"] < result.history[0]["train_loss"]


def test_same_seed_same_numbers_other_seed_other_numbers():
    def run(seed):
        return Trainer(small_config(epochs=1, seed=seed), synthetic_mnist()).run()

    a, b, c = run(3), run(3), run(4)
    assert numbers_only(a.history) == numbers_only(b.history)
    assert numbers_only(a.epochs) == numbers_only(b.epochs)
    assert numbers_only([a.final]) == numbers_only([b.final])
    assert all(torch.equal(a.state_dict[k], b.state_dict[k]) for k in a.state_dict)
    assert numbers_only(a.history) != numbers_only(c.history)


def test_run_does_not_disturb_the_global_random_state():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Trainer(small_config(epochs=1), synthetic_mnist()).run()
    assert torch.equal(torch.rand(3), expected)


def test_a_huge_learning_rate_diverges_and_keeps_what_was_logged():
    rec = Recorder()
    result = Trainer(small_config(net="mnist-net1", optimizer="sgd", lr=1e6), synthetic_mnist(), [rec]).run()
    assert result.final["status"] == "diverged"
    assert result.history, "the records before the divergence are kept"
    assert all(math.isfinite(h["train_loss"]) for h in result.history)
    assert [k for k, _ in rec.events][-1] == "end"
    assert result.state_dict is not None


def test_l2_loss_is_mse_of_softmax_against_one_hot():
    trainer = Trainer(small_config(loss="l2"), synthetic_mnist())
    logits = torch.randn(5, 10)
    labels = torch.tensor([0, 3, 9, 3, 1])
    p = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(1, keepdims=True)
    onehot = np.eye(10)[labels.numpy()]
    assert trainer._loss(logits, labels).item() == pytest.approx(((p - onehot) ** 2).mean(), rel=1e-5)
    assert trainer._loss(logits, labels, "sum").item() == pytest.approx(((p - onehot) ** 2).mean(1).sum(), rel=1e-5)
    result = trainer.run()
    assert result.final["status"] == "completed"
    # A softmax against a one-hot label: each per-example mean lies in [0, 0.2].
    assert all(0 <= h["train_loss"] <= 0.2 for h in result.history)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_other_optimizers_learn(optimizer):
    lr = 0.01 if optimizer == "adam" else 0.1
    result = Trainer(small_config(optimizer=optimizer, lr=lr, epochs=1), synthetic_mnist()).run()
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


def test_numbers_are_read_back_only_at_reporting_points(monkeypatch):
    """No host read-back per step: count .item()/bool()/float() on tensors during a run of 32
    steps with two reporting points; only reports, epoch ends and evaluations may read."""
    reads = []
    for name in ("item", "__bool__", "__float__", "tolist"):
        original = getattr(torch.Tensor, name)

        def counted(self, *a, _original=original, _name=name, **kw):
            reads.append(_name)
            return _original(self, *a, **kw)

        monkeypatch.setattr(torch.Tensor, name, counted)
    cfg = small_config(batch_size=8, train_size=128, report_every=128)
    result = Trainer(cfg, synthetic_mnist(train_size=128)).run()
    monkeypatch.undo()
    assert result.final["iterations"] == 32
    # 2 reports x 2 + 2 epoch means x 2 + evaluations (2 validation, 3 final) x 2 = 18
    assert len(reads) <= 18, reads


def test_normalization_matches_the_mnist_formula():
    trainer = Trainer(small_config(), synthetic_mnist())
    raw = torch.arange(256, dtype=torch.uint8).reshape(1, 16, 16).repeat(2, 1, 1)
    got = trainer._normalize(raw).numpy()
    want = (raw.numpy()[:, None] / 255.0 - MNIST_MEAN) / MNIST_STD
    assert got.shape == (2, 1, 16, 16)
    assert np.allclose(got, want, atol=1e-5)


def test_thread_count_is_set_for_the_run_and_restored():
    before = torch.get_num_threads()
    seen = []

    class Threads(Callback):
        def on_train_begin(self, trainer):
            seen.append(torch.get_num_threads())

    Trainer(small_config(epochs=1, num_threads=1), synthetic_mnist(), [Threads()]).run()
    assert seen == [1]
    assert torch.get_num_threads() == before


# --- stop and pause --------------------------------------------------------------------------

def test_stop_from_a_callback_ends_the_run_as_stopped():
    class StopAtFirst(Callback):
        def on_batch_end(self, trainer, record):
            trainer.request_stop()

    rec = Recorder()
    result = Trainer(small_config(), synthetic_mnist(), [StopAtFirst(), rec]).run()
    assert result.final["status"] == "stopped"
    assert result.final["epochs_completed"] == 0 and result.epochs == []
    assert result.final["examples_seen"] == 64  # stopped before the next batch
    assert 0 <= result.final["test_accuracy"] <= 1  # still evaluated
    assert [k for k, _ in rec.events] == ["begin", "batch", "end"]


def test_abort_skips_the_final_evaluation():
    class AbortAtFirst(Callback):
        def on_batch_end(self, trainer, record):
            trainer.abort()

    result = Trainer(small_config(), synthetic_mnist(), [AbortAtFirst()]).run()
    assert result.final["status"] == "stopped"
    assert result.final["test_accuracy"] is None and result.confusion is None
    assert result.state_dict is not None


def _run_in_thread(trainer):
    box = {}

    def work():
        try:
            box["result"] = trainer.run()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["error"] = exc

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t, box


def test_pause_and_resume_from_another_thread():
    started = threading.Event()

    class Started(Callback):
        def on_batch_end(self, trainer, record):
            started.set()

    trainer = Trainer(small_config(epochs=3, report_every=32), synthetic_mnist(), [Started()])
    thread, box = _run_in_thread(trainer)
    assert started.wait(60)
    trainer.pause()
    assert trainer.paused
    assert trainer.pause_reached.wait(60), "the loop should come to rest between batches"
    seen = trainer.examples_seen
    time.sleep(0.3)
    assert trainer.examples_seen == seen, "no batches while paused"
    assert thread.is_alive()
    trainer.resume()
    thread.join(120)
    assert not thread.is_alive()
    assert "error" not in box
    result = box["result"]
    assert result.final["status"] == "completed"
    assert result.final["examples_seen"] == 3 * 256
    assert result.final["paused_s"] >= 0.3


def test_stop_wakes_a_paused_run():
    started = threading.Event()

    class Started(Callback):
        def on_batch_end(self, trainer, record):
            started.set()

    trainer = Trainer(small_config(epochs=5, report_every=32), synthetic_mnist(), [Started()])
    thread, box = _run_in_thread(trainer)
    assert started.wait(60)
    trainer.pause()
    assert trainer.pause_reached.wait(60)
    trainer.request_stop()
    thread.join(120)
    assert not thread.is_alive()
    assert box["result"].final["status"] == "stopped"
    assert box["result"].final["examples_seen"] < 5 * 256


# --- real MNIST (skipped when the files are absent) ------------------------------------------

@pytest.mark.mnist
def test_one_epoch_on_3000_real_digits_is_well_above_chance(mnist_dir):
    cfg = TrainConfig(epochs=1, train_size=3000, val_size=1000, test_size=1000, device="cpu",
                      data_dir=str(mnist_dir))
    result = Trainer(cfg).run()  # data=None: loads from data_dir with the config's sizes
    f = result.final
    assert f["status"] == "completed"
    assert (f["train_size"], f["val_size"], f["test_size"]) == (3000, 1000, 1000)
    assert f["test_accuracy"] > 0.6 and f["val_accuracy"] > 0.6  # chance is 0.1
    assert result.confusion.sum() == 1000


@pytest.mark.mnist
def test_mnist_net2_trains_on_real_digits(mnist_dir):
    data = load_mnist(mnist_dir, train_size=1000, val_size=200, test_size=200, seed=1)
    result = Trainer(TrainConfig(net="mnist-net2", epochs=1, lr=0.05, train_size=1000, val_size=200,
                                 test_size=200, device="cpu", report_every=200), data).run()
    assert result.final["status"] == "completed"
    assert result.final["num_parameters"] == 4_350
    assert result.first_layer_filters.shape == (2, 1, 3, 3)
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]
    assert isinstance(result, RunResult)


# --- the overfitting lesson: weight decay, dropout, early stopping ---------------------------

def test_regularisation_options_are_checked():
    for kw, words in (({"weight_decay": -0.1}, "weight decay"), ({"weight_decay": float("nan")}, "weight decay"),
                      ({"dropout": -0.1}, "dropout"), ({"dropout": 1.0}, "dropout"),
                      ({"early_stopping": -1}, "early-stopping"), ({"early_stopping": 2.5}, "early-stopping"),
                      ({"early_stopping": True}, "early-stopping")):
        with pytest.raises(UserInputError, match=words):
            small_config(**kw).validate()
    small_config(weight_decay=1e-3, dropout=0.5, early_stopping=3).validate()
    assert TrainConfig.from_dict(small_config(dropout=0.25).to_dict()).dropout == 0.25


def test_dropout_goes_before_each_linear_and_keeps_the_state_dict_keys():
    plain = build_model("mnist-net1")
    dropped = build_model("mnist-net1", dropout=0.5)
    kinds = [type(m).__name__ for m in dropped]
    linears = [i for i, k in enumerate(kinds) if k == "Linear"]
    assert linears and all(kinds[i - 1] == "Dropout" for i in linears)
    assert kinds.count("Dropout") == len(linears)
    assert all(m.p == 0.5 for m in dropped if isinstance(m, torch.nn.Dropout))
    assert list(plain.state_dict()) == list(dropped.state_dict())
    dropped.load_state_dict(plain.state_dict())
    x = torch.randn(4, 1, 28, 28)
    dropped.eval()
    plain.eval()
    assert torch.equal(plain(x), dropped(x))  # off in evaluation
    dropped.train()
    assert not torch.equal(plain(x), dropped(x))  # on in training


def test_weight_decay_reaches_the_optimizer():
    for opt in ("sgdm", "sgd", "adam"):
        t = Trainer(small_config(optimizer=opt, weight_decay=0.01, epochs=1), data=synthetic_mnist(64, 32, 32))
        t._setup()
        assert t.optimizer.param_groups[0]["weight_decay"] == 0.01


def test_best_epoch_is_always_reported():
    result = Trainer(small_config(epochs=3), data=synthetic_mnist(256, 64, 96)).run()
    vals = [e["val_loss"] for e in result.epochs]
    assert result.final["best_epoch"] == 1 + int(np.argmin(vals))
    assert result.final["best_val_loss"] == min(vals)
    assert result.final["stopped_early"] is False
    json.dumps(result.final, allow_nan=False)


def test_early_stopping_stops_and_restores_the_best_weights(monkeypatch):
    # Validation losses that fall for two epochs and then rise: patience 2 stops after epoch 4.
    losses = iter([1.0, 0.5, 0.7, 0.9, 0.8, 0.6, 0.4])
    real = Trainer._evaluate
    snapshots = {}

    def fake(self, *args, **kw):
        out = real(self, *args, **kw)
        if kw.get("interruptible"):  # the epoch's validation pass
            snapshots[self.epoch + 1] = {k: v.clone() for k, v in self.model.state_dict().items()}
            return (next(losses), out[1])
        return out

    monkeypatch.setattr(Trainer, "_evaluate", fake)
    result = Trainer(small_config(epochs=7, early_stopping=2), data=synthetic_mnist(256, 64, 96)).run()
    assert result.final["stopped_early"] is True
    assert result.status == "completed"
    assert result.final["epochs_completed"] == 4
    assert len(result.epochs) == 4
    assert result.final["best_epoch"] == 2 and result.final["best_val_loss"] == 0.5
    assert result.final["val_loss"] == 0.5  # the best epoch's validation, not the last's
    for k, v in result.state_dict.items():
        assert torch.equal(v, snapshots[2][k]), k


def test_early_stopping_that_never_triggers_still_keeps_the_best(monkeypatch):
    losses = iter([1.0, 0.5, 0.7])
    real = Trainer._evaluate

    def fake(self, *args, **kw):
        out = real(self, *args, **kw)
        return (next(losses), out[1]) if kw.get("interruptible") else out

    monkeypatch.setattr(Trainer, "_evaluate", fake)
    result = Trainer(small_config(epochs=3, early_stopping=5), data=synthetic_mnist(256, 64, 96)).run()
    assert result.final["stopped_early"] is False
    assert result.final["epochs_completed"] == 3
    assert result.final["best_epoch"] == 2 and result.final["val_loss"] == 0.5


def test_early_stopping_restores_the_best_weights_after_a_stop_mid_epoch():
    class StopInEpochTwo(Callback):
        def __init__(self):
            self.snapshot = None

        def on_epoch_end(self, trainer, record):
            self.snapshot = {k: v.clone() for k, v in trainer.model.state_dict().items()}

        def on_batch_end(self, trainer, record):
            if record["epoch"] > 1.2:
                trainer.request_stop()

    cb = StopInEpochTwo()
    result = Trainer(small_config(epochs=3, early_stopping=2), data=synthetic_mnist(256, 64, 96), callbacks=[cb]).run()
    assert result.status == "stopped" and result.final["epochs_completed"] == 1
    assert result.final["best_epoch"] == 1 and result.final["val_loss"] == result.final["best_val_loss"]
    for k, v in result.state_dict.items():
        assert torch.equal(v, cb.snapshot[k]), k
