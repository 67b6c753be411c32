"""One grammar for every input (issue 21): the same text gets the same verdict from every entry point
that reads it — `core.parsing`, each CLI option (through the argparse parser objects), the configs,
and the GUI models' setters — and that verdict is the rule the README states.

Each table below lists texts with the verdict of the rule (True: read, False: refused); every entry
point is asked about every text of its kind."""

from __future__ import annotations

import pytest

from visualizer.cli import build_parser
from visualizer.core import convolution, parsing
from visualizer.core.devices import DeviceReport
from visualizer.core.errors import UserInputError
from visualizer.core.training import TrainConfig

NUMBERS = {
    "0.5": True, "-2": True, "1e-3": True, ".5": True, "+3": True, " 0.25 ": True, "1_000": True,
    "1/9": True, "−0.5": True, "−1/−9": True, "1e-3/2": True, "1e-400": True,
    "0,5": False, "1e400": False, "nan": False, "inf": False, "-inf": False, "²": False, "٣": False,
    "": False, "   ": False, "1 000": False, "0.5.1": False, "1/0": False, "abc": False, "0x10": False,
    "--1": False, "1/": False, "1__0": False, "5" * 70: False,
}
WHOLE_NUMBERS = {
    "12": True, "0": True, "-3": True, "+4": True, "−2": True, " 7 ": True, "1_000": True,
    "9" * 19: True, "9" * 20: False, "²": False, "٣": False, "1.0": False, "1e3": False, "": False,
    " ": False, "0,5": False, "1/9": False, "x": False, "1 2": False,
}
PAIRS = {  # at least 1 each (a stride)
    "3": True, "2,3": True, "2x3": True, "2X3": True, "2×3": True, "[2 3]": True, " 2 , 3 ": True,
    "0,5": False, "1/9": False, "²": False, "": False, "2,3,4": False, "−1": False, "1X28X28": False,
    "1.5": False, "a,b": False,
}
SHAPES = {
    "1,28,28": True, "1x28x28": True, "1×28×28": True, "1X28X28": True, "[1 28 28]": True,
    " 1, 28, 28 ": True, "1,28": False, "0,28,28": False, "1,28,28,3": False, "1.5,28,28": False,
    "²,28,28": False, "": False, "1,28,1000000000": False, "cuda:0": False,
}
DEVICES = {
    "auto": True, "cpu": True, "cuda": True, "cuda:0": True, "cuda:1": True, "mps": True, " cpu ": True,
    "cuda:x": False, "cuda:": False, "cuda:²": False, "cuda:-1": False, "CPU": False, "gpu": False,
    "": False, "tpu": False, "cuda:0 cpu": False,
}


def verdict(read) -> bool:
    try:
        read()
    except UserInputError:
        return False
    except SystemExit as exc:  # argparse refused it
        assert exc.code == 2
        return False
    return True


def cli_accepts(capsys, command: list[str], option: str, text: str) -> bool:
    argv = [*command, f"{option}={text}"]
    if command[0] in ("train", "sweep"):
        argv += ["--out", "o"]
    elif command[0] == "conv":
        argv += ["--input", "course-example", "--kernel", "identity"]
    ok = verdict(lambda: build_parser(argv).parse_args(argv))
    err = capsys.readouterr().err
    assert ok or len(err.strip().splitlines()) == 1, err  # refused in one line
    return ok


@pytest.fixture
def training_model(qtbot, tmp_path):
    from visualizer.ui.training.model import TrainingModel

    model = TrainingModel(runs_dir=tmp_path / "runs")
    # A machine with everything, so that only the grammar decides.
    model.set_device_report(DeviceReport(cuda=True, cuda_devices=("gpu 0", "gpu 1"), cuda_build="12", mps=True))
    return model


@pytest.mark.parametrize("text, expected", NUMBERS.items())
def test_numbers(capsys, training_model, text, expected):
    assert verdict(lambda: parsing.parse_number(text, "x")) is expected
    assert verdict(lambda: convolution.parse_number(text)) is expected  # a Convolution grid cell
    for option in ("--lr", "--momentum", "--weight-decay", "--dropout"):
        assert cli_accepts(capsys, ["train"], option, text) is expected, option
        if "," not in text:  # in a sweep a comma separates the values of a list
            assert cli_accepts(capsys, ["sweep"], option, text) is expected, option
    assert cli_accepts(capsys, ["sweep"], "--gpus-per-run", text) is expected
    assert cli_accepts(capsys, ["conv"], "--bias", text) is expected
    for field in ("lr", "momentum", "weight_decay", "dropout"):  # the Training form
        assert training_model.set_field(field, text)  # kept as typed ...
        assert verdict(lambda: training_model.form_number(field)) is expected, field  # ... read on Start


def test_numbers_values():
    assert parsing.parse_number("1/9") == pytest.approx(1 / 9)
    assert parsing.parse_number("−0.5") == -0.5 == convolution.parse_number("-0.5")
    assert parsing.parse_number(" 1_000 ") == 1000.0
    with pytest.raises(UserInputError, match=r"“0,5” is not a number \(write a decimal point: 0.5\)"):
        parsing.parse_number("0,5")
    with pytest.raises(UserInputError, match="must be a finite number, got “1e400”"):
        parsing.parse_number("1e400")


@pytest.mark.parametrize("text, expected", WHOLE_NUMBERS.items())
def test_whole_numbers(capsys, text, expected):
    assert verdict(lambda: parsing.parse_whole_number(text)) is expected
    for option in ("--epochs", "--batch-size", "--train-size", "--val-size", "--test-size", "--seed",
                   "--early-stopping", "--report-every"):
        assert cli_accepts(capsys, ["train"], option, text) is expected, option
        if "," not in text:
            assert cli_accepts(capsys, ["sweep"], option, text) is expected, option
    for option in ("--seeds", "--workers", "--threads-per-run"):
        assert cli_accepts(capsys, ["sweep"], option, text) is expected, option
    assert parsing.is_whole_number_text(text.strip()) is (expected and text.strip().isdigit())


@pytest.mark.parametrize("text, expected", PAIRS.items())
def test_pairs(capsys, qtbot, text, expected):
    from visualizer.core.architecture import preset
    from visualizer.ui.shapes.model import ShapesModel

    assert verdict(lambda: parsing.parse_pair(text, "stride")) is expected
    for option in ("--stride", "--dilation", "--explain"):
        assert cli_accepts(capsys, ["conv"], option, text) is expected, option
    shapes = ShapesModel(preset("mnist-net1"))
    conv_row = next(i for i, spec in enumerate(shapes.architecture().layers) if spec.type == "Conv2d")
    rejected: list[str] = []
    shapes.edit_rejected.connect(rejected.append)
    for field in ("stride", "kernel"):  # a Shapes table cell
        rejected.clear()
        shapes.edit_layer(conv_row, field, text)
        assert (not rejected) is expected, (field, rejected)


@pytest.mark.parametrize("text, expected", SHAPES.items())
def test_shapes(qtbot, text, expected):
    from visualizer.ui.shapes.check_view import ShapeCheckView
    from visualizer.ui.shapes.model import ShapesModel

    assert verdict(lambda: parsing.parse_shape(text)) is expected
    view = ShapeCheckView(ShapesModel())  # the Shapes tab's "input size" box of the table checker
    qtbot.addWidget(view)
    view.input_edit.setText(text)
    if text.strip():
        assert verdict(view.input_shape) is expected
    else:
        assert view.input_shape() is None  # empty: the network's own input size


@pytest.mark.parametrize("text, expected", SHAPES.items())
def test_shapes_cli_input(text, expected):
    from visualizer.commands.shapes import parse_input_shape

    assert verdict(lambda: parse_input_shape(text)) is expected
    if expected:
        assert parse_input_shape(text) == parsing.parse_shape(text)


def test_shape_arg_is_what_the_cli_gets():
    assert parsing.shape_arg("1X28X28") == (1, 28, 28)


@pytest.mark.parametrize("text, expected", DEVICES.items())
def test_devices(capsys, training_model, text, expected):
    assert verdict(lambda: parsing.parse_device(text)) is expected
    assert cli_accepts(capsys, ["train"], "--device", text) is expected
    assert cli_accepts(capsys, ["sweep"], "--device", text) is expected
    assert verdict(lambda: TrainConfig(device=text).validate()) is expected  # the config
    assert training_model.set_field("device", text) is expected  # the Training form
    if expected:
        assert training_model.form["device"] == text.strip()


@pytest.mark.parametrize("text, expected", [
    ("0", 0), (" 7 ", 7), ("10", 10), ("9" * 19, None), ("11", None), ("-1", None), ("+3", None),
    ("1_0", None), ("²", None), ("", None), ("x", None),
])
def test_counting_options_take_unsigned_digits_within_their_range(text, expected):
    import argparse

    convert = parsing.counting_arg("--zoom", 0, 10)
    if expected is not None:
        assert convert(text) == expected
    else:
        with pytest.raises(argparse.ArgumentTypeError, match=r"^--zoom must be a whole number from 0 to 10, got '"):
            convert(text)
    with pytest.raises(argparse.ArgumentTypeError, match=r"^--target must be a class from 0 to 9, got '10'$"):
        parsing.counting_arg("--target", 0, 9, "a class from 0 to 9")("10")
    assert parsing.counting_arg("--start")("9" * 19) == int("9" * 19)
