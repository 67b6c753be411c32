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


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 2048])
    ap.add_argument("--kernels", type=int, nargs="+", default=[3, 7])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from visualizer.app import create_application
    from visualizer.core.convolution import ConvSpec, kernel_preset
    from visualizer.ui.conv_explorer import ConvExplorer, ConvJob, run_job

    app = create_application()
    panel = ConvExplorer()
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
                result.job_id = panel._latest_job
                panel._apply_result(result)
                panel.figure.grab()  # paint everything, heat maps included, offscreen

            t_redraw = best_of(args.repeat, redraw)
            rows.append((n, k, t_torch, t_compute, t_redraw))
            print(f"  {n}² {k}×{k}: done", file=sys.stderr, flush=True)
    panel.close()

    print(f"\nConvViz explorer benchmark · torch {torch.__version__} · {torch.get_num_threads()} threads · "
          f"best of {args.repeat}")
    head = f"{'image':>10} {'kernel':>6} {'torch ms':>9} {'compute ms':>11} {'redraw ms':>10} " \
           f"{'total ms':>9} {'total/torch':>12}"
    print(head)
    print("-" * len(head))
    for n, k, tt, tc, tr in rows:
        total = tc + tr
        print(f"{f'{n}×{n}':>10} {f'{k}×{k}':>6} {tt * 1e3:9.1f} {tc * 1e3:11.1f} {tr * 1e3:10.1f} "
              f"{total * 1e3:9.1f} {total / tt:11.1f}×")
    print("\ncompute runs on the worker thread for big images; redraw is the time the GUI thread is busy.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
