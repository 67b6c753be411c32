"""The runs table as text: one row per training run, as CSV, Markdown or LaTeX (no Qt).

Rows are anything with `run_id`, `config` (the run's TrainConfig as a dict), `final` (its final
numbers, empty while running), `status` and `progress` (0–1 while running, else None): the Training
tab's runs and the CLI's saved runs alike.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any, Iterable, Protocol

from visualizer.core.errors import UserInputError
from visualizer.core.table_format import latex_escape

COLUMNS = ["Run", "Net", "Loss", "Optimizer", "Learning rate", "Epochs", "Weight decay", "Dropout",
           "Early stopping", "Best epoch", "Train acc.", "Val. acc.", "Test acc.", "Time", "Status"]
#: Columns shown right-aligned (numbers).
NUMBER_COLUMNS = range(4, 14)

#: File suffix -> table format.
FORMATS = {".csv": "csv", ".md": "md", ".markdown": "md", ".tex": "tex"}


class RunRow(Protocol):
    run_id: str
    config: dict[str, Any]
    final: dict[str, Any]
    status: str
    progress: float | None


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


def run_label(config: dict[str, Any]) -> str:
    """A short label for legends: "mnist-net1 · ce · sgdm · lr 0.01"."""
    c = config
    label = f"{net_name(c)} · {c.get('loss', '?')} · {c.get('optimizer', '?')} · lr {c.get('lr', '?')}"
    return label + regularisation_label(c)


def regularisation_label(config: dict[str, Any]) -> str:
    """" · weight decay 0.001 · dropout 0.5 · early stopping 5" for the options that are on."""
    parts = []
    for key, what in (("weight_decay", "weight decay"), ("dropout", "dropout"), ("early_stopping", "early stopping")):
        v = config.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v:
            parts.append(f"{what} {v:g}")
    return "".join(f" · {p}" for p in parts)


def regularisation_cells(config: dict[str, Any]) -> list[str]:
    """The table's weight decay, dropout and early-stopping cells: "0.01", "0.5", "5" ("0", "0" and
    "off" when not used; "" for a value the run does not record)."""
    cells = []
    for key, off in (("weight_decay", "0"), ("dropout", "0"), ("early_stopping", "off")):
        v = config.get(key, 0)
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        cells.append(("" if not ok else off if not v else f"{v:g}"))
    return cells


def best_epoch_text(final: dict[str, Any]) -> str:
    """The epoch with the lowest validation loss ("3"), and "(stopped early)" when early stopping ended the run."""
    best = final.get("best_epoch")
    if isinstance(best, bool) or not isinstance(best, int):
        return ""
    return f"{best} (stopped early)" if final.get("stopped_early") is True else str(best)


def status_text(row: RunRow) -> str:
    if row.status == "running" and row.progress is not None:
        return f"running, {100 * row.progress:.0f} %"
    return row.status or str(row.final.get("status", ""))


def row_values(row: RunRow) -> list[str]:
    """The cells of one row, as the table shows them."""
    c, f = row.config, row.final
    epochs = c.get("epochs", "")
    if f.get("epochs_completed") is not None and f.get("epochs_completed") != epochs:
        epochs = f"{f.get('epochs_completed')}/{epochs}"
    return [row.run_id, net_name(c), str(c.get("loss", "")), str(c.get("optimizer", "")),
            f"{c.get('lr', '')}", str(epochs), *regularisation_cells(c), best_epoch_text(f),
            fmt_acc(f.get("train_accuracy")),
            fmt_acc(f.get("val_accuracy")), fmt_acc(f.get("test_accuracy")),
            fmt_time(f.get("wall_time_s")), status_text(row)]


def table_csv(rows: Iterable[RunRow]) -> str:
    """CSV with accuracies as fractions (machine-readable) and time in seconds."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["run", "net", "loss", "optimizer", "lr", "epochs", "train_accuracy", "val_accuracy",
                "test_accuracy", "wall_time_s", "status", "weight_decay", "dropout", "early_stopping",
                "best_epoch", "best_val_loss", "stopped_early"])
    for e in rows:
        c, f = e.config, e.final
        w.writerow([e.run_id, net_name(c), c.get("loss", ""), c.get("optimizer", ""), c.get("lr", ""),
                    f.get("epochs_completed", c.get("epochs", "")), f.get("train_accuracy", ""),
                    f.get("val_accuracy", ""), f.get("test_accuracy", ""), f.get("wall_time_s", ""),
                    e.status or f.get("status", ""), c.get("weight_decay", 0), c.get("dropout", 0),
                    c.get("early_stopping", 0), _cell(f.get("best_epoch")), _cell(f.get("best_val_loss")),
                    _cell(f.get("stopped_early"))])
    return out.getvalue()


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def table_markdown(rows: Iterable[RunRow]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join("---:" if i in NUMBER_COLUMNS else "---" for i in range(len(COLUMNS))) + "|"]
    for e in rows:
        lines.append("| " + " | ".join(v.replace("|", "\\|") for v in row_values(e)) + " |")
    return "\n".join(lines) + "\n"


def table_latex(rows: Iterable[RunRow]) -> str:
    """A booktabs table (\\usepackage{booktabs})."""
    spec = "".join("r" if i in NUMBER_COLUMNS else "l" for i in range(len(COLUMNS)))
    lines = [r"\begin{tabular}{" + spec + "}", r"\toprule",
             " & ".join(latex_escape(c) for c in COLUMNS) + r" \\", r"\midrule"]
    for e in rows:
        lines.append(" & ".join(latex_escape(v) for v in row_values(e)) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def table_text(rows: Iterable[RunRow], fmt: str) -> str:
    """The table in `fmt`: "csv", "md" or "tex"."""
    return {"csv": table_csv, "md": table_markdown, "tex": table_latex}[fmt](list(rows))


def format_for(path: str | Path) -> str:
    """The table format a file name asks for (by suffix); UserInputError for any other suffix."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserInputError(f"{path.name}: choose a .csv, .md or .tex file name.")
    return fmt
