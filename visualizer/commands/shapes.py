"""`convviz shapes`: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("shapes", help="(not yet available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from visualizer.core.errors import UserInputError

    raise UserInputError("'convviz shapes' is not available yet")
