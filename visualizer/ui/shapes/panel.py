"""Shapes tab: build or load a CNN, see every layer's output shape, parameters and cost.

`ShapesPanel` lays out the views of one `ShapesModel` (the network bar, the layer table, the
block diagram, the hand-written-table check, the explanation and totals lines), owns the actions
(menus, shortcuts, buttons; built by panel_layout.py) and the file dialogs, and implements the
Panel contract. All state
is in the model; the views observe it and edit it, and never talk to each other.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFont, QGuiApplication
from PySide6.QtWidgets import QWidget

from visualizer.ui.shapes.diagram import DiagramPage
from visualizer.ui.shapes.documents import TABLE_EXPORTS, ShapesFiles
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shapes.panel_layout import ShapesPanelLayout
from visualizer.ui.shapes.torch_check import TorchVerifier
from visualizer.ui.shell.panel import Panel

LECTURE_FONT_FACTOR = 1.3


class ShapesPanel(ShapesPanelLayout, Panel):
    """The Shapes tab: lays out the network bar, the layer table, the diagram, the explanation line
    and the table checker around one `ShapesModel` (`model`), and holds the tab's actions (add,
    remove and move layers, undo, export, verify with PyTorch, train this network)."""

    title = "Shapes"
    description = "Output shapes, parameters, MACs and receptive field of a CNN, layer by layer"
    guide_page = "03-shapes.html"
    state_key = "ShapeCalculator"  # where sessions saved before the move keep its state

    #: the architecture document (Architecture.to_dict()) to train in the Training tab
    train_requested = Signal(dict)
    #: {"architecture": doc}: see this (untrained, seeded) network at work in the Network tab.
    network_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShapeCalculator")
        self._lecture = False
        self.model = ShapesModel(parent=self)
        self.undo_stack = self.model.undo_stack
        self.verifier = TorchVerifier(self.model, self)
        self.diagram_page = DiagramPage(self.model, self)
        self.diagram = self.diagram_page.diagram
        self.files = ShapesFiles(self.model, self.diagram, self)
        self.files.status.connect(self.emit_status)
        self._build_actions()
        self._build_ui()
        self.model.changed.connect(self._on_model_changed)
        self.model.edit_rejected.connect(self._on_edit_rejected)
        self.model.selection_changed.connect(self._on_selection_changed)
        self.model.layout_restored.connect(self._on_layout_restored)
        from visualizer.ui.shapes.module_opening import ModuleOpening

        self.module_opening = ModuleOpening(self)  # Shapes → Open Python module…
        self.verifier.running_changed.connect(self._on_torch_running)
        self.verifier.progress.connect(self._on_torch_progress)
        self._on_model_changed()

    # -- construction --------------------------------------------------------------------

    def panel_actions(self) -> list[QAction]:
        seps = []
        for _ in range(3):
            sep = QAction(self)
            sep.setSeparator(True)
            seps.append(sep)
        return [
            self.undo_action, self.redo_action, seps[0],
            self.add_action, self.duplicate_action, self.remove_action,
            self.move_up_action, self.move_down_action, seps[1],
            self.open_action, self.open_module_action, self.save_action, self.save_as_action,
            *[self.export_actions[k] for k in TABLE_EXPORTS], self.copy_table_action,
            self.export_png_action, self.export_svg_action, seps[2],
            self.verify_action, self.check_action, self.train_action, self.network_action,
        ]

    # -- reacting to the model -----------------------------------------------------------
    @Slot()
    def _on_model_changed(self) -> None:
        rows = self.view.model().rowCount()
        if rows != getattr(self, "_split_rows", rows):
            QTimer.singleShot(0, self._initial_split)
        self._split_rows = rows
        text, kind = self.model.message
        if kind == "bad":
            self.emit_status(text, 8000)
        ok, why = self.model.trainable()
        self.train_action.setEnabled(ok)
        self.network_action.setEnabled(ok)  # the Network tab shows MNIST nets: the same rule
        self.network_action.setToolTip("Show this network, untrained (seed 0), at work on a digit in the "
                                       "Network tab" if ok else f"The Network tab shows MNIST nets: {why}")
        tip = "Hand this network to the Training tab" if ok else f"Cannot train here: {why}"
        self.train_action.setToolTip(tip)
        self.train_button.setToolTip(tip)

    def trainable(self) -> tuple[bool, str]:
        return self.model.trainable()

    @Slot(str)
    def _on_undo_text(self, text: str) -> None:
        self.undo_action.setToolTip(f"Undo: {text} (Ctrl+Z)" if text else "Nothing to undo")

    @Slot(str)
    def _on_redo_text(self, text: str) -> None:
        self.redo_action.setToolTip(f"Redo: {text} (Ctrl+Shift+Z)" if text else "Nothing to redo")

    @Slot(str)
    def _on_edit_rejected(self, message: str) -> None:
        self.emit_status("Not changed: " + message, 8000)

    @Slot(list)
    def _on_selection_changed(self, rows: list) -> None:
        table_rows = self.model.rows()
        if rows and rows[0] < len(table_rows) and not table_rows[rows[0]].ok:
            self.emit_status(f"Row {rows[0] + 1} ({table_rows[rows[0]].name}): {table_rows[rows[0]].error}", 8000)

    @Slot()
    def _on_focus_changed(self) -> None:
        focus = self.model.focus
        self.focus_bar.setVisible(bool(focus))
        if focus:
            other = "shortcut" if focus[-1][1] == "main" else "main"
            self.focus_label.setText(f"Inside {self.model.focus_text()} — edits, undo and redo work here")
            self.other_path_button.setText(f"Show the {other} path")

    @Slot()
    def _switch_path(self) -> None:
        if self.model.focus:
            row, path = self.model.focus[-1]
            self.model.leave_block()
            self.model.enter_block(row, "shortcut" if path == "main" else "main")

    @Slot(int)
    def _on_block_clicked(self, _row: int) -> None:
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)

    @Slot(int)
    def _on_lower_tab(self, index: int) -> None:
        self.model.lower_tab = index

    @Slot(int, int)
    def _on_splitter_moved(self, *_: int) -> None:
        self.model.splitter = [int(s) for s in self.splitter.sizes()]

    #: rows of the layer table shown by default (the lower pane takes the rest)
    DEFAULT_TABLE_ROWS = 20
    DIAGRAM_MIN = 240

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_split_done", False):
            self._split_done = True
            QTimer.singleShot(0, self._initial_split)

    @Slot()
    def _initial_split(self) -> None:
        """Until the user drags the splitter (or a session restores its sizes), the table gets room
        for its rows, at most DEFAULT_TABLE_ROWS (plus its header and totals), and the diagram the
        rest, at least DIAGRAM_MIN px where the window allows. Done again when the number of rows
        changes, so a short net does not leave blank rows above a diagram that scrolls."""
        if self.model.splitter or not getattr(self, "_split_done", False):
            return
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        rows = min(self.DEFAULT_TABLE_ROWS, max(self.view.model().rowCount(), 8))
        need = (self.view.horizontalHeader().height() + self.view.horizontalScrollBar().sizeHint().height()
                + (rows + 1) * self.view.verticalHeader().defaultSectionSize() + 4)
        table = min(need, max(total - self.DIAGRAM_MIN, total // 2)) if rows < self.DEFAULT_TABLE_ROWS \
            else min(need, max(total - 120, total // 2))
        self.splitter.setSizes([table, total - table])

    @Slot()
    def _on_layout_restored(self) -> None:
        if 0 <= self.model.lower_tab < self.lower_tabs.count():
            self.lower_tabs.setCurrentIndex(self.model.lower_tab)
        if self.model.splitter:
            self.splitter.setSizes(self.model.splitter)

    # -- editing -------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return self.model.selected_rows

    def select_rows(self, rows: list[int]) -> None:
        self.model.set_selected_rows(rows)

    def load_preset(self, name: str) -> None:
        self.network_bar.load_preset(name)

    @Slot()
    def add_layer(self) -> None:
        """Add a layer after the selected one, of the same type (a Conv2d in an empty net)."""
        self.model.add_layer()

    def add_layer_of_type(self, layer_type: str, at: int | None = None) -> None:
        self.model.add_layer(layer_type, at)

    @Slot()
    def duplicate_selected(self) -> None:
        if not self.model.duplicate_layers(self.model.selected_rows):
            self.emit_status("Select a layer to duplicate", 3000)

    @Slot()
    def remove_selected(self) -> None:
        if not self.model.remove_layers(self.model.selected_rows):
            self.emit_status("Select a layer to remove", 3000)

    # -- files and exports (dialogs in documents.py) ------------------------------------
    def open_path(self, path: str) -> bool:
        return self.files.open_path(path)

    def export_table(self, kind: str, path: str) -> bool:
        return self.files.export_table(kind, path)

    def export_diagram(self, kind: str, path: str) -> bool:
        return self.files.export_diagram(kind, path)

    @Slot()
    def copy_selected_rows(self) -> None:
        rows = self.model.selected_rows
        if not rows:
            self.emit_status("Select rows to copy (Ctrl+Shift+C copies the whole table)", 4000)
            return
        QGuiApplication.clipboard().setText(self.view.rows_as_tsv(rows))
        self.emit_status(f"{len(rows)} row{'s' if len(rows) > 1 else ''} copied (tab-separated)", 3000)

    # -- other actions -------------------------------------------------------------------
    @Slot()
    def request_training(self) -> None:
        ok, why = self.model.trainable()
        if not ok:
            self.emit_status("Cannot train this network: " + why, 6000)
            return
        self.train_requested.emit(self.model.table.architecture.to_dict())  # the window says where it went

    @Slot()
    def request_network(self) -> None:
        ok, why = self.model.trainable()
        if not ok:
            self.emit_status("The Network tab shows MNIST nets: " + why, 6000)
            return
        self.network_requested.emit({"architecture": self.model.table.architecture.to_dict(), "seed": 0})

    @Slot()
    def verify_with_torch(self) -> None:
        if self.model.module_table is not None:
            self.emit_status("This table comes from PyTorch itself (a forward pass with hooks)", 5000)
            return
        self.verifier.start()

    @Slot(str)
    def _on_torch_progress(self, text: str) -> None:
        """The status line says what the check is doing while it runs, and is cleared when the
        verdict (on the line under the table) is in."""
        self.emit_status(text, 0 if text else 1)

    @property
    def torch_checker(self):
        return self.verifier.checker

    @property
    def last_torch_check(self) -> str:
        return self.verifier.last_text

    @Slot(bool)
    def _on_torch_running(self, running: bool) -> None:
        self.verify_action.setEnabled(not running)
        if running:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    # -- a torch module (read-only) ------------------------------------------------------
    @Slot()
    def open_module_dialog(self) -> None:
        self.module_opening.choose_file()

    def open_module(self, spec: str, input_shape: tuple[int, int, int] | None = None) -> bool:
        """Build `FILE.py:FACTORY` off the GUI thread and show its table (read-only), at
        `input_shape` (None: the file's INPUT_SHAPE, else the network bar's input size)."""
        return self.module_opening.open(spec, input_shape)

    @property
    def module_loader(self):
        return self.module_opening.loader

    @Slot()
    def show_check_view(self) -> None:
        self.lower_tabs.setCurrentWidget(self.check_view)
        self.check_view.text.setFocus()

    # -- panel contract ------------------------------------------------------------------
    def save_state(self) -> dict[str, Any]:
        return self.model.to_dict()

    def restore_state(self, state: dict[str, Any]) -> None:
        for problem in self.model.from_dict(state):
            self.emit_status(f"Shapes: {problem}", 8000)

    def shutdown(self) -> None:
        self.verifier.shutdown()
        self.module_opening.shutdown()

    def set_lecture_mode(self, on: bool) -> None:
        self._lecture = bool(on)
        self.model.editing_enabled = not on
        self.edit_bar.setVisible(not on)
        self.check_view.set_editing_visible(not on)
        for a in (self.add_action, self.duplicate_action, self.remove_action, self.move_up_action,
                  self.move_down_action, self.delete_key_action):
            a.setEnabled(not on)
        self.view.set_editable(not on)
        self._apply_child_fonts()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange and hasattr(self, "view"):
            self._apply_child_fonts()

    def _apply_child_fonts(self) -> None:
        """Lecture mode: the table and the diagram in larger type than the rest of the app."""
        font = QFont(self.font())
        if self._lecture and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * LECTURE_FONT_FACTOR)
        for w in (self.view, self.diagram, self.check_view.results, self.problem_label):
            w.setFont(font)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 5)
        self.view.fit_columns(force=True)
