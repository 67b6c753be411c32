"""The runs table shows each run's best-validation epoch and its regularisation (no Qt)."""

from __future__ import annotations

import csv
import io

from tests.helpers.runs import Row
from visualizer.core.run_table import COLUMNS, row_values, run_label, table_csv, table_latex


def test_best_epoch_column_and_export():
    rows = [Row("a", {"net": "mnist-net1", "epochs": 40, "early_stopping": 5},
                {"best_epoch": 7, "best_val_loss": 0.25, "stopped_early": True, "epochs_completed": 12}, "completed"),
            Row("b", {"net": "mnist-net1", "epochs": 40, "weight_decay": 0.001},
                {"best_epoch": 30, "best_val_loss": 0.2, "stopped_early": False, "epochs_completed": 40}, "completed"),
            Row("c", {"net": "mnist-net1", "epochs": 4}, {}, "running", 0.5)]
    col = COLUMNS.index("Best epoch")
    assert [row_values(r)[col] for r in rows] == ["7 (stopped early)", "30", ""]
    assert row_values(rows[0])[COLUMNS.index("Epochs")] == "12/40"
    parsed = list(csv.DictReader(io.StringIO(table_csv(rows))))
    assert [p["best_epoch"] for p in parsed] == ["7", "30", ""]
    assert [p["stopped_early"] for p in parsed] == ["true", "false", ""]
    assert parsed[1]["weight_decay"] == "0.001" and parsed[0]["early_stopping"] == "5"
    spec = table_latex(rows).splitlines()[0].split("{")[-1].rstrip("}")
    assert len(spec) == len(COLUMNS) and set(spec) == {"l", "r"}


def test_labels_name_the_regularisation():
    base = {"net": "mnist-net1", "loss": "ce", "optimizer": "sgdm", "lr": 0.01}
    assert run_label(base) == "mnist-net1 · ce · sgdm · lr 0.01"
    assert run_label({**base, "weight_decay": 0.001}).endswith("· weight decay 0.001")
    assert run_label({**base, "dropout": 0.5, "early_stopping": 5}).endswith("· dropout 0.5 · early stopping 5")
    assert run_label({**base, "early_stopping": True}) == run_label(base)  # odd JSON is ignored


def test_the_table_has_columns_for_the_regularisation():
    rows = [Row("plain", {"net": "n", "weight_decay": 0.0, "dropout": 0.0, "early_stopping": 0}, {}, "completed"),
            Row("reg", {"net": "n", "weight_decay": 0.01, "dropout": 0.5, "early_stopping": 5}, {}, "completed"),
            Row("old", {"net": "n"}, {}, "completed")]  # a config saved before the options existed
    cols = [COLUMNS.index(c) for c in ("Weight decay", "Dropout", "Early stopping")]
    assert [[row_values(r)[i] for i in cols] for r in rows] == [["0", "0", "off"], ["0.01", "0.5", "5"],
                                                                 ["0", "0", "off"]]
    assert all(len(row_values(r)) == len(COLUMNS) for r in rows)
