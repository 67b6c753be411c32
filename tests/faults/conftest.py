"""Fault injection: every test here reproduces one case of issue 9 ("Nothing lost, nothing
uncaught") and checks the one-line message, the exit status and that nothing the user made is
lost. Its helpers are in tests/helpers (cli.py, faults.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory) -> Path:
    """Full-size MNIST files (raw IDX, so the CLI's checks pass) holding the core's learnable
    synthetic digits: the tests never depend on the real download."""
    from tests.helpers.mnist import write_synthetic_digits

    return write_synthetic_digits(tmp_path_factory.mktemp("synthetic-mnist"))
