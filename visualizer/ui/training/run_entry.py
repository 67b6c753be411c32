"""`RunEntry`: one training run as the Training tab lists it (this session's or one saved in the runs
folder). A leaf module: the Training model, its saved-runs helpers and the sweep state all use it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visualizer.core.run_table import run_label


@dataclass
class RunEntry:
    """One training run: this session's or one saved in the runs folder."""

    run_id: str
    folder: Path | None
    config: dict[str, Any]
    color: str
    final: dict[str, Any] = field(default_factory=dict)
    status: str = ""  # "running", or the final status
    progress: float | None = None  # 0–1 while running
    shown: bool = False  # ticked: its curves are overlaid
    epochs_done: int = 0
    result: dict[str, Any] | None = None  # confusion/misclassified/filters
    history: list[dict[str, Any]] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)
    saved: Any = None  # the core RunRecord it was listed from (records and results load on demand)
    total: int | None = None  # examples the run is set to see (this session's runs)
    #: Why the run's folder cannot be read (listed greyed out, never hidden); "" when it can.
    problem: str = ""
    #: Why its saved test results cannot be read (results.npz cut short or hand-edited); "" when fine.
    results_problem: str = ""

    @classmethod
    def from_record(cls, run_id: str, rec: Any, color: str) -> "RunEntry":
        """A saved run (a core RunRecord) as listed: its records and results are read on demand."""
        return cls(run_id, Path(rec.folder), dict(rec.config or {}), color, final=dict(rec.final or {}),
                   status=rec.status, saved=rec, problem=getattr(rec, "problem", "") or "")

    @property
    def ticked(self) -> bool:
        return self.shown

    @property
    def label(self) -> str:
        return run_label(self.config)

    @property
    def legend(self) -> str:
        return f"{self.label} [{self.run_id[:17]}]"

    def planned(self) -> tuple[int | None, int | None]:
        """(examples, epochs) the whole run was set up for, when known (the plots' x extent)."""
        c = self.config
        if self.total:
            return (self.total, c.get("epochs"))
        try:
            return (int(c["epochs"]) * int(self.final.get("train_size") or c["train_size"]), int(c["epochs"]))
        except (KeyError, TypeError, ValueError):
            return (None, None)
