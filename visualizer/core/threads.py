"""How many CPU threads torch gets when the user does not say: the cores that are free now.

Why not torch's own default (one thread per core): PyTorch's CPU kernels split each operation
among their threads and wait for the slowest. When another program keeps a core busy, the thread
on that core is descheduled for whole time slices and every operation waits for it: measured on a
busy two-core machine, `convviz train` ran twenty times slower with two threads than with one
(issue 28; benchmarks/bench_threads_under_load.py). So the default counts the cores that were
idle over a short window (Linux's /proc/stat, for the cores this process may run on), adds back
what this process itself used in that window, and caps the result: the small nets of the course
gain little past a few threads (the measurements are in benchmarks/README.md).

Numbers do not depend on the rule: a run's results depend only on its thread count.
"""

from __future__ import annotations

import os
import time

#: The most threads the default gives (measured: mnist-net1 gains little past this).
MAX_DEFAULT_THREADS = 4
#: The shortest window the idle cores are counted over (/proc/stat counts in 10 ms ticks).
MIN_WINDOW_S = 0.1


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _cpu_ticks() -> dict[str, tuple[int, int]] | None:
    """{"cpuN": (idle ticks, all ticks)} from /proc/stat for the usable cores; None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            lines = f.read().splitlines()
        allowed = {f"cpu{i}" for i in os.sched_getaffinity(0)}
    except (OSError, AttributeError, UnicodeDecodeError):
        return None
    out = {}
    for line in lines:
        name, _, rest = line.partition(" ")
        if name in allowed:
            fields = [int(v) for v in rest.split()[:8]]  # user nice system idle iowait irq softirq steal
            if len(fields) == 8:
                out[name] = (fields[3] + fields[4], sum(fields))
    return out or None


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class CpuWindow:
    """Counts the free cores between its creation and `free_cores()`: start it early (say, before
    loading data), ask when the threads are needed; the process's own work in between counts as free."""

    def __init__(self) -> None:
        self._start = (time.monotonic(), _cpu_ticks(), _own_cpu_seconds())

    def free_cores(self, wait: bool = True) -> float:
        """Cores idle in the window plus those this process used; where the OS does not say, the
        usable cores less the load average (where there is one). `wait`: make the window at least
        MIN_WINDOW_S long (False on the GUI thread: a window too short to count says all are free)."""
        t0, ticks0, own0 = self._start
        left = MIN_WINDOW_S - (time.monotonic() - t0)
        if left > 0:
            if not wait:
                return float(usable_cores())
            time.sleep(left)
        t1, ticks1, own1 = time.monotonic(), _cpu_ticks(), _own_cpu_seconds()
        cores = usable_cores()
        if ticks0 is None or ticks1 is None:
            try:
                return max(0.0, cores - os.getloadavg()[0])
            except (AttributeError, OSError):
                return float(cores)
        idle = 0.0
        for name, (idle1, all1) in ticks1.items():
            idle0, all0 = ticks0.get(name, (idle1, all1))
            if all1 > all0:
                idle += (idle1 - idle0) / (all1 - all0)
        own = (own1 - own0) / max(t1 - t0, 1e-3)
        return min(float(cores), idle + own)

    def default_threads(self, reserve: int = 0, wait: bool = True) -> int:
        """Threads for torch: the free cores (rounded), less `reserve` kept for other work (the
        GUI's thread), at least 1 and at most MAX_DEFAULT_THREADS."""
        return threads_for(self.free_cores(wait), reserve)


def threads_for(free_cores: float, reserve: int = 0) -> int:
    """The default rule on a count of free cores: round(free) − reserve, clamped to 1…MAX_DEFAULT_THREADS."""
    return max(1, min(MAX_DEFAULT_THREADS, int(free_cores + 0.5) - reserve))


def free_core_count() -> int:
    """The cores free now, rounded, at least 1 (the CPU budget of a sweep's single-thread runs;
    counts over MIN_WINDOW_S)."""
    return max(1, int(CpuWindow().free_cores() + 0.5))


def default_threads(reserve: int = 0) -> int:
    """The default thread count now (counts the free cores over MIN_WINDOW_S: call it once)."""
    return CpuWindow().default_threads(reserve)
