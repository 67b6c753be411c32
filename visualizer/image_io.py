"""Load images (PNG, JPEG, BMP, ...) as numpy arrays, for the explorer and the `conv` CLI.

This uses QtGui's QImage, which needs no display and no QApplication, so the CLI can use it; it
lives outside `visualizer.core`, which stays free of Qt.
"""

from __future__ import annotations

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


def load_image(path: str | Path, channels: str = "auto") -> np.ndarray:
    """Read an image file as (C, H, W) float64 in 0..255; UserInputError when it cannot be read."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"image file not found: {p}")
    reader = QImageReader(str(p))
    image = reader.read()
    if image.isNull():
        raise UserInputError(f"cannot read image {p.name}: {reader.errorString()}")
    return qimage_to_array(image, channels)


def sample_images() -> dict[str, Path]:
    """Bundled sample images (resources/samples), name -> path, sorted by name."""
    folder = resource_root() / "samples"
    if not folder.is_dir():
        return {}
    return {f.stem: f for f in sorted(folder.iterdir()) if f.suffix.lower() in IMAGE_SUFFIXES}
