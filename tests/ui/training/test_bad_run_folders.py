"""Issue 9, items 4 and 11 in the GUI: bad run folders are listed greyed out with their reason, and a
run whose results can't be read says so; none of it is fatal."""

from __future__ import annotations

import io
import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import launch_main_window
from tests.helpers.runs import write_run_folder


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_bad_folders_are_greyed_out_with_reasons_and_bad_results_are_explained(qtbot, fresh_settings, tmp_path):
    runs = tmp_path / "runs"
    done = json.dumps({"final": {"status": "completed", "test_accuracy": 0.9}, "epochs": []})
    good = _npz(confusion=np.eye(10, dtype=np.int64) * 5)
    write_run_folder(runs, "2026-11-28_100000_good", done, good)
    write_run_folder(runs, "2026-11-28_100001_cut", done, good[: len(good) // 2])  # results.npz cut short
    write_run_folder(runs, "2026-11-28_100002_wrongtype", done, _npz(confusion=np.array(["a", "b"])))
    write_run_folder(runs, "2026-11-28_100003_hugeint",
                     '{"final": {"status": "completed", "train_loss": ' + "9" * 5000 + "}}")
    write_run_folder(runs, "2026-11-28_100004_deep", "[" * 100_000 + "]" * 100_000)
    fresh_settings.setValue("settings/runs_dir", str(runs))
    fresh_settings.sync()

    w = launch_main_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # to the Training tab
    panel = w.tabs.currentWidget()
    assert panel.title == "Training"
    m = panel.model
    assert len(m.runs) == 5  # none hidden
    bad = {e.run_id: e for e in m.problem_runs()}
    assert set(bad) == {"2026-11-28_100003_hugeint", "2026-11-28_100004_deep"}
    assert all(e.problem and e.status == "unreadable" for e in bad.values())

    view = panel.runs
    assert view.problems_label.isVisible() and "2 run folders can't be read" in view.problems_label.text()
    table = view.table_model
    row = m.index_of("2026-11-28_100003_hugeint")
    assert not (table.flags(table.index(row, 0)) & Qt.ItemFlag.ItemIsUserCheckable)
    assert "can't be read" in table.data(table.index(row, 0), Qt.ItemDataRole.ToolTipRole)
    m.set_ticked("2026-11-28_100003_hugeint", True)
    assert not m.run("2026-11-28_100003_hugeint").shown  # nothing to draw

    results = panel.results_view
    for run_id in ("2026-11-28_100001_cut", "2026-11-28_100002_wrongtype", "2026-11-28_100004_deep"):
        m.select(run_id)
        qtbot.waitUntil(lambda: run_id in results.caption.text())
        assert "can't be read" in results.caption.text(), results.caption.text()
    m.select("2026-11-28_100000_good")
    qtbot.waitUntil(lambda: "2026-11-28_100000_good" in results.caption.text())
    assert "test accuracy 90.00 %" in results.caption.text()
    assert QApplication.activeModalWidget() is None  # no crash dialog
    w.close()
    from visualizer.ui.shell.devices import device_probe

    thread = device_probe()._thread
    if thread is not None:  # the probe started after the tabs were built; let it end
        qtbot.waitUntil(lambda: not thread.isRunning(), timeout=60000)
