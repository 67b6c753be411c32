"""The runs filter's rule: a case-insensitive regular expression found anywhere in a run's names;
empty or invalid lets everything through, and an invalid one says why (never raises)."""

from __future__ import annotations

import pytest

from visualizer.core.run_filter import PLACEHOLDER, compile_filter, run_matches


def test_a_regular_expression_found_anywhere_case_insensitive():
    assert run_matches("lr0\\.1", "2026-12-03_lr0.1-seed2")
    assert not run_matches("lr0\\.1", "2026-12-03_lr0.01-seed2")
    assert run_matches("ADAM|l2", "x", "mnist-net1 · ce · adam")
    assert run_matches("^2026-12", "2026-12-03_100000")
    assert not run_matches("^12", "2026-12-03_100000")
    assert run_matches("", "anything") and run_matches("", "")
    assert "regular expression" in PLACEHOLDER


@pytest.mark.parametrize("text", ["(", "[a-", "*", "a{2,1}", "(?P<x>a)(?P<x>b)"])
def test_an_invalid_expression_shows_every_run_and_says_why(text):
    pattern, error = compile_filter(text)
    assert pattern is None and error.startswith("Not a valid regular expression: ")
    assert error.endswith("every run is shown.")
    assert run_matches(text, "any run")
