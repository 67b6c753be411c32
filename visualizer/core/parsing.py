"""Reading what a person types for sizes: the one `parse_pair` of ConvViz (no Qt, no torch).

Used by `convviz conv` (stride, dilation, --explain), the Convolution tab and the Shapes tab's
cells. Messages name the field, so they can be shown as they are.
"""

from __future__ import annotations

import re

from visualizer.core.errors import UserInputError

TIMES = "×"

# between the two numbers: x, ×, X, *, ·, a comma, a semicolon or spaces
_SPLIT = re.compile(r"\s*(?:[x×X*·,;]|\s)\s*")


def parse_pair(text: str, name: str, minimum: int = 1, words: tuple[str, ...] = ()) -> "tuple[int, int] | str":
    """'3' -> (3, 3); '2,3', '2x3', '2×3', '[2 3]', '(2, 3)' -> (2, 3); a word from `words`
    (e.g. 'same') is returned as is, lower case. UserInputError naming `name` otherwise."""
    raw = str(text)
    t = raw.strip().strip("[]()").strip().lower()
    if t in words:
        return t
    parts = [p for p in _SPLIT.split(t) if p]
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (1, 2):
        hint = "an integer or two integers 'Y,X'" + "".join(f" or '{w}'" for w in words)
        raise UserInputError(f"{name} must be {hint}, got {raw!r}")
    y, x = nums[0], nums[-1]
    if y < minimum or x < minimum:
        what = "cannot be negative" if minimum == 0 else f"must be at least {minimum}"
        raise UserInputError(f"{name} {what}, got {raw!r}")
    return y, x


def parse_positive_int(text: str, what: str) -> int:
    """'1,568' or '1568' -> 1568; UserInputError naming `what` for anything below 1."""
    try:
        n = int(str(text).strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise UserInputError(f"{what}: expected a whole number, got {str(text).strip()!r}") from None
    if n < 1:
        raise UserInputError(f"{what}: must be at least 1, got {n}")
    return n
