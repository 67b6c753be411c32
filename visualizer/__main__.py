"""`python -m visualizer` does what the `convviz` command does."""

import sys

from visualizer.cli import main

if __name__ == "__main__":
    sys.exit(main())
