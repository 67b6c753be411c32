"""The course's experiments (the homework's comparisons, plus the overfitting lesson): what each
varies and over which values, the rest coming from the Training tab's form. One home for them: the
Training tab queues their runs one after another or, "with 3 seeds", runs them as a local sweep
(`visualizer.core.sweep`)."""

from __future__ import annotations

from typing import Any

#: The overfitting experiment: mnist-net1 on 1,000 training images for 40 epochs (batch 32, so an
#: epoch is 32 steps), validated on 2,000 images (measured on an idle two-core CPU: 10 epochs in
#: 15 s, so about three minutes for the three runs). Regularisation is off unless a run sets it.
OVERFITTING_BASE: dict[str, Any] = {
    "net": "mnist-net1", "train_size": 1000, "val_size": 2000, "epochs": 40, "batch_size": 32,
    "weight_decay": 0.0, "dropout": 0.0, "early_stopping": 0,
}
OVERFITTING_WEIGHT_DECAY = 0.01
OVERFITTING_PATIENCE = 5


def experiment_caption(name: str) -> str:
    """The experiments box's line for `name`: what it varies and over which values."""
    field_name, values = EXPERIMENTS[name]
    if field_name:
        return f"{name}: {', '.join(str(v) for v in values)}"
    from visualizer.core.run_table import regularisation_label

    parts = [regularisation_label(v).lstrip(" ·") or "plain" for v in values]
    base = EXPERIMENT_BASE.get(name, {})
    head = ""
    if "train_size" in base and "epochs" in base:
        head = f" ({base.get('net', '')} on {base['train_size']:,} images × {base['epochs']} epochs)"
    return f"{name}{head}: {', '.join(parts)}"


#: Experiment presets of the course: the field varied and its values (everything else from the form).
#: An experiment with field "" lists whole sets of settings instead, applied over its EXPERIMENT_BASE.
EXPERIMENTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "learning rates": ("lr", (0.1, 0.01, 0.0001)),
    "loss functions": ("loss", ("ce", "l2")),
    "architectures": ("net", ("mnist-net1", "mnist-net2")),
    # Overfitting: few training images, many epochs; then the same with L2 regularisation, then
    # with early stopping (which keeps the best epoch's weights).
    "overfitting": ("", ({}, {"weight_decay": OVERFITTING_WEIGHT_DECAY},
                         {"early_stopping": OVERFITTING_PATIENCE})),
}
#: What an experiment sets whatever the form says (the rest comes from the form).
EXPERIMENT_BASE: dict[str, dict[str, Any]] = {
    "overfitting": dict(OVERFITTING_BASE),
}


def experiment_configs(name: str, base: dict[str, Any]) -> list:
    """The runs of experiment `name`, in order: `base` (a TrainConfig's dict, the form) with the
    experiment's own settings and one field (or one set of settings) varied; each validated, so a
    bad form gives the message a single run would."""
    from visualizer.core.training import TrainConfig

    field_name, values = EXPERIMENTS[name]
    start = {**base, **EXPERIMENT_BASE.get(name, {})}
    configs = []
    for v in values:
        c = TrainConfig.from_dict({**start, **(v if not field_name else {field_name: v})})
        c.validate()
        configs.append(c)
    return configs
