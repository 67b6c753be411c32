"""Issue 9, item 10 (Ctrl+C while Python imports) and the smaller CLI cases: binary data in an
error line, a truncated PNG."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from PySide6.QtGui import QImage

from tests.helpers.cli import REPO, convviz, one_error_line
from visualizer.cli import main

# Starts `python -m visualizer ARGS` with an import hook that raises KeyboardInterrupt when the named
# module is first imported: exactly what Ctrl+C in the first half second does, without timing luck.
_INTERRUPT_AT_IMPORT = textwrap.dedent("""
    import runpy, sys
    target, args = sys.argv[1], sys.argv[2:]
    class Interrupt:
        def find_spec(self, name, path=None, target_=None):
            if name == target:
                raise KeyboardInterrupt
            return None
    sys.meta_path.insert(0, Interrupt())
    sys.argv = ["convviz", *args]
    runpy.run_module("visualizer", run_name="__main__", alter_sys=True)
""")


@pytest.mark.parametrize("module,args", [
    ("visualizer.core.errors", ["shapes", "vgg16"]),  # while importing the CLI itself
    ("numpy", ["conv", "-i", "course-example", "-k", "box-blur"]),  # while a subcommand imports
    ("visualizer.core.architecture", ["shapes", "vgg16"]),
    ("visualizer.core.training", ["train", "--out", "/nonexistent-never-created"]),
])
def test_ctrl_c_during_imports_exits_130_quietly(module, args):
    proc = subprocess.run([sys.executable, "-c", _INTERRUPT_AT_IMPORT, module, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr


def test_binary_data_in_an_error_line_is_cut_and_printable(tmp_path, capsys):
    a = tmp_path / "a.csv"
    a.write_bytes(b"1,2\n3," + bytes(range(256)) * 20 + b"\n")
    assert main(["conv", "-i", str(a), "-k", "box-blur"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert len(line) < 250
    b = tmp_path / "b.csv"
    b.write_bytes(b"Operation,Output size\n" + bytes(range(256)) * 20)
    assert main(["shapes", "vgg16", "--check", str(b)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "binary data" in line or "not a text file" in line
    assert main(["conv", "-i", "x" * 5000, "-k", "box-blur"]) == 2
    assert len(one_error_line(capsys.readouterr().err)) < 300


def test_check_from_stdin_with_binary_data():
    proc = subprocess.run([sys.executable, "-m", "visualizer", "shapes", "vgg16", "--check", "-"], cwd=REPO,
                          input=b"Operation,Output size\nconv," + bytes(range(1, 256)) * 30, capture_output=True,
                          timeout=120)
    assert proc.returncode == 2
    line = one_error_line(proc.stderr.decode("utf-8", "replace"))
    assert "binary data" in line or "not a text" in line


def test_a_truncated_png_is_one_line_without_libpng_chatter(tmp_path):
    img = QImage(64, 64, QImage.Format.Format_RGB888)
    for y in range(64):
        for x in range(64):
            img.setPixel(x, y, (x * 4) << 16 | (y * 4) << 8 | (x ^ y))
    whole = tmp_path / "whole.png"
    assert img.save(str(whole))
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    proc = convviz("conv", "-i", str(cut), "-k", "box-blur")
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert "cut.png" in line


def test_qts_allocation_limit_is_named(tmp_path, monkeypatch):
    import visualizer.image_io as image_io
    from tests.helpers.images import png_header_only
    from visualizer.core.errors import UserInputError

    big = png_header_only(tmp_path / "big.png", 9000, 9000)  # 309 MB as 32-bit pixels
    monkeypatch.setattr(image_io, "MAX_ALLOCATION_MB", 100)  # too big to raise Qt's 256 MB limit for
    with pytest.raises(UserInputError, match=r"9,000×9,000 pixels, more than Qt decodes at once \(309 MB"):
        image_io.load_image(big)
