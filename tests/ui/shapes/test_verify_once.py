"""Verify with PyTorch says its verdict once (issue 27, item 6): on the message line under the table,
not a second time on the status bar."""

from __future__ import annotations

from visualizer.ui.shapes.panel import ShapesPanel


def test_the_verdict_is_shown_once(qtbot):
    panel = ShapesPanel()
    qtbot.addWidget(panel)
    said: list[str] = []
    panel.status_message.connect(lambda text, _ms: said.append(text))
    with qtbot.waitSignal(panel.torch_checker.running_changed, timeout=60_000,
                          check_params_cb=lambda running: not running):
        panel.verify_action.trigger()
    verdict = panel.last_torch_check
    assert verdict.startswith("PyTorch agrees")
    assert panel.model.message == (verdict, "good")  # on the message line
    assert said and verdict not in said  # and not again on the status bar (which said it was building)
