"""The convolution explorer on its own: python -m visualizer.ui.conv [--lecture] [--sample NAME] [--step N]"""

from __future__ import annotations

import sys


def _setup(panel, args: list[str]) -> None:
    if "--lecture" in args:
        from PySide6.QtWidgets import QApplication

        panel.set_lecture_mode(True)
        f = QApplication.font()
        f.setPointSizeF(f.pointSizeF() * 1.6)
        panel.setFont(f)
    if "--sample" in args:
        panel.load_sample(args[args.index("--sample") + 1])
    if "--step" in args:
        for _ in range(int(args[args.index("--step") + 1])):
            panel.stepper.step_forward()


def main(argv: list[str] | None = None) -> int:
    from visualizer.ui.conv.panel import ConvPanel
    from visualizer.ui.shell.application import run_panel

    return run_panel(ConvPanel, "Convolution", (1500, 920), _setup, sys.argv if argv is None else argv)


if __name__ == "__main__":
    raise SystemExit(main())
