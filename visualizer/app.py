"""Start the desktop app."""

from __future__ import annotations

import os
import sys
from typing import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from visualizer import __version__
from visualizer.resources import resource_path

#: Milliseconds after which the GUI quits by itself (packaging/build.sh uses it as a smoke test
#: of the frozen bundle); with it set, any reported crash makes the exit status 1.
QUIT_AFTER_ENV = "CONVVIZ_QUIT_AFTER_MS"


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
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def run_gui(argv: Sequence[str] | None = None) -> int:
    import pyqtgraph as pg

    app = create_application(argv)
    pg.setConfigOptions(antialias=True)
    from visualizer.ui import crash

    # Installed before the window is built, so a panel failing at start is reported too.
    reporter = crash.install()
    from visualizer.ui.main_window import MainWindow

    try:
        window = MainWindow()
    except Exception:  # a tool that cannot even start: say what happened instead of vanishing
        reporter.handle(*sys.exc_info(), where="starting the main window")
        if reporter.dialog is not None and not os.environ.get(QUIT_AFTER_ENV):
            reporter.dialog.exec()
        return 1
    window.show()
    quit_after = os.environ.get(QUIT_AFTER_ENV, "")
    if quit_after.isdigit():
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(quit_after), window.close)
        code = app.exec()
        return 1 if reporter.reports else code
    return app.exec()
