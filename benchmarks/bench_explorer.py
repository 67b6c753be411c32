"""How long the convolution explorer takes to recompute and redraw, next to bare torch conv2d.

    python benchmarks/bench_explorer.py [--sizes 256 1024 2048] [--kernels 3 7] [--repeat 3]

For each image size and kernel size it times, in the same run and on the same machine:
  * torch: the bare `torch.nn.functional.conv2d` call on the padded image (the baseline);
  * compute: the explorer's whole computation (crop/resize, padding, size report, conv2d), which
    runs on the worker thread for big images;
  * redraw: putting the result on screen and painting the whole figure offscreen, the part
    that runs on the GUI thread;
and prints each as a ratio to the torch call. Best of --repeat runs. No display is needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _timing import best_of  # noqa: E402  (benchmarks/ is the script's folder on sys.path)




def drag_longest_side(app, panel) -> float:
    """Move the image-size slider like a user dragging it; return the longest GUI-thread stall (s)."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    clock = QElapsedTimer()
    clock.start()
    ticks: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(clock.elapsed()))
    side = panel.input_box.size_spin.maximum()
    values = [side - 8 * i for i in range(25)] + [side]
    drag = QTimer()
    drag.setInterval(40)

    def step() -> None:
        if values:
            panel.input_box.size_slider.setValue(values.pop(0))
        else:
            drag.stop()

    drag.timeout.connect(step)
    heartbeat.start()
    drag.start()
    t0 = time.perf_counter()
    while (drag.isActive() or panel.is_busy()) and time.perf_counter() - t0 < 300:
        app.processEvents()
        time.sleep(0.002)
    settle = time.perf_counter()
    while time.perf_counter() - settle < 0.1:  # a tick after the final redraw, so it is counted
        app.processEvents()
        time.sleep(0.002)
    heartbeat.stop()
    panel.shutdown()
    gaps = np.diff(ticks) if len(ticks) > 1 else np.array([0])
    return float(gaps.max()) / 1000.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 2048])
    ap.add_argument("--kernels", type=int, nargs="+", default=[3, 7])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-drag", action="store_true", help="skip the slider-drag responsiveness test")
    args = ap.parse_args(argv)

    from visualizer.ui.shell.application import create_application
    from visualizer.core.convolution import ConvSpec, kernel_preset
    from visualizer.core.conv_job import ConvJob, run_job
    from visualizer.ui.conv.panel import ConvPanel

    app = create_application()
    panel = ConvPanel()
    panel.resize(1400, 860)
    panel.show()
    app.processEvents()
    rng = np.random.default_rng(0)
    torch.set_num_threads(max(1, torch.get_num_threads()))

    rows = []
    for n in args.sizes:
        image = rng.uniform(0, 255, (1, n, n))
        panel.use_image_array(image, f"random {n}×{n}")
        panel.shutdown()  # the benchmark times the steps itself, on this thread
        for k in args.kernels:
            kernel = kernel_preset("gaussian", k)
            panel.set_kernels(kernel)
            panel.shutdown()
            spec = ConvSpec(padding=(k // 2, k // 2))
            panel.apply_course_setting(1, k // 2)
            panel.shutdown()
            assert panel.spec() == spec

            x = torch.from_numpy(np.pad(image, ((0, 0), (k // 2, k // 2), (k // 2, k // 2))))[None]
            w = torch.from_numpy(kernel)[None, None]
            t_torch = best_of(args.repeat, lambda: F.conv2d(x, w))

            job = ConvJob(0, panel.source_array(), None, None, panel.kernels(), spec)
            t_compute = best_of(args.repeat, lambda: run_job(job))
            result = run_job(job)
            assert result.error == "" and result.output.shape == (1, n, n), result.error

            def redraw() -> None:
                panel.model.set_result(result)
                panel.figure.grab()  # paint everything, heat maps included, offscreen

            t_redraw = best_of(args.repeat, redraw)
            gap = float("nan")
            if not args.no_drag and n == max(args.sizes):
                gap = drag_longest_side(app, panel)
            rows.append((n, k, t_torch, t_compute, t_redraw, gap))
            print(f"  {n}² {k}×{k}: done", file=sys.stderr, flush=True)
    panel.close()

    print(f"\nConvViz explorer benchmark · torch {torch.__version__} · {torch.get_num_threads()} threads · "
          f"best of {args.repeat}")
    head = f"{'image':>10} {'kernel':>6} {'torch ms':>9} {'compute ms':>11} {'redraw ms':>10} " \
           f"{'total ms':>9} {'total/torch':>12} {'drag: longest GUI stall':>24}"
    print(head)
    print("-" * len(head))
    for n, k, tt, tc, tr, gap in rows:
        total = tc + tr
        stall = "" if gap != gap else f"{gap * 1e3:.0f} ms = {gap / tt:.2f}× torch"
        print(f"{f'{n}×{n}':>10} {f'{k}×{k}':>6} {tt * 1e3:9.1f} {tc * 1e3:11.1f} {tr * 1e3:10.1f} "
              f"{total * 1e3:9.1f} {total / tt:11.1f}× {stall:>24}")
    print("\ncompute runs on the worker thread for big images; redraw is the time the GUI thread is busy.")
    print("drag: the 'Longest side' slider moved 25 times, 40 ms apart, on the biggest image; the longest")
    print("time the GUI thread did not answer a 10 ms timer, until the final result was on screen.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
