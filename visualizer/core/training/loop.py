"""The epochs of one run (`TrainingLoop`, driven by `Trainer.run`): training steps, reporting
windows, a validation pass per epoch, the divergence rule, the best epoch and early stopping.

The best epoch is the one rule of ConvViz: the lowest validation loss, the earliest of equals (the
same as `runs.best_epoch_of` works out from saved epoch records).
"""

from __future__ import annotations

import math
import time
from typing import Any

from visualizer.core.training.config import DIVERGENCE_FACTOR, divergence_bound, untrained_loss


class TrainingFailed(Exception):
    """The run could not go on (e.g. the optimizer's arithmetic overflowed); the message is one
    plain sentence for the user."""


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


class TrainingLoop:
    """One run's epochs on a set-up `Trainer` (its model, optimizer, data on the device, controls
    and observers), which it updates as it goes (examples_seen, iteration, epoch, history, epochs)."""

    def __init__(self, trainer: Any):
        import torch

        self.t = trainer
        self.cfg = trainer.config
        dev = trainer._torch_device
        self.shuffle = torch.Generator()  # on the CPU: the same order on every device
        self.shuffle.manual_seed(self.cfg.seed)
        self.zero_f = torch.zeros((), device=dev)
        self.zero_i = torch.zeros((), dtype=torch.int64, device=dev)
        self.inf_f = torch.full((), math.inf, device=dev)
        self.bound = divergence_bound(self.cfg.loss)
        self.t_start = time.perf_counter()
        trainer._paused_s = 0.0
        # Training time counts training steps only: a segment opens at the first step after any
        # interruption and closes (after a device sync) before reports, evaluations and pauses.
        self.segment: float | None = None
        self.train_time = 0.0
        self._reset_window()
        self.next_report = self.cfg.report_every
        # The epoch with the lowest validation loss so far (the first of equals): where early
        # stopping would stop. Its weights are kept (on the CPU) only when early stopping is on.
        self.best: dict[str, Any] = {"epoch": None, "val_loss": math.inf, "val_acc": None, "state": None,
                                     "waited": 0, "iteration": -1}
        self.stopped_early = False

    # --- clocks and windows ------------------------------------------------------------------
    def elapsed(self) -> float:
        return time.perf_counter() - self.t_start - self.t._paused_s

    def segment_end(self) -> None:
        if self.segment is not None:
            self.t._sync()
            self.train_time += time.perf_counter() - self.segment
            self.segment = None

    def _reset_window(self) -> None:
        self.win_loss, self.win_correct, self.win_n = self.zero_f.clone(), self.zero_i.clone(), 0
        self.win_min = self.inf_f.clone()  # the window's lowest batch loss (read only when the mean is too high)

    def emit_window(self) -> None:
        """A reporting point: the window's means as a batch record, to the history and the callbacks."""
        t = self.t
        self.segment_end()
        loss = self.win_loss.item() / self.win_n  # the reporting point: the one host sync
        acc = self.win_correct.item() / self.win_n
        if not math.isfinite(loss):
            raise _Diverged(f"the training loss became {loss} (not a finite number) by iteration {t.iteration}")
        too_high = loss > self.bound and self.win_min.item() > self.bound
        rec = {
            "examples_seen": t.examples_seen,
            "iteration": t.iteration,
            "epoch": t.examples_seen / t.train_size,
            "train_loss": loss,
            "train_accuracy": acc,
            "elapsed_s": self.elapsed(),
            "samples_per_second": t.examples_seen / self.train_time if self.train_time > 0 else 0.0,
        }
        t.history.append(rec)
        self._reset_window()
        for cb in t.callbacks:
            cb.on_batch_end(t, rec)
        if too_high:
            raise _Diverged(
                f"the training loss stayed above {self.bound:.4g} ({DIVERGENCE_FACTOR:g}× the "
                f"{untrained_loss(self.cfg.loss):.4g} of an untrained net) in every batch of a reporting "
                f"interval (mean {loss:.4g} up to iteration {t.iteration})")

    # --- steps and epochs -------------------------------------------------------------------
    def _step(self, idx, sums: list) -> None:
        """One training step on the examples `idx`; its loss and correct count added to the window
        and to `sums` (the epoch's [loss, correct, n])."""
        import torch

        t = self.t
        x = t._normalize(t._train_x[idx])
        y = t._train_y[idx]
        try:
            logits = t.model(x)
            loss = t._loss(logits, y)
            t.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            t.optimizer.step()
        except (RuntimeError, OverflowError, ValueError) as exc:
            raise _step_failed(exc, t.iteration + 1) from None
        with torch.no_grad():
            k = y.shape[0]
            torch.minimum(self.win_min, loss.detach(), out=self.win_min)
            batch_loss = loss.detach() * k
            batch_correct = (logits.argmax(dim=1) == y).sum()
            self.win_loss += batch_loss
            self.win_correct += batch_correct
            sums[0] += batch_loss
            sums[1] += batch_correct
        self.win_n += k
        sums[2] += k
        t.examples_seen += k
        t.iteration += 1

    def _train_epoch(self) -> list:
        """The epoch's training steps, with pauses, stops and reporting points; [loss, correct, n]."""
        import torch

        t = self.t
        n, bs = t.train_size, self.cfg.batch_size
        perm = torch.randperm(n, generator=self.shuffle).to(t._torch_device, non_blocking=True)
        sums = [self.zero_f.clone(), self.zero_i.clone(), 0]
        for start in range(0, n, bs):
            if not t._not_paused.is_set():
                self.segment_end()
                t._wait_if_paused()
            if t._stop.is_set():
                raise _Stopped
            if self.segment is None:
                self.segment = time.perf_counter()
            self._step(perm[start:start + bs], sums)
            if t.examples_seen >= self.next_report:
                every = self.cfg.report_every
                self.next_report = (t.examples_seen // every + 1) * every
                self.emit_window()
        return sums

    def _end_epoch(self, epoch: int, sums: list) -> bool:
        """The epoch's training means, its validation pass, the divergence rule and the best epoch;
        True when early stopping ends the run here."""
        t = self.t
        self.segment_end()
        ep_loss = sums[0].item() / sums[2]
        if not math.isfinite(ep_loss):
            raise _Diverged(f"the training loss became {ep_loss} (not a finite number) in epoch {epoch}")
        ep_acc = sums[1].item() / sums[2]
        val_loss, val_acc = t._evaluate(t._val_x, t._val_y, interruptible=True)
        t._last_val = (t.iteration, val_loss, val_acc)
        t.epoch = epoch
        rec = {"epoch": epoch, "examples_seen": t.examples_seen, "train_loss": ep_loss, "train_accuracy": ep_acc,
               "val_loss": val_loss, "val_accuracy": val_acc, "elapsed_s": self.elapsed()}
        t.epochs.append(rec)
        for cb in t.callbacks:
            cb.on_epoch_end(t, rec)
        # A short run may have a single reporting interval that begins with the untrained net's
        # first batches: the validation pass catches a blow-up there too.
        if not math.isfinite(val_loss) or val_loss > self.bound:
            raise _Diverged(
                f"the validation loss after epoch {epoch} was {val_loss:.4g}, above {self.bound:.4g} "
                f"({DIVERGENCE_FACTOR:g}× the {untrained_loss(self.cfg.loss):.4g} of an untrained net)")
        best = self.best
        if val_loss < best["val_loss"]:
            best.update(epoch=epoch, val_loss=val_loss, val_acc=val_acc, waited=0, iteration=t.iteration)
            if self.cfg.early_stopping:
                best["state"] = {k: v.detach().to("cpu", copy=True) for k, v in t.model.state_dict().items()}
            return False
        best["waited"] += 1
        return bool(self.cfg.early_stopping) and best["waited"] >= self.cfg.early_stopping

    def _epochs(self) -> tuple[str, str]:
        """Every epoch (or until a stop, early stopping or divergence); (status, reason)."""
        try:
            for epoch in range(1, self.cfg.epochs + 1):
                if self._end_epoch(epoch, self._train_epoch()):
                    self.stopped_early = True
                    break
            if self.win_n:
                self.emit_window()  # the remainder, so the history ends at the total
        except _Stopped:
            if self.win_n and not self.t._abort.is_set():
                try:
                    self.emit_window()
                except _Diverged as exc:
                    return "diverged", str(exc)
            return "stopped", ""
        except _Diverged as exc:
            return "diverged", str(exc)
        return "completed", ""

    def run(self):
        """Train, then evaluate (Trainer._finish): the RunResult, with the best epoch in final."""
        t = self.t
        status, reason = self._epochs()
        self.segment_end()
        best = self.best
        if best["state"] is not None and status != "diverged" and best["iteration"] != t.iteration:
            # Early stopping keeps the best epoch's weights: the final evaluation and model.pt
            # are theirs. That epoch's validation pass measured exactly these weights.
            t.model.load_state_dict(best["state"])
            t._last_val = (t.iteration, best["val_loss"], best["val_acc"])
        result = t._finish(status, self.elapsed, self.train_time, reason)
        result.final.update(best_epoch=best["epoch"],
                            best_val_loss=best["val_loss"] if best["epoch"] is not None else None,
                            stopped_early=self.stopped_early)
        return result
