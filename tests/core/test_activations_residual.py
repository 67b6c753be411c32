"""`convviz activations` and the Network tab's core on nets with Residual blocks (issue #22, item 3):
every layer inside a block and the block's own output, held against a plain torch forward."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from visualizer.core import activations as act
from visualizer.core.architecture import Architecture, compute_table

RES_NET = {
    "schema": "convviz.architecture", "version": 2, "name": "tiny-resnet", "input_shape": [1, 28, 28],
    "layers": [
        {"type": "Conv2d", "name": "conv1", "out_channels": 4, "kernel_size": 3, "padding": 1, "bias": False},
        {"type": "BatchNorm2d", "name": "bn1"}, {"type": "ReLU", "name": "relu"},
        {"type": "Residual", "name": "layer1.0", "activation": "ReLU",
         "main": [{"type": "Conv2d", "name": "conv1", "out_channels": 4, "kernel_size": 3, "padding": 1},
                  {"type": "BatchNorm2d", "name": "bn1"}, {"type": "ReLU", "name": "relu"},
                  {"type": "Conv2d", "name": "conv2", "out_channels": 4, "kernel_size": 3, "padding": "same"},
                  {"type": "BatchNorm2d", "name": "bn2"}]},
        {"type": "Residual", "name": "layer2.0", "activation": "LeakyReLU",
         "main": [{"type": "Conv2d", "name": "conv1", "out_channels": 8, "kernel_size": 3, "stride": 2,
                   "padding": 1}, {"type": "Tanh"}],
         "shortcut": [{"type": "Conv2d", "name": "downsample.0", "out_channels": 8, "kernel_size": 1, "stride": 2},
                      {"type": "BatchNorm2d", "name": "downsample.1"}]},
        {"type": "AdaptiveAvgPool2d", "name": "avgpool", "output_size": 1}, {"type": "Flatten", "name": "flatten"},
        {"type": "Linear", "name": "fc", "out_features": 10},
    ],
}


def plain_forward(module, x):
    """Every module's output by its path, computed by walking the modules by hand (no hooks)."""
    outs = {}

    def run_seq(seq, h, prefix):
        for key, child in seq.named_children():
            if hasattr(child, "main") and hasattr(child, "shortcut"):
                a = run_seq(child.main, h, f"{prefix}{key}.main.")
                b = run_seq(child.shortcut, h, f"{prefix}{key}.shortcut.")
                h = a + b
                if child.activation is not None:
                    h = child.activation(h)
            else:
                h = child(h)
            outs[prefix + key] = h[0].numpy().copy()
        return h

    with torch.no_grad():
        logits = run_seq(module, torch.from_numpy(x)[None], "")
    return outs, logits[0].numpy()


@pytest.fixture
def net():
    n = act.untrained_net(Architecture.from_dict(RES_NET), seed=1)
    # non-trivial running statistics, so eval-mode batch norm is not the identity
    with torch.no_grad():
        for m in n.module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return n


def test_blocks_and_their_layers_are_recorded_with_the_shape_tables_names(net):
    names = [la.name for la in net.layers]
    assert names == ["conv1", "bn1", "relu", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.conv2",
                     "layer1.0.bn2", "layer1.0", "layer2.0.conv1", "layer2.0.tanh1", "layer2.0.downsample.0",
                     "layer2.0.downsample.1", "layer2.0", "avgpool", "flatten", "fc"]
    table_names = {r.name for r in compute_table(net.architecture).all_rows()}
    assert set(names) <= table_names
    assert [la.type for la in net.layers if la.name.startswith("layer2.0")][-1] == "Residual"


def test_every_recorded_output_equals_a_plain_torch_forward(net):
    x = np.random.default_rng(0).standard_normal((28, 28)).astype(np.float32)
    acts = act.forward(net, x)
    ref, logits = plain_forward(net.module, x[None])
    assert len(acts.layers) == len(net.layers)
    for info, la in zip(net.layers, acts.layers):
        assert np.array_equal(la.values, ref[info.path]), la.name
    assert np.array_equal(acts.logits, logits)
    table = {r.name: r for r in compute_table(net.architecture).all_rows()}
    for la in acts.layers:
        assert la.shape == table[la.name].output_shape, la.name
    # what the block received is what the layer before it gave
    i = [la.name for la in acts.layers].index("layer2.0")
    assert np.array_equal(acts.layer_inputs[i], acts.layers[i - 5].values)  # layer1.0's output


def test_a_conv_inside_a_block_can_be_taken_apart(net):
    x = np.random.default_rng(1).standard_normal((28, 28)).astype(np.float32)
    acts = act.forward(net, x)
    i = [la.name for la in net.layers].index("layer2.0.conv1")
    parts = act.conv_parts(net, acts, i, 3)
    assert np.allclose(parts.total, acts.layers[i].values[3], atol=1e-5)
    with pytest.raises(act.UserInputError, match="not a convolution"):
        act.conv_parts(net, acts, i + 1, 0)


def test_receptive_fields_cover_every_recorded_layer(net):
    assert len(net.fields) == len(net.layers)
    by_name = dict(zip((la.name for la in net.layers), net.fields))
    # layer1.0.conv2 has 'same' padding at stride 1: its window starts 1 pixel before its map
    (top, left), jump, size = by_name["layer1.0.conv2"]
    assert (top, left, jump, size) == (-3, -3, (1, 1), (7, 7))
    (top, left), jump, size = by_name["layer2.0"]
    assert jump == (2, 2) and size == (9, 9) and top == -4  # the main path's 3×3 at stride 2 reaches further
    assert by_name["fc"] is None


def test_cli_activations_on_a_residual_net(tmp_path, capsys):
    from visualizer.cli import main

    path = tmp_path / "res.json"
    path.write_text(json.dumps(RES_NET))
    status = main(["activations", "--net", str(path), "--seed", "1", "--image", str(_png(tmp_path))])
    out, err = capsys.readouterr()
    assert status == 0, err
    doc = json.loads(out)
    assert [la["name"] for la in doc["layers"]][8] == "layer1.0"
    assert doc["layers"][8]["type"] == "Residual" and doc["layers"][8]["shape"] == [4, 28, 28]
    assert len(doc["layers"]) == 17 and len(doc["probabilities"]) == 10


def _png(folder):
    from PySide6.QtGui import QImage

    a = np.zeros((28, 28), np.uint8)
    a[6:22, 12:16] = 255
    image = QImage(a.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    path = folder / "digit.png"
    assert image.save(str(path))
    return path


def test_receptive_fields_inside_and_after_blocks_hold_against_autograd():
    """All-ones weights, no batch norm, identity activations: the gradient of one output value is
    positive exactly on its receptive field (clipped to the image), inside a block and after it."""
    arch = {"version": 2, "input_shape": [1, 28, 28], "layers": [
        {"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1},
        {"type": "Residual", "name": "b", "activation": None,
         "main": [{"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2, "padding": 1},
                  {"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "padding": "same", "dilation": 2}],
         "shortcut": [{"type": "Conv2d", "out_channels": 1, "kernel_size": 1, "stride": 2}]},
        {"type": "Flatten"}, {"type": "Linear", "out_features": 10}]}
    net = act.untrained_net(arch, 0)
    for m in net.module.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.ones_(m.weight)
            torch.nn.init.zeros_(m.bias)
    x = torch.zeros(1, 1, 28, 28, requires_grad=True)
    outs = {}
    hs = [net.module_of(i.index).register_forward_hook(lambda _m, _i, o, i=i.index: outs.__setitem__(i, o))
          for i in net.layers]
    net.module(x)
    for h in hs:
        h.remove()
    names = [i.name for i in net.layers]
    # unnamed layers are counted per path, as in the Shapes table; a repeated name gets a suffix
    assert names[:5] == ["conv1", "b.conv1", "b.conv2", "b.conv1_2", "b"]
    for layer in range(5):
        out = outs[layer][0, 0]
        h, w = out.shape
        for y, xx in ((0, 0), (h - 1, w - 1), (h // 2, w // 2)):
            g, = torch.autograd.grad(out[y, xx], x, retain_graph=True)
            ys, xs = np.nonzero(g[0, 0].numpy() > 0)
            top, left, fh, fw = act.field_of(net, layer, tuple(outs[layer][0].shape), y=y, x=xx)
            assert (ys.min(), xs.min()) == (max(top, 0), max(left, 0)), (names[layer], y, xx)
            assert (ys.max(), xs.max()) == (min(top + fh, 28) - 1, min(left + fw, 28) - 1), (names[layer], y, xx)
