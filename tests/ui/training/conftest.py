"""Builders the Training tab's tests share: a panel with tiny sizes, waiting for its run, the tab
in a fresh main window, a run folder on disk. Plain functions (import them from here), as
tests/ui/conftest.py's launch_main_window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.ui.conftest import launch_main_window
from visualizer.core.runs import write_json
from visualizer.ui.shell.settings import save_settings
from visualizer.ui.training.panel import TrainingPanel


def make_panel(qtbot, tmp_path, data=None, **sizes) -> TrainingPanel:
    """A Training panel alone, its runs in tmp_path, training `data` (None: MNIST) with tiny
    sizes: 1 epoch of 1,000 training, 200 validation and 200 test images in batches of 64
    unless `sizes` (epochs, train, val, test, batch) say otherwise."""
    panel = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(panel)
    panel.data_override = data
    panel.form.epochs_spin.setValue(sizes.get("epochs", 1))
    panel.form.train_spin.setValue(sizes.get("train", 1000))
    panel.form.val_spin.setValue(sizes.get("val", 200))
    panel.form.test_spin.setValue(sizes.get("test", 200))
    panel.form.batch_spin.setValue(sizes.get("batch", 64))
    return panel


def wait_done(qtbot, panel, timeout=90_000):
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=timeout)
    qtbot.wait(50)  # let the last queued signals land


def open_training_tab(qtbot, tmp_path):
    """A fresh main window (use with `fresh_settings`) whose runs and MNIST folders are in
    tmp_path, on the Training tab as a user opens it (Alt+3): (window, panel)."""
    save_settings({"runs_dir": str(tmp_path / "runs"), "mnist_dir": str(tmp_path / "mnist")})
    w = launch_main_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    panel = w.tabs.currentWidget()
    assert panel.title == "Training"
    return w, panel


def write_run_folder(root: Path, name: str, metrics: str, results: bytes | None = None) -> Path:
    """A saved run as the trainer leaves it: config.json (a 1-epoch mnist-net1 run), metrics.json
    with the text given, results.npz with the bytes given (none when None)."""
    folder = root / name
    folder.mkdir(parents=True)
    write_json(folder / "config.json", {"run_id": name, "net": "mnist-net1", "epochs": 1, "lr": 0.01,
                                        "loss": "ce", "optimizer": "sgdm", "train_size": 100,
                                        "started": "2026-11-28T10:00:00+00:00"})
    (folder / "metrics.json").write_text(metrics)
    if results is not None:
        (folder / "results.npz").write_bytes(results)
    return folder
