"""Snapshots of a net while it trains: its weights at the engine's reporting points, as plain data.

`LiveSnapshots` is a training callback (`visualizer.core.training.Callback`). The engine calls
callbacks on its own thread between optimizer steps, so a snapshot taken there is one consistent
set of weights (no step is half applied). A snapshot is a dict of plain data: the net (a preset
name or an architecture document, enough to rebuild the module with `activations.net_from_state`)
and a copy of the model's whole `state_dict` as numpy arrays on the CPU — the weights and the
buffers, BatchNorm's running mean, variance and batch count included, so the rebuilt net in eval
mode computes what the training net would compute in eval mode at that point.

Copies are throttled: one at the start, at most one per `min_interval_s` at the batch reports, and
always one at each epoch's end and at the run's end. When a copy costs more than `max_share` of the
time between copies (a large net), the interval grows so that copying never takes more than that
share of the training time.

numpy only at import (torch is not needed: the tensors come from the trainer's model).
"""

from __future__ import annotations

import copy
import time
from typing import Any, Callable

import numpy as np

from visualizer.core.training import Callback

#: The most weight values copied for a live view (80 MB of float32); a larger net is not followed.
MAX_LIVE_VALUES = 20_000_000
MIN_INTERVAL_S = 0.25  # at most four snapshots a second at the batch reports
MAX_SHARE = 0.05  # copying takes at most 5 % of the training time


def state_arrays(module) -> dict[str, np.ndarray]:
    """A copy of `module.state_dict()` as numpy arrays on the CPU (parameters and buffers)."""
    out: dict[str, np.ndarray] = {}
    for key, value in module.state_dict().items():
        out[key] = value.detach().to("cpu", copy=True).numpy()
    return out


class LiveNetBuilder:
    """Nets from snapshots, for showing them (`activations.LoadedNet`, eval mode).

    Building a net from its architecture costs tens of milliseconds (the shape checks run a
    forward pass); a run's snapshots all share one architecture, so the net is built once as a
    template and each snapshot gets a deep copy of its module with the snapshot's weights loaded
    (about a millisecond for the MNIST nets). The template is only read, never run, so builds on
    different threads may share it."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._template = None

    def build(self, snapshot: dict) -> Any:
        import json

        from visualizer.core import activations as act

        net = snapshot["net"]
        what = "the running net's weights"
        source = f"run {snapshot.get('run_id', '')} (live)"
        key = json.dumps(net, sort_keys=True, default=str)
        template = self._template if key == self._key else None
        if template is None:
            template = act.net_from_state(net, snapshot["state"], source, what=what)
            self._key, self._template = key, template
        module = copy.deepcopy(template.module)
        act.load_weights(module, snapshot["state"], what)
        module.eval()
        return act.LoadedNet(template.architecture, module, template.layers, source, None, template.fields)


def snapshot_label(snapshot: dict[str, Any]) -> str:
    """Which point of training a snapshot's weights are from, in words: "epoch 2 of 3, 12,800
    examples seen"."""
    seen = int(snapshot.get("examples_seen") or 0)
    epochs = int(snapshot.get("epochs") or 0)
    done = int(snapshot.get("epochs_completed") or 0)
    of = f" of {epochs}" if epochs else ""
    at = snapshot.get("at")
    if at == "begin":
        return "initial weights, before the first step"
    if at == "epoch":
        return f"end of epoch {done}{of}, {seen:,} examples seen"
    if at == "end":
        status = snapshot.get("status") or "ended"
        best = snapshot.get("best_epoch")
        if best:
            return f"final weights ({status}): those of epoch {best}, the best, restored after {seen:,} examples"
        return f"final weights ({status}), {seen:,} examples seen"
    return f"epoch {min(done + 1, epochs) if epochs else done + 1}{of}, {seen:,} examples seen"


class LiveSnapshots(Callback):
    """Send a snapshot of the training model at the reporting points (see the module's text).

    `send(snapshot)` is called on the training thread; `tag` is copied into every snapshot (e.g.
    the run's id and folder)."""

    def __init__(self, send: Callable[[dict], None], tag: dict | None = None,
                 min_interval_s: float = MIN_INTERVAL_S, max_share: float = MAX_SHARE,
                 max_values: int = MAX_LIVE_VALUES, clock: Callable[[], float] = time.monotonic) -> None:
        self.send = send
        self.tag = dict(tag or {})
        self.min_interval_s = float(min_interval_s)
        self.max_share = float(max_share)
        self.max_values = int(max_values)
        self.clock = clock
        self.taken = 0
        self.skipped = 0
        self._next_at = -float("inf")
        self._off = False  # the net is too large to follow

    # -- engine callbacks (training thread) --------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        values = sum(int(v.numel()) for v in trainer.model.state_dict().values())
        if values > self.max_values:
            self._off = True
            self.send({**self.tag, "at": "begin", "state": None,
                       "reason": f"this net has {values:,} weight values, too many to follow live "
                                 f"(at most {self.max_values:,}); open the saved run when it ends"})
            return
        self._take(trainer, "begin")

    def on_batch_end(self, trainer, record) -> None:
        if self.clock() < self._next_at:
            self.skipped += 1
            return
        self._take(trainer, "batch")

    def on_epoch_end(self, trainer, record) -> None:
        self._take(trainer, "epoch")

    def on_train_end(self, trainer, result) -> None:
        final = getattr(result, "final", None) or {}
        extra = {"status": str(final.get("status") or "")}
        best, done = final.get("best_epoch"), final.get("epochs_completed")
        if trainer.config.early_stopping and best and best != done:
            extra["best_epoch"] = int(best)  # early stopping restored that epoch's weights
        self._take(trainer, "end", extra)

    # -- the copy ----------------------------------------------------------------------------
    def _take(self, trainer, at: str, extra: dict | None = None) -> None:
        if self._off or trainer.model is None:
            return
        t0 = self.clock()
        try:
            state = state_arrays(trainer.model)
        except (RuntimeError, MemoryError, TypeError) as exc:  # (e.g. a dtype numpy lacks): the run goes on
            self._off = True
            text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            self.send({**self.tag, "at": at, "state": None, "reason": f"its weights cannot be copied ({text})"})
            return
        cost = self.clock() - t0
        cfg = trainer.config
        snapshot = {
            **self.tag,
            "at": at,
            "net": copy.deepcopy(cfg.net),
            "state": state,
            "examples_seen": int(trainer.examples_seen),
            "iteration": int(trainer.iteration),
            "epochs_completed": int(trainer.epoch),
            "epochs": int(cfg.epochs),
            "train_size": int(trainer.train_size),
            **(extra or {}),
        }
        self.taken += 1
        self.send(snapshot)
        wait = max(self.min_interval_s, cost / self.max_share if self.max_share > 0 else 0.0)
        self._next_at = self.clock() + wait
