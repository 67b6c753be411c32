"""The leak guard's thread watch (tests/helpers/leaks.py): a thread left running is named at once,
with the line that started it; a finished one is not."""

from __future__ import annotations

import inspect
import threading

import pytest

from tests.helpers.leaks import ThreadWatch


def test_a_running_thread_is_named_with_where_it_started():
    watch = ThreadWatch()
    release = threading.Event()
    with pytest.MonkeyPatch.context() as mp:
        watch.install(mp)
        t = threading.Thread(target=release.wait, name="left behind", daemon=True)
        line_no = inspect.currentframe().f_lineno + 1
        t.start()  # the line the guard must name
    try:
        (line,) = watch.leaked()
        assert "thread 'left behind' still running" in line
        assert f"tests/test_leak_guard.py:{line_no} in test_a_running_thread_is_named_with_where_it_started" in line
    finally:
        release.set()
        t.join(5)
    assert watch.leaked() == []


def test_a_qthread_left_running_is_named(qapp):
    from PySide6.QtCore import QThread

    watch = ThreadWatch()
    with pytest.MonkeyPatch.context() as mp:
        watch.install(mp)
        thread = QThread()
        line_no = inspect.currentframe().f_lineno + 1
        thread.start()  # an event loop that runs until quit()
    try:
        (line,) = watch.leaked()
        assert line.startswith("QThread") and f"tests/test_leak_guard.py:{line_no} in" in line
    finally:
        thread.quit()
        thread.wait(5000)
    assert watch.leaked() == []
