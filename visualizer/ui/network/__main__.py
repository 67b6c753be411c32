"""The Network tab on its own: python -m visualizer.ui.network [--run DIR] [--index I]"""

from __future__ import annotations

import sys


def _setup(panel, args: list[str]) -> None:
    if "--run" in args:
        index = int(args[args.index("--index") + 1]) if "--index" in args else None
        panel.open_request({"run": args[args.index("--run") + 1], "index": index})


def main(argv: list[str] | None = None) -> int:
    from visualizer.ui.network.panel import NetworkPanel
    from visualizer.ui.shell.application import run_panel

    return run_panel(NetworkPanel, "Network", (1400, 900), _setup, sys.argv if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
