"""Page objects: each tool as a test drives it, in a user's words. A test says `page.start(qtbot)`
or `page.set_sizes(epochs=1)` and the page knows which view holds the widget; when a view is
renamed or moved, only its page changes (the panels keep no aliases for the tests)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.helpers.gui import choose_in_combo, draw_stroke


class ConvPage:
    """The Convolution tab (`ConvPanel`)."""

    def __init__(self, panel) -> None:
        self.panel = panel

    def press(self, qtbot, key: Qt.Key) -> None:
        """A key as a user presses it on the tab (Space, the arrows, Home, End…)."""
        qtbot.keyClick(self.panel, key)

    def click(self, qtbot, button) -> None:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def step_forward(self, qtbot) -> None:
        self.click(qtbot, self.panel.step_bar.forward_button)

    def position(self) -> str:
        """The step bar's "Cell k of n: row r, column c"."""
        return self.panel.step_bar.position_label.text()

    def set_stride(self, y: int, x: int) -> None:
        p = self.panel.parameters
        p.stride_y.setValue(y)
        p.stride_x.setValue(x)

    def set_padding(self, y: int, x: int) -> None:
        p = self.panel.parameters
        p.pad_y.setValue(y)
        p.pad_x.setValue(x)

    def shown_output(self) -> np.ndarray:
        """The output as the cells show it (text parsed back), blank cells as NaN."""
        view = self.panel.matrices.output_view
        rows, cols = view.model.shape
        out = np.full((rows, cols), np.nan)
        for y in range(rows):
            for x in range(cols):
                t = view.cell_text(y, x)
                if t:
                    out[y, x] = float(t.replace("−", "-"))
        return out

    @staticmethod
    def type_into_cell(qtbot, editor, row: int, col: int, text: str) -> None:
        """Click a grid cell of a matrix editor (input or kernel), type over it, press Enter."""
        table = editor.table
        rect = table.visualItemRect(table.item(row, col))
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.waitUntil(lambda: table.state() == table.State.EditingState)  # a click starts editing
        line = QApplication.focusWidget()
        line.selectAll()
        qtbot.keyClicks(line, text)
        qtbot.keyClick(line, Qt.Key.Key_Return)
        # the item view commits the edit on its next turn of the event loop
        qtbot.waitUntil(lambda: table.item(row, col).text() == text)


class ShapesPage:
    """The Shapes tab (`ShapesPanel`)."""

    def __init__(self, panel) -> None:
        self.panel = panel

    def choose_preset(self, qtbot, name: str) -> None:
        """Pick a network in the Preset list, as a user does."""
        choose_in_combo(qtbot, self.panel.network_bar.preset_combo, name)

    def input_spins(self):
        """The C, H, W spin boxes of the input shape."""
        return self.panel.network_bar.input_spins

    def cell(self, row: int, column: int) -> str:
        """A cell of the layer table as shown."""
        return self.panel.table_model.index(row, column).data()

    def totals_row(self) -> int:
        return self.panel.table_model.rowCount() - 1


class TrainingPage:
    """The Training tab (`TrainingPanel`)."""

    def __init__(self, panel) -> None:
        self.panel = panel

    def set_sizes(self, epochs: int = 1, train: int = 1000, val: int = 200, test: int = 200, batch: int = 64) -> None:
        """The form's sizes (tiny by default: 1 epoch of 1,000 images in batches of 64)."""
        f = self.panel.form
        f.epochs_spin.setValue(epochs)
        f.train_spin.setValue(train)
        f.val_spin.setValue(val)
        f.test_spin.setValue(test)
        f.batch_spin.setValue(batch)

    def start(self, qtbot) -> None:
        """Click Start."""
        qtbot.mouseClick(self.panel.controls.start_button, Qt.MouseButton.LeftButton)

    def progress_text(self) -> str:
        return self.panel.controls.progress_label.text()

    def message(self) -> str:
        return self.panel.controls.message_label.text()


class NetworkPage:
    """The Network tab (`NetworkPanel`)."""

    def __init__(self, panel) -> None:
        self.panel = panel

    def draw(self, qtbot, points) -> None:
        """A stroke on the drawing canvas through (row, column) points of its 28×28 grid."""
        draw_stroke(qtbot, self.panel.canvas, points)
