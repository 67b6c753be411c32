"""The notes under a torch module's shape table (`core.module_summary`): what its totals leave out
and why, in the user's words.

MACs not counted: the table counts the multiply-adds of convolutions and Linear layers only
(MAC_CONVENTION). Other modules do matrix maths too, and would otherwise add 0 to the total
without a word:
- recurrent layers (LSTM, GRU, RNN and their cells) and Bilinear, whatever the device (torch's
  FLOP counter does not count them all);
- a module whose own forward computes with weights outside a counted leaf: MultiheadAttention
  (its projections are functional), or a parent that calls `F.conv2d(x, self.weight)` or
  `x @ self.proj`. These are found with torch's FLOP counter: a module whose FLOPs, less its
  children's, exceed twice the MACs its rows count. Without the counter (it failed on this model),
  a module that owns a parameter of two or more axes directly and is not a counted leaf is named.
"""

from __future__ import annotations

from collections import defaultdict
from functools import partial
from typing import Any

#: How many module names each note lists before "and N more".
MAX_NAMES = 4


class _ModelTracker:
    """Stands in for the module tracker of torch's FlopCounterMode: the same names ("Net",
    "Net.block.conv") for the modules of one model only. torch's own tracker hooks every module
    of the process, so a training running in another thread of the GUI would be tracked too."""

    def __init__(self, model: Any) -> None:
        self.parents = {"Global"}
        self._model = model
        self._handles: list[Any] = []

    def __enter__(self) -> "_ModelTracker":
        root = type(self._model).__name__
        for name, module in self._model.named_modules():
            key = f"{root}.{name}" if name else root
            self._handles.append(module.register_forward_pre_hook(partial(self._enter, key)))
            self._handles.append(module.register_forward_hook(partial(self._leave, key), always_call=True))
        return self

    def __exit__(self, *exc: Any) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _enter(self, key: str, *_: Any) -> None:
        self.parents.add(key)

    def _leave(self, key: str, *_: Any) -> None:
        self.parents.discard(key)


def flop_counter(model: Any) -> Any:
    """torch's FlopCounterMode, its FLOPs attributed to the modules of `model` only."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _ModelTracker(model)
    return counter


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    return shown + (f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else "")


def _counted_leaf(module: Any) -> bool:
    from torch import nn

    return isinstance(module, (nn.modules.conv._ConvNd, nn.Linear))


def _owns_weights(module: Any) -> bool:
    """Holds a matrix or kernel itself (not in a child), and is not a layer that only looks it up."""
    from torch import nn

    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)) or _counted_leaf(module):
        return False
    return any(p is not None and p.dim() >= 2 for p in module._parameters.values())


def _children_flops(key: str, module: Any, flops: dict[str, int]) -> int:
    """FLOPs of the module's children; a child the counter did not see called (a ModuleList, a
    ModuleDict, a block whose layers the parent calls itself) passes on those of its own children."""
    total = 0
    for child_name, child in module.named_children():
        child_key = f"{key}.{child_name}"
        total += flops[child_key] if child_key in flops else _children_flops(child_key, child, flops)
    return total


def uncounted_macs(model: Any, calls: list[Any], flops: dict[str, int] | None) -> list[str]:
    """"Type name" of each module whose multiply-adds the table does not count (see above)."""
    from torch import nn

    ours: dict[int, int] = defaultdict(int)
    for call in calls:
        ours[id(call.module)] += call.macs
    called = set(ours)
    root = type(model).__name__
    found: list[str] = []
    for name, module in model.named_modules():
        label = f"{type(module).__name__} {name or '(model)'}"
        if isinstance(module, (nn.RNNBase, nn.RNNCellBase, nn.Bilinear)):  # the FLOP counter misses some
            if id(module) in called:
                found.append(label)
        elif flops is not None:
            key = f"{root}.{name}" if name else root
            own = flops.get(key, 0) - _children_flops(key, module, flops)
            if own > 2 * ours.get(id(module), 0):
                found.append(label)
        elif _owns_weights(module):
            found.append(label)
    return found


def table_notes(built: Any, calls: list[Any], whole: list[str], flops: dict[str, int] | None) -> list[str]:
    """The sentences under the table's totals (none for an ordinary CNN)."""
    from torch import nn

    notes: list[str] = []
    if built.device == "cpu":
        notes.append(f"built and run on the CPU: {built.needs_values} computes with tensor values, which the "
                     f"meta device does not have")
    missing = uncounted_macs(built.model, calls, flops)
    if missing:
        notes.append(f"MACs not counted (0 in the total) for: {_listed(missing)}")
    if any(isinstance(c.module, nn.modules.conv._ConvTransposeNd) for c in calls):
        notes.append("a transposed convolution multiplies each input value by its whole kernel: MACs = "
                     "input size · C_out/groups · kernel volume")
    if whole:
        notes.append(f"shown whole, batch axis included (a batch of 1), as it is not their first axis: "
                     f"{_listed(whole)}")
    return notes
