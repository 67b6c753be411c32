"""Lining a table up with an architecture: which rows stand for which layers, which layers the
table lacks and which rows have no counterpart. A row lined up with a layer is judged with that
layer's own settings (bias, groups, dilation, 'same')."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from visualizer.core.architecture import Architecture, canonical_type, compute_table, layer_type, normalize_params
from visualizer.core.errors import UserInputError
from visualizer.core.table_check.parse import ClaimedRow, _flat, _Layer, _pair_text


def _describe(token: tuple) -> str:
    kind = token[0]
    if kind in ("conv", "pool") and token[1] is None:
        return f"{kind} (size unreadable)"
    if kind == "conv":
        _, kh, kw, out, s = token
        text = f"conv {kh}×{kw}" + (f", {out} kernels" if out else "")
        return text + (f", stride {_pair_text(s)}" if s != (1, 1) else "")
    if kind == "pool":
        _, kh, kw, s = token
        return f"pool {kh}×{kw}" + (f", stride {_pair_text(s)}" if s != (kh, kw) else "")
    if kind == "gpool":
        return f"adaptive pool to {token[1]}×{token[2]}"
    if kind == "fc":
        return f"fully connected → {token[1]}" if token[1] else "fully connected"
    if kind == "block":
        _, out, s = token
        return ("residual block" + (f", {out} channels" if out else "")
                + (f", stride {_pair_text(s)}" if s != (1, 1) else ""))
    return kind  # pragma: no cover


@dataclass
class Reference:
    """The layer a table row stands for: its spec (settings as normalised), its computed row."""

    spec: Any  # LayerSpec
    row: Any  # LayerRow
    params: dict[str, Any]


def _arch_tokens(arch: Architecture) -> list[tuple[tuple, str, Reference]]:
    """The layers a table is compared on (convolutions, pools, fully connected layers, blocks),
    as tokens, with where they are and the layer itself; each type says which kind it is
    (`LayerType.table_kind`)."""
    table = compute_table(arch)
    out = []
    for spec, row in zip(arch.layers, table.rows):
        where = f"layer {row.index} ({row.name})"
        if spec.is_block:
            first = next((c for c in spec.main if not c.is_block and layer_type_of(c) == "conv"), None)
            try:
                stride = tuple(normalize_params(first.type, first.params)["stride"]) if first is not None else (1, 1)
            except UserInputError:
                stride = (1, 1)
            token = ("block", row.output_shape[0] if row.output_shape else None, stride)
            out.append((token, where, Reference(spec, row, dict(spec.params or {}))))
            continue
        try:
            t = canonical_type(spec.type)
            p = normalize_params(t, spec.params)
        except UserInputError:
            continue
        kind = layer_type(t)
        if kind.table_kind == "conv":
            token = ("conv", *p["kernel_size"], p["out_channels"], tuple(p["stride"]))
        elif kind.table_kind == "pool" and "kernel" in kind.columns:
            token = ("pool", *p["kernel_size"], tuple(p["stride"]))
        elif kind.table_kind == "pool":
            if row.input_shape is not None and row.output_shape is not None and row.input_shape == row.output_shape:
                continue  # changes nothing here (VGG's 7×7 pool at 224×224): tables leave it out
            token = ("gpool", *p["output_size"])
        elif kind.table_kind == "fc":
            token = ("fc", p["out_features"])
        else:
            continue
        out.append((token, where, Reference(spec, row, p)))
    return out


def layer_type_of(spec: Any) -> str:
    """The table kind of a layer spec ("" when its type is unknown)."""
    try:
        return layer_type(canonical_type(spec.type)).table_kind
    except UserInputError:
        return ""


def _table_token(row: ClaimedRow, layer: _Layer | None, kind: str) -> tuple | None:
    claimed = row.claimed_output
    if kind == "block":
        out = layer.out if layer is not None and layer.out is not None else (
            claimed[0] if claimed and len(claimed) == 3 else None)
        return ("block", out, tuple(layer.stride) if layer is not None and layer.stride else (1, 1))
    if kind == "conv":
        if layer is None or layer.kernel is None:
            return ("conv", None, None, None, (1, 1))
        out = layer.out if layer.out is not None else (claimed[0] if claimed and len(claimed) == 3 else None)
        return ("conv", *layer.kernel, out, tuple(layer.stride or (1, 1)))
    if kind == "pool":
        if layer is not None and layer.global_pool:
            return ("gpool", 1, 1)
        if layer is None or layer.kernel is None:
            return ("pool", None, None, None)
        return ("pool", *layer.kernel, tuple(layer.stride or layer.kernel))
    if kind == "fc":
        out = layer.out if layer is not None and layer.out is not None else (
            _flat(claimed)[0] if claimed and len(_flat(claimed)) == 1 else None)
        return ("fc", out)
    return None


def line_up(layers: list[tuple[ClaimedRow, _Layer | None, str]], arch: Architecture
            ) -> tuple[dict[int, Reference], list[str], list[str]]:
    """({row number: the layer it stands for}, missing, extra). Rows and layers are lined up on
    their tokens; rows and layers in a stretch that differs are missing or extra, and where such
    a stretch pairs rows and layers of the same kinds one to one, each row still stands for its
    layer (a row with a wrong kernel is judged with its layer's settings)."""
    name = arch.name or "the architecture"
    wanted = _arch_tokens(arch)
    have = [(tok, row) for row, layer, kind in layers if (tok := _table_token(row, layer, kind)) is not None]
    matcher = difflib.SequenceMatcher(None, [t for t, _ in have], [t for t, _, _ in wanted], autojunk=False)
    refs: dict[int, Reference] = {}
    missing, extra = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = list(zip(have[i1:i2], wanted[j1:j2]))
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1
                             and all(h[0][0] == w[0][0] for h, w in pairs)):
            refs.update({row.row_number: ref for (_, row), (_, _, ref) in pairs})
        if op == "equal":
            continue
        for tok, row in have[i1:i2]:
            extra.append(f"row {row.row_number} ({row.operation.strip()}): {_describe(tok)} has no "
                         f"counterpart in {name}")
        for tok, where, _ in wanted[j1:j2]:
            missing.append(f"{_describe(tok)}: {where} of {name} has no row in the table")
    return refs, missing, extra
