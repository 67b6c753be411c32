"""Exporting the training plots: all four as one image (PNG or SVG bytes of the pyqtgraph graphics
layout; the caller saves them atomically with `visualizer.ui.shell.files.save_bytes`), and one
plot's data as a CSV file the user chooses."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pyqtgraph as pg
from pyqtgraph import exporters
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QFileDialog, QWidget

from visualizer.core.errors import UserInputError
from visualizer.ui.shell.files import png_bytes, save_text


#: The x axis of the "vs examples" plots as it is named in a file name (core.curves.X_AXES' keys).
X_AXIS_FILE_WORDS = {"examples": "examples", "epochs": "epochs_fractional", "time": "wall_time"}


def csv_file_name(plot_key: str, x_axis: str) -> str:
    """The file name offered for a plot's CSV: its quantity and the x axis it shows now
    ("loss_wall_time.csv" while the "vs examples" plots show wall time; "loss_epoch.csv" for the
    per-epoch plot, whose x is always the epoch)."""
    quantity, _, plot_x = plot_key.partition("_")
    if plot_x == "examples":
        plot_x = X_AXIS_FILE_WORDS.get(x_axis, plot_x)
    return f"{quantity}_{plot_x}.csv"


def save_csv_dialog(parent: QWidget, file_name: str, text: Callable[[], str], model=None) -> None:
    """Ask where to save a plot's data, offering `file_name` (see `csv_file_name`), make the CSV
    with `text()` then and save it atomically; the Training model, when given, shows what
    happened (a message when it could not be saved)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export plot data", str(Path.home() / file_name),
                                          "CSV (*.csv)")
    if not path:
        return
    try:
        save_text(path, text())
    except UserInputError as exc:  # save_text's plain reason ("cannot write …: No space left …")
        if model is not None:
            model.show_message(str(exc))
        return
    except OSError as exc:
        if model is not None:
            model.show_message(f"Could not save {path}: {exc.strerror or exc}")
        return
    if model is not None:
        model.status.emit(f"Plot data saved to {path}", 5000)


def layout_image(graphics: pg.GraphicsLayoutWidget, svg: bool, min_width: int = 1600) -> bytes:
    """Everything in the layout (plots and legend) as SVG, or as PNG at least `min_width` pixels
    wide. OSError when the PNG cannot be encoded."""
    if svg:
        try:
            data = exporters.SVGExporter(graphics.ci).export(toBytes=True)
            if isinstance(data, str):
                data = data.encode("utf-8")
            return bytes(data)
        except ValueError:
            # pyqtgraph 0.14's SVG exporter cannot parse the closing "Z" that newer Qt writes
            # in paths; Qt's own SVG generator draws the same scene as vectors.
            return svg_by_qt(graphics)
    exporter = exporters.ImageExporter(graphics.ci)
    exporter.parameters()["width"] = max(min_width, int(graphics.width()))
    return png_bytes(exporter.export(toBytes=True))


def svg_by_qt(graphics: pg.GraphicsLayoutWidget) -> bytes:
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    rect = graphics.ci.sceneBoundingRect()
    array = QByteArray()
    buf = QBuffer(array)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    gen.setSize(rect.size().toSize())
    gen.setViewBox(rect.translated(-rect.topLeft()))
    gen.setTitle("ConvViz training curves")
    painter = QPainter(gen)
    graphics.scene().render(painter, rect.translated(-rect.topLeft()), rect)
    painter.end()
    buf.close()
    return bytes(array.data())
