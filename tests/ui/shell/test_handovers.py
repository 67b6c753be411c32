"""Hand-overs between tabs as a user makes them, from a fresh main window: a map of the Network tab
opened and handed to the Convolution explorer, which shows that very convolution, and the status
line saying where it went, once."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.helpers.gui import launch_main_window, open_network_tab


def test_a_network_map_handed_to_the_explorer_is_that_convolution_and_the_status_says_where(
        qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    network = open_network_tab(qtbot, w)
    model = network.model
    conv2 = next(i for i, la in enumerate(model.acts.layers) if la.name == "conv2")
    canvas = network.maps.canvas
    rect = canvas.tile_rect(conv2, 3)
    network.maps.scroll.ensureVisible(int(rect.center().x()), int(rect.center().y()), 80, 80)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert model.opened == (conv2, 3)
    explorer = w.panels[0]
    before = explorer.model.result
    qtbot.mouseClick(network.opened.explorer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.tabs.currentWidget() is explorer and explorer.model.result is not before
                    and explorer.model.result is not None)
    assert w.statusBar().currentMessage() == "This convolution handed to the Convolution tab"
    result = explorer.model.result
    # all eight input channels, summed, with conv2's bias: the map the Network tab shows
    assert result.input.shape[0] == 8 and result.spec.bias == model.parts.bias != 0
    assert np.allclose(result.output[0], model.acts.layers[conv2].values[3], atol=1e-5)
