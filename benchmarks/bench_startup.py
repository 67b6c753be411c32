"""How fast ConvViz starts, next to the bare libraries it is built on, measured in the same run.

    python benchmarks/bench_startup.py [--repeat 5] [--json]

Each case is a fresh Python process (fresh configuration in a throwaway home, offscreen Qt), timed
from its launch to the moment it is ready; best of --repeat, cases alternated so that a busy
machine slows them alike. Targets (issue "One house per tool"):

  window    the ConvViz main window, from `python -c` to the first turn of its event loop
            after show (the real `run_gui`: crash handler, settings, all tabs), against a bare
            PySide6 + pyqtgraph window with one plot timed the same way         target <= 1.5x
  version   `convviz --version` against `python -c "import numpy"`              target <= 2x
  conv      a 5x5 `convviz conv` against `python -c "import numpy"`             target <= 4x
  shapes    `convviz shapes vgg16` against `python -c "import numpy"`           target <= 4x

It also reports whether torch or scipy were imported before the window was ready (they must not be:
torch loads behind the window, on the device probe's thread).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_READY = """
def _ready():
    print('READY', 'torch' in sys.modules, 'scipy.signal' in sys.modules, flush=True)
    os._exit(0)
"""

BARE_WINDOW = f"""
import os, sys
{_READY}
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg
app = QApplication(sys.argv[:1])
w = QMainWindow()
plot = pg.PlotWidget()
plot.plot([0, 1, 2], [0, 1, 4])
w.setCentralWidget(plot)
w.resize(1280, 800)
w.show()
QTimer.singleShot(0, _ready)
app.exec()
"""

CONVVIZ_WINDOW = f"""
import os, sys
{_READY}
from PySide6.QtCore import QTimer
from visualizer.ui.shell.application import create_application
app = create_application(sys.argv[:1])
QTimer.singleShot(0, _ready)
from visualizer.app import run_gui
run_gui(sys.argv[:1])
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(home / "config"),
               XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""))
    env.pop("CONVVIZ_DATA", None)
    return env


def _time(cmd: list[str], env: dict[str, str], expect_ready: bool = False) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0 or (expect_ready and "READY" not in done.stdout):
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)

    py = sys.executable
    convviz = [py, "-m", "visualizer"]
    cases = {
        "numpy": [py, "-c", "import numpy"],
        "bare window": [py, "-c", BARE_WINDOW],
        "convviz window": [py, "-c", CONVVIZ_WINDOW],
        "version": convviz + ["--version"],
        "conv": convviz + ["conv", "--input", "course-example", "--kernel", "course-normalized"],
        "shapes": convviz + ["shapes", "vgg16"],
    }
    best = {name: float("inf") for name in cases}
    loaded = ""
    with tempfile.TemporaryDirectory(prefix="convviz-bench-") as tmp:
        env = _env(Path(tmp))
        for _ in range(max(1, args.repeat)):
            for name, cmd in cases.items():
                seconds, out = _time(cmd, env, expect_ready="window" in name)
                best[name] = min(best[name], seconds)
                if name == "convviz window":
                    loaded = out.strip()
    ratios = {
        "window": (best["convviz window"], best["bare window"], 1.5),
        "version": (best["version"], best["numpy"], 2.0),
        "conv": (best["conv"], best["numpy"], 4.0),
        "shapes": (best["shapes"], best["numpy"], 4.0),
    }
    _, torch_loaded, scipy_loaded = (loaded.split() + ["?", "?", "?"])[:3]
    if args.json:
        print(json.dumps({k: {"seconds": s, "baseline_seconds": b, "ratio": s / b, "target": t}
                          for k, (s, b, t) in ratios.items()} | {"torch_before_window": torch_loaded,
                                                                   "scipy_before_window": scipy_loaded}, indent=2))
    else:
        print(f"best of {args.repeat}, fresh processes, {os.cpu_count()} CPUs")
        for name in cases:
            print(f"  {name:15s} {best[name] * 1000:7.0f} ms")
        failed = 0
        for name, (s, b, target) in ratios.items():
            ok = s / b <= target
            failed += not ok
            print(f"{name:8s} {s / b:5.2f}x its baseline (target <= {target}x)  {'ok' if ok else 'MISSED'}")
        print(f"torch imported before the window was ready: {torch_loaded}; scipy.signal: {scipy_loaded}")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
