"""One request of the convolution explorer, computed without widgets.

The explorer gathers what the user set into a `ConvJob`; `run_job` crops and resizes the input,
works out the size report and the padded input, and computes the output in bands of rows
(`convolution.convolve_padded`), so a newer request can cancel it between bands. The explorer runs
it on a worker thread for big images (newest request wins); the benchmark runs it directly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from visualizer.core.convolution import (
    ConvSpec,
    SizeReport,
    convolve_padded,
    pad_input,
    size_report,
)
from visualizer.core.errors import UserInputError

#: Refuse outputs that would not fit in memory comfortably (values, float64: 320 MB).
MAX_OUTPUT_VALUES = 40_000_000
#: The same bound for the input and for the padded input, checked before either is allocated.
MAX_INPUT_VALUES = MAX_OUTPUT_VALUES


def check_sizes(input_chw: tuple[int, int, int], kernel_hw: tuple[int, int], spec: ConvSpec,
                out_channels: int = 1) -> None:
    """UserInputError, before anything is allocated, when the input, the padded input or the
    output would hold more than MAX_INPUT_VALUES / MAX_OUTPUT_VALUES values. Python integers
    throughout, so a huge padding or stride cannot overflow the check itself."""
    c, h, w = (int(v) for v in input_chw)
    if c * h * w > MAX_INPUT_VALUES:
        raise UserInputError(
            f"the input has {c * h * w:,} values ({c} channel{'s' if c > 1 else ''} of {h}×{w}); at most "
            f"{MAX_INPUT_VALUES:,} are accepted: crop or shrink it first")
    top, bottom, left, right = spec.pads(tuple(kernel_hw), (h, w))
    ph, pw = h + top + bottom, w + left + right
    if c * ph * pw > MAX_INPUT_VALUES:
        raise UserInputError(
            f"the padded input would have {c * ph * pw:,} values ({c}×{ph:,}×{pw:,}); at most "
            f"{MAX_INPUT_VALUES:,} are accepted: use less padding or a smaller input")
    report = size_report((h, w), tuple(kernel_hw), spec)
    if report.error:
        return  # the caller reports the empty output in its own words
    n_out = int(out_channels) * report.out_shape[0] * report.out_shape[1]
    if n_out > MAX_OUTPUT_VALUES:
        raise UserInputError(
            f"the output would have {n_out:,} values ({out_channels} channel{'s' if out_channels > 1 else ''} of "
            f"{report.out_shape[0]:,}×{report.out_shape[1]:,}); at most {MAX_OUTPUT_VALUES:,} are accepted: "
            f"use fewer kernels, a larger stride or a smaller input")


@dataclass
class ConvJob:
    id: int
    source: np.ndarray  # (C, H, W) before crop and resize
    crop: tuple[int, int, int, int] | None  # top, left, height, width in source pixels
    longest_side: int | None  # shrink so that the longest side is at most this
    kernels: np.ndarray  # (O, C, kh, kw)
    spec: ConvSpec


@dataclass
class ConvResult:
    job_id: int
    spec: ConvSpec
    kernels: np.ndarray
    input: np.ndarray | None = None  # (C, H, W) after crop and resize
    padded: np.ndarray | None = None
    output: np.ndarray | None = None  # (O, Ho, Wo)
    report: SizeReport | None = None
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    error: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def prepare_input(source: np.ndarray, crop, longest_side) -> np.ndarray:
    x = source
    if crop is not None:
        t, l, h, w = crop
        x = x[:, t:t + h, l:l + w]
    if longest_side and max(x.shape[1:]) > longest_side:
        f = longest_side / max(x.shape[1:])
        size = (max(1, round(x.shape[1] * f)), max(1, round(x.shape[2] * f)))
        import torch  # only for resizing pictures; the explorer's small matrices never get here
        import torch.nn.functional as F

        # "area" averages the pixels each new pixel covers: no aliasing when shrinking.
        x = F.interpolate(torch.from_numpy(np.ascontiguousarray(x))[None], size=size, mode="area")[0].numpy()
    return np.ascontiguousarray(x, dtype=np.float64)


def run_job(job: ConvJob, should_stop=None) -> ConvResult:
    """Everything the explorer shows for one request. `should_stop()` is asked between bands of
    work; when it says yes, Cancelled is raised."""
    t0 = time.perf_counter()
    result = ConvResult(job.id, job.spec, job.kernels)
    try:
        x = prepare_input(job.source, job.crop, job.longest_side)
        result.input = x
        khw = job.kernels.shape[2:]
        result.report = report = size_report(x.shape[1:], khw, job.spec)
        result.pads = job.spec.pads(khw, x.shape[1:])
        top, bottom, left, right = result.pads
        padded_values = x.shape[0] * (x.shape[1] + top + bottom) * (x.shape[2] + left + right)
        if padded_values > MAX_INPUT_VALUES:  # before np.pad allocates it
            raise UserInputError(
                f"the padded input would have {padded_values:,} values; at most {MAX_INPUT_VALUES:,}: "
                f"use less padding or a smaller image")
        result.padded = pad_input(x, job.spec, khw)
        if report.error:
            raise UserInputError(report.error)
        n_out = job.kernels.shape[0] * report.out_shape[0] * report.out_shape[1]
        if n_out > MAX_OUTPUT_VALUES:
            raise UserInputError(
                f"the output would have {n_out:,} values ({job.kernels.shape[0]} channels of "
                f"{report.out_shape[0]}×{report.out_shape[1]}); use fewer kernels or a smaller image")
        result.output = convolve_padded(result.padded, job.kernels, job.spec, report.out_shape, should_stop)
    except UserInputError as exc:
        result.error = str(exc)
    except (MemoryError, RuntimeError) as exc:  # torch reports allocation failures as RuntimeError
        result.error = f"the computation failed: {exc}"
    result.seconds = time.perf_counter() - t0
    return result
