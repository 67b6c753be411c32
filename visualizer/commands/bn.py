"""`convviz bn`: one BatchNorm2d layer on one mini-batch of MNIST, Algorithm 1 with its numbers.

    convviz bn (--run DIR | --net NAME|FILE [--seed N]) --layer NAME --batch M
               [--split train|test] [--start I] [--data DIR] [--format text|json]

The batch is images I … I+M−1 of the MNIST file of --split (test: numbered as `convviz activations
--index` numbers them; train: the 60,000-image file), 2 ≤ M ≤ 512. The layers before --layer run
in evaluation mode, the layer itself in training mode on the batch (visualizer.core.batchnorm).

text: Ioffe & Szegedy's four steps per channel, written with that channel's numbers, then the
running averages before and after one training step and evaluation mode's output.
json: {"layer", "batch": {"split", "start", "size", "values_per_channel"}, "eps", "momentum",
"channels": [{"channel" (from 1), "batch_mean", "batch_var", "batch_var_unbiased", "gamma", "beta",
"running_mean", "running_var", "running_mean_after", "running_var_after", "output_mean",
"output_var"}]}.

Exit status: 0 done; 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from visualizer.commands import command_parser
from visualizer.core.parsing import counting_arg


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from visualizer.commands.activations import add_net_source

    p = command_parser(
        subparsers, "bn",
        description="Batch normalisation step by step: one BatchNorm2d layer of a net on a mini-batch of "
        "MNIST images. Per channel: the batch mean and variance, the normalised values, the scale and "
        "shift (Algorithm 1 of Ioffe & Szegedy 2015), and the running averages evaluation uses.",
        epilog="examples:\n"
        "  convviz bn --net mnist-net1 --layer bn1 --batch 128\n"
        "  convviz bn --run runs/course --layer bn2 --batch 2 --split train --start 100 --format json\n"
        "The layers before --layer run in evaluation mode (as `convviz activations` runs them), the layer\n"
        "itself in training mode on the batch; the net is not changed.\n"
        "exit status: 0 done; 2 bad input.",
    )
    add_net_source(p)
    p.add_argument("--layer", required=True, metavar="NAME", help="the BatchNorm2d layer, e.g. bn1")
    # 2 to 512 is core.batchnorm's check (its message names the size given)
    p.add_argument("--batch", required=True, metavar="M", help="images in the mini-batch, 2 to 512",
                   type=counting_arg("--batch", wanted="a whole number of images, 2 to 512"))
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="the MNIST file the batch comes from (default: %(default)s)")
    p.add_argument("--start", type=counting_arg("--start"), default=0, metavar="I",
                   help="the batch's first image, counting from 0 (default: 0)")
    p.add_argument("--data", metavar="DIR", help="the MNIST folder (default: the usual places)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from visualizer.commands.activations import load_net
    from visualizer.core import batchnorm as bn

    net = load_net(args)
    bn.find_batchnorm(net, args.layer)  # a wrong layer is reported before MNIST is read
    bn.check_batch(args.split, args.start, args.batch, 60_000 if args.split == "train" else 10_000)
    images = bn.batch_of(bn.mnist_images(args.split, args.data), args.split, args.start, args.batch)
    stats = bn.layer_statistics(net, args.layer, images, args.split, args.start)
    if args.format == "json":
        from visualizer.core.safe_json import dumps_strict

        text, _nulls = dumps_strict(bn.stats_to_dict(stats))
    else:
        from visualizer.core.batchnorm_text import algorithm_text

        text = algorithm_text(stats, net.source)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return 0
