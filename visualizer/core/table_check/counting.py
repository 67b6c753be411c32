"""Counting a row's parameters as the table's layer has them, and judging the row's claim.

The truth comes from the layer-type registry (`LayerType.param_story`), with the settings of the
layer the row stands for when the table is checked against an architecture (bias or not, groups),
so the count in the checker's explanation is the Shapes table's count.
"""

from __future__ import annotations

import re
from typing import Any

from visualizer.core.architecture import NO_BIAS, Architecture, Shape, compute_table, layer_type
from visualizer.core.architecture.base import ParamStory
from visualizer.core.errors import UserInputError
from visualizer.core.table_check.parse import ClaimedRow, _is_na, _Layer, parse_count
from visualizer.core.table_check.report import RowVerdict


def param_truth(kind: str, row: ClaimedRow, layer: _Layer | None, prev: Shape | None, correct: Shape | None,
                settings: dict[str, Any] | None, ref: Any = None) -> ParamStory | None:
    """The parameter count of the row's layer (None if unknown). `settings`: the layer's settings
    as the rules read them (a convolution's or a fully connected layer's); `ref`: the layer of the
    architecture the row stands for, if any."""
    op = row.operation.lower()
    if kind in ("input", "flatten", "pool"):
        return ParamStory(0, {}, "it has no weights")
    if kind == "same":
        if not re.search(r"batch|\bbn\b|norm", op):
            return ParamStory(0, {}, "it has no weights")
        if prev is None:
            return None
        bn = layer_type("BatchNorm2d")
        return bn.param_story({"eps": 1e-5, "affine": True}, prev, prev, row.operation)
    if prev is None or correct is None:
        return None
    if kind == "conv" and settings is not None and len(prev) == 3:
        return layer_type("Conv2d").param_story(settings, prev, correct, row.operation)
    if kind == "block" and layer is not None and layer.kernel is not None and len(prev) == 3:
        return _block_truth(layer, prev, correct, ref)
    if kind == "fc" and settings is not None and len(correct) == 1:
        return layer_type("Linear").param_story(settings, prev, correct, row.operation)
    return None


def _block_truth(layer: _Layer, prev: Shape, correct: Shape, ref: Any) -> ParamStory:
    """torchvision's BasicBlock count; with the block the row stands for, that block's own count
    (its layers' settings decide biases and the shortcut)."""
    kh, kw = layer.kernel  # type: ignore[misc]
    cin, cout = prev[0], correct[0]
    first, second = kh * kw * cin * cout, kh * kw * cout * cout
    projection = layer.stride != (1, 1) or cin != cout
    total = first + second + 4 * cout + ((cin * cout + 2 * cout) if projection else 0)
    how = (f"{kh}·{kw}·{cin}·{cout} + {kh}·{kw}·{cout}·{cout} conv weights (no biases, as in torchvision) "
           f"+ 2·2·{cout} batch norm" + (f" + {cin}·{cout} + 2·{cout} for the 1×1 shortcut and its batch norm"
                                         if projection else ", identity shortcut") + f" = {total:,}")
    if ref is not None:
        try:
            own = compute_table(Architecture(tuple(prev), [ref.spec])).rows[0]  # type: ignore[arg-type]
        except UserInputError:
            own = None
        if own is not None and own.ok and own.params != total:
            total = own.params
            how = f"the block's layers ({ref.row.name}) have {total:,} parameters, as the Shapes table counts them"
    return ParamStory(total, {}, how)


def check_params(row: ClaimedRow, v: RowVerdict, layer: _Layer | None, prev: Shape | None,
                 headers: dict[str, str], so_far: int, true_so_far: int, settings: dict[str, Any] | None = None,
                 ref: Any = None) -> tuple[int, int] | None:
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
            add_reason(v, f"cannot read the total {text!r}; the rows above add up to {so_far:,}", header)
        elif claimed not in (so_far, true_so_far):
            v.params_ok = False
            add_reason(v, f"the rows above add up to {so_far:,} parameters, not {claimed:,}", header)
        return None
    truth = param_truth(v.kind, row, layer, prev, v.correct_shape, settings, ref)
    if truth is None:
        return None
    main, also, how = truth.count, truth.also, truth.how
    if _is_na(text):
        return (0, main) if main == 0 else (main, main)  # not claimed: count it as right
    claimed = parse_count(text)
    v.claimed_params, v.correct_params = text, main
    if claimed is None:
        v.params_ok = False
        add_reason(v, f"cannot read the parameter count {text!r}; {how}", header)
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
    add_reason(v, f"parameters: {how}, not {claimed:,}" + (f" ({note})" if note else ""), header)
    return main, main


def add_reason(v: RowVerdict, reason: str, header: str) -> None:
    v.ok = False
    v.reason = f"{v.reason}; {reason}" if v.reason else reason
    v.wrong_cells = tuple(dict.fromkeys(v.wrong_cells + (header,)))

