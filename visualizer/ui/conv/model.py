"""What the user set in the convolution explorer and where they are: the tool's one state model.

`ConvModel` holds the input (typed matrix or image), the kernels, the ConvSpec parts, the image
crop and size, which output channel / kernel slice / input channel is looked at, the step position
(through its `Stepper`) and the last computed result. It has no widgets: the views read it to
draw, call its methods on input, and redraw on its signals. `to_dict`/`from_dict` are the saved
session (the keys of the explorer's old `save_state` keep working).

The arithmetic is `visualizer.core.convolution`; running a request is `conv.worker.ConvCompute`.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from visualizer.core.conv_job import ConvJob, ConvResult
from visualizer.core.convolution import (
    INPUT_PRESETS,
    PADDING_MODES,
    ConvSpec,
    UserInputError,
    format_number,
    kernel_preset,
    preset_labels,
    size_report,
)
from visualizer.ui.conv.stepper import SPEEDS, Stepper

COURSE_INPUT = INPUT_PRESETS["course-example"]
COURSE_KERNEL = "course-normalized"
#: The two settings the course works through: (stride, padding).
COURSE_SETTINGS = ((2, 1), (1, 2))
MAX_INPUT_CELLS = 32
MAX_KERNEL = 11
MAX_KERNELS = 256
CHANNEL_NAMES = ("R", "G", "B")
#: Padding kinds: a number of cells, or one of ConvSpec's named paddings.
PADDING_KINDS = ("number", "valid", "same")
#: Stride, padding and dilation: the values a control offers, (lowest, highest).
AXIS_RANGES = {"stride": (1, 64), "padding": (0, 64), "dilation": (1, 16)}
_SIZED_PRESETS = ("identity", "box-blur", "gaussian", "random")


def channel_name(c: int, channels: int) -> str:
    return CHANNEL_NAMES[c] if channels == 3 else f"{c + 1}"


class ConvModel(QObject):
    """The explorer's state. Signals say what changed; the step position lives in `stepper`."""

    #: The input, kernels or spec changed: the output must be computed again.
    inputs_changed = Signal()
    #: Which output channel, kernel slice or input channel is looked at changed.
    view_changed = Signal()
    #: A new result (or error) is in `result`.
    result_changed = Signal()
    #: A status line for the user: (text, timeout in ms; 0 keeps it).
    status = Signal(str, int)
    #: The input cell whose term is pointed at changed (`highlight`): the cell in the input view
    #: and its term in the written sum light up together.
    highlight_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._random_seed = itertools.count(1)
        self.stepper = Stepper(self)
        self.speed_index = SPEEDS.index(2.0)
        self.result: ConvResult | None = None
        self._shape: tuple[int, int, int] | None = None  # output shape the stepper counts
        self._batching = 0
        self._dirty = False
        #: (input channel, padded row, padded column) of the term pointed at, or None.
        self.highlight: tuple[int, int, int] | None = None
        self._reset_fields()
        self._settle_step()

    def _reset_fields(self) -> None:
        self.source_kind = "matrix"  # "matrix" | "sample" | "file" | "array" | "tensor"
        self.source_name = ""  # sample name, file path or the label of a handed-over array
        self.matrix = np.array(COURSE_INPUT, dtype=np.float64)  # the typed matrix
        self.image: np.ndarray | None = None  # the loaded image (C, H, W) before crop/resize
        #: What the input holds: "pixels" (0..255, shown on a fixed grey scale) or "values" (any
        #: real numbers, e.g. a feature map handed over by another tab).
        self.value_kind = "pixels"
        self.channels = "auto"  # how an image file is read: "auto" | "gray" | "rgb"
        self.crop = (0, 0, 1, 1)  # top, left, height, width (images only)
        self.longest_side = 64
        self.kernels = np.asarray(kernel_preset(COURSE_KERNEL), dtype=np.float64)[None, None].copy()
        self.bias = 0.0
        self.stride = (2, 2)
        self.padding_kind = "number"
        self.padding_numbers = (1, 1)
        self.dilation = (1, 1)
        self.padding_mode = "zeros"
        self.flip = False
        self.link_axes = True
        self.out_channel = 0  # output channel (kernel) shown and edited
        self.kernel_slice: int | None = None  # kernel slice the grid edits; None: all slices
        self.input_channel: int | None = 0  # input channel shown; None: the colour picture

    # ==== reading ==============================================================================
    def spec(self) -> ConvSpec:
        padding: tuple[int, int] | str = (self.padding_kind if self.padding_kind in ("same", "valid")
                                          else tuple(self.padding_numbers))
        return ConvSpec(stride=tuple(self.stride), padding=padding, dilation=tuple(self.dilation),
                        padding_mode=self.padding_mode, flip=self.flip, bias=float(self.bias))

    def is_image(self) -> bool:
        return self.source_kind != "matrix" and self.image is not None

    def source_array(self) -> np.ndarray:
        """The input before crop and resize, (C, H, W)."""
        return self.image if self.is_image() else self.matrix[None]

    def channel_count(self) -> int:
        return self.kernels.shape[1]

    def is_colour(self) -> bool:
        """Three channels of pixels: they can be shown as one colour picture and named R, G, B."""
        return self.channel_count() == 3 and self.value_kind == "pixels"

    def channel_label(self, c: int) -> str:
        """An input channel's name: R, G or B for a colour picture, else its number from 1."""
        return CHANNEL_NAMES[c] if self.is_colour() and c < 3 else f"{c + 1}"

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
        src = self.source_array()
        h, w = src.shape[1:]
        crop, side = self.crop_and_size()
        if crop is not None:
            t, l, ch, cw = crop
            h, w = max(0, min(ch, h - t)), max(0, min(cw, w - l))
        if side and max(h, w) > side:
            f = side / max(h, w)
            h, w = max(1, round(h * f)), max(1, round(w * f))
        return h, w

    def output_shape(self) -> tuple[int, int, int] | None:
        """(O, Ho, Wo) of the output these settings give, None when there is none."""
        try:
            rep = size_report(self.input_shape(), self.kernels.shape[2:], self.spec())
        except (UserInputError, ValueError, ZeroDivisionError):
            return None
        if rep.error or min(rep.out_shape) < 1:
            return None
        return (self.kernels.shape[0], *rep.out_shape)

    def make_job(self, job_id: int) -> ConvJob:
        crop, side = self.crop_and_size()
        return ConvJob(job_id, self.source_array(), crop, side, self.kernels.copy(), self.spec())

    def output(self) -> np.ndarray | None:
        """The last computed output, (O, Ho, Wo), or None when there is an error."""
        return None if self.result is None else self.result.output

    def shown_out_channel(self) -> int:
        return min(self.out_channel, self.kernels.shape[0] - 1)

    def current_output(self) -> np.ndarray | None:
        out = self.output()
        return None if out is None else out[min(self.out_channel, out.shape[0] - 1)]

    def shown_input_channel(self) -> int | None:
        """Index of the input channel shown; None for the colour picture."""
        c = self.channel_count()
        if c == 1:
            return 0
        if self.input_channel is None:
            return None if self.is_colour() else 0
        return min(self.input_channel, c - 1)

    def edited_kernel(self) -> np.ndarray:
        """The matrix the kernel grid shows: the slice edited of the output channel shown."""
        s = self.kernel_slice if self.channel_count() > 1 else None
        return self.kernels[self.shown_out_channel(), 0 if s is None else s]

    # ==== the step position ====================================================================
    def current_index(self) -> int | None:
        return self.stepper.current_index()

    def _settle_step(self) -> None:
        """After a change of input, kernels or spec: stepping starts again at cell 1 (or the whole
        output keeps showing). Even with the same output shape the old position would explain a
        cell of a computation that is gone, and the class would lose track."""
        shape = self.output_shape()
        self._shape = shape
        self.stepper.restart(0 if shape is None else shape[1] * shape[2])

    def current_cell(self) -> tuple[int, int] | None:
        """(row, column) of the current step's output cell in the result shown, counted from 0;
        None while the whole output shows or there is no output."""
        r, idx = self.result, self.current_index()
        if r is None or r.output is None or idx is None:
            return None
        ho, wo = r.output.shape[1:]
        return divmod(idx, wo) if idx < ho * wo else None

    def step_caption(self) -> str:
        """"Cell k of n: row r, column c" (counted from 1, as the grid headers), or what shows
        while not stepping; the step bar, the status line and the arithmetic all use it."""
        r = self.result
        if r is None or r.output is None:
            return ""
        ho, wo = r.output.shape[1:]
        cell = self.current_cell()
        if cell is None:
            return f"{ho * wo} output cells"
        y, x = cell
        return f"Cell {y * wo + x + 1} of {ho * wo}: row {y + 1}, column {x + 1}"

    def set_speed_index(self, i: int) -> None:
        self.speed_index = max(0, min(int(i), len(SPEEDS) - 1))
        self.stepper.set_speed(SPEEDS[self.speed_index])

    def jump_to_cell(self, y: int, x: int) -> None:
        shape = self._shape
        if shape is not None and 0 <= y < shape[1] and 0 <= x < shape[2]:
            self.stepper.pause()
            self.stepper.jump_to(y * shape[2] + x)

    def step_status(self) -> str:
        """The status line while stepping: the caption and the cell's value ("" when not stepping)."""
        cell, r = self.current_cell(), self.result
        if cell is None or r is None or r.output is None:
            return ""
        o = min(self.out_channel, r.output.shape[0] - 1)
        channel = f", output channel {o + 1}" if r.output.shape[0] > 1 else ""
        return f"{self.step_caption()}{channel} = {format_number(r.output[o, cell[0], cell[1]])}"

    def set_highlight(self, term: tuple[int, int, int] | None) -> None:
        """Point at one term of the current cell: (input channel, padded row, padded column)."""
        term = None if term is None else tuple(int(v) for v in term)
        if term != self.highlight:
            self.highlight = term
            self.highlight_changed.emit()

    # ==== the result ===========================================================================
    def set_result(self, result: ConvResult) -> None:
        self.result = result
        if result.error:
            self.status.emit(result.error, 8000)
        self.result_changed.emit()

    # ==== changing things ======================================================================
    def _changed(self) -> None:
        if self._batching:
            self._dirty = True
            return
        self._settle_step()
        self.inputs_changed.emit()

    @contextmanager
    def _batch(self):
        """Several changes, announced once at the end."""
        self._batching += 1
        try:
            yield
        finally:
            self._batching -= 1
            if not self._batching and self._dirty:
                self._dirty = False
                self._changed()

    def set_matrix(self, m: np.ndarray) -> None:
        """The typed matrix (used as the input while the source is "matrix")."""
        m = np.array(m, dtype=np.float64)
        if m.ndim != 2 or min(m.shape) < 1:
            raise UserInputError(f"the input must be a matrix, got shape {m.shape}")
        self.matrix = m
        if self.source_kind == "matrix":
            self._changed()

    def use_typed_matrix(self) -> None:
        self.source_kind, self.source_name, self.image = "matrix", "", None
        self.value_kind = "pixels"
        self._match_kernel_channels(1)
        self._changed()

    def load_image(self, path: str | Path, channels: str | None = None, kind: str = "file",
                   name: str | None = None) -> None:
        """Use an image file as the input; UserInputError when it cannot be read."""
        from visualizer.image_io import load_image

        channels = self.channels if channels is None else channels
        image = load_image(path, channels)
        self.channels = channels
        self._use_image(image, kind, name if name is not None else str(path))

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
        if self.source_kind in ("sample", "file"):
            path = sample_images().get(self.source_name) if self.source_kind == "sample" else self.source_name
            if path:
                self.load_image(path, kind=self.source_kind, name=self.source_name)

    def use_image_array(self, image: np.ndarray, label: str = "image") -> None:
        """Use an array as the input image, (H, W) or (C, H, W) with values 0..255 (benchmarks,
        other tools handing over a picture). Not remembered between starts."""
        x = np.asarray(image, dtype=np.float64)
        x = x[None] if x.ndim == 2 else x
        if x.ndim != 3 or x.shape[0] not in (1, 3) or min(x.shape) < 1:
            raise UserInputError(f"an image must be H×W or C×H×W with 1 or 3 channels, got {x.shape}")
        self._use_image(np.ascontiguousarray(x), "array", label)

    def open_convolution(self, inputs: np.ndarray, kernels: np.ndarray, stride=(1, 1), padding=(0, 0),
                         dilation=(1, 1), bias: float = 0.0, title: str = "") -> None:
        """Another tab hands over one convolution: real-valued inputs (C, H, W) and kernels
        (O, C, kh, kw), as PyTorch's Conv2d holds them. UserInputError when they do not fit; the
        model is then unchanged. The step starts again (at cell 1 if it was stepping)."""
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
        if x.size > 40_000_000:
            raise UserInputError(f"an input of {x.size:,} values is too big to look at cell by cell")
        if max(k.shape[2:]) > MAX_KERNEL or k.shape[0] > MAX_KERNELS:
            raise UserInputError(f"at most {MAX_KERNELS} kernels of up to {MAX_KERNEL}×{MAX_KERNEL} can be "
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
            lo, hi = AXIS_RANGES[name]
            if not (lo <= a <= hi and lo <= b <= hi):
                raise UserInputError(f"{name} must be between {lo} and {hi}, got {a}, {b}")
            pairs[name] = (a, b)
        with self._batch():
            self.kernels = k.copy()
            self.bias = float(bias)
            self.stride, self.dilation = pairs["stride"], pairs["dilation"]
            self.padding_kind, self.padding_numbers = "number", pairs["padding"]
            self.padding_mode, self.flip = "zeros", False
            self.link_axes = pairs["stride"][0] == pairs["stride"][1] and pairs["padding"][0] == pairs["padding"][1] \
                and pairs["dilation"][0] == pairs["dilation"][1]
            self.out_channel = 0
            self.kernel_slice = None
            self._use_image(np.ascontiguousarray(x), "tensor", title or "handed-over input", "values")
            self.input_channel = 0  # real values: one channel's numbers, not a clipped colour picture

    def load_course_rgb_example(self, kernels: int = 4) -> None:
        """The course's multi-channel question: an RGB picture (128×128×3) and K kernels of size
        1×1×3, so each output cell is w_R·R + w_G·G + w_B·B + bias at one pixel: 128×128×3 →
        128×128×K."""
        from visualizer.image_io import sample_images

        path = sample_images().get("rgb-shapes")
        if path is None:
            raise UserInputError("the RGB sample picture is missing from this installation")
        rng = np.random.default_rng(11)
        k = np.round(rng.uniform(-1.0, 1.0, (int(kernels), 3, 1, 1)), 2)
        k[0, :, 0, 0] = (0.299, 0.587, 0.114)  # kernel 1: the grey value (ITU-R BT.601 luma)
        self.stepper.stop_stepping()
        with self._batch():
            self._reset_fields()
            self.load_image(path, "rgb", kind="sample", name="rgb-shapes")
            self.kernels = k
            self.stride, self.padding_numbers = (1, 1), (0, 0)
        self.status.emit(f"Course 1×1×3: an RGB picture 128×128×3 and {int(kernels)} kernels of 1×1×3 give "
                         f"an output of 128×128×{int(kernels)}", 8000)

    def _use_image(self, image: np.ndarray, kind: str, name: str, value_kind: str = "pixels") -> None:
        self.image = image
        self.value_kind = value_kind
        self.source_kind, self.source_name = kind, name
        self._whole_image()
        self._match_kernel_channels(image.shape[0])
        self._changed()

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
        if self.image is None:
            return
        _, h, w = self.image.shape
        top, left = max(0, min(int(top), h - 1)), max(0, min(int(left), w - 1))
        self.crop = (top, left, max(1, min(int(height), h)), max(1, min(int(width), w)))
        self._changed()

    def set_longest_side(self, side: int) -> None:
        if self.image is None:
            return
        self.longest_side = max(1, min(int(side), max(self.image.shape[1:])))
        self._changed()

    def image_to_grid(self) -> bool:
        """Make the current (cropped, shrunk) picture the typed matrix, one channel of it."""
        r = self.result
        if r is None or r.input is None or self.source_kind == "matrix":
            return False
        c, h, w = r.input.shape
        if max(h, w) > MAX_INPUT_CELLS:
            self.status.emit(f"The picture is {h}×{w}; crop or shrink it to at most {MAX_INPUT_CELLS}×"
                             f"{MAX_INPUT_CELLS} pixels to edit it as numbers", 8000)
            return False
        channel = self.shown_input_channel()
        self.matrix = np.round(r.input[0 if channel is None else channel], 2)
        self.use_typed_matrix()
        name = "" if c == 1 else f" (channel {channel_name(channel or 0, c)})"
        self.status.emit(f"The picture{name} is now the typed matrix: change any pixel in the grid", 6000)
        return True

    # -- kernels --------------------------------------------------------------------------------
    def set_kernels(self, kernels: np.ndarray) -> None:
        """Use these kernels: (kh, kw), (C, kh, kw) or (O, C, kh, kw); sizes up to 11×11."""
        k = np.asarray(kernels, dtype=np.float64)
        channels = self.channel_count()
        if k.ndim == 2:
            k = np.repeat(k[None, None], channels, axis=1)
        elif k.ndim == 3:
            k = k[None]
        if k.ndim != 4 or k.shape[1] != channels or max(k.shape[2:]) > MAX_KERNEL or min(k.shape) < 1:
            raise UserInputError(f"kernels of shape {np.shape(kernels)} do not fit an input with {channels} channels")
        self.kernels = k.copy()
        self.out_channel = min(self.out_channel, k.shape[0] - 1)
        self._changed()

    def _match_kernel_channels(self, channels: int) -> None:
        k = self.kernels
        if k.shape[1] != channels:
            # Every channel starts with the kernel's first slice: a blur stays a blur on RGB.
            self.kernels = np.repeat(k[:, :1], channels, axis=1)
            self.kernel_slice = None
            self.input_channel = None if channels == 3 else 0

    def _resized_kernels(self, hw: tuple[int, int]) -> np.ndarray:
        """The kernels at a new size for every kernel and slice; kept weights stay in place."""
        k = self.kernels
        if tuple(hw) == k.shape[2:]:
            return k.copy()
        new = np.zeros(k.shape[:2] + tuple(hw))
        h, w = min(hw[0], k.shape[2]), min(hw[1], k.shape[3])
        new[:, :, :h, :w] = k[:, :, :h, :w]
        return new

    def _edited_slices(self) -> list[int] | slice:
        s = self.kernel_slice if self.channel_count() > 1 else None
        return slice(None) if s is None else [s]

    def set_edited_kernel(self, m: np.ndarray) -> None:
        """What the kernel grid now holds: the edited slice(s) of the output channel shown."""
        m = np.asarray(m, dtype=np.float64)
        k = self._resized_kernels(m.shape)
        k[self.shown_out_channel(), self._edited_slices()] = m
        self.kernels = k
        self._changed()

    def set_kernel_count(self, n: int) -> None:
        n = max(1, min(int(n), MAX_KERNELS))
        k = self.kernels
        if n == k.shape[0]:
            return
        if n < k.shape[0]:
            k = k[:n].copy()
        else:
            # New kernels start random so that each output channel differs.
            rng = np.random.default_rng(next(self._random_seed))
            extra = np.round(rng.uniform(-1.0, 1.0, (n - k.shape[0],) + k.shape[1:]), 2)
            k = np.concatenate([k, extra])
        self.kernels = k
        self.out_channel = min(self.out_channel, n - 1)
        self._changed()

    def apply_kernel_preset(self, name: str) -> None:
        kh, kw = self.kernels.shape[2:]
        size = kh if kh == kw and name in _SIZED_PRESETS else 3
        if name == "identity" and size % 2 == 0:
            size = 3
        o = self.shown_out_channel()
        s = self.kernel_slice if self.channel_count() > 1 else None
        slices = range(self.channel_count()) if s is None else [s]
        try:
            mats = {c: kernel_preset(name, size, seed=next(self._random_seed)) for c in slices}
        except UserInputError as exc:
            self.status.emit(str(exc), 6000)
            return
        k = self._resized_kernels((size, size))
        for c, m in mats.items():
            k[o, c] = m
        self.kernels = k
        self.status.emit(f"Kernel {o + 1}: {preset_labels('kernels').get(name, name)}", 3000)
        self._changed()

    def normalize_kernel(self) -> None:
        o = self.shown_out_channel()
        s = self.kernel_slice if self.channel_count() > 1 else None
        part = self.kernels[o] if s is None else self.kernels[o, s]
        total = float(part.sum())
        if abs(total) < 1e-12:
            self.status.emit("This kernel sums to 0 (like an edge detector), so it cannot be scaled to "
                             "sum 1", 6000)
            return
        if s is None:
            self.kernels[o] = part / total
        else:
            self.kernels[o, s] = part / total
        self.status.emit(f"Kernel divided by its sum {format_number(total)}", 3000)
        self._changed()

    def set_bias(self, bias: float) -> None:
        self.bias = float(bias)
        self._changed()

    # -- what is looked at -----------------------------------------------------------------------
    def set_out_channel(self, index: int) -> None:
        index = max(0, min(int(index), self.kernels.shape[0] - 1))
        if index != self.out_channel:
            self.out_channel = index
            self.view_changed.emit()

    def set_kernel_slice(self, index: int | None) -> None:
        if index != self.kernel_slice:
            self.kernel_slice = index
            self.view_changed.emit()

    def set_input_channel(self, index: int | None) -> None:
        if index != self.input_channel:
            self.input_channel = index
            self.view_changed.emit()

    # -- the spec --------------------------------------------------------------------------------
    def set_axis_value(self, setting: str, axis: int, value: int) -> None:
        """Stride, padding or dilation of one axis (0 rows, 1 columns); both while the axes are
        linked. Typing a padding means "this many cells"."""
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
        self.flip = bool(flip)
        self._changed()

    # ==== the course ===========================================================================
    def load_course_example(self, stride: int = 2, padding: int = 1) -> None:
        """The course's 5×5 input and normalized filter with one of its two settings."""
        self.stepper.stop_stepping()
        with self._batch():
            self._reset_fields()
            self.apply_course_setting(stride, padding)

    def apply_course_setting(self, stride: int, padding: int) -> None:
        self.stride = (int(stride),) * 2
        self.padding_kind = "number"
        self.padding_numbers = (int(padding),) * 2
        self.padding_mode = "zeros"
        self.flip = False
        self._changed()

    # ==== saving ===============================================================================
    def to_dict(self) -> dict[str, Any]:
        spec = self.spec()
        saved_source = self.source_kind in ("sample", "file")
        state: dict[str, Any] = {
            "version": 1,
            "source": self.source_kind if saved_source else "matrix",
            "matrix": self.matrix.tolist(),
            "kernels": self.kernels.tolist(),
            "stride": list(spec.stride),
            "padding": spec.padding if isinstance(spec.padding, str) else list(spec.padding),
            "padding_numbers": list(self.padding_numbers),
            "dilation": list(spec.dilation),
            "padding_mode": spec.padding_mode,
            "flip": spec.flip,
            "bias": spec.bias,
            "link_axes": self.link_axes,
            "speed": self.speed_index,
            "out_channel": self.out_channel,
            # 1-based output cell while stepping, None while the whole output shows
            "step": self.stepper.position if self.stepper.stepping else None,
        }
        if saved_source:
            state["image"] = self.source_name
            state["channels"] = self.channels
            state["crop"] = list(self.crop)
            state["longest_side"] = self.longest_side
        return state

    def from_dict(self, state: dict[str, Any]) -> None:
        """Apply what `to_dict` (or the explorer's old save_state) wrote. ValueError, TypeError,
        KeyError, IndexError or UserInputError for a state that does not make sense; the model
        is then unchanged."""
        fields = _read_fields(state, self.kernels, self.speed_index)
        self.stepper.stop_stepping()
        with self._batch():
            self._reset_fields()
            speed = fields.pop("speed_index")
            for name, value in fields.items():
                setattr(self, name, value)
            self.set_speed_index(speed)
            self._restore_source(state)
            self.out_channel = max(0, min(int(state.get("out_channel", 0)), self.kernels.shape[0] - 1))
            self._changed()
        step = state.get("step")
        if isinstance(step, int) and not isinstance(step, bool) and step >= 1:
            self.stepper.jump_to(step - 1)

    def _restore_source(self, state: dict[str, Any]) -> None:
        """The saved image (a sample by name, a file by path) with its crop and size, or the typed
        matrix when there is none or it is gone."""
        kernels = self.kernels
        source = state.get("source", "matrix")
        loaded = False
        try:
            if source == "sample":
                self.load_sample(str(state.get("image", "")))
                loaded = True
            elif source == "file":
                path = str(state.get("image", ""))
                if Path(path).is_file():
                    self.load_image(path)
                    loaded = True
                else:
                    self.status.emit(f"The last image ({path}) is gone; showing the typed matrix", 8000)
        except UserInputError as exc:
            self.status.emit(f"Could not open the last image ({exc}); showing the typed matrix", 8000)
        if not loaded:
            self.source_kind, self.source_name, self.image = "matrix", "", None
            self._match_kernel_channels(1)
            return
        if kernels.shape[1] == self.image.shape[0]:
            self.kernels = kernels
        _, h, w = self.image.shape
        crop = [int(v) for v in state.get("crop", [])]
        if len(crop) == 4:
            t, l = max(0, min(crop[0], h - 1)), max(0, min(crop[1], w - 1))
            self.crop = (t, l, max(1, min(crop[2], h)), max(1, min(crop[3], w)))
        if "longest_side" in state:
            self.longest_side = max(1, min(int(state["longest_side"]), max(h, w)))


def _clamped_pair(values, setting: str) -> tuple[int, int]:
    lo, hi = AXIS_RANGES[setting]
    a, b = (max(lo, min(int(v), hi)) for v in values)
    return a, b


def _read_fields(state: dict[str, Any], kernels_now: np.ndarray, speed_now: int) -> dict[str, Any]:
    """The model's fields from a saved state, checked; raises before anything is changed."""
    matrix = np.array(state.get("matrix", COURSE_INPUT), dtype=np.float64)
    if matrix.ndim != 2 or not 1 <= min(matrix.shape) or max(matrix.shape) > MAX_INPUT_CELLS \
            or not np.isfinite(matrix).all():
        raise ValueError("bad input matrix")
    kernels = np.array(state.get("kernels", kernels_now), dtype=np.float64)
    if kernels.ndim != 4 or min(kernels.shape) < 1 or max(kernels.shape[2:]) > MAX_KERNEL \
            or kernels.shape[0] > MAX_KERNELS or not np.isfinite(kernels).all():
        raise ValueError("bad kernels")
    numbers = _clamped_pair(state.get("padding_numbers", (0, 0)), "padding")
    padding = state.get("padding", list(numbers))
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"bad padding {padding!r}")
        kind = padding
    else:
        kind, numbers = "number", _clamped_pair(padding, "padding")
    mode = str(state.get("padding_mode", "zeros"))
    channels = state.get("channels") or "auto"
    return {
        "matrix": matrix,
        "kernels": kernels,
        "stride": _clamped_pair(state.get("stride", (1, 1)), "stride"),
        "padding_kind": kind,
        "padding_numbers": numbers,
        "dilation": _clamped_pair(state.get("dilation", (1, 1)), "dilation"),
        "padding_mode": mode if mode in PADDING_MODES else "zeros",
        "flip": bool(state.get("flip")),
        "bias": float(state.get("bias", 0.0)),
        "link_axes": bool(state.get("link_axes", True)),
        "channels": channels if channels in ("auto", "gray", "rgb") else "auto",
        "speed_index": int(state.get("speed", speed_now)),
    }
