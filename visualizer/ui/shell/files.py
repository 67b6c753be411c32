"""Saving a user's file from the GUI: all of it or nothing, through QSaveFile.

The one atomic-save helper of the UI (the core, which has no Qt, uses `core.atomic.write_atomic`).
QSaveFile writes a temporary file beside the target and renames it into place on commit, so a
full disk or a crash mid-save leaves the old file as it was. Like `write_atomic`, it never
replaces what is not a regular file (`core.atomic.save_target`): a symlink's file is saved where
the link points, a character device or FIFO is written in place (a FIFO nobody reads, or whose
reader stops for STREAM_TIMEOUT_S, is refused, so the window never waits on it), and a block
device, a socket or a folder is refused with a plain reason.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSaveFile

from visualizer.core.atomic import save_target, write_in_place
from visualizer.core.errors import UserInputError

#: How long a save waits for a FIFO's reader to take the data (the GUI thread waits meanwhile).
STREAM_TIMEOUT_S = 1.0


def png_bytes(image) -> bytes:
    """A QImage encoded as PNG, in memory (then `save_bytes` writes it atomically)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, "PNG")
    buffer.close()
    if not ok:
        raise OSError("the picture could not be encoded as PNG")
    return bytes(data.data())


def save_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` atomically; UserInputError with a plain reason when it fails."""
    try:
        kind, target = save_target(path)
        if kind == "stream":
            write_in_place(target, data, timeout=STREAM_TIMEOUT_S)
            return
    except OSError as exc:
        raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    f = QSaveFile(str(target))
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
