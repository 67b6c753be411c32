"""Make the bundled sample images (run from anywhere; writes next to this script).

    python resources/samples/make_samples.py

Every sample is drawn here, so the project owns them outright. Small sizes on purpose: up to
about 48 pixels the explorer writes the pixel values in the cells.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter  # noqa: E402

HERE = Path(__file__).resolve().parent


def gray_image(a: np.ndarray) -> QImage:
    a = np.ascontiguousarray(np.clip(np.round(a), 0, 255).astype(np.uint8))
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def checkerboard() -> QImage:
    """16×16, squares of 4: edges in both directions for Sobel and Laplacian."""
    y, x = np.mgrid[0:16, 0:16]
    return gray_image(((y // 4 + x // 4) % 2) * 255.0)


def disc() -> QImage:
    """32×32 white disc on black with a soft (anti-aliased) rim."""
    y, x = np.mgrid[0:32, 0:32] + 0.5
    r = np.hypot(y - 16, x - 16)
    return gray_image(np.clip(10.5 - r, 0, 1) * 255.0)


def gradient() -> QImage:
    """48×48 ramp from dark top-left to light bottom-right: blurs change nothing, edges are weak."""
    y, x = np.mgrid[0:48, 0:48]
    return gray_image((x + y) / 94.0 * 255.0)


def digit() -> QImage:
    """28×28 digit 3, white on black, like an MNIST picture."""
    img = QImage(28, 28, QImage.Format.Format_Grayscale8)
    img.fill(0)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    font = QFont("DejaVu Sans")
    font.setPixelSize(24)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor(255, 255, 255))
    p.drawText(QRectF(0, 0, 28, 28), Qt.AlignmentFlag.AlignCenter, "3")
    p.end()
    return img


def rgb_shapes() -> QImage:
    """128×128 colour picture: red, green and blue discs overlapping on a dark ground, with a
    yellow bar, so each channel of an RGB convolution sees something different."""
    img = QImage(128, 128, QImage.Format.Format_RGB888)
    img.fill(QColor(24, 28, 40))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Plus)
    for colour, centre in ((QColor(220, 40, 40), (50, 52)), (QColor(40, 200, 60), (78, 52)),
                           (QColor(50, 80, 230), (64, 76))):
        p.setBrush(colour)
        p.drawEllipse(QPointF(*centre), 30, 30)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    p.setBrush(QColor(250, 210, 40))
    p.drawRect(QRectF(10, 112, 108, 8))
    p.end()
    return img


SAMPLES = {
    "checkerboard": checkerboard,
    "disc": disc,
    "gradient": gradient,
    "digit-3": digit,
    "rgb-shapes": rgb_shapes,
}


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # fonts need an application
    for name, make in SAMPLES.items():
        path = HERE / f"{name}.png"
        if not make().save(str(path), "PNG"):
            print(f"could not write {path}", file=sys.stderr)
            return 1
        print(f"wrote {path}")
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
