"""The table checker judges each row with the settings of the layer it stands for (issue #22, item 1):
bias or not, groups, dilation and 'same' come from the architecture, and the count it explains is
the Shapes table's count."""

from __future__ import annotations

import json

from visualizer.core.architecture import Architecture, compute_table, preset
from visualizer.core.table_check import check_table, report_lines
from visualizer.resources import resource_path

RESNET18_TABLE = resource_path("architectures", "tables", "resnet18.tsv").read_text(encoding="utf-8")


def test_resnet18s_true_table_is_right_with_no_note():
    report = check_table(RESNET18_TABLE, against=preset("resnet18"))
    assert report.ok, report_lines(report)
    conv = report.verdicts[1]
    assert conv.correct_params == 9_408 and conv.params_ok and conv.params_note == ""
    assert report.verdicts[-1].correct_params == 11_689_512
    assert report_lines(report, "resnet18") == ["all 17 rows are right and match resnet18"]


def test_a_first_conv_claiming_its_bias_is_flagged_and_the_true_total_kept():
    text = RESNET18_TABLE.replace("7·7·3·64", "9,472")
    report = check_table(text, against=preset("resnet18"))
    assert [v.row_number for v in report.wrong] == [2]
    conv = report.verdicts[1]
    assert not conv.params_ok and conv.correct_params == 9_408
    assert "7·7·3·64 weights, no biases (bias=False) = 9,408, not 9,472" in conv.reason
    total = report.verdicts[-1]
    assert total.ok and total.correct_params == 11_689_512


def test_without_an_architecture_the_weights_alone_are_only_noted():
    report = check_table(RESNET18_TABLE, input_shape=(3, 224, 224))
    assert report.ok
    assert report.verdicts[1].params_note == "right without the bias (9,472 with it)"


def test_at_1x28x28_the_explanation_writes_the_shape_tables_count():
    arch = preset("resnet18")
    arch.input_shape = (1, 28, 28)
    conv1 = compute_table(arch).rows[0]
    assert conv1.params == 3_136
    report = check_table(RESNET18_TABLE, input_shape=(1, 28, 28), reference=arch)
    reason = report.verdicts[1].reason
    assert "parameters: 7·7·1·64 weights, no biases (bias=False) = 3,136, not 9,408" in reason
    assert "biases =" not in reason and "3,200" not in reason


def test_groups_dilation_and_same_come_from_the_layer():
    arch = Architecture.from_dict({"version": 1, "input_shape": [4, 20, 20], "layers": [
        {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "groups": 2, "dilation": 2, "padding": "same"},
        {"type": "Flatten"}, {"type": "Linear", "out_features": 10, "bias": False}]})
    row, _, fc = compute_table(arch).rows
    text = ("Operation,Size,Padding,Stride,Output size,Parameters\n"
            f"Conv,[3X3X2]X8,,1,[20X20X8],{row.params}\n"
            "Flatten,,,,3200,0\n"
            f"Fully connected,[3200]X10,,,10,{fc.params}\n")
    report = check_table(text, against=arch)
    assert report.ok, report_lines(report)
    assert [v.correct_params for v in report.verdicts] == [row.params, 0, fc.params] == [152, 0, 32_000]
    # the same table without the network: padding 0, groups 1, and biases
    alone = check_table(text, input_shape=(4, 20, 20))
    assert not alone.ok
    assert "kernel depth must equal the 4 channels" in alone.verdicts[0].reason
    # a wrong count names the groups and no bias
    wrong = text.replace(f",{row.params}\n", ",296\n", 1)
    v = check_table(wrong, against=arch).verdicts[0]
    assert "3·3·2·8 weights (in channels 4 / groups 2) + 8 biases = 152, not 296" in v.reason


def test_cli_shapes_check_judges_with_archs_own_settings(tmp_path, capsys):
    from visualizer.cli import main

    table = tmp_path / "t.tsv"
    table.write_text(RESNET18_TABLE, encoding="utf-8")
    assert main(["shapes", "resnet18", "--check", str(table)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["all 17 rows are right"]
    table.write_text(RESNET18_TABLE.replace("7·7·3·64", "9,472"), encoding="utf-8")
    assert main(["shapes", "resnet18", "--check", str(table), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    rows = {r["row"]: r for r in doc["rows"]}
    assert rows[2]["params_ok"] is False and rows[2]["correct_params"] == 9_408
    assert rows[17]["operation"] == "Total" and rows[17]["ok"] is True
    assert [r["row"] for r in doc["rows"] if not r["ok"]] == [2]


def test_a_conv_block_without_bias_may_count_its_batch_norm_but_not_biases():
    arch = Architecture.from_dict({"version": 1, "input_shape": [1, 28, 28], "layers": [
        {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1, "bias": False},
        {"type": "BatchNorm2d"}, {"type": "ReLU"}]})
    head = "Operation,Size,Padding,Stride,Output size,Parameters\n"
    weights, bn = 3 * 3 * 1 * 8, 2 * 8

    def verdict(count):
        return check_table(f"{head}Conv block,[3X3X1]X8,1,1,[28X28X8],{count}\n", against=arch).verdicts[0]

    assert verdict(weights).params_ok and verdict(weights + bn).params_ok
    v = verdict(weights + 8 + bn)  # counts biases the layer does not have
    assert not v.params_ok and "no biases (bias=False) = 72" in v.reason
    # with biases (no network given), weights + biases + batch norm and weights + batch norm are both taken
    alone = check_table(f"{head}Conv block,[3X3X1]X8,1,1,[28X28X8],{weights + 8 + bn}\n", input_shape=(1, 28, 28))
    assert alone.verdicts[0].params_ok
