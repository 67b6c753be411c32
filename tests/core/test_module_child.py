"""core.module_child: INPUT_SHAPE read from a module file without running it, and the table built in
a child process (the same one-line errors as in-process; a process that dies is said so)."""

from __future__ import annotations

import pytest

from visualizer.core.errors import UserInputError
from visualizer.core.module_child import declared_input_shape, summarize_in_child


@pytest.mark.parametrize("source, expected", [
    ("INPUT_SHAPE = (1, 28, 28)\n", (1, 28, 28)),
    ("INPUT_SHAPE: tuple = [3, 32, 32]\n", (3, 32, 32)),
    ("INPUT_SHAPE = (1, 2, 3)\nINPUT_SHAPE = (3, 64, 64)\n", (3, 64, 64)),  # the last assignment wins
    ("import torch\nclass Net: pass\n", None),
    ("def f():\n    INPUT_SHAPE = (1, 28, 28)\n", None),  # only the top level counts
    ("def broken(:\n", None),  # the build says what is wrong with the file
])
def test_declared_input_shape(tmp_path, source, expected):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert declared_input_shape(path) == expected


@pytest.mark.parametrize("value", ["(1, 28)", "(0, 28, 28)", "(1.0, 28, 28)", "(True, 28, 28)", "SIZE",
                                   "(1, 28, 10**12)"])
def test_a_bad_input_shape_is_refused_with_its_line(tmp_path, value):
    path = tmp_path / "m.py"
    path.write_text(f"import torch\n\nINPUT_SHAPE = {value}\n")
    with pytest.raises(UserInputError, match=r"^m\.py, line 3: INPUT_SHAPE must be three positive integers"):
        declared_input_shape(path)


def test_errors_in_the_child_are_the_one_line_of_summarize_module(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def make(:\n")
    with pytest.raises(UserInputError, match=r"^bad\.py:1: SyntaxError"):
        summarize_in_child(f"{bad}:make", (1, 28, 28), timeout_s=120)


def test_a_child_that_ends_python_is_said_so(tmp_path):
    path = tmp_path / "quits.py"
    path.write_text("import os\n\ndef make():\n    os._exit(7)\n")
    with pytest.raises(UserInputError, match=r"ended without an answer \(exit code 7\)"):
        summarize_in_child(f"{path}:make", (1, 28, 28), timeout_s=120)
