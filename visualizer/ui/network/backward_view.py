"""The Network tab's backward view, drawn: the choice of maps (Forward / Backward / Both), the
class whose cross-entropy is backpropagated, the loss, the input's saliency ∂L/∂x, and every
layer's gradient map ∂L/∂(layer output) beside its activation map, drawn by the maps' own canvas
(`maps.MapsCanvas`) from a `GradientSource`. *Open backward in Convolution explorer* asks for
the opened conv map's backward pass in the explorer (`explorer_clicked`, with
`NetworkBackward.backward_request()`)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QBoxLayout, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from visualizer.core.training import NUM_CLASSES
from visualizer.ui.network.backward import MODES, NetworkBackward
from visualizer.ui.network.maps import LayerMapsView, MapsCanvas
from visualizer.ui.network.opened import ShorteningButton
from visualizer.ui.network.render import scales_of, to_images
from visualizer.ui.shell.quietly import set_quietly

SALIENCY_SIDE = 84


class GradientSource(QObject):
    """What a `MapsCanvas` reads, with the gradients as its layers' values: the Network model's
    scale, hover, opened map and busy state, its clicks and hovers passed back to it."""

    activations_changed = Signal()
    scale_changed = Signal()
    net_changed = Signal()
    opened_changed = Signal()

    def __init__(self, backward: NetworkBackward, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backward = backward
        self.network = backward.network
        backward.changed.connect(self.activations_changed)
        for name in ("scale_changed", "net_changed", "opened_changed"):
            getattr(self.network, name).connect(getattr(self, name))

    @property
    def acts(self):
        return self.backward.gradient_maps()

    @property
    def error(self) -> str:
        """What the canvas writes when it has no maps to draw."""
        waiting = "Computing the gradients…" if self.backward.grads is None and self.network.acts is not None else ""
        return self.backward.error or self.network.error or waiting

    @property
    def busy(self) -> bool:
        return self.backward.busy

    @property
    def scale(self) -> str:
        return self.network.scale

    @property
    def hover(self):
        return self.network.hover

    @property
    def opened(self):
        return self.network.opened

    def set_hover(self, hover) -> None:
        self.network.set_hover(hover)

    def open_map(self, layer: int, channel: int) -> None:
        self.network.open_map(layer, channel)


def install_gradient_maps(maps: LayerMapsView, backward: NetworkBackward) -> MapsCanvas:
    """Put a gradient canvas beside `maps`' canvas in its scroll area (the same width, so each
    layer's row lies beside its activations) and return it."""
    canvas = maps.scroll.takeWidget()
    both = QWidget()
    row = QHBoxLayout(both)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(8)
    gradients = MapsCanvas(GradientSource(backward, both))  # type: ignore[arg-type]
    gradients.setObjectName("gradient_canvas")
    gradients.setAccessibleName("Gradient maps ∂L/∂(layer output) of every layer")
    row.addWidget(canvas, 1)
    row.addWidget(gradients, 1)
    maps.scroll.setWidget(both)
    return gradients


class BackwardBar(QWidget):
    """The backward view's controls above the maps; shows or hides the two canvases."""

    explorer_clicked = Signal(object)  # backward_request() or None

    def __init__(self, backward: NetworkBackward, maps: LayerMapsView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backward = backward
        self.maps = maps
        self.gradient_canvas = install_gradient_maps(maps, backward)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        col.addLayout(top)
        top.addWidget(QLabel("Maps:", self))
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("maps_shown")
        self.mode_combo.setToolTip("Forward: each layer's output. Backward: ∂L/∂(each layer's output) for the "
                                   "cross-entropy of the chosen class. Both: side by side.")
        for key, label in MODES:
            self.mode_combo.addItem(label, key)
        self.mode_combo.currentIndexChanged.connect(self._mode_chosen)
        top.addWidget(self.mode_combo)
        top.addStretch(1)
        # The class, the hand-over and the loss on rows of their own, so that the bar is no wider
        # than the maps pane at lecture type on a 1024 px screen (in one row it widened the window).
        self.target_row = target = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # the combo under its words when narrow
        col.addLayout(target)
        self.class_label = QLabel("loss of class:", self)  # shown with its combo, in backward mode
        target.addWidget(self.class_label)
        self.class_combo = QComboBox(self)
        self.class_combo.setObjectName("loss_class")
        self.class_combo.addItem("the true label", None)
        for c in range(NUM_CLASSES):
            self.class_combo.addItem(str(c), c)
        self.class_combo.currentIndexChanged.connect(self._class_chosen)
        self.class_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # its first item's words change
        target.addWidget(self.class_combo)
        target.addStretch(1)
        self.explorer_button = ShorteningButton("Open backward in Convolution explorer", "Backward to explorer", self)
        self.explorer_button.setObjectName("open_backward_in_explorer")
        self.explorer_button.setToolTip("The opened conv map's input, kernel and true ∂L/∂(map) to the "
                                        "Convolution tab's backward mode: its ∂L/∂W is the net's own")
        self.explorer_button.clicked.connect(self._explorer)
        hand_over = QHBoxLayout()
        col.addLayout(hand_over)
        hand_over.addWidget(self.explorer_button)
        hand_over.addStretch(1)
        info = QHBoxLayout()
        col.addLayout(info)
        self.saliency = QLabel(self)
        self.saliency.setObjectName("saliency")
        self.saliency.setFixedSize(SALIENCY_SIDE, SALIENCY_SIDE)
        self.saliency.setToolTip("∂L/∂x: how the loss changes with each input pixel (the input's saliency)")
        info.addWidget(self.saliency)
        self.loss_label = QLabel(self)
        self.loss_label.setObjectName("backward_loss")
        self.loss_label.setWordWrap(True)
        info.addWidget(self.loss_label, 1)
        backward.changed.connect(self.refresh)
        backward.network.opened_changed.connect(self.refresh)
        backward.network.image_changed.connect(self.refresh)
        backward.network.hover_changed.connect(self.refresh)
        self.refresh()

    def _fit_target_row(self) -> None:
        """The class's words and its box side by side where they fit, else one above the other."""
        row = self.target_row
        need = self.class_label.sizeHint().width() + row.spacing() + self.class_combo.sizeHint().width()
        direction = QBoxLayout.Direction.TopToBottom if need > self.width() else QBoxLayout.Direction.LeftToRight
        if row.direction() != direction:
            row.setDirection(direction)

    def _fit_loss(self) -> None:
        """The loss line as tall as its wrapped words at its width (a box layout gives a wrapped
        label its one-line height beside the saliency picture)."""
        label = self.loss_label
        need = label.heightForWidth(label.width()) if label.width() > 0 else -1
        label.setMinimumHeight(max(0, need))

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self._fit_target_row()
        self._fit_loss()

    def changeEvent(self, e) -> None:  # noqa: N802
        super().changeEvent(e)
        if e.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self._fit_target_row)  # once the label and the box have the new font
            QTimer.singleShot(0, self._fit_loss)

    @Slot(int)
    def _mode_chosen(self, index: int) -> None:
        self.backward.set_mode(self.mode_combo.itemData(index))

    @Slot(int)
    def _class_chosen(self, index: int) -> None:
        self.backward.set_target(self.class_combo.itemData(index))

    @Slot()
    def _explorer(self) -> None:
        self.explorer_clicked.emit(self.backward.backward_request())

    @Slot()
    def refresh(self) -> None:
        b = self.backward
        on = b.shows_gradients()
        for combo, value in ((self.mode_combo, b.mode), (self.class_combo, b.target)):
            index = combo.findData(value)
            if combo.currentIndex() != index:  # set elsewhere (a session restored)
                set_quietly(combo, "setCurrentIndex", index)
        self.maps.canvas.setVisible(b.mode != "backward")
        self.gradient_canvas.setVisible(on)
        for w in (self.class_label, self.class_combo, self.explorer_button, self.saliency, self.loss_label):
            w.setVisible(on)
        label = b.network.label
        self.class_combo.setItemText(0, "the true label" if label is not None else "the prediction")
        self.explorer_button.setEnabled(b.network.parts is not None and b.grads is not None)
        hover = b.hover_text()
        self.loss_label.setText(b.error or "  ·  ".join(t for t in (b.loss_text(), hover) if t) or " ")
        self._fit_loss()
        g = b.grads
        if g is None or not on:
            self.saliency.clear()
            return
        x = g.input_grad if g.input_grad.ndim == 3 else g.input_grad[None]
        image = to_images(x[:1], scales_of(x[:1], False))[0]
        self.saliency.setPixmap(QPixmap.fromImage(image).scaled(SALIENCY_SIDE, SALIENCY_SIDE,
                                                               Qt.AspectRatioMode.KeepAspectRatio))
