"""Reading a hand-written layer table: its columns, cells, sizes, paddings, strides and counts, and
writing shapes back in the user's own notation (no Qt, no torch)."""

from __future__ import annotations

import ast
import csv
import math
import re
from dataclasses import dataclass, field
from typing import Any

from visualizer.core.architecture import Shape
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import is_whole_number_text


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
    if not parts or not all(is_whole_number_text(p) for p in parts):
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


def _read_kernel(layer: _Layer, size: str, size_h: str) -> None:
    """A convolution's (or block's) Size cell: [3X3X1]X16, 3x3x16, 3x3 or 3."""
    m = re.fullmatch(r"\s*[\[\(]([^\]\)]*)[\]\)]\s*(?:[xX×✕*·⋅•∙]\s*(\d+))?\s*", size)
    if m:
        inner = _numbers(m.group(1))
        if inner is None or not 1 <= len(inner) <= 3:
            raise _RowProblem(f"cannot read the kernel size {size!r}; write it as [3X3X1]X16", (size_h,))
        layer.kernel = (inner[0], inner[0]) if len(inner) == 1 else (inner[0], inner[1])
        layer.depth = inner[2] if len(inner) == 3 else None
        layer.out = int(m.group(2)) if m.group(2) else None
    else:
        nums = _numbers(size) if not _is_na(size) else None
        if not nums or len(nums) > 4:
            raise _RowProblem(f"cannot read the kernel size {size!r}; write it as [3X3X1]X16", (size_h,))
        layer.kernel = (nums[0], nums[0]) if len(nums) == 1 else (nums[0], nums[1])
        if len(nums) == 3:
            layer.out = nums[2]
        elif len(nums) == 4:
            layer.depth, layer.out = nums[2], nums[3]
    if min(layer.kernel) < 1 or (layer.out is not None and layer.out < 1):
        raise _RowProblem(f"the kernel size {size!r} must use positive numbers", (size_h,))


def _read_layer(kind: str, row: ClaimedRow, roles: dict[str, str], headers: dict[str, str]) -> _Layer:
    size = roles.get("size", "")
    layer = _Layer(kind)
    size_h = headers.get("size", "Size")
    if kind in ("conv", "block"):
        _read_kernel(layer, size, size_h)
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

