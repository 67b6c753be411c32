"""What Shapes → Open Python module… asks before it runs a file: the factory that gives the
nn.Module and the input size C×H×W of its forward pass.

A file may declare `INPUT_SHAPE = (C, H, W)` at its top level (read from the file, not run):
then the size is that one, shown and not asked. Otherwise the boxes start at the Shapes tab's
input size and the user says which size the module expects (an MNIST module wants 1×28×28, not
the 3×224×224 a ResNet left in the boxes).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.module_child import MAX_SIDE


class OpenModuleDialog(QDialog):
    """Asks for the factory and (unless the file declares INPUT_SHAPE) the input size;
    `chosen(spec, (C, H, W))` when the user presses Open."""

    chosen = Signal(str, tuple)

    def __init__(self, path: str | Path, factory_guess: str, declared: tuple[int, int, int] | None,
                 current: tuple[int, int, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self.declared = declared
        self.setObjectName("open_module_dialog")
        self.setWindowTitle("Open a Python module")
        warning = QLabel(f"Opening <b>{Path(path).name}</b> runs its code (in a separate process that "
                         f"Cancel ends).", self)
        warning.setWordWrap(True)
        self.factory_edit = QLineEdit(factory_guess, self)
        self.factory_edit.setObjectName("module_factory")
        self.factory_edit.setAccessibleName("Factory")
        self.factory_edit.setToolTip("The class or function (no arguments) that gives the nn.Module")
        self.factory_edit.setPlaceholderText("e.g. Net or make_model")
        self.size_spins: list[QSpinBox] = []
        sizes = QHBoxLayout()
        for label, value in zip(("C", "H", "W"), declared or current):
            spin = QSpinBox(self)
            spin.setRange(1, MAX_SIDE)
            spin.setValue(int(value))
            spin.setPrefix(f"{label} ")
            spin.setAccessibleName(f"Input {label}")
            spin.setEnabled(declared is None)
            sizes.addWidget(spin)
            self.size_spins.append(spin)
        if declared is not None:
            note = f"From INPUT_SHAPE = {tuple(declared)} in the file."
        else:
            note = ("The file declares no INPUT_SHAPE = (C, H, W): give the size of one input the module "
                    "expects (an MNIST net: 1, 28, 28).")
        self.size_note = QLabel(note, self)
        self.size_note.setWordWrap(True)
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("module_dialog_error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        form = QFormLayout()
        form.addRow("&Factory:", self.factory_edit)
        form.addRow("Input C×H×W:", sizes)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(warning)
        column.addLayout(form)
        column.addWidget(self.size_note)
        column.addWidget(self.error_label)
        column.addWidget(self.buttons)
        self.factory_edit.setFocus()

    def input_shape(self) -> tuple[int, int, int]:
        c, h, w = (s.value() for s in self.size_spins)
        return c, h, w

    def spec(self) -> str:
        return f"{self.path}:{self.factory_edit.text().strip()}"

    @Slot()
    def accept(self) -> None:
        factory = self.factory_edit.text().strip()
        if not factory or not all(part.isidentifier() for part in factory.split(".")):
            self.error_label.setText("Factory: give the name of a class or function in the file (such as "
                                     "Net)" + (f", not {factory!r}." if factory else "."))
            self.error_label.show()
            self.factory_edit.setFocus()
            return
        super().accept()
        self.chosen.emit(self.spec(), self.input_shape())
