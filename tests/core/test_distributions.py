"""distributions.jsonl: TensorBoard's summary of weights, gradients and activations while training
(issue 24)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from visualizer.core import distributions as dist
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.training import Callback, TrainConfig, Trainer

NET1_LAYERS = ["conv1", "bn1", "relu1", "maxpool1", "conv2", "bn2", "relu2", "maxpool2", "conv3", "bn3", "relu3",
               "flatten1", "fc1"]


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e6, 1e6)))
def test_summary_equals_numpy_percentile_and_histogram(values):
    s = dist.summarize(values)
    assert np.allclose(s["percentiles"], np.percentile(values, dist.PERCENTILES), rtol=1e-12, atol=1e-9)
    counts, edges = np.histogram(values, bins=dist.BINS)
    assert np.allclose(s["edges"], edges, rtol=1e-12, atol=1e-9)
    assert sum(s["counts"]) == values.size
    # numpy bins by arithmetic, we by comparison with the edges: they may differ for a value on an edge.
    assert np.abs(np.array(s["counts"]) - counts).sum() <= 2 * np.isin(values, edges).sum()


def test_non_finite_values_are_counted_apart():
    s = dist.summarize(np.array([1.0, np.nan, np.inf, 2.0, 3.0]))
    assert s["non_finite"] == 2 and sum(s["counts"]) == 3
    assert s["percentiles"][0] == 1.0 and s["percentiles"][-1] == 3.0 and s["percentiles"][4] == 2.0
    assert dist.summarize(np.array([np.nan]))["percentiles"] == [None] * 9


class FileWatcher(Callback):
    """Reads the file at every report: it must hold the records already made."""

    def __init__(self, path):
        self.path, self.lines = path, []

    def on_batch_end(self, trainer, record):
        self.lines.append(len(self.path.read_text().splitlines()) if self.path.exists() else 0)


def short_run(tmp_path, every=256, net="mnist-net1", **extra):
    data = synthetic_mnist(512, 96, 64, seed=1)
    recorder = dist.DistributionRecorder(tmp_path, every, data.val_images[:dist.ACTIVATION_IMAGES])
    watcher = FileWatcher(tmp_path / dist.FILE_NAME)
    cfg = TrainConfig(net=net, epochs=2, batch_size=64, train_size=512, val_size=96, test_size=64,
                      report_every=128, device="cpu", num_threads=1, **extra)
    trainer = Trainer(cfg, data=data, callbacks=[recorder, watcher])
    trainer.run()
    return trainer, recorder, watcher


def test_a_short_runs_file_holds_every_layer_and_kind_at_every_interval(tmp_path):
    trainer, recorder, watcher = short_run(tmp_path)
    records = dist.read_distributions(tmp_path / dist.FILE_NAME)
    seen = sorted({r["examples_seen"] for r in records})
    assert seen == [256, 512, 768, 1024] and recorder.records == 4
    weights = {name: int(child.weight.numel()) for name, child in dist.layer_names("mnist-net1", trainer.model)
               if getattr(child, "weight", None) is not None}
    assert set(weights) == {"conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "fc1"}
    assert weights["conv1"] == 8 * 1 * 3 * 3 and weights["bn1"] == 8 and weights["fc1"] == 10 * 1568
    for at in seen:
        here = [r for r in records if r["examples_seen"] == at]
        assert [r["layer"] for r in here if r["kind"] == "activation"] == NET1_LAYERS
        for name, n in weights.items():
            kinds = {r["kind"]: r for r in here if r["layer"] == name}
            assert set(kinds) == {"weight", "grad", "activation"}
            assert sum(kinds["weight"]["counts"]) == n and sum(kinds["grad"]["counts"]) == n
        for r in here:
            assert r["epoch"] == at / 512
            assert len(r["percentiles"]) == 9 and len(r["edges"]) == 31 and len(r["counts"]) == 30
            assert r["percentiles"] == sorted(r["percentiles"]) and r["edges"] == sorted(r["edges"])
            assert r["percentiles"][0] == r["edges"][0] and r["percentiles"][-1] == r["edges"][-1]
    act = {r["layer"]: r for r in records if r["kind"] == "activation" and r["examples_seen"] == 256}
    assert sum(act["conv1"]["counts"]) == 64 * 8 * 28 * 28 and sum(act["fc1"]["counts"]) == 64 * 10
    # The weights recorded are the trainer's: the last record's fc1 weights are the final weights.
    last = [r for r in records if r["examples_seen"] == 1024 and r["layer"] == "fc1" and r["kind"] == "weight"][0]
    w = trainer.model[12].weight.detach().numpy()
    assert last["percentiles"][0] == pytest.approx(float(w.min())) and last["percentiles"][-1] == pytest.approx(float(w.max()))
    # Appended and flushed as it goes: the file held each record before the run ended.
    assert watcher.lines[1] == 27 and watcher.lines[3] == 54 and watcher.lines[-1] == 4 * 27


def test_recording_changes_neither_training_nor_batch_norm(tmp_path):
    a, _, _ = short_run(tmp_path / "a", every=128)
    cfg = TrainConfig(net="mnist-net1", epochs=2, batch_size=64, train_size=512, val_size=96, test_size=64,
                      report_every=128, device="cpu", num_threads=1)
    b = Trainer(cfg, data=synthetic_mnist(512, 96, 64, seed=1)).run()
    for key, value in a.model.state_dict().items():
        assert np.array_equal(value.numpy(), b.state_dict[key].numpy()), key


def test_dropout_layers_are_left_out_and_names_kept(tmp_path):
    _, _, _ = short_run(tmp_path, net="mnist-net2", dropout=0.5)
    records = dist.read_distributions(tmp_path / dist.FILE_NAME)
    layers = {r["layer"] for r in records}
    assert "fc1" in layers and not any(n.startswith("dropout") for n in layers)


def test_a_cut_last_line_is_skipped_and_other_damage_named(tmp_path):
    good = json.dumps({"examples_seen": 1, "epoch": 0.1, "layer": "conv1", "kind": "weight",
                       "percentiles": [0] * 9, "edges": [0] * 31, "counts": [0] * 30})
    p = tmp_path / dist.FILE_NAME
    p.write_text(good + "\n" + good[:40])
    assert len(dist.read_distributions(p)) == 1
    p.write_text(good[:40] + "\n" + good + "\n")
    with pytest.raises(UserInputError, match="line 1: not a JSON object"):
        dist.read_distributions(p)


@pytest.mark.parametrize("every", [0, -5, 1.5, True, "100"])
def test_bad_intervals_are_refused(tmp_path, every):
    with pytest.raises(UserInputError, match="distributions interval"):
        dist.DistributionRecorder(tmp_path, every, np.zeros((2, 28, 28), np.uint8))


def test_a_recorder_given_no_images_takes_the_trainers_validation_images(tmp_path):
    """The GUI's worker lets the trainer load MNIST: its recorder takes Trainer.validation_images when
    training begins, and writes what a recorder given those images writes (`convviz train`'s)."""
    data = synthetic_mnist(256, 96, 64, seed=2)
    cfg = dict(net="mnist-net1", epochs=1, batch_size=64, train_size=256, val_size=96, test_size=64,
               report_every=128, device="cpu", num_threads=1)
    given = dist.recorder_for(tmp_path / "given", 128, data.val_images)
    taken = dist.recorder_for(tmp_path / "taken", 128)
    assert taken.images is None
    trainer = Trainer(TrainConfig(**cfg), data=data, callbacks=[taken])
    assert trainer.validation_images is None  # not loaded yet
    trainer.run()
    assert np.array_equal(trainer.validation_images, data.val_images)
    assert np.array_equal(taken.images, data.val_images[:dist.ACTIVATION_IMAGES])
    Trainer(TrainConfig(**cfg), data=data, callbacks=[given]).run()
    a = dist.read_distributions(tmp_path / "taken" / dist.FILE_NAME)
    b = dist.read_distributions(tmp_path / "given" / dist.FILE_NAME)
    assert len(a) == len(b) == 2 * 27 and a == b


def test_series_of_a_layer_and_kind_for_a_plot():
    line = lambda seen, layer, kind, pct: {"examples_seen": seen, "epoch": seen / 100, "layer": layer,  # noqa: E731
                                           "kind": kind, "percentiles": pct, "edges": list(range(31)),
                                           "counts": [1] * 30}
    records = [line(200, "conv1", "weight", list(range(9))), line(100, "conv1", "weight", [None] + list(range(8))),
               line(100, "relu1", "activation", [0] * 9), line(100, "conv1", "activation", [1] * 9)]
    assert dist.layers_in(records) == ["conv1", "relu1"]
    s = dist.series(records, "conv1", "weight")
    assert len(s) == 2 and list(s.examples_seen) == [100, 200]  # in order of examples seen
    assert np.isnan(s.percentiles[0, 0]) and list(s.percentiles[1]) == list(range(9))  # null is NaN
    assert s.edges.shape == (2, 31) and s.counts.shape == (2, 30) and list(s.epoch) == [1.0, 2.0]
    empty = dist.series(records, "conv2", "grad")
    assert len(empty) == 0 and empty.percentiles.shape == (0, 9)
