"""The hand-written table checker: correct tables pass, planted mistakes are explained."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visualizer.core.architecture import Architecture, LayerSpec, compute_table, preset
from visualizer.core.errors import UserInputError
from visualizer.core.table_check import check_table, parse_size, parse_table, report_lines, report_to_dict
from visualizer.resources import resource_path

ISSUE_EXAMPLE = (
    "Operation\tSize\tPadding\tStride\tOutput size\n"
    "Conv block\t[3X3X1]X16\t[1 1]\t1\t[28X28X16]\n"
    "Pool 2D\t[2 2]\tN/A\tN/A\t[14X14X16]\n"
    "Fully connected\t[14·14·16]X10\tN/A\tN/A\t[1X1X10]\n"
)
HEADER = "Operation,Size,Padding,Stride,Output size\n"


def test_issue_example_parses_and_is_right():
    rows = parse_table(ISSUE_EXAMPLE)
    assert [r.row_number for r in rows] == [1, 2, 3]
    assert [r.operation for r in rows] == ["Conv block", "Pool 2D", "Fully connected"]
    assert [r.claimed_output for r in rows] == [(16, 28, 28), (16, 14, 14), (10, 1, 1)]
    assert rows[0].cells["Size"] == "[3X3X1]X16" and rows[0].role_headers["output"] == "Output size"
    report = check_table(ISSUE_EXAMPLE, input_shape=(1, 28, 28))
    assert report.ok and all(v.ok and v.reason == "" for v in report.verdicts)
    assert report_lines(report) == ["all 3 rows are right"]


@pytest.mark.parametrize("text, shape", [
    ("[28X28X16]", (16, 28, 28)), ("28x28x16", (16, 28, 28)), ("28×28×16", (16, 28, 28)),
    ("28*28*16", (16, 28, 28)), ("[28·28·16]", (16, 28, 28)), ("(28, 28, 16)", (16, 28, 28)),
    ("[28 28 16]", (16, 28, 28)), ("10", (10,)), ("[1X1X10]", (10, 1, 1)),
    ("N/A", None), ("", None), ("28x28", None), ("big", None), ("[0X28X1]", None),
])
def test_claimed_sizes_are_read_h_w_c(text, shape):
    assert parse_size(text) == shape


def test_the_correct_mnist_net1_table_passes_against_the_preset():
    text = resource_path("architectures", "tables", "mnist-net1.tsv").read_text(encoding="utf-8")
    report = check_table(text, against=preset("mnist-net1"))  # input 1×28×28 from the preset
    assert report.ok, report_lines(report)
    assert report.missing == [] and report.extra == []
    assert report_lines(report, "mnist-net1") == ["all 8 rows are right and match mnist-net1"]


def test_planted_mistakes_in_mnist_net1_table():
    text = resource_path("architectures", "tables", "mnist-net1-with-mistakes.csv").read_text(encoding="utf-8")
    report = check_table(text, against=preset("mnist-net1"))
    wrong = {v.row_number: v for v in report.wrong}
    assert set(wrong) == {2, 4}
    assert wrong[2].claimed == "[28X28X8]" and wrong[2].correct == "[30X30X8]"
    assert wrong[2].reason == ("padding 2 with a 3×3 kernel at stride 1 grows 28×28 to 30×30; "
                               "padding 1 keeps 28×28")
    assert wrong[2].wrong_cells == ("Output size",)
    assert wrong[4].correct == "[14X14X16]" and wrong[4].reason == "16 kernels give 16 channels, not 8"
    # Row 5 claims 7×7×16, which follows from the corrected row 4: not a second mistake.
    assert report.missing == ["conv 3×3, 32 kernels: layer 9 (conv3) of mnist-net1 has no row in the table"]
    assert report.extra == []
    assert not report.ok


@pytest.mark.parametrize("row, correct, reason_part", [
    ("Conv,[3x3x1]x16,0,1,[28x28x16]", "[26x26x16]", "padding 0 with a 3×3 kernel at stride 1 shrinks 28×28 to 26×26; "
                                                      "padding 1 keeps 28×28"),
    ("Conv,[5X5X1]X6,N/A,2,[14X14X6]", "[12X12X6]", "stride 2 shrinks 28×28 to 12×12"),
    ("Conv,[3X3X3]X16,1,1,[28X28X16]", "[28X28X16]", "the kernel depth must equal the 1 channels that arrive, not 3"),
    ("Max pool,[2 2],N/A,N/A,[28X28X1]", "[14X14X1]", "a 2×2 pool at stride 2 halves 28×28 to 14×14"),
    ("Pool,3,N/A,1,[9X9X1]", "[26X26X1]", "a 3×3 pool at stride 1 shrinks 28×28 to 26×26"),
    ("ReLU,,,,[28X28X2]", "[28X28X1]", "ReLU does not change the shape: it stays 28×28×1"),
    ("Flatten,,,,[1X1X728]", "[1X1X784]", "flattening 28×28×1 gives 28·28·1 = 784 values"),
    ("Fully connected,[14·14·16]X10,N/A,N/A,10", "10", "takes 28·28·1 = 784 inputs, not 3136 (14·14·16)"),
    ("Fully connected,10,N/A,N/A,[1X1X12]", "[1X1X10]", "a fully connected layer with 10 outputs gives 10 values"),
    ("Conv,[30X30X1]X4,0,1,[1X1X4]", "impossible", "a 30×30 kernel does not fit a 28×28 map with padding 0"),
    ("Conv,[3X3X1]X4,1,1,twenty", "[28X28X4]", "cannot read the claimed output 'twenty'"),
    ("Conv,three,1,1,[28X28X4]", "?", "cannot read the kernel size 'three'"),
    ("Upsample,2,,,[56X56X1]", "?", "cannot check the operation 'Upsample'"),
    ("Global average pool,,,,[2X2X1]", "[1X1X1]", "a global pool turns each of the 1 channels into one value"),
    ("GAP,,,,[2X2X1]", "[1X1X1]", "a global pool turns each of the 1 channels into one value"),
])
def test_single_planted_mistake_is_explained(row, correct, reason_part):
    report = check_table(HEADER + row + "\n", input_shape=(1, 28, 28))
    (v,) = report.verdicts
    assert not v.ok and not report.ok
    assert v.correct == correct
    assert reason_part in v.reason, v.reason
    line = report_lines(report)[0]
    assert line.startswith(f"row 1 ({row.split(',')[0]}): claimed ") and f"correct {correct}: " in line


def test_right_rows_in_many_notations():
    text = HEADER + "\n".join([
        "Conv,3x3x1x8,[1 1],1,28x28x8",
        "Batch norm,,,,28×28×8",
        "Max pooling,2,,,14*14*8",
        'Conv 2,"[3X3X8]X16","1",2,[7·7·16]',
        "Dropout,,,,[7X7X16]",
        "Flatten,,,,784",
        "Dense,[784]X10,,,[1X1X10]",
        "Softmax,,,,10",
    ]) + "\n"
    report = check_table(text, input_shape=(1, 28, 28))
    assert report.ok, report_lines(report)


def test_markdown_and_semicolon_tables_and_an_input_row():
    md = ("| Layer | Kernel | Pad | Stride | Output |\n|---|---|---|---|---|\n"
          "| Input | | | | [32X32X3] |\n| Conv | [5X5X3]X6 | 0 | 1 | [28X28X6] |\n")
    assert check_table(md).ok
    semi = "Layer;Kernel;Pad;Stride;Out\nInput;;;;[32X32X3]\nConv;[5X5X3]X6;0;1;[28X28X6]\n"
    assert check_table(semi).ok
    wrong_input = check_table(semi, input_shape=(1, 28, 28))
    assert wrong_input.wrong[0].reason == "the network takes 28×28×1 inputs"


def test_against_names_missing_and_extra_layers():
    text = HEADER + "\n".join([
        "Conv,[3X3X1]X8,1,1,[28X28X8]",
        "Pool,2,,,[14X14X8]",
        "Conv,[5X5X8]X16,2,1,[14X14X16]",
        "Fully connected,,,,10",
    ]) + "\n"
    report = check_table(text, against=preset("mnist-net1"))
    assert all(v.ok for v in report.verdicts)
    assert report.extra == ["row 3 (Conv): conv 5×5, 16 kernels has no counterpart in mnist-net1"]
    assert report.missing == [
        "conv 3×3, 16 kernels: layer 5 (conv2) of mnist-net1 has no row in the table",
        "pool 2×2: layer 8 (maxpool2) of mnist-net1 has no row in the table",
        "conv 3×3, 32 kernels: layer 9 (conv3) of mnist-net1 has no row in the table",
    ]
    lines = report_lines(report)
    assert lines[0].startswith("missing: conv 3×3, 16 kernels") and lines[-1].startswith("extra: row 3")
    assert report_to_dict(report)["ok"] is False


@pytest.mark.parametrize("text, message", [
    ("", "the table is empty"),
    ("Operation,Size\nConv,3\n", "the header has no output column"),
    ("just one column\nrow\n", "cannot find the columns"),
    (HEADER, "the table has a header but no rows"),
    (HEADER + "Conv,[3X3X1]X16,1,1,[28X28X16],oops\n", "row 1 has 6 cells but the header has 5"),
])
def test_unreadable_tables_are_user_errors(text, message):
    with pytest.raises(UserInputError, match=message.replace("(", r"\(")):
        check_table(text, input_shape=(1, 28, 28))


def test_input_size_must_be_known():
    with pytest.raises(UserInputError, match="does not say the input size"):
        check_table(ISSUE_EXAMPLE)


# --- generated tables from real architectures (truth from compute_table, itself held against torch)
def _table_for(arch: Architecture, flatten_row: bool) -> tuple[str, list[tuple]]:
    lines, truths = [HEADER.strip()], []
    for spec, row in zip(arch.layers, compute_table(arch).rows):
        p = spec.params
        if spec.type == "Conv2d":
            c, h, w = row.output_shape
            lines.append(f"Conv,[{p['kernel_size'][0]}X{p['kernel_size'][1]}X{row.input_shape[0]}]X{c},"
                         f"[{p['padding'][0]} {p['padding'][1]}],[{p['stride'][0]} {p['stride'][1]}],[{h}X{w}X{c}]")
        elif spec.type == "MaxPool2d":
            c, h, w = row.output_shape
            lines.append(f"Max pool,[{p['kernel_size'][0]} {p['kernel_size'][1]}],"
                         f"[{p['padding'][0]} {p['padding'][1]}],[{p['stride'][0]} {p['stride'][1]}],[{h}X{w}X{c}]")
        elif spec.type == "ReLU":
            c, h, w = row.output_shape if len(row.output_shape) == 3 else (row.output_shape[0], 1, 1)
            lines.append(f"ReLU,,,,[{h}X{w}X{c}]")
        elif spec.type == "Flatten":
            if not flatten_row:
                continue
            lines.append(f"Flatten,,,,{row.output_shape[0]}")
        elif spec.type == "Linear":
            lines.append(f"Fully connected,[{row.input_shape[0]}]X{row.output_shape[0]},N/A,N/A,"
                         f"[1X1X{row.output_shape[0]}]")
        truths.append(row.output_shape)
    return "\n".join(lines) + "\n", truths


_gen_layer = st.one_of(
    st.builds(lambda c, k, s, p: LayerSpec("Conv2d", {"out_channels": c, "kernel_size": k, "stride": s,
                                                      "padding": min(p, k)}),
              st.integers(1, 8), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2)),
    st.builds(lambda k, s, p: LayerSpec("MaxPool2d", {"kernel_size": k, "stride": s, "padding": min(p, k // 2)}),
              st.integers(1, 3), st.integers(1, 3), st.integers(0, 1)),
    st.just(LayerSpec("ReLU")),
)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(8, 40), st.lists(_gen_layer, min_size=1, max_size=5),
       st.integers(2, 12), st.booleans(), st.data())
def test_generated_tables_pass_and_one_planted_mistake_is_found(cin, size, layers, n_out, flatten_row, data):
    from visualizer.core.architecture import normalize_params

    layers = [LayerSpec(s.type, normalize_params(s.type, s.params)) for s in layers]
    arch = Architecture((cin, size, size), layers + [LayerSpec("Flatten", {}),
                                                     LayerSpec("Linear", normalize_params("Linear", {"out_features": n_out}))])
    assume(compute_table(arch).ok)
    text, truths = _table_for(arch, flatten_row)
    report = check_table(text, input_shape=arch.input_shape, against=arch)
    assert report.ok, report_lines(report)
    # Plant one mistake: one more row (or value) than the truth in one claimed output.
    lines = text.splitlines()
    i = data.draw(st.integers(1, len(lines) - 1), label="row")
    head, _, claim = lines[i].rpartition(",")
    nums = [int(n) for n in claim.strip("[]").split("X")]
    nums[0] += 1
    lines[i] = f"{head},[{'X'.join(map(str, nums))}]" if "[" in claim else f"{head},{nums[0]}"
    report = check_table("\n".join(lines) + "\n", input_shape=arch.input_shape)
    assert [v.row_number for v in report.wrong] == [i]
    truth = truths[i - 1]
    assert math.prod(report.wrong[0].correct_shape) == math.prod(truth)
    assert report.wrong[0].reason


# --- parameter counts --------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("21690", 21690), ("21,690", 21690), ("21 690", 21690), ("3·3·1·16 + 16", 160), ("(3*3*1+1)x16", 160),
    ("3×3×8×16+16", 1168), ("lots", None), ("2**10", None), ("1,2", None), ("", None),
])
def test_parameter_counts_are_read(text, value):
    from visualizer.core.table_check import parse_count

    assert parse_count(text) == value


def test_table_with_parameter_column_and_total_passes():
    text = resource_path("architectures", "tables", "mnist-net1-with-params.csv").read_text(encoding="utf-8")
    report = check_table(text, against=preset("mnist-net1"))
    assert report.ok, report_lines(report)
    # The conv blocks there count their batch norm: the total is the preset's own.
    assert report.verdicts[-1].correct_params == compute_table(preset("mnist-net1")).total_params == 21_690


@pytest.mark.parametrize("row, params, reason", [
    ("Conv,[3X3X1]X16,1,1,[28X28X16]", "150", "parameters: 3·3·1·16 weights + 16 biases = 160, not 150"),
    ("Conv,[3X3X1]X16,1,1,[28X28X16]", "?", "cannot read the parameter count '?'"),
    ("Max pool,2,,,[14X14X1]", "4", "parameters: it has no weights, not 4"),
    ("Batch norm,,,,[28X28X1]", "4", "running mean and variance are buffers, not trained parameters"),
    ("Fully connected,,,,10", "7860", "parameters: 784·10 weights + 10 biases = 7,850, not 7,860"),
])
def test_wrong_parameter_counts_are_explained(row, params, reason):
    text = "Operation,Size,Padding,Stride,Output size,# Params\n" + f"{row},{params}\n"
    report = check_table(text, input_shape=(1, 28, 28))
    (v,) = report.verdicts
    assert not v.ok and not v.params_ok and reason in v.reason, v.reason
    assert v.wrong_cells == ("# Params",)
    assert report_lines(report)[0].startswith(f"row 1 ({row.split(',')[0]}): claimed {params} parameters, correct ")


def test_conv_without_bias_is_accepted_and_totals_follow_the_rows():
    text = ("Operation,Size,Padding,Stride,Output size,Parameters\n"
            "Conv,[3X3X1]X4,1,1,[28X28X4],36\nFully connected,,,,10,31370\nTotal,,,,,31400\n")
    report = check_table(text, input_shape=(1, 28, 28))
    assert [v.ok for v in report.verdicts] == [True, True, False]
    assert report.verdicts[2].reason == "the rows above add up to 31,406 parameters, not 31,400"


def test_columns_are_found_by_name_in_any_order():
    text = ("Output size\tStride\tInput size\tLayer\tKernel size\tPadding\n"
            "[28X28X4]\t1\t[28X28X1]\tConv\t[3X3X1]X4\t1\n"
            "[14X14X4]\t\t[28X28X4]\tMax pool\t2\t\n")
    rows = parse_table(text)
    assert rows[0].role_headers == {"output": "Output size", "operation": "Layer", "padding": "Padding",
                                    "stride": "Stride", "size": "Kernel size"}
    assert check_table(text, input_shape=(1, 28, 28)).ok


_cell = st.one_of(st.sampled_from(["Conv", "Pool", "Fully connected", "ReLU", "Flatten", "Input", "Total", "GAP",
                                   "[3X3X1]X16", "[2 2]", "N/A", "1", "same", "[28X28X16]", "10", "[1X1X10]",
                                   "3·3·1·16 + 16", "(((", "[", "x", "0", "[0X0X0]", '"', "|", "\t"]),
                  st.text(max_size=8))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_cell, min_size=1, max_size=7), min_size=0, max_size=6),
       st.sampled_from([",", "\t", ";", " | "]))
def test_any_text_gives_a_report_or_a_user_error(rows, sep):
    text = "\n".join([sep.join(["Operation", "Size", "Padding", "Stride", "Output size", "Params"])]
                     + [sep.join(r) for r in rows])
    try:
        report = check_table(text, input_shape=(1, 28, 28), against=preset("mnist-net2"))
    except UserInputError:
        return
    for line in report_lines(report):
        assert "\n" not in line
    assert report.ok == (not report.wrong and not report.missing and not report.extra)


def test_a_number_of_thousands_of_digits_is_one_clean_error():
    for cell in ("[28X28X" + "9" * 5000 + "]", "9" * 5000):
        text = f"Operation,Size,Padding,Stride,Output size,Params\nConv,[3X3X1]X16,1,1,{cell},160\n"
        with pytest.raises(UserInputError, match=r"row 1, Output size: a number with thousands of digits \(5,000\)"):
            check_table(text, input_shape=(1, 28, 28))
    # a product of many 15-digit numbers is unreadable, not a number Python refuses to print
    big = "*".join(["999999999999999"] * 400)
    report = check_table(f"Operation,Size,Padding,Stride,Output size,Params\nConv,[3X3X1]X16,1,1,[28X28X16],{big}\n",
                         input_shape=(1, 28, 28))
    assert not report.verdicts[0].params_ok and "cannot read the parameter count" in report.verdicts[0].reason


def test_same_padding_reason_writes_the_padding_it_implies():
    text = "Operation,Size,Padding,Stride,Output size\nConv,[3X3X1]X8,same,1,[27X27X8]\n"
    (v,) = check_table(text, input_shape=(1, 28, 28)).verdicts
    assert "'same' padding (1 on each side)" in v.reason
    assert "⌊(28 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊27 / 1⌋ + 1 = 28" in v.reason, v.reason
    assert "2·0" not in v.reason
    # an even kernel pads one more after (torch's 'same')
    text = "Operation,Size,Padding,Stride,Output size\nConv,[4X4X1]X8,same,1,[26X26X8]\n"
    (v,) = check_table(text, input_shape=(1, 28, 28)).verdicts
    assert "(1 before, 2 after)" in v.reason and "⌊(28 + 1 + 2 − 1·(4 − 1) − 1) / 1⌋" in v.reason, v.reason


def test_reasons_use_the_apps_formula_notation():
    text = "Operation,Size,Padding,Stride,Output size\nConv,[5X5X1]X8,1,2,[20X20X8]\nMax pool,3,0,2,[8X8X8]\n"
    report = check_table(text, input_shape=(1, 28, 28))
    assert "⌊(28 + 2·1 − 1·(5 − 1) − 1) / 2⌋ + 1 = ⌊25 / 2⌋ + 1 = 13" in report.verdicts[0].reason
    assert "⌊(20 + 2·0 − 1·(3 − 1) − 1) / 2⌋ + 1 = ⌊17 / 2⌋ + 1 = 9" in report.verdicts[1].reason


def test_batch_norm_claiming_no_parameters_is_flagged():
    text = "Operation,Size,Padding,Stride,Output size,Params\nBatch norm,,,,[28X28X1],0\n"
    (v,) = check_table(text, input_shape=(1, 28, 28)).verdicts
    assert not v.params_ok and "learns a scale γ and a shift β" in v.reason and "buffers" in v.reason


def test_weights_only_count_is_marked_not_silently_right():
    text = ("Operation,Size,Padding,Stride,Output size,Parameters\n"
            "Flatten,,,,25088,0\nFully connected,,,,4096,102760448\n")
    report = check_table(text, input_shape=(512, 7, 7))
    v = report.verdicts[1]
    assert v.ok and v.params_note == "right without the bias (102,764,544 with it)"
    lines = report_lines(report)
    assert lines[-1] == ("note: row 2 (Fully connected): 102760448 parameters is right without the bias "
                         "(102,764,544 with it)")
    assert report_to_dict(report)["rows"][1]["params_note"].startswith("right without the bias")


def test_resnet18_table_with_block_rows_is_right_and_matches_the_preset():
    text = resource_path("architectures", "tables", "resnet18.tsv").read_text(encoding="utf-8")
    report = check_table(text, against=preset("resnet18"))
    assert report.ok, report_lines(report)
    assert [v.kind for v in report.verdicts].count("block") == 8
    assert report.verdicts[-1].correct_params == 11_689_512


def test_a_wrong_block_row_is_explained_and_a_missing_block_named():
    text = resource_path("architectures", "tables", "resnet18.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[8] = "Residual block layer2.0\t[3X3X64]X128\t1\t2\t[56X56X128]\t230144"  # forgot the stride
    del lines[7]  # layer1.1
    report = check_table("\n".join(lines), against=preset("resnet18"))
    wrong = report.wrong
    assert [v.operation for v in wrong if v.kind == "block"] == ["Residual block layer2.0"]
    reason = wrong[0].reason
    assert "first 3×3 convolution at stride 2 with padding 1 halves 56×56 to 28×28" in reason, reason
    assert "⌊(56 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1" in reason and "1×1 convolution at stride 2" in reason
    assert report.missing == ["residual block, 64 channels: layer 5 (layer1.0) of resnet18 has no row in the table"]
    # the row after is judged from the corrected shape: no second blame
    assert [v.operation for v in report.wrong] == ["Residual block layer2.0", "Total"]


@pytest.mark.parametrize("cell", ["3²", "²", "[28X28X¹⁶]", "٣"])
def test_unicode_digits_that_int_cannot_read_are_a_report_not_a_crash(cell):
    # str.isdigit() is true for superscripts, which int() refuses (found by the property test above).
    text = "Operation,Size,Padding,Stride,Output size,Params\nconv," + cell + ",1,1," + cell + ",80"
    try:
        report = check_table(text, input_shape=(1, 28, 28), against=preset("mnist-net2"))
    except UserInputError:
        return
    assert report_lines(report)
