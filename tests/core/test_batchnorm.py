"""core.batchnorm held against torch.nn.BatchNorm2d itself: a training-mode forward on the batch,
then its running buffers (issue 24)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visualizer.core import activations as act
from visualizer.core import batchnorm as bn
from visualizer.core.errors import UserInputError

RTOL = 1e-5


def random_net(draw) -> dict:
    """A small trainable net with one or two BatchNorm2d layers."""
    c1 = draw(st.integers(1, 6))
    k = draw(st.sampled_from([1, 3, 5]))
    layers = [{"type": "Conv2d", "out_channels": c1, "kernel_size": k, "padding": k // 2},
              {"type": "BatchNorm2d", "eps": draw(st.sampled_from([1e-5, 1e-3, 0.1]))}, {"type": "ReLU"}]
    if draw(st.booleans()):
        layers.append({"type": "MaxPool2d", "kernel_size": 2, "stride": 2})
    if draw(st.booleans()):
        layers += [{"type": "Conv2d", "out_channels": draw(st.integers(1, 5)), "kernel_size": 3},
                   {"type": "BatchNorm2d"}]
    layers += [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]
    return {"version": 2, "name": "random", "input_shape": [1, 28, 28], "layers": layers}


@st.composite
def cases(draw):
    doc = random_net(draw)
    seed = draw(st.integers(0, 2**31))
    n = draw(st.integers(2, 12))
    momentum = draw(st.sampled_from([0.1, 0.01, 0.5, None]))
    return doc, seed, n, momentum


def perturb(module, seed, momentum):
    """Learned-looking γ, β and running statistics, so every term matters."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=g) * 2 - 0.5)
                m.bias.copy_(torch.rand(c, generator=g) - 0.5)
                m.running_mean.copy_(torch.rand(c, generator=g) - 0.5)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                m.num_batches_tracked.fill_(int(torch.randint(0, 50, (1,), generator=g)))
            m.momentum = momentum


def close(a, b, scale=1.0):
    return np.allclose(a, b, rtol=RTOL, atol=RTOL * 1e-1 * scale)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_number_equals_torch_batchnorm2d(case):
    doc, seed, n, momentum = case
    net = act.untrained_net(doc, seed % 1000)
    perturb(net.module, seed, momentum)
    images = np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    for name in bn.batchnorm_layers(net):
        stats = bn.layer_statistics(net, name, images, "test", 0)
        index = bn.find_batchnorm(net, name)
        x = torch.from_numpy(bn.layer_input(net, index, images))
        # The oracle: the net's own preceding layers in eval mode, then a copy of the layer in training mode.
        ref_x = torch.from_numpy(((images / 255.0 - 0.1307) / 0.3081).astype(np.float32))[:, None]
        with torch.no_grad():
            for child in list(net.module.children())[:index]:
                ref_x = child(ref_x)
        assert torch.equal(ref_x, x)
        layer = copy.deepcopy(list(net.module.children())[index]).train()
        before_m, before_v = layer.running_mean.clone(), layer.running_var.clone()
        with torch.no_grad():
            y = layer(x).double()
        var_b, mean_b = torch.var_mean(x.double(), dim=(0, 2, 3), unbiased=False)
        var_u = torch.var(x.double(), dim=(0, 2, 3), unbiased=True)
        got = {k: np.array([getattr(c, k) for c in stats.channels]) for k in bn.JSON_CHANNEL_KEYS}
        assert got["channel"].tolist() == list(range(1, layer.num_features + 1))
        assert close(got["batch_mean"], mean_b.numpy(), 1.0)
        assert close(got["batch_var"], var_b.numpy())
        assert close(got["batch_var_unbiased"], var_u.numpy())
        assert close(got["gamma"], layer.weight.detach().double().numpy())
        assert close(got["beta"], layer.bias.detach().double().numpy())
        assert close(got["running_mean"], before_m.double().numpy())
        assert close(got["running_var"], before_v.double().numpy())
        assert close(got["running_mean_after"], layer.running_mean.double().numpy())
        assert close(got["running_var_after"], layer.running_var.double().numpy())
        assert close(got["output_mean"], y.mean(dim=(0, 2, 3)).numpy())
        assert close(got["output_var"], y.var(dim=(0, 2, 3), unbiased=False).numpy())
        # Evaluation mode on the same batch: the running statistics (before) normalise.
        layer_eval = copy.deepcopy(list(net.module.children())[index]).eval()
        with torch.no_grad():
            ye = layer_eval(x).double()
        assert close([c.eval_output_mean for c in stats.channels], ye.mean(dim=(0, 2, 3)).numpy())
        assert close([c.eval_output_var for c in stats.channels], ye.var(dim=(0, 2, 3), unbiased=False).numpy())
        eps = stats.eps
        assert eps == layer.eps
        assert np.allclose([c.xhat_mean for c in stats.channels], 0.0, atol=1e-9)
        assert np.allclose([c.xhat_var for c in stats.channels], var_b.numpy() / (var_b.numpy() + eps), rtol=1e-9)
        # Nothing of the net changed.
        assert torch.equal(list(net.module.children())[index].running_mean, before_m)


def test_the_unbiased_variance_goes_into_running_var():
    x = np.zeros((2, 1, 1, 2), dtype=np.float32)
    x[:, 0, 0] = [[0.0, 2.0], [4.0, 6.0]]  # m = 4 values: mean 3, biased var 5, unbiased 20/3
    stats = bn.statistics(x, torch.nn.BatchNorm2d(1))
    ch = stats.channels[0]
    assert (ch.batch_mean, ch.batch_var) == (3.0, 5.0)
    assert ch.batch_var_unbiased == pytest.approx(20 / 3)
    assert ch.running_mean_after == pytest.approx(0.9 * 0 + 0.1 * 3)
    assert ch.running_var_after == pytest.approx(0.9 * 1 + 0.1 * 20 / 3)
    assert stats.values_per_channel == 4


def test_bad_layers_name_the_batchnorm_layers():
    net = act.untrained_net("mnist-net1", 0)
    assert bn.batchnorm_layers(net) == ["bn1", "bn2", "bn3"]
    with pytest.raises(UserInputError, match="no layer named 'bn9'; the BatchNorm2d layers: bn1, bn2, bn3"):
        bn.find_batchnorm(net, "bn9")
    with pytest.raises(UserInputError, match="conv1 is a Conv2d, not a BatchNorm2d; the BatchNorm2d layers: bn1"):
        bn.find_batchnorm(net, "conv1")
    plain = act.untrained_net({"version": 2, "name": "plain", "input_shape": [1, 28, 28],
                               "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]})
    with pytest.raises(UserInputError, match="this net has no BatchNorm2d layer"):
        bn.find_batchnorm(plain, "fc1")


@pytest.mark.parametrize("split, start, size, message", [
    ("test", 0, 1, "from 2 to 512 images, got 1"),
    ("test", 0, 513, "from 2 to 512 images, got 513"),
    ("test", 9_999, 2, "images 9,999 to 10,000 are out of range: the MNIST test file has 10,000 images"),
    ("test", -1, 2, "out of range"),
    ("valid", 0, 2, "train or test"),
    ("test", 0, 2.5, "whole number"),
])
def test_batches_out_of_range_are_refused(split, start, size, message):
    with pytest.raises(UserInputError, match=message):
        bn.check_batch(split, start, size, 10_000)


def test_tiny_batches_scatter_more_than_large_ones():
    net = act.untrained_net("mnist-net1", 0)
    images = np.random.default_rng(0).integers(0, 256, (20 * 128, 28, 28), dtype=np.uint8)
    # Give each image a brightness of its own, so batches differ as real digits do.
    images = (images * np.random.default_rng(1).uniform(0.2, 1.0, len(images))[:, None, None]).astype(np.uint8)
    spread = bn.batch_spread(net, "bn1", images)
    assert spread.means[2].shape == (20, 8) and spread.variances[128].shape == (20, 8)
    small_m, small_v = spread.spread(2)
    big_m, big_v = spread.spread(128)
    assert np.all(small_m > big_m) and np.all(small_v > big_v)
    first = bn.statistics(bn.layer_input(net, 1, images[:2]), list(net.module.children())[1])
    assert spread.means[2][0].tolist() == [c.batch_mean for c in first.channels]
    with pytest.raises(UserInputError, match="need images up to 2,560"):
        bn.batch_spread(net, "bn1", images, start=1)
