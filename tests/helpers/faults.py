"""Shared by the fault-injection tests (tests/faults): tiny CLI runs, file digests, waiting on a
subprocess, counting a run's history rows."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import pytest

#: Tiny runs: a few seconds on one CPU core.
TINY = ["--train-size", "512", "--val-size", "128", "--test-size", "128", "--epochs", "1",
        "--report-every", "128", "--batch-size", "64", "--device", "cpu", "--quiet"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
