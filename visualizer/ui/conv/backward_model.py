"""The explorer's backward mode, as state: the upstream gradient chosen, the gradients of the
convolution shown, the learning rate and the losses of the steps applied.

`BackwardModel` observes the explorer's `ConvModel`: each new forward result is backpropagated
(`visualizer.core.conv_backward`) while the mode is on. *Apply step* writes W − α·∂L/∂W and
b − α·∂L/∂b back into the ConvModel, whose new result comes back here, so the loss of every step
is seen. Its `steps` (`backward_steps.BackwardSteps`) is the result stepped and its cell. No
widgets: `backward_view.BackwardView` draws it. Its state is saved with the explorer's session.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from visualizer.core import conv_backward as cb
from visualizer.core.convolution import format_number, parse_matrix, parse_number
from visualizer.core.errors import UserInputError
from visualizer.ui.conv.backward_steps import BackwardSteps

#: How the upstream gradient ∂L/∂Y is made: (key, label).
GRADIENT_KINDS = (
    ("ones", "ones (L = ΣY)"),
    ("random", "random (seeded)"),
    ("typed", "typed (or handed over)"),
    ("target", "from a target T: L = ½‖Y − T‖²"),
)
#: The backward pass runs on the GUI thread: beyond this many input values, or this many
#: multiply-adds (kernels × channels × kernel cells × padded input cells, about a tenth of a second in
#: numpy), it is refused: a classroom matrix or a small picture is far below; a photo would freeze
#: the window.
MAX_BACKWARD_VALUES = 250_000
MAX_BACKWARD_MACS = 20_000_000


class BackwardModel(QObject):
    """State of the backward mode. `changed` is emitted after every recomputation or setting."""

    changed = Signal()

    def __init__(self, conv, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.conv = conv  # the explorer's ConvModel
        self.enabled = False
        self.kind = "ones"
        self.seed = 0
        self.target_text = "0"  # one number for every output cell, or a matrix of the output's size
        self.grad_text = "1"  # typed G: the same, for the kind "typed"
        self.given: np.ndarray | None = None  # a G handed over (O, Ho, Wo); typing replaces it
        self.lr = 0.01
        self.grads: cb.ConvGradients | None = None
        self.loss: float | None = None  # ½‖Y − T‖² with a target; None otherwise
        self.losses: list[float] = []  # the loss before each step applied, then the current one
        self.error = ""
        self._stepped = False  # the next result is the one our own step asked for
        conv.result_changed.connect(self.recompute)
        conv.backward = self  # the explorer's session keeps this mode's state (ConvModel.to_dict)
        self.steps = BackwardSteps(self, self)  # the stepped result and its cell

    # ---- settings --------------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        self.recompute()

    def next_kind(self) -> None:
        """ones → random → typed → from a target → ones (a key for the lecture)."""
        keys = [k for k, _ in GRADIENT_KINDS]
        self.set_kind(keys[(keys.index(self.kind) + 1) % len(keys)])

    def set_kind(self, kind: str) -> None:
        if kind not in dict(GRADIENT_KINDS):
            raise ValueError(f"unknown upstream gradient {kind!r}")
        self.kind = kind
        self.losses = []
        self.recompute()

    def set_seed(self, seed: int) -> None:
        self.seed = int(seed)
        self.recompute()

    def set_target_text(self, text: str) -> None:
        self.target_text = str(text)
        self.losses = []
        self.recompute()

    def set_grad_text(self, text: str) -> None:
        self.grad_text, self.given = str(text), None
        self.recompute()

    def use_gradient(self, g: np.ndarray) -> None:
        """Backpropagate this upstream gradient (Ho×Wo, or O×Ho×Wo): another tab hands over the
        true ∂L/∂Y of a layer. It must fit the explorer's output (checked when computed)."""
        g = np.asarray(g, dtype=np.float64)
        self.given = g[None] if g.ndim == 2 else g
        self.kind, self.enabled = "typed", True
        self.losses = []
        self.recompute()

    def set_lr(self, lr: float) -> None:
        try:
            self.lr = cb.check_learning_rate(lr)
        except UserInputError as exc:
            self.error = str(exc)
        self.changed.emit()

    # ---- the gradients ---------------------------------------------------------------------
    @staticmethod
    def _typed(text: str, name: str, shape: tuple[int, int, int]) -> np.ndarray:
        """One number for every output cell, or a matrix of the output's size (for every kernel)."""
        text = text.strip()
        try:
            return np.full(shape, parse_number(text))
        except (ValueError, ZeroDivisionError):
            pass
        t = parse_matrix(text, name)
        if t.shape != shape[1:]:
            raise UserInputError(f"{name} is {t.shape[0]}×{t.shape[1]} but the output is "
                                 f"{shape[1]}×{shape[2]}: type one number or a {shape[1]}×{shape[2]} matrix")
        return np.repeat(t[None], shape[0], axis=0)

    def upstream(self, output: np.ndarray) -> np.ndarray:
        """G = ∂L/∂Y for the output Y, as the chosen kind makes it (sets `loss` for a target)."""
        self.loss = None
        if self.kind == "ones":
            return cb.grad_ones(output.shape)
        if self.kind == "random":
            return cb.grad_random(output.shape, self.seed)
        if self.kind == "typed":
            if self.given is not None:
                return cb.check_grad_output(self.given, output.shape)
            return self._typed(self.grad_text, "the upstream gradient ∂L/∂Y", output.shape)
        g, self.loss = cb.grad_from_target(output, self._typed(self.target_text, "the target T", output.shape))
        return g

    def recompute(self) -> None:
        stepped, self._stepped = self._stepped, False
        self.grads, self.error = None, ""
        r = self.conv.result
        if not self.enabled:
            self.changed.emit()
            return
        if r is None or r.error or r.output is None or r.input is None:
            self.error = (r.error if r is not None and r.error else "The forward pass has no output yet.")
        elif r.input.size > MAX_BACKWARD_VALUES:
            self.error = (f"Backward mode works on inputs of up to {MAX_BACKWARD_VALUES:,} values; this one has "
                          f"{r.input.size:,}. Shrink the image (Size) or crop it.")
        elif r.padded is not None and r.kernels.size * r.padded[0].size > MAX_BACKWARD_MACS:
            self.error = (f"Backward mode stops at {MAX_BACKWARD_MACS:,} multiply-adds; this convolution needs "
                          f"about {r.kernels.size * r.padded[0].size:,}. Use fewer kernels, a smaller kernel or "
                          f"a smaller image.")
        else:
            try:
                g = self.upstream(r.output)
                self.grads = cb.backward(r.input, r.kernels, r.spec, g)
            except UserInputError as exc:
                self.error = str(exc)
        if self.loss is None or not stepped:
            self.losses = [] if self.loss is None else [self.loss]
        else:
            self.losses.append(self.loss)
        self.changed.emit()

    def apply_step(self) -> bool:
        """W := W − α·∂L/∂W, b := b − α·∂L/∂b into the explorer; False (and `error`) when there is
        nothing to step."""
        r = self.conv.result
        if self.grads is None or r is None:
            self.error = self.error or "There is no gradient to step with."
            self.changed.emit()
            return False
        kernels, bias = cb.apply_step(r.kernels, r.spec.bias, self.grads, self.lr)
        self._stepped = True
        with self.conv._batch():  # one recomputation for the kernels and the bias together
            self.conv.set_kernels(kernels)
            self.conv.set_bias(bias)
        return True

    def shown(self) -> tuple[int, int]:
        """(kernel, input channel) the explorer shows, 0-based."""
        c = self.conv.shown_input_channel()
        return self.conv.shown_out_channel(), 0 if c is None else c

    # ---- the session -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"enabled": self.enabled, "kind": self.kind, "seed": self.seed, "target": self.target_text,
                "grad": self.grad_text, "given": None if self.given is None else self.given.tolist(),
                "lr": self.lr, **self.steps.to_dict()}

    @staticmethod
    def read_state(state) -> dict:
        """`to_dict`'s state checked (ValueError or TypeError when it makes no sense); nothing changes."""
        if not isinstance(state, dict):
            raise TypeError("the backward mode's state is not a table of settings")
        from visualizer.ui.conv.backward_steps import STEPPED

        out = {"enabled": bool(state.get("enabled", False)), "kind": str(state.get("kind", "ones")),
               "seed": int(state.get("seed", 0)), "target": str(state.get("target", "0")),
               "grad": str(state.get("grad", "1")), "lr": cb.check_learning_rate(state.get("lr", 0.01)),
               "stepped": str(state.get("stepped", "grad_weight")), "step": state.get("step")}
        if out["kind"] not in dict(GRADIENT_KINDS) or out["stepped"] not in dict(STEPPED):
            raise ValueError(f"unknown backward setting {out['kind']!r} / {out['stepped']!r}")
        given = state.get("given")
        out["given"] = None if given is None else np.asarray(given, dtype=np.float64)
        if out["given"] is not None and (out["given"].ndim != 3 or not np.all(np.isfinite(out["given"]))):
            raise ValueError("the saved upstream gradient is not an O×H×W array of numbers")
        return out

    def apply_state(self, s: dict) -> None:
        """What `read_state` returned; the gradients follow the explorer's next result."""
        self.enabled, self.kind, self.seed, self.target_text = s["enabled"], s["kind"], s["seed"], s["target"]
        self.grad_text, self.given, self.lr, self.losses = s["grad"], s["given"], s["lr"], []
        self.recompute()
        self.steps.apply(s)

    def loss_text(self) -> str:
        """"L = ½‖Y − T‖² = 34.38", with the earlier steps' losses: "34.38 → 7.009 → 1.545"."""
        if self.loss is None:
            return ""
        values = " → ".join(format_number(v, digits=4) for v in self.losses) or format_number(self.loss, 4)
        return f"L = ½‖Y − T‖² = {values}"
