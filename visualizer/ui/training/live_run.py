"""The live run's bookkeeping for `TrainingModel` (no Qt of its own): a run begins (its row, tick
and progress), its batch and epoch records arrive, the progress line is refreshed, and it finishes,
fails or ends (the next queued run of an experiment then). The model's slots call these functions,
which change the model's state and emit its signals, the way `saved_runs` does for the runs folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from visualizer.core.run_lock import discard_if_unused
from visualizer.core.runs import best_epoch_of
from visualizer.core.run_table import fmt_time
from visualizer.core.training import TrainConfig
from visualizer.ui.training.run_entry import RunEntry

if TYPE_CHECKING:
    from visualizer.ui.training.model import TrainingModel


def begin_run(model: TrainingModel, run_id: str, folder: Path, config: TrainConfig) -> RunEntry:
    """A run is starting (its worker is about to): add its row and tick it (the runs ticked before
    stay on the plots until the user unticks them), show the progress."""
    model.clear_message()
    data = model.mnist.override
    n_train = len(data.train_images) if data is not None else config.train_size
    model.live_total = max(1, config.epochs * n_train)
    entry = RunEntry(run_id, folder, config.to_dict(), model.next_color(folder), status="running",
                     total=model.live_total)
    model.live_id = run_id
    model.forget_last_record()
    model.add_run(entry)
    model.set_ticked(run_id, True)
    model.progress, model.progress_text = 0.0, "Starting…"
    model.set_state("loading")
    model.device_text = f"Device: {config.device} (starting)"
    if model.queue_name:
        model.queue_text = f"Experiment “{model.queue_name}”: run {model.run_number()} of {model.queue_total}"
    else:
        model.queue_text = ""
    model.queue_changed.emit()
    model.progress_changed.emit()
    queued = f" ({len(model.queue)} more queued: {model.queue_name})" if model.queue else ""
    model.status.emit(f"Training {entry.label}{queued}", 4000)
    return entry


def tick_progress(model: TrainingModel) -> None:
    """Turn the newest batch record into the progress bar and text (a few times a second)."""
    record = model.take_last_record()
    e = model.run(model.live_id)
    if record is None or e is None:
        return
    seen = float(record.get("examples_seen", 0))
    model.progress = min(1.0, seen / model.live_total)
    e.progress = model.progress
    model.run_changed.emit(e.run_id)
    sps = float(record.get("samples_per_second") or 0.0)
    eta = (model.live_total - seen) / sps if sps > 0 else float("nan")
    if model.state not in ("paused", "stopping"):
        epoch = float(record.get("epoch", 0.0))
        epochs = e.config.get("epochs", "?")
        model.progress_text = (
            f"epoch {min(int(epoch) + 1, epochs if isinstance(epochs, int) else 10**9)}/{epochs} · "
            f"{int(seen):,} / {model.live_total:,} examples · {sps:,.0f} samples/s · "
            f"ETA {fmt_time(eta) or '–'} · loss {float(record.get('train_loss', float('nan'))):.4f}")
    model.progress_changed.emit()


def record_epoch(model: TrainingModel, record: dict) -> None:
    e = model.run(model.live_id)
    if e is None:
        return
    e.epochs.append(record)
    e.epochs_done = int(record.get("epoch", 0))
    e.final = {"train_accuracy": record.get("train_accuracy"), "val_accuracy": record.get("val_accuracy"),
               "wall_time_s": record.get("elapsed_s"), "epochs_completed": e.epochs_done,
               **best_epoch_of(e.epochs)}
    model.epoch_recorded.emit(e.run_id, record)
    model.run_changed.emit(e.run_id)


def finish_run(model: TrainingModel, payload: dict) -> None:
    e = model.run(model.live_id)
    if e is None:
        return
    model.forget_last_record()
    e.final = dict(payload.get("final") or {})
    e.status = str(e.final.get("status", "completed"))
    e.result = payload
    # the result's records are the reference (a signal may still be queued behind this one)
    e.history, e.epochs = list(payload.get("history") or []), list(payload.get("epochs") or [])
    model.run_records.emit(e.run_id)
    model.run_changed.emit(e.run_id)
    model.run_finished.emit(e.run_id)
    if e.status == "completed":
        model.progress = 1.0
    acc = e.final.get("test_accuracy")
    acc_text = f"test accuracy {100 * float(acc):.2f} %" if acc is not None else ""
    sps = e.final.get("samples_per_second")
    sps_text = f"{float(sps):,.0f} samples/s" if sps else ""
    model.progress_text = (f"{e.status.capitalize()} in {fmt_time(e.final.get('wall_time_s'))} · "
                           + " · ".join(t for t in (acc_text, sps_text) if t))
    model.progress_changed.emit()
    if e.status == "diverged":
        model.show_message("The loss became NaN or infinite: the run diverged (try a smaller "
                           "learning rate). Everything before that is kept.")
    model.status.emit(f"Run {e.status}: {e.label} {acc_text}", 6000)


def fail_run(model: TrainingModel, message: str) -> None:
    e = model.run(model.live_id)
    model.clear_queue()
    if e is not None:
        # Nothing trained: no row and no folder left (a few small files, under the run lock).
        if not e.history and not e.epochs and (e.folder is None or discard_if_unused(e.folder)):
            model.remove_run(e.run_id)
        else:
            e.status = "failed"
            model.run_changed.emit(e.run_id)
    model.progress_text = "Not running."
    model.progress_changed.emit()
    model.show_message(message)


def end_run(model: TrainingModel) -> TrainConfig | None:
    """The run's thread has ended: back to idle; the next queued run's config, if one is due."""
    stopped = model.state == "stopping"
    model.live_id = None
    model.forget_last_record()
    model.set_state("idle")
    if model.queue and not stopped:
        return model.next_queued()
    if model.queue_name:
        model.queue_text = f"Experiment “{model.queue_name}”: " + ("stopped" if stopped else "all runs done") + "."
    model.queue, model.queue_name = [], ""
    model.queue_changed.emit()
    return None
