"""Export from the explorer: the output matrix as text, the current view as PNG or SVG.

Every save goes through QSaveFile, so an interrupted save never leaves half a file behind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSaveFile, QSize
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from visualizer.core.errors import UserInputError
from visualizer.core.matrix_format import to_csv, to_latex, to_markdown

#: Text formats: name -> (file-dialog filter, suffix, formatter).
TEXT_FORMATS = {
    "csv": ("CSV file (*.csv)", ".csv", to_csv),
    "markdown": ("Markdown table (*.md)", ".md", to_markdown),
    "latex": ("LaTeX bmatrix (*.tex)", ".tex", to_latex),
}


def matrix_text(matrix: np.ndarray, fmt: str) -> str:
    if fmt == "tsv":
        # Tab-separated pastes straight into spreadsheet cells.
        return to_csv(matrix).replace(",", "\t")
    return TEXT_FORMATS[fmt][2](matrix)


def with_suffix(path: str | Path, suffix: str) -> Path:
    """`path`, with `suffix` added when the user typed a name without one."""
    p = Path(path)
    return p if p.suffix else p.with_name(p.name + suffix)


def write_atomically(path: str | Path, data: bytes) -> None:
    f = QSaveFile(str(path))
    if not f.open(QIODevice.OpenModeFlag.WriteOnly):
        raise UserInputError(f"cannot write {path}: {f.errorString()}")
    if f.write(QByteArray(data)) != len(data):
        err = f.errorString()
        f.cancelWriting()
        raise UserInputError(f"cannot write {path}: {err}")
    if not f.commit():
        raise UserInputError(f"cannot save {path}: {f.errorString()}")


def save_matrix(path: str | Path, matrix: np.ndarray, fmt: str) -> None:
    write_atomically(path, (matrix_text(matrix, fmt) + "\n").encode("utf-8"))


def copy_matrix(matrix: np.ndarray, fmt: str = "tsv") -> str:
    text = matrix_text(matrix, fmt)
    QGuiApplication.clipboard().setText(text)
    return text


def save_png(widget: QWidget, path: str | Path, scale: float = 2.0) -> None:
    """The widget as a PNG at `scale` times its size on screen (sharp on slides and handouts)."""
    size = widget.size()
    image = QImage(round(size.width() * scale), round(size.height() * scale), QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(scale)
    image.fill(widget.palette().window().color())
    painter = QPainter(image)
    widget.render(painter, QPoint())
    painter.end()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise UserInputError(f"cannot encode the view as PNG for {path}")
    write_atomically(path, bytes(buf.data()))


def save_svg(widget: QWidget, path: str | Path, title: str = "ConvViz view") -> None:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    size = widget.size()
    gen.setSize(QSize(size.width(), size.height()))
    gen.setViewBox(QRect(0, 0, size.width(), size.height()))
    gen.setTitle(title)
    gen.setDescription("Exported from ConvViz")
    painter = QPainter(gen)
    widget.render(painter, QPoint())
    painter.end()
    write_atomically(path, bytes(buf.data()))
