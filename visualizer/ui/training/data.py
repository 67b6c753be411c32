"""The MNIST data box: where MNIST is (or what to do when it is missing), Choose data folder…,
Download MNIST with its progress bar and Cancel. The panel runs the download worker; this view
shows the state of the model's MnistSource."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from visualizer.ui.training.mnist_source import MnistSource


class DataBox(QGroupBox):
    def __init__(self, source: MnistSource, parent: QWidget | None = None) -> None:
        super().__init__("MNIST data", parent)
        self.source = source
        dv = QVBoxLayout(self)
        self.label = QLabel(self)
        self.label.setObjectName("data_status")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dv.addWidget(self.label)
        row = QHBoxLayout()
        self.choose_button = QPushButton("Choose data folder…", self)
        self.download_button = QPushButton("Download MNIST", self)
        self.download_button.setToolTip("Fetch the four MNIST files (about 11 MB) into the data folder")
        row.addWidget(self.choose_button)
        row.addWidget(self.download_button)
        dv.addLayout(row)
        drow = QHBoxLayout()
        self.bar = QProgressBar(self)
        self.bar.setObjectName("download_progress")
        self.cancel_button = QPushButton("Cancel", self)
        drow.addWidget(self.bar, 1)
        drow.addWidget(self.cancel_button)
        dv.addLayout(drow)
        self.bar.hide()
        self.cancel_button.hide()
        source.changed.connect(self._show_data)
        source.download_changed.connect(self._show_download)
        self._show_data()

    @Slot()
    def _show_data(self) -> None:
        self.label.setText(self.source.text)
        self.label.setToolTip(self.source.tip)

    @Slot()
    def _show_download(self) -> None:
        m = self.source
        self.download_button.setEnabled(not m.downloading)
        self.bar.setVisible(m.downloading)
        self.cancel_button.setVisible(m.downloading)
        self.cancel_button.setEnabled(m.downloading and not m.cancelling)
        if not m.downloading:
            return
        if m.cancelling:
            self.bar.setFormat("cancelling…")
        elif m.progress is None:
            self.bar.setRange(0, 0)
            self.bar.setFormat("connecting…")
        else:
            done, total, name = m.progress
            if total > 0:
                self.bar.setRange(0, 1000)
                self.bar.setValue(int(1000 * done / total))
                self.bar.setFormat(f"{name}: {done / 1e6:.1f} / {total / 1e6:.1f} MB")
            else:
                self.bar.setFormat(f"{name}: {done / 1e6:.1f} MB")
