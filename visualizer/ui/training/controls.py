"""The run bar: Start / Pause / Stop, the progress bar and text, the experiment's "run k of n",
the device in use and the message line. It shows the model's running state; the buttons are
connected by the panel, which starts and stops the worker."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from visualizer.ui.training.model import TrainingModel


class ControlBar(QGroupBox):
    def __init__(self, model: TrainingModel, parent: QWidget | None = None) -> None:
        super().__init__("Run", parent)
        self.model = model
        cv = QVBoxLayout(self)
        brow = QHBoxLayout()
        self.start_button = QPushButton("Start", self)
        self.start_button.setObjectName("start")
        self.start_button.setToolTip("Start training (Ctrl+Return)")
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setObjectName("pause")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stop")
        for b in (self.start_button, self.pause_button, self.stop_button):
            brow.addWidget(b)
        cv.addLayout(brow)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("%p %")
        cv.addWidget(self.progress)
        self.progress_label = QLabel("Not running.", self)
        self.progress_label.setObjectName("progress_text")
        self.progress_label.setWordWrap(True)
        cv.addWidget(self.progress_label)
        self.queue_label = QLabel(self)
        self.queue_label.setObjectName("experiment_progress")
        self.queue_label.setWordWrap(True)  # a long experiment or sweep line never widens the column
        self.queue_label.hide()
        cv.addWidget(self.queue_label)
        self.device_label = QLabel(self)
        self.device_label.setObjectName("device_in_use")
        self.device_label.setWordWrap(True)
        cv.addWidget(self.device_label)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("message")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #c0392b;")
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        cv.addWidget(self.message_label)
        # progress text and bar: four times a second, whatever the trainer's pace
        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self._tick)
        model.state_changed.connect(self._state_changed)
        model.progress_changed.connect(self._show_progress)
        model.queue_changed.connect(self._show_queue)
        model.message_changed.connect(self._show_message)
        self._state_changed(model.state)
        self._show_progress()

    @Slot()
    def _tick(self) -> None:
        self.model.tick_progress()

    @Slot(str)
    def _state_changed(self, state: str) -> None:
        running = state != "idle"
        active = running and state != "stopping"
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(active)
        self.stop_button.setEnabled(active)
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        if running and not self.timer.isActive():
            self.timer.start()
        elif not running:
            self.timer.stop()
        self._show_progress()

    @Slot()
    def _show_progress(self) -> None:
        m = self.model
        self.progress.setValue(int(round(1000 * m.progress)))
        self.progress_label.setText(m.progress_text)
        self.device_label.setText(m.device_text)

    @Slot()
    def _show_queue(self) -> None:
        self.queue_label.setText(self.model.queue_text)
        self.queue_label.setVisible(bool(self.model.queue_text))

    @Slot(str)
    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))
