"""`discard_if_unused`: one rule, under the run lock, for a run folder in which nothing was trained
(the CLI's and the Training tab's clean-up after a failed start)."""

from __future__ import annotations

import json
import os
import socket

from visualizer.core.run_lock import RunLock, discard_if_unused
from visualizer.core.runs import SCHEMA, write_json


def _early_run(folder, final=None, epochs=None, rows=0):
    """What RunWriter writes at on_train_begin, plus `rows` history rows."""
    folder.mkdir(parents=True)
    write_json(folder / "config.json", {"run_id": folder.name, "net": "mnist-net1"})
    write_json(folder / "metrics.json", {"schema": SCHEMA, "version": 1, "run_id": folder.name, "config": {},
                                         "final": final or {}, "epochs": epochs or []})
    lines = ["examples_seen,iteration"] + [f"{64 * (i + 1)},{i + 1}" for i in range(rows)]
    (folder / "history.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_a_folder_with_nothing_trained_is_removed(tmp_path):
    folder = _early_run(tmp_path / "r")
    (folder / ".metrics.json.1234.tmp").write_text("{")  # a temporary file of an atomic write
    assert discard_if_unused(folder) is True
    assert not folder.exists()


def test_an_empty_folder_is_removed_and_a_missing_one_is_fine(tmp_path):
    (tmp_path / "e").mkdir()
    assert discard_if_unused(tmp_path / "e") is True and not (tmp_path / "e").exists()
    assert discard_if_unused(tmp_path / "never-made") is True


def test_a_folder_that_records_anything_is_kept(tmp_path):
    failed = _early_run(tmp_path / "failed", final={"status": "failed", "error": "overflow"})
    epoch = _early_run(tmp_path / "epoch", epochs=[{"epoch": 1, "val_loss": 0.3}])
    history = _early_run(tmp_path / "history", rows=1)
    mine = _early_run(tmp_path / "mine")
    (mine / "notes.txt").write_text("the user's own")
    model = _early_run(tmp_path / "model")
    (model / "model.pt").write_bytes(b"weights")
    for folder in (failed, epoch, history, mine, model):
        before = sorted(p.name for p in folder.iterdir())
        assert discard_if_unused(folder) is False, folder.name
        assert sorted(p.name for p in folder.iterdir()) == before, folder.name


def test_a_metrics_file_that_is_not_a_run_is_kept(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "metrics.json").write_text("my own metrics, not JSON")
    assert discard_if_unused(folder) is False and (folder / "metrics.json").exists()


def test_a_folder_a_live_run_holds_is_kept(tmp_path):
    folder = _early_run(tmp_path / "r")
    (folder / RunLock.LOCK_NAME).write_text(f"{os.getpid()}\n{socket.gethostname()}\nanother writer\n")
    assert discard_if_unused(folder) is False
    assert (folder / "config.json").exists() and (folder / RunLock.LOCK_NAME).exists()


def test_the_callers_own_lock_is_used_and_given_back(tmp_path):
    folder = _early_run(tmp_path / "r")
    lock = RunLock(folder).acquire()
    assert discard_if_unused(folder, held=lock) is True
    assert not lock.held and not folder.exists()
    # A lock the caller holds on a folder that is in use: the folder stays, the lock is given back.
    kept = _early_run(tmp_path / "k", rows=2)
    lock = RunLock(kept).acquire()
    assert discard_if_unused(kept, held=lock) is False
    assert not lock.held and not (kept / RunLock.LOCK_NAME).exists()
    assert json.loads((kept / "metrics.json").read_text())["run_id"] == "k"
