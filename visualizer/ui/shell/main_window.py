"""The main window: one tab per tool, menus, status line, settings, and the session kept between
starts (saved and recovered by `visualizer.ui.shell.session`, which explains the crash safety)."""

from __future__ import annotations

import gc
import importlib
import json
import sys
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QLockFile, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent
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

from visualizer.ui.shell import theme
from visualizer.ui.shell.devices import device_probe
from visualizer.ui.shell.dialogs import WindowDialogs
from visualizer.ui.shell.display import DisplayModes, first_size
from visualizer.ui.shell.handovers import HandOvers
from visualizer.ui.shell.menus import all_actions, build_menus, menus_of, shortcuts_html
from visualizer.ui.shell.panel import Panel
from visualizer.ui.shell.quitting import QuitGuard
from visualizer.ui.shell.session import AUTOSAVE_MS, SessionStore
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


#: When the tabs not shown are built (ms after the first event-loop turn); one opened sooner is built then.
PREBUILD_AFTER_MS = 3000
_startup_frozen = False  # gc.freeze() once per process, after the first window's start-up

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


class MainWindow(QMainWindow):
    """The app's window: one tab per tool in TOOLS (the tab shown is built first, the others one by
    one on later turns of the event loop, each given its saved state when built), the menus, the
    settings, guide, shortcuts and About dialogs, the session autosave, and the hand-overs between
    tools (Shapes -> Training, Training -> Network). `panels` replaces the tools (the shell's tests
    use small fake panels)."""

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
        self.settings: dict[str, Any] = {}
        self.recovered: dict[str, dict] = {}
        self._status_from: Panel | None = None  # the tab whose message the status line shows
        self.display = DisplayModes(self)
        self.dialogs = WindowDialogs(self)
        self.handovers = HandOvers(self)
        self.quit_guard = QuitGuard(self)  # asks before a close that would cut a run short
        build_menus(self)
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
        panel.setFont(self.display.panel_font())
        if self.display.lecture:
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
        self._drop_stale_status()
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
        self.handovers.connect_panel(panel)
        if tab.menu is not None:
            actions = panel.panel_actions()
            tab.menu.addActions(actions)
            tab.menu.menuAction().setVisible(bool(actions))

    def built_panels(self) -> list[Panel]:
        """The panels built so far (the others are told their state when they are built)."""
        return [tab.panel for tab in self._built()]  # type: ignore[misc]

    def tab_entries(self) -> list[_Tab]:
        return list(self._tabs)

    def tool_guide(self, panel: QWidget | None) -> str:
        """The Guide page its Tool names for `panel` ("" when none)."""
        tab = next((t for t in self._tabs if t.panel is panel), None)
        return tab.tool.guide if tab is not None and tab.tool is not None else ""

    # -- menus -----------------------------------------------------------------------------
    def menus(self) -> list[QMenu]:
        return menus_of(self.menuBar())

    def all_actions(self) -> list[QAction]:
        """Every action in the menus, submenus included (for the shortcuts page)."""
        return all_actions(self.menus())

    def shortcut_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        from visualizer.ui.shell.help import shortcut_groups

        self._build_all()
        return shortcut_groups(self.menus())

    def shortcuts_text(self) -> str:
        """The shortcuts as an HTML table (group headings, then keys and actions)."""
        return shortcuts_html(self.shortcut_groups())

    # -- settings --------------------------------------------------------------------------
    @Slot(dict)
    def apply_settings(self, values: dict) -> None:
        """Apply app-wide settings to the window, the app's look and every panel."""

        values = clean_settings(values)
        self.settings = values
        theme.apply_theme(values["theme"], roots=[self])
        self.theme_actions[values["theme"]].setChecked(True)
        self.display.choose_font_scale(values["font_scale"])  # after lecture mode, while it is on
        for tab in self._built():
            self._apply_to(tab.panel, values)

    def _apply_to(self, panel: Panel, values: dict) -> None:
        try:
            panel.apply_settings(dict(values))
        except Exception:  # one panel's bug must not keep the settings from the others
            sys.excepthook(*sys.exc_info())

    @Slot()
    def theme_chosen(self) -> None:
        """A theme picked in View > Theme: saved with the other settings and applied."""
        action = self.sender()
        if isinstance(action, QAction):
            values = dict(self.settings, theme=action.data(), font_scale=self.display.user_font_scale())
            self.apply_settings(save_settings(values))

    # -- view ------------------------------------------------------------------------------
    @Slot(str, int)
    def show_status(self, text: str, timeout_ms: int = 5000) -> None:
        self._status_from = self.sender() if isinstance(self.sender(), Panel) else None
        self.statusBar().showMessage(text, timeout_ms)

    def _drop_stale_status(self) -> None:
        """A tab's message ("Cell 784 of 784") is about that tab: it goes when another tab shows."""
        source = self._status_from
        if source is not None and source is not self.tabs.currentWidget():
            self._status_from = None
            self.statusBar().clearMessage()

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
            self.resize(*first_size(self))
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
                                  tab=self.tabs.currentIndex(), font_scale=self.display.user_font_scale())
        self.session.write_states(self._panel_states())
        self.session.sync()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._tab_shown_soon()
        if not self._probe_started:
            # The other tabs are built once the first seconds are over: each holds the GUI thread
            # 0.1-1 s (its imports and widgets), and a user's first keys must not wait for that.
            # Then the device probe asks torch in a child process: torch is never imported into
            # the app before a tool needs it (issue 28).
            self._probe_started = True
            QTimer.singleShot(0, self._first_turn)

    @Slot()
    def _first_turn(self) -> None:
        global _startup_frozen
        if not _startup_frozen:
            # What start-up made stays: the GUI thread's garbage collector (gc_guard) need not
            # walk it again in every full collection (tens of ms each, in the first seconds too).
            _startup_frozen = True
            gc.freeze()
        QTimer.singleShot(PREBUILD_AFTER_MS, self._build_next)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.quit_guard.allow_close(event):
            return  # asked first, or still stopping a run: it closes once the run is saved
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
        self.dialogs.close_all()
        super().closeEvent(event)
