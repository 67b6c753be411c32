"""core.atomic: regular files are replaced atomically; anything else is written through or refused,
never replaced (issue 22, item 4). Runs as root in CI: /dev/null and /dev/full are only ever written
through the fixed code path, and each test checks they are still character devices afterwards."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from visualizer.core.atomic import save_target, write_atomic, write_in_place


def _is_char_device(path: str) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


def test_a_regular_file_is_replaced_by_a_rename(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    inode = os.stat(target).st_ino
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert os.stat(target).st_ino != inode  # a new file renamed into place, not the old one rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary file left
    write_atomic(tmp_path / "fresh.bin", b"\x00\x01")
    assert (tmp_path / "fresh.bin").read_bytes() == b"\x00\x01"


def test_a_symlink_stays_a_link_and_its_file_is_saved_atomically(tmp_path):
    real = tmp_path / "data" / "real.txt"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert save_target(link) == ("file", real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.txt"]
    # A link to a file not made yet: the file is made where it points.
    dangling = tmp_path / "later.txt"
    dangling.symlink_to(tmp_path / "data" / "made-later.txt")
    write_atomic(dangling, "hello")
    assert dangling.is_symlink() and (real.parent / "made-later.txt").read_text() == "hello"


def test_a_fifo_with_a_reader_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    payload = os.urandom(300_000)  # more than a pipe holds: the writer waits for the reader
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + 10
    while True:  # the reader opens the FIFO (open blocks until the writer comes)
        try:
            write_atomic(fifo, payload)
            break
        except OSError as exc:
            assert exc.errno == errno.ENXIO and time.monotonic() < deadline
            time.sleep(0.01)
    reader.join(10)
    assert got == [payload]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_fifo_nobody_reads_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(OSError) as info:
        write_atomic(fifo, b"data")
    assert time.monotonic() - start < 5
    assert info.value.filename == str(fifo) and "nothing is reading" in info.value.strerror
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_reader_that_stops_reading_is_given_up_on_with_a_timeout(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    held = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open, but never read
    try:
        with pytest.raises(OSError) as info:
            write_in_place(fifo, b"x" * 2_000_000, timeout=0.2)
        assert info.value.errno == errno.ETIMEDOUT and info.value.filename == str(fifo)
    finally:
        os.close(held)


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_dev_null_is_written_through_and_stays_a_device():
    assert _is_char_device("/dev/null")
    assert save_target("/dev/null") == ("stream", Path("/dev/null"))
    write_atomic("/dev/null", b"x" * 100_000)
    assert _is_char_device("/dev/null")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_dev_full_says_no_space_and_stays_a_device():
    assert _is_char_device("/dev/full")
    with pytest.raises(OSError) as info:
        write_atomic("/dev/full", b"x" * 1000)
    assert info.value.errno == errno.ENOSPC and info.value.filename == "/dev/full"
    assert _is_char_device("/dev/full")


def test_a_symlink_to_a_device_writes_the_device(tmp_path):
    if not Path("/dev/null").exists():
        pytest.skip("needs /dev/null")
    link = tmp_path / "sink"
    link.symlink_to("/dev/null")
    assert save_target(link) == ("stream", Path("/dev/null"))
    write_atomic(link, b"data")
    assert link.is_symlink() and _is_char_device("/dev/null")


def test_a_folder_a_socket_and_a_block_device_are_refused(tmp_path, monkeypatch):
    with pytest.raises(IsADirectoryError) as info:
        write_atomic(tmp_path, b"data")
    assert info.value.filename == str(tmp_path)
    monkeypatch.chdir(tmp_path)  # a short relative name: a socket's path is limited to ~100 bytes
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind("sock")
        with pytest.raises(OSError, match="socket"):
            write_atomic("sock", b"data")
        assert stat.S_ISSOCK(os.lstat("sock").st_mode)
    finally:
        sock.close()
    blocks = [p for p in ("/dev/loop0", "/dev/sda", "/dev/vda") if os.path.exists(p)
              and stat.S_ISBLK(os.stat(p).st_mode)]
    if blocks:  # save_target only looks (lstat); it refuses before anything is opened
        with pytest.raises(OSError, match="block device"):
            save_target(blocks[0])


def test_a_slow_but_steady_reader_is_not_given_up_on(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    payload = os.urandom(400_000)
    got = bytearray()

    def read_slowly() -> None:  # a pipe's worth every 0.1 s: the whole takes longer than the timeout
        while len(got) < len(payload):
            time.sleep(0.1)
            try:
                got.extend(os.read(reader_fd, 65536))
            except BlockingIOError:
                pass

    reader = threading.Thread(target=read_slowly)
    reader.start()
    try:
        write_in_place(fifo, payload, timeout=0.3)
    finally:
        reader.join(20)
        os.close(reader_fd)
    assert bytes(got) == payload
