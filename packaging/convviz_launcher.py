"""Entry point of the frozen bundle: the same `convviz` command (GUI without a subcommand)."""

import multiprocessing
import sys

from visualizer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless on Linux; needed if anything ever spawns workers
    sys.exit(main())
