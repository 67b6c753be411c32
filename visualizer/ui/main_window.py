"""The main window: one tab per tool, menus, status line, and settings kept between starts."""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QTabWidget,
)

from visualizer import __version__
from visualizer.ui.panel import Panel

ORG = "ConvViz"
APP = "ConvViz"


def app_settings() -> QSettings:
    return QSettings(ORG, APP)


def make_panels() -> list[Panel]:
    # Imported here so that a broken panel shows up as an error at start, not at import time
    # of the whole UI package.
    from visualizer.ui.conv_explorer import ConvExplorer
    from visualizer.ui.shape_calculator import ShapeCalculator
    from visualizer.ui.training_panel import TrainingPanel

    return [ConvExplorer(), ShapeCalculator(), TrainingPanel()]


class MainWindow(QMainWindow):
    def __init__(self, panels: list[Panel] | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ConvViz")
        self.setObjectName("MainWindow")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tools")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.panels: list[Panel] = panels if panels is not None else make_panels()
        for panel in self.panels:
            self.tabs.addTab(panel, panel.title)
            panel.status_message.connect(self.show_status)
        self.font_scale = 1.0
        self._base_point_size = QApplication.font().pointSizeF()
        self._build_menus()
        self.statusBar().showMessage("Ready", 3000)
        self.restore_settings()

    # -- menus -----------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        file_menu.addAction(self.quit_action)

        view = bar.addMenu("&View")
        self.fullscreen_action = self._action(
            "&Full screen", self.toggle_full_screen, QKeySequence.StandardKey.FullScreen, True
        )
        self.lecture_action = self._action("&Lecture mode", self.set_lecture_mode, "F5", True)
        self.zoom_in_action = self._action("Larger text", self.zoom_in, QKeySequence.StandardKey.ZoomIn)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.zoom_out_action = self._action("Smaller text", self.zoom_out, QKeySequence.StandardKey.ZoomOut)
        self.zoom_out_action.setShortcuts([QKeySequence("Ctrl+-")])
        self.zoom_reset_action = self._action("Normal text size", self.zoom_reset, "Ctrl+0")
        for a in (self.fullscreen_action, self.lecture_action, None,
                  self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action, None):
            view.addSeparator() if a is None else view.addAction(a)
        for i, panel in enumerate(self.panels):
            a = self._action(f"Show {panel.title}", lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                             f"Alt+{i + 1}")
            view.addAction(a)

        for panel in self.panels:
            actions = panel.panel_actions()
            if actions:
                menu = bar.addMenu(panel.title)
                menu.addActions(actions)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.show_shortcuts, "F1")
        self.about_action = self._action("&About ConvViz", self.show_about)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def all_actions(self) -> list[QAction]:
        """Every action with a shortcut, menus and panels together (for the shortcuts page)."""
        seen: list[QAction] = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is None:
                continue
            for a in menu.actions():
                if not a.isSeparator() and a not in seen:
                    seen.append(a)
        return seen

    def shortcuts_text(self) -> str:
        rows = []
        for a in self.all_actions():
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts())
            if keys:
                rows.append(f"<tr><td><b>{keys}</b></td><td>{a.text().replace('&', '')}</td></tr>")
        return "<table cellspacing=6>" + "".join(rows) + "</table>"

    @Slot()
    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", self.shortcuts_text())

    @Slot()
    def show_about(self) -> None:
        import PySide6
        import torch
        from PySide6.QtCore import qVersion

        mps = getattr(torch.backends, "mps", None)
        text = (
            f"<h3>ConvViz {__version__}</h3>"
            "<p>Teach and learn convolutional neural networks.</p>"
            f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__} · torch {torch.__version__}<br>"
            f"CUDA available: {'yes' if torch.cuda.is_available() else 'no'} · "
            f"MPS available: {'yes' if mps is not None and mps.is_available() else 'no'}</p>"
        )
        QMessageBox.about(self, "About ConvViz", text)

    # -- view ------------------------------------------------------------------------------
    @Slot(str, int)
    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    @Slot()
    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.fullscreen_action.setChecked(self.isFullScreen())

    @Slot(bool)
    def set_lecture_mode(self, on: bool) -> None:
        self.lecture_action.setChecked(on)
        for panel in self.panels:
            panel.set_lecture_mode(on)
        if on and not self.isFullScreen():
            self.showFullScreen()
        elif not on and self.isFullScreen():
            self.showNormal()
        self.fullscreen_action.setChecked(self.isFullScreen())
        if on:
            self.set_font_scale(max(self.font_scale, 1.5))
        self.show_status("Lecture mode: F5 to leave" if on else "Lecture mode off", 4000)

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = min(4.0, max(0.5, round(scale, 2)))
        font = QApplication.font()
        if self._base_point_size > 0:
            font.setPointSizeF(self._base_point_size * self.font_scale)
        QApplication.setFont(font)
        for panel in self.panels:
            panel.setFont(font)

    @Slot()
    def zoom_in(self) -> None:
        self.set_font_scale(self.font_scale * 1.15)

    @Slot()
    def zoom_out(self) -> None:
        self.set_font_scale(self.font_scale / 1.15)

    @Slot()
    def zoom_reset(self) -> None:
        self.set_font_scale(1.0)

    # -- settings --------------------------------------------------------------------------
    def restore_settings(self) -> None:
        s = app_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        try:
            scale = float(s.value("view/font_scale", 1.0))
        except (TypeError, ValueError):
            scale = 1.0
        if scale != 1.0:
            self.set_font_scale(scale)
        try:
            tab = int(s.value("window/tab", 0))
        except (TypeError, ValueError):
            tab = 0
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        for panel in self.panels:
            raw = s.value(f"panels/{type(panel).__name__}")
            if not raw:
                continue
            try:
                state_dict = json.loads(str(raw))
                if isinstance(state_dict, dict):
                    panel.restore_state(state_dict)
            except Exception as exc:  # a stale or hand-edited setting must not stop the app
                self.show_status(f"Could not restore {panel.title}: {exc}", 8000)

    def save_settings(self) -> None:
        s = app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        s.setValue("view/font_scale", self.font_scale)
        for panel in self.panels:
            try:
                s.setValue(f"panels/{type(panel).__name__}", json.dumps(panel.save_state()))
            except Exception as exc:
                self.show_status(f"Could not save {panel.title}: {exc}", 8000)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        for panel in self.panels:
            panel.shutdown()
        self.save_settings()
        super().closeEvent(event)
