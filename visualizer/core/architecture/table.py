"""The computed table of an architecture: each layer's shapes, counts and receptive field.

Every number comes from the layer's type in the registry (`layers.py`); this module walks the
layers in order, hands each the shape that arrives, and sums a Residual block's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visualizer.core.architecture.base import PartialShape, Shape, full_shape, numel, shape_text
from visualizer.core.architecture.layers import RESIDUAL, layer_type
from visualizer.core.architecture.schema import (Architecture, LayerSpec, block_params, canonical_type,
                                                 check_input_shape, normalize_params)
from visualizer.core.errors import UserInputError

__all__ = ["LayerRow", "ShapeTable", "compute_table", "describe_settings", "flatten_rows", "shape_text"]

MAC_CONVENTION = (
    "one multiply-add is one MAC (FLOPs = 2 × MACs); only Conv2d and Linear count, "
    "bias additions, pooling, batch norm and activations are 0"
)


@dataclass
class LayerRow:
    """One computed row of the shape table: a layer's name and type, a summary of its settings,
    what arrives and what leaves (sizes None where a layer above is invalid), its parameters,
    buffers, MACs, output memory and receptive field, and `error` when the layer is invalid
    (later rows go on from what can be known). A Residual block's row holds its own rows in
    `children` and sums them."""

    index: int  # 1-based position in the architecture
    name: str
    type: str
    settings: str  # human summary, e.g. "3×3, stride 1, pad 1" or "→ 10"
    input_shape: Shape | None
    output_shape: Shape | None  # (C, H, W), or (N,) after Flatten / Linear; None when unknown
    params: int = 0  # all parameters (weights + biases)
    trainable_params: int = 0
    buffers: int = 0  # non-trainable state, e.g. BatchNorm running mean/var
    macs: int = 0
    activation_bytes: int = 0
    rf_size: tuple[int, int] | None = None  # receptive field (h, w) in input pixels
    rf_jump: tuple[int, int] | None = None  # effective stride (h, w) in input pixels
    rf_input: tuple[int, int] | None = None  # the network input's (h, w) the field is measured on
    error: str | None = None  # why this layer is invalid; rows after it still show what is known
    # What is known of the output when some sizes are not (None), e.g. (16, None, None) after a
    # kernel that does not fit; equals output_shape when everything is known.
    output_hint: PartialShape | None = None
    # False when some of this row's numbers cannot be known because a layer above is invalid
    # (its params/MACs/memory then count what is known, possibly 0).
    known: bool = True
    # Which of "params", "macs", "buffers", "memory" cannot be known (shown as "?").
    unknown: tuple[str, ...] = ()
    # A Residual block's own rows: its main path, then its shortcut (path "main"/"shortcut");
    # `depth` is 0 for the network's own layers, 1 inside a block, ...
    children: list["LayerRow"] = field(default_factory=list)
    path: str = ""
    depth: int = 0
    # A block: the two shapes that meet at the addition (main path, shortcut).
    add_shapes: tuple["PartialShape | None", "PartialShape | None"] | None = None

    @property
    def is_block(self) -> bool:
        return self.type == RESIDUAL.name

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def flops(self) -> int:
        return 2 * self.macs


@dataclass
class ShapeTable:
    """The computed table of an architecture: one LayerRow per layer and the totals."""

    architecture: Architecture
    rows: list[LayerRow]
    total_params: int
    total_trainable_params: int
    total_macs: int
    total_activation_bytes: int
    total_buffers: int = 0
    # A table of a torch module (core.module_summary): what its forward pass returned.
    model_output: Shape | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def output_shape(self) -> Shape | None:
        if self.model_output is not None:
            return self.model_output
        return self.rows[-1].output_shape if self.rows else tuple(self.architecture.input_shape)

    @property
    def total_flops(self) -> int:
        return 2 * self.total_macs

    @property
    def errors(self) -> list[str]:
        """One line per invalid row, e.g. "layer 3 (conv2): the 5×5 kernel does not fit ..."."""
        return [f"layer {r.index} ({r.name}): {r.error}" for r in self.rows if r.error]

    def all_rows(self) -> list[LayerRow]:
        """Every row, a block's own rows right after it (main path, then shortcut)."""
        return flatten_rows(self.rows)


def flatten_rows(rows: list[LayerRow]) -> list[LayerRow]:
    out: list[LayerRow] = []
    for r in rows:
        out.append(r)
        if r.children:
            out.extend(flatten_rows(r.children))
    return out



def describe_settings(type_name: str, p: dict[str, Any]) -> str:
    """Short human summary of normalised settings, e.g. "3×3, 16 out, stride 1, pad 1"."""
    return layer_type(type_name).describe(p)


_ALL_UNKNOWN = ("params", "macs", "buffers", "memory")


def _layer_row(index: int, spec: LayerSpec, counts: dict[str, int], incoming: PartialShape | None,
               rf: Any, net_input: tuple[int, int, int]) -> tuple[LayerRow, Any]:
    """One row plus the receptive field state handed to the next layer; the numbers are the
    registry's (`LayerType.infer` and `receptive_field`)."""
    try:
        t: str | None = canonical_type(spec.type)
    except UserInputError as exc:
        t, type_error = None, str(exc)
    kind = layer_type(t) if t else None
    short = kind.short if kind else "layer"
    counts[short] = counts.get(short, 0) + 1
    in_full = full_shape(incoming)
    row = LayerRow(index=index, name=spec.name or f"{short}{counts[short]}", type=t or str(spec.type),
                   settings="", input_shape=in_full, output_shape=None)
    if kind is None:
        row.error, row.known, row.unknown = type_error, False, _ALL_UNKNOWN
        return row, None
    try:
        p = normalize_params(kind.name, spec.params)
    except UserInputError as exc:
        row.error, row.known, row.unknown = str(exc), False, _ALL_UNKNOWN
        return row, None
    row.settings = kind.describe(p)
    got = kind.infer(p, incoming)
    new_rf = kind.receptive_field(p, rf, incoming, net_input)
    row.error = got.error
    row.output_hint = got.output
    row.output_shape = full_shape(got.output)
    n_out = numel(got.output)
    row.activation_bytes = 4 * n_out if n_out is not None else 0
    row.params = got.params or 0
    row.trainable_params = got.trainable or 0
    row.buffers = got.buffers or 0
    row.macs = got.macs or 0
    row.unknown = tuple(f for f, v in (("params", got.params), ("macs", got.macs), ("buffers", got.buffers),
                                       ("memory", n_out)) if v is None)
    row.known = got.error is None and in_full is not None and row.output_shape is not None and not row.unknown
    if new_rf is not None:
        row.rf_size, row.rf_jump = new_rf
        row.rf_input = (net_input[1], net_input[2])
    return row, new_rf


def compute_table(arch: Architecture) -> ShapeTable:
    """Shapes, parameters, MACs, memory and receptive field of every layer. Never raises for a
    bad layer: the row carries `error` and later rows continue from what can be known.
    An input shape that is not three positive integers raises UserInputError."""
    net_input = check_input_shape(arch.input_shape)
    rows, _, _ = _chain(arch.layers, net_input, ((1, 1), (1, 1)), net_input, None, "", 0, "")  # type: ignore
    return ShapeTable(
        architecture=arch,
        rows=rows,
        total_params=sum(r.params for r in rows),
        total_trainable_params=sum(r.trainable_params for r in rows),
        total_macs=sum(r.macs for r in rows),
        total_activation_bytes=sum(r.activation_bytes for r in rows),
        total_buffers=sum(r.buffers for r in rows),
    )


def _chain(layers: list[LayerSpec], incoming: PartialShape | None, rf: Any, net_input: tuple[int, int, int],
           block_index: int | None, prefix: str, depth: int, path: str) -> tuple[list[LayerRow], Any, Any]:
    """Rows of a list of layers (the network's, or one path of a block): (rows, output hint, rf).
    Inside a block every row carries the block's index and a name prefixed by the block's."""
    counts: dict[str, int] = {}
    rows: list[LayerRow] = []
    for i, spec in enumerate(layers, start=1):
        index = block_index if block_index is not None else i
        if spec.is_block:
            row, rf = _block_row(index, spec, counts, incoming, rf, net_input, prefix, depth)
        else:
            row, rf = _layer_row(index, spec, counts, incoming, rf, net_input)
        if prefix:
            row.name = prefix + row.name
        row.depth, row.path = depth, path
        rows.append(row)
        incoming = row.output_hint
    return rows, incoming, rf


def _added_shape(a: PartialShape | None, b: PartialShape | None) -> tuple[PartialShape | None, str | None]:
    """What the addition of the two paths gives, and why it cannot be added (or None)."""
    if a is None or b is None:
        return a, None
    if len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b)):
        error = (f"the main path gives {shape_text(a)} but the shortcut gives {shape_text(b)}: "
                 f"the shapes must be equal to be added")
        return (tuple(x if x == y else None for x, y in zip(a, b)) if len(a) == len(b) else None), error
    return tuple(x if x is not None else y for x, y in zip(a, b)), None


def _block_row(index: int, spec: LayerSpec, counts: dict[str, int], incoming: PartialShape | None, rf: Any,
               net_input: tuple[int, int, int], prefix: str, depth: int) -> tuple[LayerRow, Any]:
    """A Residual block: main path and shortcut from the same input, added, then the activation.
    Its numbers are the sums of its own rows (plus the addition's output in memory); its
    receptive field is the larger of the two paths' (the longest path decides it)."""
    counts[RESIDUAL.short] = counts.get(RESIDUAL.short, 0) + 1
    name = spec.name or f"{RESIDUAL.short}{counts[RESIDUAL.short]}"
    try:
        own, error = block_params(spec.params), None
    except UserInputError as exc:
        own, error = {"activation": None}, str(exc)
    inner = prefix + name + "."
    main_rows, a, main_rf = _chain(spec.main, incoming, rf, net_input, index, inner, depth + 1, "main")
    sc_rows, b, sc_rf = _chain(spec.shortcut, incoming, rf, net_input, index, inner, depth + 1, "shortcut")
    kids = main_rows + sc_rows
    row = LayerRow(index=index, name=name, type=RESIDUAL.name, settings="", input_shape=full_shape(incoming),
                   output_shape=None, children=kids)
    row.add_shapes = (a, b)
    if error is None:
        error = next((f"{r.name}: {r.error}" for r in kids if r.error), None)
    out, add_error = _added_shape(a, b) if error is None else (a, None)
    act = own.get("activation")
    row.settings = RESIDUAL.describe_block(len(spec.main), len(spec.shortcut), a, b, act)
    row.error = error or add_error
    row.output_hint = out
    row.output_shape = full_shape(out)
    n_out = numel(out)
    row.params = sum(r.params for r in kids)
    row.trainable_params = sum(r.trainable_params for r in kids)
    row.buffers = sum(r.buffers for r in kids)
    row.macs = sum(r.macs for r in kids)
    # memory: every row inside, the sum, and the activation's output
    own_bytes = (4 * n_out * (2 if act else 1)) if n_out is not None else 0
    row.activation_bytes = sum(r.activation_bytes for r in kids) + own_bytes
    unknown = {u for r in kids for u in r.unknown} | ({"memory"} if n_out is None else set())
    row.unknown = tuple(f for f in _ALL_UNKNOWN if f in unknown)
    row.known = row.error is None and row.input_shape is not None and row.output_shape is not None \
        and not row.unknown
    new_rf = _block_field(main_rf, sc_rf)
    if new_rf is not None:
        row.rf_size, row.rf_jump = new_rf
        row.rf_input = (net_input[1], net_input[2])
    return row, new_rf


def _block_field(main_rf: Any, sc_rf: Any) -> Any:
    if main_rf is not None and sc_rf is not None:
        (r1, j1), (r2, j2) = main_rf, sc_rf
        return ((max(r1[0], r2[0]), max(r1[1], r2[1])), j1 if j1 is not None else j2)
    return main_rf or sc_rf
