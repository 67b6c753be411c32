"""Backpropagation through the explorer's convolution: ∂L/∂W, ∂L/∂b and ∂L/∂X from ∂L/∂Y.

Shared by the `conv --backward` CLI, the guide's worked example and (later) the explorer's backward
mode. numpy only; the tests hold every number against torch.autograd.

The convention is PyTorch's: the forward pass is a cross-correlation of the padded input Xp with the
applied weights W (the user's kernels, flipped by 180° when `ConvSpec.flip` asks for a true
convolution), Y[o, y, x] = b + Σ_c Σ_(i,j) W[o, c, i, j] · Xp[c, y·S + i·D, x·S + j·D]. Given an
upstream gradient G = ∂L/∂Y (one value per output cell):

* ∂L/∂W[o, c] = Xp[c] cross-correlated with G[o] dilated by the stride (S − 1 zeros between its
  cells), the input sampled every D cells: ∂L/∂W[o, c, i, j] = Σ_(y,x) Xp[c, y·S + i·D, x·S + j·D] · G[o, y, x].
  In the backward pass stride and dilation swap roles.
* ∂L/∂b = Σ G (one bias shared by every kernel, as in the explorer; `grad_bias` gives each kernel's share).
* ∂L/∂Xp[c] = Σ_o the full convolution of the stride-dilated G[o] with W[o, c] (a full
  cross-correlation with W rotated by 180°, dilated by D); then the padding is taken off: zero padding
  is cropped, and a reflect/replicate/circular pad cell, being a copy of an input cell, hands its
  gradient back to the cell it copies (the exact folded-back gradient).

For a true convolution the gradient with respect to the kernel as the user wrote it is ∂L/∂W flipped
back. A 2-D kernel used for every input channel gets the sum over channels, a C×kh×kw kernel
its one kernel's slices: `grad_weight` always has the shape of the kernels as given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from visualizer.core import convolution as cv
from visualizer.core.errors import UserInputError

#: ∂L/∂W at one kernel cell sums one product per output cell (and input channel): beyond this many
#: terms `explain_weight_cell` writes only their number and their sum.
MAX_WRITTEN_TERMS = 1000
#: Values of a random upstream gradient are drawn from [−1, 1] and rounded to this many decimals,
#: so they can be read and typed back.
RANDOM_DECIMALS = 2


@dataclass
class ConvGradients:
    """Every gradient of one convolution for an upstream gradient G."""

    grad_output: np.ndarray  # G, (O, Ho, Wo)
    grad_output_dilated: np.ndarray  # G with S − 1 zeros between cells: (O, (Ho − 1)·Sy + 1, (Wo − 1)·Sx + 1)
    grad_padded_input: np.ndarray  # ∂L/∂Xp, (C, Hp, Wp), before the padding is taken off
    grad_input: np.ndarray  # ∂L/∂X, (C, H, W)
    grad_applied_weight: np.ndarray  # ∂L/∂W of the weights as applied (after the flip), (O, C, kh, kw)
    grad_weight: np.ndarray  # ∂L/∂(kernels as given): the shape of the kernels passed in
    grad_bias: np.ndarray  # (O,): Σ G[o], each kernel's share of the shared bias's gradient

    @property
    def grad_bias_total(self) -> float:
        """∂L/∂b of the one bias every kernel adds: Σ G over all output cells."""
        return math.fsum(float(v) for v in self.grad_bias)


def dilate(g: np.ndarray, stride: tuple[int, int]) -> np.ndarray:
    """(O, Ho, Wo) → (O, (Ho − 1)·Sy + 1, (Wo − 1)·Sx + 1): Sy − 1 rows and Sx − 1 columns of zeros
    between the cells (the stride's gaps made visible)."""
    o, ho, wo = g.shape
    sy, sx = stride
    out = np.zeros((o, (ho - 1) * sy + 1, (wo - 1) * sx + 1), dtype=np.float64)
    out[:, ::sy, ::sx] = g
    return out


def _problem(x, kernels, spec: cv.ConvSpec):
    """(x as C×H×W, kernels as O×C×kh×kw, padded input, output shape); UserInputError as the forward."""
    spec.validate()
    x = cv.as_chw(x)
    k = cv.as_oikk(kernels, x.shape[0])
    report = cv.size_report(x.shape[1:], k.shape[2:], spec)
    if report.error:
        raise UserInputError(report.error)
    return x, k, cv.pad_input(x, spec, k.shape[2:]), (k.shape[0],) + report.out_shape


def output_shape(x, kernels, spec: cv.ConvSpec) -> tuple[int, int, int]:
    """(O, Ho, Wo): the shape an upstream gradient must have."""
    return _problem(x, kernels, spec)[3]


def check_grad_output(g, shape: tuple[int, int, int]) -> np.ndarray:
    """G as (O, Ho, Wo) float64; a 2-D G is accepted for one kernel. UserInputError naming both
    shapes when it does not fit, or when a value is not a finite number."""
    a = np.asarray(g, dtype=np.float64)
    if a.ndim == 2 and shape[0] == 1:
        a = a[None]

    def text(s) -> str:
        s = tuple(s)
        return "×".join(map(str, s[1:] if len(s) == 3 and s[0] == 1 else s))

    if tuple(a.shape) != tuple(shape):
        raise UserInputError(f"the upstream gradient ∂L/∂Y is {text(a.shape)} but the output is {text(shape)}")
    if not np.all(np.isfinite(a)):
        raise UserInputError("the upstream gradient ∂L/∂Y contains a value that is not a finite number")
    return a


def backward(x, kernels, spec: cv.ConvSpec, grad_output) -> ConvGradients:
    """All gradients of the convolution of `x` with `kernels` under `spec` for G = `grad_output`."""
    x, k, padded, out_shape = _problem(x, kernels, spec)
    g = check_grad_output(grad_output, out_shape)
    weight = np.ascontiguousarray(cv.effective_kernels(k, spec))
    o, c, kh, kw = weight.shape
    (sy, sx), (dy, dx) = spec.stride, spec.dilation
    gd = dilate(g, spec.stride)

    # ∂L/∂W: the padded input cross-correlated with G (its cells S apart), sampled every D: weight
    # (i, j) gets Σ G · the input cells it met, the window starting at (i·D, j·D).
    ho, wo = g.shape[1:]
    gw = np.empty_like(weight)
    for i in range(kh):
        for j in range(kw):
            cells = padded[:, i * dy:i * dy + (ho - 1) * sy + 1:sy, j * dx:j * dx + (wo - 1) * sx + 1:sx]
            gw[:, :, i, j] = np.tensordot(g, cells, axes=([1, 2], [1, 2]))

    # ∂L/∂Xp: full convolution of the dilated G with W = correlation of the zero-bordered dilated G
    # with W rotated by 180°, its taps D apart.
    ey, ex = dy * (kh - 1), dx * (kw - 1)
    border = np.pad(gd, ((0, 0), (ey, ey), (ex, ex)))
    rotated = np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, O, kh, kw)
    full = cv.correlate_taps(border, rotated, (1, 1), (dy, dx), (gd.shape[1] + ey, gd.shape[2] + ex))
    gp = np.zeros(padded.shape, dtype=np.float64)
    gp[:, :full.shape[1], :full.shape[2]] = full  # rows/cols the stride leaves unused get 0
    gx = fold_padding(gp, x.shape[1:], spec, (kh, kw))
    applied = gw[:, :, ::-1, ::-1] if spec.flip else gw
    return ConvGradients(g, gd, gp, gx, gw, _as_given(applied, np.asarray(kernels).ndim), g.sum(axis=(1, 2)))


def _as_given(grad: np.ndarray, ndim: int) -> np.ndarray:
    """∂L/∂(O, C, kh, kw) kernels → the gradient of the kernels as the caller gave them."""
    if ndim == 2:  # one slice shared by every channel (and one kernel)
        return grad.sum(axis=(0, 1))
    if ndim == 3:
        return grad[0].copy()
    return np.ascontiguousarray(grad)


def _sources(input_hw, spec: cv.ConvSpec, kernel_hw) -> tuple[np.ndarray, np.ndarray]:
    top, bottom, left, right = spec.pads(tuple(kernel_hw), tuple(input_hw))
    return (cv.source_index(input_hw[0], top, bottom, spec.padding_mode),
            cv.source_index(input_hw[1], left, right, spec.padding_mode))


def fold_padding(grad_padded: np.ndarray, input_hw, spec: cv.ConvSpec, kernel_hw) -> np.ndarray:
    """∂L/∂Xp (C, Hp, Wp) → ∂L/∂X (C, H, W): every padded cell's gradient goes to the input cell it
    copies; zero padding copies none, so it is simply cropped."""
    if spec.padding_mode == "zeros":
        top, _, left, _ = spec.pads(tuple(kernel_hw), tuple(input_hw))
        return grad_padded[:, top:top + input_hw[0], left:left + input_hw[1]].copy()
    src_y, src_x = _sources(input_hw, spec, kernel_hw)
    c = grad_padded.shape[0]
    rows = np.zeros((c, input_hw[0], grad_padded.shape[2]), dtype=np.float64)
    keep = src_y >= 0
    np.add.at(rows, (slice(None), src_y[keep]), grad_padded[:, keep])
    out = np.zeros((c, input_hw[0], input_hw[1]), dtype=np.float64)
    keep = src_x >= 0
    np.add.at(out, (slice(None), slice(None), src_x[keep]), rows[:, :, keep])
    return out


# ---------------------------------------------------------------------------------------------
# Upstream gradients

def grad_ones(shape: tuple[int, int, int]) -> np.ndarray:
    """G = 1 everywhere: L = Σ Y, the gradient of the plain sum of the outputs."""
    return np.ones(shape, dtype=np.float64)


def grad_random(shape: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    """G drawn uniformly from [−1, 1] under `seed`, rounded to RANDOM_DECIMALS decimals."""
    return np.round(np.random.default_rng(seed).uniform(-1.0, 1.0, shape), RANDOM_DECIMALS)


def grad_from_target(output: np.ndarray, target) -> tuple[np.ndarray, float]:
    """For L = ½‖Y − T‖² = ½ Σ (Y − T)²: (G = Y − T, L). UserInputError when T does not fit Y."""
    y = np.asarray(output, dtype=np.float64)
    t = check_grad_output(target, y.shape) if y.ndim == 3 else np.asarray(target, dtype=np.float64)
    if t.shape != y.shape:
        raise UserInputError(f"the target T is {'×'.join(map(str, t.shape))} but the output is "
                             f"{'×'.join(map(str, y.shape))}")
    diff = y - t
    return diff, 0.5 * math.fsum(float(v) ** 2 for v in diff.ravel())


def check_learning_rate(lr) -> float:
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise UserInputError(f"the learning rate must be a number, got {lr!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise UserInputError(f"the learning rate α must be a positive number, got {lr!r}")
    return value


def apply_step(kernels, bias: float, grads: ConvGradients, lr: float) -> tuple[np.ndarray, float]:
    """One gradient-descent step: W := W − α·∂L/∂W, b := b − α·∂L/∂b (kernels in their given shape)."""
    alpha = check_learning_rate(lr)
    k = np.asarray(kernels, dtype=np.float64)
    if k.shape != grads.grad_weight.shape:
        raise UserInputError(f"the kernels are {k.shape} but the gradient is {grads.grad_weight.shape}")
    return k - alpha * grads.grad_weight, float(bias) - alpha * grads.grad_bias_total


# ---------------------------------------------------------------------------------------------
# One cell's arithmetic, for stepping and for --explain

@dataclass
class WeightTerm:
    channel: int  # input channel (0-based)
    out_yx: tuple[int, int]  # the output cell whose gradient is used
    padded_yx: tuple[int, int]  # the padded-input cell the weight met there
    source_yx: tuple[int, int] | None  # the input cell it copies, None for a zero-padding cell
    value: float  # input value there
    grad: float  # G at out_yx
    product: float


@dataclass
class WeightCellExplanation:
    """∂L/∂W at one kernel cell (as the user wrote the kernel) = Σ input value × gradient."""
    kernel: int
    channel: int | None  # None: a 2-D kernel shared by every channel (the sum runs over them all)
    cell: tuple[int, int]
    terms: list[WeightTerm]
    total: float
    text: str


@dataclass
class InputTerm:
    out_channel: int  # the kernel whose output the input cell fed
    out_yx: tuple[int, int]
    kernel_yx: tuple[int, int]  # the kernel cell (as written) that met the input cell
    padded_yx: tuple[int, int]  # the padded cell it met it at (a copy, for reflect/replicate/circular)
    weight: float
    grad: float
    product: float


@dataclass
class InputCellExplanation:
    """∂L/∂X at one input cell = Σ over the outputs it fed of weight × gradient."""
    channel: int
    cell: tuple[int, int]
    terms: list[InputTerm]
    total: float
    text: str


def _sum_text(pairs: list[tuple[float, float]], total: float) -> str:
    if not pairs:
        return f"no output uses it, so 0 = {cv.format_number(total)}"
    return " + ".join(f"{cv.paren(a)}×{cv.paren(b)}" for a, b in pairs) + f" = {cv.format_number(total)}"


def explain_weight_cell(x, kernels, spec: cv.ConvSpec, grad_output, kernel: int, channel: int | None,
                        row: int, col: int, max_terms: int | None = MAX_WRITTEN_TERMS) -> WeightCellExplanation:
    """The terms of ∂L/∂W at cell (row, col) of the kernel as written (0-based) of kernel `kernel`,
    input channel `channel` (None: summed over every channel, for a shared 2-D kernel). Beyond
    `max_terms` terms (None: no limit) the terms list is empty and the text gives their number and sum."""
    x, k, padded, out_shape = _problem(x, kernels, spec)
    g = check_grad_output(grad_output, out_shape)
    o, c, kh, kw = k.shape
    if not (0 <= kernel < o and 0 <= row < kh and 0 <= col < kw and (channel is None or 0 <= channel < c)):
        raise UserInputError(f"kernel cell ({row + 1}, {col + 1}) is outside the {kh}×{kw} kernel "
                             f"(rows and columns count from 1)")
    i, j = (kh - 1 - row, kw - 1 - col) if spec.flip else (row, col)  # the applied tap
    src_y, src_x = _sources(x.shape[1:], spec, (kh, kw))
    (sy, sx), (dy, dx) = spec.stride, spec.dilation
    channels = list(range(c)) if channel is None else [channel]
    n_terms = len(channels) * out_shape[1] * out_shape[2]
    if max_terms is not None and n_terms > max_terms:
        cells = padded[channels, i * dy:i * dy + (out_shape[1] - 1) * sy + 1:sy,
                       j * dx:j * dx + (out_shape[2] - 1) * sx + 1:sx]
        total = math.fsum((cells * g[kernel][None]).ravel())
        return WeightCellExplanation(kernel, channel, (row, col), [], total,
                                     f"the sum of {n_terms:,} products, too many to write out, = "
                                     f"{cv.format_number(total)}")
    terms = []
    for ch in channels:
        for oy in range(out_shape[1]):
            for ox in range(out_shape[2]):
                py, px = oy * sy + i * dy, ox * sx + j * dx
                source = None if src_y[py] < 0 or src_x[px] < 0 else (int(src_y[py]), int(src_x[px]))
                v, gv = float(padded[ch, py, px]), float(g[kernel, oy, ox])
                terms.append(WeightTerm(ch, (oy, ox), (py, px), source, v, gv, v * gv))
    total = math.fsum(t.product for t in terms)
    return WeightCellExplanation(kernel, channel, (row, col), terms, total,
                                 _sum_text([(t.value, t.grad) for t in terms], total))


def explain_input_cell(x, kernels, spec: cv.ConvSpec, grad_output, channel: int, row: int,
                       col: int) -> InputCellExplanation:
    """The terms of ∂L/∂X at input cell (row, col) (0-based) of `channel`: one per (kernel, output
    cell, kernel cell) that read it, directly or through a padding copy of it."""
    x, k, padded, out_shape = _problem(x, kernels, spec)
    g = check_grad_output(grad_output, out_shape)
    o, c, kh, kw = k.shape
    h, w = x.shape[1:]
    if not (0 <= channel < c and 0 <= row < h and 0 <= col < w):
        raise UserInputError(f"input cell ({row + 1}, {col + 1}) is outside the {h}×{w} input "
                             f"(rows and columns count from 1)")
    src_y, src_x = _sources((h, w), spec, (kh, kw))
    (sy, sx), (dy, dx) = spec.stride, spec.dilation
    terms = []
    for py in np.flatnonzero(src_y == row):
        for px in np.flatnonzero(src_x == col):
            for oy, ox in cv.outputs_fed_by(int(py), int(px), (h, w), (kh, kw), spec):
                i, j = (int(py) - oy * sy) // dy, (int(px) - ox * sx) // dx
                ky, kx = (kh - 1 - i, kw - 1 - j) if spec.flip else (i, j)
                for kernel in range(o):
                    wv, gv = float(k[kernel, channel, ky, kx]), float(g[kernel, oy, ox])
                    terms.append(InputTerm(kernel, (oy, ox), (ky, kx), (int(py), int(px)), wv, gv, wv * gv))
    total = math.fsum(t.product for t in terms)
    return InputCellExplanation(channel, (row, col), terms, total,
                                _sum_text([(t.weight, t.grad) for t in terms], total))


__all__ = [
    "MAX_WRITTEN_TERMS", "ConvGradients", "WeightTerm", "WeightCellExplanation", "InputTerm", "InputCellExplanation", "backward",
    "dilate", "fold_padding", "output_shape", "check_grad_output", "grad_ones", "grad_random",
    "grad_from_target", "check_learning_rate", "apply_step", "explain_weight_cell", "explain_input_cell",
]
