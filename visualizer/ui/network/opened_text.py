"""The words and numbers of an opened map (`opened.py`), by the house rule of
`core/number_text.py`: 3 significant digits and a real minus on screen ("− 0.31", never
"+ −0.309087"), "≈" where the shown numbers are rounded, and the exact value of every number on
hover (each is a link whose address holds it: `exact_of`)."""

from __future__ import annotations

from html import escape

import numpy as np

from visualizer.core.activations import channel_windows
from visualizer.core.number_text import equals_sign, exact, shown, signed_term

#: Partial sums written out one by one up to this many channels (then only their Σ).
LISTED_PARTIALS = 8


def bias_text(bias: float) -> str:
    """"bias 0.0587", "bias (−0.0587)": a negative bias in brackets after its "+"."""
    t = shown(bias)
    return f"bias ({t})" if t.startswith("−") else f"bias {t}"


def title_html(name: str, parts) -> str:
    """The opened map's title: which map, what it is made of, and its bias."""
    ho, wo = parts.total.shape
    kh, kw = parts.kernels.shape[1:]
    return (f"<b>{escape(name)}, output channel {parts.out_channel + 1}</b> ({ho}×{wo}): "
            f"{len(parts.channels)} input maps ⋆ {kh}×{kw} kernel slices (cross-correlation), "
            f"stride {parts.stride[0]}×{parts.stride[1]}, padding {parts.padding[0]}, {bias_text(parts.bias)}")


def total_line(parts) -> str:
    """The line over the sum's picture."""
    return f"Σ of the {len(parts.channels)} correlations + {bias_text(parts.bias)} = the map"


def exact_of(href: str) -> str:
    """The exact value a number's link holds ("" for any other link)."""
    return href[len("exact:"):] if href.startswith("exact:") else ""


class _Writer:
    """Numbers as links that hold their exact value, in the text colour (not a link's blue)."""

    def __init__(self, colour: str) -> None:
        self.style = f"color:{colour}; text-decoration:none"

    def number(self, v: float, text: str | None = None) -> str:
        text = shown(v) if text is None else text
        return (f"<a href='exact:{exact(v)}' style='{self.style}'><span style='{self.style}'>"
                f"{escape(text).replace(' ', '&nbsp;')}</span></a>")

    def matrix(self, m: np.ndarray) -> str:
        """A small matrix in monospace, each column's numbers right-aligned."""
        texts = [[shown(v) for v in row] for row in m]
        width = max(len(t) for row in texts for t in row)
        return "<br>".join("&nbsp;".join(self.number(v, t.rjust(width)) for v, t in zip(row, trow))
                           for row, trow in zip(m, texts))

    def plus(self, v: float, first: bool) -> str:
        """A summand: "0.5" first, then " + 0.5" or " − 0.31"."""
        op, text = signed_term(shown(v), first)
        return f"{op}{self.number(v, text)}"


def arithmetic_html(parts, oy: int, ox: int, colour: str = "black") -> str:
    """Each channel's window ⊙ kernel slice summed (its partial sum), then the partial sums plus the
    bias: the map's value at (oy, ox), counted from 1 on screen."""
    windows = channel_windows(parts, oy, ox)
    w = _Writer(colour)
    # each channel's line over its window and slice, not columns of their own: the table fits a narrow pane
    rows = ["<tr><th>window</th><th>kernel slice</th></tr>"]
    partials = []
    for i, c in enumerate(parts.channels):
        s = float(np.sum(windows[i].astype(np.float64) * parts.kernels[i].astype(np.float64)))
        partials.append(s)
        rows.append(f"<tr><td colspan=2>channel {c + 1}: Σ window ⊙ slice = <b>{w.number(s)}</b></td></tr>"
                    f"<tr><td align=right><tt>{w.matrix(windows[i])}</tt></td>"
                    f"<td align=right><tt>{w.matrix(parts.kernels[i])}</tt></td></tr>")
    total = float(sum(partials)) + float(parts.bias)
    value = float(parts.total[oy, ox])
    if len(partials) <= LISTED_PARTIALS:
        summands = "".join(w.plus(s, first=i == 0) for i, s in enumerate(partials))
        numbers = partials + [float(parts.bias), total]
    else:  # a wall of numbers reads worse than the table above it
        summands = f"Σ of the {len(partials)} partial sums {w.number(sum(partials))}"
        numbers = [sum(partials), float(parts.bias), total]
    bias = float(parts.bias)
    bias_part = f" + bias {w.number(bias, f'({shown(bias)})' if shown(bias).startswith('−') else None)}"
    return (f"<b>Output pixel row {oy + 1}, column {ox + 1}</b><table cellspacing=3>{''.join(rows)}</table>"
            f"{summands}{bias_part} {equals_sign(numbers)} <b>{w.number(total)}</b> "
            f"(the map holds {w.number(value)})")
