"""`convviz bn` on real MNIST, held against torch.nn.BatchNorm2d (issue 24)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch

from visualizer.cli import main
from visualizer.core.runs import write_json
from visualizer.core.training import TrainConfig, build_model


def run_cli(capsys, *args):
    status = main(["bn", *args])
    out, err = capsys.readouterr()
    return status, out, err


def make_run(folder, net="mnist-net1", seed=2):
    """A run folder whose BatchNorm layers have learned-looking γ, β and running statistics."""
    folder.mkdir(parents=True)
    cfg = TrainConfig(net=net).to_dict()
    cfg["run_id"] = folder.name
    write_json(folder / "config.json", cfg)
    torch.manual_seed(seed)
    model = build_model(net)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
            m.num_batches_tracked.fill_(391)
    torch.save(model.state_dict(), folder / "model.pt")
    return folder, model


def reference(model, layer_index, images):
    """torch alone: the preceding layers in eval mode, then the layer in training mode."""
    x = torch.from_numpy(((images / 255.0 - 0.1307) / 0.3081).astype(np.float32))[:, None]
    children = list(model.eval().children())
    with torch.no_grad():
        for child in children[:layer_index]:
            x = child(x)
        layer = copy.deepcopy(children[layer_index]).train()
        y = layer(x).double()
    var, mean = torch.var_mean(x.double(), dim=(0, 2, 3), unbiased=False)
    return {
        "batch_mean": mean, "batch_var": var, "batch_var_unbiased": torch.var(x.double(), dim=(0, 2, 3)),
        "gamma": children[layer_index].weight, "beta": children[layer_index].bias,
        "running_mean": children[layer_index].running_mean, "running_var": children[layer_index].running_var,
        "running_mean_after": layer.running_mean, "running_var_after": layer.running_var,
        "output_mean": y.mean(dim=(0, 2, 3)), "output_var": y.var(dim=(0, 2, 3), unbiased=False),
    }


@pytest.mark.parametrize("split, start, size, layer, index", [
    ("train", 100, 64, "bn2", 5), ("test", 9_998, 2, "bn1", 1), ("test", 0, 512, "bn3", 9)])
def test_json_equals_torch_on_real_mnist(tmp_path, capsys, mnist_dir, split, start, size, layer, index):
    folder, model = make_run(tmp_path / "run")
    status, out, err = run_cli(capsys, "--run", str(folder), "--layer", layer, "--batch", str(size),
                               "--split", split, "--start", str(start), "--data", str(mnist_dir), "--format", "json")
    assert status == 0, err
    doc = json.loads(out)
    assert list(doc) == ["layer", "batch", "eps", "momentum", "channels"]
    assert doc["layer"] == layer and doc["eps"] == 1e-5 and doc["momentum"] == 0.1
    assert doc["batch"]["split"] == split and doc["batch"]["start"] == start and doc["batch"]["size"] == size
    from visualizer.core.mnist import read_mnist_file

    key = "train_images" if split == "train" else "test_images"
    images = read_mnist_file(mnist_dir, key)[start:start + size]
    ref = reference(model, index, images)
    channels = doc["channels"]
    assert [c["channel"] for c in channels] == list(range(1, len(ref["gamma"]) + 1))
    for key, want in ref.items():
        got = np.array([c[key] for c in channels])
        want = want.detach().double().numpy()
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6), key


def test_text_writes_the_four_steps_with_each_channels_numbers(capsys, mnist_dir):
    status, out, err = run_cli(capsys, "--net", "mnist-net2", "--seed", "3", "--layer", "bn1", "--batch", "16",
                               "--start", "40", "--data", str(mnist_dir))
    assert status == 0, err
    status, js, _ = run_cli(capsys, "--net", "mnist-net2", "--seed", "3", "--layer", "bn1", "--batch", "16",
                            "--start", "40", "--data", str(mnist_dir), "--format", "json")
    from visualizer.core.batchnorm_text import num

    doc = json.loads(js)
    assert "MNIST test images 40 to 55 (N = 16)" in out
    assert "m = N·H·W = 16·784 = 12,544 values" in out
    assert out.count("1. mini-batch mean") == len(doc["channels"]) > 1
    for ch in doc["channels"]:
        block = out.split(f"Channel {ch['channel']} ")[1].split("\nChannel ")[0]
        assert f"μ_B  = (1/m) Σ x_i = {num(ch['batch_mean'])}" in block
        assert f"σ²_B = (1/m) Σ (x_i − μ_B)² = {num(ch['batch_var'])}" in block
        assert f"= {num(ch['running_var_after'])}   (0.1·unbiased {num(ch['batch_var_unbiased'])})" in block
        assert f"y_i  = γ·x̂_i + β = {num(ch['gamma'])}·x̂_i " in block


@pytest.mark.parametrize("args, message", [
    (["--layer", "bn7", "--batch", "4"], "no layer named 'bn7'; the BatchNorm2d layers: bn1, bn2, bn3"),
    (["--layer", "relu1", "--batch", "4"], "layer relu1 is a ReLU, not a BatchNorm2d"),
    (["--layer", "bn1", "--batch", "513"], "the batch size must be from 2 to 512 images, got 513"),
    (["--layer", "bn1", "--batch", "1"], "the batch size must be from 2 to 512 images, got 1"),
    (["--layer", "bn1", "--batch", "8", "--start", "9993"], "images 9,993 to 10,000 are out of range"),
    (["--layer", "bn1", "--batch", "8", "--split", "train", "--start", "59993"], "the MNIST train file has 60,000"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, mnist_dir, args, message):
    status, out, err = run_cli(capsys, "--net", "mnist-net1", *args, "--data", str(mnist_dir))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_no_mnist_and_usage_errors_exit_2(tmp_path, capsys):
    status, out, err = run_cli(capsys, "--net", "mnist-net1", "--layer", "bn1", "--batch", "4", "--data", str(tmp_path))
    assert status == 2 and err.count("\n") == 1 and "MNIST not found" in err
    for args in (["--net", "mnist-net1", "--layer", "bn1"], ["--net", "mnist-net1", "--batch", "4"],
                 ["--net", "mnist-net1", "--layer", "bn1", "--batch", "two"],
                 ["--net", "mnist-net1", "--layer", "bn1", "--batch", "4", "--split", "val"]):
        with pytest.raises(SystemExit) as exc:
            main(["bn", *args])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
