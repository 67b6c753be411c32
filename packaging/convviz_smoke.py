"""GUI smoke test of the frozen bundle, run by `packaging/build.sh` (headless, offscreen Qt).

The launcher calls `install()` only when CONVVIZ_SMOKE_GUI=1; the app runs as always otherwise.
Once the main window is up, `install()`'s timer:

- shows every tab in turn (which builds it) and renders it to a pixmap;
- opens Help → Guide and every page of it, checking each page has text;
- loads the SVG app icon through Qt's image plugins (the bundle must still carry the SVG plugin).

It prints one line per check and `smoke-gui: OK` at the end; on any failure it prints the
traceback and `smoke-gui: FAILED: …` and the process exits at once with status 1. On success the window
is closed by CONVVIZ_QUIT_AFTER_MS as in the plain run; build.sh also requires the OK line.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

ENV = "CONVVIZ_SMOKE_GUI"


def say(text: str) -> None:
    print(f"smoke-gui: {text}", flush=True)


def main_window(app):
    for widget in app.topLevelWidgets():
        if widget.objectName() == "MainWindow" and widget.isVisible():
            return widget
    return None


def check(app) -> None:
    from PySide6.QtGui import QImage

    from visualizer.resources import resource_path

    window = main_window(app)
    tabs = window.tabs
    if tabs.count() == 0:
        raise RuntimeError("the main window has no tabs")
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)  # builds the tab if it is not built yet
        widget = tabs.widget(i)
        pixmap = widget.grab()
        if pixmap.isNull():
            raise RuntimeError(f"tab {tabs.tabText(i)!r} did not render")
        say(f"tab {i + 1} {tabs.tabText(i)!r}: {type(widget).__name__}, drawn {pixmap.width()}×{pixmap.height()}")
    panels = window.panels
    if len(panels) != tabs.count():
        raise RuntimeError(f"{len(panels)} panels for {tabs.count()} tabs")

    window.show_guide()
    guide = window.guide_dialog
    if guide is None or not guide.isVisible():
        raise RuntimeError("Help → Guide did not open")
    if not guide.pages:
        raise RuntimeError("the guide has no pages")
    for page in guide.pages:
        guide.open_page(page.file_name)
        if guide.current_page() != page.file_name:
            raise RuntimeError(f"guide page {page.file_name} did not open")
        if len(guide.browser.toPlainText().strip()) < 100:
            raise RuntimeError(f"guide page {page.file_name} is empty")
    if guide.grab().isNull():
        raise RuntimeError("the guide did not render")
    say(f"guide: {len(guide.pages)} pages opened ({', '.join(p.file_name for p in guide.pages)})")
    guide.close()

    svg = resource_path("icons") / "convviz.svg"
    image = QImage(str(svg))
    if image.isNull():
        raise RuntimeError(f"Qt cannot load {svg} (SVG image plugin missing?)")
    say(f"icon: {svg.name} loads ({image.width()}×{image.height()})")


def run(app, deadline: float) -> None:
    from PySide6.QtCore import QTimer

    if main_window(app) is None:  # still starting (or the event loop turned during start-up)
        if time.monotonic() < deadline:
            QTimer.singleShot(200, lambda: run(app, deadline))
            return
        fail("no visible main window after 60 s")
    try:
        check(app)
    except Exception:
        traceback.print_exc()
        fail("see the traceback above")
    say("OK")


def fail(reason: str) -> None:
    print(f"smoke-gui: FAILED: {reason}", file=sys.stderr, flush=True)
    sys.stdout.flush()
    # Exit at once: a clean quit could wait on the app's worker threads or on a crash dialog.
    os._exit(1)


def install(delay_ms: int = 500, wait_s: float = 60) -> None:
    """Create the QApplication (the app reuses it) and schedule the checks once the window shows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    deadline = time.monotonic() + wait_s
    QTimer.singleShot(delay_ms, lambda: run(app, deadline))
