"""Issue 28, item 1 on the Network tab: while torch is first imported (on the loader's thread, never
the GUI's) the tab says "Loading PyTorch…" in the maps pane and the status line, and answers clicks
and keys meanwhile; the drawing made then is shown once the net is there."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from tests.helpers.gui import draw_stroke, launch_main_window
from visualizer.ui.network import loader, model as network_model
from visualizer.ui.network.panel import NetworkPanel


def test_the_network_tab_says_loading_pytorch_and_answers_meanwhile(qtbot, fresh_settings, monkeypatch):
    release = threading.Event()
    state = {"imported": False, "on_gui_thread": None}

    def slow_import() -> None:  # a first `import torch` that takes as long as the test wants
        state["on_gui_thread"] = threading.current_thread() is threading.main_thread()
        release.wait(30)
        state["imported"] = True

    monkeypatch.setattr(loader, "import_torch", slow_import)
    for module in (loader, network_model):
        monkeypatch.setattr(module, "torch_ready", lambda: state["imported"])
    w = launch_main_window(qtbot)
    try:
        bar = w.tabs.tabBar()
        index = next(i for i in range(w.tabs.count()) if w.tabs.tabText(i) == "Network")
        qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
        panel = w.tabs.currentWidget()
        assert isinstance(panel, NetworkPanel)
        qtbot.waitUntil(lambda: panel.status.text() == "Loading PyTorch…")
        assert panel.maps.canvas.placeholder() == "Loading PyTorch…"  # in place of the maps
        assert state["on_gui_thread"] is False  # the import runs on the loader's thread
        # meanwhile a click draws and a key answers
        draw_stroke(qtbot, panel.canvas, [(6, 8), (6, 20), (24, 10)])
        qtbot.waitUntil(lambda: panel.model.drawing.any())
        qtbot.keyClick(w, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: w.display.lecture)
        qtbot.keyClick(w, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: not w.display.lecture)
        assert panel.status.text() == "Loading PyTorch…" and panel.model.acts is None  # still loading
    finally:
        release.set()
    qtbot.waitUntil(lambda: panel.model.acts is not None and not panel.model.busy, timeout=30_000)
    assert panel.status.text() == " " and panel.maps.canvas.placeholder() != "Loading PyTorch…"
    assert panel.model.pixels.max() > 200  # the drawing made while torch loaded reached the net
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())
