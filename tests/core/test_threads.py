"""The default thread count: the cores free now, less a reserve, at least 1 and at most 4."""

from __future__ import annotations

import pytest

from visualizer.core import threads
from visualizer.core.threads import MAX_DEFAULT_THREADS, CpuWindow, threads_for


@pytest.mark.parametrize("free, reserve, expected", [
    (2.0, 0, 2),    # a quiet two-core machine: both
    (0.9, 0, 1),    # beside one CPU-bound neighbour on two cores: one
    (0.0, 0, 1),    # all busy: still one
    (1.4, 0, 1), (1.6, 0, 2),  # rounded
    (16.0, 0, MAX_DEFAULT_THREADS),  # capped: the course's nets gain little past it
    (2.0, 1, 1),    # the GUI keeps one core
    (8.0, 1, MAX_DEFAULT_THREADS), (4.0, 1, 3),  # the reserve comes out of the free cores, not the cap
])
def test_the_rule(free, reserve, expected):
    assert threads_for(free, reserve) == expected


def _fake_clock(monkeypatch, ticks, own_seconds, times):
    seq = iter(ticks)
    own = iter(own_seconds)
    clock = iter(times)
    monkeypatch.setattr(threads, "_cpu_ticks", lambda: next(seq))
    monkeypatch.setattr(threads, "_own_cpu_seconds", lambda: next(own))
    monkeypatch.setattr(threads.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)


def test_free_cores_are_the_idle_share_plus_this_process_own_use(monkeypatch):
    # cpu0 idle 30 of 100 ticks, cpu1 idle 0 of 100; this process used 0.5 s of CPU in 1 s
    _fake_clock(monkeypatch, [{"cpu0": (100, 1000), "cpu1": (50, 1000)}, {"cpu0": (130, 1100), "cpu1": (50, 1100)}],
                [2.0, 2.5], [10.0, 11.0, 11.0])
    window = CpuWindow()
    assert window.free_cores() == pytest.approx(0.3 + 0.5)


def test_free_cores_never_exceed_the_usable_ones(monkeypatch):
    _fake_clock(monkeypatch, [{"cpu0": (0, 0), "cpu1": (0, 0)}, {"cpu0": (100, 100), "cpu1": (100, 100)}],
                [0.0, 1.0], [0.0, 1.0, 1.0])
    assert CpuWindow().default_threads() == 2


def test_a_window_too_short_waits_or_on_the_gui_thread_counts_all_cores_free(monkeypatch):
    slept = []
    monkeypatch.setattr(threads.time, "sleep", slept.append)
    _fake_clock(monkeypatch, [{"cpu0": (0, 0), "cpu1": (0, 0)}, {"cpu0": (0, 10), "cpu1": (0, 10)}],
                [0.0, 0.0], [5.0, 5.02, 5.1])
    assert CpuWindow().free_cores() == 0.0 and slept == [pytest.approx(0.08)]
    _fake_clock(monkeypatch, [{"cpu0": (0, 0), "cpu1": (0, 0)}], [0.0], [5.0, 5.02])
    assert CpuWindow().free_cores(wait=False) == 2.0


def test_without_proc_stat_the_load_average_counts_the_busy_cores(monkeypatch):
    _fake_clock(monkeypatch, [None, None], [0.0, 0.0], [0.0, 1.0, 1.0])
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (1.2, 1.0, 1.0), raising=False)
    assert CpuWindow().free_cores() == pytest.approx(0.8)


def test_on_this_machine_the_window_measures_something_sensible():
    free = CpuWindow().free_cores()
    assert 0.0 <= free <= threads.usable_cores()
