"""The Convolution tab's tests: the tab alone, shown and active, or the app as launched."""

from __future__ import annotations

import pytest

from tests.helpers.gui import launch_main_window, show_active


@pytest.fixture
def panel(qtbot):
    """A ConvPanel as a 1400×860 window, shown and active (its keys reach it)."""
    from visualizer.ui.conv.panel import ConvPanel

    return show_active(qtbot, ConvPanel(), (1400, 860))


@pytest.fixture
def launched(qtbot, fresh_settings):
    """The app as a user starts it (a fresh main window on fresh settings): (window, its
    Convolution tab)."""
    w = launch_main_window(qtbot)
    return w, w.tabs.currentWidget()
