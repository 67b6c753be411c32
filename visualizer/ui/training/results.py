"""What a finished run shows: test confusion matrix, misclassified digits, first-layer filters."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QBrush, QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)


def gray_image(pixels: np.ndarray, scale: int = 2) -> QImage:
    """uint8 (H, W) -> an owned grayscale QImage, enlarged `scale` times without smoothing."""
    a = np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8))
    if scale > 1:
        a = np.ascontiguousarray(np.kron(a, np.ones((scale, scale), dtype=np.uint8)))
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def diverging_image(weights: np.ndarray, limit: float, scale: int = 8) -> QImage:
    """float (H, W) -> RGB: negative blue, zero white, positive red, ±limit saturated."""
    t = np.clip(np.asarray(weights, dtype=np.float64) / (limit or 1.0), -1.0, 1.0)
    pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
    r = 255 * (1 - neg * 0.8)
    g = 255 * (1 - np.maximum(pos, neg) * 0.8)
    b = 255 * (1 - pos * 0.8)
    rgb = np.stack([r, g, b], axis=-1).round().astype(np.uint8)
    rgb = np.ascontiguousarray(np.kron(rgb, np.ones((scale, scale, 1), dtype=np.uint8)))
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def filter_planes(filters) -> list[np.ndarray]:
    """One 2-D image per first-layer unit: conv kernels averaged over input channels, or a
    Linear layer's rows on 784 inputs reshaped to 28×28."""
    if filters is None:
        return []
    w = np.asarray(filters, dtype=np.float64)
    if w.ndim == 4:
        return list(w.mean(axis=1))
    if w.ndim == 2 and w.shape[1] == 28 * 28:
        return list(w.reshape(-1, 28, 28))
    if w.ndim == 3:
        return list(w)
    return []


class ConfusionTable(QTableWidget):
    """Rows: true digit; columns: predicted digit; cells shaded by the share of their row."""

    def __init__(self, parent=None) -> None:
        super().__init__(10, 10, parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalHeaderLabels([f"pred {i}" for i in range(10)])
        self.setVerticalHeaderLabels([f"true {i}" for i in range(10)])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix: np.ndarray | None = None

    def set_matrix(self, m) -> None:
        m = np.asarray(m, dtype=np.int64)
        n = m.shape[0]
        self.setRowCount(n)
        self.setColumnCount(m.shape[1])
        self.setHorizontalHeaderLabels([f"pred {j}" for j in range(m.shape[1])])
        self.setVerticalHeaderLabels([f"true {i}" for i in range(n)])
        self.matrix = m
        row_sum = np.maximum(m.sum(axis=1, keepdims=True), 1)
        share = m / row_sum
        for i in range(n):
            for j in range(m.shape[1]):
                item = QTableWidgetItem(str(int(m[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                s = float(share[i, j])
                if i == j:
                    color = QColor.fromRgbF(1 - 0.6 * s, 1 - 0.25 * s, 1 - 0.6 * s)
                else:
                    s = min(1.0, 5 * s)  # errors are rare: make a 20 % confusion fully red
                    color = QColor.fromRgbF(1 - 0.1 * s, 1 - 0.6 * s, 1 - 0.6 * s)
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(QColor("black")))
                item.setToolTip(f"true {i}, predicted {j}: {int(m[i, j])} ({100 * share[i, j]:.1f} % of {i}s)")
                self.setItem(i, j, item)


class ImageGrid(QScrollArea):
    """Images with captions in a wrapping grid."""

    def __init__(self, columns: int = 10, parent=None, note: str = "") -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.columns = columns
        self.note = note
        self.captions: list[str] = []
        self.cells: list[QWidget] = []
        self._host = QWidget()
        self._grid = QGridLayout(self._host)
        self._grid.setSpacing(6)
        self.setWidget(self._host)

    def set_images(self, images: list[QImage], captions: list[str], tooltips: list[str] | None = None,
                   actions: list[list[QAction]] | None = None) -> None:
        """`actions`: per image, the context-menu actions of its cell (right-click)."""
        host = QWidget()
        outer = QVBoxLayout(host)
        if self.note and images:
            note = QLabel(self.note, host)
            note.setWordWrap(True)
            outer.addWidget(note)
        grid = QGridLayout()
        grid.setSpacing(6)
        outer.addLayout(grid)
        outer.addStretch(1)
        self.cells: list[QWidget] = []
        for k, (img, cap) in enumerate(zip(images, captions)):
            cell = QWidget(host)
            v = QVBoxLayout(cell)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            pic = QLabel(cell)
            pic.setPixmap(QPixmap.fromImage(img))
            pic.setAlignment(Qt.AlignmentFlag.AlignCenter)
            text = QLabel(cap, cell)
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            v.addWidget(pic)
            v.addWidget(text)
            if tooltips:
                cell.setToolTip(tooltips[k])
            if actions and actions[k]:
                cell.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
                for a in actions[k]:
                    a.setParent(cell)
                    cell.addAction(a)
            self.cells.append(cell)
            grid.addWidget(cell, k // self.columns, k % self.columns)
        grid.setColumnStretch(self.columns, 1)
        self.captions = list(captions)
        self._host = host
        self._grid = grid
        self.setWidget(host)


class ResultsView(QWidget):
    """The details of one finished run; empty with an explanation until there is one."""

    #: {"run": the run's folder, "index": a test-set index or None}: "Open in Network" (the run,
    #: or one misclassified test digit of it).
    open_in_network = Signal(dict)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.caption = QLabel("Results of a finished run appear here.", self)
        self.caption.setWordWrap(True)
        top.addWidget(self.caption, 1)
        self.network_button = QPushButton("Open in Network", self)
        self.network_button.setObjectName("open_in_network")
        self.network_button.setToolTip("Look inside this run's trained net in the Network tab "
                                       "(right-click a misclassified digit to open it with that digit)")
        self.network_button.setEnabled(False)
        self.network_button.clicked.connect(self._network_clicked)
        top.addWidget(self.network_button)
        layout.addLayout(top)
        self.run_folder = ""
        self.tabs = QTabWidget(self)
        self.confusion = ConfusionTable(self)
        self.misclassified = ImageGrid(10, self, "Test digits the net got wrong: its prediction, "
                                                 "then the true label.")
        self.filters = ImageGrid(10, self, "The first layer's learned kernels (averaged over input "
                                           "channels): red positive, blue negative, white zero, one "
                                           "colour scale for all.")
        self.tabs.addTab(self.confusion, "Confusion matrix (test)")
        self.tabs.addTab(self.misclassified, "Misclassified digits")
        self.tabs.addTab(self.filters, "First-layer filters")
        layout.addWidget(self.tabs, 1)
        self.run_id = ""

    def _request(self, index) -> None:
        if self.run_folder:
            self.open_in_network.emit({"run": self.run_folder, "index": index})

    @Slot()
    def _network_clicked(self) -> None:
        self._request(None)

    @Slot()
    def _digit_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self._request(action.data())

    def clear(self, message: str) -> None:
        self.run_id = ""
        self.run_folder = ""
        self.network_button.setEnabled(False)
        self.caption.setText(message)
        self.confusion.setRowCount(0)
        self.confusion.matrix = None
        self.misclassified.set_images([], [])
        self.filters.set_images([], [])

    def show_result(self, run_id: str, label: str, result: dict, folder=None) -> None:
        self.run_id = run_id
        self.run_folder = str(folder) if folder else ""
        self.network_button.setEnabled(bool(self.run_folder))
        final = result.get("final", {})
        acc = final.get("test_accuracy")
        acc_text = f"test accuracy {100 * float(acc):.2f} %" if acc is not None else "no test accuracy"
        self.caption.setText(f"<b>{run_id}</b> — {label} — {final.get('status', '')}, {acc_text}")

        if result.get("confusion") is not None:
            self.confusion.set_matrix(result["confusion"])
        else:
            self.confusion.setRowCount(0)

        mis = result.get("misclassified") or {}
        images = mis.get("images")
        if images is not None and len(images):
            true, pred = np.asarray(mis["true"]), np.asarray(mis["pred"])
            imgs = [gray_image(im, 3) for im in np.asarray(images)]
            caps = [f"pred {int(p)}, true {int(t)}" for p, t in zip(pred, true)]
            tips = [f"predicted {int(p)}, true label {int(t)}" for p, t in zip(pred, true)]
            index = mis.get("index")
            index = np.asarray(index).ravel() if index is not None else None
            if index is not None and len(index) != len(imgs):
                index = None  # a hand-edited results.npz: the digits cannot be found in the test set
            actions = []
            for k in range(len(imgs)):
                i = int(index[k]) if index is not None else None
                a = QAction("Open in Network" + (f" (test digit {i})" if i is not None else ""), self)
                a.setData(i)
                a.setEnabled(bool(self.run_folder))
                a.triggered.connect(self._digit_action)
                actions.append([a])
                if i is not None:
                    tips[k] += f" (test image {i}); right-click to open it in the Network tab"
            self.misclassified.set_images(imgs, caps, tips, actions)
        else:
            self.misclassified.set_images([], [])

        planes = filter_planes(result.get("first_layer_filters"))
        if planes:
            limit = max(float(np.max(np.abs(p))) for p in planes) or 1.0
            h = planes[0].shape[0]
            scale = max(2, 96 // max(1, h))
            imgs = [diverging_image(p, limit, scale) for p in planes]
            caps = [f"#{k + 1}" for k in range(len(planes))]
            self.filters.set_images(imgs, caps, [f"filter {k + 1}: red positive, blue negative "
                                                 f"(±{limit:.3g})" for k in range(len(planes))])
        else:
            self.filters.set_images([], [])


class RunResultsView(ResultsView):
    """The results of the model's selected run, and of each run as it finishes."""

    def __init__(self, model, parent=None) -> None:
        super().__init__(parent)
        self.model = model
        self.clear("A run's test results (confusion matrix, misclassified test digits, "
                   "first-layer filters) appear here: select the run in the table below.")
        model.selection_changed.connect(self._selected)
        model.run_finished.connect(self._finished)

    @Slot(str)
    def _finished(self, run_id: str) -> None:
        entry = self.model.run(run_id)
        if entry is not None and entry.result is not None:
            self.show_result(run_id, entry.label, entry.result, entry.folder)

    @Slot(str)
    def _selected(self, run_id: str) -> None:
        entry = self.model.run(run_id)
        if entry is None:
            return
        if entry.problem:
            self.clear(f"{run_id}: this run's folder can't be read: {entry.problem}")
            return
        result = self.model.result_of(run_id)
        if result is not None:
            try:
                self.show_result(run_id, entry.label, result, entry.folder)
            except (TypeError, ValueError, KeyError, IndexError) as exc:  # arrays of the wrong shape or type
                entry.result = None
                entry.results_problem = f"this run's results can't be read: {exc}"
                self.clear(f"{run_id}: {entry.results_problem}")
        elif entry.results_problem:
            self.clear(f"{run_id}: {entry.results_problem}")
        elif entry.status == "running":
            self.clear(f"{run_id} is still running.")
        else:
            self.clear(f"{run_id}: this run saved no test results (it did not finish, or an older "
                       "version wrote it); its curves and numbers are in the plots and the table.")
