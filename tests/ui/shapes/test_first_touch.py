"""A first look at the Shapes tool from the whole app, as a student would take it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.helpers.gui import launch_main_window
from tests.helpers.pages import ShapesPage
from visualizer.core.architecture import compute_table, preset
from visualizer.ui.shell.devices import device_probe


def test_pick_a_preset_in_the_shapes_tab_of_a_fresh_window(qtbot, fresh_settings):
    w = launch_main_window(qtbot)

    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    shapes = w.tabs.currentWidget()
    assert w.tabs.tabText(w.tabs.currentIndex()) == "Shapes"

    totals = shapes.problem_label
    lenet = compute_table(preset("lenet5")).total_params
    ShapesPage(shapes).choose_preset(qtbot, "lenet5")
    qtbot.waitUntil(lambda: f"{lenet:,} parameters" in totals.text())

    expected = compute_table(preset("mnist-net1")).total_params
    ShapesPage(shapes).choose_preset(qtbot, "mnist-net1")
    qtbot.waitUntil(lambda: f"{expected:,} parameters" in totals.text())
    assert shapes.network_bar.preset_combo.currentText() == "mnist-net1"
    assert f"{lenet:,} parameters" not in totals.text()
    # the tab also takes Alt+1 / Alt+2 back and forth
    qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert w.tabs.currentIndex() == 0
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert w.tabs.currentWidget() is shapes
    # the shown window probes the devices (imports torch) on a worker thread: let it finish
    qtbot.waitUntil(lambda: device_probe().report() is not None, timeout=120_000)


def test_open_in_network_shows_the_shapes_net_untrained_in_the_network_tab(qtbot, fresh_settings):
    from visualizer.ui.shell.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    shapes = next(p for p in w.panels if p.title == "Shapes")
    network = next(p for p in w.panels if p.title == "Network")
    shapes.load_preset("mnist-net2")
    assert shapes.network_action.isEnabled()
    shapes.network_action.trigger()
    assert w.tabs.currentWidget() is network
    qtbot.waitUntil(lambda: network.model.net is not None and not network.model.busy, timeout=60_000)
    assert "mnist-net2" in network.model.net.source
    shapes.load_preset("vgg16")  # 3×224×224 in: not an MNIST net
    assert not shapes.network_action.isEnabled()
    w.close()


def test_at_1280x800_the_table_and_the_diagram_share_the_height(qtbot, fresh_settings):
    # A 14-layer net: every row visible without scrolling, and the diagram gets the rest (at least
    # DIAGRAM_MIN), rather than a strip of blank table rows above a diagram that scrolls.
    w = launch_main_window(qtbot, size=(1280, 760))
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    shapes = w.tabs.currentWidget()
    ShapesPage(shapes).choose_preset(qtbot, "mnist-net1")
    qtbot.waitUntil(lambda: shapes.splitter.sizes()[1] >= shapes.DIAGRAM_MIN)
    table = shapes.view
    qtbot.waitUntil(lambda: table.verticalScrollBar().maximum() == 0)
    assert table.model().rowCount() >= 14
    qtbot.waitUntil(lambda: device_probe().report() is not None, timeout=120_000)

    # A long net (VGG16) takes twenty rows at 1280x800 and leaves the diagram what remains.
    ShapesPage(shapes).choose_preset(qtbot, "vgg16")
    assert table.model().rowCount() > 20
    rows = table.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: table.viewport().height() >= 20 * rows)
    assert shapes.splitter.sizes()[1] >= 120
