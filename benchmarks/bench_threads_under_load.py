"""`convviz train` with each thread count, on quiet cores and beside a CPU-bound neighbour.

    python benchmarks/bench_threads_under_load.py [--data DIR] [--cores 2] [--threads 1,2,4]
                                                  [--rounds 3] [--train-size N] [--quick]

The benchmark and everything it starts are pinned to --cores CPUs (the first of those this process
may use), so a machine with many cores behaves as a small one. Two conditions:

* quiet:      nothing else on those cores;
* neighbour:  one other CPU-bound process (a Python busy loop) on the same cores, as when a second
              program runs beside the course's training on a two-core laptop.

In each condition `convviz train` (1 epoch of mnist-net1, batch 128, CPU) runs with each
`--threads N` and with no --threads (the default: the free cores, core.threads), alternated round
by round; its training speed (samples/s, printed by convviz: training steps only) is the median
over rounds. Printed per condition: each count's speed, the best count, and the default's speed
relative to the best (best ÷ default, so 1.0 is as good as the best).
Target (issue 28): the default no worse than 1.5× the best count in either condition.
--quick: 256 images, one round, --threads 1 (the test of this script).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_train_cli import find_mnist  # noqa: E402

NEIGHBOUR = "while True:\n    pass\n"


def run_train(py: str, data: Path, out: Path, size: int, threads: int | None, env: dict) -> tuple[float, int]:
    """(samples/s, threads used) of one `convviz train` process."""
    cmd = [py, "-m", "visualizer", "train", "--epochs", "1", "--train-size", str(size), "--val-size", "256",
           "--test-size", "256", "--device", "cpu", "--data", str(data), "--quiet", "--out", str(out)]
    if threads:
        cmd += ["--threads", str(threads)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"convviz train failed ({done.returncode}):\n{done.stderr[-2000:]}")
    speed = float(re.search(r"([0-9,]+) samples/s", done.stdout).group(1).replace(",", ""))
    used = json.loads((out / "config.json").read_text())["num_threads"]
    return speed, used


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=None, help="MNIST folder with the four .gz files")
    p.add_argument("--cores", type=int, default=2, help="CPUs to pin everything to (default 2)")
    p.add_argument("--threads", default="1,2,4", help="explicit thread counts to compare (default 1,2,4)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--train-size", type=int, default=4000)
    p.add_argument("--quick", action="store_true", help="256 images, one round, --threads 1 (tests)")
    args = p.parse_args(argv)
    if args.quick:
        args.train_size, args.rounds, args.threads = 256, 1, "1"
    counts = [int(t) for t in args.threads.split(",")]
    try:
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, allowed[:max(1, args.cores)])  # inherited by every child
        pinned = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        pinned = list(range(os.cpu_count() or 1))
    data = find_mnist(args.data)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # --threads (or the default) decides
        env.pop(name, None)
    py = sys.executable
    print(f"convviz train, 1 epoch of {args.train_size:,} images, pinned to CPUs {pinned}; "
          f"{args.rounds} round(s); load average {os.getloadavg()[0]:.1f}", flush=True)
    cases: list[int | None] = [*counts, None]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="convviz-bench-threads-") as tmp:
        for condition in ("quiet", "neighbour"):
            neighbour = subprocess.Popen([py, "-c", NEIGHBOUR]) if condition == "neighbour" else None
            try:
                speeds: dict[int | None, list[float]] = {c: [] for c in cases}
                chosen: list[int] = []
                for r in range(args.rounds):
                    order = cases[r % len(cases):] + cases[:r % len(cases)]
                    for c in order:
                        out = Path(tmp) / f"{condition}-{c}-{r}"
                        speed, used = run_train(py, data, out, args.train_size, c, env)
                        speeds[c].append(speed)
                        if c is None:
                            chosen.append(used)
            finally:
                if neighbour is not None:
                    neighbour.kill()
                    neighbour.wait()
            med = {c: statistics.median(v) for c, v in speeds.items()}
            best = max(counts, key=lambda c: med[c])
            ratio = med[best] / med[None]
            ok = ratio <= 1.5
            failed += not ok
            shown = ", ".join(f"{c} thread(s) {med[c]:,.0f}" for c in counts)
            print(f"{condition:>9}: {shown} samples/s; default (chose {sorted(set(chosen))}) {med[None]:,.0f}; "
                  f"best {best}; best ÷ default {ratio:.2f}x (target <= 1.5x) {'ok' if ok else 'MISSED'}",
                  flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
