"""The architecture in torch: the nn.Sequential it builds and the check of the table against it.

torch is imported inside the functions (never when this package is imported). Each layer's module
comes from its type in the registry (`LayerType.torch_module`).
"""

from __future__ import annotations

import math
from typing import Any

from visualizer.core.architecture.base import Shape, shape_text
from visualizer.core.architecture.layers import RESIDUAL, layer_type, residual_module_class
from visualizer.core.architecture.schema import Architecture, LayerSpec, block_params, canonical_type, normalize_params
from visualizer.core.architecture.table import LayerRow, ShapeTable, compute_table
from visualizer.core.errors import UserInputError

__all__ = ["build_torch_module", "torch_check", "residual_module_class"]


def _torch_modules(layers: list[LayerSpec], rows: list[LayerRow], incoming: Shape) -> list[Any]:
    """The torch modules of a list of layers whose rows are all valid."""
    from torch import nn

    modules = []
    for spec, row in zip(layers, rows):
        if spec.is_block:
            main_rows = [r for r in row.children if r.path == "main"]
            sc_rows = [r for r in row.children if r.path == "shortcut"]
            modules.append(RESIDUAL.torch_block(nn.Sequential(*_torch_modules(spec.main, main_rows, incoming)),
                                                nn.Sequential(*_torch_modules(spec.shortcut, sc_rows, incoming)),
                                                block_params(spec.params)["activation"]))
        else:
            t = canonical_type(spec.type)
            modules.append(layer_type(t).torch_module(normalize_params(t, spec.params), incoming))
        incoming = row.output_shape  # type: ignore[assignment]
    return modules


def build_torch_module(arch: Architecture) -> "Any":
    """A torch.nn.Sequential with the same layers (raises UserInputError if a layer is invalid);
    a Residual block becomes a module computing activation(main(x) + shortcut(x)).

    Wrap the call in ``with torch.device("meta"):`` to build it without allocating memory."""
    from torch import nn

    table = compute_table(arch)
    if not table.ok:
        raise UserInputError("the architecture has an invalid layer: " + table.errors[0])
    return nn.Sequential(*_torch_modules(arch.layers, table.rows, tuple(arch.input_shape)))


def torch_check(arch: Architecture) -> list[str]:
    """Differences between compute_table and a real torch module run on the meta device;
    an empty list means they agree on every shape and parameter count.

    Every row is checked on its own, fed the input compute_table says it gets (so rows after
    an invalid layer are checked too); a row flagged invalid must make torch fail, except a
    Linear fed a C×H×W map, which torch would apply to the last axis and we refuse on purpose.
    A valid architecture is also run end to end as one nn.Sequential. MACs of Conv2d and
    Linear are recomputed from the torch module itself (its in_channels, groups, kernel_size and
    real output size). The tests also hold them against torch's FLOP counter, which is left out
    here because it imports torch._dynamo (seconds) on first use."""
    import warnings

    table = compute_table(arch)
    problems: list[str] = []
    with warnings.catch_warnings():
        # torch warns that 'same' padding with an even kernel may copy the input: irrelevant here.
        warnings.filterwarnings("ignore", message=".*padding='same'.*")
        _torch_check_rows(arch, table, problems)
    return problems


def _torch_macs(module: Any, y: Any) -> int:
    """MACs of one torch layer from its own attributes and its real output (batch of one)."""
    from torch import nn

    if isinstance(module, nn.Conv2d):
        return y.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return module.in_features * module.out_features
    return 0


def _torch_check_rows(arch: Architecture, table: ShapeTable, problems: list[str]) -> None:
    import torch

    _torch_check_list(arch.layers, table.rows, problems)
    if table.ok:
        with torch.device("meta"):
            net = build_torch_module(arch)
        _compare_with_torch(net, tuple(arch.input_shape), table.output_shape, table.total_params, "network",
                            problems)


def _compare_with_torch(module, input_shape: tuple, output_shape, params: int, where: str,
                        problems: list[str]) -> None:
    """Run `module` (built on the meta device) on one input of `input_shape` and add a problem for
    each of its output shape and parameter count that differs from the table's."""
    import torch

    module.eval()
    y = module(torch.empty((1, *input_shape), device="meta"))
    if tuple(y.shape[1:]) != output_shape:
        problems.append(f"{where}: output {shape_text(output_shape)} but torch gives "
                        f"{shape_text(tuple(y.shape[1:]))}")
    n_params = sum(q.numel() for q in module.parameters())
    if n_params != params:
        problems.append(f"{where}: {params} params but torch has {n_params}")


def _torch_check_list(layers: list[LayerSpec], rows: list[LayerRow], problems: list[str]) -> None:
    import torch

    for spec, row in zip(layers, rows):
        where = f"layer {row.index} ({row.name})"
        if row.input_shape is None:
            continue  # nothing definite arrives: nothing to hold against torch
        if spec.is_block:
            _torch_check_list(spec.main, [r for r in row.children if r.path == "main"], problems)
            _torch_check_list(spec.shortcut, [r for r in row.children if r.path == "shortcut"], problems)
            if row.ok:
                with torch.device("meta"):
                    module = _torch_modules([spec], [row], row.input_shape)[0]
                _compare_with_torch(module, tuple(row.input_shape), row.output_shape, row.params, where, problems)
            elif row.error and "must be equal to be added" in row.error:
                with torch.device("meta"):
                    module = _torch_modules([spec], [dataclasses_replace_ok(row)], row.input_shape)[0]
                try:
                    module(torch.empty((1, *row.input_shape), device="meta"))
                except Exception:  # noqa: BLE001 - torch refuses the addition, as the row says
                    pass
                else:
                    problems.append(f"{where}: the row says '{row.error}' but torch adds them")
            continue
        try:
            t = canonical_type(spec.type)
            p = normalize_params(t, spec.params)
        except UserInputError:
            if row.ok:
                problems.append(f"{where}: settings are invalid but the row has no error")
            continue
        policy_refusal = layer_type(t).refuses_on_purpose(row.input_shape)
        try:
            with torch.device("meta"):
                module = layer_type(t).torch_module(p, row.input_shape)
            module.eval()  # inference: BatchNorm in training mode refuses a single 1×1 value
            x = torch.empty((1, *row.input_shape), device="meta")
            y = module(x)
        except Exception as exc:  # torch refuses: the row must be flagged
            if row.ok:
                problems.append(f"{where}: torch fails ({str(exc).splitlines()[0][:120]}) but the row has no error")
            continue
        if not row.ok:
            if not policy_refusal:
                problems.append(f"{where}: the row says '{row.error}' but torch accepts it")
            continue
        got = tuple(y.shape[1:])
        if got != row.output_shape:
            problems.append(f"{where}: output {shape_text(row.output_shape)} but torch gives {shape_text(got)}")
        n_params = sum(q.numel() for q in module.parameters())
        n_train = sum(q.numel() for q in module.parameters() if q.requires_grad)
        n_buf = sum(b.numel() for b in module.buffers())
        if n_params != row.params:
            problems.append(f"{where}: {row.params} params but torch has {n_params}")
        if n_train != row.trainable_params:
            problems.append(f"{where}: {row.trainable_params} trainable params but torch has {n_train}")
        if n_buf != row.buffers:
            problems.append(f"{where}: {row.buffers} buffer values but torch has {n_buf}")
        torch_macs = _torch_macs(module, y)
        if torch_macs != row.macs:
            problems.append(f"{where}: {row.macs} MACs but the torch layer does {torch_macs}")


def dataclasses_replace_ok(row: LayerRow) -> LayerRow:
    """`row` as if valid (to build the torch block of an addition we refuse)."""
    import dataclasses

    return dataclasses.replace(row, error=None)

