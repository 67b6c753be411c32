"""The Training tab's export dialogs: ask where to save the results table or the plots, then write
them through the panel's `export_table` / `export_plots` (atomic saves); a file that cannot be
written becomes the model's message, a saved one a status line. Moved out of the panel, which
keeps the actions and calls these functions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtWidgets import QFileDialog

from visualizer.core.errors import UserInputError

if TYPE_CHECKING:
    from visualizer.ui.training.panel import TrainingPanel


def export_table_dialog(panel: TrainingPanel) -> None:
    if not panel.model.runs:
        panel.emit_status("No runs to export yet.", 4000)
        return
    path, chosen = QFileDialog.getSaveFileName(
        panel, "Export results table", str(Path.home() / "results.csv"),
        "CSV (*.csv);;Markdown (*.md);;LaTeX table (*.tex)")
    if path and not Path(path).suffix:
        path += {"C": ".csv", "M": ".md", "L": ".tex"}.get(chosen[:1], ".csv")
    _export(panel, path, panel.export_table, "Results table")


def export_plots_dialog(panel: TrainingPanel) -> None:
    path, chosen = QFileDialog.getSaveFileName(
        panel, "Export plots", str(Path.home() / "training.png"), "PNG image (*.png);;SVG image (*.svg)")
    if path and not Path(path).suffix:
        path += ".svg" if chosen.startswith("SVG") else ".png"
    _export(panel, path, panel.export_plots, "Plots")


def _export(panel: TrainingPanel, path: str, write: Callable[[str], None], what: str) -> None:
    if not path:
        return
    try:
        write(path)
    except (UserInputError, OSError) as exc:
        panel.model.show_message(str(exc))
        return
    panel.emit_status(f"{what} saved to {path}", 5000)
