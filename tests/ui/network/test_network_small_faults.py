"""Issue 26, item 6 on the Network tab: Browse… loads the run it chose; a message is said once and
the explorer's step line does not linger on another tab."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.helpers.gui import launch_main_window
from tests.helpers.runs import make_run
from visualizer.ui.network.panel import NetworkPanel


def open_tab(qtbot, w, title: str):
    bar = w.tabs.tabBar()
    index = next(i for i in range(w.tabs.count()) if w.tabs.tabText(i) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    return w.tabs.currentWidget()


def test_browse_loads_the_run_and_says_so_once_and_no_stale_explorer_line(qtbot, fresh_settings, tmp_path,
                                                                           monkeypatch):
    folder = make_run(tmp_path / "run1")
    w = launch_main_window(qtbot)
    conv = w.tabs.currentWidget()
    for _ in range(3):
        qtbot.keyClick(conv.matrices.output_view, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: w.statusBar().currentMessage().startswith("Cell 3 of "))
    panel = open_tab(qtbot, w, "Network")
    assert isinstance(panel, NetworkPanel)
    qtbot.waitUntil(lambda: panel.model.acts is not None and not panel.model.busy, timeout=30_000)
    assert not w.statusBar().currentMessage().startswith("Cell ")  # the explorer's line went with it
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    qtbot.mouseClick(panel.picker.browse_button, Qt.MouseButton.LeftButton)  # no click on Load net
    qtbot.waitUntil(lambda: panel.model.net is not None and panel.model.net.run_folder == folder
                    and not panel.model.busy, timeout=30_000)
    lines = [panel.picker.net_line.text(), panel.status.text(), w.statusBar().currentMessage()]
    assert sum("run1" in line for line in lines) == 1, lines  # said once: the net line names it
    assert "run1" in panel.picker.net_line.text()
    assert panel.picker.run_combo.currentText() == "run1"
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())
