"""Runs on disk: what RunWriter writes as a run goes, what survives a crash or a stop, and reading
runs back (list_runs, load_run)."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers.runs import small_config
from visualizer.core.mnist import synthetic_mnist
from visualizer.core.errors import UserInputError
from visualizer.core.runs import (
    HISTORY_COLUMNS,
    RunRecord,
    RunWriter,
    list_runs,
    load_run,
    new_run_folder,
    write_atomic,
    write_json,
)
from visualizer.core.training import Callback, Trainer, build_model


class Snapshot(Callback):
    """Reads the files back at every reporting point (once RunWriter's writer thread is done)."""

    def __init__(self, writer: RunWriter):
        self.writer = writer
        self.folder = writer.folder
        self.rows: list[int] = []
        self.epochs: list[int] = []

    def on_batch_end(self, trainer, record):
        self.writer.flush()
        with open(self.folder / "history.csv", newline="") as f:
            self.rows.append(len(list(csv.DictReader(f))))
        self.epochs.append(len(json.loads((self.folder / "metrics.json").read_text())["epochs"]))


@pytest.fixture(scope="module")
def written_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "run-a"
    writer = RunWriter(folder)
    snap = Snapshot(writer)
    result = Trainer(small_config(), synthetic_mnist(), [writer, snap]).run()
    assert writer._thread is None  # the writer thread ended with the run
    return folder, result, snap


def test_files_are_rewritten_at_every_reporting_point(written_run):
    _, _, snap = written_run
    assert snap.rows == list(range(1, 9))  # one more history row each time
    assert snap.epochs == [0, 0, 0, 0, 1, 1, 1, 1]


def test_the_files_hold_the_result(written_run):
    folder, result, _ = written_run
    assert sorted(p.name for p in folder.iterdir()) == \
        ["config.json", "history.csv", "metrics.json", "model.pt", "results.npz"]
    config = json.loads((folder / "config.json").read_text())
    assert config["net"] == "mnist-net2" and config["lr"] == 0.05 and config["device"] == "cpu"
    assert config["run_id"] == "run-a" and config["started"]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["schema"] == "convviz.run" and metrics["version"] == 1
    assert metrics["final"]["status"] == "completed"
    assert metrics["final"]["test_accuracy"] == pytest.approx(result.final["test_accuracy"])
    assert metrics["epochs"] == result.epochs
    with open(folder / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == HISTORY_COLUMNS
    assert [int(r["examples_seen"]) for r in rows] == [h["examples_seen"] for h in result.history]
    assert [float(r["train_loss"]) for r in rows] == [h["train_loss"] for h in result.history]
    # model.pt is the trained state_dict: loaded into a fresh net it gives the same outputs.
    state = torch.load(folder / "model.pt", weights_only=True)
    model = build_model("mnist-net2")
    model.load_state_dict(state)
    assert all(torch.equal(state[k], result.state_dict[k]) for k in state)
    with np.load(folder / "results.npz") as z:
        assert np.array_equal(z["confusion"], result.confusion)
        assert np.array_equal(z["first_layer_filters"], result.first_layer_filters)
        assert np.array_equal(z["misclassified_images"], result.misclassified["images"])


def test_load_run_reads_back_what_was_written(written_run):
    folder, result, _ = written_run
    rec = load_run(folder)
    assert isinstance(rec, RunRecord)
    assert rec.run_id == "run-a" and rec.folder == folder and rec.status == "completed"
    assert rec.config["loss"] == "ce" and rec.final == json.loads(json.dumps(result.final))
    assert rec.epochs == result.epochs
    assert [h["examples_seen"] for h in rec.history] == [h["examples_seen"] for h in result.history]
    assert all(isinstance(h["examples_seen"], int) for h in rec.history)
    assert [h["train_accuracy"] for h in rec.history] == [h["train_accuracy"] for h in result.history]
    assert rec.has_model
    assert np.array_equal(rec.load_results()["confusion"], result.confusion)


def test_a_crashed_run_keeps_what_it_logged(tmp_path):
    class Crash(Callback):
        def on_batch_end(self, trainer, record):
            if record["examples_seen"] >= 192:
                raise RuntimeError("disk on fire")

    folder = tmp_path / "crash"
    with pytest.raises(RuntimeError, match="disk on fire"):
        Trainer(small_config(), synthetic_mnist(), [RunWriter(folder), Crash()]).run()
    rec = load_run(folder)
    assert [h["examples_seen"] for h in rec.history] == [64, 128, 192]
    assert rec.status == "failed" and "disk on fire" in rec.final["error"]
    assert not (folder / "model.pt").exists()


def test_a_stopped_run_keeps_its_files(tmp_path):
    class StopAfterEpoch(Callback):
        def on_epoch_end(self, trainer, record):
            trainer.request_stop()

    folder = tmp_path / "stopped"
    Trainer(small_config(epochs=3), synthetic_mnist(), [RunWriter(folder), StopAfterEpoch()]).run()
    rec = load_run(folder)
    assert rec.status == "stopped" and rec.final["epochs_completed"] == 1 and len(rec.epochs) == 1
    assert rec.has_model and 0 <= rec.final["test_accuracy"] <= 1


def test_a_diverged_run_writes_valid_json(tmp_path):
    folder = tmp_path / "diverged"
    Trainer(small_config(net="mnist-net1", optimizer="sgd", lr=1e6), synthetic_mnist(), [RunWriter(folder)]).run()
    text = (folder / "metrics.json").read_text()
    metrics = json.loads(text)  # strict JSON: NaN would be written as null
    assert "NaN" not in text and metrics["final"]["status"] == "diverged"


def test_a_run_in_progress_reads_as_incomplete(tmp_path):
    seen = {}

    class Peek(Callback):
        def on_batch_end(self, trainer, record):
            if "rec" not in seen:
                writer.flush()
                seen["rec"] = load_run(trainer_folder)

    trainer_folder = tmp_path / "live"
    writer = RunWriter(trainer_folder)
    Trainer(small_config(epochs=1), synthetic_mnist(), [writer, Peek()]).run()
    assert seen["rec"].final == {} and seen["rec"].status == "incomplete"
    assert len(seen["rec"].history) == 1


def test_a_disk_error_on_the_writer_thread_fails_the_run(tmp_path, monkeypatch):
    from visualizer.core import runs

    folder = tmp_path / "full-disk"
    writer = RunWriter(folder)
    real_write = runs.write_atomic

    def failing(path, data, durable=True):
        if Path(path).name == "history.csv" and writer._thread is not None:
            raise OSError(28, "No space left on device")
        return real_write(path, data, durable)

    class Later(Callback):
        def on_batch_end(self, trainer, record):
            writer.flush()  # let the writer thread meet the error before the next report

    monkeypatch.setattr(runs, "write_atomic", failing)
    with pytest.raises(OSError, match="No space left"):
        Trainer(small_config(), synthetic_mnist(), [writer, Later()]).run()
    monkeypatch.undo()
    rec = load_run(folder)
    assert rec.status == "failed" and "No space left" in rec.final["error"]
    assert writer._thread is None


def test_reusing_a_folder_removes_the_old_model(tmp_path):
    folder = tmp_path / "again"
    folder.mkdir()
    (folder / "model.pt").write_bytes(b"old")

    class StopNow(Callback):
        def on_train_begin(self, trainer):
            assert not (folder / "model.pt").exists()
            trainer.abort()

    Trainer(small_config(epochs=1), synthetic_mnist(), [RunWriter(folder), StopNow()]).run()


def test_write_atomic_replaces_whole_files_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(target, {"a": 1, "b": float("nan"), "c": np.float32(0.5), "d": np.arange(3)})
    assert json.loads(target.read_text()) == {"a": 1, "b": None, "c": 0.5, "d": [0, 1, 2]}
    with pytest.raises(TypeError):
        write_json(target, {"bad": object()})  # fails before anything replaces the file
    assert json.loads(target.read_text())["a"] == 1
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
    # Files get the usual permissions, not a temporary file's private ones.
    umask = os.umask(0)
    os.umask(umask)
    assert (target.stat().st_mode & 0o777) == (0o666 & ~umask)


def _fake_run(root: Path, name: str, started: str, status: str | None = "completed") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    write_json(folder / "config.json", {**small_config().to_dict(), "run_id": name, "started": started})
    if status is not None:
        write_json(folder / "metrics.json", {"final": {"status": status}, "epochs": []})
    return folder


def test_list_runs_oldest_first_then_unreadable_folders_with_their_reason(tmp_path):
    _fake_run(tmp_path, "b", "2026-11-28T10:00:00+00:00")
    _fake_run(tmp_path, "a", "2026-11-28T11:00:00+00:00", status=None)
    _fake_run(tmp_path, "c", "2026-11-27T09:00:00+00:00", status="stopped")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (tmp_path / "stray.txt").write_text("x")
    (tmp_path / "no-config").mkdir()
    runs = list_runs(tmp_path)
    assert [r.run_id for r in runs] == ["c", "b", "a", "broken"]
    assert [r.status for r in runs] == ["stopped", "completed", "incomplete", "unreadable"]
    assert [bool(r.problem) for r in runs] == [False, False, False, True]
    assert "config.json" in runs[-1].problem and "not valid JSON" in runs[-1].problem
    assert list_runs(tmp_path / "nowhere") == []


def test_load_run_errors_name_the_file(tmp_path):
    with pytest.raises(UserInputError, match="not a run folder"):
        load_run(tmp_path / "nope")
    folder = _fake_run(tmp_path, "r", "2026-11-28T10:00:00+00:00")
    (folder / "metrics.json").write_text("[1, 2")
    with pytest.raises(UserInputError, match="metrics.json"):
        load_run(folder)
    (folder / "metrics.json").write_text("{}")
    (folder / "history.csv").write_text("examples_seen,train_loss\n10,abc\n")
    with pytest.raises(UserInputError, match="history.csv, line 2"):
        load_run(folder)


def test_new_run_folder_names_are_readable_and_unique(tmp_path):
    when = datetime(2026, 11, 28, 10, 15, 0)
    first = new_run_folder(tmp_path, small_config(lr=0.01), when)
    assert first.name == "2026-11-28_101500_mnist-net2_ce_sgdm_lr0.01"
    first.mkdir()
    second = new_run_folder(tmp_path, small_config(lr=0.01), when)
    assert second.name == first.name + "-2"
    doc = {"name": "my net/v2", "input_shape": [1, 28, 28], "layers": []}
    assert "my-net-v2" in new_run_folder(tmp_path, {**small_config().to_dict(), "net": doc}, when).name
