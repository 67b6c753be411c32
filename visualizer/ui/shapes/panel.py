"""Shapes tab: build or load a CNN, see every layer's output shape, parameters and cost.

`ShapesPanel` lays out the views of one `ShapesModel` (the network bar, the layer table, the
block diagram, the hand-written-table check, the explanation and totals lines), owns the actions
(menus, shortcuts, buttons) and the file dialogs, and implements the Panel contract. All state
is in the model; the views observe it and edit it, and never talk to each other.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.architecture import LAYER_TYPES
from visualizer.ui.shapes.check_view import ShapeCheckView
from visualizer.ui.shapes.diagram import DiagramPage
from visualizer.ui.shapes.documents import TABLE_EXPORTS, ShapesFiles
from visualizer.ui.shapes.explanation import ExplanationLine
from visualizer.ui.shapes.layer_table import LayerTableView
from visualizer.ui.shapes.model import ShapesModel
from visualizer.ui.shapes.network_bar import NetworkBar
from visualizer.ui.shapes.torch_check import TorchVerifier
from visualizer.ui.shapes.totals import TotalsLine
from visualizer.ui.shell.panel import Panel

LECTURE_FONT_FACTOR = 1.3


class ShapesPanel(Panel):
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
        self._on_model_changed()

    # -- construction --------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut: Any = None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            a.setShortcuts([QKeySequence(s) for s in keys])
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        m, f, stack = self.model, self.files, self.model.undo_stack
        # Own actions rather than QUndoStack.createUndoAction: that one renames itself to
        # "Undo Set kernel size of conv3", too long for a button; the step goes in the tooltip.
        self.undo_action = self._action("&Undo", stack.undo, "Ctrl+Z")
        self.redo_action = self._action("&Redo", stack.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(self._on_undo_text)
        stack.redoTextChanged.connect(self._on_redo_text)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.open_action = self._action("&Open architecture…", f.open_file, "Ctrl+O",
                                        "Open an architecture JSON file")
        self.save_action = self._action("&Save architecture", f.save_file, "Ctrl+S",
                                        "Save the architecture as JSON")
        self.save_as_action = self._action("Save architecture &as…", f.save_file_as, "Ctrl+Shift+S")
        self.open_module_action = self._action(
            "Open Python &module…", self.open_module_dialog, None,
            "Show the table of any torch.nn.Module, read-only. This RUNS the Python file you choose: "
            "it imports it, calls the factory and runs one forward pass on the meta device")
        self.add_action = self._action("&Add layer", self.add_layer, "Ctrl+Ins",
                                       "Add a layer after the selected one (like the one above)")
        self.duplicate_action = self._action("&Duplicate layer", self.duplicate_selected, "Ctrl+D",
                                             "Duplicate the selected layers")
        self.remove_action = self._action("&Remove layer", self.remove_selected, "Ctrl+Del",
                                          "Remove the selected layers")
        self.move_up_action = self._action("Move layer &up", lambda: m.move_selected(-1), "Alt+Up")
        self.move_down_action = self._action("Move layer do&wn", lambda: m.move_selected(1), "Alt+Down")
        self.export_actions = {
            key: self._action(f"Export table as {label}…", lambda _=False, k=key: f.export_table_dialog(k))
            for key, (label, _suffix, _filter) in TABLE_EXPORTS.items()}
        self.export_actions["markdown"].setShortcut(QKeySequence("Ctrl+E"))
        self.copy_table_action = self._action("&Copy table", f.copy_table, "Ctrl+Shift+C",
                                              "Copy the table to the clipboard (Markdown text)")
        self.export_png_action = self._action("Export diagram as &PNG…",
                                              lambda: f.export_diagram_dialog("png"))
        self.export_svg_action = self._action("Export diagram as S&VG…",
                                              lambda: f.export_diagram_dialog("svg"))
        self.train_action = self._action("&Train this network", self.request_training, "Ctrl+T")
        self.network_action = self._action(
            "Open in &Network", self.request_network, None,
            "Show this network, untrained (seed 0), at work on a digit in the Network tab")
        self.verify_action = self._action(
            "&Verify with PyTorch", self.verify_with_torch, "Ctrl+Shift+T",
            "Build the network with torch.nn (on the meta device, no memory used) and compare "
            "every shape and parameter count with this table")
        self.check_action = self._action("Check a hand-written &table", self.show_check_view, "Ctrl+K",
                                         "Paste a table of layers and output sizes to check it")

    def _tool(self, action: QAction, text: str, name: str = "") -> QToolButton:
        b = QToolButton(self)
        b.setDefaultAction(action)
        b.setText(text)
        if name:
            b.setObjectName(name)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return b

    def _build_ui(self) -> None:
        self.network_bar = NetworkBar(self.model, self)
        self.network_bar.status.connect(self.emit_status)
        self.preset_combo, self.input_spins = self.network_bar.preset_combo, self.network_bar.input_spins
        self.name_label = self.network_bar.name_label
        self.verify_button = self._tool(self.verify_action, "Verify with PyTorch", "verify_button")
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("export_button")
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(self.export_button)
        export_menu.addActions([self.export_actions[k] for k in TABLE_EXPORTS])
        export_menu.addAction(self.copy_table_action)
        export_menu.addSeparator()
        export_menu.addActions([self.export_png_action, self.export_svg_action])
        self.export_button.setMenu(export_menu)
        self.train_button = self._tool(self.train_action, "Train this network", "train_button")
        for w in (self.verify_button, self.export_button, self.train_button):
            self.network_bar.row.addWidget(w)

        self.add_button = self._tool(self.add_action, "Add", "add_button")
        add_menu = QMenu(self.add_button)
        for t in LAYER_TYPES:
            add_menu.addAction(t, lambda t=t: self.add_layer_of_type(t))
        add_menu.addSeparator()
        add_menu.addAction("Residual block", lambda: self.add_layer_of_type("Residual"))
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.edit_bar = QWidget(self)  # hidden as a whole in lecture mode
        edit_bar = QHBoxLayout(self.edit_bar)
        edit_bar.setContentsMargins(0, 0, 0, 0)
        for b in (self.add_button, self._tool(self.duplicate_action, "Duplicate"),
                  self._tool(self.remove_action, "Remove"), self._tool(self.move_up_action, "Up"),
                  self._tool(self.move_down_action, "Down"), None, self._tool(self.undo_action, "Undo"),
                  self._tool(self.redo_action, "Redo"), None, self._tool(self.open_action, "Open…"),
                  self._tool(self.save_action, "Save")):
            if b is None:
                edit_bar.addSpacing(12)
            else:
                edit_bar.addWidget(b)
        edit_bar.addStretch(1)
        hint = QLabel("Double-click a cell to edit it; drag rows to reorder.", self)
        hint.setEnabled(False)
        edit_bar.addWidget(hint)

        # Inside a block: where we are, the other path, and the way back.
        self.focus_bar = QWidget(self)
        focus_row = QHBoxLayout(self.focus_bar)
        focus_row.setContentsMargins(0, 0, 0, 0)
        self.back_action = self._action("&Back to the network", self.model.leave_block, "Alt+Left",
                                        "Leave this block's path (Backspace in the table)")
        self.focus_label = QLabel(self)
        self.focus_label.setObjectName("focus_label")
        self.other_path_button = QToolButton(self)
        self.other_path_button.setObjectName("other_path_button")
        self.other_path_button.clicked.connect(self._switch_path)
        focus_row.addWidget(self._tool(self.back_action, "◂ Back", "back_button"))
        focus_row.addWidget(self.focus_label)
        focus_row.addWidget(self.other_path_button)
        focus_row.addStretch(1)
        self.focus_bar.setVisible(False)
        self.model.focus_changed.connect(self._on_focus_changed)

        self.view = LayerTableView(self.model, self)
        self.table_model = self.view.table_model
        # Delete and Ctrl+C are for the table only: in the text boxes they keep their meaning.
        self.delete_key_action = self._view_action("Remove layer", QKeySequence.StandardKey.Delete,
                                                   self.remove_selected)
        self.copy_rows_action = self._view_action("Copy selected rows", QKeySequence.StandardKey.Copy,
                                                  self.copy_selected_rows)

        self.diagram_page.block_clicked.connect(self._on_block_clicked)
        self.check_view = ShapeCheckView(self.model, self)
        self.check_view.status.connect(self.emit_status)
        self.lower_tabs = QTabWidget(self)
        self.lower_tabs.setDocumentMode(True)
        self.lower_tabs.addTab(self.diagram_page, "Diagram")
        self.lower_tabs.addTab(self.check_view, "Check a hand-written table")
        self.lower_tabs.currentChanged.connect(self._on_lower_tab)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.lower_tabs)
        self.splitter.setStretchFactor(0, 3)  # the diagram shrinks to fit what it is given
        self.splitter.setStretchFactor(1, 2)
        self.splitter.splitterMoved.connect(self._on_splitter_moved)

        self.explain_label = ExplanationLine(self.model, self)
        self.problem_label = TotalsLine(self.model, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addWidget(self.network_bar)
        layout.addWidget(self.edit_bar)
        layout.addWidget(self.focus_bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.explain_label)
        layout.addWidget(self.problem_label)

    def _view_action(self, text: str, key: QKeySequence.StandardKey, slot) -> QAction:
        a = QAction(text, self.view)
        a.setShortcut(QKeySequence(key))
        a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        a.triggered.connect(slot)
        self.view.addAction(a)
        return a

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
        self.train_requested.emit(self.model.table.architecture.to_dict())
        self.emit_status("Network handed to the Training tab", 4000)

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
        if self.verifier.start():
            self.emit_status("Building the network with PyTorch…", 0)

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


#: The name older code imports.
ShapeCalculator = ShapesPanel
