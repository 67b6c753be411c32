"""Distributions while a net trains, summarised as TensorBoard summarises a histogram.

`DistributionRecorder` is a training callback (`visualizer.core.training.Callback`, the mechanism
`live.LiveSnapshots` uses). The engine calls `on_batch_end` at its reporting points (every
`report_every` examples), between two optimizer steps; at the first reporting point at or after
every multiple of `every` examples the recorder writes, for every layer:

* ``weight``: the layer's weights (Conv2d and Linear kernels, BatchNorm's γ; biases apart),
* ``grad``: their gradients from the last training batch (what the optimizer just applied),
* ``activation``: the layer's output for a fixed batch of validation images, computed in
  evaluation mode under no_grad (so recording changes neither BatchNorm's running statistics nor
  the random state of training; the mode is restored after).

weight and grad records exist for layers that have weights; every layer has an activation record.
Each record is one JSON line of ``distributions.jsonl`` in the run folder, appended and flushed at
once, so a stopped or crashed run keeps every record it made (a reader skips a cut last line):

    {"examples_seen", "epoch" (fractional, as history.csv's), "layer", "kind",
     "percentiles": 9 values, "edges": 31 values, "counts": 30 whole numbers}

The nine percentiles are TensorBoard's distribution bands, at 0, 6.68, 15.87, 30.85, 50, 69.15,
84.13, 93.32 and 100 % (the normal distribution's −∞, −1.5σ, −σ, −0.5σ, 0, … , +∞ points),
computed exactly from the values (linear interpolation between order statistics, numpy.percentile's
default; TensorBoard reads them off its histogram instead). The histogram has 30 equal bins from the
least to the greatest value (numpy.histogram's bins; a constant tensor gets those of [v − 0.5, v + 0.5]), so
its counts add up to the number of values: for weight and grad, the layer's weights. Values that
are not finite (a diverged run) are left out of both, and counted in an extra key ``non_finite``.

numpy at import; torch comes with the trainer's model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.training import MNIST_MEAN, MNIST_STD, Callback

FILE_NAME = "distributions.jsonl"
PERCENTILES = (0.0, 6.68, 15.87, 30.85, 50.0, 69.15, 84.13, 93.32, 100.0)
BINS = 30
KINDS = ("weight", "grad", "activation")
#: Validation images whose layer outputs are recorded (the first ones of the validation split).
ACTIVATION_IMAGES = 64
#: Examples between records when `--distributions` is given without a number: recording then costs
#: at most 5 % of training throughput (benchmarks/bench_distributions.py measures it).
DEFAULT_EVERY = 12_800
MAX_EVERY = 10**12


def summarize(values: Any) -> dict[str, Any]:
    """{"percentiles", "edges", "counts"} of a tensor or array (and "non_finite" when some values
    are NaN or infinite).

    One sort serves both (it is what makes recording cheap): the percentiles interpolate between
    neighbouring sorted values as numpy.percentile's default does, and bin i counts the values v
    with edges[i] ≤ v < edges[i + 1] (the last bin includes its right edge), as numpy.histogram's
    bins do."""
    a = values.detach().to("cpu").numpy() if hasattr(values, "detach") else np.asarray(values)
    a = np.asarray(a).ravel()
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    finite = np.isfinite(a)
    out: dict[str, Any] = {}
    if not finite.all():
        out["non_finite"] = int(a.size - finite.sum())
        a = a[finite]
    n = a.size
    if n == 0:
        return {"percentiles": [None] * len(PERCENTILES), "edges": [None] * (BINS + 1), "counts": [0] * BINS, **out}
    s = np.sort(a).astype(np.float64, copy=False)
    lo, hi = s[0], s[-1]
    with np.errstate(over="ignore", invalid="ignore"):  # a span past 1.8e308 (written as null)
        edges = np.linspace(lo - 0.5, hi + 0.5, BINS + 1) if lo == hi else np.linspace(lo, hi, BINS + 1)
        below = np.searchsorted(s, edges[1:-1], side="left")  # values under each inner edge
        pos = np.asarray(PERCENTILES) / 100.0 * (n - 1)
        i = np.floor(pos).astype(np.int64)
        j = np.minimum(i + 1, n - 1)
        pct = s[i] + (pos - i) * (s[j] - s[i])
    counts = np.diff(np.concatenate(([0], below, [n])))
    return {"percentiles": [float(v) for v in pct], "edges": [float(v) for v in edges],
            "counts": [int(c) for c in counts], **out}


def check_every(every: Any) -> int:
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or not 1 <= int(every) <= MAX_EVERY:
        raise UserInputError(f"the distributions interval must be a whole number of examples from 1 to "
                             f"{MAX_EVERY:,}, got {every!r}")
    return int(every)


def layer_names(net: Any, module) -> list[tuple[str, Any]]:
    """(name, child) for the trainer's model: the names `convviz activations` and the Network tab
    use (conv1, bn1, …), the dropout layers the trainer inserts left out (they pass their input
    through in evaluation mode, and have no weights)."""
    from collections import OrderedDict

    from torch import nn

    from visualizer.core import activations as act
    from visualizer.core.training import resolve_architecture

    kept = OrderedDict((k, c) for k, c in module.named_children() if not k.startswith("dropout_before_"))
    infos = act.layer_infos(resolve_architecture(net), nn.Sequential(kept))  # the one naming rule
    return [(info.name, child) for info, child in zip(infos, kept.values())]


def remove_stale(folder: str | Path) -> None:
    """Delete an earlier run's distributions.jsonl (a run replaced with --overwrite that records none)."""
    try:
        (Path(folder) / FILE_NAME).unlink()
    except FileNotFoundError:
        pass


class ForgetOldDistributions(Callback):
    """For a run that records no distributions: an earlier run's file in the folder (replaced with
    --overwrite) goes when the new run starts writing, as RunWriter's stale files do."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def on_train_begin(self, trainer) -> None:
        remove_stale(self.folder)


def recorder_for(folder: str | Path, every: int | None, val_images: np.ndarray | None = None) -> Callback:
    """The callback for a run into `folder`: a DistributionRecorder every `every` examples on the
    first ACTIVATION_IMAGES validation images, or (every None) one that removes a stale file.
    `val_images` None: the trainer's own (Trainer.validation_images, once it has loaded MNIST:
    the GUI's worker, which lets the trainer load the data)."""
    if every is None:
        return ForgetOldDistributions(folder)
    images = None if val_images is None else np.asarray(val_images)[:ACTIVATION_IMAGES]
    return DistributionRecorder(folder, every, images)


class DistributionRecorder(Callback):
    """Write distributions.jsonl into `folder` every `every` examples (see the module's text).

    `images`: the fixed validation images (uint8, N×28×28) whose activations are recorded; None:
    the first ACTIVATION_IMAGES of the trainer's validation images, taken when training begins."""

    def __init__(self, folder: str | Path, every: int, images: np.ndarray | None) -> None:
        self.path = Path(folder) / FILE_NAME
        self.every = check_every(every)
        self.images = None if images is None else self._checked(images)
        self.records = 0
        self._next = self.every
        self._file = None
        self._layers: list[tuple[str, Any]] = []
        self._x = None

    @staticmethod
    def _checked(images) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[0] == 0 or images.dtype != np.uint8:
            raise UserInputError(f"the recorded images must be uint8 (N, 28, 28), got {images.dtype} {images.shape}")
        return images

    # -- engine callbacks (training thread) ---------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        import torch

        if self.images is None:
            self.images = self._checked(np.asarray(trainer.validation_images)[:ACTIVATION_IMAGES])
        self._layers = layer_names(trainer.config.net, trainer.model)
        x = (self.images.astype(np.float32) / 255.0 - MNIST_MEAN) / MNIST_STD
        device = next(trainer.model.parameters()).device
        self._x = torch.from_numpy(x[:, None].astype(np.float32)).to(device)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "w", encoding="utf-8")  # a new run: an old file goes
        except OSError as exc:
            raise UserInputError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def on_batch_end(self, trainer, record) -> None:
        seen = int(trainer.examples_seen)
        if seen < self._next or self._file is None:
            return
        self._next = (seen // self.every + 1) * self.every
        self.record(trainer, seen, float(record.get("epoch", seen / max(1, trainer.train_size))))

    def on_train_end(self, trainer, result) -> None:
        self.close()

    def on_train_error(self, trainer, error) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._file = None

    # -- one record point ------------------------------------------------------------------------
    def record(self, trainer, seen: int, epoch: float) -> None:
        outputs = self._activations(trainer.model)
        lines = []
        for name, child in self._layers:
            weight = getattr(child, "weight", None)
            if weight is not None and hasattr(weight, "grad"):
                lines.append(self._line(seen, epoch, name, "weight", weight))
                if weight.grad is not None:
                    lines.append(self._line(seen, epoch, name, "grad", weight.grad))
            lines.append(self._line(seen, epoch, name, "activation", outputs[name]))
        try:
            self._file.write("".join(lines))
            self._file.flush()
        except OSError as exc:
            raise UserInputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.records += 1

    def _activations(self, model) -> dict[str, Any]:
        import torch

        outputs: dict[str, Any] = {}
        handles = [child.register_forward_hook(lambda _m, _a, out, n=name: outputs.__setitem__(n, out.detach()))
                   for name, child in self._layers]
        was = model.training
        model.eval()
        try:
            with torch.no_grad():
                model(self._x)
        finally:
            model.train(was)
            for h in handles:
                h.remove()
        return outputs

    @staticmethod
    def _line(seen: int, epoch: float, layer: str, kind: str, values) -> str:
        from visualizer.core.safe_json import dumps_strict

        doc = {"examples_seen": seen, "epoch": epoch, "layer": layer, "kind": kind, **summarize(values)}
        # (edges of values near ±1e308 can overflow to infinity: written as null, never as Infinity)
        return dumps_strict(doc, separators=(",", ":"))[0] + "\n"


def read_distributions(path: str | Path) -> list[dict[str, Any]]:
    """The records of a distributions.jsonl, in order; a cut last line (a run killed mid-write) is
    skipped, any other bad line is a UserInputError naming it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(f"{p}: not found (a run writes it with --distributions)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{p}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            if i == len(lines) - 1:  # no newline after it: the write was cut short
                break
            raise UserInputError(f"{p}, line {i + 1}: not a JSON object") from None
        if not isinstance(doc, dict) or doc.get("kind") not in KINDS:
            raise UserInputError(f"{p}, line {i + 1}: not a distribution record")
        out.append(doc)
    return out


class Series:
    """One layer's records of one kind, in order of examples seen, as arrays for a plot:
    `examples_seen` (n,), `epoch` (n,), `percentiles` (n, 9), `edges` (n, 31), `counts` (n, 30);
    a value written as null (past the float range) is NaN."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        records = sorted(records, key=lambda r: r.get("examples_seen", 0))

        def arr(key: str, width: int) -> np.ndarray:
            rows = [[np.nan if v is None else v for v in (r.get(key) or [None] * width)] for r in records]
            return np.asarray(rows, dtype=np.float64).reshape(len(records), width)

        self.examples_seen = np.asarray([r.get("examples_seen", 0) for r in records], dtype=np.int64)
        self.epoch = np.asarray([r.get("epoch", np.nan) for r in records], dtype=np.float64)
        self.percentiles = arr("percentiles", len(PERCENTILES))
        self.edges = arr("edges", BINS + 1)
        self.counts = arr("counts", BINS)

    def __len__(self) -> int:
        return int(self.examples_seen.size)


def series(records: list[dict[str, Any]], layer: str, kind: str) -> Series:
    """The records of `layer` and `kind` (see Series)."""
    return Series([r for r in records if r.get("layer") == layer and r.get("kind") == kind])


def layers_in(records: list[dict[str, Any]]) -> list[str]:
    """The layers that have records, in the order the file first names them (the net's order)."""
    return list(dict.fromkeys(str(r.get("layer", "")) for r in records))


__all__ = ["Series", "series", "layers_in", "FILE_NAME", "PERCENTILES", "BINS", "KINDS", "ACTIVATION_IMAGES", "DEFAULT_EVERY", "summarize",
           "check_every", "layer_names", "remove_stale", "DistributionRecorder", "ForgetOldDistributions",
           "recorder_for", "read_distributions"]
