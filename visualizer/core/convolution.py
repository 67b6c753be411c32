"""2-D convolution as taught: output of every cell, the arithmetic of one cell, the size formula.

Shared by the convolution explorer tab, the `conv` CLI and the benchmarks.

Arrays: an input is (H, W) or (C, H, W); kernels are (kh, kw), (C, kh, kw) or (O, C, kh, kw)
(O stacked output kernels, each with one slice per input channel; a 2-D kernel on a C-channel
input is used as the same slice for every channel). Outputs are always (O, Ho, Wo) float64.
Coordinates (y, x) are row, column; "padded" coordinates index the padded input, whose top-left
original cell sits at (pad_top, pad_left).

"same" padding at stride 1 is PyTorch's (the output keeps N cells; total padding D·(K − 1), any odd
leftover at the bottom/right). PyTorch refuses 'same' with a stride above 1; there the explorer and
the CLI apply TensorFlow/Keras's rule (⌈N / S⌉ cells) and say so (SAME_STRIDE_NOTE).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.number_text import significant
from visualizer.core.output_size import effective_kernel, output_size, output_size_text, same_padding
from visualizer.resources import resource_path

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_NUMPY_PAD_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}

MAX_KERNEL = 11


def _pair(value, name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    try:
        y, x = value
        return int(y), int(x)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} must be an integer or a pair of integers, got {value!r}") from None


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
        sy, sx = _pair(self.stride, "stride")
        if sy < 1 or sx < 1:
            raise UserInputError(f"stride must be at least 1, got {sy},{sx}")
        dy, dx = _pair(self.dilation, "dilation")
        if dy < 1 or dx < 1:
            raise UserInputError(f"dilation must be at least 1, got {dy},{dx}")
        if isinstance(self.padding, str):
            if self.padding not in ("same", "valid"):
                raise UserInputError(f"padding must be a number, 'same' or 'valid', got {self.padding!r}")
        else:
            py, px = _pair(self.padding, "padding")
            if py < 0 or px < 0:
                raise UserInputError(f"padding cannot be negative, got {py},{px}")
        if self.padding_mode not in PADDING_MODES:
            raise UserInputError(
                f"padding mode must be one of {', '.join(PADDING_MODES)}, got {self.padding_mode!r}")
        if not math.isfinite(float(self.bias)):
            raise UserInputError("bias must be a finite number")

    def pads(self, kernel_hw: tuple[int, int], input_hw: tuple[int, int] | None = None
             ) -> tuple[int, int, int, int]:
        """(top, bottom, left, right). "same" needs `input_hw` when the stride is above 1."""
        if self.padding == "valid":
            return (0, 0, 0, 0)
        if self.padding == "same":
            # at stride 1 the input's size does not matter; above it the caller gives it
            (top, bottom), (left, right) = (
                same_padding(input_hw[a] if input_hw else 1, kernel_hw[a], self.stride[a], self.dilation[a])
                for a in (0, 1))
            return top, bottom, left, right
        py, px = _pair(self.padding, "padding")
        return (py, py, px, px)


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


def _axis(n: int, k: int, s: int, pb: int, pa: int, d: int) -> AxisSize:
    ek = effective_kernel(k, d)
    out = max(output_size(n, k, s, pb, d, p_after=pa), 0)
    unused = (n + pb + pa - ek) - (out - 1) * s if out > 0 else 0
    return AxisSize(n, k, s, pb, pa, d, out, unused, output_size_text(n, k, s, pb, d, p_after=pa))


def size_report(input_hw: tuple[int, int], kernel_hw: tuple[int, int], spec: ConvSpec) -> SizeReport:
    spec.validate()
    top, bottom, left, right = spec.pads(kernel_hw, input_hw)
    rows = _axis(input_hw[0], kernel_hw[0], spec.stride[0], top, bottom, spec.dilation[0])
    cols = _axis(input_hw[1], kernel_hw[1], spec.stride[1], left, right, spec.dilation[1])
    error = None
    problems = []
    for axis, name in ((rows, "rows"), (cols, "columns")):
        ek = effective_kernel(axis.k, axis.d)
        span = axis.n + axis.p_before + axis.p_after
        if span < ek:
            what = f"kernel spans {ek} {name}" + (f" ({axis.k} dilated by {axis.d})" if axis.d > 1 else "")
            problems.append(f"the {what} but the padded input has only {span}")
    if problems:
        error = "The output would be empty: " + "; ".join(problems) + ". Use a smaller kernel or more padding."
    warnings = []
    if spec.padding == "same" and max(spec.stride) > 1:
        warnings.append(SAME_STRIDE_NOTE)
    for axis, name in ((rows, "row"), (cols, "column")):
        note = _unused_note(axis, name) if axis.out > 0 else ""
        if note:
            warnings.append(note)
    return SizeReport(rows, cols, (max(rows.out, 0), max(cols.out, 0)), error, warnings)


#: 'same' padding with a stride above 1 has no PyTorch meaning: say whose rule the explorer applies.
SAME_STRIDE_NOTE = ("'same' with a stride above 1 follows TensorFlow/Keras's rule: ⌈N / S⌉ outputs, any odd "
                    "extra padding at the bottom/right. PyTorch's padding='same' accepts stride 1 only "
                    "(the Shapes tab follows PyTorch); at stride 1 the two agree.")


def _unused_note(axis: AxisSize, name: str) -> str:
    """Which rows (or columns) of the padded input no window reads, "" when every one is read: the
    last ones the stride leaves over (real input values, which the output never sees, or only
    padding, where nothing is lost), and input rows skipped between windows (a stride above the
    D·(K − 1) + 1 rows a window spans, e.g. a 1×1 stride-2 shortcut) or between a dilated kernel's taps."""
    def n_of(k: int) -> str:
        return f"{k} {name}" + ("s" if k != 1 else "")

    span = axis.d * (axis.k - 1) + 1
    read = {o * axis.s + t * axis.d for o in range(axis.out) for t in range(axis.k)}
    last = (axis.out - 1) * axis.s + span - 1  # the last row a window reaches
    skipped = [i - axis.p_before + 1 for i in range(last) if i not in read and axis.p_before <= i < axis.p_before + axis.n]
    notes = []
    if axis.unused > 0:
        head = f"Stride {axis.s} leaves the last {n_of(axis.unused)} of the padded input unused"
        real = axis.unused - axis.p_after
        if real <= 0:
            notes.append(f"{head}: padding only, so no input value is skipped.")
        elif axis.p_after:
            notes.append(f"{head}: {n_of(axis.p_after)} of padding and {n_of(real)} of the input, whose values "
                         f"the output never sees.")
        else:
            notes.append(f"{head}: {n_of(real)} of the input, whose values the output never sees.")
    if skipped:
        shown = [str(i) for i in skipped[:8]] + ([f"… ({len(skipped)} in all)"] if len(skipped) > 8 else [])
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        why = []
        if axis.s > span:
            why.append(f"stride {axis.s} is more than the {n_of(span)} a window spans")
        if axis.d > 1:
            why.append(f"the dilated kernel's taps are {axis.d} {name}s apart")
        what = f"{name}{'s' if len(skipped) > 1 else ''} {listed} of the input"
        also = " also" if notes else ""
        notes.append(f"The windows{also} skip {what} ({' and '.join(why)}), whose values the output never sees.")
    return " ".join(notes)


def as_chw(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1] < 1 or x.shape[2] < 1:
        raise UserInputError(f"the input must be a non-empty matrix or C×H×W array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise UserInputError("the input contains a value that is not a finite number")
    return x


def as_oikk(kernels: np.ndarray, channels: int) -> np.ndarray:
    k = np.asarray(kernels, dtype=np.float64)
    if k.ndim == 2:
        k = np.repeat(k[None, None], channels, axis=1)
    elif k.ndim == 3:
        k = k[None]
    if k.ndim != 4 or min(k.shape) < 1:
        raise UserInputError(f"the kernel must be a non-empty matrix, got shape {k.shape}")
    if k.shape[1] != channels:
        raise UserInputError(
            f"the kernel has {k.shape[1]} channel slices but the input has {channels} channels")
    if not np.all(np.isfinite(k)):
        raise UserInputError("the kernel contains a value that is not a finite number")
    return np.ascontiguousarray(k)


def _check_pad_mode(input_hw: tuple[int, int], pads: tuple[int, int, int, int], mode: str) -> None:
    h, w = input_hw
    if mode == "reflect" and (max(pads[0], pads[1]) >= h or max(pads[2], pads[3]) >= w):
        raise UserInputError(
            f"reflect padding must be smaller than the input ({h}×{w}); use replicate or less padding")
    if mode == "circular" and (max(pads[0], pads[1]) > h or max(pads[2], pads[3]) > w):
        raise UserInputError(f"circular padding cannot exceed the input size ({h}×{w})")


def pad_input(x: np.ndarray, spec: ConvSpec, kernel_hw: tuple[int, int]) -> np.ndarray:
    """The padded input, (C, Hp, Wp) float64, filled as `spec.padding_mode` says."""
    spec.validate()
    x = as_chw(x)
    pads = spec.pads(kernel_hw, x.shape[1:])
    _check_pad_mode(x.shape[1:], pads, spec.padding_mode)
    if not any(pads):
        return x.copy()
    widths = ((0, 0), (pads[0], pads[1]), (pads[2], pads[3]))
    return np.pad(x, widths, mode=_NUMPY_PAD_MODE[spec.padding_mode])


def effective_kernels(kernels: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The weights as applied: flipped in both spatial axes for true convolution."""
    return kernels[:, :, ::-1, ::-1].copy() if spec.flip else kernels


def convolve(x: np.ndarray, kernels: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The whole output (O, Ho, Wo). UserInputError when the output would be empty or the kernel
    channels do not match the input channels."""
    x = as_chw(x)
    k = as_oikk(kernels, x.shape[0])
    report = size_report(x.shape[1:], k.shape[2:], spec)
    if report.error:
        raise UserInputError(report.error)
    padded = pad_input(x, spec, k.shape[2:])
    return convolve_padded(padded, k, spec, report.out_shape)


class Cancelled(Exception):
    """A newer request (or closing the window) made this computation pointless."""


# torch's float64 conv2d on the CPU unfolds its whole input first (C·kh·kw values per output
# cell: about 5 GB for an 11×11 kernel on a 2048² RGB image); computing bands of output rows keeps
# that bounded without changing a single number, and gives a place to stop between bands.
BAND_BYTES = 96 * 2**20


#: Up to this many multiply-adds a convolution is computed with numpy alone (a classroom matrix,
#: a small picture): no torch import, which costs a second or more at first use. Above it, torch's
#: conv2d is faster by far.
NUMPY_MACS = 4_000_000


def convolve_padded(padded: np.ndarray, kernels: np.ndarray, spec: ConvSpec, out_hw: tuple[int, int],
                    should_stop=None, band_bytes: int = BAND_BYTES) -> np.ndarray:
    """The output (O, Ho, Wo) of an input that `pad_input` already padded, with kernels
    (O, C, kh, kw) as the user wrote them (flipped here for true convolution) and the bias added.
    `should_stop()`, if given, is asked between bands of output rows; when it says yes,
    Cancelled is raised.

    Small problems (at most NUMPY_MACS multiply-adds) are summed tap by tap in numpy; bigger ones
    go to torch's float64 conv2d (cross-correlation, as torch.nn.functional.conv2d defines it).
    Either way the numbers do not depend on the band size."""
    weight = np.ascontiguousarray(effective_kernels(kernels, spec), dtype=np.float64)
    o, c, kh, kw = weight.shape
    ho, wo = out_hw
    sy, dy = spec.stride[0], spec.dilation[0]
    use_numpy = o * c * kh * kw * ho * wo <= NUMPY_MACS
    if not use_numpy:
        import torch
        import torch.nn.functional as F

        weight_t = torch.from_numpy(weight)
    rows = max(1, band_bytes // max(1, c * kh * kw * wo * 8))
    parts = []
    for r0 in range(0, ho, rows):
        if should_stop is not None and should_stop():
            raise Cancelled()
        r1 = min(ho, r0 + rows)
        # output rows r0..r1-1 read padded rows r0·S .. (r1−1)·S + D·(kh−1)
        band = np.ascontiguousarray(padded[:, r0 * sy:(r1 - 1) * sy + effective_kernel(kh, dy)], dtype=np.float64)
        if use_numpy:
            parts.append(correlate_taps(band, weight, spec.stride, spec.dilation, (r1 - r0, wo)))
        else:
            parts.append(F.conv2d(torch.from_numpy(band)[None], weight_t, stride=tuple(spec.stride),
                                  dilation=tuple(spec.dilation))[0].numpy())
    out = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
    if spec.bias:
        out = out + float(spec.bias)
    return out


def correlate_taps(band: np.ndarray, weight: np.ndarray, stride: tuple[int, int],
                   dilation: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """Cross-correlation of one band, one kernel tap at a time: for every (channel, i, j) add
    weight[:, c, i, j] × the input cells that tap lands on. A fixed order of terms, so the result
    is the same whatever the band."""
    (ho, wo), (sy, sx), (dy, dx) = out_hw, stride, dilation
    o, c, kh, kw = weight.shape
    out = np.zeros((o, ho, wo), dtype=np.float64)
    for ch in range(c):
        for i in range(kh):
            y0 = i * dy
            for j in range(kw):
                x0 = j * dx
                cells = band[ch, y0:y0 + (ho - 1) * sy + 1:sy, x0:x0 + (wo - 1) * sx + 1:sx]
                out += weight[:, ch, i, j, None, None] * cells[None]
    return out


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


def format_number(v: float, digits: int = 6) -> str:
    """Short, exact-looking numbers: 2 not 2.0, 1.3 not 1.2999999999999998, −0.5 with a real minus."""
    v = float(v)
    return significant(v, digits) if math.isfinite(v) else str(v)


def source_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each padded position on one axis, the original index it copies (-1 for zero padding)."""
    idx = np.arange(n)
    if mode == "zeros":
        return np.pad(idx, (before, after), mode="constant", constant_values=-1)
    return np.pad(idx, (before, after), mode=_NUMPY_PAD_MODE[mode])


def explain_cell(x: np.ndarray, kernels: np.ndarray, spec: ConvSpec, out_channel: int,
                 out_y: int, out_x: int) -> CellExplanation:
    x = as_chw(x)
    k = as_oikk(kernels, x.shape[0])
    report = size_report(x.shape[1:], k.shape[2:], spec)
    if report.error:
        raise UserInputError(report.error)
    ho, wo = report.out_shape
    if not (0 <= out_channel < k.shape[0] and 0 <= out_y < ho and 0 <= out_x < wo):
        raise UserInputError(
            f"output cell ({out_channel}, {out_y}, {out_x}) is outside the output ({k.shape[0]}×{ho}×{wo})")
    padded = pad_input(x, spec, k.shape[2:])
    weights = effective_kernels(k, spec)[out_channel]
    top, bottom, left, right = spec.pads(k.shape[2:], x.shape[1:])
    src_y = source_index(x.shape[1], top, bottom, spec.padding_mode)
    src_x = source_index(x.shape[2], left, right, spec.padding_mode)
    cells = window(out_y, out_x, k.shape[2:], spec)
    terms: list[CellTerm] = []
    for c in range(x.shape[0]):
        for i, (py, px) in enumerate(cells):
            ky, kx = divmod(i, k.shape[3])
            value = float(padded[c, py, px])
            weight = float(weights[c, ky, kx])
            source = None if src_y[py] < 0 or src_x[px] < 0 else (int(src_y[py]), int(src_x[px]))
            terms.append(CellTerm(c, (py, px), source, value, weight, weight * value))
    bias = float(spec.bias)
    total = math.fsum(t.product for t in terms) + bias

    parts = [f"{format_number(t.weight)}×{paren(t.value)}" for t in terms]
    text = " + ".join(parts)
    if bias:
        text += f" + {paren(bias)}"
    text += f" = {format_number(total)}"
    return CellExplanation(out_channel, (out_y, out_x), terms, bias, total, text)


@dataclass
class ChannelPart:
    """One input channel's share of an output cell: its window ∗ its kernel slice."""
    channel: int
    terms: list[CellTerm]
    subtotal: float
    text: str  # "w×v + … = subtotal"


def channel_parts(exp: CellExplanation) -> list[ChannelPart]:
    """The explanation split by input channel, as PyTorch's Conv2d defines one output cell:
    out[o, y, x] = bias[o] + Σ_c Σ_(i,j) weight[o, c, i, j] · input_padded[c, y·s + i·d, x·s + j·d]."""
    channels = sorted({t.channel for t in exp.terms})
    parts = []
    for c in channels:
        terms = [t for t in exp.terms if t.channel == c]
        subtotal = math.fsum(t.product for t in terms)
        text = " + ".join(f"{format_number(t.weight)}×{paren(t.value)}" for t in terms)
        parts.append(ChannelPart(c, terms, subtotal, f"{text} = {format_number(subtotal)}"))
    return parts


def explain_by_channel(exp: CellExplanation, names: list[str] | None = None) -> list[str]:
    """Lines of a multi-channel cell: one per input channel, then the sum of the partial sums plus
    the bias. `names` labels the channels (default "channel 1", "channel 2", … counting from 1)."""
    parts = channel_parts(exp)
    lines = []
    for part in parts:
        name = names[part.channel] if names and part.channel < len(names) else f"channel {part.channel + 1}"
        lines.append(f"{name}: {part.text}")
    total = " + ".join(paren(p.subtotal) for p in parts)
    if exp.bias:
        total += f" + bias {paren(exp.bias)}"
    lines.append(f"sum over channels: {total} = {format_number(exp.total)}")
    return lines


def paren(v: float) -> str:
    """`v` as a factor of a written product: "2", "(−1)" (a negative number in parentheses)."""
    s = format_number(v)
    return f"({s})" if s.startswith("−") else s


def window(out_y: int, out_x: int, kernel_hw: tuple[int, int], spec: ConvSpec) -> list[tuple[int, int]]:
    """Padded-input cells that output cell (out_y, out_x) reads, in kernel order."""
    kh, kw = kernel_hw
    y0, x0 = out_y * spec.stride[0], out_x * spec.stride[1]
    dy, dx = spec.dilation
    return [(y0 + i * dy, x0 + j * dx) for i in range(kh) for j in range(kw)]


def outputs_fed_by(padded_y: int, padded_x: int, input_hw: tuple[int, int], kernel_hw: tuple[int, int],
                   spec: ConvSpec) -> list[tuple[int, int]]:
    """Output cells whose window covers padded-input cell (padded_y, padded_x)."""
    report = size_report(input_hw, kernel_hw, spec)
    if report.error:
        return []
    ho, wo = report.out_shape

    def along(p: int, k: int, s: int, d: int, n_out: int) -> list[int]:
        hits = []
        for i in range(k):
            offset = p - i * d
            if offset >= 0 and offset % s == 0 and offset // s < n_out:
                hits.append(offset // s)
        return sorted(set(hits))

    ys = along(padded_y, kernel_hw[0], spec.stride[0], spec.dilation[0], ho)
    xs = along(padded_x, kernel_hw[1], spec.stride[1], spec.dilation[1], wo)
    return [(y, x) for y in ys for x in xs]


def parse_pair(text: str, name: str, minimum: int = 1, maximum: int | None = None) -> tuple[int, int]:
    """"2" -> (2, 2); "2,3" -> (2, 3); UserInputError naming `name` otherwise (see core.parsing)."""
    from visualizer.core.parsing import parse_pair as _parse_pair

    return _parse_pair(text, name, minimum, maximum=maximum)  # type: ignore[return-value]


def parse_padding(text: str, maximum: int | None = None) -> tuple[int, int] | str:
    """"1", "1,2", "same" or "valid"."""
    t = str(text).strip().lower()
    if t in ("same", "valid"):
        return t
    try:
        return parse_pair(t, "padding", minimum=0, maximum=maximum)
    except UserInputError as exc:
        if maximum is not None and "at most" in str(exc):
            raise
        raise UserInputError(f"padding must be an integer ≥ 0, 'PY,PX', 'same' or 'valid', got {text!r}") from None


def parse_number(text: str) -> float:
    """A number as a person types it, by ConvViz's one rule (core.parsing): '1.5', '-2', '1e-3',
    '1/9', '−0.5'; '1,5' is not a number. ValueError (a UserInputError) if not."""
    from visualizer.core.parsing import parse_number as _parse_number

    return _parse_number(text)


def parse_matrix(text: str, name: str) -> np.ndarray:
    """CSV / whitespace rows of numbers -> 2-D float64; UserInputError naming row and column of a
    cell that is not a number, or ragged rows."""
    rows: list[list[float]] = []
    for line in re.split(r"[\n;]", str(text)):
        line = line.strip().strip("[]").strip()
        if not line or line.startswith("#"):
            continue
        cells = [c for c in re.split(r"[,\t ]+", line.strip(" ,")) if c != ""]
        row = []
        for j, cell in enumerate(cells):
            try:
                row.append(parse_number(cell.strip("[]")))
            except ValueError:
                from visualizer.core.safe_json import excerpt

                raise UserInputError(
                    f"{name}: row {len(rows) + 1}, column {j + 1}: {excerpt(cell)} is not a number") from None
        rows.append(row)
    if not rows:
        raise UserInputError(f"{name}: no numbers found")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        bad = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        raise UserInputError(
            f"{name}: row {bad + 1} has {len(rows[bad])} numbers but row 1 has {len(rows[0])}")
    return np.array(rows, dtype=np.float64)


@lru_cache(maxsize=1)
def _preset_doc() -> dict:
    return json.loads(resource_path("kernels", "presets.json").read_text(encoding="utf-8"))


def _load_presets(section: str) -> dict[str, np.ndarray]:
    return {name: np.array(item["matrix"], dtype=np.float64) for name, item in _preset_doc()[section].items()}


def preset_labels(section: str = "kernels") -> dict[str, str]:
    """Preset name -> label for menus (section "kernels" or "inputs"); "random" included for kernels."""
    labels = {name: item.get("label", name) for name, item in _preset_doc()[section].items()}
    if section == "kernels":
        labels["random"] = "Random"
    return labels


# Presets: name -> 2-D float64 array, read from resources/kernels/presets.json.
KERNEL_PRESETS: dict[str, np.ndarray] = _load_presets("kernels")
INPUT_PRESETS: dict[str, np.ndarray] = _load_presets("inputs")

_SIZED = ("identity", "box-blur", "gaussian", "random")


def kernel_preset(name: str, size: int = 3, seed: int | None = None) -> np.ndarray:
    """A preset kernel. identity, box-blur, gaussian and random come in any size 1..11 (odd sizes
    for identity); the others are 3×3."""
    name = name.strip().lower()
    if name not in KERNEL_PRESETS and name != "random":
        known = ", ".join(sorted(list(KERNEL_PRESETS) + ["random"]))
        raise UserInputError(f"unknown kernel preset {name!r}; known: {known}")
    if not 1 <= size <= MAX_KERNEL:
        raise UserInputError(f"kernel size must be between 1 and {MAX_KERNEL}, got {size}")
    if size == 3 and name in KERNEL_PRESETS:
        return KERNEL_PRESETS[name].copy()
    if name == "random":
        rng = np.random.default_rng(seed)
        return np.round(rng.uniform(-1.0, 1.0, (size, size)), 2)
    if name == "identity":
        if size % 2 == 0:
            raise UserInputError("an identity kernel needs an odd size")
        k = np.zeros((size, size))
        k[size // 2, size // 2] = 1.0
        return k
    if name == "box-blur":
        return np.full((size, size), 1.0 / (size * size))
    if name == "gaussian":
        row = np.array([math.comb(size - 1, i) for i in range(size)], dtype=np.float64)
        k = np.outer(row, row)
        return k / k.sum()
    raise UserInputError(f"the {name} preset is 3×3 only")
