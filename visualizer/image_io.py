"""Load images (PNG, JPEG, BMP, ...) as numpy arrays, for the explorer and the `conv` CLI.

This uses QtGui's QImage, which needs no display and no QApplication, so the CLI can use it; it
lives outside `visualizer.core`, which stays free of Qt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage, QImageReader

from visualizer.core.errors import UserInputError
from visualizer.resources import resource_root

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".pgm", ".ppm", ".tif", ".tiff", ".webp", ".svg")


def is_image_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def qimage_to_array(image: QImage, channels: str = "auto") -> np.ndarray:
    """(C, H, W) float64 with values 0..255; C is 1 for grayscale and 3 for RGB.

    channels: "gray", "rgb", or "auto" (grayscale when the image has no colour).
    """
    if channels not in ("auto", "gray", "rgb"):
        raise UserInputError(f"channels must be auto, gray or rgb, not {channels!r}")
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w = rgb.height(), rgb.width()
    buf = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=rgb.sizeInBytes())
    arr = buf.reshape(h, rgb.bytesPerLine())[:, : w * 3].reshape(h, w, 3).astype(np.float64)
    arr = arr.transpose(2, 0, 1).copy()
    if channels == "rgb":
        return arr
    is_gray = bool(np.array_equal(arr[0], arr[1]) and np.array_equal(arr[1], arr[2]))
    if channels == "gray" or is_gray:
        if is_gray:
            return arr[:1].copy()
        # ITU-R BT.601 luma, as most image tools convert
        return (0.299 * arr[0] + 0.587 * arr[1] + 0.114 * arr[2])[None, :, :]
    return arr


#: Qt refuses to decode images needing more than this many MB (QImageReader's default).
QT_DEFAULT_ALLOCATION_MB = 256
#: Up to this many MB we raise Qt's limit for an image whose size the header gives.
MAX_ALLOCATION_MB = 2048


class _QtMessages:
    """Collects Qt's messages (libpng warnings, "Rejecting image …") while an image is read, so
    they end up in our one error line instead of on stderr."""

    def __init__(self, capture_stderr: bool = False):
        self.lines: list[str] = []
        self._previous = None
        self._capture = capture_stderr
        self._saved_fd: int | None = None
        self._file = None

    def __enter__(self):
        from PySide6.QtCore import qInstallMessageHandler

        if self._capture:  # libpng prints its errors straight to stderr (fd 2), not through Qt
            import tempfile

            try:
                sys.stderr.flush()
                self._file = tempfile.TemporaryFile()
                self._saved_fd = os.dup(2)
                os.dup2(self._file.fileno(), 2)
            except (OSError, ValueError):
                self._restore_fd()

        def handler(mode, context, message):
            self.lines.append(str(message))

        self._handler = handler  # kept alive while installed
        self._previous = qInstallMessageHandler(handler)
        return self

    def __exit__(self, *exc):
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(self._previous)
        self._restore_fd()

    def _restore_fd(self) -> None:
        if self._saved_fd is not None:
            os.dup2(self._saved_fd, 2)
            os.close(self._saved_fd)
            self._saved_fd = None
        if self._file is not None:
            try:
                self._file.seek(0)
                text = self._file.read(4096).decode("utf-8", "replace")
                self.lines += [line for line in text.splitlines() if line.strip()]
            finally:
                self._file.close()
                self._file = None


def load_image(path: str | Path, channels: str = "auto", max_values: int | None = None,
               quiet: bool = False) -> np.ndarray:
    """Read an image file as (C, H, W) float64 in 0..255; UserInputError when it cannot be read.

    `max_values`: refuse (before decoding, from the header's size) an image of more pixels than
    that (of more than a third as many when it is read as "rgb": three values a pixel), and after
    decoding one of more C·H·W values. Qt's own 256 MB decoding limit is raised
    for an image whose header gives its size, up to MAX_ALLOCATION_MB; beyond, the message says so.
    Qt's messages while decoding become part of the error; `quiet` (for the CLI) also catches what
    the image libraries print to stderr themselves (libpng), by redirecting file descriptor 2."""
    p = Path(path)
    if p.is_dir():
        raise UserInputError(f"{p} is a folder, not an image file")
    if not p.is_file():
        raise UserInputError(f"image file not found: {p}")
    with _QtMessages(capture_stderr=quiet) as messages:
        reader = QImageReader(str(p))
        size = reader.size()
        w, h = (size.width(), size.height()) if size.isValid() else (0, 0)
        per_pixel = 3 if channels == "rgb" else 1  # "auto" may still turn out grey: one value
        if max_values is not None and per_pixel * w * h > max_values:
            what = f"{w:,}×{h:,} pixels" + (" × 3 colours" if per_pixel == 3 else "")
            raise UserInputError(
                f"image {p.name} is {what} ({per_pixel * w * h:,} values); at most {max_values:,} values "
                f"are accepted: shrink or crop it first")
        need_mb = (w * h * 4) // 2**20 + 1  # decoded as 32-bit pixels
        if need_mb > QT_DEFAULT_ALLOCATION_MB and need_mb <= MAX_ALLOCATION_MB:
            reader.setAllocationLimit(need_mb + 16)
        image = reader.read()
    if image.isNull():
        reason = reader.errorString()
        if need_mb > MAX_ALLOCATION_MB or any("allocation limit" in m for m in messages.lines):
            reason = (f"{reason}: the image is {w:,}×{h:,} pixels, more than Qt decodes at once "
                      f"({max(need_mb, QT_DEFAULT_ALLOCATION_MB):,} MB needed); shrink it first")
        elif messages.lines:
            reason = f"{reason} ({messages.lines[-1].strip()[:120]})"
        raise UserInputError(f"cannot read image {p.name}: {reason}")
    arr = qimage_to_array(image, channels)
    if max_values is not None and arr.size > max_values:
        raise UserInputError(
            f"image {p.name} has {arr.size:,} values ({arr.shape[0]}×{h:,}×{w:,}); at most {max_values:,} are "
            f"accepted: shrink or crop it first")
    return arr


def sample_images() -> dict[str, Path]:
    """Bundled sample images (resources/samples), name -> path, sorted by name."""
    folder = resource_root() / "samples"
    if not folder.is_dir():
        return {}
    return {f.stem: f for f in sorted(folder.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES}
