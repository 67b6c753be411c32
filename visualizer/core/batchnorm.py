"""Batch normalisation on one mini-batch, step by step: what a BatchNorm2d layer computes.

Algorithm 1 of Ioffe & Szegedy (2015), "Batch Normalization: Accelerating Deep Network Training by
Reducing Internal Covariate Shift", per channel c of a BatchNorm2d layer, over the m = N·H·W values
x_i that channel takes in a batch of N images (the paper's §3.2: a convolutional layer's mini-batch
is every position of every image):

    1. μ_B  = (1/m) Σ x_i                        mini-batch mean
    2. σ²_B = (1/m) Σ (x_i − μ_B)²                mini-batch variance (biased: 1/m, as it normalises)
    3. x̂_i  = (x_i − μ_B) / √(σ²_B + ε)           normalise
    4. y_i  = γ·x̂_i + β                           scale and shift (γ, β learned, one per channel)

In training mode PyTorch also updates the running averages that evaluation mode uses instead of
μ_B and σ²_B, with its momentum convention (default 0.1; the *new* value's weight):

    running_mean ← (1 − momentum)·running_mean + momentum·μ_B
    running_var  ← (1 − momentum)·running_var  + momentum·σ²_B·m/(m − 1)   (the unbiased variance)

(momentum None in PyTorch means a cumulative average: the weight is 1/(batches seen + 1).)

Which input the layer sees: the batch of MNIST images goes through the net's layers before the
BatchNorm layer in **evaluation mode**, as `convviz activations` runs them (earlier BatchNorm layers
use their running statistics, dropout is off), so the input does not depend on what else is in the
batch except through this layer. The layer itself then runs in **training mode** on the batch,
which is what the four steps describe. Nothing of the net is changed: the running averages
"after" are computed, not stored.

numpy and torch only (torch imported inside the functions).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError

MIN_BATCH = 2  # one image would do for a conv layer (H·W values), but not for the lesson
MAX_BATCH = 512
SPLITS = ("train", "test")
#: The "tiny batches hurt" control: this many consecutive batches of each size.
SPREAD_BATCHES = 20
SPREAD_SIZES = (2, 128)


# ---------------------------------------------------------------------------------------------
# Finding the layer and the batch

def batchnorm_layers(net) -> list[str]:
    """Names of the net's BatchNorm2d layers (top-level layers of a LoadedNet), in order."""
    return [info.name for info in net.layers if _is_batch_norm(info)]


def _is_batch_norm(info) -> bool:
    """Whether a recorded layer (activations.LayerInfo) is a batch norm: the registry says."""
    return info.kind is not None and info.kind.is_batch_norm


def find_batchnorm(net, name: str) -> int:
    """The position of BatchNorm2d layer `name` in `net.layers`; UserInputError naming the BatchNorm
    layers when there is no such layer or it is not a BatchNorm2d."""
    bns = batchnorm_layers(net)
    listed = ", ".join(bns) if bns else "none (this net has no BatchNorm2d layer)"
    for info in net.layers:
        if info.name == name:
            if not _is_batch_norm(info):
                raise UserInputError(f"layer {name} is a {info.type}, not a BatchNorm2d; "
                                     f"the BatchNorm2d layers: {listed}")
            return info.index
    raise UserInputError(f"no layer named {name!r}; the BatchNorm2d layers: {listed}")


def check_batch(split: str, start: Any, size: Any, count: int) -> tuple[int, int]:
    """(start, size) checked: 2 ≤ size ≤ 512 and images start … start + size − 1 within the `count`
    images of `split`."""
    if split not in SPLITS:
        raise UserInputError(f"the split must be train or test, got {split!r}")
    for what, v in (("batch size", size), ("first image index", start)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise UserInputError(f"the {what} must be a whole number, got {v!r}")
    size, start = int(size), int(start)
    if not MIN_BATCH <= size <= MAX_BATCH:
        raise UserInputError(f"the batch size must be from {MIN_BATCH} to {MAX_BATCH} images, got {size}")
    if not 0 <= start or start + size > count:
        raise UserInputError(f"images {start:,} to {start + size - 1:,} are out of range: the MNIST {split} file "
                             f"has {count:,} images (0 to {count - 1:,})")
    return start, size


def mnist_images(split: str, data_dir: str | Path | None = None) -> np.ndarray:
    """All images (uint8, N×28×28) of the MNIST `split` file: train 60,000, test 10,000 (the test
    images numbered as `convviz activations --index` numbers them)."""
    from visualizer.core import activations as act
    from visualizer.core.mnist import locate_mnist, read_mnist_file

    if split == "test":
        return act.mnist_test_set(data_dir)[0]
    if split != "train":
        raise UserInputError(f"the split must be train or test, got {split!r}")
    return read_mnist_file(locate_mnist(data_dir or None), "train_images")


def batch_of(images: np.ndarray, split: str, start: int, size: int) -> np.ndarray:
    """Images start … start + size − 1 (checked), uint8."""
    start, size = check_batch(split, start, size, len(images))
    return np.asarray(images[start:start + size])


def layer_input(net, index: int, images_u8: np.ndarray) -> np.ndarray:
    """What layer `index` receives for these images (float32, N×C×H×W): the images normalised as in
    training, through layers 0 … index − 1 in evaluation mode."""
    import torch

    from visualizer.core.training import MNIST_MEAN, MNIST_STD

    x = np.asarray(images_u8, dtype=np.float64)
    if x.ndim == 3:
        x = x[:, None]
    x = torch.from_numpy(((x / 255.0 - MNIST_MEAN) / MNIST_STD).astype(np.float32))
    children = list(net.module.children())
    with torch.no_grad():
        for child in children[:index]:
            was = child.training
            child.eval()
            try:
                x = child(x)
            finally:
                child.train(was)
    return x.numpy()


# ---------------------------------------------------------------------------------------------
# The statistics

@dataclass
class ChannelStats:
    """One channel's numbers (float, as computed in float64 from the layer's float32 input)."""

    channel: int  # counting from 1
    batch_mean: float  # μ_B
    batch_var: float  # σ²_B, biased (1/m): what normalises
    batch_var_unbiased: float  # σ²_B·m/(m − 1): what goes into running_var
    gamma: float
    beta: float
    running_mean: float  # before this batch
    running_var: float
    running_mean_after: float  # after one training-mode forward of this batch
    running_var_after: float
    xhat_mean: float  # ≈ 0
    xhat_var: float  # σ²_B/(σ²_B + ε): 1 up to ε
    output_mean: float  # of the training-mode output y
    output_var: float
    eval_output_mean: float  # evaluation mode: the running statistics (before) in place of μ_B, σ²_B
    eval_output_var: float


@dataclass
class BatchNormStats:
    layer: str
    split: str
    start: int
    size: int  # N images
    values_per_channel: int  # m = N·H·W
    eps: float
    momentum: float | None  # None: PyTorch's cumulative average
    batches_tracked: int  # num_batches_tracked before this batch
    channels: list[ChannelStats] = field(default_factory=list)

    @property
    def update_weight(self) -> float:
        """The weight of this batch's statistic in the running average."""
        if self.momentum is None:
            return 1.0 / (self.batches_tracked + 1)
        return float(self.momentum)


def _module_numbers(module) -> dict[str, Any]:
    import torch

    if not isinstance(module, torch.nn.BatchNorm2d):
        raise UserInputError(f"{type(module).__name__} is not a BatchNorm2d")
    c = module.num_features

    def arr(t, default):
        return t.detach().cpu().double().numpy() if t is not None else np.full(c, default)

    return {
        "gamma": arr(module.weight, 1.0), "beta": arr(module.bias, 0.0),
        "running_mean": arr(module.running_mean, 0.0), "running_var": arr(module.running_var, 1.0),
        "tracked": int(module.num_batches_tracked) if module.num_batches_tracked is not None else 0,
        "eps": float(module.eps), "momentum": None if module.momentum is None else float(module.momentum),
    }


def statistics(x: np.ndarray, module, layer: str = "", split: str = "", start: int = 0) -> BatchNormStats:
    """Algorithm 1 and the running-average update for input `x` (N×C×H×W) of BatchNorm2d `module`."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or x.shape[0] < 1:
        raise UserInputError(f"a BatchNorm2d input must be N×C×H×W, got shape {x.shape}")
    n, c, h, w = x.shape
    m = n * h * w
    if m < 2:
        raise UserInputError("a batch must hold at least 2 values per channel for a variance")
    p = _module_numbers(module)
    if c != len(p["gamma"]):
        raise UserInputError(f"the input has {c} channels, the layer {p['gamma'].size}")
    eps = p["eps"]
    stats = BatchNormStats(layer, split, int(start), n, m, eps, p["momentum"], p["tracked"])
    k = stats.update_weight
    mean = x.mean(axis=(0, 2, 3))
    centred = x - mean[None, :, None, None]
    var = (centred ** 2).mean(axis=(0, 2, 3))
    unbiased = var * m / (m - 1)
    xhat = centred / np.sqrt(var + eps)[None, :, None, None]
    g, b = p["gamma"], p["beta"]
    y = g[None, :, None, None] * xhat + b[None, :, None, None]
    rm, rv = p["running_mean"], p["running_var"]
    y_eval = g[None, :, None, None] * (x - rm[None, :, None, None]) / np.sqrt(rv + eps)[None, :, None, None] \
        + b[None, :, None, None]
    axes = (0, 2, 3)
    xm, xv, ym, yv = xhat.mean(axes), xhat.var(axes), y.mean(axes), y.var(axes)
    em, ev = y_eval.mean(axes), y_eval.var(axes)
    for i in range(c):
        stats.channels.append(ChannelStats(
            i + 1, float(mean[i]), float(var[i]), float(unbiased[i]), float(g[i]), float(b[i]),
            float(rm[i]), float(rv[i]), float((1 - k) * rm[i] + k * mean[i]), float((1 - k) * rv[i] + k * unbiased[i]),
            float(xm[i]), float(xv[i]), float(ym[i]), float(yv[i]), float(em[i]), float(ev[i])))
    return stats


def layer_statistics(net, layer: str, images_u8: np.ndarray, split: str = "", start: int = 0) -> BatchNormStats:
    """`statistics` of BatchNorm2d layer `layer` of `net` (an activations.LoadedNet) on these images."""
    index = find_batchnorm(net, layer)
    x = layer_input(net, index, images_u8)
    return statistics(x, list(net.module.children())[index], layer, split, start)


JSON_CHANNEL_KEYS = ("channel", "batch_mean", "batch_var", "batch_var_unbiased", "gamma", "beta", "running_mean",
                     "running_var", "running_mean_after", "running_var_after", "output_mean", "output_var")


def stats_to_dict(stats: BatchNormStats) -> dict[str, Any]:
    """The `convviz bn --format json` document."""
    return {
        "layer": stats.layer,
        "batch": {"split": stats.split, "start": stats.start, "size": stats.size,
                  "values_per_channel": stats.values_per_channel},
        "eps": stats.eps,
        "momentum": stats.momentum,
        "channels": [{k: asdict(ch)[k] for k in JSON_CHANNEL_KEYS} for ch in stats.channels],
    }


# ---------------------------------------------------------------------------------------------
# Why tiny batches hurt

@dataclass
class BatchSpread:
    """μ_B and σ²_B of `batches` consecutive batches of each size (arrays: batches × channels)."""

    layer: str
    sizes: tuple[int, ...]
    means: dict[int, np.ndarray]
    variances: dict[int, np.ndarray]

    def spread(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Per channel, the standard deviation over the batches of μ_B and of σ²_B."""
        return self.means[size].std(axis=0), self.variances[size].std(axis=0)


def batch_spread(net, layer: str, images_u8: np.ndarray, start: int = 0, sizes=SPREAD_SIZES,
                 batches: int = SPREAD_BATCHES) -> BatchSpread:
    """For each size s: batches k = 0 … batches − 1 of images start + k·s … start + (k + 1)·s − 1,
    and each one's μ_B and σ²_B per channel. Small batches scatter: the statistic that normalises
    an image depends on which other images share its batch."""
    index = find_batchnorm(net, layer)
    module = list(net.module.children())[index]
    need = max(sizes) * batches
    if start < 0 or start + need > len(images_u8):
        raise UserInputError(f"{batches} batches of {max(sizes)} images from image {start:,} need images up to "
                             f"{start + need - 1:,}; there are {len(images_u8):,}")
    x = layer_input(net, index, np.asarray(images_u8[start:start + need]))
    means, variances = {}, {}
    for s in sizes:
        ms, vs = [], []
        for k in range(batches):
            st = statistics(x[k * s:(k + 1) * s], module, layer)
            ms.append([ch.batch_mean for ch in st.channels])
            vs.append([ch.batch_var for ch in st.channels])
        means[s], variances[s] = np.array(ms), np.array(vs)
    return BatchSpread(layer, tuple(sizes), means, variances)


__all__ = [
    "MIN_BATCH", "MAX_BATCH", "SPLITS", "ChannelStats", "BatchNormStats", "BatchSpread", "batchnorm_layers",
    "find_batchnorm", "check_batch", "mnist_images", "batch_of", "layer_input", "statistics",
    "layer_statistics", "stats_to_dict", "batch_spread", "JSON_CHANNEL_KEYS",
]
