"""The QApplication of ConvViz, and a launcher that opens one tool on its own.

`run_panel` is what `python -m visualizer.ui.conv` (and each tool's `__main__`) uses during
development: the tool in a bare window with the user's theme, without the main window (Orange3's
WidgetPreview idea). Nothing here imports a tool or the main window, so there is no import circle.
"""

from __future__ import annotations

import sys
from typing import Callable, Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from visualizer import __version__
from visualizer.resources import resource_path

#: Milliseconds after which the GUI quits by itself (packaging/build.sh uses it as a smoke test
#: of the frozen bundle): honoured by the app and by every tool opened on its own.
QUIT_AFTER_ENV = "CONVVIZ_QUIT_AFTER_MS"


def quit_after_ms() -> int | None:
    """CONVVIZ_QUIT_AFTER_MS as a number of milliseconds, None when unset or not a whole number."""
    import os

    text = os.environ.get(QUIT_AFTER_ENV, "")
    return int(text) if text.isascii() and text.isdigit() else None


def app_icon() -> QIcon:
    """The app icon: rendered PNG sizes (crisp at small sizes) plus the SVG for anything larger."""
    icon = QIcon()
    folder = resource_path("icons")
    for png in sorted(folder.glob("convviz-*.png")):
        icon.addFile(str(png))
    svg = folder / "convviz.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("ConvViz")
    app.setOrganizationName("ConvViz")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("convviz")
    # Garbage cycles are collected on this (the GUI) thread only: a worker thread's collection can
    # run a Qt object's destructor on the wrong thread (gc_guard explains).
    from visualizer.ui.shell.gc_guard import collect_on_gui_thread

    collect_on_gui_thread(app)
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def run_panel(factory: Callable[[], object], title: str, size: tuple[int, int] = (1400, 900),
              setup: Callable[[object, list[str]], None] | None = None,
              argv: Sequence[str] | None = None) -> int:
    """Open the panel `factory()` makes in a window of its own and run the event loop.

    `setup(panel, argv)`, if given, applies the launcher's own options (say, a sample to load)."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QMainWindow

    from visualizer.ui.shell.settings import load_settings
    from visualizer.ui.shell.theme import apply_theme

    args = list(sys.argv if argv is None else argv)
    app = create_application(args[:1])
    pg.setConfigOptions(antialias=True)
    settings = load_settings()
    apply_theme(settings["theme"])
    window = QMainWindow()
    window.setWindowTitle(f"ConvViz — {title}")
    panel = factory()
    window.setCentralWidget(panel)  # type: ignore[arg-type]
    panel.status_message.connect(window.statusBar().showMessage)  # type: ignore[attr-defined]
    panel.apply_settings(settings)  # type: ignore[attr-defined]
    from visualizer.ui.shell.display import first_size

    window.resize(*first_size(window, size))  # never larger than the screen's free area
    window.show()
    if setup is not None:
        setup(panel, args[1:])
    app.aboutToQuit.connect(panel.shutdown)  # type: ignore[attr-defined]
    quit_after = quit_after_ms()
    if quit_after is not None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(quit_after, window.close)
    return app.exec()
