"""A sweep's folder: checking --out, resuming, sweep.json and sweep.csv written and read back,
and what the Sweep plot draws from them (no Qt, no torch)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from visualizer.core.errors import UserInputError
from visualizer.core.sweep.plan import (
    RESULT_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    NOT_COMPARED,
    SweepPlan,
    value_text,
)


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

    names = {f for f in TrainConfig().to_dict()} - NOT_COMPARED
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
                f"{value_text(theirs[diff])}, this sweep asks for {value_text(mine[diff])}; choose another folder")
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
                row.append(value_text(r.settings.get(c)))
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
    runs: list[str] = field(default_factory=list)  # the run (its folder name) of each point

    def stats(self) -> list[tuple[float, float, float, float, int]]:
        """Per x: (x, mean, standard deviation, standard error SD/√n, n seeds); the standard
        error is nan with fewer than two seeds (one run says nothing of the spread)."""
        out = []
        for x, mean, sd in zip(self.xs, self.means, self.spreads):
            n = sum(1 for px, _ in self.points if px == x)
            out.append((x, mean, sd if n > 1 else math.nan, sd / math.sqrt(n) if n > 1 else math.nan, n))
        return out


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
        pts, means, spreads, runs = [], [], [], []
        for v in values:
            rows = [row for row in table.rows
                    if row.get(x_option, "") == v and (not group_option or row.get(group_option, "") == g)
                    and row.get("status") in statuses and isinstance(row.get(metric), float)
                    and math.isfinite(row[metric])]
            ys = [row[metric] for row in rows]
            pts += [(pos[v], y) for y in ys]
            runs += [str(row.get("folder") or "") for row in rows]
            means.append(float(np.mean(ys)) if ys else math.nan)
            spreads.append(float(np.std(ys, ddof=1)) if len(ys) > 1 else 0.0)
        series.append(SweepSeries(g, [pos[v] for v in values], pts, means, spreads, runs))
    return labels, numeric, series
