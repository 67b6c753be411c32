"""Timing helpers shared by the benchmark scripts (run as `python benchmarks/NAME.py`)."""

from __future__ import annotations

import time


def best_of(repeat: int, fn) -> float:
    """The fastest of `repeat` calls of `fn`, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def compile_package(root) -> None:
    """Write the `visualizer` package's bytecode (`__pycache__/*.pyc`) under `root`, as `pip install`
    does at install time, so that the processes timed load ConvViz as a user's installation does
    and as the baselines load their libraries (installed, compiled), even where the environment sets
    PYTHONDONTWRITEBYTECODE (then each run would compile every module from source again)."""
    import compileall
    from pathlib import Path

    compileall.compile_dir(str(Path(root) / "visualizer"), quiet=1)
