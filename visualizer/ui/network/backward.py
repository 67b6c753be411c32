"""The Network tab's backward view, as state: which maps show (forward, backward or both), the
class whose cross-entropy is backpropagated, and ∂L/∂(each layer's output) with ∂L/∂input for
the digit shown (`visualizer.core.gradients.net_gradients`, run off the GUI thread).

`NetworkBackward` observes the tab's `NetworkModel`: every new forward pass (a stroke, a digit,
the live run's weights) asks for its gradients again while they are shown; the newest request
wins. `gradient_maps()` offers them as the maps view reads activations, so the gradient maps are
drawn by the same canvas with the same colour rules (blue negative, white 0, red positive).
`backward_request()` is what the Convolution explorer's backward mode gets for the opened map.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from visualizer.core.errors import UserInputError
from visualizer.core.number_text import equals_sign, exact, shown
from visualizer.ui.network.loader import SHUTDOWN_WAIT_MS, Job
from visualizer.ui.shell.threads import join_finished, keep_until_done, start_worker

#: (key, label) of the maps shown.
MODES = (("forward", "Forward"), ("backward", "Backward"), ("both", "Both"))


@dataclass
class GradientMap:
    """One layer's ∂L/∂(output), as the maps view reads a layer's activation."""

    name: str
    type: str
    values: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


@dataclass
class GradientMaps:
    layers: list[GradientMap]


def compute_gradients(request: dict) -> Any:
    """On the worker thread: the net's gradients for one digit and one class."""
    from visualizer.core.gradients import net_gradients

    return net_gradients(request["net"], request["input"], request["target"])


class NetworkBackward(QObject):
    """State of the backward view. `changed` after a setting or new gradients."""

    changed = Signal()

    def __init__(self, network, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.network = network  # the NetworkModel
        self.mode = "forward"
        self.target: int | None = None  # None: the true label, or the prediction for a digit without one
        self.grads = None  # core.gradients.NetGradients of the digit shown
        self.error = ""
        self.busy = False
        self._serial = itertools.count(1)
        self._newest = 0
        self._running: list[tuple[QThread, Job]] = []
        self._pending = False  # a request came while one was computed
        network.activations_changed.connect(self.request)
        network.net_changed.connect(self._net_changed)

    # ---- settings ----------------------------------------------------------------------------
    def shows_gradients(self) -> bool:
        return self.mode != "forward"

    def set_mode(self, mode: str) -> None:
        if mode not in dict(MODES):
            raise ValueError(f"unknown maps shown {mode!r}")
        if mode != self.mode:
            self.mode = mode
            self.changed.emit()
            self.request()

    def set_target(self, target: int | None) -> None:
        """The class whose loss is backpropagated (0–9), or None for the default."""
        if target is not None:
            from visualizer.core.gradients import check_target

            try:
                target = check_target(target)
            except UserInputError as exc:
                self.error = str(exc)
                self.changed.emit()
                return
        if target != self.target:
            self.target = target
            self.request()

    def default_target(self) -> int | None:
        """The true label of the digit shown, or the net's prediction when it has none."""
        n = self.network
        if n.label is not None:
            return int(n.label)
        return None if n.acts is None else int(n.acts.prediction)

    def used_target(self) -> int | None:
        return self.target if self.target is not None else self.default_target()

    # ---- the session -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "target": self.target}

    def from_dict(self, d: Any) -> None:
        """`to_dict`'s state; a value that makes no sense is left as it is (as the tab's own)."""
        if not isinstance(d, dict):
            return
        target = d.get("target")
        if target is None or (isinstance(target, int) and not isinstance(target, bool) and 0 <= target <= 9):
            self.target = target
        if d.get("mode") in dict(MODES):
            self.mode = d["mode"]
        self.changed.emit()
        self.request()

    # ---- computing ---------------------------------------------------------------------------
    @Slot()
    def _net_changed(self) -> None:
        self.grads = None
        self.changed.emit()

    @Slot()
    def request(self) -> None:
        """Backpropagate the digit shown (off the GUI thread) when the gradients are shown. While
        one is computed, a newer request waits for it to end (one thread at a time while drawing);
        the newest then runs."""
        n = self.network
        target = self.used_target()
        if not self.shows_gradients() or n.net is None or n.acts is None or target is None:
            return
        self.busy = True
        if self._running:
            self._pending = True
            return
        self._pending = False
        self._newest = next(self._serial)
        job = Job("gradients", self._newest, {"net": n.net, "input": n.input_normalized(), "target": target},
                  compute_gradients)
        job.succeeded.connect(self._succeeded)
        job.failed.connect(self._failed)
        self._running.append((start_worker(job, self._finished), job))

    @Slot(object)
    def _succeeded(self, answer: tuple) -> None:
        _kind, serial, request, result = answer
        if serial == self._newest and request["net"] is self.network.net and not self._pending:
            self.grads, self.error = result, ""
            self.changed.emit()

    @Slot(object)
    def _failed(self, answer: tuple) -> None:
        _kind, serial, _request, message = answer
        if serial == self._newest and not self._pending:
            self.grads, self.error = None, f"Cannot backpropagate: {message}"
            self.changed.emit()

    @Slot()
    def _finished(self) -> None:
        for entry in [e for e in self._running if e[0].isFinished()]:
            join_finished(entry[0])
            self._running.remove(entry)
        self.busy = bool(self._running)
        if self._pending and not self._running:
            self.request()

    def shutdown(self) -> None:
        self._pending = False
        for thread, job in list(self._running):
            if not thread.wait(SHUTDOWN_WAIT_MS):
                keep_until_done(thread, job)
            self._running.remove((thread, job))

    # ---- what the views read -----------------------------------------------------------------
    def gradient_maps(self) -> GradientMaps | None:
        """∂L/∂(each layer's output), named "∂L/∂<layer>", in the net's order; None until computed."""
        g = self.grads
        if g is None or self.network.acts is None or len(g.layers) != len(self.network.acts.layers):
            return None
        return GradientMaps([GradientMap(f"∂L/∂{la.name}", la.type, la.grad) for la in g.layers])

    def loss_text(self) -> str:
        g = self.grads
        if g is None:
            return "Computing the gradients…" if self.busy and self.shows_gradients() else ""
        return (f"L = −log p{_sub(g.target)} {equals_sign([g.loss])} {shown(g.loss)} "
                f"(cross-entropy of class {g.target})")

    def hover_text(self) -> str:
        """The gradient at the value under the mouse ("" when none)."""
        h, maps = self.network.hover, self.gradient_maps()
        if h is None or maps is None or not 0 <= h[0] < len(maps.layers):
            return ""
        layer, c, y, x = h
        v = maps.layers[layer].values
        try:
            value = float(v[y]) if v.ndim == 1 else float(v[c, y, x])
        except IndexError:
            return ""
        return f"{maps.layers[layer].name} there = {exact(value)}"  # on hover: in full

    def backward_request(self) -> dict | None:
        """The explorer's `open_backward` arguments for the opened conv map: its inputs, kernel,
        stride, padding, dilation and bias, and the true ∂L/∂(that map) as `grad_output`."""
        n, g = self.network, self.grads
        if n.parts is None or n.net is None or g is None:
            return None
        from visualizer.core.activations import explorer_request

        parts = n.parts
        name = n.net.layers[parts.layer].name
        request = explorer_request(parts, None, f"{name}, output channel {parts.out_channel + 1}, backward "
                                                f"(loss of class {g.target})")
        request["grad_output"] = np.asarray(g.layers[parts.layer].grad[parts.out_channel], dtype=np.float64)
        return request


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
