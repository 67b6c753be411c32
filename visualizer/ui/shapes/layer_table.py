"""The Shapes tab's table: one row per layer plus a totals row, editable in place, every edit undoable.

The model owns the architecture being edited and the `ShapeTable` computed from it. Every change
(an edited cell, an added, removed, duplicated or dragged layer, a new input shape, a loaded file)
goes through `QUndoStack` as a before/after pair of architectures, and the table is recomputed
after each one. A whole architecture is a few dozen small dicts, so snapshots are cheaper and
far simpler to get right than inverse operations.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QUndoCommand, QUndoStack

from visualizer.core.architecture import (
    LAYER_TYPES,
    Architecture,
    LayerSpec,
    ShapeTable,
    compute_table,
)
from visualizer.core.errors import UserInputError
from visualizer.ui import shape_format as fmt

COLUMNS = (
    "#", "Name", "Layer", "Out", "Kernel", "Stride", "Padding", "Dilation", "Other",
    "Output (C×H×W)", "Params", "MACs", "Memory", "Receptive field",
)
(COL_INDEX, COL_NAME, COL_TYPE, COL_OUT, COL_KERNEL, COL_STRIDE, COL_PADDING, COL_DILATION,
 COL_OTHER, COL_OUTPUT, COL_PARAMS, COL_MACS, COL_MEMORY, COL_RF) = range(len(COLUMNS))
EDITABLE_COLUMNS = (COL_NAME, COL_TYPE, COL_OUT, COL_KERNEL, COL_STRIDE, COL_PADDING,
                    COL_DILATION, COL_OTHER)
NUMBER_COLUMNS = (COL_INDEX, COL_PARAMS, COL_MACS, COL_MEMORY)

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


def clone(arch: Architecture) -> Architecture:
    """A copy that shares nothing mutable (settings hold only numbers, text and [y, x] lists;
    much faster than deepcopy, which mattered for undo snapshots of VGG-sized nets)."""
    layers = [LayerSpec(layer.type, {k: (list(v) if isinstance(v, (list, tuple)) else v)
                                     for k, v in layer.params.items()}, layer.name)
              for layer in arch.layers]
    return dataclasses.replace(arch, input_shape=tuple(arch.input_shape), layers=layers)


def normalized(arch: Architecture) -> Architecture:
    """The architecture as it would be read back from its own JSON (so saves always reload);
    UserInputError, naming the field, when a value is not acceptable."""
    return Architecture.from_dict(json.loads(json.dumps(arch.to_dict())))


class ArchitectureEdit(QUndoCommand):
    """One undoable change: the whole architecture before and after, and the rows to select."""

    def __init__(self, model: "ShapeTableModel", before: Architecture, after: Architecture,
                 text: str, select_after: list[int], select_before: list[int],
                 merge_id: int = -1) -> None:
        super().__init__(text)
        self._model = model
        self._merge_id = merge_id
        self._before = clone(before)
        self._after = clone(after)
        self._select_after = list(select_after)
        self._select_before = list(select_before)

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        # Consecutive steps of one input spin box (holding an arrow) are one undo step.
        if not isinstance(other, ArchitectureEdit) or other.id() != self.id() or self.id() < 0:
            return False
        self._after = other._after
        self.setText(other.text())
        return True

    def redo(self) -> None:
        self._model._apply(clone(self._after), self._select_after)

    def undo(self) -> None:
        self._model._apply(clone(self._before), self._select_before)


class ShapeTableModel(QAbstractTableModel):
    """Rows 0..n-1 are the layers, row n the totals."""

    #: the table was recomputed (after any edit, undo or redo)
    recomputed = Signal()
    #: an edit was refused; the text says why (for the status line)
    edit_rejected = Signal(str)
    #: rows the view should select after an edit, undo or redo
    select_rows_requested = Signal(list)

    def __init__(self, arch: Architecture, undo_stack: QUndoStack | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self._arch = clone(arch)
        self._bad_background = QBrush(BAD_ROW_BACKGROUND)
        self._bad_text = QBrush(BAD_ROW_TEXT)
        self._default_text = QBrush(DEFAULT_VALUE_TEXT)
        self._bold = QFont()
        self._bold.setBold(True)
        self._table = compute_table(self._arch)
        self._rebuild_cache()
        self.editing_enabled = True

    # -- reading -------------------------------------------------------------------------
    def architecture(self) -> Architecture:
        return clone(self._arch)

    @property
    def table(self) -> ShapeTable:
        return self._table

    def layer_count(self) -> int:
        return len(self._arch.layers)

    def is_totals_row(self, row: int) -> bool:
        return row == len(self._arch.layers)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._arch.layers) + 1

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
        if not self.editing_enabled or self.is_totals_row(row):
            return _FLAGS_READ
        return _FLAGS_EDIT if self._editable[row][index.column()] else _FLAGS_MOVE

    def _applies(self, row: int, column: int) -> bool:
        layer_type = self._arch.layers[row].type
        if column in (COL_NAME, COL_TYPE):
            return True
        if column == COL_OUT:
            return layer_type in fmt.HAS_OUT
        if column == COL_KERNEL:
            return layer_type in fmt.HAS_KERNEL
        if column == COL_STRIDE:
            return layer_type in fmt.HAS_STRIDE
        if column == COL_PADDING:
            return layer_type in fmt.HAS_PADDING
        if column == COL_DILATION:
            return layer_type in fmt.HAS_DILATION
        if column == COL_OTHER:
            return layer_type in fmt.OTHER_SETTINGS
        return False

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
            return self._bold if self.is_totals_row(row) else None
        if role == _EDIT:
            return None if self.is_totals_row(row) else self._cell_text(row, column, True)
        if role == _TOOLTIP:
            return self._tooltip(row, column)
        return None

    def _tooltip(self, row: int, column: int) -> str | None:
        if self.is_totals_row(row):
            return self._totals_tip(column)
        layer = self._table.rows[row] if row < len(self._table.rows) else None
        if layer is not None and not layer.ok:
            return f"Row {row + 1}: {layer.error}"
        return self._cell_tip(row, column)

    def _rebuild_cache(self) -> None:
        n = len(self._arch.layers)
        display = [[self._cell_text(r, c, False) for c in range(len(COLUMNS))] for r in range(n)]
        display.append([self._totals_text(c) for c in range(len(COLUMNS))])
        backgrounds: list[QBrush | None] = []
        foregrounds: list[list[QBrush | None]] = []
        for r in range(n):
            layer = self._table.rows[r] if r < len(self._table.rows) else None
            bad = layer is not None and not layer.ok
            backgrounds.append(self._bad_background if bad else None)
            fg: list[QBrush | None] = [self._bad_text if bad else None] * len(COLUMNS)
            spec = self._arch.layers[r]
            if not bad and spec.type in ("MaxPool2d", "AvgPool2d") and (
                    spec.params.get("stride") is None
                    or fmt.as_pair(spec.params.get("stride")) == fmt.as_pair(spec.params.get("kernel_size"))):
                fg[COL_STRIDE] = self._default_text  # grey: the stride follows the kernel size
            foregrounds.append(fg)
        backgrounds.append(None)  # bold is enough; a fixed grey would clash with a dark theme
        foregrounds.append([None] * len(COLUMNS))
        self._display, self._backgrounds, self._foregrounds = display, backgrounds, foregrounds
        self._editable = [[c in EDITABLE_COLUMNS and self._applies(r, c) for c in range(len(COLUMNS))]
                          for r in range(n)]

    def column_text_widths(self) -> list[int]:
        """Longest text (in characters) of each column, header included (to refit columns
        only when this changes)."""
        return [max([len(COLUMNS[c])] + [len(row[c]) for row in self._display]) for c in range(len(COLUMNS))]

    def _cell_text(self, row: int, column: int, editing: bool) -> str:
        spec = self._arch.layers[row]
        layer = self._table.rows[row] if row < len(self._table.rows) else None
        p = spec.params
        if column == COL_INDEX:
            return str(row + 1)
        if column == COL_NAME:
            if editing:
                return spec.name
            return spec.name or (layer.name if layer is not None else "")
        if column == COL_TYPE:
            return spec.type
        if not self._applies(row, column) and column in EDITABLE_COLUMNS:
            return ""
        if column == COL_OUT:
            value = p.get(fmt.HAS_OUT[spec.type])
            return fmt.format_pair(value) if spec.type == "AdaptiveAvgPool2d" else str(value)
        if column == COL_KERNEL:
            return fmt.format_pair(p.get("kernel_size"))
        if column == COL_STRIDE:
            stride = p.get("stride")
            if stride is None:
                stride = p.get("kernel_size") if spec.type != "Conv2d" else [1, 1]
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
                                                  and spec.type in ("Conv2d", "Linear", "BatchNorm2d"))):
            return "?"
        if column == COL_PARAMS:
            return fmt.format_count(layer.params)
        if column == COL_MACS:
            return fmt.format_macs(layer.macs)
        if column == COL_MEMORY:
            return fmt.format_bytes(layer.activation_bytes)
        if column == COL_RF:
            return _rf_text(layer.rf_size, layer.rf_jump)
        return ""

    def _cell_tip(self, row: int, column: int) -> str | None:
        layer = self._table.rows[row] if row < len(self._table.rows) else None
        if layer is None:
            return None
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
        return any(not r.ok or not getattr(r, "known", True) for r in self._table.rows)

    def _totals_text(self, column: int) -> str:
        t = self._table
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
            return _rf_text(last.rf_size, last.rf_jump)
        return ""

    def _totals_tip(self, column: int) -> str | None:
        t = self._table
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

    def first_problem(self) -> tuple[int, str] | None:
        """(row index, reason) of the first invalid layer, or None."""
        for i, r in enumerate(self._table.rows):
            if not r.ok:
                return i, r.error or "invalid"
        return None

    # -- editing -------------------------------------------------------------------------
    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.is_totals_row(index.row()):
            return False
        row, column = index.row(), index.column()
        if column not in EDITABLE_COLUMNS or not self._applies(row, column):
            return False
        text = "" if value is None else str(value)
        if text == self._cell_text(row, column, True):
            return False  # nothing changed: no undo step
        spec = self._arch.layers[row]
        label = spec.name or (self._table.rows[row].name if row < len(self._table.rows) else spec.type)
        try:
            new_spec, what = self._edited_spec(row, column, text)
        except UserInputError as exc:
            self.edit_rejected.emit(f"Row {row + 1}: {exc}")
            return False
        return self.replace_layer(row, new_spec, f"{what} of {label}")

    def _edited_spec(self, row: int, column: int, text: str) -> tuple[LayerSpec, str]:
        spec = copy.deepcopy(self._arch.layers[row])
        p = spec.params
        if column == COL_NAME:
            spec.name = text.strip()
            return spec, "Rename"
        if column == COL_TYPE:
            new_type = text.strip()
            if new_type not in LAYER_TYPES:
                raise UserInputError(f"unknown layer type {new_type!r}; one of {', '.join(LAYER_TYPES)}")
            layer = self._table.rows[row] if row < len(self._table.rows) else None
            channels = layer.input_shape[0] if layer and layer.input_shape and len(layer.input_shape) == 3 else None
            spec.params = fmt.convert_params(spec.type, p, new_type, channels)
            spec.type = new_type
            return spec, f"Make {new_type}"
        if column == COL_OUT:
            key = fmt.HAS_OUT[spec.type]
            if spec.type == "AdaptiveAvgPool2d":
                p[key] = fmt.parse_pair(text, "output size")
            else:
                p[key] = fmt.parse_positive_int(text, key.replace("_", " "))
            return spec, "Set " + key.replace("_", " ")
        if column == COL_KERNEL:
            old_kernel = fmt.as_pair(p.get("kernel_size"))
            p["kernel_size"] = fmt.parse_pair(text, "kernel size")
            if spec.type in ("MaxPool2d", "AvgPool2d") and (
                    p.get("stride") is None or fmt.as_pair(p.get("stride")) == old_kernel):
                # a pool whose stride was its size keeps stepping by its size
                p["stride"] = list(p["kernel_size"])
            return spec, "Set kernel size"
        if column == COL_STRIDE:
            p["stride"] = fmt.parse_pair(text, "stride")
            return spec, "Set stride"
        if column == COL_PADDING:
            words = ("same", "valid") if spec.type == "Conv2d" else ()
            p["padding"] = fmt.parse_pair(text, "padding", minimum=0, words=words)
            return spec, "Set padding"
        if column == COL_DILATION:
            p["dilation"] = fmt.parse_pair(text, "dilation")
            return spec, "Set dilation"
        if column == COL_OTHER:
            changed = fmt.parse_other(spec.type, text)
            p.update(changed)
            return spec, "Set " + (", ".join(changed) or "settings")
        raise UserInputError("this cell cannot be edited")

    def replace_layer(self, row: int, spec: LayerSpec, text: str) -> bool:
        after = self.architecture()
        after.layers[row] = spec
        return self._push(after, text, [row], [row])

    def insert_layer(self, row: int, spec: LayerSpec) -> bool:
        row = max(0, min(row, len(self._arch.layers)))
        after = self.architecture()
        after.layers.insert(row, spec)
        return self._push(after, f"Add {spec.type}", [row], self._current_selection_hint(row))

    def remove_layers(self, rows: list[int]) -> bool:
        rows = sorted({r for r in rows if 0 <= r < len(self._arch.layers)})
        if not rows:
            return False
        after = self.architecture()
        for r in reversed(rows):
            del after.layers[r]
        text = f"Remove {self._arch.layers[rows[0]].type}" if len(rows) == 1 else f"Remove {len(rows)} layers"
        keep = min(rows[0], len(after.layers) - 1)
        return self._push(after, text, [keep] if keep >= 0 else [], rows)

    def duplicate_layers(self, rows: list[int]) -> bool:
        rows = sorted({r for r in rows if 0 <= r < len(self._arch.layers)})
        if not rows:
            return False
        after = self.architecture()
        copies = [copy.deepcopy(self._arch.layers[r]) for r in rows]
        for c in copies:
            c.name = ""  # a copied label would make two layers with the same name
        at = rows[-1] + 1
        after.layers[at:at] = copies
        text = f"Duplicate {copies[0].type}" if len(rows) == 1 else f"Duplicate {len(rows)} layers"
        return self._push(after, text, list(range(at, at + len(copies))), rows)

    def move_layers(self, rows: list[int], destination: int) -> bool:
        """Move `rows` so that they sit before what is now row `destination` (n = to the end)."""
        rows = sorted({r for r in rows if 0 <= r < len(self._arch.layers)})
        if not rows:
            return False
        destination = max(0, min(destination, len(self._arch.layers)))
        moving = [self._arch.layers[r] for r in rows]
        staying = [layer for i, layer in enumerate(self._arch.layers) if i not in rows]
        at = destination - sum(1 for r in rows if r < destination)
        new_layers = staying[:at] + moving + staying[at:]
        if [id(x) for x in new_layers] == [id(x) for x in self._arch.layers]:
            return False
        after = self.architecture()
        after.layers = copy.deepcopy(new_layers)
        text = f"Move {moving[0].type}" if len(rows) == 1 else f"Move {len(rows)} layers"
        return self._push(after, text, list(range(at, at + len(rows))), rows)

    def set_input_shape(self, shape: tuple[int, int, int], merge_axis: int | None = None) -> bool:
        """New input (C, H, W); consecutive changes of the same axis (`merge_axis`) merge into
        one undo step."""
        if tuple(shape) == tuple(self._arch.input_shape):
            return False
        after = self.architecture()
        after.input_shape = tuple(int(s) for s in shape)  # type: ignore[assignment]
        merge_id = -1 if merge_axis is None else 1000 + merge_axis
        return self._push(after, "Set input shape to " + fmt.format_shape(after.input_shape), [], [],
                          merge_id=merge_id)

    def replace_architecture(self, arch: Architecture, text: str) -> bool:
        return self._push(clone(arch), text, [], [], validate=False)

    def _current_selection_hint(self, row: int) -> list[int]:
        return [min(row, len(self._arch.layers) - 1)] if self._arch.layers else []

    def _push(self, after: Architecture, text: str, select_after: list[int],
              select_before: list[int], validate: bool = True, merge_id: int = -1) -> bool:
        if validate:
            try:
                after = normalized(after)
            except UserInputError as exc:
                self.edit_rejected.emit(str(exc))
                return False
        self.undo_stack.push(ArchitectureEdit(self, self._arch, after, text, select_after, select_before,
                                              merge_id))
        return True

    def _apply(self, arch: Architecture, select: list[int]) -> None:
        same_rows = len(arch.layers) == len(self._arch.layers)
        if not same_rows:
            self.beginResetModel()
        self._arch = arch
        self._table = compute_table(arch)
        self._rebuild_cache()
        if same_rows:
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))
        else:
            self.endResetModel()
        self.recomputed.emit()
        self.select_rows_requested.emit(list(select))

    def set_architecture_without_undo(self, arch: Architecture) -> None:
        """Start afresh (restored state): no undo history."""
        self.undo_stack.clear()
        self.beginResetModel()
        self._arch = clone(arch)
        self._table = compute_table(self._arch)
        self._rebuild_cache()
        self.endResetModel()
        self.recomputed.emit()

    # -- drag and drop (reorder rows) ----------------------------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME_ROWS]

    def mimeData(self, indexes) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid() and not self.is_totals_row(i.row())})
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
        if row < 0:
            # dropped onto a row: the layers go before it; below the last row: to the end
            row = parent.row() if parent.isValid() else len(self._arch.layers)
        self.move_layers(rows, min(row, len(self._arch.layers)))
        # We moved the layers ourselves (one undo step). Returning False stops the view from
        # also removing the source rows, which it does after a successful MoveAction drop.
        return False


def _rf_text(size: tuple[int, int] | None, jump: tuple[int, int] | None) -> str:
    if size is None:
        return "?"
    text = f"{size[0]}×{size[1]}"
    if jump is not None:
        j = str(jump[0]) if jump[0] == jump[1] else f"{jump[0]}×{jump[1]}"
        text += f" (jump {j})"
    return text
