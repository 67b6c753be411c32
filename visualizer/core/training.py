"""The training engine: plain Python + torch, Keras/Lightning-style callbacks, no Qt.

CONTRACT (shared by the engine, the training panel's Qt adapter and the `train` CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visualizer.core.errors import UserInputError  # noqa: F401  (validate() raises it)


@dataclass
class TrainConfig:
    net: str | dict = "mnist-net1"  # preset name, or an architecture document (1x28x28 in, 10 out)
    loss: str = "ce"  # "ce" cross-entropy | "l2" MSE between softmax output and one-hot label
    optimizer: str = "sgdm"  # "sgdm" | "sgd" | "adam"
    lr: float = 0.01
    momentum: float = 0.5
    epochs: int = 8
    batch_size: int = 128
    train_size: int = 50_000
    val_size: int = 10_000
    test_size: int = 10_000
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA, then MPS, then CPU) | "cpu" | "cuda" | "mps"
    report_every: int = 1280  # examples between history records

    def validate(self) -> None:
        """UserInputError with one plain sentence for the first bad field."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        raise NotImplementedError


# Record shapes passed to callbacks (plain dicts of Python numbers, JSON-able):
#   batch record (every `report_every` examples):
#     {"examples_seen", "iteration", "epoch" (float, fractional), "train_loss", "train_accuracy",
#      "elapsed_s", "samples_per_second"}
#   epoch record: {"epoch" (int, 1-based), "examples_seen", "train_loss", "train_accuracy",
#                  "val_loss", "val_accuracy", "elapsed_s"}
#   result (RunResult.final): {"status": "completed" | "stopped" | "diverged", "train_loss",
#     "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy", "wall_time_s",
#     "samples_per_second", "device", "epochs_completed"}


class Callback:
    def on_train_begin(self, trainer: "Trainer") -> None: ...
    def on_batch_end(self, trainer: "Trainer", record: dict[str, Any]) -> None: ...
    def on_epoch_end(self, trainer: "Trainer", record: dict[str, Any]) -> None: ...
    def on_train_end(self, trainer: "Trainer", result: "RunResult") -> None: ...


@dataclass
class RunResult:
    config: TrainConfig
    final: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)  # batch records
    epochs: list[dict[str, Any]] = field(default_factory=list)  # epoch records
    confusion: Any = None  # np.ndarray (10, 10) int64: rows true label, columns predicted (test set)
    misclassified: Any = None  # dict: {"images": uint8 (K,28,28), "true": (K,), "pred": (K,)}
    first_layer_filters: Any = None  # np.ndarray float32 (out_channels, in_channels, kh, kw)
    state_dict: Any = None  # the trained model's state_dict (on the CPU)


class Trainer:
    """Run one training. Thread-safe controls: request_stop(), pause(), resume()."""

    def __init__(self, config: TrainConfig, data: Any = None, callbacks: list[Callback] | None = None):
        """`data`: a visualizer.core.mnist.MnistSplits; None loads MNIST from the usual places."""
        raise NotImplementedError

    @property
    def device(self) -> str:
        """The device in use, e.g. "cpu" or "cuda:0"."""
        raise NotImplementedError

    def request_stop(self) -> None:
        raise NotImplementedError

    def pause(self) -> None:
        raise NotImplementedError

    def resume(self) -> None:
        raise NotImplementedError

    def run(self) -> RunResult:
        raise NotImplementedError
