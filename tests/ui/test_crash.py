"""Crash safety: an exception in a slot or a thread is logged, shown with a Copy button, and the app
keeps running."""

from __future__ import annotations

import json
import sys
import threading

import pytest
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Slot
from PySide6.QtWidgets import QApplication

from tests.helpers.fake_panels import NotesPanel
from visualizer import app as app_module
from visualizer.core import appdirs
from visualizer.ui.shell import crash
from visualizer.ui.shell import main_window as main_window_module
from visualizer.ui.shell.main_window import MainWindow

# pytest-qt turns exceptions inside Qt slots into test failures by swapping sys.excepthook;
from visualizer.ui.shell.settings import app_settings
# here the exception is the point, and our own hook must receive it.
pytestmark = pytest.mark.qt_no_exception_capture


@pytest.fixture
def reporter(tmp_path, monkeypatch):
    monkeypatch.setattr(appdirs, "log_dir", lambda: tmp_path / "logs")
    r = crash.CrashReporter()
    r.install()
    yield r
    r.uninstall()
    if r.dialog is not None:
        r.dialog.close()
        r.dialog.deleteLater()


def boom_in_a_slot() -> None:
    numbers = [3, 0]
    numbers[0] / numbers[1]  # ZeroDivisionError, as a bug in a tool would raise


def test_exception_in_a_slot_shows_a_dialog_logs_it_and_the_app_goes_on(qtbot, reporter, tmp_path):
    app_settings().clear()
    w = MainWindow(panels=[NotesPanel()])
    qtbot.addWidget(w)
    w.show()
    qtbot.keyClicks(w.panels[0].edit, "typed before")
    QTimer.singleShot(0, boom_in_a_slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    assert not dialog.isModal()
    details = dialog.details.toPlainText()
    assert "ZeroDivisionError" in details and "boom_in_a_slot" in details
    assert "ZeroDivisionError: division by zero" in dialog.summary.text()
    log = tmp_path / "logs" / "convviz.log"
    assert log.is_file()
    assert "ZeroDivisionError" in log.read_text() and "boom_in_a_slot" in log.read_text()
    assert str(log) in dialog.log_label.text()

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert "ZeroDivisionError" in QApplication.clipboard().text()
    assert "Traceback" in QApplication.clipboard().text()

    # Still running: the window answers, timers fire, panels work.
    assert w.isVisible()
    fired = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: fired == [True])
    qtbot.keyClicks(w.panels[0].edit, ", still here")
    assert w.panels[0].edit.text() == "typed before, still here"

    # The session was written at once, before anything worse could happen.
    assert json.loads(app_settings().value("panels/NotesPanel")) == {"text": "typed before"}

    qtbot.mouseClick(dialog.continue_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    w.close()


def test_a_second_problem_joins_the_open_dialog(qtbot, reporter):
    QTimer.singleShot(0, boom_in_a_slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    first = reporter.dialog

    def another() -> None:
        raise KeyError("kernel preset")

    QTimer.singleShot(0, another)
    qtbot.waitUntil(lambda: first.count == 2)
    assert reporter.dialog is first
    assert "2 problems" in first.summary.text()
    assert "KeyError" in first.details.toPlainText() and "ZeroDivisionError" in first.details.toPlainText()


def test_exception_in_a_thread_reaches_the_gui_thread(qtbot, reporter, tmp_path):
    def work() -> None:
        raise RuntimeError("worker failed")

    t = threading.Thread(target=work, name="loader")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert "thread loader" in reporter.dialog.details.toPlainText()
    assert "RuntimeError: worker failed" in (tmp_path / "logs" / "convviz.log").read_text()


class _FailingWorker(QObject):
    @Slot()
    def run(self) -> None:
        raise ValueError("bad batch in the worker")


def test_exception_in_a_qthread_worker_is_reported_on_the_gui_thread(qtbot, reporter):
    thread = QThread()
    worker = _FailingWorker()
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    thread.start()
    try:
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        assert reporter.dialog.thread() is QApplication.instance().thread()
        assert "ValueError: bad batch in the worker" in reporter.dialog.details.toPlainText()
    finally:
        thread.quit()
        thread.wait(5000)


def test_log_is_rotated_and_an_unwritable_log_is_said(qtbot, reporter, tmp_path, monkeypatch):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "convviz.log").write_text("x" * (crash.LOG_MAX_BYTES + 1))
    QTimer.singleShot(0, boom_in_a_slot)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert (logs / "convviz.log.1").stat().st_size > crash.LOG_MAX_BYTES
    assert (logs / "convviz.log").stat().st_size < 100_000
    reporter.dialog.close()

    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setattr(appdirs, "log_dir", lambda: blocker / "logs")  # cannot be made
    QTimer.singleShot(0, boom_in_a_slot)
    qtbot.waitUntil(lambda: reporter.dialog.isVisible())
    assert "could not be written" in reporter.dialog.log_label.text()
    assert not reporter.dialog.open_log_button.isEnabled()


def test_run_gui_installs_the_hooks(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(appdirs, "log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr(main_window_module, "make_panels", lambda: [NotesPanel()])
    monkeypatch.setenv(app_module.QUIT_AFTER_ENV, "300")
    before = sys.excepthook
    try:
        assert app_module.run_gui() == 0
        r = crash.reporter()
        assert sys.excepthook == r.excepthook
        assert threading.excepthook == r.threading_excepthook
    finally:
        crash.reporter().uninstall()
        app_settings().clear()
    assert sys.excepthook == before


def test_run_gui_reports_a_tool_that_cannot_start(qtbot, tmp_path, monkeypatch):
    def broken_panels():
        raise ImportError("cannot import name 'Foo' from the explorer")

    monkeypatch.setattr(appdirs, "log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr(main_window_module, "make_panels", broken_panels)
    monkeypatch.setenv(app_module.QUIT_AFTER_ENV, "300")
    r = None
    try:
        assert app_module.run_gui() == 1
        r = crash.reporter()
        assert "cannot import name 'Foo'" in (tmp_path / "logs" / "convviz.log").read_text()
        assert "starting the main window" in r.dialog.details.toPlainText()
    finally:
        r = r or crash.reporter()
        r.uninstall()
        if r.dialog is not None:
            r.dialog.close()
