"""What recording distributions costs: training with `--distributions` next to without.

    python benchmarks/bench_distributions.py [--net mnist-net1] [--samples N] [--repeats N] [--every N]

In the same process, alternating (CPU, one torch thread, synthetic digits, batch 128):
  * plain: a short run with no recorder; its training throughput (samples/s) is the baseline;
  * recorded: the same run with `DistributionRecorder` every --every examples (a small interval,
    so there are records to time); each record point's time is measured;
Prints the wall-time ratio recorded/plain at that small interval, then the share of training
time recording takes at the default interval (distributions.DEFAULT_EVERY): one record point's
time (median) over the time the engine takes to train DEFAULT_EVERY examples. Target: ≤ 5 %.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time

from _timing import best_alternating, short_run_config, short_run_parser  # benchmarks/ is on sys.path

TARGET = 0.05


def main(argv: list[str] | None = None) -> int:
    ap = short_run_parser(__doc__, samples=5120, repeats=2)
    ap.add_argument("--every", type=int, default=1280)
    args = ap.parse_args(argv)

    from visualizer.core import distributions as dist
    from visualizer.core.mnist import synthetic_mnist
    from visualizer.core.training import TrainConfig, Trainer

    data = synthetic_mnist(args.samples, 256, 256)
    config = short_run_config(args.net, args.samples, epochs=1, batch_size=128, report_every=args.every)
    record_times: list[float] = []

    class Timed(dist.DistributionRecorder):
        def record(self, trainer, seen, epoch):
            t0 = time.perf_counter()
            super().record(trainer, seen, epoch)
            record_times.append(time.perf_counter() - t0)

    def run(kind: str, folder: str) -> tuple[float, float]:
        callbacks = [Timed(folder, args.every, data.val_images[:dist.ACTIVATION_IMAGES])] if kind == "recorded" else []
        final = Trainer(TrainConfig(**config), data=data, callbacks=callbacks).run().final
        return float(final["wall_time_s"]), float(final["samples_per_second"])

    with tempfile.TemporaryDirectory() as folder:
        best = best_alternating(("plain", "recorded"), args.repeats, lambda kind: run(kind, folder),
                                seconds=lambda result: result[0])
    plain_wall, plain_sps = best["plain"]
    rec_wall = best["recorded"][0]
    one = statistics.median(record_times)
    share = one / (dist.DEFAULT_EVERY / plain_sps)
    print(f"{args.net}, {args.samples:,} examples, batch 128, CPU, 1 thread, {dist.ACTIVATION_IMAGES} validation "
          f"images recorded:")
    print(f"  plain       {plain_wall:.3f} s  ({plain_sps:,.0f} samples/s)")
    print(f"  recorded    {rec_wall:.3f} s  {rec_wall / plain_wall:.3f}×  (a record every {args.every:,} examples, "
          f"{len(record_times)} record points)")
    print(f"  one record point (every layer's weight, grad and activation summary): {one * 1e3:.1f} ms median")
    print(f"  at the default interval, every {dist.DEFAULT_EVERY:,} examples ({dist.DEFAULT_EVERY / plain_sps:.2f} s "
          f"of training): recording costs {share * 100:.2f} % of training time "
          f"(target ≤ {TARGET * 100:.0f} %: {'met' if share <= TARGET else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
