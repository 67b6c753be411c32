"""MNIST: IDX reader, where the files are found, the seeded split, and the download.

CONTRACT (shared by the training engine, the training panel and the `train` CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from visualizer.core.errors import UserInputError

# file key -> (file name, md5 of the .gz)
MNIST_FILES: dict[str, tuple[str, str]] = {
    "train_images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}


class MnistNotFound(UserInputError):
    """No MNIST where we looked; the message lists the folders and how to get the files."""


@dataclass
class MnistSplits:
    """uint8 images (N, 28, 28) and int64 labels (N,) for each split."""

    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (.gz or raw), checking magic number, dimensions and size; a truncated or
    wrong file raises UserInputError naming the file and what is wrong."""
    raise NotImplementedError


def locate_mnist(data_dir: str | Path | None = None) -> Path:
    """The folder holding the four files: `data_dir` if given, else $CONVVIZ_DATA, else the app's
    own data folder (visualizer.core.appdirs.mnist_dir()). Raises MnistNotFound."""
    raise NotImplementedError


def load_mnist(data_dir: str | Path | None = None, train_size: int = 50_000, val_size: int = 10_000,
               test_size: int = 10_000, seed: int = 0) -> MnistSplits:
    """Train and validation come from the 60,000 training images, split by `seed`;
    the test split from the 10,000 test images. UserInputError when sizes do not fit."""
    raise NotImplementedError


def download_mnist(dest: str | Path, progress: Callable[[int, int, str], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> Path:
    """Fetch the four files into `dest` from the public mirrors in turn, md5-checked, never leaving
    a partial file under a final name. progress(bytes_done, bytes_total, file_name).
    Offline: UserInputError saying so plainly."""
    raise NotImplementedError
