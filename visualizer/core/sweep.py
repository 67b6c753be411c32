"""Sweeps: a grid of training settings × seeds, each run an ordinary run folder (no Qt).

A sweep folder holds one run folder per grid point and seed (the same files as `convviz train`,
written by `runs.RunWriter`, locked by `runs.RunLock` while written), plus:

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

Backends run `run_one` on each run: `run_local` (here: a pool of worker processes, torch threads
per worker set so the cores are not oversubscribed) and `visualizer.core.sweep_ray.run_ray`
(Ray Tune trials). A worker that crashes records its run as "failed" with the reason; the
others go on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from visualizer.core.errors import UserInputError

SCHEMA = "convviz.sweep"
SCHEMA_VERSION = 1
#: Grids larger than this need --yes (a typo like --lr 1,2,...,9 --seeds 100 is 900 runs).
MAX_RUNS_WITHOUT_YES = 1000
#: Numbers kept from each run's final result (sweep.csv's columns, in this order).
RESULT_COLUMNS = ("train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "val_loss", "test_loss")
#: TrainConfig fields that may differ between a sweep and the saved run it resumes.
_NOT_COMPARED = {"device", "data_dir", "num_threads"}
#: Statuses a sweep's run can have: a run's own ones, or "pending" (not run yet).
STATUSES = ("completed", "stopped", "diverged", "failed", "pending")
#: Options swept on a log scale by the Sweep plot.
LOG_OPTIONS = ("lr", "weight_decay")


@dataclass
class SweepRun:
    """One run of a sweep: its folder name, the swept settings, the seed and its TrainConfig."""

    name: str
    settings: dict[str, Any]
    seed: int
    config: dict[str, Any]
    status: str = "pending"
    reason: str = ""
    final: dict[str, Any] = field(default_factory=dict)
    best_epoch: int | None = None
    resumed: bool = False  # completed by an earlier invocation

    def record(self, out: Path) -> dict[str, Any]:
        f = self.final
        rec = {"name": self.name, "folder": self.name, "settings": dict(self.settings),
               "seed": self.seed, "status": self.status, "reason": self.reason,
               "best_epoch": self.best_epoch}
        for k in (*RESULT_COLUMNS, "wall_time_s", "samples_per_second", "epochs_completed", "device"):
            rec[k] = f.get(k)
        return rec


@dataclass
class SweepPlan:
    grid: dict[str, list[Any]]  # swept option -> values (as given), in the order of the grid
    fixed: dict[str, Any]  # the options with one value
    seeds: list[int]
    runs: list[SweepRun]


# ---------------------------------------------------------------------------------------------
# The grid

def split_list(text: str, option: str) -> list[str]:
    """"0.1,0.03" -> ["0.1", "0.03"]; an empty item ("0.1,,0.01", "0.1,") is an error."""
    items = [t.strip() for t in str(text).split(",")]
    if any(not t for t in items):
        raise UserInputError(f"{option} {text!r} has an empty item; separate values by single commas")
    return items


def check_no_duplicates(values: list[Any], option: str) -> None:
    seen: set = set()
    for v in values:
        key = json.dumps(v, sort_keys=True, default=str) if isinstance(v, (dict, list)) else v
        if key in seen:
            raise UserInputError(f"{option} lists {v!r} twice; each value once")
        seen.add(key)


def grid_size(lists: Iterable[list[Any]], seeds: int) -> int:
    n = seeds
    for values in lists:
        n *= len(values)
    return n


def _value_text(v: Any) -> str:
    if isinstance(v, float):
        return re.sub(r"e\+?0*(\d)", r"e\1", f"{v:g}").replace("e-0", "e-")
    if isinstance(v, (str, Path)) and str(v).lower().endswith(".json"):
        return Path(str(v)).stem  # a net file: its name
    return str(v)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+_-]+", "-", text).strip("-.") or "x"


def run_name(settings: dict[str, Any], seed: int) -> str:
    """A readable folder name: "lr0.1_loss-ce_seed0" (numbers glued to the option, words after a
    dash); only the swept options and the seed."""
    parts = []
    for k, v in settings.items():
        key = k.replace("_", "-")
        text = _value_text(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{key}{_slug(text)}")
        else:
            parts.append(f"{key}-{_slug(text)}")
    parts.append(f"seed{seed}")
    return "_".join(parts)[:180]


def make_plan(points: list[tuple[dict[str, Any], int, dict[str, Any]]], grid: dict[str, list[Any]],
              fixed: dict[str, Any], seeds: list[int]) -> SweepPlan:
    """The plan for grid points given as (swept settings, seed, TrainConfig.to_dict()). Names are
    made unique (two net files of one name) by a short hash of the settings."""
    runs = []
    taken: set[str] = set()
    for settings, seed, config in points:
        name = run_name(settings, seed)
        if name in taken:
            digest = hashlib.sha1(json.dumps([repr(settings), seed]).encode()).hexdigest()[:6]
            name = f"{name}_{digest}"
        taken.add(name)
        runs.append(SweepRun(name, dict(settings), int(seed), config))
    return SweepPlan(grid, fixed, list(seeds), runs)


# ---------------------------------------------------------------------------------------------
# The course experiments "with 3 seeds"

def experiment_plan(varied: str, values: Iterable[Any], base: Any, seeds: Iterable[int] = (0, 1, 2)) -> SweepPlan:
    """A course experiment (the form's settings with one field varied, e.g. ("lr", (0.1, 0.01,
    0.0001))) run with several seeds: the plan for `run_local`. `base` is a TrainConfig."""
    from visualizer.core.training import TrainConfig

    values, seeds = list(values), [int(s) for s in seeds]
    check_no_duplicates(values, varied)
    base_dict = base.to_dict()
    points = []
    for v in values:
        for s in seeds:
            cfg = TrainConfig.from_dict({**base_dict, varied: v, "seed": s})
            cfg.validate()
            points.append(({varied: v}, s, cfg.to_dict()))
    fixed = {k: val for k, val in base_dict.items() if k not in (varied, "seed")}
    return make_plan(points, {varied: values}, fixed, seeds)


def variants_plan(option: str, variants: Iterable[tuple[str, Any]], seeds: Iterable[int] = (0, 1, 2)) -> SweepPlan:
    """A course experiment that varies whole sets of settings rather than one field (overfitting:
    plain, weight decay, early stopping), run with several seeds. `variants` are (label,
    TrainConfig); the sweep's one swept option is `option` (e.g. "regularisation"), whose values
    are the labels (sweep.csv's column, the Sweep plot's x ticks)."""
    from visualizer.core.training import TrainConfig

    variants, seeds = [(str(label), cfg.to_dict()) for label, cfg in variants], [int(s) for s in seeds]
    labels = [label for label, _ in variants]
    check_no_duplicates(labels, option)
    points = []
    for label, base_dict in variants:
        for s in seeds:
            cfg = TrainConfig.from_dict({**base_dict, "seed": s})
            cfg.validate()
            points.append(({option: label}, s, cfg.to_dict()))
    # the settings every variant shares are the fixed ones
    fixed = {k: val for k, val in variants[0][1].items()
             if k != "seed" and all(d.get(k) == val for _, d in variants)} if variants else {}
    return make_plan(points, {option: labels}, fixed, seeds)


# ---------------------------------------------------------------------------------------------
# The sweep folder

def check_out(out: Path) -> None:
    """--out must be new, empty, or a sweep folder (this sweep's, to resume it)."""
    from visualizer.core.runs import folder_contents

    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {out} is a file, not a folder")
    if not out.is_dir():
        return
    contents = [n for n in folder_contents(out) if not n.startswith(".")]
    if contents and not is_sweep_file(out / "sweep.json"):
        shown = ", ".join(contents[:3]) + (", …" if len(contents) > 3 else "")
        why = "its sweep.json is not a ConvViz sweep file" if "sweep.json" in contents else f"it holds {shown}"
        raise UserInputError(f"--out {out} is not empty and holds no sweep ({why}); choose a new folder")


def is_sweep_file(path: Path) -> bool:
    """True when `path` is a sweep.json that ConvViz wrote (its schema), not the user's own file."""
    from visualizer.core.safe_json import read_json_file

    try:
        doc = read_json_file(path)
    except UserInputError:
        return False
    return isinstance(doc, dict) and doc.get("schema") == SCHEMA and isinstance(doc.get("runs"), list)


def _comparable(config: dict[str, Any]) -> dict[str, Any]:
    from visualizer.core.training import TrainConfig

    names = {f for f in TrainConfig().to_dict()} - _NOT_COMPARED
    return {k: config.get(k) for k in sorted(names)}


def best_epoch(final: dict[str, Any], epochs: list[dict[str, Any]]) -> int | None:
    """final["best_epoch"] when the run wrote one, else the epoch with the lowest validation loss
    (the earliest of equals: the engine's rule, `runs.best_epoch_of`)."""
    from visualizer.core.runs import best_epoch_of

    b = final.get("best_epoch")
    if isinstance(b, int) and not isinstance(b, bool):
        return b
    found = best_epoch_of(epochs).get("best_epoch")
    return int(found) if found is not None else None


def resume_state(plan: SweepPlan, out: Path) -> None:
    """Mark the runs whose folders already hold this run, completed, as done. A folder holding a
    different run (other settings) or files that are no run is an error: nothing is overwritten."""
    from visualizer.core.runs import folder_contents, holds_run, load_run

    for r in plan.runs:
        folder = out / r.name
        if not folder.is_dir() or not folder_contents(folder):
            continue
        if not holds_run(folder):
            raise UserInputError(f"{folder} holds files that are not a ConvViz run; move them away or choose "
                                 f"another --out")
        try:
            rec = load_run(folder)
        except UserInputError as exc:
            raise UserInputError(f"{folder} cannot be read ({exc}); delete it to rerun that run") from None
        mine, theirs = _comparable(r.config), _comparable(rec.config)
        if mine != theirs:
            diff = next(k for k in mine if mine[k] != theirs[k])
            raise UserInputError(
                f"--out {out} holds a different sweep: {r.name} was trained with {diff} "
                f"{_value_text(theirs[diff])}, this sweep asks for {_value_text(mine[diff])}; choose another folder")
        if rec.status == "completed":
            r.status, r.final, r.resumed = "completed", dict(rec.final), True
            r.best_epoch = best_epoch(rec.final, rec.epochs)


def sweep_document(plan: SweepPlan, out: Path, backend: str, workers: int | None) -> dict[str, Any]:
    return {"schema": SCHEMA, "version": SCHEMA_VERSION, "name": out.name, "backend": backend,
            "workers": workers, "grid": plan.grid, "fixed": plan.fixed, "seeds": plan.seeds,
            "runs": [r.record(out) for r in plan.runs]}


def csv_columns(plan: SweepPlan) -> list[str]:
    return [*plan.grid, "seed", "status", *RESULT_COLUMNS, "best_epoch", "wall_time_s", "samples_per_second",
            "folder", "reason"]


def sweep_csv_text(plan: SweepPlan, out: Path) -> str:
    from visualizer.core.runs import csv_line

    cols = csv_columns(plan)
    lines = [csv_line(cols)]
    for r in plan.runs:
        rec = r.record(out)
        row = []
        for c in cols:
            if c in plan.grid:
                row.append(_value_text(r.settings.get(c)))
            else:
                row.append(rec.get(c))
        lines.append(csv_line(row))
    return "".join(lines)


def write_sweep_files(plan: SweepPlan, out: Path, backend: str, workers: int | None) -> None:
    from visualizer.core.atomic import write_atomic
    from visualizer.core.runs import write_json

    write_json(out / "sweep.json", sweep_document(plan, out, backend, workers))
    write_atomic(out / "sweep.csv", sweep_csv_text(plan, out))


@dataclass
class SweepTable:
    """sweep.csv read back, for the Sweep plot: the swept options and one dict per run."""

    folder: Path
    name: str
    options: list[str]  # swept options, in the grid's order
    rows: list[dict[str, Any]]  # option/seed values as text; result columns as float (nan if empty)


def sweep_folders(parent: str | Path, names: Iterable[str] | None = None) -> list[Path]:
    """The sweep folders (holding a sweep.json) directly inside `parent`, by name; only those in
    `names` when given. Hidden folders are skipped; an unreadable parent gives []."""
    parent = Path(parent)
    try:
        subs = sorted(parent.iterdir()) if names is None else [parent / n for n in names]
    except OSError:
        return []
    found = []
    for sub in subs:
        try:
            if not sub.name.startswith(".") and (sub / "sweep.json").is_file():
                found.append(sub)
        except OSError:
            continue
    return found


def read_sweep(folder: str | Path) -> SweepTable:
    """A sweep folder's sweep.json (for the swept options) and sweep.csv; UserInputError naming the
    file when it is not a sweep or cannot be read."""
    from visualizer.core.safe_json import read_json_file

    folder = Path(folder)
    doc = read_json_file(folder / "sweep.json", f"{folder / 'sweep.json'}")
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("grid"), dict):
        raise UserInputError(f"{folder / 'sweep.json'} is not a ConvViz sweep file")
    options = [str(k) for k in doc["grid"]]
    path = folder / "sweep.csv"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    numeric = {*RESULT_COLUMNS, "best_epoch", "wall_time_s", "samples_per_second"}
    rows = []
    try:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in (*options, "seed", "status") if c not in (reader.fieldnames or [])]
        if missing:
            raise UserInputError(f"{path}: no column {missing[0]!r}")
        for i, row in enumerate(reader, start=2):
            rec: dict[str, Any] = {}
            for k, v in row.items():
                if k is None:
                    continue
                if k in numeric:
                    try:
                        rec[k] = float(v) if v not in ("", None) else math.nan
                    except ValueError:
                        raise UserInputError(f"{path}, line {i}: {k} is not a number ({str(v)[:40]!r})") from None
                else:
                    rec[k] = v if v is not None else ""
            rows.append(rec)
    except csv.Error as exc:
        raise UserInputError(f"{path}: not a readable CSV file ({exc})") from None
    return SweepTable(folder, str(doc.get("name") or folder.name), options, rows)


def _as_number(text: str) -> float | None:
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@dataclass
class SweepSeries:
    """One line of the Sweep plot: a value of the grouping option (or "" for none)."""

    group: str
    xs: list[float]  # the x positions of the values (the value itself, or its index for words)
    points: list[tuple[float, float]]  # one per seed: (x, metric)
    means: list[float]  # per x, over the seeds with a number (nan when none)
    spreads: list[float]  # per x, the standard deviation over the seeds (0 for one seed)


def sweep_series(table: SweepTable, metric: str, x_option: str, group_option: str = "",
                 statuses: tuple[str, ...] = ("completed",)) -> tuple[list[str], bool, list[SweepSeries]]:
    """What the Sweep plot draws: (x tick labels when the option takes words, else [], whether
    the x values are numbers, one SweepSeries per value of `group_option`). Only runs with a
    status in `statuses` and a finite metric count; the spread is the sample standard deviation
    (n − 1, numpy's ddof=1) over the seeds."""
    import numpy as np

    values: list[str] = []
    for row in table.rows:
        v = row.get(x_option, "")
        if v not in values:
            values.append(v)
    numeric = bool(values) and all(_as_number(v) is not None for v in values)
    if numeric:
        values.sort(key=lambda v: float(v))
        pos = {v: float(v) for v in values}
        labels: list[str] = []
    else:
        pos = {v: float(i) for i, v in enumerate(values)}
        labels = list(values)
    groups: list[str] = []
    for row in table.rows:
        g = row.get(group_option, "") if group_option else ""
        if g not in groups:
            groups.append(g)
    series = []
    for g in groups:
        pts, means, spreads = [], [], []
        for v in values:
            ys = [row[metric] for row in table.rows
                  if row.get(x_option, "") == v and (not group_option or row.get(group_option, "") == g)
                  and row.get("status") in statuses and isinstance(row.get(metric), float)
                  and math.isfinite(row[metric])]
            pts += [(pos[v], y) for y in ys]
            means.append(float(np.mean(ys)) if ys else math.nan)
            spreads.append(float(np.std(ys, ddof=1)) if len(ys) > 1 else 0.0)
        series.append(SweepSeries(g, [pos[v] for v in values], pts, means, spreads))
    return labels, numeric, series


# ---------------------------------------------------------------------------------------------
# One run (in whatever process a backend gives it)

def run_one(task: dict[str, Any], should_stop: Callable[[], bool] | None = None,
            callbacks: list[Any] | None = None) -> dict[str, Any]:
    """Train one run of a sweep into task["folder"] with the same engine and files as `convviz
    train`, holding the folder's RunLock. Never raises: the outcome says what happened
    ({"name", "status", "reason", "final", "best_epoch"})."""
    name = task["name"]
    try:
        return _run_one(task, should_stop, callbacks)
    except BaseException as exc:  # noqa: BLE001 - a run's failure is its outcome; the sweep goes on
        from visualizer.core.runs import failure_final

        if isinstance(exc, (SystemExit,)):
            raise
        final = failure_final(exc)
        return {"name": name, "status": final["status"], "reason": final.get("error", ""), "final": {},
                "best_epoch": None}


def _run_one(task, should_stop, callbacks) -> dict[str, Any]:
    from visualizer.core.mnist import load_mnist
    from visualizer.core.runs import RunLock, RunWriter, folder_contents
    from visualizer.core.training import TrainConfig, Trainer, TrainingFailed

    name = task["name"]
    folder = Path(task["folder"])
    threads = int(task.get("threads") or 0)
    if threads:
        import torch

        torch.set_num_threads(threads)
    cfg = TrainConfig.from_dict(task["config"])
    lock = RunLock(folder)
    lock.acquire()
    trainer = None
    done = threading.Event()
    try:
        if should_stop is not None and should_stop():
            return {"name": name, "status": "pending", "reason": "", "final": {}, "best_epoch": None}
        # a task may carry its data (MnistSplits: the app's data override, for tests and demos)
        data = task.get("data")
        if data is None:
            data = load_mnist(cfg.data_dir or None, cfg.train_size, cfg.val_size, cfg.test_size, cfg.seed)
        trainer = Trainer(cfg, data, [RunWriter(folder), *(callbacks or [])])
        if should_stop is not None:
            def watch() -> None:
                while not done.wait(0.2):
                    if should_stop():
                        trainer.request_stop()
                        return

            threading.Thread(target=watch, name=f"stop watcher {name}", daemon=True).start()
        try:
            result = trainer.run()
        except TrainingFailed as exc:
            return {"name": name, "status": "failed", "reason": str(exc), "final": {}, "best_epoch": None}
        final = dict(result.final)
        return {"name": name, "status": final.get("status", "completed"), "reason": final.get("reason", ""),
                "final": final, "best_epoch": best_epoch(final, result.epochs)}
    finally:
        done.set()
        lock.release()
        try:
            if folder.is_dir() and not folder_contents(folder) and not any(folder.iterdir()):
                folder.rmdir()  # nothing was written (it failed before training)
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# Running a sweep, with progress

class SweepProgress:
    """Runs done, running and left, and the best so far, as lines on a stream."""

    def __init__(self, plan: SweepPlan, stream=None, quiet: bool = False):
        import sys

        self.plan = plan
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.running: set[str] = set()
        self.t0 = time.monotonic()

    def _say(self, text: str) -> None:
        if self.quiet:
            return
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.quiet = True

    def counts(self) -> tuple[int, int, int]:
        done = sum(1 for r in self.plan.runs if r.status not in ("pending",))
        running = len(self.running)
        return done, running, len(self.plan.runs) - done - running

    def best(self) -> str:
        best = None
        for r in self.plan.runs:
            if r.status != "completed":
                continue
            acc = r.final.get("test_accuracy")
            if acc is None:
                acc = r.final.get("val_accuracy")
            if isinstance(acc, (int, float)) and (best is None or acc > best[0]):
                best = (acc, r.name)
        return f"best test accuracy {best[0] * 100:.2f}% ({best[1]})" if best else "no run completed yet"

    def line(self, event: str) -> None:
        done, running, left = self.counts()
        elapsed = time.monotonic() - self.t0
        m, s = divmod(int(elapsed), 60)
        self._say(f"sweep: {event} | {done} done, {running} running, {left} left | {self.best()} | {m}:{s:02d}")

    def started(self, name: str) -> None:
        self.running.add(name)
        self.line(f"started {name}")

    def finished(self, name: str, status: str, reason: str = "") -> None:
        self.running.discard(name)
        why = f" ({reason})" if reason and status != "completed" else ""
        self.line(f"{status} {name}{why}")


def apply_outcome(plan: SweepPlan, outcome: dict[str, Any]) -> SweepRun | None:
    r = next((x for x in plan.runs if x.name == outcome.get("name")), None)
    if r is None:
        return None
    r.status = str(outcome.get("status") or "failed")
    if r.status not in STATUSES:
        r.status = "failed"
    r.reason = str(outcome.get("reason") or "")
    r.final = dict(outcome.get("final") or {})
    r.best_epoch = outcome.get("best_epoch")
    return r


def tasks_for(plan: SweepPlan, out: Path, threads: int) -> list[dict[str, Any]]:
    """The runs still to do (not completed), as picklable tasks. A caller may add "data" to a task
    (MnistSplits to train on instead of loading MNIST, as the app's data override does in tests)."""
    base = out.resolve()  # absolute: a Ray trial runs in a folder of its own
    return [{"name": r.name, "folder": str(base / r.name), "config": r.config, "threads": threads}
            for r in plan.runs if r.status != "completed"]


# ---------------------------------------------------------------------------------------------
# The local backend: a pool of worker processes

def default_workers(device_names: Iterable[str], threads: int | None) -> tuple[int, int, list[str]]:
    """(workers, torch threads per run, CUDA_VISIBLE_DEVICES of each worker or []): one worker per
    GPU when the runs use CUDA, else CPU cores ÷ threads per run (1 thread per run by default:
    small nets gain little from more, and the runs then share the cores without contention)."""
    cores = os.cpu_count() or 1
    names = set(device_names)
    wants_cuda = any(n == "cuda" or n.startswith("cuda") for n in names)
    if names & {"auto"} or wants_cuda:
        from visualizer.core.devices import probe_devices

        report = probe_devices()
        if report.cuda and (wants_cuda or report.auto == "cuda") and "cpu" not in names:
            gpus = len(report.cuda_devices)
            t = threads or max(1, cores // max(1, gpus))
            return gpus, t, [str(i) for i in range(gpus)]
    t = threads or 1
    return max(1, cores // t), t, []


def _worker_main(conn, stop_event, threads: int) -> None:  # pragma: no cover - runs in a child process
    import signal

    # Ctrl+C reaches the whole process group: the parent decides; the worker stops when told.
    for name in ("SIGINT", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
    if threads:
        import torch

        torch.set_num_threads(threads)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcome = run_one(task, stop_event.is_set)
        try:
            conn.send(outcome)
        except (OSError, ValueError):
            return


@dataclass
class _Slot:
    process: Any
    conn: Any
    env: dict[str, str]
    task: dict[str, Any] | None = None


def run_local(tasks: list[dict[str, Any]], workers: int, threads: int, gpu_ids: list[str],
              on_start: Callable[[str], None], on_done: Callable[[dict[str, Any]], None],
              stop: threading.Event) -> None:
    """Run `tasks` on `workers` processes (spawned: torch and fork do not mix). `stop` set (by
    the caller's signal handler): running runs stop after their batch and are saved "stopped";
    tasks not started stay pending. A worker that dies fails its run and is replaced."""
    import multiprocessing as mp
    from multiprocessing.connection import wait
    from collections import deque

    ctx = mp.get_context("spawn")
    stop_event = ctx.Event()
    pending = deque(tasks)
    workers = max(1, min(workers, len(tasks)))
    slots: list[_Slot] = []

    def start_slot(i: int) -> _Slot:
        env = {"CUDA_VISIBLE_DEVICES": gpu_ids[i % len(gpu_ids)]} if gpu_ids else {}
        parent, child = ctx.Pipe()
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            p = ctx.Process(target=_worker_main, args=(child, stop_event, threads), daemon=True,
                            name=f"convviz sweep worker {i}")
            p.start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        child.close()
        return _Slot(p, parent, env)

    clean = False
    try:
        slots = [start_slot(i) for i in range(workers)]
        while True:
            if stop.is_set():
                stop_event.set()
            for slot in slots:
                if slot.task is None and pending and not stop.is_set():
                    task = pending.popleft()
                    try:
                        slot.conn.send(task)
                    except (OSError, ValueError):
                        pending.appendleft(task)
                        continue
                    slot.task = task
                    on_start(task["name"])
            busy = [s for s in slots if s.task is not None]
            if not busy:
                break
            ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=0.5)
            for i, slot in enumerate(slots):
                if slot.task is None:
                    continue
                outcome = None
                if slot.conn in ready:
                    try:
                        outcome = slot.conn.recv()
                    except (EOFError, OSError):
                        outcome = None
                if outcome is None and (slot.conn in ready or slot.process.sentinel in ready):
                    slot.process.join(1.0)
                    if slot.process.is_alive():
                        continue
                    code = slot.process.exitcode
                    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit status {code}"
                    outcome = {"name": slot.task["name"], "status": "failed",
                               "reason": f"the worker process died ({how})", "final": {}, "best_epoch": None}
                    slots[i] = start_slot(i) if pending and not stop.is_set() else _Slot(slot.process, slot.conn, slot.env)
                if outcome is not None:
                    slots[i].task = None
                    on_done(outcome)
        clean = True
    finally:
        for slot in slots:
            try:
                slot.conn.send(None)
            except (OSError, ValueError):
                pass
        for slot in slots:
            slot.process.join(5.0 if clean else 0.0)
            if slot.process.is_alive():
                slot.process.terminate()
                slot.process.join(2.0)
            try:
                slot.conn.close()
            except OSError:
                pass
