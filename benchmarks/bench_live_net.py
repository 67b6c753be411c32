"""What following a run live costs: training with the Network tab's snapshots next to without.

    python benchmarks/bench_live_net.py [--net mnist-net1] [--samples N] [--repeats N] [--report-every N]

Times, in the same process and alternating, the engine's wall time of a short run on synthetic
digits (CPU, one thread; the run's `wall_time_s`, which includes the callbacks) three ways:
  * plain: no snapshot callback (the baseline);
  * live: `visualizer.core.live.LiveSnapshots` as the Training tab adds it (throttled: at most 4 a
    second at the batch reports, always at each epoch's end);
  * every report: a snapshot at every batch report, unthrottled (the worst case the throttle avoids).
Prints each as a ratio to the baseline (best of --repeats; target for live: at most 1.05×), then the
time to build a shown net from one snapshot (`LiveNetBuilder`, off the GUI thread) next to one bare
forward pass of the net.
"""

from __future__ import annotations

import sys

import numpy as np

from _timing import best_alternating, best_of, short_run_config, short_run_parser  # benchmarks/ is on sys.path

TARGET = 1.05


def main(argv: list[str] | None = None) -> int:
    ap = short_run_parser(__doc__, samples=4096, repeats=3)
    ap.add_argument("--report-every", type=int, default=256)
    args = ap.parse_args(argv)

    import torch

    from visualizer.core.activations import untrained_net
    from visualizer.core.live import LiveNetBuilder, LiveSnapshots, state_arrays
    from visualizer.core.mnist import synthetic_mnist
    from visualizer.core.training import TrainConfig, Trainer

    data = synthetic_mnist(args.samples, 256, 256)
    config = short_run_config(args.net, args.samples, epochs=2, batch_size=64, report_every=args.report_every)
    counts: dict[str, int] = {}

    def run(kind: str) -> float:
        callbacks = []
        if kind == "live":
            callbacks.append(LiveSnapshots(lambda s: None, {}))
        elif kind == "every report":
            callbacks.append(LiveSnapshots(lambda s: None, {}, min_interval_s=0.0, max_share=0.0))
        result = Trainer(TrainConfig(**config), data=data, callbacks=callbacks).run()
        if callbacks:
            counts[kind] = callbacks[0].taken
        return float(result.final["wall_time_s"])

    best = best_alternating(("plain", "live", "every report"), args.repeats, run)
    print(f"{args.net}, {args.samples:,} examples × 2 epochs, a report every {args.report_every} examples, CPU:")
    print(f"  plain            {best['plain']:.3f} s")
    for kind in ("live", "every report"):
        ratio = best[kind] / best["plain"]
        note = f"  (target ≤ {TARGET}×: {'met' if ratio <= TARGET else 'MISSED'})" if kind == "live" else ""
        print(f"  {kind:<16} {best[kind]:.3f} s  {ratio:.3f}×  {counts.get(kind, 0)} snapshots{note}")

    net = untrained_net(args.net, 0)
    snapshot = {"net": args.net, "state": state_arrays(net.module), "run_id": "bench"}
    builder = LiveNetBuilder()
    builder.build(snapshot)  # the template, once per run
    x = torch.from_numpy(np.zeros((1, 1, 28, 28), np.float32))

    def bare() -> None:
        with torch.no_grad():
            net.module(x)

    build = best_of(30, lambda: builder.build(snapshot))
    fwd = best_of(30, bare)
    print(f"  a shown net from one snapshot: {build * 1e3:.2f} ms ({build / fwd:.1f}× one forward pass, "
          f"{fwd * 1e3:.2f} ms), off the GUI thread")
    return 0


if __name__ == "__main__":
    sys.exit(main())
