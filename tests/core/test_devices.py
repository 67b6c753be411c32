"""Device detection (one home) and the trainability rule (one home)."""

from __future__ import annotations

import pytest

from visualizer.core.architecture import Architecture, preset
from visualizer.core.devices import DeviceReport, cached_devices, probe_devices
from visualizer.core.errors import UserInputError
from visualizer.core.devices import pick_device
from visualizer.core.training import build_model, trainability_problem


def test_a_report_offers_only_what_the_machine_has():
    cpu_only = DeviceReport(torch_version="2", cuda=False, cuda_build=None, mps=False)
    assert cpu_only.available() == ["auto", "cpu"] and cpu_only.auto == "cpu"
    assert cpu_only.has("cpu") and not cpu_only.has("cuda") and not cpu_only.has("mps")
    assert "CPU-only build" in cpu_only.describe()["CUDA"]
    gpu = DeviceReport(torch_version="2", cuda=True, cuda_devices=("H200",), cuda_build="12.8")
    assert gpu.available() == ["auto", "cpu", "cuda"] and gpu.auto == "cuda"
    assert gpu.has("cuda:0") and not gpu.has("cuda:1") and not gpu.has("cuda:x")
    assert "H200" in gpu.describe()["CUDA"]
    mac = DeviceReport(torch_version="2", mps=True)
    assert mac.auto == "mps" and mac.available() == ["auto", "cpu", "mps"]
    broken = DeviceReport(error="ImportError: no torch")
    assert broken.auto == "cpu" and "unknown" in broken.describe()["CUDA"]


def test_the_probe_is_asked_once_and_pick_device_follows_it():
    report = probe_devices()
    assert probe_devices() is report and cached_devices() is report
    assert str(pick_device("auto")) .startswith(report.auto)
    assert str(pick_device("cpu")) == "cpu"
    if not report.cuda:
        with pytest.raises(UserInputError, match="CUDA is not available"):
            pick_device("cuda")


def _net(layers, shape=(1, 28, 28)):
    return Architecture.from_dict({"version": 1, "name": "t", "input_shape": list(shape), "layers": layers})


def test_a_net_ending_in_ten_channels_of_one_by_one_is_trainable_and_gives_ten_logits():
    import torch

    fcn = _net([{"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
                {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
                {"type": "Conv2d", "out_channels": 10, "kernel_size": 14}])
    assert trainability_problem(fcn) is None
    model = build_model(fcn)
    assert tuple(model(torch.zeros(3, 1, 28, 28)).shape) == (3, 10)
    assert "0.weight" in model.state_dict()  # the other layers keep their names


def test_what_is_not_trainable_is_said_in_one_sentence():
    assert "1×28×28" in trainability_problem(preset("vgg16"))
    five = _net([{"type": "Flatten"}, {"type": "Linear", "out_features": 5}])
    assert "ends with 5" in trainability_problem(five)
    ten_by_two = _net([{"type": "Conv2d", "out_channels": 10, "kernel_size": 27}])
    assert "10×2×2" in trainability_problem(ten_by_two)
    assert trainability_problem(preset("mnist-net1")) is None
