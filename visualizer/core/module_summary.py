"""The shape table of any torch module: `convviz shapes --module FILE.py:FACTORY` and the Shapes
tab's Open Python module….

`core.module_build` imports the user's file (RUNNING THEIR CODE) and builds the model, on torch's
meta device (shapes only: no memory for weights or activations, no values) or, when its
`__init__` or its forward pass computes with tensor values, on the CPU (within a memory budget,
see core.module_build). Then one forward pass of a batch of one runs with a
forward hook on every leaf module (one without child modules). The rows are the leaf modules in
the order they were called: a module called twice (torchvision's BasicBlock calls its one ReLU
twice) gives two rows, its parameters counted on the first.

- Shapes are what the hooks see. A second pass with a batch of two finds each output's batch
  axis: where it is the first axis it is left out, as in every ConvViz table (C×H×W); elsewhere
  (an LSTM with batch_first=False gives 28×1×64) the shape is shown whole, with a note.
- Parameters: each `nn.Parameter` is counted once, on the first row whose module holds it; a
  module that shares it (tied weights) says so in its settings. Parameters no called leaf holds
  (a container's own, or those of modules the forward pass did not call) are one last row.
- MACs follow compute_table's conventions (MAC_CONVENTION) for every convolution torch has:
  Conv1d/2d/3d cost C_out·(output positions)·(C_in/groups)·(kernel volume); a transposed
  convolution spreads each input value over its kernel, so it costs (input size)·(C_out/groups)·
  (kernel volume); Linear in_features·out_features per output vector. A note on the totals names
  the modules whose multiply-adds are not counted: recurrent layers (LSTM, GRU, RNN), Bilinear, and any
  module whose own forward computes with weights (MultiheadAttention, or `F.conv2d` / `@` on a
  parameter), found with torch's FLOP counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visualizer.core.architecture import Architecture, LayerRow, ShapeTable, shape_text
from visualizer.core.module_build import BuiltModule, build_module, build_on_cpu, needs_values, quiet, user_error
from visualizer.core.module_notes import flop_counter, table_notes


#: MAC_CONVENTION as it applies to a torch module's table (every kind of convolution counts).
MODULE_MAC_CONVENTION = (
    "one multiply-add is one MAC (FLOPs = 2 × MACs); only convolutions (1-, 2- and 3-D, grouped, "
    "transposed) and Linear count, bias additions, pooling, normalisation and activations are 0"
)


@dataclass
class ModuleTable(ShapeTable):
    """A ShapeTable of a torch module, with notes on its totals (what is not counted, and why)."""

    notes: tuple[str, ...] = ()
    convention: str = MODULE_MAC_CONVENTION


@dataclass
class _Call:
    """One call of a leaf module seen by the forward hook (shapes with the batch axis)."""

    name: str
    module: Any
    input_shape: tuple[int, ...] | None
    output_shape: tuple[int, ...] | None
    macs: int


def _first_tensor(value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        for v in value:
            t = _first_tensor(v)
            if t is not None:
                return t
    return None


def _full_shape(value: Any) -> tuple[int, ...] | None:
    """The whole shape (batch axis included) of a tensor, or of the first tensor in a tuple/list/dict."""
    t = _first_tensor(value)
    return None if t is None else tuple(int(v) for v in t.shape)


def _macs(module: Any, inputs: Any, output: Any) -> int:
    """Multiply-adds of one call (see the module docstring); 0 for what the convention does not count."""
    import torch
    from torch import nn

    if not isinstance(output, torch.Tensor):
        return 0
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        x = _first_tensor(inputs)
        size = x.numel() if x is not None else 0
        return size * (module.out_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.modules.conv._ConvNd):
        return output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return (output.numel() // max(module.out_features, 1)) * module.in_features * module.out_features
    return 0


def _settings(module: Any) -> str:
    try:
        text = module.extra_repr()
    except Exception:  # noqa: BLE001 - a user's extra_repr may fail on the meta device
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:79] + "…"


def _input(built: BuiltModule, shape: tuple[int, ...], batch: int) -> Any:
    import torch

    if built.device == "meta":
        return torch.empty((batch, *shape), device="meta")
    return torch.zeros((batch, *shape))


def _forward(built: BuiltModule, shape: tuple[int, ...], batch: int, flops: Any = None) -> tuple[list[_Call], Any]:
    """One forward pass with hooks on the leaf modules: (their calls in order, the model's output).
    The user's errors propagate as they are."""
    import contextlib

    import torch

    model = built.model
    names = {m: n for n, m in model.named_modules()}
    calls: list[_Call] = []

    def hook(module: Any, inputs: Any, output: Any) -> None:
        calls.append(_Call(names.get(module, type(module).__name__), module, _full_shape(inputs),
                           _full_shape(output), _macs(module, inputs, output)))

    handles = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    # tensors the forward pass makes itself (torch.zeros(...) with no device) are meta too
    where = torch.device("meta") if built.device == "meta" else contextlib.nullcontext()
    try:
        with torch.no_grad(), quiet(), where, (flops or contextlib.nullcontext()):
            result = model(_input(built, shape, batch))
    finally:
        for h in handles:
            h.remove()
    return calls, result


def _batch_of_two(built: BuiltModule, shape: tuple[int, ...], calls: list[_Call]) -> list[_Call] | None:
    """The calls of a pass with a batch of two (None when that pass fails or calls other modules:
    a model may accept only a batch of one, or branch on the input); the last one is the model's
    output (module None)."""
    try:
        again, result = _forward(built, shape, 2)
    except (Exception, SystemExit):  # noqa: BLE001 - the user's forward pass
        return None
    if [c.module for c in again] != [c.module for c in calls]:
        return None
    return again + [_Call("", None, None, _full_shape(result), 0)]


def _shown(one: tuple[int, ...] | None, two: tuple[int, ...] | None, known: bool) -> tuple[Any, bool]:
    """(the shape to show, whether it is shown whole): without its first axis when that is the
    batch axis (1 with a batch of one, 2 with two, the rest alike), else whole."""
    if one is None:
        return None, False
    if known:
        batch_first = (two is not None and len(one) == len(two) and len(one) > 0 and one[0] == 1
                       and two[0] == 2 and one[1:] == two[1:])
    else:  # no second pass: a leading 1 is taken for the batch
        batch_first = len(one) > 0 and one[0] == 1
    return (one[1:], False) if batch_first else (one, True)


def _flop_counts(built: BuiltModule, shape: tuple[int, ...]) -> dict[str, int] | None:
    """FLOPs per module name ("Net", "Net.block.conv") from torch's FLOP counter, or None."""
    try:
        counter = flop_counter(built.model)
        _forward(built, shape, 1, flops=counter)
        return {k: int(sum(v.values())) for k, v in counter.get_flop_counts().items()}
    except (Exception, SystemExit):  # noqa: BLE001 - the counter or the user's forward pass
        return None


def _first_pass(built: BuiltModule, shape: tuple[int, ...]) -> tuple[BuiltModule, list[_Call], Any]:
    """The forward pass of a batch of one; on the CPU when the meta device cannot run it (the
    forward computes with tensor values: `if x.sum() > 0`, `.item()`, `.tolist()`)."""
    built.model.eval()
    try:
        return (built, *_forward(built, shape, 1))
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's forward pass
        if built.device != "meta" or not needs_values(exc) or not built.rebuildable():
            raise user_error(exc, built.user_file, "forward" if built.device == "meta" else "forward on the CPU") \
                from None
    built = build_on_cpu(built, shape, "its forward pass")
    built.model.eval()
    try:
        return (built, *_forward(built, shape, 1))
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's forward pass
        raise user_error(exc, built.user_file, "forward on the CPU") from None


def summarize_module(spec: str, input_shape: tuple[int, int, int]) -> ModuleTable:
    """Import, build, run one forward pass with hooks: the table of leaf modules in call order
    (see the module docstring). UserInputError for anything wrong."""
    shape = tuple(int(v) for v in input_shape)
    built, calls, result = _first_pass(build_module(spec, shape), shape)
    twos = _batch_of_two(built, shape, calls)
    rows, whole = _rows(calls, twos)
    model_output, _ = _shown(_full_shape(result), twos[-1].output_shape if twos else None, twos is not None)
    rows += _rest_row(built.model, rows)
    arch = Architecture(shape, [], name=f"{built.name} ({Path(built.user_file).name})"
                        if built.user_file else built.name, description=f"torch module {spec}")
    notes = table_notes(built, calls, whole, _flop_counts(built, shape))
    params = {id(p): p for p in built.model.parameters()}.values()
    buffers = {id(b): b for b in built.model.buffers()}.values()
    return ModuleTable(architecture=arch, rows=rows, total_params=sum(p.numel() for p in params),
                       total_trainable_params=sum(r.trainable_params for r in rows),
                       total_macs=sum(r.macs for r in rows),
                       total_activation_bytes=sum(r.activation_bytes for r in rows),
                       total_buffers=sum(b.numel() for b in buffers),
                       model_output=model_output, notes=tuple(notes))


def _rows(calls: list[_Call], twos: list[_Call] | None) -> tuple[list[LayerRow], list[str]]:
    """The table's rows, and "name shape" of each output shown whole (its batch axis not first)."""
    rows: list[LayerRow] = []
    whole: list[str] = []
    seen_modules: set[int] = set()
    counted: dict[int, str] = {}  # id of a Parameter or buffer -> the row name that counted it
    for i, call in enumerate(calls, start=1):
        module, qual = call.module, call.name or "(model)"
        first = id(module) not in seen_modules
        seen_modules.add(id(module))
        params = trainable = buffers = 0
        settings = _settings(module)
        if first:
            shared = []
            for pname, p in module.named_parameters():
                if id(p) in counted:
                    shared.append(f"{pname} shared with {counted[id(p)]}, counted there")
                    continue
                counted[id(p)] = qual
                params += p.numel()
                trainable += p.numel() if p.requires_grad else 0
            for b in module.buffers():
                if id(b) not in counted:
                    counted[id(b)] = qual
                    buffers += b.numel()
            settings += "".join(f" ({s})" for s in shared)
        else:
            settings += " (called again)"
        two = twos[i - 1] if twos else None
        out, is_whole = _shown(call.output_shape, two.output_shape if two else None, twos is not None)
        inp, _ = _shown(call.input_shape, two.input_shape if two else None, twos is not None)
        if is_whole and out:  # (a 0-d output, e.g. a loss, has no axis to name)
            whole.append(f"{qual} {shape_text(out)}")
        row = LayerRow(index=i, name=qual, type=type(module).__name__, settings=settings.strip(),
                       input_shape=inp, output_shape=out, params=params, trainable_params=trainable,
                       buffers=buffers, macs=call.macs,
                       activation_bytes=4 * math.prod(call.output_shape) if call.output_shape is not None else 0)
        row.output_hint = out
        rows.append(row)
    return rows, whole


def _rest_row(model: Any, rows: list[LayerRow]) -> list[LayerRow]:
    """One row for the parameters no called leaf holds (never negative: each is counted once)."""
    params = {id(p): p for p in model.parameters()}.values()
    rest = sum(p.numel() for p in params) - sum(r.params for r in rows)
    if rest <= 0:
        return []
    trainable = sum(p.numel() for p in params if p.requires_grad) - sum(r.trainable_params for r in rows)
    extra = LayerRow(index=len(rows) + 1, name="(other parameters)", type="Parameter",
                     settings="held by containers or by modules the forward pass did not call",
                     input_shape=None, output_shape=None, params=rest, trainable_params=trainable)
    extra.output_hint = None
    return [extra]

