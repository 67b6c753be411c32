"""Saved runs that recorded distributions.jsonl, for the Distributions view's tests."""

from __future__ import annotations

import json

import numpy as np

from visualizer.core.distributions import FILE_NAME, summarize

from tests.helpers.runs import write_run_folder

DONE = json.dumps({"final": {"status": "completed", "examples_seen": 4000}, "epochs": []})


def record_line(seen: int, layer: str, kind: str, values) -> str:
    doc = {"examples_seen": seen, "epoch": seen / 1000, "layer": layer, "kind": kind, **summarize(values)}
    return json.dumps(doc) + "\n"


def records_text(n: int, spread: float, start: int = 1) -> str:
    """Records k = start … n (every 250 examples) of two layers: conv1 (weight, grad, activation)
    and relu1 (activation), whose activations spread wider by `spread` at each record."""
    rng = np.random.default_rng(0)
    lines = []
    for k in range(start, n + 1):
        seen = 250 * k
        lines.append(record_line(seen, "conv1", "weight", rng.normal(0, 0.3, 72)))
        lines.append(record_line(seen, "conv1", "grad", rng.normal(0, 0.01, 72)))
        lines.append(record_line(seen, "conv1", "activation", rng.normal(0, 1 + spread * k, 5000)))
        lines.append(record_line(seen, "relu1", "activation", np.maximum(0, rng.normal(0, 1, 5000))))
    return "".join(lines)


def saved_run_with_distributions(root, name: str, n: int, spread: float):
    folder = write_run_folder(root, name, DONE)
    (folder / FILE_NAME).write_text(records_text(n, spread))
    return folder
