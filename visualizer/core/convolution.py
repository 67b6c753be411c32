"""2-D convolution as taught: output of every cell, the arithmetic of one cell, the size formula.

CONTRACT (shared by the convolution explorer tab, the `conv` CLI and the benchmarks).

Arrays: an input is (H, W) or (C, H, W); kernels are (kh, kw), (C, kh, kw) or (O, C, kh, kw)
(O stacked output kernels, each with one slice per input channel). Outputs are always
(O, Ho, Wo) float64. Coordinates (y, x) are row, column; "padded" coordinates index the padded
input, whose top-left original cell sits at (pad_top, pad_left).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from visualizer.core.errors import UserInputError  # noqa: F401

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


@dataclass(frozen=True)
class ConvSpec:
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] | str = (0, 0)  # (py, px) on both sides, or "same" / "valid"
    dilation: tuple[int, int] = (1, 1)
    padding_mode: str = "zeros"
    flip: bool = False  # True: true convolution (kernel flipped); False: cross-correlation
    bias: float = 0.0

    def validate(self) -> None:
        """UserInputError for stride/dilation < 1, negative padding, unknown mode."""
        raise NotImplementedError

    def pads(self, kernel_hw: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, bottom, left, right); "same" may be one larger at the bottom/right, as torch does."""
        raise NotImplementedError


@dataclass
class AxisSize:
    n: int  # input size on this axis
    k: int  # kernel size
    s: int
    p_before: int
    p_after: int
    d: int
    out: int  # ⌊(N + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1 (may be <= 0)
    unused: int  # rows/cols of the padded input the stride leaves unused at the end
    formula: str  # with the user's numbers, e.g. "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 3"


@dataclass
class SizeReport:
    rows: AxisSize
    cols: AxisSize
    out_shape: tuple[int, int]
    error: str | None  # plain sentence when the output would be empty
    warnings: list[str] = field(default_factory=list)  # e.g. unused rows/cols


def size_report(input_hw: tuple[int, int], kernel_hw: tuple[int, int], spec: ConvSpec) -> SizeReport:
    raise NotImplementedError


def pad_input(x: np.ndarray, spec: ConvSpec, kernel_hw: tuple[int, int]) -> np.ndarray:
    """The padded input, (C, Hp, Wp) float64, filled as `spec.padding_mode` says."""
    raise NotImplementedError


def convolve(x: np.ndarray, kernels: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The whole output (O, Ho, Wo). UserInputError when the output would be empty or the kernel
    channels do not match the input channels."""
    raise NotImplementedError


@dataclass
class CellTerm:
    channel: int
    padded_yx: tuple[int, int]  # where the weight lands on the padded input
    source_yx: tuple[int, int] | None  # the original input cell, None for a zero-padding cell
    value: float  # input value there (padding value included)
    weight: float  # kernel weight applied (after the flip, for true convolution)
    product: float


@dataclass
class CellExplanation:
    out_channel: int
    out_yx: tuple[int, int]
    terms: list[CellTerm]
    bias: float
    total: float
    text: str  # e.g. "0.1×0 + 0.2×0 + … + 0.05×2 = 1.3" (every term written out)


def explain_cell(x: np.ndarray, kernels: np.ndarray, spec: ConvSpec, out_channel: int,
                 out_y: int, out_x: int) -> CellExplanation:
    raise NotImplementedError


def window(out_y: int, out_x: int, kernel_hw: tuple[int, int], spec: ConvSpec) -> list[tuple[int, int]]:
    """Padded-input cells that output cell (out_y, out_x) reads, in kernel order."""
    raise NotImplementedError


def outputs_fed_by(padded_y: int, padded_x: int, input_hw: tuple[int, int], kernel_hw: tuple[int, int],
                   spec: ConvSpec) -> list[tuple[int, int]]:
    """Output cells whose window covers padded-input cell (padded_y, padded_x)."""
    raise NotImplementedError


def parse_pair(text: str, name: str, minimum: int = 1) -> tuple[int, int]:
    """"2" -> (2, 2); "2,3" -> (2, 3); UserInputError naming `name` otherwise."""
    raise NotImplementedError


def parse_padding(text: str) -> tuple[int, int] | str:
    """"1", "1,2", "same" or "valid"."""
    raise NotImplementedError


def parse_matrix(text: str, name: str) -> np.ndarray:
    """CSV / whitespace rows of numbers -> 2-D float64; UserInputError naming row and column of a
    cell that is not a number, or ragged rows."""
    raise NotImplementedError


# Presets: name -> 2-D float64 array. Kernel presets include identity, box-blur, gaussian,
# sharpen, sobel-x, sobel-y, laplacian, emboss, course-normalized; "random" is made on demand by
# kernel_preset("random", seed=...). Input presets include course-example.
KERNEL_PRESETS: dict[str, np.ndarray] = {}
INPUT_PRESETS: dict[str, np.ndarray] = {}


def kernel_preset(name: str, size: int = 3, seed: int | None = None) -> np.ndarray:
    raise NotImplementedError
