"""The Network tab as a user meets it: draw a digit, watch every layer respond, open a conv map,
hand it to the Convolution explorer; runs and digits handed over from another tab; bad files."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt, Signal

from tests.helpers.gui import choose_in_combo, draw_stroke, open_network_tab
from tests.helpers.runs import make_run
from visualizer.core.number_text import shown
from visualizer.ui.shell.main_window import MainWindow
from visualizer.ui.shell.panel import Panel
from visualizer.ui.network.panel import NetworkPanel


def close(qtbot, w) -> None:
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())


def test_draw_a_digit_open_a_conv_map_and_hand_it_to_the_explorer(qtbot, fresh_settings):
    w = MainWindow()
    qtbot.addWidget(w)
    panel = open_network_tab(qtbot, w)
    model = panel.model
    assert w.tabs.tabText(w.tabs.currentIndex()) == "Network"
    before = [la.values.copy() for la in model.acts.layers]
    probs_before = model.acts.probabilities.copy()
    redraws = panel.maps.canvas.redraws
    # A seven: a bar across the top, then down to the lower left.
    draw_stroke(qtbot, panel.canvas, [(6, 8), (6, 14), (6, 20), (10, 18), (15, 15), (20, 12), (24, 10)])
    qtbot.waitUntil(lambda: model.drawing.any() and panel.maps.canvas.redraws > redraws)
    assert model.drawing[6, 14] > 200 and model.drawing[15, 15] > 100  # ink where the mouse went
    assert model.drawing[24, 24] == 0
    after = model.acts
    assert not np.allclose(after.probabilities, probs_before)
    for la, old in zip(after.layers, before):
        assert not np.array_equal(la.values, old), f"{la.name} did not change"
    assert panel.probabilities.summary.text().startswith(f"<b>Prediction: {after.prediction}</b>")
    # What the net receives: MNIST's preprocessing of the drawing
    ys, xs = np.nonzero(model.pixels)
    assert model.pixels.max() > 200 and max(np.ptp(ys), np.ptp(xs)) + 1 == 20

    # a second stroke changes the prediction's inputs again (the live update)
    first = after.layers[0].values.copy()
    draw_stroke(qtbot, panel.canvas, [(14, 6), (14, 22)])
    qtbot.waitUntil(lambda: not np.array_equal(model.acts.layers[0].values, first))

    # hover: value and receptive field
    canvas = panel.maps.canvas
    conv2 = next(i for i, la in enumerate(model.acts.layers) if la.name == "conv2")
    rect = canvas.tile_rect(conv2, 3)
    panel.maps.scroll.ensureVisible(int(rect.center().x()), int(rect.center().y()), 80, 80)
    qtbot.mouseMove(canvas, rect.center().toPoint())
    qtbot.waitUntil(lambda: model.hover is not None and model.hover[:2] == (conv2, 3))
    assert "receptive field 8×8" in panel.maps.hover_label.text()
    assert model.hover_field()[2:] == (8, 8)

    # click the map: it opens up, and the per-channel sum plus bias is that map
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert model.opened == (conv2, 3)
    parts = model.parts
    assert parts.inputs.shape[0] == model.acts.layers[conv2 - 1].values.shape[0] == 8
    assert np.allclose(parts.partials.sum(0) + parts.bias, model.acts.layers[conv2].values[3], atol=1e-5)
    assert "conv2, output channel 4" in panel.opened.title.text()  # map 3 from 0, shown from 1
    # hover an output pixel of the sum: the per-channel windows and partial sums
    pc = panel.opened.canvas
    total = next(r for kind, _c, r in pc.cells if kind == "total")
    panel.opened.scroll.ensureVisible(int(total.center().x()), int(total.center().y()))
    qtbot.mouseMove(pc, total.center().toPoint())
    qtbot.waitUntil(lambda: "Output pixel" in panel.opened.arithmetic.text())
    oy, ox = pc.pixel
    held = model.acts.layers[conv2].values[3][oy, ox]
    assert f"{shown(held)}</span></a>)" in panel.opened.arithmetic.text()  # (the map holds …), 3 digits

    # hand it to the explorer (the Convolution tab's open_convolution; a stand-in records the call)
    conv_panel = w.panels[0]
    received = []
    original = getattr(conv_panel, "open_convolution", None)

    def recorder(**kwargs):
        received.append(kwargs)
        if callable(original):
            original(**kwargs)

    conv_panel.open_convolution = recorder
    panel.opened.channel_combo.setCurrentIndex(2)  # input channel 1 only
    with qtbot.waitSignal(panel.explorer_requested, timeout=5000):
        qtbot.mouseClick(panel.opened.explorer_button, Qt.MouseButton.LeftButton)
    assert w.tabs.currentWidget() is conv_panel
    got = received[0]
    assert got["inputs"].shape == (1, 14, 14) and got["kernels"].shape == (1, 1, 3, 3)
    assert np.allclose(got["inputs"][0], parts.inputs[1]) and np.allclose(got["kernels"][0, 0], parts.kernels[1])
    assert got["stride"] == (1, 1) and got["padding"] == (1, 1) and got["dilation"] == (1, 1)
    assert "conv2" in got["title"]
    close(qtbot, w)


class StandInExplorer(Panel):
    title = "Explorer"

    def __init__(self) -> None:
        super().__init__()
        self.calls = []

    def open_convolution(self, inputs, kernels, stride=(1, 1), padding=(0, 0), dilation=(1, 1), bias=0.0, title=""):
        self.calls.append(dict(inputs=inputs, kernels=kernels, stride=stride, padding=padding, dilation=dilation,
                               bias=bias, title=title))


class StandInTraining(Panel):
    title = "Runs"
    network_requested = Signal(dict)


def test_a_run_and_a_misclassified_digit_handed_over_and_all_channels_to_the_explorer(qtbot, fresh_settings,
                                                                                       tmp_path):
    folder = make_run(tmp_path / "run")
    images = np.zeros((3, 28, 28), np.uint8)
    images[1, 4:24, 12:16] = 255
    np.savez(folder / "results.npz", misclassified_images=images, misclassified_true=np.array([4, 1, 9]),
             misclassified_pred=np.array([9, 7, 4]), misclassified_index=np.array([5, 6, 7]))
    training, network, explorer = StandInTraining(), NetworkPanel(), StandInExplorer()
    w = MainWindow(panels=[training, network, explorer])
    qtbot.addWidget(w)
    w.show()
    training.network_requested.emit({"run": str(folder), "index": 6})  # test image 6 = its 2nd mistake
    assert w.tabs.currentWidget() is network
    model = network.model
    qtbot.waitUntil(lambda: model.acts is not None and model.label == 1 and not model.busy, timeout=30_000)
    assert model.net.run_folder == folder and np.array_equal(model.pixels, images[1])
    assert "true label: 1" in network.probabilities.summary.text()
    assert network.picker.wrong_combo.count() == 3 and "a 1 taken for a 7" in network.picker.wrong_combo.itemText(1)
    assert network.picker.wrong_combo.currentIndex() == 1  # the box names the digit shown
    # open conv1's map 0 by clicking it; hand over all input channels with the bias
    canvas = network.maps.canvas
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.tile_rect(0, 0).center().toPoint())
    with qtbot.waitSignal(network.explorer_requested):
        qtbot.mouseClick(network.opened.explorer_button, Qt.MouseButton.LeftButton)
    assert w.tabs.currentWidget() is explorer
    call = explorer.calls[0]
    assert call["inputs"].shape == (1, 28, 28) and call["kernels"].shape == (1, 1, 3, 3)
    assert call["bias"] == pytest.approx(model.parts.bias)
    from visualizer.core.convolution import ConvSpec, convolve

    out = convolve(call["inputs"], call["kernels"], ConvSpec(stride=call["stride"], padding=call["padding"]))[0]
    assert np.allclose(out + call["bias"], model.acts.layers[0].values[0], atol=1e-4)
    # the colour-scale toggle
    network.maps.own_scale.click()
    assert model.scale == "own"
    # choosing another mistake shows it at once (no button to press)
    choose_in_combo(qtbot, network.picker.wrong_combo, "#2: a 9 taken for a 4")
    qtbot.waitUntil(lambda: model.label == 9 and model.image_ref == 2 and not model.busy, timeout=10_000)
    close(qtbot, w)


def test_bad_run_folders_say_so_in_the_tab(qtbot, fresh_settings, tmp_path):
    broken = make_run(tmp_path / "broken")
    (broken / "model.pt").write_bytes(b"not a torch file")
    missing = make_run(tmp_path / "missing")
    (missing / "model.pt").unlink()
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.acts is not None and not panel.model.busy, timeout=30_000)
    for folder, words in ((broken, "not a readable model file"), (missing, "no trained model")):
        panel.open_request({"run": str(folder), "index": None})
        qtbot.waitUntil(lambda: words in panel.status.text() and not panel.model.busy, timeout=30_000)
        assert panel.status.text().startswith("Cannot load the net: ")
    assert panel.model.acts is not None  # the net shown before stays
    # image files: one that is not an image, then a real one (fitted and centred as MNIST)
    from tests.helpers.images import save_png

    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    panel.model.request_image_file(str(text))
    qtbot.waitUntil(lambda: "Cannot use this image" in panel.status.text() and not panel.model.busy, timeout=30_000)
    png = tmp_path / "digit.png"
    paper = np.full((60, 40), 255, np.uint8)
    paper[5:55, 15:22] = 0  # dark ink on light paper
    save_png(png, paper)
    panel.model.request_image_file(str(png))
    qtbot.waitUntil(lambda: panel.model.image_kind == "file" and panel.model.pixels.max() > 200, timeout=30_000)
    assert panel.model.pixels[0].max() == 0 and panel.model.label is None
    panel.close()


def test_test_digits_by_index_and_class(qtbot, fresh_settings, mnist_dir):
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.apply_settings({"mnist_dir": str(mnist_dir)})
    panel.show()
    qtbot.waitUntil(lambda: panel.model.acts is not None and not panel.model.busy, timeout=30_000)
    panel.picker.index_spin.setValue(0)
    qtbot.mouseClick(panel.picker.index_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.label == 7, timeout=30_000)  # test image 0 is a 7
    panel.picker.class_combo.setCurrentIndex(3)
    qtbot.mouseClick(panel.picker.class_button, Qt.MouseButton.LeftButton)
    assert panel.model.label == 3 and panel.picker.index_spin.value() == panel.model.image_ref
    # an image shown from elsewhere (a hand-over, a snapshot's --index): the box names it
    panel.model.show_test_image(7)
    qtbot.waitUntil(lambda: panel.model.image_ref == 7)
    assert panel.picker.index_spin.value() == 7
    panel.close()


def test_the_session_keeps_the_drawing_and_the_scale(qtbot, fresh_settings):
    panel = NetworkPanel()
    qtbot.addWidget(panel)
    panel.model.set_drawing(np.eye(28) * 255)
    panel.model.set_scale("own")
    state = panel.save_state()
    other = NetworkPanel()
    qtbot.addWidget(other)
    other.restore_state(state)
    assert np.array_equal(other.model.drawing, np.eye(28) * 255) and other.model.scale == "own"
    qtbot.waitUntil(lambda: other.model.acts is not None and not other.model.busy, timeout=30_000)
    other.restore_state({"drawing": ["x"] * 784, "brush": float("nan"), "net": {"kind": "evil"}, "scale": 3})
    assert other.model.scale == "own"
    panel.shutdown()
    other.shutdown()


def test_the_real_training_tab_opens_a_misclassified_digit_in_the_network_tab(qtbot, fresh_settings, tmp_path):
    """The whole path in the real window: Training's Test results → Open in Network (right-click a
    misclassified digit) → the Network tab shows that run and that digit."""
    import json

    runs = tmp_path / "runs"
    folder = make_run(runs / "2026-11-28_100000_mnist-net2")
    (folder / "metrics.json").write_text(json.dumps({"final": {"status": "completed", "test_accuracy": 0.5},
                                                     "epochs": []}))
    images = np.zeros((3, 28, 28), np.uint8)
    images[2, 6:22, 10:18] = 255
    np.savez(folder / "results.npz", confusion=np.eye(10, dtype=np.int64),
             misclassified_images=images, misclassified_true=np.array([4, 1, 0]),
             misclassified_pred=np.array([9, 7, 8]), misclassified_index=np.array([5, 6, 7]))
    fresh_settings.setValue("settings/runs_dir", str(runs))
    fresh_settings.sync()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    training = next(p for p in w.panels if p.title == "Training")
    network = next(p for p in w.panels if p.title == "Network")
    w.tabs.setCurrentWidget(training)
    training.model.select(folder.name)
    results = training.results_view
    qtbot.waitUntil(lambda: folder.name in results.caption.text())
    results._request(7)  # what the misclassified digit's context action sends: its test-split position
    assert w.tabs.currentWidget() is network
    model = network.model
    qtbot.waitUntil(lambda: model.acts is not None and model.label == 0 and not model.busy, timeout=30_000)
    assert np.array_equal(model.pixels, images[2])
    close(qtbot, w)
