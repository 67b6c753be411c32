"""`python -m visualizer` does what the `convviz` command does."""

import sys

if __name__ == "__main__":
    try:  # a Ctrl+C during the imports of the first half second: a quiet exit 130
        from visualizer.cli import main
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(main())
