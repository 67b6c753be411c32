"""The course's experiments (the homework's comparisons, plus the overfitting lesson): what each
varies and over which values, the rest coming from the Training tab's form (or from `convviz sweep`'s
options). One home for them: the Training tab queues their runs one after another or, "with 3
seeds", runs them as a local sweep, and `convviz sweep --experiment NAME` runs them headless; all
three take their runs, names and plans from here."""

from __future__ import annotations

from typing import Any

#: The overfitting lesson's net: mnist-net1 without its BatchNorm layers (which regularise a little
#: and hide the effect) and with a hidden fully connected layer of 128 (208,010 parameters for 500
#: training images), so that dropout, which goes before each Linear layer, has a layer to act on.
OVERFITTING_NET: dict[str, Any] = {
    "schema": "convviz.architecture", "version": 1, "name": "mnist-net1-fc128",
    "description": "mnist-net1 without BatchNorm, with a hidden layer of 128 (the overfitting lesson)",
    "input_shape": [1, 28, 28],
    "layers": [
        {"type": "Conv2d", "out_channels": 8, "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "dilation": [1, 1], "groups": 1, "bias": True},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "ceil_mode": False},
        {"type": "Conv2d", "out_channels": 16, "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "dilation": [1, 1], "groups": 1, "bias": True},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "ceil_mode": False},
        {"type": "Conv2d", "out_channels": 32, "kernel_size": [3, 3], "stride": [1, 1], "padding": [1, 1],
         "dilation": [1, 1], "groups": 1, "bias": True},
        {"type": "ReLU"},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 128, "bias": True},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 10, "bias": True},
    ],
}

#: The overfitting experiment: that net on 500 training images for 40 epochs with Adam (lr 0.001,
#: batch 32: 16 steps an epoch), validated on 1,000 images. Measured on the real MNIST files, seed 0,
#: one torch thread: the plain run's validation loss is lowest at epoch 12 (0.286) and ends at 0.381
#: while its training loss falls to 0.0004 (numbers and timings in the guide, 04-training.html).
#: Regularisation is off unless a run sets it.
OVERFITTING_BASE: dict[str, Any] = {
    "net": OVERFITTING_NET, "optimizer": "adam", "lr": 0.001, "train_size": 500, "val_size": 1000,
    "epochs": 40, "batch_size": 32, "weight_decay": 0.0, "dropout": 0.0, "early_stopping": 0,
}
OVERFITTING_WEIGHT_DECAY = 0.01
OVERFITTING_DROPOUT = 0.5
OVERFITTING_PATIENCE = 5
#: The "more data" run trains on this many times the base's images (the same validation images).
OVERFITTING_MORE_DATA = 4
#: A run setting of the overfitting experiment that multiplies the base's training size.
MORE_DATA = "more_data"

#: The batch-norm experiment: mnist-net1 and the same net without its BatchNorm layers
#: (resources/architectures/mnist-net1-no-bn.json), trained alike (the course's SGD with momentum),
#: on few images so that both runs end within three minutes on two CPU cores, recording
#: distributions every BATCH_NORM_EVERY examples (20 records over the 2 × 5,000 examples).
BATCH_NORM_BASE: dict[str, Any] = {
    "optimizer": "sgdm", "lr": 0.01, "momentum": 0.5, "batch_size": 128, "train_size": 10_000,
    "val_size": 1000, "test_size": 1000, "epochs": 3, "weight_decay": 0.0, "dropout": 0.0, "early_stopping": 0,
    "report_every": 500,
}
BATCH_NORM_EVERY = 500
#: The layer whose output is conv2's input in both nets (conv1 → [bn1 →] relu1 → maxpool1 → conv2).
BATCH_NORM_LAYER = "maxpool1"
NO_BN_NET = "mnist-net1-no-bn"


def no_bn_net() -> dict[str, Any]:
    """mnist-net1 without its BatchNorm layers (the architecture file the batch-norm experiment trains)."""
    import json

    from visualizer.resources import resource_path

    return json.loads(resource_path("architectures", "mnist-net1-no-bn.json").read_text(encoding="utf-8"))


#: Experiment presets of the course: the field varied and its values (everything else from the form).
#: An experiment with field "" lists whole sets of settings instead, applied over its EXPERIMENT_BASE;
#: its runs are named by VARIANT_LABELS (e.g. overfit-plain, overfit-wd0.01).
EXPERIMENTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "learning rates": ("lr", (0.1, 0.01, 0.0001)),
    "loss functions": ("loss", ("ce", "l2")),
    "architectures": ("net", ("mnist-net1", "mnist-net2")),
    # Overfitting: few training images, many epochs; then the same with each remedy: weight decay,
    # dropout, early stopping (which keeps the best epoch's weights) and four times the images.
    "overfitting": ("", ({}, {"weight_decay": OVERFITTING_WEIGHT_DECAY}, {"dropout": OVERFITTING_DROPOUT},
                         {"early_stopping": OVERFITTING_PATIENCE}, {MORE_DATA: OVERFITTING_MORE_DATA})),
    # Batch norm: mnist-net1 with and without its BatchNorm layers, distributions recorded.
    "batch norm": ("", ({"net": "mnist-net1"}, {"net": NO_BN_NET})),
}
#: What an experiment sets whatever the form says (the rest comes from the form).
EXPERIMENT_BASE: dict[str, dict[str, Any]] = {
    "overfitting": dict(OVERFITTING_BASE),
    "batch norm": dict(BATCH_NORM_BASE),
}
#: Experiments whose runs record distributions.jsonl, and every how many examples.
EXPERIMENT_DISTRIBUTIONS: dict[str, int] = {"batch norm": BATCH_NORM_EVERY}
#: What to look at while an experiment runs: the caption under the Training tab's plots. The numbers
#: are the app's own (seed 0, one torch thread, on the real MNIST files; see the guide's Training page).
LOOK_AT: dict[str, str] = {
    "learning rates": "Look at the loss per epoch: at 0.1 the first minibatches spike (up to 5.2) before it "
                      "trains; 0.01 is smooth; 0.0001 is far too slow (test accuracy 90.6 % after 8 epochs, "
                      "against 98.7 % and 98.9 %).",
    "loss functions": "Compare the accuracy plots, not the losses (the two losses have different scales): L2 "
                      "learns more slowly (95.8 % test accuracy after 8 epochs against 98.9 %; 77.7 % against "
                      "96.4 % on validation after the first epoch).",
    "architectures": "Compare the accuracy plots: mnist-net2 has a quarter of the kernels (4,350 parameters "
                     "against 21,690) and ends lower (97.4 % test accuracy against 98.9 %); neither overfits in "
                     "8 epochs on 50,000 images.",
    "overfitting": "Look at the gap opening: overfit-plain's training loss keeps falling while its validation "
                   "loss (dashed) turns up after the ★, its lowest point. overfit-early-stop stops 5 epochs after "
                   "its ★ (Best epoch: “stopped early”) and keeps the ★'s weights; weight decay, dropout and 4× "
                   "the data each end with a lower validation loss than overfit-plain.",
    "batch norm": "Look at conv2's input (maxpool1's activations) in the two plots. Without batch norm its "
                  "upper percentiles keep climbing to the end (93.32 %: 1.06 → 2.46, maximum 2.80 → 6.70 over "
                  "30,000 examples); with it they move in the first 5,000 examples (1.22 → 2.08), then stay "
                  "within 2.06–2.11 while γ and β keep learning. It also trains faster here (95.8 % test "
                  "accuracy against 87.3 %), which is what batch norm is used for.",
}
#: The prefix of the run names of an experiment that varies whole sets of settings.
VARIANT_PREFIX = {"overfitting": "overfit", "batch norm": "bn"}


def distributions_every(experiment: str, form_every: int | None = None) -> int | None:
    """Every how many examples a run records distributions: the experiment's own interval if it has
    one, else `form_every` (the Training form's option; 0 or None: not recorded)."""
    return EXPERIMENT_DISTRIBUTIONS.get(experiment) or form_every or None


def variant_label(settings: dict[str, Any]) -> str:
    """A short name for one set of settings: "plain", "wd0.01", "dropout0.5", "early-stop", "4x-data"."""
    parts = []
    for key, value in settings.items():
        if key == "weight_decay":
            parts.append(f"wd{value:g}")
        elif key == "dropout":
            parts.append(f"dropout{value:g}")
        elif key == "early_stopping":
            parts.append("early-stop")
        elif key == MORE_DATA:
            parts.append(f"{value:g}x-data")
        elif key == "net":
            from visualizer.core.training import net_label

            parts.append(net_label(value))
        else:
            parts.append(f"{key.replace('_', '-')}{value}")
    return "-".join(parts) or "plain"


def run_names(name: str) -> list[str] | None:
    """The names of experiment `name`'s runs, in order ("overfit-plain", "overfit-wd0.01", …), for
    an experiment that varies whole sets of settings; None for one that varies one field (its
    runs are told apart by that field)."""
    field_name, values = EXPERIMENTS[name]
    if field_name:
        return None
    prefix = VARIANT_PREFIX.get(name, name.replace(" ", "-"))
    return [f"{prefix}-{variant_label(v)}" for v in values]


def queued_run_name(experiment: str, k: int) -> str:
    """The name of run `k` (from 1) of `experiment` ("overfit-wd0.01"); "" for a run of the form
    (experiment "") or of an experiment whose runs differ in one field (their folders tell them apart)."""
    names = run_names(experiment) if experiment in EXPERIMENTS else None
    return names[k - 1] if names and 1 <= k <= len(names) else ""


def cli_name(name: str) -> str:
    """`convviz sweep --experiment`'s name for experiment `name`: "learning rates" -> "learning-rates"."""
    return name.replace(" ", "-")


def from_cli_name(text: str) -> str:
    """The experiment a `--experiment` value names; UserInputError listing the names otherwise."""
    from visualizer.core.errors import UserInputError

    for name in EXPERIMENTS:
        if text == cli_name(name):
            return name
    names = ", ".join(cli_name(n) for n in EXPERIMENTS)
    raise UserInputError(f"--experiment must be one of {names}, got {text!r}")


def experiment_caption(name: str, detail: bool = False) -> str:
    """The experiments box's line for `name`: what it varies and over which values; with `detail`
    (its tooltip) also the net, images and epochs an experiment of whole settings brings."""
    field_name, values = EXPERIMENTS[name]
    if field_name:
        return f"{name}: {', '.join(str(v) for v in values)}"
    from visualizer.core.training import net_label

    base = EXPERIMENT_BASE.get(name, {})
    head = ""
    if detail and "train_size" in base and "epochs" in base:
        net = f"{net_label(base['net'])} on " if "net" in base else ""
        head = f" ({net}{base['train_size']:,} images × {base['epochs']} epochs)"
    return f"{name}{head}: {', '.join(variant_label(v) for v in values)}"


def _apply(start: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    out = {**start, **{k: v for k, v in settings.items() if k != MORE_DATA}}
    if out.get("net") == NO_BN_NET:
        out["net"] = no_bn_net()
    if MORE_DATA in settings:
        out["train_size"] = int(start["train_size"]) * int(settings[MORE_DATA])
    return out


def experiment_configs(name: str, base: dict[str, Any], keep: tuple[str, ...] = ()) -> list:
    """The runs of experiment `name`, in order: `base` (a TrainConfig's dict, the form) with the
    experiment's own settings and one field (or one set of settings) varied; each validated, so a
    bad form gives the message a single run would. `keep`: fields of `base` that win over the
    experiment's own settings (the options given to `convviz sweep --experiment`)."""
    from visualizer.core.training import TrainConfig

    field_name, values = EXPERIMENTS[name]
    own = {k: v for k, v in EXPERIMENT_BASE.get(name, {}).items() if k not in keep}
    start = {**base, **own}
    configs = []
    for v in values:
        c = TrainConfig.from_dict(_apply(start, v) if not field_name else {**start, field_name: v})
        c.validate()
        configs.append(c)
    return configs


def experiment_sweep_plan(name: str, base: dict[str, Any], seeds, keep: tuple[str, ...] = ()):
    """Experiment `name` with each of `seeds` (a core.sweep.SweepPlan): one varied field as the
    sweep's grid, or, for an experiment of whole sets of settings, one option named by
    VARIANT_PREFIX whose values are the variants' labels (so runs are named overfit-plain_seed0, …)."""
    from visualizer.core.sweep import experiment_plan, variants_plan

    configs = experiment_configs(name, base, keep)
    field_name, values = EXPERIMENTS[name]
    if field_name:
        return experiment_plan(field_name, values, configs[0], seeds)
    labels = [variant_label(v) for v in values]
    return variants_plan(VARIANT_PREFIX.get(name, cli_name(name)), zip(labels, configs), seeds)
