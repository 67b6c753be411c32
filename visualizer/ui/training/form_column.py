"""The Training tab's left column: the form, the MNIST box and the experiments in a pane that
scrolls up and down, never sideways, and is as wide as they need at the type they have.

A width fixed when the tab is built kept the desktop's width while lecture mode's (F5) and
Ctrl+plus's type grew, so the experiments box was cut at the side. This pane asks its content
for its minimum width whenever the content's layout changes (a font, a box shown or hidden), and
the splitter gives the column that much at least.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class FormColumn(QScrollArea):
    """A vertical scroll pane around `content`, as wide as the content's minimum plus the scroll bar."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setWidget(content)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        content.installEventFilter(self)

    def _beside(self) -> int:
        """What the pane adds to its content's width: the scroll bar (room kept for it even when the
        content fits, so that it never covers the content) and the frame."""
        return self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth() + 4

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        return QSize(width + self._beside(), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        content = self.widget()
        width = content.sizeHint().width() if content is not None else 0
        return QSize(max(width + self._beside(), self.minimumSizeHint().width()), super().sizeHint().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # the content's minimum may have changed: the splitter asks again
        return super().eventFilter(watched, event)
