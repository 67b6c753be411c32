"""Tiny training runs for the tests: configs small enough for one CPU core, a saved run folder
as the trainer or the activations reader expects it, and a runs-table row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from visualizer.core.runs import write_json
from visualizer.core.training import TrainConfig

#: Two epochs of 256 training images in batches of 32, a record every 64 examples.
SMALL_RUN = dict(net="mnist-net2", lr=0.05, epochs=2, batch_size=32, train_size=256, val_size=64, test_size=96,
                 report_every=64, device="cpu")


def small_config(**kw) -> TrainConfig:
    """SMALL_RUN with the fields in `kw` changed."""
    return TrainConfig(**{**SMALL_RUN, **kw})


def make_run(folder, net="mnist-net2", seed=1, state=None):
    """A saved run's folder for the activations reader: config.json and model.pt (seeded weights,
    batch-norm statistics of their own), or `state` as its weights."""
    import torch

    from visualizer.core.training import build_model

    folder.mkdir(parents=True, exist_ok=True)
    cfg = TrainConfig(net=net).to_dict()
    cfg["run_id"] = folder.name
    write_json(folder / "config.json", cfg)
    if state is None:
        torch.manual_seed(seed)
        model = build_model(net)
        # Give batch norm statistics of its own, so eval mode matters.
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        state = model.state_dict()
    torch.save(state, folder / "model.pt")
    return folder


@dataclass
class Row:
    """A runs-table row as core.run_table reads it (the fields of the Training tab's RunEntry)."""

    run_id: str
    config: dict
    final: dict = field(default_factory=dict)
    status: str = ""
    progress: float | None = None


def write_run_folder(root: Path, name: str, metrics: str, results: bytes | None = None) -> Path:
    """A saved run as the trainer leaves it: config.json (a 1-epoch mnist-net1 run), metrics.json
    with the text given, results.npz with the bytes given (none when None)."""
    folder = root / name
    folder.mkdir(parents=True)
    write_json(folder / "config.json", {"run_id": name, "net": "mnist-net1", "epochs": 1, "lr": 0.01,
                                        "loss": "ce", "optimizer": "sgdm", "train_size": 100,
                                        "started": "2026-11-28T10:00:00+00:00"})
    (folder / "metrics.json").write_text(metrics)
    if results is not None:
        (folder / "results.npz").write_bytes(results)
    return folder
