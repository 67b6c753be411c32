"""The Network tab's batch-norm view as a user meets it: pick the tab, a layer, a batch and a
channel; the numbers are core.batchnorm's (themselves held against torch); bad batches are a
sentence, not a traceback (issue 24)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from visualizer.core import activations as act
from visualizer.core import batchnorm as bn
from visualizer.core.batchnorm_text import num
from visualizer.ui.network.panel import NetworkPanel


def open_batchnorm(qtbot, mnist_dir) -> NetworkPanel:
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.apply_settings({"mnist_dir": str(mnist_dir)})
    panel.show()
    qtbot.waitUntil(lambda: panel.model.acts is not None and not panel.model.busy, timeout=30_000)
    bar = panel.right.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert panel.right.currentWidget() is panel.batchnorm_page
    return panel


def type_number(qtbot, spin, value: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_the_four_steps_for_a_chosen_layer_batch_and_channel(qtbot, fresh_settings, mnist_dir):
    panel = open_batchnorm(qtbot, mnist_dir)
    view, state = panel.batchnorm, panel.batchnorm.state
    qtbot.waitUntil(lambda: state.result is not None and not state.busy(), timeout=60_000)
    assert [view.layer.itemText(i) for i in range(view.layer.count())] == ["bn1", "bn2", "bn3"]
    # bn2, test images 40 … 71, channel 5
    view.layer.setCurrentIndex(1)
    view.layer.activated.emit(1)
    type_number(qtbot, view.start, 40)
    type_number(qtbot, view.size, 32)
    qtbot.waitUntil(lambda: state.result is not None and not state.busy() and state.result.stats.size == 32
                    and state.result.stats.layer == "bn2" and state.result.stats.start == 40, timeout=60_000)
    type_number(qtbot, view.channel, 5)
    assert state.channel == 5
    net = act.untrained_net("mnist-net1", 0)
    images = bn.mnist_images("test", mnist_dir)[40:72]
    want = bn.layer_statistics(net, "bn2", images).channels[4]
    text = view.steps.toPlainText()
    assert text.startswith("Channel 5 ")
    assert f"μ_B  = (1/m) Σ x_i = {num(want.batch_mean)}" in text
    assert f"σ²_B = (1/m) Σ (x_i − μ_B)² = {num(want.batch_var)}" in text
    assert f"= {num(want.running_var_after)}" in text
    counts, edges = state.result.histograms[4]
    assert counts.sum() == 32 * 14 * 14 and view.bars.xData is not None
    assert view.mean_line.value() == want.batch_mean
    xs, ys = view.dots.getData()
    assert len(xs) == 40 and set(ys) == {0.0, 1.0}
    assert "with 2 images" in view.spread_text.text()
    small = np.std(xs[ys == 0]); big = np.std(xs[ys == 1])
    assert small > big  # tiny batches scatter
    panel.close()
    panel.shutdown()


def test_a_batch_past_the_end_is_a_sentence(qtbot, fresh_settings, mnist_dir):
    panel = open_batchnorm(qtbot, mnist_dir)
    view, state = panel.batchnorm, panel.batchnorm.state
    qtbot.waitUntil(lambda: state.result is not None and not state.busy(), timeout=60_000)
    type_number(qtbot, view.start, 9_950)
    qtbot.waitUntil(lambda: "out of range" in view.status.text(), timeout=10_000)
    assert "images 9,950 to 10,077 are out of range" in view.status.text()
    assert state.result is None and "out of range" in view.steps.toPlainText()
    type_number(qtbot, view.size, 50)  # 9,950 … 9,999 fits
    qtbot.waitUntil(lambda: state.result is not None and not state.busy(), timeout=60_000)
    assert state.result.stats.size == 50
    panel.close()
    panel.shutdown()
