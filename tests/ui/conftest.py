"""Fixtures shared by the UI tests."""

from __future__ import annotations

import pytest

from visualizer.ui.shell.settings import app_settings


@pytest.fixture
def fresh_settings():
    """Start and end the test with no saved settings or session state."""
    s = app_settings()
    s.clear()
    s.sync()
    yield s
    s.clear()
    s.sync()
