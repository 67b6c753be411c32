"""MNIST: the IDX reader on good and broken files, where the files are found, the seeded split,
and the download (against a local HTTP server on 127.0.0.1; tests never touch the internet)."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.mnist import dead_mirror, decode_index, idx_bytes, serve, write_idx
from visualizer.core import mnist
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import (
    MNIST_FILES,
    DownloadCancelled,
    MnistNotFound,
    download_mnist,
    load_mnist,
    locate_mnist,
    read_idx,
    read_mnist_file,
    split_indices,
)

# --- the IDX reader ------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [False, True])
def test_reads_images_and_labels_raw_and_gz(tmp_path, gz):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = np.arange(7, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    got_images = read_idx(write_idx(tmp_path / f"img{suffix}", images, gz))
    got_labels = read_idx(write_idx(tmp_path / f"lab{suffix}", labels, gz))
    assert got_images.dtype == np.uint8 and np.array_equal(got_images, images)
    assert np.array_equal(got_labels, labels)
    got_images[0, 0, 0] = 1  # a writable copy, not a view of the file's bytes


@settings(max_examples=30, deadline=None)
@given(dtype=st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
       shape=st.lists(st.integers(1, 5), min_size=1, max_size=4))
def test_any_idx_type_and_shape_round_trips(tmp_path_factory, dtype, shape):
    rng = np.random.default_rng(len(shape))
    arr = (rng.standard_normal(shape) * 100).astype(dtype)
    path = write_idx(tmp_path_factory.mktemp("idx") / "a.idx", arr, gz=False)
    got = read_idx(path)
    assert got.shape == tuple(shape) and got.dtype == np.dtype(dtype)
    assert np.array_equal(got, arr)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_file_is_named_and_explained(tmp_path, gz):
    data = idx_bytes(np.zeros((10, 28, 28), np.uint8))[:-100]
    path = tmp_path / ("short.gz" if gz else "short")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(UserInputError) as exc:
        read_idx(path)
    msg = str(exc.value)
    assert str(path) in msg and "truncated" in msg and "7,856" in msg  # 16 header + 7840 data bytes


def test_cut_off_gzip_stream_is_reported_as_truncated(tmp_path):
    whole = gzip.compress(idx_bytes(np.arange(5000, dtype=np.uint8).reshape(50, 100) % 251))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UserInputError, match=r"cut\.gz.*truncated"):
        read_idx(path)


@pytest.mark.parametrize("content, words", [
    (b"\x12\x34\x08\x01" + b"\0" * 8, "magic"),
    (b"\x00\x00\x42\x01\x00\x00\x00\x01\x00", "unknown data type"),
    (b"\x00\x00\x08\x00", "no dimensions"),
    (b"\x00\x00\x08\x03\x00\x00", "header"),
    (b"\x00\x00", "too short"),
    (b"\x00\x00\x08\x03" + b"\xff\xff\xff\xff" * 3 + b"\0" * 10, "truncated"),  # 2^96 bytes claimed
    (idx_bytes(np.zeros(4, np.uint8)) + b"junk", "unexpected bytes"),
])
def test_wrong_files_are_named_and_explained(tmp_path, content, words):
    path = tmp_path / "bad-idx"
    path.write_bytes(content)
    with pytest.raises(UserInputError) as exc:
        read_idx(path)
    assert str(path) in str(exc.value) and words in str(exc.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(UserInputError, match="folder"):
        read_idx(tmp_path)


def test_mnist_files_must_have_mnist_dimensions(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((10_000, 14, 14), np.uint8))
    with pytest.raises(UserInputError) as exc:
        read_mnist_file(tmp_path, "test_images")
    assert "10000×28×28" in str(exc.value) and "10000×14×14" in str(exc.value)
    assert "t10k-images-idx3-ubyte.gz" in str(exc.value)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(UserInputError, match="expected dimensions 10000, found 5"):
        read_mnist_file(tmp_path, "test_labels")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.full(10_000, 12, np.uint8))
    with pytest.raises(UserInputError, match="digits 0–9"):
        read_mnist_file(tmp_path, "test_labels")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(10_000, np.int32))
    with pytest.raises(UserInputError, match="unsigned bytes"):
        read_mnist_file(tmp_path, "test_labels")


# --- a fake full-size MNIST (each image carries its own index) -------------------------------

def test_load_mnist_splits_by_seed_without_overlap(fake_mnist):
    s = load_mnist(fake_mnist, train_size=5000, val_size=1000, test_size=300, seed=3)
    assert s.train_images.shape == (5000, 28, 28) and s.train_images.dtype == np.uint8
    assert s.val_images.shape == (1000, 28, 28) and s.test_images.shape == (300, 28, 28)
    assert s.train_labels.dtype == np.int64 and s.train_labels.shape == (5000,)
    tr, va, te = decode_index(s.train_images), decode_index(s.val_images), decode_index(s.test_images)
    assert len(set(tr)) == 5000 and len(set(va)) == 1000 and not set(tr) & set(va)
    assert tr.max() < 60_000 and te.min() >= 100_000  # train/val from train, test from test
    # Every image keeps its own label.
    assert np.array_equal(s.train_labels, tr % 10) and np.array_equal(s.val_labels, va % 10)
    assert np.array_equal(s.test_labels, te % 10)
    again = load_mnist(fake_mnist, train_size=5000, val_size=1000, test_size=300, seed=3)
    assert np.array_equal(again.train_images, s.train_images)
    other = load_mnist(fake_mnist, train_size=5000, val_size=1000, test_size=300, seed=4)
    assert not np.array_equal(other.train_images, s.train_images)


def test_full_split_is_the_course_setup(fake_mnist):
    s = load_mnist(fake_mnist, seed=0)
    assert (len(s.train_labels), len(s.val_labels), len(s.test_labels)) == (50_000, 10_000, 10_000)
    together = np.concatenate([decode_index(s.train_images), decode_index(s.val_images)])
    assert np.array_equal(np.sort(together), np.arange(60_000))
    assert np.array_equal(decode_index(s.test_images), np.arange(100_000, 110_000))


@settings(max_examples=25, deadline=None)
@given(train=st.integers(1, 59_999), val=st.integers(0, 20_000), test=st.integers(1, 10_000),
       seed=st.integers(0, 2**32))
def test_split_indices_properties(train, val, test, seed):
    val = min(val, 60_000 - train)
    tr, va, te = split_indices(train, val, test, seed)
    assert len(tr) == train and len(va) == val and len(te) == test
    assert not set(tr.tolist()) & set(va.tolist())
    assert len(set(te.tolist())) == test and te.max() < 10_000
    # The validation set does not depend on the training size (so runs compare fairly).
    assert np.array_equal(split_indices(1, val, test, seed)[1], va)


@pytest.mark.parametrize("sizes, words", [
    ((55_000, 10_000, 10_000), "does not fit in the 60,000"),
    ((0, 10, 10), "training size"),
    ((10, -1, 10), "validation size"),
    ((10, 10, 10_001), "test size"),
    ((10.5, 10, 10), "whole number"),
])
def test_sizes_that_do_not_fit(fake_mnist, sizes, words):
    with pytest.raises(UserInputError, match=words):
        load_mnist(fake_mnist, *sizes)


# --- where the files are found ----------------------------------------------------------------

def make_folder(path: Path, raw: bool = False) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, _ in MNIST_FILES.values():
        (path / (name[:-3] if raw else name)).write_bytes(b"")
    return path


@pytest.fixture
def app_data(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CONVVIZ_DATA", raising=False)
    from visualizer.core import appdirs

    return appdirs.mnist_dir()


def test_locate_order_argument_then_environment_then_app_folder(tmp_path, monkeypatch, app_data):
    arg = make_folder(tmp_path / "arg")
    env = make_folder(tmp_path / "env")
    make_folder(app_data)
    monkeypatch.setenv("CONVVIZ_DATA", str(env))
    assert locate_mnist(arg) == arg
    assert locate_mnist() == env
    monkeypatch.delenv("CONVVIZ_DATA")
    assert locate_mnist() == app_data
    # An environment folder without the files falls through to the app's folder.
    monkeypatch.setenv("CONVVIZ_DATA", str(tmp_path / "empty"))
    assert locate_mnist() == app_data


def test_a_given_folder_does_not_fall_back(tmp_path, app_data):
    make_folder(app_data)
    with pytest.raises(MnistNotFound) as exc:
        locate_mnist(tmp_path / "missing")
    assert str(tmp_path / "missing") in str(exc.value)


def test_raw_files_and_torchvision_layout_are_found(tmp_path, app_data):
    raw = make_folder(tmp_path / "raw", raw=True)
    assert locate_mnist(raw) == raw
    tv = make_folder(tmp_path / "tv" / "MNIST" / "raw")
    assert locate_mnist(tmp_path / "tv") == tv


def test_not_found_says_where_it_looked_and_how_to_get_mnist(tmp_path, monkeypatch, app_data):
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "train-images-idx3-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("CONVVIZ_DATA", str(partial))
    with pytest.raises(MnistNotFound) as exc:
        locate_mnist()
    msg = str(exc.value)
    assert str(partial) in msg and str(app_data) in msg
    assert "t10k-labels-idx1-ubyte.gz" in msg  # what is missing
    assert "--data" in msg and "CONVVIZ_DATA" in msg and "Download MNIST" in msg
    assert isinstance(exc.value, UserInputError)


@pytest.mark.mnist
def test_real_mnist_loads(mnist_dir):
    s = load_mnist(mnist_dir, train_size=50_000, val_size=10_000, test_size=10_000, seed=0)
    counts = np.bincount(np.concatenate([s.train_labels, s.val_labels]), minlength=10)
    assert counts.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(s.test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert s.train_images.max() == 255 and s.train_images.min() == 0


# --- download (a local server; never the internet) --------------------------------------------

@pytest.fixture
def small_files(tmp_path):
    """Four small gz files standing in for MNIST, with their md5s (as download_mnist's `files`)."""
    src = tmp_path / "mirror"
    src.mkdir()
    files = {}
    rng = np.random.default_rng(0)
    for key, (name, _) in MNIST_FILES.items():
        data = gzip.compress(idx_bytes(rng.integers(0, 256, 70_000 if "images" in key else 3000, dtype=np.uint8)))
        (src / name).write_bytes(data)
        files[key] = (name, hashlib.md5(data).hexdigest())
    bad = tmp_path / "bad-mirror"
    bad.mkdir()
    for name, _ in files.values():
        (bad / name).write_bytes(b"not the file you are looking for")
    return src, bad, files


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_download_from_a_mirror_with_progress(tmp_path, small_files):
    src, _, files = small_files
    dest = tmp_path / "dest"
    seen = []
    with serve(src) as (url, _):
        assert download_mnist(dest, lambda d, t, n: seen.append((d, t, n)), mirrors=[url], files=files) == dest
    for name, md5 in files.values():
        assert hashlib.md5((dest / name).read_bytes()).hexdigest() == md5
    total = sum((src / n).stat().st_size for n, _ in files.values())
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and done[-1] == total and seen[-1][1] == total
    assert {n for _, _, n in seen} >= {n for n, _ in files.values()}
    assert leftovers(dest) == []


def test_bad_md5_and_dead_mirrors_are_skipped(tmp_path, small_files):
    src, bad, files = small_files
    dest = tmp_path / "dest"
    with serve(bad) as (bad_url, bad_requests), serve(src) as (good_url, _):
        download_mnist(dest, mirrors=[dead_mirror(), bad_url, good_url], files=files, timeout=5)
    assert len(bad_requests) == 4  # every file was tried there first
    for name, md5 in files.values():
        assert hashlib.md5((dest / name).read_bytes()).hexdigest() == md5
    assert leftovers(dest) == []


def test_only_bad_md5_leaves_no_file(tmp_path, small_files):
    _, bad, files = small_files
    dest = tmp_path / "dest"
    with serve(bad) as (url, _):
        with pytest.raises(UserInputError, match="md5"):
            download_mnist(dest, mirrors=[url], files=files)
    assert list(dest.iterdir()) == []


def test_offline_says_so_plainly(tmp_path, small_files):
    _, _, files = small_files
    with pytest.raises(UserInputError) as exc:
        download_mnist(tmp_path / "dest", mirrors=[dead_mirror(), dead_mirror()], files=files, timeout=5)
    assert "offline" in str(exc.value)
    assert list((tmp_path / "dest").iterdir()) == []


def test_a_missing_file_on_the_server_is_reported(tmp_path, small_files):
    src, _, files = small_files
    (src / files["test_labels"][0]).unlink()
    with serve(src) as (url, _):
        with pytest.raises(UserInputError, match="404"):
            download_mnist(tmp_path / "dest", mirrors=[url], files=files)


def test_cancel_leaves_no_partial_file(tmp_path, small_files):
    src, _, files = small_files
    dest = tmp_path / "dest"
    calls = []

    def progress(done, total, name):
        calls.append(done)

    with serve(src) as (url, _):
        with pytest.raises(DownloadCancelled):
            download_mnist(dest, progress, should_stop=lambda: len(calls) > 2, mirrors=[url], files=files)
    assert leftovers(dest) == []
    names = {n for n, _ in files.values()}
    # Nothing half-written under a final name: whatever is there is complete and checked.
    for p in dest.iterdir():
        assert p.name in names
        assert hashlib.md5(p.read_bytes()).hexdigest() in {m for _, m in files.values()}


def test_files_already_there_are_kept(tmp_path, small_files):
    src, _, files = small_files
    dest = tmp_path / "dest"
    dest.mkdir()
    name = files["train_images"][0]
    shutil.copy(src / name, dest / name)
    with serve(src) as (url, requests):
        download_mnist(dest, mirrors=[url], files=files)
    assert f"/{name}" not in requests and len(requests) == 3


@pytest.mark.mnist
def test_download_the_real_files_from_a_local_mirror(tmp_path, mnist_dir):
    """The real md5s (MNIST_FILES) against the real bytes, served locally; then they load."""
    dest = tmp_path / "dest"
    with serve(mnist_dir) as (url, _):
        download_mnist(dest, mirrors=[url])
    assert locate_mnist(dest) == dest
    assert read_mnist_file(dest, "test_labels").shape == (10_000,)


def test_default_mirrors_are_the_public_ones():
    assert mnist.MNIST_MIRRORS[0].startswith("https://")
    assert all(m.endswith("/") for m in mnist.MNIST_MIRRORS)


def test_synthetic_mnist_has_mnist_shapes_and_is_seeded():
    from visualizer.core.mnist import synthetic_mnist

    a, b = synthetic_mnist(50, 20, 30, seed=4), synthetic_mnist(50, 20, 30, seed=4)
    assert a.train_images.shape == (50, 28, 28) and a.train_images.dtype == np.uint8
    assert a.val_labels.shape == (20,) and a.test_labels.dtype == np.int64
    assert set(np.unique(a.train_labels)) <= set(range(10))
    np.testing.assert_array_equal(a.test_images, b.test_images)
    assert not np.array_equal(a.train_images[:20], a.val_images)  # splits are drawn apart
