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
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


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


def main(argv: list[str] | None = None) -> int:
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

    import torch
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from visualizer.ui.shell.application import create_application
    from visualizer.core.devices import gui_thread_count
    from visualizer.core.training import Trainer, TrainConfig
    from visualizer.ui.training.panel import TrainingPanel

    threads = args.threads or gui_thread_count()
    data, source = load_data(args)
    n_train = len(data.train_images)
    config = dict(net="mnist-net1", epochs=args.epochs, batch_size=args.batch_size, train_size=n_train,
                  val_size=len(data.val_images), test_size=len(data.test_images), device=args.device,
                  num_threads=threads)
    print(f"data: {source}, {n_train:,} training images × {args.epochs} epochs, batch {args.batch_size}, "
          f"device {args.device}, torch threads {threads} of {os.cpu_count()} cores, torch {torch.__version__}")

    app = create_application()
    runs_dir = Path(tempfile.mkdtemp(prefix="convviz-bench-runs-"))
    panel = TrainingPanel(runs_dir=runs_dir)
    from visualizer.core.devices import probe_devices

    panel.model.set_device_report(probe_devices())  # torch is loaded here anyway: offer cuda/mps now
    panel.resize(1500, 950)
    panel.show()
    panel.data_override = data
    panel.form.epochs_spin.setValue(args.epochs)
    panel.form.batch_spin.setValue(args.batch_size)
    panel.form.train_spin.setValue(n_train)
    panel.form.val_spin.setValue(len(data.val_images))
    panel.form.test_spin.setValue(len(data.test_images))
    panel.form.device_combo.setCurrentIndex(max(0, panel.form.device_combo.findData(args.device)))
    app.processEvents()

    from visualizer.core.training import Callback

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

    clocks: list[CpuClock] = []

    def clocked_trainer(cfg, data=None, callbacks=None):
        clock = CpuClock()
        clocks.append(clock)
        return Trainer(cfg, data=data, callbacks=[*(callbacks or []), clock])

    panel.trainer_factory = clocked_trainer

    def headless() -> float:
        result = clocked_trainer(TrainConfig(**config), data=data).run()
        return float(result.final["samples_per_second"])

    def gui() -> tuple[float, list[float]]:
        gaps: list[float] = []
        clock = QElapsedTimer()
        state = {"last": None, "training": False}

        def tick() -> None:
            now = clock.nsecsElapsed() / 1e6
            if state["training"] and "cpu0" not in state:
                state["cpu0"], state["wall0"] = time.thread_time(), now
            if state["training"]:
                state["cpu1"], state["wall1"] = time.thread_time(), now
            if state["last"] is not None and state["training"]:
                gaps.append(now - state["last"])
            state["last"] = now
            if not state["training"] and run_id in panel.plots.runs:
                # measure while the trainer trains (from its first record), not while it starts
                state["training"] = panel.plots.runs[run_id].batches.size > 0
            if not panel.is_running():
                loop.quit()

        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        clock.start()
        if not panel.start_training():
            raise SystemExit(f"the GUI did not start: {panel.controls.message_label.text()}")
        run_id = panel.runs.table_model.entries[-1].run_id
        timer.start()
        loop.exec()
        timer.stop()
        for _ in range(5):
            app.processEvents()
        entry = panel.runs.table_model.entries[-1]
        if entry.status != "completed":
            raise SystemExit(f"GUI run ended as {entry.status!r}: {panel.controls.message_label.text()}")
        gui_cpu.append(100 * (state["cpu1"] - state["cpu0"]) * 1000 / max(1e-9, state["wall1"] - state["wall0"]))
        return float(entry.final["samples_per_second"]), gaps

    # warm-up: first-use costs (imports, allocator, kernels) are not what we measure
    warm = dict(config, train_size=min(n_train, 512), epochs=1)
    from visualizer.core.mnist import MnistSplits

    Trainer(TrainConfig(**warm), data=MnistSplits(data.train_images[:512], data.train_labels[:512],
                                                  data.val_images, data.val_labels,
                                                  data.test_images, data.test_labels)).run()

    def idle_gaps(seconds: float) -> list[float]:
        """The same 10 ms timer with nothing training: what this machine gives any GUI."""
        gaps: list[float] = []
        clock = QElapsedTimer()
        last = [None]
        loop = QEventLoop()

        def tick() -> None:
            now = clock.nsecsElapsed() / 1e6
            if last[0] is not None:
                gaps.append(now - last[0])
            last[0] = now
            if now > seconds * 1000:
                loop.quit()

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        clock.start()
        timer.start()
        loop.exec()
        timer.stop()
        return gaps

    idle = np.asarray(idle_gaps(3.0))

    head_sps, gui_sps, all_gaps, p99s, gui_cpu = [], [], [], [], []
    head_cpu, gui_cpu_rate = [], []
    for i in range(args.repeat):
        if i % 2 == 0:  # alternate the order, so a drift in the machine's load favours neither
            h = headless()
            head_cpu.append(clocks[-1].rate())
            g, gaps = gui()
            gui_cpu_rate.append(clocks[-1].rate())
        else:
            g, gaps = gui()
            gui_cpu_rate.append(clocks[-1].rate())
            h = headless()
            head_cpu.append(clocks[-1].rate())
        head_sps.append(h)
        gui_sps.append(g)
        all_gaps.extend(gaps)
        p99s.append(float(np.percentile(gaps, 99)) if gaps else float("nan"))
        print(f"  pair {i + 1}: headless {h:,.0f} samples/s · GUI {g:,.0f} samples/s · ratio {g / h:.3f} · "
              f"per CPU second {head_cpu[-1]:,.0f} vs {gui_cpu_rate[-1]:,.0f} · "
              f"GUI timer p99 gap {p99s[-1]:.1f} ms over {len(gaps)} ticks · GUI thread CPU {gui_cpu[-1]:.0f} % of a core")
    panel.shutdown()

    h, g = statistics.median(head_sps), statistics.median(gui_sps)
    # pairs ran back to back, so their ratios cancel the machine's drift better than the medians
    ratio = statistics.median(gi / hi for gi, hi in zip(gui_sps, head_sps))
    gaps = np.asarray(all_gaps)
    p50, p99, worst = np.percentile(gaps, 50), np.percentile(gaps, 99), gaps.max()
    print()
    print(f"(a) samples/s   headless {h:,.0f}   GUI {g:,.0f}   ratio GUI/headless (median of pairs) {ratio:.3f}   "
          f"(target >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})")
    cpu_ratio = statistics.median(g_ / h_ for g_, h_ in zip(gui_cpu_rate, head_cpu))
    print(f"    training-thread samples per CPU second: headless {statistics.median(head_cpu):,.0f}, GUI "
          f"{statistics.median(gui_cpu_rate):,.0f}, ratio {cpu_ratio:.3f} (what the GUI adds to the "
          f"training thread's own work, whatever the machine's load); GUI thread busy "
          f"{statistics.median(gui_cpu):.0f} % of a core")
    print(f"(b) 10 ms timer gaps while training: median {p50:.1f} ms, 99th percentile {p99:.1f} ms, "
          f"longest {worst:.1f} ms over {len(gaps)} ticks   (target p99 < 50 ms: "
          f"{'met' if p99 < 50 else 'NOT met'})")
    print(f"    baseline, nothing training: median {np.percentile(idle, 50):.1f} ms, 99th percentile "
          f"{np.percentile(idle, 99):.1f} ms, longest {idle.max():.1f} ms over {len(idle)} ticks "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    import shutil

    shutil.rmtree(runs_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
