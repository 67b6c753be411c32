"""Runs stay on the plots until the user unticks them (issue 27, item 2): a second run started in a
fresh main window joins the first on the plots, each in the colour it was given first."""

from __future__ import annotations

from PySide6.QtCore import Qt

from visualizer.core.mnist import synthetic_mnist

from tests.helpers.gui import open_training_tab


def _start_and_finish(qtbot, panel, rows: int) -> str:
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running() and panel.runs.table_model.rowCount() == rows, timeout=90_000)
    return panel.model.runs[-1].run_id


def test_a_second_run_joins_the_first_on_the_plots_in_their_first_colours(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    assert not hasattr(panel.runs, "keep_overlays")  # no option: keeping them is what always happens
    panel.data_override = synthetic_mnist(128, 32, 32)
    for spin, value in ((panel.form.epochs_spin, 1), (panel.form.train_spin, 128), (panel.form.val_spin, 32),
                        (panel.form.test_spin, 32), (panel.form.batch_spin, 64)):
        spin.setValue(value)
    first = _start_and_finish(qtbot, panel, 1)
    first_colour = panel.plots.runs[first].color
    second = _start_and_finish(qtbot, panel, 2)
    assert second != first
    plots = panel.plots
    qtbot.waitUntil(lambda: all(r in plots.runs and plots.runs[r].visible for r in (first, second)))
    assert plots.runs[first].color == first_colour
    assert plots.runs[second].color != first_colour
    assert panel.model.ticked_ids() == [first, second]
    # the curves are drawn, not only listed
    plots.refresh()
    for run_id in (first, second):
        x, y = plots.curve_data(run_id, "loss_examples", "train_raw")
        assert len(x) > 0 and len(y) == len(x)
    # unticking is what takes a run off the plots
    m = panel.runs.table_model
    m.setData(m.index(panel.model.index_of(first), 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: not plots.runs[first].visible if first in plots.runs else True)
    assert panel.model.ticked_ids() == [second]
    w.close()
