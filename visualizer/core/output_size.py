"""The output size of a convolution or pooling along one axis: the one formula, and its text.

torch's rule (Conv2d, MaxPool2d, AvgPool2d), per axis:

    out = ⌊(N + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1

With `ceil_mode` (pools) the division rounds up, but torch drops a last window that would start
in the padding on the far side. Used by the convolution engine (`size_report`), the shape table
(`compute_table`), the table checker and every explanation shown to the user.
"""

from __future__ import annotations


def output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, ceil_mode: bool = False,
                p_after: int | None = None) -> int:
    """Cells along one axis for input size `n`, kernel `k`, stride `s`, padding `p` before (and
    `p_after` after, the same when None), dilation `d`. May be 0 or negative: the window does
    not fit; callers say so in their own words."""
    pa = p if p_after is None else p_after
    top = n + p + pa - d * (k - 1) - 1
    if not ceil_mode:
        return top // s + 1
    out = -(-top // s) + 1
    if (out - 1) * s >= n + p:  # the last window would start in the far padding
        out -= 1
    return out


def output_size_text(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, ceil_mode: bool = False,
                     p_after: int | None = None) -> str:
    """The formula with the user's numbers, e.g. '⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3'."""
    pa = p if p_after is None else p_after
    pad_text = f"2·{p}" if p == pa else f"{p} + {pa}"
    top = n + p + pa - d * (k - 1) - 1
    lo, hi = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    text = f"{lo}({n} + {pad_text} − {d}·({k} − 1) − 1) / {s}{hi} + 1 = {lo}{top} / {s}{hi} + 1"
    plain = (-(-top // s) if ceil_mode else top // s) + 1
    value = output_size(n, k, s, p, d, ceil_mode, p_after)
    if value != plain:
        return f"{text} − 1 = {value} (the last window would start in the padding)"
    return f"{text} = {value}"
