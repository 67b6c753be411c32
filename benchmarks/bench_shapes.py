"""How long the shape calculator takes for a big net, next to building the torch module alone.

    python benchmarks/bench_shapes.py [--preset vgg16] [--repeat 5] [--cpu-baseline]

Times, in the same run and on the same machine (best of --repeat):
  * build: ``build_torch_module`` on the meta device (torch.nn modules, no memory) — the baseline;
  * table: ``compute_table`` alone — what the Shapes tab recomputes on every edit; it must stay
    far under one frame (16 ms) so editing a cell shows no delay;
  * table + text: the table and its text rendering (what `convviz shapes` prints);
  * table + check: the full table plus its torch cross-check (``torch_check``: every layer run
    on the meta device with the FLOP counter, then the whole network);
and prints each as a ratio to the build. With --cpu-baseline it also builds the module with
real float32 weights on the CPU (VGG16: ~550 MB), the cost of "just asking torch".
"""

from __future__ import annotations

import argparse
import sys

from _timing import best_of  # benchmarks/ is the script's folder on sys.path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="vgg16")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cpu-baseline", action="store_true", help="also build the module with real weights")
    args = ap.parse_args(argv)

    import torch

    from visualizer.core.architecture import build_torch_module, compute_table, preset, torch_check
    from visualizer.core.table_format import format_table

    arch = preset(args.preset)

    def build_meta():
        with torch.device("meta"):
            build_torch_module(arch)

    def table_and_check():
        compute_table(arch)
        problems = torch_check(arch)
        assert not problems, problems

    # Warm up imports and torch's first-call costs so they are not charged to one side.
    build_meta()
    table_and_check()
    format_table(compute_table(arch), "text")

    t_build = best_of(args.repeat, build_meta)
    t_table = best_of(max(args.repeat, 20), lambda: compute_table(arch))
    t_text = best_of(max(args.repeat, 20), lambda: format_table(compute_table(arch), "text"))
    t_check = best_of(args.repeat, table_and_check)
    table = compute_table(arch)

    print(f"{args.preset}: {len(arch.layers)} layers, {table.total_params:,} params, "
          f"{table.total_macs / 1e9:.2f} G MACs; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'what':<40}{'time':>12}{'ratio to build':>16}")
    rows = [
        ("build torch module (meta) [baseline]", t_build),
        ("compute_table", t_table),
        ("compute_table + text format", t_text),
        ("table + torch cross-check (meta)", t_check),
    ]
    if args.cpu_baseline:
        t_cpu = best_of(min(args.repeat, 2), lambda: build_torch_module(arch))
        rows.append(("build torch module (CPU weights)", t_cpu))
    for what, t in rows:
        print(f"{what:<40}{t * 1e3:>10.2f} ms{t / t_build:>15.2f}x")
    frame = 1 / 60
    verdict = "OK" if t_table < frame else "TOO SLOW"
    print(f"compute_table is {t_table * 1e3:.2f} ms = {t_table / frame:.1%} of a 60 Hz frame (16.7 ms): {verdict}")
    return 0 if t_table < frame else 1


if __name__ == "__main__":
    sys.exit(main())
