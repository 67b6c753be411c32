"""Each tool opened on its own (`python -m visualizer.ui.<tool>`) honours CONVVIZ_QUIT_AFTER_MS, as
the app does: the packaging smoke test relies on it to close the window by itself."""

from __future__ import annotations

import importlib
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from visualizer.ui.shell.application import QUIT_AFTER_ENV


def _close_everything() -> None:  # a safety net: a tool that ignores the variable must not hang the test
    for w in QApplication.topLevelWidgets():
        w.close()


@pytest.mark.parametrize("tool", ["network", "shapes"])
def test_a_tool_on_its_own_quits_after_the_time_given(qtbot, fresh_settings, monkeypatch, tool):
    monkeypatch.setenv(QUIT_AFTER_ENV, "200")
    main = importlib.import_module(f"visualizer.ui.{tool}.__main__").main
    safety = QTimer()
    safety.setSingleShot(True)
    safety.timeout.connect(_close_everything)
    safety.start(30_000)
    t0 = time.monotonic()
    assert main([f"visualizer.ui.{tool}"]) == 0
    elapsed = time.monotonic() - t0
    safety.stop()
    assert elapsed < 20, f"the {tool} window stayed {elapsed:.1f} s"
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]
