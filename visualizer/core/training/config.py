"""A training run's settings (`TrainConfig`) and the limits and rules they are checked against
(no Qt; torch is not imported here)."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.parsing import parse_device
from visualizer.core.training.nets import NUM_CLASSES, check_trainable, net_label, resolve_architecture

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
LOSSES = ("ce", "l2")
OPTIMIZERS = ("sgdm", "sgd", "adam")
TRAIN_POOL = 60_000  # MNIST training images (train + validation come from these)
TEST_POOL = 10_000
#: The largest learning rate accepted. Useful rates for these nets lie between about 1e-5 and 1;
#: a million is far past any of them and still diverges visibly (the divergence rule reports it),
#: while rates near 1e37 and above make torch's float32 arithmetic overflow outright.
MAX_LR = 1e6
MAX_EPOCHS = 100_000
#: The largest weight decay accepted: useful values are about 1e-5 to 1e-2; λ·lr ≥ 1 flips the sign
#: of every weight at each step, so anything near 1e3 is a typo.
MAX_WEIGHT_DECAY = 1e3


def _short(x: float) -> str:
    """1e6 rather than 1e+06."""
    return re.sub(r"e\+?0*(\d)", r"e\1", f"{x:g}")


MAX_BATCH_SIZE = TRAIN_POOL
MAX_REPORT_EVERY = 10**12
MAX_THREADS = 4096
#: A run has diverged when, for a whole reporting interval, every batch's loss exceeds this many
#: times the loss of an untrained net (one that predicts every class alike), or an epoch's
#: validation loss does, or a loss is not finite: see divergence_bound.
DIVERGENCE_FACTOR = 10.0


def untrained_loss(loss: str) -> float:
    """The loss of a net that gives every class the same score: ln 10 ≈ 2.303 for cross-entropy;
    for L2 (softmax against one-hot) the mean of 9·0.1² + 0.9² over 10 outputs = 0.09."""
    if loss == "ce":
        return math.log(NUM_CLASSES)
    p = 1.0 / NUM_CLASSES
    return ((NUM_CLASSES - 1) * p * p + (1 - p) ** 2) / NUM_CLASSES


def divergence_bound(loss: str) -> float:
    """DIVERGENCE_FACTOR × untrained_loss(loss): 23.03 for cross-entropy, 0.9 for L2. (The L2 loss
    of a softmax cannot exceed 0.2, so an L2 run diverges only through a non-finite loss.)"""
    return DIVERGENCE_FACTOR * untrained_loss(loss)


@dataclass
class TrainConfig:
    """One training run's settings: what `convviz train` takes as options, what the Training form
    holds, and what a run folder's config.json stores (`to_dict`). Defaults are the course's setup.

    Values are plain Python (numbers as numbers: the CLI and the form read text through
    `core.parsing` first); `validate()` checks them all and says what is wrong in one sentence;
    `from_dict` reads a saved one (unknown keys ignored, nothing checked)."""

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
    # Added to the contract (all optional):
    data_dir: str = ""  # MNIST folder; "" = the usual places (CONVVIZ_DATA, then the app's folder)
    num_threads: int = 0  # CPU threads for torch; 0 = automatic (core.threads: the cores free at the start)
    # Against overfitting (all off by default, so older configs train as before):
    weight_decay: float = 0.0  # L2 regularisation λ: PyTorch's optimizers add λ·w to each gradient
    dropout: float = 0.0  # p of a Dropout inserted before each Linear layer (0 = none)
    early_stopping: int = 0  # patience: stop after this many epochs without a lower val loss (0 = off)

    def validate(self) -> None:
        """UserInputError with one plain sentence for the first bad field."""
        # The net first: it is the field a user is most likely to get wrong (a typo, a bad file).
        check_trainable(resolve_architecture(self.net))
        if self.loss not in LOSSES:
            raise UserInputError(f"loss must be 'ce' (cross-entropy) or 'l2' (mean squared error), got {self.loss!r}")
        if self.optimizer not in OPTIMIZERS:
            raise UserInputError(f"optimizer must be one of sgdm, sgd, adam, got {self.optimizer!r}")
        lr = _number("learning rate", self.lr)
        if not 0 < lr <= MAX_LR:
            raise UserInputError(f"learning rate must be greater than 0 and at most {_short(MAX_LR)}, got {self.lr:g}")
        momentum = _number("momentum", self.momentum)
        if not 0 <= momentum < 1:
            raise UserInputError(f"momentum must be at least 0 and below 1, got {self.momentum}")
        _integer("epochs", self.epochs, 1, MAX_EPOCHS)
        _integer("batch size", self.batch_size, 1, MAX_BATCH_SIZE)
        _integer("training size", self.train_size, 1)
        _integer("validation size", self.val_size, 1)
        _integer("test size", self.test_size, 1)
        if self.train_size + self.val_size > TRAIN_POOL:
            raise UserInputError(
                f"training size {self.train_size:,} + validation size {self.val_size:,} = "
                f"{self.train_size + self.val_size:,} does not fit in the {TRAIN_POOL:,} MNIST training images")
        if self.test_size > TEST_POOL:
            raise UserInputError(f"test size must be at most {TEST_POOL:,} (the MNIST test images), got {self.test_size:,}")
        _integer("seed", self.seed, 0)
        if self.seed >= 2**63:
            raise UserInputError(f"seed must be below 2**63, got {self.seed}")
        _integer("reporting interval", self.report_every, 1, MAX_REPORT_EVERY)
        _integer("number of threads", self.num_threads, 0, MAX_THREADS)
        wd = _number("weight decay", self.weight_decay)
        if not 0 <= wd <= MAX_WEIGHT_DECAY:
            raise UserInputError(f"weight decay must be at least 0 and at most {MAX_WEIGHT_DECAY:g}, got {self.weight_decay:g}")
        p = _number("dropout", self.dropout)
        if not 0 <= p < 1:
            raise UserInputError(f"dropout must be at least 0 and below 1, got {self.dropout:g}")
        _integer("early-stopping patience", self.early_stopping, 0, MAX_EPOCHS)
        parse_device(self.device)
        if not isinstance(self.data_dir, str):
            raise UserInputError(f"data folder must be a path, got {self.data_dir!r}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if isinstance(self.net, dict):
            d["net"] = dict(self.net)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        """Known keys only (a config saved by a newer version still loads); no validation here."""
        if not isinstance(d, dict):
            raise UserInputError(f"a training configuration must be a JSON object, got {type(d).__name__}")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    @property
    def net_name(self) -> str:
        """A short name for tables and folder names: the preset, or the architecture's name."""
        return net_label(self.net)


def _number(what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise UserInputError(f"{what} must be a finite number, got {str(value)[:40]!r}")
    return float(value)


def _integer(what: str, value: Any, minimum: int, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise UserInputError(f"{what} must be a whole number, got {str(value)[:40]!r}")
    shown = f"{value:,}" if abs(value) < 10**30 else f"a number of {len(str(abs(value)))} digits"
    if value < minimum:
        raise UserInputError(f"{what} must be at least {minimum}, got {shown}")
    if maximum is not None and value > maximum:
        raise UserInputError(f"{what} must be at most {maximum:,}, got {shown}")
