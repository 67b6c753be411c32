"""One writer per run folder: `RunLock`, and `discard_if_unused` for a run that failed before it
trained anything (no Qt, no torch).

Used by `convviz train`, `convviz sweep` (each run and the sweep folder), and the Training tab's
worker and model.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from pathlib import Path

from visualizer.core.errors import UserInputError


class RunFolderBusy(UserInputError):
    """Another live process holds the run folder's lock."""


class RunLock:
    """An exclusive lock on a run folder, so that two runs never write into one folder.

    The lock is a file, LOCK_NAME, created with O_EXCL and holding the owner's PID and host name.
    It is stale (and taken over) when that process no longer exists on this host (os.kill(pid, 0)
    on POSIX), or when it is empty and older than a few seconds (its writer died at once). The GUI
    can use the same lock (or QLockFile on the same path, which uses the same PID-file idea).

        with RunLock(folder):      # RunFolderBusy (a UserInputError) when a live run holds it
            ...                    # the folder exists from here on
    """

    LOCK_NAME = ".convviz-run.lock"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / self.LOCK_NAME
        self._token = ""
        self.held = False

    # --- who holds it -----------------------------------------------------------------------
    @classmethod
    def holder(cls, folder: str | Path) -> int | None:
        """The PID of the live process holding `folder`'s lock, or None (no lock, or stale)."""
        info = cls._read(Path(folder) / cls.LOCK_NAME)
        if info is None:
            return None
        pid, host, age = info
        return None if cls._is_stale(pid, host, age) else (pid or -1)

    @staticmethod
    def _read(path: Path) -> tuple[int, str, float] | None:
        try:
            with open(path, "rb") as f:
                raw = f.read(200)
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            return None
        except OSError:
            return (-1, "", 0.0)  # unreadable: treat as held (never steal what we cannot read)
        lines = raw.decode("utf-8", "replace").split("\n")
        try:
            pid = int(lines[0]) if lines[0].strip() else 0
        except ValueError:
            pid = 0
        host = lines[1].strip() if len(lines) > 1 else ""
        return pid, host, age

    @staticmethod
    def _is_stale(pid: int, host: str, age: float) -> bool:
        if pid == -1:
            return False
        if pid <= 0:
            return age > 5.0  # empty or garbled: its writer died between create and write
        if host and host != socket.gethostname():
            return False  # another machine's process (a shared drive): we cannot tell, keep it
        return not _pid_alive(pid)

    # --- taking and giving back ----------------------------------------------------------------
    def acquire(self) -> "RunLock":
        """Create the folder if needed and take the lock; RunFolderBusy when a live run holds it."""
        if self.held:
            return self
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise UserInputError(f"{self.folder} is a file, not a folder") from None
        except OSError as exc:
            raise UserInputError(f"cannot create the run folder {self.folder}: {exc.strerror or exc}") from None
        self._token = f"{os.getpid()}\n{socket.gethostname()}\n{secrets.token_hex(8)}\n"
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if not self._break_if_stale():
                    break
                continue
            try:
                os.write(fd, self._token.encode("utf-8"))
            finally:
                os.close(fd)
            self.held = True
            return self
        raise self.busy(self.folder) or RunFolderBusy(
            f"{self.folder} is in use by another run; wait for it to end or choose another folder")

    @classmethod
    def busy(cls, folder: str | Path, name: str | None = None) -> "RunFolderBusy | None":
        """The error to raise when a live run holds `folder` (named `name` in the message, the
        folder itself by default), or None when it is free."""
        folder = Path(folder)
        pid = cls.holder(folder)
        if pid is None:
            return None
        name = name or str(folder)
        who = f"process {pid}" if pid > 0 else "another process"
        info = cls._read(folder / cls.LOCK_NAME)
        host = info[1] if info else ""
        if host and host != socket.gethostname():
            # Whether a process on another machine still lives cannot be told from here.
            return RunFolderBusy(
                f"{name} is in use by a run on {host} ({who}); if that run has ended, delete "
                f"{folder / cls.LOCK_NAME} and start again, or choose another folder")
        return RunFolderBusy(f"{name} is in use by another run ({who}); wait for it to end or choose another folder")

    def _break_if_stale(self) -> bool:
        """Remove a stale lock; True when it was stale (and is gone). Renamed away first, so two
        processes breaking the same stale lock cannot remove each other's new one."""
        info = self._read(self.path)
        if info is None:
            return True  # gone meanwhile
        if not self._is_stale(*info):
            return False
        aside = self.path.with_name(f"{self.LOCK_NAME}.{os.getpid()}.{secrets.token_hex(4)}.stale")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        moved = self._read(aside)
        if moved is not None and not self._is_stale(*moved):
            # Between our look and the rename another process took the lock: put it back.
            try:
                os.link(aside, self.path)
            except OSError:
                pass
            os.unlink(aside)
            return False
        try:
            os.unlink(aside)
        except OSError:
            pass
        return True

    def release(self) -> None:
        """Give the lock back (only if the file is still ours)."""
        if not self.held:
            return
        self.held = False
        try:
            with open(self.path, "rb") as f:
                mine = f.read(200).decode("utf-8", "replace") == self._token
            if mine:
                os.unlink(self.path)
        except OSError:
            pass

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":  # pragma: no cover - Windows: no cheap check; a lock is stale only when empty
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True
    return True


#: What a run writes before its first reporting point (besides temporary files of atomic writes);
#: ui.json is the colour the GUI keeps for the run from its start (core.run_colors).
_EARLY_FILES = {"config.json", "metrics.json", "history.csv", "ui.json"}


def discard_if_unused(folder: str | Path, held: RunLock | None = None) -> bool:
    """Remove a run folder in which nothing was trained: it holds only a run's early files
    (config.json, metrics.json, history.csv, temporary files), metrics.json (if any) records no
    final status, no epoch and no batch, and history.csv no row. Done under the folder's RunLock
    (`held` when the caller holds it, released here; else taken here; a live run holding it
    keeps the folder).
    True when the folder is gone. A few small reads: fine on the GUI thread."""
    folder = Path(folder)
    if not folder.is_dir():
        return not folder.exists()
    lock = held if held is not None and held.held else RunLock(folder)
    mine = lock is not held
    try:
        if mine:
            lock.acquire()
    except UserInputError:
        return False
    removed = False
    try:
        names = [p.name for p in folder.iterdir() if not _is_lock_or_temp(p.name)]
        if _unused(folder, names):
            for p in folder.iterdir():
                if p.name in _EARLY_FILES or (p.name.startswith(".") and p.name.endswith(".tmp")):
                    p.unlink()
            removed = True
    except OSError:
        removed = False
    finally:
        lock.release()
    if not removed:
        return False
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def _is_lock_or_temp(name: str) -> bool:
    return (name == RunLock.LOCK_NAME or name.startswith(RunLock.LOCK_NAME + ".")
            or (name.startswith(".") and name.endswith(".tmp")))


def _unused(folder: Path, names: list[str]) -> bool:
    from visualizer.core.safe_json import read_json_file

    if not set(names) <= _EARLY_FILES:
        return False
    if "metrics.json" in names:
        try:
            doc = read_json_file(folder / "metrics.json")
        except UserInputError:
            return False
        if not isinstance(doc, dict) or doc.get("final") or doc.get("epochs") or doc.get("latest"):
            return False
    if "history.csv" in names:
        with open(folder / "history.csv", "rb") as f:
            if len(f.read(1 << 16).strip().splitlines()) > 1:
                return False
    return True
