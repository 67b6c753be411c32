"""The contract between a tool tab and the main window.

Each tool (convolution explorer, shape calculator, training panel) is a `Panel`: a QWidget
that the main window puts in a tab. The main window never reaches inside a panel; it uses
only what is declared here.

Optional hand-over between panels: a panel may declare `train_requested = Signal(dict)` (an
architecture document); the main window connects it to the `use_architecture(dict)` method of the
panel that has one and shows that panel's tab.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget


class Panel(QWidget):
    """A tool tab: what the main window may ask of it (title, actions, state, shutdown); see the
    module's docstring."""

    #: Text of the panel's tab and of its menu.
    title: str = "Panel"

    #: Optional: one line shown as the tab's tooltip (what the tool is for).
    description: str = ""

    #: Optional: where the main window saves this panel's state ("panels/<key>"); the class name
    #: when empty. Set it when renaming a class, so saved sessions keep restoring.
    state_key: str = ""

    #: Optional: the Help -> Guide page (file name in resources/guide/) opened while this tab shows.
    guide_page: str = ""

    #: A message for the main window's status line: (text, timeout in ms; 0 keeps it).
    status_message = Signal(str, int)

    def panel_actions(self) -> list[QAction]:
        """Actions (with shortcuts) shown in the panel's menu and in Help -> Keyboard shortcuts.

        Shortcuts of a panel's actions should use `Qt.WidgetWithChildrenShortcut` context so
        they only fire while that panel's tab is showing.
        """
        return []

    def save_state(self) -> dict[str, Any]:
        """JSON-able state to restore on the next start (inputs, kernels, selections)."""
        return {}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply what `save_state` returned in an earlier session; ignore unknown keys."""

    def apply_settings(self, settings: dict[str, Any]) -> None:
        """Apply app-wide settings (called at start and whenever the Settings dialog changes them).

        Keys (all optional): "theme" ("light" | "dark" | "system"), "font_scale" (float),
        "default_device" ("auto" | "cpu" | "cuda" | "mps"), "mnist_dir" (str, "" = default),
        "runs_dir" (str, "" = default).

        Before this is called the main window has already set the app's palette (Fusion style) and
        given every pyqtgraph view in the window the theme's background and axis colours
        (`visualizer.ui.shell.theme.restyle_plots`); a panel with colours of its own (cell fills, notes)
        can pick them by `visualizer.ui.shell.theme.current_look()` ("light" | "dark").
        """

    def set_lecture_mode(self, on: bool) -> None:
        """Large type and editing controls hidden, for a projector (optional)."""

    def tab_shown(self) -> None:
        """Optional: the main window shows this panel's tab (at launch too, once the window shows).
        A panel whose keys must work at once (the convolution explorer's Space and arrows) puts the
        keyboard focus where they work. The tab bar itself never takes the focus."""

    def running_work(self) -> list[str]:
        """Optional: what runs now that must end cleanly before the app quits, in words ("a training
        run"); the main window asks before closing while any panel names something."""
        return []

    def stop_work(self) -> None:
        """Optional: ask what `running_work` names to stop cleanly (saved, evaluated); it may take
        a while, and the main window closes once `running_work` is empty."""

    def shutdown(self) -> None:
        """Stop background work before the window closes; return within about two seconds."""

    def emit_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.status_message.emit(text, timeout_ms)
