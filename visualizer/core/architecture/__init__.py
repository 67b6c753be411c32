"""Architectures and their layer-by-layer shape table (the shape calculator's core).

The package: `layers` (the layer-type registry: one object per type holding its whole story),
`schema` (the document, its validation and JSON), `table` (the computed table), `torch_bridge`
(the torch module and the check against it) and `presets`. Everything public is exported here.

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
  dilation 2 spans 5×5 but reads 9 of them). Flatten keeps the field of each value (and knows
  their union, `layers.FlatField`); a Linear layer's field is the union of its input values'
  fields (an H×W map's r + (H−1)·j per axis; jump undefined → None), which covers the whole
  input and may be larger than it where it counts padding (the text says so: `rf_text`).
  AdaptiveAvgPool2d with a non-integer ratio uses its widest window and rounds the jump up.
  A Residual block's field is the larger of its two paths' (the longest path decides it).
* a Residual block's row sums its own rows; its memory adds the sum's output and the
  activation's.
"""

from visualizer.core.architecture.base import NO_BIAS, LayerType, PartialShape, Shape, shape_text
from visualizer.core.architecture.layers import (BLOCK_ACTIVATIONS, REGISTRY, RESIDUAL, layer_type,
                                                 residual_module_class)
from visualizer.core.architecture.presets import PRESETS, preset, preset_names
from visualizer.core.architecture.schema import (BLOCK_TYPES, LAYER_TYPES, MAX_BLOCK_DEPTH, PARAM_SPECS,
                                                 SCHEMA_NAME, SCHEMA_VERSION, Architecture, LayerSpec,
                                                 block_params, canonical_type, default_params, is_block_type,
                                                 json_schema, normalize_params)
from visualizer.core.architecture.table import (MAC_CONVENTION, LayerRow, ShapeTable, compute_table,
                                                describe_settings, flatten_rows)
from visualizer.core.architecture.torch_bridge import build_torch_module, torch_check

__all__ = [
    "BLOCK_ACTIVATIONS", "BLOCK_TYPES", "LAYER_TYPES", "MAC_CONVENTION", "MAX_BLOCK_DEPTH", "NO_BIAS", "PARAM_SPECS",
    "PRESETS", "REGISTRY", "RESIDUAL", "SCHEMA_NAME", "SCHEMA_VERSION", "Architecture", "LayerRow", "LayerSpec",
    "LayerType", "PartialShape", "Shape", "ShapeTable", "block_params", "build_torch_module", "canonical_type",
    "compute_table", "default_params", "describe_settings", "flatten_rows", "is_block_type", "json_schema",
    "layer_type", "normalize_params", "preset", "preset_names", "residual_module_class", "shape_text",
    "torch_check",
]
