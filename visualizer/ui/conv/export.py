"""Export from the explorer: the output matrix as text, the current view as PNG or SVG, and the
Export menu that offers them.

Every save goes through `visualizer.ui.shell.files.save_bytes` (QSaveFile), so an interrupted
save never leaves half a file behind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QObject, QPoint, QRect, QSize, Slot
from PySide6.QtGui import QAction, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from visualizer.core.errors import UserInputError
from visualizer.core.matrix_format import to_csv, to_latex, to_markdown
from visualizer.ui.conv.common import sentence
from visualizer.ui.shell.files import save_bytes

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


def save_matrix(path: str | Path, matrix: np.ndarray, fmt: str) -> None:
    save_bytes(path, (matrix_text(matrix, fmt) + "\n").encode("utf-8"))


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
    save_bytes(path, bytes(buf.data()))


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
    save_bytes(path, bytes(buf.data()))


class ExportActions(QObject):
    """The Export menu's actions: the output shown (one channel) as CSV, Markdown or LaTeX, to a
    file or the clipboard, and the figure as PNG or SVG."""

    def __init__(self, model, figure: QWidget, panel) -> None:
        super().__init__(panel)
        self.model = model
        self.figure = figure
        self.panel = panel  # for dialogs and the status line
        self.actions: list[QAction] = []
        for text, kind, fmt in (("Export output as CSV…", "matrix", "csv"),
                                ("Export output as Markdown…", "matrix", "markdown"),
                                ("Export output as LaTeX…", "matrix", "latex"),
                                ("Copy output (for a spreadsheet)", "copy", "tsv"),
                                ("Copy output as LaTeX", "copy", "latex"),
                                ("Save view as PNG…", "view", "png"),
                                ("Save view as SVG…", "view", "svg")):
            a = QAction(text, panel)
            a.setData((kind, fmt))
            a.triggered.connect(self._triggered)
            self.actions.append(a)
        self.menu = QMenu(panel)
        self.menu.addActions(self.actions)

    @Slot()
    def _triggered(self) -> None:
        kind, fmt = self.sender().data()
        {"matrix": self.export_matrix_dialog, "copy": self.copy_output, "view": self.export_view_dialog}[kind](fmt)

    def export_matrix(self, path: str | Path, fmt: str) -> Path:
        out = self.model.current_output()
        if out is None:
            raise UserInputError("there is no output to export (see the message beside the formula)")
        target = with_suffix(path, TEXT_FORMATS[fmt][1])
        save_matrix(target, out, fmt)
        return target

    def export_matrix_dialog(self, fmt: str) -> None:
        filt, suffix, _ = TEXT_FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(self.panel, "Export the output", f"output{suffix}", filt)
        if not path:
            return
        try:
            target = self.export_matrix(path, fmt)
        except UserInputError as exc:
            QMessageBox.warning(self.panel, "Export failed", sentence(str(exc)))
            return
        self.panel.emit_status(f"Saved {target}", 5000)

    def copy_output(self, fmt: str = "tsv") -> None:
        out = self.model.current_output()
        if out is None:
            self.panel.emit_status("There is no output to copy", 4000)
            return
        copy_matrix(out, fmt)
        self.panel.emit_status(f"Output ({out.shape[0]}×{out.shape[1]}) copied to the clipboard", 4000)

    def export_view(self, path: str | Path, fmt: str) -> Path:
        target = with_suffix(path, "." + fmt)
        if fmt == "svg":
            save_svg(self.figure, target)
        else:
            save_png(self.figure, target)
        return target

    def export_view_dialog(self, fmt: str) -> None:
        filt = "PNG image (*.png)" if fmt == "png" else "SVG drawing (*.svg)"
        path, _ = QFileDialog.getSaveFileName(self.panel, "Save the view", f"convolution.{fmt}", filt)
        if not path:
            return
        try:
            target = self.export_view(path, fmt)
        except UserInputError as exc:
            QMessageBox.warning(self.panel, "Save failed", sentence(str(exc)))
            return
        self.panel.emit_status(f"Saved {target}", 5000)
