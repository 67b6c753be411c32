"""What a net sees: every layer's output for one MNIST digit, and one conv map taken apart.

Used by the Network tab and by `convviz activations`. numpy and torch only (torch imported inside
the functions that need it).

* A net comes from a saved run (its config's architecture plus model.pt, read with
  ``torch.load(..., weights_only=True)``), or untrained from a preset or an architecture, seeded.
  It is the module the trainer builds (`training.build_model`): it ends in the 10 logits; the
  probabilities are their softmax.
* An image the net did not see in training (drawn, or read from a file) gets MNIST's own
  preprocessing (LeCun, Cortes & Burges): the digit's bounding box is fitted into 20×20 keeping
  its aspect ratio (anti-aliased), then placed in 28×28 so that its centre of mass is at the
  field's centre; then it is normalized as in training, (x/255 − 0.1307)/0.3081.
* The forward pass runs in eval mode (batch norm uses its running statistics) and records each
  layer's output with forward hooks. A Residual block is recorded as its own layers (named as
  the Shapes table names them, e.g. "layer1.0.conv1", "layer1.0.downsample.0") followed by the
  block itself (its output after the addition and its activation), in the order they compute.
* A conv output map is the sum over its input channels of each channel correlated with its
  kernel slice (PyTorch's Conv2d is a cross-correlation), plus the bias: `conv_parts`.
"""

from __future__ import annotations

import io
import math
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.output_size import effective_kernel
from visualizer.core.safe_json import excerpt
from visualizer.core.training import MNIST_MEAN, MNIST_STD, NUM_CLASSES

FIT_BOX = 20  # MNIST digits are fitted into 20×20 ...
FIELD = 28  # ... and centred by mass in 28×28
#: The biggest model.pt read (the VGG presets are ~0.5 GB; MNIST nets are kilobytes).
MAX_MODEL_BYTES = 1 << 30
RESERVED_NAMES = ("input", "probabilities")


# ---------------------------------------------------------------------------------------------
# Nets

@dataclass
class LayerInfo:
    """One recorded layer of a net: a layer of the network, a layer inside a Residual block, or
    the block itself (its output)."""

    name: str  # unique, e.g. "conv1", "layer1.0.conv1"
    type: str  # "Conv2d", "BatchNorm2d", ..., "Residual"
    index: int  # position in LoadedNet.layers (0-based)
    path: str = ""  # where the module sits in the torch module (`get_submodule`), e.g. "4.main.0"
    input_shape: tuple[int, ...] | None = None  # what it receives (C, H, W) or (N,)

    @property
    def kind(self) -> Any:
        """The registry's LayerType of this layer (`architecture.layer_type`), None for a module
        the registry does not describe. Ask it what the layer is, not its type name."""
        from visualizer.core.architecture import layer_type

        try:
            return layer_type(self.type)
        except KeyError:
            return None


@dataclass
class LoadedNet:
    """A net ready to run: its architecture, its eval-mode torch module and its layers' names."""

    architecture: Any  # visualizer.core.architecture.Architecture
    module: Any  # torch.nn.Sequential, in eval mode, on the CPU
    layers: list[LayerInfo]
    source: str  # what it is, for a title: "run 2026-…", "mnist-net1 (untrained, seed 0)"
    run_folder: Path | None = None
    #: (top, left) offset, (jump y, x) and (size h, w) of each layer's receptive field; None where
    #: a value has no spatial place (after Linear).
    fields: list[Any] = field(default_factory=list)

    def module_of(self, layer: int) -> Any:
        """The torch module of recorded layer `layer` (an index into `layers`)."""
        if not 0 <= layer < len(self.layers):
            raise UserInputError(f"layer {layer} is out of range (0 to {len(self.layers) - 1})")
        return self.module.get_submodule(self.layers[layer].path)


def layer_infos(arch, module) -> list[LayerInfo]:
    """Every recorded layer, in the order they compute: a block's own layers (main path, then
    shortcut) before the block itself."""
    from visualizer.core.architecture import compute_table

    infos: list[LayerInfo] = []
    seen = set(RESERVED_NAMES)

    def add(name: str, type_name: str, path: str, input_shape: Any) -> None:
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        infos.append(LayerInfo(name, type_name, len(infos), path, input_shape))

    def walk(specs: list, rows: list, container: Any, prefix: str) -> None:
        children = list(container.named_children())
        for i, (key, child) in enumerate(children):
            if i >= len(rows):  # build_model's "flatten_logits" after a 10×1×1 output
                add(str(key), type(child).__name__, prefix + key, None)
                continue
            row, spec = rows[i], specs[i]
            if spec.is_block:
                walk(spec.main, [r for r in row.children if r.path == "main"], child.main, f"{prefix}{key}.main.")
                walk(spec.shortcut, [r for r in row.children if r.path == "shortcut"], child.shortcut,
                     f"{prefix}{key}.shortcut.")
            add(row.name or f"layer{i + 1}", row.type, prefix + key, row.input_shape)

    walk(arch.layers, compute_table(arch).rows, module, "")
    return infos


def _finish(arch, module, source: str, folder: Path | None = None) -> LoadedNet:
    module.eval()
    return LoadedNet(arch, module, layer_infos(arch, module), source, folder, receptive_fields(arch, module))


def untrained_net(net: Any, seed: int = 0) -> LoadedNet:
    """A preset name, an architecture document or an Architecture, with weights drawn by torch's
    default initialisation under `seed` (the same seed gives the same weights)."""
    import torch

    from visualizer.core.training import build_model, net_label, resolve_architecture

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise UserInputError(f"seed must be a whole number from 0 to 2**63 − 1, got {seed!r}")
    arch = resolve_architecture(net)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        module = build_model(arch)
    return _finish(arch, module, f"{net_label(arch) if not isinstance(net, str) else net} (untrained, seed {int(seed)})")


def read_state_dict(path: str | Path) -> dict:
    """model.pt as a state_dict, read with weights_only=True; UserInputError when it is missing,
    cut short, not a torch file or not a state_dict."""
    import pickle

    import torch

    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"{p}: no trained model in this run (model.pt is written when a run ends)")
    try:
        size = p.stat().st_size
        if size > MAX_MODEL_BYTES:
            raise UserInputError(f"{p}: {size:,} bytes is larger than any model ConvViz writes")
        data = p.read_bytes()
    except OSError as exc:
        raise UserInputError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, AttributeError,
            IndexError, zipfile.BadZipFile, OSError, RecursionError, MemoryError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{p}: not a readable model file, it may be cut short or damaged "
                             f"({excerpt(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 100)})") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise UserInputError(f"{p}: holds no model weights (expected a state_dict of tensors)")
    return state


def run_net(folder: str | Path) -> LoadedNet:
    """The trained net of a run folder (config.json's net + model.pt)."""
    from visualizer.core.runs import load_run
    from visualizer.core.training import resolve_architecture

    folder = Path(folder)
    record = load_run(folder)
    net = record.config.get("net")
    if net is None:
        raise UserInputError(f"{folder / 'config.json'}: names no net")
    arch = resolve_architecture(net)
    state = read_state_dict(folder / "model.pt")
    return net_from_state(arch, state, f"run {record.run_id}", folder, what=str(folder / "model.pt"))


def net_from_state(net: Any, state: dict, source: str, folder: str | Path | None = None,
                   what: str = "the weights") -> LoadedNet:
    """The net `net` (a preset name or an architecture) built as the trainer builds it (without
    dropout, which has no weights) with the weights and buffers of `state` (a state_dict of torch
    tensors or numpy arrays: a saved model.pt, or a snapshot of a run in training). BatchNorm's
    running statistics are buffers of the state_dict, so they come along."""
    from visualizer.core.training import build_model, resolve_architecture

    arch = resolve_architecture(net)
    module = build_model(arch)
    load_weights(module, state, what)
    return _finish(arch, module, source, Path(folder) if folder is not None else None)


def load_weights(module, state: dict, what: str = "the weights") -> None:
    """`module.load_state_dict(state, strict=True)` for a state_dict of torch tensors or numpy
    arrays (copied into the module); UserInputError when it does not fit."""
    import torch

    if not isinstance(state, dict):
        raise UserInputError(f"{what}: holds no model weights (expected a state_dict)")
    tensors = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(np.ascontiguousarray(value))
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise UserInputError(f"{what}: holds no model weights (expected a state_dict of tensors)")
        tensors[key] = value
    try:
        module.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        lines = [s.strip() for s in str(exc).splitlines() if s.strip()]
        why = lines[1] if len(lines) > 1 else (lines[0] if lines else "")
        raise UserInputError(f"{what}: does not fit the run's architecture ({excerpt(why, 160)})") from None


# ---------------------------------------------------------------------------------------------
# Receptive fields

def receptive_fields(arch, module=None) -> list[Any]:
    """Per recorded layer (`LoadedNet.layers`, blocks' own layers included): ((top, left) of
    output pixel (0, 0)'s field, (jump y, x), (size h, w)) in input pixels, or None after a
    Linear layer (each value sees the whole input). Sizes and jumps are the shape table's
    (`compute_table`); the offset adds the padding the registry reports (`padding_before`): a
    window starts that many pixels before the map it reads, in that map's jumps. A block's
    field starts where the earlier of its two paths' starts."""
    from visualizer.core.architecture import compute_table

    out: list[Any] = []
    state = ((0.0, 0.0), (1, 1), (1, 1), False)  # offset, jump, size, flat
    state = _fields_of(arch.layers, compute_table(arch).rows, state, out)
    n_modules = len(layer_infos(arch, module)) if module is not None else len(out)
    while len(out) < n_modules:
        out.append(out[-1] if out else None)  # build_model's flatten_logits
    return out


def _fields_of(specs: list, rows: list, state: tuple, out: list) -> tuple:
    """Append the field of each layer of `specs` (blocks: their own layers first) to `out`;
    returns the state after the last."""
    from visualizer.core.architecture import canonical_type, layer_type, normalize_params

    for spec, row in zip(specs, rows):
        offset, jump, size, flat = state
        if spec.is_block:
            ends = [_fields_of(spec.main, [r for r in row.children if r.path == "main"], state, out),
                    _fields_of(spec.shortcut, [r for r in row.children if r.path == "shortcut"], state, out)]
            offset = (min(e[0][0] for e in ends), min(e[0][1] for e in ends))
            flat = flat or any(e[3] for e in ends)
        else:
            t = canonical_type(spec.type)
            if row.input_shape is not None and len(row.input_shape) == 3 and not flat:
                top, left = layer_type(t).padding_before(normalize_params(t, spec.params), row.input_shape)
                offset = (offset[0] - top * jump[0], offset[1] - left * jump[1])
        if row.rf_size is not None and row.rf_jump is None:
            flat = True  # a Linear layer: every value sees the whole input
        if row.rf_jump is not None:
            jump = tuple(row.rf_jump)
        if row.rf_size is not None:
            size = tuple(row.rf_size)
        state = (offset, jump, size, flat)
        out.append(None if flat else (offset, jump, size))
    return state


def field_of(net: LoadedNet, layer: int, shape: tuple[int, ...], flat_index: int | None = None,
             y: int = 0, x: int = 0) -> tuple[int, int, int, int] | None:
    """(top, left, height, width) on the input of the receptive field of one output value: pixel
    (y, x) of a map, or value `flat_index` of a flat layer (mapped back through Flatten to its
    map's pixel). None when the value sees the whole input (after Linear)."""
    f = net.fields[layer] if 0 <= layer < len(net.fields) else None
    if f is None:
        return None
    (top, left), (jy, jx), (h, w) = f
    if len(shape) == 1:
        # A Flatten of a C×H×W map: find the pixel in the map it flattened.
        prev = _map_shape_before(net, layer)
        if prev is None or flat_index is None:
            return None
        _, ph, pw = prev
        y, x = divmod(int(flat_index) % (ph * pw), pw)
    return (int(math.floor(top + y * jy)), int(math.floor(left + x * jx)), int(h), int(w))


def _map_shape_before(net: LoadedNet, layer: int):
    """The last C×H×W map that arrives at or before recorded layer `layer` (what a Flatten read)."""
    for info in reversed(net.layers[:layer + 1]):
        if info.input_shape is not None and len(info.input_shape) == 3:
            return info.input_shape
    return None


# ---------------------------------------------------------------------------------------------
# Images

def normalize(image_u8: np.ndarray) -> np.ndarray:
    """0..255 → what the net receives in training: (x/255 − mean)/std, float32."""
    x = np.asarray(image_u8, dtype=np.float64)
    return ((x / 255.0 - MNIST_MEAN) / MNIST_STD).astype(np.float32)


def to_gray(image: np.ndarray) -> np.ndarray:
    """(C, H, W) or (H, W) in 0..255 → (H, W) float: RGB by ITU-R BT.601 luma, alpha ignored."""
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 2:
        return a
    if a.ndim != 3 or a.shape[0] == 0:
        raise UserInputError(f"an image must be H×W or C×H×W, got shape {a.shape}")
    if a.shape[0] >= 3:
        return 0.299 * a[0] + 0.587 * a[1] + 0.114 * a[2]
    return a[0]


def mnist_preprocess(image: np.ndarray, invert: bool | None = None) -> np.ndarray:
    """A digit of any size → 28×28 float in 0..255, as MNIST's digits were made: ink bright on
    black, the digit's bounding box fitted into 20×20 keeping its aspect ratio, then moved so its
    centre of mass is at the centre of the 28×28 field (rounded to whole pixels). `invert`: True
    for dark ink on light paper; None guesses from the border (a light border means paper).
    A blank image stays blank."""
    import torch
    import torch.nn.functional as F

    g = to_gray(image)
    if g.size == 0:
        raise UserInputError("the image is empty")
    if not np.all(np.isfinite(g)):
        raise UserInputError("the image holds values that are not finite numbers")
    g = np.clip(g, 0.0, 255.0)
    if invert is None:
        border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
        invert = float(np.median(border)) > 127.5
    if invert:
        g = 255.0 - g
    g = g - min(float(np.median(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]]))), float(g.max()))
    g = np.clip(g, 0.0, None)
    ink = g > 0.05 * float(g.max()) if g.max() > 0 else np.zeros(g.shape, bool)
    out = np.zeros((FIELD, FIELD))
    if not ink.any():
        return out
    ys, xs = np.nonzero(ink)
    crop = g[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    crop = crop * (255.0 / crop.max())
    h, w = crop.shape
    scale = FIT_BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    t = torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))[None, None]
    small = F.interpolate(t, size=(nh, nw), mode="bilinear", align_corners=False,
                          antialias=(nh < h or nw < w))[0, 0].numpy().astype(np.float64)
    small = np.clip(small, 0.0, 255.0)
    total = small.sum()
    if total <= 0:
        return out
    cy = float((small.sum(axis=1) * np.arange(nh)).sum() / total)
    cx = float((small.sum(axis=0) * np.arange(nw)).sum() / total)
    centre = (FIELD - 1) / 2.0
    top = int(np.clip(round(centre - cy), 0, FIELD - nh))
    left = int(np.clip(round(centre - cx), 0, FIELD - nw))
    out[top:top + nh, left:left + nw] = small
    return out


_test_lock = threading.Lock()
_test_cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def mnist_test_set(data_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 MNIST test images (uint8) and labels, read once per folder (only the two test
    files are read)."""
    from visualizer.core.mnist import find_mnist_file, locate_mnist, read_mnist_file

    folder = locate_mnist(data_dir or None)
    paths = [find_mnist_file(folder, k) for k in ("test_images", "test_labels")]
    key = tuple((str(p), p.stat().st_mtime_ns) for p in paths if p is not None)
    with _test_lock:
        hit = _test_cache.get(key)
    if hit is not None:
        return hit
    pair = (read_mnist_file(folder, "test_images"), read_mnist_file(folder, "test_labels").astype(np.int64))
    with _test_lock:
        _test_cache.clear()
        _test_cache[key] = pair
    return pair


def check_index(index: Any, count: int) -> int:
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise UserInputError(f"the test image index must be a whole number, got {index!r}")
    if not 0 <= int(index) < count:
        raise UserInputError(f"test image index {index} is out of range: the test set has {count:,} images "
                             f"(0 to {count - 1:,})")
    return int(index)


# ---------------------------------------------------------------------------------------------
# The forward pass

@dataclass
class LayerOutput:
    name: str
    type: str
    values: np.ndarray  # float32, (C, H, W) or (features,)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


@dataclass
class Activations:
    input: np.ndarray  # (28, 28) normalized, float32
    layers: list[LayerOutput]
    logits: np.ndarray  # (10,)
    probabilities: np.ndarray  # (10,) float64, sums to 1
    layer_inputs: list[np.ndarray] = field(default_factory=list)  # what each layer received

    @property
    def prediction(self) -> int:
        return int(np.argmax(self.probabilities))


def forward(net: LoadedNet, normalized: np.ndarray) -> Activations:
    """Run one normalized 28×28 (or C×H×W of the net's input shape) image through the net,
    recording every layer's input and output with forward hooks."""
    import torch

    x = np.asarray(normalized, dtype=np.float32)
    want = tuple(net.architecture.input_shape)
    if x.ndim == 2:
        x = x[None]
    if tuple(x.shape) != want:
        raise UserInputError(f"the net takes a {'×'.join(map(str, want))} input, got {'×'.join(map(str, x.shape))}")
    outputs: dict[int, np.ndarray] = {}
    inputs: dict[int, np.ndarray] = {}

    def recorder(i: int):
        def hook(_module, args, result):
            inputs[i] = args[0][0].detach().cpu().numpy().copy()
            outputs[i] = result[0].detach().cpu().numpy().copy()
        return hook

    handles = [net.module_of(info.index).register_forward_hook(recorder(info.index)) for info in net.layers]
    try:
        with torch.no_grad():
            logits = net.module(torch.from_numpy(x)[None])
    finally:
        for h in handles:
            h.remove()
    lg = logits[0].double()
    probs = torch.softmax(lg, 0).numpy()
    layers = [LayerOutput(info.name, info.type, outputs[info.index]) for info in net.layers]
    layer_inputs = [inputs[info.index] for info in net.layers]
    return Activations(x[0] if x.shape[0] == 1 else x, layers, logits[0].numpy().copy(), probs, layer_inputs)


def activations_to_dict(acts: Activations, label: int | None) -> dict[str, Any]:
    """The `convviz activations --format json` document."""
    return {
        "input": acts.input.astype(float).tolist(),
        "layers": [{"name": la.name, "type": la.type, "shape": list(la.shape),
                    "values": la.values.astype(float).tolist()} for la in acts.layers],
        "probabilities": acts.probabilities.astype(float).tolist(),
        "prediction": acts.prediction,
        "label": None if label is None else int(label),
    }


def activations_arrays(acts: Activations) -> dict[str, np.ndarray]:
    """The `--format npz` arrays: one per layer (by name), plus input and probabilities."""
    arrays = {la.name: la.values for la in acts.layers}
    arrays["input"] = acts.input
    arrays["probabilities"] = acts.probabilities
    return arrays


# ---------------------------------------------------------------------------------------------
# One conv map taken apart

@dataclass
class ConvParts:
    """Output channel `out_channel` of a conv layer as a sum over its input channels."""

    layer: int
    out_channel: int
    channels: list[int]  # the input channels it reads (all of them unless groups > 1)
    inputs: np.ndarray  # (Cg, H, W) what the layer received, those channels
    kernels: np.ndarray  # (Cg, kh, kw) the kernel slices
    partials: np.ndarray  # (Cg, Ho, Wo): each channel correlated with its slice
    bias: float
    total: np.ndarray  # (Ho, Wo) = partials.sum(0) + bias
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]  # top, bottom, left, right (zeros)
    dilation: tuple[int, int]

    @property
    def symmetric_padding(self) -> tuple[int, int] | None:
        t, b, l, r = self.padding
        return (t, l) if (t == b and l == r) else None


def conv_padding(module, kernel_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros the conv adds, as torch does for 'same' (the extra one of
    an odd total goes after: bottom/right)."""
    from visualizer.core.output_size import same_padding

    pad = module.padding
    if isinstance(pad, str):
        if pad == "valid":
            return (0, 0, 0, 0)
        # PyTorch's 'same' (stride 1 only): the size of the map does not matter
        (t, b), (l, r) = (same_padding(1, kernel_hw[a], 1, module.dilation[a]) for a in range(2))
        return (t, b, l, r)
    return (pad[0], pad[0], pad[1], pad[1])


def conv_parts(net: LoadedNet, acts: Activations, layer: int, out_channel: int) -> ConvParts:
    """Take output map `out_channel` of conv layer `layer` apart into its input channels."""
    import torch
    import torch.nn.functional as F

    module = net.module_of(layer)
    kind = net.layers[layer].kind
    if kind is None or not kind.is_convolution:
        raise UserInputError(f"layer {net.layers[layer].name} is not a convolution")
    if module.padding_mode != "zeros":
        raise UserInputError("only zero padding is taken apart")
    O = module.out_channels
    if not 0 <= out_channel < O:
        raise UserInputError(f"output channel {out_channel} is out of range (0 to {O - 1})")
    per_group_out = O // module.groups
    g = out_channel // per_group_out
    cg = module.in_channels // module.groups
    channels = list(range(g * cg, (g + 1) * cg))
    x = np.asarray(acts.layer_inputs[layer], dtype=np.float32)[channels]
    w = module.weight.detach()[out_channel].cpu().numpy().astype(np.float32)  # (cg, kh, kw)
    bias = float(module.bias.detach()[out_channel]) if module.bias is not None else 0.0
    kh, kw = w.shape[1:]
    pads = conv_padding(module, (kh, kw))
    xt = F.pad(torch.from_numpy(x)[None], (pads[2], pads[3], pads[0], pads[1]))
    with torch.no_grad():  # groups=cg: channel c meets only its own slice
        partials = F.conv2d(xt, torch.from_numpy(w)[:, None], stride=module.stride, dilation=module.dilation,
                            groups=len(channels))[0]
    partials_np = partials.numpy()
    total = partials.sum(0).numpy() + np.float32(bias)
    return ConvParts(layer, out_channel, channels, x, w, partials_np, bias, total,
                     tuple(module.stride), pads, tuple(module.dilation))


def channel_windows(parts: ConvParts, oy: int, ox: int) -> np.ndarray:
    """(Cg, kh, kw): the input values each kernel slice meets at output pixel (oy, ox), padding
    zeros included."""
    c, h, w = parts.inputs.shape
    kh, kw = parts.kernels.shape[1:]
    t, b, l, r = parts.padding
    padded = np.zeros((c, h + t + b, w + l + r), dtype=np.float32)
    padded[:, t:t + h, l:l + w] = parts.inputs
    sy, sx = parts.stride
    dy, dx = parts.dilation
    y0, x0 = oy * sy, ox * sx
    return padded[:, y0:y0 + effective_kernel(kh, dy):dy, x0:x0 + effective_kernel(kw, dx):dx]


def explorer_request(parts: ConvParts, channels: list[int] | None = None, title: str = "") -> dict[str, Any]:
    """The keyword arguments of the Convolution explorer's `open_convolution` for these parts:
    the chosen input channels (positions in `parts.channels`; all when None) and their kernel
    slices, as a one-output-channel conv. Asymmetric padding ('same' with an even kernel) is done
    here: the inputs go padded, with padding 0."""
    pick = list(range(len(parts.channels))) if channels is None else list(channels)
    inputs = parts.inputs[pick].astype(np.float64)
    pad = parts.symmetric_padding
    if pad is None:
        t, b, l, r = parts.padding
        inputs = np.pad(inputs, ((0, 0), (t, b), (l, r)))
        pad = (0, 0)
    return {
        "inputs": inputs,
        "kernels": parts.kernels[pick][None].astype(np.float64),
        "stride": tuple(int(s) for s in parts.stride),
        "padding": tuple(int(p) for p in pad),
        "dilation": tuple(int(d) for d in parts.dilation),
        "bias": float(parts.bias) if channels is None or len(pick) == len(parts.channels) else 0.0,
        "title": title,
    }


__all__ = [
    "LoadedNet", "LayerInfo", "LayerOutput", "Activations", "ConvParts", "untrained_net", "run_net",
    "read_state_dict", "layer_infos", "receptive_fields", "field_of", "normalize", "to_gray", "mnist_preprocess",
    "mnist_test_set", "check_index", "forward", "activations_to_dict", "activations_arrays", "conv_parts",
    "channel_windows", "explorer_request", "NUM_CLASSES",
]
