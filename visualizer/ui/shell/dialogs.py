"""The main window's dialogs: Settings, the Guide (opened at the current tab's page), Keyboard
shortcuts, About, and the crash-log folder. One of each per window, built when first asked for."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from visualizer.core import appdirs
from visualizer.ui.shell.panel import Panel

WELCOME_PAGE = "01-welcome.html"


class WindowDialogs(QObject):
    """The dialogs of `window` (a MainWindow: its tabs, settings, shortcut groups, status line)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.settings = None
        self.guide = None
        self.shortcuts = None
        self.about = None

    @property
    def window(self):
        """The main window: this object's Qt parent (no Python reference to it is kept, so the
        window and its helpers form no reference cycle for the garbage collector)."""
        return self.parent()

    def guide_page_for(self, panel: QWidget | None) -> str:
        """The Guide page of `panel` (its own, or its tool's), the welcome page when it has none."""
        from visualizer.ui.shell.help import guide_dir

        name = panel.guide_page if isinstance(panel, Panel) else ""
        if not name:
            name = self.window.tool_guide(panel)
        if name and (guide_dir() / name).is_file():
            return name
        return WELCOME_PAGE

    @Slot()
    def show_guide(self) -> None:
        from visualizer.ui.shell.help import GuideDialog

        page = self.guide_page_for(self.window.tabs.currentWidget())
        if self.guide is None:
            self.guide = GuideDialog(self.window, page)
        else:
            self.guide.open_page(page)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()

    @Slot()
    def show_shortcuts(self) -> None:
        from visualizer.ui.shell.help import ShortcutsDialog

        if self.shortcuts is not None:
            self.shortcuts.close()
            self.shortcuts.deleteLater()
        # Built fresh each time: panels may have added actions since.
        self.shortcuts = ShortcutsDialog(self.window.shortcut_groups(), self.window)
        self.shortcuts.show()

    @Slot()
    def show_about(self) -> None:
        from visualizer.ui.shell.help import AboutDialog

        if self.about is None:
            self.about = AboutDialog(self.window)
        self.about.open()

    @Slot()
    def show_settings(self) -> None:
        from visualizer.ui.shell.settings_dialog import SettingsDialog

        if self.settings is not None:
            self.settings.deleteLater()
        w = self.window
        values = dict(w.settings, font_scale=w.display.user_font_scale())
        self.settings = SettingsDialog(values, w)
        self.settings.settings_applied.connect(w.apply_settings)
        self.settings.open()

    @Slot()
    def open_log_folder(self) -> None:
        folder = appdirs.log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.window.show_status(f"Cannot open the log folder {folder}: {exc.strerror or exc}", 8000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.window.show_status(f"The crash log is in {folder}", 10000)

    def close_all(self) -> None:
        for dialog in (self.settings, self.guide, self.shortcuts, self.about):
            if dialog is not None:
                dialog.close()
