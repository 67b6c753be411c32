"""Entry point of the frozen bundle: the same `convviz` command (GUI without a subcommand)."""

import multiprocessing
import os
import sys

from visualizer.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless on Linux; needed if anything ever spawns workers
    if os.environ.get("CONVVIZ_SMOKE_GUI") == "1" and len(sys.argv) == 1:
        # packaging/build.sh's GUI smoke test: walks every tab and the guide (convviz_smoke.py).
        import convviz_smoke

        convviz_smoke.install()
    sys.exit(main())
