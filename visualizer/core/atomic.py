"""Atomic file writes for the core (the UI uses QSaveFile)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_atomic(path: str | Path, data: bytes | str, durable: bool = True) -> None:
    """Write to a temporary file beside `path`, then os.replace: readers (and a process that
    crashes) see the old file or the new one, never half of one. `durable` also fsyncs before the
    rename (survives a power cut; costs milliseconds, so progress files during a run skip it)."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    # A unique name opened with "x" (not mkstemp, whose 0600 mode would stick to the final file).
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            f.write(raw)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp), tmp):
            # Name the file the user knows (not the temporary one), e.g. for "disk full at model.pt".
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
