"""The Network tab on a run whose net has Residual blocks (issue #22, item 3): every layer inside
a block and the block itself are shown, hovered and opened like any other layer."""

from __future__ import annotations

import numpy as np
import torch

from visualizer.core.runs import write_json
from visualizer.core.training import TrainConfig, build_model
from visualizer.ui.network.panel import NetworkPanel

NET = {
    "version": 2, "name": "tiny-resnet", "input_shape": [1, 28, 28],
    "layers": [
        {"type": "Conv2d", "name": "conv1", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "Residual", "name": "layer1.0",
         "main": [{"type": "Conv2d", "name": "conv1", "out_channels": 4, "kernel_size": 3, "padding": 1},
                  {"type": "BatchNorm2d", "name": "bn1"}]},
        {"type": "Residual", "name": "layer2.0",
         "main": [{"type": "Conv2d", "name": "conv1", "out_channels": 8, "kernel_size": 3, "stride": 2,
                   "padding": 1}],
         "shortcut": [{"type": "Conv2d", "name": "downsample.0", "out_channels": 8, "kernel_size": 1,
                       "stride": 2}]},
        {"type": "Flatten"}, {"type": "Linear", "out_features": 10},
    ],
}


def residual_run(folder):
    folder.mkdir(parents=True)
    cfg = TrainConfig(net=NET).to_dict()
    cfg["run_id"] = folder.name
    write_json(folder / "config.json", cfg)
    torch.manual_seed(0)
    torch.save(build_model(NET).state_dict(), folder / "model.pt")
    return folder


def test_a_residual_run_shows_each_block_and_its_layers(qtbot, fresh_settings, tmp_path):
    folder = residual_run(tmp_path / "res")
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.acts is not None and not panel.model.busy, timeout=30_000)
    panel.open_request({"run": str(folder), "index": None})
    model = panel.model
    qtbot.waitUntil(lambda: model.net is not None and model.net.run_folder == folder and model.acts is not None
                    and len(model.acts.layers) == len(model.net.layers) and not model.busy, timeout=30_000)
    names = [la.name for la in model.acts.layers]
    assert names == ["conv1", "layer1.0.conv1", "layer1.0.bn1", "layer1.0", "layer2.0.conv1",
                     "layer2.0.downsample.0", "layer2.0", "flatten1", "fc1"]
    assert model.acts.layers[names.index("layer2.0")].shape == (8, 14, 14)
    assert "Cannot" not in panel.status.text()
    # hover a value of the block: its receptive field is worked out
    block = names.index("layer2.0")
    model.set_hover((block, 2, 3, 4))
    assert model.hover_text().startswith("layer2.0 channel 3, row 4, column 5: ")  # counted from 1
    assert "receptive field 7×7: input rows 4–10, columns 6–12" in model.hover_text()
    # a convolution inside the block opens up as the sum of its channels
    inner = names.index("layer2.0.conv1")
    assert model.is_conv(inner) and not model.is_conv(block)
    model.open_map(inner, 5)
    qtbot.waitUntil(lambda: model.parts is not None, timeout=10_000)
    assert np.allclose(model.parts.total, model.acts.layers[inner].values[5], atol=1e-5)
    panel.close()
