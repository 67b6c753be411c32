"""core.activations against plain torch: the forward pass with hooks, one conv map taken apart,
receptive fields against autograd, MNIST's preprocessing, and bad model files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.helpers.runs import make_run
from visualizer.core import activations as act
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.training import build_model


def plain_forward(module, x):
    """Each child's output by hooks of the test's own, in eval mode."""
    outs = []
    hs = [c.register_forward_hook(lambda _m, _i, o: outs.append(o[0].detach().numpy().copy()))
          for c in module.children()]
    module.eval()
    with torch.no_grad():
        logits = module(torch.from_numpy(x)[None, None])
    for h in hs:
        h.remove()
    return outs, torch.softmax(logits[0].double(), 0).numpy()


def digit():
    return synthetic_mnist(1, 1, 4, seed=3).test_images[0]


def test_forward_equals_a_plain_torch_forward_pass_of_a_run(tmp_path):
    folder = make_run(tmp_path / "run")
    net = act.run_net(folder)
    x = act.normalize(digit())
    acts = act.forward(net, x)
    reference = build_model("mnist-net2")
    reference.load_state_dict(torch.load(folder / "model.pt", weights_only=True))
    outs, probs = plain_forward(reference, x)
    assert [la.name for la in acts.layers][:4] == ["conv1", "bn1", "relu1", "maxpool1"]
    assert len(outs) == len(acts.layers)
    for la, ref in zip(acts.layers, outs):
        assert la.values.shape == ref.shape
        assert np.array_equal(la.values, ref), la.name
    assert np.allclose(acts.probabilities, probs) and abs(acts.probabilities.sum() - 1) < 1e-12
    assert acts.prediction == int(np.argmax(probs))
    assert np.allclose(x, (digit() / 255.0 - 0.1307) / 0.3081, atol=1e-6)


def test_untrained_nets_are_seeded():
    a = act.untrained_net("mnist-net1", 5)
    b = act.untrained_net("mnist-net1", 5)
    c = act.untrained_net("mnist-net1", 6)
    wa, wb, wc = (list(n.module.children())[0].weight.detach().numpy() for n in (a, b, c))
    assert np.array_equal(wa, wb) and not np.array_equal(wa, wc)
    with pytest.raises(UserInputError):
        act.untrained_net("mnist-net1", -1)


SPECS = [
    dict(out_channels=4, kernel_size=3, padding=1),
    dict(out_channels=6, kernel_size=[3, 2], stride=[2, 1], padding=[1, 0], groups=2),
    dict(out_channels=3, kernel_size=3, dilation=2, padding="same"),
    dict(out_channels=2, kernel_size=4, padding="same"),
    dict(out_channels=2, kernel_size=5, stride=3, bias=False),
]


@pytest.mark.parametrize("spec", SPECS)
def test_a_conv_map_is_the_sum_of_its_channels_correlations_plus_the_bias(spec):
    from visualizer.core.convolution import ConvSpec, convolve

    arch = {"version": 1, "input_shape": [1, 28, 28], "layers": [
        {"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
        dict(type="Conv2d", **spec), {"type": "Flatten"}, {"type": "Linear", "out_features": 10}]}
    net = act.untrained_net(arch, 2)
    acts = act.forward(net, act.normalize(digit()))
    conv = list(net.module.children())[2]
    for o in range(conv.out_channels):
        parts = act.conv_parts(net, acts, 2, o)
        assert np.allclose(parts.partials.sum(0) + parts.bias, acts.layers[2].values[o], atol=1e-5)
        assert np.allclose(parts.total, acts.layers[2].values[o], atol=1e-5)
        # each partial against the explorer's own core, an independent implementation
        for i in range(len(parts.channels)):
            t, b, l, r = parts.padding
            padded = np.pad(parts.inputs[i].astype(np.float64), ((t, b), (l, r)))
            ref = convolve(padded, parts.kernels[i].astype(np.float64),
                           ConvSpec(stride=parts.stride, dilation=parts.dilation))[0]
            assert np.allclose(parts.partials[i], ref, atol=1e-5)
        ho, wo = parts.total.shape
        for oy, ox in ((0, 0), (ho - 1, wo - 1), (ho // 2, wo // 3)):
            win = act.channel_windows(parts, oy, ox)
            sums = (win.astype(np.float64) * parts.kernels).sum(axis=(1, 2))
            assert np.allclose(sums, parts.partials[:, oy, ox], atol=1e-5)
        req = act.explorer_request(parts)
        assert req["kernels"].shape == (1, len(parts.channels)) + parts.kernels.shape[1:]
        explorer = convolve(req["inputs"], req["kernels"],
                            ConvSpec(stride=req["stride"], padding=req["padding"], dilation=req["dilation"]))[0]
        assert np.allclose(explorer + req["bias"], acts.layers[2].values[o], atol=1e-4)
    with pytest.raises(UserInputError):
        act.conv_parts(net, acts, 1, 0)  # ReLU


def test_each_layer_names_its_registry_type():
    net = act.untrained_net("mnist-net1", 0)
    assert [la.kind.name for la in net.layers] == [la.type for la in net.layers]
    assert [la.name for la in net.layers if la.kind.is_convolution] == ["conv1", "conv2", "conv3"]
    assert act.LayerInfo("odd", "NoSuchLayer", 0).kind is None


def test_receptive_fields_hold_against_autograd():
    """All-ones weights and average pools: the gradient of one output value is positive exactly
    on its receptive field (clipped to the image)."""
    arch = {"version": 1, "input_shape": [1, 28, 28], "layers": [
        {"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1},
        {"type": "AvgPool2d", "kernel_size": 2},
        {"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2, "padding": 2},
        {"type": "Conv2d", "out_channels": 1, "kernel_size": 2, "dilation": 2},
        {"type": "Flatten"}, {"type": "Linear", "out_features": 10}]}
    net = act.untrained_net(arch, 0)
    for m in net.module.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.ones_(m.weight)
    x = torch.zeros(1, 1, 28, 28, requires_grad=True)
    outs = []
    hs = [c.register_forward_hook(lambda _m, _i, o: outs.append(o)) for c in net.module.children()]
    net.module(x)
    for h in hs:
        h.remove()
    for layer in (0, 1, 2, 3):
        out = outs[layer][0, 0]
        h, w = out.shape
        for y, xx in ((0, 0), (h - 1, w - 1), (h // 2, w // 2)):
            g, = torch.autograd.grad(out[y, xx], x, retain_graph=True)
            ys, xs = np.nonzero(g[0, 0].numpy() > 0)
            top, left, fh, fw = act.field_of(net, layer, tuple(outs[layer][0].shape), y=y, x=xx)
            assert (ys.min(), xs.min()) == (max(top, 0), max(left, 0)), (layer, y, xx)
            assert (ys.max(), xs.max()) == (min(top + fh, 28) - 1, min(left + fw, 28) - 1), (layer, y, xx)
    flat = tuple(outs[4][0].shape)
    assert act.field_of(net, 4, flat, flat_index=0) == act.field_of(net, 3, tuple(outs[3][0].shape), y=0, x=0)
    assert act.field_of(net, 5, (10,), flat_index=0) is None


def test_mnist_preprocessing_fits_20x20_and_centres_the_mass():
    img = np.full((90, 60), 250.0)  # dark ink on light paper, off-centre
    img[10:70, 5:25] = 10
    out = act.mnist_preprocess(img)
    assert out.shape == (28, 28)
    ys, xs = np.nonzero(out > 1)
    assert ys.max() - ys.min() + 1 == 20 and xs.max() - xs.min() + 1 <= 8  # 60×20 → 20×7 (aspect kept)
    cy = (out.sum(1) * np.arange(28)).sum() / out.sum()
    cx = (out.sum(0) * np.arange(28)).sum() / out.sum()
    assert abs(cy - 13.5) <= 0.6 and abs(cx - 13.5) <= 0.6
    assert out.max() == pytest.approx(255, abs=1)
    assert not act.mnist_preprocess(np.zeros((28, 28))).any()
    assert not act.mnist_preprocess(np.full((5, 5), 255.0)).any()  # blank paper
    rgb = np.stack([img, img, img])
    assert np.allclose(act.mnist_preprocess(rgb), out)
    with pytest.raises(UserInputError):
        act.mnist_preprocess(np.array([[np.nan]]))


def test_index_out_of_range_and_not_a_number():
    assert act.check_index(9999, 10_000) == 9999
    for bad in (-1, 10_000, 2**70, True, 1.5):
        with pytest.raises(UserInputError):
            act.check_index(bad, 10_000)


def test_bad_model_files_are_one_sentence(tmp_path):
    no_model = make_run(tmp_path / "a")
    (no_model / "model.pt").unlink()
    with pytest.raises(UserInputError, match="no trained model"):
        act.run_net(no_model)
    wrong = make_run(tmp_path / "b", net="mnist-net2", state=build_model("mnist-net1").state_dict())
    with pytest.raises(UserInputError, match="does not fit the run's architecture"):
        act.run_net(wrong)
    cut = make_run(tmp_path / "c")
    data = (cut / "model.pt").read_bytes()
    (cut / "model.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserInputError, match="not a readable model file"):
        act.run_net(cut)
    junk = make_run(tmp_path / "d")
    (junk / "model.pt").write_bytes(b"\x00garbage" * 100)
    with pytest.raises(UserInputError, match="not a readable model file"):
        act.run_net(junk)
    other = make_run(tmp_path / "e", state={"x": 1})
    with pytest.raises(UserInputError, match="no model weights"):
        act.run_net(other)
    empty = make_run(tmp_path / "f")
    (empty / "model.pt").write_bytes(b"")
    with pytest.raises(UserInputError):
        act.run_net(empty)
    with pytest.raises(UserInputError):
        act.run_net(tmp_path / "missing")


def test_json_document_and_npz_arrays(tmp_path):
    net = act.untrained_net("mnist-net2", 0)
    acts = act.forward(net, act.normalize(digit()))
    doc = json.loads(json.dumps(act.activations_to_dict(acts, 7), allow_nan=False))
    assert set(doc) == {"input", "layers", "probabilities", "prediction", "label"}
    assert doc["label"] == 7 and len(doc["input"]) == 28 and len(doc["probabilities"]) == 10
    assert doc["layers"][0]["shape"] == [2, 28, 28] and doc["layers"][-1]["shape"] == [10]
    arrays = act.activations_arrays(acts)
    assert {"input", "probabilities", "conv1", "fc1"} <= set(arrays)


def test_layer_names_never_clash_with_each_other_or_the_reserved_arrays():
    arch = {"version": 1, "input_shape": [1, 28, 28], "layers": [
        {"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "name": "input"},
        {"type": "ReLU", "name": "same"}, {"type": "ReLU", "name": "same"},
        {"type": "Flatten", "name": "probabilities"}, {"type": "Linear", "out_features": 10}]}
    names = [la.name for la in act.untrained_net(arch, 0).layers]
    assert len(set(names)) == len(names) and not {"input", "probabilities"} & set(names)


def test_the_real_test_set(mnist_dir):
    images, labels = act.mnist_test_set(mnist_dir)
    assert images.shape == (10_000, 28, 28) and labels.shape == (10_000,) and labels[0] == 7
