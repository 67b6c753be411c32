"""The layer-type registry: one object per layer type, holding that type's whole story.

Each `LayerType` holds its settings schema and defaults, the starter settings of a new layer,
its short row name, the Shapes tab's editable columns, the summary and explanation texts, the
shape rule with its parameter, buffer and MAC counts (`infer`), the receptive-field rule, the
torch builder, and what the table checker needs (`table_kind`, `param_story`). Callers ask
`layer_type(name)`; they never switch on a type name.

Room for the rules that come next: a type may define `backward_rule` (how the gradient flows
back through it, for the backprop lessons) and `statistics` (what it keeps from the data, for
batch norm). Both are None for every type today; callers must treat None as "not described".

The Residual block is a type of its own (`RESIDUAL`): its settings schema, short name, summary
and torch builder live here; the table sums its rows (`table.py`), since it holds layers.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

from visualizer.core.architecture.base import (NO_BIAS, REQUIRED, SAME_AS_KERNEL, Field, Inferred, LayerType,
                                               ParamStory, PartialShape, Shape, _pair_of, hw_text, numel,
                                               one_or_pair, shape_text)
from visualizer.core.errors import UserInputError
from visualizer.core.output_size import (effective_kernel, output_size, output_size_text, same_output_size,
                                         same_padding)

__all__ = ["REGISTRY", "RESIDUAL", "LayerType", "layer_type", "residual_module_class", "NO_BIAS", "Inferred",
           "ParamStory", "shape_text"]


# --- convolution -------------------------------------------------------------------------------
class Conv2dType(LayerType):
    """torch.nn.Conv2d: C_out·(C_in/groups)·kh·kw weights (+ C_out biases), C_out·H_out·W_out·
    (C_in/groups)·kh·kw MACs; 'same' keeps the size at stride 1 (PyTorch) and gives ⌈N/S⌉ above
    it (TensorFlow/Keras, used only by the table checker: the schema refuses it)."""

    name, short, table_kind = "Conv2d", "conv", "conv"
    has_weights = is_convolution = True
    figure_color, legend = "#5c8dd6", "convolution"
    schema = {
        "out_channels": ("count", REQUIRED), "kernel_size": ("pair", REQUIRED), "stride": ("pair", [1, 1]),
        "padding": ("convpad", [0, 0]), "dilation": ("pair", [1, 1]), "groups": ("count", 1),
        "bias": ("bool", True),
    }
    starter = {"out_channels": 8, "kernel_size": 3, "padding": 1}
    needs_map, out_key = True, "out_channels"
    columns = frozenset({"kernel", "stride", "padding", "dilation"})
    other = {"groups": 1, "bias": True}

    def validate(self, p: dict[str, Any], prefix: str) -> None:
        if p["padding"] == "same" and p["stride"] != [1, 1]:
            raise UserInputError(f"{prefix}padding: \"same\" needs stride 1 (torch refuses it for strided "
                                 f"convolutions), got stride {p['stride']}")

    def describe(self, p: dict[str, Any]) -> str:
        pad = p["padding"]
        parts = [hw_text(*p["kernel_size"]), f"{p['out_channels']} out", f"stride {one_or_pair(p['stride'])}",
                 f"pad {pad if isinstance(pad, str) else one_or_pair(pad)}"]
        if p["dilation"] != [1, 1]:
            parts.append(f"dilation {one_or_pair(p['dilation'])}")
        if p["groups"] != 1:
            parts.append(f"groups {p['groups']}")
        if not p["bias"]:
            parts.append("no bias")
        return ", ".join(parts)

    def weights(self, p: dict[str, Any], cin: int) -> int:
        k = p["kernel_size"]
        return p["out_channels"] * (cin // p["groups"]) * k[0] * k[1]

    def axis_size(self, p: dict[str, Any], n: int, ax: int) -> int:
        """Output cells along axis `ax` (0 rows, 1 columns) for `n` input cells (< 1: no fit)."""
        k, s, d, pad = p["kernel_size"][ax], p["stride"][ax], p["dilation"][ax], p["padding"]
        if pad == "same":
            return same_output_size(n, s)
        return output_size(n, k, s, 0 if pad == "valid" else pad[ax], d)

    def axis_sizes(self, p: dict[str, Any], hw: tuple[int, int]) -> tuple[int, int]:
        """Output (H, W) for an input map of `hw` (may be < 1: the kernel does not fit)."""
        return self.axis_size(p, hw[0], 0), self.axis_size(p, hw[1], 1)

    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        error = self.map_error(incoming)
        rank3 = incoming is not None and len(incoming) == 3
        cin = incoming[0] if rank3 else None
        cout, groups = p["out_channels"], p["groups"]
        if error is None and cin is not None and cin % groups:
            error = f"groups {groups} must divide the {cin} input channels"
        elif error is None and cout % groups:
            error = f"groups {groups} must divide the {cout} output channels"
        divides = cin is not None and not cin % groups
        params = self.weights(p, cin) + (cout if p["bias"] else 0) if divides else None
        spatial: list[int | None] = [None, None]
        if error is None and rank3:
            error, spatial = self._spatial(p, incoming)  # type: ignore[arg-type]
        out = (cout, spatial[0], spatial[1])
        n_out = numel(out)
        k = p["kernel_size"]
        macs = n_out * (cin // groups) * k[0] * k[1] if (n_out is not None and divides) else None
        return Inferred(out, params, params, 0, macs, error)

    def _spatial(self, p: dict[str, Any], incoming: PartialShape) -> tuple[str | None, list[int | None]]:
        k, d, pad = p["kernel_size"], p["dilation"], p["padding"]
        spatial: list[int | None] = [None, None]
        for ax in range(2):
            size = incoming[ax + 1]
            if size is None:
                continue
            pa = 0 if pad in ("same", "valid") else pad[ax]
            if pad != "same" and size + 2 * pa < effective_kernel(k[ax], d[ax]):
                return self._no_fit(p, incoming), [None, None]
            spatial[ax] = self.axis_size(p, size, ax)
        return None, spatial

    @staticmethod
    def _no_fit(p: dict[str, Any], incoming: PartialShape) -> str:
        k, d, pad = p["kernel_size"], p["dilation"], p["padding"]
        what = f"the {hw_text(*k)} kernel"
        if d != [1, 1]:
            keff = [effective_kernel(k[a], d[a]) for a in range(2)]
            what += f" (dilation {one_or_pair(d)} spans {hw_text(*keff)})"
        padtxt = "padding 0" if pad == "valid" else f"padding {one_or_pair(pad)}"
        return f"{what} does not fit the {shape_text(incoming[1:])} map with {padtxt}"

    def receptive_field(self, p: dict[str, Any], rf: Field, incoming: PartialShape | None,
                        net_input: tuple[int, int, int]) -> Field:
        if rf is None or rf[1] is None:
            return rf
        k, s, d = p["kernel_size"], p["stride"], p["dilation"]
        (r, j) = rf
        keff = [effective_kernel(k[a], d[a]) for a in range(2)]
        return ((r[0] + (keff[0] - 1) * j[0], r[1] + (keff[1] - 1) * j[1]), (j[0] * s[0], j[1] * s[1]))

    def padding_before(self, p: dict[str, Any], incoming: Shape) -> tuple[int, int]:
        pad = p["padding"]
        if pad == "valid":
            return (0, 0)
        if pad == "same":
            k, s, d = p["kernel_size"], p["stride"], p["dilation"]
            return tuple(same_padding(incoming[a + 1], k[a], s[a], d[a])[0] for a in range(2))  # type: ignore
        return (pad[0], pad[1])

    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        from torch import nn

        return nn.Conv2d(incoming[0], p["out_channels"], tuple(p["kernel_size"]), stride=tuple(p["stride"]),
                         padding=p["padding"] if isinstance(p["padding"], str) else tuple(p["padding"]),
                         dilation=tuple(p["dilation"]), groups=p["groups"], bias=p["bias"])

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        parts = window_size_story(p, input_shape, output_shape, pool=False)
        if output_shape is None or len(output_shape) != 3 or len(input_shape) != 3:
            return parts
        c = input_shape[0]
        k = _pair_of(p.get("kernel_size"), (1, 1))
        out_c = int(p.get("out_channels", output_shape[0]))
        groups = int(p.get("groups", 1)) or 1
        per = c // groups
        weights = k[0] * k[1] * per * out_c
        bias = out_c if p.get("bias", True) else 0
        if weights + bias == n_params:
            g = f" (in channels {c} / groups {groups})" if groups != 1 else ""
            parts.append(f"params {k[0]}·{k[1]}·{per}·{out_c}" + (f" + {bias}" if bias else "")
                         + f" = {n_params:,}{g}")
        if k[0] * k[1] * per * math.prod(output_shape) == macs:
            parts.append(f"MACs {k[0]}·{k[1]}·{per} per output × {shape_text(output_shape)} outputs = {macs:,}")
        return parts

    def param_story(self, p: dict[str, Any], incoming: Shape, output: Shape, words: str = "") -> ParamStory | None:
        kh, kw = p["kernel_size"]
        cin, cout, groups = incoming[0], output[0], p["groups"]
        per = cin // groups
        w = kh * kw * per * cout
        grouped = f" (in channels {cin} / groups {groups})" if groups != 1 else ""
        if p["bias"]:
            how, main, also = f"{kh}·{kw}·{per}·{cout} weights{grouped} + {cout} biases = {w + cout:,}", w + cout, \
                {w: NO_BIAS}
        else:
            how, main, also = f"{kh}·{kw}·{per}·{cout} weights{grouped}, no biases (bias=False) = {w:,}", w, {}
        if re.search(r"block|bn|batch|norm", words.lower()):  # a block may count its batch norm (2 per channel)
            # with the batch norm's 2·C (and, for a layer with biases, also without them)
            also.update({main + 2 * cout: ""} | ({w + 2 * cout: ""} if p["bias"] else {}))
            how += f" (with the block's batch norm, 2·{cout} more: {main + 2 * cout:,})"
        return ParamStory(main, also, how)


def window_size_story(p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                      pool: bool) -> list[str]:
    """The output-size formula of a convolution or pool with the row's own numbers."""
    if len(input_shape) != 3:
        return []
    _, h, w = input_shape
    k = _pair_of(p.get("kernel_size"), (1, 1))
    s = _pair_of(p.get("stride"), k if pool else (1, 1))  # a pool steps by its size
    d = _pair_of(p.get("dilation"), (1, 1))
    pad = p.get("padding", [0, 0])
    ceil = bool(p.get("ceil_mode", False))
    if pad == "same":
        return [f"padding 'same' keeps {h}×{w}"]
    pp = (0, 0) if pad == "valid" else _pair_of(pad, (0, 0))
    fh, vh = output_size_text(h, k[0], s[0], pp[0], d[0], ceil), output_size(h, k[0], s[0], pp[0], d[0], ceil)
    fw, vw = output_size_text(w, k[1], s[1], pp[1], d[1], ceil), output_size(w, k[1], s[1], pp[1], d[1], ceil)
    parts = []
    if output_shape is not None and len(output_shape) == 3 and tuple(output_shape[1:]) != (vh, vw):
        pass  # e.g. ceil_mode's last-window rule: let the table speak
    elif (h, k[0], s[0], pp[0], d[0]) == (w, k[1], s[1], pp[1], d[1]):
        parts.append(f"size {fh} per axis")
    else:
        parts.append(f"height {fh}; width {fw}")
    if min(vh, vw) < 1:
        parts.append("less than 1: the window does not fit the padded input")
    return parts


# --- pools -------------------------------------------------------------------------------------
class PoolType(LayerType):
    """MaxPool2d / AvgPool2d: no weights; torch allows padding up to half the window."""

    short_names = {"MaxPool2d": "maxpool", "AvgPool2d": "avgpool"}
    #: (figure colour, legend words) of each pool
    figure = {"MaxPool2d": ("#de695a", "max pool"), "AvgPool2d": ("#e89650", "average pool")}
    schema = {"kernel_size": ("pair", REQUIRED), "stride": ("pair", SAME_AS_KERNEL), "padding": ("pad", [0, 0]),
              "ceil_mode": ("bool", False)}
    starter = {"kernel_size": 2}
    needs_map, table_kind = True, "pool"
    columns = frozenset({"kernel", "stride", "padding"})
    other = {"ceil_mode": False}

    def __init__(self, name: str) -> None:
        self.name, self.short = name, self.short_names[name]
        self.figure_color, self.legend = self.figure[name]

    def describe(self, p: dict[str, Any]) -> str:
        parts = [hw_text(*p["kernel_size"]), f"stride {one_or_pair(p['stride'])}"]
        if p["padding"] != [0, 0]:
            parts.append(f"pad {one_or_pair(p['padding'])}")
        if p["ceil_mode"]:
            parts.append("ceil mode")
        return ", ".join(parts)

    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        error = self.map_error(incoming)
        k, s, pad = p["kernel_size"], p["stride"], p["padding"]
        rank3 = incoming is not None and len(incoming) == 3
        spatial: list[int | None] = [None, None]
        if error is None and (2 * pad[0] > k[0] or 2 * pad[1] > k[1]):
            error = (f"padding {one_or_pair(pad)} is more than half the {hw_text(*k)} pool window "
                     f"(torch allows at most half)")
        if error is None and rank3:
            for ax in range(2):
                size = incoming[ax + 1]  # type: ignore[index]
                if size is None:
                    continue
                o = output_size(size, k[ax], s[ax], pad[ax], ceil_mode=p["ceil_mode"])
                if o < 1:
                    error = (f"the {hw_text(*k)} pool empties the {shape_text(incoming[1:])} map"  # type: ignore
                             + (f" with padding {one_or_pair(pad)}" if pad != [0, 0] else ""))
                    spatial = [None, None]
                    break
                spatial[ax] = o
        return Inferred((incoming[0] if rank3 else None, spatial[0], spatial[1]), error=error)  # type: ignore

    def receptive_field(self, p: dict[str, Any], rf: Field, incoming: PartialShape | None,
                        net_input: tuple[int, int, int]) -> Field:
        if rf is None or rf[1] is None:
            return rf
        k, s = p["kernel_size"], p["stride"]
        (r, j) = rf
        return ((r[0] + (k[0] - 1) * j[0], r[1] + (k[1] - 1) * j[1]), (j[0] * s[0], j[1] * s[1]))

    def padding_before(self, p: dict[str, Any], incoming: Shape) -> tuple[int, int]:
        return (p["padding"][0], p["padding"][1])

    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        from torch import nn

        return getattr(nn, self.name)(tuple(p["kernel_size"]), stride=tuple(p["stride"]),
                                      padding=tuple(p["padding"]), ceil_mode=p["ceil_mode"])

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        return window_size_story(p, input_shape, output_shape, pool=True)


def adaptive_window(size: int, out: int) -> tuple[int, int]:
    """(widest window, jump rounded up) of torch's adaptive pooling along one axis."""
    widest = max(math.ceil((i + 1) * size / out) - (i * size) // out for i in range(out))
    return widest, math.ceil(size / out)


class AdaptiveAvgPool2dType(LayerType):
    """AdaptiveAvgPool2d: any map to `output_size`; the field uses its widest window."""

    name, short, table_kind = "AdaptiveAvgPool2d", "adaptivepool", "pool"
    figure_color, legend = "#e8aa3c", "adaptive pool"
    schema = {"output_size": ("pair", REQUIRED)}
    starter = {"output_size": 1}
    needs_map, out_key = True, "output_size"

    def describe(self, p: dict[str, Any]) -> str:
        return f"→ {hw_text(*p['output_size'])}"

    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        rank3 = incoming is not None and len(incoming) == 3
        osz = p["output_size"]
        out = (incoming[0] if rank3 else None, osz[0], osz[1])  # type: ignore[index]
        return Inferred(out, error=self.map_error(incoming))

    def receptive_field(self, p: dict[str, Any], rf: Field, incoming: PartialShape | None,
                        net_input: tuple[int, int, int]) -> Field:
        if rf is None or rf[1] is None or incoming is None or len(incoming) != 3 or None in incoming[1:]:
            return None
        (r, j), osz = rf, p["output_size"]
        w0, j0 = adaptive_window(incoming[1], osz[0])  # type: ignore[arg-type]
        w1, j1 = adaptive_window(incoming[2], osz[1])  # type: ignore[arg-type]
        return ((r[0] + (w0 - 1) * j[0], r[1] + (w1 - 1) * j[1]), (j[0] * j0, j[1] * j1))

    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        from torch import nn

        return nn.AdaptiveAvgPool2d(tuple(p["output_size"]))

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        if output_shape is None:
            return []
        return [f"averages windows of {shape_text(input_shape[1:])} down to {shape_text(output_shape[1:])}"]


# --- shape-keeping layers ----------------------------------------------------------------------
class BatchNorm2dType(LayerType):
    """BatchNorm2d: 2·C parameters (γ, β) with affine, 2·C + 1 buffers (running mean and variance,
    num_batches_tracked)."""

    name, short, table_kind = "BatchNorm2d", "bn", "same"
    has_weights = is_batch_norm = True
    figure_label = "BN"
    schema = {"eps": ("pos_float", 1e-5), "affine": ("bool", True)}
    needs_map = shape_keeping = True
    other = {"eps": 1e-5, "affine": True}

    def describe(self, p: dict[str, Any]) -> str:
        parts = []
        if p["eps"] != 1e-5:
            parts.append(f"eps {p['eps']:g}")
        if not p["affine"]:
            parts.append("no affine")
        return ", ".join(parts)

    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        c = incoming[0] if incoming is not None and len(incoming) == 3 else None
        if c is None:
            return Inferred(incoming, None, None, None, 0, self.map_error(incoming))
        params = 2 * c if p["affine"] else 0
        return Inferred(incoming, params, params, 2 * c + 1, 0, self.map_error(incoming))

    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        from torch import nn

        return nn.BatchNorm2d(incoming[0], eps=p["eps"], affine=p["affine"])

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        c = input_shape[0] if len(input_shape) == 3 else 0
        if c and n_params == 2 * c:
            return [f"params: a scale and a shift per channel, 2·{c} = {n_params}; "
                    "the running mean and variance are buffers, not trained"]
        return []

    def param_story(self, p: dict[str, Any], incoming: Shape, output: Shape, words: str = "") -> ParamStory | None:
        c = incoming[0]
        if not p["affine"]:
            return ParamStory(0, {2 * c: "this batch norm has affine=False: no scale or shift"},
                              "affine=False: no scale or shift, so no parameters")
        return ParamStory(2 * c, {0: "BatchNorm2d with affine=True, torch's default, learns a scale γ and a shift β "
                                     "per channel; its running mean and variance are buffers, not parameters",
                                  4 * c: "running mean and variance are buffers, not trained parameters"},
                          f"a scale γ and a shift β per channel: 2·{c} = {2 * c:,}")


#: Why a final Softmax is not part of the trained module (core.training drops it).
SOFTMAX_TRAINING_NOTE = ("Training drops a final Softmax: cross-entropy takes the logits (torch's "
                         "nn.CrossEntropyLoss applies log-softmax itself), and the L2 loss applies softmax itself.")


class ElementwiseType(LayerType):
    """Activations and dropout: the shape stays, no parameters, no MACs."""

    shape_keeping, table_kind = True, "same"

    def __init__(self, name: str, short: str, schema: dict[str, tuple[str, Any]] | None = None,
                 summary: Callable[[dict[str, Any]], str] | None = None, note: str = "",
                 figure_label: str = "") -> None:
        self.name, self.short, self.figure_label = name, short, figure_label
        self.schema = dict(schema or {})
        self.other = {k: d for k, (_, d) in self.schema.items()}
        self._summary, self._note = summary, note

    def describe(self, p: dict[str, Any]) -> str:
        return self._summary(p) if self._summary else ""

    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        from torch import nn

        if self.name == "Softmax":
            return nn.Softmax(dim=1)  # over the channels/classes of a batched input
        return getattr(nn, self.name)(*(p[k] for k in self.schema))

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        return ["keeps the shape; no parameters" + (f". {self._note}" if self._note else "")]


class FlatField(tuple):
    """A flattened map's field: (size, jump) of each of its values (they keep their own), and
    `union`, the field of all of them together (what a Linear layer after it sees)."""

    union: tuple[int, int]

    def __new__(cls, field: Field, union: tuple[int, int]) -> "FlatField":
        made = super().__new__(cls, field)
        made.union = union
        return made


class FlattenType(LayerType):
    """Flatten: C×H×W values in a row; each value keeps its receptive field."""

    name, short, table_kind = "Flatten", "flatten", "flatten"
    figure_color, legend = "#969696", "flatten"

    def receptive_field(self, p: dict[str, Any], rf: Field, incoming: PartialShape | None,
                        net_input: tuple[int, int, int]) -> Field:
        if rf is None or rf[1] is None or incoming is None or len(incoming) != 3 or None in incoming[1:]:
            return rf
        (r, j), h, w = rf, incoming[1], incoming[2]
        # the H×W values' fields side by side: jump apart, the first to the last
        return FlatField(rf, (r[0] + (h - 1) * j[0], r[1] + (w - 1) * j[1]))  # type: ignore[operator]

    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        if incoming is None:
            return Inferred((None,))
        return Inferred(incoming if len(incoming) == 1 else (numel(incoming),))

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        if output_shape is None:
            return []
        return [f"{shape_text(input_shape)} values in a row: {output_shape[0]:,}"]


class LinearType(LayerType):
    """Linear: in·out weights (+ out biases), in·out MACs; needs a flat input (ConvViz refuses a
    C×H×W map, which torch would apply to the last axis only); its field is the union of its
    input values' fields (the whole input, and padding where they count it)."""

    name, short, table_kind = "Linear", "fc", "fc"
    has_weights = True
    figure_color, legend = "#966ec8", "fully connected"
    schema = {"out_features": ("count", REQUIRED), "bias": ("bool", True), "in_features": ("count", None)}
    starter = {"out_features": 10}
    out_key = "out_features"
    # in_features: None = whatever arrives; a number states what the student expects
    other = {"bias": True, "in_features": None}

    def describe(self, p: dict[str, Any]) -> str:
        return f"→ {p['out_features']}" + ("" if p["bias"] else ", no bias")

    def infer(self, p: dict[str, Any], incoming: PartialShape | None) -> Inferred:
        fout, fin = p["out_features"], p.get("in_features")
        arriving: int | None = None
        error = None
        if incoming is not None and len(incoming) == 1:
            arriving = incoming[0]
        elif incoming is not None:
            error = (f"Linear needs a flat vector, but a {shape_text(incoming)} map arrives: "
                     f"add a Flatten before it")
        if error is None and fin is not None and arriving is not None and fin != arriving:
            error = f"in_features is {fin}, but {arriving} values arrive"
        n_in = fin if fin is not None else arriving
        if n_in is None:
            return Inferred((fout,), None, None, 0, None, error)
        params = n_in * fout + (fout if p["bias"] else 0)
        return Inferred((fout,), params, params, 0, n_in * fout, error)

    def refuses_on_purpose(self, incoming: Shape) -> bool:
        return len(incoming) == 3  # torch would apply it to the last axis of the map only

    def receptive_field(self, p: dict[str, Any], rf: Field, incoming: PartialShape | None,
                        net_input: tuple[int, int, int]) -> Field:
        # Each output value reads every input value: its field is the union of theirs (jump: none,
        # the values no longer sit on a grid). It may exceed the input where it counts padding.
        if isinstance(rf, FlatField):
            return (rf.union, None)
        if rf is not None and rf[1] is None:  # after another Linear: the same union
            return rf
        if rf is not None and incoming is not None and len(incoming) == 1 and incoming[0] == 1:
            return (rf[0], None)  # a single value (a 1×1 map flattened by the net's own view)
        return ((net_input[1], net_input[2]), None)  # unknown: at least the whole input

    def torch_module(self, p: dict[str, Any], incoming: Shape) -> Any:
        from torch import nn

        fin = p.get("in_features") or (incoming[0] if len(incoming) == 1 else incoming[-1])
        return nn.Linear(fin, p["out_features"], bias=p["bias"])

    def explain(self, p: dict[str, Any], input_shape: tuple[int, ...], output_shape: tuple[int, ...] | None,
                n_params: int, macs: int) -> list[str]:
        if output_shape is None:
            return []
        n_in, n_out = math.prod(int(v) for v in input_shape), int(output_shape[0])
        bias = n_out if p.get("bias", True) else 0
        parts = []
        if n_in * n_out + bias == n_params:
            parts.append(f"params {n_in:,}·{n_out:,}" + (f" + {bias:,}" if bias else "") + f" = {n_params:,}")
        if n_in * n_out == macs:
            parts.append(f"MACs {n_in:,}·{n_out:,} = {macs:,}")
        return parts

    def param_story(self, p: dict[str, Any], incoming: Shape, output: Shape, words: str = "") -> ParamStory | None:
        n_in, out = math.prod(incoming), output[0]
        if p["bias"]:
            return ParamStory(n_in * out + out, {n_in * out: NO_BIAS},
                              f"{n_in}·{out} weights + {out} biases = {n_in * out + out:,}")
        return ParamStory(n_in * out, {}, f"{n_in}·{out} weights, no biases (bias=False) = {n_in * out:,}")


# --- the Residual block ------------------------------------------------------------------------
#: What may follow a block's addition (None: nothing).
BLOCK_ACTIVATIONS: tuple[str, ...] = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh")


class ResidualType(LayerType):
    """A Residual block: activation(main(x) + shortcut(x)), as torchvision's BasicBlock. Its own
    setting is the activation; its layers are the main path and the shortcut (empty: identity).
    Its row is the sum of its rows (see `table.py`); its field the larger of its two paths'."""

    name, short, table_kind = "Residual", "res", "block"
    schema = {"activation": ("activation", "ReLU")}

    def describe_block(self, n_main: int, n_shortcut: int, a: PartialShape | None, b: PartialShape | None,
                       act: str | None) -> str:
        def layers(n: int) -> str:
            return f"{n} layer{'s' if n != 1 else ''}"

        sc_text = "identity" if not n_shortcut else layers(n_shortcut)
        return (f"main {layers(n_main)}, shortcut {sc_text}; adds {shape_text(a)} + {shape_text(b)}"
                + (f", then {act}" if act else ""))

    def explain_row(self, row: Any) -> str:
        """How a block's row (a LayerRow with its children) comes about."""
        a, b = row.add_shapes or (None, None)
        main = [c for c in row.children if c.path == "main"]
        shortcut = [c for c in row.children if c.path == "shortcut"]
        sc = ("an identity shortcut (the input itself)" if not shortcut
              else "a shortcut of " + ", ".join(c.name[len(row.name) + 1:] or c.type for c in shortcut))
        return (f"Residual block: a main path of {len(main)} layer{'s' if len(main) != 1 else ''} and {sc}, both "
                f"fed {shape_text(row.input_shape)}; their outputs {shape_text(a)} and {shape_text(b)} are added"
                + ("" if row.error else f" into {shape_text(row.output_shape)}")
                + f"; params {row.params:,} and MACs {row.macs:,} are the sums of its rows.")

    def torch_block(self, main: Any, shortcut: Any, activation: str | None) -> Any:
        """The block's module from its two paths (torch.nn.Sequential each)."""
        act = None if activation is None else REGISTRY[activation].torch_module(
            normalize_defaults(activation), (1,))
        return residual_module_class()(main, shortcut, act)


_RESIDUAL_CLASS: Any = None


def residual_module_class() -> Any:
    """torch.nn.Module class of a Residual block: activation(main(x) + shortcut(x))."""
    global _RESIDUAL_CLASS
    if _RESIDUAL_CLASS is None:
        from torch import nn

        class Residual(nn.Module):
            """activation(main(x) + shortcut(x)); an empty shortcut is the identity."""

            def __init__(self, main: Any, shortcut: Any, activation: Any) -> None:
                super().__init__()
                self.main = main
                self.shortcut = shortcut
                self.activation = activation

            def forward(self, x: Any) -> Any:
                y = self.main(x) + self.shortcut(x)
                return self.activation(y) if self.activation is not None else y

        _RESIDUAL_CLASS = Residual
    return _RESIDUAL_CLASS


def normalize_defaults(name: str) -> dict[str, Any]:
    """The defaults of a type with no required setting (an activation)."""
    return {k: d for k, (_, d) in REGISTRY[name].schema.items()}


# --- the registry ------------------------------------------------------------------------------
def _build_registry() -> dict[str, LayerType]:
    types: list[LayerType] = [
        Conv2dType(), PoolType("MaxPool2d"), PoolType("AvgPool2d"), AdaptiveAvgPool2dType(), BatchNorm2dType(),
        ElementwiseType("ReLU", "relu"),
        ElementwiseType("LeakyReLU", "leakyrelu", {"negative_slope": ("float", 0.01)},
                        lambda p: f"slope {p['negative_slope']:g}", figure_label="LReLU"),
        ElementwiseType("Sigmoid", "sigmoid"), ElementwiseType("Tanh", "tanh"),
        ElementwiseType("Dropout", "dropout", {"p": ("prob", 0.5)}, lambda p: f"p {p['p']:g}", figure_label="Drop"),
        FlattenType(), LinearType(),
        ElementwiseType("Softmax", "softmax", note=SOFTMAX_TRAINING_NOTE),
    ]
    return {t.name: t for t in types}


#: Layer type name -> its LayerType (the plain layers, in the order the GUI lists them).
REGISTRY: dict[str, LayerType] = _build_registry()
#: The block type (holds layers of its own).
RESIDUAL = ResidualType()


def layer_type(name: str) -> LayerType:
    """The registry's object for a canonical type name (Residual included); KeyError otherwise."""
    if name == RESIDUAL.name:
        return RESIDUAL
    return REGISTRY[name]
