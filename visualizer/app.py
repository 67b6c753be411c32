"""Start the desktop app."""

from __future__ import annotations

import os
import sys
from typing import Sequence

from visualizer.ui.shell.application import QUIT_AFTER_ENV, create_application, quit_after_ms


def run_gui(argv: Sequence[str] | None = None) -> int:
    from visualizer.ui.shell.preflight import display_problem

    problem = display_problem()
    if problem:  # before Qt, which would abort the process with a message of its own
        print(f"convviz: error: {problem}", file=sys.stderr)
        return 2
    import pyqtgraph as pg

    app = create_application(argv)
    pg.setConfigOptions(antialias=True)
    from visualizer.ui.shell import crash

    # Installed before the window is built, so a panel failing at start is reported too.
    reporter = crash.install()
    from visualizer.ui.shell.main_window import MainWindow

    try:
        window = MainWindow()
    except Exception:  # a tool that cannot even start: say what happened instead of vanishing
        reporter.handle(*sys.exc_info(), where="starting the main window")
        if reporter.dialog is not None and not os.environ.get(QUIT_AFTER_ENV):
            reporter.dialog.exec()
        return 1
    window.show()
    from visualizer.ui.shell.quitting import StopSignals

    # SIGTERM, SIGHUP (and Ctrl+C in the terminal) stop a running training cleanly, then quit.
    signals = StopSignals(window.quit_guard.signal_received, app).install()
    quit_after = quit_after_ms()
    try:
        if quit_after is not None:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(quit_after, window.close)
            code = app.exec()
            return 1 if reporter.reports else (window.quit_guard.exit_code or code)
        code = app.exec()
        return window.quit_guard.exit_code or code
    finally:
        signals.uninstall()
