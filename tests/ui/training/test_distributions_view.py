"""The Training tab's Distributions view (issue #24): TensorBoard's Distributions (percentile
bands over examples seen) and Histograms (offset), a hover readout, several runs side by side,
and records that arrive while the view is shown."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from visualizer.core.distributions import FILE_NAME, read_distributions, series

from tests.helpers.distributions import DONE, records_text, saved_run_with_distributions
from tests.helpers.gui import open_training_tab
from tests.helpers.runs import write_run_folder


def _show_tab(qtbot, panel):
    bar = panel.view_tabs.tabBar()
    i = next(i for i in range(bar.count()) if bar.tabText(i) == "Distributions")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(i).center())
    assert panel.view_tabs.currentWidget() is panel.distributions
    return panel.distributions


def _point(view, run_id, x, y):
    plot = view.run_plots[run_id].plot
    return view.graphics.mapFromScene(plot.vb.mapViewToScene(QPointF(x, y)))


def test_bands_histograms_hover_and_runs_side_by_side(qtbot, fresh_settings, tmp_path):
    runs = tmp_path / "runs"
    a = saved_run_with_distributions(runs, "2026-11-28_100000_a", 8, 0.0)
    saved_run_with_distributions(runs, "2026-11-28_100001_b", 8, 0.5)
    w, panel = open_training_tab(qtbot, tmp_path)
    view = _show_tab(qtbot, panel)
    assert "Tick runs" in view.readout.text()
    qtbot.mouseClick(panel.runs.show_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(view.run_plots) == 2 and all(rp.series is not None and len(rp.series) == 8
                                                              for rp in view.run_plots.values()), timeout=10_000)
    # one plot per run, side by side, on the same ranges
    p1, p2 = (rp.plot for rp in view.run_plots.values())
    assert p1.sceneBoundingRect().top() == p2.sceneBoundingRect().top()
    assert p1.sceneBoundingRect().right() <= p2.sceneBoundingRect().left()
    assert p1.vb.viewRange() == p2.vb.viewRange()
    # the first layer recorded, its activations: the nine percentiles as bands, the median as a line
    assert view.layer_combo.currentText() == "conv1" and view.kind_combo.currentData() == "activation"
    want = series(read_distributions(a / FILE_NAME), "conv1", "activation")
    rp = view.run_plots["2026-11-28_100000_a"]
    for i, line in enumerate(rp.lines):
        assert np.allclose(line.getData()[1], want.percentiles[:, i])
    assert np.allclose(rp.median.getData()[1], want.percentiles[:, 4])
    assert all(band.isVisible() for band in rp.bands) and not any(h.isVisible() for h in rp.hists)
    # the wider run's outer band is wider at the end: what the picture shows
    wide = view.run_plots["2026-11-28_100001_b"].lines
    assert wide[8].getData()[1][-1] - wide[0].getData()[1][-1] > 2 * (rp.lines[8].getData()[1][-1]
                                                                         - rp.lines[0].getData()[1][-1])

    # hover: the examples seen and the nine percentiles under the pointer
    qtbot.mouseMove(view.graphics.viewport(), _point(view, "2026-11-28_100000_a", 750, 0.0))
    qtbot.waitUntil(lambda: "750 examples seen" in view.readout.text())
    assert "50 %: " in view.readout.text() and "93.32 %: " in view.readout.text()

    # weights, by the keyboard; then the histograms, newest in front at the bottom
    view.kind_combo.setFocus()
    qtbot.keyClick(view.kind_combo, Qt.Key.Key_Up)  # activations -> gradients
    qtbot.keyClick(view.kind_combo, Qt.Key.Key_Up)  # -> weights
    assert view.state.kind == "weight"
    qtbot.keyClick(view.mode_combo, Qt.Key.Key_Down)
    assert view.state.mode == "histograms"
    hists = [h for h in rp.hists if h.isVisible()]
    assert len(hists) == 8 and not any(b.isVisible() for b in rp.bands)
    newest = hists[-1]
    assert newest.zValue() == max(h.zValue() for h in hists) and newest.opts["fillLevel"] == 0.0
    assert hists[0].opts["fillLevel"] == 7.0  # the oldest at the back, at the top
    weights = series(read_distributions(a / FILE_NAME), "conv1", "weight")
    assert np.allclose(newest.xData, weights.edges[-1])
    edges = weights.edges[-1]
    x = (edges[3] + edges[4]) / 2
    qtbot.mouseMove(view.graphics.viewport(), _point(view, "2026-11-28_100000_a", x, 0.5))
    qtbot.waitUntil(lambda: "bin 4 of 30" in view.readout.text())
    assert "2,000 examples seen" in view.readout.text()
    assert f"{int(weights.counts[-1][3]):,} values" in view.readout.text()
    # the choices are kept with the session
    state = panel.save_state()
    assert state["distributions_view"] == {"layer": "conv1", "kind": "weight", "mode": "histograms"}
    w.close()  # the session is saved on closing, and restored by the next window
    w, panel = open_training_tab(qtbot, tmp_path)
    panel.restore_state({**state, "distributions_view": {**state["distributions_view"], "mode": "pie"}})  # ignored
    view = _show_tab(qtbot, panel)
    assert (view.kind_combo.currentData(), view.mode_combo.currentData()) == ("weight", "histograms")
    w.close()


def test_records_arriving_while_shown_are_drawn(qtbot, fresh_settings, tmp_path):
    runs = tmp_path / "runs"
    a = saved_run_with_distributions(runs, "2026-11-28_100000_a", 3, 0.0)
    write_run_folder(runs, "2026-11-28_100001_none", DONE)  # a run without distributions: counted, not drawn
    w, panel = open_training_tab(qtbot, tmp_path)
    view = _show_tab(qtbot, panel)
    qtbot.mouseClick(panel.runs.show_all_button, Qt.MouseButton.LeftButton)
    rp = lambda: view.run_plots.get("2026-11-28_100000_a")  # noqa: E731
    qtbot.waitUntil(lambda: rp() is not None and len(rp().series) == 3, timeout=10_000)
    assert list(view.run_plots) == ["2026-11-28_100000_a"]
    assert "1 ticked run(s) without distributions.jsonl" in view.readout.text()
    with open(a / FILE_NAME, "a", encoding="utf-8") as f:  # the run records on
        f.write(records_text(5, 0.0, start=4))
    qtbot.waitUntil(lambda: len(rp().series) == 5, timeout=10_000)
    assert list(rp().median.getData()[0]) == [250, 500, 750, 1000, 1250]
    w.close()


def test_a_damaged_file_is_named_and_the_last_bin_holds_its_right_edge(qtbot, fresh_settings, tmp_path):
    runs = tmp_path / "runs"
    a = saved_run_with_distributions(runs, "2026-11-28_100000_a", 2, 0.0)
    bad = write_run_folder(runs, "2026-11-28_100001_bad", DONE)
    (bad / FILE_NAME).write_text("not json\n" + records_text(1, 0.0))
    w, panel = open_training_tab(qtbot, tmp_path)
    view = _show_tab(qtbot, panel)
    qtbot.mouseClick(panel.runs.show_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "2026-11-28_100000_a" in view.run_plots and "line 1: not a JSON object"
                    in view.readout.text(), timeout=10_000)
    qtbot.keyClick(view.mode_combo, Qt.Key.Key_Down)  # histograms
    edges = series(read_distributions(a / FILE_NAME), "conv1", "activation").edges[-1]
    text = view.show_readout("2026-11-28_100000_a", edges[-1], 0.2)
    assert "bin 30 of 30" in text and text.split("bin 30 of 30, ")[1].split(":")[0].endswith("]")
    assert "bin 1 of 30" in view.show_readout("2026-11-28_100000_a", edges[0], 0.2)
    w.close()
