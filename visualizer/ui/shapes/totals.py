"""The totals lines under the layer table: the first line always gives the network's totals (or
its first bad row and why); the second, when there is one, the latest message the model put out
(PyTorch's verdict, a refused edit), so a verdict never hides the totals."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtWidgets import QLabel, QWidget

from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shapes.style import color_for


class TotalsLine(QLabel):
    """Totals (red when a row is bad) and, on a second line, `ShapesModel.message` when it says
    something else: "bad" in red, "good" in green, else plain."""

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.kind = ""
        self.message = ""
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        model.message_changed.connect(self.show_message)
        model.changed.connect(self._refresh)
        self.show_message(*model.message)

    def lines(self) -> list[str]:
        """The plain text of the shown lines (totals first)."""
        totals, _ = self.model.status_line()
        return [totals] + ([self.message] if self.message and self.message != totals else [])

    @Slot(str, str)
    def show_message(self, text: str, kind: str = "") -> None:
        self.kind = kind
        self.message = text
        self._refresh()

    @Slot()
    def _refresh(self) -> None:
        totals, totals_kind = self.model.status_line()
        if self.message == totals:
            self.message = ""  # the model re-announced its totals: no second line
        parts = [self._span(totals, totals_kind)]
        if self.message:
            parts.append(self._span(self.message, self.kind))
        self.setText("<br>".join(parts))

    def _span(self, text: str, kind: str) -> str:
        body = html.escape(text, quote=False)
        return f'<span style="color: {color_for(self, kind)}">{body}</span>' if kind else body

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh()  # the theme changed
