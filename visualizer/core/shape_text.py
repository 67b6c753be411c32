"""How ConvViz writes and reads numbers, shapes, sizes and layer settings (no Qt, no torch).

The one home of the byte-size text (`format_bytes`), the receptive-field text (`rf_text`) and the
Shapes tab's cell formats; `convviz shapes` (`visualizer.core.table_format`) and the GUI share them.

Layer settings follow the schema in `visualizer.core.architecture`: 2-D values are [y, x]
lists (a bare int is accepted when reading, since hand-written JSON often has one).
"""

from __future__ import annotations

import re
from typing import Any

from visualizer.core.architecture import REGISTRY, RESIDUAL, shape_text
from visualizer.core.architecture import default_params as core_defaults
from visualizer.core.architecture.base import SAME_AS_KERNEL
from visualizer.core.architecture.layers import SOFTMAX_TRAINING_NOTE
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import TIMES, parse_pair, parse_positive_int

__all__ = ["parse_pair", "parse_positive_int", "TIMES", "SOFTMAX_TRAINING_NOTE"]  # re-exported

#: The Shapes tab's editable columns a layer type may have beside name, type and Out.
WINDOW_COLUMNS = ("kernel", "stride", "padding", "dilation")


def _kind(layer_type: str) -> Any:
    return REGISTRY.get(layer_type)


def keeps_shape(layer_type: str) -> bool:
    """Whether the layer keeps the shape of what arrives (the diagram folds it into the block before)."""
    kind = _kind(layer_type)
    return bool(kind and kind.shape_keeping)


def out_key(layer_type: str) -> str | None:
    """The setting in the Out column (out_channels, out_features, output_size), or None."""
    kind = _kind(layer_type)
    return kind.out_key if kind else None


def out_is_pair(layer_type: str) -> bool:
    """Whether the Out column holds a pair (an adaptive pool's output size) rather than a count."""
    kind, key = _kind(layer_type), out_key(layer_type)
    return bool(kind and key and kind.schema[key][0] == "pair")


#: Layer type -> the setting in its Out column, for the types that have one (from the registry).
HAS_OUT: dict[str, str] = {t.name: t.out_key for t in REGISTRY.values() if t.out_key}


def other_settings(layer_type: str) -> dict[str, Any]:
    """The Other column: the type's remaining settings with their defaults ({} when none)."""
    kind = _kind(layer_type)
    return dict(kind.other) if kind else {}


def stride_follows_kernel(layer_type: str) -> bool:
    """Whether the type's stride defaults to its kernel size (a pool)."""
    kind = _kind(layer_type)
    return bool(kind and kind.schema.get("stride", ("", None))[1] is SAME_AS_KERNEL)


def padding_words(layer_type: str) -> tuple[str, ...]:
    """The words the type's padding accepts besides numbers ('same', 'valid' for a convolution)."""
    kind = _kind(layer_type)
    return ("same", "valid") if kind and kind.schema.get("padding", ("",))[0] == "convpad" else ()


def has_weights(layer_type: str) -> bool:
    """Whether the type learns parameters (its count is unknown when its input is)."""
    kind = _kind(layer_type)
    return bool(kind and kind.has_weights)


def has_column(layer_type: str, column: str) -> bool:
    """Whether a layer of this type has the editable column "out", "other" or one of WINDOW_COLUMNS."""
    if column == "out":
        return out_key(layer_type) is not None
    if column == "other":
        return bool(other_settings(layer_type))
    kind = _kind(layer_type)
    return bool(kind and column in kind.columns)


def format_count(n: int | None) -> str:
    return "" if n is None else f"{int(n):,}"


def format_macs(n: int) -> str:
    """Exact below a million, else in M / G with two decimals (the exact value goes in a tooltip)."""
    if n < 1_000_000:
        return f"{n:,}"
    if n < 1_000_000_000:
        return f"{n / 1e6:.2f} M"
    return f"{n / 1e9:.2f} G"


def format_bytes(n: int) -> str:
    """1536 -> "1.5 KiB" (whole bytes below 1 KiB, one decimal above): the one byte-size text."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def rf_text(size: "tuple[int, int] | None", jump: "tuple[int, int] | None",
            net_input: "tuple[int, int] | None" = None) -> str:
    """Receptive field and jump: "5×5 (jump 2)", "3×5 (jump 1×2)"; a Linear layer's field (no jump:
    the union of its inputs' fields) "28×28 (whole input)"; with the network input's size
    `net_input`, a field that covers all of it says so, and a field larger than the input says
    it counts padding: "627×627 (jump 224; whole input + padding)" on a 224×224 input. "?" when
    unknown. The one wording, GUI and CLI."""
    if size is None:
        return "?"
    text = f"{size[0]}{TIMES}{size[1]}"
    notes = []
    if jump is not None:
        notes.append("jump " + (str(jump[0]) if jump[0] == jump[1] else f"{jump[0]}{TIMES}{jump[1]}"))
    if net_input is not None and size[0] >= net_input[0] and size[1] >= net_input[1]:
        # larger than the input: the field counts padding beyond it (exact, see architecture/__init__)
        notes.append("whole input" + (" + padding" if tuple(size) != tuple(net_input) else ""))
    elif jump is None:
        notes.append("whole input" if net_input is None else "all its inputs' fields")
    return f"{text} ({'; '.join(notes)})"


def format_shape(shape: "tuple[int | None, ...] | None") -> str:
    """"16×28×28"; the one shape text is `visualizer.core.architecture.shape_text`."""
    return shape_text(shape)


def as_pair(value: Any) -> tuple[int, int] | None:
    """[y, x], (y, x) or a bare int as a pair of ints; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return (int(value[0]), int(value[1]))
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], int):
        return (int(value[0]), int(value[0]))
    return None


def format_pair(value: Any, short: bool = False) -> str:
    """'3×3'; with `short`, a square pair as one number ('1'), as strides and paddings are said."""
    if isinstance(value, str):
        return value
    pair = as_pair(value)
    if pair is None:
        return "" if value is None else str(value)
    if short and pair[0] == pair[1]:
        return str(pair[0])
    return f"{pair[0]}{TIMES}{pair[1]}"


def format_other(layer_type: str, params: dict[str, Any], all_settings: bool = True) -> str:
    """e.g. 'groups=1, bias=yes' for a Conv2d; '' for a layer with no such settings. Without
    `all_settings` only what differs from the default (so the table shows what is special)."""
    defaults = other_settings(layer_type)
    parts = []
    for key, default in defaults.items():
        value = params.get(key, default)
        if not all_settings and value == default:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif value is None:
            value = "auto"
        parts.append(f"{key}={value}")
    return ", ".join(parts)


_TRUE = {"yes", "true", "on", "1", "y"}
_FALSE = {"no", "false", "off", "0", "n"}


def parse_other(layer_type: str, text: str) -> dict[str, Any]:
    """'groups=2, bias=no' -> {'groups': 2, 'bias': False}; names the key or value that is wrong."""
    defaults = other_settings(layer_type)
    result: dict[str, Any] = {}
    for chunk in re.split(r"[,;]", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if "=" in chunk:
            key, _, raw = chunk.partition("=")
        elif ":" in chunk:
            key, _, raw = chunk.partition(":")
        else:
            parts = chunk.split(None, 1)
            if len(parts) != 2:
                raise UserInputError(f"{layer_type}: write settings as name=value, got {chunk!r}")
            key, raw = parts
        key, raw = key.strip(), raw.strip()
        if key not in defaults:
            known = ", ".join(defaults) or "none"
            raise UserInputError(f"{layer_type} has no setting {key!r} (its settings: {known})")
        default = defaults[key]
        if default is None:  # a count that may also be left to what arrives
            result[key] = None if raw.lower() in ("", "auto", "none", "-") else parse_positive_int(raw, key)
        elif isinstance(default, bool):
            low = raw.lower()
            if low in _TRUE:
                result[key] = True
            elif low in _FALSE:
                result[key] = False
            else:
                raise UserInputError(f"{key}: expected yes or no, got {raw!r}")
        elif isinstance(default, int):
            result[key] = parse_positive_int(raw, key)
        else:
            try:
                result[key] = float(raw)
            except ValueError:
                raise UserInputError(f"{key}: expected a number, got {raw!r}") from None
    return result


def default_params(layer_type: str, channels: int | None = None) -> dict[str, Any]:
    """Settings for a freshly added layer of this type: the core's starter settings, with a new
    convolution's kernel count chosen by the caller (e.g. to match the layers around it)."""
    params = core_defaults(layer_type)
    if out_key(layer_type) == "out_channels" and channels:
        params["out_channels"] = channels
    return params


def _is_pool(layer_type: str) -> bool:
    """A pool with a window (its stride defaults to its size)."""
    kind = _kind(layer_type)
    return bool(kind and kind.table_kind == "pool" and "kernel" in kind.columns)


def convert_params(old_type: str, old: dict[str, Any], new_type: str,
                   channels: int | None = None) -> dict[str, Any]:
    """Settings for a layer whose type the user changed: keep what still makes sense."""
    params = default_params(new_type, channels)
    if "kernel_size" in params and "kernel_size" in old:
        params["kernel_size"] = old["kernel_size"]
        if _is_pool(new_type):
            params["stride"] = old["kernel_size"]  # a pool's stride is normally its size
    same_family = new_type == old_type or (_is_pool(new_type) and _is_pool(old_type))
    if same_family:  # conv padding (often 1 or 'same') means something else for a pool
        for key in ("stride", "padding"):
            if key in old:
                params[key] = old[key]
    new_out, old_out = out_key(new_type), out_key(old_type)
    if new_out and old_out and not out_is_pair(new_type) and not out_is_pair(old_type):
        params[new_out] = old[old_out]
    if "bias" in params and "bias" in old:
        params["bias"] = old["bias"]
    return params


# --- how a row's numbers come about (shown for the selected row) ---------------------------
def explain_layer(layer_type: str, params: dict[str, Any], input_shape: tuple[int, ...] | None,
                  output_shape: tuple[int, ...] | None, n_params: int, macs: int) -> str:
    """One line on how the output size, parameters and MACs of a layer come about, with the
    layer's own numbers (the registry's `LayerType.explain`); parts that do not reproduce the
    table's values are left out (the table is the authority)."""
    if input_shape is None:
        return "Its input is unknown (a layer above is invalid)."
    kind = _kind(layer_type)
    if kind is None:
        return ""
    return "; ".join(kind.explain(params, input_shape, output_shape, n_params, macs))


def explain_block(row: Any) -> str:
    """How a Residual block's row comes about (its own rows are in the table under it)."""
    return RESIDUAL.explain_row(row) + " Double-click (or Enter) to edit its main path."
