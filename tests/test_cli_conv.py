"""`convviz conv`: the contract scripts rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from visualizer.cli import main
from visualizer.core import convolution as cv

REPO = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's own errors (the argparse types of core.parsing)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_course_example_json(capsys):
    code, out, err = run(capsys, "conv", "--input", "course-example", "--kernel", "course-normalized",
                         "--stride", "2", "--padding", "1", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["shape"] == [3, 3]
    assert doc["output"] == [[1.3, 2.7, 1.9], [1.9, 5.25, 3.1], [0.5, 3.5, 1.7]]


def test_text_csv_markdown_latex(capsys, tmp_path):
    args = ("conv", "--input", "course-example", "--kernel", "course-normalized", "-s", "1", "-p", "2")
    expected = cv.convolve(cv.INPUT_PRESETS["course-example"], cv.KERNEL_PRESETS["course-normalized"],
                           cv.ConvSpec(padding=(2, 2)))[0]
    code, out, _ = run(capsys, *args, "--format", "csv")
    assert code == 0
    np.testing.assert_allclose(np.loadtxt(out.splitlines(), delimiter=","), expected, atol=1e-9)
    code, out, _ = run(capsys, *args)
    np.testing.assert_allclose(np.loadtxt(out.splitlines()), expected, atol=1e-9)
    code, out, _ = run(capsys, *args, "--format", "latex")
    assert out.startswith("\\begin{bmatrix}") and out.rstrip().endswith("\\end{bmatrix}")
    assert out.count("\\\\") == 6
    code, out, _ = run(capsys, *args, "--format", "markdown")
    assert out.splitlines()[1] == "|" + "|".join(["---:"] * 7) + "|"
    assert len(out.splitlines()) == 9


def test_csv_files_and_flip(capsys, tmp_path):
    (tmp_path / "a.csv").write_text("1,2,3\n4,5,6\n7,8,9\n")
    (tmp_path / "k.csv").write_text("1,0\n0,-1\n")
    code, out, _ = run(capsys, "conv", "--input", str(tmp_path / "a.csv"), "--kernel", str(tmp_path / "k.csv"),
                       "--format", "json")
    assert json.loads(out)["output"] == [[-4, -4], [-4, -4]]
    code, out, _ = run(capsys, "conv", "--input", str(tmp_path / "a.csv"), "--kernel", str(tmp_path / "k.csv"),
                       "--flip", "--format", "json")
    assert json.loads(out)["output"] == [[4, 4], [4, 4]]


def test_dilation_stride_pairs_and_modes(capsys):
    code, out, _ = run(capsys, "conv", "--input", "course-example", "--kernel", "sobel-x", "--dilation", "2",
                       "--stride", "1,2", "--padding", "2,1", "--padding-mode", "reflect", "--format", "json")
    doc = json.loads(out)
    x = cv.INPUT_PRESETS["course-example"]
    expected = cv.convolve(x, cv.KERNEL_PRESETS["sobel-x"], cv.ConvSpec((1, 2), (2, 1), (2, 2), "reflect"))[0]
    assert doc["shape"] == list(expected.shape)
    np.testing.assert_allclose(doc["output"], expected)


def test_image_input(capsys, tmp_path):
    img = QImage(6, 4, QImage.Format.Format_RGB888)
    img.fill(0x808080)
    path = tmp_path / "grey.png"
    assert img.save(str(path))
    code, out, _ = run(capsys, "conv", "--input", str(path), "--kernel", "box-blur", "--format", "json")
    doc = json.loads(out)
    assert doc["input_shape"] == [1, 4, 6] and doc["shape"] == [2, 4]
    np.testing.assert_allclose(doc["output"], 128.0)


def test_explain_and_unused_note(capsys):
    code, out, err = run(capsys, "conv", "--input", "course-example", "--kernel", "course-normalized",
                         "--stride", "2", "--padding", "1", "--explain", "2,2")
    assert code == 0
    # counted from 1, as the app's "row 2, column 2" and the grid headers are
    assert "output row 2, column 2 = 0.1×2 + 0.2×7" in err and err.strip().endswith("= 5.25")
    code, out, err = run(capsys, "conv", "--input", "course-example", "--kernel", "identity", "--stride", "3")
    assert ("note: Stride 3 leaves the last 2 rows of the padded input unused: 2 rows of the input, whose "
            "values the output never sees.") in err


@pytest.mark.parametrize("argv,fragment", [
    (["--stride", "0"], "stride"),
    (["--padding", "-1"], "padding"),
    (["--dilation", "x"], "dilation"),
    (["--kernel", "nope"], "unknown kernel"),
    (["--input", "missing.csv"], "not found"),
    (["--input", "nosuchpreset"], "unknown input"),
    (["--padding", "0", "--kernel", "box-blur", "--dilation", "4"], "empty"),
    (["--bias", "abc"], "bias"),
    (["--format", "xml"], "invalid choice"),
])
def test_errors_are_one_line_exit_2(capsys, argv, fragment):
    base = {"--input": "course-example", "--kernel": "sobel-x"}
    args = ["conv"]
    for key, value in base.items():
        if key not in argv:
            args += [key, value]
    code = None
    try:
        code = main(args + argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_bad_cell_in_csv(capsys, tmp_path):
    (tmp_path / "bad.csv").write_text("1,2\n3,four\n")
    code, out, err = run(capsys, "conv", "--input", str(tmp_path / "bad.csv"), "--kernel", "identity")
    assert code == 2 and "row 2, column 2: 'four' is not a number" in err


def test_broken_image(capsys, tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    code, out, err = run(capsys, "conv", "--input", str(tmp_path / "broken.png"), "--kernel", "identity")
    assert code == 2 and "cannot read image broken.png" in err


def test_real_command_has_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "visualizer", "conv", "--input", "course-example",
                           "--kernel", "sobel-x", "--stride", "0"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "convviz conv: error: argument --stride/-s: stride must be at least 1, got '0'"


def test_explain_counts_from_one_like_the_app(capsys):
    base = ["conv", "--input", "course-example", "--kernel", "course-normalized", "--stride", "2", "--padding", "1"]
    code, out, err = run(capsys, *base, "--explain", "1,1")
    assert code == 0 and "output row 1, column 1 =" in err and err.strip().endswith("= 1.3")
    code, out, err = run(capsys, *base, "--explain", "3,3", "--format", "json")
    doc = json.loads(out)
    assert doc["index_base"] == 1
    assert doc["explain"]["row"] == 3
    assert doc["explain"]["value"] == pytest.approx(doc["output"][2][2]) == 1.7
    for bad, words in (("0,1", "at least 1"), ("4,1", "outside the 3×3 output")):
        code, out, err = run(capsys, *base, "--explain", bad)
        assert code == 2 and out == "" and words in err and len(err.strip().splitlines()) == 1


def test_explain_breaks_an_rgb_cell_down_by_channel(capsys):
    from visualizer.image_io import sample_images

    path = str(sample_images()["rgb-shapes"])
    code, out, err = run(capsys, "conv", "--input", path, "--channels", "rgb", "--kernel", "box-blur",
                         "--bias", "1", "--explain", "2,3", "--format", "json")
    doc = json.loads(out)
    lines = err.strip().splitlines()
    assert lines[0] == "output row 2, column 3, one line per input channel:"
    assert [ln.split(":")[0].strip() for ln in lines[1:4]] == ["R", "G", "B"]
    parts = [c["partial_sum"] for c in doc["explain"]["channels"]]
    assert len(parts) == 3
    assert lines[4].strip().startswith("sum over channels:") and "+ bias 1 =" in lines[4]
    assert doc["explain"]["value"] == pytest.approx(sum(parts) + 1) == pytest.approx(doc["output"][1][2])
