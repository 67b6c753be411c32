"""The Convolution tab's tests: the tab alone, shown and active."""

from __future__ import annotations

import pytest

from tests.helpers.gui import show_active


@pytest.fixture
def panel(qtbot):
    """A ConvPanel as a 1400×860 window, shown and active (its keys reach it)."""
    from visualizer.ui.conv.panel import ConvPanel

    return show_active(qtbot, ConvPanel(), (1400, 860))
