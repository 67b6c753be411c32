"""`python -m visualizer.ui.training`: the Training tool on its own, for development."""

from __future__ import annotations

import sys


def _setup(panel, _argv) -> None:
    from visualizer.ui.shell.devices import device_probe

    device_probe().start()  # the main window does this after it shows; here nobody else does


def main(argv=None) -> int:
    from visualizer.ui.shell.application import run_panel
    from visualizer.ui.training.panel import TrainingPanel

    return run_panel(TrainingPanel, "Training", (1500, 950), setup=_setup, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
