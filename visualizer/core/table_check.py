"""Check a layer table written by hand (homework style) against the truth.

CONTRACT (shared by the shape-calculator core, its GUI tab and the `shapes --check` CLI).

The table is CSV, tab-separated, semicolon-separated or a Markdown pipe table, with a header.
Columns are found by their names (case does not matter):

* the operation: "Operation", "Layer", "Type", "Op" or "Name" (else the first column);
* the claimed output: "Output size", "Output", "Out" (required);
* the layer's size: "Size", "Kernel", "Filter" — a convolution as ``[3X3X1]X16`` (kernel
  3×3, depth 1, 16 kernels), ``3x3x16`` or ``3x3``; a pool as ``[2 2]`` or ``2``; a fully
  connected layer as ``[14·14·16]X10`` (inputs × outputs) or ``10``;
* "Padding" (``[1 1]`` per axis, ``1``, ``same``, ``N/A`` = 0) and "Stride" (``N/A`` = 1 for
  a convolution, the window size for a pool);
* optionally a parameter count: "Parameters", "Params", "# Params", "Weights" — a number
  (``1,168``) or a sum of products (``3·3·8·16 + 16``). Weights + biases is right; a count
  of the weights alone is marked "right without the bias (N with it)" (right for a layer built
  with bias=False, which the table does not say); a "Conv block" (conv + batch norm + ReLU) may
  include its batch norm's 2·C. Batch norm has 2·C parameters (γ and β; torch's default
  affine=True), so 0 is wrong. A "Total" row is checked against the sum of the rows above.

A residual block is one row whose operation says "Residual block", "Basic block", "Res block"
or names it as torchvision does ("layer2.0"). It is torchvision's BasicBlock: Size is its
convolutions' kernel as for a conv (``[3X3X64]X128``: 3×3 kernels, 64 channels in, 128 out),
Stride the first convolution's (and the shortcut's), Padding that of both convolutions (``N/A``
or ``same``: (k − 1) / 2, which keeps the size); the second convolution keeps the size, the
shortcut is the identity, or a 1×1 convolution at the block's stride plus batch norm when the
stride or the channels change. Its parameters are both convolutions' weights (no biases, as
in torchvision), their two batch norms and the shortcut's. The Output is the block's, after
the addition and its ReLU. See resources/architectures/tables/resnet18.tsv.

Sizes are written H×W×C; the separators ``X x × * ·`` (and spaces or commas inside brackets)
all work. An output of a fully connected layer may be ``[1X1XN]`` or ``N``. Operations are
recognised by words: input/image, conv…, …pool… (global/adaptive pool → 1×1), fully
connected/fc/linear/dense, flatten, and shape-keeping ones (ReLU, sigmoid, tanh, softmax,
batch norm, dropout, activation).

Each row is recomputed from the *claimed* output of the row above (so one mistake is not
blamed on every later row); the first row starts from the input shape (given, or an "Input"
row). Every wrong claim gets the correct value in the user's own notation and a reason in
plain words. Compared against an architecture, convolutions, pools and fully connected layers
are lined up in order and the ones missing from or extra in the table are named (activations,
batch norm, dropout, flatten and softmax are not compared: tables often leave them out).
"""

from __future__ import annotations

import ast
import csv
import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from visualizer.core.architecture import Architecture, Shape, compute_table, normalize_params
from visualizer.core.errors import UserInputError
from visualizer.core.output_size import output_size, output_size_text


@dataclass
class ClaimedRow:
    row_number: int  # the first row after the header is row 1
    operation: str  # as written, e.g. "Conv block"
    cells: dict[str, str]  # header -> cell text as written
    claimed_output: Shape | None  # parsed claim in (C, H, W) or (N,) order; None if unreadable
    # role ("operation", "size", "padding", "stride", "output") -> this row's cell text
    roles: dict[str, str] = field(default_factory=dict)
    # role -> the header the user wrote for it (e.g. "output" -> "Output size")
    role_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RowVerdict:
    row_number: int
    operation: str
    claimed: str  # as the user wrote it, e.g. "[30X30X16]"
    correct: str  # in the same H×W×C notation, e.g. "[28X28X16]"
    ok: bool
    reason: str  # plain words; "" when ok
    correct_shape: Shape | None = None  # (C, H, W) or (N,); None when it cannot be known
    wrong_cells: tuple[str, ...] = ()  # headers of the cells that are wrong (for highlighting)
    kind: str = ""  # "input", "conv", "block", "pool", "fc", "flatten", "same", "total" or "unknown"
    # The parameter count, when the table has a parameters column ("" / None otherwise).
    claimed_params: str = ""
    correct_params: int | None = None
    params_ok: bool = True
    # A count that is right only in part, e.g. "right without the bias (102,764,544 with it)":
    # not a mistake, but not silently right either (the GUI shows it in its own colour).
    params_note: str = ""


@dataclass
class CheckReport:
    verdicts: list[RowVerdict]
    missing: list[str] = field(default_factory=list)  # layers of the preset the table lacks
    extra: list[str] = field(default_factory=list)  # rows with no counterpart in the preset

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts) and not self.missing and not self.extra

    @property
    def wrong(self) -> list[RowVerdict]:
        return [v for v in self.verdicts if not v.ok]


# --- reading the table ---------------------------------------------------------------------
#: Longest number read from a cell (VGG16's 138 million parameters has 9 digits).
MAX_DIGITS = 15
#: Biggest parameter count worked out from a sum of products (a product of many 15-digit numbers
#: would have thousands of digits, which Python refuses to print).
MAX_COUNT = 10**18
_SEP = r"[xX×✕*·⋅•∙,;\s]+"
_NA = {"", "n/a", "na", "-", "–", "—", "none", "no", "/", "x"}


def _split_row(line: str, delimiter: str) -> list[str]:
    if delimiter == "|":
        s = line.strip()
        if s.startswith("|"):
            s = s[1:]
        if s.endswith("|"):
            s = s[:-1]
        return [c.strip() for c in s.split("|")]
    return [c.strip() for c in next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))]


def _find_columns(headers: list[str]) -> dict[str, int]:
    low = [h.strip().lower() for h in headers]
    cols: dict[str, int] = {}

    def pick(role: str, pattern: str, exclude: set[int]) -> None:
        for i, h in enumerate(low):
            if i not in exclude and re.search(pattern, h):
                cols[role] = i
                return

    pick("output", r"output|\bout\b|result", set())
    used = set(cols.values())
    pick("params", r"param|weights", used)
    used = set(cols.values())
    pick("operation", r"operation|layer|\bop\b|type|name|block", used)
    used = set(cols.values())
    pick("padding", r"pad", used)
    used = set(cols.values())
    pick("stride", r"stride", used)
    used = set(cols.values())
    pick("size", r"kernel|filter|window", used)
    if "size" not in cols:  # a generic "Size", but not an "Input size" column
        pick("size", r"^(?!.*\binput\b).*(size|shape|dim)", used)
    if "operation" not in cols:
        free = [i for i in range(len(headers)) if i not in cols.values()]
        if free:
            cols["operation"] = free[0]
    return cols


def parse_table(text: str) -> list[ClaimedRow]:
    """CSV or tab-separated text with a header row; UserInputError when it cannot be read."""
    if not isinstance(text, str):
        raise UserInputError("the table must be text")
    lines = [ln for ln in text.lstrip("\ufeff").splitlines() if ln.strip()]
    if not lines:
        raise UserInputError("the table is empty: give a header row and one row per layer")
    header_line = lines[0]
    if header_line.count("|") >= 2:
        delimiter = "|"
    elif "\t" in header_line:
        delimiter = "\t"
    elif ";" in header_line and "," not in header_line:
        delimiter = ";"
    else:
        delimiter = ","
    headers = _split_row(header_line, delimiter)
    if len(headers) < 2:
        raise UserInputError("cannot find the columns of the header: separate them with tabs or commas, "
                             "e.g. 'Operation, Size, Padding, Stride, Output size'")
    cols = _find_columns(headers)
    if "output" not in cols:
        raise UserInputError("the header has no output column (name one 'Output size'); found: "
                             + ", ".join(h or "(blank)" for h in headers))
    rows: list[ClaimedRow] = []
    number = 0
    for line in lines[1:]:
        if delimiter == "|" and re.fullmatch(r"[\s|:\-]+", line):
            continue  # the |---|---| rule under a Markdown header
        try:
            cells = _split_row(line, delimiter)
        except csv.Error as exc:
            raise UserInputError(f"row {number + 1}: cannot read it ({exc})") from None
        if not any(cells):
            continue
        number += 1
        if len(cells) > len(headers):
            if any(cells[len(headers):]):
                raise UserInputError(
                    f"row {number} has {len(cells)} cells but the header has {len(headers)}"
                    + (" (put cells that contain commas in quotes)" if delimiter == "," else ""))
            cells = cells[: len(headers)]
        cells += [""] * (len(headers) - len(cells))
        for i, c in enumerate(cells):
            long_run = max((len(m) for m in re.findall(r"\d+", c)), default=0)
            if long_run > MAX_DIGITS:
                size = f"thousands of digits ({long_run:,})" if long_run >= 1000 else f"{long_run} digits"
                raise UserInputError(
                    f"row {number}, {headers[i] or f'column {i + 1}'}: a number with {size}; the sizes "
                    f"and counts in a table are whole numbers of at most {MAX_DIGITS} digits")
        by_header = {h or f"column {i + 1}": c for i, (h, c) in enumerate(zip(headers, cells))}
        by_role = {role: cells[i] for role, i in cols.items()}
        role_headers = {role: headers[i] or f"column {i + 1}" for role, i in cols.items()}
        rows.append(ClaimedRow(number, by_role.get("operation", ""), by_header, parse_size(by_role["output"]),
                               by_role, role_headers))
    if not rows:
        raise UserInputError("the table has a header but no rows")
    return rows


def _numbers(text: str) -> list[int] | None:
    parts = [p for p in re.split(_SEP, text.strip()) if p]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


def parse_size(text: str) -> Shape | None:
    """A claimed output "[28X28X16]" -> (16, 28, 28); "10" or "[1X1X10]" -> (10,) or (10, 1, 1);
    None when unreadable. Sizes are read H×W×C."""
    s = text.strip().strip("[]()").strip()
    if s.lower() in _NA:
        return None
    nums = _numbers(s)
    if nums is None or any(n <= 0 for n in nums):
        return None
    if len(nums) == 1:
        return (nums[0],)
    if len(nums) == 3:
        h, w, c = nums
        return (c, h, w)
    return None


def _is_na(text: str) -> bool:
    return text.strip().lower() in _NA


def _parse_pair(text: str, what: str) -> tuple[int, int] | str:
    """Padding or stride cell -> (y, x); "same" for padding 'same'; raises ValueError."""
    s = text.strip().strip("[]()").strip()
    low = s.lower()
    if low in _NA or low == "valid":
        return (0, 0) if what == "padding" else (-1, -1)  # (-1, -1): the default
    if low == "same" and what == "padding":
        return "same"
    nums = _numbers(s)
    if nums is None:
        raise ValueError(text)
    if len(nums) == 1:
        return (nums[0], nums[0])
    if len(nums) == 2:
        return (nums[0], nums[1])
    if len(nums) == 4 and nums[0] == nums[1] and nums[2] == nums[3]:  # top, bottom, left, right
        return (nums[0], nums[2])
    raise ValueError(text)


# --- describing shapes the way the user writes them ----------------------------------------
@dataclass
class _Style:
    sep: str = "X"
    open: str = "["
    close: str = "]"
    flat_as_1x1: bool = True  # write an FC output as [1X1XN] (else N)


def _style_of(text: str, fallback: _Style) -> _Style:
    s = text.strip()
    m = re.search(r"\d\s*([xX×✕*·⋅•∙,])\s*\d", s)
    sep = m.group(1) if m else fallback.sep
    if sep == ",":
        sep = ", "
    if s.startswith("["):
        o, c = "[", "]"
    elif s.startswith("("):
        o, c = "(", ")"
    elif m:
        o, c = "", ""
    else:
        o, c = fallback.open, fallback.close
    nums = _numbers(s.strip("[]()"))
    flat = fallback.flat_as_1x1 if nums is None else len(nums) != 1
    return _Style(sep, o, c, flat)


def _write(shape: Shape | None, style: _Style) -> str:
    if shape is None:
        return "impossible"
    if len(shape) == 1:
        if not style.flat_as_1x1:
            return str(shape[0])
        return f"{style.open}1{style.sep}1{style.sep}{shape[0]}{style.close}"
    c, h, w = shape
    return f"{style.open}{h}{style.sep}{w}{style.sep}{c}{style.close}"


def _hwc(shape: Shape) -> str:
    """Plain H×W×C (or N) for reasons."""
    if len(shape) == 1:
        return f"{shape[0]} values"
    c, h, w = shape
    return f"{h}×{w}×{c}"


def _flat(shape: Shape) -> Shape:
    if len(shape) == 3 and shape[1] == 1 and shape[2] == 1:
        return (shape[0],)
    return shape


def _same(a: Shape | None, b: Shape | None) -> bool:
    return a is not None and b is not None and _flat(a) == _flat(b)


def _pair_text(p: tuple[int, int]) -> str:
    return str(p[0]) if p[0] == p[1] else f"[{p[0]} {p[1]}]"


def _verb(hw_in: tuple[int, int], hw_out: tuple[int, int]) -> str:
    a = f"{hw_in[0]}×{hw_in[1]}"
    b = f"{hw_out[0]}×{hw_out[1]}"
    if hw_in == hw_out:
        return f"keeps {a}"
    if hw_out[0] >= hw_in[0] and hw_out[1] >= hw_in[1]:
        return f"grows {a} to {b}"
    if hw_out[0] <= hw_in[0] and hw_out[1] <= hw_in[1]:
        if hw_in[0] == 2 * hw_out[0] and hw_in[1] == 2 * hw_out[1]:
            return f"halves {a} to {b}"
        return f"shrinks {a} to {b}"
    return f"turns {a} into {b}"


def _conv_out(size: int, k: int, p: int, s: int) -> int:
    return output_size(size, k, s, p)


# --- judging each row ----------------------------------------------------------------------
def _kind(operation: str) -> str:
    op = operation.strip().lower()
    if re.match(r"(input|image|data)\b", op):
        return "input"
    if re.match(r"(total|sum|overall)\b", op):
        return "total"
    if "flatten" in op:
        return "flatten"
    if re.search(r"fully|\bfc\d*\b|linear|dense|full connection|classifier", op):
        return "fc"
    if re.search(r"residual|\bres\s*block|resblock|basic\s*block|\blayer\d+\.\d+", op):
        return "block"
    if "conv" in op:
        return "conv"
    if "pool" in op or "subsampl" in op or re.search(r"\bgap\b", op):
        return "pool"
    if re.search(r"relu|sigmoid|tanh|softmax|batch|\bbn\b|norm|dropout|activation|elu\b", op):
        return "same"
    return "unknown"


class _RowProblem(Exception):
    """The row cannot be judged: a cell is unreadable or the layer cannot be applied."""

    def __init__(self, reason: str, cells: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.cells = cells


@dataclass
class _Layer:
    """What one row says about its layer, read from its cells."""

    kind: str
    kernel: tuple[int, int] | None = None
    depth: int | None = None  # kernel depth as written (conv) / claimed inputs (fc)
    depth_text: str = ""
    out: int | None = None  # kernels (conv) / outputs (fc)
    padding: Any = (0, 0)
    stride: tuple[int, int] | None = None
    global_pool: bool = False


def _read_layer(kind: str, row: ClaimedRow, roles: dict[str, str], headers: dict[str, str]) -> _Layer:
    size = roles.get("size", "")
    layer = _Layer(kind)
    size_h = headers.get("size", "Size")
    if kind in ("conv", "block"):
        m = re.fullmatch(r"\s*[\[\(]([^\]\)]*)[\]\)]\s*(?:[xX×✕*·⋅•∙]\s*(\d+))?\s*", size)
        if m:
            inner = _numbers(m.group(1))
            if inner is None or not 1 <= len(inner) <= 3:
                raise _RowProblem(f"cannot read the kernel size {size!r}; write it as [3X3X1]X16", (size_h,))
            k = (inner[0], inner[0]) if len(inner) == 1 else (inner[0], inner[1])
            layer.kernel = k
            layer.depth = inner[2] if len(inner) == 3 else None
            layer.out = int(m.group(2)) if m.group(2) else None
        else:
            nums = _numbers(size) if not _is_na(size) else None
            if not nums or len(nums) > 4:
                raise _RowProblem(f"cannot read the kernel size {size!r}; write it as [3X3X1]X16", (size_h,))
            if len(nums) == 1:
                layer.kernel = (nums[0], nums[0])
            else:
                layer.kernel = (nums[0], nums[1])
            if len(nums) == 3:
                layer.out = nums[2]
            elif len(nums) == 4:
                layer.depth, layer.out = nums[2], nums[3]
        if min(layer.kernel) < 1 or (layer.out is not None and layer.out < 1):
            raise _RowProblem(f"the kernel size {size!r} must use positive numbers", (size_h,))
    elif kind == "pool":
        op = row.operation.lower()
        if "global" in op or "adaptive" in op or re.search(r"\bgap\b", op):
            layer.global_pool = True
            return layer
        nums = _numbers(size.strip("[]() ")) if not _is_na(size) else None
        if not nums:
            raise _RowProblem(f"cannot read the pool size {size!r}; write it as [2 2] or 2", (size_h,))
        layer.kernel = (nums[0], nums[0]) if len(nums) == 1 else (nums[0], nums[1])
        if min(layer.kernel) < 1:
            raise _RowProblem(f"the pool size {size!r} must use positive numbers", (size_h,))
    elif kind == "fc":
        if _is_na(size):
            return layer
        m = re.fullmatch(r"\s*[\[\(]([^\]\)]*)[\]\)]\s*(?:[xX×✕*·⋅•∙]\s*(\d+))?\s*", size)
        if m:
            inner = _numbers(m.group(1))
            if inner is None:
                raise _RowProblem(f"cannot read the size {size!r}; write it as [7·7·32]X10 or 10", (size_h,))
            if m.group(2):
                layer.depth, layer.depth_text, layer.out = math.prod(inner), m.group(1).strip(), int(m.group(2))
            elif len(inner) == 1:
                layer.out = inner[0]
            else:
                layer.depth, layer.out = math.prod(inner[:-1]), inner[-1]
                layer.depth_text = "·".join(map(str, inner[:-1]))
        else:
            nums = _numbers(size)
            if not nums:
                raise _RowProblem(f"cannot read the size {size!r}; write it as [7·7·32]X10 or 10", (size_h,))
            layer.out = nums[-1]
            if len(nums) > 1:
                layer.depth = math.prod(nums[:-1])
                layer.depth_text = "·".join(map(str, nums[:-1]))
    if kind in ("conv", "pool", "block"):
        try:
            pad = _parse_pair(roles.get("padding", ""), "padding")
        except ValueError:
            raise _RowProblem(f"cannot read the padding {roles.get('padding', '')!r}; write it as [1 1] or 1",
                              (headers.get("padding", "Padding"),)) from None
        layer.padding = pad
        if pad == "same" and kind == "pool":
            layer.padding = (0, 0)
        if kind == "block" and (pad == "same" or _is_na(roles.get("padding", ""))):
            # a block's convolutions pad to keep the size (torchvision: 1 for its 3×3)
            layer.padding = ((layer.kernel[0] - 1) // 2, (layer.kernel[1] - 1) // 2)
        try:
            stride = _parse_pair(roles.get("stride", ""), "stride")
        except ValueError:
            raise _RowProblem(f"cannot read the stride {roles.get('stride', '')!r}; write it as 2 or [2 2]",
                              (headers.get("stride", "Stride"),)) from None
        if stride == (-1, -1) or stride == (0, 0):
            stride = layer.kernel if kind == "pool" else (1, 1)
        layer.stride = stride  # type: ignore[assignment]
    return layer


def same_padding(size: int, k: int, s: int) -> tuple[int, int]:
    """The padding (before, after) that 'same' implies along one axis. Stride 1: k − 1 in all,
    the extra one after for an even kernel (torch's padding='same'). Larger strides (which torch
    refuses; TensorFlow's 'SAME') pad so that ⌈size / s⌉ outputs come out."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _axis_formula(size: int, k: int, s: int, pad: Any, axis: int) -> str:
    """torch's output-size formula with this axis's numbers (core.output_size's notation)."""
    if pad == "same":
        before, after = same_padding(size, k, s)
        return output_size_text(size, k, s, before, 1, False, after)
    return output_size_text(size, k, s, pad[axis])


def _formula_text(hw: tuple[int, int], k: tuple[int, int], s: tuple[int, int], pad: Any) -> str:
    rows = _axis_formula(hw[0], k[0], s[0], pad, 0)
    cols = _axis_formula(hw[1], k[1], s[1], pad, 1)
    if rows == cols:
        return rows
    return f"{rows} rows and {cols} columns"


def _conv_reason(hw: tuple[int, int], layer: _Layer, correct_hw: tuple[int, int],
                 claimed_hw: tuple[int, int] | None) -> str:
    k, s = layer.kernel, layer.stride
    ktxt = f"{k[0]}×{k[1]}"
    if layer.padding == "same":
        implied = {same_padding(hw[a], k[a], s[a]) for a in range(2)}
        if len(implied) == 1:
            before, after = implied.pop()
            ptxt = (f"'same' padding ({before} on each side)" if before == after
                    else f"'same' padding ({before} before, {after} after)")
        else:
            ptxt = "'same' padding"  # the formula below gives each axis's
        if max(s) > 1:  # PyTorch has no 'same' at a stride above 1: say whose rule this is
            ptxt += " (TensorFlow/Keras's rule at a stride above 1: ⌈N / S⌉ outputs)"
    else:
        ptxt = f"padding {_pair_text(layer.padding)}"
    stxt = f"stride {_pair_text(s)}"
    story = f"{ptxt} with a {ktxt} kernel at {stxt} {_verb(hw, correct_hw)}"
    if claimed_hw is None:
        return story
    # A hint: which padding (or stride) would give what the table claims?
    for p in range(0, max(k) + 1):
        if all(_conv_out(hw[a], k[a], p, s[a]) == claimed_hw[a] for a in range(2)):
            return f"{story}; padding {p} {_verb(hw, claimed_hw)}"
    if layer.padding != "same":
        for st in range(1, max(k) + 3):
            if all(_conv_out(hw[a], k[a], layer.padding[a], st) == claimed_hw[a] for a in range(2)):
                return f"{story}; stride {st} {_verb(hw, claimed_hw)}"
    return f"{story}: {_formula_text(hw, k, s, layer.padding)}"


def _pool_reason(hw: tuple[int, int], layer: _Layer, correct_hw: tuple[int, int],
                 claimed_hw: tuple[int, int] | None) -> str:
    k, s, p = layer.kernel, layer.stride, layer.padding
    ktxt = f"{k[0]}×{k[1]}"
    story = f"a {ktxt} pool at stride {_pair_text(s)}"
    if p != (0, 0):
        story += f" with padding {_pair_text(p)}"
    story += f" {_verb(hw, correct_hw)}"
    if claimed_hw is not None:
        for st in range(1, max(k) + 3):
            if all(_conv_out(hw[a], k[a], p[a], st) == claimed_hw[a] for a in range(2)):
                return f"{story}; stride {st} {_verb(hw, claimed_hw)}"
    return f"{story}: {_formula_text(hw, k, s, p)}"


def _judge(row: ClaimedRow, prev: Shape | None, given_input: Shape | None, style: _Style,
           headers: dict[str, str]) -> tuple[RowVerdict, _Layer | None]:
    roles = row.roles
    kind = _kind(row.operation)
    claimed_text = roles.get("output", "").strip()
    claimed = row.claimed_output
    out_h = headers.get("output", "Output")
    st = _style_of(claimed_text, style)

    def verdict(correct: Shape | None, reasons: list[str], cells: tuple[str, ...] = (),
                correct_text: str | None = None) -> RowVerdict:
        bad_claim = claimed is None or not _same(claimed, correct)
        cells_out = tuple(dict.fromkeys(((out_h,) if bad_claim and correct is not None else ()) + cells))
        ok = not reasons
        return RowVerdict(row.row_number, row.operation, claimed_text or "(blank)",
                          correct_text if correct_text is not None else _write(correct, st),
                          ok, "; ".join(reasons), correct, cells_out if not ok else (), kind)

    def claim_problem(correct: Shape | None) -> list[str]:
        if claimed is None:
            return [f"cannot read the claimed output {claimed_text or '(blank)'!r}; write it as "
                    f"[H×W×C] or N" + (f" (it should be {_write(correct, st)})" if correct else "")]
        return []

    if kind == "input":
        if given_input is not None:
            if claimed is not None and not _same(claimed, given_input):
                return verdict(given_input, [f"the network takes {_hwc(given_input)} inputs"]), None
            return verdict(given_input, claim_problem(given_input)), None
        return verdict(claimed, claim_problem(None)), None
    if kind == "total":
        v = verdict(None, [], correct_text="")
        v.claimed = claimed_text  # a totals row usually leaves the output blank
        return v, None
    if kind == "unknown":
        return verdict(None, [f"cannot check the operation {row.operation!r}: use words such as Conv, "
                              f"Pool, Fully connected, Flatten, ReLU"], correct_text="?"), None
    if prev is None:
        return verdict(None, ["cannot check: the row above gives no readable size"], correct_text="?"), None
    try:
        layer = _read_layer(kind, row, roles, headers)
    except _RowProblem as problem:
        return verdict(None, [problem.reason], problem.cells, correct_text="?"), None

    reasons: list[str] = []
    cells: list[str] = []
    correct: Shape | None
    if kind == "same":
        correct = prev
        if claimed is not None and not _same(claimed, prev):
            reasons.append(f"{row.operation.strip() or 'this layer'} does not change the shape: "
                           f"it stays {_hwc(prev)}")
    elif kind == "flatten":
        correct = (math.prod(prev),)
        if claimed is not None and not _same(claimed, correct):
            if len(prev) == 3:
                c, h, w = prev
                reasons.append(f"flattening {h}×{w}×{c} gives {h}·{w}·{c} = {correct[0]} values")
            else:
                reasons.append(f"the input is already flat: {prev[0]} values")
    elif kind == "fc":
        n_in = math.prod(prev)
        out = layer.out if layer.out is not None else (_flat(claimed)[0] if claimed and len(_flat(claimed)) == 1
                                                       else None)
        if layer.depth is not None and layer.depth != n_in:
            where = f"{_hwc(prev)}" if len(prev) == 3 else f"{n_in} values"
            arriving = (f"{prev[1]}·{prev[2]}·{prev[0]} = {n_in}" if len(prev) == 3 else str(n_in))
            reasons.append(f"after {where} a fully connected layer takes {arriving} inputs, not "
                           f"{layer.depth}" + (f" ({layer.depth_text})" if layer.depth_text and
                                               not (layer.depth_text.isascii() and layer.depth_text.isdigit()) else ""))
            cells.append(headers.get("size", "Size"))
        if out is None:
            correct = None
            if claimed is not None:
                reasons.append(f"a fully connected layer gives a flat vector, not {_hwc(claimed)}")
        else:
            correct = (out,)
            if claimed is not None and not _same(claimed, correct):
                reasons.append(f"a fully connected layer with {out} outputs gives {out} values")
    elif len(prev) != 3:
        correct = None
        what = {"conv": "a convolution", "block": "a residual block"}.get(kind, "a pool")
        reasons.append(f"{what} needs an H×W×C input, but the row above gives {prev[0]} flat values")
    elif kind == "block":
        correct = _judge_block(prev, layer, claimed, reasons, cells, headers)
    elif kind == "conv":
        cin, h, w = prev
        k, s = layer.kernel, layer.stride
        if layer.depth is not None and layer.depth != cin:
            reasons.append(f"the kernel depth must equal the {cin} channels that arrive, not {layer.depth}")
            cells.append(headers.get("size", "Size"))
        cout = layer.out if layer.out is not None else (claimed[0] if claimed and len(claimed) == 3 else None)
        if layer.padding == "same":
            ohw = (h, w) if s == (1, 1) else (math.ceil(h / s[0]), math.ceil(w / s[1]))
        else:
            pad = layer.padding
            if h + 2 * pad[0] < k[0] or w + 2 * pad[1] < k[1]:
                return verdict(None, [f"a {k[0]}×{k[1]} kernel does not fit a {h}×{w} map with padding "
                                      f"{_pair_text(pad)}"], tuple(cells) + (headers.get("size", "Size"),),
                               correct_text="impossible"), layer
            ohw = (_conv_out(h, k[0], pad[0], s[0]), _conv_out(w, k[1], pad[1], s[1]))
        correct = (cout, *ohw) if cout is not None else None
        if claimed is not None and correct is not None and not _same(claimed, correct):
            if len(claimed) != 3:
                reasons.append(f"a convolution gives an H×W×C map: {_hwc(correct)}")
            else:
                if claimed[1:] != correct[1:]:
                    reasons.append(_conv_reason((h, w), layer, ohw, claimed[1:]))
                if claimed[0] != correct[0]:
                    reasons.append(f"{cout} kernels give {cout} channels, not {claimed[0]}")
    else:  # pool
        c, h, w = prev
        if layer.global_pool:
            ohw = (1, 1)
        else:
            k, s, pad = layer.kernel, layer.stride, layer.padding
            oh, ow = _conv_out(h, k[0], pad[0], s[0]), _conv_out(w, k[1], pad[1], s[1])
            if oh < 1 or ow < 1:
                return verdict(None, [f"a {k[0]}×{k[1]} pool does not fit a {h}×{w} map"],
                               (headers.get("size", "Size"),), correct_text="impossible"), layer
            ohw = (oh, ow)
        correct = (c, *ohw)
        if claimed is not None and not _same(claimed, correct):
            if len(claimed) != 3:
                reasons.append(f"pooling gives an H×W×C map: {_hwc(correct)}")
            else:
                if claimed[1:] != correct[1:]:
                    if layer.global_pool:
                        reasons.append(f"a global pool turns each of the {c} channels into one value: 1×1×{c}")
                    else:
                        reasons.append(_pool_reason((h, w), layer, ohw, claimed[1:]))
                if claimed[0] != c:
                    reasons.append(f"pooling keeps the {c} channels, not {claimed[0]}")
    reasons = claim_problem(correct) + reasons
    return verdict(correct, reasons, tuple(cells)), layer


def _judge_block(prev: Shape, layer: _Layer, claimed: Shape | None, reasons: list[str], cells: list[str],
                 headers: dict[str, str]) -> Shape | None:
    """A residual block as torchvision's BasicBlock: conv k×k (stride s, the row's padding), BN,
    ReLU, conv k×k (stride 1, same size), BN; the shortcut is the identity, or a 1×1 conv at
    stride s + BN when the stride or the channels change; the sum goes through a ReLU."""
    cin, h, w = prev
    k, s, pad = layer.kernel, layer.stride, layer.padding
    if layer.depth is not None and layer.depth != cin:
        reasons.append(f"the kernel depth must equal the {cin} channels that arrive, not {layer.depth}")
        cells.append(headers.get("size", "Size"))
    cout = layer.out if layer.out is not None else (claimed[0] if claimed and len(claimed) == 3 else None)
    oh, ow = _conv_out(h, k[0], pad[0], s[0]), _conv_out(w, k[1], pad[1], s[1])
    if oh < 1 or ow < 1:
        reasons.append(f"the block's first {k[0]}×{k[1]} convolution does not fit a {h}×{w} map")
        cells.append(headers.get("size", "Size"))
        return None
    # the second convolution must keep the size for the addition: it pads (k − 1) / 2
    if cout is None:
        return None
    correct = (cout, oh, ow)
    if claimed is not None and not _same(claimed, correct):
        if len(claimed) != 3:
            reasons.append(f"a residual block gives an H×W×C map: {_hwc(correct)}")
        else:
            if claimed[1:] != correct[1:]:
                shortcut = ("the identity shortcut keeps it" if s == (1, 1) and cin == cout else
                            f"the shortcut's 1×1 convolution at stride {_pair_text(s)} gives the same")
                reasons.append(f"a residual block's first {k[0]}×{k[1]} convolution at stride {_pair_text(s)} "
                               f"with padding {_pair_text(pad)} {_verb((h, w), (oh, ow))} "
                               f"({_formula_text((h, w), k, s, pad)}); the second keeps it and {shortcut}, so "
                               f"the addition gets {_hwc(correct)} twice")
            if claimed[0] != cout:
                reasons.append(f"{cout} kernels give {cout} channels, not {claimed[0]}")
    return correct


def check_table(text: str, input_shape: tuple[int, int, int] | None = None,
                against: Architecture | None = None) -> CheckReport:
    """Recompute each row from the claimed output of the row above and judge every claim."""
    rows = parse_table(text)
    if input_shape is None and against is not None:
        input_shape = tuple(against.input_shape)  # type: ignore[assignment]
    given: Shape | None = tuple(int(v) for v in input_shape) if input_shape is not None else None
    if given is None and _kind(rows[0].operation) != "input":
        raise UserInputError("the table does not say the input size: start it with a row such as "
                             "'Input, , , , [28X28X1]' or give the input shape")
    headers = rows[0].role_headers
    first = next((r for r in rows if r.claimed_output is not None), None)
    style = _style_of(first.roles.get("output", "") if first else "[1X1X1]", _Style())
    verdicts: list[RowVerdict] = []
    layers: list[tuple[ClaimedRow, _Layer | None, str]] = []
    prev: Shape | None = given
    prev_true: Shape | None = None  # the corrected output of the row above, when its claim was wrong
    params_sum = 0  # the parameters counted so far, as the table counts them where it is right
    params_true = 0
    has_params = "params" in headers
    for row in rows:
        v, layer = _judge(row, prev, given, style, headers)
        used = prev
        if not v.ok and prev_true is not None and not _same(prev_true, prev):
            # A claim that follows from the *corrected* row above is not a new mistake.
            v2, layer2 = _judge(row, prev_true, given, style, headers)
            if v2.ok:
                v, layer, used = v2, layer2, prev_true
        if has_params:
            counted = _check_params(row, v, layer, used, headers, params_sum, params_true)
            if counted is not None and v.kind != "total":
                params_sum += counted[0]
                params_true += counted[1]
        verdicts.append(v)
        layers.append((row, layer, v.kind))
        if v.kind == "total":
            continue  # a totals row says nothing about the shapes
        if v.kind == "input" and given is not None:
            prev = given
        elif row.claimed_output is not None:
            prev = row.claimed_output
            if v.correct_shape is not None and len(v.correct_shape) == 1 and len(prev) == 3 \
                    and prev[1:] == (1, 1):
                prev = v.correct_shape  # [1X1XN] after a flat layer stands for N values
        else:
            prev = v.correct_shape
        prev_true = v.correct_shape if v.correct_shape is not None and not v.ok else None
    report = CheckReport(verdicts)
    if against is not None:
        report.missing, report.extra = _compare(layers, against)
    return report


# --- parameter counts ------------------------------------------------------------------------
def parse_count(text: str) -> int | None:
    """A parameter count as written: "1,168", "1 168", "21690", "3·3·1·16 + 16", "(3*3*1+1)*16";
    None when unreadable."""
    t = text.strip()
    if re.fullmatch(r"\d{1,3}([,\s_'’]\d{3})+|\d+", t):
        digits = re.sub(r"\D", "", t)
        return int(digits) if len(digits) <= MAX_DIGITS else None
    expr = re.sub(r"[xX×✕·⋅•∙]", "*", t).replace(" ", "")
    if not expr or not re.fullmatch(r"[\d+*()]+", expr):
        return None
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return None

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
            a, b = value(node.left), value(node.right)
            return a + b if isinstance(node.op, ast.Add) else a * b
        raise ValueError("not a sum of products")

    try:
        result = value(tree)
    except (ValueError, RecursionError, MemoryError):
        return None
    return result if result <= MAX_COUNT else None


def _param_truth(kind: str, row: ClaimedRow, layer: _Layer | None, prev: Shape | None,
                 correct: Shape | None) -> tuple[int, dict[int, str], str] | None:
    """(the count with biases, {other acceptable count: why}, how it is made) or None if unknown."""
    op = row.operation.lower()
    if kind in ("input", "flatten", "pool"):
        return 0, {}, "it has no weights"
    if kind == "same":
        if re.search(r"batch|\bbn\b|norm", op):
            if prev is None:
                return None
            c = prev[0]
            return 2 * c, {0: "BatchNorm2d with affine=True, torch's default, learns a scale γ and a shift β "
                              "per channel; its running mean and variance are buffers, not parameters",
                           4 * c: "running mean and variance are buffers, not trained parameters"}, \
                f"a scale γ and a shift β per channel: 2·{c} = {2 * c:,}"
        return 0, {}, "it has no weights"
    if kind == "conv" and layer is not None and layer.kernel is not None and prev is not None \
            and len(prev) == 3 and correct is not None:
        kh, kw = layer.kernel
        cin, cout = prev[0], correct[0]
        w = kh * kw * cin * cout
        how = f"{kh}·{kw}·{cin}·{cout} weights + {cout} biases = {w + cout:,}"
        if re.search(r"block|bn|batch|norm", op):  # a block may count its batch norm (2 per channel)
            return w + cout, {w: NO_BIAS, w + 3 * cout: "", w + 2 * cout: ""}, \
                f"{how} (with the block's batch norm, 2·{cout} more: {w + 3 * cout:,})"
        return w + cout, {w: NO_BIAS}, how
    if kind == "block" and layer is not None and layer.kernel is not None and prev is not None \
            and len(prev) == 3 and correct is not None:
        kh, kw = layer.kernel
        cin, cout = prev[0], correct[0]
        first, second = kh * kw * cin * cout, kh * kw * cout * cout
        projection = layer.stride != (1, 1) or cin != cout
        total = first + second + 4 * cout + ((cin * cout + 2 * cout) if projection else 0)
        how = (f"{kh}·{kw}·{cin}·{cout} + {kh}·{kw}·{cout}·{cout} conv weights (no biases, as in torchvision) "
               f"+ 2·2·{cout} batch norm" + (f" + {cin}·{cout} + 2·{cout} for the 1×1 shortcut and its batch norm"
                                             if projection else ", identity shortcut") + f" = {total:,}")
        return total, {}, how
    if kind == "fc" and prev is not None and correct is not None and len(correct) == 1:
        n_in, out = math.prod(prev), correct[0]
        return n_in * out + out, {n_in * out: NO_BIAS}, \
            f"{n_in}·{out} weights + {out} biases = {n_in * out + out:,}"
    return None


class _NoBias(str):
    """Marks the count of a layer's weights without its bias."""


NO_BIAS = _NoBias("weights only")


def _check_params(row: ClaimedRow, v: RowVerdict, layer: _Layer | None, prev: Shape | None,
                  headers: dict[str, str], so_far: int, true_so_far: int) -> tuple[int, int] | None:
    """Judge the row's parameter count in place; (count as the table has it, true count)."""
    text = row.roles.get("params", "").strip()
    header = headers.get("params", "Parameters")
    if v.kind == "total":
        if _is_na(text):
            return None
        claimed = parse_count(text)
        v.claimed_params, v.correct_params = text, so_far
        if claimed is None:
            v.params_ok = False
            _add(v, f"cannot read the total {text!r}; the rows above add up to {so_far:,}", header)
        elif claimed not in (so_far, true_so_far):
            v.params_ok = False
            _add(v, f"the rows above add up to {so_far:,} parameters, not {claimed:,}", header)
        return None
    truth = _param_truth(v.kind, row, layer, prev, v.correct_shape)
    if truth is None:
        return None
    main, also, how = truth
    if _is_na(text):
        return (0, main) if main == 0 else (main, main)  # not claimed: count it as right
    claimed = parse_count(text)
    v.claimed_params, v.correct_params = text, main
    if claimed is None:
        v.params_ok = False
        _add(v, f"cannot read the parameter count {text!r}; {how}", header)
        return main, main
    if claimed == main or (claimed in also and not also[claimed]):
        v.correct_params = claimed  # an accepted way of counting (the block's batch norm)
        return claimed, main
    if claimed in also and also[claimed] is NO_BIAS:
        # Right for a layer built with bias=False, but the row does not say so: mark it.
        v.params_note = f"right without the bias ({main:,} with it)"
        return claimed, main
    v.params_ok = False
    note = also.get(claimed, "")
    _add(v, f"parameters: {how}, not {claimed:,}" + (f" ({note})" if note else ""), header)
    return main, main


def _add(v: RowVerdict, reason: str, header: str) -> None:
    v.ok = False
    v.reason = f"{v.reason}; {reason}" if v.reason else reason
    v.wrong_cells = tuple(dict.fromkeys(v.wrong_cells + (header,)))


# --- against an architecture ----------------------------------------------------------------
def _describe(token: tuple) -> str:
    kind = token[0]
    if kind in ("conv", "pool") and token[1] is None:
        return f"{kind} (size unreadable)"
    if kind == "conv":
        _, kh, kw, out, s = token
        text = f"conv {kh}×{kw}" + (f", {out} kernels" if out else "")
        return text + (f", stride {_pair_text(s)}" if s != (1, 1) else "")
    if kind == "pool":
        _, kh, kw, s = token
        return f"pool {kh}×{kw}" + (f", stride {_pair_text(s)}" if s != (kh, kw) else "")
    if kind == "gpool":
        return f"adaptive pool to {token[1]}×{token[2]}"
    if kind == "fc":
        return f"fully connected → {token[1]}" if token[1] else "fully connected"
    if kind == "block":
        _, out, s = token
        return "residual block" + (f", {out} channels" if out else "") + (f", stride {_pair_text(s)}" if s != (1, 1) else "")
    return kind  # pragma: no cover


def _arch_tokens(arch: Architecture) -> list[tuple[tuple, str]]:
    table = compute_table(arch)
    out = []
    for spec, row in zip(arch.layers, table.rows):
        where = f"layer {row.index} ({row.name})"
        if spec.is_block:
            first = next((c for c in spec.main if not c.is_block and c.type == "Conv2d"), None)
            try:
                stride = tuple(normalize_params("Conv2d", first.params)["stride"]) if first is not None else (1, 1)
            except UserInputError:
                stride = (1, 1)
            out.append((("block", row.output_shape[0] if row.output_shape else None, stride), where))
            continue
        try:
            p = normalize_params(spec.type, spec.params)
        except UserInputError:
            continue
        if spec.is_block:
            first = next((c for c in spec.main if not c.is_block and c.type == "Conv2d"), None)
            stride = tuple(normalize_params("Conv2d", first.params)["stride"]) if first is not None else (1, 1)
            out.append((("block", row.output_shape[0] if row.output_shape else None, stride), where))
            continue
        if row.type == "Conv2d":
            out.append((("conv", *p["kernel_size"], p["out_channels"], tuple(p["stride"])), where))
        elif row.type in ("MaxPool2d", "AvgPool2d"):
            out.append((("pool", *p["kernel_size"], tuple(p["stride"])), where))
        elif row.type == "AdaptiveAvgPool2d":
            if row.input_shape is not None and row.output_shape is not None and row.input_shape == row.output_shape:
                continue  # changes nothing here (VGG's 7×7 pool at 224×224): tables leave it out
            out.append((("gpool", *p["output_size"]), where))
        elif row.type == "Linear":
            out.append((("fc", p["out_features"]), where))
    return out


def _table_token(row: ClaimedRow, layer: _Layer | None, kind: str) -> tuple | None:
    claimed = row.claimed_output
    if kind == "block":
        out = layer.out if layer is not None and layer.out is not None else (
            claimed[0] if claimed and len(claimed) == 3 else None)
        return ("block", out, tuple(layer.stride) if layer is not None and layer.stride else (1, 1))
    if kind == "conv":
        if layer is None or layer.kernel is None:
            return ("conv", None, None, None, (1, 1))
        out = layer.out if layer.out is not None else (claimed[0] if claimed and len(claimed) == 3 else None)
        return ("conv", *layer.kernel, out, tuple(layer.stride or (1, 1)))
    if kind == "pool":
        if layer is not None and layer.global_pool:
            return ("gpool", 1, 1)
        if layer is None or layer.kernel is None:
            return ("pool", None, None, None)
        return ("pool", *layer.kernel, tuple(layer.stride or layer.kernel))
    if kind == "fc":
        out = layer.out if layer is not None and layer.out is not None else (
            _flat(claimed)[0] if claimed and len(_flat(claimed)) == 1 else None)
        return ("fc", out)
    return None


def _compare(layers: list[tuple[ClaimedRow, _Layer | None, str]], arch: Architecture) -> tuple[list[str], list[str]]:
    name = arch.name or "the architecture"
    wanted = _arch_tokens(arch)
    have = [(tok, row) for row, layer, kind in layers if (tok := _table_token(row, layer, kind)) is not None]
    matcher = difflib.SequenceMatcher(None, [t for t, _ in have], [t for t, _ in wanted], autojunk=False)
    missing, extra = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for tok, row in have[i1:i2]:
            extra.append(f"row {row.row_number} ({row.operation.strip()}): {_describe(tok)} has no "
                         f"counterpart in {name}")
        for tok, where in wanted[j1:j2]:
            missing.append(f"{_describe(tok)}: {where} of {name} has no row in the table")
    return missing, extra


# --- output ----------------------------------------------------------------------------------
def report_lines(report: CheckReport, against_name: str | None = None) -> list[str]:
    """One line per wrong row ("row 3 (Conv block): claimed …, correct …: reason") and per
    missing or extra layer; a single "all … right" line when nothing is wrong."""
    lines = []
    for v in report.wrong:
        op = v.operation.strip() or "?"
        if v.kind == "total" or (not v.params_ok and v.claimed == v.correct):
            # Only the parameter count is wrong: name that claim.
            lines.append(f"row {v.row_number} ({op}): claimed {v.claimed_params} parameters, correct "
                         f"{v.correct_params:,}: {v.reason}")
        else:
            lines.append(f"row {v.row_number} ({op}): claimed {v.claimed}, correct {v.correct}: {v.reason}")
    lines += [f"missing: {m}" for m in report.missing]
    lines += [f"extra: {e}" for e in report.extra]
    notes = [f"note: row {v.row_number} ({v.operation.strip() or '?'}): {v.claimed_params} parameters is "
             f"{v.params_note}" for v in report.verdicts if v.params_note]
    if not lines:
        n = len(report.verdicts)
        lines.append(f"all {n} row{'s' if n != 1 else ''} are right"
                     + (f" and match {against_name}" if against_name else ""))
    return lines + notes


def report_to_dict(report: CheckReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "rows": [{"row": v.row_number, "operation": v.operation, "claimed": v.claimed, "correct": v.correct,
                  "ok": v.ok, "reason": v.reason,
                  "correct_shape": None if v.correct_shape is None else list(v.correct_shape),
                  **({"claimed_params": v.claimed_params, "correct_params": v.correct_params,
                      "params_ok": v.params_ok, "params_note": v.params_note} if v.claimed_params else {})}
                 for v in report.verdicts],
        "missing": list(report.missing),
        "extra": list(report.extra),
    }
