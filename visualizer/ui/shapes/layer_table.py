"""The layer table: one row per layer plus a totals row, editable in place.

`LayerTableModel` is a thin QAbstractTableModel over the `ShapesModel`: it formats the model's
table for display, turns a typed cell into `ShapesModel.edit_layer` and a row drag into
`move_layers`, and resets or refreshes when the model announces `changed`. `LayerTableView`
shows it and keeps its selection in step with the model's; `LayerDelegate` gives the Layer and
Padding cells their choosers.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QLineEdit, QStyledItemDelegate, QTableView, QWidget

from visualizer.core import shape_text as fmt
from visualizer.core.architecture import LAYER_TYPES, RESIDUAL
from visualizer.ui.shapes.layer_edits import FIELDS, field_applies
from visualizer.ui.shapes.model import ShapesModel

COLUMNS = (
    "#", "Name", "Layer", "Out", "Kernel", "Stride", "Padding", "Dilation", "Other",
    "Output (C×H×W)", "Params", "MACs", "Memory", "Receptive field",
)
(COL_INDEX, COL_NAME, COL_TYPE, COL_OUT, COL_KERNEL, COL_STRIDE, COL_PADDING, COL_DILATION,
 COL_OTHER, COL_OUTPUT, COL_PARAMS, COL_MACS, COL_MEMORY, COL_RF) = range(len(COLUMNS))
EDITABLE_COLUMNS = (COL_NAME, COL_TYPE, COL_OUT, COL_KERNEL, COL_STRIDE, COL_PADDING,
                    COL_DILATION, COL_OTHER)
NUMBER_COLUMNS = (COL_INDEX, COL_PARAMS, COL_MACS, COL_MEMORY)
#: the model's name of the setting each editable column shows
COLUMN_FIELDS = dict(zip(EDITABLE_COLUMNS, FIELDS))

HEADER_TIPS = {
    COL_INDEX: "Position in the network (drag a row to move it)",
    COL_NAME: "A label for the layer (double-click to rename)",
    COL_TYPE: "Layer type (double-click to change)",
    COL_OUT: "Out channels (Conv2d), out features (Linear) or output size (AdaptiveAvgPool2d)",
    COL_KERNEL: "Kernel size, e.g. 3 or 3×5",
    COL_STRIDE: "Stride; a pool's stride is its kernel size unless set",
    COL_PADDING: "Padding per side, e.g. 1, 1×2, same or valid",
    COL_DILATION: "Dilation (spacing between kernel taps)",
    COL_OTHER: "Other settings as name=value, e.g. groups=2, bias=no",
    COL_OUTPUT: "Shape of the layer's output for one sample: channels × height × width",
    COL_PARAMS: "Parameters: weights and biases (BatchNorm's running statistics are buffers, listed in the tooltip)",
    COL_MACS: "Multiply-accumulates for one sample; one multiply-add is one MAC, FLOPs = 2 × MACs",
    COL_MEMORY: "Memory of the layer's output for one sample as float32",
    COL_RF: "Receptive field in input pixels, and the jump (effective stride) between neighbouring outputs",
}

MIME_ROWS = "application/x-convviz-layer-rows"

# Item data roles as plain ints (PySide passes ints; comparing to enum members is much slower)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_EDIT = int(Qt.ItemDataRole.EditRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_FLAGS_READ = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_FLAGS_MOVE = _FLAGS_READ | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled
_FLAGS_EDIT = _FLAGS_MOVE | Qt.ItemFlag.ItemIsEditable
_FLAGS_DROP = Qt.ItemFlag.ItemIsDropEnabled

BAD_ROW_BACKGROUND = QColor(255, 220, 220)
BAD_ROW_TEXT = QColor(170, 0, 0)
DEFAULT_VALUE_TEXT = QColor(130, 130, 130)


class LayerTableModel(QAbstractTableModel):
    """One table row per layer of `model` (of the focused block path, see ShapesModel.focus),
    then the totals. An expanded Residual block is followed by read-only rows of its main path
    and shortcut and an "add" row with the two shapes that meet there; `entry(row)` tells them
    apart, `view_row(layer)` finds a layer's table row."""

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._bad_background = QBrush(BAD_ROW_BACKGROUND)
        self._bad_text = QBrush(BAD_ROW_TEXT)
        self._default_text = QBrush(DEFAULT_VALUE_TEXT)
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        self._rows = model.layer_count()
        self._entries: list[tuple[str, int, Any]] = []
        self._rebuild_cache()
        model.changed.connect(self._on_model_changed)
        model.expansion_changed.connect(self._on_model_changed)

    @property
    def _layers(self):
        return self.model.layers()

    @property
    def _table_rows(self):
        return self.model.rows()

    @property
    def _table(self):
        return self.model.table

    @property
    def editing_enabled(self) -> bool:
        return self.model.editing_enabled and self.model.module_table is None

    @Slot()
    def _on_model_changed(self) -> None:
        old = [(k, i) for k, i, _ in self._entries]
        entries = self._make_entries()
        if [(k, i) for k, i, _ in entries] != old:
            self.beginResetModel()
            self._rebuild_cache()
            self.endResetModel()
        else:
            self._rebuild_cache()
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def _make_entries(self) -> list[tuple[str, int, Any]]:
        entries: list[tuple[str, int, Any]] = []
        rows = self._table_rows
        for i in range(self.model.layer_count()):
            entries.append(("layer", i, None))
            if i in self.model.expanded and i < len(rows) and rows[i].is_block:
                for child in rows[i].children:
                    entries.append(("child", i, child))
                entries.append(("add", i, rows[i]))
        return entries

    # -- reading -------------------------------------------------------------------------
    def layer_count(self) -> int:
        return self._rows

    def entry(self, row: int) -> tuple[str, int, Any]:
        """("layer", layer index, None), ("child", block's layer index, its LayerRow), ("add",
        block's layer index, the block's LayerRow) or ("total", -1, None)."""
        return self._entries[row] if 0 <= row < len(self._entries) else ("total", -1, None)

    def layer_of(self, row: int) -> int | None:
        kind, i, _ = self.entry(row)
        return i if kind == "layer" else None

    def view_row(self, layer: int) -> int:
        for r, (kind, i, _) in enumerate(self._entries):
            if kind == "layer" and i == layer:
                return r
        return -1

    def is_totals_row(self, row: int) -> bool:
        return row == len(self._entries)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries) + 1

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(section)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            # dropping between rows (or below the last one) is allowed
            return _FLAGS_DROP if self.editing_enabled else Qt.ItemFlag.NoItemFlags
        row = index.row()
        if not self.editing_enabled or self.is_totals_row(row) or self.entry(row)[0] != "layer":
            return _FLAGS_READ
        return _FLAGS_EDIT if self._editable[row][index.column()] else _FLAGS_MOVE

    def _applies(self, row: int, column: int) -> bool:
        if self.model.module_table is not None:
            return False  # a torch module's table: its rows have no ConvViz settings
        field = COLUMN_FIELDS.get(column)
        return field is not None and field_applies(self._layers[row].type, field)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Views call this thousands of times per repaint: plain int roles and lookups in tables
        # built once per edit (see _rebuild_cache) keep editing a VGG-sized net instant.
        if role == _DISPLAY:
            return self._display[index.row()][index.column()] if index.isValid() else None
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == _ALIGN:
            return _RIGHT if column in NUMBER_COLUMNS else None
        if role == _BACKGROUND:
            return self._backgrounds[row]
        if role == _FOREGROUND:
            return self._foregrounds[row][column]
        if role == _FONT:
            return self._bold if self.is_totals_row(row) else (self._italic if self.entry(row)[0] == "add" else None)
        if role == _EDIT:
            layer = self.layer_of(row)
            return None if layer is None else self._cell_text(layer, column, True)
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        return None

    def _tooltip(self, row: int, column: int) -> str | None:
        if self.is_totals_row(row):
            return self._totals_tip(column)
        kind, i, extra = self.entry(row)
        if kind == "add":
            a, b = extra.add_shapes or (None, None)
            return (f"The addition of {extra.name}: main path {fmt.format_shape(a)} + shortcut "
                    f"{fmt.format_shape(b)}" + (f" — {extra.error}" if extra.error else ""))
        if kind == "child":
            return (f"{extra.path} path of this block: {extra.error}" if extra.error else
                    f"In the {extra.path} path (double-click the block's row to edit it)")
        layer = self._table_rows[i] if i < len(self._table_rows) else None
        if layer is not None and not layer.ok:
            return f"Row {i + 1}: {layer.error}"
        return self._cell_tip(i, column)

    def _rebuild_cache(self) -> None:
        self._entries = self._make_entries()
        self._rows = self.model.layer_count()
        display = []
        backgrounds: list[QBrush | None] = []
        foregrounds: list[list[QBrush | None]] = []
        editable = []
        rows = self._table_rows
        for kind, r, extra in self._entries:
            if kind != "layer":
                display.append(self._inner_text(kind, extra, rows[r].name))
                bad = extra.error is not None and kind == "child"
                backgrounds.append(None)
                foregrounds.append([self._bad_text if bad else self._default_text] * len(COLUMNS))
                editable.append([False] * len(COLUMNS))
                continue
            display.append([self._cell_text(r, c, False) for c in range(len(COLUMNS))])
            layer = rows[r] if r < len(rows) else None
            bad = layer is not None and not layer.ok
            backgrounds.append(self._bad_background if bad else None)
            fg: list[QBrush | None] = [self._bad_text if bad else None] * len(COLUMNS)
            spec = self._layers[r]
            if not bad and fmt.stride_follows_kernel(spec.type) and (
                    spec.params.get("stride") is None
                    or fmt.as_pair(spec.params.get("stride")) == fmt.as_pair(spec.params.get("kernel_size"))):
                fg[COL_STRIDE] = self._default_text  # grey: the stride follows the kernel size
            foregrounds.append(fg)
            editable.append([c in EDITABLE_COLUMNS and self._applies(r, c) for c in range(len(COLUMNS))])
        display.append([self._totals_text(c) for c in range(len(COLUMNS))])
        backgrounds.append(None)  # bold is enough; a fixed grey would clash with a dark theme
        foregrounds.append([None] * len(COLUMNS))
        self._display, self._backgrounds, self._foregrounds = display, backgrounds, foregrounds
        self._editable = editable

    def _inner_text(self, kind: str, row: Any, block_name: str = "") -> list[str]:
        """The read-only cells of a row inside an expanded block, or of its addition."""
        cells = [""] * len(COLUMNS)
        if kind == "add":
            a, b = row.add_shapes or (None, None)
            cells[COL_NAME] = "  ⊕ add"
            cells[COL_TYPE] = "main + shortcut"
            cells[COL_OTHER] = f"{fmt.format_shape(a)} + {fmt.format_shape(b)}"
            cells[COL_OUTPUT] = fmt.format_shape(row.output_hint if row.output_shape is None else row.output_shape)
            return cells
        indent = "  " * row.depth
        short = row.name[len(block_name) + 1:] if row.name.startswith(block_name + ".") else row.name
        cells[COL_NAME] = f"{indent}{row.path} · {short}"
        cells[COL_TYPE] = row.type
        cells[COL_OTHER] = row.settings
        cells[COL_OUTPUT] = fmt.format_shape(row.output_shape) if row.output_shape is not None else "?"
        cells[COL_PARAMS] = fmt.format_count(row.params)
        cells[COL_MACS] = fmt.format_macs(row.macs)
        cells[COL_MEMORY] = fmt.format_bytes(row.activation_bytes)
        cells[COL_RF] = fmt.rf_text(row.rf_size, row.rf_jump, row.rf_input)
        return cells

    def column_text_widths(self) -> list[int]:
        """Longest text (in characters) of each column, header included (to refit columns
        only when this changes)."""
        return [max([len(COLUMNS[c])] + [len(row[c]) for row in self._display]) for c in range(len(COLUMNS))]

    def _cell_text(self, row: int, column: int, editing: bool) -> str:
        spec = self._layers[row]
        layer = self._table_rows[row] if row < len(self._table_rows) else None
        p = spec.params
        if column == COL_INDEX:
            return str(row + 1)
        if column == COL_NAME:
            if editing:
                return spec.name
            return spec.name or (layer.name if layer is not None else "")
        if self.model.module_table is not None and column == COL_OTHER and layer is not None:
            return layer.settings
        if column == COL_TYPE:
            if spec.is_block and not editing:
                return ("▾ " if row in self.model.expanded else "▸ ") + RESIDUAL.name
            return spec.type
        if spec.is_block and column == COL_OTHER and layer is not None:
            a, b = layer.add_shapes or (None, None)
            short = "identity" if not spec.shortcut else f"{len(spec.shortcut)} layers"
            act = (spec.params or {}).get("activation")
            return (f"main {len(spec.main)} · shortcut {short} · ⊕ {fmt.format_shape(a)} + {fmt.format_shape(b)}"
                    + (f" → {act}" if act else ""))
        if not self._applies(row, column) and column in EDITABLE_COLUMNS:
            return ""
        if column == COL_OUT:
            value = p.get(fmt.out_key(spec.type))
            return fmt.format_pair(value) if fmt.out_is_pair(spec.type) else str(value)
        if column == COL_KERNEL:
            return fmt.format_pair(p.get("kernel_size"))
        if column == COL_STRIDE:
            stride = p.get("stride")
            if stride is None:
                stride = p.get("kernel_size") if fmt.stride_follows_kernel(spec.type) else [1, 1]
            return fmt.format_pair(stride, short=True)
        if column == COL_PADDING:
            return fmt.format_pair(p.get("padding", [0, 0]), short=True)
        if column == COL_DILATION:
            return fmt.format_pair(p.get("dilation", [1, 1]), short=True)
        if column == COL_OTHER:
            return fmt.format_other(spec.type, p, all_settings=editing)
        if layer is None:
            return ""
        if column == COL_OUTPUT:
            if layer.output_shape is None:
                hint = getattr(layer, "output_hint", None)  # e.g. (16, None, None)
                return "×".join("?" if v is None else str(v) for v in hint) if hint else "?"
            return fmt.format_shape(layer.output_shape)
        known = getattr(layer, "known", True)  # False: a layer above is invalid
        if layer.output_shape is None and column in (COL_MACS, COL_MEMORY, COL_RF):
            return "?"
        if not known and (column == COL_MACS or (column == COL_PARAMS and layer.params == 0
                                                  and fmt.has_weights(spec.type))):
            return "?"
        if column == COL_PARAMS:
            return fmt.format_count(layer.params)
        if column == COL_MACS:
            return fmt.format_macs(layer.macs)
        if column == COL_MEMORY:
            return fmt.format_bytes(layer.activation_bytes)
        if column == COL_RF:
            return fmt.rf_text(layer.rf_size, layer.rf_jump, layer.rf_input)
        return ""

    def _cell_tip(self, row: int, column: int) -> str | None:
        layer = self._table_rows[row] if row < len(self._table_rows) else None
        if layer is None:
            return None
        if layer.is_block and column in (COL_TYPE, COL_NAME, COL_OTHER):
            return fmt.explain_block(layer) + " Click ▸ (or press +) to show its paths here."
        if layer.type == "Softmax" and column in (COL_TYPE, COL_NAME):
            return fmt.SOFTMAX_TRAINING_NOTE
        if column == COL_PARAMS:
            tip = f"{layer.params:,} parameters ({layer.trainable_params:,} trainable)"
            if layer.buffers:
                tip += f"; {layer.buffers:,} buffer values (running statistics, not parameters)"
            return tip
        if column == COL_MACS:
            return f"{layer.macs:,} MACs = {2 * layer.macs:,} FLOPs"
        if column == COL_MEMORY:
            return f"{layer.activation_bytes:,} bytes of float32 output per sample"
        if column == COL_OUTPUT:
            return f"in {fmt.format_shape(layer.input_shape)} → out {fmt.format_shape(layer.output_shape)}"
        if column == COL_TYPE or column == COL_NAME:
            return layer.settings or None
        return HEADER_TIPS.get(column)

    def _totals_partial(self) -> bool:
        return any(not r.ok or not getattr(r, "known", True) for r in self.model.table.rows)

    def _totals_text(self, column: int) -> str:
        t = self.model.table
        # with an invalid layer the totals only count what can be known: say so
        at_least = "≥ " if self._totals_partial() else ""
        if column == COL_NAME:
            return "Total"
        if column == COL_OUTPUT:
            return fmt.format_shape(t.output_shape)
        if column == COL_PARAMS:
            return at_least + fmt.format_count(t.total_params)
        if column == COL_MACS:
            return at_least + fmt.format_macs(t.total_macs)
        if column == COL_MEMORY:
            return at_least + fmt.format_bytes(t.total_activation_bytes)
        if column == COL_RF and t.rows:
            last = t.rows[-1]
            return fmt.rf_text(last.rf_size, last.rf_jump, last.rf_input)
        return ""

    def _totals_tip(self, column: int) -> str | None:
        t = self.model.table
        if self._totals_partial() and column in (COL_PARAMS, COL_MACS, COL_MEMORY):
            return "At least this much: layers in red (and what follows them) cannot be counted fully"
        if column == COL_PARAMS:
            return (f"{t.total_params:,} parameters, {t.total_trainable_params:,} trainable, "
                    f"{t.total_params - t.total_trainable_params:,} frozen")
        if column == COL_MACS:
            return f"{t.total_macs:,} MACs = {2 * t.total_macs:,} FLOPs per sample"
        if column == COL_MEMORY:
            return f"{t.total_activation_bytes:,} bytes: all layer outputs for one sample, float32"
        return None

    # -- editing -------------------------------------------------------------------------
    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.is_totals_row(index.row()):
            return False
        row, column = self.layer_of(index.row()), index.column()
        if row is None or column not in EDITABLE_COLUMNS or not self._applies(row, column):
            return False
        text = "" if value is None else str(value)
        if text == self._cell_text(row, column, True):
            return False  # nothing changed: no undo step
        return self.model.edit_layer(row, COLUMN_FIELDS[column], text)

    # -- drag and drop (reorder rows) ----------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_ROWS]

    def mimeData(self, indexes) -> QMimeData:
        rows = sorted({r for i in indexes if i.isValid() and (r := self.layer_of(i.row())) is not None})
        data = QMimeData()
        data.setData(MIME_ROWS, QByteArray(json.dumps(rows).encode()))
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self.editing_enabled and data.hasFormat(MIME_ROWS)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        try:
            rows = [int(r) for r in json.loads(bytes(data.data(MIME_ROWS).data()).decode())]
        except (ValueError, TypeError):
            return False
        n = self.model.layer_count()
        if row < 0:
            # dropped onto a row: the layers go before it; below the last row: to the end
            row = parent.row() if parent.isValid() else len(self._entries)
        # a table row -> the layer it stands before (rows inside a block belong to its layer)
        before = [i + (1 if k != "layer" else 0) for k, i, _ in self._entries[row:row + 1]]
        target = before[0] if before else n
        self.model.move_layers(rows, min(target, n))
        # We moved the layers ourselves (one undo step). Returning False stops the view from
        # also removing the source rows, which it does after a successful MoveAction drop.
        return False


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
            combo.addItems(["0", "1", "2", "3"] + list(fmt.padding_words(layer_type)))
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


_EDIT_TRIGGERS = (QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                  | QAbstractItemView.EditTrigger.AnyKeyPressed)


class LayerTableView(QTableView):
    """The layer table: rows are dragged to reorder them (the model makes it one undo step).
    Its selection is the model's: a click selects the model's rows, and the model's selection
    (after an edit, an undo or a click on the diagram) is shown here."""

    def __init__(self, model: ShapesModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shapes = model
        self.table_model = LayerTableModel(model, self)
        self.setModel(self.table_model)
        self.setItemDelegate(LayerDelegate(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(_EDIT_TRIGGERS)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 5)  # 20 rows fit at 1280×800
        self.setWordWrap(False)
        header = self.horizontalHeader()
        # Interactive + a fit after each change: ResizeToContents re-measures every cell on every
        # repaint, which made edits of VGG-sized tables visibly slow.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The receptive field (last) takes its content's width; the free text of "Other" takes
        # what is left.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_OTHER, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self._showing_model_selection = False
        self.doubleClicked.connect(self._on_double_click)
        self.clicked.connect(self._on_click)
        self.selectionModel().selectionChanged.connect(self._on_view_selection)
        model.selection_changed.connect(self._show_selection)
        model.changed.connect(self.fit_columns)
        model.expansion_changed.connect(self.fit_columns)

    # -- blocks: expand (+, →, a click on ▸), edit inside (Enter, double-click), back (Backspace)
    def _current_block(self) -> int | None:
        row = self.table_model.layer_of(self.currentIndex().row()) if self.currentIndex().isValid() else None
        if row is None or row >= self.shapes.layer_count() or not self.shapes.layer(row).is_block:
            return None
        return row

    def keyPressEvent(self, event) -> None:
        key = event.key()
        block = self._current_block()
        if self.state() != QAbstractItemView.State.EditingState:
            if block is not None and key in (Qt.Key.Key_Plus, Qt.Key.Key_Right):
                self.shapes.set_expanded(block, True)
                return
            if block is not None and key in (Qt.Key.Key_Minus, Qt.Key.Key_Left):
                self.shapes.set_expanded(block, False)
                return
            if block is not None and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.shapes.enter_block(block, "main")
                return
            if key == Qt.Key.Key_Backspace and self.shapes.focus:
                self.shapes.leave_block()
                return
        super().keyPressEvent(event)

    @Slot(QModelIndex)
    def _on_click(self, index: QModelIndex) -> None:
        if index.column() == COL_TYPE:
            row = self.table_model.layer_of(index.row())
            if row is not None and self.shapes.layer(row).is_block:
                self.shapes.set_expanded(row, row not in self.shapes.expanded)

    @Slot(QModelIndex)
    def _on_double_click(self, index: QModelIndex) -> None:
        kind, row, extra = self.table_model.entry(index.row())
        if kind == "layer" and self.shapes.layer(row).is_block and index.column() != COL_NAME:
            self.shapes.enter_block(row, "main")
        elif kind == "child":
            self.shapes.enter_block(row, extra.path)
        elif kind == "add":
            self.shapes.enter_block(row, "main")

    def set_editable(self, on: bool) -> None:
        """Lecture mode: no editing, no dragging."""
        self.setEditTriggers(_EDIT_TRIGGERS if on else QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(on)
        self.viewport().update()

    @Slot(QItemSelection, QItemSelection)
    def _on_view_selection(self, *_: Any) -> None:
        if self._showing_model_selection:
            return
        m = self.table_model
        rows = sorted({r for i in self.selectionModel().selectedRows() if (r := m.layer_of(i.row())) is not None})
        self.shapes.set_selected_rows(rows)

    @Slot(list)
    def _show_selection(self, rows: list) -> None:
        m = self.table_model
        selection = QItemSelection()
        view_rows = [v for r in rows if (v := m.view_row(r)) >= 0]
        for r in view_rows:
            selection.select(m.index(r, 0), m.index(r, len(COLUMNS) - 1))
        sm = self.selectionModel()
        self._showing_model_selection = True
        try:
            sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if view_rows:
                column = self.currentIndex().column() if self.currentIndex().isValid() else 0
                sm.setCurrentIndex(m.index(view_rows[0], column), QItemSelectionModel.SelectionFlag.NoUpdate)
                self.scrollTo(m.index(view_rows[0], 0))
        finally:
            self._showing_model_selection = False

    def rows_as_tsv(self, rows: list[int]) -> str:
        """The shown cells of `rows` (and the header) as tab-separated text, for spreadsheets."""
        m = self.table_model
        lines = ["\t".join(COLUMNS)]
        for r in [m.view_row(r) for r in rows]:
            lines.append("\t".join(str(m.index(r, c).data() or "") for c in range(len(COLUMNS))))
        return "\n".join(lines) + "\n"

    @Slot()
    def fit_columns(self, force: bool = False) -> None:
        """Fit columns to their text, but only those whose longest text changed (measuring every
        cell of a VGG table on each edit took longer than the edit itself)."""
        widths = self.table_model.column_text_widths()
        old = getattr(self, "_fitted_widths", None)
        if force or old is None or len(old) != len(widths):
            self.resizeColumnsToContents()
        else:
            for c, (a, b) in enumerate(zip(old, widths)):
                if a != b:
                    self.resizeColumnToContents(c)
        self._fitted_widths = widths
