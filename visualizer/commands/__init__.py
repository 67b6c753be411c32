"""CLI subcommands: each module has `add_parser(subparsers)` and a `run(args) -> int`.

`COMMANDS` names them with their one-line help, so `convviz --help` and `convviz --version` can
list them without importing the modules (which pull in numpy and the presets): the CLI builds the
full parser only of the subcommand that is run.
"""

import argparse

COMMANDS = {
    "conv": "convolve a matrix or image with a kernel and print the output",
    "shapes": "layer-by-layer output shapes, parameters and MACs of a CNN; check a hand-written table",
    "train": "train an MNIST net (mnist-net1, mnist-net2 or a JSON architecture)",
    "activations": "every layer's output of a net (a saved run or an untrained preset) for one digit",
    "bn": "batch norm step by step: one BatchNorm2d layer's statistics on a mini-batch of MNIST",
    "sweep": "train a grid of settings × seeds (comma lists of train's options), here or on a Ray cluster",
    "export-tensorboard": "write runs and sweeps as TensorBoard event files (scalars, hparams, histograms)",
    "snapshot": "render one view of the app at a screen size as a PNG, and report what does not fit",
}


def command_parser(subparsers: argparse._SubParsersAction, name: str, description: str, epilog: str,
                   raw: bool = True) -> argparse.ArgumentParser:
    """The parser of subcommand `name`, its one-line help from COMMANDS; `raw`: the description and
    epilog shown as written (their line breaks kept), else wrapped to the terminal by argparse."""
    formatter = argparse.RawDescriptionHelpFormatter if raw else argparse.HelpFormatter
    return subparsers.add_parser(name, help=COMMANDS[name], description=description, epilog=epilog,
                                 formatter_class=formatter)
