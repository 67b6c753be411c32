"""The hover readout gives each value with its own x (issue 27, item 3), in the Training tab."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.helpers.training_plots import at, saved_run
from tests.helpers.gui import open_training_tab


def test_a_validation_value_says_the_examples_it_was_measured_at(qtbot, fresh_settings, tmp_path):
    saved_run(tmp_path / "runs", "2026-11-28_100000_a", 0.0)
    w, panel = open_training_tab(qtbot, tmp_path)
    m = panel.runs.table_model
    m.setData(m.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    plots = panel.plots
    vb = plots.plots["loss_examples"].getViewBox()
    qtbot.waitUntil(lambda: vb.viewRange()[0][1] > 3900)
    y_mid = sum(vb.viewRange()[1]) / 2
    qtbot.mouseMove(plots.graphics.viewport(), at(plots, "loss_examples", 1260, y_mid))
    qtbot.waitUntil(lambda: plots.hover_text != "")
    header, line = plots.hover_text.splitlines()
    assert header == "examples seen: 1,250"
    assert "training 0.2000" in line and "validation 0.4000 (at 1,000 examples)" in line
    assert "(at 1,000 examples)" in plots.hover.label.text()
    w.close()
