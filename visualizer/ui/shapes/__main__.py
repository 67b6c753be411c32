"""`python -m visualizer.ui.shapes [PRESET | FILE.json] [--check]`: the Shapes tool on its own."""

from __future__ import annotations

import sys
from pathlib import Path


def _setup(panel, args: list[str]) -> None:
    if args and not args[0].startswith("--"):
        target = args[0]
        if Path(target).suffix == ".json" and Path(target).exists():
            panel.open_path(target)
        else:
            panel.load_preset(target)
    if "--check" in args:
        panel.check_view.use_example()
        panel.show_check_view()


def main(argv: list[str] | None = None) -> int:
    from visualizer.ui.shapes.panel import ShapesPanel
    from visualizer.ui.shell.application import run_panel

    return run_panel(ShapesPanel, "Shapes", setup=_setup, argv=sys.argv if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
