"""ConvViz runs as TensorBoard event files (`convviz export-tensorboard`), no Qt.

Each run becomes one sub-folder of the log folder (a sweep's runs as SWEEP/RUN) holding one event
file written with `torch.utils.tensorboard.SummaryWriter` (the optional `tensorboard` package):

* scalars, with step = examples seen and the wall time the run measured them at:
  ``loss/train``, ``accuracy/train``, ``epoch`` and ``samples_per_second`` from every row of
  history.csv; ``loss/validation`` and ``accuracy/validation`` from every epoch of metrics.json;
  ``final/…`` (train, validation and test loss and accuracy) from metrics.json's final result, at
  the run's last step. Accuracies are fractions, as in the run's files. Empty cells (a value that
  was not finite) are left out.
* the run's config.json as a text table (``config``),
* for a sweep's run, its hparams: the swept settings and the seed, with the final test and
  validation accuracy and loss as the metrics (TensorBoard's HParams dashboard),
* with distributions.jsonl (``convviz train --distributions N``): one histogram per record,
  tagged ``weight/LAYER``, ``grad/LAYER`` or ``activation/LAYER``, from its recorded edges and
  counts. The file keeps no sum of the values, so the histogram's sum and sum of squares are
  computed from the bin centres (TensorBoard draws neither).

Every run is checked before anything is written, and each run's event file is written in a
temporary folder inside the log folder and moved into place once complete.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError

INSTALL_HINT = 'export-tensorboard needs the tensorboard package: pip install "convviz[tensorboard]"'
#: history.csv column -> scalar tag
HISTORY_TAGS = {"train_loss": "loss/train", "train_accuracy": "accuracy/train", "epoch": "epoch",
                "samples_per_second": "samples_per_second"}
#: metrics.json epoch field -> scalar tag
EPOCH_TAGS = {"val_loss": "loss/validation", "val_accuracy": "accuracy/validation"}
FINAL_KEYS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy")
#: A sweep run's hparams metrics (scalar tags written for every run)
HPARAM_METRICS = ("final/test_accuracy", "final/val_accuracy", "final/test_loss", "final/val_loss")
EVENT_PREFIX = "events.out.tfevents."


@dataclass
class ExportRun:
    """One run to export: its record (core.runs.RunRecord), its sub-folder in the log folder, and
    its hparams (swept settings and seed) when it belongs to a sweep."""

    record: Any
    subdir: str
    hparams: dict[str, Any] | None = None
    distributions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ExportPlan:
    runs: list[ExportRun]
    notes: list[str]


# ---------------------------------------------------------------------------------------------
# What to export

def plan_export(folders: list[str | Path]) -> ExportPlan:
    """Every run of the folders given (run folders and sweep folders), read and checked; a folder
    that is neither, or a run without history.csv, is a UserInputError naming it."""
    runs: list[ExportRun] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for folder in folders:
        folder = Path(folder).expanduser()
        if folder.exists() and not folder.is_dir():
            raise UserInputError(f"{folder} is a file; give a run folder or a sweep folder")
        if not folder.is_dir():
            raise UserInputError(f"{folder}: no such folder (give a run folder or a sweep folder)")
        if folder.resolve() in seen:  # named twice (runs/a runs/a/): exported once
            continue
        seen.add(folder.resolve())
        if (folder / "sweep.json").is_file():
            runs.extend(_sweep_runs(folder, notes))
        elif _is_run(folder):
            runs.append(_run(folder, _name(folder)))
        else:
            raise UserInputError(_not_a_run(folder))
    taken: set[str] = set()
    for r in runs:  # two folders of one name (runs/a and old/a): a-2
        base, n = r.subdir, 2
        while r.subdir in taken:
            r.subdir, n = f"{base}-{n}", n + 1
        taken.add(r.subdir)
    return ExportPlan(runs, notes)


def _name(folder: Path) -> str:
    return folder.resolve().name or "run"


def _is_run(folder: Path) -> bool:
    from visualizer.core.runs import holds_run

    return holds_run(folder) or (folder / "config.json").is_file()


def _not_a_run(folder: Path) -> str:
    try:
        inner = sum(1 for sub in folder.iterdir() if sub.is_dir() and _is_run(sub))
    except OSError:
        inner = 0
    hint = f"; it holds {inner} run folder(s): give those (e.g. {folder}/*)" if inner else ""
    return f"{folder} is neither a run folder (config.json, history.csv) nor a sweep folder (sweep.json){hint}"


def _run(folder: Path, subdir: str, hparams: dict[str, Any] | None = None) -> ExportRun:
    from visualizer.core.distributions import FILE_NAME, read_distributions
    from visualizer.core.runs import load_run

    if not (folder / "history.csv").is_file():
        raise UserInputError(f"{folder}: no history.csv (the run recorded no curve); nothing to export")
    record = load_run(folder)
    if not record.history:
        raise UserInputError(f"{folder / 'history.csv'}: no rows (the run recorded no curve); nothing to export")
    dists = read_distributions(folder / FILE_NAME) if (folder / FILE_NAME).is_file() else []
    return ExportRun(record, subdir, hparams, dists)


def _sweep_runs(folder: Path, notes: list[str]) -> list[ExportRun]:
    from visualizer.core.sweep import read_sweep

    table = read_sweep(folder)
    out, left_out = [], 0
    for row in table.rows:
        name = str(row.get("folder") or "")
        run_folder = folder / name
        if not name or row.get("status") == "pending" or not (run_folder / "history.csv").is_file():
            left_out += 1
            continue
        run = _run(run_folder, f"{_name(folder)}/{name}")
        run.hparams = _hparams(table.options, row, run.record.config)
        out.append(run)
    if left_out:
        notes.append(f"{folder}: {left_out} run(s) without curves (not run yet, or failed before their first "
                     f"record) are left out")
    if not out:
        raise UserInputError(f"{folder}: the sweep has no run to export yet")
    return out


def _hparams(options: list[str], row: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The swept settings and the seed: their values in the run's config, as typed there (a number
    stays a number, for HParams' axes); sweep.csv's text where the config holds more (a net file's
    architecture: its name)."""
    values: dict[str, Any] = {}
    for opt in [*options, "seed"]:
        v = config.get(opt)
        if not isinstance(v, (bool, int, float, str)) or (isinstance(v, float) and not math.isfinite(v)):
            v = str(row.get(opt) or "")
        values[opt] = v
    return values


# ---------------------------------------------------------------------------------------------
# The log folder

def check_logdir(out: Path, overwrite: bool) -> None:
    """--out must be new or empty; with `overwrite`, a folder with other files is allowed too (the
    event files of the runs exported are replaced, nothing else)."""
    if out.exists() and not out.is_dir():
        raise UserInputError(f"--out {out} is a file, not a folder")
    if not out.is_dir() or overwrite:
        return
    names = sorted(p.name for p in out.iterdir())
    if names:
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        raise UserInputError(f"--out {out} is not empty (it holds {shown}); choose a new folder, or add --overwrite "
                             f"to replace the event files of these runs in it")


def import_writer():
    """torch.utils.tensorboard's SummaryWriter and its hparams(), or UserInputError with the pip line."""
    try:
        from torch.utils.tensorboard import SummaryWriter
        from torch.utils.tensorboard.summary import hparams
    except ImportError:
        raise UserInputError(INSTALL_HINT) from None
    return SummaryWriter, hparams


def export(plan: ExportPlan, out: Path, overwrite: bool = False) -> dict[str, int]:
    """Write every run of `plan` under `out`; returns counts (runs, scalars, histograms)."""
    SummaryWriter, hparams = import_writer()
    check_logdir(out, overwrite)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    totals = {"runs": 0, "scalars": 0, "histograms": 0}
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".convviz-export-", dir=out))
    except OSError:
        _remove_if_empty(out, created)
        raise
    try:
        for run in plan.runs:
            staged = tmp / run.subdir
            staged.mkdir(parents=True)
            writer = SummaryWriter(log_dir=str(staged))
            try:
                counts = write_run(writer, hparams, run)
            finally:
                writer.close()
            _move_into_place(staged, out / run.subdir)
            totals["runs"] += 1
            totals["scalars"] += counts["scalars"]
            totals["histograms"] += counts["histograms"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_if_empty(out, created)  # a disk error before the first run was in place
    return totals


def _remove_if_empty(folder: Path, created: bool) -> None:
    if created:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


def _move_into_place(staged: Path, target: Path) -> None:
    """The staged run folder becomes `target`; an existing one keeps its other files and loses
    only its earlier event files."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        return
    if not target.is_dir():
        raise UserInputError(f"{target} is a file; the run's events need a folder there")
    for old in target.iterdir():
        if old.name.startswith(EVENT_PREFIX) and old.is_file():
            old.unlink()
    for new in staged.iterdir():
        os.replace(new, target / new.name)


# ---------------------------------------------------------------------------------------------
# One run's events

def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _start_time(record) -> float:
    """The run's start (config.json's "started"), as seconds since the epoch; the folder's time if
    it has none."""
    started = record.config.get("started")
    if isinstance(started, str):
        try:
            return datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    try:
        return (record.folder / "config.json").stat().st_mtime
    except OSError:
        return 0.0


def write_run(writer, hparams_fn, run: ExportRun) -> dict[str, int]:
    """Scalars, config text, hparams and histograms of one run into `writer`."""
    rec = run.record
    t0 = _start_time(rec)
    scalars = 0
    for row in rec.history:
        step = row.get("examples_seen")
        wall = t0 + row["elapsed_s"] if _finite(row.get("elapsed_s")) else None
        for column, tag in HISTORY_TAGS.items():
            if _finite(row.get(column)):
                writer.add_scalar(tag, row[column], step, walltime=wall)
                scalars += 1
    for e in rec.epochs:
        if not _finite(e.get("examples_seen")):
            continue
        wall = t0 + e["elapsed_s"] if _finite(e.get("elapsed_s")) else None
        for key, tag in EPOCH_TAGS.items():
            if _finite(e.get(key)):
                writer.add_scalar(tag, e[key], int(e["examples_seen"]), walltime=wall)
                scalars += 1
    last = _last_step(rec)
    wall = t0 + rec.final["wall_time_s"] if _finite(rec.final.get("wall_time_s")) else None
    for key in FINAL_KEYS:
        if _finite(rec.final.get(key)):
            writer.add_scalar(f"final/{key}", rec.final[key], last, walltime=wall)
            scalars += 1
    writer.add_text("config", config_markdown(rec.config), 0, walltime=t0)
    if run.hparams is not None:
        metrics = {tag: rec.final.get(tag.split("/", 1)[1]) for tag in HPARAM_METRICS}
        for summary in hparams_fn(run.hparams, {k: (v if _finite(v) else 0.0) for k, v in metrics.items()}):
            writer.file_writer.add_summary(summary, walltime=t0)
    histograms = _write_histograms(writer, run.distributions, rec.history, t0)
    writer.flush()
    return {"scalars": scalars, "histograms": histograms}


def _last_step(rec) -> int:
    seen = rec.final.get("examples_seen")
    if _finite(seen):
        return int(seen)
    steps = [r["examples_seen"] for r in rec.history if _finite(r.get("examples_seen"))]
    return int(max(steps)) if steps else 0


def _write_histograms(writer, records: list[dict[str, Any]], history: list[dict[str, Any]], t0: float) -> int:
    seen = np.array([r.get("examples_seen", math.nan) for r in history], dtype=float)
    elapsed = np.array([r.get("elapsed_s", math.nan) for r in history], dtype=float)
    ok = np.isfinite(seen) & np.isfinite(elapsed)
    written = 0
    for r in records:
        h = histogram_of(r)
        if h is None:
            continue
        step = int(r["examples_seen"])
        wall = t0 + float(np.interp(step, seen[ok], elapsed[ok])) if ok.any() else None
        writer.add_histogram_raw(f"{r['kind']}/{r.get('layer')}", global_step=step, walltime=wall, **h)
        written += 1
    return written


def histogram_of(record: dict[str, Any]) -> dict[str, Any] | None:
    """add_histogram_raw's arguments for one distributions.jsonl record: the bins' right edges as
    bucket limits (TensorBoard's convention: bucket i holds the values up to limit i, the first from
    min), the sum and sum of squares from the bin centres. None for a record without usable bins
    (edges past the float range, written as null)."""
    edges, counts = record.get("edges"), record.get("counts")
    if not isinstance(edges, list) or not isinstance(counts, list) or len(edges) != len(counts) + 1 or not counts:
        return None
    if not all(_finite(v) for v in edges) or not all(_finite(c) for c in counts) or not _finite(record.get("examples_seen")):
        return None
    e = np.asarray(edges, dtype=float)
    n = np.asarray(counts, dtype=float)
    centres = (e[:-1] + e[1:]) / 2
    return {"min": float(e[0]), "max": float(e[-1]), "num": int(n.sum()), "sum": float((centres * n).sum()),
            "sum_squares": float((centres ** 2 * n).sum()), "bucket_limits": [float(v) for v in e[1:]],
            "bucket_counts": [int(c) for c in n]}


def config_markdown(config: dict[str, Any]) -> str:
    """The run's config.json as a two-column Markdown table (TensorBoard's Text dashboard)."""
    lines = ["| setting | value |", "|---|---|"]
    for k, v in config.items():
        text = v if isinstance(v, str) else json.dumps(v)
        lines.append(f"| {_cell(k)} | {_cell(text)} |")
    return "\n".join(lines)


def _cell(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


__all__ = ["INSTALL_HINT", "ExportRun", "ExportPlan", "plan_export", "check_logdir", "import_writer", "export",
           "write_run", "histogram_of", "config_markdown"]
