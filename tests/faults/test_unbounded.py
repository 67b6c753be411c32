"""Issue 9, item 8: unbounded numbers are one line with exit status 2, refused before anything
big is allocated."""

from __future__ import annotations

import contextlib
import json
import tracemalloc

import numpy as np
import pytest

from tests.helpers.cli import one_error_line
from tests.helpers.faults import TINY
from tests.helpers.images import png_header_only
from visualizer.cli import main
from visualizer.core import convolution as cv
from visualizer.core.conv_job import MAX_OUTPUT_VALUES, ConvJob, check_sizes, run_job

HUGE = "1" + "0" * 4999  # 5,000 digits
#: What a refused command may allocate at most (bytes): nothing big was made before the refusal.
SMALL_PEAK = 32_000_000


@contextlib.contextmanager
def peak_allocation():
    """Python's and numpy's allocations while the block runs (tracemalloc): yields a function
    that returns the peak, in bytes. Not a clock: the same on a fast or a loaded machine."""
    tracemalloc.start()
    peak = [0]
    try:
        yield lambda: peak[0]
    finally:
        peak[0] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def exit_status(argv: list[str]) -> int:
    """main's status, or argparse's (an option's type from core.parsing refuses the text)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("args,words", [
    (["--stride", "1000000000000000000000000000000"], "stride must be at most"),
    (["--stride", HUGE], "stride must be an integer"),
    (["--padding", "100000"], "padded input would have"),
    (["--padding", "1000000000000"], "padding must be at most"),
    (["--padding", HUGE], "padding must be"),
    (["--dilation", "1000000000000"], "dilation must be at most"),
    (["--dilation", "99999"], "output would be empty"),
    (["--dilation", HUGE], "dilation must be"),
    (["--explain", f"{HUGE},1"], "--explain"),
    (["--bias", HUGE], "bias"),
])
def test_conv_numbers_are_bounded(capsys, args, words):
    with peak_allocation() as peak:
        assert exit_status(["conv", "-i", "course-example", "-k", "box-blur", *args]) == 2
    assert words in one_error_line(capsys.readouterr().err)
    assert peak() < SMALL_PEAK, peak()


def test_an_8000_by_8000_rgb_image_is_refused_before_it_is_read(tmp_path, capsys):
    big = png_header_only(tmp_path / "big.png", 8000, 8000)
    with peak_allocation() as peak:
        assert main(["conv", "-i", str(big), "-k", "box-blur"]) == 2
    assert "8,000×8,000" in one_error_line(capsys.readouterr().err)
    assert peak() < SMALL_PEAK, peak()  # 8000×8000×3 would be 192 MB: refused from the header


def test_sizes_are_checked_before_allocating():
    spec = cv.ConvSpec(padding=(100_000, 100_000))
    with pytest.raises(cv.UserInputError, match="padded input"):
        check_sizes((1, 5, 5), (3, 3), spec)
    with pytest.raises(cv.UserInputError, match="the input has"):
        check_sizes((3, 8000, 8000), (3, 3), cv.ConvSpec())
    with pytest.raises(cv.UserInputError, match="the output would have"):
        check_sizes((1, 5000, 5000), (1, 1), cv.ConvSpec(), out_channels=2)
    check_sizes((1, 6000, 6000), (3, 3), cv.ConvSpec())  # 36 M values: allowed
    assert 6000 * 6000 <= MAX_OUTPUT_VALUES
    # The explorer's job (the GUI's path) refuses the padding before np.pad allocates it.
    job = ConvJob(1, np.zeros((1, 5, 5)), None, None, np.ones((1, 1, 3, 3)), spec)
    result = run_job(job)
    assert "padded input" in result.error and result.padded is None


def test_shapes_input_with_5000_digits(capsys):
    assert main(["shapes", "vgg16", "--input", f"3,{HUGE},32"]) == 2
    assert "--input" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("text,words", [
    ("[" * 100_000 + "]" * 100_000, "levels deep"),
    ('{"name": "x", "input_shape": [1, 28, 28], "layers": [{"type": "Conv2d", "out_channels": ' + HUGE + "}]}",
     "5,000 digits"),
    ('{"name": "x", "input_shape": [1, 28, 28], "layers": [{"type": "Conv2d", "out_channels": 1' + "0" * 40
     + ', "kernel_size": 3}]}', "at most 1,000,000,000"),
])
def test_train_net_and_shapes_json_are_safe(tmp_path, capsys, text, words):
    net = tmp_path / "net.json"
    net.write_text(text)
    assert main(["train", "--net", str(net), *TINY, "--out", str(tmp_path / "o")]) == 2
    assert words in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()
    if "levels" in words or "digits" in words:
        assert main(["shapes", str(net)]) == 2
        assert words in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("option", ["--epochs", "--batch-size", "--seed", "--train-size", "--report-every"])
def test_train_integers_with_5000_digits(tmp_path, capsys, option):
    with pytest.raises(SystemExit) as exc:
        main(["train", option, HUGE, "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    line = capsys.readouterr().err.strip()
    assert len(line.splitlines()) == 1 and option in line and len(line) < 300


def test_train_numbers_too_big_for_a_run(tmp_path, capsys):
    for option, value in (("--epochs", "10000000"), ("--batch-size", "9999999999"), ("--lr", "1e400")):
        assert exit_status(["train", option, value, "--out", str(tmp_path / "o")]) == 2, option
        one_error_line(capsys.readouterr().err)


def test_json_output_has_no_infinity(tmp_path, capsys):
    a = tmp_path / "a.csv"
    a.write_text("1e308,1\n1,1\n")
    k = tmp_path / "k.csv"
    k.write_text("10\n")
    assert main(["conv", "-i", str(a), "-k", str(k), "-f", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert doc["output"] == [[None, 10.0], [10.0, 10.0]]
    assert "not a finite number" in captured.err and "null" in captured.err


def test_check_table_with_a_5000_digit_number(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text(f"Operation, Size, Padding, Stride, Output size\nConv, 3x3x3x{'9' * 5000}, 1, 1, 224x224x64\n")
    assert main(["shapes", "vgg16", "--check", str(table)]) == 2
    assert "thousands of digits" in one_error_line(capsys.readouterr().err)
