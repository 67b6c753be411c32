"""Snapshots of the net while it trains (visualizer.core.live, sent by TrainingWorker): each equals
the training model's weights and buffers at its reporting point, stays as it was while training
goes on, rebuilds a net that computes what the training net computes, and is throttled."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from tests.helpers.runs import small_config
from visualizer.core.errors import UserInputError
from visualizer.core.live import LiveSnapshots, snapshot_label, state_arrays
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.training import Callback, Trainer
from visualizer.ui.training.worker import TrainingWorker


#: Smaller than the shared small run: mnist-net1 on 128 images, a snapshot every 32 examples.
tiny_config = partial(small_config, net="mnist-net1", train_size=128, val_size=32, test_size=32, report_every=32,
                      seed=3, num_threads=1)


class Witness(Callback):
    """Runs after the snapshot callback at the same reporting points: what the training model holds
    there, and its eval-mode output for one fixed image."""

    def __init__(self) -> None:
        self.seen: dict[int, dict] = {}
        self.x = np.random.default_rng(0).normal(size=(1, 1, 28, 28)).astype(np.float32)

    def _look(self, trainer, key) -> None:
        import torch

        model = trainer.model
        was_training = model.training
        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(self.x)).numpy().copy()
        model.train(was_training)
        self.seen[key] = {"state": state_arrays(model), "out": out}

    def on_train_begin(self, trainer) -> None:
        self._look(trainer, ("begin", 0))

    def on_batch_end(self, trainer, record) -> None:
        self._look(trainer, ("batch", trainer.iteration))

    def on_epoch_end(self, trainer, record) -> None:
        self._look(trainer, ("epoch", trainer.iteration))


def test_worker_snapshots_equal_the_model_at_each_reporting_point(qtbot):
    witness = Witness()

    def factory(config, data=None, callbacks=None):
        return Trainer(config, data=data, callbacks=list(callbacks or []) + [witness])

    worker = TrainingWorker(tiny_config(), None, data=synthetic_mnist(128, 32, 32), trainer_factory=factory,
                            live_tag={"run_id": "r1", "run_folder": "/nowhere"})
    got: list[dict] = []
    worker.live_snapshot.connect(got.append)  # same thread: a direct call
    worker.work()
    assert worker.live is not None
    # no throttling within this short run except by time: begin, every epoch's end, the end are always there
    ats = [s["at"] for s in got]
    assert ats[0] == "begin" and ats[-1] == "end" and ats.count("epoch") == 2
    compared = 0
    for s in got:
        assert s["run_id"] == "r1" and s["run_folder"] == "/nowhere" and s["net"] == "mnist-net1"
        if s["at"] == "end":
            continue
        key = ("begin", 0) if s["at"] == "begin" else (s["at"], s["iteration"])
        truth = witness.seen[key]["state"]
        assert set(s["state"]) == set(truth)
        # BatchNorm's running statistics travel with the weights
        assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(s["state"])
        for k, v in truth.items():
            np.testing.assert_array_equal(s["state"][k], v, err_msg=f"{s['at']} {k}")
        compared += 1
    assert compared >= 3
    # the snapshots are copies: a later one differs from the first (training moved on), the first did not move
    first, last = got[0]["state"], got[-2]["state"]
    assert not np.array_equal(first["0.weight"], last["0.weight"])
    assert int(first["1.num_batches_tracked"]) == 0 and int(last["1.num_batches_tracked"]) > 0


def test_a_snapshot_rebuilds_a_net_that_computes_what_the_training_net_computes(qtbot):
    import torch

    from visualizer.core.activations import forward, net_from_state

    witness = Witness()
    got: list[dict] = []
    trainer = Trainer(tiny_config(epochs=1), data=synthetic_mnist(128, 32, 32),
                      callbacks=[LiveSnapshots(got.append, {"run_id": "r"}), witness])
    trainer.run()
    s = next(s for s in got if s["at"] == "epoch")
    net = net_from_state(s["net"], s["state"], "live")
    acts = forward(net, witness.x[0, 0])
    np.testing.assert_allclose(acts.logits, witness.seen[("epoch", s["iteration"])]["out"][0], rtol=1e-5, atol=1e-5)
    # and a torch module loaded with the same weights agrees
    from visualizer.core.training import build_model

    m = build_model("mnist-net1")
    m.load_state_dict({k: torch.from_numpy(v) for k, v in s["state"].items()})
    m.eval()
    with torch.no_grad():
        np.testing.assert_allclose(acts.logits, m(torch.from_numpy(witness.x))[0].numpy(), rtol=1e-6, atol=1e-6)


def test_batch_snapshots_are_throttled_and_epoch_ends_are_not():
    now = [0.0]
    got: list[dict] = []
    witness = Witness()

    class Clock(Callback):  # a fake clock that moves 0.1 s per reporting point
        def on_batch_end(self, trainer, record) -> None:
            now[0] += 0.1

    live = LiveSnapshots(got.append, {}, min_interval_s=0.25, clock=lambda: now[0])
    trainer = Trainer(tiny_config(epochs=2, train_size=256), data=synthetic_mnist(256, 32, 32),
                      callbacks=[Clock(), live, witness])
    trainer.run()
    batches = [s for s in got if s["at"] == "batch"]
    assert [s["at"] for s in got].count("epoch") == 2 and got[-1]["at"] == "end"
    # 16 batch reports 0.1 s apart: one at most every 0.25 s (every third report)
    assert 4 <= len(batches) <= 6 and live.skipped >= 10
    times = [s["iteration"] for s in batches]
    assert all(b - a >= 3 for a, b in zip(times, times[1:]))


def test_a_costly_copy_widens_the_interval():
    now = [0.0]
    got: list[dict] = []

    def clock() -> float:
        now[0] += 0.5  # each look at the clock: half a second (a copy of a huge net takes 0.5 s)
        return now[0]

    live = LiveSnapshots(got.append, {}, min_interval_s=0.25, max_share=0.05, clock=clock)
    trainer = Trainer(tiny_config(epochs=1, train_size=256), data=synthetic_mnist(256, 32, 32), callbacks=[live])
    trainer.run()
    # a 0.5 s copy may come once per 10 s: the batch reports (0.5 s apart here) are nearly all skipped
    assert [s["at"] for s in got if s["at"] == "batch"] == [] and live.skipped >= 7


def test_a_net_too_large_is_not_followed_and_says_why():
    got: list[dict] = []
    trainer = Trainer(tiny_config(epochs=1), data=synthetic_mnist(128, 32, 32),
                      callbacks=[LiveSnapshots(got.append, {"run_id": "r"}, max_values=100)])
    trainer.run()
    assert len(got) == 1 and got[0]["state"] is None and "too many to follow live" in got[0]["reason"]


def test_no_snapshot_leaves_an_aborted_worker(qtbot):
    worker = TrainingWorker(tiny_config(), None, live_tag={"run_id": "r"})
    got: list[dict] = []
    worker.live_snapshot.connect(got.append)
    worker._send_snapshot({"run_id": "r", "at": "batch"})
    worker.abort()
    worker._send_snapshot({"run_id": "r", "at": "batch"})
    assert len(got) == 1


@pytest.mark.parametrize("snap, text", [
    ({"at": "begin"}, "initial weights, before the first step"),
    ({"at": "batch", "examples_seen": 12800, "epochs_completed": 1, "epochs": 3}, "epoch 2 of 3, 12,800 examples seen"),
    ({"at": "epoch", "examples_seen": 19200, "epochs_completed": 2, "epochs": 3},
     "end of epoch 2 of 3, 19,200 examples seen"),
    ({"at": "end", "status": "stopped", "examples_seen": 640}, "final weights (stopped), 640 examples seen"),
    ({"at": "end", "status": "completed", "examples_seen": 640, "best_epoch": 3},
     "final weights (completed): those of epoch 3, the best, restored after 640 examples"),
])
def test_snapshot_labels(snap, text):
    assert snapshot_label(snap) == text


def test_the_builder_gives_each_snapshot_a_net_of_its_own():
    from visualizer.core.activations import forward, net_from_state, untrained_net
    from visualizer.core.live import LiveNetBuilder

    builder = LiveNetBuilder()
    x = np.random.default_rng(1).normal(size=(28, 28)).astype(np.float32)
    nets = []
    for name, seed in (("mnist-net1", 1), ("mnist-net1", 2), ("mnist-net2", 3), ("mnist-net1", 4)):
        state = state_arrays(untrained_net(name, seed).module)
        got = builder.build({"net": name, "state": state, "run_id": "r"})
        want = net_from_state(name, state, "direct")
        assert got.source == "r".join(("run ", " (live)")) and not got.module.training
        assert [la.name for la in got.layers] == [la.name for la in want.layers]
        np.testing.assert_allclose(forward(got, x).logits, forward(want, x).logits, rtol=1e-6, atol=1e-6)
        nets.append(got)
    assert len({id(n.module) for n in nets}) == 4 and nets[0].module is not builder._template.module
    assert not np.allclose(forward(nets[0], x).logits, forward(nets[1], x).logits)
    with pytest.raises(UserInputError, match="does not fit"):
        builder.build({"net": "mnist-net1", "state": state_arrays(untrained_net("mnist-net2", 0).module)})


def test_a_copy_that_fails_stops_the_snapshots_not_the_run(monkeypatch):
    import visualizer.core.live as live_mod

    def broken(module):
        raise RuntimeError("out of memory\nmore")

    monkeypatch.setattr(live_mod, "state_arrays", broken)
    got: list[dict] = []
    result = Trainer(tiny_config(epochs=1), data=synthetic_mnist(128, 32, 32),
                     callbacks=[LiveSnapshots(got.append, {"run_id": "r"})]).run()
    assert result.status == "completed"
    assert len(got) == 1 and got[0]["state"] is None and got[0]["reason"] == "its weights cannot be copied (out of memory)"
