"""Saving a file: all of it or nothing, and never replacing what is not a regular file.

`write_atomic` (the core and the CLI) writes a temporary file beside the target and renames it
into place. A rename replaces whatever has the target's name, so it is used only where that is a
regular file (or nothing yet). Any other existing target is looked at first (`save_target`):

- a symlink is followed: a regular file (or nothing) at its end is saved atomically there, so the
  link stays a link; a device or FIFO at its end is treated as below;
- a character device (/dev/null, /dev/full, a terminal) or a FIFO is written in place, as a shell's
  `>` would (`write_in_place`): its errors (e.g. "No space left on device" from /dev/full) are the
  save's errors, and the device node stays;
- a block device (a disk or a partition), a socket or a folder is refused with an OSError naming it.

The GUI (`ui/shell/files.py`, QSaveFile) asks `save_target` too, so both follow one rule.
"""

from __future__ import annotations

import errno
import os
import secrets
import select
import stat
import time
from pathlib import Path
from typing import Literal

SaveKind = Literal["file", "stream"]


def save_target(path: str | Path) -> tuple[SaveKind, Path]:
    """Where and how to save `path`: ("file", P) to write P atomically (temporary file and
    rename; P is `path` or, for a symlink, the file it points to), or ("stream", P) to write
    the device or FIFO P in place. OSError (with the file name) for a target that must not be
    written: a folder, a block device, a socket."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "file", path
    if stat.S_ISLNK(st.st_mode):
        real = Path(os.path.realpath(path))
        try:
            st = os.stat(real)
        except FileNotFoundError:  # a link to a file not made yet: made there, the link kept
            return "file", real
        path = real
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return "file", path
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream", path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    what = "a block device (a disk or a partition)" if stat.S_ISBLK(mode) else "a socket"
    raise OSError(errno.EINVAL, f"it is {what}, not a file; give a file name", str(path))


def write_in_place(path: str | Path, data: bytes, timeout: float | None = None) -> None:
    """Write `data` to a character device or FIFO without replacing it. A FIFO nobody reads is
    refused at once (rather than waiting forever for a reader); with `timeout` (seconds), a
    reader that takes nothing for that long is given up on too. OSError naming `path` when
    writing fails."""
    path = Path(path)
    nonblock = getattr(os, "O_NONBLOCK", 0)  # not on Windows, where there are no FIFOs to wait on
    try:
        fd = os.open(path, os.O_WRONLY | nonblock | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO with no reader
            raise OSError(errno.ENXIO, "a FIFO (named pipe) that nothing is reading", str(path)) from None
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    try:
        if timeout is None and nonblock:
            os.set_blocking(fd, True)
        _write_all(fd, memoryview(data), path, timeout)
    finally:
        os.close(fd)


def _write_all(fd: int, view: memoryview, path: Path, timeout: float | None) -> None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while view:
        try:
            n = os.write(fd, view[: 1 << 20])
        except BlockingIOError:
            left = deadline - time.monotonic() if deadline is not None else None
            if left is not None and left <= 0:
                raise OSError(errno.ETIMEDOUT, "its reader stopped reading", str(path)) from None
            select.select([], [fd], [], left)
            continue
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        view = view[n:]
        if timeout is not None:  # the time limit is on waiting, not on a slow but steady reader
            deadline = time.monotonic() + timeout


def write_atomic(path: str | Path, data: bytes | str, durable: bool = True) -> None:
    """Write to a temporary file beside `path`, then os.replace: readers (and a process that
    crashes) see the old file or the new one, never half of one. `durable` also fsyncs before the
    rename (survives a power cut; costs milliseconds, so progress files during a run skip it).
    A target that is not a regular file is never replaced (see the module docstring)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    kind, target = save_target(path)
    if kind == "stream":
        write_in_place(target, raw)
        return
    # A unique name opened with "x" (not mkstemp, whose 0600 mode would stick to the final file).
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            f.write(raw)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp), tmp):
            # Name the file the user knows (not the temporary one), e.g. for "disk full at model.pt".
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
