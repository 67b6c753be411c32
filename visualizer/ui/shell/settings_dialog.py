"""Settings: theme, text size, default device, MNIST folder and runs folder, kept in QSettings.

`visualizer.ui.shell.settings` reads and writes the values; `SettingsDialog` edits them and
emits `settings_applied(dict)` on Apply and OK, which the main window passes to every panel through
`Panel.apply_settings` (the keys are documented there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from visualizer.core.devices import DEVICE_CHOICES as DEVICES, DEVICE_LABELS, cached_devices
from visualizer.core.mnist import mnist_folder
from visualizer.ui.shell.settings import (
    DEFAULTS,
    FONT_SCALE_RANGE,
    clean_settings,
    effective_mnist_dir,
    effective_runs_dir,
    load_settings,
    save_settings,
    folder_problem,
    validate,
)
from visualizer.ui.shell.theme import THEME_LABELS, THEMES

def _device_missing(device: str) -> bool:
    """True only when the device probe (run at start, off the GUI thread) said it is absent;
    never imports torch here."""
    report = cached_devices()
    return report is not None and not report.has(device)


class _FolderField(QWidget):
    """A path line edit with a Browse… button; empty means the default shown as placeholder."""

    changed = Signal()

    def __init__(self, name: str, default: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(f"Default: {default}")
        self.edit.setClearButtonEnabled(True)
        self.edit.setObjectName(f"{name.replace(' ', '_')}_edit")
        self.edit.setAccessibleName(name)
        self.edit.setToolTip(f"The {name}. Leave empty to use the default:\n{default}")
        self.browse = QPushButton("Browse…", self)
        self.browse.setAccessibleName(f"Choose the {name}")
        self.browse.setToolTip(f"Choose the {name} with a folder dialog")
        self.browse.clicked.connect(self.choose)
        self.edit.textChanged.connect(self.changed)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    @Slot()
    def choose(self) -> None:
        start = self.text() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, f"Choose the {self.name}", start)
        if folder:
            self.edit.setText(folder)


class SettingsDialog(QDialog):
    """Edits the app-wide settings; Apply and OK save them and emit `settings_applied`."""

    settings_applied = Signal(dict)

    def __init__(self, values: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("SettingsDialog")
        self.setAccessibleName("ConvViz settings")
        self.setMinimumWidth(560)

        self.theme = QComboBox(self)
        for key in THEMES:
            self.theme.addItem(THEME_LABELS[key], key)
        self.theme.setAccessibleName("Theme")
        self.theme.setToolTip("Light or dark colours; 'Follow the system' uses your desktop's choice")

        self.font_scale = QSpinBox(self)
        self.font_scale.setRange(int(FONT_SCALE_RANGE[0] * 100), int(FONT_SCALE_RANGE[1] * 100))
        self.font_scale.setSingleStep(10)
        self.font_scale.setSuffix(" %")
        self.font_scale.setAccessibleName("Text size")
        self.font_scale.setToolTip("Size of all text in percent of normal (also Ctrl+plus / Ctrl+minus)")

        self.device = QComboBox(self)
        for key in DEVICES:
            label = DEVICE_LABELS[key]
            if _device_missing(key):
                label += " — not available here"
            self.device.addItem(label, key)
        self.device.setAccessibleName("Default device")
        self.device.setToolTip("Where training runs unless you choose otherwise in the Training tab")

        self.mnist_dir = _FolderField("MNIST data folder", effective_mnist_dir({}), self)
        self.runs_dir = _FolderField("runs folder", effective_runs_dir({}), self)
        self.mnist_note = QLabel(self)
        self.mnist_note.setWordWrap(True)
        self.mnist_note.setAccessibleName("MNIST folder status")
        self.device_note = QLabel(self)
        self.device_note.setWordWrap(True)
        self.device_note.setAccessibleName("Device status")

        appearance = QGroupBox("Appearance", self)
        form = QFormLayout(appearance)
        form.addRow("&Theme:", self.theme)
        form.addRow("Te&xt size:", self.font_scale)
        training = QGroupBox("Training", self)
        form = QFormLayout(training)
        form.addRow("Default &device:", self.device)
        form.addRow("", self.device_note)
        folders = QGroupBox("Folders (leave empty for the default)", self)
        form = QFormLayout(folders)
        form.addRow("&MNIST folder:", self.mnist_dir)
        form.addRow("", self.mnist_note)
        form.addRow("&Runs folder:", self.runs_dir)

        self.error = QLabel(self)
        self.error.setObjectName("settings_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d03030; font-weight: bold;")
        self.error.setAccessibleName("Settings problems")
        self.error.hide()

        self._build_buttons()

        layout = QVBoxLayout(self)
        for box in (appearance, training, folders):
            layout.addWidget(box)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.mnist_dir.changed.connect(self._update_notes)
        self.device.currentIndexChanged.connect(self._update_notes)
        self.set_values(values if values is not None else load_settings())
        QWidget.setTabOrder(self.theme, self.font_scale)
        QWidget.setTabOrder(self.font_scale, self.device)
        QWidget.setTabOrder(self.device, self.mnist_dir.edit)
        QWidget.setTabOrder(self.mnist_dir.edit, self.mnist_dir.browse)
        QWidget.setTabOrder(self.mnist_dir.browse, self.runs_dir.edit)
        QWidget.setTabOrder(self.runs_dir.edit, self.runs_dir.browse)

    def _build_buttons(self) -> None:
        """OK, Cancel, Apply and Restore defaults, each with a tooltip and an accessible name."""
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        tips = {
            QDialogButtonBox.StandardButton.Ok: "Save and apply the settings, then close",
            QDialogButtonBox.StandardButton.Cancel: "Close without changing anything not yet applied",
            QDialogButtonBox.StandardButton.Apply: "Save and apply the settings now",
            QDialogButtonBox.StandardButton.RestoreDefaults: "Put every field back to its default",
        }
        for which, tip in tips.items():
            button = self.buttons.button(which)
            button.setToolTip(tip)
            button.setAccessibleName(button.text().replace("&", ""))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.clicked.connect(self._button_clicked)

    # -- values ----------------------------------------------------------------------------
    def set_values(self, values: dict[str, Any]) -> None:
        v = clean_settings(values)
        self.theme.setCurrentIndex(self.theme.findData(v["theme"]))
        self.font_scale.setValue(round(v["font_scale"] * 100))
        self.device.setCurrentIndex(self.device.findData(v["default_device"]))
        self.mnist_dir.setText(v["mnist_dir"])
        self.runs_dir.setText(v["runs_dir"])
        self._update_notes()

    def values(self) -> dict[str, Any]:
        return {
            "theme": self.theme.currentData(),
            "font_scale": self.font_scale.value() / 100.0,
            "default_device": self.device.currentData(),
            "mnist_dir": self.mnist_dir.text(),
            "runs_dir": self.runs_dir.text(),
        }

    @Slot()
    def _update_notes(self) -> None:
        folder = effective_mnist_dir({"mnist_dir": self.mnist_dir.text()})
        if folder_problem(self.mnist_dir.text(), "MNIST folder"):
            self.mnist_note.setText("")
        elif mnist_folder(folder) is not None:
            self.mnist_note.setText(f"MNIST found in {folder}.")
        else:
            self.mnist_note.setText(
                f"MNIST is not in {folder} yet: use “Download MNIST” in the Training tab, "
                "or choose a folder that holds the four MNIST files."
            )
        device = self.device.currentData()
        if _device_missing(device):
            self.device_note.setText(
                f"{DEVICE_LABELS[device]} is not available on this computer; training will say so "
                "and you can pick another device there."
            )
        else:
            self.device_note.setText("")
        self.device_note.setVisible(bool(self.device_note.text()))

    # -- buttons ---------------------------------------------------------------------------
    @Slot(QAbstractButton)
    def _button_clicked(self, button: QAbstractButton) -> None:
        role = self.buttons.standardButton(button)
        if role == QDialogButtonBox.StandardButton.Apply:
            self.apply()
        elif role == QDialogButtonBox.StandardButton.RestoreDefaults:
            self.set_values(DEFAULTS)

    def apply(self) -> bool:
        """Validate, save and announce the settings; False (with the reason shown) if invalid."""
        values = self.values()
        problems = validate(values)
        if problems:
            self.error.setText("\n".join(problems))
            self.error.show()
            return False
        self.error.hide()
        saved = save_settings(values)
        self.settings_applied.emit(saved)
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()


if __name__ == "__main__":
    import sys

    from visualizer.ui.shell.application import create_application
    from visualizer.ui.shell.theme import apply_theme

    _app = create_application()
    _dialog = SettingsDialog()
    apply_theme(_dialog.values()["theme"])
    _dialog.settings_applied.connect(lambda v: apply_theme(v["theme"]))
    _dialog.show()
    sys.exit(_app.exec())
