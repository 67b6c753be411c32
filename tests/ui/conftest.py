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


def launch_main_window(qtbot, size=(1280, 800)):
    """The app as a user starts it: a freshly built main window (use with `fresh_settings`), shown,
    exposed and active, so the first keys a user presses reach it."""
    from PySide6.QtWidgets import QApplication

    from visualizer.ui.shell.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def answer_quit_question(qtbot, window, answer: str) -> None:
    """Click `answer` ("Stop and quit", "Keep training", "Cancel") in the question the main window
    asks when it is closed while something trains."""
    from PySide6.QtCore import Qt

    qtbot.waitUntil(lambda: window.quit_guard.question is not None
                    and window.quit_guard.question.isVisible(), timeout=5_000)
    button = window.quit_guard.button(answer)
    assert button is not None, f"no {answer!r} button"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
