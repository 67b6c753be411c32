"""The Network tab's live source on its own (NetworkModel + LiveRun, no window): which events it
takes, one rebuild at a time with the newest waiting snapshot next, what it says when it cannot
follow, and what a session keeps."""

from __future__ import annotations

import numpy as np

from visualizer.core.activations import untrained_net
from visualizer.core.live import state_arrays
from visualizer.ui.network.loader import load_net
from visualizer.ui.network.model import NetworkModel


def snapshot(run_id: str, seen: int, seed: int = 0, at: str = "batch") -> dict:
    net = untrained_net("mnist-net1", seed)
    return {"event": "snapshot", "run_id": run_id, "run_folder": f"/runs/{run_id}", "at": at, "net": "mnist-net1",
            "state": state_arrays(net.module), "examples_seen": seen, "iteration": seen // 32,
            "epochs_completed": 0, "epochs": 3, "train_size": 1000}


def model_with_requests(qtbot, min_gap_s: float = 0.0):
    model = NetworkModel()
    model.live.min_gap_s = min_gap_s
    requests: list[tuple[str, dict]] = []
    messages: list[str] = []
    model.load_requested.connect(lambda kind, req: requests.append((kind, req)))
    model.message.connect(messages.append)
    return model, requests, messages


def test_rebuilds_one_at_a_time_and_the_newest_waiting_snapshot_next(qtbot):
    model, requests, messages = model_with_requests(qtbot)
    live = model.live
    assert not live.available() and "No run is training" in live.unavailable_reason()
    assert model.follow_live() is False and model.net_request["kind"] == "preset"

    live.receive({"event": "started", "run_id": "A", "run_folder": "/runs/A"})
    assert live.available() and live.latest is None
    assert model.follow_live() is True and model.net_request == {"kind": "live"}
    assert "waiting for its first weights" in messages[-1] and requests == []
    assert "waiting for its first weights" in model.net_line()

    live.receive(snapshot("A", 128, seed=1))
    live.receive(snapshot("A", 256, seed=2))
    live.receive(snapshot("A", 384, seed=3))
    assert len(requests) == 1 and requests[0][1]["snapshot"]["examples_seen"] == 128  # the others wait
    kind, req = requests[0]
    model.loaded(kind, req, load_net(req))
    assert model.net.source == "run A (live)" and live.shown["examples_seen"] == 128
    # the newest waiting one is next, the one between is skipped
    assert len(requests) == 2 and requests[1][1]["snapshot"]["examples_seen"] == 384
    model.loaded("net", requests[1][1], load_net(requests[1][1]))
    expected = untrained_net("mnist-net1", 3)
    for (k, v), (_k, w) in zip(model.net.module.state_dict().items(), expected.module.state_dict().items()):
        assert np.array_equal(v.numpy(), w.numpy()), k
    assert model.net_line() == "run A, epoch 1 of 3, 384 examples seen — live"

    # a snapshot of another run, or one after the end, is not taken
    live.receive(snapshot("B", 512))
    assert live.latest["examples_seen"] == 384
    live.receive({"event": "ended", "run_id": "A", "run_folder": "/runs/A", "status": "stopped", "has_model": False})
    live.receive(snapshot("A", 999))
    assert live.latest["examples_seen"] == 384 and len(requests) == 2
    assert "has ended (stopped)" in messages[-1] and "the run has ended (stopped)" in model.net_line()
    assert live.available()  # the last weights are kept
    # a session keeps no weights: without a saved model.pt, the default net
    assert model.to_dict()["net"] == {"kind": "preset", "net": "mnist-net1", "seed": 0}


def test_leaving_the_live_source_drops_the_rebuild_in_progress(qtbot):
    model, requests, _ = model_with_requests(qtbot)
    live = model.live
    live.receive({"event": "started", "run_id": "A", "run_folder": "/runs/A"})
    live.receive(snapshot("A", 128))
    model.follow_live()
    assert len(requests) == 1
    model.request_net({"kind": "preset", "net": "mnist-net2", "seed": 0})
    assert requests[-1][1]["kind"] == "preset"
    live.receive(snapshot("A", 256))  # not followed any more: no rebuild
    assert len(requests) == 2
    model.follow_live()  # back: the newest snapshot at once (the old rebuild's answer is dropped by the Loader)
    assert len(requests) == 3 and requests[-1][1]["snapshot"]["examples_seen"] == 256


def test_a_net_too_large_to_follow_says_why(qtbot):
    model, requests, _ = model_with_requests(qtbot)
    live = model.live
    live.receive({"event": "started", "run_id": "A", "run_folder": "/runs/A"})
    live.receive({"event": "snapshot", "run_id": "A", "at": "begin", "state": None,
                  "reason": "this net has 138,357,544 weight values, too many to follow live"})
    assert model.follow_live() is False and model.net_request["kind"] == "preset"
    assert "too many to follow live" in model.error and requests == []


def test_the_live_net_keeps_the_opened_map(qtbot):
    model, requests, _ = model_with_requests(qtbot)
    model.live.receive({"event": "started", "run_id": "A", "run_folder": "/runs/A"})
    model.live.receive(snapshot("A", 0, seed=1, at="begin"))
    model.follow_live()
    model.loaded("net", requests[-1][1], load_net(requests[-1][1]))
    model.set_drawing(np.pad(np.full((16, 4), 255.0), ((6, 6), (12, 12))))
    model.recompute()
    conv2 = next(i for i, la in enumerate(model.net.layers) if la.name == "conv2")
    model.open_map(conv2, 5)
    model.set_scale("own")
    old = model.acts.layers[conv2].values[5].copy()
    model.live.receive(snapshot("A", 128, seed=2))
    model.loaded("net", requests[-1][1], load_net(requests[-1][1]))
    assert model.opened == (conv2, 5) and model.scale == "own" and model.image_kind == "drawn"
    new = model.acts.layers[conv2].values[5]
    assert not np.allclose(new, old)
    assert np.allclose(model.parts.partials.sum(0) + model.parts.bias, new, atol=1e-5)


def test_a_net_asked_for_before_the_live_run_was_picked_does_not_replace_it(qtbot):
    model, requests, messages = model_with_requests(qtbot)
    model.request_net({"kind": "preset", "net": "mnist-net1", "seed": 0})  # the tab's default, still loading
    preset = requests[-1]
    model.live.receive({"event": "started", "run_id": "A", "run_folder": "/runs/A"})
    assert model.follow_live()
    model.loaded(*preset, load_net(preset[1]))  # arrives while the run's first weights are awaited
    assert model.net is None and "waiting for its first weights" in messages[-1]
    model.load_failed("net", preset[1], "some problem")
    assert model.error == ""
    model.live.receive(snapshot("A", 0, at="begin"))
    model.loaded("net", requests[-1][1], load_net(requests[-1][1]))
    assert model.net.source == "run A (live)" and messages[-1] == "Showing the weights of run A as it trains"


def test_rebuilds_are_spaced_by_the_minimum_gap(qtbot):
    import time

    model, requests, _ = model_with_requests(qtbot, min_gap_s=1.0)
    live = model.live
    begin = snapshot("A", 0, at="begin")
    ends = [snapshot("A", seen, at="epoch") for seen in (32, 64, 96)]
    live.receive({"event": "started", "run_id": "A", "run_folder": "/runs/A"})
    live.receive(begin)
    model.follow_live()
    t0 = time.monotonic()
    assert len(requests) == 1
    model.loaded("net", requests[-1][1], load_net(requests[-1][1]))
    for s in ends:  # three epoch ends in a row: only the newest is built, a second after the first
        live.receive(s)
    assert len(requests) == 1
    qtbot.waitUntil(lambda: len(requests) == 2, timeout=10_000)
    assert time.monotonic() - t0 >= 0.9 and requests[-1][1]["snapshot"]["examples_seen"] == 96
