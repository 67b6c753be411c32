"""`convviz activations --gradients`: ∂L/∂ every layer and ∂L/∂input against torch.autograd."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from tests.helpers.autograd_oracle import assert_close, cut_oracle
from visualizer.cli import main
from visualizer.core import activations as act


def run_cli(capsysbinary, *args):
    status = main(["activations", *args])
    out, err = capsysbinary.readouterr()
    return status, out, err.decode("utf-8", "replace")


def save_png(path, pixels):
    from PySide6.QtGui import QImage

    a = np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8))
    img = QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()
    assert img.save(str(path))


@pytest.mark.parametrize("preset", ["mnist-net1", "mnist-net2"])
def test_json_gradients_of_a_test_digit_equal_autograd(capsysbinary, mnist_dir, preset):
    status, out, err = run_cli(capsysbinary, "--net", preset, "--seed", "0", "--index", "5",
                               "--data", str(mnist_dir), "--gradients")
    assert status == 0, err
    doc = json.loads(out)
    images, labels = act.mnist_test_set(mnist_dir)
    assert doc["target"] == doc["label"] == int(labels[5])  # the true label by default
    net = act.untrained_net(preset, 0)
    grads, input_grad, loss = cut_oracle(net.module, act.normalize(images[5]), doc["target"])
    for layer, want in zip(doc["layers"], grads, strict=True):
        assert np.shape(layer["grad"]) == tuple(layer["shape"]) == want.shape, layer["name"]
        assert_close(np.asarray(layer["grad"]), want)
    assert np.shape(doc["input_grad"]) == np.shape(doc["input"]) == (28, 28)
    assert_close(np.asarray(doc["input_grad"]), input_grad)
    assert doc["loss"] == pytest.approx(loss, rel=1e-9)
    assert doc["loss"] == pytest.approx(-np.log(doc["probabilities"][doc["target"]]), rel=1e-4)


def test_npz_with_a_target_and_an_image_file(tmp_path, capsysbinary):
    digit = np.zeros((40, 40), np.uint8)
    digit[6:34, 18:23] = 255
    png = tmp_path / "one.png"
    save_png(png, digit)
    out_file = tmp_path / "g.npz"
    status, out, err = run_cli(capsysbinary, "--net", "mnist-net2", "--seed", "0", "--image", str(png),
                               "--gradients", "--target", "4", "--format", "npz", "--out", str(out_file))
    assert status == 0, err
    net = act.untrained_net("mnist-net2", 0)
    x = act.normalize(act.mnist_preprocess(digit.astype(float)))
    grads, input_grad, loss = cut_oracle(net.module, x, 4)
    names = [la.name for la in net.layers]
    with np.load(out_file) as z:
        assert set(z.files) == (set(names) | {"input", "probabilities", "input_grad", "loss", "target"}
                                | {f"grad/{n}" for n in names})
        for name, want in zip(names, grads):
            assert z[f"grad/{name}"].shape == z[name].shape
            assert_close(z[f"grad/{name}"], want)
        assert_close(z["input_grad"], input_grad)
        assert int(z["target"]) == 4 and float(z["loss"]) == pytest.approx(loss)
    # --image without --target: the loss of the prediction
    status, out, err = run_cli(capsysbinary, "--net", "mnist-net2", "--seed", "0", "--image", str(png),
                               "--gradients")
    doc = json.loads(out)
    assert doc["target"] == doc["prediction"] and doc["label"] is None
    # without --gradients nothing changes
    status, out, err = run_cli(capsysbinary, "--net", "mnist-net2", "--seed", "0", "--image", str(png),
                               "--format", "npz")
    assert not any(n.startswith("grad/") for n in np.load(io.BytesIO(out)).files)


@pytest.mark.parametrize("args,words", [
    (["--target", "3"], "--target goes with --gradients"),
    (["--gradients", "--target", "10"], "--target must be a class from 0 to 9"),
    (["--gradients", "--target", "x"], "--target must be a class from 0 to 9"),
])
def test_bad_target_is_one_line_exit_2(tmp_path, capsysbinary, args, words):
    png = tmp_path / "d.png"
    save_png(png, np.eye(20, dtype=np.uint8) * 255)
    try:
        status = main(["activations", "--net", "mnist-net1", "--image", str(png), *args])
    except SystemExit as exc:
        status = exc.code
    out, err = capsysbinary.readouterr()
    lines = err.decode().strip().splitlines()
    assert status == 2 and out == b"" and len(lines) == 1 and words in lines[0], lines
