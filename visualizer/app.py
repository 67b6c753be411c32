"""Start the desktop app."""

from __future__ import annotations

import os
import sys
from typing import Sequence

from visualizer.ui.shell.application import create_application

#: Milliseconds after which the GUI quits by itself (packaging/build.sh uses it as a smoke test
#: of the frozen bundle); with it set, any reported crash makes the exit status 1.
QUIT_AFTER_ENV = "CONVVIZ_QUIT_AFTER_MS"


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
    quit_after = os.environ.get(QUIT_AFTER_ENV, "")
    if quit_after.isascii() and quit_after.isdigit():
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(quit_after), window.close)
        code = app.exec()
        return 1 if reporter.reports else code
    return app.exec()
