"""The Shapes tab's Open Python module… flow, from the file dialog to the table shown.

1. The file is chosen; its `INPUT_SHAPE = (C, H, W)`, if it declares one, is read (not run).
2. `OpenModuleDialog` asks for the factory and, when no INPUT_SHAPE is declared, the input size.
3. `ModuleLoader` builds the table in a child process; a progress window with Cancel shows
   meanwhile (Cancel ends the process; so does the timeout, `ModuleLoader.timeout_s`).
4. The table is shown read-only (`ShapesModel.show_module`), its totals on the totals line; or
   the one-line error, or "cancelled", on the message line.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from visualizer.core.errors import UserInputError
from visualizer.ui.shapes.module_dialog import OpenModuleDialog
from visualizer.ui.shapes.module_loader import ModuleLoader


class ModuleOpening(QObject):
    """Owned by the Shapes panel (its Qt parent): the dialog, the loader and the progress window."""

    def __init__(self, panel) -> None:
        super().__init__(panel)
        self.loader = ModuleLoader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.loader.cancelled.connect(self._cancelled)
        self.loader.running_changed.connect(self._running)
        self.dialog: OpenModuleDialog | None = None
        self.progress: QProgressDialog | None = None

    @property
    def panel(self):
        return self.parent()

    @Slot()
    def choose_file(self) -> None:
        """Shapes → Open Python module…: a file dialog, then `ask`."""
        panel = self.panel
        path, _ = QFileDialog.getOpenFileName(panel, "Open a Python module (this runs its code)",
                                              panel.model.last_dir, "Python files (*.py);;All files (*)")
        if path:
            self.ask(path)

    def ask(self, path: str | Path) -> OpenModuleDialog | None:
        """The factory and input-size question for the file `path` (window-modal, not blocking)."""
        from visualizer.core.module_child import declared_input_shape

        try:
            declared = declared_input_shape(path)
        except UserInputError as exc:
            self._failed(str(exc))
            return None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        dialog = OpenModuleDialog(path, first_module_class(str(path)), declared, self.panel.model.input_shape,
                                  self.panel)
        dialog.chosen.connect(self.open)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot(str, tuple)
    def open(self, spec: str, input_shape: tuple | None = None) -> bool:
        """Build `FILE.py:FACTORY` at `input_shape` (None: the file's INPUT_SHAPE, else the tab's
        input size) off the GUI thread; a progress window with Cancel meanwhile."""
        panel = self.panel
        self.dialog = None
        if input_shape is None:
            try:
                input_shape = self._declared(spec) or panel.model.input_shape
            except UserInputError as exc:  # an INPUT_SHAPE that is not three positive integers
                self._failed(str(exc))
                return False
        if not self.loader.start(spec, tuple(int(v) for v in input_shape)):
            panel.emit_status("Still opening the last module…", 3000)
            return False
        name = Path(spec.rsplit(":", 1)[0]).name
        c, h, w = input_shape
        text = f"Running {name} at input {c}×{h}×{w} (import, build, one forward pass on the meta device)…"
        panel.model.show_message(text)
        progress = QProgressDialog(text, "Cancel", 0, 0, panel)
        progress.setObjectName("module_progress")
        progress.setWindowTitle("Opening a Python module")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel)
        self.progress = progress
        progress.show()
        return True

    def _declared(self, spec: str) -> tuple[int, int, int] | None:
        from visualizer.core.module_child import declared_input_shape

        file = spec.rsplit(":", 1)[0]
        return declared_input_shape(file) if file.endswith(".py") and Path(file).is_file() else None

    @Slot()
    def cancel(self) -> None:
        if self.loader.is_running():
            self.panel.model.show_message("Cancelling: ending the module's process…")
            self.loader.cancel()

    @Slot(bool)
    def _running(self, running: bool) -> None:
        panel = self.panel
        panel.open_module_action.setEnabled(not running)
        if running:
            panel.setCursor(Qt.CursorShape.BusyCursor)
            return
        panel.unsetCursor()
        progress, self.progress = self.progress, None
        if progress is not None:
            progress.canceled.disconnect(self.cancel)
            progress.close()
            progress.deleteLater()

    @Slot(object)
    def _loaded(self, table: object) -> None:
        name = table.architecture.name  # type: ignore[attr-defined]
        self.panel.model.show_module(table, name)  # type: ignore[arg-type]
        self.panel.emit_status(f"{name}: shown read-only; load a preset or a file to edit again", 8000)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.panel.model.show_message("Cannot open the module: " + message, "bad")
        self.panel.emit_status("Cannot open the module: " + message, 10000)

    @Slot()
    def _cancelled(self) -> None:
        self.panel.model.show_message("Opening the module was cancelled (its process was ended).")
        self.panel.emit_status("Opening the module was cancelled", 5000)

    def shutdown(self) -> None:
        self.loader.shutdown()


def first_module_class(path: str) -> str:
    """The first `class X(...Module...)` in the file, as the factory to suggest ("" if none)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(200_000)
    except OSError:
        return ""
    m = re.search(r"^class\s+([A-Za-z_]\w*)\s*\([^)]*Module[^)]*\)", text, re.MULTILINE)
    return m.group(1) if m else ""
