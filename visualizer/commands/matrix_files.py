"""Reading a matrix from a CSV file for `convviz conv` (its input, kernel and, with --backward, the
upstream gradient): size-capped, decoded as UTF-8, parsed by core.convolution's matrix grammar."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visualizer.core import convolution as cv
from visualizer.core.errors import UserInputError

#: The largest CSV file read (a bigger matrix is better given as an image).
MAX_CSV_BYTES = 64 * 2**20


def check_file(path: Path, what: str) -> None:
    if path.is_dir():
        raise UserInputError(f"{what} {path} is a folder, not a file")


def read_matrix_file(path: Path, what: str) -> np.ndarray:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        if exc.filename is None:  # a read error names no file; the one line must
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
    if len(raw) > MAX_CSV_BYTES:
        raise UserInputError(f"{what} file {path} is larger than {MAX_CSV_BYTES // 2**20} MB; use an image "
                             f"or a smaller matrix")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserInputError(f"{what} file {path} is not a text CSV file") from None
    return cv.parse_matrix(text, f"{what} file {path.name}")
