"""Files in the MNIST (IDX) format written straight from the format description, independent of
the reader; images that encode their own index; a local HTTP server standing in for a mirror."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import socket
import struct
import threading
from pathlib import Path

import numpy as np

TYPE_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B,
              np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(arr: np.ndarray) -> bytes:
    """An IDX file written straight from the format description (independent of the reader)."""
    dt = arr.dtype if arr.dtype.itemsize == 1 else arr.dtype.newbyteorder(">")
    header = bytes([0, 0, TYPE_CODES[dt], arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return header + arr.astype(dt).tobytes()


def write_idx(path: Path, arr: np.ndarray, gz: bool | None = None) -> Path:
    data = idx_bytes(arr)
    if gz if gz is not None else path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=1)
    path.write_bytes(data)
    return path


def encode_index(n: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images whose first three pixels spell their index (base 256) and labels index % 10: a split
    can then be checked image by image."""
    idx = np.arange(n) + offset
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 0, 0], images[:, 0, 1], images[:, 0, 2] = idx // 65536, (idx // 256) % 256, idx % 256
    return images, (idx % 10).astype(np.uint8)


def decode_index(images: np.ndarray) -> np.ndarray:
    return images[:, 0, 0].astype(np.int64) * 65536 + images[:, 0, 1].astype(np.int64) * 256 + images[:, 0, 2]


def write_fake_mnist(folder: Path) -> Path:
    """Full-size gz files in the MNIST format (so every check on their sizes passes) whose images
    encode their index (`decode_index`): training 0–59,999, test 100,000–109,999."""
    tr_x, tr_y = encode_index(60_000)
    te_x, te_y = encode_index(10_000, offset=100_000)
    write_idx(folder / "train-images-idx3-ubyte.gz", tr_x)
    write_idx(folder / "train-labels-idx1-ubyte.gz", tr_y)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", te_x)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", te_y)
    return folder


def write_synthetic_digits(folder: Path) -> Path:
    """Full-size raw MNIST files holding the core's learnable synthetic digits."""
    from visualizer.core.mnist import synthetic_mnist

    s = synthetic_mnist(train_size=60_000, val_size=0, test_size=10_000, seed=1)
    write_idx(folder / "train-images-idx3-ubyte", s.train_images, gz=False)
    write_idx(folder / "train-labels-idx1-ubyte", s.train_labels.astype(np.uint8), gz=False)
    write_idx(folder / "t10k-images-idx3-ubyte", s.test_images, gz=False)
    write_idx(folder / "t10k-labels-idx1-ubyte", s.test_labels.astype(np.uint8), gz=False)
    return folder


# --- download (a local server; never the internet) --------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """An HTTP server on 127.0.0.1 serving `folder`; shut down on exit (and by a timer, so a
    failing test cannot leave it running). Yields (base_url, list of requested paths)."""
    requests: list[str] = []

    class Handler(_QuietHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    guard = threading.Timer(120, server.shutdown)
    guard.daemon = True
    guard.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", requests
    finally:
        guard.cancel()
        server.shutdown()
        server.server_close()
        thread.join(10)


def dead_mirror() -> str:
    """A URL where nothing listens (a port we bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
