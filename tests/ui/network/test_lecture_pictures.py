"""Issue 26, item 2: the Network tab has a lecture mode too. F5 makes the drawing canvas, the maps'
tiles and the opened map's pictures grow with the type, Ctrl+plus grows them more, Ctrl+0 gives the
F5 look back and F5 again the desktop's sizes; nothing is cut meanwhile. Real keys on a fresh main
window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.helpers.gui import launch_main_window, open_network_tab, press_key
from visualizer.ui.shell.layout_report import clipped_widgets

SCREEN = (1920, 1080)


def pictures(panel) -> dict[str, float]:
    """The sides of the drawing canvas's square, conv1's first map tile and the opened map's first
    picture, and the canvas's twin (what the net receives)."""
    return {"canvas": panel.canvas.square().width(), "received": panel.input_view.square().width(),
            "tile": panel.maps.canvas.tile_rect(0, 0).width(),
            "opened": panel.opened.canvas.cells[0][2].width()}


def settled(qtbot, panel, before: dict[str, float] | None = None) -> dict[str, float]:
    """The pictures once the tab has laid itself out again (they changed from `before`, if given,
    and stay the same over a few event-loop turns)."""
    if before is not None:
        qtbot.waitUntil(lambda: pictures(panel) != before, timeout=5000)
    last = {}

    def steady() -> bool:
        nonlocal last
        now, last = pictures(panel), pictures(panel)
        qtbot.wait(50)
        return pictures(panel) == now

    qtbot.waitUntil(steady, timeout=5000)
    return last


def nothing_cut(w) -> None:
    assert clipped_widgets(w) == []


@pytest.fixture
def network(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    w.resize(*SCREEN)
    panel = open_network_tab(qtbot, w)
    qtbot.waitUntil(lambda: w.width() == SCREEN[0] and bool(panel.maps.canvas.blocks), timeout=5000)
    canvas = panel.maps.canvas
    tile = canvas.tile_rect(0, 0)  # conv1's first map: click it open, as a user does
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(tile.center().x()), int(tile.center().y())))
    qtbot.waitUntil(lambda: panel.model.parts is not None and bool(panel.opened.canvas.cells), timeout=10_000)
    return w, panel


def test_f5_and_ctrl_plus_grow_the_canvas_and_the_maps_and_ctrl0_f5_give_them_back(network, qtbot):
    w, panel = network
    desktop = settled(qtbot, panel)
    assert desktop["canvas"] == desktop["received"]
    nothing_cut(w)

    press_key(w, Qt.Key.Key_F5)
    assert w.display.lecture
    w.showNormal()  # the offscreen screen is 800×800: give the tab a projector's room
    w.resize(*SCREEN)
    qtbot.waitUntil(lambda: w.width() == SCREEN[0], timeout=5000)
    f5 = settled(qtbot, panel, desktop)
    for name in ("canvas", "tile", "opened"):
        assert f5[name] > 1.3 * desktop[name], (name, f5, desktop)  # with the type (× 1.5), as one picture
    assert f5["canvas"] == f5["received"]  # the two squares stay twins
    nothing_cut(w)

    press_key(w, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    big = settled(qtbot, panel, f5)
    for name in ("canvas", "tile", "opened"):
        assert big[name] > 1.1 * f5[name], (name, big, f5)  # × 1.15 more
    nothing_cut(w)

    press_key(w, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert settled(qtbot, panel, big) == f5  # Ctrl+0: the F5 look, not the desktop's

    press_key(w, Qt.Key.Key_F5)
    assert not w.display.lecture
    qtbot.waitUntil(lambda: w.width() == SCREEN[0], timeout=5000)
    assert settled(qtbot, panel, f5) == desktop  # F5 again: the sizes before lecture mode
    nothing_cut(w)


def test_dragging_a_splitter_in_lecture_mode_is_kept_until_the_type_changes(network, qtbot):
    w, panel = network
    press_key(w, Qt.Key.Key_F5)
    w.showNormal()
    w.resize(*SCREEN)
    qtbot.waitUntil(lambda: w.width() == SCREEN[0], timeout=5000)
    f5 = settled(qtbot, panel)
    handle = panel.splitter.handle(1)
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, start - QPoint(120, 0))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start - QPoint(120, 0))
    narrower = settled(qtbot, panel, f5)
    assert narrower["canvas"] < f5["canvas"]
    w.resize(SCREEN[0] - 40, SCREEN[1])  # a resize keeps what the user chose ...
    qtbot.waitUntil(lambda: w.width() == SCREEN[0] - 40, timeout=5000)
    assert settled(qtbot, panel)["canvas"] == pytest.approx(narrower["canvas"], abs=2)
    press_key(w, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)  # ... a new type shares anew
    assert settled(qtbot, panel, narrower)["canvas"] > f5["canvas"]


def test_a_small_square_at_large_type_takes_its_title_and_hint_in_a_smaller_type(qtbot, net1_model):
    from PySide6.QtGui import QFont

    from visualizer.ui.network.canvas import SIDE_MIN, DrawingCanvas, InputView

    canvas, received = DrawingCanvas(net1_model), InputView(net1_model)
    for view in (canvas, received):
        qtbot.addWidget(view)
        font = QFont(view.font())
        font.setPointSizeF(30)  # lecture zoom 5 or so
        view.setFont(font)
        view.resize(SIDE_MIN, view.minimumSizeHint().height() + 40)
        view.show()
    canvas.twin, received.twin = received, canvas
    qtbot.waitExposed(received)
    assert canvas.hint_font().pointSizeF() < 30 and received.title_font().pointSizeF() < 30
    assert canvas.layout_problems() == [] and received.layout_problems() == []
    assert canvas.square() == received.square()  # twins: one side, one top
    assert canvas.square().top() >= canvas.title_height() and canvas.square().bottom() <= canvas.height()
