"""Each run's colour, kept with the run so that it stays the same for the run's whole life.

The Training tab draws every run in one colour of `RUN_COLORS`. The colour a run is first given is
written to ``ui.json`` in its folder (``{"color": "#1f77b4"}``, atomically) and read back whenever
the run is listed again, so colours survive a restart. A run without one (a CLI run, a run of an
older version, a sweep's run) gets the first colour no listed run has (the least used one once all
are taken) and keeps it from then on. A folder that cannot be written (read-only) keeps its colour
for the session only.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from visualizer.core.atomic import write_atomic
from visualizer.core.errors import UserInputError
from visualizer.core.safe_json import read_json_file

FILE_NAME = "ui.json"
#: Distinct colours for runs (matplotlib's tab10, familiar from course reports).
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def stored_color(folder: str | Path | None) -> str | None:
    """The colour kept in the run folder's ui.json, or None (no folder, no file, no valid colour)."""
    if folder is None:
        return None
    try:
        doc = read_json_file(Path(folder) / FILE_NAME, max_bytes=64 * 1024)
    except UserInputError:
        return None
    color = doc.get("color") if isinstance(doc, dict) else None
    return color.lower() if isinstance(color, str) and _HEX.fullmatch(color) else None


def store_color(folder: str | Path, color: str) -> bool:
    """Keep `color` in the run folder's ui.json (other keys there stay); False when it cannot be written."""
    path = Path(folder) / FILE_NAME
    try:
        doc = read_json_file(path, max_bytes=64 * 1024)
    except UserInputError:
        doc = {}
    doc = dict(doc) if isinstance(doc, dict) else {}
    doc["color"] = color
    try:
        if not Path(folder).is_dir():
            return False
        write_atomic(path, json.dumps(doc, indent=2) + "\n", durable=False)  # a lost colour is no loss
    except OSError:
        return False
    return True


def free_color(used: Iterable[str]) -> str:
    """The first colour of RUN_COLORS that is not in `used`; once all are, the least used one."""
    counts = Counter(c.lower() for c in used)
    return min(RUN_COLORS, key=lambda c: (counts[c], RUN_COLORS.index(c)))


def color_for(folder: str | Path | None, used: Iterable[str]) -> str:
    """The run's kept colour; without one, a free colour (see free_color), kept in its folder."""
    color = stored_color(folder)
    if color is None:
        color = free_color(used)
        if folder is not None:
            store_color(folder, color)
    return color


__all__ = ["FILE_NAME", "RUN_COLORS", "stored_color", "store_color", "free_color", "color_for"]
