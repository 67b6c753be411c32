"""The app's stored settings: one home for their keys, defaults, cleaning and storage.

The Settings dialog edits these values and the main window applies them; both read and write them
only through this module (`load_settings`, `save_settings`), and `app_settings()` is the one
QSettings store of the app (settings, the saved session, window geometry).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from visualizer.core import appdirs
from visualizer.core.devices import DEVICE_CHOICES
from visualizer.ui.shell.theme import THEMES

ORG = "ConvViz"
APP = "ConvViz"

DEVICES = DEVICE_CHOICES
DEFAULTS: dict[str, Any] = {
    "theme": "system",
    "font_scale": 1.0,
    "default_device": "auto",
    "mnist_dir": "",
    "runs_dir": "",
}
#: Where each setting is kept. The text size shares its key with View -> Larger/Smaller text.
KEYS = {
    "theme": "settings/theme",
    "font_scale": "view/font_scale",
    "default_device": "settings/default_device",
    "mnist_dir": "settings/mnist_dir",
    "runs_dir": "settings/runs_dir",
}
FONT_SCALE_RANGE = (0.5, 4.0)


#: A file that stands in for the user's store (`use_settings_file`), or None.
_STORE_FILE: Path | None = None


def use_settings_file(path: Path | None) -> None:
    """From now on keep every setting and the session in the INI file `path` instead of the user's
    store (`convviz snapshot` builds its window on fresh settings); None: the user's store again."""
    global _STORE_FILE
    _STORE_FILE = Path(path) if path is not None else None


def app_settings() -> QSettings:
    """The app's QSettings store (per user; see README, "Where ConvViz keeps its files")."""
    if _STORE_FILE is not None:
        return QSettings(str(_STORE_FILE), QSettings.Format.IniFormat)
    return QSettings(ORG, APP)


def clean_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Known keys only, each a valid value (a stale or hand-edited entry falls back to its default)."""
    out = dict(DEFAULTS)
    theme = str(raw.get("theme", DEFAULTS["theme"]))
    out["theme"] = theme if theme in THEMES else DEFAULTS["theme"]
    try:
        scale = float(raw.get("font_scale", 1.0))
    except (TypeError, ValueError, OverflowError):
        scale = 1.0
    if not (scale == scale) or scale <= 0:  # NaN or nonsense
        scale = 1.0
    out["font_scale"] = round(min(FONT_SCALE_RANGE[1], max(FONT_SCALE_RANGE[0], scale)), 2)
    device = str(raw.get("default_device", "auto"))
    out["default_device"] = device if device in DEVICES else "auto"
    for key in ("mnist_dir", "runs_dir"):
        value = raw.get(key, "")
        out[key] = str(value).strip() if value is not None else ""
    return out


def load_settings(settings: QSettings | None = None) -> dict[str, Any]:
    s = settings or app_settings()
    return clean_settings({key: s.value(qkey, DEFAULTS[key]) for key, qkey in KEYS.items()})


def save_settings(values: dict[str, Any], settings: QSettings | None = None) -> dict[str, Any]:
    values = clean_settings(values)
    s = settings or app_settings()
    for key, qkey in KEYS.items():
        s.setValue(qkey, values[key])
    s.sync()
    return values


def effective_mnist_dir(values: dict[str, Any]) -> Path:
    """The folder the training tab reads MNIST from when `mnist_dir` is left empty."""
    if values.get("mnist_dir"):
        return Path(values["mnist_dir"]).expanduser()
    env = os.environ.get(appdirs.DATA_ENV)
    return Path(env) if env else appdirs.mnist_dir()


def effective_runs_dir(values: dict[str, Any]) -> Path:
    return Path(values["runs_dir"]).expanduser() if values.get("runs_dir") else appdirs.runs_dir()


def folder_problem(text: str, what: str) -> str | None:
    """Why `text` cannot be used as a folder, or None when it can (empty means the default)."""
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute():
        return f"The {what} must be a full path (starting with / or a drive letter)."
    if path.exists() and not path.is_dir():
        return f"The {what} {path} is a file, not a folder."
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        return f"The {what} {path} cannot be written to (no permission)."
    return None


def validate(values: dict[str, Any]) -> list[str]:
    """Problems that stop the settings being applied, in words for the dialog."""
    problems = []
    for key, what in (("mnist_dir", "MNIST folder"), ("runs_dir", "runs folder")):
        problem = folder_problem(str(values.get(key, "")), what)
        if problem:
            problems.append(problem)
    return problems
