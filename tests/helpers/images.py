"""Image files for the tests: a small grayscale PNG, and a PNG that is a header only."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def save_png(path, pixels):
    from PySide6.QtGui import QImage

    a = np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8))
    img = QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()
    assert img.save(str(path))


def png_header_only(path, w, h):
    """A PNG whose header says w×h RGB (the reader learns the size without decoding)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                     + chunk(b"IEND", b""))
    return path
