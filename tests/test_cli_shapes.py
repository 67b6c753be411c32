"""`convviz shapes`: the contract scripts rely on (formats, --check lines, exit statuses)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from visualizer.cli import main
from visualizer.core.architecture import Architecture, LayerSpec, compute_table, preset
from visualizer.resources import resource_path

TABLES = resource_path("architectures", "tables")


def test_json_format_has_the_promised_keys(capsys):
    assert main(["shapes", "vgg16", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total_params"] == 138_357_544
    assert round(doc["total_macs"] / 1e9, 2) == 15.47
    first = doc["layers"][0]
    assert first["name"] == "conv1" and first["type"] == "Conv2d"
    assert first["output_shape"] == [64, 224, 224]
    assert isinstance(first["params"], int) and isinstance(first["macs"], int)
    assert doc["layers"][-1]["output_shape"] == [1000]
    assert sum(layer["params"] for layer in doc["layers"]) == doc["total_params"]


@pytest.mark.parametrize("name, params, shape", [("mnist-net1", "21,690", "16×14×14"),
                                                 ("mnist-net2", "4,350", "4×14×14")])
def test_text_format_shows_the_table_and_totals(capsys, name, params, shape):
    assert main(["shapes", name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{name}: input 1×28×28")
    assert shape in out and f"Parameters: {params}" in out
    assert "one multiply-add is one MAC" in out


def test_csv_markdown_latex(capsys):
    assert main(["shapes", "mnist-net1", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["output_shape"] == "8x28x28" and rows[-1]["name"] == "total"
    assert int(rows[-1]["params"]) == 21_690
    assert main(["shapes", "mnist-net1", "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "| 5 | conv2 | Conv2d |" in md and "**21,690**" in md
    assert main(["shapes", "mnist-net1", "--format", "latex"]) == 0
    tex = capsys.readouterr().out
    assert r"\begin{tabular}" in tex and r"8$\times$28$\times$28" in tex and r"\bottomrule" in tex


def test_input_override_and_json_file(capsys, tmp_path):
    assert main(["shapes", "vgg11", "--input", "3,32,32", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["layers"][0]["output_shape"] == [64, 32, 32]
    assert doc["total_params"] == 132_863_336  # AdaptiveAvgPool2d keeps the classifier's size
    path = tmp_path / "net.json"
    preset("mnist-net2").save(path)
    assert main(["shapes", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] == 4_350
    assert main(["shapes", str(resource_path("architectures", "small-cifar.json")), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["output_shape"] == [10]


def test_invalid_layer_is_shown_and_exit_status_is_1(capsys, tmp_path):
    arch = Architecture((1, 3, 3), [LayerSpec("Conv2d", {"out_channels": 2, "kernel_size": 5}),
                                    LayerSpec("Flatten"), LayerSpec("Linear", {"out_features": 4})])
    path = tmp_path / "broken.json"
    arch.save(path)
    assert main(["shapes", str(path), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["layers"][0]["error"] == "the 5×5 kernel does not fit the 3×3 map with padding 0"
    assert doc["layers"][0]["output_shape"] is None and doc["layers"][2]["output_shape"] == [4]
    assert main(["shapes", str(path)]) == 1
    assert "ERROR: the 5×5 kernel does not fit" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["shapes", "resnet50"], "'resnet50' is neither a preset nor a file"),
    (["shapes", "missing.json"], "missing.json: no such file"),
    (["shapes", "mnist-net1", "--input", "1,28"], "--input: give 3 positive whole numbers"),
    (["shapes", "mnist-net1", "--input", "0,28,28"], "--input: give 3 positive whole numbers"),
    (["shapes", "mnist-net1", "--against", "mnist-net1"], "--against needs --check FILE"),
    (["shapes", "mnist-net1", "--check", "absent.tsv"], "--check: absent.tsv: no such file"),
    (["shapes", "mnist-net1", "--format", "yaml"], "invalid choice"),
])
def test_unreadable_input_is_one_line_and_exit_2(capsys, argv, message):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors (one line, status 2 via cli._Parser)
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_json_file_names_the_field(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"version": 1, "input_shape": [1, 28, 28],
                                "layers": [{"type": "ReLU"}, {"type": "Conv2d", "out_channels": 4,
                                                               "kernel_size": [3, 0]}]}))
    assert main(["shapes", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.json: layers[1].kernel_size: both values must be positive integers, got [3, 0]" in err


def test_check_right_table_exits_0(capsys):
    assert main(["shapes", "mnist-net1", "--check", str(TABLES / "mnist-net1.tsv"), "--against", "mnist-net1"]) == 0
    assert capsys.readouterr().out == "all 8 rows are right and match mnist-net1\n"
    assert main(["shapes", "mnist-net1", "--check", str(TABLES / "issue-example.tsv")]) == 0


def test_check_wrong_table_one_line_per_problem_exits_1(capsys):
    code = main(["shapes", "mnist-net1", "--check", str(TABLES / "mnist-net1-with-mistakes.csv"),
                 "--against", "mnist-net1"])
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "row 2 (Conv block): claimed [28X28X8], correct [30X30X8]: padding 2 with a 3×3 kernel at stride 1 "
        "grows 28×28 to 30×30; padding 1 keeps 28×28",
        "row 4 (Conv block): claimed [14X14X8], correct [14X14X16]: 16 kernels give 16 channels, not 8",
        "missing: conv 3×3, 32 kernels: layer 9 (conv3) of mnist-net1 has no row in the table",
    ]


def test_check_extra_layer_and_json_report(capsys, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("Operation,Size,Padding,Stride,Output size\n"
                     "Conv,[3X3X1]X2,1,1,[28X28X2]\nPool,2,,,[14X14X2]\nConv,[3X3X2]X4,1,1,[14X14X4]\n"
                     "Pool,2,,,[7X7X4]\nConv,[3X3X4]X8,1,1,[7X7X8]\nConv,[1X1X8]X8,0,1,[7X7X8]\n"
                     "Fully connected,[7·7·8]X10,,,10\n", encoding="utf-8")
    assert main(["shapes", "mnist-net2", "--check", str(table), "--against", "mnist-net2"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == ["extra: row 6 (Conv): conv 1×1, 8 kernels has no counterpart in mnist-net2"]
    assert main(["shapes", "mnist-net2", "--check", str(table), "--against", "mnist-net2", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and len(doc["rows"]) == 7 and doc["extra"] and not doc["missing"]
    assert doc["rows"][0] == {"row": 1, "operation": "Conv", "claimed": "[28X28X2]", "correct": "[28X28X2]",
                              "ok": True, "reason": "", "correct_shape": [2, 28, 28]}


def test_check_unreadable_table_exits_2(capsys, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("Operation,Size\nConv,3\n")
    assert main(["shapes", "mnist-net1", "--check", str(table)]) == 2
    assert "no output column" in capsys.readouterr().err


def test_check_reads_stdin(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(TABLES.joinpath("issue-example.tsv").read_text(encoding="utf-8")))
    assert main(["shapes", "mnist-net1", "--check", "-"]) == 0
    assert capsys.readouterr().out == "all 3 rows are right\n"


def test_every_example_file_matches_its_preset():
    for name in ("vgg16", "mnist-net1", "mnist-net2", "lenet5"):
        loaded = Architecture.load(resource_path("architectures", f"{name}.json"))
        assert loaded == preset(name)
        assert compute_table(loaded).total_params == compute_table(preset(name)).total_params


def test_check_side_by_side_formats(capsys):
    table = str(TABLES / "mnist-net1-with-mistakes.csv")
    assert main(["shapes", "mnist-net1", "--check", table, "--against", "mnist-net1", "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert "| 2 | Conv block | **[28X28X8]** | [30X30X8] | **NO** | padding 2 with a 3×3 kernel" in md
    assert "| 3 | Pool 2D | [14X14X8] | [14X14X8] | yes |  |" in md
    assert md.rstrip().endswith("- missing: conv 3×3, 32 kernels: layer 9 (conv3) of mnist-net1 has no row in the table")
    assert main(["shapes", "mnist-net1", "--check", str(TABLES / "mnist-net1-with-params.csv"), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["Right?"] for r in rows] == ["yes"] * 9
    assert rows[1]["Claimed"] == rows[1]["Correct"] == "[28X28X8] (96 params)"  # conv block counting its BN
    assert rows[-1]["Operation"] == "Total" and rows[-1]["Correct"] == "(21,690 params)"
    assert main(["shapes", "mnist-net1", "--check", table, "--format", "latex"]) == 1
    assert r"\textbf{[28X28X8]} & [30X30X8] & NO" in capsys.readouterr().out


def test_check_with_a_huge_number_is_one_line_from_the_checker(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("Operation,Size,Padding,Stride,Output size\nConv,[3X3X1]X8,1,1," + "9" * 5000 + "\n")
    assert main(["shapes", "mnist-net1", "--check", str(table)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("convviz: error: --check: ") and "row 1, Output size" in err


@pytest.mark.parametrize("name, params, gmacs", [("resnet18", 11_689_512, "1.81"), ("resnet34", 21_797_672, "3.66")])
def test_resnet_json_matches_torchvision(name, params, gmacs, capsys):
    assert main(["shapes", name, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total_params"] == params and f"{doc['total_macs'] / 1e9:.2f}" == gmacs
    blocks = [layer for layer in doc["layers"] if layer["type"] == "Residual"]
    assert {b["name"].split(".")[0]: tuple(b["output_shape"]) for b in blocks} == {
        "layer1": (64, 56, 56), "layer2": (128, 28, 28), "layer3": (256, 14, 14), "layer4": (512, 7, 7)}
    first_down = next(b for b in blocks if b["shortcut"])
    assert first_down["name"] == "layer2.0" and first_down["add_shapes"] == [[128, 28, 28], [128, 28, 28]]
    assert [c["name"] for c in first_down["shortcut"]] == ["layer2.0.downsample.0", "layer2.0.downsample.1"]


def test_resnet_table_check_from_the_cli():
    table = resource_path("architectures", "tables", "resnet18.tsv")
    assert main(["shapes", "resnet18", "--check", str(table), "--against", "resnet18"]) == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "latex"])
def test_resnet_human_formats_show_the_block_rows(fmt, capsys):
    assert main(["shapes", "resnet18", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "layer2.0.downsample.0" in out and "11,689,512" in out or "11689512" in out
