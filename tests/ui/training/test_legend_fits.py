"""Three runs or more with long legend names stay inside the plots' view (issue 26, item 1): at
1280×800 the legend takes as many columns as hold the names whole, shortens them in the middle
when not even one column does (the whole name on hover), and never pushes the plots past the
window's edge."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.helpers.gui import open_training_tab
from tests.helpers.training_plots import saved_run
from visualizer.ui.shell.layout_report import layout_report
from visualizer.ui.training.legend_fit import ENTRY_EXTRA, MAX_ROWS, legend_columns

LONG = {"weight_decay": 0.0001, "dropout": 0.25, "early_stopping": 5}


def long_named_runs(root, count: int, extra: dict) -> None:
    """`count` saved runs whose configs add `extra` (their legend names grow with it)."""
    for i in range(count):
        name = f"2026-11-28_10000{i}_lr0.0{i + 1}-seed{i}"
        saved_run(root, name, 0.1 * i)
        config = json.loads((root / name / "config.json").read_text())
        (root / name / "config.json").write_text(json.dumps({**config, **extra, "lr": 0.01 * (i + 1)}))


def tick_all(qtbot, panel, count: int) -> None:
    m = panel.runs.table_model
    for row in range(count):
        m.setData(m.index(row, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: len(panel.plots.runs) == count)
    panel.plots.refresh()


def legend_in_view(plots) -> bool:
    view = plots.graphics.viewport().rect()
    legend = plots.graphics.mapFromScene(plots.legend.sceneBoundingRect()).boundingRect()
    return view.adjusted(-1, -1, 1, 1).contains(legend)


def test_three_long_names_keep_the_plots_in_the_window_at_1280x800(qtbot, fresh_settings, tmp_path):
    long_named_runs(tmp_path / "runs", 3, LONG)
    w, panel = open_training_tab(qtbot, tmp_path)
    w.resize(1280, 800)
    tick_all(qtbot, panel, 3)
    plots = panel.plots
    view = plots.graphics.viewport()
    labels = [label for _sample, label in plots.legend.items]
    assert len(labels) == 3
    # every name is in the legend whole (two columns hold them at this width), in the view
    qtbot.waitUntil(lambda: legend_in_view(plots))
    assert [label.text for label in labels] == [label.full_name for label in labels]
    assert all("weight decay 0.0001" in label.full_name for label in labels)
    assert plots.legend.columnCount < 3
    # the plots' data areas are inside the view, and the window is no wider than the screen
    assert all(view.rect().contains(plots.plot_rect(k)) for k in plots.plots)
    assert layout_report(w, (1280, 800))["minimum_size"][0] <= 1280

    def tab_clipped():
        return [c for c in layout_report(w, (1280, 800))["clipped"] if "TrainingPanel" in c["widget"]]

    qtbot.waitUntil(lambda: tab_clipped() == [])  # once the layout has settled
    assert plots.layout_problems() == []
    w.close()


def test_names_too_long_for_one_column_are_shortened_with_the_whole_name_on_hover(qtbot, fresh_settings,
                                                                                   tmp_path):
    # a net handed over from the Shapes tab can have a long name; five of them at 1024×768
    long_named_runs(tmp_path / "runs", 5, {**LONG, "net": "a-very-long-handed-over-network-name-" * 3})
    w, panel = open_training_tab(qtbot, tmp_path)
    w.resize(1024, 768)
    tick_all(qtbot, panel, 5)
    plots = panel.plots
    qtbot.waitUntil(lambda: legend_in_view(plots))
    labels = [label for _sample, label in plots.legend.items]
    shortened = [label for label in labels if label.text != label.full_name]
    assert shortened, [label.text for label in labels]
    for label in shortened:
        assert "…" in label.text and label.toolTip() == label.full_name
        # the start (the net) and the end (the run's date) are kept
        assert label.text.startswith(label.full_name[:6]) and label.text.endswith(label.full_name[-6:])
    assert plots.layout_problems() == []
    # wider again: as the window grows, nothing is left shortened that fits
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: plots.graphics.viewport().width() > 1200)
    plots.fit_legend()
    assert legend_in_view(plots)
    w.close()


def test_legend_columns_rule():
    # names that fit three to a row take three columns
    assert legend_columns([200, 210, 190], 900)[0] == 3
    # two columns when three would cut them, one when two would
    assert legend_columns([300, 310, 320], 900) == (2, 450 - ENTRY_EXTRA)
    assert legend_columns([500, 310, 320], 900)[0] == 1
    # not even one column holds them: shortened, in as many columns as keep MAX_ROWS rows
    cols, room = legend_columns([2000] * (3 * MAX_ROWS), 900)
    assert cols == 3 and room == 300 - ENTRY_EXTRA
    assert legend_columns([2000] * 3, 900) == (1, 900 - ENTRY_EXTRA)
    assert legend_columns([], 900) == (1, 900)
