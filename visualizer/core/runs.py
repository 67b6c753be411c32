"""Runs kept on disk: one folder per run with config.json, metrics.json, history.csv, model.pt.

CONTRACT (shared by the engine, the training panel and the `train` CLI). Every file is written
atomically (temporary file + os.replace), so a crash loses at most the last reporting interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visualizer.core.training import Callback


@dataclass
class RunRecord:
    run_id: str  # folder name, e.g. "2026-11-28_101500_mnist-net1_lr0.01"
    folder: Path
    config: dict[str, Any]
    final: dict[str, Any] = field(default_factory=dict)  # empty while running
    history: list[dict[str, Any]] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)


class RunWriter(Callback):
    """A Callback that saves a run as it goes (metrics.json and history.csv rewritten atomically at
    every reporting point; model.pt at the end)."""

    def __init__(self, folder: str | Path):
        raise NotImplementedError


def list_runs(runs_dir: str | Path) -> list[RunRecord]:
    """Runs found under `runs_dir`, oldest first; unreadable folders are skipped."""
    raise NotImplementedError


def load_run(folder: str | Path) -> RunRecord:
    raise NotImplementedError
