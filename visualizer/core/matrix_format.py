"""A matrix as text: plain columns, CSV, JSON-ready lists, Markdown and LaTeX (bmatrix).

Used by the `conv` CLI and by the explorer's export and clipboard actions, so both write the
same text.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from visualizer.core.convolution import format_number

FORMATS = ("text", "csv", "json", "markdown", "latex")


def _plain(v: float) -> str:
    # CSV/LaTeX/Markdown need an ASCII minus so spreadsheets and TeX read them.
    return format_number(v, digits=10).replace("−", "-")


def to_text(m: np.ndarray) -> str:
    cells = [[format_number(v).replace("−", "-") for v in row] for row in np.atleast_2d(m)]
    width = max(len(c) for row in cells for c in row)
    return "\n".join(" ".join(c.rjust(width) for c in row) for row in cells)


def to_csv(m: np.ndarray) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in np.atleast_2d(m):
        writer.writerow([_plain(v) for v in row])
    return buf.getvalue().rstrip("\n")


def to_markdown(m: np.ndarray) -> str:
    m = np.atleast_2d(m)
    header = "| " + " | ".join(f"c{j + 1}" for j in range(m.shape[1])) + " |"
    rule = "|" + "|".join("---:" for _ in range(m.shape[1])) + "|"
    rows = ["| " + " | ".join(_plain(v) for v in row) + " |" for row in m]
    return "\n".join([header, rule] + rows)


def to_latex(m: np.ndarray) -> str:
    rows = [" & ".join(_plain(v) for v in row) + r" \\" for row in np.atleast_2d(m)]
    if rows:
        rows[-1] = rows[-1][: -len(r" \\")]
    return "\\begin{bmatrix}\n" + "\n".join("  " + r for r in rows) + "\n\\end{bmatrix}"


def to_lists(m: np.ndarray) -> list[list[float]]:
    """Rows of Python floats, rounded to 12 significant digits so 1.2999999999 prints as 1.3."""
    return [[float(f"{v:.12g}") for v in row] for row in np.atleast_2d(m)]


def format_matrix(m: np.ndarray, fmt: str) -> str:
    if fmt == "text":
        return to_text(m)
    if fmt == "csv":
        return to_csv(m)
    if fmt == "markdown":
        return to_markdown(m)
    if fmt == "latex":
        return to_latex(m)
    raise ValueError(f"unknown matrix format {fmt!r}")
