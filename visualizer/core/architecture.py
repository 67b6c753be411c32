"""Architectures and their layer-by-layer shape table (the shape calculator's core).

CONTRACT (shared by the shape-calculator core, its GUI tab and the training engine): the names
and fields below are fixed; the implementation fills in the bodies.

An architecture is an input shape (C, H, W) plus a list of layers. Layer parameter keys follow
torch.nn's argument names; 2-D values are stored as [y, x] lists:
  Conv2d:            out_channels, kernel_size, stride=[1,1], padding=[0,0] | "same" | "valid",
                     dilation=[1,1], groups=1, bias=True
  MaxPool2d/AvgPool2d: kernel_size, stride=kernel_size, padding=[0,0], ceil_mode=False
  AdaptiveAvgPool2d: output_size=[h, w]
  BatchNorm2d:       (none; channels come from the input) eps=1e-5, affine=True
  ReLU, Sigmoid, Tanh, Softmax, Flatten: (none);  LeakyReLU: negative_slope=0.01
  Dropout:           p=0.5
  Linear:            out_features, bias=True   (in_features come from what arrives)
Conventions: one multiply-add is one MAC, FLOPs = 2 x MACs; activation memory is the float32
size of the layer's output for one sample; receptive field size and jump are in input pixels.

JSON schema (version 2; version 1 files, which have no blocks, are still read)
-------------------------------------------------------------------------------
::

    {
      "schema": "convviz.architecture",      # optional; when present it must be this string
      "version": 1,                          # required; files of a newer version are refused
      "name": "mnist-net1",                  # optional
      "description": "free text",            # optional
      "input_shape": [1, 28, 28],            # required: [C, H, W], positive integers
      "layers": [                            # required: a list (may be empty)
        {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
        {"type": "BatchNorm2d"},
        {"type": "ReLU", "name": "relu-a"},  # "name" is an optional label on any layer
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 10}
      ]
    }

A layer list may also hold a Residual block (version 2), which computes
activation(main(x) + shortcut(x)) as torchvision's BasicBlock does::

    {"type": "Residual", "name": "layer2.0", "activation": "ReLU",
     "main": [{"type": "Conv2d", "out_channels": 128, "kernel_size": 3, "stride": 2, "padding": 1,
               "bias": false}, {"type": "BatchNorm2d"}, {"type": "ReLU"},
              {"type": "Conv2d", "out_channels": 128, "kernel_size": 3, "padding": 1, "bias": false},
              {"type": "BatchNorm2d"}],
     "shortcut": [{"type": "Conv2d", "out_channels": 128, "kernel_size": 1, "stride": 2, "bias": false},
                  {"type": "BatchNorm2d"}]}

"main" is required; "shortcut" [] (or left out) is the identity; "activation" is one of ReLU,
LeakyReLU, Sigmoid, Tanh or null (default ReLU). Both paths get the block's input and must
give the same shape, else the block is invalid and says why. Files are written as version 1
when they hold no block, so an older ConvViz still reads them.

A Linear layer needs a flat input: put a Flatten before it (torch would apply it to the last
axis of a C×H×W map only, which is almost never what is meant, so the table flags it).

Each layer is an object with "type" (one of LAYER_TYPES; case does not matter) plus the
settings listed above; a 2-D setting may be one integer (used for both axes) or [h, w]. A
setting the type does not have is an error (it catches typos such as "kernal_size"). Linear
also accepts an optional "in_features": when given it must match what arrives. Reading a
document fills in every default, so `to_dict` writes all settings explicitly. Errors name the
field and the problem, e.g. ``layers[3].kernel_size: must be a positive integer or [h, w],
got -1``. The same text is in resources/architectures/README.md.

What is counted
---------------
* params: every parameter tensor (weights and biases); ``trainable_params`` the ones the
  optimiser updates. BatchNorm2d's affine weight and bias (2·C) are parameters; its running
  mean and variance (2·C) plus torch's ``num_batches_tracked`` counter (1) are *buffers*,
  reported separately and not part of ``params``.
* MACs: only Conv2d and Linear do multiply-adds. Conv2d: C_out·H_out·W_out·(C_in/groups)·kh·kw;
  Linear: in_features·out_features. Bias additions, pooling, batch norm, activations, dropout,
  flatten and softmax count as 0 MACs (they are cheap element-wise work, and leaving them out
  is the convention behind the usual "VGG16 = 15.47 G MACs"). FLOPs = 2 × MACs.
* activation memory: the layer's output for one sample in float32 (4 bytes per value);
  the total is the sum over layers (the input image itself is not included).
* receptive field: for each output value, the size (h, w) of the input window it depends on,
  and the jump (h, w) — how many input pixels apart neighbouring outputs are. Size and jump do
  not depend on padding: padding only moves where the window sits, so near a border part of
  the field lies on padding (and the field may be larger than the image). With dilation the
  size is the span the window covers, not the number of pixels it reads (a 3×3 kernel with
  dilation 2 spans 5×5 but reads 9 of them). Flatten keeps the field of each value;
  a Linear layer sees the whole input (size = input H×W, jump undefined → None).
  AdaptiveAvgPool2d with a non-integer ratio uses its widest window and rounds the jump up.
  A Residual block's field is the larger of its two paths' (the longest path decides it).
* a Residual block's row sums its own rows; its memory adds the sum's output and the
  activation's.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from visualizer.core.errors import UserInputError
from visualizer.core.output_size import output_size

SCHEMA_VERSION = 2
SCHEMA_NAME = "convviz.architecture"

LAYER_TYPES: tuple[str, ...] = (
    "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "ReLU", "LeakyReLU",
    "Sigmoid", "Tanh", "Dropout", "Flatten", "Linear", "Softmax",
)

#: Blocks that hold layers of their own (schema version 2).
BLOCK_TYPES: tuple[str, ...] = ("Residual",)
#: What may follow a block's addition (None: nothing).
BLOCK_ACTIVATIONS: tuple[str, ...] = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh")
#: Deepest nesting of blocks inside blocks accepted.
MAX_BLOCK_DEPTH = 4


def is_block_type(type_name: Any) -> bool:
    return isinstance(type_name, str) and type_name.strip().lower() in {t.lower() for t in BLOCK_TYPES}


Shape = tuple[int, ...]
# A shape where some sizes may be unknown (None) because a layer above is invalid.
PartialShape = tuple["int | None", ...]

MAC_CONVENTION = (
    "one multiply-add is one MAC (FLOPs = 2 × MACs); only Conv2d and Linear count, "
    "bias additions, pooling, batch norm and activations are 0"
)

# --- parameter specifications ------------------------------------------------------------
# kind: "count" positive int, "pair" positive [h, w], "pad" non-negative [h, w], "convpad"
# (non-negative [h, w] or "same"/"valid"), "bool", "float", "prob" (0..1), "pos_float" (> 0).
_REQUIRED = object()
_SAME_AS_KERNEL = object()

PARAM_SPECS: dict[str, dict[str, tuple[str, Any]]] = {
    "Conv2d": {
        "out_channels": ("count", _REQUIRED),
        "kernel_size": ("pair", _REQUIRED),
        "stride": ("pair", [1, 1]),
        "padding": ("convpad", [0, 0]),
        "dilation": ("pair", [1, 1]),
        "groups": ("count", 1),
        "bias": ("bool", True),
    },
    "MaxPool2d": {
        "kernel_size": ("pair", _REQUIRED),
        "stride": ("pair", _SAME_AS_KERNEL),
        "padding": ("pad", [0, 0]),
        "ceil_mode": ("bool", False),
    },
    "AvgPool2d": {
        "kernel_size": ("pair", _REQUIRED),
        "stride": ("pair", _SAME_AS_KERNEL),
        "padding": ("pad", [0, 0]),
        "ceil_mode": ("bool", False),
    },
    "AdaptiveAvgPool2d": {"output_size": ("pair", _REQUIRED)},
    "BatchNorm2d": {"eps": ("pos_float", 1e-5), "affine": ("bool", True)},
    "ReLU": {},
    "LeakyReLU": {"negative_slope": ("float", 0.01)},
    "Sigmoid": {},
    "Tanh": {},
    "Dropout": {"p": ("prob", 0.5)},
    "Flatten": {},
    "Linear": {"out_features": ("count", _REQUIRED), "bias": ("bool", True),
               "in_features": ("count", None)},
    "Softmax": {},
}
"""Layer type -> {setting: (kind, default)}; the GUI can use it to build editors."""

# Short names for rows without a label: conv1, bn1, relu1, pool1, fc1, ...
_SHORT = {
    "Conv2d": "conv", "MaxPool2d": "maxpool", "AvgPool2d": "avgpool",
    "AdaptiveAvgPool2d": "adaptivepool", "BatchNorm2d": "bn", "ReLU": "relu",
    "LeakyReLU": "leakyrelu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Dropout": "dropout",
    "Flatten": "flatten", "Linear": "fc", "Softmax": "softmax",
}
_SPATIAL = {"Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d"}
_ELEMENTWISE = {"ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "Softmax"}


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_pair(value: Any, path: str, minimum: int) -> list[int]:
    what = "a positive integer" if minimum >= 1 else "a non-negative integer"
    if _is_int(value):
        if value < minimum:
            raise UserInputError(f"{path}: must be {what} or [h, w], got {_show(value)}")
        return [value, value]
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int(v) for v in value):
        if min(value) < minimum:
            raise UserInputError(f"{path}: both values must be {what[2:]}s, got {_show(list(value))}")
        return [int(value[0]), int(value[1])]
    raise UserInputError(f"{path}: must be {what} or [h, w], got {_show(value)}")


def _check_value(kind: str, value: Any, path: str) -> Any:
    if kind == "count":
        if not _is_int(value) or value < 1:
            raise UserInputError(f"{path}: must be a positive integer, got {_show(value)}")
        return int(value)
    if kind == "pair":
        return _check_pair(value, path, 1)
    if kind == "pad":
        return _check_pair(value, path, 0)
    if kind == "convpad":
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("same", "valid"):
                return low
            raise UserInputError(
                f"{path}: must be a non-negative integer, [h, w], \"same\" or \"valid\", got {_show(value)}")
        try:
            return _check_pair(value, path, 0)
        except UserInputError:
            raise UserInputError(
                f"{path}: must be a non-negative integer, [h, w], \"same\" or \"valid\", got {_show(value)}"
            ) from None
    if kind == "bool":
        if not isinstance(value, bool):
            raise UserInputError(f"{path}: must be true or false, got {_show(value)}")
        return value
    if kind in ("float", "pos_float", "prob"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise UserInputError(f"{path}: must be a number, got {_show(value)}")
        value = float(value)
        if kind == "pos_float" and value <= 0:
            raise UserInputError(f"{path}: must be greater than 0, got {_show(value)}")
        if kind == "prob" and not 0.0 <= value <= 1.0:
            raise UserInputError(f"{path}: must be between 0 and 1, got {_show(value)}")
        return value
    raise AssertionError(kind)  # pragma: no cover


def canonical_type(type_name: Any, path: str = "type") -> str:
    """The canonical layer type for `type_name` (case-insensitive), or UserInputError."""
    if not isinstance(type_name, str) or not type_name.strip():
        raise UserInputError(f"{path}: must be a layer type such as \"Conv2d\", got {_show(type_name)}")
    wanted = type_name.strip().lower()
    for t in LAYER_TYPES:
        if t.lower() == wanted:
            return t
    hint = difflib.get_close_matches(type_name.strip(), LAYER_TYPES, n=1)
    extra = f" (did you mean {hint[0]}?)" if hint else f" (known: {', '.join(LAYER_TYPES)})"
    raise UserInputError(f"{path}: unknown layer type {_show(type_name)}{extra}")


def default_params(type_name: str) -> dict[str, Any]:
    """Sensible settings for a new layer of this type (for an 'add layer' button)."""
    t = canonical_type(type_name)
    starter = {"Conv2d": {"out_channels": 8, "kernel_size": 3, "padding": 1},
               "MaxPool2d": {"kernel_size": 2}, "AvgPool2d": {"kernel_size": 2},
               "AdaptiveAvgPool2d": {"output_size": 1}, "Linear": {"out_features": 10}}
    return normalize_params(t, starter.get(t, {}))


def normalize_params(type_name: str, params: Any, path: str = "") -> dict[str, Any]:
    """Validated settings of one layer with every default filled in; UserInputError naming
    the field (prefixed by `path`, e.g. "layers[3]") otherwise."""
    t = canonical_type(type_name, f"{path}.type" if path else "type")
    prefix = f"{path}." if path else ""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise UserInputError(f"{path or 'params'}: must be an object of settings, got {_show(params)}")
    spec = PARAM_SPECS[t]
    for key in params:
        if key not in spec:
            known = ", ".join(spec) if spec else "none"
            hint = difflib.get_close_matches(str(key), list(spec), n=1)
            more = f"did you mean {hint[0]}?" if hint else f"{t} settings: {known}"
            raise UserInputError(f"{prefix}{key}: {t} has no setting {_show(key)} ({more})")
    out: dict[str, Any] = {}
    for key, (kind, default) in spec.items():
        if key in params and params[key] is not None:
            out[key] = _check_value(kind, params[key], f"{prefix}{key}")
        elif default is _REQUIRED:
            raise UserInputError(f"{prefix}{key}: {t} needs this setting")
        elif default is _SAME_AS_KERNEL:
            out[key] = list(out["kernel_size"])
        elif default is None:
            continue  # optional with no default (Linear.in_features)
        else:
            out[key] = copy.deepcopy(default)
    if t == "Conv2d" and out["padding"] == "same" and out["stride"] != [1, 1]:
        raise UserInputError(f"{prefix}padding: \"same\" needs stride 1 (torch refuses it for strided "
                             f"convolutions), got stride {out['stride']}")
    return out


# --- the architecture document -------------------------------------------------------------
@dataclass
class LayerSpec:
    """One layer as the user wrote it."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # optional label; LayerRow.name falls back to e.g. "conv3"
    # A "Residual" block only: the main path and the shortcut (empty = identity).
    main: list["LayerSpec"] = field(default_factory=list)
    shortcut: list["LayerSpec"] = field(default_factory=list)

    @property
    def is_block(self) -> bool:
        return is_block_type(self.type)


@dataclass
class Architecture:
    input_shape: tuple[int, int, int]  # (C, H, W)
    layers: list[LayerSpec] = field(default_factory=list)
    name: str = ""
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON document: {"schema": "convviz.architecture", "version": 1 or 2,
        "name": ..., "input_shape": [C, H, W], "layers": [{"type": ..., "name": ..., **params}]}.
        Version 2 only when a Residual block is present, so older ConvViz still reads the rest."""
        layers = [_layer_entry(spec) for spec in self.layers]
        version = 2 if any(_has_block(spec) for spec in self.layers) else 1
        doc: dict[str, Any] = {"schema": SCHEMA_NAME, "version": version, "name": self.name}
        if self.description:
            doc["description"] = self.description
        doc["input_shape"] = [int(v) for v in self.input_shape]
        doc["layers"] = layers
        return doc

    @classmethod
    def from_dict(cls, doc: Any) -> "Architecture":
        """Validate a JSON document; a bad one raises UserInputError naming the field and the
        problem, e.g. "layers[3].kernel_size: must be a positive integer or [h, w], got -1"."""
        if not isinstance(doc, dict):
            raise UserInputError(f"an architecture must be a JSON object, got {_show(doc)[:40]}")
        # "$schema" lets an editor find the JSON Schema file; ConvViz ignores it.
        known = {"$schema", "schema", "version", "name", "description", "input_shape", "layers"}
        for key in doc:
            if key not in known:
                raise UserInputError(f"{key}: unknown field (fields: {', '.join(sorted(known))})")
        if "schema" in doc and doc["schema"] != SCHEMA_NAME:
            raise UserInputError(f"schema: must be \"{SCHEMA_NAME}\", got {_show(doc['schema'])}")
        if "version" not in doc:
            raise UserInputError(f"version: missing (this ConvViz writes version {SCHEMA_VERSION})")
        version = doc["version"]
        if not _is_int(version) or version < 1:
            raise UserInputError(f"version: must be a positive integer, got {_show(version)}")
        if version > SCHEMA_VERSION:
            raise UserInputError(f"version: the file is version {version}, this ConvViz reads up to "
                                 f"version {SCHEMA_VERSION}; update ConvViz")
        name = doc.get("name", "")
        if name is None:
            name = ""
        if not isinstance(name, str):
            raise UserInputError(f"name: must be text, got {_show(name)}")
        description = doc.get("description", "") or ""
        if not isinstance(description, str):
            raise UserInputError(f"description: must be text, got {_show(description)}")
        if "input_shape" not in doc:
            raise UserInputError("input_shape: missing; give [C, H, W], e.g. [1, 28, 28]")
        shape = doc["input_shape"]
        if (not isinstance(shape, (list, tuple)) or len(shape) != 3
                or not all(_is_int(v) and v >= 1 for v in shape)):
            raise UserInputError(f"input_shape: must be three positive integers [C, H, W], got {_show(shape)}")
        if "layers" not in doc:
            raise UserInputError("layers: missing; give a list of layers")
        raw_layers = doc["layers"]
        if not isinstance(raw_layers, list):
            raise UserInputError(f"layers: must be a list, got {_show(raw_layers)[:40]}")
        layers = _read_layers(raw_layers, "layers", version, 0)
        return cls(tuple(int(v) for v in shape), layers, name, description)  # type: ignore[arg-type]

    def to_json(self) -> str:
        return _dump_json(self.to_dict()) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Architecture":
        """Parse and validate; bad JSON, nesting deeper than safe_json allows or a number of
        thousands of digits is one UserInputError (read through safe_json.load_json_text)."""
        from visualizer.core.safe_json import load_json_text

        return cls.from_dict(load_json_text(text, "the architecture"))

    @classmethod
    def load(cls, path: str | Path) -> "Architecture":
        from visualizer.core.safe_json import read_json_file

        p = Path(path)
        if p.is_dir():
            raise UserInputError(f"{p}: is a folder, not an architecture file")
        if not p.exists():
            raise UserInputError(f"{p}: no such file")
        doc = read_json_file(p, p.name)
        try:
            return cls.from_dict(doc)
        except UserInputError as exc:
            raise UserInputError(f"{p.name}: {exc}") from None

    def save(self, path: str | Path) -> None:
        """Write the JSON document atomically (temporary file, then rename)."""
        from visualizer.core.atomic import write_atomic

        write_atomic(path, self.to_json())

    def copy(self) -> "Architecture":
        return copy.deepcopy(self)


def _has_block(spec: LayerSpec) -> bool:
    return spec.is_block


def _layer_entry(spec: LayerSpec) -> dict[str, Any]:
    """One layer (or block) of the JSON document."""
    if spec.is_block:
        entry: dict[str, Any] = {"type": "Residual"}
        if spec.name:
            entry["name"] = spec.name
        entry["main"] = [_layer_entry(s) for s in spec.main]
        entry["shortcut"] = [_layer_entry(s) for s in spec.shortcut]
        entry["activation"] = (spec.params or {}).get("activation", "ReLU")
        return entry
    try:
        params = normalize_params(spec.type, spec.params)
        t = canonical_type(spec.type)
    except UserInputError:  # keep what the user has so nothing is lost on save
        params, t = dict(spec.params or {}), spec.type
    entry = {"type": t}
    if spec.name:
        entry["name"] = spec.name
    entry.update(copy.deepcopy(params))
    return entry


def block_params(params: Any, path: str = "") -> dict[str, Any]:
    """A Residual block's own settings: {"activation": "ReLU" | ... | None}."""
    prefix = f"{path}." if path else ""
    params = params or {}
    for key in params:
        if key != "activation":
            raise UserInputError(f"{prefix}{key}: Residual has no setting {_show(key)} "
                                 f"(a block has \"main\", \"shortcut\" and \"activation\")")
    act = params.get("activation", "ReLU")
    if act is None or (isinstance(act, str) and act.strip().lower() in ("", "none")):
        return {"activation": None}
    if isinstance(act, str):
        for t in BLOCK_ACTIVATIONS:
            if t.lower() == act.strip().lower():
                return {"activation": t}
    raise UserInputError(f"{prefix}activation: must be one of {', '.join(BLOCK_ACTIVATIONS)} or null, "
                         f"got {_show(act)}")


def _read_layers(raw_layers: Any, path: str, version: int, depth: int) -> list[LayerSpec]:
    if not isinstance(raw_layers, list):
        raise UserInputError(f"{path}: must be a list, got {_show(raw_layers)[:40]}")
    layers = []
    for i, raw in enumerate(raw_layers):
        where = f"{path}[{i}]"
        if not isinstance(raw, dict):
            raise UserInputError(f"{where}: must be an object with a \"type\", got {_show(raw)[:40]}")
        if "type" not in raw:
            raise UserInputError(f"{where}.type: missing (one of {', '.join(LAYER_TYPES + BLOCK_TYPES)})")
        label = raw.get("name", "") or ""
        if not isinstance(label, str):
            raise UserInputError(f"{where}.name: must be text, got {_show(label)}")
        if is_block_type(raw["type"]):
            if version < 2:
                raise UserInputError(f"{where}.type: Residual blocks need \"version\": 2")
            if depth >= MAX_BLOCK_DEPTH:
                raise UserInputError(f"{where}: blocks nest more than {MAX_BLOCK_DEPTH} deep")
            if "main" not in raw:
                raise UserInputError(f"{where}.main: missing; give the main path as a list of layers")
            main = _read_layers(raw["main"], f"{where}.main", version, depth + 1)
            shortcut = _read_layers(raw.get("shortcut") or [], f"{where}.shortcut", version, depth + 1)
            own = {k: v for k, v in raw.items() if k not in ("type", "name", "main", "shortcut")}
            layers.append(LayerSpec("Residual", block_params(own, where), label, main, shortcut))
            continue
        t = canonical_type(raw["type"], f"{where}.type")
        params = {k: v for k, v in raw.items() if k not in ("type", "name")}
        layers.append(LayerSpec(t, normalize_params(t, params, where), label))
    return layers


def _dump_json(doc: dict[str, Any]) -> str:
    """Indented JSON with each layer on one line (easy to read and to diff); a block's own
    layers one per line, indented under it."""
    def dumps(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, allow_nan=False)

    def layer_text(layer: dict[str, Any], indent: str) -> str:
        if "main" not in layer:
            return indent + dumps(layer)
        head = {k: v for k, v in layer.items() if k not in ("main", "shortcut")}
        inner = indent + "  "
        parts = [indent + dumps(head)[:-1] + ","]
        for key in ("main", "shortcut"):
            items = layer.get(key) or []
            if not items:
                parts.append(f'{inner}"{key}": []' + ("," if key == "main" else ""))
                continue
            parts.append(f'{inner}"{key}": [')
            parts.append(",\n".join(layer_text(x, inner + "  ") for x in items))
            parts.append(f"{inner}]" + ("," if key == "main" else ""))
        parts.append(indent + "}")
        return "\n".join(parts)

    lines = ["{"]
    items = [(k, v) for k, v in doc.items() if k != "layers"]
    for k, v in items:
        lines.append(f"  {json.dumps(k)}: {dumps(v)},")
    layer_lines = [layer_text(layer, "    ") for layer in doc.get("layers", [])]
    if layer_lines:
        lines.append('  "layers": [')
        lines.append(",\n".join(layer_lines))
        lines.append("  ]")
    else:
        lines.append('  "layers": []')
    lines.append("}")
    return "\n".join(lines)


# --- the computed table --------------------------------------------------------------------
@dataclass
class LayerRow:
    """One computed row of the table."""

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
        return self.type == "Residual"

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def flops(self) -> int:
        return 2 * self.macs


@dataclass
class ShapeTable:
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


def shape_text(shape: "PartialShape | Shape | None") -> str:
    """"16×28×28" (C×H×W), "10" for a vector, "?" for an unknown size."""
    if shape is None:
        return "?"
    return "×".join("?" if v is None else str(v) for v in shape)


def _hw(a: int, b: int) -> str:
    return f"{a}×{b}"


def _one_or_pair(pair: list[int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else _hw(*pair)


def describe_settings(type_name: str, p: dict[str, Any]) -> str:
    """Short human summary of normalised settings, e.g. "3×3, 16 out, stride 1, pad 1"."""
    if type_name == "Conv2d":
        pad = p["padding"]
        parts = [_hw(*p["kernel_size"]), f"{p['out_channels']} out", f"stride {_one_or_pair(p['stride'])}",
                 f"pad {pad if isinstance(pad, str) else _one_or_pair(pad)}"]
        if p["dilation"] != [1, 1]:
            parts.append(f"dilation {_one_or_pair(p['dilation'])}")
        if p["groups"] != 1:
            parts.append(f"groups {p['groups']}")
        if not p["bias"]:
            parts.append("no bias")
        return ", ".join(parts)
    if type_name in ("MaxPool2d", "AvgPool2d"):
        parts = [_hw(*p["kernel_size"]), f"stride {_one_or_pair(p['stride'])}"]
        if p["padding"] != [0, 0]:
            parts.append(f"pad {_one_or_pair(p['padding'])}")
        if p["ceil_mode"]:
            parts.append("ceil mode")
        return ", ".join(parts)
    if type_name == "AdaptiveAvgPool2d":
        return f"→ {_hw(*p['output_size'])}"
    if type_name == "BatchNorm2d":
        parts = []
        if p["eps"] != 1e-5:
            parts.append(f"eps {p['eps']:g}")
        if not p["affine"]:
            parts.append("no affine")
        return ", ".join(parts)
    if type_name == "LeakyReLU":
        return f"slope {p['negative_slope']:g}"
    if type_name == "Dropout":
        return f"p {p['p']:g}"
    if type_name == "Linear":
        return f"→ {p['out_features']}" + ("" if p["bias"] else ", no bias")
    return ""


def _full(shape: PartialShape | None) -> Shape | None:
    if shape is None or any(v is None for v in shape):
        return None
    return tuple(int(v) for v in shape)  # type: ignore[arg-type]


def _numel(shape: PartialShape | None) -> int | None:
    full = _full(shape)
    return None if full is None else math.prod(full)


def _adaptive_window(size: int, out: int) -> tuple[int, int]:
    """(widest window, jump rounded up) of torch's adaptive pooling along one axis."""
    widest = max(math.ceil((i + 1) * size / out) - (i * size) // out for i in range(out))
    return widest, math.ceil(size / out)


def _layer_row(index: int, spec: LayerSpec, counts: dict[str, int], incoming: PartialShape | None,
               rf: tuple[tuple[int, int], tuple[int, int] | None] | None,
               net_input: tuple[int, int, int]) -> tuple[LayerRow, Any]:
    """One row plus the receptive field state handed to the next layer."""
    raw_type = spec.type
    try:
        t = canonical_type(raw_type)
    except UserInputError as exc:
        t = None
        type_error = str(exc)
    short = _SHORT.get(t or "", "layer")
    counts[short] = counts.get(short, 0) + 1
    name = spec.name or f"{short}{counts[short]}"
    in_full = _full(incoming)
    row = LayerRow(index=index, name=name, type=t or str(raw_type), settings="",
                   input_shape=in_full, output_shape=None)
    if t is None:
        row.error = type_error
        row.known = False
        row.unknown = ("params", "macs", "buffers", "memory")
        return row, None
    try:
        p = normalize_params(t, spec.params)
    except UserInputError as exc:
        row.error = str(exc)
        row.known = False
        row.unknown = ("params", "macs", "buffers", "memory")
        return row, None
    row.settings = describe_settings(t, p)

    out: PartialShape | None = None
    error: str | None = None
    params: int | None = 0
    trainable: int | None = 0
    buffers: int | None = 0
    macs: int | None = 0
    new_rf = rf
    rank3 = incoming is not None and len(incoming) == 3
    flat_hint = "a C×H×W feature map"

    if t in _SPATIAL and incoming is not None and not rank3:
        error = (f"{t} needs {flat_hint}, but a flat vector of {shape_text(incoming)} values arrives "
                 f"(it must come before Flatten)")

    if t == "Conv2d":
        cin = incoming[0] if rank3 else None
        cout, groups = p["out_channels"], p["groups"]
        k, s, d = p["kernel_size"], p["stride"], p["dilation"]
        spatial: list[int | None] = [None, None]
        if error is None and cin is not None and cin % groups:
            error = f"groups {groups} must divide the {cin} input channels"
        elif error is None and cout % groups:
            error = f"groups {groups} must divide the {cout} output channels"
        if cin is not None and not cin % groups:
            per = cout * (cin // groups) * k[0] * k[1]
            params = per + (cout if p["bias"] else 0)
        else:
            params = None
        trainable = params
        if error is None and rank3:
            pad = p["padding"]
            for ax in range(2):
                size = incoming[ax + 1]
                if size is None:
                    continue
                keff = d[ax] * (k[ax] - 1) + 1
                if pad == "same":
                    spatial[ax] = size
                    continue
                pa = 0 if pad == "valid" else pad[ax]
                if size + 2 * pa < keff:
                    error = _no_fit(k, d, incoming, pad)
                    spatial = [None, None]
                    break
                spatial[ax] = output_size(size, k[ax], s[ax], pa, d[ax])
        out = (cout, spatial[0], spatial[1])
        n_out = _numel(out)
        macs = None if (n_out is None or cin is None or cin % groups) else n_out * (cin // groups) * k[0] * k[1]
        if rf is not None:
            (r, j) = rf
            if j is not None:
                keff = [d[a] * (k[a] - 1) + 1 for a in range(2)]
                new_rf = ((r[0] + (keff[0] - 1) * j[0], r[1] + (keff[1] - 1) * j[1]),
                          (j[0] * s[0], j[1] * s[1]))
    elif t in ("MaxPool2d", "AvgPool2d"):
        k, s, pad = p["kernel_size"], p["stride"], p["padding"]
        spatial = [None, None]
        if error is None and (2 * pad[0] > k[0] or 2 * pad[1] > k[1]):
            error = (f"padding {_one_or_pair(pad)} is more than half the {_hw(*k)} pool window "
                     f"(torch allows at most half)")
        if error is None and rank3:
            for ax in range(2):
                size = incoming[ax + 1]
                if size is None:
                    continue
                o = output_size(size, k[ax], s[ax], pad[ax], ceil_mode=p["ceil_mode"])
                if o < 1:
                    error = (f"the {_hw(*k)} pool empties the {shape_text(incoming[1:])} map"
                             + (f" with padding {_one_or_pair(pad)}" if pad != [0, 0] else ""))
                    spatial = [None, None]
                    break
                spatial[ax] = o
        out = (incoming[0] if rank3 else None, spatial[0], spatial[1])
        if rf is not None and rf[1] is not None:
            (r, j) = rf
            new_rf = ((r[0] + (k[0] - 1) * j[0], r[1] + (k[1] - 1) * j[1]), (j[0] * s[0], j[1] * s[1]))
    elif t == "AdaptiveAvgPool2d":
        osz = p["output_size"]
        out = (incoming[0] if rank3 else None, osz[0], osz[1])
        if rf is not None and rf[1] is not None and rank3 and None not in incoming[1:]:
            (r, j) = rf
            w0, j0 = _adaptive_window(incoming[1], osz[0])
            w1, j1 = _adaptive_window(incoming[2], osz[1])
            new_rf = ((r[0] + (w0 - 1) * j[0], r[1] + (w1 - 1) * j[1]), (j[0] * j0, j[1] * j1))
        else:
            new_rf = None
    elif t == "BatchNorm2d":
        c = incoming[0] if rank3 else None
        out = incoming
        if c is None:
            params = trainable = buffers = None
        else:
            params = trainable = 2 * c if p["affine"] else 0
            buffers = 2 * c + 1
    elif t in _ELEMENTWISE:
        out = incoming
    elif t == "Flatten":
        if incoming is None:
            out = (None,)
        elif len(incoming) == 1:
            out = incoming
        else:
            n = _numel(incoming)
            out = (n,)
    elif t == "Linear":
        fout = p["out_features"]
        fin = p.get("in_features")
        arriving: int | None = None
        if incoming is not None and len(incoming) == 1:
            arriving = incoming[0]
        elif incoming is not None:
            error = (f"Linear needs a flat vector, but a {shape_text(incoming)} map arrives: "
                     f"add a Flatten before it")
        if error is None and fin is not None and arriving is not None and fin != arriving:
            error = f"in_features is {fin}, but {arriving} values arrive"
        n_in = fin if fin is not None else arriving
        if n_in is None:
            params = trainable = macs = None
        else:
            params = trainable = n_in * fout + (fout if p["bias"] else 0)
            macs = n_in * fout
        out = (fout,)
        new_rf = ((net_input[1], net_input[2]), None)

    row.error = error
    row.output_hint = out
    row.output_shape = _full(out)
    n_out = _numel(out)
    row.activation_bytes = 4 * n_out if n_out is not None else 0
    row.params = params or 0
    row.trainable_params = trainable or 0
    row.buffers = buffers or 0
    row.macs = macs or 0
    row.unknown = tuple(f for f, v in (("params", params), ("macs", macs), ("buffers", buffers),
                                       ("memory", n_out)) if v is None)
    row.known = error is None and in_full is not None and row.output_shape is not None and not row.unknown
    if new_rf is not None:
        row.rf_size, row.rf_jump = new_rf
    return row, new_rf


def _no_fit(k: list[int], d: list[int], incoming: PartialShape, pad: Any) -> str:
    keff = [d[a] * (k[a] - 1) + 1 for a in range(2)]
    what = f"the {_hw(*k)} kernel"
    if d != [1, 1]:
        what += f" (dilation {_one_or_pair(d)} spans {_hw(*keff)})"
    padtxt = "padding 0" if pad == "valid" else f"padding {_one_or_pair(pad)}"
    return f"{what} does not fit the {shape_text(incoming[1:])} map with {padtxt}"


def compute_table(arch: Architecture) -> ShapeTable:
    """Shapes, parameters, MACs, memory and receptive field of every layer. Never raises for a
    bad layer: the row carries `error` and later rows continue from what can be known.
    An input shape that is not three positive integers raises UserInputError."""
    shape = arch.input_shape
    if (not isinstance(shape, (list, tuple)) or len(shape) != 3
            or not all(_is_int(v) and v >= 1 for v in shape)):
        raise UserInputError(f"input_shape: must be three positive integers [C, H, W], got {_show(shape)}")
    net_input = tuple(int(v) for v in shape)
    rows, _, _ = _chain(arch.layers, net_input, ((1, 1), (1, 1)), net_input, None, "", 0, "")
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
            row, rf = _layer_row(index, spec, counts, incoming, rf, net_input)  # type: ignore[arg-type]
        if prefix:
            row.name = prefix + row.name
        row.depth, row.path = depth, path
        rows.append(row)
        incoming = row.output_hint
    return rows, incoming, rf


def _block_row(index: int, spec: LayerSpec, counts: dict[str, int], incoming: PartialShape | None, rf: Any,
               net_input: tuple[int, int, int], prefix: str, depth: int) -> tuple[LayerRow, Any]:
    """A Residual block: main path and shortcut from the same input, added, then the activation.
    Its numbers are the sums of its own rows (plus the addition's output in memory); its
    receptive field is the larger of the two paths' (the longest path decides it)."""
    counts["res"] = counts.get("res", 0) + 1
    name = spec.name or f"res{counts['res']}"
    try:
        own = block_params(spec.params)
    except UserInputError as exc:
        own, own_error = {"activation": None}, str(exc)
    else:
        own_error = None
    inner = prefix + name + "."
    main_rows, main_out, main_rf = _chain(spec.main, incoming, rf, net_input, index, inner, depth + 1, "main")
    sc_rows, sc_out, sc_rf = _chain(spec.shortcut, incoming, rf, net_input, index, inner, depth + 1, "shortcut")
    row = LayerRow(index=index, name=name, type="Residual", settings="", input_shape=_full(incoming),
                   output_shape=None, children=main_rows + sc_rows)
    row.add_shapes = (main_out, sc_out)
    error = own_error
    if error is None:
        for r in main_rows + sc_rows:
            if r.error:
                error = f"{r.name}: {r.error}"
                break
    out: PartialShape | None = main_out
    a, b = main_out, sc_out
    if error is None and a is not None and b is not None:
        if len(a) != len(b) or any(x is not None and y is not None and x != y for x, y in zip(a, b)):
            error = (f"the main path gives {shape_text(a)} but the shortcut gives {shape_text(b)}: "
                     f"the shapes must be equal to be added")
            out = tuple(x if x == y else None for x, y in zip(a, b)) if len(a) == len(b) else None
        else:
            out = tuple(x if x is not None else y for x, y in zip(a, b))
    act = own.get("activation")
    sc_text = "identity" if not spec.shortcut else f"{len(spec.shortcut)} layer{'s' if len(spec.shortcut) != 1 else ''}"
    row.settings = (f"main {len(spec.main)} layer{'s' if len(spec.main) != 1 else ''}, shortcut {sc_text}; "
                    f"adds {shape_text(a)} + {shape_text(b)}" + (f", then {act}" if act else ""))
    kids = main_rows + sc_rows
    row.error = error
    row.output_hint = out
    row.output_shape = _full(out)
    n_out = _numel(out)
    row.params = sum(r.params for r in kids)
    row.trainable_params = sum(r.trainable_params for r in kids)
    row.buffers = sum(r.buffers for r in kids)
    row.macs = sum(r.macs for r in kids)
    # memory: every row inside, the sum, and the activation's output
    own_bytes = (4 * n_out * (2 if act else 1)) if n_out is not None else 0
    row.activation_bytes = sum(r.activation_bytes for r in kids) + own_bytes
    unknown = {u for r in kids for u in r.unknown}
    if n_out is None:
        unknown.add("memory")
    row.unknown = tuple(f for f in ("params", "macs", "buffers", "memory") if f in unknown)
    row.known = error is None and row.input_shape is not None and row.output_shape is not None and not row.unknown
    new_rf: Any = None
    if main_rf is not None and sc_rf is not None:
        (r1, j1), (r2, j2) = main_rf, sc_rf
        size = (max(r1[0], r2[0]), max(r1[1], r2[1]))
        new_rf = (size, j1 if j1 is not None else j2)
    elif main_rf is not None or sc_rf is not None:
        new_rf = main_rf or sc_rf
    if new_rf is not None:
        row.rf_size, row.rf_jump = new_rf
    return row, new_rf


# --- torch ---------------------------------------------------------------------------------
def _torch_layer(t: str, p: dict[str, Any], incoming: Shape) -> Any:
    """The torch.nn module for one layer receiving `incoming` (without the batch axis)."""
    from torch import nn

    if t == "Conv2d":
        return nn.Conv2d(incoming[0], p["out_channels"], tuple(p["kernel_size"]), stride=tuple(p["stride"]),
                         padding=p["padding"] if isinstance(p["padding"], str) else tuple(p["padding"]),
                         dilation=tuple(p["dilation"]), groups=p["groups"], bias=p["bias"])
    if t == "MaxPool2d":
        return nn.MaxPool2d(tuple(p["kernel_size"]), stride=tuple(p["stride"]), padding=tuple(p["padding"]),
                            ceil_mode=p["ceil_mode"])
    if t == "AvgPool2d":
        return nn.AvgPool2d(tuple(p["kernel_size"]), stride=tuple(p["stride"]), padding=tuple(p["padding"]),
                            ceil_mode=p["ceil_mode"])
    if t == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(tuple(p["output_size"]))
    if t == "BatchNorm2d":
        return nn.BatchNorm2d(incoming[0], eps=p["eps"], affine=p["affine"])
    if t == "ReLU":
        return nn.ReLU()
    if t == "LeakyReLU":
        return nn.LeakyReLU(p["negative_slope"])
    if t == "Sigmoid":
        return nn.Sigmoid()
    if t == "Tanh":
        return nn.Tanh()
    if t == "Dropout":
        return nn.Dropout(p["p"])
    if t == "Flatten":
        return nn.Flatten()
    if t == "Linear":
        fin = p.get("in_features") or (incoming[0] if len(incoming) == 1 else incoming[-1])
        return nn.Linear(fin, p["out_features"], bias=p["bias"])
    if t == "Softmax":
        return nn.Softmax(dim=1)  # over the channels/classes of a batched input
    raise AssertionError(t)  # pragma: no cover


_RESIDUAL_CLASS: Any = None


def residual_module_class() -> Any:
    """torch.nn.Module class of a Residual block: activation(main(x) + shortcut(x))."""
    global _RESIDUAL_CLASS
    if _RESIDUAL_CLASS is None:
        from torch import nn

        class Residual(nn.Module):
            """activation(main(x) + shortcut(x)); an empty shortcut is the identity."""

            def __init__(self, main: Any, shortcut: Any, activation: Any) -> None:
                super().__init__()
                self.main = main
                self.shortcut = shortcut
                self.activation = activation

            def forward(self, x: Any) -> Any:
                y = self.main(x) + self.shortcut(x)
                return self.activation(y) if self.activation is not None else y

        _RESIDUAL_CLASS = Residual
    return _RESIDUAL_CLASS


def _torch_activation(name: str | None) -> Any:
    from torch import nn

    return None if name is None else {"ReLU": nn.ReLU, "LeakyReLU": nn.LeakyReLU, "Sigmoid": nn.Sigmoid,
                                      "Tanh": nn.Tanh}[name]()


def _torch_modules(layers: list[LayerSpec], rows: list[LayerRow], incoming: Shape) -> list[Any]:
    """The torch modules of a list of layers whose rows are all valid."""
    from torch import nn

    modules = []
    for spec, row in zip(layers, rows):
        if spec.is_block:
            main_rows = [r for r in row.children if r.path == "main"]
            sc_rows = [r for r in row.children if r.path == "shortcut"]
            block = residual_module_class()(
                nn.Sequential(*_torch_modules(spec.main, main_rows, incoming)),
                nn.Sequential(*_torch_modules(spec.shortcut, sc_rows, incoming)),
                _torch_activation(block_params(spec.params)["activation"]))
            modules.append(block)
        else:
            t = canonical_type(spec.type)
            modules.append(_torch_layer(t, normalize_params(t, spec.params), incoming))
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
        policy_refusal = t == "Linear" and len(row.input_shape) == 3
        try:
            with torch.device("meta"):
                module = _torch_layer(t, p, row.input_shape)
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


# --- a machine-readable JSON Schema (for editors; ConvViz itself validates with from_dict) ----
def json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the architecture document, generated from PARAM_SPECS.
    resources/architectures/convviz-architecture.schema.json holds a copy."""
    pos_pair = {"oneOf": [{"type": "integer", "minimum": 1},
                          {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2, "maxItems": 2}]}
    pad_pair = {"oneOf": [{"type": "integer", "minimum": 0},
                          {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2}]}
    kinds = {
        "count": {"type": "integer", "minimum": 1},
        "pair": pos_pair,
        "pad": pad_pair,
        "convpad": {"oneOf": pad_pair["oneOf"] + [{"enum": ["same", "valid"]}]},
        "bool": {"type": "boolean"},
        "float": {"type": "number"},
        "pos_float": {"type": "number", "exclusiveMinimum": 0},
        "prob": {"type": "number", "minimum": 0, "maximum": 1},
    }
    layer_schemas = []
    for t, spec in PARAM_SPECS.items():
        props: dict[str, Any] = {"type": {"const": t}, "name": {"type": "string"}}
        required = ["type"]
        for key, (kind, default) in spec.items():
            props[key] = dict(kinds[kind])
            if default is _REQUIRED:
                required.append(key)
            elif default is not None and default is not _SAME_AS_KERNEL:
                props[key]["default"] = default
        layer_schemas.append({"type": "object", "properties": props, "required": required,
                              "additionalProperties": False})
    block_schema = {
        "type": "object",
        "properties": {
            "type": {"const": "Residual"}, "name": {"type": "string"},
            "main": {"$ref": "#/$defs/layers"}, "shortcut": {"$ref": "#/$defs/layers"},
            "activation": {"oneOf": [{"enum": list(BLOCK_ACTIVATIONS)}, {"type": "null"}], "default": "ReLU"},
        },
        "required": ["type", "main"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {"layers": {"type": "array", "items": {"oneOf": layer_schemas + [block_schema]}}},
        "title": "ConvViz architecture, version 2",
        "description": "An input shape [C, H, W] and a list of layers (and Residual blocks); see "
                       "resources/architectures/README.md. "
                       "Layer types are case-insensitive for ConvViz; this schema lists the canonical spelling.",
        "type": "object",
        "properties": {
            "$schema": {"type": "string", "description": "where an editor finds this schema (ignored)"},
            "schema": {"const": SCHEMA_NAME},
            "version": {"type": "integer", "minimum": 1, "maximum": SCHEMA_VERSION},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "input_shape": {"type": "array", "items": {"type": "integer", "minimum": 1},
                            "minItems": 3, "maxItems": 3},
            "layers": {"$ref": "#/$defs/layers"},
        },
        "required": ["version", "input_shape", "layers"],
        "additionalProperties": False,
    }


# --- presets -------------------------------------------------------------------------------
def _L(type_name: str, **params: Any) -> LayerSpec:
    return LayerSpec(type_name, normalize_params(type_name, params))


_VGG_CFGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}


def _vgg(key: str, batch_norm: bool) -> Architecture:
    """torchvision's VGG: features, AdaptiveAvgPool2d((7, 7)), flatten, classifier."""
    layers: list[LayerSpec] = []
    for v in _VGG_CFGS[key]:
        if v == "M":
            layers.append(_L("MaxPool2d", kernel_size=2, stride=2))
        else:
            layers.append(_L("Conv2d", out_channels=v, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(_L("BatchNorm2d"))
            layers.append(_L("ReLU"))
    layers += [
        _L("AdaptiveAvgPool2d", output_size=[7, 7]),
        _L("Flatten"),
        _L("Linear", out_features=4096), _L("ReLU"), _L("Dropout", p=0.5),
        _L("Linear", out_features=4096), _L("ReLU"), _L("Dropout", p=0.5),
        _L("Linear", out_features=1000),
    ]
    name = key + ("-bn" if batch_norm else "")
    return Architecture((3, 224, 224), layers, name,
                        f"torchvision's {key.upper()}{' with batch norm' if batch_norm else ''}, ImageNet input")


def _alexnet() -> Architecture:
    """torchvision's AlexNet (the one-GPU variant of 'One weird trick')."""
    layers = [
        _L("Conv2d", out_channels=64, kernel_size=11, stride=4, padding=2), _L("ReLU"),
        _L("MaxPool2d", kernel_size=3, stride=2),
        _L("Conv2d", out_channels=192, kernel_size=5, padding=2), _L("ReLU"),
        _L("MaxPool2d", kernel_size=3, stride=2),
        _L("Conv2d", out_channels=384, kernel_size=3, padding=1), _L("ReLU"),
        _L("Conv2d", out_channels=256, kernel_size=3, padding=1), _L("ReLU"),
        _L("Conv2d", out_channels=256, kernel_size=3, padding=1), _L("ReLU"),
        _L("MaxPool2d", kernel_size=3, stride=2),
        _L("AdaptiveAvgPool2d", output_size=[6, 6]),
        _L("Flatten"),
        _L("Dropout", p=0.5), _L("Linear", out_features=4096), _L("ReLU"),
        _L("Dropout", p=0.5), _L("Linear", out_features=4096), _L("ReLU"),
        _L("Linear", out_features=1000),
    ]
    return Architecture((3, 224, 224), layers, "alexnet", "torchvision's AlexNet, ImageNet input")


def _lenet5() -> Architecture:
    """LeCun et al. 1998 on a 32×32 image: C1, S2, C3, S4, C5 (a 5×5 conv to 1×1), F6, output."""
    layers = [
        _L("Conv2d", out_channels=6, kernel_size=5), _L("Tanh"),
        _L("AvgPool2d", kernel_size=2),
        _L("Conv2d", out_channels=16, kernel_size=5), _L("Tanh"),
        _L("AvgPool2d", kernel_size=2),
        _L("Conv2d", out_channels=120, kernel_size=5), _L("Tanh"),
        _L("Flatten"),
        _L("Linear", out_features=84), _L("Tanh"),
        _L("Linear", out_features=10),
    ]
    return Architecture((1, 32, 32), layers, "lenet5", "LeNet-5 (LeCun et al. 1998), 1×32×32 input")


def _mnist_net(name: str, widths: tuple[int, int, int]) -> Architecture:
    """The course's MNIST CNN: three 3×3 conv blocks (conv, BN, ReLU), two 2×2 max pools, FC 10."""
    a, b, c = widths
    layers = [
        _L("Conv2d", out_channels=a, kernel_size=3, padding=1), _L("BatchNorm2d"), _L("ReLU"),
        _L("MaxPool2d", kernel_size=2, stride=2),
        _L("Conv2d", out_channels=b, kernel_size=3, padding=1), _L("BatchNorm2d"), _L("ReLU"),
        _L("MaxPool2d", kernel_size=2, stride=2),
        _L("Conv2d", out_channels=c, kernel_size=3, padding=1), _L("BatchNorm2d"), _L("ReLU"),
        _L("Flatten"),
        _L("Linear", out_features=10),
        _L("Softmax"),
    ]
    return Architecture((1, 28, 28), layers, name,
                        f"course MNIST CNN with {a}, {b} and {c} kernels")


def _resnet(name: str, blocks: tuple[int, int, int, int]) -> Architecture:
    """torchvision's ResNet with BasicBlocks (resnet18: 2, 2, 2, 2; resnet34: 3, 4, 6, 3), named as
    torchvision names its modules (layer2.0.conv1, layer2.0.downsample.0, ...)."""
    def named(spec: LayerSpec, label: str) -> LayerSpec:
        spec.name = label
        return spec

    layers = [
        named(_L("Conv2d", out_channels=64, kernel_size=7, stride=2, padding=3, bias=False), "conv1"),
        named(_L("BatchNorm2d"), "bn1"), named(_L("ReLU"), "relu"),
        named(_L("MaxPool2d", kernel_size=3, stride=2, padding=1), "maxpool"),
    ]
    channels = 64
    for stage, (width, count) in enumerate(zip((64, 128, 256, 512), blocks), start=1):
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            main = [
                named(_L("Conv2d", out_channels=width, kernel_size=3, stride=stride, padding=1, bias=False), "conv1"),
                named(_L("BatchNorm2d"), "bn1"), named(_L("ReLU"), "relu"),
                named(_L("Conv2d", out_channels=width, kernel_size=3, padding=1, bias=False), "conv2"),
                named(_L("BatchNorm2d"), "bn2"),
            ]
            shortcut = []
            if stride != 1 or channels != width:
                shortcut = [
                    named(_L("Conv2d", out_channels=width, kernel_size=1, stride=stride, bias=False), "downsample.0"),
                    named(_L("BatchNorm2d"), "downsample.1"),
                ]
            layers.append(LayerSpec("Residual", {"activation": "ReLU"}, f"layer{stage}.{b}", main, shortcut))
            channels = width
    layers += [named(_L("AdaptiveAvgPool2d", output_size=[1, 1]), "avgpool"), named(_L("Flatten"), "flatten"),
               named(_L("Linear", out_features=1000), "fc")]
    return Architecture((3, 224, 224), layers, name, f"torchvision's {name.replace('resnet', 'ResNet-')}, "
                        f"ImageNet input")


PRESETS: dict[str, Callable[[], Architecture]] = {
    "vgg11": lambda: _vgg("vgg11", False), "vgg11-bn": lambda: _vgg("vgg11", True),
    "vgg13": lambda: _vgg("vgg13", False), "vgg13-bn": lambda: _vgg("vgg13", True),
    "vgg16": lambda: _vgg("vgg16", False), "vgg16-bn": lambda: _vgg("vgg16", True),
    "vgg19": lambda: _vgg("vgg19", False), "vgg19-bn": lambda: _vgg("vgg19", True),
    "lenet5": _lenet5,
    "alexnet": _alexnet,
    "mnist-net1": lambda: _mnist_net("mnist-net1", (8, 16, 32)),
    "mnist-net2": lambda: _mnist_net("mnist-net2", (2, 4, 8)),
    "resnet18": lambda: _resnet("resnet18", (2, 2, 2, 2)),
    "resnet34": lambda: _resnet("resnet34", (3, 4, 6, 3)),
}
"""Preset name -> factory: vgg11, vgg11-bn, ..., vgg19-bn, lenet5, alexnet, mnist-net1, mnist-net2,
resnet18, resnet34."""


def preset_names() -> list[str]:
    return sorted(PRESETS)


def preset(name: str) -> Architecture:
    """A fresh copy of a preset; UserInputError listing the known names when unknown."""
    key = str(name).strip().lower().replace("_", "-")
    if key.endswith("bn") and not key.endswith("-bn") and key[:-2] in PRESETS:
        key = key[:-2] + "-bn"  # "vgg16bn" / "vgg16_bn" as torchvision spells it
    if key not in PRESETS:
        raise UserInputError(f"unknown preset {name!r}; presets: {', '.join(preset_names())}")
    return PRESETS[key]()
