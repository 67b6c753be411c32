"""How the Shapes tab is put together: its actions (menus, shortcuts, buttons) and its widgets
(the network bar with Verify, Export and Train, the edit bar, the bar shown inside a block, the
layer table, the diagram and the checker under it, the explanation and totals lines).

`ShapesPanelLayout` is a mixin of `ShapesPanel` (panel.py), which calls `_build_actions` and then
`_build_ui` once, from its constructor; the behaviour of the tab stays in panel.py.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
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

from visualizer.core.architecture import LAYER_TYPES, RESIDUAL
from visualizer.ui.shapes.check_view import ShapeCheckView
from visualizer.ui.shapes.documents import TABLE_EXPORTS
from visualizer.ui.shapes.explanation import ExplanationLine
from visualizer.ui.shapes.layer_table import LayerTableView
from visualizer.ui.shapes.network_bar import NetworkBar
from visualizer.ui.shapes.totals import TotalsLine
from visualizer.ui.shell.flow_layout import side_by_side


class ShapesPanelLayout:
    """The actions and widgets of the Shapes tab (a mixin: `self` is the ShapesPanel)."""

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
        # The button's text is the action's icon text: a button shows that again whenever the
        # action changes (lecture mode disables and enables it), where setText would be undone.
        action.setIconText(text)
        b = QToolButton(self)
        b.setDefaultAction(action)
        if name:
            b.setObjectName(name)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return b

    def _build_ui(self) -> None:
        self.network_bar = NetworkBar(self.model, self)
        self.network_bar.status.connect(self.emit_status)
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
        # the three wrap together, onto a row of their own when the bar has no room for them
        self.network_bar.row.addWidget(side_by_side(self.network_bar, self.verify_button, self.export_button,
                                                    self.train_button, spacing=4, fixed=True))

        self._build_edit_bar()
        self._build_focus_bar()

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

    def _build_edit_bar(self) -> None:
        """Add (with its menu of layer types), duplicate, remove, move, undo, open and save."""
        self.add_button = self._tool(self.add_action, "Add", "add_button")
        add_menu = QMenu(self.add_button)
        for t in LAYER_TYPES:
            add_menu.addAction(t, lambda t=t: self.add_layer_of_type(t))
        add_menu.addSeparator()
        add_menu.addAction(f"{RESIDUAL.name} block", lambda: self.add_layer_of_type(RESIDUAL.name))
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

    def _build_focus_bar(self) -> None:
        """Inside a block: where we are, the other path, and the way back."""
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

    def _view_action(self, text: str, key: QKeySequence.StandardKey, slot) -> QAction:
        a = QAction(text, self.view)
        a.setShortcut(QKeySequence(key))
        a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        a.triggered.connect(slot)
        self.view.addAction(a)
        return a
