"""A sweep's plan: the grid of settings × seeds, each run named and given its TrainConfig, and the
course experiments "with 3 seeds" (no Qt, no torch)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from visualizer.core.errors import UserInputError

SCHEMA = "convviz.sweep"
SCHEMA_VERSION = 1
#: Grids larger than this need --yes (a typo like --lr 1,2,...,9 --seeds 100 is 900 runs).
MAX_RUNS_WITHOUT_YES = 1000
#: Numbers kept from each run's final result (sweep.csv's columns, in this order).
RESULT_COLUMNS = ("train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "val_loss", "test_loss")
#: TrainConfig fields that may differ between a sweep and the saved run it resumes.
NOT_COMPARED = {"device", "data_dir", "num_threads"}
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


def value_text(v: Any) -> str:
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
        text = value_text(v)
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
