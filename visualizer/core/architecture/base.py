"""The layer-type registry's foundations: the `LayerType` base class every type derives from,
what a type computes for one layer (`Inferred`) and tells the table checker (`ParamStory`), and the
shape helpers they share. The concrete types and the registry are in `layers.py`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable


Shape = tuple[int, ...]
# A shape where some sizes may be unknown (None) because a layer above is invalid.
PartialShape = tuple["int | None", ...]
#: Receptive-field state handed from layer to layer: ((size h, w), (jump h, w) or None) or None.
Field = Any

# Schema defaults that are not values: a setting the user must give, and a pool's stride that
# defaults to its kernel size.
REQUIRED = object()
SAME_AS_KERNEL = object()

TIMES = "×"


def shape_text(shape: "PartialShape | Shape | None") -> str:
    """"16×28×28" (C×H×W), "10" for a vector, "?" for an unknown size."""
    if shape is None:
        return "?"
    return TIMES.join("?" if v is None else str(v) for v in shape)


def full_shape(shape: PartialShape | None) -> Shape | None:
    """`shape` when every size is known, else None."""
    if shape is None or any(v is None for v in shape):
        return None
    return tuple(int(v) for v in shape)  # type: ignore[arg-type]


def numel(shape: PartialShape | None) -> int | None:
    full = full_shape(shape)
    return None if full is None else math.prod(full)


def hw_text(a: int, b: int) -> str:
    return f"{a}{TIMES}{b}"


def one_or_pair(pair: Any) -> str:
    return str(pair[0]) if pair[0] == pair[1] else hw_text(*pair)


def _pair_of(value: Any, default: tuple[int, int]) -> tuple[int, int]:
    """A setting as (y, x): [y, x], (y, x) or a bare int; `default` when it is neither (the
    explanations also take settings that are not yet normalised)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return (int(value[0]), int(value[1]))
    return default


@dataclass
class Inferred:
    """What one layer does to what arrives: its output (sizes may be None when unknown) and its
    counts (None when they cannot be known); `error` says why the layer is invalid."""

    output: PartialShape | None
    params: int | None = 0  # weights and biases
    trainable: int | None = 0
    buffers: int | None = 0  # non-trainable state (batch norm's running mean and variance)
    macs: int | None = 0
    error: str | None = None


@dataclass
class ParamStory:
    """The table checker's truth for a row's parameter count: the count, other counts it accepts
    ({count: why}; an empty why accepts it silently, NO_BIAS marks a count without the bias) and
    how the count is made, in the words the checker writes."""

    count: int
    also: dict[int, str]
    how: str


class _NoBias(str):
    """Marks the count of a layer's weights without its bias."""


NO_BIAS = _NoBias("weights only")


class LayerType:
    """One layer type's whole story; subclasses fill in what their type does.

    Attributes: `name` (as torch.nn spells it), `short` (row names: conv1, bn1, ...), `schema`
    ({setting: (kind, default)}; kinds "count", "pair", "pad", "convpad", "bool", "float",
    "prob", "pos_float"), `starter` (settings of a freshly added layer), `needs_map` (needs a
    C×H×W input), `shape_keeping`, `out_key` (the setting in the Shapes tab's Out column),
    `columns` (which of "kernel", "stride", "padding", "dilation" it edits), `other` (the Other
    column's settings and defaults), `has_weights` (learns parameters), `table_kind` (the table
    checker's word for such a row: "conv", "pool", "fc", "flatten", "same" or "block"),
    `is_convolution` (a convolution: its maps open up in the Network view), `is_batch_norm`
    (normalises each channel over the mini-batch: `convviz bn` and the Network view's batch-norm
    view take it apart), and for the Shapes
    diagram `figure_color` (its boxes' colour as "#rrggbb"; None: the colour of the other layers),
    `figure_label` (its short word when folded into the box before it, e.g. "BN"; "" for its
    name) and `legend` (its words in the diagram's colour key; "": not listed).

    Hooks for the rules to come, None until they are written: `backward_rule` (how the gradient
    flows back through the layer: the backprop issue) and `statistics` (what the layer keeps from
    the data: the batch-norm issue). Callers treat None as "not described yet"."""

    name = ""
    short = "layer"
    schema: dict[str, tuple[str, Any]] = {}
    starter: dict[str, Any] = {}
    needs_map = False
    shape_keeping = False
    out_key: str | None = None
    columns: frozenset[str] = frozenset()
    other: dict[str, Any] = {}
    table_kind = ""
    has_weights = False
    is_convolution = False
    is_batch_norm = False
    figure_color: str | None = None
    figure_label = ""
    legend = ""
    backward_rule: Callable[..., Any] | None = None
    statistics: Callable[..., Any] | None = None

    # -- settings -----------------------------------------------------------------------
    def validate(self, p: dict[str, Any], prefix: str) -> None:
        """Checks across settings (after each one is valid on its own); UserInputError."""

    def describe(self, p: dict[str, Any]) -> str:
        """Short human summary of normalised settings, e.g. "3×3, 16 out, stride 1, pad 1"."""
        return ""

    # -- the shape rule and its counts --------------------------------------------------
    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        """Output shape and counts for `incoming` (without the batch axis; None when unknown)."""
        error = self.map_error(incoming)
        return Inferred(incoming, error=error)

    def map_error(self, incoming: PartialShape | None) -> str | None:
        if self.needs_map and incoming is not None and len(incoming) != 3:
            return (f"{self.name} needs a C×H×W feature map, but a flat vector of {shape_text(incoming)} "
                    f"values arrives (it must come before Flatten)")
        return None

    def refuses_on_purpose(self, incoming: Shape) -> bool:
        """True where ConvViz refuses an input that torch would accept (the torch check allows it)."""
        return False

    def receptive_field(self, p: dict[str, Any], rf: Field, incoming: PartialShape | None,
                        net_input: tuple[int, int, int]) -> Field:
        """The field after this layer, from the field before it (None: unknown)."""
        return rf

    def padding_before(self, p: dict[str, Any], incoming: Shape) -> tuple[int, int]:
        """Zeros added before the map (top, left): where a window starts."""
        return (0, 0)

    # -- torch --------------------------------------------------------------------------
    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        """The torch.nn module for this layer receiving `incoming` (without the batch axis)."""
        from torch import nn

        return getattr(nn, self.name)()

    # -- words --------------------------------------------------------------------------
    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        """How the row's numbers come about, with its own numbers; parts that do not reproduce
        the table's values are left out (the table is the authority)."""
        return ["keeps the shape; no parameters"] if self.shape_keeping else []

    def param_story(self, p: dict[str, Any], incoming: Shape, output: Shape, words: str = "") -> ParamStory | None:
        """The table checker's truth for this layer's parameter count (None: not judged);
        `words` is the row's operation as written (a "Conv block" may count its batch norm)."""
        return ParamStory(0, {}, "it has no weights")
