"""The output size of a convolution or pooling along one axis: the one formula, and its text.

torch's rule (Conv2d, MaxPool2d, AvgPool2d), per axis:

    out = ⌊(N + P_before + P_after − D·(K − 1) − 1) / S⌋ + 1

With `ceil_mode` (pools) the division rounds up, but torch drops a last window that would start
in the padding on the far side. Used by the convolution engine (`size_report`), the shape table
(`compute_table`), the table checker and every explanation shown to the user.

It is also the one home of the effective kernel D·(K − 1) + 1 and of 'same' padding:

* PyTorch's padding='same' (stride 1 only): D·(K − 1) zeros in all, the odd one after
  (bottom/right); the output keeps the input's size. The Shapes tab follows PyTorch and refuses
  'same' above stride 1.
* Above stride 1 (PyTorch refuses it) the explorer, `convviz conv` and the table checker apply
  TensorFlow/Keras's rule and say so: ⌈N / S⌉ outputs, with just enough padding for them, the odd
  one after. At stride 1 the two rules agree, so `same_padding` is one formula for both.
"""

from __future__ import annotations


def output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, ceil_mode: bool = False,
                p_after: int | None = None) -> int:
    """Cells along one axis for input size `n`, kernel `k`, stride `s`, padding `p` before (and
    `p_after` after, the same when None), dilation `d`. May be 0 or negative: the window does
    not fit; callers say so in their own words."""
    pa = p if p_after is None else p_after
    top = n + p + pa - effective_kernel(k, d)
    if not ceil_mode:
        return top // s + 1
    out = -(-top // s) + 1
    if (out - 1) * s >= n + p:  # the last window would start in the far padding
        out -= 1
    return out


def effective_kernel(k: int, d: int = 1) -> int:
    """The span of a kernel of size `k` at dilation `d`: D·(K − 1) + 1 input cells."""
    return d * (k - 1) + 1


def same_output_size(n: int, s: int = 1) -> int:
    """Cells along one axis with 'same' padding: N at stride 1 (PyTorch), ⌈N / S⌉ above it
    (TensorFlow/Keras)."""
    return -(-n // s)


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """(before, after) zeros that 'same' adds along one axis of size `n`: enough for
    ⌈N / S⌉ outputs, the odd one after. At stride 1 this is PyTorch's D·(K − 1) in all."""
    total = max((same_output_size(n, s) - 1) * s + effective_kernel(k, d) - n, 0)
    return total // 2, total - total // 2


def output_size_text(n: int, k: int, s: int = 1, p: int = 0, d: int = 1, ceil_mode: bool = False,
                     p_after: int | None = None) -> str:
    """The formula with the user's numbers, e.g. '⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3'."""
    pa = p if p_after is None else p_after
    pad_text = f"2·{p}" if p == pa else f"{p} + {pa}"
    top = n + p + pa - effective_kernel(k, d)
    lo, hi = ("⌈", "⌉") if ceil_mode else ("⌊", "⌋")
    text = f"{lo}({n} + {pad_text} − {d}·({k} − 1) − 1) / {s}{hi} + 1 = {lo}{top} / {s}{hi} + 1"
    plain = (-(-top // s) if ceil_mode else top // s) + 1
    value = output_size(n, k, s, p, d, ceil_mode, p_after)
    if value != plain:
        return f"{text} − 1 = {value} (the last window would start in the padding)"
    return f"{text} = {value}"
