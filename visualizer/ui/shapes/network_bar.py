"""The bar above the table: which network (preset chooser), its input C×H×W and its file name.

Observes the `ShapesModel` (the chooser follows the network's name, the boxes its input shape,
the name its file and modified flag) and edits it (a preset, a new input size)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QWidget

from visualizer.core.architecture import preset_names
from visualizer.core.errors import UserInputError
from visualizer.ui.shapes.model import DEFAULT_PRESET, ShapesModel
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side
from visualizer.ui.shell.quietly import set_quietly


class NetworkBar(QWidget):
    #: (text, timeout ms) for the status line
    status = Signal(str, int)

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.preset_combo = QComboBox(self)
        self.preset_combo.addItems(preset_names())
        self.preset_combo.setPlaceholderText("Preset…")
        self.preset_combo.setToolTip("Start from a known network (this can be undone)")
        self.preset_combo.setCurrentIndex(self.preset_combo.findText(DEFAULT_PRESET))
        self.preset_combo.activated.connect(self._on_preset_chosen)
        self.input_spins: list[QSpinBox] = []
        for label, tip in (("C", "input channels"), ("H", "input height"), ("W", "input width")):
            s = QSpinBox(self)
            s.setRange(1, 100_000)
            s.setKeyboardTracking(False)  # one undo step per finished number, not per key
            s.setToolTip(f"Input shape: {tip}")
            s.setAccessibleName(tip)
            s.valueChanged.connect(self._on_input_spin)
            s.installEventFilter(self)
            self.input_spins.append(s)
        self.name_label = QLabel(self)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # One flow of groups (the network, the input size, the name, then the panel's buttons):
        # in lecture mode's large type the bar wraps onto more rows rather than widen the window.
        self.row = FlowLayout(self, spacing=12, line_spacing=12)
        self.row.addWidget(side_by_side(self, QLabel("Network:", self), self.preset_combo, spacing=4, fixed=True))
        self.input_label = QLabel("Input C×H×W:", self)
        shape_parts: list[QWidget] = [self.input_label]
        for i, s in enumerate(self.input_spins):
            if i:
                shape_parts.append(QLabel("×", self))
            shape_parts.append(s)
        self.row.addWidget(side_by_side(self, *shape_parts, spacing=4, fixed=True))
        self.row.addWidget(self.name_label)

        model.changed.connect(self._on_model_changed)
        model.document_changed.connect(self._update_name)
        self._on_model_changed()

    @Slot()
    def _on_model_changed(self) -> None:
        for s, v in zip(self.input_spins, self.model.input_shape):
            set_quietly(s, "setValue", int(v))
        # -1 shows "Preset…": the network is no longer a preset as it comes
        self.preset_combo.setCurrentIndex(self.preset_combo.findText(self.model.table.architecture.name))
        self._update_name()

    @Slot()
    def _update_name(self) -> None:
        m = self.model
        self.name_label.setText(f"<b>{m.display_name()}</b>{' (modified)' if m.modified else ''}")
        self.name_label.setToolTip(m.path or m.table.architecture.description)

    @Slot()
    def _on_input_spin(self) -> None:
        shape = tuple(s.value() for s in self.input_spins)
        axis = self.input_spins.index(self.sender()) if self.sender() in self.input_spins else 0
        self.model.set_input_shape(shape, merge_axis=axis)  # type: ignore[arg-type]

    @Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemText(index)
        if name:
            self.load_preset(name)

    def load_preset(self, name: str) -> None:
        try:
            self.model.load_preset(name)
        except UserInputError as exc:
            self.status.emit(str(exc), 8000)
            return
        self.status.emit(f"Loaded preset {name}", 3000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and watched in self.input_spins
                and (event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
                     or event.keyCombination() == QKeySequence("Ctrl+Shift+Z")[0])):
            # Ctrl+Z in an input box undoes the last network edit (the input change just made),
            # not the typing inside the box
            event.ignore()
            return True
        return super().eventFilter(watched, event)
