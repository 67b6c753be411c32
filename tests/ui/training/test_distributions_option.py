"""The Training form's "Distributions" option (issue #24, item 2): a GUI run writes
distributions.jsonl as `convviz train --distributions N` does (the same records as the engine with
recorder_for on the same config and images)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from visualizer.core.distributions import FILE_NAME, read_distributions, recorder_for
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.run_table import COLUMNS
from visualizer.core.training import TrainConfig, Trainer

from tests.helpers.gui import open_training_tab


def _typed(qtbot, spin, text: str) -> None:
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, text)


def test_the_option_is_off_by_default_and_a_gui_run_records_as_the_cli_does(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    spin = panel.form.spins["distributions"]
    assert spin.value() == 0 and spin.text() == "off"
    data = synthetic_mnist(256, 64, 64)
    panel.data_override = data
    for widget, text in ((panel.form.epochs_spin, "1"), (panel.form.batch_spin, "64"), (panel.form.train_spin, "256"),
                         (panel.form.val_spin, "64"), (panel.form.test_spin, "64"), (spin, "128")):
        _typed(qtbot, widget, text)
    assert panel.model.form["distributions"] == 128
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    m = panel.runs.table_model
    qtbot.waitUntil(lambda: not panel.is_running() and m.rowCount() == 1
                    and m.data(m.index(0, COLUMNS.index("Status"))) == "completed", timeout=90_000)
    folder = tmp_path / "runs" / m.data(m.index(0, 0))
    got = read_distributions(folder / FILE_NAME)

    # the engine, as `convviz train --distributions 128` drives it, on the same settings and images
    config = TrainConfig.from_dict(json.loads((folder / "config.json").read_text()))
    Trainer(config, data, [recorder_for(tmp_path / "cli", 128, data.val_images)]).run()
    want = read_distributions(tmp_path / "cli" / FILE_NAME)
    assert [(r["examples_seen"], r["layer"], r["kind"]) for r in got] == \
        [(r["examples_seen"], r["layer"], r["kind"]) for r in want]
    assert {r["examples_seen"] for r in got} == {256}  # the first reporting point past 128 (the run's end)
    assert {r["kind"] for r in got} == {"weight", "grad", "activation"}
    for a, b in zip(got, want):
        assert a["counts"] == b["counts"]
        assert a["percentiles"] == b["percentiles"]
    w.close()


def test_a_run_without_the_option_writes_no_distributions(qtbot, fresh_settings, tmp_path):
    w, panel = open_training_tab(qtbot, tmp_path)
    panel.data_override = synthetic_mnist(128, 32, 32)
    for widget, text in ((panel.form.epochs_spin, "1"), (panel.form.batch_spin, "64"), (panel.form.train_spin, "128"),
                         (panel.form.val_spin, "32"), (panel.form.test_spin, "32")):
        _typed(qtbot, widget, text)
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    m = panel.runs.table_model
    qtbot.waitUntil(lambda: not panel.is_running() and m.rowCount() == 1
                    and m.data(m.index(0, COLUMNS.index("Status"))) == "completed", timeout=90_000)
    folder = tmp_path / "runs" / m.data(m.index(0, 0))
    assert (folder / "metrics.json").is_file() and not (folder / FILE_NAME).exists()
    w.close()
