"""MNIST: IDX reader, where the files are found, the seeded split, and the download.

Used by the trainer, the Training and Network tabs and the `train` and `activations` commands.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import socket
import secrets
import threading
import urllib.error
import urllib.request
import zlib
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

# Sizes of the .gz files (for an overall progress bar before the servers answer).
MNIST_SIZES: dict[str, int] = {
    "train_images": 9_912_422,
    "train_labels": 28_881,
    "test_images": 1_648_877,
    "test_labels": 4_542,
}

# Public mirrors, tried in turn (the ones torchvision uses, then the original site).
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# What each file must hold: (IDX dims after the count, number of items).
_EXPECTED: dict[str, tuple[tuple[int, ...], int]] = {
    "train_images": ((28, 28), 60_000),
    "train_labels": ((), 60_000),
    "test_images": ((28, 28), 10_000),
    "test_labels": ((), 10_000),
}

TRAIN_COUNT = 60_000
TEST_COUNT = 10_000

_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class MnistNotFound(UserInputError):
    """No MNIST where we looked; the message lists the folders and how to get the files."""


class DownloadCancelled(UserInputError):
    """The download was cancelled (should_stop() returned True); nothing partial is left."""


@dataclass
class MnistSplits:
    """uint8 images (N, 28, 28) and int64 labels (N,) for each split."""

    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


# ---------------------------------------------------------------------------------------------
# IDX

#: Largest IDX body read when the caller expects no particular size (MNIST's biggest is 47 MB).
MAX_IDX_BYTES = 64 * 2**20
_CHUNK = 1 << 20


def _read_upto(stream, limit: int) -> bytes:
    """At most `limit` bytes, in chunks, so a gzip bomb is never decompressed past the limit."""
    parts = []
    got = 0
    while got < limit:
        block = stream.read(min(_CHUNK, limit - got))
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts)


def read_idx(path: str | Path, expected_shape: tuple[int, ...] | None = None,
             max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read an IDX file (.gz or raw), checking magic number, dimensions and size; a truncated or
    wrong file raises UserInputError naming the file and what is wrong.

    The header is read first: with `expected_shape` its dimensions must be those, and in any case
    the data it announces must fit in `max_bytes`. Then exactly that many bytes are read (and one
    more, to see whether the file goes on): a small .gz that inflates to gigabytes is stopped
    after expected + 1 bytes, with little memory."""
    path = Path(path)
    if not path.exists():
        raise UserInputError(f"{path}: file not found")
    if path.is_dir():
        raise UserInputError(f"{path}: is a folder, not an IDX file")
    try:
        with open(path, "rb") as f:
            head = f.read(2)
            f.seek(0)
            if head == b"\x1f\x8b":  # gzip, whatever the name says
                try:
                    with gzip.GzipFile(fileobj=f) as g:
                        return _read_idx_stream(g, path, expected_shape, max_bytes)
                except EOFError:
                    raise UserInputError(f"{path}: the compressed file is truncated (it ends early)") from None
                except (gzip.BadGzipFile, zlib.error) as exc:
                    raise UserInputError(f"{path}: damaged gzip file ({exc})") from None
            return _read_idx_stream(f, path, expected_shape, max_bytes)
    except PermissionError:
        raise UserInputError(f"{path}: cannot read the file (permission denied)") from None
    except UserInputError:
        raise
    except MemoryError:
        raise UserInputError(f"{path}: not enough memory to read it") from None
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _read_idx_stream(stream, path: Path, expected_shape, max_bytes: int) -> np.ndarray:
    head = _read_upto(stream, 4)
    if len(head) < 4:
        raise UserInputError(f"{path}: too short to be an IDX file ({len(head)} bytes)")
    if head[0] != 0 or head[1] != 0:
        raise UserInputError(f"{path}: not an IDX file (wrong magic number 0x{head[:4].hex()})")
    dtype = _IDX_TYPES.get(head[2])
    if dtype is None:
        raise UserInputError(f"{path}: not an IDX file (unknown data type 0x{head[2]:02x} in the magic number)")
    ndim = head[3]
    if ndim == 0:
        raise UserInputError(f"{path}: the IDX header declares no dimensions")
    header = 4 + 4 * ndim
    dims_raw = _read_upto(stream, 4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise UserInputError(f"{path}: truncated in the header ({4 + len(dims_raw)} bytes, the header needs {header})")
    dims = tuple(int.from_bytes(dims_raw[4 * i: 4 * i + 4], "big") for i in range(ndim))
    shown = "×".join(map(str, dims))
    if expected_shape is not None and dims != tuple(expected_shape):
        raise UserInputError(
            f"{path}: expected dimensions {'×'.join(map(str, expected_shape))}, found {shown} (in the header)")
    count = math.prod(dims)  # Python ints: a bogus header cannot overflow the check
    body = count * dtype.itemsize
    data = _read_upto(stream, min(body, max_bytes) + 1)
    if body > max_bytes and len(data) > max_bytes:
        raise UserInputError(f"{path}: the header announces {shown} values ({body:,} bytes), more than an "
                             f"IDX file of ours can hold ({max_bytes:,} bytes)")
    if len(data) < body:
        raise UserInputError(
            f"{path}: truncated: dimensions {shown} need {header + body:,} bytes, the file has {header + len(data):,}")
    if len(data) > body:
        raise UserInputError(f"{path}: unexpected bytes after the data (dimensions {shown} need {header + body:,} bytes)")
    arr = np.frombuffer(data, dtype=dtype, count=count).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True) if dtype.itemsize > 1 else arr.copy()


# ---------------------------------------------------------------------------------------------
# Where the files are

def _candidates(key: str) -> list[str]:
    gz = MNIST_FILES[key][0]
    raw = gz[:-3]
    # Also the names some mirrors and packages use ("train-images.idx3-ubyte").
    dotted = raw.replace("-idx", ".idx")
    return [gz, raw, dotted]


def find_mnist_file(folder: Path, key: str) -> Path | None:
    """The file of `key` ("train_images", "test_labels", …) in `folder` under any of its accepted
    names (gzipped or not); None when there is none."""
    for name in _candidates(key):
        p = folder / name
        if p.is_file():
            return p
    return None


def _missing(folder: Path) -> list[str]:
    return [MNIST_FILES[k][0] for k in MNIST_FILES if find_mnist_file(folder, k) is None]


def mnist_folder(folder: str | Path) -> Path | None:
    """The folder under `folder` that holds all four MNIST files (any of the accepted names,
    gzipped or not): `folder` itself or torchvision's layout under it (MNIST/raw); None if neither.
    The one rule for "is MNIST here", used by the CLI, the Training tab and the Settings dialog."""
    folder = Path(folder).expanduser()
    for f in (folder, folder / "MNIST" / "raw"):
        if f.is_dir() and not _missing(f):
            return f
    return None


def _how_to_get() -> str:
    from visualizer.core import appdirs

    return (f"Get MNIST with the app's Download MNIST button (saves to {appdirs.mnist_dir()}), or put the "
            f"four files ({', '.join(v[0] for v in MNIST_FILES.values())}) in a folder and pass --data DIR "
            f"or set {appdirs.DATA_ENV}=DIR.")


def locate_mnist(data_dir: str | Path | None = None) -> Path:
    """The folder holding the four files: `data_dir` if given, else $CONVVIZ_DATA, else the app's
    own data folder (visualizer.core.appdirs.mnist_dir()). Raises MnistNotFound."""
    from visualizer.core import appdirs

    if data_dir not in (None, ""):
        looked = [(Path(data_dir).expanduser(), "the folder given")]
    else:
        looked = []
        env = os.environ.get(appdirs.DATA_ENV, "").strip()
        if env:
            looked.append((Path(env).expanduser(), f"${appdirs.DATA_ENV}"))
        looked.append((appdirs.mnist_dir(), "the app's data folder"))
    problems = []
    for folder, why in looked:
        found = mnist_folder(folder)
        if found is not None:
            return found
        if not folder.exists():
            problems.append(f"{folder} ({why}) does not exist")
        elif not folder.is_dir():
            problems.append(f"{folder} ({why}) is not a folder")
        else:
            problems.append(f"{folder} ({why}) lacks {', '.join(_missing(folder))}")
    raise MnistNotFound(f"MNIST not found: {'; '.join(problems)}. {_how_to_get()}")


def read_mnist_file(folder: str | Path, key: str) -> np.ndarray:
    """One of the four files, checked against what MNIST holds (dimensions, count, label range)."""
    folder = Path(folder)
    path = find_mnist_file(folder, key)
    if path is None:
        raise MnistNotFound(f"{folder / MNIST_FILES[key][0]}: file not found. {_how_to_get()}")
    dims, count = _EXPECTED[key]
    want = (count,) + dims
    # The header's counts are checked before the data is read (a gzip bomb stops there or at
    # expected + 1 bytes).
    arr = read_idx(path, expected_shape=want)
    if arr.dtype != np.uint8:
        raise UserInputError(f"{path}: expected unsigned bytes (IDX type 0x08), found {arr.dtype}")
    if arr.shape != want:
        raise UserInputError(
            f"{path}: expected dimensions {'×'.join(map(str, want))}, found {'×'.join(map(str, arr.shape))}")
    if not dims and arr.size and arr.max() > 9:
        raise UserInputError(f"{path}: labels must be digits 0–9, found {int(arr.max())}")
    return arr


_cache_lock = threading.Lock()
_cache: dict[tuple, tuple[np.ndarray, ...]] = {}


def _read_all(folder: Path) -> tuple[np.ndarray, ...]:
    """The four arrays; kept in memory (keyed on the files' paths, sizes and times) so a queue of
    runs in the app decompresses MNIST once, and on disk as a verified uint8 cache (see
    read_decoded_cache) so later processes skip the decompression too."""
    paths = [find_mnist_file(folder, k) for k in MNIST_FILES]
    key = tuple((str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in paths if p is not None)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    # Only compressed files are worth a cache: raw IDX files read as fast as the cache would.
    cached = len(key) == len(MNIST_FILES) and _any_gzip(paths)
    arrays = read_decoded_cache(folder, key) if cached else None
    if arrays is None:
        arrays = tuple(read_mnist_file(folder, k) for k in MNIST_FILES)
        if cached:
            write_decoded_cache(folder, key, arrays)
    with _cache_lock:
        _cache.clear()  # one copy at most (about 55 MB)
        _cache[key] = arrays
    return arrays


# ---------------------------------------------------------------------------------------------
# The decoded files on disk
#
# Decompressing the 11 MB of .gz costs about 0.3 CPU-seconds per process; reading and verifying
# the same 55 MB of uint8 from an uncompressed file about 0.12 (benchmarks/README.md). The cache
# is one .npz (a zip, stored, not compressed) in the app's data folder: the four arrays as the .npy members "train_images", "train_labels", "test_images",
# "test_labels", and "source": int64 [format version, then size and mtime_ns of each source file].
# Nothing in it is trusted: it is used only when its stamp matches the source files as they are
# now, every member is stored uncompressed with the exact size, dtype and shape MNIST has, the
# zip's CRC-32 of every member checks out (zipfile verifies it as the last byte is read) and the
# labels are digits. Anything else (truncated, corrupt, stale, hostile) is ignored: MNIST is
# decoded from the source files and the cache rewritten atomically.

_CACHE_VERSION = 1


def decoded_cache_paths(folder: str | Path) -> list[Path]:
    """Where the cache for `folder` is kept: in the app's data folder under cache/, named after
    the folder's path. Not beside the MNIST files: their folder keeps exactly the four files (it
    may be read-only, shared by a class, or synced)."""
    from visualizer.core import appdirs

    folder = Path(folder)
    tag = hashlib.sha256(str(folder.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return [appdirs.app_data_dir() / "cache" / f"mnist-{tag}.npz"]


def _stamp(key: tuple) -> np.ndarray:
    """[version, size_0, mtime_ns_0, size_1, …] of the four source files."""
    values = [_CACHE_VERSION]
    for _path, size, mtime_ns in key:
        values += [size, mtime_ns]
    return np.array(values, dtype=np.int64)


def _read_cache_file(path: Path, stamp: np.ndarray) -> tuple[np.ndarray, ...] | None:
    import zipfile

    want_bytes = {k: math.prod((count,) + dims) for k, (dims, count) in _EXPECTED.items()}
    try:
        if path.stat().st_size > sum(want_bytes.values()) + (1 << 16):
            return None  # not ours: far larger than the four arrays
        arrays = []
        with zipfile.ZipFile(path) as zf:
            members = {"source": stamp.nbytes, **want_bytes}
            for name, nbytes in members.items():
                info = zf.getinfo(name + ".npy")
                if info.compress_type != zipfile.ZIP_STORED or not nbytes < info.file_size <= nbytes + 4096:
                    return None
            with zf.open("source.npy") as f:
                got = _read_npy_member(f, np.dtype(np.int64), stamp.shape)
            if got is None or not np.array_equal(got, stamp):
                return None  # stale (the source files changed) or another format version
            for key in MNIST_FILES:
                dims, count = _EXPECTED[key]
                with zf.open(key + ".npy") as f:
                    arr = _read_npy_member(f, np.dtype(np.uint8), (count,) + dims)
                if arr is None or (not dims and arr.size and arr.max() > 9):
                    return None
                arrays.append(arr)
        return tuple(arrays)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, MemoryError):
        return None


def _read_npy_member(f, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray | None:
    """The array in an .npy stream if its header says exactly this dtype and shape (C order) and
    exactly that many bytes follow; None otherwise. The header is checked before any data is read."""
    fmt = np.lib.format
    version = fmt.read_magic(f)
    if version == (1, 0):
        h_shape, fortran, h_dtype = fmt.read_array_header_1_0(f)
    elif version == (2, 0):
        h_shape, fortran, h_dtype = fmt.read_array_header_2_0(f)
    else:
        return None
    if fortran or h_dtype != dtype or tuple(h_shape) != tuple(shape):
        return None
    nbytes = math.prod(shape) * dtype.itemsize
    buf = bytearray(nbytes)
    view = memoryview(buf)
    got = 0
    while got < nbytes:
        n = f.readinto(view[got:])
        if not n:
            return None  # truncated
        got += n
    if f.read(1):
        return None  # more than announced
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


def read_decoded_cache(folder: Path, key: tuple) -> tuple[np.ndarray, ...] | None:
    """The four arrays from the first cache for `folder` that checks out against the source
    files' sizes and times in `key`; None when there is none."""
    stamp = _stamp(key)
    for path in decoded_cache_paths(folder):
        arrays = _read_cache_file(path, stamp)
        if arrays is not None:
            return arrays
    return None


def write_decoded_cache(folder: Path, key: tuple, arrays: tuple[np.ndarray, ...]) -> Path | None:
    """Write the cache atomically; the path written, or None when it could not be written (the
    cache is only a speed-up: no error)."""
    import io

    from visualizer.core.atomic import write_atomic

    buf = io.BytesIO()
    np.savez(buf, source=_stamp(key), **dict(zip(MNIST_FILES, arrays)))
    data = buf.getvalue()
    for path in decoded_cache_paths(folder):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data, durable=False)  # a cache lost in a power cut is rebuilt
            return path
        except OSError:
            continue
    return None


def _any_gzip(paths) -> bool:
    for p in paths:
        try:
            with open(p, "rb") as f:
                if f.read(2) == b"\x1f\x8b":
                    return True
        except OSError:
            pass
    return False


def check_split_sizes(train_size: int, val_size: int, test_size: int) -> None:
    for what, v, low in (("training size", train_size, 1), ("validation size", val_size, 0),
                         ("test size", test_size, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise UserInputError(f"{what} must be a whole number, got {v!r}")
        if v < low:
            raise UserInputError(f"{what} must be at least {low}, got {v}")
    if train_size + val_size > TRAIN_COUNT:
        raise UserInputError(
            f"training size {train_size:,} + validation size {val_size:,} = {train_size + val_size:,} "
            f"does not fit in the {TRAIN_COUNT:,} MNIST training images")
    if test_size > TEST_COUNT:
        raise UserInputError(f"test size must be at most {TEST_COUNT:,} (the MNIST test images), got {test_size:,}")


def split_indices(train_size: int, val_size: int, test_size: int, seed: int = 0):
    """(train, val, test) index arrays. Validation is taken from the end of a seeded permutation of
    the 60,000 and training from its start, so with one seed the validation set stays the same
    whatever the training size, and a smaller training set is part of a larger one."""
    check_split_sizes(train_size, val_size, test_size)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(TRAIN_COUNT)
    train = perm[:train_size]
    val = perm[TRAIN_COUNT - val_size:] if val_size else perm[:0]
    test = np.arange(TEST_COUNT) if test_size == TEST_COUNT else np.sort(rng.permutation(TEST_COUNT)[:test_size])
    return train, val, test


def load_mnist(data_dir: str | Path | None = None, train_size: int = 50_000, val_size: int = 10_000,
               test_size: int = 10_000, seed: int = 0) -> MnistSplits:
    """Train and validation come from the 60,000 training images, split by `seed`;
    the test split from the 10,000 test images. UserInputError when sizes do not fit."""
    check_split_sizes(train_size, val_size, test_size)
    folder = locate_mnist(data_dir)
    tr_x, tr_y, te_x, te_y = _read_all(folder)
    tr, va, te = split_indices(train_size, val_size, test_size, seed)
    return MnistSplits(
        train_images=tr_x[tr], train_labels=tr_y[tr].astype(np.int64),
        val_images=tr_x[va], val_labels=tr_y[va].astype(np.int64),
        test_images=te_x[te], test_labels=te_y[te].astype(np.int64),
    )


# ---------------------------------------------------------------------------------------------
# Download

def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_offline_error(exc: BaseException) -> bool:
    """Errors that mean "cannot reach the server" rather than "the server answered badly"."""
    if isinstance(exc, urllib.error.HTTPError):
        return False
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    return isinstance(exc, (socket.gaierror, socket.timeout, TimeoutError, ConnectionError, OSError))


def download_mnist(dest: str | Path, progress: Callable[[int, int, str], None] | None = None,
                   should_stop: Callable[[], bool] | None = None, *,
                   mirrors: tuple[str, ...] | list[str] | None = None,
                   files: dict[str, tuple[str, str]] | None = None,
                   timeout: float = 30.0) -> Path:
    """Fetch the four files into `dest` from the public mirrors in turn, md5-checked, never leaving a
    partial file under a final name; files already there with the right md5 are kept. Offline:
    UserInputError saying so plainly. progress(bytes_done, bytes_total, file_name) is for the whole
    download. `mirrors` and `files` default to the public mirrors and MNIST_FILES (tests differ)."""
    dest = Path(dest).expanduser()
    mirrors = tuple(mirrors if mirrors is not None else MNIST_MIRRORS)
    files = dict(files if files is not None else MNIST_FILES)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create the MNIST folder {dest}: {exc.strerror or exc}") from None
    stop = should_stop or (lambda: False)
    # Known sizes give a whole-download progress bar from the start; servers' lengths correct them.
    sizes = {k: MNIST_SIZES[k] if files[k] == MNIST_FILES.get(k) else 0 for k in files}
    todo, done_bytes = _still_to_fetch(dest, files)
    total = done_bytes + sum(sizes[k] for k in todo)
    if progress:
        progress(done_bytes, total, "")

    for key in todo:
        name, md5 = files[key]
        errors: list[str] = []
        offline = 0  # mirrors that could not be reached at all
        for mirror in mirrors:
            if stop():
                raise DownloadCancelled("MNIST download cancelled")
            url = mirror.rstrip("/") + "/" + name
            # Never the final name until the md5 matches (a unique name, so two downloads don't clash).
            tmp = dest / f".{name}.{os.getpid()}.{secrets.token_hex(4)}.part"
            got = 0
            try:
                with open(tmp, "xb") as out:
                    h = hashlib.md5()
                    req = urllib.request.Request(url, headers={"User-Agent": "ConvViz"})
                    with urllib.request.urlopen(req, timeout=timeout) as resp:
                        length = int(resp.headers.get("Content-Length") or 0)
                        if length and length != sizes[key]:
                            total += length - sizes[key]  # the server knows better than our table
                            sizes[key] = length
                        while True:
                            if stop():
                                raise DownloadCancelled("MNIST download cancelled")
                            block = resp.read(1 << 16)
                            if not block:
                                break
                            out.write(block)
                            h.update(block)
                            got += len(block)
                            if progress:
                                progress(done_bytes + got, max(total, done_bytes + got), name)
                if h.hexdigest() != md5:
                    errors.append(f"{url}: md5 check failed")
                    continue
                os.replace(tmp, dest / name)
                tmp = None
                done_bytes += got
                total, sizes[key] = total + got - sizes[key], got  # what came is what counts
                if progress:
                    progress(done_bytes, total, name)
                break
            except DownloadCancelled:
                raise
            except urllib.error.HTTPError as exc:
                errors.append(f"{url}: HTTP {exc.code} {exc.reason}")
            except (urllib.error.URLError, OSError, ValueError) as exc:
                if _is_offline_error(exc):
                    offline += 1
                reason = getattr(exc, "reason", None) or exc
                errors.append(f"{url}: {reason}")
            finally:
                if tmp is not None and tmp.exists():
                    tmp.unlink()
        else:
            raise _download_failed(dest, name, mirrors, errors, offline)
    return dest


def _still_to_fetch(dest: Path, files: dict[str, tuple[str, str]]) -> tuple[list[str], int]:
    """The keys of `files` not yet in `dest` with the right md5, and the bytes of those that are."""
    todo, done_bytes = [], 0
    for key, (name, md5) in files.items():
        final = dest / name
        if final.is_file() and _md5(final) == md5:
            done_bytes += final.stat().st_size
        else:
            todo.append(key)
    return todo, done_bytes


def _download_failed(dest: Path, name: str, mirrors: tuple[str, ...], errors: list[str],
                     offline: int) -> UserInputError:
    """Why no mirror gave `name`: the computer is offline (no mirror reached), or each one's error."""
    if offline == len(mirrors):
        return UserInputError(
            f"Cannot download MNIST: no MNIST server could be reached, the computer seems to be offline "
            f"(tried {', '.join(mirrors)}). Copy the four files into {dest} or use --data DIR.")
    return UserInputError(f"Cannot download {name}: " + "; ".join(errors))


def synthetic_mnist(train_size: int = 256, val_size: int = 64, test_size: int = 96, seed: int = 0) -> MnistSplits:
    """Learnable stand-in digits of MNIST's shape: noisy images where class c is a bright bar at a
    place of its own. For tests, benchmarks and demos that must not depend on the real files."""
    def digits(n: int, split_seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(split_seed)
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(labels):
            r, col = (c // 5) * 14, (c % 5) * 5
            images[i, r + 2:r + 12, col + 1:col + 5] = 255
        return images, labels.astype(np.int64)

    return MnistSplits(*digits(train_size, seed), *digits(val_size, seed + 1), *digits(test_size, seed + 2))
