"""The runs table as text (visualizer.core.run_table): no Qt needed."""

from __future__ import annotations

import csv
import io
import sys

import pytest

from tests.helpers.runs import Row
from visualizer.core.errors import UserInputError
from visualizer.core.run_table import format_for, row_values, table_csv, table_latex, table_markdown


def test_latex_escapes_backslash_ampersand_percent_underscore():
    row = Row(r"a\b&c%d_e", {"net": {"name": "my_net"}, "loss": "ce", "optimizer": "sgd", "lr": 0.1,
                              "epochs": 1}, {"test_accuracy": 0.5}, "completed")
    tex = table_latex([row])
    line = tex.splitlines()[4]
    assert line.startswith(r"a\textbackslash{}b\&c\%d\_e & my\_net & ce")
    assert r"\textbackslash\{\}" not in tex  # the old copy escaped its own braces
    assert r"50.00 \%" in line


def test_csv_markdown_and_rows():
    rows = [Row("r1", {"net": "mnist-net1", "loss": "ce", "optimizer": "sgdm", "lr": 0.01, "epochs": 2},
                {"train_accuracy": 0.9, "val_accuracy": 0.8, "test_accuracy": 0.85, "wall_time_s": 65,
                 "epochs_completed": 1}, "stopped"),
            Row("r|2", {"net": "mnist-net2", "epochs": 3}, {}, "running", 0.25)]
    parsed = list(csv.DictReader(io.StringIO(table_csv(rows))))
    assert parsed[0]["test_accuracy"] == "0.85" and parsed[0]["epochs"] == "1"
    assert row_values(rows[0])[5:] == ["1/2", "0", "0", "off", "", "90.00 %", "80.00 %", "85.00 %", "1:05", "stopped"]
    assert row_values(rows[1])[-1] == "running, 25 %"
    md = table_markdown(rows).splitlines()
    assert md[0].startswith("| Run | Net |") and md[3].startswith(r"| r\|2 |")


def test_format_by_suffix():
    assert [format_for(p) for p in ("a.csv", "b.MD", "c.markdown", "d.tex")] == ["csv", "md", "md", "tex"]
    with pytest.raises(UserInputError):
        format_for("t.docx")


def test_imports_without_qt():
    import subprocess

    code = "import sys; sys.modules['PySide6'] = None; import visualizer.core.run_table"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
