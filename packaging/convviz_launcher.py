"""Entry point of the frozen bundle: the same `convviz` command (GUI without a subcommand), through
`visualizer.cli.launch`, which also copes with the missing console of Windows' windowed ConvViz.exe."""

import multiprocessing
import os
import sys

from visualizer.cli import launch

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless on Linux; needed if anything ever spawns workers
    if os.environ.get("CONVVIZ_SMOKE_GUI") == "1" and len(sys.argv) == 1:
        # The GUI smoke test (build.sh, tests/test_smoke.py): walks every tab and the guide (convviz_smoke.py).
        import convviz_smoke

        convviz_smoke.install()
    sys.exit(launch())
