"""The runs filter box and what it hides: a regular expression (TensorBoard's runs filter) typed
above the runs table shows only the runs it finds, in the table and on the plots together.

The text is the Training model's option "run_filter" (saved with the session); the rule is
`visualizer.core.run_filter`. `RunFilterBox` edits it and says when it is not a valid expression
(every run is shown then); `RunsView` hides the table's rows it filters out; `FilteredPlots`
takes the ticked runs it filters out off the plots and puts them back when they pass again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QLineEdit, QTableView, QWidget

from visualizer.core.run_filter import PLACEHOLDER, compile_filter

TIP = ("Shows only the runs whose name or settings the regular expression finds (case-insensitive, "
       "anywhere in the text, as TensorBoard's runs filter): e.g. lr0\\.1|adam, or ^2026-12. "
       "Hidden runs keep their ticks and come back when the filter lets them through.")


class RunFilterBox(QLineEdit):
    """The filter's text, two-way with the model's "run_filter" option."""

    def __init__(self, model, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setObjectName("run_filter")
        self.setPlaceholderText(PLACEHOLDER)
        self.setClearButtonEnabled(True)
        self.error = ""
        self.textChanged.connect(self._typed)
        model.options_changed.connect(self._option_changed)
        self._option_changed("run_filter")

    @Slot(str)
    def _typed(self, text: str) -> None:
        self.model.set_option("run_filter", text)

    @Slot(str)
    def _option_changed(self, name: str) -> None:
        if name != "run_filter":
            return
        text = self.model.options["run_filter"]
        if text != self.text():
            self.setText(text)
        _pattern, self.error = compile_filter(text)
        # invalid: a red frame and the reason (never an exception; every run stays shown)
        self.setStyleSheet("QLineEdit#run_filter { border: 2px solid #d62728; }" if self.error else "")
        self.setToolTip(self.error or TIP)


def hide_filtered_rows(model, table: QTableView) -> None:
    """Hide the table's rows of the runs the filter leaves out (rows follow `model.runs`)."""
    for row, e in enumerate(model.runs):
        table.setRowHidden(row, not model.passes_filter(e.run_id))


class FilteredPlots(QObject):
    """Keeps the plots' curves in step with the filter: a ticked run shows only while it passes."""

    def __init__(self, model, plots) -> None:
        super().__init__(plots)
        self.model, self.plots = model, plots
        model.options_changed.connect(self._option_changed)

    @Slot(str)
    def _option_changed(self, name: str) -> None:
        if name != "run_filter":
            return
        for run_id in list(self.plots.runs):
            e = self.model.run(run_id)
            if e is not None:
                self.plots.set_run_visible(run_id, e.shown and self.model.passes_filter(run_id))
