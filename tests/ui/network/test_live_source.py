"""The Network tab's "Current run (live)" source, from a freshly launched main window: a short run
on synthetic digits in the Training tab, its net followed in the Network tab at each reporting
point (maps and prediction from the snapshot's weights, the drawn digit and the opened map kept),
the run's end, a stop and a close mid-run."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import answer_quit_question, draw_stroke, launch_main_window, wait_done
from tests.helpers.pages import TrainingPage
from visualizer.core.mnist import synthetic_mnist
from visualizer.ui.network.panel import NetworkPanel
from visualizer.ui.shell.settings import save_settings
from visualizer.ui.training.panel import TrainingPanel


def panels(w) -> tuple[TrainingPanel, NetworkPanel]:
    found = {type(p): p for p in w.panels}
    return found[TrainingPanel], found[NetworkPanel]


def set_run(training: TrainingPanel, epochs: int, train: int) -> None:
    """A short run: the form's own widgets, synthetic digits."""
    training.data_override = synthetic_mnist(train, 64, 64)
    TrainingPage(training).set_sizes(epochs=epochs, train=train, val=64, test=64, batch=32)
    training.form.lr_edit.setText("0.05")


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def live_row(network: NetworkPanel) -> int:
    return network.picker.kind_combo.findData("live")


def live_enabled(network: NetworkPanel) -> bool:
    combo = network.picker.kind_combo
    return combo.model().item(live_row(network)).isEnabled()


def choose_live(qtbot, w, network: NetworkPanel) -> None:
    """The user opens the Network tab and picks "Current run (live)" in the Source list."""
    w.tabs.setCurrentWidget(network)
    combo = network.picker.kind_combo
    combo.setFocus()
    for _ in range(combo.count()):
        if combo.currentData() == "live":
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert network.model.net_request == {"kind": "live"}


def torch_logits(snapshot: dict, normalized: np.ndarray) -> np.ndarray:
    import torch

    from visualizer.core.training import build_model

    m = build_model(snapshot["net"])
    m.load_state_dict({k: torch.from_numpy(v) for k, v in snapshot["state"].items()})
    m.eval()
    with torch.no_grad():
        return m(torch.from_numpy(np.asarray(normalized, np.float32))[None, None])[0].numpy()


def test_the_network_tab_follows_the_run_in_training(qtbot, fresh_settings, tmp_path):
    save_settings({"runs_dir": str(tmp_path / "runs")})
    w = launch_main_window(qtbot)
    training, network = panels(w)
    model = network.model
    assert not live_enabled(network)  # no run is training yet
    tip = network.picker.kind_combo.itemData(live_row(network), Qt.ItemDataRole.ToolTipRole)
    assert "No run is training" in tip

    set_run(training, epochs=2, train=256)
    w.tabs.setCurrentWidget(training)
    click(qtbot, training.controls.start_button)
    click(qtbot, training.controls.pause_button)  # held before its first step: the first weights are the initial ones
    qtbot.waitUntil(lambda: model.live.latest is not None, timeout=30_000)
    assert live_enabled(network)

    choose_live(qtbot, w, network)
    qtbot.waitUntil(lambda: model.live.shown is not None and model.acts is not None, timeout=30_000)
    first = model.live.shown
    assert model.net.source.endswith("(live)") and network.picker.net_line.text().endswith(" — live")
    if first["at"] == "begin":  # (the pause was in time for the first step, as it is unless the machine is slow)
        assert "initial weights, before the first step" in network.picker.net_line.text()
    # a digit drawn, a conv map opened: both stay while the weights change
    draw_stroke(qtbot, network.canvas, [(6, 8), (6, 20), (15, 15), (24, 10)])
    qtbot.waitUntil(lambda: model.drawing.any() and model.acts is not None)
    conv2 = next(i for i, la in enumerate(model.net.layers) if la.name == "conv2")
    model.open_map(conv2, 3)
    np.testing.assert_allclose(model.acts.logits, torch_logits(first, model.input_normalized()), atol=1e-5)
    before = [la.values.copy() for la in model.acts.layers]
    drawing = model.drawing.copy()

    w.tabs.setCurrentWidget(training)
    click(qtbot, training.controls.pause_button)  # resume
    # a later reporting point: the Network tab rebuilds the net from its weights
    qtbot.waitUntil(lambda: model.live.shown is not None and model.live.shown["examples_seen"] > first["examples_seen"]
                    and model.net is not None and model.acts is not None
                    and not np.array_equal(model.acts.layers[0].values, before[0]), timeout=60_000)
    later = model.live.shown
    np.testing.assert_allclose(model.acts.logits, torch_logits(later, model.input_normalized()), atol=1e-5)
    assert model.acts.prediction == int(np.argmax(torch_logits(later, model.input_normalized())))
    assert model.opened == (conv2, 3) and model.parts is not None
    assert np.allclose(model.parts.partials.sum(0) + model.parts.bias, model.acts.layers[conv2].values[3], atol=1e-5)
    assert np.array_equal(model.drawing, drawing) and model.image_kind == "drawn"
    assert f"{later['examples_seen']:,} examples seen" in network.picker.net_line.text()

    wait_done(qtbot, training)
    qtbot.waitUntil(lambda: model.live.state == "ended" and model.live.shown["at"] == "end", timeout=30_000)
    last = model.live.shown
    assert last["at"] == "end" and last["examples_seen"] == 2 * 256
    np.testing.assert_allclose(model.acts.logits, torch_logits(last, model.input_normalized()), atol=1e-5)
    line = network.picker.net_line.text()
    assert "the run has ended (completed)" in line and "512 examples seen" in line and "Saved run" in line
    # the last snapshot is the run's saved model
    import torch

    saved = torch.load(tmp_path / "runs" / last["run_id"] / "model.pt", weights_only=True)
    for k, v in saved.items():
        np.testing.assert_array_equal(v.numpy(), last["state"][k])
    assert live_enabled(network)  # it still shows those last weights
    # a saved session keeps no weights: the run's saved model
    assert model.to_dict()["net"] == {"kind": "run", "run": str(tmp_path / "runs" / last["run_id"])}
    w.close()


def test_stop_mid_run_ends_the_live_source_and_no_snapshot_follows(qtbot, fresh_settings, tmp_path):
    save_settings({"runs_dir": str(tmp_path / "runs")})
    w = launch_main_window(qtbot)
    training, network = panels(w)
    events: list[dict] = []
    training.live_net_changed.connect(events.append)
    set_run(training, epochs=200, train=256)
    w.tabs.setCurrentWidget(training)
    click(qtbot, training.controls.start_button)
    # Training ▸ Watch the running net in Network: the Network tab, following the run
    assert training.watch_live_action in training.panel_actions() and training.watch_live_action.isEnabled()
    training.watch_live_action.trigger()
    assert w.tabs.currentWidget() is network and network.model.net_request == {"kind": "live"}
    assert network.picker.kind_combo.currentData() == "live"
    qtbot.waitUntil(lambda: network.model.live.shown is not None, timeout=30_000)
    w.tabs.setCurrentWidget(training)
    click(qtbot, training.controls.stop_button)
    wait_done(qtbot, training)
    QApplication.processEvents()
    assert events[0]["event"] == "started" and events[-1]["event"] == "ended"
    assert events[-1]["status"] == "stopped" and [e["event"] for e in events].count("ended") == 1
    assert network.model.live.state == "ended" and "the run has ended (stopped)" in network.picker.net_line.text()
    assert not training.watch_live_action.isEnabled()
    snaps = [e for e in events if e["event"] == "snapshot"]
    assert snaps[-1]["at"] == "end" and snaps[-1]["status"] == "stopped"
    w.close()


def test_closing_the_window_mid_run_ends_training_and_rebuild_threads(qtbot, fresh_settings, tmp_path):
    save_settings({"runs_dir": str(tmp_path / "runs")})
    w = launch_main_window(qtbot)
    training, network = panels(w)
    set_run(training, epochs=200, train=256)
    w.tabs.setCurrentWidget(training)
    click(qtbot, training.controls.start_button)
    qtbot.waitUntil(lambda: network.model.live.latest is not None, timeout=30_000)
    choose_live(qtbot, w, network)
    # snapshots keep coming while it trains
    qtbot.waitUntil(lambda: network.model.live.shown is not None
                    and network.model.live.shown["examples_seen"] > 0, timeout=60_000)
    thread = training.runner.thread
    assert thread is not None and thread.isRunning()
    w.close()
    answer_quit_question(qtbot, w, "Stop and quit")  # the run ends cleanly, then the window closes
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=60_000)
    assert training.runner.thread is None or not thread.isRunning()
    assert not network.loader.busy() or all(not e.thread.isRunning() for e in network.loader._running)
    assert training.runner._live is None  # nothing more is passed on
