"""Fault injection: shared helpers. Every test here reproduces one case of issue 9 ("Nothing lost,
nothing uncaught") and checks the one-line message, the exit status and that nothing the user
made is lost."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.core.test_mnist import write_idx
from visualizer.cli import MAX_ERROR_CHARS
from visualizer.core.mnist import synthetic_mnist

REPO = Path(__file__).resolve().parents[2]
#: Tiny runs: a few seconds on one CPU core.
TINY = ["--train-size", "512", "--val-size", "128", "--test-size", "128", "--epochs", "1",
        "--report-every", "128", "--batch-size", "64", "--device", "cpu", "--quiet"]


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory) -> Path:
    """Full-size MNIST files (raw IDX, so the CLI's checks pass) holding the core's learnable
    synthetic digits: the tests never depend on the real download."""
    folder = tmp_path_factory.mktemp("synthetic-mnist")
    s = synthetic_mnist(train_size=60_000, val_size=0, test_size=10_000, seed=1)
    write_idx(folder / "train-images-idx3-ubyte", s.train_images, gz=False)
    write_idx(folder / "train-labels-idx1-ubyte", s.train_labels.astype(np.uint8), gz=False)
    write_idx(folder / "t10k-images-idx3-ubyte", s.test_images, gz=False)
    write_idx(folder / "t10k-labels-idx1-ubyte", s.test_labels.astype(np.uint8), gz=False)
    return folder


def one_error_line(err: str) -> str:
    """The single error line of a command's stderr (no traceback, nothing else): `convviz: error: …`,
    or argparse's `convviz COMMAND: error: argument --OPTION: …` for a value an option's type
    (core.parsing's grammar) refuses."""
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    prefix = re.match(r"convviz(?: [a-z]+: error: argument [-a-z/]+: |: error: )", lines[0])
    assert prefix, err
    assert len(lines[0]) <= prefix.end() + MAX_ERROR_CHARS and lines[0].isprintable(), lines[0]
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def convviz(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """`python -m visualizer ARGS` in a subprocess (text mode)."""
    env = {**os.environ, **kw.pop("env", {})}
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "visualizer", *args], cwd=REPO, env=env, text=True,
                          timeout=timeout, **kw)


def wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll `condition()` until it holds (fails the test after `timeout` s, or if `proc` ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the process ended (status {proc.returncode}) before {what}: {err[-2000:]}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def history_rows(folder: Path) -> int:
    try:
        return max(0, len((folder / "history.csv").read_text().splitlines()) - 1)
    except OSError:
        return 0
