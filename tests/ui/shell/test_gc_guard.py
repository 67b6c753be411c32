"""Garbage cycles are collected on the GUI thread only (gc_guard): a cycle dropped by a worker
thread is finalized on the GUI thread, at the collector's next tick."""

from __future__ import annotations

import gc
import threading

from visualizer.ui.shell.application import create_application
from visualizer.ui.shell.gc_guard import GuiThreadCollector, collect_on_gui_thread


class Cycle:
    finalized_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.finalized_on.append(threading.current_thread().name)


def test_a_cycle_dropped_by_a_worker_thread_is_collected_on_the_gui_thread(qtbot, qapp):
    app = create_application()
    guard = collect_on_gui_thread(app)
    assert isinstance(guard, GuiThreadCollector) and collect_on_gui_thread(app) is guard  # installed once
    assert not gc.isenabled() and guard.timer.isActive()
    Cycle.finalized_on.clear()

    def work() -> None:
        for _ in range(5 * gc.get_threshold()[0]):  # far past generation 0's threshold
            Cycle()

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    assert Cycle.finalized_on == []  # nothing collected in the worker
    qtbot.waitUntil(lambda: len(Cycle.finalized_on) > 0, timeout=5000)
    assert set(Cycle.finalized_on) == {threading.main_thread().name}


def test_quitting_gives_collection_back_to_python(qapp):
    guard = collect_on_gui_thread(qapp)
    guard.stop()
    try:
        assert gc.isenabled() and not guard.timer.isActive()
    finally:
        gc.disable()
        guard.timer.start()
