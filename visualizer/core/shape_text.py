"""How ConvViz writes and reads numbers, shapes, sizes and layer settings (no Qt, no torch).

The one home of the byte-size text (`format_bytes`), the receptive-field text (`rf_text`) and the
Shapes tab's cell formats; `convviz shapes` (`visualizer.core.table_format`) and the GUI share them.

Layer settings follow the contract in `visualizer.core.architecture`: 2-D values are [y, x]
lists (a bare int is accepted when reading, since hand-written JSON often has one).
"""

from __future__ import annotations

import re
from typing import Any

from visualizer.core.errors import UserInputError
from visualizer.core.output_size import output_size, output_size_text
from visualizer.core.parsing import TIMES, parse_pair, parse_positive_int

__all__ = ["parse_pair", "parse_positive_int", "TIMES"]  # re-exported: cell parsing lives in core.parsing

#: Layers that keep the shape of what arrives (the diagram folds them into the block before).
SHAPE_KEEPING = frozenset(
    {"BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "Softmax"}
)

#: Which editable columns apply to which layer type.
HAS_OUT = {"Conv2d": "out_channels", "Linear": "out_features", "AdaptiveAvgPool2d": "output_size"}
HAS_KERNEL = frozenset({"Conv2d", "MaxPool2d", "AvgPool2d"})
HAS_STRIDE = HAS_KERNEL
HAS_PADDING = HAS_KERNEL
HAS_DILATION = frozenset({"Conv2d"})

#: The "Other" column: the remaining settings of each type with their defaults.
OTHER_SETTINGS: dict[str, dict[str, Any]] = {
    "Conv2d": {"groups": 1, "bias": True},
    "MaxPool2d": {"ceil_mode": False},
    "AvgPool2d": {"ceil_mode": False},
    "BatchNorm2d": {"eps": 1e-5, "affine": True},
    "LeakyReLU": {"negative_slope": 0.01},
    "Dropout": {"p": 0.5},
    # in_features: None = whatever arrives; a number states what the student expects, and the
    # row turns red when it does not match
    "Linear": {"bias": True, "in_features": None},
}


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


def rf_text(size: "tuple[int, int] | None", jump: "tuple[int, int] | None") -> str:
    """Receptive field and jump: "5×5 (jump 2)", "3×5 (jump 1×2)", "28×28 (whole input)" after a
    Linear layer (it sees everything; no jump), "?" when unknown. The one wording, GUI and CLI."""
    if size is None:
        return "?"
    text = f"{size[0]}{TIMES}{size[1]}"
    if jump is None:
        return f"{text} (whole input)"
    j = str(jump[0]) if jump[0] == jump[1] else f"{jump[0]}{TIMES}{jump[1]}"
    return f"{text} (jump {j})"


def format_shape(shape: "tuple[int | None, ...] | None") -> str:
    """"16×28×28"; the one shape text is `visualizer.core.architecture.shape_text`."""
    from visualizer.core.architecture import shape_text

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
    defaults = OTHER_SETTINGS.get(layer_type, {})
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
    defaults = OTHER_SETTINGS.get(layer_type, {})
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
    from visualizer.core.architecture import default_params as core_defaults

    params = core_defaults(layer_type)
    if layer_type == "Conv2d" and channels:
        params["out_channels"] = channels
    return params


def convert_params(old_type: str, old: dict[str, Any], new_type: str,
                   channels: int | None = None) -> dict[str, Any]:
    """Settings for a layer whose type the user changed: keep what still makes sense."""
    params = default_params(new_type, channels)
    pools = ("MaxPool2d", "AvgPool2d")
    if "kernel_size" in params and "kernel_size" in old:
        params["kernel_size"] = old["kernel_size"]
        if new_type in pools:
            params["stride"] = old["kernel_size"]  # a pool's stride is normally its size
    same_family = new_type == old_type or (new_type in pools and old_type in pools)
    if same_family:  # conv padding (often 1 or 'same') means something else for a pool
        for key in ("stride", "padding"):
            if key in old:
                params[key] = old[key]
    if new_type in HAS_OUT and old_type in HAS_OUT and new_type != "AdaptiveAvgPool2d" \
            and old_type != "AdaptiveAvgPool2d":
        params[HAS_OUT[new_type]] = old[HAS_OUT[old_type]]
    if "bias" in params and "bias" in old:
        params["bias"] = old["bias"]
    return params


# --- how a row's numbers come about (shown for the selected row) ---------------------------
def _axis_formula(n: int, k: int, s: int, p: int, d: int, ceil: bool = False) -> tuple[str, int]:
    return output_size_text(n, k, s, p, d, ceil), output_size(n, k, s, p, d, ceil)


def explain_layer(layer_type: str, params: dict[str, Any], input_shape: tuple[int, ...] | None,
                  output_shape: tuple[int, ...] | None, n_params: int, macs: int) -> str:
    """One line on how the output size, parameters and MACs of a layer come about, with the
    layer's own numbers; parts that do not reproduce the table's values are left out (the table
    is the authority)."""
    if input_shape is None:
        return "Its input is unknown (a layer above is invalid)."
    parts: list[str] = []
    if layer_type in ("Conv2d", "MaxPool2d", "AvgPool2d") and len(input_shape) == 3:
        c, h, w = input_shape
        k = as_pair(params.get("kernel_size")) or (1, 1)
        default_stride = (1, 1) if layer_type == "Conv2d" else k  # a pool steps by its size
        s = as_pair(params.get("stride")) or default_stride
        d = as_pair(params.get("dilation")) or (1, 1)
        pad = params.get("padding", [0, 0])
        ceil = bool(params.get("ceil_mode", False))
        if pad == "same":
            parts.append(f"padding 'same' keeps {h}×{w}")
        else:
            p = (0, 0) if pad == "valid" else (as_pair(pad) or (0, 0))
            fh, vh = _axis_formula(h, k[0], s[0], p[0], d[0], ceil)
            fw, vw = _axis_formula(w, k[1], s[1], p[1], d[1], ceil)
            if output_shape is not None and len(output_shape) == 3 and output_shape[1:] != (vh, vw):
                pass  # e.g. ceil_mode's last-window rule: let the table speak
            elif (h, k[0], s[0], p[0], d[0]) == (w, k[1], s[1], p[1], d[1]):
                parts.append(f"size {fh} per axis")
            else:
                parts.append(f"height {fh}; width {fw}")
            if min(vh, vw) < 1:
                parts.append("less than 1: the window does not fit the padded input")
        if layer_type == "Conv2d" and output_shape is not None and len(output_shape) == 3:
            out_c = int(params.get("out_channels", output_shape[0]))
            groups = int(params.get("groups", 1))
            per = c // groups if groups else c
            weights = k[0] * k[1] * per * out_c
            bias = out_c if params.get("bias", True) else 0
            if weights + bias == n_params:
                g = f" (in channels {c} / groups {groups})" if groups != 1 else ""
                parts.append(f"params {k[0]}·{k[1]}·{per}·{out_c}" + (f" + {bias}" if bias else "")
                             + f" = {n_params:,}{g}")
            cells = output_shape[0] * output_shape[1] * output_shape[2]
            if k[0] * k[1] * per * cells == macs:
                parts.append(f"MACs {k[0]}·{k[1]}·{per} per output × {format_shape(output_shape)} outputs "
                             f"= {macs:,}")
    elif layer_type == "Linear" and output_shape is not None:
        n_in = 1
        for v in input_shape:
            n_in *= int(v)
        n_out = int(output_shape[0])
        bias = n_out if params.get("bias", True) else 0
        if n_in * n_out + bias == n_params:
            parts.append(f"params {n_in:,}·{n_out:,}" + (f" + {bias:,}" if bias else "") + f" = {n_params:,}")
        if n_in * n_out == macs:
            parts.append(f"MACs {n_in:,}·{n_out:,} = {macs:,}")
    elif layer_type == "Flatten" and output_shape is not None:
        parts.append(f"{format_shape(input_shape)} values in a row: {output_shape[0]:,}")
    elif layer_type == "BatchNorm2d" and len(input_shape) == 3:
        c = input_shape[0]
        if n_params == 2 * c and c:
            parts.append(f"params: a scale and a shift per channel, 2·{c} = {n_params}; "
                         "the running mean and variance are buffers, not trained")
    elif layer_type == "AdaptiveAvgPool2d" and output_shape is not None:
        parts.append(f"averages windows of {format_shape(input_shape[1:])} down to {format_shape(output_shape[1:])}")
    elif layer_type == "Softmax":
        parts.append("keeps the shape; no parameters. " + SOFTMAX_TRAINING_NOTE)
    elif layer_type in SHAPE_KEEPING:
        parts.append("keeps the shape; no parameters")
    return "; ".join(parts)


#: Why a final Softmax is not part of the trained module (core.training drops it).
SOFTMAX_TRAINING_NOTE = ("Training drops a final Softmax: cross-entropy takes the logits (torch's "
                         "nn.CrossEntropyLoss applies log-softmax itself), and the L2 loss applies softmax itself.")


def explain_block(row: Any) -> str:
    """How a Residual block's row comes about (its own rows are in the table under it)."""
    a, b = row.add_shapes or (None, None)
    main = [c for c in row.children if c.path == "main"]
    shortcut = [c for c in row.children if c.path == "shortcut"]
    sc = ("an identity shortcut (the input itself)" if not shortcut
          else "a shortcut of " + ", ".join(c.name[len(row.name) + 1:] or c.type for c in shortcut))
    return (f"Residual block: a main path of {len(main)} layer{'s' if len(main) != 1 else ''} and {sc}, both fed "
            f"{format_shape(row.input_shape)}; their outputs {format_shape(a)} and {format_shape(b)} are added"
            + ("" if row.error else f" into {format_shape(row.output_shape)}")
            + f"; params {row.params:,} and MACs {row.macs:,} are the sums of its rows. "
            "Double-click (or Enter) to edit its main path.")
