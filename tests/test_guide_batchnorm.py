"""The batch-norm guide page's numbers are what the code computes (issue 24)."""

from __future__ import annotations

import html
import json
import re

import numpy as np

from visualizer.core import activations as act
from visualizer.core import batchnorm as bn
from visualizer.core.batchnorm_text import num
from visualizer.resources import resource_path


def page_text() -> str:
    text = (resource_path("guide") / "09-batch-norm.html").read_text(encoding="utf-8")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def test_the_worked_example_and_the_batch_size_spread(mnist_dir):
    page = page_text()
    net = act.untrained_net("mnist-net1", 0)
    images = bn.mnist_images("test", mnist_dir)
    ch = bn.layer_statistics(net, "bn1", images[:128], "test", 0).channels[0]
    sd = (ch.batch_var + 1e-5) ** 0.5
    for shown in (f"1. μ_B = {num(ch.batch_mean)}", f"2. σ²_B = {num(ch.batch_var)}",
                  f"(x_i − {num(ch.batch_mean)}) / {num(sd)} x̂: mean 0, variance {num(ch.xhat_var)}",
                  f"running_mean 0 → 0.9·0 + 0.1·{num(ch.batch_mean)} = {num(ch.running_mean_after)}",
                  f"running_var 1 → 0.9·1 + 0.1·{num(ch.batch_var_unbiased)} = {num(ch.running_var_after)}",
                  f"(mean {num(ch.eval_output_mean)}, variance {num(ch.eval_output_var)})"):
        assert shown.replace("−", "-") in page.replace("−", "-"), shown
    spread = bn.batch_spread(net, "bn1", images)
    for size in (2, 128):
        m, v = spread.means[size][:, 0], spread.variances[size][:, 0]
        shown = f"μ_B ranged from {m.min():.3f} to {m.max():.3f} and σ²_B from {v.min():.3f} to {v.max():.3f}"
        short = f"from {m.min():.3f} to {m.max():.3f} and from {v.min():.3f} to {v.max():.3f}"
        assert (shown if size == 2 else short) in page, size


def test_the_experiments_net_is_mnist_net1_without_batch_norm():
    folder = resource_path("architectures")
    with_bn = json.loads((folder / "mnist-net1.json").read_text(encoding="utf-8"))
    without = json.loads((folder / "mnist-net1-no-bn.json").read_text(encoding="utf-8"))
    assert without["layers"] == [la for la in with_bn["layers"] if la["type"] != "BatchNorm2d"]
    net = act.untrained_net(without, 0)
    names = [info.name for info in net.layers]
    assert names[:3] == ["conv1", "relu1", "maxpool1"] and names[3] == "conv2"
    assert np.array_equal(net.module[0].weight.detach().numpy(),
                          act.untrained_net("mnist-net1", 0).module[0].weight.detach().numpy())  # trained alike
