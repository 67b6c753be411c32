"""Where ConvViz keeps its files, computed without Qt.

The paths match what Qt's `QStandardPaths.AppDataLocation` gives for an application named
"ConvViz" with no organization folder, so the CLI and the GUI agree on one data folder
(a test holds the two against each other).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ConvViz"
DATA_ENV = "CONVVIZ_DATA"


def app_data_dir() -> Path:
    """The per-user folder for MNIST downloads, runs and logs."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def mnist_dir() -> Path:
    """The app's own MNIST folder (used when neither --data nor CONVVIZ_DATA is given)."""
    return app_data_dir() / "mnist"


def runs_dir() -> Path:
    """The default folder where training runs are saved."""
    return app_data_dir() / "runs"


def log_dir() -> Path:
    """The folder for crash logs."""
    return app_data_dir() / "logs"
