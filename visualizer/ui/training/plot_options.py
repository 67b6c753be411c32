"""The bar above the training plots: smoothing, log axes, what the x axis counts, and the key.

`PlotOptionsBar` holds the controls and says what they are set to (`smoothing_changed`,
`log_axes_changed`, `x_axis_changed`). Bound to a `TrainingModel` (as in the Training tab), the
controls write the view options to the model and follow the model's options (a restored session);
the plots read them from the model alone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QSizePolicy, QSlider, QWidget

from visualizer.core.curves import QUANTITIES, X_AXES
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side


class PlotOptionsBar(QWidget):
    #: The smoothing weight (0 to 0.99), 0 while smoothing is off.
    smoothing_changed = Signal(float)
    #: quantity -> logarithmic axis, for every quantity
    log_axes_changed = Signal(object)
    #: What the x axis of the "vs examples" plots counts (a key of X_AXES).
    x_axis_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = None
        # One line where the pane is wide enough, more lines where it is not (1024×768, lecture
        # mode): the bar never widens the tab. A label stays on one line with its box.
        bar = FlowLayout(self, spacing=12)
        self.smooth_check = QCheckBox("Smooth training curves", self)
        self.smooth_check.setToolTip("Exponential moving average; the raw curve stays visible, faint")
        self.smooth_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.smooth_slider.setRange(0, 99)
        self.smooth_slider.setValue(60)
        self.smooth_slider.setMaximumWidth(120)
        self.smooth_slider.setToolTip("Smoothing weight (0 to 0.99)")
        self.smooth_value = QLabel("0.60", self)
        bar.addWidget(self.smooth_check)
        bar.addWidget(side_by_side(self, self.smooth_slider, self.smooth_value))
        self.log_checks: dict[str, QCheckBox] = {}
        for q in QUANTITIES:
            box = QCheckBox(q, self)
            box.setObjectName(f"log_{q}")
            box.setToolTip(f"Logarithmic {q} axis")
            box.toggled.connect(self._log_toggled)
            self.log_checks[q] = box
        first, *rest = self.log_checks.values()
        bar.addWidget(side_by_side(self, QLabel("Log scale:", self), first))
        for box in rest:
            bar.addWidget(box)
        self.x_combo = QComboBox(self)
        self.x_combo.setObjectName("x_axis")
        self.x_combo.setToolTip("What the x axis of the two left plots counts")
        for k, (label, _t) in X_AXES.items():
            self.x_combo.addItem(label, k)
        self.x_combo.currentIndexChanged.connect(self._x_combo_changed)
        bar.addWidget(side_by_side(self, QLabel("x axis:", self), self.x_combo))
        key = QLabel("solid: training · dashed: validation · ★ best epoch", self)
        key.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # never widens the tab
        key.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        key.setToolTip("★ marks each run's epoch with the lowest validation loss: the epoch whose weights "
                       "early stopping keeps (it stops patience epochs later, or at an earlier dip). Drag "
                       "a box to zoom, use the wheel to zoom, double-click to reset; right-click a plot to "
                       "export its data as CSV.")
        key.setEnabled(False)
        bar.addWidget(key)
        self.key_label, self._bar = key, bar
        self.smooth_check.toggled.connect(self._smoothing_changed)
        self.smooth_slider.valueChanged.connect(self._smoothing_changed)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        # the key (also in its tooltip and the guide) only where it fits whole on the one line
        items = [self._bar.itemAt(i) for i in range(self._bar.count())]
        others = sum(i.sizeHint().width() + self._bar.spacing() for i in items
                     if i.widget() is not self.key_label and not i.isEmpty())
        self.key_label.setVisible(others + self.key_label.sizeHint().width() <= self.width())

    def smoothing(self) -> float:
        return self.smooth_slider.value() / 100.0 if self.smooth_check.isChecked() else 0.0

    def log_axes(self) -> dict[str, bool]:
        return {q: box.isChecked() for q, box in self.log_checks.items()}

    def show_x_axis(self, mode: str) -> None:
        """Show the x-axis mode in use (the combo does not announce it again)."""
        i = self.x_combo.findData(mode)
        if i >= 0 and i != self.x_combo.currentIndex():
            self.x_combo.setCurrentIndex(i)

    @Slot()
    def _smoothing_changed(self) -> None:
        self.smooth_value.setText(f"{self.smooth_slider.value() / 100.0:.2f}")
        self.smoothing_changed.emit(self.smoothing())

    @Slot()
    def _log_toggled(self) -> None:
        self.log_axes_changed.emit(self.log_axes())

    @Slot()
    def _x_combo_changed(self) -> None:
        mode = self.x_combo.currentData()
        if self._model is not None:
            self._model.set_option("x_axis", mode)  # the model's echo sets the plots
        else:
            self.x_axis_changed.emit(mode)

    # -- observing the Training model --------------------------------------------------------
    def bind(self, model) -> None:
        """Write the view options to a `TrainingModel` and follow its options."""
        self._model = model
        model.options_changed.connect(self._model_option)
        self.smooth_check.toggled.connect(self._smooth_check_edited)
        self.smooth_slider.valueChanged.connect(self._smooth_weight_edited)
        for box in self.log_checks.values():
            box.toggled.connect(self._log_box_edited)
        for name in ("smoothing", "smoothing_weight", "log_axes", "x_axis"):
            self._model_option(name)

    @Slot(str)
    def _model_option(self, name: str) -> None:
        o = self._model.options
        if name == "smoothing":
            self.smooth_check.setChecked(bool(o["smoothing"]))
        elif name == "smoothing_weight":
            self.smooth_slider.setValue(int(o["smoothing_weight"]))
        elif name == "log_axes":
            for q, box in self.log_checks.items():
                box.setChecked(bool(o["log_axes"].get(q, False)))
        elif name == "x_axis":
            self.show_x_axis(o["x_axis"])

    @Slot(bool)
    def _smooth_check_edited(self, on: bool) -> None:
        self._model.set_option("smoothing", on)

    @Slot(int)
    def _smooth_weight_edited(self, value: int) -> None:
        self._model.set_option("smoothing_weight", value)

    @Slot()
    def _log_box_edited(self) -> None:
        self._model.set_option("log_axes", self.log_axes())
