"""The receptive field's text is consistent and true where a field covers the whole input (issue 27,
item 6): ResNet-18's average pool and its Linear layer say the same 627×627 field, and that it
covers the whole 224×224 input and padding; a Linear layer's field is the union of its
inputs' fields."""

from __future__ import annotations

from visualizer.core.architecture import Architecture, compute_table, preset
from visualizer.core.shape_text import rf_text
from visualizer.core.table_format import row_cells


def _rows(name_or_arch):
    arch = preset(name_or_arch) if isinstance(name_or_arch, str) else name_or_arch
    return {r.name: r for r in compute_table(arch).rows}


def test_resnet18_pool_flatten_and_linear_agree():
    rows = _rows("resnet18")
    pool, fc = rows["avgpool"], rows["fc"]
    # layer4's field is 435 at jump 32 over a 7×7 map: the pool's 7×7 window spans 435 + 6·32
    assert pool.rf_size == (627, 627) and pool.rf_jump == (224, 224)
    assert fc.rf_size == (627, 627) and fc.rf_jump is None  # the union of its one input's field
    assert row_cells(pool)[-1] == "627×627 (jump 224; whole input + padding)"
    assert row_cells(fc)[-1] == "627×627 (whole input + padding)"
    # no row claims a field that contradicts another: every field at least the input says so
    for r in compute_table(preset("resnet18")).rows:
        if r.rf_size is not None and min(r.rf_size) >= 224:
            assert "whole input" in row_cells(r)[-1]
        elif r.rf_size is not None:
            assert "whole" not in row_cells(r)[-1]


def test_a_linear_layer_sees_the_union_of_its_inputs_fields():
    # mnist-net1: 18×18 fields, jump 4, on a 7×7 map, flattened: 18 + 6·4 = 42 > 28
    rows = compute_table(preset("mnist-net1")).rows
    flat, fc = next(r for r in rows if r.type == "Flatten"), next(r for r in rows if r.type == "Linear")
    assert flat.rf_size == (18, 18) and flat.rf_jump == (4, 4)  # each value keeps its own
    assert fc.rf_size == (42, 42) and fc.rf_jump is None
    # a net that crops: valid 3×3 convs at stride 3 on 10×10 read only 9 of the 10 rows and columns
    arch = Architecture.from_dict({"version": 2, "name": "crop", "input_shape": [1, 10, 10], "layers": [
        {"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "stride": 3},
        {"type": "Flatten"}, {"type": "Linear", "out_features": 2}]})
    fc = compute_table(arch).rows[-1]
    assert fc.rf_size == (9, 9)  # 3 + (3 − 1)·3: not the whole input, and not said to be
    assert rf_text(fc.rf_size, fc.rf_jump, fc.rf_input) == "9×9 (all its inputs' fields)"


def test_rf_text_wording():
    assert rf_text((5, 5), (2, 2)) == "5×5 (jump 2)"
    assert rf_text((3, 5), (1, 2), (28, 28)) == "3×5 (jump 1×2)"
    assert rf_text((28, 28), (4, 4), (28, 28)) == "28×28 (jump 4; whole input)"
    assert rf_text((30, 28), (4, 4), (28, 28)) == "30×28 (jump 4; whole input + padding)"
    assert rf_text((30, 20), (4, 4), (28, 28)) == "30×20 (jump 4)"
    assert rf_text((28, 28), None) == "28×28 (whole input)"
    assert rf_text(None, None) == "?"
