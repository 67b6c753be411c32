"""The Network tab: pick a net and an image, see every layer's output, open one conv map up.

`NetworkPanel` lays out the views around the one `NetworkModel` and fulfils the Panel contract.
Hand-overs: `open_request(dict)` (from the Training or Shapes tab, through the main window) shows a
run and a digit, or an untrained net; `explorer_requested(dict)` asks the main window to hand one
convolution to the Convolution tab (`ConvPanel.open_convolution(**dict)`); `follow_live_net(dict)`
takes the Training tab's running net (its events, passed on by the main window) for the
"Current run (live)" source.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QFrame, QSplitter, QTabWidget, QVBoxLayout, QHBoxLayout, QWidget

from visualizer.ui.network.bn_model import BatchNormState
from visualizer.ui.network.bn_view import BatchNormView
from visualizer.ui.network.backward import NetworkBackward
from visualizer.ui.network.backward_view import BackwardBar
from visualizer.ui.network.canvas import DrawingCanvas, InputView
from visualizer.ui.network.fit import PANE_WANTS, pane_widths, type_scale
from visualizer.ui.network.loader import Loader
from visualizer.ui.network.maps import LayerMapsView
from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.opened import OpenedMapView
from visualizer.ui.network.picker import NetPicker
from visualizer.ui.network.probabilities import ProbabilityBars
from visualizer.ui.shell.panel import Panel


#: The left column's narrowest width (it grows with its content at large text, `_fit_left`).
LEFT_MIN = 300


class _Column(QWidget):
    """The left column's content. Its scroll area sizes a height-for-width widget to its preferred
    height for the width, which scrolled the probability digits out of view at 1280×800; asked for
    the minimum instead, the column scrolls only when its minimum does not fit (#26)."""

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.layout().minimumHeightForWidth(width)


class PaneTabs(QTabWidget):
    """Tabs whose names take their short words, the first tab's first, where the whole do not fit
    the pane (lecture type on a 1024 px screen: the tab bar scrolled, showing "Batch" of "Batch
    norm"); the tool tip keeps the whole name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[tuple[str, str]] = []  # (whole, short) per tab

    def add_page(self, page: QWidget, name: str, short: str) -> None:
        self._names.append((name, short))
        self.setTabToolTip(self.addTab(page, name), name)
        self._fit()

    def _fit(self) -> None:
        bar = self.tabBar()
        for i, (name, _short) in enumerate(self._names):
            bar.setTabText(i, name)
        for i, (_name, short) in enumerate(self._names):  # one at a time, the first first, while too wide
            if bar.sizeHint().width() <= self.width():
                break
            bar.setTabText(i, short)

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self._fit()

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self._fit)  # once the tab bar has the new font


class NetworkPanel(Panel):
    """The Network tab: the net picker, the input (a test digit, a misclassified one, a drawing or a
    file), every layer's maps and one map opened up into its convolution, all observing one
    `NetworkModel` (`model`)."""

    title = "Network"
    description = "What a net sees: every layer's maps for one digit, and one map opened up into its convolution"
    guide_page = "07-network.html"
    state_key = "NetworkPanel"

    explorer_requested = Signal(dict)
    #: The opened map's backward pass to the Convolution tab (`ConvPanel.open_backward(**dict)`).
    backward_explorer_requested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NetworkPanel")
        self.model = NetworkModel(self)
        self.loader = Loader(self.model, self)
        self.picker = NetPicker(self.model)
        self.canvas = DrawingCanvas(self.model)
        self.input_view = InputView(self.model)
        self.probabilities = ProbabilityBars(self.model)
        self.maps = LayerMapsView(self.model)
        self.opened = OpenedMapView(self.model)
        self.batchnorm = BatchNormView(BatchNormState(self.model, self))
        self.right = PaneTabs(self)
        self.right.setObjectName("network_right_tabs")
        self.right.add_page(self.opened, "Opened map", "Map")
        self.batchnorm_page = bn_scroll = QScrollArea()  # its controls and steps scroll rather than widen the window
        bn_scroll.setWidgetResizable(True)
        bn_scroll.setFrameShape(QFrame.Shape.NoFrame)
        bn_scroll.setWidget(self.batchnorm)
        self.right.add_page(bn_scroll, "Batch norm", "BN")
        self.right.currentChanged.connect(self._right_tab)
        self.backward = NetworkBackward(self.model, self)  # the backward view (gradient maps)
        self.backward_bar = BackwardBar(self.backward, self.maps)
        self.status = QLabel(" ", self)
        self.status.setObjectName("network_status")
        self.status.setAccessibleName("Network tab messages")
        self.status.setWordWrap(True)

        left = _Column()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 4, 0)
        lcol.addWidget(self.picker)
        pics = QHBoxLayout()
        for w in (self.canvas, self.input_view):
            pics.addWidget(w, 1)  # the two squares (their titles over them) share the column equally
        self.canvas.twin, self.input_view.twin = self.input_view, self.canvas
        lcol.addLayout(pics)
        lcol.addWidget(self.probabilities)
        lcol.addStretch(1)
        left_scroll = QScrollArea()
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left_scroll.setWidget(left)
        left_scroll.setMinimumWidth(LEFT_MIN)
        self.left_scroll = left_scroll

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left_scroll)
        middle = QWidget()
        mcol = QVBoxLayout(middle)
        mcol.setContentsMargins(0, 0, 0, 0)
        mcol.addWidget(self.backward_bar)
        mcol.addWidget(self.maps, 1)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes(list(PANE_WANTS))
        self.splitter.splitterMoved.connect(self._panes_moved)
        self._panes_scale = 1.0  # the type scale the panes were last shared for
        self._panes_by_hand = False  # the user dragged a splitter handle since
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addWidget(self.splitter, 1)
        root.addWidget(self.status)

        self.model.message.connect(self._message)
        self.model.busy_changed.connect(self._busy)
        self.model.opened_changed.connect(self._map_opened)
        self.opened.explorer_clicked.connect(self._explorer)
        self.backward_bar.explorer_clicked.connect(self._backward_explorer)
        self._started = False
        self._busy_said = "Loading…"  # the status line's words while busy (cleared when done)

    def showEvent(self, e) -> None:  # noqa: N802
        super().showEvent(e)
        if not self._started and self.model.net is None and not self.model.busy:
            self._started = True
            self.model.request_net(self.model.net_request)  # the default net, off the GUI thread

    @Slot()
    def _map_opened(self) -> None:
        if self.model.opened is not None:
            self.right.setCurrentWidget(self.opened)

    @Slot(int)
    def _right_tab(self, index: int) -> None:
        state = self.batchnorm.state
        if self.right.widget(index) is self.batchnorm_page and state.result is None and not state.busy():
            state.compute()  # the first look at it: the default batch

    @Slot(str)
    def _message(self, text: str) -> None:
        self.status.setText(text or " ")  # said once, under the tab (not again in the window's status line)

    @Slot(bool)
    def _busy(self, on: bool) -> None:
        if on:
            self.status.setText(self.model.phase or "Loading…")
            self._busy_said = self.status.text()
        elif self.status.text() == self._busy_said:
            self.status.setText(" ")
        self.maps.canvas.update()

    @Slot(object)
    def _explorer(self, request: Any) -> None:
        if request:
            self.explorer_requested.emit(request)

    @Slot(object)
    def _backward_explorer(self, request: Any) -> None:
        if request:
            self.backward_explorer_requested.emit(request)

    # -- hand-overs --------------------------------------------------------------------------
    @Slot(dict)
    def open_request(self, request: dict) -> None:
        """{"run": folder, "index": i or None} (i: position in the run's misclassified list), or
        {"architecture": doc} / {"net": name} with an optional "seed" for an untrained net."""
        self._started = True
        self.model.open_request(request)

    @Slot(dict)
    def follow_live_net(self, event: dict) -> None:
        """The Training tab's run: "started", "snapshot" (weights at a reporting point), "ended"."""
        self.model.live.receive(event)

    # -- Panel contract ----------------------------------------------------------------------
    def save_state(self) -> dict[str, Any]:
        return {**self.model.to_dict(), "backward": self.backward.to_dict()}

    def restore_state(self, state: dict[str, Any]) -> None:
        self._started = True
        self.backward.from_dict(state.get("backward") if isinstance(state, dict) else None)
        self.model.from_dict(state)

    def apply_settings(self, settings: dict[str, Any]) -> None:
        self.model.data_dir = str(settings.get("mnist_dir") or "")
        runs = str(settings.get("runs_dir") or "")
        if runs != self.model.runs_dir:
            self.model.runs_dir = runs
            if self.picker.kind() == "run":
                self.picker.refresh_runs()

    def set_lecture_mode(self, on: bool) -> None:
        self.picker.setVisible(not on)
        QTimer.singleShot(0, self._fit)

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self._fit)  # once the children have the new font

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        if self._panes_scale != 1.0 and not self._panes_by_hand:
            self._fit_panes()  # (F5's window goes full screen after its type grew)

    @Slot()
    def _fit(self) -> None:
        """At a new type or mode: the left column's least width, then the panes shared anew (a
        splitter the user dragged is shared anew too: the pictures wanted a new size)."""
        self._fit_left()
        scale = type_scale(self)
        if scale != self._panes_scale:
            self._panes_by_hand = False
            self._panes_scale = scale
            self._fit_panes()

    @Slot(int, int)
    def _panes_moved(self, _pos: int, _index: int) -> None:
        self._panes_by_hand = True

    def _fit_panes(self) -> None:
        """The left column and the opened map as wide as their pictures want at the type in use,
        the maps the rest; the side panes shrink together where the tab is narrower (`pane_widths`)."""
        widgets = [self.splitter.widget(i) for i in range(3)]
        minimums = [max(w.minimumWidth(), w.minimumSizeHint().width()) for w in widgets]
        total = sum(self.splitter.sizes())
        if total > 0:
            self.splitter.setSizes(pane_widths(total, self._panes_scale, minimums))

    @Slot()
    def _fit_left(self) -> None:
        """The left column as wide as its content's minimum at the text size in use (its side
        would be cut, having no horizontal scroll bar), never narrower than LEFT_MIN."""
        need = (self.left_scroll.widget().minimumSizeHint().width()
                + self.left_scroll.verticalScrollBar().sizeHint().width())
        self.left_scroll.setMinimumWidth(max(LEFT_MIN, need))

    def shutdown(self) -> None:
        self.loader.shutdown()
        self.batchnorm.state.shutdown()
        self.backward.shutdown()
