"""Small Panel subclasses for the app-shell tests, so they do not depend on the real tool tabs."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QVBoxLayout

from visualizer.ui.shell.panel import Panel


class NotesPanel(Panel):
    """A panel with one text field (its 'work') and one plot (to see the theme reach pyqtgraph)."""

    title = "Notes"
    description = "A fake tool with a text field"
    guide_page = "04-training.html"

    def __init__(self) -> None:
        super().__init__()
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName("Notes text")
        self.plot = pg.PlotWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.plot)
        self.applied: list[dict[str, Any]] = []
        self.restored: list[dict[str, Any]] = []
        self.lecture: list[bool] = []
        self.shut_down = False
        self.clear_action = QAction("Clear notes", self)
        self.clear_action.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.clear_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.clear_action.triggered.connect(self.edit.clear)
        self.addAction(self.clear_action)

    def panel_actions(self) -> list[QAction]:
        return [self.clear_action]

    def save_state(self) -> dict[str, Any]:
        return {"text": self.edit.text()} if self.edit.text() else {}

    def restore_state(self, state: dict[str, Any]) -> None:
        self.restored.append(state)
        self.edit.setText(str(state.get("text", "")))

    def apply_settings(self, settings: dict[str, Any]) -> None:
        self.applied.append(dict(settings))

    def set_lecture_mode(self, on: bool) -> None:
        self.lecture.append(on)

    def shutdown(self) -> None:
        self.shut_down = True


class ArchitecturePanel(Panel):
    """Like the shape calculator: asks for its network to be trained."""

    title = "Nets"
    train_requested = Signal(dict)


class TrainerPanel(Panel):
    """Like the training panel: takes a network to train."""

    title = "Trainer"

    def __init__(self) -> None:
        super().__init__()
        self.received: list[dict] = []

    def use_architecture(self, architecture: dict) -> None:
        self.received.append(architecture)
