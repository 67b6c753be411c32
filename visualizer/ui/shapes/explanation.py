"""How the selected layer's numbers come about, with its own numbers (the line under the table)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QWidget

from visualizer.core import shape_text as fmt
from visualizer.ui.shapes.model import ShapesModel


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ExplanationLine(QLabel):
    """Observes the model's selection and table; the text comes from `ShapesModel.explanation`."""

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setToolTip("How the selected layer's output size, parameters and MACs come about")
        model.changed.connect(self.refresh)
        model.selection_changed.connect(self._on_selection_changed)
        self.refresh()

    @Slot(list)
    def _on_selection_changed(self, _rows: list) -> None:
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        rows = self.model.selected_rows
        table_rows = self.model.rows()
        if len(rows) != 1 or rows[0] >= len(table_rows) or rows[0] >= self.model.layer_count():
            self.setText("Select a layer to see how its numbers come about."
                         if not rows else f"{len(rows)} layers selected.")
            return
        layer, spec = table_rows[rows[0]], self.model.layer(rows[0])
        how = self.model.explanation()
        head = (f"<b>{layer.name}</b> ({spec.type}): {fmt.format_shape(layer.input_shape)} → "
                f"{fmt.format_shape(layer.output_shape)}")
        self.setText(head + (f" — {_html(how)}" if how else ""))
