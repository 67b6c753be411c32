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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from visualizer.core.errors import UserInputError

SCHEMA_VERSION = 1

LAYER_TYPES: tuple[str, ...] = (
    "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm2d", "ReLU", "LeakyReLU",
    "Sigmoid", "Tanh", "Dropout", "Flatten", "Linear", "Softmax",
)

Shape = tuple[int, ...]


@dataclass
class LayerSpec:
    """One layer as the user wrote it."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # optional label; LayerRow.name falls back to e.g. "conv3"


@dataclass
class Architecture:
    input_shape: tuple[int, int, int]  # (C, H, W)
    layers: list[LayerSpec] = field(default_factory=list)
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON document: {"schema": "convviz.architecture", "version": 1,
        "name": ..., "input_shape": [C, H, W], "layers": [{"type": ..., "name": ..., **params}]}"""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, doc: Any) -> "Architecture":
        """Validate a JSON document; a bad one raises UserInputError naming the field and the
        problem, e.g. "layers[3].kernel_size: must be a positive integer or [h, w], got -1"."""
        raise NotImplementedError

    def to_json(self) -> str:
        raise NotImplementedError

    @classmethod
    def from_json(cls, text: str) -> "Architecture":
        raise NotImplementedError

    @classmethod
    def load(cls, path: str | Path) -> "Architecture":
        raise NotImplementedError


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

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ShapeTable:
    architecture: Architecture
    rows: list[LayerRow]
    total_params: int
    total_trainable_params: int
    total_macs: int
    total_activation_bytes: int

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def output_shape(self) -> Shape | None:
        return self.rows[-1].output_shape if self.rows else tuple(self.architecture.input_shape)


def compute_table(arch: Architecture) -> ShapeTable:
    """Shapes, parameters, MACs, memory and receptive field of every layer. Never raises for a
    bad layer: the row carries `error` and later rows continue from what can be known."""
    raise NotImplementedError


def build_torch_module(arch: Architecture) -> "Any":
    """A torch.nn.Sequential with the same layers (raises UserInputError if a layer is invalid)."""
    raise NotImplementedError


def torch_check(arch: Architecture) -> list[str]:
    """Differences between compute_table and a real torch module run on the meta device;
    an empty list means they agree on every shape and parameter count."""
    raise NotImplementedError


PRESETS: dict[str, Callable[[], Architecture]] = {}
"""Preset name -> factory: vgg11, vgg11-bn, ..., vgg19-bn, lenet5, alexnet, mnist-net1, mnist-net2."""


def preset_names() -> list[str]:
    return sorted(PRESETS)


def preset(name: str) -> Architecture:
    """A fresh copy of a preset; UserInputError listing the known names when unknown."""
    raise NotImplementedError
