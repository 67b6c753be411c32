"""The runs folder as the Training tab lists it: the runs saved there and the sweeps kept there
(their runs as "SWEEP/RUN"), a sweep folder opened from anywhere, deleting runs, and a saved run's
test results in the worker's shape. Functions of the TrainingModel they fill (no widgets)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from visualizer.core.errors import UserInputError
from visualizer.ui.training.run_entry import RunEntry

if TYPE_CHECKING:  # pragma: no cover
    from visualizer.ui.training.model import TrainingModel


def list_saved(m: "TrainingModel") -> None:
    """Add the runs saved in m.runs_dir, and those of the sweeps kept there, not listed yet."""
    from visualizer.core.runs import list_runs
    from visualizer.core.sweep import read_sweep, sweep_folders

    try:
        records = list_runs(m.runs_dir) if m.runs_dir.is_dir() else []
    except OSError as exc:
        m.show_message(f"Cannot read the runs folder {m.runs_dir}: {exc}")
        return
    _add(m, [(rec.run_id, rec) for rec in records])
    # Sweeps kept in the runs folder (the experiments "with 3 seeds" write theirs there); the Sweep
    # plot shows only the one opened.
    for sweep in sweep_folders(m.runs_dir):
        try:
            name = read_sweep(sweep).name  # the name open_sweep gives its runs
        except (UserInputError, OSError):
            name = sweep.name
        add_sweep_runs(m, sweep, name)


def add_sweep_runs(m: "TrainingModel", folder: Path, name: str) -> None:
    from visualizer.core.runs import list_runs

    _add(m, [(f"{name}/{rec.folder.name}", rec) for rec in list_runs(folder)])


def _add(m: "TrainingModel", records: list[tuple[str, Any]]) -> None:

    for run_id, rec in records:
        if m.run(run_id) is None:
            m.add_run(RunEntry.from_record(run_id, rec, m.next_color(rec.folder)))


def open_sweep(m: "TrainingModel", folder: str | Path) -> bool:
    from visualizer.core.sweep import read_sweep

    try:
        table = read_sweep(folder)
    except (UserInputError, OSError) as exc:
        m.show_message(f"Cannot open the sweep: {exc}")
        return False
    add_sweep_runs(m, Path(folder), table.name)
    m.sweep = table
    m.sweep_changed.emit()
    m.status.emit(f"Sweep “{table.name}”: {len(table.rows)} runs from {folder}", 5000)
    return True


def saved_result(e: "RunEntry") -> dict | None:
    """The test results a run saved (results.npz) in the worker's shape; None when it saved none.
    Raises what reading them raises (UserInputError, OSError, ValueError)."""
    r = e.saved.load_results()
    if not r:
        return None
    mis = None
    if "misclassified_images" in r:
        mis = {"images": r["misclassified_images"], "true": r.get("misclassified_true"),
               "pred": r.get("misclassified_pred"), "index": r.get("misclassified_index")}
    return {"config": e.config, "final": e.final, "confusion": r.get("confusion"),
            "misclassified": mis, "first_layer_filters": r.get("first_layer_filters")}


def delete_runs(m: "TrainingModel", run_ids: list[str]) -> None:
    """Delete runs and their folders; a running run, or one another process writes, is kept."""
    from visualizer.core.run_lock import RunLock

    for run_id in run_ids:
        e = m.run(run_id)
        if e is None or e.status == "running":
            continue
        if e.folder is not None and e.folder.is_dir():
            holder = RunLock.holder(e.folder)
            if holder is not None:  # another process (a CLI run, another window) is writing it
                m.show_message(f"Not deleted: {e.folder.name} is being written by another run "
                               f"(process {holder}).")
                continue
            try:
                shutil.rmtree(e.folder)
            except OSError as exc:
                m.show_message(f"Could not delete {e.folder}: {exc.strerror or exc}")
                continue
        m.remove_run(run_id)
