"""Sweeps: a grid of training settings × seeds, each run an ordinary run folder (no Qt).

A sweep folder holds one run folder per grid point and seed (the same files as `convviz train`,
written by `runs.RunWriter`, locked by `run_lock.RunLock` while written), plus:

  sweep.json  {"schema": "convviz.sweep", "version": 1, "name", "backend", "workers",
               "grid" (swept option -> its values), "fixed" (the other settings), "seeds",
               "runs": [one record per run: name, folder, settings, seed, status, reason,
               final numbers, best_epoch]}; "folder" is the run folder, relative to the sweep folder
  sweep.csv   one row per run: every swept option, seed, status, final train/val/test accuracy
              and loss, best epoch, wall time, samples/s, folder, reason

Both are rewritten (atomically) whenever a run ends, so an interrupted sweep keeps what it did.
Running the same sweep again skips the runs whose folders hold a completed run with the same
settings (resume). A run's "best epoch" is the epoch with the lowest validation loss (the earliest
of equals): the run's own "best_epoch" in final, else worked out from its epochs by the same rule
(`runs.best_epoch_of`).

A sweep's folder is refused when it holds anything else, including a sweep.json that ConvViz did not
write (`is_sweep_file`).

Backends run `run_one` on each run: `run_local` (a pool of worker processes, torch threads per
worker set so the cores are not oversubscribed) and `visualizer.core.sweep_ray` (Ray Tune trials).
A worker that crashes records its run as "failed" with the reason; the others go on.

- `plan`: the grid, run names, the course experiments with seeds;
- `files`: --out checked, resuming, sweep.json / sweep.csv written and read, the Sweep plot's series;
- `local`: one run (`run_one`), progress lines, the local backend;
- `resume`: the plan rebuilt from a sweep's folder alone (the app's *Resume sweep*).
The names below are the package's public ones (`from visualizer.core.sweep import read_sweep`).
"""
from visualizer.core.sweep.files import (
    SweepSeries,
    SweepTable,
    best_epoch,
    check_out,
    csv_columns,
    is_sweep_file,
    read_sweep,
    resume_state,
    sweep_csv_text,
    sweep_document,
    sweep_folders,
    sweep_series,
    write_sweep_files,
)
from visualizer.core.sweep.local import (
    SweepProgress,
    apply_outcome,
    default_workers,
    run_local,
    run_one,
    tasks_for,
)
from visualizer.core.sweep.resume import TO_RESUME, can_resume, sweep_plan_from_folder
from visualizer.core.sweep.plan import (
    LOG_OPTIONS,
    MAX_RUNS_WITHOUT_YES,
    RESULT_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    STATUSES,
    SweepPlan,
    SweepRun,
    check_no_duplicates,
    experiment_plan,
    grid_size,
    make_plan,
    run_name,
    split_list,
    variants_plan,
)

__all__ = [
    "LOG_OPTIONS", "MAX_RUNS_WITHOUT_YES", "RESULT_COLUMNS", "SCHEMA", "SCHEMA_VERSION", "STATUSES",
    "SweepPlan", "SweepProgress", "SweepRun", "SweepSeries", "SweepTable", "apply_outcome", "best_epoch",
    "check_no_duplicates", "check_out", "csv_columns", "default_workers", "experiment_plan", "grid_size",
    "is_sweep_file", "make_plan", "read_sweep", "resume_state", "run_local", "run_name", "run_one",
    "split_list", "sweep_csv_text", "sweep_document", "sweep_folders", "sweep_series", "tasks_for",
    "variants_plan", "write_sweep_files", "TO_RESUME", "can_resume", "sweep_plan_from_folder",
]
