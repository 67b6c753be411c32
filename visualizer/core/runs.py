"""Runs kept on disk: one folder per run with config.json, metrics.json, history.csv, model.pt.

Used by the engine's callers (the training panel, `convviz train`, sweeps). Every file is written
atomically (temporary file + os.replace), so a crash loses at most the last reporting interval.

Files in a run folder:
  config.json   the TrainConfig (to_dict) plus "run_id", "device", "started" (ISO time, UTC)
  metrics.json  {"schema": "convviz.run", "version": 1, "run_id", "config", "final", "epochs",
                "latest" (the last batch record)}, rewritten at every reporting point:
                "final" is {} while the run is going, then the RunResult.final dict (status
                "completed" | "stopped" | "diverged" (with "reason", one sentence), or "failed"
                with "error" (one sentence) if it crashed);
                "epochs" the epoch records. Non-finite numbers are written as null.
  history.csv   one row per batch record (examples_seen, iteration, epoch, train_loss,
                train_accuracy, elapsed_s, samples_per_second), rewritten at every reporting point
  model.pt      the trained state_dict (torch.save), written at the end
  results.npz   test confusion matrix, misclassified test digits, first-layer filters (at the end)
  .convviz-run.lock  while a run writes (`run_lock.RunLock`): the writer's PID and host; stale once it is gone

Reading back never raises for a bad folder in list_runs: such a folder is a RunRecord with
`problem` set (status "unreadable").
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from visualizer.core.errors import UserInputError
from visualizer.core.atomic import write_atomic
from visualizer.core.run_lock import RunLock
from visualizer.core.safe_json import excerpt, read_json_file
from visualizer.core.training import Callback

SCHEMA = "convviz.run"
SCHEMA_VERSION = 1
HISTORY_COLUMNS = ("examples_seen", "iteration", "epoch", "train_loss", "train_accuracy", "elapsed_s",
                   "samples_per_second")
EPOCH_COLUMNS = ("epoch", "examples_seen", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "elapsed_s")
_INT_COLUMNS = {"examples_seen", "iteration"}
RUN_STATUSES = ("completed", "stopped", "diverged", "failed")


@dataclass
class RunRecord:
    """One run folder read back (`load_run`, `list_runs`): its config, final result, history rows
    and epoch records, as the Training tab's runs table, the Network tab and sweeps use them. A
    folder that cannot be read is a RunRecord too, with `problem` saying why (never hidden)."""

    run_id: str  # folder name, e.g. "2026-11-28_101500_mnist-net1_lr0.01"
    folder: Path
    config: dict[str, Any]
    final: dict[str, Any] = field(default_factory=dict)  # empty while running
    history: list[dict[str, Any]] = field(default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)
    #: Why this folder cannot be read, in one sentence ("" when it was read). list_runs returns
    #: such folders too (config, final, history and epochs then empty), so none is hidden silently.
    problem: str = ""

    @property
    def readable(self) -> bool:
        return not self.problem

    @property
    def status(self) -> str:
        """completed | stopped | diverged | failed, "incomplete" when no final result was written
        (still running, or the process died), or "unreadable" when the folder could not be read."""
        if self.problem:
            return "unreadable"
        return str(self.final.get("status") or "incomplete")

    @property
    def has_model(self) -> bool:
        return (self.folder / "model.pt").is_file()

    def load_results(self) -> dict[str, Any]:
        """The end-of-run arrays (confusion, misclassified_images/true/pred, first_layer_filters) from
        results.npz, or {} when the run wrote none."""
        return load_results(self.folder)


# ---------------------------------------------------------------------------------------------
# Atomic writes

def _clean(obj: Any) -> Any:
    """JSON-safe: NaN/inf -> None, numpy scalars/arrays -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | Path, obj: Any, durable: bool = True) -> None:
    write_atomic(path, json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n", durable)


def csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_csv_value(v) for v in values])
    return buf.getvalue()


def best_epoch_of(epochs: list[dict[str, Any]]) -> dict[str, Any]:
    """{"best_epoch", "best_val_loss"} of epoch records: the first epoch with the lowest finite
    validation loss (the engine's rule, so the plots' marks agree with metrics.json); {} if none."""
    best: dict[str, Any] = {}
    for r in epochs:
        v = r.get("val_loss")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            if not best or v < best["best_val_loss"]:
                best = {"best_epoch": r.get("epoch"), "best_val_loss": float(v)}
    return best


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return str(v)


def metrics_document(run_id: str, config: dict[str, Any], final: dict[str, Any],
                     epochs: list[dict[str, Any]]) -> dict[str, Any]:
    """metrics.json's content (the same for the app and the `train` CLI)."""
    return {"schema": SCHEMA, "version": SCHEMA_VERSION, "run_id": run_id, "config": config,
            "final": final, "epochs": epochs}


# ---------------------------------------------------------------------------------------------
# Writing a run as it goes

def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "net"


def new_run_folder(runs_dir: str | Path, config: Any, when: datetime | None = None, name: str = "") -> Path:
    """A fresh folder name under runs_dir, e.g. 2026-11-28_101500_mnist-net1_ce_sgdm_lr0.01 or, with a
    `name`, 2026-11-28_101500_overfit-plain (suffixed -2, -3, … if taken). The folder is not created."""
    from visualizer.core.training import TrainConfig, net_label

    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(dict(config))
    when = when or datetime.now()
    what = _slug(name) if name else f"{_slug(net_label(cfg.net))}_{cfg.loss}_{cfg.optimizer}_lr{cfg.lr:g}"
    runs_dir, base = Path(runs_dir), f"{when:%Y-%m-%d_%H%M%S}_{what}"
    folder = runs_dir / base
    n = 2
    while folder.exists():
        folder = runs_dir / f"{base}-{n}"
        n += 1
    return folder


class RunWriter(Callback):
    """A Callback that saves a run as it goes (metrics.json and history.csv rewritten atomically at
    every reporting point; model.pt at the end).

    The rewrites during the run happen on a small writer thread, so a slow disk never slows the
    training loop (a GPU may report 40 times a second); when reports come faster than the disk,
    the writer skips to the newest state. flush() waits for it. The end of a run (and a crash) is
    written on the caller's thread, fsynced. A disk error on the writer thread is raised at the
    next report, so the run fails as it would have without the thread."""

    def __init__(self, folder: str | Path, background: bool = True):
        self.folder = Path(folder)
        self.run_id = self.folder.name
        self.config: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []
        self.epochs: list[dict[str, Any]] = []
        self.final: dict[str, Any] = {}
        self._background = background
        self._csv_lines: list[str] = []  # formatted once each (only the writing thread touches it)
        self._cond = threading.Condition()
        self._pending = False
        self._writing = False
        self._closing = False
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # --- writing ----------------------------------------------------------------------------
    def _write(self, history: list, epochs: list, final: dict, durable: bool) -> None:
        """Rewrite history.csv and metrics.json (without fsync during the run: still atomic against
        a crash of the process, and cheap)."""
        if len(self._csv_lines) > len(history):
            self._csv_lines = []
        while len(self._csv_lines) < len(history):
            rec = history[len(self._csv_lines)]
            self._csv_lines.append(csv_line([rec.get(c) for c in HISTORY_COLUMNS]))
        write_atomic(self.folder / "history.csv", csv_line(list(HISTORY_COLUMNS)) + "".join(self._csv_lines), durable)
        doc = metrics_document(self.run_id, self.config, final, epochs)
        if history:
            doc["latest"] = history[-1]  # how far the run got, for a reader while it runs
        write_json(self.folder / "metrics.json", doc, durable)

    def _snapshot(self) -> tuple[list, list, dict]:
        return list(self.history), list(self.epochs), dict(self.final)

    def _writer_loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if not self._pending:
                    return
                snapshot = self._snapshot()
                self._pending = False
                self._writing = True
            try:
                self._write(*snapshot, durable=False)
            except BaseException as exc:  # noqa: BLE001 - handed to the training thread
                self._error = exc
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()

    def _progress(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._thread is None:
            self._write(*self._snapshot(), durable=False)
            return
        with self._cond:
            self._pending = True
            self._cond.notify_all()

    def flush(self) -> None:
        """Wait until the files show every report made so far."""
        with self._cond:
            while self._pending or self._writing:
                self._cond.wait()

    def _stop_writer(self) -> None:
        if self._thread is not None:
            with self._cond:
                self._closing = True
                self._pending = False  # the final write below covers it
                self._cond.notify_all()
            self._thread.join()
            self._thread = None

    # --- callbacks ---------------------------------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserInputError(f"cannot create the run folder {self.folder}: {exc.strerror or exc}") from None
        if not self.folder.is_dir():
            raise UserInputError(f"{self.folder} is not a folder")
        self.config = trainer.config.to_dict()
        self.config.update(run_id=self.run_id, device=trainer.device,
                           started=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                           num_parameters=getattr(trainer, "num_parameters", None))
        # A previous run in the same folder (the CLI's --out reused) must not leave stale files.
        for stale in ("model.pt", "results.npz"):
            try:
                (self.folder / stale).unlink()
            except FileNotFoundError:
                pass
        write_json(self.folder / "config.json", self.config)
        self._write(*self._snapshot(), durable=False)
        if self._background:
            self._thread = threading.Thread(target=self._writer_loop, name=f"RunWriter {self.run_id}", daemon=True)
            self._thread.start()

    def on_batch_end(self, trainer, record) -> None:
        with self._cond:
            self.history.append(dict(record))
        self._progress()

    def on_epoch_end(self, trainer, record) -> None:
        with self._cond:
            self.epochs.append(dict(record))
        self._progress()

    def on_train_end(self, trainer, result) -> None:
        import torch

        self._stop_writer()
        if result.state_dict is not None:
            buf = io.BytesIO()
            torch.save(result.state_dict, buf)
            write_atomic(self.folder / "model.pt", buf.getvalue())
        arrays: dict[str, np.ndarray] = {}
        if result.confusion is not None:
            arrays["confusion"] = np.asarray(result.confusion)
        if result.misclassified:
            for k, v in result.misclassified.items():
                arrays[f"misclassified_{k}"] = np.asarray(v)
        if result.first_layer_filters is not None:
            arrays["first_layer_filters"] = np.asarray(result.first_layer_filters)
        if arrays:
            buf = io.BytesIO()
            np.savez_compressed(buf, **arrays)
            write_atomic(self.folder / "results.npz", buf.getvalue())
        # The trainer's lists are the truth (a callback added late still gets everything).
        self.history = list(result.history)
        self.epochs = list(result.epochs)
        self.final = dict(result.final)
        self._csv_lines = []
        self._write(*self._snapshot(), durable=True)

    def on_train_error(self, trainer, error) -> None:
        self._stop_writer()
        self.final = failure_final(error)
        self._csv_lines = []
        self._write(*self._snapshot(), durable=True)


def failure_final(error: BaseException) -> dict[str, Any]:
    """metrics.json's "final" for a run that ended by an exception: "stopped" for an interrupt,
    else "failed" with one plain sentence in "error"."""
    from visualizer.core.training import TrainingFailed

    if isinstance(error, KeyboardInterrupt):
        return {"status": "stopped", "error": "interrupted"}
    if isinstance(error, OSError):
        where = f"cannot write {error.filename}" if error.filename else "a disk error"
        return {"status": "failed", "error": f"{where}: {error.strerror or error}"}
    if isinstance(error, (TrainingFailed, UserInputError)):
        return {"status": "failed", "error": str(error)}
    if isinstance(error, MemoryError):
        return {"status": "failed", "error": "out of memory"}
    return {"status": "failed", "error": f"{type(error).__name__}: {excerpt(error, 300)}"}


def holds_run(folder: str | Path) -> bool:
    """True when `folder` holds a ConvViz run: a config.json or metrics.json that we wrote
    (metrics.json with our schema, or config.json with a run_id and a net)."""
    folder = Path(folder)
    try:
        metrics = read_json_file(folder / "metrics.json")
        if isinstance(metrics, dict) and metrics.get("schema") == SCHEMA:
            return True
    except UserInputError:
        pass
    try:
        config = read_json_file(folder / "config.json")
        return isinstance(config, dict) and "run_id" in config and "net" in config
    except UserInputError:
        return False


def folder_contents(folder: str | Path) -> list[str]:
    """Names in `folder` that are not RunLock's or a temporary file of an atomic write."""
    names = []
    for p in Path(folder).iterdir():
        n = p.name
        if n == RunLock.LOCK_NAME or n.startswith(RunLock.LOCK_NAME + ".") or (n.startswith(".") and n.endswith(".tmp")):
            continue
        names.append(n)
    return sorted(names)


# ---------------------------------------------------------------------------------------------
# Reading runs back

def _read_json(path: Path) -> Any:
    """The JSON in `path`; only ever UserInputError (one sentence naming the file) when it cannot
    be read: missing, unreadable, not UTF-8, not JSON, nested too deep, a huge integer, too big."""
    return read_json_file(path)


_FINAL_NUMBERS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
                  "wall_time_s", "samples_per_second", "epochs_completed", "examples_seen", "iterations",
                  "train_time_s", "paused_s", "num_parameters", "train_size", "val_size", "test_size",
                  "best_epoch", "best_val_loss")
_CONFIG_INTEGERS = ("epochs", "batch_size", "train_size", "val_size", "test_size", "seed", "report_every",
                    "early_stopping")


def _is_number(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _check_types(path: Path, config: dict[str, Any], final: dict[str, Any], epochs: list[Any]) -> None:
    """Hand-edited or damaged files: a field of the wrong type is a reason the run cannot be read,
    not an error later in whoever shows it."""
    for key in _CONFIG_INTEGERS:
        v = config.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise UserInputError(f"{path / 'config.json'}: {key} must be a whole number, got {excerpt(v)}")
    status = final.get("status")
    if status is not None and status not in RUN_STATUSES:
        raise UserInputError(f"{path / 'metrics.json'}: unknown status {excerpt(status)}")
    for key in _FINAL_NUMBERS:
        if not _is_number(final.get(key)):
            raise UserInputError(f"{path / 'metrics.json'}: final {key} must be a number, got {excerpt(final.get(key))}")
    for i, e in enumerate(epochs, start=1):
        if not isinstance(e, dict):
            raise UserInputError(f"{path / 'metrics.json'}: epoch record {i} must be an object")
        for key in EPOCH_COLUMNS:
            if not _is_number(e.get(key)):
                raise UserInputError(f"{path / 'metrics.json'}: epoch {i} {key} must be a number, got {excerpt(e.get(key))}")


def _parse_csv(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise UserInputError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return _parse_csv_rows(path, text)
    except csv.Error as exc:
        raise UserInputError(f"{path}: not a readable CSV file ({exc})") from None


def _parse_csv_rows(path: Path, text: str) -> list[dict[str, Any]]:
    rows = []
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        rec: dict[str, Any] = {}
        for k, v in row.items():
            if k is None:
                continue
            try:
                if v in ("", None):
                    rec[k] = float("nan")
                elif k in _INT_COLUMNS:
                    rec[k] = int(v)
                else:
                    rec[k] = float(v)
            except ValueError:
                raise UserInputError(f"{path}, line {i}: {excerpt(k, 40)} is not a number ({excerpt(v)})") from None
        rows.append(rec)
    return rows


def load_run(folder: str | Path) -> RunRecord:
    folder = Path(folder)
    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a run folder (it does not exist or is not a folder)")
    config = _read_json(folder / "config.json")
    if not isinstance(config, dict):
        raise UserInputError(f"{folder / 'config.json'}: expected a JSON object")
    final: dict[str, Any] = {}
    epochs: list[dict[str, Any]] = []
    metrics_path = folder / "metrics.json"
    if metrics_path.exists():
        metrics = _read_json(metrics_path)
        if not isinstance(metrics, dict):
            raise UserInputError(f"{metrics_path}: expected a JSON object")
        final = metrics.get("final") or {}
        epochs = metrics.get("epochs") or []
        if not isinstance(final, dict) or not isinstance(epochs, list):
            raise UserInputError(f"{metrics_path}: 'final' must be an object and 'epochs' a list")
        _check_types(folder, config, final, epochs)
        epochs = [{k: (float("nan") if v is None else v) for k, v in e.items()} for e in epochs]
    else:
        _check_types(folder, config, {}, [])
    history = _parse_csv(folder / "history.csv")
    run_id = config.get("run_id")
    return RunRecord(run_id=str(run_id) if isinstance(run_id, str) and run_id else folder.name, folder=folder,
                     config=config, final=final, history=history, epochs=epochs)


def load_results(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / "results.npz"
    if not path.is_file():
        return {}
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, RecursionError, MemoryError) as exc:
        # A file cut short (BadZipFile, EOFError) or edited by hand: one sentence, never a crash.
        raise UserInputError(f"{path}: cannot read it ({excerpt(exc, 120)})") from None


def _looks_like_run(folder: Path) -> bool:
    """A folder that holds (or held) a run: it has one of a run's files."""
    return any((folder / name).exists() for name in ("config.json", "metrics.json", "history.csv"))


def list_runs(runs_dir: str | Path) -> list[RunRecord]:
    """Runs found under `runs_dir`, oldest first, then the unreadable ones. Never raises for a bad folder: one that cannot
    be read is returned too, with `problem` saying why (status "unreadable"). Two folders with the
    same run id (a copied folder) are both returned, the later one under its folder name, so
    run ids stay unique in the list. Folders without any run file, and hidden ones, are not runs."""
    runs_dir = Path(runs_dir)
    try:
        if not runs_dir.is_dir():
            return []
        subs = sorted(runs_dir.iterdir())
    except OSError:
        return []
    found = []
    for sub in subs:
        try:
            if sub.name.startswith(".") or not sub.is_dir() or not _looks_like_run(sub):
                continue
        except OSError:
            continue
        try:
            rec = load_run(sub)
        except UserInputError as exc:
            rec = RunRecord(run_id=sub.name, folder=sub, config={}, problem=str(exc))
        except (OSError, ValueError, RecursionError, MemoryError) as exc:  # last line of defence
            rec = RunRecord(run_id=sub.name, folder=sub, config={},
                            problem=f"{sub}: cannot be read ({type(exc).__name__}: {excerpt(exc)})")
        try:
            t = (sub / "config.json").stat().st_mtime
        except OSError:
            t = 0.0
        found.append((bool(rec.problem), str(rec.config.get("started") or ""), t, sub.name, rec))
    found.sort(key=lambda x: x[:4])
    records = [x[4] for x in found]
    taken: set[str] = set()
    for rec in records:
        if rec.run_id in taken:
            rid, n = rec.folder.name, 2
            while rid in taken:
                rid, n = f"{rec.folder.name}-{n}", n + 1
            rec.run_id = rid
        taken.add(rec.run_id)
    return records
