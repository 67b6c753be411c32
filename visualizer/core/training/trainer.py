"""The training engine: plain Python + torch, Keras/Lightning-style callbacks, no Qt.

How it is fast: the whole dataset sits on the device as one uint8 tensor; each batch is gathered
by index from a per-epoch permutation and normalized on the device; losses and correct counts are
summed on the device and read back (`.item()`) only at reporting points, so a GPU never waits for
Python between steps. The epochs themselves run in `loop.TrainingLoop`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from visualizer.core.devices import pick_device
from visualizer.core.errors import UserInputError
from visualizer.core.training.config import MNIST_MEAN, MNIST_STD, TrainConfig
from visualizer.core.training.loop import TrainingFailed, TrainingLoop, _Stopped
from visualizer.core.training.nets import NUM_CLASSES, build_model

MAX_MISCLASSIFIED = 64
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
    def validation_images(self):
        """The validation images (uint8, N×28×28, numpy) once run() has loaded the data (None before):
        what a callback such as the distributions recorder evaluates on."""
        return getattr(self, "_val_images", None)

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
        self._val_images = np.asarray(data.val_images)
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
        return TrainingLoop(self).run()

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

