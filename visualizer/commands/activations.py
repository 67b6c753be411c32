"""`convviz activations`: every layer's output of a net for one MNIST digit.

    convviz activations (--run DIR | --net NAME|FILE [--seed N]) (--index I | --image FILE)
                        [--data DIR] [--format json|npz] [--out FILE]

--run DIR takes a saved run's architecture and trained weights (model.pt); --net an untrained
preset or architecture JSON file, its weights drawn under --seed (default 0). --index I is image I
of the MNIST test set (counting from 0); --image FILE an image file, given MNIST's preprocessing
(fitted into 20×20, centred by mass in 28×28; dark ink on light paper is inverted).

json: {"input": 28×28 rows, "layers": [{"name", "type", "shape", "values"}], "probabilities",
"prediction", "label"} (label null for --image). npz: one array per layer named by the layer's
name, plus "input" and "probabilities". Written to --out FILE (atomically) or stdout.

--gradients [--target CLASS] also backpropagates the cross-entropy of class CLASS (default: the
true label, or the prediction for --image): each json layer gets "grad" (∂L/∂ its output, the shape
of "values"), the top level "input_grad" (∂L/∂input), "loss" and "target"; npz gets "grad/<layer>",
"input_grad", "loss" and "target".

Exit status: 0 done; 2 an input that cannot be read (one line on stderr).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from visualizer.commands import command_parser
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import counting_arg

#: The biggest image file read (its pixels are few once fitted into 20×20).
MAX_IMAGE_VALUES = 16_000_000


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = command_parser(
        subparsers, "activations",
        description="Run one MNIST digit through a net and print every layer's output, the class "
        "probabilities, the prediction and the true label.",
        epilog="examples:\n"
        "  convviz activations --run runs/course --index 0\n"
        "  convviz activations --net mnist-net1 --seed 3 --image seven.png --format npz --out seven.npz\n"
        "exit status: 0 done; 2 an input that cannot be read.",
    )
    add_net_source(p)
    image = p.add_mutually_exclusive_group(required=True)
    image.add_argument("--index", type=_index, metavar="I", help="image I of the MNIST test set (from 0)")
    image.add_argument("--image", metavar="FILE", help="an image file (PNG, JPEG, ...) of one digit")
    p.add_argument("--data", metavar="DIR", help="the MNIST folder (default: the usual places)")
    p.add_argument("--format", choices=("json", "npz"), default="json", help="output format (default: json)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--gradients", action="store_true",
                   help="also write ∂L/∂ each layer's output and ∂L/∂input for the cross-entropy L of --target")
    p.add_argument("--target", type=_target, metavar="CLASS", help="with --gradients: the class of the loss, "
                   "0 to 9 (default: the true label, or the prediction for --image)")
    p.set_defaults(func=run)


def add_net_source(p: argparse.ArgumentParser) -> None:
    """--run DIR | --net NAME|FILE [--seed N]: the net to load (shared with `convviz bn`)."""
    net = p.add_mutually_exclusive_group(required=True)
    net.add_argument("--run", metavar="DIR", help="a saved run folder (config.json and model.pt)")
    net.add_argument("--net", metavar="NAME|FILE", help="an untrained preset (mnist-net1, mnist-net2) or "
                     "architecture JSON file with a 1×28×28 input and 10 outputs")
    p.add_argument("--seed", type=_seed, default=None, metavar="N",
                   help="with --net: the seed of the initial weights (default 0)")


_index = counting_arg("--index")
_target = counting_arg("--target", 0, 9, "a class from 0 to 9")
_seed_digits = counting_arg("--seed")


def _seed(text: str) -> int:
    n = _seed_digits(text)
    if n >= 2**63:
        raise argparse.ArgumentTypeError(f"--seed must be below 2**63, got {text}")
    return n


def load_net(args: argparse.Namespace):
    from visualizer.core import activations as act

    if args.run:
        if args.seed is not None:
            raise UserInputError("--seed goes with --net (a run's weights are its own)")
        return act.run_net(args.run)
    from visualizer.commands.shapes import load_architecture

    arch = load_architecture(args.net, "--net")
    return act.untrained_net(arch if not _is_preset(args.net) else args.net, args.seed or 0)


def _is_preset(spec: str) -> bool:
    from visualizer.core.architecture import PRESETS

    return spec.strip().lower().replace("_", "-") in PRESETS


def load_digit(args: argparse.Namespace):
    """(normalized 28×28, true label or None)."""
    from visualizer.core import activations as act

    if args.index is not None:
        images, labels = act.mnist_test_set(args.data)
        i = act.check_index(args.index, len(images))
        return act.normalize(images[i]), int(labels[i])
    path = Path(args.image)
    if path.is_file() and path.stat().st_size == 0:
        raise UserInputError(f"cannot read image {path.name}: the file is empty")
    from visualizer.image_io import load_image

    raw = load_image(path, "auto", max_values=MAX_IMAGE_VALUES, quiet=True)
    return act.normalize(act.mnist_preprocess(raw)), None


def run(args: argparse.Namespace) -> int:
    from visualizer.core import activations as act

    if args.out is not None:
        out = Path(args.out)
        if out.is_dir():
            raise UserInputError(f"--out {out} is a folder; give a file name")
    if args.target is not None and not args.gradients:
        raise UserInputError("--target goes with --gradients")
    net = load_net(args)
    x, label = load_digit(args)
    acts = act.forward(net, x)
    grads = None
    if args.gradients:
        from visualizer.core.gradients import net_gradients

        target = args.target if args.target is not None else (label if label is not None else acts.prediction)
        grads = net_gradients(net, x, target)
    data = _encode(acts, label, grads, args.format)
    if args.out is not None:
        from visualizer.core.atomic import write_atomic

        write_atomic(Path(args.out), data)
        return 0
    if args.format == "npz" and sys.stdout.isatty():
        raise UserInputError("--format npz is binary: give --out FILE or redirect standard output")
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a test's StringIO
        sys.stdout.write(data.decode("latin-1"))
    else:
        sys.stdout.flush()
        stream.write(data)
    return 0


def _encode(acts, label, grads, fmt: str) -> bytes:
    """The json or npz bytes of the activations (and the gradients, when computed)."""
    from visualizer.core import activations as act
    from visualizer.core import gradients as gr

    if fmt == "json":
        from visualizer.core.safe_json import dumps_strict

        doc = act.activations_to_dict(acts, label)
        text, _nulls = dumps_strict(gr.add_to_dict(doc, grads) if grads is not None else doc)
        return (text + "\n").encode("utf-8")
    import numpy as np

    arrays = act.activations_arrays(acts)
    buf = io.BytesIO()
    np.savez(buf, **(gr.add_to_arrays(arrays, grads) if grads is not None else arrays))
    return buf.getvalue()
