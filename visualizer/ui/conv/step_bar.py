"""The step bar under the figure: Start, Back, Play, Step, End, Show all, the speed, where the
stepping is, the "computing…" sign and the Export button."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from visualizer.core.convolution import format_number
from visualizer.ui.conv.model import ConvModel
from visualizer.ui.conv.stepper import SPEEDS


class StepBar(QWidget):
    def __init__(self, model: ConvModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        stepper = model.stepper
        bar = QHBoxLayout(self)
        bar.setContentsMargins(0, 0, 0, 0)
        SP = QStyle.StandardPixmap

        def button(text: str, icon, tip: str, slot) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            if icon is not None:
                b.setIcon(self.style().standardIcon(icon))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        self.start_button = button("Start", SP.SP_MediaSkipBackward, "Jump to the first output cell (Home)",
                                   stepper.to_start)
        self.back_button = button("Back", SP.SP_MediaSeekBackward, "Step back one cell (Left)", stepper.step_back)
        self.play_button = button("Play", SP.SP_MediaPlay, "Play / pause the sliding window (Space)",
                                  stepper.toggle_play)
        self.play_button.setMinimumWidth(80)
        self.forward_button = button("Step", SP.SP_MediaSeekForward, "Step forward one cell (Right)",
                                     stepper.step_forward)
        self.end_button = button("End", SP.SP_MediaSkipForward, "Jump to the last output cell (End)", stepper.to_end)
        self.all_button = button("Show all", None, "Show the whole output again", stepper.stop_stepping)
        self.step_buttons = [self.start_button, self.back_button, self.play_button, self.forward_button,
                             self.end_button]
        bar.addSpacing(12)
        self.speed_title = QLabel("Speed", self)
        bar.addWidget(self.speed_title)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setValue(model.speed_index)
        self.speed_slider.setMaximumWidth(160)
        self.speed_slider.setMinimumWidth(60)
        self.speed_slider.setAccessibleName("speed")
        self.speed_slider.valueChanged.connect(self._speed_chosen)
        bar.addWidget(self.speed_slider)
        self.speed_label = QLabel(self)
        self.speed_label.setMinimumWidth(70)
        bar.addWidget(self.speed_label)
        bar.addSpacing(12)
        self.position_label = QLabel(self)
        self.position_label.setObjectName("position")
        self.position_label.setMinimumWidth(10)
        self._caption = ""  # the whole caption; the label shows what fits of it
        bar.addWidget(self.position_label, 1)
        self.busy_label = QLabel("computing…", self)
        self.busy_label.setStyleSheet("color: #e8590c;")
        self.busy_label.hide()
        bar.addWidget(self.busy_label)
        self.export_button = QToolButton(self)
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bar.addWidget(self.export_button)

        stepper.changed.connect(self._show_position)
        stepper.playing_changed.connect(self._playing_changed)
        model.result_changed.connect(self._show_position)
        model.inputs_changed.connect(self._show_speed)
        self._show_speed()
        self._show_position()

    def full_width(self) -> float:
        """Width of the bar with the buttons' words beside their icons."""
        fm = QFontMetricsF(self.font())
        icon = self.play_button.iconSize().width()
        texts = [b.text() for b in self.step_buttons] + [self.all_button.text(), "Speed", "20 cells/s",
                                                         self._caption, "Export", "Pause"]
        return sum(fm.horizontalAdvance(t) for t in texts) + 6 * (icon + 18) + 160 + 60

    def fit(self) -> None:
        """When the words do not fit, the step buttons show their icons only (their tooltips and
        the keys still say what they do), so "Cell k of n" is never cut off."""
        compact = self.width() < self.full_width()
        style = Qt.ToolButtonStyle.ToolButtonIconOnly if compact else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        for b in self.step_buttons:
            b.setToolButtonStyle(style)
        self.play_button.setMinimumWidth(0 if compact else 80)
        self.speed_title.setVisible(not compact)
        self._fit_position()  # a new type (the picture's scale) may need the short caption

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()
        self._fit_position()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """The compact bar's width (icons only, no "Speed"), whichever way the bar shows now: its
        words must never make the window wider than the screen; `fit` drops them when they do not
        fit (issue 26: the 1×1×3 example pushed the window to 1,695 px)."""
        hint = super().minimumSizeHint()
        if self.speed_title.isHidden():
            return hint
        words = sum(max(b.minimumSizeHint().width(), b.minimumWidth()) - (b.iconSize().width() + 8)
                    for b in self.step_buttons)
        words += self.speed_title.minimumSizeHint().width() + max(0, self.layout().spacing())
        return QSize(max(0, hint.width() - words), hint.height())

    @Slot(int)
    def _speed_chosen(self, i: int) -> None:
        self.model.set_speed_index(i)
        self._show_speed()

    @Slot()
    def _show_speed(self) -> None:
        i = self.model.speed_index
        if self.speed_slider.value() != i:
            self.speed_slider.setValue(i)
        self.speed_label.setText(f"{format_number(SPEEDS[i])} cells/s")

    @Slot()
    def _show_position(self) -> None:
        self._show_speed()
        self._caption = self.model.step_caption()
        self.position_label.setToolTip(self._caption)
        self._fit_position()

    def _fit_position(self) -> None:
        """"Cell k of n: row r, column c", or only "Cell k of n" where the whole does not fit (the
        tooltip and the status line keep the whole): the caption is never cut mid-word."""
        caption, label = self._caption, self.position_label
        if label.isVisible() and ": " in caption:
            room = label.contentsRect().width()
            if QFontMetricsF(label.font()).horizontalAdvance(caption) > room:
                caption = caption.split(": ", 1)[0]
        if label.text() != caption:
            label.setText(caption)

    @Slot(bool)
    def _playing_changed(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        sp = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(sp))

    @Slot(bool)
    def set_busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)
