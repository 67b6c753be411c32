"""One precision rule for every number the explorer shows (no Qt).

On screen a number has at most 3 significant digits (whole numbers are written whole) and a real
minus sign; the exact value is on hover and in exports (`matrix_format`), never rounded there.
"""

from __future__ import annotations

import math

#: Significant digits of a number on screen.
SHOWN_DIGITS = 3


def significant(v: float, digits: int) -> str:
    """A finite `v` to `digits` significant digits without trailing zeros, a whole number as one,
    with a real minus: (−0.309087, 3) → "−0.309", (2.0, 6) → "2", (1.2999999999999998, 6) → "1.3"."""
    if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
        text = str(int(round(v)))
    else:
        text = f"{v:.{digits}g}"
        if "e" not in text and "." in text:
            text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text.replace("-", "−")


def shown(v: float) -> str:
    """`v` as the explorer shows it: 7.176 → "7.18", −0.309087 → "−0.309", 24 → "24", 1234.5 → "1235"."""
    v = float(v)
    if not math.isfinite(v):
        return "—"
    if abs(v) >= 10 ** SHOWN_DIGITS:  # a large number whole, never "1.23e+03"
        v = float(round(v))
    return significant(v, SHOWN_DIGITS)


def exact(v: float) -> str:
    """`v` in full (for tool tips): up to 12 significant digits, a real minus sign."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    text = f"{v:.12g}"
    return "0" if text == "-0" else text.replace("-", "−")


def signed_term(text: str, first: bool) -> tuple[str, str]:
    """The operator before a term of a written sum and the term without its sign: ("+ ", "0.2×7"),
    ("− ", "0.309×0") for "−0.309×0"; the first term keeps its sign and has no operator."""
    if first:
        return "", text
    if text.startswith("−"):
        return " − ", text[1:]
    return " + ", text


def in_parens(v: float) -> str:
    """A factor after "×" as shown, a negative one in parentheses: "0.299", "(−1)"."""
    t = shown(v)
    return f"({t})" if t.startswith("−") else t


def equals_sign(numbers) -> str:
    """"=" when every number of a written line is shown exactly, "≈" when rounding to the shown
    digits may make the written numbers add up to a little more or less than the result."""
    return "=" if all(shown(v) == exact(v) for v in numbers) else "≈"


def written_sum(terms: list[str], numbers, total: float) -> str:
    """Terms as shown ("0.2×7", "−0.309×0"), a negative one written as a minus, then "=" or "≈"
    (equals_sign of `numbers`, the total among them) and the total: "0.2×7 − 0.309×0 ≈ 1.4"."""
    body = "".join("".join(signed_term(t, i == 0)) for i, t in enumerate(terms))
    return f"{body} {equals_sign(list(numbers) + [total])} {shown(total)}"
