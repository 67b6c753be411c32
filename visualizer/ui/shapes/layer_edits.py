"""The Shapes tool's editing rules as plain functions on architectures and layer lists (no Qt):
what a typed cell does to a layer, what a new layer or block starts with, where moved rows go.
`ShapesModel` applies these as undo steps and announces the change (as `ConvModel` applies
`ui/conv/kernel_edits.py`). What a layer type has is asked of the registry (`core.shape_text`),
never decided by its name here.
"""

from __future__ import annotations

import copy
import dataclasses
import json

from visualizer.core import shape_text as fmt
from visualizer.core.architecture import LAYER_TYPES, RESIDUAL, Architecture, LayerSpec, ShapeTable, is_block_type
from visualizer.core.errors import UserInputError

#: The settings a layer row has, in the words of the table's columns (see `edited_spec`).
FIELDS = ("name", "type", "out", "kernel", "stride", "padding", "dilation", "other")

#: Where the table and the editing are: () the network's own layers; ((3, "main"),) the main
#: path of the block in row 3; deeper for blocks inside blocks.
Focus = tuple[tuple[int, str], ...]


def _clone_layers(layers: list[LayerSpec]) -> list[LayerSpec]:
    return [LayerSpec(layer.type, {k: (list(v) if isinstance(v, (list, tuple)) else v)
                                   for k, v in layer.params.items()}, layer.name,
                      _clone_layers(layer.main), _clone_layers(layer.shortcut))
            for layer in layers]


def clone(arch: Architecture) -> Architecture:
    """A copy that shares nothing mutable (settings hold only numbers, text and [y, x] lists;
    much faster than deepcopy, which mattered for undo snapshots of VGG-sized nets)."""
    return dataclasses.replace(arch, input_shape=tuple(arch.input_shape), layers=_clone_layers(arch.layers))


def layers_at(arch: Architecture, focus: Focus) -> list[LayerSpec] | None:
    """The list of layers `focus` points into (the same list object, to edit in place), or None
    when the focus does not fit this architecture."""
    layers = arch.layers
    for index, path in focus:
        if not 0 <= index < len(layers) or not layers[index].is_block or path not in ("main", "shortcut"):
            return None
        layers = layers[index].main if path == "main" else layers[index].shortcut
    return layers


def rows_at(table: ShapeTable, focus: Focus) -> list:
    """The table rows of the layers `focus` points into ([] when it does not fit)."""
    rows = table.rows
    for index, path in focus:
        if not 0 <= index < len(rows) or not rows[index].is_block:
            return []
        rows = [c for c in rows[index].children if c.path == path]
    return rows


def focus_text(table: ShapeTable, focus: Focus) -> str:
    """"layer2.0 › main path" (empty at the top)."""
    parts, rows = [], table.rows
    for index, path in focus:
        if not 0 <= index < len(rows):
            break
        parts.append(f"{rows[index].name} › {path} path")
        rows = [c for c in rows[index].children if c.path == path]
    return " › ".join(parts)


def focus_input(table: ShapeTable, focus: Focus):
    """What arrives at the start of the focused path (the network's input at the top)."""
    rows = table.rows
    shape = tuple(int(v) for v in table.architecture.input_shape)
    for index, path in focus:
        if not 0 <= index < len(rows):
            break
        shape = rows[index].input_shape
        rows = [c for c in rows[index].children if c.path == path]
    return shape


def normalized(arch: Architecture) -> Architecture:
    """The architecture as it would be read back from its own JSON (so saves always reload);
    UserInputError, naming the field, when a value is not acceptable."""
    return Architecture.from_dict(json.loads(json.dumps(arch.to_dict())))


def field_applies(layer_type: str, field: str) -> bool:
    """Whether a layer of this type has the setting `field` (one of FIELDS). A block has only
    its name here (its layers are edited inside it)."""
    if is_block_type(layer_type):
        return field == "name"
    if field in ("name", "type"):
        return True
    return fmt.has_column(layer_type, field)


def _channels(shape) -> int | None:
    return shape[0] if shape is not None and len(shape) == 3 else None


def edited_spec(spec: LayerSpec, field: str, text: str, incoming=None) -> tuple[LayerSpec, str]:
    """A copy of `spec` with `field` set from what the user typed, and the undo text ("Set
    stride"); `incoming` is the shape arriving at the layer (a new type keeps its channels).
    UserInputError when the text is not acceptable."""
    spec = copy.deepcopy(spec)
    p = spec.params
    if field == "name":
        spec.name = text.strip()
        return spec, "Rename"
    if field == "type":
        new_type = text.strip()
        if new_type not in LAYER_TYPES:
            raise UserInputError(f"unknown layer type {new_type!r}; one of {', '.join(LAYER_TYPES)}")
        spec.params = fmt.convert_params(spec.type, p, new_type, _channels(incoming))
        spec.type = new_type
        return spec, f"Make {new_type}"
    if field == "out":
        key = fmt.HAS_OUT[spec.type]
        if fmt.out_is_pair(spec.type):
            p[key] = list(fmt.parse_pair(text, "output size"))
        else:
            p[key] = fmt.parse_positive_int(text, key.replace("_", " "))
        return spec, "Set " + key.replace("_", " ")
    if field == "kernel":
        old_kernel = fmt.as_pair(p.get("kernel_size"))
        p["kernel_size"] = list(fmt.parse_pair(text, "kernel size"))
        if fmt.stride_follows_kernel(spec.type) and (
                p.get("stride") is None or fmt.as_pair(p.get("stride")) == old_kernel):
            # a pool whose stride was its size keeps stepping by its size
            p["stride"] = list(p["kernel_size"])
        return spec, "Set kernel size"
    if field in ("stride", "dilation"):
        p[field] = list(fmt.parse_pair(text, field))
        return spec, f"Set {field}"
    if field == "padding":
        pad = fmt.parse_pair(text, "padding", minimum=0, words=fmt.padding_words(spec.type))
        p["padding"] = pad if isinstance(pad, str) else list(pad)
        return spec, "Set padding"
    if field == "other":
        changed = fmt.parse_other(spec.type, text)
        p.update(changed)
        return spec, "Set " + (", ".join(changed) or "settings")
    raise UserInputError("this cell cannot be edited")


def new_layer(layer_type: str, incoming) -> LayerSpec:
    """A fresh layer of `layer_type` sized to the shape `incoming` that arrives where it goes."""
    channels = _channels(incoming)
    if channels is not None and channels < 8:
        channels = 8  # after an image (1 or 3 channels) a conv usually widens
    return LayerSpec(layer_type, fmt.default_params(layer_type, channels))


def new_block(incoming) -> LayerSpec:
    """A Residual block for where `incoming` arrives: conv 3×3, BN, ReLU, conv 3×3, BN with an
    identity shortcut, keeping the channels that arrive there (torchvision's BasicBlock)."""
    c = incoming[0] if incoming is not None and len(incoming) == 3 else 8
    conv = {"out_channels": c, "kernel_size": [3, 3], "padding": [1, 1], "bias": False}
    main = [LayerSpec("Conv2d", fmt.default_params("Conv2d", None) | conv), LayerSpec("BatchNorm2d", {}),
            LayerSpec("ReLU", {}), LayerSpec("Conv2d", fmt.default_params("Conv2d", None) | conv),
            LayerSpec("BatchNorm2d", {})]
    return LayerSpec(RESIDUAL.name, {"activation": "ReLU"}, "", main, [])


def moved(layers: list[LayerSpec], rows: list[int], destination: int) -> tuple[list[LayerSpec], int]:
    """`layers` with `rows` (sorted, valid) moved before what is now row `destination`, and
    where the first moved row lands."""
    moving = [layers[r] for r in rows]
    staying = [layer for i, layer in enumerate(layers) if i not in rows]
    at = destination - sum(1 for r in rows if r < destination)
    return staying[:at] + moving + staying[at:], at
