"""The main window's menu bar: File, View (full screen, lecture mode, text size, theme, the tabs),
one menu per tool (filled with the panel's actions once it is built) and Help. The actions are
attributes of the window (`window.lecture_action`, …) so menus, tests and panels find them by name;
what they do lives in `display.DisplayModes`, `dialogs.WindowDialogs` and the window itself."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from visualizer.ui.shell import theme


def make_action(parent, text: str, slot, shortcut=None, checkable: bool = False, tip: str = "") -> QAction:
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setCheckable(checkable)
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(slot)
    return action


def build_menus(w) -> None:
    """Fill `w`'s menu bar (w: a MainWindow with `display`, `dialogs`, `tabs` and its tab list)."""
    bar = w.menuBar()
    bar.setAccessibleName("Menu bar")
    file_menu = bar.addMenu("&File")
    w.settings_action = make_action(
        w, "&Settings…", w.dialogs.show_settings, "Ctrl+,",
        tip="Theme, text size, default device, MNIST and runs folders",
    )
    w.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
    # Ctrl+Q everywhere (Cmd+Q on macOS): Qt's standard Quit key is empty on Windows and on
    # Linux desktops other than GNOME and KDE.
    w.quit_action = make_action(w, "&Quit", w.close, "Ctrl+Q", tip="Save the session and close ConvViz")
    w.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    file_menu.addAction(w.settings_action)
    file_menu.addSeparator()
    file_menu.addAction(w.quit_action)

    _build_view_menu(w, bar.addMenu("&View"))

    for tab in w.tab_entries():
        # Filled with the panel's actions when it is built; hidden while it has none.
        tab.menu = bar.addMenu(tab.title)
        tab.menu.menuAction().setVisible(False)

    help_menu = bar.addMenu("&Help")
    w.guide_action = make_action(w, "&Guide", w.dialogs.show_guide, QKeySequence.StandardKey.HelpContents,
                                 tip="How each tool works, with its formulas (opens at the current tab)")
    if w.guide_action.shortcut().isEmpty():  # platforms without a standard help key
        w.guide_action.setShortcut(QKeySequence("F1"))
    w.shortcuts_action = make_action(w, "&Keyboard shortcuts", w.dialogs.show_shortcuts, "Ctrl+/",
                                     tip="Every keyboard shortcut, grouped by menu")
    w.about_action = make_action(w, "&About ConvViz", w.dialogs.show_about,
                                 tip="Versions of ConvViz, Qt, PySide6 and torch; GPU support")
    w.about_action.setMenuRole(QAction.MenuRole.AboutRole)
    w.log_folder_action = make_action(
        w, "Open &log folder", w.dialogs.open_log_folder,
        tip="Show the folder with the crash log (convviz.log), e.g. to attach it to a bug report",
    )
    help_menu.addAction(w.guide_action)
    help_menu.addAction(w.shortcuts_action)
    help_menu.addSeparator()
    help_menu.addAction(w.log_folder_action)
    help_menu.addAction(w.about_action)
    for menu_action in bar.actions():
        menu = menu_action.menu()
        if menu is not None:
            menu.setToolTipsVisible(True)


def _build_view_menu(w, view: QMenu) -> None:
    d = w.display
    w.fullscreen_action = make_action(w, "&Full screen", d.toggle_full_screen, QKeySequence.StandardKey.FullScreen,
                                      True, tip="Fill the screen with the window")
    w.lecture_action = make_action(w, "&Lecture mode", d.set_lecture_mode, "F5", True,
                                   tip="Full screen, large type, editing panels hidden (F5 again to leave)")
    w.leave_lecture_action = make_action(w, "Leave lecture mode", lambda: d.set_lecture_mode(False), "Esc",
                                         tip="Back to the normal window (only while lecture mode is on)")
    w.leave_lecture_action.setEnabled(False)
    w.zoom_in_action = make_action(w, "Larger text", d.zoom_in, QKeySequence.StandardKey.ZoomIn,
                                   tip="Make all text larger")
    w.zoom_in_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
    w.zoom_out_action = make_action(w, "Smaller text", d.zoom_out, QKeySequence.StandardKey.ZoomOut,
                                    tip="Make all text smaller")
    w.zoom_out_action.setShortcuts([QKeySequence("Ctrl+-")])
    w.zoom_reset_action = make_action(w, "Normal text size", d.zoom_reset, "Ctrl+0", tip="Text back to its normal size")
    for a in (w.fullscreen_action, w.lecture_action, w.leave_lecture_action, None,
              w.zoom_in_action, w.zoom_out_action, w.zoom_reset_action, None):
        view.addSeparator() if a is None else view.addAction(a)

    w.theme_menu = QMenu("&Theme", view)
    w.theme_group = QActionGroup(w)
    w.theme_actions = {}
    for key in theme.THEMES:
        a = QAction(theme.THEME_LABELS[key], w)
        a.setCheckable(True)
        a.setData(key)
        a.setStatusTip(f"Use the {theme.THEME_LABELS[key].lower()} colours")
        a.setToolTip(a.statusTip())
        a.triggered.connect(w.theme_chosen)
        w.theme_group.addAction(a)
        w.theme_menu.addAction(a)
        w.theme_actions[key] = a
    view.addMenu(w.theme_menu)
    view.addSeparator()

    w.show_tab_actions = []
    for i, tab in enumerate(w.tab_entries()):
        a = make_action(w, f"Show {tab.title}", lambda _=False, i=i: w.tabs.setCurrentIndex(i),
                        f"Alt+{i + 1}", tip=f"Switch to the {tab.title} tab")
        view.addAction(a)
        w.show_tab_actions.append(a)


def menus_of(bar) -> list[QMenu]:
    return [a.menu() for a in bar.actions() if a.menu() is not None]


def all_actions(menus: list[QMenu]) -> list[QAction]:
    """Every action in `menus`, submenus included, once each (for the shortcuts page)."""
    seen: list[QAction] = []

    def walk(menu: QMenu) -> None:
        for a in menu.actions():
            if a.isSeparator():
                continue
            if a.menu() is not None:
                walk(a.menu())
            elif a not in seen:
                seen.append(a)

    for menu in menus:
        walk(menu)
    return seen


def shortcuts_html(groups: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """The shortcuts as an HTML table (group headings, then keys and actions)."""
    rows = []
    for group, entries in groups:
        rows.append(f"<tr><th colspan=2 align=left>{group}</th></tr>")
        rows.extend(f"<tr><td><b>{keys}</b></td><td>{text}</td></tr>" for keys, text in entries)
    return "<table cellspacing=6>" + "".join(rows) + "</table>"
