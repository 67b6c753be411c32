"""Resume sweep (issue 27, item 1): a course experiment's sweep stopped in a fresh main window is
resumed from the runs table (the Resume sweep button and context-menu action of a selected run of
that sweep) and completes; its plan comes from the sweep folder, not the form (changed meanwhile),
and the runs completed before are kept, not trained again."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt

from tests.helpers.gui import open_training_tab
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.sweep import can_resume, sweep_plan_from_folder


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def sweep_folder_training(qtbot, runs: Path) -> Path:
    """The sweep folder, once a worker has trained and saved part of a run."""
    found: list[Path] = []

    def saving() -> bool:
        for out in (p for p in runs.iterdir() if p.is_dir() and p.name.startswith("sweep-")):
            if any((p / "history.csv").is_file() for p in out.iterdir() if p.is_dir()):
                found.append(out)
                return True
        return False

    qtbot.waitUntil(lambda: runs.is_dir() and saving(), timeout=60_000)
    return found[0]


def start_sweep(qtbot, tmp_path, experiment: str):
    """A fresh Training tab runs `experiment` with 3 seeds (30 epochs of 64 synthetic digits, one
    worker) until a run is training: (window, panel, sweep folder)."""
    w, panel = open_training_tab(qtbot, tmp_path)
    panel.data_override = synthetic_mnist(64, 32, 32)
    for spin, value in ((panel.form.epochs_spin, 30), (panel.form.batch_spin, 32), (panel.form.train_spin, 64),
                        (panel.form.val_spin, 32), (panel.form.test_spin, 32)):
        spin.setValue(value)
    box = panel.experiments.seeds_check
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    panel.sweep_job.workers = 1
    panel.experiments.combo.setCurrentIndex(panel.experiments.combo.findData(experiment))
    qtbot.mouseClick(panel.experiments.run_button, Qt.MouseButton.LeftButton)
    out = sweep_folder_training(qtbot, tmp_path / "runs")
    return w, panel, out


def test_a_stopped_sweep_resumes_from_the_runs_table_and_completes(qtbot, fresh_settings, tmp_path):
    w, panel, out = start_sweep(qtbot, tmp_path, "loss functions")
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=30_000)
    before = read_csv(out / "sweep.csv")
    assert {r["status"] for r in before} <= {"stopped", "pending", "completed"}
    assert any(r["status"] != "completed" for r in before) and can_resume(out)
    plan = sweep_plan_from_folder(out)
    assert [r.name for r in plan.runs] == [r["folder"] for r in before]
    assert {r.config["epochs"] for r in plan.runs} == {30}

    # the form changes meanwhile: the resumed sweep keeps its own settings
    panel.form.epochs_spin.setValue(2)
    view = panel.runs
    assert not view.resume_button.isVisible()  # nothing of the sweep selected yet
    row = next(i for i, e in enumerate(panel.model.runs) if e.run_id.startswith(out.name + "/"))
    view.table.selectionModel().setCurrentIndex(
        panel.runs.table_model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    qtbot.waitUntil(lambda: view.resume_button.isVisible())
    assert view.resume_action in view.table.actions() and view.resume_action.isEnabled()
    qtbot.mouseClick(view.resume_button, Qt.MouseButton.LeftButton)
    assert panel.is_running() and not view.resume_button.isVisible()
    assert "resumed" in panel.controls.queue_label.text()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=180_000)

    after = read_csv(out / "sweep.csv")
    assert [r["folder"] for r in after] == [r["folder"] for r in before]
    assert {r["status"] for r in after} == {"completed"}, after
    for r in after:
        config = json.loads((out / r["folder"] / "config.json").read_text())
        assert config["epochs"] == 30  # the sweep's, not the form's 2
    assert not can_resume(out) and "all runs done" in panel.controls.queue_label.text()
    statuses = {e.run_id: e.status for e in panel.model.runs if e.run_id.startswith(out.name + "/")}
    assert set(statuses.values()) == {"completed"} and len(statuses) == len(after)
    w.close()


def test_a_sweep_cut_short_by_closing_the_app_resumes_after_a_restart(qtbot, fresh_settings, tmp_path):
    from tests.helpers.gui import answer_quit_question

    w, panel, out = start_sweep(qtbot, tmp_path, "architectures")
    w.close()
    answer_quit_question(qtbot, w, "Stop and quit")
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=30_000)
    assert can_resume(out)

    w2, panel2 = open_training_tab(qtbot, tmp_path)  # the app started again
    panel2.data_override = synthetic_mnist(64, 32, 32)
    panel2.sweep_job.workers = 1
    view = panel2.runs
    row = next(i for i, e in enumerate(panel2.model.runs) if e.run_id.startswith(out.name + "/"))
    view.table.selectionModel().setCurrentIndex(
        panel2.runs.table_model.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    qtbot.waitUntil(lambda: view.resume_button.isVisible())
    qtbot.mouseClick(view.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel2.is_running(), timeout=180_000)
    assert {r["status"] for r in read_csv(out / "sweep.csv")} == {"completed"} and not can_resume(out)
    w2.close()
