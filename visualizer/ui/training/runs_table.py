"""The runs table: one row per run of the model, a tick to overlay its curves, and its buttons.

`RunsTableModel` is a QAbstractTableModel over `TrainingModel.runs` (rows come from runs trained in
this session and from the runs folder); the text of each cell is `core.run_table.row_values`, the
same as the CSV / Markdown / LaTeX exports.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.run_table import COLUMNS, NUMBER_COLUMNS, row_values
from visualizer.ui.shell.flow_layout import FlowLayout
from visualizer.ui.training.model import TrainingModel
from visualizer.ui.training.run_entry import RunEntry
from visualizer.ui.training.run_filter import RunFilterBox, hide_filtered_rows


class _MiddleElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle to its width (a long runs folder keeps
    its start and its last folder in view); the whole text is in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        # it takes the room its row leaves, and asks for no more than a few letters of it
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("saved in …"), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.sizeHint()

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))


class RunsTableModel(QAbstractTableModel):
    """The model's runs as rows; the first column's tick shows or hides the run's curves."""

    def __init__(self, model: TrainingModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        model.run_added.connect(self._added)
        model.run_removing.connect(self._removing)
        model.run_removed.connect(self._removed)
        model.run_changed.connect(self.changed)
        self._removing_row = -1

    @property
    def entries(self) -> list[RunEntry]:
        return self.model.runs

    def entry(self, run_id: str) -> RunEntry | None:
        return self.model.run(run_id)

    def index_of(self, run_id: str) -> int:
        return self.model.index_of(run_id)

    def set_shown(self, run_id: str, shown: bool) -> None:
        self.model.set_ticked(run_id, shown)

    def shown_ids(self) -> list[str]:
        return self.model.ticked_ids()

    # -- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.model.runs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.model.runs[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row_values(e)[col]
        if role == Qt.ItemDataRole.CheckStateRole and col == 0:
            return Qt.CheckState.Checked if e.shown else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return QColor(e.color)
        if role == Qt.ItemDataRole.ToolTipRole:
            if e.problem:
                return f"{e.run_id}\nThis run's folder can't be read: {e.problem}\nin {e.folder}"
            tip = f"{e.run_id}\n{e.label}"
            if e.folder is not None:
                tip += f"\nsaved in {e.folder}"
            if e.final.get("best_epoch") is not None:
                tip += (f"\nlowest validation loss after epoch {e.final['best_epoch']}"
                        + (" (stopped early: these weights were kept)" if e.final.get("stopped_early") else ""))
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and e.problem:
            return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMBER_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index):
        f = super().flags(index)
        if index.isValid() and index.column() == 0 and not self.model.runs[index.row()].problem:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if index.isValid() and index.column() == 0 and role == Qt.ItemDataRole.CheckStateRole:
            shown = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
            self.model.set_ticked(self.model.runs[index.row()].run_id, shown)
            return True
        return False

    # -- following the model -----------------------------------------------------------------
    @Slot(str)
    def _added(self, run_id: str) -> None:
        n = self.model.index_of(run_id)
        self.beginInsertRows(QModelIndex(), n, n)
        self.endInsertRows()

    @Slot(int)
    def _removing(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self._removing_row = row

    @Slot(str)
    def _removed(self, _run_id: str) -> None:
        if self._removing_row >= 0:
            self._removing_row = -1
            self.endRemoveRows()

    @Slot(str)
    def changed(self, run_id: str) -> None:
        i = self.model.index_of(run_id)
        if i >= 0:
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))


class RunsView(QWidget):
    """The table with its row of buttons; selecting a row selects the run in the model."""

    #: Resume sweep was pressed: the sweep folder of the selected run (a SweepJob resumes it)
    resume_requested = Signal(str)

    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        rv = QVBoxLayout(self)
        rv.setContentsMargins(2, 2, 2, 2)
        self.table_model = RunsTableModel(model, self)
        self.table = QTableView(self)
        self.table.setObjectName("results_table")
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        # The run's folder name is long: it takes the room left and is elided in its middle (the
        # date comes first, and a sweep's run ends with what tells it from its neighbours, such
        # as "…/lr0.1-seed2"), whole in the tooltip. Status is shown next to it (a visual
        # move only: the exports keep their column order), so it is never pushed out of view.
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        header.moveSection(COLUMNS.index("Status"), 1)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setWordWrap(False)
        self.table.setToolTip("Tick runs to overlay their curves; select one for its test results "
                              "(double-click to show them)")
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.filter_box = RunFilterBox(model, self)
        rv.addWidget(self.filter_box)
        rv.addWidget(self.table, 1)
        for signal in (self.table_model.rowsInserted, self.table_model.rowsRemoved, self.table_model.modelReset):
            signal.connect(self._hide_filtered)
        model.options_changed.connect(self._hide_filtered)
        self.button_row = QWidget(self)
        row = FlowLayout(self.button_row)  # two lines where one is too narrow (1024×768, lecture mode)
        self.show_all_button = QPushButton("Tick all", self)
        self.show_all_button.clicked.connect(self._tick_all)
        self.hide_all_button = QPushButton("Untick all", self)
        self.hide_all_button.clicked.connect(self._untick_all)
        self.export_table_button = QPushButton("Export table…", self)
        self.export_plots_button = QPushButton("Export plots…", self)
        self.resume_button = QPushButton("Resume sweep", self)
        self.resume_button.setToolTip("Run the selected sweep's stopped and pending runs again (its completed "
                                      "runs are kept), as `convviz sweep` with the same command does")
        self.resume_button.hide()
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.setToolTip("Delete the selected runs' folders from disk")
        # "2 run folders can't be read — Show problems": never hidden silently
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("run_problems")
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label.setWordWrap(True)
        self.problems_label.linkActivated.connect(self._show_problems)
        self.problems_label.hide()
        rv.addWidget(self.problems_label)
        self.folder_label = _MiddleElidedLabel(self)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setEnabled(False)
        for w in (self.show_all_button, self.hide_all_button, self.folder_label, self.resume_button,
                  self.delete_button, self.export_table_button, self.export_plots_button):
            row.addWidget(w)
        rv.addWidget(self.button_row)
        self._row_height = 0
        model.runs_folder_changed.connect(self._show_folder)
        model.run_added.connect(self._update_problems)
        model.run_removed.connect(self._update_problems)
        model.selection_changed.connect(self._show_selection)
        model.selection_changed.connect(self._offer_resume)
        model.state_changed.connect(self._offer_resume)
        model.run_changed.connect(self._offer_resume)
        self.resume_action = QAction("Resume sweep", self.table)
        self.resume_action.triggered.connect(self._resume)
        self.resume_button.clicked.connect(self._resume)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.addAction(self.resume_action)
        self._show_folder()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """Tall enough for the lines the button row takes at this width (the splitter asks)."""
        hint = super().minimumSizeHint()
        row = self.button_row
        width = self.width() - 4  # the layout's margins
        if not row.isVisible() or width <= 0:  # (before it is shown its width means nothing)
            return hint
        return QSize(hint.width(), hint.height() + max(0, row.heightForWidth(width) - row.minimumSizeHint().height()))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        lines = self.button_row.heightForWidth(self.width() - 4)
        if lines != self._row_height:  # the row wrapped or unwrapped: a new minimum height
            self._row_height = lines
            self.updateGeometry()

    def selected_sweep(self) -> "Path | None":
        """The sweep folder of the selected run ("SWEEP/RUN") when that sweep has runs left to do
        (pending, stopped, failed or diverged) and nothing is running; else None."""
        from visualizer.core.sweep import can_resume

        e = self.model.run(self.model.selected)
        if e is None or e.folder is None or "/" not in e.run_id or self.model.running():
            return None
        folder = e.folder.parent
        return folder if can_resume(folder) else None

    @Slot()
    def _resume(self) -> None:
        folder = self.selected_sweep()
        if folder is not None:
            self.resume_requested.emit(str(folder))

    @Slot()
    def _offer_resume(self, *_args) -> None:
        on = self.selected_sweep() is not None
        self.resume_button.setVisible(on)
        self.resume_action.setEnabled(on)
        self.resume_action.setVisible(on)

    @Slot()
    def _hide_filtered(self, *_args) -> None:
        hide_filtered_rows(self.model, self.table)

    def selected_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.runs[r].run_id for r in rows]

    @Slot(str)
    def _update_problems(self, _run_id: str = "") -> None:
        bad = self.model.problem_runs()
        if bad:
            what = "1 run folder can't" if len(bad) == 1 else f"{len(bad)} run folders can't"
            self.problems_label.setText(f"{what} be read (greyed out) — <a href='#'>Show problems</a>")
        self.problems_label.setVisible(bool(bad))

    @Slot(str)
    def _show_problems(self, _link: str = "") -> None:
        lines = [f"• {e.run_id}: {e.problem}" for e in self.model.problem_runs()]
        box = QMessageBox(QMessageBox.Icon.Information, "Runs that can't be read",
                          "These run folders are listed greyed out because they can't be read. "
                          "Their files are left as they are; delete the folders (Delete…) or repair "
                          "them by hand.", QMessageBox.StandardButton.Ok, self)
        box.setObjectName("run_problems_box")
        box.setDetailedText("\n".join(lines))
        box.setInformativeText("\n".join(lines[:8]) + ("\n…" if len(lines) > 8 else ""))
        box.open()

    @Slot()
    def _show_folder(self) -> None:
        self.folder_label.set_full_text(f"saved in {self.model.runs_dir}")
        self.folder_label.setToolTip(f"Runs are saved in {self.model.runs_dir}")

    @Slot(str)
    def _show_selection(self, run_id: str) -> None:
        i = self.model.index_of(run_id)
        current = self.table.selectionModel().currentIndex()
        if i >= 0 and current.row() != i:
            self.table.selectionModel().setCurrentIndex(
                self.table_model.index(i, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    @Slot()
    def _current_row_changed(self, current, _previous=None) -> None:
        if current.isValid():
            self.model.select(self.model.runs[current.row()].run_id)

    @Slot()
    def _tick_all(self) -> None:
        """Tick the runs the filter shows (all of them when there is no filter)."""
        for e in list(self.model.runs):
            if self.model.passes_filter(e.run_id):
                self.model.set_ticked(e.run_id, True)

    @Slot()
    def _untick_all(self) -> None:
        self.model.tick_all(False)
