"""The Shapes tool's state: the one source of truth its views observe and edit (no widgets here).

`ShapesModel` holds the architecture being edited, the `ShapeTable` computed from it, the
selected layers, the file it came from, the undo history and the hand-written-table check the
user typed. Every change of the network is an undo command holding the whole architecture
before and after (a few dozen small dicts: snapshots are cheaper and far simpler to get right
than inverse operations), and the table is recomputed after each one (milliseconds, VGG19
included). Views connect to the signals below and redraw; they never talk to each other.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from visualizer.core import shape_text as fmt
from visualizer.core.architecture import Architecture, LayerSpec, ShapeTable, compute_table, is_block_type, preset
from visualizer.core.errors import UserInputError
from visualizer.core.training import trainability_problem
from visualizer.ui.shapes import layer_edits as edits
from visualizer.ui.shapes import status
from visualizer.ui.shapes.check_state import TableCheckState
from visualizer.ui.shapes.layer_edits import Focus, clone, layers_at, normalized, rows_at

DEFAULT_PRESET = "mnist-net1"
MAX_ARCHITECTURE_BYTES = 5_000_000  # VGG19 is 6 kB; anything this big is the wrong file
DEFAULT_LAYER_TYPE = "Conv2d"  # what "Add layer" adds when no row is selected


class ArchitectureEdit(QUndoCommand):
    """One undoable change: the whole architecture before and after, and the rows to select."""

    def __init__(self, model: "ShapesModel", before: Architecture, after: Architecture, text: str,
                 select_after: list[int], select_before: list[int], merge_id: int = -1) -> None:
        super().__init__(text)
        self._model = model
        self._focus = model.focus  # undo and redo go back to where the edit was made
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
        self._model._apply(clone(self._after), self._select_after, self._focus)

    def undo(self) -> None:
        self._model._apply(clone(self._before), self._select_before, self._focus)


class ShapesModel(QObject):
    """The Shapes tab's state (see the module's docstring): the network or module being edited, its
    table, selection, block focus and expansion, file and undo history; `to_dict`/`from_dict` are
    the saved session. Views observe its signals and edit it only through its methods."""

    #: the architecture changed and the table was recomputed (any edit, undo, redo or load)
    changed = Signal()
    #: the selected layer rows changed (list of row indices)
    selection_changed = Signal(list)
    #: an edit was refused; the text says why
    edit_rejected = Signal(str)
    #: the file path or the modified flag changed
    document_changed = Signal()
    #: the hand-written table, its compare-with choice or its input changed (`check.set`)
    check_changed = Signal()
    #: the line under the table: (text, kind) with kind "bad", "good" or ""
    message_changed = Signal(str, str)
    #: the lower tab or the splitter sizes were restored (`from_dict`)
    layout_restored = Signal()
    #: the table went into a block's path or back out (`enter_block`, `leave_block`)
    focus_changed = Signal()
    #: a block row of the table was expanded or collapsed (`set_expanded`)
    expansion_changed = Signal()

    def __init__(self, arch: Architecture | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._arch = clone(arch if arch is not None else preset(DEFAULT_PRESET))
        self._table = compute_table(self._arch)
        self._selected: list[int] = []
        self.focus: Focus = ()
        self.expanded: set[int] = set()  # block rows (of the focused list) shown with their paths
        self._module: ShapeTable | None = None  # a torch module's table shown instead (read-only)
        self._module_specs: list[LayerSpec] = []
        self.module_source = ""
        self.revision = 0  # bumped on every recompute; tells a stale torch check apart
        self.editing_enabled = True
        self.path: str | None = None  # file the architecture was opened from / saved to
        self.last_dir = ""
        self.check = TableCheckState(changed=self.check_changed.emit)
        self.lower_tab = 0
        self.splitter: list[int] = []
        self.message: tuple[str, str] = self.status_line()
        self.undo_stack.cleanChanged.connect(self.document_changed)
        self.undo_stack.indexChanged.connect(self.document_changed)

    # -- reading -------------------------------------------------------------------------
    def architecture(self) -> Architecture:
        """A copy of the network being edited."""
        return clone(self._arch)

    @property
    def table(self) -> ShapeTable:
        return self._module if self._module is not None else self._table

    # -- a torch module's table (Shapes → Open Python module…): read-only --------------------
    @property
    def module_table(self) -> ShapeTable | None:
        return self._module

    def show_module(self, table: ShapeTable, source: str) -> None:
        """Show the table of a torch module (core.module_summary) instead of the network; it
        cannot be edited. The network stays as it was: any edit, undo, preset or file ends this."""
        self._module = table
        self._module_specs = [LayerSpec(r.type, {}, r.name) for r in table.rows]
        self.module_source = source
        self.focus, self.expanded, self._selected = (), set(), []
        self.revision += 1
        self.message = self.status_line()
        self.changed.emit()
        self.focus_changed.emit()
        self.message_changed.emit(*self.message)
        self.document_changed.emit()

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(int(v) for v in self._arch.input_shape)  # type: ignore[return-value]

    def _layers(self, arch: Architecture | None = None) -> list[LayerSpec]:
        """The layers the table shows and edits: the network's, or the focused block path's."""
        if arch is None and self._module is not None:
            return self._module_specs
        arch = self._arch if arch is None else arch
        layers = layers_at(arch, self.focus)
        return arch.layers if layers is None else layers

    def layers(self) -> list[LayerSpec]:
        """The layers the table shows and edits: the network's, or the focused block path's."""
        return self._layers()

    def rows(self) -> list:
        """The table rows of `layers()`."""
        if self._module is not None:
            return self._module.rows
        return rows_at(self._table, self.focus) if self.focus else self._table.rows

    def layer_count(self) -> int:
        return len(self._layers())

    def layer(self, row: int) -> LayerSpec:
        return self._layers()[row]

    # -- blocks --------------------------------------------------------------------------
    def focus_text(self) -> str:
        """"layer2.0 › main path" (empty at the top)."""
        return edits.focus_text(self._table, self.focus)

    def enter_block(self, row: int, path: str = "main") -> bool:
        """Show and edit the `path` ("main" or "shortcut") of the block in `row`."""
        layers = self._layers()
        if not 0 <= row < len(layers) or not layers[row].is_block or path not in ("main", "shortcut"):
            return False
        self.focus = self.focus + ((row, path),)
        self.expanded = set()
        self._selected = []
        self.changed.emit()
        self.focus_changed.emit()
        self.set_selected_rows([0] if self.layer_count() else [], announce=True)
        return True

    def leave_block(self) -> bool:
        """Back to the list that holds the block; the block is selected."""
        if not self.focus:
            return False
        row = self.focus[-1][0]
        self.focus = self.focus[:-1]
        self.expanded = set()
        self._selected = []
        self.changed.emit()
        self.focus_changed.emit()
        self.set_selected_rows([row], announce=True)
        return True

    def set_expanded(self, row: int, on: bool) -> None:
        """Show (or hide) the rows of the block in `row` under it in the table."""
        if not 0 <= row < self.layer_count() or not self.layer(row).is_block:
            return
        if on != (row in self.expanded):
            if on:
                self.expanded.add(row)
            else:
                self.expanded.discard(row)
            self.expansion_changed.emit()

    def _incoming(self, at: int):
        """The shape that arrives at position `at` of the focused list."""
        rows = self.rows()
        if 0 < at and at - 1 < len(rows):
            return rows[at - 1].output_shape
        return edits.focus_input(self._table, self.focus)

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        if self._module is not None:
            return f"{self.module_source} (read-only)"
        return Path(self.path).name if self.path else (self._arch.name or "untitled")

    def first_problem(self) -> tuple[int, str] | None:
        """(row index, reason) of the first invalid layer, or None (-1: in the network, outside
        the focused path)."""
        return status.first_problem(self.rows(), self._table.rows, bool(self.focus))

    def status_line(self) -> tuple[str, str]:
        """The totals, or the first bad row and why: (text, kind); a torch module's own totals
        while one is shown."""
        source = self.module_source if self._module is not None else None
        return status.status_line(self.table, self.rows(), self.first_problem(), source)

    def trainable(self) -> tuple[bool, str]:
        """(True, "") when the Training tab can take this network (the one rule of the core)."""
        if self._module is not None:
            return False, "a Python module's table is read-only here; train it with your own code"
        why = trainability_problem(self._arch)
        return why is None, why or ""

    def explanation(self) -> str:
        """How the one selected layer's numbers come about (plain text; '' without one)."""
        rows = self.rows()
        if len(self._selected) != 1 or self._selected[0] >= len(rows) or self._selected[0] >= self.layer_count():
            return ""
        r = self._selected[0]
        layer, spec = rows[r], self._layers()[r]
        if self._module is not None:
            return layer.settings
        if spec.is_block:
            return fmt.explain_block(layer)
        return fmt.explain_layer(spec.type, spec.params, layer.input_shape, layer.output_shape,
                                 layer.params, layer.macs)

    # -- selection -----------------------------------------------------------------------
    @property
    def selected_rows(self) -> list[int]:
        return list(self._selected)

    def set_selected_rows(self, rows: list[int], announce: bool = False) -> None:
        """Select layer rows; `announce` tells the views even when nothing changed (after an
        edit, whose table reset may have cleared a view's own selection)."""
        rows = sorted({int(r) for r in rows if 0 <= int(r) < self.layer_count()})
        if rows != self._selected or announce:
            self._selected = rows
            self.selection_changed.emit(list(rows))

    def current_row(self) -> int:
        """The last selected row, or -1."""
        return self._selected[-1] if self._selected else -1

    # -- messages ------------------------------------------------------------------------
    def show_message(self, text: str, kind: str = "") -> None:
        self.message = (text, kind)
        self.message_changed.emit(text, kind)

    # -- editing the network -------------------------------------------------------------
    def edit_layer(self, row: int, field: str, text: str) -> bool:
        """Set one setting of a layer from what the user typed (`field` from layer_edits.FIELDS); an
        unreadable value is refused with `edit_rejected` and changes nothing."""
        if not 0 <= row < self.layer_count() or not edits.field_applies(self._layers()[row].type, field):
            return False
        spec = self._layers()[row]
        label = spec.name or (self.rows()[row].name if row < len(self.rows()) else spec.type)
        try:
            incoming = self.rows()[row].input_shape if row < len(self.rows()) else None
            new_spec, what = edits.edited_spec(spec, field, text, incoming)
        except UserInputError as exc:
            self._reject(f"Row {row + 1}: {exc}")
            return False
        return self.replace_layer(row, new_spec, f"{what} of {label}")

    def replace_layer(self, row: int, spec: LayerSpec, text: str) -> bool:
        after = self.architecture()
        self._layers(after)[row] = spec
        return self._push(after, text, [row], [row])

    def add_layer(self, layer_type: str | None = None, at: int | None = None) -> bool:
        """Add a layer after the selected one (or at `at`); without a type, one like the
        selected layer (a Conv2d when nothing is selected)."""
        row = self.current_row()
        if at is None:
            at = row + 1 if row >= 0 else self.layer_count()
        if layer_type is None:
            layer_type = self._layers()[row].type if row >= 0 else DEFAULT_LAYER_TYPE
        incoming = self._incoming(at)
        spec = edits.new_block(incoming) if is_block_type(layer_type) else edits.new_layer(layer_type, incoming)
        return self.insert_layer(at, spec)

    def insert_layer(self, row: int, spec: LayerSpec) -> bool:
        row = max(0, min(row, self.layer_count()))
        after = self.architecture()
        self._layers(after).insert(row, spec)
        before = [min(row, self.layer_count() - 1)] if self._layers() else []
        return self._push(after, f"Add {spec.type}", [row], before)

    def remove_layers(self, rows: list[int]) -> bool:
        rows = sorted({r for r in rows if 0 <= r < self.layer_count()})
        if not rows:
            return False
        after = self.architecture()
        for r in reversed(rows):
            del self._layers(after)[r]
        text = f"Remove {self._layers()[rows[0]].type}" if len(rows) == 1 else f"Remove {len(rows)} layers"
        keep = min(rows[0], len(self._layers(after)) - 1)
        return self._push(after, text, [keep] if keep >= 0 else [], rows)

    def duplicate_layers(self, rows: list[int]) -> bool:
        rows = sorted({r for r in rows if 0 <= r < self.layer_count()})
        if not rows:
            return False
        after = self.architecture()
        copies = [copy.deepcopy(self._layers()[r]) for r in rows]
        for c in copies:
            c.name = ""  # a copied label would make two layers with the same name
        at = rows[-1] + 1
        self._layers(after)[at:at] = copies
        text = f"Duplicate {copies[0].type}" if len(rows) == 1 else f"Duplicate {len(rows)} layers"
        return self._push(after, text, list(range(at, at + len(copies))), rows)

    def move_layers(self, rows: list[int], destination: int) -> bool:
        """Move `rows` so that they sit before what is now row `destination` (n = to the end)."""
        rows = sorted({r for r in rows if 0 <= r < self.layer_count()})
        if not rows:
            return False
        destination = max(0, min(destination, self.layer_count()))
        new_layers, at = edits.moved(self._layers(), rows, destination)
        if [id(x) for x in new_layers] == [id(x) for x in self._layers()]:
            return False
        after = self.architecture()
        self._layers(after)[:] = copy.deepcopy(new_layers)
        text = f"Move {self._layers()[rows[0]].type}" if len(rows) == 1 else f"Move {len(rows)} layers"
        return self._push(after, text, list(range(at, at + len(rows))), rows)

    def move_selected(self, step: int) -> bool:
        """Alt+Up / Alt+Down: the selected rows one place up (-1) or down (+1)."""
        rows = self._selected
        if not rows:
            return False
        if step < 0 and rows[0] > 0:
            return self.move_layers(rows, rows[0] - 1)
        if step > 0 and rows[-1] < self.layer_count() - 1:
            return self.move_layers(rows, rows[-1] + 2)
        return False

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
        self.focus, self.expanded = (), set()  # a new network starts at its top
        return self._push(clone(arch), text, [], [], validate=False)

    def load_preset(self, name: str) -> None:
        """One undo step to a preset; the document is then clean (nothing to lose).
        UserInputError for an unknown name."""
        arch = preset(name)
        self.path = None
        self.replace_architecture(arch, f"Load preset {name}")
        self.undo_stack.setClean()
        self.document_changed.emit()

    def set_architecture_without_undo(self, arch: Architecture) -> None:
        """Start afresh (restored state): no undo history."""
        self.undo_stack.clear()
        self._apply(clone(arch), [], ())
        self.undo_stack.setClean()

    def _reject(self, message: str) -> None:
        self.show_message("Not changed: " + message, "bad")
        self.edit_rejected.emit(message)

    def _push(self, after: Architecture, text: str, select_after: list[int],
              select_before: list[int], validate: bool = True, merge_id: int = -1) -> bool:
        if self._module is not None and validate:
            self._reject("a Python module's table is read-only (load a preset or a file to edit)")
            return False
        if validate:
            try:
                after = normalized(after)
            except UserInputError as exc:
                self._reject(str(exc))
                return False
        self.undo_stack.push(ArchitectureEdit(self, self._arch, after, text, select_after,
                                              select_before, merge_id))
        return True

    def _apply(self, arch: Architecture, select: list[int], focus: Focus | None = None) -> None:
        self._module = None  # any change of the network ends a module's read-only table
        if focus is not None and focus != self.focus:
            self.expanded = set()
        self.focus = focus if focus is not None else self.focus
        while self.focus and layers_at(arch, self.focus) is None:  # the block is gone
            self.focus = self.focus[:-1]
            select = []
        self.expanded = {r for r in self.expanded if r < len(self._layers(arch)) and self._layers(arch)[r].is_block}
        self._arch = arch
        self._table = compute_table(arch)
        self.revision += 1
        self._selected = [r for r in self._selected if r < len(arch.layers)]
        self.message = self.status_line()  # set before `changed`: its observers may read it
        self.changed.emit()
        self.message_changed.emit(*self.message)
        self.set_selected_rows(select, announce=True)

    # -- files ---------------------------------------------------------------------------
    def open_path(self, path: str) -> None:
        """Read an architecture file as one undo step; UserInputError (naming the file or the
        field) when it cannot be read, and the network is then unchanged."""
        p = Path(path)
        try:
            if p.is_file() and p.stat().st_size > MAX_ARCHITECTURE_BYTES:
                raise UserInputError(f"{p.name} is larger than 5 MB; it is not an architecture file")
            arch = Architecture.load(path)
        except UserInputError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged file must never crash the app
            raise UserInputError(f"{p.name}: {exc}") from exc
        self.path = str(path)
        self.last_dir = str(p.parent)
        self.replace_architecture(arch, f"Open {p.name}")
        self.undo_stack.setClean()
        self.document_changed.emit()

    def save_path(self, path: str) -> None:
        """Write the architecture as JSON (all or nothing); UserInputError when it cannot."""
        from visualizer.ui.shell.files import save_text

        arch = self.architecture()
        if not arch.name:
            arch.name = Path(path).stem
        save_text(path, arch.to_json())
        self.path = str(path)
        self.last_dir = str(Path(path).parent)
        self.undo_stack.setClean()
        self.document_changed.emit()

    # -- saving the session --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "architecture": self._arch.to_dict(),
            "path": self.path or "",
            "last_dir": self.last_dir,
            "check": self.check.to_dict(),
            "lower_tab": int(self.lower_tab),
            "splitter": [int(s) for s in self.splitter],
        }

    def from_dict(self, state: dict[str, Any]) -> list[str]:
        """Take what `to_dict` (or an older ConvViz) saved; values that do not fit are skipped.
        Returns one line per part that could not be restored."""
        problems: list[str] = []
        if not isinstance(state, dict):
            return ["the saved state is not a dictionary"]
        doc = state.get("architecture")
        if doc is not None:
            try:
                arch = Architecture.from_dict(doc)
            except UserInputError as exc:
                problems.append(f"could not restore the last network ({exc})")
            else:
                self.set_architecture_without_undo(arch)
        path = state.get("path")
        self.path = path if isinstance(path, str) and path else None
        last_dir = state.get("last_dir")
        if isinstance(last_dir, str):
            self.last_dir = last_dir
        self.check.restore(state.get("check"))
        tab = state.get("lower_tab")
        if isinstance(tab, int) and not isinstance(tab, bool) and tab >= 0:
            self.lower_tab = tab
        sizes = state.get("splitter")
        if isinstance(sizes, list) and len(sizes) == 2 and all(
                isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes):
            self.splitter = list(sizes)
        self.document_changed.emit()
        self.layout_restored.emit()
        return problems
