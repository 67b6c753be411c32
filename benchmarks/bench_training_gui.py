"""Training inside the GUI against the same engine headless, and how responsive the GUI stays.

    python benchmarks/bench_training_gui.py [--data DIR] [--train-size 10000] [--epochs 2]
                                            [--repeat 2] [--threads N] [--device cpu]

In one process, on the same data (real MNIST when found, else synthetic digits) and the same
torch thread count, it alternates:
  * headless: `Trainer(config, data).run()` on this thread, no Qt involved (the baseline);
  * GUI: the training tab, shown offscreen, started with its Start button: the worker thread,
    the signals, the 40 ms plot timer, the progress bar, the results table and results view;
and prints (a) the engine's own samples/s for both (training steps only, same definition) and
their ratio (target >= 0.95), and (b) the gaps between ticks of a 10 ms QTimer on the GUI thread
while the GUI run trains: median, 99th percentile (target < 50 ms) and the longest. Each figure is
the median over --repeat pairs. Thread count: the tab gives torch all cores but one
(`gui_thread_count()`), so the headless baseline uses the same count unless --threads says otherwise.
Both figures are taken from a run's first progress record to its last (one every 1,280 examples), so
--train-size × --epochs must be at least 2,560.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

# no torch here: it comes with the first run
from visualizer.core.training import Callback, TrainConfig, Trainer  # noqa: E402

TICK_MS = 10  # the GUI-thread timer whose gaps are measured
SPEED_TARGET = 0.95  # GUI samples/s over headless, at least
GAP_TARGET_MS = 50  # the timer's 99th-percentile gap while training, under


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=None, help="MNIST folder (default: CONVVIZ_DATA, ../shared/data/mnist)")
    ap.add_argument("--train-size", type=int, default=10_000)
    ap.add_argument("--val-size", type=int, default=1_000)
    ap.add_argument("--test-size", type=int, default=1_000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=3, help="headless/GUI pairs (median reported)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads for both (0: the GUI's choice)")
    ap.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda", "mps"])
    args = ap.parse_args(argv)
    for name in ("train_size", "val_size", "test_size", "epochs", "batch_size", "repeat"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.threads < 0:
        ap.error("--threads must be 0 (the GUI's choice) or more")
    every = TrainConfig.report_every
    if args.train_size * args.epochs < 2 * every:
        # samples per CPU second and the timer's gaps are measured from the first progress record to the last
        ap.error(f"--train-size × --epochs must be at least {2 * every:,} (two progress records, "
                 f"one every {every:,} examples)")
    return args


def load_data(args):
    from visualizer.core.mnist import load_mnist

    candidates = [args.data, os.environ.get("CONVVIZ_DATA"),
                  str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"), None]
    for c in candidates:
        try:
            return load_mnist(c, args.train_size, args.val_size, args.test_size, seed=0), f"MNIST ({c or 'app folder'})"
        except Exception:  # noqa: BLE001  (not there: try the next place, then synthetic digits)
            continue
    from visualizer.core.mnist import synthetic_mnist

    return synthetic_mnist(args.train_size, args.val_size, args.test_size), "synthetic digits"


def train_config(args, data, source: str) -> dict:
    """TrainConfig's fields, the same for both kinds of run; prints what is measured."""
    import torch

    from visualizer.core.devices import gui_thread_count

    threads = args.threads or gui_thread_count()
    n_train = len(data.train_images)
    print(f"data: {source}, {n_train:,} training images × {args.epochs} epochs, batch {args.batch_size}, "
          f"device {args.device}, torch threads {threads} of {os.cpu_count()} cores, torch {torch.__version__}")
    return dict(net="mnist-net1", epochs=args.epochs, batch_size=args.batch_size, train_size=n_train,
                val_size=len(data.val_images), test_size=len(data.test_images), device=args.device,
                num_threads=threads)


class CpuClock(Callback):
    """Training-thread CPU time between the first and the last record: samples per CPU second
    hardly depend on what other processes do, unlike samples per wall-clock second."""

    def __init__(self) -> None:
        self.first = self.last = None

    def on_batch_end(self, trainer, record) -> None:
        mark = (time.thread_time(), record["examples_seen"])
        if self.first is None:
            self.first = mark
        self.last = mark

    def rate(self) -> float:
        (c0, n0), (c1, n1) = self.first, self.last
        return (n1 - n0) / max(c1 - c0, 1e-9)


def run_ticks(tick: Callable[[float], bool]) -> None:
    """Turn the GUI thread's event loop with a TICK_MS timer, calling `tick(ms since the start)` at
    each tick until it returns False."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    clock = QElapsedTimer()
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(TICK_MS)

    def on_timeout() -> None:
        if not tick(clock.nsecsElapsed() / 1e6):
            loop.quit()

    timer.timeout.connect(on_timeout)
    clock.start()
    timer.start()
    loop.exec()
    timer.stop()


def idle_gaps(seconds: float) -> list[float]:
    """The same 10 ms timer with nothing training: what this machine gives any GUI."""
    gaps: list[float] = []
    last = [None]

    def tick(now: float) -> bool:
        if last[0] is not None:
            gaps.append(now - last[0])
        last[0] = now
        return now <= seconds * 1000

    run_ticks(tick)
    return gaps


class TrainingTicks:
    """The timer's gaps and the GUI thread's CPU time while the tab's run trains (from its first
    record, not while it starts); a tick says to go on while the tab is running."""

    def __init__(self, panel, run_id: str) -> None:
        self.panel, self.run_id = panel, run_id
        self.gaps: list[float] = []
        self.last: float | None = None
        self.training = False
        self.cpu0 = self.wall0 = self.cpu1 = self.wall1 = None

    def __call__(self, now: float) -> bool:
        if self.training:
            if self.cpu0 is None:
                self.cpu0, self.wall0 = time.thread_time(), now
            self.cpu1, self.wall1 = time.thread_time(), now
            if self.last is not None:
                self.gaps.append(now - self.last)
        self.last = now
        runs = self.panel.plots.runs
        if not self.training and self.run_id in runs:
            self.training = runs[self.run_id].batches.size > 0
        return self.panel.is_running()

    def busy_percent(self) -> float:
        """The GUI thread's CPU time while training, in % of one core."""
        return 100 * (self.cpu1 - self.cpu0) * 1000 / max(1e-9, self.wall1 - self.wall0)


@dataclass
class GuiRun:
    samples_per_second: float
    per_cpu_second: float  # the training thread's (CpuClock)
    gaps: list[float]  # ms between timer ticks while training
    busy: float  # the GUI thread's CPU, % of a core


class TrainingBench:
    """The Training tab shown offscreen and the engine headless, on the same data and configuration;
    every trainer either makes carries a CpuClock."""

    def __init__(self, app, args, data, config: dict, runs_dir: Path) -> None:
        from visualizer.core.devices import probe_devices
        from visualizer.ui.training.panel import TrainingPanel

        self.app, self.data, self.config = app, data, config
        self.clocks: list[CpuClock] = []
        panel = self.panel = TrainingPanel(runs_dir=runs_dir)
        panel.model.set_device_report(probe_devices())  # torch is loaded here anyway: offer cuda/mps now
        panel.resize(1500, 950)
        panel.show()
        panel.data_override = data
        form = panel.form
        form.epochs_spin.setValue(args.epochs)
        form.batch_spin.setValue(args.batch_size)
        form.train_spin.setValue(len(data.train_images))
        form.val_spin.setValue(len(data.val_images))
        form.test_spin.setValue(len(data.test_images))
        form.device_combo.setCurrentIndex(max(0, form.device_combo.findData(args.device)))
        app.processEvents()
        panel.trainer_factory = self.clocked_trainer

    def clocked_trainer(self, cfg, data=None, callbacks=None):
        clock = CpuClock()
        self.clocks.append(clock)
        return Trainer(cfg, data=data, callbacks=[*(callbacks or []), clock])

    def warm_up(self) -> None:
        """First-use costs (imports, allocator, kernels) are not what we measure."""
        from visualizer.core.mnist import MnistSplits

        d = self.data
        warm = dict(self.config, train_size=min(len(d.train_images), 512), epochs=1)
        Trainer(TrainConfig(**warm), data=MnistSplits(d.train_images[:512], d.train_labels[:512], d.val_images,
                                                      d.val_labels, d.test_images, d.test_labels)).run()

    def headless(self) -> tuple[float, float]:
        """(samples/s, samples per CPU second) of the engine run on this thread, no Qt involved."""
        result = self.clocked_trainer(TrainConfig(**self.config), data=self.data).run()
        return float(result.final["samples_per_second"]), self.clocks[-1].rate()

    def gui(self) -> GuiRun:
        """The same run started from the tab (its Start), the GUI thread's timer ticking meanwhile."""
        panel = self.panel
        if not panel.start_training():
            raise SystemExit(f"the GUI did not start: {panel.controls.message_label.text()}")
        ticks = TrainingTicks(panel, panel.runs.table_model.entries[-1].run_id)
        run_ticks(ticks)
        for _ in range(5):
            self.app.processEvents()
        entry = panel.runs.table_model.entries[-1]
        if entry.status != "completed":
            raise SystemExit(f"GUI run ended as {entry.status!r}: {panel.controls.message_label.text()}")
        if not ticks.gaps:
            raise SystemExit("the GUI run ended before two timer ticks fell between its first progress record and "
                             "its end: nothing to measure; raise --train-size or --epochs")
        return GuiRun(float(entry.final["samples_per_second"]), self.clocks[-1].rate(), ticks.gaps,
                      ticks.busy_percent())


@dataclass
class Pairs:
    """Each headless/GUI pair's figures, in the order run."""

    head_sps: list[float] = field(default_factory=list)
    gui_sps: list[float] = field(default_factory=list)
    head_cpu: list[float] = field(default_factory=list)  # samples per CPU second
    gui_cpu_rate: list[float] = field(default_factory=list)
    gui_busy: list[float] = field(default_factory=list)  # the GUI thread, % of a core
    gaps: list[float] = field(default_factory=list)  # every pair's, together


def measure_pairs(bench: TrainingBench, repeat: int) -> Pairs:
    """`repeat` headless/GUI pairs, each printed as it ends."""
    pairs = Pairs()
    for i in range(repeat):
        if i % 2 == 0:  # alternate the order, so a drift in the machine's load favours neither
            h, h_cpu = bench.headless()
            g = bench.gui()
        else:
            g = bench.gui()
            h, h_cpu = bench.headless()
        pairs.head_sps.append(h)
        pairs.gui_sps.append(g.samples_per_second)
        pairs.head_cpu.append(h_cpu)
        pairs.gui_cpu_rate.append(g.per_cpu_second)
        pairs.gui_busy.append(g.busy)
        pairs.gaps.extend(g.gaps)
        p99 = float(np.percentile(g.gaps, 99))
        print(f"  pair {i + 1}: headless {h:,.0f} samples/s · GUI {g.samples_per_second:,.0f} samples/s · "
              f"ratio {g.samples_per_second / h:.3f} · per CPU second {h_cpu:,.0f} vs {g.per_cpu_second:,.0f} · "
              f"GUI timer p99 gap {p99:.1f} ms over {len(g.gaps)} ticks · GUI thread CPU {g.busy:.0f} % of a core")
    return pairs


def report(pairs: Pairs, idle: np.ndarray) -> None:
    """(a) speed, headless against GUI, and (b) the timer's gaps, each against its target."""
    h, g = statistics.median(pairs.head_sps), statistics.median(pairs.gui_sps)
    # pairs ran back to back, so their ratios cancel the machine's drift better than the medians
    ratio = statistics.median(gi / hi for gi, hi in zip(pairs.gui_sps, pairs.head_sps))
    gaps = np.asarray(pairs.gaps)
    p50, p99, worst = np.percentile(gaps, 50), np.percentile(gaps, 99), gaps.max()
    print()
    print(f"(a) samples/s   headless {h:,.0f}   GUI {g:,.0f}   ratio GUI/headless (median of pairs) {ratio:.3f}   "
          f"(target >= {SPEED_TARGET}: {'met' if ratio >= SPEED_TARGET else 'NOT met'})")
    cpu_ratio = statistics.median(g_ / h_ for g_, h_ in zip(pairs.gui_cpu_rate, pairs.head_cpu))
    print(f"    training-thread samples per CPU second: headless {statistics.median(pairs.head_cpu):,.0f}, GUI "
          f"{statistics.median(pairs.gui_cpu_rate):,.0f}, ratio {cpu_ratio:.3f} (what the GUI adds to the "
          f"training thread's own work, whatever the machine's load); GUI thread busy "
          f"{statistics.median(pairs.gui_busy):.0f} % of a core")
    print(f"(b) 10 ms timer gaps while training: median {p50:.1f} ms, 99th percentile {p99:.1f} ms, "
          f"longest {worst:.1f} ms over {len(gaps)} ticks   (target p99 < {GAP_TARGET_MS} ms: "
          f"{'met' if p99 < GAP_TARGET_MS else 'NOT met'})")
    print(f"    baseline, nothing training: median {np.percentile(idle, 50):.1f} ms, 99th percentile "
          f"{np.percentile(idle, 99):.1f} ms, longest {idle.max():.1f} ms over {len(idle)} ticks "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from visualizer.ui.shell.application import create_application

    data, source = load_data(args)
    config = train_config(args, data, source)
    app = create_application()
    runs_dir = Path(tempfile.mkdtemp(prefix="convviz-bench-runs-"))
    try:
        bench = TrainingBench(app, args, data, config, runs_dir)
        bench.warm_up()
        idle = np.asarray(idle_gaps(3.0))
        pairs = measure_pairs(bench, args.repeat)
        bench.panel.shutdown()
        report(pairs, idle)
    finally:
        shutil.rmtree(runs_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
