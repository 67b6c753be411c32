"""The hover readout gives each value with its own x (issue 27, item 3): a validation value measured
at the end of an epoch says where it was measured when the header names another x."""

from __future__ import annotations

from visualizer.core.curves import RunSeries, hover_rows


def series(per_epoch: int, epochs: int = 3) -> RunSeries:
    """4 training records per epoch and a validation record at each epoch's end."""
    data = RunSeries()
    for i in range(1, 4 * epochs + 1):
        seen = i * per_epoch // 4
        data.append_batch({"examples_seen": seen, "epoch": seen / per_epoch, "train_loss": 1.0 / i,
                           "train_accuracy": 0.5, "elapsed_s": 0.5 * i})
    for e in range(1, epochs + 1):
        data.append_epoch({"epoch": e, "examples_seen": e * per_epoch, "train_loss": 0.5, "train_accuracy": 0.8,
                           "val_loss": 0.3 + e / 10, "val_accuracy": 0.78, "elapsed_s": 2.0 * e})
    return data


def values(rows: list[dict], run: str) -> dict[str, dict]:
    return {v["series"]: v for r in rows if r["run"] == run for v in r["values"]}


def test_values_measured_at_another_x_say_their_own():
    a, b = series(1000), series(1100)
    header, rows = hover_rows([("a", "#1", a), ("b", "#2", b)], "loss_examples", 1260)
    assert header == "examples seen: 1,250"  # a's training record, the nearest to the cursor
    va, vb = values(rows, "a"), values(rows, "b")
    assert "at" not in va["training"]
    assert va["validation"]["at"] == "1,000 examples" and va["validation"]["raw"] == "0.4000"
    assert vb["training"]["at"] == "1,375 examples" and vb["validation"]["at"] == "1,100 examples"
    # at an epoch's end the validation value and the header share the x: nothing added
    header, rows = hover_rows([("a", "#1", a)], "loss_examples", 2010)
    assert header == "examples seen: 2,000" and all("at" not in v for v in rows[0]["values"])
    # the other x modes say it in their own unit
    _, rows = hover_rows([("a", "#1", a)], "loss_examples", 1.26, "epochs")
    assert values(rows, "a")["validation"]["at"] == "epoch 1.00"
    _, rows = hover_rows([("a", "#1", a)], "loss_examples", 2.6, "time")
    assert values(rows, "a")["validation"]["at"] == "2.0 s"
