"""Resuming a sweep from its folder alone (the app's *Resume sweep*): the plan `convviz sweep` with
the same command would make, rebuilt from sweep.json and the run folders, never from a form.

sweep.json names every run (its swept settings and seed) but keeps as "fixed" only the options
given one value, not every setting of the command (sizes, epochs, data folder), so a run's whole
configuration comes from the run folders: its own config.json when it started; else that of a run
with the same swept settings (another seed), with its seed; else any run's, with its settings and
seed (the runs of a grid differ in nothing else). A sweep none of whose runs started cannot be
rebuilt this way and says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from visualizer.core.errors import UserInputError
from visualizer.core.sweep.files import is_sweep_file
from visualizer.core.sweep.plan import SweepPlan, SweepRun

#: Statuses a sweep's run is rerun from when the sweep is resumed (completed runs are kept).
TO_RESUME = ("pending", "stopped", "failed", "diverged")


def _saved_config(folder: Path) -> dict[str, Any] | None:
    """The training settings a run folder saved (config.json), or None when it has none."""
    from visualizer.core.safe_json import read_json_file
    from visualizer.core.training import TrainConfig

    path = folder / "config.json"
    if not path.is_file():
        return None
    try:
        doc = read_json_file(path)
    except UserInputError:
        return None
    return TrainConfig.from_dict(doc).to_dict() if isinstance(doc, dict) else None


def sweep_plan_from_folder(folder: str | Path) -> SweepPlan:
    """The plan of the sweep in `folder` (every run, named as sweep.json names them, status
    "pending": `resume_state` then marks the completed ones). UserInputError saying why when the
    folder holds no ConvViz sweep or its runs' settings cannot be rebuilt."""
    from visualizer.core.safe_json import read_json_file
    from visualizer.core.training import TrainConfig

    folder = Path(folder)
    if not is_sweep_file(folder / "sweep.json"):
        raise UserInputError(f"{folder} holds no ConvViz sweep (no sweep.json written by ConvViz)")
    doc = read_json_file(folder / "sweep.json")
    records = [r for r in doc["runs"] if isinstance(r, dict) and isinstance(r.get("name"), str)]
    if not records:
        raise UserInputError(f"{folder / 'sweep.json'} lists no runs")
    fields = set(TrainConfig().to_dict())
    saved = {r["name"]: _saved_config(folder / str(r.get("folder") or r["name"])) for r in records}
    runs = []
    for r in records:
        settings, seed = dict(r.get("settings") or {}), int(r.get("seed") or 0)
        config = saved[r["name"]]
        if config is None:
            same = [saved[o["name"]] for o in records if o.get("settings") == r.get("settings")]
            config = next((c for c in same if c is not None), None)
            if config is None and set(settings) <= fields:
                config = next((c for c in saved.values() if c is not None), None)
                config = None if config is None else {**config, **settings}
            if config is None:
                raise UserInputError(
                    f"{folder.name}: no run with the settings of {r['name']} has started, so its settings "
                    f"cannot be rebuilt from the folder; run the same `convviz sweep` command again to resume it")
            config = {**config, "seed": seed}
        runs.append(SweepRun(r["name"], settings, seed, config))
    grid = {str(k): list(v) for k, v in (doc.get("grid") or {}).items() if isinstance(v, list)}
    seeds = [int(s) for s in doc.get("seeds") or []]
    return SweepPlan(grid, dict(doc.get("fixed") or {}), seeds, runs)


def can_resume(folder: str | Path) -> bool:
    """Whether the sweep in `folder` has runs left to do (pending, stopped, failed or diverged)."""
    from visualizer.core.safe_json import read_json_file

    path = Path(folder) / "sweep.json"
    if not is_sweep_file(path):
        return False
    try:
        doc = read_json_file(path)
    except UserInputError:
        return False
    return any(isinstance(r, dict) and r.get("status") in TO_RESUME for r in doc["runs"])
