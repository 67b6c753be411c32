"""What the user set in the convolution explorer and where they are: the tool's one state model.

`ConvModel` holds the input (its `InputSource`: typed matrix or image, with the image's crop and
size), the kernels, the ConvSpec parts, which output channel / kernel slice / input channel is
looked at, the step position (through its `Stepper`) and the last computed result. It has no
widgets: the views read it to draw, call its methods on input, and redraw on its signals.
`to_dict`/`from_dict` are the saved session (the keys of the explorer's old `save_state` keep
working).

The arithmetic is `visualizer.core.convolution`, the step captions `visualizer.core.step_text`;
running a request is `conv.worker.ConvCompute`.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from visualizer.core.conv_job import ConvJob, ConvResult
from visualizer.core.convolution import (
    ConvSpec,
    UserInputError,
    format_number,
    kernel_preset,
    preset_labels,
    size_report,
)
from visualizer.core.step_text import cell_of, step_caption, step_status
from visualizer.ui.conv.conv_settings import AXIS_RANGES, ConvSettings
from visualizer.ui.conv.input_source import (
    MAX_INPUT_CELLS,
    InputSource,
    check_hand_over,
    saved_channels,
    saved_matrix,
)
from visualizer.ui.conv.kernel_edits import (
    first_slice_repeated,
    kernel_stack,
    preset_size,
    resized,
    saved_kernels,
    with_count,
)
from visualizer.ui.conv.stepper import SPEEDS, Stepper

COURSE_KERNEL = "course-normalized"
#: The two settings the course works through: (stride, padding).
COURSE_SETTINGS = ((2, 1), (1, 2))
MAX_KERNEL = 11
MAX_KERNELS = 256
CHANNEL_NAMES = ("R", "G", "B")


def channel_name(c: int, channels: int) -> str:
    return CHANNEL_NAMES[c] if channels == 3 else f"{c + 1}"


def _from(part: str, name: str) -> property:
    """A read-only model attribute under its old name, now held by the model's input source or
    convolution settings."""
    return property(lambda self: getattr(getattr(self, part), name), doc=f"`{part}.{name}`")


def _to(part: str, name: str):
    """A model method under its old name that the input source or the settings carry out (they
    announce the change through the callbacks the model gave them)."""
    def method(self, *args, **kwargs):
        return getattr(getattr(self, part), name)(*args, **kwargs)

    method.__name__, method.__doc__ = name, f"`{part}.{name}`"
    return method


class ConvModel(QObject):
    """The Convolution tab's state: the input (`input`, an InputSource: typed matrix, sample or
    image with its crop and size), the kernels and the convolution settings (`settings`: stride,
    padding, dilation, padding mode, flip, bias), which output channel and kernel slice are looked at,
    the last result, and the step position (`stepper`). No widget: views read it to draw, call its
    methods on input and redraw on its signals (`inputs_changed`, `view_changed`, `result_changed`);
    `to_dict`/`from_dict` are the saved session."""

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

    # what the views read under the names they always had
    source_kind, source_name = _from("input", "kind"), _from("input", "name")
    matrix, image, value_kind, channels, crop, longest_side = (
        _from("input", n) for n in ("matrix", "image", "value_kind", "channels", "crop", "longest_side"))
    stride, padding_kind, padding_numbers, dilation, padding_mode, flip, bias, link_axes = (
        _from("settings", n) for n in ("stride", "padding_kind", "padding_numbers", "dilation", "padding_mode",
                                       "flip", "bias", "link_axes"))
    # the input's changes (input_source.py) and the settings' (conv_settings.py)
    set_matrix, use_typed_matrix, load_image, load_sample, set_channels, use_image_array, use_decoded_image = (
        _to("input", n) for n in ("set_matrix", "use_typed_matrix", "load_image", "load_sample", "set_channels",
                                  "use_image_array", "use_decoded"))
    reset_image_geometry, set_crop, set_longest_side = (
        _to("input", n) for n in ("reset_image_geometry", "set_crop", "set_longest_side"))
    set_axis_value, set_link_axes, set_padding_kind, set_padding_mode, set_flip, set_bias = (
        _to("settings", n) for n in ("set_axis_value", "set_link_axes", "set_padding_kind", "set_padding_mode",
                                     "set_flip", "set_bias"))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.input = InputSource(changed=self._changed, replaced=self._input_replaced)
        self.settings = ConvSettings(changed=self._changed)
        self._random_seed = itertools.count(1)
        self.stepper = Stepper(self)
        self.speed_index = SPEEDS.index(2.0)
        self.result: ConvResult | None = None
        self._shape: tuple[int, int, int] | None = None  # output shape the stepper counts
        self._batching = 0
        self._dirty = False
        #: (input channel, padded row, padded column) of the term pointed at, or None.
        self.highlight: tuple[int, int, int] | None = None
        #: On a big input the step view shows the window's neighbourhood (Z toggles it).
        self.zoom_to_window = True
        #: The backward mode's model (ui/conv/backward_model.py) once one is attached: its state is
        #: saved with the session, under "backward".
        self.backward = None
        self._reset_fields()
        self._settle_step()

    def _reset_fields(self) -> None:
        self.input.reset()
        self.settings.reset()
        self.kernels = np.asarray(kernel_preset(COURSE_KERNEL), dtype=np.float64)[None, None].copy()
        self.out_channel = 0  # output channel (kernel) shown and edited
        self.kernel_slice: int | None = None  # kernel slice the grid edits; None: all slices
        self.input_channel: int | None = 0  # input channel shown; None: the colour picture

    # ==== reading ==============================================================================
    def spec(self) -> ConvSpec:
        return self.settings.spec()

    def is_image(self) -> bool:
        return self.input.is_image()

    def source_array(self) -> np.ndarray:
        """The input before crop and resize, (C, H, W)."""
        return self.input.array()

    def channel_count(self) -> int:
        return self.kernels.shape[1]

    def is_colour(self) -> bool:
        """Three channels of pixels: they can be shown as one colour picture and named R, G, B."""
        return self.channel_count() == 3 and self.input.value_kind == "pixels"

    def channel_label(self, c: int) -> str:
        """An input channel's name: R, G or B for a colour picture, else its number from 1."""
        return CHANNEL_NAMES[c] if self.is_colour() and c < 3 else f"{c + 1}"

    def crop_and_size(self) -> tuple[tuple[int, int, int, int] | None, int | None]:
        """The crop and longest side to apply; None where they change nothing."""
        return self.input.crop_and_size()

    def input_shape(self) -> tuple[int, int]:
        """(H, W) of the input after crop and resize (what `conv_job.prepare_input` makes)."""
        return self.input.input_shape()

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
        s = self._edited_slice()
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
        r = self.result
        if r is None or r.output is None:
            return None
        return cell_of(self.current_index(), r.output.shape[1:])

    def step_caption(self) -> str:
        """"Cell k of n: row r, column c" (counted from 1, as the grid headers), or what shows
        while not stepping; the step bar, the status line and the arithmetic all use it."""
        r = self.result
        if r is None or r.output is None:
            return ""
        return step_caption(r.output.shape[1:], self.current_cell())

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
        return step_status(r.output.shape[1:], cell, r.output[o, cell[0], cell[1]], o, r.output.shape[0])

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

    def open_convolution(self, inputs: np.ndarray, kernels: np.ndarray, stride=(1, 1), padding=(0, 0),
                         dilation=(1, 1), bias: float = 0.0, title: str = "") -> None:
        """Another tab hands over one convolution: real-valued inputs (C, H, W) and kernels
        (O, C, kh, kw), as PyTorch's Conv2d holds them. UserInputError when they do not fit; the
        model is then unchanged. The step starts again (at cell 1 if it was stepping)."""
        h = check_hand_over(inputs, kernels, stride, padding, dilation, bias, AXIS_RANGES, MAX_KERNEL, MAX_KERNELS)
        with self._batch():
            self.kernels = h.kernels
            self.settings.use_hand_over(h.stride, h.padding, h.dilation, h.bias)
            self.out_channel = 0
            self.kernel_slice = None
            self.input.use_image(h.inputs, "tensor", title or "handed-over input", "values")
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
            self.settings.stride, self.settings.padding_numbers = (1, 1), (0, 0)
        self.status.emit(f"Course 1×1×3: an RGB picture 128×128×3 and {int(kernels)} kernels of 1×1×3 give "
                         f"an output of 128×128×{int(kernels)}", 8000)

    def _input_replaced(self, channels: int) -> None:
        """A new input: the kernels get its channel count, the output is computed again."""
        self._match_kernel_channels(channels)
        self._changed()

    def image_to_grid(self) -> bool:
        """Make the current (cropped, shrunk) picture the typed matrix, one channel of it."""
        r = self.result
        if r is None or r.input is None or self.input.kind == "matrix":
            return False
        c, h, w = r.input.shape
        if max(h, w) > MAX_INPUT_CELLS:
            self.status.emit(f"The picture is {h}×{w}; crop or shrink it to at most {MAX_INPUT_CELLS}×"
                             f"{MAX_INPUT_CELLS} pixels to edit it as numbers", 8000)
            return False
        channel = self.shown_input_channel()
        self.input.set_matrix(np.round(r.input[0 if channel is None else channel], 2))
        self.input.use_typed_matrix()
        name = "" if c == 1 else f" (channel {channel_name(channel or 0, c)})"
        self.status.emit(f"The picture{name} is now the typed matrix: change any pixel in the grid", 6000)
        return True

    # -- kernels --------------------------------------------------------------------------------
    def set_kernels(self, kernels: np.ndarray) -> None:
        """Use these kernels: (kh, kw), (C, kh, kw) or (O, C, kh, kw); sizes up to 11×11."""
        self.kernels = kernel_stack(kernels, self.channel_count(), MAX_KERNEL)
        self.out_channel = min(self.out_channel, self.kernels.shape[0] - 1)
        self._changed()

    def _match_kernel_channels(self, channels: int) -> None:
        if self.kernels.shape[1] != channels:
            self.kernels = first_slice_repeated(self.kernels, channels)
            self.kernel_slice = None
            self.input_channel = None if channels == 3 else 0

    def _edited_slice(self) -> int | None:
        """The kernel slice the grid edits; None: all of them."""
        return self.kernel_slice if self.channel_count() > 1 else None

    def set_edited_kernel(self, m: np.ndarray) -> None:
        """What the kernel grid now holds: the edited slice(s) of the output channel shown."""
        m = np.asarray(m, dtype=np.float64)
        k = resized(self.kernels, m.shape)
        s = self._edited_slice()
        k[self.shown_out_channel(), slice(None) if s is None else [s]] = m
        self.kernels = k
        self._changed()

    def set_kernel_count(self, n: int) -> None:
        n = max(1, min(int(n), MAX_KERNELS))
        if n != self.kernels.shape[0]:
            seed = next(self._random_seed) if n > self.kernels.shape[0] else 0
            self.kernels = with_count(self.kernels, n, seed)
            self.out_channel = min(self.out_channel, n - 1)
            self._changed()

    def apply_kernel_preset(self, name: str) -> bool:
        """Put preset `name` in the shown kernel; False (and a status line) when it cannot."""
        size = preset_size(name, self.kernels.shape[2:])
        o, s = self.shown_out_channel(), self._edited_slice()
        slices = range(self.channel_count()) if s is None else [s]
        try:
            mats = {c: kernel_preset(name, size, seed=next(self._random_seed)) for c in slices}
        except UserInputError as exc:
            self.status.emit(str(exc), 6000)
            return False
        k = resized(self.kernels, (size, size))
        for c, m in mats.items():
            k[o, c] = m
        self.kernels = k
        self.status.emit(f"Kernel {o + 1}: {preset_labels('kernels').get(name, name)}", 3000)
        self._changed()
        return True

    def normalize_kernel(self) -> None:
        o, s = self.shown_out_channel(), self._edited_slice()
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

    def set_zoom_to_window(self, on: bool) -> None:
        """While stepping through a big input, show the window's neighbourhood as cells with their
        numbers (core.step_focus), or the whole picture."""
        if bool(on) != self.zoom_to_window:
            self.zoom_to_window = bool(on)
            self.view_changed.emit()

    # ==== the course ===========================================================================
    def load_course_example(self, stride: int = 2, padding: int = 1) -> None:
        """The course's 5×5 input and normalized filter with one of its two settings."""
        self.stepper.stop_stepping()
        with self._batch():
            self._reset_fields()
            self.apply_course_setting(stride, padding)

    def apply_course_setting(self, stride: int, padding: int) -> None:
        self.settings.use_course_setting(stride, padding)

    # ==== saving ===============================================================================
    def to_dict(self) -> dict[str, Any]:
        source = self.input.to_dict()
        return {
            "version": 1,
            "source": source.pop("source"),
            "matrix": source.pop("matrix"),
            "kernels": self.kernels.tolist(),
            **self.settings.to_dict(),  # stride, padding, padding_numbers, dilation, mode, flip, bias, link_axes
            "speed": self.speed_index,
            "out_channel": self.out_channel,
            # 1-based output cell while stepping, None while the whole output shows
            "step": self.stepper.position if self.stepper.stepping else None,
            **source,  # a sample or file: its name, channels, crop and longest side
            **({"backward": self.backward.to_dict()} if self.backward is not None else {}),
        }

    def from_dict(self, state: dict[str, Any]) -> None:
        """Apply what `to_dict` (or the explorer's old save_state) wrote. ValueError, TypeError,
        KeyError, IndexError or UserInputError for a state that does not make sense; the model
        is then unchanged."""
        matrix = saved_matrix(state)  # everything is read and checked before anything changes
        kernels = saved_kernels(state, self.kernels, MAX_KERNEL, MAX_KERNELS)
        settings = ConvSettings.read(state)
        speed = int(state.get("speed", self.speed_index))
        backward = (self.backward.read_state(state["backward"])
                    if self.backward is not None and "backward" in state else None)
        self.stepper.stop_stepping()
        with self._batch():
            self._reset_fields()
            self.kernels = kernels
            self.settings.apply(settings)
            self.input.matrix, self.input.channels = matrix, saved_channels(state)
            self.set_speed_index(speed)
            # the saved picture, which may be gone; the kernels are fitted to what is loaded
            problem = self.input.restore(state)
            if problem:
                self.status.emit(problem, 8000)
            self.out_channel = max(0, min(int(state.get("out_channel", 0)), self.kernels.shape[0] - 1))
            self._changed()
        step = state.get("step")
        if isinstance(step, int) and not isinstance(step, bool) and step >= 1:
            self.stepper.jump_to(step - 1)
        if backward is not None:
            self.backward.apply_state(backward)
