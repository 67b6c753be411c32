"""Stop is disabled as soon as a sweep has nothing left to stop (issue 27, item 6): when every run
has ended ("0 running, 0 left") the worker processes still take seconds to close, and Stop stayed
enabled meanwhile. The sweep's signals are delivered to the model's SweepRunState as the worker's
would be."""

from __future__ import annotations

from tests.helpers.gui import make_panel


def test_stop_goes_grey_when_the_last_run_ends_not_when_the_pool_closes(qtbot, tmp_path):
    panel = make_panel(qtbot, tmp_path)
    state = panel.model.sweep_run
    folder = tmp_path / "runs" / "sweep-x"
    folder.mkdir(parents=True)
    state.begin("learning rates", folder, 3, "cpu")
    assert panel.controls.stop_button.isEnabled() and panel.stop_action.isEnabled()
    state.progress({"done": 0, "running": 0, "left": 3, "best": ""})  # workers starting: runs to stop
    assert panel.controls.stop_button.isEnabled()
    state.progress({"done": 2, "running": 1, "left": 0, "best": ""})
    assert panel.controls.stop_button.isEnabled()
    state.progress({"done": 3, "running": 0, "left": 0, "best": ""})
    assert not panel.controls.stop_button.isEnabled() and not panel.stop_action.isEnabled()
    assert not panel.controls.start_button.isEnabled()  # the pool is still closing: no new run yet
    state.end()
    assert panel.controls.start_button.isEnabled() and not panel.controls.stop_button.isEnabled()
    assert panel.model.queue_text.endswith("all runs done.")
    # the next sweep starts with Stop enabled again
    state.begin("learning rates", folder, 3, "cpu")
    assert panel.controls.stop_button.isEnabled()
    state.end()
