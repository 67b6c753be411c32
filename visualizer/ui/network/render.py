"""Numbers to pictures: a diverging colour map (blue < 0 < red, white at 0) and a grey one, as
QImages made from numpy in one pass per layer."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PySide6.QtCore import QRectF


def _diverging_lut() -> np.ndarray:
    """256 ARGB32 colours: blue (−) through white (0) to red (+)."""
    t = np.linspace(-1.0, 1.0, 256)
    blue = np.array([33, 102, 172], float)
    red = np.array([178, 24, 43], float)
    white = np.array([247, 247, 247], float)
    rgb = np.where(t[:, None] < 0, white + (blue - white) * (-t[:, None]), white + (red - white) * t[:, None])
    rgb = np.clip(np.round(rgb), 0, 255).astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


DIVERGING = _diverging_lut()
GREY = (0xFF000000 | (np.arange(256, dtype=np.uint32) * 0x010101)).astype(np.uint32)


def diverging_colour(t: float) -> QColor:
    """The colour of value t in −1..1."""
    i = int(np.clip(round((t + 1) * 127.5), 0, 255))
    return QColor.fromRgba(int(DIVERGING[i]))


def scales_of(values: np.ndarray, own: bool) -> np.ndarray:
    """Per map, the largest |value| that maps to full colour: one for the whole layer (shared) or
    one for each map (own). Never 0 (a blank map stays white)."""
    a = np.abs(values.reshape(values.shape[0], -1)) if values.ndim == 3 else np.abs(values.reshape(1, -1))
    m = a.max(axis=1) if own else np.full(a.shape[0], a.max() if a.size else 0.0)
    return np.where(np.isfinite(m) & (m > 0), m, 1.0)


def to_images(values: np.ndarray, scales: np.ndarray, lut: np.ndarray = DIVERGING, signed: bool = True
              ) -> list[QImage]:
    """(C, H, W) → C QImages (copies, so the numpy buffer may go)."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64))
    s = scales.reshape(-1, 1, 1)
    t = v / s
    idx = np.clip(np.round((t + 1) * 127.5 if signed else t * 255), 0, 255).astype(np.intp)
    argb = np.ascontiguousarray(lut[idx])
    c, h, w = argb.shape
    return [QImage(argb[i].data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy() for i in range(c)]


def grey_image(pixels: np.ndarray) -> QImage:
    """28×28 in 0..255 → a grey QImage (white ink on black, as the net sees it)."""
    p = np.clip(np.round(np.nan_to_num(np.asarray(pixels, dtype=np.float64))), 0, 255).astype(np.intp)
    argb = np.ascontiguousarray(GREY[p])
    h, w = argb.shape
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()


def paint_colour_bar(p: QPainter, rect: QRectF) -> None:
    g = QLinearGradient(rect.left(), 0, rect.right(), 0)
    for t in np.linspace(0, 1, 9):
        g.setColorAt(float(t), diverging_colour(float(t) * 2 - 1))
    p.fillRect(rect, g)
