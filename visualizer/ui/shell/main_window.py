"""The main window: one tab per tool, menus, status line, settings, and the session kept between
starts (saved and recovered by `visualizer.ui.shell.session`, which explains the crash safety)."""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QLockFile, Qt, QTimer, QUrl, Signal, SignalInstance, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from visualizer.core import appdirs
from visualizer.ui.shell import theme
from visualizer.ui.shell.devices import device_probe
from visualizer.ui.shell.panel import Panel
from visualizer.ui.shell.session import AUTOSAVE_MS, CLEAN_SHUTDOWN_KEY, SessionStore  # noqa: F401
from visualizer.ui.shell.settings import clean_settings, load_settings, save_settings


@dataclass(frozen=True)
class Tool:
    """A tool tab, known by name before its module is imported: the window shows at once with the
    current tab built, and the other tabs are built right after, one per event-loop turn (or at
    once when the user opens one), so start-up does not wait for every tool."""

    key: str  # where its state is saved ("panels/<key>"); kept when a class is renamed
    title: str
    tip: str
    target: str  # "module:Class" of the Panel
    guide: str = ""  # its Help -> Guide page, when the panel does not name one

    def create(self) -> Panel:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)()


TOOLS = (
    Tool("ConvExplorer", "Convolution",
         "See a 2-D convolution cell by cell: input, kernel, stride, padding, output",
         "visualizer.ui.conv.panel:ConvPanel", "02-convolution.html"),
    Tool("ShapeCalculator", "Shapes",
         "Output shapes, parameters, MACs and receptive field of a CNN, layer by layer",
         "visualizer.ui.shapes.panel:ShapesPanel", "03-shapes.html"),
    Tool("TrainingPanel", "Training",
         "Train the MNIST nets with live curves and compare runs",
         "visualizer.ui.training.panel:TrainingPanel", "04-training.html"),
    Tool("NetworkPanel", "Network",
         "What a net sees: every layer's maps for one digit, down to one convolution",
         "visualizer.ui.network.panel:NetworkPanel", "07-network.html"),
)


def make_panels() -> list:
    """The tabs: `Tool`s to build when needed (or ready Panels, as tests pass them)."""
    return list(TOOLS)


class _Tab:
    """One tab: its tool (None for a panel given ready-made), its panel once built, its menu."""

    def __init__(self, key: str, title: str, tool: Tool | None, panel: Panel | None, page: QWidget) -> None:
        self.key, self.title, self.tool, self.panel, self.page = key, title, tool, panel, page
        self.menu: QMenu | None = None


def _base_point_size() -> float:
    """The app's normal font size, remembered once so that scaling never compounds."""
    app = QApplication.instance()
    stored = app.property("convviz_base_point_size")
    if stored:
        return float(stored)
    size = QApplication.font().pointSizeF()
    app.setProperty("convviz_base_point_size", size)
    return size


class RecoveryBar(QFrame):
    """The offer to bring back the work of a session that did not close cleanly."""

    restore_requested = Signal()
    discard_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery_bar")
        self.setAccessibleName("Restore unsaved work")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.label = QLabel("Restore your unsaved work from the last session?", self)
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Restore question")
        self.restore_button = QPushButton("&Restore", self)
        self.restore_button.setObjectName("recovery_restore")
        self.restore_button.setAccessibleName("Restore unsaved work")
        self.discard_button = QPushButton("&Discard", self)
        self.discard_button.setObjectName("recovery_discard")
        self.discard_button.setAccessibleName("Discard unsaved work")
        self.discard_button.setToolTip("Forget the unsaved work of the last session and keep what is shown now")
        self.restore_button.clicked.connect(self.restore_requested)
        self.discard_button.clicked.connect(self.discard_requested)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.label, 1)
        row.addWidget(self.restore_button)
        row.addWidget(self.discard_button)
        self.hide()

    def offer(self, titles: list[str]) -> None:
        what = ", ".join(titles)
        self.label.setText(
            "<b>ConvViz did not close properly last time.</b> "
            f"Restore your unsaved work from the last session? ({what})"
        )
        self.restore_button.setToolTip(f"Bring back what you had in: {what}")
        self.show()


def _first_size(window: QWidget) -> tuple[int, int]:
    """1280×800, or less on a smaller screen: the whole window, its title bar included (about
    40 px that Qt does not count in the size), fits the screen's free area, so the status line and
    the bottom buttons are never below the screen's edge."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is None:
        return 1280, 800
    free = screen.availableGeometry()
    return min(1280, free.width()), min(800, max(480, free.height() - 40))


class MainWindow(QMainWindow):
    def __init__(self, panels: list[Panel] | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ConvViz")
        self.setObjectName("MainWindow")
        self.setAccessibleName("ConvViz main window")
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tools")
        self.tabs.setAccessibleName("Tools")
        self.tabs.setToolTip("")  # each tab has its own tooltip
        self.tabs.setDocumentMode(True)
        self.recovery_bar = RecoveryBar(self)
        self.recovery_bar.restore_requested.connect(self.restore_recovered_work)
        self.recovery_bar.discard_requested.connect(self.discard_recovered_work)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.recovery_bar)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self._tabs: list[_Tab] = []
        self._pending_state: dict[str, Any] = {}  # saved states of tabs not built yet
        self._lecture = False
        for entry in (panels if panels is not None else make_panels()):
            if isinstance(entry, Tool):
                page = QWidget(self.tabs)
                page.setAccessibleName(entry.title)
                tab = _Tab(entry.key, entry.title, entry, None, page)
                tip = entry.tip
            else:
                tab = _Tab(entry.state_key or type(entry).__name__, entry.title, None, entry, entry)
                tip = entry.description or entry.title
            i = self.tabs.addTab(tab.page, tab.title)
            self.tabs.setTabToolTip(i, f"{tip} (Alt+{i + 1})")
            self._tabs.append(tab)
        self.tabs.currentChanged.connect(self._ensure_built)
        self.tabs.currentChanged.connect(self._tab_shown_soon)
        # The tab bar never holds the focus: the arrow keys belong to the tab shown (the explorer
        # steps with them). Alt+1…, Ctrl+Tab and a click still switch tabs.
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self._probe_started = False
        self.font_scale = 1.0
        self._lecture_saved_scale: float | None = None
        self._base_point_size = _base_point_size()
        self.settings: dict[str, Any] = {}
        self.recovered: dict[str, dict] = {}
        self.settings_dialog = None
        self.guide_dialog = None
        self.shortcuts_dialog = None
        self.about_dialog = None
        self._build_menus()
        self.statusBar().setAccessibleName("Status line")
        self.statusBar().setToolTip("Messages about what just happened")
        self.statusBar().showMessage("Ready", 3000)
        for tab in self._tabs:
            if tab.panel is not None:
                self._attach(tab)
        self.restore_settings()
        self._ensure_built(self.tabs.currentIndex())

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        # Also save whenever the user switches to another program.
        QApplication.instance().applicationStateChanged.connect(self._application_state_changed)

    # -- tabs and their panels --------------------------------------------------------------
    @property
    def panels(self) -> list[Panel]:
        """Every tool's panel (builds those not built yet)."""
        self._build_all()
        return [tab.panel for tab in self._tabs]  # type: ignore[misc]

    def _built(self) -> list[_Tab]:
        return [tab for tab in self._tabs if tab.panel is not None]

    def _build_all(self) -> None:
        for i in range(len(self._tabs)):
            self._ensure_built(i)

    @Slot(int)
    def _ensure_built(self, index: int) -> None:
        if not 0 <= index < len(self._tabs) or self._tabs[index].panel is not None:
            return
        tab = self._tabs[index]
        panel = tab.tool.create()  # type: ignore[union-attr]
        tab.panel = panel
        current = self.tabs.currentIndex()
        blocked = self.tabs.blockSignals(True)
        tip = self.tabs.tabToolTip(index)
        self.tabs.removeTab(index)
        self.tabs.insertTab(index, panel, tab.title)
        self.tabs.setTabToolTip(index, tip)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(blocked)
        tab.page.deleteLater()
        tab.page = panel
        self._attach(tab)
        if self.settings:
            self._apply_to(panel, self.settings)
        panel.setFont(QApplication.font())
        if self._lecture:
            panel.set_lecture_mode(True)
        raw = self._pending_state.pop(tab.key, None)
        if raw:
            self._restore_panel(panel, raw)
        self._size_by_current_tab()

    def _size_by_current_tab(self) -> None:
        """Only the tab shown sets the window's smallest size: a hidden tab's wide controls at a
        large text size must not push the shown one off a 1280×800 projector (issue 10)."""
        current = self.tabs.currentWidget()
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            policy = page.sizePolicy()
            kind = QSizePolicy.Policy.Preferred if page is current else QSizePolicy.Policy.Ignored
            if policy.horizontalPolicy() != kind:
                policy.setHorizontalPolicy(kind)
                policy.setVerticalPolicy(kind)
                page.setSizePolicy(policy)

    @Slot()
    def _tab_shown_soon(self) -> None:
        QTimer.singleShot(0, self._tab_shown)

    @Slot()
    def _tab_shown(self) -> None:
        """Let the panel shown put the focus where its keys work (Panel.tab_shown)."""
        self._size_by_current_tab()
        panel = self.tabs.currentWidget()
        if isinstance(panel, Panel) and self.isVisible():
            panel.tab_shown()

    @Slot()
    def _build_next(self) -> None:
        """Build one tab that is not built yet, then come back for the next on a later turn."""
        for i, tab in enumerate(self._tabs):
            if tab.panel is None:
                self._ensure_built(i)
                QTimer.singleShot(0, self._build_next)
                return
        device_probe().start()

    def _attach(self, tab: _Tab) -> None:
        panel = tab.panel
        assert panel is not None
        if not panel.accessibleName():
            panel.setAccessibleName(panel.title)
        panel.status_message.connect(self.show_status)
        for name, slot in (("train_requested", self.hand_over_architecture),
                           ("network_requested", self.hand_over_network),
                           ("explorer_requested", self.hand_over_convolution),
                           ("live_net_changed", self.pass_live_net)):
            signal = getattr(panel, name, None)
            if isinstance(signal, SignalInstance):
                signal.connect(slot)
        if tab.menu is not None:
            actions = panel.panel_actions()
            tab.menu.addActions(actions)
            tab.menu.menuAction().setVisible(bool(actions))

    def training_panel(self) -> Panel | None:
        for panel in self.panels:
            if callable(getattr(panel, "use_architecture", None)):
                return panel
        return None

    @Slot(dict)
    def hand_over_architecture(self, architecture: dict) -> None:
        """A panel asked to train a network: give it to the training panel and show that tab."""
        target = self.training_panel()
        if target is None:
            self.show_status("There is no training tab to hand this network to.", 6000)
            return
        target.use_architecture(architecture)
        self.tabs.setCurrentWidget(target)
        name = architecture.get("name") if isinstance(architecture, dict) else None
        self.show_status(f"Network {name or ''} handed to {target.title}".replace("  ", " "), 5000)

    def _panel_with(self, method: str) -> Panel | None:
        """The first panel with a callable `method` (a hand-over's receiver); None if none has it."""
        for panel in self.panels:
            if callable(getattr(panel, method, None)):
                return panel
        return None

    def _hand_over(self, method: str, what: str, call) -> None:
        target = self._panel_with(method)
        if target is None:
            self.show_status(f"There is no tab to hand {what} to.", 6000)
            return
        try:
            call(getattr(target, method))
        except Exception:  # the receiving tab's bug must not lose the window
            sys.excepthook(*sys.exc_info())
            self.show_status(f"{target.title} could not take {what}.", 8000)
            return
        self.tabs.setCurrentWidget(target)
        self.show_status(f"{what[0].upper()}{what[1:]} handed to {target.title}", 5000)

    @Slot(dict)
    def hand_over_network(self, request: dict) -> None:
        """A panel asked to show a net at work (a run and a digit, or an untrained net): the
        Network tab's `open_request`."""
        self._hand_over("open_request", "this net", lambda f: f(dict(request)))

    @Slot(dict)
    def hand_over_convolution(self, request: dict) -> None:
        """The Network tab asked to step through one convolution: the Convolution tab's
        `open_convolution(inputs, kernels, stride, padding, dilation, bias, title)`."""
        self._hand_over("open_convolution", "this convolution", lambda f: f(**request))

    @Slot(dict)
    def pass_live_net(self, event: dict) -> None:
        """The Training tab's running net (plain data) to the Network tab's `follow_live_net`; the
        tab shown stays."""
        target = self._panel_with("follow_live_net")
        if target is not None:
            target.follow_live_net(event)

    # -- menus -----------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, checkable: bool = False, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setAccessibleName("Menu bar")
        file_menu = bar.addMenu("&File")
        self.settings_action = self._action(
            "&Settings…", self.show_settings, "Ctrl+,",
            tip="Theme, text size, default device, MNIST and runs folders",
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        # Ctrl+Q everywhere (Cmd+Q on macOS): Qt's standard Quit key is empty on Windows and on
        # Linux desktops other than GNOME and KDE.
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q",
                                        tip="Save the session and close ConvViz")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view = bar.addMenu("&View")
        self.fullscreen_action = self._action(
            "&Full screen", self.toggle_full_screen, QKeySequence.StandardKey.FullScreen, True,
            tip="Fill the screen with the window",
        )
        self.lecture_action = self._action(
            "&Lecture mode", self.set_lecture_mode, "F5", True,
            tip="Full screen, large type, editing panels hidden (F5 again to leave)",
        )
        self.leave_lecture_action = self._action(
            "Leave lecture mode", lambda: self.set_lecture_mode(False), "Esc",
            tip="Back to the normal window (only while lecture mode is on)",
        )
        self.leave_lecture_action.setEnabled(False)
        self.zoom_in_action = self._action("Larger text", self.zoom_in, QKeySequence.StandardKey.ZoomIn,
                                           tip="Make all text larger")
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.zoom_out_action = self._action("Smaller text", self.zoom_out, QKeySequence.StandardKey.ZoomOut,
                                            tip="Make all text smaller")
        self.zoom_out_action.setShortcuts([QKeySequence("Ctrl+-")])
        self.zoom_reset_action = self._action("Normal text size", self.zoom_reset, "Ctrl+0",
                                              tip="Text back to its normal size")
        for a in (self.fullscreen_action, self.lecture_action, self.leave_lecture_action, None,
                  self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action, None):
            view.addSeparator() if a is None else view.addAction(a)

        self.theme_menu = QMenu("&Theme", view)
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key in theme.THEMES:
            a = QAction(theme.THEME_LABELS[key], self)
            a.setCheckable(True)
            a.setData(key)
            a.setStatusTip(f"Use the {theme.THEME_LABELS[key].lower()} colours")
            a.setToolTip(a.statusTip())
            a.triggered.connect(self._theme_chosen)
            self.theme_group.addAction(a)
            self.theme_menu.addAction(a)
            self.theme_actions[key] = a
        view.addMenu(self.theme_menu)
        view.addSeparator()

        self.show_tab_actions: list[QAction] = []
        for i, tab in enumerate(self._tabs):
            a = self._action(f"Show {tab.title}", lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                             f"Alt+{i + 1}", tip=f"Switch to the {tab.title} tab")
            view.addAction(a)
            self.show_tab_actions.append(a)

        for tab in self._tabs:
            # Filled with the panel's actions when it is built; hidden while it has none.
            tab.menu = bar.addMenu(tab.title)
            tab.menu.menuAction().setVisible(False)

        help_menu = bar.addMenu("&Help")
        self.guide_action = self._action("&Guide", self.show_guide, QKeySequence.StandardKey.HelpContents,
                                         tip="How each tool works, with its formulas (opens at the current tab)")
        if self.guide_action.shortcut().isEmpty():  # platforms without a standard help key
            self.guide_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/",
                                             tip="Every keyboard shortcut, grouped by menu")
        self.about_action = self._action("&About ConvViz", self.show_about,
                                         tip="Versions of ConvViz, Qt, PySide6 and torch; GPU support")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.log_folder_action = self._action(
            "Open &log folder", self.open_log_folder,
            tip="Show the folder with the crash log (convviz.log), e.g. to attach it to a bug report",
        )
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        help_menu.addAction(self.log_folder_action)
        help_menu.addAction(self.about_action)
        for menu_action in bar.actions():
            menu = menu_action.menu()
            if menu is not None:
                menu.setToolTipsVisible(True)

    def menus(self) -> list[QMenu]:
        return [a.menu() for a in self.menuBar().actions() if a.menu() is not None]

    def all_actions(self) -> list[QAction]:
        """Every action in the menus, submenus included (for the shortcuts page)."""
        seen: list[QAction] = []

        def walk(menu: QMenu) -> None:
            for a in menu.actions():
                if a.isSeparator():
                    continue
                if a.menu() is not None:
                    walk(a.menu())
                elif a not in seen:
                    seen.append(a)

        for menu in self.menus():
            walk(menu)
        return seen

    def shortcut_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        from visualizer.ui.shell.help import shortcut_groups

        self._build_all()
        return shortcut_groups(self.menus())

    def shortcuts_text(self) -> str:
        """The shortcuts as an HTML table (group headings, then keys and actions)."""
        rows = []
        for group, entries in self.shortcut_groups():
            rows.append(f"<tr><th colspan=2 align=left>{group}</th></tr>")
            rows.extend(f"<tr><td><b>{keys}</b></td><td>{text}</td></tr>" for keys, text in entries)
        return "<table cellspacing=6>" + "".join(rows) + "</table>"

    # -- dialogs ---------------------------------------------------------------------------
    def guide_page_for(self, panel: QWidget | None) -> str:
        from visualizer.ui.shell.help import guide_dir

        name = panel.guide_page if isinstance(panel, Panel) else ""
        if not name:
            tab = next((t for t in self._tabs if t.panel is panel), None)
            name = tab.tool.guide if tab is not None and tab.tool is not None else ""
        if name and (guide_dir() / name).is_file():
            return name
        return "01-welcome.html"

    @Slot()
    def show_guide(self) -> None:
        from visualizer.ui.shell.help import GuideDialog

        page = self.guide_page_for(self.tabs.currentWidget())
        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self, page)
        else:
            self.guide_dialog.open_page(page)
        self.guide_dialog.show()
        self.guide_dialog.raise_()
        self.guide_dialog.activateWindow()

    @Slot()
    def show_shortcuts(self) -> None:
        from visualizer.ui.shell.help import ShortcutsDialog

        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
            self.shortcuts_dialog.deleteLater()
        # Built fresh each time: panels may have added actions since.
        self.shortcuts_dialog = ShortcutsDialog(self.shortcut_groups(), self)
        self.shortcuts_dialog.show()

    @Slot()
    def show_about(self) -> None:
        from visualizer.ui.shell.help import AboutDialog

        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self)
        self.about_dialog.open()

    @Slot()
    def show_settings(self) -> None:
        from visualizer.ui.shell.settings_dialog import SettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
        values = dict(self.settings, font_scale=self._user_font_scale())
        self.settings_dialog = SettingsDialog(values, self)
        self.settings_dialog.settings_applied.connect(self.apply_settings)
        self.settings_dialog.open()

    @Slot()
    def open_log_folder(self) -> None:
        folder = appdirs.log_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_status(f"Cannot open the log folder {folder}: {exc.strerror or exc}", 8000)
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_status(f"The crash log is in {folder}", 10000)

    def _close_dialogs(self) -> None:
        for dialog in (self.settings_dialog, self.guide_dialog, self.shortcuts_dialog, self.about_dialog):
            if dialog is not None:
                dialog.close()

    # -- settings --------------------------------------------------------------------------
    @Slot(dict)
    def apply_settings(self, values: dict) -> None:
        """Apply app-wide settings to the window, the app's look and every panel."""

        values = clean_settings(values)
        self.settings = values
        theme.apply_theme(values["theme"], roots=[self])
        self.theme_actions[values["theme"]].setChecked(True)
        if self._lecture_saved_scale is not None:  # in lecture mode: keep the big type for now
            self._lecture_saved_scale = values["font_scale"]
        else:
            self.set_font_scale(values["font_scale"])
        for tab in self._built():
            self._apply_to(tab.panel, values)

    def _apply_to(self, panel: Panel, values: dict) -> None:
        try:
            panel.apply_settings(dict(values))
        except Exception:  # one panel's bug must not keep the settings from the others
            sys.excepthook(*sys.exc_info())

    @Slot()
    def _theme_chosen(self) -> None:

        action = self.sender()
        if isinstance(action, QAction):
            values = dict(self.settings, theme=action.data(), font_scale=self._user_font_scale())
            self.apply_settings(save_settings(values))

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
        self.leave_lecture_action.setEnabled(on)
        self._lecture = on
        for tab in self._built():
            tab.panel.set_lecture_mode(on)
        if on and not self.isFullScreen():
            self.showFullScreen()
        elif not on and self.isFullScreen():
            self.showNormal()
        self.fullscreen_action.setChecked(self.isFullScreen())
        if on:
            if self._lecture_saved_scale is None:
                self._lecture_saved_scale = self.font_scale
            self.set_font_scale(max(self.font_scale, 1.5))
        elif self._lecture_saved_scale is not None:
            scale, self._lecture_saved_scale = self._lecture_saved_scale, None
            self.set_font_scale(scale)
        self.show_status("Lecture mode: F5 to leave" if on else "Lecture mode off", 4000)

    def _user_font_scale(self) -> float:
        """The text size the user chose (lecture mode's large type is not kept as a setting)."""
        return self._lecture_saved_scale if self._lecture_saved_scale is not None else self.font_scale

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = min(4.0, max(0.5, round(scale, 2)))
        font = QApplication.font()
        if self._base_point_size > 0:
            font.setPointSizeF(self._base_point_size * self.font_scale)
        QApplication.setFont(font)
        for tab in self._built():
            tab.panel.setFont(font)
        if self.settings:
            self.settings["font_scale"] = self._user_font_scale()

    @Slot()
    def zoom_in(self) -> None:
        self.set_font_scale(self.font_scale * 1.15)

    @Slot()
    def zoom_out(self) -> None:
        self.set_font_scale(self.font_scale / 1.15)

    @Slot()
    def zoom_reset(self) -> None:
        self.set_font_scale(1.0)

    # -- session (kept by shell.session.SessionStore) -------------------------------------
    @property
    def primary(self) -> bool:
        return self.session.primary

    @property
    def session_lock(self) -> QLockFile | None:
        return self.session.lock

    def restore_settings(self) -> None:
        session = self.session = SessionStore()
        geometry = session.window_value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*_first_size(self))
        state = session.window_value("state")
        if state is not None:
            self.restoreState(state)
        self.apply_settings(load_settings(session.settings))
        tab = session.tab_index()
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)
        restore, self.recovered = session.open([tab.key for tab in self._tabs])
        for tab in self._tabs:
            raw = restore.get(tab.key)
            if raw and tab.panel is not None:
                self._restore_panel(tab.panel, raw)
            elif raw:
                self._pending_state[tab.key] = raw
        if self.recovered:
            self.recovery_bar.offer([tab.title for tab in self._tabs if tab.key in self.recovered])

    def _restore_panel(self, panel: Panel, raw: Any) -> bool:
        try:
            state_dict = json.loads(str(raw)) if not isinstance(raw, dict) else raw
            if isinstance(state_dict, dict):
                panel.restore_state(state_dict)
                return True
        except Exception as exc:  # a stale or hand-edited setting must not stop the app
            self.show_status(f"Could not restore {panel.title}: {exc}", 8000)
        return False

    @Slot()
    def restore_recovered_work(self) -> None:
        self._build_all()
        restored = [tab.title for tab in self._tabs
                    if tab.key in self.recovered and self._restore_panel(tab.panel, self.recovered[tab.key])]
        self._forget_recovery()
        self.autosave()
        self.show_status(f"Restored your work in {', '.join(restored)}" if restored
                         else "Nothing could be restored", 6000)

    @Slot()
    def discard_recovered_work(self) -> None:
        self._forget_recovery()
        self.show_status("Unsaved work of the last session discarded", 5000)

    def _forget_recovery(self) -> None:
        self.recovered = {}
        self.recovery_bar.hide()
        self.session.forget_recovery()

    def _panel_states(self) -> dict[str, str]:
        states = {}
        for tab in self._built():  # a tab not built yet keeps what was saved for it
            try:
                states[tab.key] = json.dumps(tab.panel.save_state())
            except Exception as exc:
                self.show_status(f"Could not save {tab.panel.title}: {exc}", 8000)
        return states

    @Slot(Qt.ApplicationState)
    def _application_state_changed(self, state: Qt.ApplicationState) -> None:
        if state != Qt.ApplicationState.ApplicationActive and self.autosave_timer.isActive():
            self.autosave()

    @Slot()
    def autosave(self) -> None:
        """Write the session now (panel states, tab, window), keeping the 'not closed' mark."""
        self.session.write_states(self._panel_states())
        self.session.write_window(tab=self.tabs.currentIndex())
        self.session.sync()

    def save_settings(self) -> None:
        self.session.write_window(geometry=self.saveGeometry(), state=self.saveState(),
                                  tab=self.tabs.currentIndex(), font_scale=self._user_font_scale())
        self.session.write_states(self._panel_states())
        self.session.sync()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._tab_shown_soon()
        if not self._probe_started:
            # torch loads behind the first window: the probe imports it on a worker thread.
            self._probe_started = True
            # The other tabs first, then torch: a background import of torch holds Python's import
            # lock and the GIL for seconds, which would slow the tabs' own imports.
            QTimer.singleShot(0, self._build_next)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.autosave_timer.stop()
        device_probe().shutdown()
        for tab in self._built():
            panel = tab.panel
            try:
                panel.shutdown()
            except Exception:  # still save the session and close
                sys.excepthook(*sys.exc_info())
        self.save_settings()
        self.session.close()
        self._close_dialogs()
        super().closeEvent(event)




if __name__ == "__main__":
    from visualizer.app import run_gui

    sys.exit(run_gui())
