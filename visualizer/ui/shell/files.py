"""Saving a user's file from the GUI: all of it or nothing, through QSaveFile.

The one atomic-save helper of the UI (the core, which has no Qt, uses `core.atomic.write_atomic`).
QSaveFile writes a temporary file beside the target and renames it into place on commit, so a
full disk or a crash mid-save leaves the old file as it was.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSaveFile

from visualizer.core.errors import UserInputError


def save_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically; UserInputError with a plain reason when it fails."""
    f = QSaveFile(str(path))
    if not f.open(QSaveFile.OpenModeFlag.WriteOnly):
        raise UserInputError(f"cannot write {path}: {f.errorString()}")
    written = f.write(data)
    if written != len(data):
        reason = f.errorString()
        f.cancelWriting()
        f.commit()
        raise UserInputError(f"could not write all of {path}: {reason}")
    if not f.commit():
        raise UserInputError(f"could not save {path}: {f.errorString()}")


def save_text(path: str | Path, text: str) -> None:
    """Write `text` as UTF-8 to `path` atomically (see `save_bytes`)."""
    save_bytes(path, text.encode("utf-8"))
