"""The explorer's kernel edits as array rules (numpy, no Qt): kernels are (O, C, kh, kw), as
PyTorch's Conv2d weight holds them; `ConvModel` applies these and announces the change."""

from __future__ import annotations

import numpy as np

from visualizer.core.convolution import UserInputError

#: Presets that can take the kernel's current (square) size; the rest are 3×3.
SIZED_PRESETS = ("identity", "box-blur", "gaussian", "random")


def kernel_stack(kernels, channels: int, max_kernel: int) -> np.ndarray:
    """Kernels given as (kh, kw) (the same for every channel), (C, kh, kw) (one kernel) or
    (O, C, kh, kw), as (O, C, kh, kw); UserInputError when they do not fit `channels` input
    channels or are larger than max_kernel × max_kernel."""
    k = np.asarray(kernels, dtype=np.float64)
    if k.ndim == 2:
        k = np.repeat(k[None, None], channels, axis=1)
    elif k.ndim == 3:
        k = k[None]
    if k.ndim != 4 or k.shape[1] != channels or max(k.shape[2:]) > max_kernel or min(k.shape) < 1:
        raise UserInputError(f"kernels of shape {np.shape(kernels)} do not fit an input with {channels} channels")
    return k.copy()


def first_slice_repeated(kernels: np.ndarray, channels: int) -> np.ndarray:
    """Every channel starts with the kernel's first slice: a blur stays a blur on RGB."""
    return np.repeat(kernels[:, :1], channels, axis=1)


def resized(kernels: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """The kernels at a new size for every kernel and slice (a copy); kept weights stay in place
    (top left), new ones are 0."""
    if tuple(hw) == kernels.shape[2:]:
        return kernels.copy()
    new = np.zeros(kernels.shape[:2] + tuple(hw))
    h, w = min(hw[0], kernels.shape[2]), min(hw[1], kernels.shape[3])
    new[:, :, :h, :w] = kernels[:, :, :h, :w]
    return new


def with_count(kernels: np.ndarray, n: int, seed: int) -> np.ndarray:
    """The first n kernels; new ones start random (uniform in [-1, 1], 2 decimals, from `seed`)
    so that each output channel differs."""
    if n <= kernels.shape[0]:
        return kernels[:n].copy()
    rng = np.random.default_rng(seed)
    extra = np.round(rng.uniform(-1.0, 1.0, (n - kernels.shape[0],) + kernels.shape[1:]), 2)
    return np.concatenate([kernels, extra])


def preset_size(name: str, kernel_hw: tuple[int, int]) -> int:
    """The size a preset gets: the kernel's own when it is square and the preset can take it
    (identity only an odd one, so that it has a centre), else 3."""
    kh, kw = kernel_hw
    size = kh if kh == kw and name in SIZED_PRESETS else 3
    return 3 if name == "identity" and size % 2 == 0 else size


def saved_kernels(state: dict, kernels_now: np.ndarray, max_kernel: int, max_kernels: int) -> np.ndarray:
    """The kernels of a saved session (the current ones when it has none), checked: ValueError
    for a shape the explorer cannot show or a value that is not a finite number."""
    kernels = np.array(state.get("kernels", kernels_now), dtype=np.float64)
    if kernels.ndim != 4 or min(kernels.shape) < 1 or max(kernels.shape[2:]) > max_kernel \
            or kernels.shape[0] > max_kernels or not np.isfinite(kernels).all():
        raise ValueError("bad kernels")
    return kernels
