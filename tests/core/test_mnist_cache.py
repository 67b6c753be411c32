"""The decoded-MNIST cache: used only when it checks out, rebuilt atomically when it does not.

A full-size fake MNIST (each image carries its index) stands in for the real files, so these run
without them."""

from __future__ import annotations

import gzip
import os
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from visualizer.core import mnist
from visualizer.core.mnist import MNIST_FILES, decoded_cache_paths, load_mnist


def idx_gz(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return gzip.compress(header + arr.tobytes(), compresslevel=1)


@pytest.fixture(scope="module")
def sources() -> dict[str, bytes]:
    def make(n, offset):
        idx = np.arange(n) + offset
        images = np.zeros((n, 28, 28), np.uint8)
        images[:, 0, 0], images[:, 0, 1], images[:, 0, 2] = idx // 65536, (idx // 256) % 256, idx % 256
        return images, (idx % 10).astype(np.uint8)

    tr_x, tr_y = make(60_000, 0)
    te_x, te_y = make(10_000, 100_000)
    return {"train_images": idx_gz(tr_x), "train_labels": idx_gz(tr_y), "test_images": idx_gz(te_x),
            "test_labels": idx_gz(te_y)}


@pytest.fixture
def folder(tmp_path, sources, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(mnist, "_cache", {})  # no in-memory copy from another test
    f = tmp_path / "mnist"
    f.mkdir()
    for key, data in sources.items():
        (f / MNIST_FILES[key][0]).write_bytes(data)
    return f


def fresh_load(folder: Path):
    mnist._cache.clear()  # as a new process would
    return load_mnist(folder, 1000, 500, 300, seed=2)


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in vars(a))


def count_decodes(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = mnist.read_mnist_file

    def spy(folder, key):
        calls.append(key)
        return real(folder, key)

    monkeypatch.setattr(mnist, "read_mnist_file", spy)
    return calls


def test_the_second_load_reads_the_cache_and_gets_the_same_arrays(folder, monkeypatch):
    decodes = count_decodes(monkeypatch)
    first = fresh_load(folder)
    assert len(decodes) == 4 and decoded_cache_paths(folder)[0].is_file()
    assert sorted(p.name for p in folder.iterdir()) == sorted(n for n, _ in MNIST_FILES.values())
    second = fresh_load(folder)
    assert len(decodes) == 4  # nothing decoded the second time
    assert same(first, second)
    assert second.train_images.flags.writeable
    assert not [p.name for p in decoded_cache_paths(folder)[0].parent.iterdir() if p.name.endswith(".tmp")]


def damage_truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def damage_flip_a_pixel(path: Path) -> None:
    # A byte in the middle of train_images' data: only the zip's CRC-32 can tell.
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("train_images.npy")
    data = bytearray(path.read_bytes())
    data[info.header_offset + 200 + info.file_size // 2] ^= 0x40
    path.write_bytes(bytes(data))


def damage_garbage(path: Path) -> None:
    path.write_bytes(os.urandom(5000))


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


def damage_huge_shape(path: Path) -> None:
    # A well-formed cache whose train_images member announces far more data than MNIST has.
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    bogus = np.lib.format.header_data_from_array_1_0(np.zeros((1, 28, 28), np.uint8))
    bogus["shape"] = (10**12, 28, 28)
    import io

    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, bogus)
    members["train_images.npy"] = head.getvalue() + members["train_images.npy"][len(head.getvalue()):]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)


def damage_wrong_labels(path: Path) -> None:
    # A consistent zip (right CRCs) holding a label 200: not MNIST.
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    labels = bytearray(members["test_labels.npy"])
    labels[-1] = 200
    members["test_labels.npy"] = bytes(labels)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)


@pytest.mark.parametrize("damage", [damage_truncate, damage_flip_a_pixel, damage_garbage, damage_empty,
                                    damage_huge_shape, damage_wrong_labels])
def test_a_damaged_cache_is_ignored_and_rewritten(folder, monkeypatch, damage):
    want = fresh_load(folder)
    damage(decoded_cache_paths(folder)[0])
    decodes = count_decodes(monkeypatch)
    got = fresh_load(folder)
    assert len(decodes) == 4  # decoded from the .gz files again
    assert same(want, got)
    # ... and the cache was rewritten: the next load uses it.
    again = fresh_load(folder)
    assert len(decodes) == 4 and same(want, again)


def test_a_changed_source_file_makes_the_cache_stale(folder, monkeypatch, sources):
    fresh_load(folder)
    # New contents of the same size (labels shifted by one) and a new modification time.
    labels = folder / MNIST_FILES["test_labels"][0]
    arr = (np.arange(100_000, 110_000) % 10 + 1) % 10
    labels.write_bytes(idx_gz(arr.astype(np.uint8)))
    st = labels.stat()
    os.utime(labels, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    decodes = count_decodes(monkeypatch)
    got = fresh_load(folder)
    assert decodes  # not served from the stale cache
    te = mnist.split_indices(1000, 500, 300, seed=2)[2]
    assert np.array_equal(got.test_labels, (te % 10 + 1) % 10)


def test_a_read_only_folder_gets_a_cache_too(folder, monkeypatch):
    os.chmod(folder, 0o555)
    try:
        decodes = count_decodes(monkeypatch)
        first = fresh_load(folder)
        cache = decoded_cache_paths(folder)[0]
        assert cache.is_file() and str(cache).startswith(os.environ["XDG_DATA_HOME"])
        second = fresh_load(folder)
        assert len(decodes) == 4 and same(first, second)
    finally:
        os.chmod(folder, 0o755)


def test_nowhere_to_write_is_no_error(folder, monkeypatch):
    def refuse(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("visualizer.core.atomic.write_atomic", refuse)
    got = fresh_load(folder)
    assert got.train_images.shape == (1000, 28, 28)
    assert not decoded_cache_paths(folder)[0].exists()


def test_raw_idx_files_get_no_cache(folder, monkeypatch):
    # Uncompressed files read as fast as a cache would: no 55 MB copy beside them.
    for key, (name, _) in MNIST_FILES.items():
        gz = folder / name
        (folder / name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    decodes = count_decodes(monkeypatch)
    fresh_load(folder)
    fresh_load(folder)
    assert len(decodes) == 8
    assert not any(p.is_file() for p in decoded_cache_paths(folder))
