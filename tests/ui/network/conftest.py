"""Fixtures of the Network tab's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def net1_model(qtbot):
    """A Network model showing the untrained mnist-net1 (seed 0), loaded on this thread, with its
    activations for the blank drawing."""
    from visualizer.ui.network.loader import load_net
    from visualizer.ui.network.model import NetworkModel

    model = NetworkModel()
    request = {"kind": "preset", "net": "mnist-net1", "seed": 0}
    model.loaded("net", request, load_net(request))
    assert model.acts is not None
    return model
