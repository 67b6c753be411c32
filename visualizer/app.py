"""Start the desktop app."""

from __future__ import annotations

import sys
from typing import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from visualizer import __version__
from visualizer.resources import resource_path


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("ConvViz")
    app.setOrganizationName("ConvViz")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("convviz")
    icon = resource_path("icons", "convviz.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
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
        if reporter.dialog is not None:
            reporter.dialog.exec()
        return 1
    window.show()
    return app.exec()
