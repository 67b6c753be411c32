"""The layer-type registry against torch: each type's shape rule, parameter, buffer and MAC
counts held against the module its own torch builder makes (run on the meta device), and the
one home of 'same' padding and the effective kernel (core.output_size)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visualizer.core.architecture import (LAYER_TYPES, PARAM_SPECS, REGISTRY, RESIDUAL, default_params, layer_type,
                                          normalize_params)
from visualizer.core.output_size import effective_kernel, same_output_size, same_padding


def torch_numbers(kind, p, incoming):
    with torch.device("meta"):
        module = kind.torch_module(p, incoming)
    module.eval()
    y = module(torch.empty((1, *incoming), device="meta"))
    params = sum(q.numel() for q in module.parameters())
    buffers = sum(b.numel() for b in module.buffers())
    macs = 0
    if isinstance(module, torch.nn.Conv2d):
        macs = y.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    elif isinstance(module, torch.nn.Linear):
        macs = module.in_features * module.out_features
    return tuple(y.shape[1:]), params, buffers, macs


def test_the_registry_holds_every_layer_type_and_its_schema():
    assert tuple(REGISTRY) == LAYER_TYPES
    for name, kind in REGISTRY.items():
        assert kind.name == name and PARAM_SPECS[name] is kind.schema
        assert kind.backward_rule is None and kind.statistics is None  # hooks for the rules to come
        assert normalize_params(name, kind.starter) == default_params(name)
    assert layer_type("Residual") is RESIDUAL
    with pytest.raises(KeyError):
        layer_type("Conv3d")


@pytest.mark.parametrize("name", LAYER_TYPES)
def test_each_types_starter_layer_agrees_with_its_torch_module(name):
    kind = REGISTRY[name]
    incoming = (6,) if name == "Linear" else (4, 9, 11)
    p = default_params(name)
    got = kind.infer(p, incoming)
    assert got.error is None
    assert torch_numbers(kind, p, incoming) == (got.output, got.params, got.buffers, got.macs)


@settings(max_examples=60, deadline=None)
@given(cin=st.integers(1, 6), groups=st.integers(1, 3), mult=st.integers(1, 3), kh=st.integers(1, 5),
       kw=st.integers(1, 5), stride=st.integers(1, 3), dilation=st.integers(1, 3), pad=st.integers(0, 3),
       same=st.booleans(), bias=st.booleans(), h=st.integers(1, 20), w=st.integers(1, 20))
def test_conv2d_rule_agrees_with_torch(cin, groups, mult, kh, kw, stride, dilation, pad, same, bias, h, w):
    assume(cin % groups == 0)
    if same:
        stride = 1  # torch refuses 'same' above stride 1, and so does the schema
    p = normalize_params("Conv2d", {"out_channels": groups * mult, "kernel_size": [kh, kw], "stride": stride,
                                    "padding": "same" if same else pad, "dilation": dilation, "groups": groups,
                                    "bias": bias})
    kind = REGISTRY["Conv2d"]
    got = kind.infer(p, (cin, h, w))
    if got.error is not None:
        assert "does not fit" in got.error
        with pytest.raises(RuntimeError):
            torch_numbers(kind, p, (cin, h, w))
        return
    assert torch_numbers(kind, p, (cin, h, w)) == (got.output, got.params, got.buffers, got.macs)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["MaxPool2d", "AvgPool2d"]), k=st.integers(1, 4), stride=st.integers(1, 4),
       pad=st.integers(0, 2), ceil=st.booleans(), h=st.integers(1, 16), w=st.integers(1, 16))
def test_pool_rule_agrees_with_torch(name, k, stride, pad, ceil, h, w):
    assume(2 * pad <= k)
    p = normalize_params(name, {"kernel_size": k, "stride": stride, "padding": pad, "ceil_mode": ceil})
    kind = REGISTRY[name]
    got = kind.infer(p, (3, h, w))
    if got.error is not None:
        with pytest.raises(RuntimeError):
            torch_numbers(kind, p, (3, h, w))
        return
    assert torch_numbers(kind, p, (3, h, w)) == (got.output, got.params, got.buffers, got.macs)


@pytest.mark.parametrize("n,k,s,d", [(5, 3, 1, 1), (28, 4, 1, 1), (7, 2, 1, 2), (10, 4, 3, 1), (9, 3, 2, 2),
                                     (1, 5, 2, 1), (16, 1, 4, 1)])
def test_same_padding_is_pytorchs_at_stride_1_and_tensorflows_above(n, k, s, d):
    before, after = same_padding(n, k, s, d)
    assert after - before in (0, 1)  # the odd one goes after
    out = (n + before + after - effective_kernel(k, d)) // s + 1
    assert out == same_output_size(n, s) == math.ceil(n / s)
    if s == 1:
        assert before + after == d * (k - 1)  # PyTorch's padding='same'
        y = torch.nn.functional.conv2d(torch.ones(1, 1, n, n), torch.ones(1, 1, k, k), padding="same", dilation=d)
        assert y.shape[-1] == n
    else:  # TensorFlow's 'SAME': just enough padding for ⌈N/S⌉ outputs
        assert before + after == max((math.ceil(n / s) - 1) * s + effective_kernel(k, d) - n, 0)


def test_effective_kernel():
    assert [effective_kernel(3, d) for d in (1, 2, 3)] == [3, 5, 7]
    assert effective_kernel(1, 4) == 1


def test_the_registry_says_which_type_is_a_convolution_and_how_the_diagram_draws_it():
    # The Network view opens the maps of these; the Shapes diagram colours and names boxes from here.
    assert [name for name, kind in REGISTRY.items() if kind.is_convolution] == ["Conv2d"]
    assert not RESIDUAL.is_convolution
    assert [name for name, kind in REGISTRY.items() if kind.is_batch_norm] == ["BatchNorm2d"]
    assert not RESIDUAL.is_batch_norm
    legend = [(name, kind.legend) for name, kind in REGISTRY.items() if kind.legend]
    assert legend == [("Conv2d", "convolution"), ("MaxPool2d", "max pool"), ("AvgPool2d", "average pool"),
                      ("AdaptiveAvgPool2d", "adaptive pool"), ("Flatten", "flatten"), ("Linear", "fully connected")]
    for name, kind in REGISTRY.items():
        assert (kind.figure_color is not None) == bool(kind.legend), name  # a colour is in the key
        if kind.figure_color is not None:
            assert len(kind.figure_color) == 7 and int(kind.figure_color[1:], 16) >= 0, name
    assert {n: k.figure_label for n, k in REGISTRY.items() if k.figure_label} == {
        "BatchNorm2d": "BN", "LeakyReLU": "LReLU", "Dropout": "Drop"}
