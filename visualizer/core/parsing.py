"""The one grammar for what a person types: numbers, whole numbers, pairs, shapes, devices (no Qt,
no torch).

Every entry point calls these: the CLI's argparse types (`argparse_type`), the configs
(`TrainConfig.validate`), the GUI models (Training form, Convolution grid cells, Shapes cells and
input size). So the same text gets the same verdict everywhere:

- **number**: ASCII digits with an optional sign, a decimal point and an exponent (`0.5`, `-2`,
  `1e-3`, `.5`), or a fraction of two of them (`1/9`). The minus may be `-` or `−` (U+2212, the
  sign ConvViz writes). A comma is never a decimal point (`0,5` is refused: a comma separates list
  items and matrix cells); `_` may group digits as in Python (`1_000`). Not finite (`nan`, `inf`,
  `1e400`) is refused.
- **whole number**: ASCII digits with an optional sign (`-`, `+`, `−`) and `_` grouping, at most 19
  digits (`²` or `٣` are refused, though Python's `str.isdigit()`/`int()` take them).
- **pair**: one or two whole numbers, `3` or `2,3`, `2x3`, `2X3`, `2×3`, `2*3`, `2·3`, `[2 3]`.
- **shape**: three positive whole numbers with the pair's separators: `1,28,28`, `1x28x28`,
  `1X28X28`, `1×28×28`.
- **device**: `auto`, `cpu`, `cuda`, `cuda:N` or `mps`.

Surrounding spaces are ignored. Messages name the field, so they can be shown as they are.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Callable

from visualizer.core.errors import UserInputError

TIMES = "×"
#: What a device may be called (cuda:N too).
DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")
#: The longest text read as one number (a longer one is a typo, or a paste gone wrong).
MAX_NUMBER_TEXT = 64
MAX_WHOLE_DIGITS = 19
#: Each number of a shape is below this (a bigger one is a typo; torch could not allocate it).
MAX_SHAPE_NUMBER = 10**9 - 1

_MINUS = "−"  # U+2212, what ConvViz writes; read as "-"
_DIGITS = r"[0-9](?:_?[0-9])*"
_DECIMAL = rf"[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
_NUMBER = re.compile(rf"({_DECIMAL})(?:\s*/\s*({_DECIMAL}))?")
_WHOLE = re.compile(rf"[+-]?{_DIGITS}")
# between the numbers of a pair or shape: x, ×, X, *, ·, a comma, a semicolon or spaces
_SPLIT = re.compile(r"\s*(?:[x×X*·,;]|\s)\s*")


def _prefix(what: str) -> str:
    return f"{what}: " if what else ""


def _shown(text: str) -> str:
    """`text` in “quotes” for a message, cut as safe_json.excerpt cuts it."""
    from visualizer.core.safe_json import excerpt

    quoted = excerpt(text, 40)  # 'text' or 'text…' (5,000 characters)
    end = quoted.rfind("'")
    return "“" + quoted[1:end] + "”" + quoted[end + 1:]


def parse_number(text: object, what: str = "") -> float:
    """A finite float from `text` (see the module's rule); UserInputError naming `what` if not."""
    if isinstance(text, bool):
        raise UserInputError(f"{_prefix(what)}{_shown(str(text))} is not a number.")
    if isinstance(text, (int, float)):
        try:
            value = float(text)
        except OverflowError:  # an int beyond float's range
            value = math.inf
        if not math.isfinite(value):
            raise UserInputError(f"{_prefix(what)}must be a finite number, got {_shown(str(text))}.")
        return value
    raw = str(text)
    t = raw.strip().replace(_MINUS, "-")
    m = _NUMBER.fullmatch(t) if len(t) <= MAX_NUMBER_TEXT else None
    if m is None:
        hint = ""
        if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", t):
            hint = f" (write a decimal point: {t.replace(',', '.')})"
        elif t.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise UserInputError(f"{_prefix(what)}must be a finite number, got {_shown(raw.strip())}.")
        raise UserInputError(f"{_prefix(what)}{_shown(raw)} is not a number{hint}.")
    num, den = m.group(1), m.group(2)
    value = float(num)
    if den is not None:
        d = float(den)
        if d == 0:
            raise UserInputError(f"{_prefix(what)}{_shown(raw)} divides by zero.")
        value = value / d
    if not math.isfinite(value):
        raise UserInputError(f"{_prefix(what)}must be a finite number, got {_shown(raw.strip())}.")
    return value


def is_whole_number_text(text: object) -> bool:
    """True for unsigned ASCII digits only, at most MAX_WHOLE_DIGITS ("12"; not "²", "٣", "-1",
    "1.0", "1_000" or "")."""
    return isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= MAX_WHOLE_DIGITS


def parse_whole_number(text: object, what: str = "", minimum: int | None = None,
                       maximum: int | None = None) -> int:
    """An int from `text` (see the module's rule), optionally within [minimum, maximum];
    UserInputError naming `what` if not."""
    if isinstance(text, bool):
        raise UserInputError(f"{_prefix(what)}{_shown(str(text))} is not a whole number.")
    if isinstance(text, int):
        value = text
    else:
        raw = str(text)
        t = raw.strip().replace(_MINUS, "-")
        if not _WHOLE.fullmatch(t):
            raise UserInputError(f"{_prefix(what)}{_shown(raw)} is not a whole number.")
        if len(t.lstrip("+-").replace("_", "")) > MAX_WHOLE_DIGITS:
            raise UserInputError(f"{_prefix(what)}{_shown(raw)} has more than {MAX_WHOLE_DIGITS} digits.")
        value = int(t)
    if minimum is not None and value < minimum:
        raise UserInputError(f"{_prefix(what)}must be at least {minimum:,}, got {value:,}.")
    if maximum is not None and value > maximum:
        raise UserInputError(f"{_prefix(what)}must be at most {maximum:,}, got {value:,}.")
    return value


def _whole_parts(text: str) -> list[int] | None:
    """The whole numbers of a pair or shape, None when a part is not one (or has more than
    MAX_WHOLE_DIGITS digits: use _too_long to tell)."""
    parts = [p for p in _SPLIT.split(text) if p]
    if not all(_WHOLE.fullmatch(p.replace(_MINUS, "-")) and not _too_long(p) for p in parts):
        return None
    return [int(p.replace(_MINUS, "-")) for p in parts]


def _too_long(part: str) -> bool:
    return len(part.lstrip("+-−").replace("_", "")) > MAX_WHOLE_DIGITS


def parse_pair(text: object, name: str, minimum: int = 1, words: tuple[str, ...] = (),
               maximum: int | None = None) -> "tuple[int, int] | str":
    """'3' -> (3, 3); '2,3', '2x3', '2×3', '[2 3]', '(2, 3)' -> (2, 3); a word from `words`
    (e.g. 'same') is returned as is, lower case. Each number from `minimum` to `maximum` (when
    given). UserInputError naming `name` otherwise."""
    raw = str(text)
    t = raw.strip().strip("[]()").strip().lower()
    if t in words:
        return t
    nums = _whole_parts(t) or []
    if maximum is not None and not nums and any(_WHOLE.fullmatch(p) and _too_long(p) for p in _SPLIT.split(t)):
        raise UserInputError(f"{name} must be at most {maximum:,}, got {raw!r}")
    if len(nums) not in (1, 2):
        hint = "an integer or two integers 'Y,X'" + "".join(f" or '{w}'" for w in words)
        raise UserInputError(f"{name} must be {hint}, got {raw!r}")
    y, x = nums[0], nums[-1]
    if y < minimum or x < minimum:
        what = "cannot be negative" if minimum == 0 else f"must be at least {minimum}"
        raise UserInputError(f"{name} {what}, got {raw!r}")
    if maximum is not None and max(y, x) > maximum:
        raise UserInputError(f"{name} must be at most {maximum:,}, got {raw!r}")
    return y, x


def parse_shape(text: object, what: str = "input size", count: int = 3) -> tuple[int, ...]:
    """'1,28,28', '1x28x28', '1X28X28', '1×28×28', '[1 28 28]' -> (1, 28, 28): `count` whole
    numbers from 1 to MAX_SHAPE_NUMBER; UserInputError naming `what` otherwise."""
    from visualizer.core.safe_json import excerpt

    raw = str(text)
    nums = _whole_parts(raw.strip().strip("[]()").strip())
    if nums is None or len(nums) != count or not all(1 <= n <= MAX_SHAPE_NUMBER for n in nums):
        example = {3: "C,H,W such as 1,28,28 (or 1×28×28)", 2: "H,W such as 28,28"}.get(count, "")
        raise UserInputError(f"{_prefix(what)}give {count} positive whole numbers {example} (each below "
                             f"{MAX_SHAPE_NUMBER + 1:,}), got {excerpt(raw)}")
    return tuple(nums)


def parse_device(text: object, what: str = "device") -> str:
    """'auto', 'cpu', 'cuda', 'cuda:N' or 'mps' (surrounding spaces dropped); UserInputError
    naming `what` otherwise. Whether this machine has the device is `core.devices`' question."""
    t = text.strip() if isinstance(text, str) else None
    if t is not None and (t in DEVICE_NAMES or (t.startswith("cuda:") and is_whole_number_text(t[5:]))):
        return t
    shown = _shown(str(text)) if isinstance(text, str) else repr(text)
    raise UserInputError(f"{_prefix(what)}must be auto, cpu, cuda, cuda:N or mps, got {shown}.")


def parse_positive_int(text: str, what: str) -> int:
    """A count as the Shapes table shows it: '1568', or '1,568' with thousands separators;
    UserInputError naming `what` for anything below 1."""
    t = str(text).strip()
    if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+", t):
        t = t.replace(",", "")
    try:
        n = parse_whole_number(t)
    except UserInputError:
        raise UserInputError(f"{what}: expected a whole number, got {t!r}") from None
    if n < 1:
        raise UserInputError(f"{what}: must be at least 1, got {n}")
    return n


def argparse_type(parse: Callable[[str], object], name: str) -> Callable[[str], object]:
    """An argparse `type=` from a parse function: its UserInputError becomes argparse's error (one
    line, exit status 2). `name` shows in --help's error lines as argparse names a type."""

    def convert(text: str):
        try:
            return parse(text)
        except UserInputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert


def counting_arg(what: str, low: int = 0, high: int | None = None, wanted: str = "") -> Callable[[str], int]:
    """An argparse `type=` for an option that counts (an index, a step, a batch size): unsigned ASCII
    digits (`is_whole_number_text`) from `low` to `high` (when given). Anything else is argparse's
    error "WHAT must be WANTED, got 'TEXT'", WANTED by default "a whole number from LOW[ to HIGH]"."""
    span = f"from {low} to {high}" if high is not None else f"from {low}"
    wanted = wanted or f"a whole number {span}"

    def convert(text: str) -> int:
        t = text.strip()
        if not is_whole_number_text(t) or int(t) < low or (high is not None and int(t) > high):
            raise argparse.ArgumentTypeError(f"{what} must be {wanted}, got {text!r}")
        return int(t)

    convert.__name__ = "whole number"
    return convert


#: The CLI's argparse types.
number_arg = argparse_type(lambda t: parse_number(t, ""), "number")
whole_number_arg = argparse_type(lambda t: parse_whole_number(t, ""), "whole number")
device_arg = argparse_type(lambda t: parse_device(t, ""), "device")
shape_arg = argparse_type(lambda t: parse_shape(t, ""), "shape")
