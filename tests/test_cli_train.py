"""`convviz train`: the files scripts rely on, one-line errors with exit status 2, the progress
bar in a pipe, and a clean stop on Ctrl+C."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.helpers.cli import one_error_line
from tests.helpers.faults import history_rows, wait_for
from tests.helpers.mnist import dead_mirror, serve
from visualizer.cli import main
from visualizer.commands.train import ProgressBar
from visualizer.core.training import build_model

REPO = Path(__file__).resolve().parent.parent
SMALL = ["--train-size", "512", "--val-size", "128", "--test-size", "128", "--epochs", "1",
         "--report-every", "128", "--device", "cpu"]


def check_contract_files(out: Path, epochs: int) -> dict:
    metrics = json.loads((out / "metrics.json").read_text())
    final = metrics["final"]
    assert final["status"] in ("completed", "stopped", "diverged")
    for key in ("train_accuracy", "val_accuracy", "test_accuracy"):
        assert 0.0 <= final[key] <= 1.0
    assert final["samples_per_second"] > 0
    assert [e["epoch"] for e in metrics["epochs"]] == list(range(1, epochs + 1))
    for e in metrics["epochs"]:
        assert {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"} <= set(e)
    with open(out / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and {"examples_seen", "train_loss", "train_accuracy"} <= set(rows[0])
    assert (out / "model.pt").is_file()
    return metrics


@pytest.mark.mnist
def test_train_on_real_digits_writes_the_contract_files(tmp_path, capsys, mnist_dir):
    out = tmp_path / "run"
    code = main(["train", "--data", str(mnist_dir), "--train-size", "1000", "--val-size", "300",
                 "--test-size", "300", "--epochs", "1", "--lr", "0.05", "--out", str(out)])
    assert code == 0
    metrics = check_contract_files(out, epochs=1)
    assert metrics["final"]["status"] == "completed"
    assert metrics["final"]["test_accuracy"] > 0.5
    state = torch.load(out / "model.pt", weights_only=True)
    build_model("mnist-net1").load_state_dict(state)
    captured = capsys.readouterr()
    assert "completed" in captured.out and str(out) in captured.out


def test_train_writes_files_and_a_progress_bar_in_a_pipe(tmp_path, capsys, fake_mnist):
    out = tmp_path / "run"
    code = main(["train", "--data", str(fake_mnist), "--net", "mnist-net2", "--loss", "l2",
                 "--optimizer", "adam", "--lr", "0.001", "--seed", "5", *SMALL, "--out", str(out)])
    assert code == 0
    check_contract_files(out, epochs=1)
    config = json.loads((out / "config.json").read_text())
    assert (config["net"], config["loss"], config["optimizer"], config["lr"], config["seed"]) == \
        ("mnist-net2", "l2", "adam", 0.001, 5)
    err = capsys.readouterr().err
    bar_lines = [line for line in err.splitlines() if line.startswith("[")]
    assert bar_lines and "\r" not in err  # a pipe gets whole lines, not carriage returns
    assert bar_lines[-1].startswith("[" + "#" * ProgressBar.WIDTH + "] 100.0%")
    assert "samples/s" in bar_lines[-1] and "epoch 1/1" in err


def test_net_file_is_read_as_an_architecture(tmp_path, capsys, fake_mnist):
    from visualizer.core.architecture import preset

    net = tmp_path / "tiny.json"
    doc = preset("mnist-net2").to_dict()
    doc["name"] = ""
    net.write_text(json.dumps(doc))
    out = tmp_path / "run"
    assert main(["train", "--data", str(fake_mnist), "--net", str(net), *SMALL, "--quiet", "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert isinstance(config["net"], dict) and config["net"]["name"] == "tiny"
    assert json.loads((out / "metrics.json").read_text())["final"]["num_parameters"] == 4_350


@pytest.mark.parametrize("args, words", [
    (["--lr", "0"], "learning rate must be greater than 0"),
    (["--lr", "-1"], "learning rate must be greater than 0"),
    (["--net", "lenet-9000"], "lenet-9000"),
    (["--train-size", "55000"], "does not fit in the 60,000"),
    (["--test-size", "20000"], "test size"),
    (["--epochs", "0"], "epochs"),
    (["--batch-size", "0"], "batch size"),
    (["--momentum", "1.5"], "momentum"),
    (["--loss", "hinge"], "hinge"),
    (["--device", "tpu"], "tpu"),
    (["--epochs", "two"], "two"),
    (["--weight-decay", "-0.01"], "weight decay must be at least 0"),
    (["--weight-decay", "nan"], "--weight-decay: must be a finite number"),
    (["--weight-decay", "lots"], "lots"),
    (["--dropout", "-0.1"], "dropout must be at least 0 and below 1"),
    (["--dropout", "1"], "dropout must be at least 0 and below 1"),
    (["--dropout", "1.5"], "dropout must be at least 0 and below 1"),
    (["--early-stopping", "-1"], "early-stopping patience must be at least 0"),
    (["--early-stopping", "2.5"], "not a whole number"),
    (["--early-stopping", "three"], "three"),
    (["--threads", "0"], "--threads: must be at least 1, got 0"),
    (["--threads", "5000"], "--threads: must be at most 4,096, got 5,000"),
    (["--threads", "two"], "two"),
])
def test_bad_arguments_are_one_line_exit_2(tmp_path, capsys, fake_mnist, args, words):
    with pytest.raises(SystemExit) as exc:
        code = main(["train", "--data", str(fake_mnist), *args, "--out", str(tmp_path / "o")])
        raise SystemExit(code)
    assert exc.value.code == 2
    assert words in one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o" / "model.pt").exists()


def test_missing_data_says_where_it_looked_and_how_to_get_mnist(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CONVVIZ_DATA", str(tmp_path / "env-data"))
    assert main(["train", "--out", str(tmp_path / "o")]) == 2
    err = one_error_line(capsys.readouterr().err)
    assert str(tmp_path / "env-data") in err and "ConvViz" in err  # the env folder and the app's folder
    assert "--data" in err and "CONVVIZ_DATA" in err and "Download MNIST" in err and "--download" in err
    assert main(["train", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert str(tmp_path / "nowhere") in one_error_line(capsys.readouterr().err)


def test_download_flag_fetches_missing_data_first(tmp_path, capsys, monkeypatch, fake_mnist):
    """--download against a local mirror (never the internet), md5s of the fake files."""
    from visualizer.core import mnist

    files = {k: (name, hashlib.md5((fake_mnist / name).read_bytes()).hexdigest())
             for k, (name, _) in mnist.MNIST_FILES.items()}
    monkeypatch.setattr(mnist, "MNIST_FILES", files)
    dest = tmp_path / "data"
    with serve(fake_mnist) as (url, requests):
        monkeypatch.setattr(mnist, "MNIST_MIRRORS", (dead_mirror(), url))
        code = main(["train", "--data", str(dest), "--download", "--net", "mnist-net2", *SMALL,
                     "--out", str(tmp_path / "run")])
    assert code == 0
    assert len(requests) == 4
    assert sorted(p.name for p in dest.iterdir()) == sorted(name for name, _ in files.values())
    assert "downloading MNIST" in capsys.readouterr().err
    check_contract_files(tmp_path / "run", epochs=1)


def test_download_flag_offline_is_one_line(tmp_path, capsys, monkeypatch):
    from visualizer.core import mnist

    monkeypatch.setattr(mnist, "MNIST_MIRRORS", (dead_mirror(),))
    assert main(["train", "--data", str(tmp_path / "d"), "--download", "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert "offline" in one_error_line(capsys.readouterr().err)


def test_unreadable_data_is_one_line(tmp_path, capsys, fake_mnist):
    broken = tmp_path / "broken"
    broken.mkdir()
    for p in fake_mnist.iterdir():
        (broken / p.name).write_bytes(p.read_bytes())
    data = (broken / "train-labels-idx1-ubyte.gz").read_bytes()
    (broken / "train-labels-idx1-ubyte.gz").write_bytes(data[: len(data) // 2])
    assert main(["train", "--data", str(broken), "--out", str(tmp_path / "o")]) == 2
    assert "train-labels-idx1-ubyte.gz" in one_error_line(capsys.readouterr().err)


def test_bad_net_files_are_one_line(tmp_path, capsys):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{oops")
    assert main(["train", "--net", str(bad_json), "--out", str(tmp_path / "o")]) == 2
    assert "not valid JSON" in one_error_line(capsys.readouterr().err)
    rgb = tmp_path / "rgb.json"
    rgb.write_text(json.dumps({"schema": "convviz.architecture", "version": 1, "input_shape": [3, 32, 32],
                               "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]}))
    assert main(["train", "--net", str(rgb), "--out", str(tmp_path / "o")]) == 2
    assert "1×28×28" in one_error_line(capsys.readouterr().err)
    assert main(["train", "--net", str(tmp_path / "missing.json"), "--out", str(tmp_path / "o")]) == 2
    assert "not found" in one_error_line(capsys.readouterr().err)


def test_out_must_be_a_folder(tmp_path, capsys, fake_mnist):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["train", "--data", str(fake_mnist), "--out", str(f)]) == 2
    assert "not a folder" in one_error_line(capsys.readouterr().err)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_line(tmp_path, capsys, fake_mnist):
    assert main(["train", "--data", str(fake_mnist), "--device", "cuda", "--out", str(tmp_path / "o")]) == 2
    assert "CUDA is not available" in one_error_line(capsys.readouterr().err)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_stops_cleanly_with_files_written(tmp_path, fake_mnist):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "visualizer", "train", "--data", str(fake_mnist), "--net", "mnist-net2",
           "--train-size", "6000", "--val-size", "500", "--test-size", "500", "--epochs", "20",
           "--report-every", "256", "--device", "cpu", "--out", str(out)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: history_rows(out) >= 1, 120, "the first history row", proc)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "stopping" in stderr and stdout.startswith("stopped:")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["final"]["status"] == "stopped"
    assert metrics["final"]["examples_seen"] < 20 * 6_000
    assert (out / "model.pt").is_file() and (out / "history.csv").is_file()


def test_progress_bar_redraws_one_line_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = ProgressBar(stream, total=1000, epochs=2)
    bar.update(250, 0.5, 0.75, 100.0, force=True)
    bar.update(500, 0.4, 0.8, 100.0, force=True)
    bar.message("epoch 1/2 done")
    bar.close()
    text = stream.getvalue()
    assert text.count("\r[") == 2 and "\n" in text
    assert " 25.0%" in text and "epoch 1/2" in text and "acc 75.0%" in text and "ETA 0:05" in text
    assert "100 samples/s" in text


def test_progress_bar_in_a_pipe_prints_every_5_percent():
    stream = io.StringIO()
    bar = ProgressBar(stream, total=1000, epochs=1)
    for seen in range(10, 1001, 10):
        bar.update(seen, 1.0, 0.5, 10.0)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 21  # 0 %, 5 %, …, 100 % (one line per step, never more)
    assert "\r" not in stream.getvalue()


def test_regularisation_options_are_recorded_and_trained(tmp_path, capsys, fake_mnist):
    out = tmp_path / "reg"
    code = main(["train", "--data", str(fake_mnist), "--net", "mnist-net2", *SMALL, "--epochs", "3",
                 "--weight-decay", "0.001", "--dropout", "0.25", "--early-stopping", "1", "--quiet",
                 "--out", str(out)])
    assert code == 0
    config = json.loads((out / "config.json").read_text())
    assert (config["weight_decay"], config["dropout"], config["early_stopping"]) == (0.001, 0.25, 1)
    metrics = json.loads((out / "metrics.json").read_text())
    final, epochs = metrics["final"], metrics["epochs"]
    vals = [e["val_loss"] for e in epochs]
    assert final["best_epoch"] == 1 + vals.index(min(vals))
    assert final["best_val_loss"] == min(vals)
    # patience 1: the run ends at the first epoch that does not improve, or runs all 3
    assert final["stopped_early"] == (len(epochs) < 3)
    assert final["stopped_early"] or vals == sorted(vals, reverse=True)
    state = torch.load(out / "model.pt", map_location="cpu", weights_only=True)
    model = build_model("mnist-net2", dropout=0.25)
    model.load_state_dict(state)  # the same keys with or without dropout
    summary = capsys.readouterr().out
    assert ("stopped early: best epoch" in summary) == final["stopped_early"]


def test_defaults_record_no_regularisation(tmp_path, capsys, fake_mnist):
    out = tmp_path / "plain"
    assert main(["train", "--data", str(fake_mnist), "--net", "mnist-net2", *SMALL, "--quiet",
                 "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert (config["weight_decay"], config["dropout"], config["early_stopping"]) == (0.0, 0.0, 0)
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert final["best_epoch"] == 1 and final["stopped_early"] is False


def test_threads_are_given_to_torch_and_recorded(tmp_path, capsys, fake_mnist, monkeypatch):
    import visualizer.core.training as training

    seen = []
    real = training.Trainer._setup

    def setup(self):
        seen.append(torch.get_num_threads())
        real(self)

    monkeypatch.setattr(training.Trainer, "_setup", setup)
    before = torch.get_num_threads()
    assert main(["train", "--data", str(fake_mnist), *SMALL, "--threads", "3", "--quiet",
                 "--out", str(tmp_path / "three")]) == 0
    assert seen == [3] and torch.get_num_threads() == before  # set for the run, then put back
    assert json.loads((tmp_path / "three" / "config.json").read_text())["num_threads"] == 3
    assert main(["train", "--data", str(fake_mnist), *SMALL, "--quiet", "--out", str(tmp_path / "auto")]) == 0
    chosen = json.loads((tmp_path / "auto" / "config.json").read_text())["num_threads"]
    assert 1 <= chosen <= 4 and seen[1] == chosen  # the free cores, at most 4 (core.threads)


def test_a_fresh_process_loading_torch_on_its_preload_thread_gives_the_same_weights(tmp_path, capsys, fake_mnist):
    """`convviz train` imports torch and torch._dynamo on a thread while MNIST loads: a fresh process
    (where that thread does the import) and this one (torch long loaded) give the same weights."""
    fresh = tmp_path / "fresh"
    done = subprocess.run([sys.executable, "-m", "visualizer", "train", "--data", str(fake_mnist), *SMALL,
                           "--threads", "1", "--quiet", "--out", str(fresh)], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    here = tmp_path / "here"
    assert main(["train", "--data", str(fake_mnist), *SMALL, "--threads", "1", "--quiet", "--out", str(here)]) == 0
    a = torch.load(fresh / "model.pt", weights_only=True)
    b = torch.load(here / "model.pt", weights_only=True)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert json.loads((fresh / "metrics.json").read_text())["final"]["test_loss"] == \
        json.loads((here / "metrics.json").read_text())["final"]["test_loss"]
