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
    net.eval()  # BatchNorm in training mode refuses a single value per channel
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
    # version 2 only where a block needs it, so an older ConvViz reads the rest
    assert doc["schema"] == "convviz.architecture" and doc["version"] == (2 if name.startswith("resnet") else 1) <= SCHEMA_VERSION
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
    with pytest.raises(UserInputError, match=r"bad.json is not valid JSON \(.*line 1"):
        Architecture.load(bad)
    with pytest.raises(UserInputError, match="is a folder"):
        Architecture.load(tmp_path)


def test_default_params_are_valid_for_every_type():
    for t in LAYER_TYPES:
        params = default_params(t)
        assert set(params) <= set(PARAM_SPECS[t])
        table = compute_table(Architecture((3, 16, 16), [LayerSpec(t, params)]))
        assert table.rows[0].error is None or t == "Linear"  # Linear needs Flatten first


# --- invalid layers: flagged on their own row, later rows continue ---------------------------
def _arch(shape, *layers):
    return Architecture(shape, [LayerSpec(t, p) for t, p in layers])


def test_kernel_that_does_not_fit_is_flagged_and_later_rows_continue():
    arch = _arch((1, 3, 3), ("Conv2d", {"out_channels": 4, "kernel_size": 5}), ("ReLU", {}),
                 ("Flatten", {}), ("Linear", {"out_features": 10}), ("Linear", {"out_features": 5}))
    rows = compute_table(arch).rows
    assert rows[0].error == "the 5×5 kernel does not fit the 3×3 map with padding 0"
    assert rows[0].output_shape is None and rows[0].output_hint == (4, None, None)
    assert rows[0].params == 4 * 25 + 4  # the weights are known even though the map is not
    assert rows[1].ok and rows[1].output_hint == (4, None, None) and shape_text(rows[1].output_hint) == "4×?×?"
    assert rows[3].ok and rows[3].output_shape == (10,) and not rows[3].known  # its params are unknown
    assert rows[4].ok and rows[4].known and rows[4].params == 55 and rows[4].output_shape == (5,)
    assert not compute_table(arch).ok
    with pytest.raises(UserInputError, match="layer 1 \\(conv1\\): the 5×5 kernel does not fit"):
        build_torch_module(arch)


@pytest.mark.parametrize("shape, layers, message", [
    ((1, 28, 28), [("Flatten", {}), ("Linear", {"out_features": 10, "in_features": 100})],
     "in_features is 100, but 784 values arrive"),
    ((1, 28, 28), [("Linear", {"out_features": 10})], "add a Flatten before it"),
    ((3, 1, 1), [("MaxPool2d", {"kernel_size": 2})], "the 2×2 pool empties the 1×1 map"),
    ((3, 8, 8), [("MaxPool2d", {"kernel_size": 2, "padding": 2})], "more than half the 2×2 pool window"),
    ((3, 8, 8), [("Conv2d", {"out_channels": 4, "kernel_size": 3, "groups": 2})],
     "groups 2 must divide the 3 input channels"),
    ((4, 8, 8), [("Conv2d", {"out_channels": 3, "kernel_size": 3, "groups": 2})],
     "groups 2 must divide the 3 output channels"),
    ((3, 8, 8), [("Flatten", {}), ("Conv2d", {"out_channels": 4, "kernel_size": 3})],
     "Conv2d needs a C×H×W feature map, but a flat vector of 192 values arrives"),
    ((3, 8, 8), [("Flatten", {}), ("BatchNorm2d", {})], "BatchNorm2d needs a C×H×W feature map"),
    ((3, 5, 5), [("Conv2d", {"out_channels": 4, "kernel_size": 3, "dilation": 3})],
     "the 3×3 kernel (dilation 3 spans 7×7) does not fit the 5×5 map with padding 0"),
    ((3, 8, 8), [("Conv3d", {})], "unknown layer type \"Conv3d\""),
    ((3, 8, 8), [("Conv2d", {"out_channels": 4, "kernel_size": -1})], "kernel_size: must be a positive integer"),
])
def test_invalid_layers_are_explained_and_torch_refuses_them_too(shape, layers, message):
    arch = _arch(shape, *layers)
    bad = [r for r in compute_table(arch).rows if r.error]
    assert len(bad) == 1 and message in bad[0].error, bad[0].error
    assert torch_check(arch) == []  # torch fails exactly where the table says (or refuses by policy)


def test_padding_modes_and_ceil_mode():
    arch = _arch((2, 7, 9), ("Conv2d", {"out_channels": 4, "kernel_size": [3, 5], "padding": "same",
                                        "dilation": 2}),
                 ("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "valid"}),
                 ("MaxPool2d", {"kernel_size": 2, "ceil_mode": True}),
                 ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}))
    rows = compute_table(arch).rows
    assert [r.output_shape for r in rows] == [(4, 7, 9), (4, 5, 7), (4, 3, 4), (4, 2, 3)]
    assert torch_check(arch) == []


# --- random architectures against torch (property-based) ---------------------------------------
def _layer_strategy():
    pair = st.one_of(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=2, max_size=2))
    small_pad = st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), min_size=2, max_size=2))
    conv = st.fixed_dictionaries({
        "out_channels": st.integers(1, 6), "kernel_size": pair,
        "stride": st.integers(1, 3), "padding": st.one_of(small_pad, st.just("valid")),
        "dilation": st.integers(1, 2), "groups": st.sampled_from([1, 1, 2]), "bias": st.booleans(),
    })
    same_conv = st.fixed_dictionaries({"out_channels": st.integers(1, 6), "kernel_size": pair,
                                       "padding": st.just("same"), "dilation": st.integers(1, 2)})
    pool = st.fixed_dictionaries({"kernel_size": pair, "stride": st.integers(1, 3),
                                  "padding": st.integers(0, 1), "ceil_mode": st.booleans()})
    return st.one_of(
        st.tuples(st.just("Conv2d"), conv),
        st.tuples(st.just("Conv2d"), same_conv),
        st.tuples(st.sampled_from(["MaxPool2d", "AvgPool2d"]), pool),
        st.tuples(st.just("AdaptiveAvgPool2d"), st.fixed_dictionaries({"output_size": pair})),
        st.tuples(st.just("BatchNorm2d"), st.fixed_dictionaries({"affine": st.booleans()})),
        st.tuples(st.sampled_from(["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "Softmax"]), st.just({})),
        st.tuples(st.just("Flatten"), st.just({})),
        st.tuples(st.just("Linear"), st.fixed_dictionaries({"out_features": st.integers(1, 6),
                                                            "bias": st.booleans()})),
    )


architectures = st.builds(
    lambda shape, layers: _arch(tuple(shape), *layers),
    st.tuples(st.integers(1, 4), st.integers(1, 20), st.integers(1, 20)),
    st.lists(_layer_strategy(), min_size=1, max_size=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures)
def test_random_architectures_agree_with_torch(arch):
    # Every row fed what the table says arrives; invalid rows must make torch fail.
    assert torch_check(arch) == []
    table = compute_table(arch)
    if not table.ok:
        return
    net, y, flops = _meta_run(arch)
    assert tuple(y.shape[1:]) == table.output_shape
    assert sum(p.numel() for p in net.parameters()) == table.total_params
    assert sum(p.numel() for p in net.parameters() if p.requires_grad) == table.total_trainable_params
    assert flops == 2 * table.total_macs
    # MACs again from an independent formula over the torch modules themselves.
    x = torch.empty((1, *arch.input_shape), device="meta")
    expected = 0
    for module in net:
        out = module(x)
        if isinstance(module, torch.nn.Conv2d):
            expected += out.numel() * module.in_channels // module.groups * math.prod(module.kernel_size)
        elif isinstance(module, torch.nn.Linear):
            expected += module.in_features * module.out_features
        x = out
    assert expected == table.total_macs
    assert table.total_activation_bytes == 4 * sum(math.prod(r.output_shape) for r in table.rows)


# --- receptive field against autograd ------------------------------------------------------------
_rf_layer = st.one_of(
    st.tuples(st.just("Conv2d"), st.fixed_dictionaries({
        "out_channels": st.just(1), "kernel_size": st.integers(1, 3), "stride": st.integers(1, 2),
        "dilation": st.integers(1, 2)})),
    st.tuples(st.just("AvgPool2d"), st.fixed_dictionaries({"kernel_size": st.integers(1, 3),
                                                          "stride": st.integers(1, 2)})),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_rf_layer, min_size=1, max_size=4))
def test_receptive_field_matches_autograd(layers):
    # No padding here: a window reaching into padding would be clipped, while the receptive field
    # (by its usual definition) ignores padding. Padding only shifts windows, not their size.
    arch = _arch((1, 64, 64), *layers)
    table = compute_table(arch)
    assert table.ok
    net = build_torch_module(arch).double()
    for m in net:
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.ones_(m.weight)
            torch.nn.init.zeros_(m.bias)
    x = torch.ones((1, 1, 64, 64), dtype=torch.float64, requires_grad=True)
    y = net(x)
    oh = y.shape[2] // 2

    def footprint(i):
        (g,) = torch.autograd.grad(y[0, 0, i, oh], x, retain_graph=True)
        rows = torch.nonzero(g[0, 0].abs().sum(dim=1)).flatten()
        return int(rows.min()), int(rows.max())

    lo, hi = footprint(oh)
    size, jump = table.rows[-1].rf_size, table.rows[-1].rf_jump
    assert hi - lo + 1 == size[0]
    if oh + 1 < y.shape[2]:
        lo2, _ = footprint(oh + 1)
        assert lo2 - lo == jump[0]


def test_bad_input_shape_is_a_user_error():
    for shape in [(0, 28, 28), (1, 28), (1, 28, 28.5)]:
        with pytest.raises(UserInputError, match="input_shape: must be three positive integers"):
            compute_table(Architecture(shape, [LayerSpec("ReLU")]))


# --- table formats ---------------------------------------------------------------------------------
def test_formats_escape_user_names_and_mark_problems():
    from visualizer.core.table_format import FORMATS, format_table

    arch = Architecture((1, 4, 4), [LayerSpec("Conv2d", {"out_channels": 2, "kernel_size": 5}, name="a|b_&%"),
                                    LayerSpec("Flatten"), LayerSpec("Linear", {"out_features": 3})])
    table = compute_table(arch)
    md = format_table(table, "markdown")
    assert "a\\|b_&%" in md and "| Problem |" in md and "does not fit the 4×4 map" in md
    tex = format_table(table, "latex")
    assert r"\textbf{a|b\_\&\%}" in tex and "% invalid: layer 1" in tex
    text = format_table(table, "text")
    assert "ERROR: the 5×5 kernel does not fit the 4×4 map with padding 0" in text
    assert "Invalid layers" in text
    ok_md = format_table(compute_table(preset("lenet5")), "markdown")
    assert "Problem" not in ok_md and "**61,706**" in ok_md
    for fmt in FORMATS:
        assert format_table(table, fmt).endswith("\n")
    with pytest.raises(ValueError):
        format_table(table, "yaml")


@settings(max_examples=40, deadline=None)
@given(architectures)
def test_json_round_trip_keeps_every_number(arch):
    again = Architecture.from_json(arch.to_json())
    assert again.to_dict() == arch.to_dict()
    a, b = compute_table(arch), compute_table(again)
    assert [(r.output_shape, r.params, r.macs, r.rf_size, r.error) for r in a.rows] == \
        [(r.output_shape, r.params, r.macs, r.rf_size, r.error) for r in b.rows]


def test_json_schema_file_is_current_and_describes_the_examples():
    from visualizer.core.architecture import json_schema
    from visualizer.resources import resource_path

    folder = resource_path("architectures")
    schema = json.loads((folder / "convviz-architecture.schema.json").read_text(encoding="utf-8"))
    assert schema == json_schema()  # regenerate the file when PARAM_SPECS change
    by_type = {s["properties"]["type"]["const"]: s for s in schema["$defs"]["layers"]["items"]["oneOf"]}
    assert set(by_type) == set(LAYER_TYPES) | {"Residual"}
    for path in folder.glob("*.json"):
        if path.name.endswith(".schema.json"):
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert set(schema["required"]) <= set(doc) <= set(schema["properties"]), path.name
        for layer in doc["layers"]:
            spec = by_type[layer["type"]]
            assert set(spec["required"]) <= set(layer) <= set(spec["properties"]), (path.name, layer)
        Architecture.from_dict(doc)
    assert Architecture.from_dict({"$schema": "./x.json", "version": 1, "input_shape": [1, 2, 2], "layers": []})


_any_value = st.one_of(st.integers(-3, 40), st.booleans(), st.none(), st.floats(allow_nan=True), st.text(max_size=4),
                       st.lists(st.integers(-2, 9), max_size=3), st.sampled_from(["same", "valid"]))
_any_layer = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(LAYER_TYPES), st.text(max_size=5), st.integers())},
    optional={k: _any_value for k in sorted({k for s in PARAM_SPECS.values() for k in s}) + ["foo", "name"]})


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=3, max_size=3), st.lists(_any_layer, max_size=6))
def test_any_document_loads_or_names_a_field_and_any_layers_give_a_table(shape, layers):
    from visualizer.core.table_format import FORMATS, format_table

    doc = {"version": 1, "input_shape": shape, "layers": layers}
    try:
        arch = Architecture.from_dict(doc)
    except UserInputError as exc:
        assert str(exc).split(":")[0].startswith(("layers[", "version", "input_shape"))
        # What the GUI holds while a user types: raw layers still give a table, never a traceback.
        specs = [LayerSpec(layer["type"], {k: v for k, v in layer.items() if k not in ("type", "name")})
                 for layer in layers]
        arch = Architecture(tuple(shape), specs)
        table = compute_table(arch)
        if ".name:" not in str(exc):  # a bad label is the one problem that is not the layer's
            assert not table.ok
    else:
        table = compute_table(arch)
        assert Architecture.from_json(arch.to_json()) == arch
    for fmt in FORMATS:
        format_table(table, fmt)
    arch.to_dict()


# --- residual blocks (schema version 2) ------------------------------------------------------
@pytest.mark.parametrize("name, params, macs", [("resnet18", 11_689_512, 1_814_073_344),
                                                ("resnet34", 21_797_672, 3_663_761_408)])
def test_resnets_match_torchvision(name, params, macs):
    """torchvision documents 11,689,512 / 21,797,672 parameters and 1.81 / 3.66 GMACs (its
    'GFLOPS' column counts multiply-adds); torchvision is not installed, so the numbers are
    written here and our own torch module is held against the table."""
    arch = preset(name)
    table = compute_table(arch)
    assert table.ok and table.total_params == params and table.total_macs == macs
    blocks = [r for r in table.rows if r.is_block]
    stages = {r.name.split(".")[0]: r.output_shape for r in blocks}
    assert stages == {"layer1": (64, 56, 56), "layer2": (128, 28, 28), "layer3": (256, 14, 14),
                      "layer4": (512, 7, 7)}
    assert torch_check(arch) == []
    import torch
    with torch.device("meta"):
        net = build_torch_module(arch)
    assert sum(p.numel() for p in net.parameters()) == params
    again = Architecture.from_json(arch.to_json())
    assert again == arch and again.to_dict()["version"] == 2


def _block(main, shortcut=(), activation="ReLU"):
    return {"type": "Residual", "main": list(main), "shortcut": list(shortcut), "activation": activation}


def test_block_shapes_must_match_and_torch_agrees():
    conv = {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}
    strided = {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "stride": 2, "padding": 1}
    doc = {"version": 2, "input_shape": [8, 16, 16], "layers": [_block([strided])]}
    table = compute_table(Architecture.from_dict(doc))
    assert not table.ok and "main path gives 8×8×8 but the shortcut gives 8×16×16" in table.rows[0].error
    assert torch_check(Architecture.from_dict(doc)) == []  # torch refuses the addition too
    doc["layers"] = [_block([strided], [{"type": "Conv2d", "out_channels": 8, "kernel_size": 1, "stride": 2}],
                            None), {"type": "Flatten"}]
    arch = Architecture.from_dict(doc)
    table = compute_table(arch)
    assert table.ok and table.rows[0].output_shape == (8, 8, 8) and table.rows[0].add_shapes == ((8, 8, 8),) * 2
    assert table.rows[0].params == 8 * 8 * 9 + 8 + 8 * 8 + 8
    assert torch_check(arch) == []
    # the receptive field follows the longest path (3×3 main, 1×1 shortcut)
    assert table.rows[0].rf_size == (3, 3)
    doc["layers"] = [_block([conv, conv])]
    assert compute_table(Architecture.from_dict(doc)).rows[0].rf_size == (5, 5)


def test_block_errors_name_the_field():
    with pytest.raises(UserInputError, match=r"layers\[0\].type: Residual blocks need \"version\": 2"):
        Architecture.from_dict({"version": 1, "input_shape": [1, 4, 4], "layers": [_block([])]})
    with pytest.raises(UserInputError, match=r"layers\[0\].main\[0\].kernel_size"):
        Architecture.from_dict({"version": 2, "input_shape": [1, 4, 4],
                                "layers": [_block([{"type": "Conv2d", "out_channels": 2, "kernel_size": -1}])]})
    with pytest.raises(UserInputError, match=r"layers\[0\].activation"):
        Architecture.from_dict({"version": 2, "input_shape": [1, 4, 4], "layers": [_block([], [], "Softmax")]})
    deep: dict = {"type": "ReLU"}
    for _ in range(10):
        deep = _block([deep])
    with pytest.raises(UserInputError, match="blocks nest more than"):
        Architecture.from_dict({"version": 2, "input_shape": [1, 4, 4], "layers": [deep]})


def test_hostile_json_is_one_clean_error(tmp_path):
    with pytest.raises(UserInputError, match="digits"):
        Architecture.from_json('{"version": 1, "input_shape": [1, ' + "9" * 5000 + ', 2], "layers": []}')
    with pytest.raises(UserInputError, match="levels deep"):
        Architecture.from_json("[" * 100_000 + "]" * 100_000)
    path = tmp_path / "deep.json"
    path.write_text('{"layers": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(UserInputError, match="deep.json"):
        Architecture.load(path)


def test_table_json_refuses_nan():
    from visualizer.core.table_format import to_json

    table = compute_table(preset("lenet5"))
    table.rows[0].params = float("nan")  # type: ignore[assignment]
    with pytest.raises(ValueError):
        to_json(table)
