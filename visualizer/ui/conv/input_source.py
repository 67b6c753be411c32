"""What the convolution explorer convolves: the typed matrix, or a picture (an image file, a
sample, an array another tool handed over) with its crop and size.

`InputSource` is plain Python (no signals): `ConvModel` owns one and hands it two callbacks, which
its changes call: `changed()` after a change of the input in use, `replaced(channels)` after a new
input (the model fits its kernels to the channel count, then announces the change). Every method
that takes what a user typed or chose checks it first and raises UserInputError with the reason,
before anything is changed. `check_hand_over` checks one convolution handed over by another tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from visualizer.core.convolution import INPUT_PRESETS, UserInputError

COURSE_INPUT = INPUT_PRESETS["course-example"]
MAX_INPUT_CELLS = 32
#: The largest input a hand-over may bring (values): it is looked at cell by cell.
MAX_HAND_OVER_VALUES = 40_000_000
#: How image files are read.
CHANNEL_MODES = ("auto", "gray", "rgb")
#: Sources a saved session remembers (an array or a tensor handed over is not saved).
SAVED_KINDS = ("sample", "file")


def _nothing(*_args) -> None:
    pass


class InputSource:
    """The input before crop and resize, and how it is cropped and resized."""

    def __init__(self, changed: Callable[[], None] = _nothing, replaced: Callable[[int], None] = _nothing) -> None:
        self._changed, self._replaced = changed, replaced
        self.reset()

    def reset(self) -> None:
        """The course's 5×5 input, typed (announces nothing)."""
        self.kind = "matrix"  # "matrix" | "sample" | "file" | "array" | "tensor"
        self.name = ""  # sample name, file path or the label of a handed-over array
        self.matrix = np.array(COURSE_INPUT, dtype=np.float64)  # the typed matrix
        self.image: np.ndarray | None = None  # the loaded image (C, H, W) before crop/resize
        #: What the input holds: "pixels" (0..255, shown on a fixed grey scale) or "values" (any
        #: real numbers, e.g. a feature map handed over by another tab).
        self.value_kind = "pixels"
        self.channels = "auto"  # how an image file is read: "auto" | "gray" | "rgb"
        self.crop = (0, 0, 1, 1)  # top, left, height, width (images only)
        self.longest_side = 64

    # ==== reading ==============================================================================
    def is_image(self) -> bool:
        return self.kind != "matrix" and self.image is not None

    def array(self) -> np.ndarray:
        """The input before crop and resize, (C, H, W)."""
        return self.image if self.is_image() else self.matrix[None]

    def crop_and_size(self) -> tuple[tuple[int, int, int, int] | None, int | None]:
        """The crop and longest side to apply; None where they change nothing."""
        if not self.is_image():
            return None, None
        _, h, w = self.image.shape
        crop = tuple(int(v) for v in self.crop)
        full = crop == (0, 0, h, w)
        ch, cw = min(crop[2], h - crop[0]), min(crop[3], w - crop[1])
        side = int(self.longest_side)
        return (None if full else crop), (None if side >= max(ch, cw) else side)

    def input_shape(self) -> tuple[int, int]:
        """(H, W) of the input after crop and resize (what `conv_job.prepare_input` makes)."""
        h, w = self.array().shape[1:]
        crop, side = self.crop_and_size()
        if crop is not None:
            t, l, ch, cw = crop
            h, w = max(0, min(ch, h - t)), max(0, min(cw, w - l))
        if side and max(h, w) > side:
            f = side / max(h, w)
            h, w = max(1, round(h * f)), max(1, round(w * f))
        return h, w

    # ==== changing it ==========================================================================
    def set_matrix(self, m: np.ndarray) -> None:
        """The typed matrix (used as the input while the source is "matrix")."""
        m = np.array(m, dtype=np.float64)
        if m.ndim != 2 or min(m.shape) < 1:
            raise UserInputError(f"the input must be a matrix, got shape {m.shape}")
        self.matrix = m
        if self.kind == "matrix":
            self._changed()

    def use_typed_matrix(self) -> None:
        self._use_matrix()
        self._replaced(1)

    def _use_matrix(self) -> None:
        self.kind, self.name, self.image = "matrix", "", None
        self.value_kind = "pixels"

    def load_image(self, path: str | Path, channels: str | None = None, kind: str = "file",
                   name: str | None = None) -> None:
        """Use an image file as the input, read as `channels` (the current way when None);
        UserInputError when it cannot be read."""
        from visualizer.core.conv_job import MAX_INPUT_VALUES
        from visualizer.image_io import load_image

        channels = self.channels if channels is None else channels
        # The CLI's limit, checked from the header before decoding: a 100-megapixel picture is
        # refused at once instead of freezing the window while it decodes.
        image = load_image(path, channels, max_values=MAX_INPUT_VALUES)
        self.use_decoded(image, str(path), channels, kind, name)

    def use_decoded(self, image: np.ndarray, path: str, channels: str, kind: str = "file",
                    name: str | None = None) -> None:
        """An image file decoded (off the GUI thread: conv.worker.ImageLoading) as the input."""
        if channels not in CHANNEL_MODES:
            raise UserInputError(f"channels must be one of {', '.join(CHANNEL_MODES)}, got {channels!r}")
        self.channels = channels
        self.use_image(image, kind, name if name is not None else path)

    def load_sample(self, name: str) -> None:
        from visualizer.image_io import sample_images

        samples = sample_images()
        if name not in samples:
            raise UserInputError(f"no sample image called {name!r}")
        self.load_image(samples[name], kind="sample", name=name)

    def set_channels(self, channels: str) -> None:
        """How image files are read ("auto" | "gray" | "rgb"); reloads the image in use."""
        from visualizer.image_io import sample_images

        if channels == self.channels:
            return
        self.channels = channels
        if self.kind in ("sample", "file"):
            path = sample_images().get(self.name) if self.kind == "sample" else self.name
            if path:
                self.load_image(path, kind=self.kind, name=self.name)

    def use_image_array(self, image: np.ndarray, label: str = "image") -> None:
        """Use an array as the input image, (H, W) or (C, H, W) with values 0..255 (benchmarks,
        other tools handing over a picture). Not remembered between starts."""
        x = np.asarray(image, dtype=np.float64)
        x = x[None] if x.ndim == 2 else x
        if x.ndim != 3 or x.shape[0] not in (1, 3) or min(x.shape) < 1:
            raise UserInputError(f"an image must be H×W or C×H×W with 1 or 3 channels, got {x.shape}")
        self.use_image(np.ascontiguousarray(x), "array", label)

    def use_image(self, image: np.ndarray, kind: str, name: str, value_kind: str = "pixels") -> None:
        """A checked (C, H, W) array as the input, uncropped and unshrunk."""
        self.image = image
        self.value_kind = value_kind
        self.kind, self.name = kind, name
        self._whole_image()
        self._replaced(image.shape[0])

    def _whole_image(self) -> None:
        _, h, w = self.image.shape
        self.crop = (0, 0, h, w)
        self.longest_side = max(h, w)

    def reset_image_geometry(self) -> None:
        """Undo the crop and the shrinking."""
        if self.image is not None:
            self._whole_image()
            self._changed()

    def set_crop(self, top: int, left: int, height: int, width: int) -> None:
        """Clamped into the picture."""
        if self.image is None:
            return
        _, h, w = self.image.shape
        top, left = max(0, min(int(top), h - 1)), max(0, min(int(left), w - 1))
        self.crop = (top, left, max(1, min(int(height), h)), max(1, min(int(width), w)))
        self._changed()

    def set_longest_side(self, side: int) -> None:
        """From 1 to the picture's own longest side (pictures are shrunk, never enlarged)."""
        if self.image is None:
            return
        self.longest_side = max(1, min(int(side), max(self.image.shape[1:])))
        self._changed()

    # ==== saving ===============================================================================
    def to_dict(self) -> dict[str, Any]:
        """The session keys of the input: the typed matrix, and a sample or file with its crop
        and size (an array or tensor handed over is not saved: the typed matrix comes back)."""
        saved = self.kind in SAVED_KINDS
        state: dict[str, Any] = {"source": self.kind if saved else "matrix", "matrix": self.matrix.tolist()}
        if saved:
            state.update(image=self.name, channels=self.channels, crop=list(self.crop),
                         longest_side=self.longest_side)
        return state

    def restore(self, state: dict[str, Any]) -> str:
        """The saved picture (a sample by name, a file by path) with its crop and size, or the
        typed matrix when there is none or it is gone; returns what went wrong ("" if nothing).
        The saved typed matrix and channel mode are set before (`saved_matrix`, `saved_channels`)."""
        source = state.get("source", "matrix")
        problem = ""
        try:
            if source == "sample":
                self.load_sample(str(state.get("image", "")))
            elif source == "file":
                path = str(state.get("image", ""))
                if Path(path).is_file():
                    self.load_image(path)
                else:
                    problem = f"The last image ({path}) is gone; showing the typed matrix"
        except UserInputError as exc:
            problem = f"Could not open the last image ({exc}); showing the typed matrix"
        if self.kind not in SAVED_KINDS:
            self.use_typed_matrix()
            return problem
        self._restore_geometry(state)
        return problem

    def _restore_geometry(self, state: dict[str, Any]) -> None:
        """The saved crop and size of a reloaded picture, clamped into it."""
        _, h, w = self.image.shape
        crop = [int(v) for v in state.get("crop", [])]
        if len(crop) == 4:
            t, l = max(0, min(crop[0], h - 1)), max(0, min(crop[1], w - 1))
            self.crop = (t, l, max(1, min(crop[2], h)), max(1, min(crop[3], w)))
        if "longest_side" in state:
            self.longest_side = max(1, min(int(state["longest_side"]), max(h, w)))


def saved_matrix(state: dict[str, Any]) -> np.ndarray:
    """The typed matrix of a saved session, checked (ValueError when it makes no sense)."""
    matrix = np.array(state.get("matrix", COURSE_INPUT), dtype=np.float64)
    if matrix.ndim != 2 or not 1 <= min(matrix.shape) or max(matrix.shape) > MAX_INPUT_CELLS \
            or not np.isfinite(matrix).all():
        raise ValueError("bad input matrix")
    return matrix


def saved_channels(state: dict[str, Any]) -> str:
    channels = state.get("channels") or "auto"
    return channels if channels in CHANNEL_MODES else "auto"


@dataclass
class HandOver:
    """One convolution another tab hands over, checked: inputs (C, H, W), kernels (O, C, kh, kw)
    as PyTorch's Conv2d holds them, the bias and (rows, columns) pairs of stride, padding and
    dilation."""

    inputs: np.ndarray
    kernels: np.ndarray
    bias: float
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]


def check_hand_over(inputs, kernels, stride, padding, dilation, bias, axis_ranges: dict[str, tuple[int, int]],
                    max_kernel: int, max_kernels: int) -> HandOver:
    """The hand-over checked; UserInputError with the reason when it does not fit the explorer."""
    try:
        x = np.array(inputs, dtype=np.float64)
        k = np.array(kernels, dtype=np.float64)
        bias = float(bias)
    except (TypeError, ValueError, OverflowError):
        raise UserInputError("the input, the kernels and the bias must be numbers") from None
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or min(x.shape) < 1:
        raise UserInputError(f"the input must be C×H×W, got shape {x.shape}")
    if k.ndim != 4 or min(k.shape) < 1:
        raise UserInputError(f"the kernels must be O×C×kh×kw, got shape {k.shape}")
    if k.shape[1] != x.shape[0]:
        raise UserInputError(f"the kernels have {k.shape[1]} channel slices but the input has "
                             f"{x.shape[0]} channels")
    if x.size > MAX_HAND_OVER_VALUES:
        raise UserInputError(f"an input of {x.size:,} values is too big to look at cell by cell")
    if max(k.shape[2:]) > max_kernel or k.shape[0] > max_kernels:
        raise UserInputError(f"at most {max_kernels} kernels of up to {max_kernel}×{max_kernel} can be "
                             f"shown, got {k.shape[0]} of {k.shape[2]}×{k.shape[3]}")
    if not (np.isfinite(x).all() and np.isfinite(k).all()):
        raise UserInputError("the input or the kernels hold a value that is not a finite number")
    if not np.isfinite(bias):
        raise UserInputError(f"the bias must be a finite number, got {bias}")
    pairs = {}
    for name, value in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        try:
            a, b = (int(value), int(value)) if np.ndim(value) == 0 else (int(v) for v in value)
        except (TypeError, ValueError):
            raise UserInputError(f"{name} must be a number or a pair of numbers, got {value!r}") from None
        lo, hi = axis_ranges[name]
        if not (lo <= a <= hi and lo <= b <= hi):
            raise UserInputError(f"{name} must be between {lo} and {hi}, got {a}, {b}")
        pairs[name] = (a, b)
    return HandOver(np.ascontiguousarray(x), k.copy(), bias, pairs["stride"], pairs["padding"], pairs["dilation"])
