"""The saved session: each tool's state, the window, and crash recovery, in the app's settings store.

Session safety: every panel's state is written on close and every AUTOSAVE_MS while the app runs,
and "session/clean_shutdown" is false while a window is open. If a start finds it false (the last
session crashed or was killed), the saved panel states are moved to "recovery/*" and offered back
("Restore your unsaved work from the last session?"); they stay there until the user restores or
discards them. A lock file in the data folder tells a crash (its process is gone) from a second copy
of the app running beside the first: a second copy neither offers recovery nor marks the session closed.

`SessionStore` knows nothing of widgets: the main window gives it keys and JSON texts.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QByteArray, QLockFile, QSettings

from visualizer.core import appdirs
from visualizer.ui.shell.settings import app_settings

#: How often the session (panel states, tab, window) is written while the app runs.
AUTOSAVE_MS = 30_000
CLEAN_SHUTDOWN_KEY = "session/clean_shutdown"


def is_state(raw: Any) -> bool:
    """A saved panel state worth offering back: a JSON object with something in it."""
    try:
        value = json.loads(str(raw))
    except (TypeError, ValueError, RecursionError):
        return False
    return isinstance(value, dict) and bool(value)


def _to_bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes")


class SessionStore:
    """Reads and writes one window's session (panel states by key, geometry, tab, recovery)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings or app_settings()
        self.lock: QLockFile | None = None
        self.primary = True
        self._last_saved: dict[str, str] = {}

    # -- the lock: are we the app's first copy? ------------------------------------------
    def take_lock(self) -> bool:
        """Hold the session lock while this window lives; False if another live ConvViz process
        holds it (a lock left by a process that died is taken over)."""
        folder = appdirs.app_data_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        self.lock = QLockFile(str(folder / "session.lock"))
        self.lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        locked = self.lock.tryLock(0)
        self.primary = locked or self.lock.error() != QLockFile.LockError.LockFailedError
        return self.primary

    # -- reading at start ----------------------------------------------------------------
    def window_value(self, name: str) -> QByteArray | None:
        value = self.settings.value(f"window/{name}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def tab_index(self) -> int:
        try:
            return int(self.settings.value("window/tab", 0))
        except (TypeError, ValueError, OverflowError):
            return 0

    def open(self, keys: list[str]) -> tuple[dict[str, str], dict[str, dict]]:
        """Start a session: (states to restore now, by key; states to offer back after a crash).

        Marks the session open (not closed cleanly) until `close()`."""
        s = self.settings
        self.take_lock()
        # A second copy of the app running beside the first is not a crash.
        clean = _to_bool(s.value(CLEAN_SHUTDOWN_KEY), True) or not self.primary
        saved = {key: s.value(f"panels/{key}") for key in keys}
        restore: dict[str, str] = {}
        if clean:
            for key, raw in saved.items():
                if raw:
                    restore[key] = str(raw)
                    self._last_saved[key] = str(raw)
        else:
            # The last session ended without closing: its autosaved work waits for the user's word.
            unsaved = {k: str(v) for k, v in saved.items() if v and is_state(v)}
            if unsaved:
                s.remove("recovery")
                for key, raw in unsaved.items():
                    s.setValue(f"recovery/{key}", raw)
        recovered: dict[str, dict] = {}
        for key in keys if self.primary else []:
            raw = s.value(f"recovery/{key}")
            if raw and is_state(raw):
                recovered[key] = json.loads(str(raw))
        if self.primary:
            s.setValue(CLEAN_SHUTDOWN_KEY, False)
        s.sync()
        return restore, recovered

    def forget_recovery(self) -> None:
        self.settings.remove("recovery")
        self.settings.sync()

    # -- writing -------------------------------------------------------------------------
    def write_states(self, states: dict[str, str]) -> None:
        """Write the panels' states (JSON texts by key), only those that changed since last time."""
        for key, text in states.items():
            if self._last_saved.get(key) != text:
                self.settings.setValue(f"panels/{key}", text)
                self._last_saved[key] = text

    def write_window(self, **values: Any) -> None:
        """window/geometry, window/state, window/tab, and view/font_scale when given."""
        for name, value in values.items():
            key = "view/font_scale" if name == "font_scale" else f"window/{name}"
            self.settings.setValue(key, value)

    def sync(self) -> None:
        self.settings.sync()

    def close(self) -> None:
        """Mark the session closed cleanly and let go of the lock (first copy only)."""
        if self.primary:
            self.settings.setValue(CLEAN_SHUTDOWN_KEY, True)
            self.settings.sync()
            if self.lock is not None:
                self.lock.unlock()
