"""`convviz activations` held against a plain torch forward pass with forward hooks."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch

from tests.helpers.images import save_png
from tests.helpers.runs import make_run
from visualizer.cli import main
from visualizer.core.training import build_model


def run_cli(capsysbinary, *args):
    status = main(["activations", *args])
    out, err = capsysbinary.readouterr()
    return status, out, err.decode("utf-8", "replace")


def hooked(module, x):
    outs = []
    hs = [c.register_forward_hook(lambda _m, _i, o: outs.append(o[0].detach().numpy().copy()))
          for c in module.children()]
    module.eval()
    with torch.no_grad():
        logits = module(torch.from_numpy(x.astype(np.float32))[None, None])
    for h in hs:
        h.remove()
    return outs, torch.softmax(logits[0].double(), 0).numpy()


def test_json_of_a_run_and_a_test_digit_equals_torch_hooks(tmp_path, capsysbinary, mnist_dir):
    folder = make_run(tmp_path / "run")
    status, out, err = run_cli(capsysbinary, "--run", str(folder), "--index", "3", "--data", str(mnist_dir))
    assert status == 0, err
    doc = json.loads(out)
    from visualizer.core.activations import mnist_test_set

    images, labels = mnist_test_set(mnist_dir)
    x = (images[3] / 255.0 - 0.1307) / 0.3081
    module = build_model("mnist-net2")
    module.load_state_dict(torch.load(folder / "model.pt", weights_only=True))
    outs, probs = hooked(module, x)
    assert np.allclose(doc["input"], x, atol=1e-6)
    assert [la["name"] for la in doc["layers"]][:3] == ["conv1", "bn1", "relu1"]
    assert [la["type"] for la in doc["layers"]][-2:] == ["Flatten", "Linear"]
    for la, ref in zip(doc["layers"], outs, strict=True):
        assert la["shape"] == list(ref.shape)
        assert np.array_equal(np.asarray(la["values"], dtype=np.float32), ref), la["name"]
    assert np.allclose(doc["probabilities"], probs) and abs(sum(doc["probabilities"]) - 1) < 1e-9
    assert doc["prediction"] == int(np.argmax(probs)) and doc["label"] == int(labels[3])


def test_npz_of_an_untrained_net_and_an_image_file(tmp_path, capsysbinary):
    digit = np.zeros((56, 40), np.uint8)
    digit[8:48, 18:24] = 255
    png = tmp_path / "one.png"
    save_png(png, digit)
    out_file = tmp_path / "a.npz"
    status, out, err = run_cli(capsysbinary, "--net", "mnist-net1", "--seed", "4", "--image", str(png),
                               "--format", "npz", "--out", str(out_file))
    assert status == 0 and out == b"", err
    from visualizer.core.activations import mnist_preprocess, normalize, untrained_net

    x = normalize(mnist_preprocess(digit.astype(float)))
    net = untrained_net("mnist-net1", 4)
    outs, probs = hooked(net.module, x)
    with np.load(out_file) as z:
        assert np.array_equal(z["input"], x)
        assert np.allclose(z["probabilities"], probs)
        names = [la.name for la in net.layers]
        assert set(z.files) == set(names) | {"input", "probabilities"}
        for name, ref in zip(names, outs):
            assert np.array_equal(z[name], ref), name
    # to stdout, json, label null
    status, out, err = run_cli(capsysbinary, "--net", "mnist-net1", "--seed", "4", "--image", str(png))
    assert status == 0 and json.loads(out)["label"] is None
    status, out, _ = run_cli(capsysbinary, "--net", "mnist-net1", "--image", str(png), "--format", "npz")
    assert status == 0 and set(np.load(io.BytesIO(out)).files) >= {"input", "conv1"}


def test_a_json_architecture_file(tmp_path, capsysbinary):
    arch = tmp_path / "net.json"
    arch.write_text(json.dumps({"version": 1, "input_shape": [1, 28, 28], "layers": [
        {"type": "Conv2d", "out_channels": 2, "kernel_size": 5, "stride": 3}, {"type": "Flatten"},
        {"type": "Linear", "out_features": 10}]}))
    png = tmp_path / "d.png"
    save_png(png, np.eye(20, dtype=np.uint8) * 255)
    status, out, err = run_cli(capsysbinary, "--net", str(arch), "--seed", "1", "--image", str(png))
    assert status == 0, err
    assert [la["shape"] for la in json.loads(out)["layers"]] == [[2, 8, 8], [128], [10]]


def one_line_error(status, out, err):
    assert status == 2 and out == b""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convviz: error: "), err
    return lines[0]


def test_bad_inputs_are_one_line_and_exit_2(tmp_path, capsysbinary, monkeypatch):
    png = tmp_path / "d.png"
    save_png(png, np.eye(20, dtype=np.uint8) * 255)
    no_model = make_run(tmp_path / "no_model")
    (no_model / "model.pt").unlink()
    wrong = make_run(tmp_path / "wrong", state=build_model("mnist-net1").state_dict())
    cut = make_run(tmp_path / "cut")
    (cut / "model.pt").write_bytes((cut / "model.pt").read_bytes()[:300])
    text = tmp_path / "not_an_image.png"
    text.write_text("hello")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cases = [
        (["--run", str(no_model), "--image", str(png)], "no trained model"),
        (["--run", str(wrong), "--image", str(png)], "does not fit"),
        (["--run", str(cut), "--image", str(png)], "not a readable model file"),
        (["--run", str(tmp_path / "nowhere"), "--image", str(png)], "not a run folder"),
        (["--net", "mnist-net1", "--image", str(text)], "cannot read image"),
        (["--net", "mnist-net1", "--image", str(empty)], "cannot read image"),
        (["--net", "mnist-net1", "--image", str(tmp_path)], "folder"),
        (["--net", "lenet5", "--image", str(png)], "1×28×28"),
        (["--net", "nonesuch", "--image", str(png)], "neither a preset nor a file"),
        (["--run", str(make_run(tmp_path / "ok")), "--seed", "1", "--image", str(png)], "--seed goes with --net"),
        (["--net", "mnist-net1", "--image", str(png), "--out", str(tmp_path)], "is a folder"),
    ]
    for args, words in cases:
        line = one_line_error(*run_cli(capsysbinary, *args))
        assert words in line, (args, line)


def test_index_out_of_range(capsysbinary, mnist_dir):
    line = one_line_error(*run_cli(capsysbinary, "--net", "mnist-net2", "--index", "10000", "--data", str(mnist_dir)))
    assert "out of range" in line


def test_usage_errors_exit_2(capsysbinary):
    for args in (["--net", "mnist-net1"], ["--index", "1"], ["--net", "x", "--run", "y", "--index", "0"],
                 ["--net", "mnist-net1", "--index", "-1"], ["--net", "mnist-net1", "--index", "9" * 40]):
        with pytest.raises(SystemExit) as exc:
            main(["activations", *args])
        assert exc.value.code == 2
        capsysbinary.readouterr()
