"""The nets a run trains: a preset name or an architecture document made into a torch module
ending in 10 logits, and the one rule for whether a net can be trained on MNIST here (no Qt; torch
is imported inside the functions that need it)."""

from __future__ import annotations

from typing import Any

from visualizer.core.errors import UserInputError

NUM_CLASSES = 10


def resolve_architecture(net: str | dict | Any):
    """The Architecture for a preset name or an architecture document (dict)."""
    from visualizer.core.architecture import Architecture, preset

    if isinstance(net, Architecture):
        return net
    if isinstance(net, dict):
        return Architecture.from_dict(net)
    if isinstance(net, str) and net.strip():
        return preset(net.strip())
    raise UserInputError(f"net must be a preset name or an architecture, got {net!r}")


def net_label(net: str | dict | Any) -> str:
    if isinstance(net, str):
        return net.strip()
    if isinstance(net, dict):
        return str(net.get("name") or "custom net")
    return str(getattr(net, "name", "") or "custom net")


def trainability_problem(arch) -> str | None:
    """Why this architecture cannot be trained on MNIST here, in one sentence; None when it can.

    The one rule, used by the engine, the Training tab and the Shapes tab's "Train this network":
    a 1×28×28 input, every layer valid, and 10 outputs, as `10` or `10×1×1` (a 1×1 map of 10
    channels, e.g. a fully convolutional net; the engine flattens it to 10 logits)."""
    from visualizer.core.architecture import compute_table

    if tuple(arch.input_shape) != (1, 28, 28):
        c, h, w = (tuple(arch.input_shape) + (0, 0, 0))[:3]
        return f"the net must take a 1×28×28 input (one MNIST digit), this one takes {c}×{h}×{w}"
    table = compute_table(arch)
    for row in table.rows:
        if row.error:
            return f"layer {row.index} ({row.name}): {row.error}"
    out = table.output_shape
    if out is None or tuple(out) not in TRAINABLE_OUTPUTS:
        shown = "×".join(str(s) for s in out) if out else "unknown"
        return f"the net must end with 10 outputs (one per digit), this one ends with {shown}"
    return None


#: The output shapes a trainable net may end with: 10 features, or 10 channels of 1×1.
TRAINABLE_OUTPUTS = ((NUM_CLASSES,), (NUM_CLASSES, 1, 1))


def check_trainable(arch) -> None:
    """UserInputError with `trainability_problem`'s sentence when the net cannot be trained."""
    problem = trainability_problem(arch)
    if problem:
        raise UserInputError(problem)


def build_model(net: str | dict | Any, dropout: float = 0.0):
    """A torch module for the net, ending in logits: a trailing Softmax is dropped because the
    losses apply softmax themselves (cross-entropy takes logits).

    `dropout` > 0 inserts nn.Dropout(p) before each Linear layer, under names of its own
    ("dropout_before_5"), so the state_dict keys stay those of the net without dropout and a
    saved model.pt loads into either. (Dropout acts in training mode only; in eval mode it passes
    its input through.)"""
    import torch
    from torch import nn

    from visualizer.core.architecture import build_torch_module, compute_table

    arch = resolve_architecture(net)
    check_trainable(arch)
    try:
        model = build_torch_module(arch)
    except (RuntimeError, OverflowError, ValueError, TypeError, MemoryError) as exc:
        if isinstance(exc, UserInputError):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise UserInputError(f"torch cannot build this net ({first})") from None
    while isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], nn.Softmax):
        model = model[:-1]
    if dropout and isinstance(model, nn.Sequential):
        from collections import OrderedDict

        layers: OrderedDict = OrderedDict()
        for name, module in model.named_children():
            if isinstance(module, nn.Linear):
                layers[f"dropout_before_{name}"] = nn.Dropout(float(dropout))
            layers[name] = module
        model = nn.Sequential(layers)
    if compute_table(arch).output_shape != (NUM_CLASSES,):
        # A 10×1×1 output (10 channels of a 1×1 map): flatten it to the 10 logits the losses take.
        # Appended under its own name so the other layers keep their state_dict keys.
        model.add_module("flatten_logits", nn.Flatten())
    # The table said 10 outputs; hold the real module to it too (a cheap forward on 2 blank digits).
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(2, 1, 28, 28))
    model.train(was_training)
    if tuple(out.shape) != (2, NUM_CLASSES):
        raise UserInputError(f"the net must end with 10 outputs, it produced {tuple(out.shape[1:])}")
    return model
