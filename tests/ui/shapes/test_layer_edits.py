"""The Shapes tool's editing rules, status line and table-check state without Qt: what a typed
cell does to a layer, new layers and blocks, moves, and the session's check part."""

from __future__ import annotations

import pytest

from visualizer.core.architecture import LayerSpec, compute_table, preset
from visualizer.core.errors import UserInputError
from visualizer.ui.shapes import layer_edits as edits
from visualizer.ui.shapes import status
from visualizer.ui.shapes.check_state import CURRENT_NETWORK, NO_COMPARISON, TableCheckState


def test_a_pool_whose_stride_was_its_size_keeps_stepping_by_its_size():
    pool = LayerSpec("MaxPool2d", {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "ceil_mode": False})
    spec, what = edits.edited_spec(pool, "kernel", "3")
    assert spec.params["kernel_size"] == spec.params["stride"] == [3, 3] and what == "Set kernel size"
    assert pool.params["kernel_size"] == [2, 2]  # the original is not touched
    pool.params["stride"] = [1, 1]
    spec, _ = edits.edited_spec(pool, "kernel", "3")
    assert spec.params["stride"] == [1, 1]  # a stride the user chose stays
    conv = LayerSpec("Conv2d", {"out_channels": 8, "kernel_size": [3, 3], "stride": [3, 3]})
    assert edits.edited_spec(conv, "kernel", "5")[0].params["stride"] == [3, 3]  # a convolution's does not follow


def test_out_is_a_pair_for_an_adaptive_pool_and_a_count_elsewhere():
    spec, what = edits.edited_spec(LayerSpec("AdaptiveAvgPool2d", {"output_size": [1, 1]}), "out", "2x3")
    assert spec.params["output_size"] == [2, 3] and what == "Set output size"
    spec, what = edits.edited_spec(LayerSpec("Linear", {"out_features": 10}), "out", "12")
    assert spec.params["out_features"] == 12 and what == "Set out features"
    with pytest.raises(UserInputError):
        edits.edited_spec(LayerSpec("Linear", {"out_features": 10}), "out", "2x3")


def test_only_a_convolution_takes_same_or_valid_padding():
    conv = LayerSpec("Conv2d", {"out_channels": 8, "kernel_size": [3, 3], "padding": [1, 1]})
    assert edits.edited_spec(conv, "padding", "same")[0].params["padding"] == "same"
    pool = LayerSpec("MaxPool2d", {"kernel_size": [2, 2], "padding": [0, 0]})
    with pytest.raises(UserInputError):
        edits.edited_spec(pool, "padding", "same")
    assert edits.edited_spec(pool, "padding", "1")[0].params["padding"] == [1, 1]


def test_a_new_type_keeps_the_channels_that_arrive_and_unknown_types_are_refused():
    relu = LayerSpec("ReLU", {})
    spec, what = edits.edited_spec(relu, "type", "Conv2d", incoming=(16, 14, 14))
    assert spec.type == "Conv2d" and spec.params["out_channels"] == 16 and what == "Make Conv2d"
    with pytest.raises(UserInputError, match="unknown layer type"):
        edits.edited_spec(relu, "type", "Conv3d")


def test_a_block_has_only_its_name_to_edit():
    assert edits.field_applies("Residual", "name") and not edits.field_applies("Residual", "type")
    assert edits.field_applies("Conv2d", "dilation") and not edits.field_applies("MaxPool2d", "dilation")
    assert not edits.field_applies("ReLU", "out") and edits.field_applies("LeakyReLU", "other")


def test_new_layers_and_blocks_fit_what_arrives():
    assert edits.new_layer("Conv2d", (1, 28, 28)).params["out_channels"] == 8  # an image widens to 8
    assert edits.new_layer("Conv2d", (32, 7, 7)).params["out_channels"] == 32
    block = edits.new_block((64, 8, 8))
    assert block.is_block and [x.type for x in block.main] == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d",
                                                              "BatchNorm2d"]
    assert {x.params["out_channels"] for x in block.main if x.type == "Conv2d"} == {64} and block.shortcut == []


def test_moved_puts_rows_before_the_destination():
    a, b, c, d = (LayerSpec(t, {}) for t in ("ReLU", "Tanh", "Sigmoid", "Flatten"))
    layers, at = edits.moved([a, b, c, d], [0, 1], 3)
    assert [x.type for x in layers] == ["Sigmoid", "ReLU", "Tanh", "Flatten"] and at == 1
    layers, at = edits.moved([a, b, c, d], [3], 0)
    assert [x.type for x in layers] == ["Flatten", "ReLU", "Tanh", "Sigmoid"] and at == 0


def test_the_status_line_names_the_first_bad_row_and_counts_the_rest():
    arch = preset("mnist-net1")
    table = compute_table(arch)
    text, kind = status.status_line(table, table.rows, None)
    assert kind == "" and text.startswith(f"{len(table.rows)} layers · output 10 · 21,690 parameters")
    rows = [r for r in table.rows]
    bad = [type("Row", (), {"ok": False, "error": "too small", "name": f"bad{i}"})() for i in range(3)]
    problem = status.first_problem(bad + rows, [], focused=False)
    assert problem == (0, "too small")
    assert status.status_line(table, bad + rows, problem) == ("Row 1 (bad0): too small (2 more bad rows)", "bad")
    assert status.first_problem(rows, bad, focused=True) == (-1, "bad0: too small")
    assert status.first_problem(rows, bad, focused=False) is None


def test_the_check_state_announces_changes_and_restores_old_sessions():
    calls = []
    check = TableCheckState(changed=lambda: calls.append(1))
    assert check.against == CURRENT_NETWORK
    check.set("Operation\n", None, None)
    check.set("Operation\n", CURRENT_NETWORK, "")  # nothing new: not announced
    assert calls == [1] and check.to_dict() == {"text": "Operation\n", "against": CURRENT_NETWORK, "input": ""}
    old = TableCheckState(changed=lambda: None)
    old.restore({"text": "", "against": NO_COMPARISON, "input": 5})  # an old default; a number is skipped
    assert (old.text, old.against, old.input) == ("", CURRENT_NETWORK, "")
    old.restore({"text": "a", "against": NO_COMPARISON})
    assert old.against == NO_COMPARISON
    old.restore("not a dict")
    assert old.text == "a"
