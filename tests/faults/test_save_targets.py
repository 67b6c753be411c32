"""Issue 22, item 4: `--out` (and every GUI save) onto a device, a FIFO or a symlink writes through
it or is refused with one line; it never replaces it. The atomic rename stays for regular files.

Run as root here: /dev/null and /dev/full are written only through the fixed code path, and every
test checks they are still character devices afterwards."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.cli import convviz, one_error_line
from visualizer.cli import main
from visualizer.core.errors import UserInputError

needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


@pytest.fixture
def digit_png(tmp_path) -> Path:
    from PySide6.QtGui import QImage

    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[6:22, 12:16] = 255  # a "1"
    img = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    path = tmp_path / "one.png"
    assert img.save(str(path))
    return path


def _activations(digit_png: Path, out: Path | str) -> list[str]:
    return ["activations", "--net", "mnist-net1", "--seed", "1", "--image", str(digit_png),
            "--format", "npz", "--out", str(out)]


def _char_device(path: str) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


@needs_dev_full
def test_out_onto_dev_full_is_one_line_and_dev_full_stays_a_device(digit_png):
    assert _char_device("/dev/full")
    proc = convviz(*_activations(digit_png, "/dev/full"))
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "/dev/full" in line and "no space left" in line.lower()
    assert _char_device("/dev/full")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_out_onto_dev_null_succeeds_and_dev_null_stays_a_device(digit_png, capsys):
    assert _char_device("/dev/null")
    assert main(_activations(digit_png, "/dev/null")) == 0
    assert capsys.readouterr().err == ""
    assert _char_device("/dev/null")


def test_out_onto_a_fifo_nobody_reads_is_one_line_and_the_fifo_stays(digit_png, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(_activations(digit_png, fifo)) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(fifo) in line and "nothing is reading" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_out_onto_a_fifo_with_a_reader_writes_through_it(digit_png, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(Path(fifo).read_bytes()))
    reader.start()
    for _ in range(500):  # until the reader is waiting on the FIFO
        status = main(_activations(digit_png, fifo))
        if status == 0:
            break
        assert "nothing is reading" in capsys.readouterr().err
        threading.Event().wait(0.01)
    reader.join(10)
    assert status == 0 and got and got[0][:2] == b"PK"  # an .npz is a zip file
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_out_onto_a_symlink_keeps_the_link_and_saves_its_file(digit_png, tmp_path):
    real = tmp_path / "saved" / "acts.npz"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "acts.npz"
    link.symlink_to(real)
    assert main(_activations(digit_png, link)) == 0
    assert link.is_symlink() and real.read_bytes()[:2] == b"PK"
    assert np.load(link).files  # readable through the link
    assert sorted(p.name for p in real.parent.iterdir()) == ["acts.npz"]


def test_gui_saves_write_through_devices_fifos_and_links(tmp_path):
    from visualizer.ui.shell.files import save_bytes, save_text

    real = tmp_path / "table.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    save_text(link, "a,b\n")
    assert link.is_symlink() and real.read_text() == "a,b\n"
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UserInputError, match="nothing is reading"):
        save_bytes(fifo, b"png")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with pytest.raises(UserInputError, match="folder"):
        save_bytes(tmp_path, b"png")
    if Path("/dev/null").exists():
        save_bytes("/dev/null", b"png")
        assert _char_device("/dev/null")
    if Path("/dev/full").exists():
        with pytest.raises(UserInputError, match="No space left"):
            save_bytes("/dev/full", b"png")
        assert _char_device("/dev/full")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
@pytest.mark.parametrize("command", ["train", "sweep"])
def test_a_run_folder_out_onto_a_device_is_refused(command, tmp_path, capsys):
    # --out DIR names a folder: a device there is refused before anything is written.
    assert main([command, "--out", "/dev/null", "--data", str(tmp_path / "none"), "--epochs", "1"]) == 2
    assert "/dev/null is a file, not a folder" in one_error_line(capsys.readouterr().err)
    assert _char_device("/dev/null")
