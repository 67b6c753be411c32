"""Timing helpers shared by the benchmark scripts (run as `python benchmarks/NAME.py`)."""

from __future__ import annotations

import argparse
import time
from typing import Any, Callable, Iterable


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


def best_alternating(kinds: Iterable[str], repeats: int, run: Callable[[str], Any],
                     seconds: Callable[[Any], float] = float) -> dict[str, Any]:
    """Each kind's fastest result over `repeats` rounds, every round running the kinds in turn (so a
    slower stretch of the machine falls on all of them alike, not on one). `run(kind)` returns a
    result, `seconds(result)` its time."""
    best: dict[str, Any] = {kind: None for kind in kinds}
    for _ in range(repeats):
        for kind in best:
            result = run(kind)
            if best[kind] is None or seconds(result) < seconds(best[kind]):
                best[kind] = result
    return best


def short_run_parser(doc: str, samples: int, repeats: int) -> argparse.ArgumentParser:
    """The options of a benchmark that times short training runs: --net, --samples, --repeats (the
    description is the first line of the script's `doc`)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--net", default="mnist-net1")
    ap.add_argument("--samples", type=int, default=samples)
    ap.add_argument("--repeats", type=int, default=repeats)
    return ap


def short_run_config(net: str, samples: int, epochs: int, batch_size: int, report_every: int) -> dict[str, Any]:
    """TrainConfig's fields for a short run on `synthetic_mnist(samples, 256, 256)`: CPU, one torch
    thread, seed 0, lr 0.01."""
    return dict(net=net, epochs=epochs, batch_size=batch_size, train_size=samples, val_size=256, test_size=256,
                lr=0.01, report_every=report_every, device="cpu", num_threads=1, seed=0)
