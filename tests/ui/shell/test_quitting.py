"""Quitting while a run trains: Ctrl+Q or the close button ask first, Stop and quit ends the run
cleanly (evaluated on the test set, saved as "stopped" with model.pt), and SIGTERM/SIGHUP do the
same with no question, as `convviz train` does."""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import answer_quit_question
from tests.helpers.gui import open_training_tab
from visualizer.core.mnist import synthetic_mnist
from visualizer.ui.shell.quitting import CANCEL, KEEP_TRAINING, STOP_AND_QUIT, StopSignals


def long_run(panel, data=True) -> None:
    """Settings for a run that is still going when the test acts: 500 epochs of 256 images."""
    if data:
        panel.data_override = synthetic_mnist(256, 64, 96)
    panel.form.epochs_spin.setValue(500)
    panel.form.train_spin.setValue(256)
    panel.form.val_spin.setValue(64)
    panel.form.test_spin.setValue(96)
    panel.form.batch_spin.setValue(64)


def start_and_wait_for_training(qtbot, panel) -> None:
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.state == "training"
                    and bool(panel.model.run(panel.model.live_id).history), timeout=60_000)


def run_folders(tmp_path: Path) -> list[Path]:
    runs = tmp_path / "runs"
    return sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


def assert_stopped_and_evaluated(folder: Path) -> dict:
    final = json.loads((folder / "metrics.json").read_text())["final"]
    assert final["status"] == "stopped"
    assert final["test_accuracy"] is not None and final["test_size"] == 96
    assert (folder / "model.pt").is_file() and (folder / "results.npz").is_file()
    assert not (folder / ".convviz-run.lock").exists()
    return final


def test_ctrl_q_right_after_start_asks_then_ends_cleanly(qtbot, fresh_settings, tmp_path, caplog, mnist_dir):
    # The real MNIST files (a tiny subset): Ctrl+Q comes while the worker still loads them.
    caplog.set_level(logging.WARNING)
    w, panel = open_training_tab(qtbot, tmp_path)
    panel.set_data_folder(mnist_dir)
    long_run(panel, data=False)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    thread = panel.runner.thread
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert w.isVisible() and panel.is_running()
    answer_quit_question(qtbot, w, STOP_AND_QUIT)
    assert w.statusBar().currentMessage().startswith("Stopping…")
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=60_000)
    assert not thread.isRunning() and panel.runner.thread is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # no "still running", no traceback
    for folder in run_folders(tmp_path):  # none left empty: gone, or a whole stopped run
        assert_stopped_and_evaluated(folder)


def test_closing_mid_run_asks_and_the_stopped_run_has_test_results(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    long_run(panel)
    start_and_wait_for_training(qtbot, panel)

    w.close()  # the window's close button
    box = w.quit_guard.question
    assert box is not None and box.isVisible() and w.isVisible()
    assert sorted(b.text() for b in box.buttons()) == sorted([STOP_AND_QUIT, KEEP_TRAINING, CANCEL])
    assert "A training run is still running" in box.text()
    answer_quit_question(qtbot, w, CANCEL)
    assert w.isVisible() and panel.model.state == "training" and w.quit_guard.question is None

    w.close()
    answer_quit_question(qtbot, w, STOP_AND_QUIT)
    assert w.statusBar().currentMessage().startswith("Stopping…")  # at once, before the run ends
    assert panel.model.state == "stopping" and w.isVisible()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=60_000)
    [folder] = run_folders(tmp_path)
    final = assert_stopped_and_evaluated(folder)
    assert final["examples_seen"] > 0


def test_keep_training_quits_when_the_run_has_finished(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    long_run(panel)
    panel.form.epochs_spin.setValue(3)
    start_and_wait_for_training(qtbot, panel)
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    answer_quit_question(qtbot, w, KEEP_TRAINING)
    assert "quits when it has finished" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=90_000)
    [folder] = run_folders(tmp_path)
    assert json.loads((folder / "metrics.json").read_text())["final"]["status"] == "completed"


def test_cancel_after_keep_training_keeps_the_window_open(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    long_run(panel)
    start_and_wait_for_training(qtbot, panel)
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    answer_quit_question(qtbot, w, KEEP_TRAINING)
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # asked again
    answer_quit_question(qtbot, w, CANCEL)
    assert w.quit_guard.mode == "" and w.statusBar().currentMessage() == "ConvViz stays open."
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)
    QApplication.processEvents()  # the run's end is handled: nothing closes the window by itself
    assert w.isVisible() and w.quit_guard.mode == ""
    assert_stopped_and_evaluated(run_folders(tmp_path)[0])
    w.close()
    assert not w.isVisible()


def test_stop_button_run_is_evaluated_on_the_test_set(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    long_run(panel)
    start_and_wait_for_training(qtbot, panel)
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)
    [folder] = run_folders(tmp_path)
    assert_stopped_and_evaluated(folder)
    assert "test accuracy" in panel.controls.progress_label.text()
    w.close()  # nothing runs: no question
    assert not w.isVisible() and w.quit_guard.question is None


def test_sigterm_stops_the_run_cleanly_then_quits(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    signals = StopSignals(w.quit_guard.signal_received).install()
    try:
        long_run(panel)
        start_and_wait_for_training(qtbot, panel)
        os.kill(os.getpid(), signal.SIGTERM)  # delivered through the wakeup socket, on the GUI thread
        qtbot.waitUntil(lambda: panel.model.state == "stopping", timeout=5_000)
        assert w.quit_guard.question is None  # a signal asks nothing
        assert w.statusBar().currentMessage().startswith("SIGTERM: Stopping…")
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=60_000)
    finally:
        signals.uninstall()
    assert w.quit_guard.exit_code == 128 + signal.SIGTERM
    [folder] = run_folders(tmp_path)
    assert_stopped_and_evaluated(folder)


def test_sighup_with_nothing_running_quits_at_once(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    signals = StopSignals(w.quit_guard.signal_received).install()
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=5_000)
    finally:
        signals.uninstall()
    assert w.quit_guard.exit_code == 128 + signal.SIGHUP and run_folders(tmp_path) == []


def test_the_app_installs_the_stop_signals_and_exits_with_128_plus_n(qtbot, fresh_settings, tmp_path, monkeypatch):
    # The whole run_gui, with one small tab: SIGTERM a moment after the start ends the event loop
    # with exit status 143, as `convviz train` exits; the handlers are put back afterwards.
    from PySide6.QtCore import QTimer

    from tests.helpers.fake_panels import NotesPanel
    from visualizer import app as app_module
    from visualizer.core import appdirs
    from visualizer.ui.shell import crash
    from visualizer.ui.shell import main_window as main_window_module

    monkeypatch.setattr(appdirs, "log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr(main_window_module, "make_panels", lambda: [NotesPanel()])
    before = signal.getsignal(signal.SIGTERM)
    QTimer.singleShot(300, lambda: os.kill(os.getpid(), signal.SIGTERM))
    try:
        assert app_module.run_gui() == 128 + signal.SIGTERM
    finally:
        crash.reporter().uninstall()
    assert signal.getsignal(signal.SIGTERM) == before


def test_escape_answers_cancel(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    long_run(panel)
    start_and_wait_for_training(qtbot, panel)
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.quit_guard.question is not None and w.quit_guard.question.isVisible())
    qtbot.keyClick(w.quit_guard.question, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.quit_guard.question is None)
    assert w.isVisible() and panel.model.state == "training"
    qtbot.mouseClick(panel.controls.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60_000)
    w.close()
