"""Issue 9, items 1–3: --out onto an existing folder, two runs into one folder, SIGTERM/SIGHUP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from tests.helpers.cli import REPO, one_error_line
from tests.helpers.faults import TINY, digest, history_rows, wait_for
from visualizer.cli import main
from visualizer.core.run_lock import RunLock
from visualizer.core.runs import SCHEMA, write_json


# --- 1. --out onto an existing folder ------------------------------------------------------------

def test_out_onto_a_folder_of_user_files_is_refused_and_nothing_is_touched(tmp_path, capsys, digits_dir):
    p = tmp_path / "p"
    p.mkdir()
    (p / "model.pt").write_text("mine")
    (p / "results.npz").write_text("also mine")
    before = {f.name: digest(f) for f in p.iterdir()}
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(p)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(p) in line and "not empty" in line and "--overwrite" in line
    # --overwrite replaces only a ConvViz run; this folder holds none.
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(p), "--overwrite"]) == 2
    assert "does not hold a ConvViz run" in one_error_line(capsys.readouterr().err)
    assert {f.name: digest(f) for f in p.iterdir()} == before


def _old_run(folder):
    folder.mkdir()
    write_json(folder / "config.json", {"run_id": "old", "net": "mnist-net1", "epochs": 1})
    write_json(folder / "metrics.json", {"schema": SCHEMA, "version": 1, "run_id": "old", "config": {},
                                         "final": {"status": "completed"}, "epochs": []})
    (folder / "model.pt").write_bytes(b"old model")
    (folder / "notes.txt").write_text("the user's own notes")


def test_overwrite_replaces_a_run_only_once_the_new_run_is_ready(tmp_path, capsys, digits_dir):
    p = tmp_path / "run"
    _old_run(p)
    model_before = digest(p / "model.pt")
    # Without --overwrite: refused, nothing touched.
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(p)]) == 2
    one_error_line(capsys.readouterr().err)
    assert digest(p / "model.pt") == model_before
    # With --overwrite, but the new run cannot start (no data): the old run is still whole.
    assert main(["train", "--data", str(tmp_path / "no-data"), *TINY, "--out", str(p), "--overwrite"]) == 2
    one_error_line(capsys.readouterr().err)
    assert digest(p / "model.pt") == model_before
    assert json.loads((p / "metrics.json").read_text())["run_id"] == "old"
    # With --overwrite and a run that starts: replaced; the user's other file stays.
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(p), "--overwrite"]) == 0
    assert digest(p / "model.pt") != model_before
    assert json.loads((p / "metrics.json").read_text())["final"]["status"] == "completed"
    assert (p / "notes.txt").read_text() == "the user's own notes"
    assert not (p / RunLock.LOCK_NAME).exists()


@pytest.mark.parametrize("text", ["plain notes, not JSON\n", '{"grid": {"lr": [0.1]}, "runs": "mine"}\n',
                                  '{"schema": "convviz.run", "runs": []}\n', "null\n"])
def test_sweep_out_onto_a_folder_with_the_users_own_sweep_json_is_refused(tmp_path, capsys, digits_dir, text):
    """Issue 22, item 5: a sweep.json ConvViz did not write is the user's file, refused like any other."""
    p = tmp_path / "mine"
    p.mkdir()
    (p / "sweep.json").write_text(text)
    before = digest(p / "sweep.json")
    assert main(["sweep", "--data", str(digits_dir), *TINY, "--out", str(p)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(p) in line and "not a ConvViz sweep" in line
    assert digest(p / "sweep.json") == before and [f.name for f in p.iterdir()] == ["sweep.json"]


# --- 2. two runs into one folder -------------------------------------------------------------------

def test_a_locked_folder_is_refused_and_a_stale_lock_is_taken_over(tmp_path, capsys, digits_dir):
    out = tmp_path / "same"
    with RunLock(out):  # a live holder: this process
        assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert "in use by another run" in line and str(os.getpid()) in line
        assert os.listdir(out) == [RunLock.LOCK_NAME]
    assert not out.exists() or os.listdir(out) == []
    # A lock left by a process that died (SIGKILL) is stale.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    out.mkdir(exist_ok=True)
    (out / RunLock.LOCK_NAME).write_text(f"{int(dead.stdout)}\n{socket.gethostname()}\n")
    assert RunLock.holder(out) is None
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 0
    assert json.loads((out / "metrics.json").read_text())["final"]["status"] == "completed"
    assert not (out / RunLock.LOCK_NAME).exists()


def test_a_lock_from_another_host_is_kept_and_the_message_says_how_to_clear_it(tmp_path, capsys, digits_dir):
    # A shared drive: whether that machine's process lives cannot be told here, so the lock holds,
    # and the one line names the host and the file to delete once that run has ended.
    out = tmp_path / "shared"
    out.mkdir()
    lock = out / RunLock.LOCK_NAME
    lock.write_text("4242\nlab-gpu-07\nabc\n")
    assert RunLock.holder(out) == 4242
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "lab-gpu-07" in line and "process 4242" in line and str(lock) in line
    assert lock.read_text() == "4242\nlab-gpu-07\nabc\n"
    lock.unlink()
    assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 0


def test_only_one_of_two_locks_wins(tmp_path):
    a, b = RunLock(tmp_path / "f"), RunLock(tmp_path / "f")
    a.acquire()
    with pytest.raises(Exception, match="in use"):
        b.acquire()
    a.release()
    b.acquire()
    b.release()


# --- 3. SIGTERM and SIGHUP ----------------------------------------------------------------------

def _start(out, digits_dir):
    cmd = [sys.executable, "-m", "visualizer", "train", "--data", str(digits_dir), "--net", "mnist-net2",
           "--train-size", "4000", "--val-size", "500", "--test-size", "500", "--epochs", "50",
           "--report-every", "128", "--batch-size", "64", "--device", "cpu", "--out", str(out)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc, timeout=120):
    try:
        return proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_like_ctrl_c(tmp_path, capsys, digits_dir, sig, status):
    out = tmp_path / "run"
    proc = _start(out, digits_dir)
    try:
        wait_for(lambda: history_rows(out) >= 1, 120, "the first history row", proc)
        if sig == signal.SIGTERM:  # item 2 as well: a second run into the busy folder is refused
            assert main(["train", "--data", str(digits_dir), *TINY, "--out", str(out)]) == 2
            assert "in use by another run" in one_error_line(capsys.readouterr().err)
        proc.send_signal(sig)
        stdout, stderr = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, stderr
    assert "Traceback" not in stderr and "stopping after this batch" in stderr
    assert stdout.startswith("stopped:")
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["status"] == "stopped" and final["examples_seen"] < 50 * 4000
    assert (out / "model.pt").is_file() and (out / "results.npz").is_file()
    assert not (out / RunLock.LOCK_NAME).exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_second_signal_quits_at_once(tmp_path, digits_dir):
    out = tmp_path / "run"
    proc = _start(out, digits_dir)
    try:
        wait_for(lambda: history_rows(out) >= 1, 120, "the first history row", proc)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["status"] == "stopped"
    assert not (out / RunLock.LOCK_NAME).exists()
