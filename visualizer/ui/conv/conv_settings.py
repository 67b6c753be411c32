"""The convolution's settings in the explorer: stride, padding (a number of cells per side, or
PyTorch's "same" / "valid"), dilation, padding mode, kernel flip and bias, per axis (rows,
columns) and linked or not.

`ConvSettings` is plain Python (no signals): `ConvModel` owns one and hands it a `changed()`
callback, which every change calls (the model then computes the output again). `spec()` is the
`ConvSpec` that `visualizer.core.convolution` computes with; `to_dict`/`read` are its part of the
saved session.
"""

from __future__ import annotations

from typing import Any, Callable

from visualizer.core.convolution import PADDING_MODES, ConvSpec, UserInputError

#: Padding kinds: a number of cells, or one of ConvSpec's named paddings.
PADDING_KINDS = ("number", "valid", "same")
#: Stride, padding and dilation: the values a control offers, (lowest, highest).
AXIS_RANGES = {"stride": (1, 64), "padding": (0, 64), "dilation": (1, 16)}


def clamped_pair(values, setting: str) -> tuple[int, int]:
    """Two values of a setting, each clamped into AXIS_RANGES (TypeError / ValueError for values
    that are not two numbers)."""
    lo, hi = AXIS_RANGES[setting]
    a, b = (max(lo, min(int(v), hi)) for v in values)
    return a, b


def _nothing() -> None:
    pass


class ConvSettings:
    def __init__(self, changed: Callable[[], None] = _nothing) -> None:
        self._changed = changed
        self.reset()

    def reset(self) -> None:
        """The course's first setting: stride 2, padding 1, zeros, no flip, no bias (announces nothing)."""
        self.stride = (2, 2)
        self.padding_kind = "number"
        self.padding_numbers = (1, 1)
        self.dilation = (1, 1)
        self.padding_mode = "zeros"
        self.flip = False
        self.bias = 0.0
        self.link_axes = True

    def spec(self) -> ConvSpec:
        padding: tuple[int, int] | str = (self.padding_kind if self.padding_kind in ("same", "valid")
                                          else tuple(self.padding_numbers))
        return ConvSpec(stride=tuple(self.stride), padding=padding, dilation=tuple(self.dilation),
                        padding_mode=self.padding_mode, flip=self.flip, bias=float(self.bias))

    def set_axis_value(self, setting: str, axis: int, value: int) -> None:
        """Stride, padding or dilation of one axis (0 rows, 1 columns), clamped into AXIS_RANGES;
        both while the axes are linked. Typing a padding means "this many cells"."""
        lo, hi = AXIS_RANGES[setting]
        value = max(lo, min(int(value), hi))
        attr = "padding_numbers" if setting == "padding" else setting
        pair = list(getattr(self, attr))
        pair[axis] = value
        if self.link_axes:
            pair[1 - axis] = value
        setattr(self, attr, tuple(pair))
        if setting == "padding":
            self.padding_kind = "number"
        self._changed()

    def set_link_axes(self, on: bool) -> None:
        """Linked: rows and columns take the rows' values."""
        self.link_axes = bool(on)
        if on:
            self.stride = (self.stride[0],) * 2
            self.padding_numbers = (self.padding_numbers[0],) * 2
            self.dilation = (self.dilation[0],) * 2
        self._changed()

    def set_padding_kind(self, kind: str) -> None:
        if kind not in PADDING_KINDS:
            raise UserInputError(f"padding must be a number, 'same' or 'valid', got {kind!r}")
        self.padding_kind = kind
        self._changed()

    def set_padding_mode(self, mode: str) -> None:
        if mode not in PADDING_MODES:
            raise UserInputError(f"padding mode must be one of {', '.join(PADDING_MODES)}, got {mode!r}")
        self.padding_mode = mode
        self._changed()

    def set_flip(self, flip: bool) -> None:
        """Flip the kernel (true convolution) or not (cross-correlation, as PyTorch's Conv2d)."""
        self.flip = bool(flip)
        self._changed()

    def set_bias(self, bias: float) -> None:
        self.bias = float(bias)
        self._changed()

    def use_course_setting(self, stride: int, padding: int) -> None:
        """One of the course's two settings: a stride and a zero padding of whole cells."""
        self.stride = (int(stride),) * 2
        self.padding_kind = "number"
        self.padding_numbers = (int(padding),) * 2
        self.padding_mode = "zeros"
        self.flip = False
        self._changed()

    def use_hand_over(self, stride: tuple[int, int], padding: tuple[int, int], dilation: tuple[int, int],
                      bias: float) -> None:
        """A convolution handed over from a network layer (checked pairs): zero padding, no flip,
        the axes linked when every setting is the same for rows and columns."""
        self.bias = float(bias)
        self.stride, self.dilation = stride, dilation
        self.padding_kind, self.padding_numbers = "number", padding
        self.padding_mode, self.flip = "zeros", False
        self.link_axes = stride[0] == stride[1] and padding[0] == padding[1] and dilation[0] == dilation[1]
        self._changed()

    # ==== saving ===============================================================================
    def to_dict(self) -> dict[str, Any]:
        spec = self.spec()
        return {
            "stride": list(spec.stride),
            "padding": spec.padding if isinstance(spec.padding, str) else list(spec.padding),
            "padding_numbers": list(self.padding_numbers),
            "dilation": list(spec.dilation),
            "padding_mode": spec.padding_mode,
            "flip": spec.flip,
            "bias": spec.bias,
            "link_axes": self.link_axes,
        }

    @staticmethod
    def read(state: dict[str, Any]) -> dict[str, Any]:
        """The settings of a saved state (to_dict's keys, or the explorer's old save_state) as
        attribute values, checked and clamped; ValueError or TypeError for ones that make no
        sense. Missing ones are PyTorch's defaults (stride 1, padding 0, dilation 1)."""
        numbers = clamped_pair(state.get("padding_numbers", (0, 0)), "padding")
        padding = state.get("padding", list(numbers))
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"bad padding {padding!r}")
            kind = padding
        else:
            kind, numbers = "number", clamped_pair(padding, "padding")
        mode = str(state.get("padding_mode", "zeros"))
        return {
            "stride": clamped_pair(state.get("stride", (1, 1)), "stride"),
            "padding_kind": kind,
            "padding_numbers": numbers,
            "dilation": clamped_pair(state.get("dilation", (1, 1)), "dilation"),
            "padding_mode": mode if mode in PADDING_MODES else "zeros",
            "flip": bool(state.get("flip")),
            "bias": float(state.get("bias", 0.0)),
            "link_axes": bool(state.get("link_axes", True)),
        }

    def apply(self, fields: dict[str, Any]) -> None:
        """Take what `read` returned (announces nothing)."""
        for name, value in fields.items():
            setattr(self, name, value)
