"""Shapes tab: build or load a CNN, see every layer's output shape, parameters and cost.

The table (`ShapeTableModel`) is the single place where the architecture changes; every edit is
an undo step and recomputes the whole table (a few milliseconds even for VGG19). The diagram and
the train button observe the model. The bottom half also holds the checker for tables written
by hand (`ShapeCheckView`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSaveFile, Qt, Signal, Slot
from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.architecture import LAYER_TYPES, Architecture, LayerSpec, preset, preset_names
from visualizer.core.errors import UserInputError
from visualizer.resources import resource_path
from visualizer.ui import shape_format as fmt
from visualizer.ui.shell.panel import Panel
from visualizer.ui.shape_check_view import ShapeCheckView
from visualizer.ui.shape_diagram import ShapeDiagram, legend_html
from visualizer.ui.shape_torch_check import TorchChecker
from visualizer.ui.shape_table_model import (
    COL_OTHER,
    COL_PADDING,
    COL_TYPE,
    COLUMNS,
    ShapeTableModel,
)

DEFAULT_PRESET = "mnist-net1"
JSON_FILTER = "ConvViz architecture (*.json);;All files (*)"
LECTURE_FONT_FACTOR = 1.3
MAX_ARCHITECTURE_BYTES = 5_000_000  # VGG19 is 6 kB; anything this big is the wrong file

#: (label, file suffix, dialog filter) of the table exports; the key is the formatter's name
TABLE_EXPORTS = {
    "markdown": ("Markdown", ".md", "Markdown (*.md)"),
    "csv": ("CSV", ".csv", "CSV (*.csv)"),
    "latex": ("LaTeX", ".tex", "LaTeX (*.tex)"),
}


class LayerDelegate(QStyledItemDelegate):
    """A type chooser for the Layer column and a padding chooser (with same/valid) for Padding."""

    def createEditor(self, parent: QWidget, option, index):
        if index.column() == COL_TYPE:
            combo = QComboBox(parent)
            combo.addItems(list(LAYER_TYPES))
            combo.activated.connect(self._commit_combo)
            return combo
        if index.column() == COL_PADDING:
            combo = QComboBox(parent)
            combo.setEditable(True)
            layer_type = index.siblingAtColumn(COL_TYPE).data()
            combo.addItems(["0", "1", "2", "3"] + (["same", "valid"] if layer_type == "Conv2d" else []))
            combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            combo.activated.connect(self._commit_combo)
            return combo
        editor = super().createEditor(parent, option, index)
        if isinstance(editor, QLineEdit) and index.column() == COL_OTHER:
            editor.setPlaceholderText("name=value, …")
        return editor

    @Slot()
    def _commit_combo(self) -> None:
        editor = self.sender()
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index) -> None:
        if isinstance(editor, QComboBox):
            text = str(index.data(Qt.ItemDataRole.EditRole) or "")
            i = editor.findText(text)
            if i >= 0:
                editor.setCurrentIndex(i)
            elif editor.isEditable():
                editor.setEditText(text)
            if editor.isEditable():
                editor.lineEdit().selectAll()  # typing replaces the value, as in a plain cell
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
            return
        super().setModelData(editor, model, index)


class LayerTableView(QTableView):
    """The layer table: rows are dragged to reorder them (the model makes it one undo step)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        # Interactive + a fit after each change: ResizeToContents re-measures every cell on every
        # repaint, which made edits of VGG-sized tables visibly slow.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)

    def fit_columns(self, force: bool = False) -> None:
        """Fit columns to their text, but only those whose longest text changed (measuring every
        cell of a VGG table on each edit took longer than the edit itself)."""
        model = self.model()
        widths = model.column_text_widths() if hasattr(model, "column_text_widths") else None
        old = getattr(self, "_fitted_widths", None)
        if force or widths is None or old is None or len(old) != len(widths):
            self.resizeColumnsToContents()
        else:
            for c, (a, b) in enumerate(zip(old, widths)):
                if a != b:
                    self.resizeColumnToContents(c)
        self._fitted_widths = widths


class ShapeCalculator(Panel):
    title = "Shapes"
    description = "Output shapes, parameters, MACs and receptive field of a CNN, layer by layer"
    guide_page = "03-shapes.html"

    #: the architecture document (Architecture.to_dict()) to train in the Training tab
    train_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShapeCalculator")
        self._path: str | None = None  # file the architecture was opened from / saved to
        self.last_torch_check = ""
        self._message_kind = ""
        self._last_dir = ""
        self._lecture = False

        self._revision = 0  # bumped on every recompute; tells a stale torch check apart
        self.undo_stack = QUndoStack(self)
        self.model = ShapeTableModel(preset(DEFAULT_PRESET), self.undo_stack, self)
        self.undo_stack.setClean()

        self._build_actions()
        self._build_ui()

        self.torch_checker = TorchChecker(self)
        self.torch_checker.result.connect(self._on_torch_result)
        self.torch_checker.running_changed.connect(self._on_torch_running)
        self.model.recomputed.connect(self._on_recomputed)
        self.model.edit_rejected.connect(self._on_edit_rejected)
        self.model.select_rows_requested.connect(self.select_rows)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.diagram.row_clicked.connect(self._on_block_clicked)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_title)
        self._on_recomputed()

    # -- construction --------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut: Any = None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                a.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                a.setShortcut(QKeySequence(shortcut))
        a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        # Own actions rather than QUndoStack.createUndoAction: that one renames itself to
        # "Undo Set kernel size of conv3", too long for a button; the step goes in the tooltip.
        self.undo_action = self._action("&Undo", self.undo_stack.undo, "Ctrl+Z")
        self.redo_action = self._action("&Redo", self.undo_stack.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(self._on_undo_text)
        self.undo_stack.redoTextChanged.connect(self._on_redo_text)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.open_action = self._action("&Open architecture…", self.open_file, "Ctrl+O",
                                        "Open an architecture JSON file")
        self.save_action = self._action("&Save architecture", self.save_file, "Ctrl+S",
                                        "Save the architecture as JSON")
        self.save_as_action = self._action("Save architecture &as…", self.save_file_as, "Ctrl+Shift+S")
        self.add_action = self._action("&Add layer", self.add_layer, "Ctrl+Ins",
                                       "Add a layer after the selected one (like the one above)")
        self.duplicate_action = self._action("&Duplicate layer", self.duplicate_selected, "Ctrl+D",
                                             "Duplicate the selected layers")
        self.remove_action = self._action("&Remove layer", self.remove_selected, "Ctrl+Del",
                                          "Remove the selected layers")
        self.move_up_action = self._action("Move layer &up", self.move_selected_up, "Alt+Up")
        self.move_down_action = self._action("Move layer do&wn", self.move_selected_down, "Alt+Down")
        self.export_actions: dict[str, QAction] = {}
        for key, (label, _suffix, _filter) in TABLE_EXPORTS.items():
            self.export_actions[key] = self._action(
                f"Export table as {label}…", lambda _=False, k=key: self.export_table_dialog(k))
        self.export_actions["markdown"].setShortcut(QKeySequence("Ctrl+E"))
        self.copy_table_action = self._action("&Copy table", self.copy_table, "Ctrl+Shift+C",
                                              "Copy the table to the clipboard (Markdown text)")
        self.export_png_action = self._action("Export diagram as &PNG…",
                                              lambda: self.export_diagram_dialog("png"))
        self.export_svg_action = self._action("Export diagram as S&VG…",
                                              lambda: self.export_diagram_dialog("svg"))
        self.train_action = self._action("&Train this network", self.request_training, "Ctrl+T")
        self.verify_action = self._action(
            "&Verify with PyTorch", self.verify_with_torch, "Ctrl+Shift+T",
            "Build the network with torch.nn (on the meta device, no memory used) and compare "
            "every shape and parameter count with this table")
        self.check_action = self._action("Check a hand-written &table", self.show_check_view, "Ctrl+K",
                                         "Paste a table of layers and output sizes to check it")

    def _tool(self, action: QAction, text: str | None = None) -> QToolButton:
        b = QToolButton(self)
        b.setDefaultAction(action)
        if text:
            b.setText(text)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return b

    def _build_ui(self) -> None:
        # first bar: what network, which input
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

        top = QHBoxLayout()
        top.addWidget(QLabel("Network:", self))
        top.addWidget(self.preset_combo)
        top.addSpacing(12)
        self.input_label = QLabel("Input C×H×W:", self)
        top.addWidget(self.input_label)
        for i, s in enumerate(self.input_spins):
            if i:
                top.addWidget(QLabel("×", self))
            top.addWidget(s)
        top.addSpacing(12)
        top.addWidget(self.name_label, 1)
        self.verify_button = self._tool(self.verify_action, "Verify with PyTorch")
        top.addWidget(self.verify_button)
        self.export_button = QToolButton(self)
        top.addWidget(self.export_button)
        self.train_button = self._tool(self.train_action, "Train this network")
        top.addWidget(self.train_button)

        # second bar: editing, files, export
        self.add_button = self._tool(self.add_action, "Add")
        add_menu = QMenu(self.add_button)
        for t in LAYER_TYPES:
            add_menu.addAction(t, lambda t=t: self.add_layer_of_type(t))
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(self.export_button)
        export_menu.addActions([self.export_actions[k] for k in TABLE_EXPORTS])
        export_menu.addAction(self.copy_table_action)
        export_menu.addSeparator()
        export_menu.addActions([self.export_png_action, self.export_svg_action])
        self.export_button.setMenu(export_menu)
        self.edit_bar = QWidget(self)  # hidden as a whole in lecture mode
        edit_bar = QHBoxLayout(self.edit_bar)
        edit_bar.setContentsMargins(0, 0, 0, 0)
        self.edit_buttons = [
            self.add_button,
            self._tool(self.duplicate_action, "Duplicate"),
            self._tool(self.remove_action, "Remove"),
            self._tool(self.move_up_action, "Up"),
            self._tool(self.move_down_action, "Down"),
            None,
            self._tool(self.undo_action, "Undo"),
            self._tool(self.redo_action, "Redo"),
            None,
            self._tool(self.open_action, "Open…"),
            self._tool(self.save_action, "Save"),
        ]
        for b in self.edit_buttons:
            if b is None:
                edit_bar.addSpacing(12)
            else:
                edit_bar.addWidget(b)
        self.edit_buttons = [b for b in self.edit_buttons if b is not None]
        edit_bar.addStretch(1)
        self.hint_label = QLabel("Double-click a cell to edit it; drag rows to reorder.", self)
        self.hint_label.setEnabled(False)
        edit_bar.addWidget(self.hint_label)

        self.view = LayerTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(LayerDelegate(self.view))
        # Delete is for the table only: in the text boxes it must keep deleting characters.
        self.delete_key_action = QAction("Remove layer", self.view)
        self.delete_key_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_key_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_key_action.triggered.connect(self.remove_selected)
        self.view.addAction(self.delete_key_action)
        self.copy_rows_action = QAction("Copy selected rows", self.view)
        self.copy_rows_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_rows_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_rows_action.triggered.connect(self.copy_selected_rows)
        self.view.addAction(self.copy_rows_action)

        self.diagram = ShapeDiagram(self)
        self.diagram_scroll = QScrollArea(self)
        self.diagram_scroll.setWidget(self.diagram)
        self.diagram_scroll.setWidgetResizable(False)
        self.diagram_scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.zoom_out_button = QToolButton(self)
        self.zoom_out_button.setText("−")
        self.zoom_out_button.setToolTip("Smaller diagram (Ctrl+wheel on the diagram)")
        self.zoom_out_button.clicked.connect(lambda: self.diagram.set_zoom(self.diagram.zoom / 1.25))
        self.zoom_in_button = QToolButton(self)
        self.zoom_in_button.setText("+")
        self.zoom_in_button.setToolTip("Larger diagram (Ctrl+wheel on the diagram)")
        self.zoom_in_button.clicked.connect(lambda: self.diagram.set_zoom(self.diagram.zoom * 1.25))
        self.zoom_fit_button = QToolButton(self)
        self.zoom_fit_button.setText("Fit")
        self.zoom_fit_button.setToolTip("Show the whole network")
        self.zoom_fit_button.clicked.connect(self.fit_diagram)
        self.zoom_label = QLabel("100%", self)
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("400%  "))
        self.diagram.zoom_changed.connect(self._on_zoom_changed)
        # Until the user zooms, the figure shrinks to the height it is given (no vertical scroll).
        self._diagram_auto_zoom = True
        self._auto_zooming = False
        self.diagram_scroll.viewport().installEventFilter(self)
        zoom_bar = QHBoxLayout()
        zoom_bar.setContentsMargins(4, 2, 4, 0)
        legend = QLabel(legend_html(), self)
        legend.setToolTip("Height follows the feature map's size, thickness its channels; "
                          "activations, batch norm and dropout are folded into the block before them")
        zoom_bar.addWidget(legend)
        zoom_bar.addStretch(1)
        zoom_bar.addWidget(QLabel("Zoom:", self))
        for w in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.zoom_fit_button):
            zoom_bar.addWidget(w)
        self.diagram_page = QWidget(self)
        page_layout = QVBoxLayout(self.diagram_page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(0)
        page_layout.addLayout(zoom_bar)
        page_layout.addWidget(self.diagram_scroll, 1)
        self.check_view = ShapeCheckView(self.model.architecture, self)
        self.check_view.status.connect(self.emit_status)
        self.model.recomputed.connect(self.check_view.network_changed)
        self.lower_tabs = QTabWidget(self)
        self.lower_tabs.setDocumentMode(True)
        self.lower_tabs.addTab(self.diagram_page, "Diagram")
        self.lower_tabs.addTab(self.check_view, "Check a hand-written table")

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.lower_tabs)
        self.splitter.setStretchFactor(0, 3)  # the diagram shrinks to fit what it is given
        self.splitter.setStretchFactor(1, 2)

        # how the selected row's numbers come about, with its own numbers
        self.explain_label = QLabel(self)
        self.explain_label.setWordWrap(True)
        self.explain_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explain_label.setToolTip("How the selected layer's output size, parameters and MACs come about")
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addLayout(top)
        layout.addWidget(self.edit_bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.explain_label)
        layout.addWidget(self.problem_label)
        self._base_font_point_size = self.font().pointSizeF()

    def panel_actions(self) -> list[QAction]:
        sep = QAction(self)
        sep.setSeparator(True)
        sep2 = QAction(self)
        sep2.setSeparator(True)
        sep3 = QAction(self)
        sep3.setSeparator(True)
        return [
            self.undo_action, self.redo_action, sep,
            self.add_action, self.duplicate_action, self.remove_action,
            self.move_up_action, self.move_down_action, sep2,
            self.open_action, self.save_action, self.save_as_action,
            *[self.export_actions[k] for k in TABLE_EXPORTS], self.copy_table_action,
            self.export_png_action, self.export_svg_action, sep3,
            self.verify_action, self.check_action, self.train_action,
        ]

    # -- reacting to the model -----------------------------------------------------------
    @Slot()
    def _on_recomputed(self) -> None:
        self._revision += 1
        table = self.model.table
        arch = table.architecture
        for s, v in zip(self.input_spins, arch.input_shape):
            s.blockSignals(True)
            s.setValue(int(v))
            s.blockSignals(False)
        caption = (f"{arch.name or 'network'}: {fmt.format_shape(tuple(arch.input_shape))} → "
                   f"{fmt.format_shape(table.output_shape)}, {table.total_params:,} parameters, "
                   f"{fmt.format_macs(table.total_macs)} MACs")
        self.view.fit_columns()
        self.preset_combo.setCurrentIndex(self.preset_combo.findText(arch.name))  # -1: "Preset…"
        self.diagram.set_table(table, caption)
        self._auto_zoom_diagram()
        self.diagram.set_selected_rows(self.selected_rows())
        self._update_explanation()
        problem = self.model.first_problem()
        if problem is None:
            self.show_message(
                f"{len(table.rows)} layers · output {fmt.format_shape(table.output_shape)} · "
                f"{table.total_params:,} parameters · {table.total_macs:,} MACs "
                f"({2 * table.total_macs:,} FLOPs) per sample")
        else:
            row, reason = problem
            bad = sum(1 for r in table.rows if not r.ok)
            more = f" ({bad - 1} more bad row{'s' if bad > 2 else ''})" if bad > 1 else ""
            text = f"Row {row + 1} ({table.rows[row].name}): {reason}{more}"
            self.show_message(text, "bad")
            self.emit_status(text, 8000)
        self._update_train_action()
        self._update_title()

    def _update_train_action(self) -> None:
        ok, why = self.trainable()
        self.train_action.setEnabled(ok)
        tip = ("Hand this network to the Training tab" if ok else f"Cannot train here: {why}")
        self.train_action.setToolTip(tip)
        self.train_button.setToolTip(tip)

    def trainable(self) -> tuple[bool, str]:
        """(True, "") when the training panel can take this network: MNIST in, 10 classes out."""
        table = self.model.table
        if not table.ok:
            return False, "fix the layers in red first"
        if tuple(table.architecture.input_shape) != (1, 28, 28):
            return False, "the training panel trains on MNIST, so the input must be 1×28×28"
        out = table.output_shape
        if out is None or int(_prod(out)) != 10:
            return False, f"the network must end in 10 outputs (one per digit), not {fmt.format_shape(out)}"
        return True, ""

    @Slot()
    def _update_title(self) -> None:
        arch = self.model.table.architecture
        name = Path(self._path).name if self._path else (arch.name or "untitled")
        modified = "" if self.undo_stack.isClean() else " (modified)"
        self.name_label.setText(f"<b>{name}</b>{modified}")
        self.name_label.setToolTip(self._path or (arch.description if hasattr(arch, "description") else ""))

    def _color(self, kind: str) -> str:
        return fmt.message_color(kind, self.palette().window().color().lightness() < 128)

    @Slot(str)
    def _on_undo_text(self, text: str) -> None:
        self.undo_action.setToolTip(f"Undo: {text} (Ctrl+Z)" if text else "Nothing to undo")

    @Slot(str)
    def _on_redo_text(self, text: str) -> None:
        self.redo_action.setToolTip(f"Redo: {text} (Ctrl+Shift+Z)" if text else "Nothing to redo")

    @Slot(str)
    def _on_edit_rejected(self, message: str) -> None:
        self.emit_status("Not changed: " + message, 8000)
        self.show_message("Not changed: " + message, "bad")

    # -- selection between table and diagram ---------------------------------------------
    def selected_rows(self) -> list[int]:
        sm = self.view.selectionModel()
        if sm is None:
            return []
        rows = sorted({i.row() for i in sm.selectedRows()})
        return [r for r in rows if r < self.model.layer_count()]

    def current_row(self) -> int:
        rows = self.selected_rows()
        if rows:
            return rows[-1]
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() and idx.row() < self.model.layer_count() else -1

    @Slot(list)
    def select_rows(self, rows: list[int]) -> None:
        rows = [r for r in rows if 0 <= r < self.model.layer_count()]
        sm = self.view.selectionModel()
        selection = QItemSelection()
        for r in rows:
            selection.select(self.model.index(r, 0), self.model.index(r, len(COLUMNS) - 1))
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if rows:
            sm.setCurrentIndex(self.model.index(rows[0], self.view.currentIndex().column()
                                                if self.view.currentIndex().isValid() else 0),
                               QItemSelectionModel.SelectionFlag.NoUpdate)
            self.view.scrollTo(self.model.index(rows[0], 0))

    def _update_explanation(self) -> None:
        rows = self.selected_rows()
        table = self.model.table
        if len(rows) != 1 or rows[0] >= len(table.rows):
            self.explain_label.setText("Select a layer to see how its numbers come about."
                                       if not rows else f"{len(rows)} layers selected.")
            return
        layer, spec = table.rows[rows[0]], table.architecture.layers[rows[0]]
        how = fmt.explain_layer(spec.type, spec.params, layer.input_shape, layer.output_shape,
                                layer.params, layer.macs)
        head = (f"<b>{layer.name}</b> ({spec.type}): {fmt.format_shape(layer.input_shape)} → "
                f"{fmt.format_shape(layer.output_shape)}")
        self.explain_label.setText(head + (f" — {_html(how)}" if how else ""))

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, *_: Any) -> None:
        rows = self.selected_rows()
        self._update_explanation()
        self.diagram.set_selected_rows(rows)
        if rows:
            rect = self.diagram.block_rect(rows[0])
            if rect is not None:
                self.diagram_scroll.ensureVisible(int(rect.center().x()), int(rect.center().y()),
                                                  int(rect.width() / 2) + 40, 10)
            layer = self.model.table.rows[rows[0]] if rows[0] < len(self.model.table.rows) else None
            if layer is not None and not layer.ok:
                self.emit_status(f"Row {rows[0] + 1} ({layer.name}): {layer.error}", 8000)

    @Slot(int)
    def _on_block_clicked(self, row: int) -> None:
        self.select_rows([row])
        self.view.setFocus(Qt.FocusReason.MouseFocusReason)

    # -- editing -------------------------------------------------------------------------
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
            arch = preset(name)
        except UserInputError as exc:
            self.emit_status(str(exc), 8000)
            return
        self._path = None
        self.model.replace_architecture(arch, f"Load preset {name}")
        self.undo_stack.setClean()  # a preset as it comes is nothing to lose
        self.emit_status(f"Loaded preset {name}", 3000)

    def _new_layer(self, layer_type: str, at: int) -> LayerSpec:
        rows = self.model.table.rows
        incoming = rows[at - 1].output_shape if at > 0 and at - 1 < len(rows) else \
            tuple(self.model.table.architecture.input_shape)
        channels = incoming[0] if incoming is not None and len(incoming) == 3 else None
        if channels is not None and channels < 8:
            channels = 8  # after an image (1 or 3 channels) a conv usually widens
        return LayerSpec(layer_type, fmt.default_params(layer_type, channels))

    @Slot()
    def add_layer(self) -> None:
        """Add a layer after the selected one, of the same type (a Conv2d in an empty net)."""
        row = self.current_row()
        at = row + 1 if row >= 0 else self.model.layer_count()
        if row >= 0:
            layer_type = self.model.table.architecture.layers[row].type
        else:
            layer_type = "Conv2d"
        self.add_layer_of_type(layer_type, at)

    def add_layer_of_type(self, layer_type: str, at: int | None = None) -> None:
        if at is None:
            row = self.current_row()
            at = row + 1 if row >= 0 else self.model.layer_count()
        self.model.insert_layer(at, self._new_layer(layer_type, at))

    @Slot()
    def duplicate_selected(self) -> None:
        if not self.model.duplicate_layers(self.selected_rows() or [self.current_row()]):
            self.emit_status("Select a layer to duplicate", 3000)

    @Slot()
    def remove_selected(self) -> None:
        if not self.model.remove_layers(self.selected_rows() or [self.current_row()]):
            self.emit_status("Select a layer to remove", 3000)

    @Slot()
    def move_selected_up(self) -> None:
        rows = self.selected_rows()
        if rows and rows[0] > 0:
            self.model.move_layers(rows, rows[0] - 1)

    @Slot()
    def move_selected_down(self) -> None:
        rows = self.selected_rows()
        if rows and rows[-1] < self.model.layer_count() - 1:
            self.model.move_layers(rows, rows[-1] + 2)

    # -- files ---------------------------------------------------------------------------
    def _start_dir(self) -> str:
        """Where save and export dialogs open: beside the current file, or where the last went."""
        if self._path:
            return str(Path(self._path).parent)
        return self._last_dir or str(Path.home())

    def _open_dir(self) -> str:
        if self._path or self._last_dir:
            return self._start_dir()
        try:  # the example architectures that ship with ConvViz
            examples = resource_path("architectures")
        except FileNotFoundError:
            return ""
        return str(examples) if examples.is_dir() else ""

    @Slot()
    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open architecture", self._open_dir(), JSON_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        try:
            if Path(path).is_file() and Path(path).stat().st_size > MAX_ARCHITECTURE_BYTES:
                raise UserInputError(f"{Path(path).name} is larger than 5 MB; it is not an architecture file")
            arch = Architecture.load(path)
        except UserInputError as exc:
            self._error("Cannot open architecture", str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - a damaged file must never crash the app
            self._error("Cannot open architecture", f"{Path(path).name}: {exc}")
            return False
        self._path = str(path)
        self._last_dir = str(Path(path).parent)
        self.model.replace_architecture(arch, f"Open {Path(path).name}")
        self.undo_stack.setClean()
        self.emit_status(f"Opened {path}", 4000)
        return True

    @Slot()
    def save_file(self) -> bool:
        if not self._path:
            return self.save_file_as()
        return self.save_path(self._path)

    @Slot()
    def save_file_as(self) -> bool:
        arch = self.model.table.architecture
        suggested = self._path or str(Path(self._start_dir()) / f"{arch.name or 'network'}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save architecture", suggested, JSON_FILTER)
        if not path:
            return False
        if not Path(path).suffix:
            path += ".json"
        return self.save_path(path)

    def save_path(self, path: str) -> bool:
        arch = self.model.architecture()
        if not arch.name:
            arch.name = Path(path).stem
        try:
            _write_text_atomic(path, arch.to_json())
        except OSError as exc:
            self._error("Cannot save architecture", str(exc))
            return False
        self._path = str(path)
        self._last_dir = str(Path(path).parent)
        self.undo_stack.setClean()
        self._update_title()
        self.emit_status(f"Saved {path}", 4000)
        return True

    def _error(self, title: str, message: str) -> None:
        self.emit_status(f"{title}: {message}", 8000)
        QMessageBox.warning(self, title, message)

    # -- export --------------------------------------------------------------------------
    def table_text(self, kind: str) -> str:
        """The table as `kind` ("markdown", "csv", "latex", "text", "json") via the core formatters."""
        from visualizer.core import table_format

        return table_format.format_table(self.model.table, kind)

    @Slot()
    def export_table_dialog(self, kind: str) -> None:
        label, suffix, file_filter = TABLE_EXPORTS[kind]
        arch = self.model.table.architecture
        suggested = str(Path(self._start_dir()) / f"{arch.name or 'network'}-shapes{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export table as {label}", suggested, file_filter)
        if path:
            if not Path(path).suffix:
                path += suffix
            self.export_table(kind, path)

    def export_table(self, kind: str, path: str) -> bool:
        try:
            _write_text_atomic(path, self.table_text(kind))
        except OSError as exc:
            self._error("Cannot export table", str(exc))
            return False
        self._last_dir = str(Path(path).parent)
        self.emit_status(f"Table written to {path}", 4000)
        return True

    @Slot()
    def copy_table(self) -> None:
        QGuiApplication.clipboard().setText(self.table_text("markdown"))
        self.emit_status("Table copied to the clipboard as Markdown", 3000)

    def rows_as_tsv(self, rows: list[int]) -> str:
        """The shown cells of `rows` (and the header) as tab-separated text, for spreadsheets."""
        lines = ["\t".join(COLUMNS)]
        for r in rows:
            lines.append("\t".join(str(self.model.index(r, c).data() or "") for c in range(len(COLUMNS))))
        return "\n".join(lines) + "\n"

    @Slot()
    def copy_selected_rows(self) -> None:
        sm = self.view.selectionModel()
        rows = sorted({i.row() for i in sm.selectedRows()}) if sm is not None else []
        if not rows:
            self.emit_status("Select rows to copy (Ctrl+Shift+C copies the whole table)", 4000)
            return
        QGuiApplication.clipboard().setText(self.rows_as_tsv(rows))
        self.emit_status(f"{len(rows)} row{'s' if len(rows) > 1 else ''} copied (tab-separated)", 3000)

    @Slot()
    def export_diagram_dialog(self, kind: str) -> None:
        arch = self.model.table.architecture
        suffix = "." + kind
        suggested = str(Path(self._start_dir()) / f"{arch.name or 'network'}-diagram{suffix}")
        file_filter = "PNG image (*.png)" if kind == "png" else "SVG drawing (*.svg)"
        path, _ = QFileDialog.getSaveFileName(self, f"Export diagram as {kind.upper()}", suggested,
                                              file_filter)
        if path:
            if not Path(path).suffix:
                path += suffix
            self.export_diagram(kind, path)

    def export_diagram(self, kind: str, path: str) -> bool:
        try:
            if kind == "png":
                self.diagram.export_png(path)
            else:
                self.diagram.export_svg(path)
        except OSError as exc:
            self._error("Cannot export diagram", str(exc))
            return False
        self._last_dir = str(Path(path).parent)
        self.emit_status(f"Diagram written to {path}", 4000)
        return True

    # -- other actions -------------------------------------------------------------------
    @Slot()
    def request_training(self) -> None:
        ok, why = self.trainable()
        if not ok:
            self.emit_status("Cannot train this network: " + why, 6000)
            return
        self.train_requested.emit(self.model.table.architecture.to_dict())
        self.emit_status("Network handed to the Training tab", 4000)

    @Slot()
    def fit_diagram(self) -> None:
        viewport = self.diagram_scroll.viewport().size()
        self.diagram.zoom_to_fit(viewport.width() - 4, viewport.height() - 4)

    @Slot(float)
    def _on_zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{round(zoom * 100)}%")
        if not self._auto_zooming:
            self._diagram_auto_zoom = False  # the user chose a zoom: keep it

    def _auto_zoom_diagram(self) -> None:
        if not self._diagram_auto_zoom:
            return
        height = self.diagram_scroll.viewport().height() - 4
        natural = self.diagram.figure_size().height()
        if height <= 20 or natural <= 0:
            return
        self._auto_zooming = True
        try:
            self.diagram.set_zoom(min(1.0, max(0.5, height / natural)))
        finally:
            self._auto_zooming = False

    def eventFilter(self, watched, event) -> bool:
        if watched is self.diagram_scroll.viewport() and event.type() == event.Type.Resize:
            self._auto_zoom_diagram()
        elif (event.type() == event.Type.ShortcutOverride and watched in self.input_spins
              and (event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
                   or event.keyCombination() == QKeySequence("Ctrl+Shift+Z")[0])):
            # Ctrl+Z in an input box undoes the last network edit (the input change just made),
            # not the typing inside the box
            event.ignore()
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def verify_with_torch(self) -> None:
        if self.torch_checker.is_running():
            return
        self.torch_checker.start(self.model.table.architecture.to_dict(), self._revision)
        self.show_message("Building the network with PyTorch…")
        self.emit_status("Building the network with PyTorch…", 0)

    @Slot(bool)
    def _on_torch_running(self, running: bool) -> None:
        self.verify_action.setEnabled(not running)
        if running:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    @Slot(int, object, str)
    def _on_torch_result(self, token: int, problems: Any, error: str) -> None:
        if token != self._revision:
            text, kind = "The network changed while PyTorch was checking it; verify again.", ""
        elif error:
            text, kind = f"PyTorch could not build this network: {error}", "bad"
        elif problems:
            text, kind = "PyTorch disagrees: " + "; ".join(str(p) for p in problems), "bad"
        else:
            bad = sum(1 for r in self.model.table.rows if not r.ok)
            text = ("PyTorch agrees: a real torch.nn module gives the same output shape and parameter "
                    "count for every layer"
                    + (", and torch refuses the layers in red as well." if bad else "."))
            kind = "good"
        self.last_torch_check = text
        self.show_message(text, kind)
        self.emit_status(text, 8000)

    def shutdown(self) -> None:
        self.torch_checker.shutdown()

    @Slot()
    def show_check_view(self) -> None:
        self.lower_tabs.setCurrentWidget(self.check_view)
        self.check_view.text.setFocus()

    # -- panel contract ------------------------------------------------------------------
    def save_state(self) -> dict[str, Any]:
        return {
            "architecture": self.model.table.architecture.to_dict(),
            "path": self._path or "",
            "last_dir": self._last_dir,
            "check": self.check_view.save_state(),
            "lower_tab": self.lower_tabs.currentIndex(),
            "splitter": [int(s) for s in self.splitter.sizes()],
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        doc = state.get("architecture")
        if doc is not None:
            try:
                arch = Architecture.from_dict(doc)
            except UserInputError as exc:
                self.emit_status(f"Shapes: could not restore the last network ({exc})", 8000)
            else:
                self.model.set_architecture_without_undo(arch)
                self.undo_stack.setClean()
        path = state.get("path")
        self._path = path if isinstance(path, str) and path else None
        last_dir = state.get("last_dir")
        if isinstance(last_dir, str):
            self._last_dir = last_dir
        check = state.get("check")
        if isinstance(check, dict):
            self.check_view.restore_state(check)
        tab = state.get("lower_tab")
        if isinstance(tab, int) and 0 <= tab < self.lower_tabs.count():
            self.lower_tabs.setCurrentIndex(tab)
        sizes = state.get("splitter")
        if isinstance(sizes, list) and len(sizes) == 2 and all(isinstance(s, int) and s >= 0 for s in sizes):
            self.splitter.setSizes(sizes)
        self._update_title()

    def set_lecture_mode(self, on: bool) -> None:
        self._lecture = bool(on)
        self.model.editing_enabled = not on
        self.edit_bar.setVisible(not on)
        self.check_view.set_editing_visible(not on)
        for a in (self.add_action, self.duplicate_action, self.remove_action, self.move_up_action,
                  self.move_down_action, self.delete_key_action):
            a.setEnabled(not on)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if on else
                                  QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.setDragEnabled(not on)
        self._apply_child_fonts()
        self.view.viewport().update()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.FontChange and hasattr(self, "view"):
            self._apply_child_fonts()
        elif event.type() == event.Type.PaletteChange and hasattr(self, "problem_label"):
            self.show_message(self.problem_label.text(), self._message_kind)  # theme changed

    def show_message(self, text: str, kind: str = "") -> None:
        """The line under the table: "bad" in red, "good" in green, else plain."""
        self._message_kind = kind
        self.problem_label.setStyleSheet(f"color: {self._color(kind)};" if kind else "")
        self.problem_label.setText(text)

    def _apply_child_fonts(self) -> None:
        """Lecture mode: the table and the diagram in larger type than the rest of the app."""
        font = QFont(self.font())
        if self._lecture and font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * LECTURE_FONT_FACTOR)
        for w in (self.view, self.diagram, self.check_view.results, self.problem_label):
            w.setFont(font)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.fit_columns(force=True)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _prod(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _write_text_atomic(path: str, text: str) -> None:
    """Write all of `text` or nothing (QSaveFile renames a finished temporary file into place)."""
    out = QSaveFile(path)
    if not out.open(QSaveFile.OpenModeFlag.WriteOnly):
        raise OSError(f"cannot write {path}: {out.errorString()}")
    data = text.encode("utf-8")
    if out.write(data) != len(data) or not out.commit():
        err = out.errorString()
        out.cancelWriting()
        raise OSError(f"cannot write {path}: {err}")


def main(argv: list[str] | None = None) -> int:
    import sys

    from PySide6.QtWidgets import QMainWindow

    from visualizer.ui.shell.application import create_application

    args = list(sys.argv[1:] if argv is None else argv)
    app = create_application()
    window = QMainWindow()
    panel = ShapeCalculator()
    window.setCentralWidget(panel)
    window.setWindowTitle("ConvViz: Shapes")
    for menu_title, actions in (("Shapes", panel.panel_actions()),):
        menu = window.menuBar().addMenu(menu_title)
        menu.addActions(actions)
    panel.status_message.connect(window.statusBar().showMessage)
    panel.train_requested.connect(
        lambda doc: window.statusBar().showMessage(f"train_requested: {doc.get('name')}", 5000))
    if args:
        target = args[0]
        if Path(target).suffix == ".json" and Path(target).exists():
            panel.open_path(target)
        else:
            panel.load_preset(target)
    if len(args) > 1 and args[1] == "--check":
        panel.check_view.use_example()
        panel.show_check_view()
    window.resize(1400, 900)
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
