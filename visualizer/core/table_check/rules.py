"""Judging each row of a hand-written table: what its layer gives from what arrives, and why a claim
is wrong, in plain words and the user's own notation.

A convolution's and a fully connected layer's output and parameters are the layer-type registry's
(`visualizer.core.architecture.layer_type`), with the settings the row's cells give and, for what
a table has no column for (bias, groups, dilation, 'same'), the settings of the layer the row
stands for when the table is checked against an architecture (`reference.line_up`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from visualizer.core.architecture import Architecture, Shape, layer_type
from visualizer.core.errors import UserInputError
from visualizer.core.output_size import effective_kernel, output_size, output_size_text, same_padding
from visualizer.core.table_check.counting import check_params
from visualizer.core.table_check.parse import (ClaimedRow, _flat, _hwc, _is_na, _kind, _Layer, _pair_text,
                                               _read_layer, _RowProblem, _same, _Style, _style_of, _verb, _write,
                                               parse_table)
from visualizer.core.table_check.reference import Reference, line_up
from visualizer.core.table_check.report import CheckReport, RowVerdict

_NO_DILATION = (1, 1)


def _conv_out(size: int, k: int, p: int, s: int, d: int = 1) -> int:
    return output_size(size, k, s, p, d)


def _axis_formula(size: int, k: int, s: int, pad: Any, axis: int, d: int = 1) -> str:
    """torch's output-size formula with this axis's numbers (core.output_size's notation)."""
    if pad == "same":
        before, after = same_padding(size, k, s, d)
        return output_size_text(size, k, s, before, d, False, after)
    return output_size_text(size, k, s, pad[axis], d)


def _formula_text(hw: tuple[int, int], k: tuple[int, int], s: tuple[int, int], pad: Any,
                  d: tuple[int, int] = _NO_DILATION) -> str:
    rows = _axis_formula(hw[0], k[0], s[0], pad, 0, d[0])
    cols = _axis_formula(hw[1], k[1], s[1], pad, 1, d[1])
    if rows == cols:
        return rows
    return f"{rows} rows and {cols} columns"


def conv_settings(layer: _Layer, cout: int | None, row: ClaimedRow, ref: Reference | None) -> dict[str, Any]:
    """The Conv2d settings a convolution row stands for: kernel, stride and padding from its cells;
    bias, groups, dilation (and 'same' where the padding cell is left empty) from the layer it
    stands for, else torch's defaults."""
    p: dict[str, Any] = {"out_channels": cout or 1, "kernel_size": list(layer.kernel or (1, 1)),
                         "stride": list(layer.stride or (1, 1)),
                         "padding": layer.padding if layer.padding == "same" else list(layer.padding),
                         "dilation": [1, 1], "groups": 1, "bias": True}
    own = ref.params if ref is not None else {}
    if "kernel_size" in own and "groups" in own:  # a convolution
        p["bias"], p["dilation"], p["groups"] = own["bias"], list(own["dilation"]), own["groups"]
        if own["padding"] == "same" and _is_na(row.roles.get("padding", "")):
            p["padding"] = "same"
    return p


def _conv_reason(hw: tuple[int, int], layer: _Layer, p: dict[str, Any], correct_hw: tuple[int, int],
                 claimed_hw: tuple[int, int] | None) -> str:
    k, s, d, pad = tuple(p["kernel_size"]), tuple(p["stride"]), tuple(p["dilation"]), p["padding"]
    ktxt = f"{k[0]}×{k[1]}"
    if pad == "same":
        implied = {same_padding(hw[a], k[a], s[a], d[a]) for a in range(2)}
        if len(implied) == 1:
            before, after = implied.pop()
            ptxt = (f"'same' padding ({before} on each side)" if before == after
                    else f"'same' padding ({before} before, {after} after)")
        else:
            ptxt = "'same' padding"  # the formula below gives each axis's
        if max(s) > 1:  # PyTorch has no 'same' at a stride above 1: say whose rule this is
            ptxt += " (TensorFlow/Keras's rule at a stride above 1: ⌈N / S⌉ outputs)"
    else:
        ptxt = f"padding {_pair_text(tuple(pad))}"
    dtxt = f" (dilation {_pair_text(d)})" if d != _NO_DILATION else ""
    story = f"{ptxt} with a {ktxt} kernel{dtxt} at stride {_pair_text(s)} {_verb(hw, correct_hw)}"
    if claimed_hw is None:
        return story
    # A hint: which padding (or stride) would give what the table claims?
    for q in range(0, max(k) + 1):
        if all(_conv_out(hw[a], k[a], q, s[a], d[a]) == claimed_hw[a] for a in range(2)):
            return f"{story}; padding {q} {_verb(hw, claimed_hw)}"
    if pad != "same":
        for st in range(1, max(k) + 3):
            if all(_conv_out(hw[a], k[a], pad[a], st, d[a]) == claimed_hw[a] for a in range(2)):
                return f"{story}; stride {st} {_verb(hw, claimed_hw)}"
    return f"{story}: {_formula_text(hw, k, s, pad, d)}"


def _pool_reason(hw: tuple[int, int], layer: _Layer, correct_hw: tuple[int, int],
                 claimed_hw: tuple[int, int] | None) -> str:
    k, s, p = layer.kernel, layer.stride, layer.padding
    story = f"a {k[0]}×{k[1]} pool at stride {_pair_text(s)}"
    if p != (0, 0):
        story += f" with padding {_pair_text(p)}"
    story += f" {_verb(hw, correct_hw)}"
    if claimed_hw is not None:
        for st in range(1, max(k) + 3):
            if all(_conv_out(hw[a], k[a], p[a], st) == claimed_hw[a] for a in range(2)):
                return f"{story}; stride {st} {_verb(hw, claimed_hw)}"
    return f"{story}: {_formula_text(hw, k, s, p)}"


@dataclass
class _Case:
    """One row being judged: what it says, what arrives, and what the rules found."""

    row: ClaimedRow
    layer: _Layer
    prev: Shape
    claimed: Shape | None
    headers: dict[str, str]
    ref: Reference | None
    reasons: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    impossible: bool = False  # the layer cannot be applied: no output at all
    settings: dict[str, Any] | None = None  # the layer's settings, for its parameter count

    def size_cell(self) -> str:
        return self.headers.get("size", "Size")


def _rule_same(c: _Case) -> Shape | None:
    if c.claimed is not None and not _same(c.claimed, c.prev):
        c.reasons.append(f"{c.row.operation.strip() or 'this layer'} does not change the shape: "
                         f"it stays {_hwc(c.prev)}")
    return c.prev


def _rule_flatten(c: _Case) -> Shape | None:
    correct = (math.prod(c.prev),)
    if c.claimed is not None and not _same(c.claimed, correct):
        if len(c.prev) == 3:
            ch, h, w = c.prev
            c.reasons.append(f"flattening {h}×{w}×{ch} gives {h}·{w}·{ch} = {correct[0]} values")
        else:
            c.reasons.append(f"the input is already flat: {c.prev[0]} values")
    return correct


def _rule_fc(c: _Case) -> Shape | None:
    layer, prev, claimed = c.layer, c.prev, c.claimed
    n_in = math.prod(prev)
    out = layer.out if layer.out is not None else (_flat(claimed)[0] if claimed and len(_flat(claimed)) == 1
                                                   else None)
    if layer.depth is not None and layer.depth != n_in:
        where = f"{_hwc(prev)}" if len(prev) == 3 else f"{n_in} values"
        arriving = f"{prev[1]}·{prev[2]}·{prev[0]} = {n_in}" if len(prev) == 3 else str(n_in)
        written = layer.depth_text
        c.reasons.append(f"after {where} a fully connected layer takes {arriving} inputs, not {layer.depth}"
                         + (f" ({written})" if written and not (written.isascii() and written.isdigit()) else ""))
        c.cells.append(c.size_cell())
    if out is None:
        if claimed is not None:
            c.reasons.append(f"a fully connected layer gives a flat vector, not {_hwc(claimed)}")
        return None
    own = c.ref.params if c.ref is not None else {}
    c.settings = {"out_features": out, "bias": own.get("bias", True) if "out_features" in own else True}
    correct = tuple(int(v) for v in layer_type("Linear").infer(c.settings, (n_in,)).output)  # type: ignore
    if claimed is not None and not _same(claimed, correct):
        c.reasons.append(f"a fully connected layer with {out} outputs gives {out} values")
    return correct


def _rule_conv(c: _Case) -> Shape | None:
    cin, h, w = c.prev
    layer, claimed = c.layer, c.claimed
    cout = layer.out if layer.out is not None else (claimed[0] if claimed and len(claimed) == 3 else None)
    p = conv_settings(layer, cout, c.row, c.ref)
    if cin % p["groups"] or p["out_channels"] % p["groups"]:
        p["groups"] = 1  # the table's channels do not fit the layer's groups: judge it as a plain one
    depth = cin // p["groups"]
    if layer.depth is not None and layer.depth != depth:
        per = f" (groups {p['groups']}: {cin} / {p['groups']} = {depth} per kernel)" if p["groups"] != 1 else ""
        c.reasons.append(f"the kernel depth must equal the {cin} channels that arrive{per}, not {layer.depth}")
        c.cells.append(c.size_cell())
    k, d, pad = p["kernel_size"], p["dilation"], p["padding"]
    span = (effective_kernel(k[0], d[0]), effective_kernel(k[1], d[1]))
    if pad != "same" and (h + 2 * pad[0] < span[0] or w + 2 * pad[1] < span[1]):
        c.reasons = [f"a {k[0]}×{k[1]} kernel does not fit a {h}×{w} map with padding {_pair_text(tuple(pad))}"]
        c.cells.append(c.size_cell())
        c.impossible = True
        return None
    ohw = layer_type("Conv2d").axis_sizes(p, (h, w))
    c.settings = p if cout is not None else None
    correct = (cout, *ohw) if cout is not None else None
    if claimed is not None and correct is not None and not _same(claimed, correct):
        if len(claimed) != 3:
            c.reasons.append(f"a convolution gives an H×W×C map: {_hwc(correct)}")
        else:
            if claimed[1:] != correct[1:]:
                c.reasons.append(_conv_reason((h, w), layer, p, ohw, claimed[1:]))
            if claimed[0] != correct[0]:
                c.reasons.append(f"{cout} kernels give {cout} channels, not {claimed[0]}")
    return correct


def _rule_pool(c: _Case) -> Shape | None:
    ch, h, w = c.prev
    layer, claimed = c.layer, c.claimed
    if layer.global_pool:
        ohw = (1, 1)
    else:
        k, s, pad = layer.kernel, layer.stride, layer.padding
        oh, ow = _conv_out(h, k[0], pad[0], s[0]), _conv_out(w, k[1], pad[1], s[1])
        if oh < 1 or ow < 1:
            c.reasons.append(f"a {k[0]}×{k[1]} pool does not fit a {h}×{w} map")
            c.cells.append(c.size_cell())
            c.impossible = True
            return None
        ohw = (oh, ow)
    correct = (ch, *ohw)
    if claimed is not None and not _same(claimed, correct):
        if len(claimed) != 3:
            c.reasons.append(f"pooling gives an H×W×C map: {_hwc(correct)}")
        else:
            if claimed[1:] != correct[1:]:
                if layer.global_pool:
                    c.reasons.append(f"a global pool turns each of the {ch} channels into one value: 1×1×{ch}")
                else:
                    c.reasons.append(_pool_reason((h, w), layer, ohw, claimed[1:]))
            if claimed[0] != ch:
                c.reasons.append(f"pooling keeps the {ch} channels, not {claimed[0]}")
    return correct


def _rule_block(c: _Case) -> Shape | None:
    """A residual block as torchvision's BasicBlock: conv k×k (stride s, the row's padding), BN,
    ReLU, conv k×k (stride 1, same size), BN; the shortcut is the identity, or a 1×1 conv at
    stride s + BN when the stride or the channels change; the sum goes through a ReLU."""
    cin, h, w = c.prev
    layer, claimed = c.layer, c.claimed
    k, s, pad = layer.kernel, layer.stride, layer.padding
    if layer.depth is not None and layer.depth != cin:
        c.reasons.append(f"the kernel depth must equal the {cin} channels that arrive, not {layer.depth}")
        c.cells.append(c.size_cell())
    cout = layer.out if layer.out is not None else (claimed[0] if claimed and len(claimed) == 3 else None)
    oh, ow = _conv_out(h, k[0], pad[0], s[0]), _conv_out(w, k[1], pad[1], s[1])
    if oh < 1 or ow < 1:
        c.reasons.append(f"the block's first {k[0]}×{k[1]} convolution does not fit a {h}×{w} map")
        c.cells.append(c.size_cell())
        return None
    # the second convolution must keep the size for the addition: it pads (k − 1) / 2
    if cout is None:
        return None
    correct = (cout, oh, ow)
    if claimed is not None and not _same(claimed, correct):
        if len(claimed) != 3:
            c.reasons.append(f"a residual block gives an H×W×C map: {_hwc(correct)}")
        else:
            if claimed[1:] != correct[1:]:
                shortcut = ("the identity shortcut keeps it" if s == (1, 1) and cin == cout else
                            f"the shortcut's 1×1 convolution at stride {_pair_text(s)} gives the same")
                c.reasons.append(f"a residual block's first {k[0]}×{k[1]} convolution at stride {_pair_text(s)} "
                                 f"with padding {_pair_text(pad)} {_verb((h, w), (oh, ow))} "
                                 f"({_formula_text((h, w), k, s, pad)}); the second keeps it and {shortcut}, so "
                                 f"the addition gets {_hwc(correct)} twice")
            if claimed[0] != cout:
                c.reasons.append(f"{cout} kernels give {cout} channels, not {claimed[0]}")
    return correct


#: The rule for each kind of row (the table's own words: see `parse._kind`).
_RULES: dict[str, Callable[[_Case], "Shape | None"]] = {
    "same": _rule_same, "flatten": _rule_flatten, "fc": _rule_fc, "conv": _rule_conv, "pool": _rule_pool,
    "block": _rule_block,
}
_NEEDS_MAP = {"conv": "a convolution", "block": "a residual block", "pool": "a pool"}


@dataclass
class _Judged:
    verdict: RowVerdict
    layer: _Layer | None = None
    settings: dict[str, Any] | None = None


def _judge(row: ClaimedRow, prev: Shape | None, given_input: Shape | None, style: _Style,
           headers: dict[str, str], ref: Reference | None) -> _Judged:
    kind = _kind(row.operation)
    claimed_text = row.roles.get("output", "").strip()
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
        if given_input is not None and claimed is not None and not _same(claimed, given_input):
            return _Judged(verdict(given_input, [f"the network takes {_hwc(given_input)} inputs"]))
        return _Judged(verdict(given_input, claim_problem(given_input)) if given_input is not None
                       else verdict(claimed, claim_problem(None)))
    if kind == "total":
        v = verdict(None, [], correct_text="")
        v.claimed = claimed_text  # a totals row usually leaves the output blank
        return _Judged(v)
    if kind == "unknown":
        return _Judged(verdict(None, [f"cannot check the operation {row.operation!r}: use words such as Conv, "
                                      f"Pool, Fully connected, Flatten, ReLU"], correct_text="?"))
    if prev is None:
        return _Judged(verdict(None, ["cannot check: the row above gives no readable size"], correct_text="?"))
    try:
        layer = _read_layer(kind, row, row.roles, headers)
    except _RowProblem as problem:
        return _Judged(verdict(None, [problem.reason], problem.cells, correct_text="?"))
    if kind in _NEEDS_MAP and len(prev) != 3:
        return _Judged(verdict(None, claim_problem(None) + [
            f"{_NEEDS_MAP[kind]} needs an H×W×C input, but the row above gives {prev[0]} flat values"]), layer)
    case = _Case(row, layer, prev, claimed, headers, ref)
    correct = _RULES[kind](case)
    if case.impossible:
        return _Judged(verdict(None, case.reasons, tuple(case.cells), correct_text="impossible"), layer)
    return _Judged(verdict(correct, claim_problem(correct) + case.reasons, tuple(case.cells)), layer, case.settings)


def _pre_read(rows: list[ClaimedRow], headers: dict[str, str]) -> list[tuple[ClaimedRow, _Layer | None, str]]:
    """Each row's kind and layer as its cells give them (to line the table up with a network)."""
    out = []
    for row in rows:
        kind = _kind(row.operation)
        try:
            layer = _read_layer(kind, row, row.roles, headers) if kind in ("conv", "pool", "fc", "block") else None
        except _RowProblem:
            layer = None
        out.append((row, layer, kind))
    return out


def check_table(text: str, input_shape: tuple[int, int, int] | None = None,
                against: Architecture | None = None, reference: Architecture | None = None) -> CheckReport:
    """Recompute each row from the claimed output of the row above and judge every claim.

    `against`: also name the layers the table lacks and the rows it has extra. `reference` (by
    default `against`): the network the table describes; each row lined up with one of its
    layers is judged with that layer's own settings (bias or not, groups, dilation, 'same')."""
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
    read = _pre_read(rows, headers)
    refs: dict[int, Reference] = {}
    missing: list[str] = []
    extra: list[str] = []
    if against is not None:
        refs, missing, extra = line_up(read, against)
    if reference is not None and reference is not against:
        refs = line_up(read, reference)[0]
    report = CheckReport(_judge_rows(rows, given, style, headers, refs))
    report.missing, report.extra = missing, extra
    return report


def _judge_rows(rows: list[ClaimedRow], given: Shape | None, style: _Style, headers: dict[str, str],
                refs: dict[int, Reference]) -> list[RowVerdict]:
    verdicts: list[RowVerdict] = []
    prev: Shape | None = given
    prev_true: Shape | None = None  # the corrected output of the row above, when its claim was wrong
    params_sum = 0  # the parameters counted so far, as the table counts them where it is right
    params_true = 0
    has_params = "params" in headers
    for row in rows:
        ref = refs.get(row.row_number)
        j = _judge(row, prev, given, style, headers, ref)
        used = prev
        if not j.verdict.ok and prev_true is not None and not _same(prev_true, prev):
            # A claim that follows from the *corrected* row above is not a new mistake.
            j2 = _judge(row, prev_true, given, style, headers, ref)
            if j2.verdict.ok:
                j, used = j2, prev_true
        v = j.verdict
        if has_params:
            counted = check_params(row, v, j.layer, used, headers, params_sum, params_true, j.settings, ref)
            if counted is not None and v.kind != "total":
                params_sum += counted[0]
                params_true += counted[1]
        verdicts.append(v)
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
    return verdicts
