"""The training engine: plain Python + torch, Keras/Lightning-style callbacks, no Qt.

CONTRACT (shared by the engine, the training panel's Qt adapter and the `train` CLI).

How it is fast: the whole dataset sits on the device as one uint8 tensor; each batch is gathered
by index from a per-epoch permutation and normalized on the device; losses and correct counts are
summed on the device and read back (`.item()`) only at reporting points, so a GPU never waits for
Python between steps.
"""

from __future__ import annotations

import math
import re
import os
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.parsing import parse_device

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
NUM_CLASSES = 10
LOSSES = ("ce", "l2")
OPTIMIZERS = ("sgdm", "sgd", "adam")
TRAIN_POOL = 60_000  # MNIST training images (train + validation come from these)
TEST_POOL = 10_000
MAX_MISCLASSIFIED = 64
#: The largest learning rate accepted. Useful rates for these nets lie between about 1e-5 and 1;
#: a million is far past any of them and still diverges visibly (the divergence rule reports it),
#: while rates near 1e37 and above make torch's float32 arithmetic overflow outright.
MAX_LR = 1e6
MAX_EPOCHS = 100_000
#: The largest weight decay accepted: useful values are about 1e-5 to 1e-2; λ·lr ≥ 1 flips the sign
#: of every weight at each step, so anything near 1e3 is a typo.
MAX_WEIGHT_DECAY = 1e3
#: Images per forward batch in an evaluation pass (validation each epoch, the final train,
#: validation and test passes): on a CPU, and on a GPU or MPS. The loss is summed batch by batch,
#: so its last bits depend on these; accuracies do not. On a CPU the pass also runs in PyTorch's
#: channels_last memory format (EVAL_CHANNELS_LAST): oneDNN's NHWC convolutions ran mnist-net1's
#: forward pass at 35,000-54,000 images/s in batches of 256 against 19,000-20,000 in the default
#: layout (2 threads); batches of 1,000 or more fall out of the CPU's caches (20,000 and 12,000).
#: benchmarks/bench_training.py measures it; the numbers are in benchmarks/README.md.
EVAL_BATCH = 256
#: Evaluate in channels_last on a CPU. Training keeps the default layout (its numbers stay those
#: of earlier versions); the weights go back to it after each pass.
EVAL_CHANNELS_LAST = True
EVAL_BATCH_ACCEL = 2000


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


class TrainingFailed(Exception):
    """The run could not go on (e.g. the optimizer's arithmetic overflowed); the message is one
    plain sentence for the user."""


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
    # Added to the contract (all optional):
    data_dir: str = ""  # MNIST folder; "" = the usual places (CONVVIZ_DATA, then the app's folder)
    num_threads: int = 0  # CPU threads for torch; 0 = leave torch's setting (see gui_thread_count())
    # Against overfitting (all off by default, so older configs train as before):
    weight_decay: float = 0.0  # L2 regularisation λ: PyTorch's optimizers add λ·w to each gradient
    dropout: float = 0.0  # p of a Dropout inserted before each Linear layer (0 = none)
    early_stopping: int = 0  # patience: stop after this many epochs without a lower val loss (0 = off)

    def validate(self) -> None:
        """UserInputError with one plain sentence for the first bad field."""
        # The net first: it is the field a user is most likely to get wrong (a typo, a bad file).
        _check_architecture(resolve_architecture(self.net))
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


# ---------------------------------------------------------------------------------------------
# Nets

def resolve_architecture(net: str | dict | Any):
    """The Architecture for a preset name or an architecture document (dict)."""
    from visualizer.core.architecture import Architecture, preset

    if isinstance(net, Architecture):
        return net
    if isinstance(net, dict):
        return Architecture.from_dict(net)
    if isinstance(net, str) and net.strip():
        return preset(net.strip())
    raise UserInputError(f"net must be a preset name or an architecture, got {net!r}")


def net_label(net: str | dict | Any) -> str:
    if isinstance(net, str):
        return net.strip()
    if isinstance(net, dict):
        return str(net.get("name") or "custom net")
    return str(getattr(net, "name", "") or "custom net")


def trainability_problem(arch) -> str | None:
    """Why this architecture cannot be trained on MNIST here, in one sentence; None when it can.

    The one rule, used by the engine, the Training tab and the Shapes tab's "Train this network":
    a 1×28×28 input, every layer valid, and 10 outputs, as `10` or `10×1×1` (a 1×1 map of 10
    channels, e.g. a fully convolutional net; the engine flattens it to 10 logits)."""
    from visualizer.core.architecture import compute_table

    if tuple(arch.input_shape) != (1, 28, 28):
        c, h, w = (tuple(arch.input_shape) + (0, 0, 0))[:3]
        return f"the net must take a 1×28×28 input (one MNIST digit), this one takes {c}×{h}×{w}"
    table = compute_table(arch)
    for row in table.rows:
        if row.error:
            return f"layer {row.index} ({row.name}): {row.error}"
    out = table.output_shape
    if out is None or tuple(out) not in TRAINABLE_OUTPUTS:
        shown = "×".join(str(s) for s in out) if out else "unknown"
        return f"the net must end with 10 outputs (one per digit), this one ends with {shown}"
    return None


#: The output shapes a trainable net may end with: 10 features, or 10 channels of 1×1.
TRAINABLE_OUTPUTS = ((NUM_CLASSES,), (NUM_CLASSES, 1, 1))


def _check_architecture(arch) -> None:
    problem = trainability_problem(arch)
    if problem:
        raise UserInputError(problem)


def build_model(net: str | dict | Any, dropout: float = 0.0):
    """A torch module for the net, ending in logits: a trailing Softmax is dropped because the
    losses apply softmax themselves (cross-entropy takes logits).

    `dropout` > 0 inserts nn.Dropout(p) before each Linear layer, under names of its own
    ("dropout_before_5"), so the state_dict keys stay those of the net without dropout and a
    saved model.pt loads into either. (Dropout acts in training mode only; in eval mode it passes
    its input through.)"""
    import torch
    from torch import nn

    from visualizer.core.architecture import build_torch_module, compute_table

    arch = resolve_architecture(net)
    _check_architecture(arch)
    try:
        model = build_torch_module(arch)
    except (RuntimeError, OverflowError, ValueError, TypeError, MemoryError) as exc:
        if isinstance(exc, UserInputError):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise UserInputError(f"torch cannot build this net ({first})") from None
    while isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], nn.Softmax):
        model = model[:-1]
    if dropout and isinstance(model, nn.Sequential):
        from collections import OrderedDict

        layers: OrderedDict = OrderedDict()
        for name, module in model.named_children():
            if isinstance(module, nn.Linear):
                layers[f"dropout_before_{name}"] = nn.Dropout(float(dropout))
            layers[name] = module
        model = nn.Sequential(layers)
    if compute_table(arch).output_shape != (NUM_CLASSES,):
        # A 10×1×1 output (10 channels of a 1×1 map): flatten it to the 10 logits the losses take.
        # Appended under its own name so the other layers keep their state_dict keys.
        model.add_module("flatten_logits", nn.Flatten())
    # The table said 10 outputs; hold the real module to it too (a cheap forward on 2 blank digits).
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(2, 1, 28, 28))
    model.train(was_training)
    if tuple(out.shape) != (2, NUM_CLASSES):
        raise UserInputError(f"the net must end with 10 outputs, it produced {tuple(out.shape[1:])}")
    return model


# ---------------------------------------------------------------------------------------------
# Devices and threads

def pick_device(name: str = "auto"):
    """A torch.device for "auto" (CUDA, then MPS, then CPU), "cpu", "cuda[:N]" or "mps";
    UserInputError when the machine does not have it. Availability comes from
    `visualizer.core.devices`, the one home for device detection."""
    import torch

    from visualizer.core.devices import probe_devices

    name = parse_device(name)
    report = probe_devices()
    if name == "auto":
        name = report.auto
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not report.cuda:
            build = "a CPU-only build of torch" if report.cuda_build is None else "no CUDA device found"
            raise UserInputError(f"CUDA is not available on this machine ({build}); use --device cpu or auto")
        index = int(name[5:]) if name.startswith("cuda:") else torch.cuda.current_device()
        if index >= len(report.cuda_devices):
            raise UserInputError(f"there is no CUDA device {index} (this machine has {len(report.cuda_devices)})")
        return torch.device("cuda", index)
    if name == "mps":
        if not report.mps:
            raise UserInputError("Apple MPS is not available on this machine; use --device cpu or auto")
        return torch.device("mps")
    raise AssertionError(name)  # parse_device let through only the names above


def warm_up() -> None:
    """Pay torch's one-time start-up costs now (importing torch, and torch._dynamo, which the first
    optimizer pulls in: several seconds on a slow machine), e.g. from a worker thread while the
    app opens, so that pressing Start feels immediate."""
    import torch

    model = torch.nn.Linear(2, 2)
    torch.optim.SGD(model.parameters(), lr=0.1)


def gui_thread_count() -> int:
    """CPU threads to give torch when the GUI shares the process: one core left for the GUI."""
    return max(1, (os.cpu_count() or 2) - 1)


# ---------------------------------------------------------------------------------------------
# Callbacks and results

# Record shapes passed to callbacks (plain dicts of Python numbers, JSON-able):
#   batch record (every `report_every` examples):
#     {"examples_seen", "iteration", "epoch" (float, fractional), "train_loss", "train_accuracy",
#      "elapsed_s", "samples_per_second"}
#   epoch record: {"epoch" (int, 1-based), "examples_seen", "train_loss", "train_accuracy",
#                  "val_loss", "val_accuracy", "elapsed_s"}
#   result (RunResult.final): {"status": "completed" | "stopped" | "diverged", "train_loss",
#     "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy", "wall_time_s",
#     "samples_per_second", "device", "epochs_completed", "best_epoch" (the epoch with the lowest
#     validation loss, None before the first epoch ends), "best_val_loss", "stopped_early"}
# Details:
#   - a batch record covers the batches since the previous one (train_loss/accuracy are their
#     mean); the last record of a run covers whatever remained, so history ends at the total.
#   - epoch train_loss/accuracy are the means over that epoch's batches (as Keras reports them);
#     final train_* come from a separate evaluation pass over the training split (eval mode).
#   - elapsed_s and wall_time_s leave out time spent paused; samples_per_second counts training
#     steps only (no evaluation, no pauses).
#   - final also has "examples_seen", "iterations", "train_time_s", "paused_s", "num_parameters",
#     "train_size", "val_size", "test_size" and, for a failed evaluation after an abort, None.
#   - losses are floats; when a run diverged the final losses may be NaN (written as null in JSON).
#   - early_stopping N > 0: training ends after N epochs in a row without a lower validation loss
#     ("stopped_early": true, status "completed"), and the best epoch's weights are restored before
#     the final evaluation (also when all epochs ran), so final numbers and model.pt are the best
#     epoch's. A diverged run keeps its last weights.
#   - a diverged run's final also has "reason": which rule fired (a non-finite loss, every batch
#     of a reporting interval above divergence_bound(loss) = 10× the untrained net's loss, or an
#     epoch's validation loss above that bound).
#   - an exception from a training step (e.g. an overflow in the optimizer) is raised as
#     TrainingFailed with one plain sentence; callbacks get it through on_train_error.


class Callback:
    def on_train_begin(self, trainer: "Trainer") -> None: ...
    def on_batch_end(self, trainer: "Trainer", record: dict[str, Any]) -> None: ...
    def on_epoch_end(self, trainer: "Trainer", record: dict[str, Any]) -> None: ...
    def on_train_end(self, trainer: "Trainer", result: "RunResult") -> None: ...
    # Added: called instead of on_train_end when run() raises (the exception then propagates).
    def on_train_error(self, trainer: "Trainer", error: BaseException) -> None: ...


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

    @property
    def status(self) -> str:
        return str(self.final.get("status", ""))


class _Diverged(Exception):
    """The reason (one sentence) is the message."""


class _Stopped(Exception):
    pass


def _step_failed(exc: BaseException, iteration: int) -> TrainingFailed:
    """What torch raised during a training step, as one plain sentence."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    if "overflow" in text.lower():
        return TrainingFailed(f"the optimizer's arithmetic overflowed at iteration {iteration} ({text}); "
                              f"use a smaller learning rate")
    if "out of memory" in text.lower():
        return TrainingFailed(f"out of memory at iteration {iteration}; use a smaller batch size ({text})")
    return TrainingFailed(f"the training step failed at iteration {iteration}: {text}")


class Trainer:
    """Run one training. Thread-safe controls: request_stop(), pause(), resume().

    Typical use from another thread: construct on the GUI thread (cheap: it validates the config
    and picks the device), call run() in the worker; request_stop()/pause()/resume() from anywhere.
    Stop and pause act between batches (a few milliseconds on a CPU)."""

    def __init__(self, config: TrainConfig, data: Any = None, callbacks: list[Callback] | None = None):
        """`data`: a visualizer.core.mnist.MnistSplits; None loads MNIST from the usual places
        (config.data_dir, $CONVVIZ_DATA, the app's folder) with the config's sizes and seed.
        Given data is used as it is (its sizes win over the config's)."""
        config.validate()
        self.config = config
        self.callbacks: list[Callback] = list(callbacks or [])
        self._data = data
        self._torch_device = pick_device(config.device)
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._not_paused = threading.Event()
        self._not_paused.set()
        # Set while the loop is actually resting in a pause (pause() only asks; this answers).
        self.pause_reached = threading.Event()
        self.model = None
        self.examples_seen = 0
        self.iteration = 0
        self.epoch = 0  # epochs completed
        self.history: list[dict[str, Any]] = []
        self.epochs: list[dict[str, Any]] = []
        self.result: RunResult | None = None
        self.train_size = config.train_size
        self._paused_s = 0.0
        self._ran = False
        self._last_val: tuple[int, float, float] | None = None

    # --- state for observers ---------------------------------------------------------------
    @property
    def device(self) -> str:
        """The device in use, e.g. "cpu" or "cuda:0"."""
        return str(self._torch_device)

    @property
    def total_examples(self) -> int:
        """Examples a full run trains on (epochs × training size): the progress bar's 100 %."""
        return self.config.epochs * self.train_size

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._not_paused.is_set()

    # --- controls (any thread) -------------------------------------------------------------
    def request_stop(self) -> None:
        """Stop after the current batch; the final evaluation still runs (a few seconds at most)."""
        self._stop.set()
        self._not_paused.set()  # a paused run must wake up to see the stop

    def abort(self) -> None:
        """Stop now and skip the final evaluation (for closing the app mid-run)."""
        self._abort.set()
        self.request_stop()

    def pause(self) -> None:
        self._not_paused.clear()

    def resume(self) -> None:
        self._not_paused.set()

    # --- the run ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        import torch

        if self._ran:
            raise RuntimeError("a Trainer runs once; make a new one for another run")
        self._ran = True
        started_ok = False
        old_threads = torch.get_num_threads()
        try:
            if self.config.num_threads:
                torch.set_num_threads(self.config.num_threads)
            devices = [self._torch_device.index or 0] if self._torch_device.type == "cuda" else []
            # Seed a private copy of the global RNG so a run is reproducible and leaves the rest of
            # the process's randomness alone.
            with torch.random.fork_rng(devices=devices):
                torch.manual_seed(self.config.seed)
                self._setup()
                started_ok = True
                for cb in self.callbacks:
                    cb.on_train_begin(self)
                result = self._train()
            for cb in self.callbacks:
                cb.on_train_end(self, result)
            return result
        except BaseException as exc:
            if started_ok:
                for cb in self.callbacks:
                    try:
                        cb.on_train_error(self, exc)
                    except Exception:  # noqa: BLE001 - the original error matters more
                        pass
            raise
        finally:
            if self.config.num_threads:
                torch.set_num_threads(old_threads)

    def _setup(self) -> None:
        import torch
        from torch import nn

        cfg = self.config
        data = self._data
        if data is None:
            from visualizer.core.mnist import load_mnist

            data = load_mnist(cfg.data_dir or None, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)
        dev = self._torch_device

        def to_dev(images, labels, what):
            images = np.asarray(images)
            labels = np.asarray(labels)
            if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
                raise UserInputError(f"{what} images must be uint8 (N, 28, 28), got {images.dtype} {images.shape}")
            if labels.shape != (images.shape[0],):
                raise UserInputError(f"{what} labels must be one per image, got {labels.shape} for {images.shape[0]} images")
            if images.shape[0] == 0:
                raise UserInputError(f"the {what} split is empty")
            if labels.min() < 0 or labels.max() >= NUM_CLASSES:
                raise UserInputError(f"{what} labels must be digits 0–9")
            return (torch.from_numpy(np.ascontiguousarray(images)).to(dev),
                    torch.from_numpy(labels.astype(np.int64)).to(dev))

        self._train_x, self._train_y = to_dev(data.train_images, data.train_labels, "training")
        self._val_x, self._val_y = to_dev(data.val_images, data.val_labels, "validation")
        self._test_x, self._test_y = to_dev(data.test_images, data.test_labels, "test")
        self.train_size = int(self._train_x.shape[0])

        if dev.type == "cuda":
            # Reproducible convolutions on a GPU (cuDNN's autotuner picks algorithms by timing).
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True
        self.model = build_model(cfg.net, cfg.dropout).to(dev)
        self.model.train()
        self.num_parameters = sum(p.numel() for p in self.model.parameters())
        params = self.model.parameters()
        # weight_decay λ: PyTorch adds λ·w to each weight's gradient (and bias's: every parameter),
        # i.e. the gradient of (λ/2)·Σw² added to the loss: L2 regularisation. (Adam's is the
        # same coupled L2 term; AdamW would decouple it.)
        wd = float(cfg.weight_decay)
        if cfg.optimizer == "sgdm":
            self.optimizer = torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=wd)
        elif cfg.optimizer == "sgd":
            self.optimizer = torch.optim.SGD(params, lr=cfg.lr, weight_decay=wd)
        else:
            self.optimizer = torch.optim.Adam(params, lr=cfg.lr, weight_decay=wd)
        self._first_conv = next((m for m in self.model.modules() if isinstance(m, nn.Conv2d)), None)

    def _normalize(self, images_u8):
        """uint8 (B, 28, 28) on the device -> float (B, 1, 28, 28): (x/255 - mean)/std, computed
        as (x - 255·mean) / (255·std) in place, on the device."""
        import torch

        x = images_u8.unsqueeze(1).to(torch.float32)
        return x.sub_(255.0 * MNIST_MEAN).div_(255.0 * MNIST_STD)

    def _loss(self, logits, labels, reduction: str = "mean"):
        import torch
        import torch.nn.functional as F

        if self.config.loss == "ce":
            return F.cross_entropy(logits, labels, reduction=reduction)
        # One-hot by scatter: F.one_hot checks the label range, which would cost a host sync.
        target = torch.zeros_like(logits).scatter_(1, labels.unsqueeze(1), 1.0)
        per_element = F.mse_loss(F.softmax(logits, dim=1), target, reduction="none").mean(dim=1)
        return per_element.mean() if reduction == "mean" else per_element.sum()

    def _sync(self) -> None:
        """Wait for the device's queued work (for honest timings; a no-op on the CPU)."""
        import torch

        if self._torch_device.type == "cuda":
            torch.cuda.synchronize(self._torch_device)
        elif self._torch_device.type == "mps":
            torch.mps.synchronize()

    def _wait_if_paused(self) -> None:
        if not self._not_paused.is_set():
            t0 = time.perf_counter()
            self.pause_reached.set()
            self._not_paused.wait()
            self.pause_reached.clear()
            self._paused_s += time.perf_counter() - t0

    def _train(self) -> RunResult:
        import torch

        cfg = self.config
        dev = self._torch_device
        model, opt = self.model, self.optimizer
        n = self.train_size
        bs = cfg.batch_size
        shuffle = torch.Generator()  # on the CPU: the same order on every device
        shuffle.manual_seed(cfg.seed)
        zero_f = torch.zeros((), device=dev)
        zero_i = torch.zeros((), dtype=torch.int64, device=dev)

        t_start = time.perf_counter()
        self._paused_s = 0.0
        # Training time counts training steps only: a segment opens at the first step after any
        # interruption and closes (after a device sync) before reports, evaluations and pauses.
        clock = {"segment": None, "train": 0.0}

        def segment_end() -> None:
            if clock["segment"] is not None:
                self._sync()
                clock["train"] += time.perf_counter() - clock["segment"]
                clock["segment"] = None

        win_loss, win_correct, win_n = zero_f.clone(), zero_i.clone(), 0
        inf_f = torch.full((), math.inf, device=dev)
        win_min = inf_f.clone()  # the window's lowest batch loss (read only when the mean is too high)
        bound = divergence_bound(cfg.loss)
        status = "completed"
        reason = ""
        next_report = cfg.report_every
        # The epoch with the lowest validation loss so far (the first of equals): where early
        # stopping would stop. Its weights are kept (on the CPU) only when early stopping is on.
        best = {"epoch": None, "val_loss": math.inf, "val_acc": None, "state": None, "waited": 0, "iteration": -1}
        stopped_early = False

        def elapsed() -> float:
            return time.perf_counter() - t_start - self._paused_s

        def emit_window() -> None:
            nonlocal win_loss, win_correct, win_n, win_min
            segment_end()
            loss = win_loss.item() / win_n  # the reporting point: the one host sync
            acc = win_correct.item() / win_n
            if not math.isfinite(loss):
                raise _Diverged(f"the training loss became {loss} (not a finite number) by iteration {self.iteration}")
            too_high = loss > bound and win_min.item() > bound
            rec = {
                "examples_seen": self.examples_seen,
                "iteration": self.iteration,
                "epoch": self.examples_seen / n,
                "train_loss": loss,
                "train_accuracy": acc,
                "elapsed_s": elapsed(),
                "samples_per_second": self.examples_seen / clock["train"] if clock["train"] > 0 else 0.0,
            }
            self.history.append(rec)
            win_loss, win_correct, win_n, win_min = zero_f.clone(), zero_i.clone(), 0, inf_f.clone()
            for cb in self.callbacks:
                cb.on_batch_end(self, rec)
            if too_high:
                raise _Diverged(
                    f"the training loss stayed above {bound:.4g} ({DIVERGENCE_FACTOR:g}× the {untrained_loss(cfg.loss):.4g} "
                    f"of an untrained net) in every batch of a reporting interval (mean {loss:.4g} up to "
                    f"iteration {self.iteration})")

        try:
            for epoch in range(1, cfg.epochs + 1):
                perm = torch.randperm(n, generator=shuffle).to(dev, non_blocking=True)
                ep_loss, ep_correct, ep_n = zero_f.clone(), zero_i.clone(), 0
                for start in range(0, n, bs):
                    if not self._not_paused.is_set():
                        segment_end()
                        self._wait_if_paused()
                    if self._stop.is_set():
                        raise _Stopped
                    if clock["segment"] is None:
                        clock["segment"] = time.perf_counter()
                    idx = perm[start:start + bs]
                    x = self._normalize(self._train_x[idx])
                    y = self._train_y[idx]
                    try:
                        logits = model(x)
                        loss = self._loss(logits, y)
                        opt.zero_grad(set_to_none=True)
                        loss.backward()
                        opt.step()
                    except (RuntimeError, OverflowError, ValueError) as exc:
                        raise _step_failed(exc, self.iteration + 1) from None
                    with torch.no_grad():
                        k = y.shape[0]
                        torch.minimum(win_min, loss.detach(), out=win_min)
                        batch_loss = loss.detach() * k
                        batch_correct = (logits.argmax(dim=1) == y).sum()
                        win_loss += batch_loss
                        win_correct += batch_correct
                        ep_loss += batch_loss
                        ep_correct += batch_correct
                    win_n += k
                    ep_n += k
                    self.examples_seen += k
                    self.iteration += 1
                    if self.examples_seen >= next_report:
                        next_report = (self.examples_seen // cfg.report_every + 1) * cfg.report_every
                        emit_window()
                # End of an epoch: its training mean, then a validation pass.
                segment_end()
                ep_loss_v = ep_loss.item() / ep_n
                if not math.isfinite(ep_loss_v):
                    raise _Diverged(f"the training loss became {ep_loss_v} (not a finite number) in epoch {epoch}")
                ep_acc = ep_correct.item() / ep_n
                val_loss, val_acc = self._evaluate(self._val_x, self._val_y, interruptible=True)
                self._last_val = (self.iteration, val_loss, val_acc)
                self.epoch = epoch
                rec = {
                    "epoch": epoch,
                    "examples_seen": self.examples_seen,
                    "train_loss": ep_loss_v,
                    "train_accuracy": ep_acc,
                    "val_loss": val_loss,
                    "val_accuracy": val_acc,
                    "elapsed_s": elapsed(),
                }
                self.epochs.append(rec)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, rec)
                # A short run may have a single reporting interval that begins with the untrained
                # net's first batches: the validation pass catches a blow-up there too.
                if not math.isfinite(val_loss) or val_loss > bound:
                    raise _Diverged(
                        f"the validation loss after epoch {epoch} was {val_loss:.4g}, above {bound:.4g} "
                        f"({DIVERGENCE_FACTOR:g}× the {untrained_loss(cfg.loss):.4g} of an untrained net)")
                if val_loss < best["val_loss"]:
                    best.update(epoch=epoch, val_loss=val_loss, val_acc=val_acc, waited=0, iteration=self.iteration)
                    if cfg.early_stopping:
                        best["state"] = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                else:
                    best["waited"] += 1
                    if cfg.early_stopping and best["waited"] >= cfg.early_stopping:
                        stopped_early = True
                        break
            if win_n:
                emit_window()  # the remainder, so the history ends at the total
        except _Stopped:
            status = "stopped"
            if win_n and not self._abort.is_set():
                try:
                    emit_window()
                except _Diverged as exc:
                    status, reason = "diverged", str(exc)
        except _Diverged as exc:
            status, reason = "diverged", str(exc)
        segment_end()
        train_time = clock["train"]
        if best["state"] is not None and status != "diverged" and best["iteration"] != self.iteration:
            # Early stopping keeps the best epoch's weights: the final evaluation and model.pt
            # are theirs. That epoch's validation pass measured exactly these weights.
            model.load_state_dict(best["state"])
            self._last_val = (self.iteration, best["val_loss"], best["val_acc"])
        result = self._finish(status, elapsed, train_time, reason)
        result.final.update(best_epoch=best["epoch"],
                            best_val_loss=best["val_loss"] if best["epoch"] is not None else None,
                            stopped_early=stopped_early)
        return result

    def _evaluate(self, images, labels, interruptible: bool = False, want_predictions: bool = False):
        """Mean loss and accuracy in eval mode (BatchNorm uses its running statistics, dropout is
        off), at forward-only speed: under torch.inference_mode (no autograd records, no version
        counters), in batches of EVAL_BATCH (CPU, channels_last) or EVAL_BATCH_ACCEL images, the loss and the
        correct count summed on the device and read back once for the whole pass."""
        import torch

        model = self.model
        dev = self._torch_device
        chunk = EVAL_BATCH if dev.type == "cpu" else EVAL_BATCH_ACCEL
        loss_sum = torch.zeros((), device=dev)
        correct = torch.zeros((), dtype=torch.int64, device=dev)
        preds = [] if want_predictions else None
        # NHWC on a CPU: the weights change layout (not value) for the pass and change back after
        # it, so the optimizer's state and the training steps see the usual layout.
        nhwc = EVAL_CHANNELS_LAST and dev.type == "cpu"
        if nhwc:
            model.to(memory_format=torch.channels_last)
        model.eval()
        try:
            with torch.inference_mode():
                for start in range(0, images.shape[0], chunk):
                    if interruptible and self._stop.is_set():
                        raise _Stopped
                    if self._abort.is_set():
                        raise _Stopped
                    x = self._normalize(images[start:start + chunk])
                    y = labels[start:start + chunk]
                    logits = model(x)
                    loss_sum += self._loss(logits, y, reduction="sum")
                    p = logits.argmax(dim=1)
                    correct += (p == y).sum()
                    if preds is not None:
                        preds.append(p)
                # The one read-back of the pass: both numbers in one transfer (float64 holds the
                # float32 sum and any count exactly, so they are what .item() would give).
                loss_total, correct_total = torch.stack((loss_sum.double(), correct.double())).tolist()
                pred_all = torch.cat(preds) if preds is not None else None
        finally:
            if nhwc:
                model.to(memory_format=torch.contiguous_format)
            model.train()
        count = images.shape[0]
        out = (loss_total / count, int(correct_total) / count)
        if want_predictions:
            # A copy made outside inference mode: an ordinary tensor the caller may use as any other.
            return out + (pred_all.clone(),)
        return out

    def _finish(self, status: str, elapsed, train_time: float, reason: str = "") -> RunResult:
        import torch

        cfg = self.config
        final: dict[str, Any] = {"status": status}
        if reason:
            final["reason"] = reason
        confusion = misclassified = None
        evaluated = False
        if not self._abort.is_set():
            try:
                tr_loss, tr_acc = self._evaluate(self._train_x, self._train_y)
                if self._last_val is not None and self._last_val[0] == self.iteration:
                    _, va_loss, va_acc = self._last_val  # no step since the epoch's validation pass
                else:
                    va_loss, va_acc = self._evaluate(self._val_x, self._val_y)
                te_loss, te_acc, te_pred = self._evaluate(self._test_x, self._test_y, want_predictions=True)
                evaluated = True
            except _Stopped:  # aborted during the final evaluation
                pass
        if evaluated:
            final.update(train_loss=tr_loss, train_accuracy=tr_acc, val_loss=va_loss, val_accuracy=va_acc,
                         test_loss=te_loss, test_accuracy=te_acc)
            # On the CPU: 10,000 labels are cheap to move, and bincount is not on every device.
            y = self._test_y.cpu()
            pred = te_pred.cpu()
            confusion = torch.bincount(y * NUM_CLASSES + pred, minlength=NUM_CLASSES ** 2)
            confusion = confusion.reshape(NUM_CLASSES, NUM_CLASSES).numpy().astype(np.int64)
            wrong = torch.nonzero(pred != y).flatten()[:MAX_MISCLASSIFIED]
            misclassified = {
                "images": self._test_x[wrong.to(self._torch_device)].cpu().numpy(),
                "true": y[wrong].numpy(),
                "pred": pred[wrong].numpy(),
                "index": wrong.numpy(),  # position in the test split
            }
        else:
            final.update(train_loss=None, train_accuracy=None, val_loss=None, val_accuracy=None,
                         test_loss=None, test_accuracy=None)
        wall = elapsed()
        final.update(
            wall_time_s=wall,
            samples_per_second=self.examples_seen / train_time if train_time > 0 else 0.0,
            device=self.device,
            epochs_completed=self.epoch,
            examples_seen=self.examples_seen,
            iterations=self.iteration,
            train_time_s=train_time,
            paused_s=self._paused_s,
            num_parameters=self.num_parameters,
            train_size=self.train_size,
            val_size=int(self._val_x.shape[0]),
            test_size=int(self._test_x.shape[0]),
        )
        filters = None
        if self._first_conv is not None:
            filters = self._first_conv.weight.detach().float().cpu().numpy().copy()
        state = {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()}
        self.result = RunResult(config=cfg, final=final, history=list(self.history), epochs=list(self.epochs),
                                confusion=confusion, misclassified=misclassified,
                                first_layer_filters=filters, state_dict=state)
        return self.result

