"""Light and dark looks for the whole app: Fusion style with our own palettes, pyqtgraph included.

We always use the Fusion style with an explicit palette, so "light" and "dark" look the same on
Linux, Windows and macOS (native styles ignore much of a custom palette). "system" follows the
desktop's colour scheme (Qt's `QStyleHints.colorScheme`), and keeps following it while the app runs.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

THEMES = ("system", "light", "dark")
THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}

#: pyqtgraph colours per look: (background, foreground for axes and text).
PLOT_COLOURS = {"light": ("#ffffff", "#202020"), "dark": ("#1e1e1e", "#d0d0d0")}

_current = {"name": "system", "resolved": "light"}


def system_scheme() -> str:
    """'dark' when the desktop asks for dark colours, else 'light' (also when it does not say)."""
    app = QGuiApplication.instance()
    if app is None:
        return "light"
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None and scheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def resolve(name: str) -> str:
    """The look a theme setting stands for: 'light' or 'dark'."""
    if name == "dark":
        return "dark"
    if name == "light":
        return "light"
    return system_scheme()


def _fill(palette: QPalette, colours: dict[str, str], disabled_text: str) -> QPalette:
    roles = QPalette.ColorRole
    for role_name, colour in colours.items():
        palette.setColor(getattr(roles, role_name), QColor(colour))
    for role in (roles.Text, roles.ButtonText, roles.WindowText, roles.HighlightedText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return palette


def light_palette() -> QPalette:
    return _fill(
        QPalette(),
        {
            "Window": "#efefef", "WindowText": "#1a1a1a", "Base": "#ffffff",
            "AlternateBase": "#f5f5f5", "ToolTipBase": "#ffffdc", "ToolTipText": "#1a1a1a",
            "PlaceholderText": "#7a7a7a", "Text": "#1a1a1a", "Button": "#e8e8e8",
            "ButtonText": "#1a1a1a", "BrightText": "#d00000", "Light": "#ffffff",
            "Midlight": "#e3e3e3", "Mid": "#b8b8b8", "Dark": "#9f9f9f", "Shadow": "#767676",
            "Highlight": "#3070c8", "HighlightedText": "#ffffff", "Link": "#1f5fbf",
            "LinkVisited": "#6a3fb5",
        },
        disabled_text="#9a9a9a",
    )


def dark_palette() -> QPalette:
    return _fill(
        QPalette(),
        {
            "Window": "#2b2b2b", "WindowText": "#e6e6e6", "Base": "#1e1e1e",
            "AlternateBase": "#262626", "ToolTipBase": "#3a3a3a", "ToolTipText": "#f0f0f0",
            "PlaceholderText": "#8a8a8a", "Text": "#e6e6e6", "Button": "#353535",
            "ButtonText": "#e6e6e6", "BrightText": "#ff6b6b", "Light": "#4a4a4a",
            "Midlight": "#3d3d3d", "Mid": "#2f2f2f", "Dark": "#1a1a1a", "Shadow": "#0d0d0d",
            "Highlight": "#3d7ad6", "HighlightedText": "#ffffff", "Link": "#7fb2ff",
            "LinkVisited": "#c0a0ff",
        },
        disabled_text="#6e6e6e",
    )


def palette_for(look: str) -> QPalette:
    return dark_palette() if look == "dark" else light_palette()


def current_look() -> str:
    """The look in use now: 'light' or 'dark'."""
    return _current["resolved"]


def apply_theme(name: str, roots: "list[QWidget] | None" = None) -> str:
    """Apply a theme setting to the running app and to pyqtgraph; return the look used.

    The plots under `roots` are restyled (the caller's own window); without them, those of the
    visible top-level windows. Hidden and half-destroyed top-levels (a closed window waiting for
    deletion) are never walked: restyling them did nothing for the user, and walking a widget tree
    that Qt is tearing down is what once crashed a test run."""
    if name not in THEMES:
        name = "system"
    look = resolve(name)
    _current.update(name=name, resolved=look)
    app = QApplication.instance()
    if app is None:
        return look
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette_for(look))
    _apply_pyqtgraph_defaults(look)
    targets = roots if roots is not None else [w for w in app.topLevelWidgets() if w.isVisible()]
    for widget in targets:
        restyle_plots(widget, look)
    _follower().watch()
    return look


def _apply_pyqtgraph_defaults(look: str) -> None:
    try:
        import pyqtgraph as pg
    except ImportError:  # pyqtgraph is a dependency, but a theme must never stop the app
        return
    background, foreground = PLOT_COLOURS[look]
    pg.setConfigOptions(background=background, foreground=foreground)


def restyle_plots(root: QWidget, look: str | None = None) -> int:
    """Give every pyqtgraph view under `root` the look's background and axis colours.

    Returns how many views were changed. Panels that draw their own colours (heat maps)
    get the theme in `Panel.apply_settings` and can do more.
    """
    try:
        import pyqtgraph as pg
    except ImportError:
        return 0
    look = look or current_look()
    background, foreground = PLOT_COLOURS[look]
    views = root.findChildren(pg.GraphicsView)
    if isinstance(root, pg.GraphicsView):
        views.append(root)
    for view in views:
        view.setBackground(background)
        scene = view.scene()
        if scene is None:
            continue
        for item in scene.items():
            if isinstance(item, pg.AxisItem):
                item.setPen(foreground)
                item.setTextPen(foreground)
    return len(views)


class _SchemeFollower(QObject):
    """Re-applies the 'system' theme when the desktop switches between light and dark."""

    def __init__(self) -> None:
        super().__init__()
        self._connected = False

    def watch(self) -> None:
        if self._connected or QGuiApplication.instance() is None:
            return
        hints = QGuiApplication.styleHints()
        signal = getattr(hints, "colorSchemeChanged", None)
        if signal is not None:
            signal.connect(self.scheme_changed)
            self._connected = True

    @Slot(Qt.ColorScheme)
    def scheme_changed(self, _scheme) -> None:
        if _current["name"] == "system":
            apply_theme("system")


_follower_instance: list[_SchemeFollower] = []


def _follower() -> _SchemeFollower:
    if not _follower_instance:
        _follower_instance.append(_SchemeFollower())
    return _follower_instance[0]
