"""Each run keeps its colour for life (issue 27, item 2): kept in the run's ui.json, the same after
a restart, a run without one given the first free colour and then keeping it."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from visualizer.core import run_colors
from visualizer.core.mnist import synthetic_mnist

from tests.helpers.gui import open_training_tab
from tests.helpers.runs import write_run_folder

DONE = json.dumps({"final": {"status": "completed", "test_accuracy": 0.9}, "epochs": []})
BLUE, ORANGE, GREEN, RED = run_colors.RUN_COLORS[:4]


def table_colours(panel) -> dict[str, str]:
    """run id -> the colour the runs table shows beside it."""
    m = panel.runs.table_model
    return {m.data(m.index(r, 0)): m.data(m.index(r, 0), Qt.ItemDataRole.DecorationRole).name()
            for r in range(m.rowCount())}


def test_colours_survive_a_restart_and_new_runs_take_a_free_one(qtbot, fresh_settings, tmp_path):
    runs = tmp_path / "runs"
    kept = write_run_folder(runs, "2026-11-28_100000_a", DONE)
    (kept / "ui.json").write_text(json.dumps({"color": BLUE.upper()}))  # kept by an earlier session
    write_run_folder(runs, "2026-11-28_100001_b", DONE)
    write_run_folder(runs, "2026-11-28_100002_c", DONE)

    w, panel = open_training_tab(qtbot, tmp_path)
    first = table_colours(panel)
    # b and c had none: the first colours no listed run has (not blue, a's), and they keep them
    assert first == {"2026-11-28_100000_a": BLUE, "2026-11-28_100001_b": ORANGE, "2026-11-28_100002_c": GREEN}
    assert run_colors.stored_color(runs / "2026-11-28_100002_c") == GREEN

    # a run trained in the app: the next free colour, kept in its folder from the start
    panel.data_override = synthetic_mnist(256, 64, 64)
    for spin, value in ((panel.form.epochs_spin, 1), (panel.form.train_spin, 256), (panel.form.val_spin, 64),
                        (panel.form.test_spin, 64), (panel.form.batch_spin, 64)):
        spin.setValue(value)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running() and panel.runs.table_model.rowCount() == 4, timeout=90_000)
    live = next(r for r in table_colours(panel) if r not in first)
    assert table_colours(panel)[live] == RED and run_colors.stored_color(runs / live) == RED
    w.close()

    # a run deleted, another added from the command line: the others keep theirs after a restart
    (runs / "2026-11-28_100001_b" / "ui.json").unlink()
    for f in (runs / "2026-11-28_100001_b").iterdir():
        f.unlink()
    (runs / "2026-11-28_100001_b").rmdir()
    write_run_folder(runs, "2026-11-28_100003_d", DONE)
    w2, panel2 = open_training_tab(qtbot, tmp_path)
    again = table_colours(panel2)
    assert {r: again[r] for r in ("2026-11-28_100000_a", "2026-11-28_100002_c", live)} == {
        "2026-11-28_100000_a": BLUE, "2026-11-28_100002_c": GREEN, live: RED}
    assert again["2026-11-28_100003_d"] == ORANGE  # b's colour is free again
    panel2.runs.table_model.setData(panel2.runs.table_model.index(0, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: "2026-11-28_100000_a" in panel2.plots.runs)
    assert panel2.plots.runs["2026-11-28_100000_a"].color == BLUE  # the plots draw it in the same colour
    w2.close()


def test_a_damaged_ui_json_or_a_missing_folder_never_stops_the_listing(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "ui.json").write_text("{not json")
    assert run_colors.stored_color(folder) is None
    assert run_colors.color_for(folder, [BLUE]) == ORANGE
    assert run_colors.stored_color(folder) == ORANGE
    (folder / "ui.json").write_text(json.dumps({"color": "red", "other": 1}))
    assert run_colors.stored_color(folder) is None  # only #rrggbb is taken
    assert run_colors.color_for(tmp_path / "gone", []) == BLUE  # a folder that is not there: nothing written
    assert not (tmp_path / "gone").exists()
    assert run_colors.free_color(run_colors.RUN_COLORS * 2 + (BLUE,)) == ORANGE  # all taken: the least used
