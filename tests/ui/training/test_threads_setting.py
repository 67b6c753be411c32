"""The Training tab's CPU threads: automatic (the free cores less one for the window) or a number."""

from __future__ import annotations

from PySide6.QtCore import Qt

from visualizer.core.mnist import synthetic_mnist

from tests.helpers.gui import make_panel, wait_done


def _start_and_wait(qtbot, panel):
    qtbot.mouseClick(panel.controls.start_button, Qt.MouseButton.LeftButton)
    wait_done(qtbot, panel)
    entry = panel.runs.table_model.entries[-1]
    assert entry.status == "completed", panel.controls.message_label.text()
    return entry


def test_threads_setting_reaches_the_run_and_the_saved_state(qtbot, tmp_path):
    data = synthetic_mnist(300, 60, 60, seed=1)
    panel = make_panel(qtbot, tmp_path, data=data, train=300, val=60, test=60)
    spin = panel.form.spins["threads"]
    assert spin.value() == 0 and spin.text() == "automatic"
    entry = _start_and_wait(qtbot, panel)
    assert 1 <= entry.config["num_threads"] <= 4  # automatic: counted at Start (core.threads)

    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "2")
    qtbot.keyClick(spin, Qt.Key.Key_Tab)
    assert panel.model.form["threads"] == 2
    assert _start_and_wait(qtbot, panel).config["num_threads"] == 2
    state = panel.model.to_dict()
    assert state["threads"] == 2
    panel.model.from_dict({**state, "threads": 0})
    assert spin.text() == "automatic"


def test_threads_outside_the_range_are_clamped_or_refused(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path)
    m = panel.model
    assert m.set_field("threads", 10_000) and m.form["threads"] == 256
    assert not m.set_field("threads", "four") and m.form["threads"] == 256
    assert panel.form.spins["threads"].value() == 256
