"""Box zoom zooms both axes, as TensorBoard's does (issue 27, item 4): a box dragged on a plot of the
Training tab sets its x and its y range to the box, records arriving later leave both alone, and a
double-click gives both back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.helpers.training_plots import at, drag, saved_run
from tests.helpers.gui import open_training_tab


@pytest.mark.parametrize("key", ["loss_examples", "acc_epoch"])
def test_a_box_zooms_both_axes_and_a_double_click_gives_both_back(qtbot, fresh_settings, tmp_path, key):
    runs = tmp_path / "runs"
    saved_run(runs, "2026-11-28_100000_a", 0.0)
    saved_run(runs, "2026-11-28_100001_b", 0.25)
    w, panel = open_training_tab(qtbot, tmp_path)
    m = panel.runs.table_model
    for row in range(2):
        m.setData(m.index(row, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    plots = panel.plots
    vb = plots.plots[key].getViewBox()
    qtbot.waitUntil(lambda: len(plots.runs) == 2 and vb.viewRange()[0][1] > 3.5)
    plots.refresh()
    (x0, x1), (y0, y1) = full = [list(r) for r in vb.viewRange()]
    # a box over the second quarter of x and the upper half of y
    box_x = (x0 + 0.25 * (x1 - x0), x0 + 0.5 * (x1 - x0))
    box_y = (y0 + 0.5 * (y1 - y0), y0 + 0.9 * (y1 - y0))
    view = plots.graphics.viewport()
    drag(qtbot, view, at(plots, key, box_x[0], box_y[1]), at(plots, key, box_x[1], box_y[0]))
    qtbot.waitUntil(lambda: vb.viewRange()[0][1] < x1 - 0.3 * (x1 - x0))
    (zx0, zx1), (zy0, zy1) = vb.viewRange()
    tol = 0.06 * (x1 - x0), 0.06 * (y1 - y0)  # the mouse lands on whole pixels of a small plot
    assert zx0 == pytest.approx(box_x[0], abs=tol[0]) and zx1 == pytest.approx(box_x[1], abs=tol[0])
    assert zy0 == pytest.approx(box_y[0], abs=tol[1]) and zy1 == pytest.approx(box_y[1], abs=tol[1])
    zoomed = [list(r) for r in vb.viewRange()]

    # every plot is redrawn (a run unticked and ticked again refits the managed ones): the zoom stays
    m.setData(m.index(1, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    m.setData(m.index(1, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    plots.refresh()
    assert [list(r) for r in vb.viewRange()] == [pytest.approx(zoomed[0]), pytest.approx(zoomed[1])]

    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=at(plots, key, sum(box_x) / 2, sum(box_y) / 2))
    qtbot.waitUntil(lambda: vb.viewRange()[0][1] > x1 - 0.01 * (x1 - x0))
    assert [list(r) for r in vb.viewRange()] == [pytest.approx(full[0]), pytest.approx(full[1])]
    w.close()
