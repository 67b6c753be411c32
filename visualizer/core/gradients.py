"""What a net's loss says back: ∂L/∂(each layer's output) and ∂L/∂input for one digit.

Used by `convviz activations --gradients` (and meant for the Network tab's backward view). numpy and
torch only (torch imported inside the functions). The net is the one `core.activations` runs, with
the same layer names, in the same evaluation mode (batch norm uses its running statistics, so its
backward pass is a fixed scaling: ∂L/∂x = ∂L/∂y · γ / √(var + ε)); the loss is the cross-entropy
of one target class, L = −log p_t = −log softmax(z)_t, computed on a float64 copy of the net.

Each layer's output is caught with a forward hook that keeps it (for its gradient) and hands the
next layer a copy, so a later in-place operation cannot change the tensor whose gradient is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.training import NUM_CLASSES

#: npz names of the arrays `--gradients` adds besides `grad/<layer>`.
NPZ_EXTRA = ("input_grad", "loss", "target")


@dataclass
class LayerGradient:
    name: str
    type: str
    grad: np.ndarray  # ∂L/∂(the layer's output), float64, the shape of its `values`


@dataclass
class NetGradients:
    target: int
    loss: float  # cross-entropy of `target`: −log p_target
    layers: list[LayerGradient]
    input_grad: np.ndarray  # ∂L/∂input, the shape of `Activations.input` (28×28 for a 1×28×28 net)


def check_target(target: Any) -> int:
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= int(target) < NUM_CLASSES:
        raise UserInputError(f"the target class must be a whole number from 0 to {NUM_CLASSES - 1}, got {target!r}")
    return int(target)


def net_gradients(net, normalized: np.ndarray, target: int) -> NetGradients:
    """Backpropagate the cross-entropy of class `target` through `net` (an activations.LoadedNet)
    for one normalized image (28×28, or C×H×W of the net's input shape)."""
    import copy

    import torch
    import torch.nn.functional as F

    target = check_target(target)
    x = np.asarray(normalized, dtype=np.float64)
    want = tuple(net.architecture.input_shape)
    squeeze = x.ndim == 2
    if squeeze:
        x = x[None]
    if tuple(x.shape) != want:
        raise UserInputError(f"the net takes a {'×'.join(map(str, want))} input, got {'×'.join(map(str, x.shape))}")
    module = copy.deepcopy(net.module).double().eval()
    kept: dict[int, Any] = {}

    def keeper(index: int):
        def hook(_module, _args, result):
            result.retain_grad()
            kept[index] = result
            return result.clone()
        return hook

    # Each layer by its path in the (copied) module: a Residual block's inner layers sit inside it.
    handles = [module.get_submodule(info.path).register_forward_hook(keeper(info.index)) for info in net.layers]
    try:
        xt = torch.from_numpy(x)[None].requires_grad_(True)
        logits = module(xt)
        loss = F.cross_entropy(logits.reshape(1, -1), torch.tensor([target]))
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    layers = []
    for info in net.layers:
        out = kept[info.index]
        grad = out.grad if out.grad is not None else torch.zeros_like(out)  # a layer the loss does not reach
        layers.append(LayerGradient(info.name, info.type, grad[0].detach().numpy().copy()))
    input_grad = xt.grad[0].detach().numpy().copy()
    return NetGradients(target, float(loss.detach()), layers, input_grad[0] if squeeze else input_grad)


def add_to_dict(doc: dict[str, Any], grads: NetGradients) -> dict[str, Any]:
    """The `activations --gradients` json: each layer of `doc["layers"]` (same names, same order) gets
    `grad`; the top level gets `input_grad`, `loss` and `target`."""
    for layer, g in zip(doc["layers"], grads.layers):
        if layer["name"] != g.name or list(layer["shape"]) != list(g.grad.shape):
            raise ValueError(f"layer {layer['name']} and its gradient {g.name} do not match")  # a bug, not input
        layer["grad"] = g.grad.tolist()
    doc["input_grad"] = grads.input_grad.tolist()
    doc["loss"] = grads.loss
    doc["target"] = grads.target
    return doc


def add_to_arrays(arrays: dict[str, np.ndarray], grads: NetGradients) -> dict[str, np.ndarray]:
    """The `--format npz` arrays plus `grad/<layer>` for each layer, `input_grad`, `loss` and `target`."""
    clash = [name for name in NPZ_EXTRA if name in arrays]
    if clash:
        raise UserInputError(f"a layer is named {clash[0]!r}, which --gradients writes to the npz file too; "
                             f"rename the layer")
    for g in grads.layers:
        arrays[f"grad/{g.name}"] = g.grad
    arrays["input_grad"] = grads.input_grad
    arrays["loss"] = np.float64(grads.loss)
    arrays["target"] = np.int64(grads.target)
    return arrays


__all__ = ["LayerGradient", "NetGradients", "check_target", "net_gradients", "add_to_dict", "add_to_arrays"]
