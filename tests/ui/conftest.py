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


@pytest.fixture(autouse=True, scope="session")
def _devices_probed_once():
    """Ask torch about devices once for the whole session, as the app does once per process: the
    main window's probe then answers from the cache instead of importing torch on a thread that a
    test would have to wait for."""
    from visualizer.core.devices import probe_devices

    probe_devices()
