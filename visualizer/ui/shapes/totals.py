"""The totals line under the layer table: layers, output, parameters and MACs, or the first bad
row and why (and other messages the model puts there: a refused edit, PyTorch's verdict)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtWidgets import QLabel, QWidget

from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shapes.style import color_for


class TotalsLine(QLabel):
    """Shows `ShapesModel.message`: "bad" in red, "good" in green, else plain."""

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.kind = ""
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        model.message_changed.connect(self.show_message)
        self.show_message(*model.message)

    @Slot(str, str)
    def show_message(self, text: str, kind: str = "") -> None:
        self.kind = kind
        self._set_color()
        self.setText(text)

    def _set_color(self) -> None:
        sheet = f"color: {color_for(self, self.kind)};" if self.kind else ""
        if sheet != self.styleSheet():  # a new style sheet is itself a palette change
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._set_color()  # the theme changed
