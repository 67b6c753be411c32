"""The hover readout stays inside its plot at every size and keeps out of the curves' way (issue
27, item 3): in a fresh main window, at 1280×800 and shrunk to a small window, the readout sits
in a corner of the plot under the mouse, inside it, covering neither the mouse nor the values it
lists."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from tests.helpers.training_plots import at, saved_run
from tests.helpers.gui import open_training_tab
from visualizer.ui.training.hover import corner_for


@pytest.mark.parametrize("size", [(1280, 800), (760, 560)])
def test_the_readout_stays_in_its_plot_away_from_the_cursor(qtbot, fresh_settings, tmp_path, size):
    # two runs (the legend's fit with three long names is test_legend_fits.py's)
    for i, name in enumerate(("2026-11-28_100000_a", "2026-11-28_100001_b")):
        saved_run(tmp_path / "runs", name, 0.25 * i)
    w, panel = open_training_tab(qtbot, tmp_path)
    w.resize(*size)
    m = panel.runs.table_model
    for row in range(2):
        m.setData(m.index(row, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    plots = panel.plots
    qtbot.waitUntil(lambda: len(plots.runs) == 2 and plots.plots["loss_examples"].getViewBox().viewRange()[0][1] > 3900)
    plots.refresh()
    view = plots.graphics.viewport()
    # the plots are laid out in the window's width (every plot's data area inside the view)
    qtbot.waitUntil(lambda: all(view.rect().contains(plots.plot_rect(k)) for k in plots.plots))
    for key in ("loss_examples", "acc_epoch", "loss_epoch"):
        vb = plots.plots[key].getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        for fx, fy in ((0.05, 0.05), (0.5, 0.5), (0.95, 0.95), (0.95, 0.05), (0.05, 0.95)):
            x, y = x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)
            # what the (rate-limited) mouse move calls with the view point under the mouse
            assert plots.show_hover(key, x, y)
            mouse = at(plots, key, x, y)
            box, area = plots.hover.label.geometry(), plots.plot_rect(key)
            assert plots.hover.label.isVisible() and area.contains(box), (key, fx, fy, box, area)
            if box.width() < area.width() / 2:  # room to keep off the cursor: it does
                assert not box.contains(mouse)
    w.close()


def test_corner_for_avoids_the_points_and_the_cursor_line():
    area = QRect(0, 0, 400, 300)
    # the cursor on the left, the curves low: the top right corner
    assert corner_for(area, 100, 60, [QPoint(50, 250), QPoint(50, 280)]) == QPoint(300, 0)
    # the cursor on the right, a curve high: the bottom left corner
    assert corner_for(area, 100, 60, [QPoint(350, 150), QPoint(350, 20)]) == QPoint(0, 240)
    # a readout as big as the plot: its top-left corner, still inside
    assert corner_for(area, 400, 300, [QPoint(10, 10)]) == QPoint(0, 0)
