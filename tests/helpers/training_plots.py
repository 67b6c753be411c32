"""Saved runs with curves, and mouse gestures on the Training tab's plots, for the plot tests."""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, QPointF, Qt

from tests.helpers.runs import write_run_folder
from visualizer.core.runs import HISTORY_COLUMNS, csv_line


def saved_run(root, name: str, shift: float) -> None:
    """A finished 4-epoch run of 1,000 images per epoch, a record every 250 examples."""
    history = [{"examples_seen": 250 * i, "iteration": i, "epoch": i / 4, "train_loss": 1.0 / i + shift,
                "train_accuracy": min(0.99, 0.5 + 0.03 * i), "elapsed_s": 0.5 * i, "samples_per_second": 500.0}
               for i in range(1, 17)]
    epochs = [{"epoch": e, "examples_seen": 1000 * e, "train_loss": 0.5 / e + shift, "train_accuracy": 0.8,
               "val_loss": abs(e - 2.0) / 10 + 0.3 + shift, "val_accuracy": 0.78, "elapsed_s": 2.0 * e}
              for e in range(1, 5)]
    metrics = {"final": {"status": "completed", "examples_seen": 4000}, "epochs": epochs}
    folder = write_run_folder(root, name, json.dumps(metrics))
    (folder / "history.csv").write_text(history_csv_text(history))


def history_csv_text(history: list[dict]) -> str:
    """history.csv's text for these batch records, as the trainer's RunWriter writes it."""
    return csv_line(list(HISTORY_COLUMNS)) + "".join(csv_line([r.get(c) for c in HISTORY_COLUMNS]) for r in history)


def at(plots, key: str, x: float, y: float) -> QPoint:
    """Where the view point (x, y) of a plot is, in the graphics view's viewport."""
    return plots.graphics.mapFromScene(plots.plots[key].getViewBox().mapViewToScene(QPointF(x, y)))


def drag(qtbot, view, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=a)
    for t in (0.25, 0.5, 0.75, 1.0):
        qtbot.mouseMove(view, QPoint(int(a.x() + t * (b.x() - a.x())), int(a.y() + t * (b.y() - a.y()))))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=b)
