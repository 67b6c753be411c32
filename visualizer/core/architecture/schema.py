"""The architecture document: its settings schema, validation, JSON reading and writing.

The format is described in the package's docstring (`visualizer.core.architecture`) and in
resources/architectures/README.md; each layer type's settings come from the registry
(`layers.py`).
"""

from __future__ import annotations

import copy
import difflib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visualizer.core.architecture.layers import (BLOCK_ACTIVATIONS, REGISTRY, REQUIRED, RESIDUAL,
                                                 SAME_AS_KERNEL)
from visualizer.core.errors import UserInputError

SCHEMA_VERSION = 2
SCHEMA_NAME = "convviz.architecture"

LAYER_TYPES: tuple[str, ...] = tuple(REGISTRY)
"""The plain layer types, as torch.nn spells them."""

#: Blocks that hold layers of their own (schema version 2).
BLOCK_TYPES: tuple[str, ...] = (RESIDUAL.name,)
#: Deepest nesting of blocks inside blocks accepted.
MAX_BLOCK_DEPTH = 4


def is_block_type(type_name: Any) -> bool:
    return isinstance(type_name, str) and type_name.strip().lower() in {t.lower() for t in BLOCK_TYPES}


PARAM_SPECS: dict[str, dict[str, tuple[str, Any]]] = {t.name: t.schema for t in REGISTRY.values()}
"""Layer type -> {setting: (kind, default)} (each type's schema in the registry); kinds: "count"
positive int, "pair" positive [h, w], "pad" non-negative [h, w], "convpad" (non-negative [h, w]
or "same"/"valid"), "bool", "float", "prob" (0..1), "pos_float" (> 0)."""

def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_input_shape(shape: Any) -> tuple[int, int, int]:
    """A network's input shape as (C, H, W): three positive integers; UserInputError otherwise."""
    if (not isinstance(shape, (list, tuple)) or len(shape) != 3
            or not all(_is_int(v) and v >= 1 for v in shape)):
        raise UserInputError(f"input_shape: must be three positive integers [C, H, W], got {_show(shape)}")
    c, h, w = (int(v) for v in shape)
    return c, h, w


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
    return normalize_params(t, REGISTRY[t].starter)

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
        elif default is REQUIRED:
            raise UserInputError(f"{prefix}{key}: {t} needs this setting")
        elif default is SAME_AS_KERNEL:
            out[key] = list(out["kernel_size"])
        elif default is None:
            continue  # optional with no default (Linear.in_features)
        else:
            out[key] = copy.deepcopy(default)
    REGISTRY[t].validate(out, prefix)
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
    """A network as the user wrote it: the input shape (C, H, W) and its layers (LayerSpec, a
    Residual block holding its own), with a name and a description. `from_dict` / `load` validate
    a JSON document and fill in every default; `to_dict` / `save` write it back (version 1 when
    it holds no block). The computed table is `compute_table(arch)`; the torch module
    `build_torch_module(arch)`."""

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
        shape = check_input_shape(doc["input_shape"])
        if "layers" not in doc:
            raise UserInputError("layers: missing; give a list of layers")
        raw_layers = doc["layers"]
        if not isinstance(raw_layers, list):
            raise UserInputError(f"layers: must be a list, got {_show(raw_layers)[:40]}")
        layers = _read_layers(raw_layers, "layers", version, 0)
        return cls(shape, layers, name, description)

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
        entry: dict[str, Any] = {"type": RESIDUAL.name}
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
            if default is REQUIRED:
                required.append(key)
            elif default is not None and default is not SAME_AS_KERNEL:
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


