"""Runs per minute of one small sweep: one run after another, the local backend, Ray Tune.

    python benchmarks/bench_sweep.py [--data DIR] [--lrs 0.1,0.03,0.01,0.003] [--seeds 2]
                                     [--train-size 2000] [--epochs 1] [--skip-ray]

The same `convviz sweep` command (default: 4 learning rates × 2 seeds = 8 runs of mnist-net1 on
2,000 images for 1 epoch, on the CPU, one torch thread per run) is timed from the shell's point of
view (process start to exit, so start-up costs count) three ways, each into a fresh folder:

  queued   --workers 1: one run after another, as the Training tab's experiments do (the baseline)
  local    the local backend's default pool (one worker per core)
  ray      --backend ray: a local Ray instance started by the command (needs convviz[cluster])

It prints runs per minute and each one's ratio to the queued baseline.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def sweep_seconds(extra: list[str], args, folder: Path) -> float:
    cmd = [sys.executable, "-m", "visualizer", "sweep", "--lr", args.lrs, "--seeds", str(args.seeds),
           "--train-size", str(args.train_size), "--val-size", "500", "--test-size", "500",
           "--epochs", str(args.epochs), "--device", "cpu", "--threads-per-run", "1", "--quiet",
           "--out", str(folder), *extra]
    if args.data:
        cmd += ["--data", args.data]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"bench_sweep: {' '.join(extra) or 'local'} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("CONVVIZ_TEST_MNIST") or None)
    ap.add_argument("--lrs", default="0.1,0.03,0.01,0.003")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--train-size", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args()
    runs = len(args.lrs.split(",")) * args.seeds
    cases = [("queued (--workers 1)", ["--workers", "1"]), ("local (default pool)", [])]
    if not args.skip_ray:
        try:
            import ray  # noqa: F401
        except ImportError:
            print('ray is not installed (pip install "convviz[cluster]"): Ray not measured')
        else:
            cases.append(("ray (local instance)", ["--backend", "ray"]))
    print(f"{runs} runs (lr {args.lrs} × {args.seeds} seeds), {args.train_size:,} images × {args.epochs} epoch(s), "
          f"CPU, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    base = None
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    try:
        for name, extra in cases:
            s = sweep_seconds(extra, args, tmp / name.split()[0])
            rpm = runs * 60.0 / s
            base = base or rpm
            print(f"  {name:24s} {s:7.1f} s  {rpm:6.1f} runs/min  {rpm / base:5.2f}× queued")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
