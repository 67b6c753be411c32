"""`convviz sweep`: a 2 × 2 grid on tiny synthetic digits, on the local backend and on Ray Tune;
the run folders, sweep.csv, resuming, equality with `convviz train`, bad input, Ctrl+C."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.helpers.cli import one_error_line
from tests.helpers.faults import wait_for
from tests.helpers.mnist import write_idx
from visualizer.cli import main
from visualizer.core.mnist import synthetic_mnist

REPO = Path(__file__).resolve().parent.parent
SMALL = ["--train-size", "256", "--val-size", "64", "--test-size", "64", "--epochs", "1", "--batch-size", "64",
         "--report-every", "64", "--device", "cpu"]
GRID = ["--lr", "0.1,0.01", "--loss", "ce,l2"]
NAMES = {"loss-ce_lr0.1_seed0", "loss-ce_lr0.01_seed0", "loss-l2_lr0.1_seed0", "loss-l2_lr0.01_seed0"}
RUN_FILES = ("config.json", "metrics.json", "history.csv", "model.pt", "results.npz")


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory) -> Path:
    """Full-size MNIST files (the reader checks the counts) holding learnable synthetic digits."""
    folder = tmp_path_factory.mktemp("synthetic-mnist")
    s = synthetic_mnist(60_000, 0, 10_000, seed=3)
    write_idx(folder / "train-images-idx3-ubyte.gz", s.train_images)
    write_idx(folder / "train-labels-idx1-ubyte.gz", s.train_labels.astype(np.uint8))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", s.test_images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", s.test_labels.astype(np.uint8))
    return folder


@pytest.fixture(scope="module")
def local_sweep(digits_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweeps") / "local"
    code = main(["sweep", "--data", str(digits_dir), *GRID, *SMALL, "--workers", "2", "--threads-per-run", "1",
                 "--out", str(out)])
    assert code == 0
    return out


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def exit_code(argv: list[str]) -> int:
    """main()'s status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def check_sweep_folder(out: Path) -> list[dict]:
    assert {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")} == NAMES
    for name in NAMES:
        for f in RUN_FILES:
            assert (out / name / f).is_file(), (name, f)
        assert not (out / name / ".convviz-run.lock").exists()
    rows = read_csv(out / "sweep.csv")
    assert list(rows[0])[:3] == ["loss", "lr", "seed"]
    assert {"status", "train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "val_loss", "test_loss",
            "best_epoch", "wall_time_s", "samples_per_second", "folder"} <= set(rows[0])
    assert {r["folder"] for r in rows} == NAMES and all(r["status"] == "completed" for r in rows)
    for r in rows:
        metrics = json.loads((out / r["folder"] / "metrics.json").read_text())
        final = metrics["final"]
        assert float(r["test_accuracy"]) == final["test_accuracy"]
        assert float(r["val_loss"]) == final["val_loss"]
        config = json.loads((out / r["folder"] / "config.json").read_text())
        assert (config["loss"], config["lr"], config["seed"]) == (r["loss"], float(r["lr"]), 0)
        assert r["best_epoch"] == "1"
    doc = json.loads((out / "sweep.json").read_text())
    assert doc["schema"] == "convviz.sweep" and doc["grid"] == {"loss": ["ce", "l2"], "lr": [0.1, 0.01]}
    assert len(doc["runs"]) == 4 and doc["fixed"]["epochs"] == 1
    return rows


def test_local_sweep_writes_run_folders_and_sweep_files(local_sweep, capsys):
    rows = check_sweep_folder(local_sweep)
    assert json.loads((local_sweep / "sweep.json").read_text())["backend"] == "local"
    # the synthetic digits are learnable: cross-entropy at lr 0.1 beats chance clearly
    ce = next(r for r in rows if r["loss"] == "ce" and r["lr"] == "0.1")
    assert float(ce["test_accuracy"]) > 0.3


def test_a_rerun_skips_completed_runs_and_redoes_the_rest(local_sweep, digits_dir, capsys):
    before = {n: (local_sweep / n / "metrics.json").stat().st_mtime_ns for n in NAMES}
    args = ["sweep", "--data", str(digits_dir), *GRID, *SMALL, "--workers", "2", "--threads-per-run", "1",
            "--out", str(local_sweep)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "started" not in err
    assert {n: (local_sweep / n / "metrics.json").stat().st_mtime_ns for n in NAMES} == before
    # a run whose folder is gone is run again; the others are kept
    import shutil

    shutil.rmtree(local_sweep / "loss-l2_lr0.01_seed0")
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "3 already completed" in err and err.count("started ") == 1
    check_sweep_folder(local_sweep)


def test_a_sweep_run_equals_convviz_train(local_sweep, digits_dir, tmp_path, capsys):
    """Same options, seed, device and thread count (1): the same numbers and weights."""
    out = tmp_path / "train"
    assert main(["train", "--data", str(digits_dir), "--lr", "0.1", "--loss", "ce", *SMALL, "--threads", "1",
                 "--quiet", "--out", str(out)]) == 0
    mine = json.loads((out / "metrics.json").read_text())
    theirs = json.loads((local_sweep / "loss-ce_lr0.1_seed0" / "metrics.json").read_text())
    for key in ("train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "val_loss", "test_loss"):
        assert mine["final"][key] == theirs["final"][key], key
    assert mine["epochs"][0]["train_loss"] == theirs["epochs"][0]["train_loss"]
    a = torch.load(out / "model.pt", weights_only=True)
    b = torch.load(local_sweep / "loss-ce_lr0.1_seed0" / "model.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_locked_run_folder_fails_that_run_and_the_others_go_on(digits_dir, tmp_path, capsys):
    """Two writers never share a run folder: a folder held by a live process fails its run."""
    out = tmp_path / "s"
    held = out / "seed1"
    held.mkdir(parents=True)
    (out / "sweep.json").write_text('{"schema": "convviz.sweep", "version": 1, "runs": []}')  # an earlier invocation
    (held / ".convviz-run.lock").write_text(f"{os.getpid()}\n{__import__('socket').gethostname()}\nx\n")
    code = main(["sweep", "--data", str(digits_dir), "--seed-list", "0,1", *SMALL, "--workers", "2",
                 "--out", str(out)])
    assert code == 3
    rows = {r["folder"]: r for r in read_csv(out / "sweep.csv")}
    assert rows["seed1"]["status"] == "failed" and "in use by another run" in rows["seed1"]["reason"]
    assert rows["seed0"]["status"] == "completed"
    assert "diverged or failed" in capsys.readouterr().err
    assert not (held / "metrics.json").exists()


def test_a_worker_that_dies_fails_its_run_and_a_new_worker_takes_the_rest(digits_dir, tmp_path):
    import multiprocessing
    import threading

    from visualizer.core.sweep import run_local
    from visualizer.core.training import TrainConfig

    cfg = TrainConfig(epochs=1, batch_size=64, train_size=256, val_size=64, test_size=64, report_every=64,
                      device="cpu", data_dir=str(digits_dir))
    tasks = [{"name": f"r{i}", "folder": str(tmp_path / f"r{i}"), "config": {**cfg.to_dict(), "seed": i},
              "threads": 1} for i in range(3)]
    outcomes, killed = [], []

    def on_start(name):
        if not killed:  # the first run's worker is killed as soon as it has its task
            victim = multiprocessing.active_children()[0]
            killed.append(victim.pid)
            os.kill(victim.pid, signal.SIGKILL)

    run_local(tasks, 1, 1, [], on_start, outcomes.append, threading.Event())
    by_name = {o["name"]: o for o in outcomes}
    assert sorted(by_name) == ["r0", "r1", "r2"]
    assert by_name["r0"]["status"] == "failed" and "killed by signal 9" in by_name["r0"]["reason"]
    assert by_name["r1"]["status"] == by_name["r2"]["status"] == "completed"
    assert multiprocessing.active_children() == []


def test_two_sweeps_never_share_a_folder(digits_dir, tmp_path, capsys):
    out = tmp_path / "s"
    out.mkdir()
    (out / "sweep.json").write_text('{"schema": "convviz.sweep", "version": 1, "runs": []}')
    (out / ".convviz-run.lock").write_text(f"{os.getpid()}\n{__import__('socket').gethostname()}\nx\n")
    assert main(["sweep", "--data", str(digits_dir), *SMALL, "--out", str(out)]) == 2
    assert "is in use by another sweep or run" in one_error_line(capsys.readouterr().err)
    assert sorted(p.name for p in out.iterdir()) == [".convviz-run.lock", "sweep.json"]


def test_a_diverging_run_gives_exit_3_with_every_file_written(digits_dir, tmp_path, capsys):
    out = tmp_path / "s"
    code = main(["sweep", "--data", str(digits_dir), "--lr", "1e6,0.01", *SMALL, "--workers", "2", "--out", str(out)])
    assert code == 3
    rows = {r["folder"]: r for r in read_csv(out / "sweep.csv")}
    assert rows["lr1e6_seed0"]["status"] == "diverged" and rows["lr1e6_seed0"]["reason"]
    assert rows["lr0.01_seed0"]["status"] == "completed"
    assert json.loads((out / "lr1e6_seed0" / "metrics.json").read_text())["final"]["status"] == "diverged"


@pytest.mark.parametrize("args, words", [
    (["--lr", "0.1,,0.01"], "empty item"),
    (["--lr", "0.1,"], "empty item"),
    (["--lr", "0.1,0.1"], "twice"),
    (["--loss", "ce,hinge"], "invalid choice: 'hinge'"),
    (["--epochs", "1,two"], "two"),
    (["--lr", "0.1,0.01", "--seeds", "501"], "1,002 runs"),
    (["--seeds", "3", "--seed-list", "1,2"], "not both"),
    (["--seeds", "0"], "--seeds must be between 1"),
    (["--seed-list", "1,1"], "twice"),
    (["--lr", "0.1,0.01", "--seeds", "60000", "--yes"], "at most 100,000"),
    (["--ray-address", "auto"], "--ray-address is for --backend ray"),
    (["--gpus-per-run", "0.25"], "--gpus-per-run is for --backend ray"),
    (["--backend", "ray", "--gpus-per-run", "1.5"], "--gpus-per-run must be"),
    (["--workers", "0"], "--workers must be between 1"),
    (["--threads", "0"], "--threads: must be at least 1, got 0"),
    (["--backend", "ray", "--threads", "2"], "--threads is for --backend local"),
    (["--overwrite"], "--overwrite is not for sweeps"),
])
def test_bad_input_is_one_line_exit_2(digits_dir, tmp_path, capsys, args, words):
    assert exit_code(["sweep", "--data", str(digits_dir), *args, "--out", str(tmp_path / "o")]) == 2
    assert words in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("args", [["--lr", "0"], ["--train-size", "55000"], ["--net", "lenet-9000"],
                                  ["--momentum", "1.5"], ["--device", "tpu"]])
def test_a_value_bad_for_train_gets_trains_message(digits_dir, tmp_path, capsys, args):
    assert exit_code(["train", "--data", str(digits_dir), *args, "--out", str(tmp_path / "t")]) == 2
    train_line = one_error_line(capsys.readouterr().err).replace("convviz train:", "convviz:")
    listed = [args[0], "0.01," + args[1] if args[0] in ("--lr", "--momentum") else args[1]]
    if args[0] == "--train-size":
        listed = [args[0], "100," + args[1]]
    assert exit_code(["sweep", "--data", str(digits_dir), *listed, "--out", str(tmp_path / "s")]) == 2
    assert one_error_line(capsys.readouterr().err).replace("convviz sweep:", "convviz:") == train_line


def test_more_than_1000_runs_need_yes(digits_dir, tmp_path, capsys):
    lrs = ",".join(f"0.0{i:03d}1" for i in range(1, 502))
    assert main(["sweep", "--data", str(digits_dir), "--lr", lrs, "--seeds", "2", "--out", str(tmp_path / "o")]) == 2
    assert "1,002 runs (more than 1,000); add --yes" in one_error_line(capsys.readouterr().err)


def test_out_holding_something_else_is_refused(digits_dir, tmp_path, capsys):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "notes.txt").write_text("mine")
    assert main(["sweep", "--data", str(digits_dir), "--out", str(tmp_path / "o")]) == 2
    assert "holds no sweep" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("text", ["my notes about the sweep\n", '{"schema": "someone.else", "runs": []}\n',
                                  '{"lr": [0.1, 0.01]}\n', "[1, 2, 3]\n"])
def test_a_sweep_json_that_is_not_ours_is_refused_and_kept(digits_dir, tmp_path, capsys, text):
    out = tmp_path / "o"
    out.mkdir()
    (out / "sweep.json").write_text(text)
    assert main(["sweep", "--data", str(digits_dir), "--out", str(out)]) == 2
    assert "its sweep.json is not a ConvViz sweep file" in one_error_line(capsys.readouterr().err)
    assert (out / "sweep.json").read_text() == text and sorted(p.name for p in out.iterdir()) == ["sweep.json"]


def test_a_different_sweep_in_the_same_folder_is_refused(local_sweep, digits_dir, capsys):
    args = ["sweep", "--data", str(digits_dir), *GRID, *SMALL, "--out", str(local_sweep)]
    args[args.index("--batch-size") + 1] = "32"
    assert main(args) == 2
    assert "holds a different sweep: loss-ce_lr0.1_seed0 was trained with batch_size 64, this sweep asks for 32" \
        in one_error_line(capsys.readouterr().err)


def test_ray_missing_says_how_to_install(digits_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails as if not installed
    assert main(["sweep", "--data", str(digits_dir), "--backend", "ray", "--out", str(tmp_path / "o")]) == 2
    assert 'pip install "convviz[cluster]"' in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_ctrl_c_stops_every_worker_with_runs_stopped_and_the_rest_pending(digits_dir, tmp_path):
    out = tmp_path / "s"
    args = [sys.executable, "-m", "visualizer", "sweep", "--data", str(digits_dir), "--lr", "0.1,0.01,0.001",
            "--train-size", "4000", "--val-size", "64", "--test-size", "64", "--epochs", "200", "--device", "cpu",
            "--workers", "2", "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    p = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        wait_for(lambda: len(list(out.glob("*/metrics.json"))) == 2, 120, "two finished runs", p)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    rows = {r["folder"]: r["status"] for r in read_csv(out / "sweep.csv")}
    assert sorted(rows.values()) == ["pending", "stopped", "stopped"], (rows, err)
    for name, status in rows.items():
        if status == "stopped":
            assert json.loads((out / name / "metrics.json").read_text())["final"]["status"] == "stopped"
            assert not (out / name / ".convviz-run.lock").exists()
    assert "Traceback" not in err


# --- Ray Tune ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_session():
    """One local Ray instance for this module's tests (2 CPUs, no dashboard), shut down after
    them: a Ray driver runs a thread of its own that calls gc.collect(), and a collection off the
    GUI thread must never reach the Qt objects of the GUI tests that follow (gc_guard explains)."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.tune")
    os.environ.setdefault("TUNE_DISABLE_SIGINT_HANDLER", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                 runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield ray
    if started:
        ray.shutdown()


def test_ray_sweep_writes_the_same_runs_and_a_rerun_skips_them(ray_session, local_sweep, digits_dir, tmp_path, capsys):
    out = tmp_path / "ray"
    args = ["sweep", "--backend", "ray", "--data", str(digits_dir), *GRID, *SMALL, "--threads-per-run", "1",
            "--out", str(out)]
    assert main(args) == 0
    rows = check_sweep_folder(out)
    assert json.loads((out / "sweep.json").read_text())["backend"] == "ray"
    local = {r["folder"]: r for r in read_csv(local_sweep / "sweep.csv")}
    for r in rows:  # the same engine, seed, device and thread count: the same results
        for key in ("train_accuracy", "val_accuracy", "test_accuracy", "test_loss"):
            assert r[key] == local[r["folder"]][key], (r["folder"], key)
    a = torch.load(out / "loss-l2_lr0.01_seed0" / "model.pt", weights_only=True)
    b = torch.load(local_sweep / "loss-l2_lr0.01_seed0" / "model.pt", weights_only=True)
    assert all(torch.equal(a[k], b[k]) for k in a)
    capsys.readouterr()
    before = {n: (out / n / "metrics.json").stat().st_mtime_ns for n in NAMES}
    assert main(args) == 0
    assert "started" not in capsys.readouterr().err
    assert {n: (out / n / "metrics.json").stat().st_mtime_ns for n in NAMES} == before


def test_an_unreachable_ray_address_is_one_line_exit_2(digits_dir, tmp_path, capsys):
    pytest.importorskip("ray")
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # a port nobody listens on
    assert main(["sweep", "--backend", "ray", "--ray-address", f"127.0.0.1:{port}", "--data", str(digits_dir),
                 "--out", str(tmp_path / "o")]) == 2
    assert "cannot reach the Ray cluster" in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_threads_is_the_whole_sweeps_cpu_budget(digits_dir, tmp_path, capsys):
    """--threads 1: one worker of one thread, whatever the machine has (the default counts the
    cores free now; core.threads)."""
    out = tmp_path / "budget"
    assert main(["sweep", "--data", str(digits_dir), "--lr", "0.1,0.01", *SMALL, "--threads", "1",
                 "--out", str(out)]) == 0
    assert "2 runs, 2 to run on the local backend, 1 worker(s) × 1 thread(s)" in capsys.readouterr().err
    assert {r["status"] for r in read_csv(out / "sweep.csv")} == {"completed"}
