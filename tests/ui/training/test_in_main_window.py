"""The Training tab as a first-time user meets it: a fresh main window, Alt+3, a tiny run set
through the form's own widgets, Start, the run in the table, the window closed."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractSpinBox

from tests.helpers.gui import open_training_tab
from tests.helpers.pages import TrainingPage
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.run_table import COLUMNS
from visualizer.ui.shell.devices import device_probe



def type_into(qtbot, widget, text: str) -> None:
    edit = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
    edit.selectAll()
    qtbot.keyClicks(widget, text)


def test_first_run_from_a_fresh_main_window(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    assert "MNIST not found" in panel.data_box.label.text() and str(tmp_path / "mnist") in panel.data_box.label.text()
    assert panel.runs.table_model.rowCount() == 0
    # the device probe answers in the background; the tab then names the device "auto" picks
    qtbot.waitUntil(lambda: "checking" not in panel.controls.device_label.text(), timeout=60_000)
    assert panel.controls.device_label.text().startswith("Device: ") and "(auto)" in panel.controls.device_label.text()
    panel.data_override = synthetic_mnist(256, 64, 64)  # the program's digits, as the other tests use

    for widget, text in ((panel.form.epochs_spin, "1"), (panel.form.batch_spin, "64"), (panel.form.train_spin, "256"),
                         (panel.form.val_spin, "64"), (panel.form.test_spin, "64"), (panel.form.lr_edit, "0.05")):
        type_into(qtbot, widget, text)
    config = panel.model.config()
    assert (config.epochs, config.batch_size, config.train_size, config.val_size, config.test_size,
            config.lr) == (1, 64, 256, 64, 64, 0.05)

    TrainingPage(panel).start(qtbot)
    assert panel.is_running() and not panel.controls.start_button.isEnabled()
    train_thread = panel.runner.thread
    m = panel.runs.table_model
    qtbot.waitUntil(lambda: not panel.is_running() and m.rowCount() == 1
                    and m.data(m.index(0, COLUMNS.index("Status"))) == "completed", timeout=90_000)
    run_id = m.data(m.index(0, 0))
    assert m.data(m.index(0, 4)) == "0.05" and m.data(m.index(0, COLUMNS.index("Test acc."))).endswith(" %")
    assert (tmp_path / "runs" / run_id / "metrics.json").is_file()
    assert panel.controls.start_button.isEnabled() and "Completed" in panel.controls.progress_label.text()

    w.close()
    assert panel.runner.thread is None and panel.runner.download_thread is None
    assert not train_thread.isRunning()
    assert not device_probe().running()  # the window's device probe has ended too


def test_start_is_in_view_at_1280x800_even_while_mnist_is_missing(qtbot, fresh_settings, tmp_path):
    # The form scrolls on a short screen (the "MNIST not found" hint takes room), but the run box
    # stays below it: Start, Pause, Stop and the progress are never scrolled out of view.
    w, panel = open_training_tab(qtbot, tmp_path)
    assert "MNIST not found" in panel.data_box.label.text()
    for button in (panel.controls.start_button, panel.controls.pause_button, panel.controls.stop_button, panel.controls.progress):
        qtbot.waitUntil(button.isVisible)
        assert button.visibleRegion().boundingRect() == button.rect(), button
        assert w.rect().contains(button.mapTo(w, button.rect().bottomRight()))
    qtbot.waitUntil(lambda: device_probe().report() is not None, timeout=120_000)
