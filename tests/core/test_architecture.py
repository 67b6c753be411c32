"""The shape calculator's core, held against real torch modules on the meta device."""

from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from visualizer.core.architecture import (
    LAYER_TYPES,
    PARAM_SPECS,
    SCHEMA_VERSION,
    Architecture,
    LayerSpec,
    build_torch_module,
    compute_table,
    default_params,
    preset,
    preset_names,
    shape_text,
    torch_check,
)
from visualizer.core.errors import UserInputError

# torchvision's published parameter counts (torchvision.models docs), typed in independently.
TORCHVISION_PARAMS = {
    "vgg11": 132_863_336, "vgg11-bn": 132_868_840,
    "vgg13": 133_047_848, "vgg13-bn": 133_053_736,
    "vgg16": 138_357_544, "vgg16-bn": 138_365_992,
    "vgg19": 143_667_240, "vgg19-bn": 143_678_248,
    "alexnet": 61_100_840,
}


def _meta_run(arch: Architecture):
    with torch.device("meta"):
        net = build_torch_module(arch)
    x = torch.empty((1, *arch.input_shape), device="meta")
    with FlopCounterMode(display=False) as counter:
        y = net(x)
    return net, y, counter.get_total_flops()


# --- presets -------------------------------------------------------------------------------
def test_preset_names_cover_the_issue():
    names = set(preset_names())
    for base in ("vgg11", "vgg13", "vgg16", "vgg19"):
        assert {base, f"{base}-bn"} <= names
    assert {"lenet5", "alexnet", "mnist-net1", "mnist-net2"} <= names


@pytest.mark.parametrize("name", sorted(TORCHVISION_PARAMS))
def test_big_presets_match_torchvision_counts(name):
    table = compute_table(preset(name))
    assert table.ok
    assert table.total_params == TORCHVISION_PARAMS[name]
    assert table.output_shape == (1000,)


def test_mnist_nets_parameter_counts_and_shapes():
    t1 = compute_table(preset("mnist-net1"))
    t2 = compute_table(preset("mnist-net2"))
    assert t1.total_params == 21_690
    assert t2.total_params == 4_350
    assert [r.output_shape for r in t1.rows if r.type == "MaxPool2d"] == [(8, 14, 14), (16, 7, 7)]
    assert t1.rows[-1].type == "Softmax" and t1.output_shape == (10,)
    assert t2.rows[-2].input_shape == (392,)  # Linear receives 8·7·7
    # BN running statistics are buffers, not parameters: 2·C + torch's batch counter.
    bn = t1.rows[1]
    assert (bn.type, bn.params, bn.trainable_params, bn.buffers) == ("BatchNorm2d", 16, 16, 17)


def test_vgg16_macs_convention():
    table = compute_table(preset("vgg16"))
    conv = sum(r.macs for r in table.rows if r.type == "Conv2d")
    fc = sum(r.macs for r in table.rows if r.type == "Linear")
    assert fc == 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert table.total_macs == conv + fc  # nothing else counts
    assert round(table.total_macs / 1e9, 2) == 15.47
    assert table.total_flops == 2 * table.total_macs


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_agrees_with_torch(name):
    arch = preset(name)
    assert torch_check(arch) == []
    table = compute_table(arch)
    net, y, flops = _meta_run(arch)
    assert tuple(y.shape[1:]) == table.output_shape
    assert sum(p.numel() for p in net.parameters()) == table.total_params
    assert sum(b.numel() for b in net.buffers()) == table.total_buffers
    assert flops == 2 * table.total_macs


def test_preset_is_a_fresh_copy_and_unknown_name_lists_presets():
    a = preset("mnist-net1")
    a.layers.clear()
    assert len(preset("mnist-net1").layers) == 14
    assert preset("VGG16_BN").name == "vgg16-bn"
    with pytest.raises(UserInputError, match="mnist-net1"):
        preset("resnet50")


# --- JSON ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", preset_names())
def test_json_round_trip(name, tmp_path):
    arch = preset(name)
    doc = arch.to_dict()
    assert doc["schema"] == "convviz.architecture" and doc["version"] == SCHEMA_VERSION
    assert Architecture.from_dict(json.loads(json.dumps(doc))) == arch
    path = tmp_path / f"{name}.json"
    arch.save(path)
    assert Architecture.load(path) == arch
    assert Architecture.from_json(arch.to_json()) == arch


def test_short_forms_are_normalised():
    arch = Architecture.from_dict({"version": 1, "input_shape": [1, 28, 28], "layers": [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 5},
        {"type": "maxpool2d", "kernel_size": [2, 3]},
        {"type": "Linear", "out_features": 3},
    ]})
    conv, pool, fc = arch.layers
    assert conv.type == "Conv2d" and conv.params["kernel_size"] == [5, 5] and conv.params["padding"] == [0, 0]
    assert pool.params["stride"] == [2, 3]  # a pool's stride defaults to its window
    assert fc.params == {"out_features": 3, "bias": True}


@pytest.mark.parametrize("doc, message", [
    ([], "must be a JSON object"),
    ({"input_shape": [1, 28, 28], "layers": []}, "version: missing"),
    ({"version": 99, "input_shape": [1, 28, 28], "layers": []}, "version: the file is version 99"),
    ({"version": 1, "schema": "other", "input_shape": [1, 28, 28], "layers": []}, "schema:"),
    ({"version": 1, "layers": []}, "input_shape: missing"),
    ({"version": 1, "input_shape": [1, 28], "layers": []}, "input_shape: must be three"),
    ({"version": 1, "input_shape": [1, 0, 28], "layers": []}, "input_shape: must be three"),
    ({"version": 1, "input_shape": [1, 28, 28]}, "layers: missing"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": {}}, "layers: must be a list"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Conv2d"}]},
     "layers[0].out_channels: Conv2d needs this setting"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "ReLU"}, {"type": "ReLU"}, {"type": "ReLU"},
      {"type": "Conv2d", "out_channels": 3, "kernel_size": -1}]},
     "layers[3].kernel_size: must be a positive integer or [h, w], got -1"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Conv2d", "out_channels": 3,
      "kernal_size": 3}]}, "layers[0].kernal_size: Conv2d has no setting \"kernal_size\" (did you mean kernel_size?)"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Conv"}]}, "layers[0].type: unknown layer type"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"kernel_size": 3}]}, "layers[0].type: missing"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Dropout", "p": 1.5}]},
     "layers[0].p: must be between 0 and 1"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Conv2d", "out_channels": 3,
      "kernel_size": 3, "padding": "half"}]}, "layers[0].padding:"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Conv2d", "out_channels": 3,
      "kernel_size": 3, "padding": "same", "stride": 2}]}, "layers[0].padding: \"same\" needs stride 1"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [{"type": "Linear", "out_features": 2,
      "bias": "yes"}]}, "layers[0].bias: must be true or false"),
    ({"version": 1, "input_shape": [1, 28, 28], "layers": [], "colour": "red"}, "colour: unknown field"),
])
def test_bad_documents_name_the_field(doc, message):
    with pytest.raises(UserInputError) as info:
        Architecture.from_dict(doc)
    assert message in str(info.value)


def test_load_errors_are_user_errors(tmp_path):
    with pytest.raises(UserInputError, match="no such file"):
        Architecture.load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\"version\": 1,,}")
    with pytest.raises(UserInputError, match=r"bad.json: not valid JSON \(line 1"):
        Architecture.load(bad)
    with pytest.raises(UserInputError, match="is a folder"):
        Architecture.load(tmp_path)


def test_default_params_are_valid_for_every_type():
    for t in LAYER_TYPES:
        params = default_params(t)
        assert set(params) <= set(PARAM_SPECS[t])
        table = compute_table(Architecture((3, 16, 16), [LayerSpec(t, params)]))
        assert table.rows[0].error is None or t == "Linear"  # Linear needs Flatten first
