"""The runs list and results table: one row per run, a tick to overlay its curves, exports.

Rows come from runs trained in this session and from `list_runs` (earlier sessions). The table
can be written as CSV, Markdown or LaTeX, the way a course report wants it.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSaveFile, Qt, Signal, QIODevice, QByteArray
from PySide6.QtGui import QColor

COLUMNS = ["Run", "Net", "Loss", "Optimizer", "Learning rate", "Epochs", "Train acc.", "Val. acc.",
           "Test acc.", "Time", "Status"]


@dataclass
class RunEntry:
    run_id: str
    folder: Path | None
    config: dict[str, Any]
    color: str
    final: dict[str, Any] = field(default_factory=dict)
    status: str = ""  # "running", or the final status
    progress: float | None = None  # 0–1 while running
    shown: bool = False
    epochs_done: int = 0
    result: dict[str, Any] | None = None  # confusion/misclassified/filters, for session runs


def net_name(config: dict[str, Any]) -> str:
    net = config.get("net", "")
    if isinstance(net, dict):
        return str(net.get("name") or "custom")
    return str(net)


def fmt_acc(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(v) else f"{100 * v:.2f} %"


def fmt_time(seconds: Any) -> str:
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return ""
    if math.isnan(s):
        return ""
    m, s = divmod(int(round(s)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def run_label(entry_or_config: Any) -> str:
    """A short label for legends: "mnist-net1 · ce · sgdm · lr 0.01"."""
    c = entry_or_config.config if isinstance(entry_or_config, RunEntry) else entry_or_config
    return f"{net_name(c)} · {c.get('loss', '?')} · {c.get('optimizer', '?')} · lr {c.get('lr', '?')}"


def row_values(entry: RunEntry) -> list[str]:
    c, f = entry.config, entry.final
    epochs = c.get("epochs", "")
    if f.get("epochs_completed") is not None and f.get("epochs_completed") != epochs:
        epochs = f"{f.get('epochs_completed')}/{epochs}"
    return [entry.run_id, net_name(c), str(c.get("loss", "")), str(c.get("optimizer", "")),
            f"{c.get('lr', '')}", str(epochs), fmt_acc(f.get("train_accuracy")),
            fmt_acc(f.get("val_accuracy")), fmt_acc(f.get("test_accuracy")),
            fmt_time(f.get("wall_time_s")), _status_text(entry)]


def _status_text(entry: RunEntry) -> str:
    if entry.status == "running" and entry.progress is not None:
        return f"running, {100 * entry.progress:.0f} %"
    return entry.status or str(entry.final.get("status", ""))


def table_csv(entries: list[RunEntry]) -> str:
    """CSV with accuracies as fractions (machine-readable) and time in seconds."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["run", "net", "loss", "optimizer", "lr", "epochs", "train_accuracy", "val_accuracy",
                "test_accuracy", "wall_time_s", "status"])
    for e in entries:
        c, f = e.config, e.final
        w.writerow([e.run_id, net_name(c), c.get("loss", ""), c.get("optimizer", ""), c.get("lr", ""),
                    f.get("epochs_completed", c.get("epochs", "")), f.get("train_accuracy", ""),
                    f.get("val_accuracy", ""), f.get("test_accuracy", ""), f.get("wall_time_s", ""),
                    e.status or f.get("status", "")])
    return out.getvalue()


def table_markdown(entries: list[RunEntry]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join("---:" if i >= 4 and i < 10 else "---" for i in range(len(COLUMNS))) + "|"]
    for e in entries:
        lines.append("| " + " | ".join(v.replace("|", "\\|") for v in row_values(e)) + " |")
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"),
                 ("^", r"\textasciicircum{}")):
        text = text.replace(a, b)
    return text


def table_latex(entries: list[RunEntry]) -> str:
    """A booktabs table (\\usepackage{booktabs})."""
    spec = "lllll" + "r" * (len(COLUMNS) - 6) + "l"
    lines = [r"\begin{tabular}{" + spec + "}", r"\toprule",
             " & ".join(_latex_escape(c) for c in COLUMNS) + r" \\", r"\midrule"]
    for e in entries:
        lines.append(" & ".join(_latex_escape(v) for v in row_values(e)) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def save_text_atomic(path: str | Path, text: str) -> None:
    f = QSaveFile(str(path))
    if not f.open(QIODevice.OpenModeFlag.WriteOnly):
        raise OSError(f"cannot write {path}: {f.errorString()}")
    f.write(QByteArray(text.encode("utf-8")))
    if not f.commit():
        raise OSError(f"cannot write {path}: {f.errorString()}")


class RunsTableModel(QAbstractTableModel):
    """Runs as rows; the first column's tick shows or hides the run's curves."""

    shown_changed = Signal(str, bool)  # run id, shown

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[RunEntry] = []

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row_values(e)[col]
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if e.shown else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return QColor(e.color)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{e.run_id}\n{run_label(e)}"
            if e.folder is not None:
                tip += f"\nsaved in {e.folder}"
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole and 4 <= col <= 9:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index):
        f = super().flags(index)
        if index.isValid() and index.column() == 0:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            shown = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
            self.set_shown(self.entries[index.row()].run_id, shown)
            return True
        return False

    # -- entries -----------------------------------------------------------------------------
    def index_of(self, run_id: str) -> int:
        for i, e in enumerate(self.entries):
            if e.run_id == run_id:
                return i
        return -1

    def entry(self, run_id: str) -> RunEntry | None:
        i = self.index_of(run_id)
        return self.entries[i] if i >= 0 else None

    def add(self, entry: RunEntry) -> None:
        n = len(self.entries)
        self.beginInsertRows(QModelIndex(), n, n)
        self.entries.append(entry)
        self.endInsertRows()

    def remove(self, run_id: str) -> None:
        i = self.index_of(run_id)
        if i >= 0:
            self.beginRemoveRows(QModelIndex(), i, i)
            del self.entries[i]
            self.endRemoveRows()

    def changed(self, run_id: str) -> None:
        i = self.index_of(run_id)
        if i >= 0:
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def set_shown(self, run_id: str, shown: bool) -> None:
        e = self.entry(run_id)
        if e is None or e.shown == shown:
            return
        e.shown = shown
        self.changed(run_id)
        self.shown_changed.emit(run_id, shown)

    def shown_ids(self) -> list[str]:
        return [e.run_id for e in self.entries if e.shown]
