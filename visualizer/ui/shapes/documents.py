"""Opening, saving and exporting from the Shapes tool: the file dialogs and what follows them.

`ShapesFiles` asks for a path (dialogs open beside the current file, or where the last one
went), has the `ShapesModel` read or write the architecture, and writes table and diagram
exports through `visualizer.ui.shell.files` (all or nothing). Problems are shown in a message
box and on the status line; nothing here holds state of its own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from visualizer.core.errors import UserInputError, safe_file_name
from visualizer.resources import resource_path
from visualizer.ui.shapes.diagram import ShapeDiagram
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shell.files import save_text

JSON_FILTER = "ConvViz architecture (*.json);;All files (*)"

#: (label, file suffix, dialog filter) of the table exports; the key is the formatter's name
TABLE_EXPORTS = {
    "markdown": ("Markdown", ".md", "Markdown (*.md)"),
    "csv": ("CSV", ".csv", "CSV (*.csv)"),
    "latex": ("LaTeX", ".tex", "LaTeX (*.tex)"),
}


class ShapesFiles(QObject):
    #: (text, timeout ms) for the status line
    status = Signal(str, int)

    def __init__(self, model: ShapesModel, diagram: ShapeDiagram, window: QWidget) -> None:
        super().__init__(window)
        self.model = model
        self.diagram = diagram
        self.window = window  # parent of the dialogs

    def emit_status(self, text: str, timeout_ms: int = 5000) -> None:
        self.status.emit(text, timeout_ms)

    # -- architecture files ---------------------------------------------------------------------------
    def _start_dir(self) -> str:
        """Where save and export dialogs open: beside the current file, or where the last went."""
        if self.model.path:
            return str(Path(self.model.path).parent)
        return self.model.last_dir or str(Path.home())

    def _open_dir(self) -> str:
        if self.model.path or self.model.last_dir:
            return self._start_dir()
        try:  # the example architectures that ship with ConvViz
            examples = resource_path("architectures")
        except FileNotFoundError:
            return ""
        return str(examples) if examples.is_dir() else ""

    def _ask_save_path(self, title: str, name: str, suffix: str, file_filter: str) -> str:
        suggested = str(Path(self._start_dir()) / name)
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggested, file_filter)
        if path and not Path(path).suffix:
            path += suffix  # the user typed no suffix
        return path

    @Slot()
    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open architecture", self._open_dir(), JSON_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        try:
            self.model.open_path(path)
        except UserInputError as exc:
            self._error("Cannot open architecture", str(exc))
            return False
        self.emit_status(f"Opened {path}", 4000)
        return True

    @Slot()
    def save_file(self) -> bool:
        return self.save_path(self.model.path) if self.model.path else self.save_file_as()

    @Slot()
    def save_file_as(self) -> bool:
        name = (Path(self.model.path).name if self.model.path
                else safe_file_name(self.model.table.architecture.name, ".json"))
        path = self._ask_save_path("Save architecture", name, ".json", JSON_FILTER)
        return self.save_path(path) if path else False

    def save_path(self, path: str) -> bool:
        try:
            self.model.save_path(path)
        except UserInputError as exc:
            self._error("Cannot save architecture", str(exc))
            return False
        self.emit_status(f"Saved {path}", 4000)
        return True

    def _error(self, title: str, message: str) -> None:
        self.emit_status(f"{title}: {message}", 8000)
        QMessageBox.warning(self.window, title, message)

    # -- export --------------------------------------------------------------------------
    def table_text(self, kind: str) -> str:
        """The table as `kind` ("markdown", "csv", "latex", "text", "json") via the core formatters."""
        from visualizer.core import table_format

        return table_format.format_table(self.model.table, kind)

    @Slot()
    def export_table_dialog(self, kind: str) -> None:
        label, suffix, file_filter = TABLE_EXPORTS[kind]
        name = safe_file_name(f"{self.model.table.architecture.name or 'network'}-shapes", suffix)
        path = self._ask_save_path(f"Export table as {label}", name, suffix, file_filter)
        if path:
            self.export_table(kind, path)

    def export_table(self, kind: str, path: str) -> bool:
        return self._write(path, "table", lambda: save_text(path, self.table_text(kind)))

    def export_diagram(self, kind: str, path: str) -> bool:
        export = self.diagram.export_png if kind == "png" else self.diagram.export_svg
        return self._write(path, "diagram", lambda: export(path))

    def _write(self, path: str, what: str, write) -> bool:
        try:
            write()
        except UserInputError as exc:
            self._error(f"Cannot export {what}", str(exc))
            return False
        self.model.last_dir = str(Path(path).parent)
        self.emit_status(f"{what.capitalize()} written to {path}", 4000)
        return True

    @Slot()
    def export_diagram_dialog(self, kind: str) -> None:
        file_filter = "PNG image (*.png)" if kind == "png" else "SVG drawing (*.svg)"
        name = safe_file_name(f"{self.model.table.architecture.name or 'network'}-diagram", "." + kind)
        path = self._ask_save_path(f"Export diagram as {kind.upper()}", name, "." + kind, file_filter)
        if path:
            self.export_diagram(kind, path)

    @Slot()
    def copy_table(self) -> None:
        QGuiApplication.clipboard().setText(self.table_text("markdown"))
        self.emit_status("Table copied to the clipboard as Markdown", 3000)
