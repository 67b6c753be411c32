"""`convviz export-tensorboard`: runs and sweeps as TensorBoard event files.

    convviz export-tensorboard RUN_OR_SWEEP_DIR… --out LOGDIR [--overwrite]

One sub-folder of LOGDIR per run (a sweep's runs as SWEEP/RUN), each with one event file: the
curves of history.csv and metrics.json as scalars (step = examples seen), the final numbers, the
config as text, a sweep's settings and seed as hparams, distributions.jsonl as histograms (see
visualizer.core.tensorboard_export). Needs the optional `tensorboard` package.

Exit status: 0 written; 2 bad input or no tensorboard package (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from visualizer.commands import command_parser


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = command_parser(
        subparsers, "export-tensorboard",
        description="Write TensorBoard event files for ConvViz runs and sweeps, so that\n"
        "`tensorboard --logdir LOGDIR` shows them next to your other runs. Needs the tensorboard\n"
        "package: pip install \"convviz[tensorboard]\".",
        epilog="examples:\n"
        "  convviz export-tensorboard runs/course runs/lr0.1 --out tb\n"
        "  convviz export-tensorboard sweeps/lr --out tb --overwrite\n"
        "  tensorboard --logdir tb\n"
        "Scalars (step = examples seen): loss/train, accuracy/train, epoch, samples_per_second,\n"
        "loss/validation, accuracy/validation, final/…; the config as text; a sweep's settings and\n"
        "seed as hparams; distributions.jsonl as histograms (weight/, grad/, activation/ + layer).\n"
        "exit status: 0 written; 2 bad input.",
    )
    p.add_argument("folders", nargs="+", metavar="RUN_OR_SWEEP_DIR",
                   help="a run folder (convviz train --out, or one of the app's runs) or a sweep folder")
    p.add_argument("--out", required=True, metavar="LOGDIR",
                   help="the TensorBoard log folder: new or empty (see --overwrite)")
    p.add_argument("--overwrite", action="store_true",
                   help="write into a folder that holds other files: the event files of these runs' "
                   "sub-folders are replaced, nothing else")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from visualizer.core import tensorboard_export as tb

    out = Path(args.out).expanduser()
    tb.check_logdir(out, args.overwrite)
    tb.import_writer()  # the pip line before any run is read
    plan = tb.plan_export(args.folders)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    totals = tb.export(plan, out, args.overwrite)
    print(f"exported {totals['runs']} run(s): {totals['scalars']:,} scalars, {totals['histograms']:,} histograms "
          f"-> {out}; open with: tensorboard --logdir {out}")
    return 0
