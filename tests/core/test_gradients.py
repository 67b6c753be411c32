"""core.gradients against torch.autograd on the net cut in two at every layer (no hooks)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers.autograd_oracle import assert_close as _close
from tests.helpers.autograd_oracle import cut_oracle
from visualizer.core import activations as act
from visualizer.core import gradients as gr
from visualizer.core.errors import UserInputError
from visualizer.core.mnist import synthetic_mnist


@pytest.mark.parametrize("preset", ["mnist-net1", "mnist-net2"])
def test_layer_and_input_gradients_equal_autograd(preset):
    net = act.untrained_net(preset, 0)
    x = act.normalize(synthetic_mnist(1, 1, 4, seed=3).test_images[0])
    acts = act.forward(net, x)
    for target in (3, acts.prediction):
        grads = gr.net_gradients(net, x, target)
        want, want_input, want_loss = cut_oracle(net.module, x, target)
        assert [g.name for g in grads.layers] == [la.name for la in acts.layers]
        for g, la, w in zip(grads.layers, acts.layers, want):
            assert g.grad.shape == la.values.shape, g.name
            _close(g.grad, w)
        _close(grads.input_grad, want_input)
        assert grads.input_grad.shape == acts.input.shape == (28, 28)
        assert grads.loss == pytest.approx(want_loss, rel=1e-9)
        assert grads.loss == pytest.approx(-np.log(acts.probabilities[target]), rel=1e-4)


def test_relu_passes_the_gradient_only_where_its_input_was_positive():
    net = act.untrained_net("mnist-net1", 0)
    x = act.normalize(synthetic_mnist(1, 1, 4, seed=3).test_images[0])
    acts = act.forward(net, x)
    grads = {g.name: g.grad for g in gr.net_gradients(net, x, 1).layers}
    bn1 = next(la.values for la in acts.layers if la.name == "bn1")
    assert np.all(grads["bn1"][bn1 <= 0] == 0)
    np.testing.assert_array_equal(grads["bn1"][bn1 > 0], grads["relu1"][bn1 > 0])
    # the logits' gradient is softmax − one-hot
    p = acts.probabilities.copy()
    p[1] -= 1
    np.testing.assert_allclose(grads["fc1"], p, atol=1e-6)


def test_the_net_is_left_as_it_was():
    net = act.untrained_net("mnist-net2", 0)
    before = {k: v.clone() for k, v in net.module.state_dict().items()}
    x = act.normalize(synthetic_mnist(1, 1, 4, seed=3).test_images[0])
    gr.net_gradients(net, x, 0)
    assert not net.module.training
    assert all(p.grad is None for p in net.module.parameters())
    for k, v in net.module.state_dict().items():
        assert torch.equal(v, before[k]) and v.dtype == before[k].dtype, k


@pytest.mark.parametrize("bad", [-1, 10, 2.0, True, "3"])
def test_target_must_be_a_class(bad):
    net = act.untrained_net("mnist-net1", 0)
    with pytest.raises(UserInputError, match="target class"):
        gr.net_gradients(net, np.zeros((28, 28), np.float32), bad)



SMALL_RESNET = {
    "schema": "convviz.architecture", "version": 2, "name": "small-resnet", "input_shape": [1, 28, 28],
    "layers": [
        {"type": "Conv2d", "name": "conv1", "out_channels": 3, "kernel_size": 3, "padding": 1},
        {"type": "ReLU", "name": "relu"},
        {"type": "Residual", "name": "block", "activation": "ReLU",
         "main": [{"type": "Conv2d", "name": "conv1", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1},
                  {"type": "BatchNorm2d", "name": "bn1"}, {"type": "Tanh", "name": "tanh"}],
         "shortcut": [{"type": "Conv2d", "name": "down", "out_channels": 4, "kernel_size": 1, "stride": 2}]},
        {"type": "MaxPool2d", "name": "pool", "kernel_size": 2},
        {"type": "Flatten", "name": "flatten"}, {"type": "Linear", "name": "fc", "out_features": 10},
    ],
}


def test_gradients_inside_residual_blocks_equal_autograd_on_a_hand_walked_forward():
    """Every layer of a net with a Residual block (its inner layers and the block's own output) gets
    ∂L/∂(its output), held against autograd on a forward walked by hand (no hooks)."""
    import torch.nn.functional as F

    from visualizer.core.architecture import Architecture

    net = act.untrained_net(Architecture.from_dict(SMALL_RESNET), seed=2)
    x = act.normalize(synthetic_mnist(1, 1, 4, seed=5).test_images[0])
    module = __import__("copy").deepcopy(net.module).double().eval()
    outs = {}

    def run_seq(seq, h, prefix):
        for key, child in seq.named_children():
            if hasattr(child, "main") and hasattr(child, "shortcut"):
                h = run_seq(child.main, h, f"{prefix}{key}.main.") + run_seq(child.shortcut, h, f"{prefix}{key}.shortcut.")
                if child.activation is not None:
                    h = child.activation(h)
            else:
                h = child(h)
            outs[prefix + key] = h
        return h

    xt = torch.from_numpy(np.asarray(x, dtype=np.float64))[None, None].requires_grad_(True)
    loss = F.cross_entropy(run_seq(module, xt, "").reshape(1, -1), torch.tensor([7]))
    paths = [info.path for info in net.layers]
    wanted = torch.autograd.grad(loss, [outs[p] for p in paths] + [xt])
    grads = gr.net_gradients(net, x, 7)
    assert len(grads.layers) == len(paths) > 8  # the block's inner layers are there
    assert any(g.type == "Residual" for g in grads.layers)
    for g, w in zip(grads.layers, wanted[:-1]):
        _close(g.grad, w[0].numpy())
    _close(grads.input_grad, wanted[-1][0, 0].numpy())
    assert grads.loss == pytest.approx(float(loss.detach()), rel=1e-9)
