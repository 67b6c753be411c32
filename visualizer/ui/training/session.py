"""Restoring the Training tab's saved session into `TrainingModel` (no Qt of its own): what
`TrainingModel.to_dict` (or the panel before it) wrote, applied field by field through the model's
own setters, so a value the form cannot take is skipped rather than trusted."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from visualizer.core.errors import UserInputError

if TYPE_CHECKING:
    from visualizer.ui.training.model import TrainingModel


def from_dict(model: TrainingModel, state: dict[str, Any]) -> None:
    """Apply a saved session (what to_dict, or the panel before it, wrote); odd values are ignored."""
    net = state.get("net")
    if isinstance(net, dict):
        try:
            model.set_field("net", model.add_architecture(net))
        except UserInputError:
            pass
    elif isinstance(net, str):
        model.set_field("net", net)
    for key in list(model.form):  # the form's fields (FORM_DEFAULTS' keys)
        if key != "net" and key in state:
            model.set_field(key, state[key])
    if isinstance(state.get("data_dir"), str) and state["data_dir"]:
        model.mnist.chosen_dir = state["data_dir"]
        model.mnist.refresh()
    if isinstance(state.get("smoothing_weight"), int) and not isinstance(state["smoothing_weight"], bool):
        model.set_option("smoothing_weight", max(0, min(99, state["smoothing_weight"])))
    # "keep_overlays" (an older session's "Keep ticked runs") is read and ignored: runs now
    # always stay on the plots until unticked
    for key in ("smoothing", "experiment_seeds"):
        if isinstance(state.get(key), bool):
            model.set_option(key, state[key])
    if isinstance(state.get("log_axes"), dict):
        model.set_option("log_axes", state["log_axes"])
    for key in ("experiment", "x_axis", "run_filter"):
        if isinstance(state.get(key), str):
            model.set_option(key, state[key])
    sweep = state.get("sweep")
    if isinstance(sweep, str) and sweep and (model.sweep is None or str(model.sweep.folder) != sweep):
        from visualizer.core.sweep import sweep_folders

        if sweep_folders(Path(sweep).parent, [Path(sweep).name]):  # still there: shown again
            model.open_sweep(sweep)
    if isinstance(state.get("shown_runs"), list):
        wanted = {str(r) for r in state["shown_runs"]}
        for e in list(model.runs):
            model.set_ticked(e.run_id, e.run_id in wanted)
