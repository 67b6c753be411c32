"""Guards against a Qt binding that would crash the app (see the PySide6 pin in pyproject.toml)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtGui import QColor, QImage, QPainter, QPen


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_void_qt_calls_keep_none_alive():
    # PySide6 6.12.0 decrements None's reference count on each call returning nothing; the app then
    # dies with "Fatal Python error: none_dealloc" after enough paints.
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    pen = QPen(QColor(1, 2, 3))
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.setPen(pen)
    after = sys.getrefcount(None)
    painter.end()
    assert after - before > -100, f"None lost {before - after} references in 2000 setPen calls"
