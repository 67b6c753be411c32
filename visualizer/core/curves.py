"""Training curves as numbers (no Qt): what the Training tab's four plots draw, list and export.

A run's records (one per batch in `history`, one per epoch in `epochs`, as the trainer writes them)
are kept as columns in buffers that double when full (`RunSeries`). From them come, per plot and
series, the x and y arrays for an x-axis mode (examples seen, fractional epochs or wall time), the
training loss smoothed with TensorBoard's debiased moving average, the epoch with the lowest
validation loss (the engine's early-stopping rule), the values the hover readout lists at an x, and
a plot's data as CSV.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Iterable

import numpy as np

# plot key -> (title, x label, y label, x quantity, y quantity)
PLOTS = {
    "loss_examples": ("Loss vs examples seen", "examples seen", "loss", "examples", "loss"),
    "loss_epoch": ("Loss vs epoch", "epoch", "loss", "epoch", "loss"),
    "acc_examples": ("Accuracy vs examples seen", "examples seen", "accuracy (%)", "examples", "accuracy"),
    "acc_epoch": ("Accuracy vs epoch", "epoch", "accuracy (%)", "epoch", "accuracy"),
}
QUANTITIES = ("loss", "accuracy", "examples", "epoch")
#: The x axis of the "vs examples" plots: key -> (axis label, title ending)
X_AXES = {"examples": ("examples seen", "examples seen"), "epochs": ("epoch (fractional)", "epoch (fractional)"),
          "time": ("wall time (s)", "wall time")}
#: The series each plot draws, in drawing order: the "vs examples" plots one point per batch (raw
#: and smoothed) and validation per epoch; the "vs epoch" plots one point per epoch.
PLOT_SERIES = {"examples": ("train_raw", "train_smooth", "val"), "epoch": ("train", "val")}
SERIES_NAMES = {"train_raw": "training", "train_smooth": "training (smoothed)", "train": "training",
                "val": "validation"}
#: The ★'s note: the epoch whose weights early stopping keeps; it stops `patience` epochs later (and
#: may stop at an earlier dip than the whole run's lowest point).
BEST_NOTE = "lowest validation loss: the epoch early stopping keeps"  # short: it fits the readout

# batch buffer columns / epoch buffer columns
B_EXAMPLES, B_EPOCH, B_LOSS, B_ACC, B_TIME = range(5)
E_EPOCH, E_EXAMPLES, E_TLOSS, E_TACC, E_VLOSS, E_VACC, E_TIME = range(7)
#: x-axis mode -> (batch column, epoch column) of the "vs examples" plots' x
_X_COLUMNS = {"examples": (B_EXAMPLES, E_EXAMPLES), "epochs": (B_EPOCH, E_EPOCH), "time": (B_TIME, E_TIME)}


def plot_series(plot_key: str) -> tuple[str, ...]:
    """The series a plot draws (see PLOT_SERIES)."""
    return PLOT_SERIES["examples" if plot_key.endswith("examples") else "epoch"]


def x_label(plot_key: str, x_axis: str) -> str:
    """The x axis label of a plot: the "vs examples" plots follow the x-axis mode."""
    return X_AXES[x_axis][0] if plot_key.endswith("examples") else PLOTS[plot_key][1]


def value_text(value: float, quantity: str) -> str:
    """A value as the readout writes it: accuracy "97.50 %", examples "12,000", loss "0.1234"."""
    if not math.isfinite(value):
        return "–"
    if quantity == "accuracy":
        return f"{value:.2f} %"
    if quantity == "examples":
        return f"{value:,.0f}"
    return f"{value:.4f}" if quantity == "loss" else f"{value:.4g}"


class GrowingBuffer:
    """Rows appended in amortised O(1): the array doubles when full; views are handed out."""

    def __init__(self, columns: int, capacity: int = 256) -> None:
        self._data = np.full((capacity, columns), np.nan)
        self.size = 0

    def append(self, row) -> None:
        if self.size == len(self._data):
            grown = np.full((2 * len(self._data), self._data.shape[1]), np.nan)
            grown[: self.size] = self._data
            self._data = grown
        self._data[self.size] = row
        self.size += 1

    def column(self, i: int) -> np.ndarray:
        return self._data[: self.size, i]

    def clear(self) -> None:
        self.size = 0


def ema(values: np.ndarray, weight: float) -> np.ndarray:
    """Exponential moving average with bias correction (as TensorBoard's smoothing slider).

    y[t] = weight * y[t-1] + (1 - weight) * x[t] from y[-1] = 0, divided by 1 - weight**(t+1);
    non-finite values count as 0. Plain numpy (no scipy on the GUI thread): within a block the
    recurrence is a cumulative sum of x[k] * weight**-k, and blocks are short enough that
    weight**-k stays far from overflow."""
    if weight <= 0 or len(values) == 0:
        return values
    x = np.where(np.isfinite(values), values, 0.0).astype(float)
    n = len(x)
    block = max(1, int(100 * np.log(10) / -np.log(weight))) if weight < 1 else 1
    out = np.empty(n)
    carry = 0.0
    for s in range(0, n, block):
        chunk = x[s:s + block]
        k = np.arange(len(chunk))
        scaled = np.cumsum(chunk * weight ** (-k.astype(float)))
        out[s:s + block] = weight ** (k + 1.0) * carry + (1.0 - weight) * weight ** k.astype(float) * scaled
        carry = out[s + len(chunk) - 1]
    return out / (1.0 - weight ** np.arange(1, n + 1))


def _get(record: dict, key: str) -> float:
    v = record.get(key)
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


class RunSeries:
    """One run's records as columns; accuracies are stored in percent. A missing or non-numeric
    value is NaN (not drawn)."""

    def __init__(self) -> None:
        self.batches = GrowingBuffer(5)
        self.epochs = GrowingBuffer(7)

    def append_batch(self, record: dict) -> None:
        self.batches.append((_get(record, "examples_seen"), _get(record, "epoch"),
                             _get(record, "train_loss"), 100.0 * _get(record, "train_accuracy"),
                             _get(record, "elapsed_s")))

    def append_epoch(self, record: dict) -> None:
        self.epochs.append((_get(record, "epoch"), _get(record, "examples_seen"),
                            _get(record, "train_loss"), 100.0 * _get(record, "train_accuracy"),
                            _get(record, "val_loss"), 100.0 * _get(record, "val_accuracy"),
                            _get(record, "elapsed_s")))

    def clear(self) -> None:
        self.batches.clear()
        self.epochs.clear()

    def series(self, plot_key: str, name: str, x_axis: str = "examples",
               smoothing: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of one series of a plot; x of the "vs examples" plots by the x-axis mode, and
        "train_smooth" the training curve through `ema(…, smoothing)`."""
        b, e = self.batches, self.epochs
        loss = plot_key.startswith("loss")
        if plot_key.endswith("examples"):
            bx, ex = _X_COLUMNS[x_axis]
            if name == "train_raw":
                return b.column(bx), b.column(B_LOSS if loss else B_ACC)
            if name == "train_smooth":
                return b.column(bx), ema(b.column(B_LOSS if loss else B_ACC), smoothing)
            return e.column(ex), e.column(E_VLOSS if loss else E_VACC)
        if name == "train":
            return e.column(E_EPOCH), e.column(E_TLOSS if loss else E_TACC)
        return e.column(E_EPOCH), e.column(E_VLOSS if loss else E_VACC)

    def best_row(self) -> int | None:
        """The epoch record with the lowest validation loss (the first of equals: the engine's
        rule, so it matches metrics.json's best_epoch), or None before a finite one."""
        v = self.epochs.column(E_VLOSS)
        ok = np.isfinite(v)
        if not ok.any():
            return None
        return int(np.argmin(np.where(ok, v, np.inf)))

    def best_epoch(self) -> int | None:
        i = self.best_row()
        return None if i is None else int(self.epochs.column(E_EPOCH)[i])


def hover_rows(runs: Iterable[tuple[str, str, RunSeries]], plot_key: str, vx: float, x_axis: str = "examples",
               smoothing: float = 0.0, log_x: bool = False) -> tuple[str, list[dict]]:
    """What the hover readout lists at view x `vx` (log10 of x on a log axis): the x as text and,
    per run (label, colour, series), its values at the nearest point of each of its curves
    (TensorBoard's rule: nearest x, not nearest point). Each row is {"run", "color", "values"},
    each value {"series", "x", "y" (the point's), "raw" (its text)} with "smoothed", "best" (the
    lowest validation loss) and "at" (its own x as text, when it is not the header's x) where they
    apply; runs without a value are left out."""
    _t, xl, _yl, xq, yq = PLOTS[plot_key]
    if plot_key.endswith("examples"):
        xl = X_AXES[x_axis][0]
        xq = {"examples": "examples", "epochs": "epoch", "time": "time"}[x_axis]
    rows, nearest, nearest_d = [], None, math.inf
    for label, color, data in runs:
        row = {"run": label, "color": color, "values": []}
        best = data.best_row()
        for name in plot_series(plot_key):
            if name == "train_smooth":
                continue
            x, y = data.series(plot_key, name, x_axis, smoothing)
            ok = np.isfinite(x)
            if not ok.any():
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                tx = np.log10(x) if log_x else x
            d = np.where(ok & np.isfinite(tx), np.abs(tx - vx), np.inf)
            i = int(np.argmin(d))
            if not np.isfinite(d[i]):
                continue
            if d[i] < nearest_d:
                nearest, nearest_d = float(x[i]), float(d[i])
            entry = {"series": SERIES_NAMES[name], "x": float(x[i]), "y": float(y[i]),
                     "raw": value_text(float(y[i]), yq)}
            if name == "train_raw" and smoothing > 0:
                smooth = data.series(plot_key, "train_smooth", x_axis, smoothing)[1]
                entry["smoothed"] = value_text(float(smooth[i]), yq)
            if name == "val" and best is not None and i == best:
                entry["best"] = True
            row["values"].append(entry)
        if row["values"]:
            rows.append(row)
    # the header names the x of the data point nearest the cursor (the records' own x); a value
    # measured elsewhere (a validation point at the epoch's end) says its own x under "at"
    x_value = nearest if nearest is not None else (10 ** vx if log_x else vx)
    for row in rows:
        for v in row["values"]:
            if abs(v["x"] - x_value) > 1e-9 * max(1.0, abs(x_value)):
                v["at"] = _x_words(v["x"], plot_key, xq)[1]
    value = _x_words(x_value, plot_key, xq)[0]
    if xq == "examples":
        return f"{xl}: {value}", rows
    if xq == "time":
        return f"{xl.split(' (')[0]}: {value}", rows
    return value, rows


def _x_words(x: float, plot_key: str, xq: str) -> tuple[str, str]:
    """An x of the hover readout as (the header's number, a value's "at" text): examples seen,
    seconds or epochs."""
    if xq == "examples":
        text = f"{max(0.0, x):,.0f}"
        return text, f"{text} examples"
    if xq == "time":
        return f"{x:.1f} s", f"{x:.1f} s"
    text = f"epoch {max(0, round(x))}" if plot_key.endswith("epoch") else f"epoch {x:.2f}"
    return text, text


def _num(v: float) -> str:
    return repr(float(v)) if np.isfinite(v) else ""


def plot_csv(runs: Iterable[tuple[str, RunSeries]], plot_key: str, x_axis: str = "examples",
             smoothing: float = 0.0) -> str:
    """A plot's data as CSV, for each run (label, series): run, series (training / validation), x,
    raw, smoothed (the training curve's moving average when smoothing is on, else empty).
    Numbers are written in full (repr); a missing value is an empty cell."""
    yq = PLOTS[plot_key][4]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["run", "series", x_label(plot_key, x_axis), f"{yq} (raw)", f"{yq} (smoothed)"])
    for label, data in runs:
        for name in plot_series(plot_key):
            if name == "train_smooth":
                continue
            x, y = data.series(plot_key, name, x_axis, smoothing)
            smooth = None
            if name == "train_raw" and smoothing > 0:
                smooth = data.series(plot_key, "train_smooth", x_axis, smoothing)[1]
            for i in range(len(x)):
                w.writerow([label, SERIES_NAMES[name], _num(x[i]), _num(y[i]),
                            _num(smooth[i]) if smooth is not None else ""])
    return out.getvalue()


def data_bounds(runs: Iterable[RunSeries], plot_key: str, x_axis: str = "examples", smoothing: float = 0.0,
                log_x: bool = False, log_y: bool = False) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((x min, x max), (y min, y max)) of the finite points the series drawn in a plot cover
    (the smoothed curve only while smoothing is on), in view coordinates: log10 of the positive
    values on a log axis. None when no point is drawn."""
    xb, yb = [], []
    for data in runs:
        for name in plot_series(plot_key):
            if name == "train_smooth" and smoothing <= 0:
                continue
            x, y = data.series(plot_key, name, x_axis, smoothing)
            with np.errstate(divide="ignore", invalid="ignore"):
                if log_x:
                    x = np.log10(np.where(x > 0, x, np.nan))
                if log_y:
                    y = np.log10(np.where(y > 0, y, np.nan))
            ok = np.isfinite(x) & np.isfinite(y)
            if ok.any():
                xb += [float(x[ok].min()), float(x[ok].max())]
                yb += [float(y[ok].min()), float(y[ok].max())]
    if not yb:
        return None
    return (min(xb), max(xb)), (min(yb), max(yb))
