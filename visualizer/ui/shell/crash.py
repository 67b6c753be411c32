"""Crash safety: an unexpected exception is logged, shown with its details, and the app goes on.

`install()` replaces `sys.excepthook` (PySide6 routes an exception raised in a slot or an overridden
Qt method there) and `threading.excepthook`. Each report is appended to
`visualizer.core.appdirs.log_dir()/convviz.log` and shown in a non-modal `CrashDialog` with a Copy
button; later reports while the dialog is open are added to it rather than opening more windows.
Reports from other threads travel to the GUI thread through a queued signal.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visualizer import __version__
from visualizer.core import appdirs

LOG_NAME = "convviz.log"
#: The log is rotated to convviz.log.1 beyond this size, so it never grows without bound.
LOG_MAX_BYTES = 1_000_000


def log_path() -> Path:
    return appdirs.log_dir() / LOG_NAME


def format_report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
                  where: str = "") -> str:
    """The text written to the log and shown under Details: time, versions, traceback."""
    stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
    head = f"=== {stamp} ConvViz {__version__} · Python {platform.python_version()} · {platform.platform()}"
    try:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        head += f" · Qt {qVersion()} · PySide6 {pyside_version}"
    except Exception:
        pass
    lines = [head]
    if where:
        lines.append(f"In: {where}")
    lines.extend(line.rstrip("\n") for line in traceback.format_exception(exc_type, exc, tb))
    return "\n".join(lines) + "\n"


def write_log(report: str) -> Path | None:
    """Append a report to the crash log; returns the log's path, or None if it cannot be written."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > LOG_MAX_BYTES:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
        with open(path, "a", encoding="utf-8") as f:
            f.write(report + "\n")
        return path
    except OSError:
        return None


class CrashDialog(QDialog):
    """Shows what went wrong, with the details selectable and a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CrashDialog")
        self.setWindowTitle("ConvViz: unexpected problem")
        self.setAccessibleName("Unexpected problem report")
        self.setModal(False)
        self.resize(720, 460)
        self.count = 0
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName("What went wrong")
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("crash_details")
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName("Error details")
        self.details.setToolTip("The full error report, as written to the log")
        self.log_label = QLabel(self)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_label.setAccessibleName("Log file")

        self.buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("&Copy details", self)
        self.copy_button.setObjectName("copy_details")
        self.copy_button.setToolTip("Copy the full report to the clipboard, e.g. for a bug report")
        self.copy_button.setAccessibleName("Copy details")
        self.open_log_button = QPushButton("Open log &folder", self)
        self.open_log_button.setToolTip("Show the folder that holds the crash log")
        self.open_log_button.setAccessibleName("Open log folder")
        self.continue_button = QPushButton("C&ontinue", self)
        self.continue_button.setDefault(True)
        self.continue_button.setToolTip("Close this report and keep working")
        self.continue_button.setAccessibleName("Continue")
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.open_log_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.continue_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.copy_button.clicked.connect(self.copy_details)
        self.open_log_button.clicked.connect(self.open_log_folder)
        self.continue_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.log_label)
        layout.addWidget(self.buttons)

    def add_report(self, summary: str, report: str, log: Path | None) -> None:
        self.count += 1
        more = "" if self.count == 1 else f" ({self.count} problems so far)"
        self.summary.setText(
            f"<b>Something went wrong inside ConvViz{more}.</b><br>"
            f"{_escape(summary)}<br>The app is still running; your work has not been closed. "
            "If it keeps happening, please send the details below with what you were doing."
        )
        text = self.details.toPlainText()
        self.details.setPlainText((text + "\n" if text else "") + report)
        self.details.verticalScrollBar().setValue(self.details.verticalScrollBar().maximum())
        self.log_label.setText(
            f"Written to the log {log}" if log else "The log file could not be written."
        )
        self.open_log_button.setEnabled(log is not None)

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied")

    @Slot()
    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(appdirs.log_dir())))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CrashReporter(QObject):
    """Owns the hooks and the dialog; lives on the GUI thread."""

    #: (summary, report, log path or "") — queued to the GUI thread from any thread.
    reported = Signal(str, str, str)

    def __init__(self) -> None:
        super().__init__()
        self.dialog: CrashDialog | None = None
        self.reports: list[str] = []
        self._previous_excepthook = sys.excepthook
        self._previous_threading_hook = threading.excepthook
        self.reported.connect(self.show_report)

    def install(self) -> None:
        # What is installed now is what uninstall() puts back (it may differ from the hooks seen
        # when the reporter was made: a second run_gui in one process).
        if sys.excepthook != self.excepthook:
            self._previous_excepthook = sys.excepthook
        if threading.excepthook != self.threading_excepthook:
            self._previous_threading_hook = threading.excepthook
        sys.excepthook = self.excepthook
        threading.excepthook = self.threading_excepthook

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous_excepthook
        if threading.excepthook == self.threading_excepthook:
            threading.excepthook = self._previous_threading_hook

    # -- hooks (may run on any thread) -----------------------------------------------------
    def excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_excepthook(exc_type, exc, tb)
            return
        self.handle(exc_type, exc, tb, where=_thread_name())

    def threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a background thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, where=f"thread {name}")

    def handle(self, exc_type, exc, tb, where: str = "") -> None:
        try:
            report = format_report(exc_type, exc, tb, where)
        except Exception:  # never let the reporter itself raise from a hook
            report = f"{exc_type.__name__}: {exc}\n"
        sys.stderr.write(report)
        log = write_log(report)
        summary = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        self.reports.append(report)
        if QApplication.instance() is None:
            return
        # A direct call on the GUI thread; a queued one from any other thread.
        if QThread.currentThread() is self.thread():
            self.show_report(summary, report, str(log) if log else "")
        else:
            self.reported.emit(summary, report, str(log) if log else "")

    # -- GUI thread ------------------------------------------------------------------------
    @Slot(str, str, str)
    def show_report(self, summary: str, report: str, log: str) -> None:
        if self.dialog is None or not self.dialog.isVisible():
            parent = QApplication.activeWindow()
            if isinstance(parent, CrashDialog):
                parent = None
            self.dialog = CrashDialog(parent)
        self.dialog.add_report(summary, report, Path(log) if log else None)
        self._save_work_now()
        # Non-modal: the app keeps running and the user can save work before anything else.
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()


    def _save_work_now(self) -> None:
        """Write every open window's session at once: if worse follows, the work is on disk."""
        for widget in QApplication.topLevelWidgets():
            autosave = getattr(widget, "autosave", None)
            if callable(autosave):
                try:
                    autosave()
                except Exception as exc:  # never raise from the reporter
                    sys.stderr.write(f"ConvViz: could not save the session after a crash: {exc}\n")


def _thread_name() -> str:
    t = threading.current_thread()
    return "the main thread" if t is threading.main_thread() else f"thread {t.name}"


_reporter: list[CrashReporter] = []


def install() -> CrashReporter:
    """Install the crash hooks once for this process (needs a QApplication); returns the reporter."""
    if not _reporter:
        _reporter.append(CrashReporter())
    reporter = _reporter[0]
    reporter.install()
    return reporter


def reporter() -> CrashReporter | None:
    return _reporter[0] if _reporter else None
