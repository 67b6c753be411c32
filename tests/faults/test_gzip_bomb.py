"""Issue 9, item 9: a gzip bomb in the MNIST folder fails fast, with little memory."""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np
import pytest

from tests.helpers.cli import one_error_line
from tests.helpers.mnist import write_idx
from visualizer.cli import main
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import read_mnist_file

TRAIN_IMAGE_BYTES = 60_000 * 28 * 28


def _bomb(path, zeros: int, dims=(60_000, 28, 28)):
    """A valid IDX header followed by `zeros` zero bytes, gzipped (written in 1 MB chunks)."""
    with gzip.open(path, "wb", compresslevel=1) as g:
        g.write(struct.pack(">BBBB", 0, 0, 0x08, len(dims)) + b"".join(struct.pack(">I", d) for d in dims))
        block = bytes(1 << 20)
        for _ in range(zeros >> 20):
            g.write(block)
    return path


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory):
    """train-images is 200 MB of zeros (4× the expected 47 MB) in a ~200 kB .gz; the rest is fine."""
    folder = tmp_path_factory.mktemp("bomb")
    _bomb(folder / "train-images-idx3-ubyte.gz", 200 * 2**20)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(60_000, np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((10_000, 28, 28), np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(10_000, np.uint8))
    return folder


def test_a_gzip_bomb_stops_after_expected_plus_one_bytes(bomb_dir):
    assert (bomb_dir / "train-images-idx3-ubyte.gz").stat().st_size < 2 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(UserInputError, match="unexpected bytes after the data"):
            read_mnist_file(bomb_dir, "train_images")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Never the whole 200 MB: what is held is about the expected 47 MB (chunks plus their join).
    assert peak < 2.5 * TRAIN_IMAGE_BYTES, peak


def test_a_header_with_the_wrong_counts_is_refused_before_reading_the_data(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    _bomb(folder / "train-images-idx3-ubyte.gz", 0, dims=(4_000_000_000, 28, 28))
    tracemalloc.start()
    try:
        with pytest.raises(UserInputError, match="expected dimensions 60000×28×28, found 4000000000×28×28"):
            read_mnist_file(folder, "train_images")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_the_cli_says_it_in_one_line(bomb_dir, tmp_path, capsys):
    assert main(["train", "--data", str(bomb_dir), "--train-size", "100", "--val-size", "10", "--test-size", "10",
                 "--out", str(tmp_path / "o")]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "train-images-idx3-ubyte.gz" in line and "unexpected bytes" in line
    assert not (tmp_path / "o").exists()
