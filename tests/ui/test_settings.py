"""Settings: change them in the dialog, find them applied live and again after a restart."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from tests.helpers.fake_panels import NotesPanel
from visualizer.ui.shell import theme
from visualizer.ui.shell.main_window import MainWindow
from visualizer.ui.shell.settings import app_settings
from visualizer.ui.shell.settings import DEFAULTS, load_settings
from visualizer.ui.shell.settings_dialog import SettingsDialog


@pytest.fixture(autouse=True)
def _fresh_settings_and_theme(fresh_settings):
    yield
    theme.apply_theme("system")


def window_colour() -> int:
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness()


def start(qtbot) -> tuple[MainWindow, NotesPanel]:
    panel = NotesPanel()
    w = MainWindow(panels=[panel])
    qtbot.addWidget(w)
    return w, panel


def open_settings(qtbot, w: MainWindow) -> SettingsDialog:
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File -> Settings…
    qtbot.waitUntil(lambda: w.dialogs.settings is not None and w.dialogs.settings.isVisible())
    return w.dialogs.settings


def click(qtbot, dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> None:
    qtbot.mouseClick(dialog.buttons.button(which), Qt.MouseButton.LeftButton)


def test_settings_round_trip(qtbot, tmp_path):
    w, panel = start(qtbot)
    base = float(QApplication.instance().property("convviz_base_point_size"))
    assert panel.applied and panel.applied[-1]["theme"] == "system"  # applied at start
    dialog = open_settings(qtbot, w)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.font_scale.selectAll()
    qtbot.keyClicks(dialog.font_scale, "130")
    dialog.device.setCurrentIndex(dialog.device.findData("cpu"))
    mnist = tmp_path / "mnist"
    runs = tmp_path / "my runs"
    qtbot.keyClicks(dialog.mnist_dir.edit, str(mnist))
    qtbot.keyClicks(dialog.runs_dir.edit, str(runs))
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert not dialog.isVisible()

    # Applied live: palette, text size, pyqtgraph, and the panel was told.
    assert window_colour() < 80
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.3, rel=0.02)
    assert pg.getConfigOption("background") == theme.PLOT_COLOURS["dark"][0]
    assert panel.plot.backgroundBrush().color().name() == theme.PLOT_COLOURS["dark"][0]
    assert panel.applied[-1] == {"theme": "dark", "font_scale": 1.3, "default_device": "cpu",
                                 "mnist_dir": str(mnist), "runs_dir": str(runs)}
    w.close()

    theme.apply_theme("light")  # forget the look, so the restart must bring it back
    assert window_colour() > 180
    w2, panel2 = start(qtbot)
    assert panel2.applied[0] == {"theme": "dark", "font_scale": 1.3, "default_device": "cpu",
                                 "mnist_dir": str(mnist), "runs_dir": str(runs)}
    assert window_colour() < 80
    assert w2.display.font_scale == pytest.approx(1.3)
    assert w2.theme_actions["dark"].isChecked()
    w2.display.zoom_reset()
    assert QApplication.font().pointSizeF() == pytest.approx(base, rel=0.02)


def test_apply_keeps_the_dialog_open_and_light_theme_is_light(qtbot):
    theme.apply_theme("dark")
    w, panel = start(qtbot)
    dialog = open_settings(qtbot, w)
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Apply)
    assert dialog.isVisible()
    assert window_colour() > 180
    assert panel.applied[-1]["theme"] == "light"
    assert load_settings()["theme"] == "light"
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    assert not dialog.isVisible()


def test_bad_folder_is_explained_and_nothing_changes(qtbot, tmp_path):
    w, panel = start(qtbot)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    calls = len(panel.applied)
    dialog = open_settings(qtbot, w)
    qtbot.keyClicks(dialog.runs_dir.edit, str(a_file))
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert dialog.isVisible()  # not accepted
    assert dialog.error.isVisible() and "is a file, not a folder" in dialog.error.text()
    assert len(panel.applied) == calls
    assert load_settings()["runs_dir"] == ""
    dialog.runs_dir.edit.clear()
    qtbot.keyClicks(dialog.mnist_dir.edit, "relative/mnist")
    click(qtbot, dialog, QDialogButtonBox.StandardButton.Apply)
    assert "must be a full path" in dialog.error.text()
    dialog.reject()


def test_restore_defaults_fills_in_defaults(qtbot):
    w, _ = start(qtbot)
    dialog = open_settings(qtbot, w)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.font_scale.setValue(200)
    click(qtbot, dialog, QDialogButtonBox.StandardButton.RestoreDefaults)
    assert dialog.values() == DEFAULTS
    dialog.reject()


def test_mnist_note_says_whether_the_files_are_there(qtbot, tmp_path):
    dialog = SettingsDialog({"mnist_dir": str(tmp_path)})
    qtbot.addWidget(dialog)
    assert "is not in" in dialog.mnist_note.text()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / f"{name}.gz").write_bytes(b"")
    dialog.mnist_dir.edit.setText(str(tmp_path) + "/")
    assert "MNIST found" in dialog.mnist_note.text()


def test_stale_values_fall_back_to_defaults(qtbot):
    s = app_settings()
    s.setValue("settings/theme", "purple")
    s.setValue("view/font_scale", "huge")
    s.setValue("settings/default_device", "tpu")
    s.sync()
    assert load_settings() == DEFAULTS


def test_view_menu_theme_switch(qtbot):
    w, panel = start(qtbot)
    w.theme_actions["dark"].trigger()
    assert window_colour() < 80
    assert load_settings()["theme"] == "dark"
    assert panel.applied[-1]["theme"] == "dark"


def test_follow_the_system(qtbot, monkeypatch):
    monkeypatch.setattr(theme, "system_scheme", lambda: "dark")
    assert theme.apply_theme("system") == "dark"
    assert window_colour() < 80
    monkeypatch.setattr(theme, "system_scheme", lambda: "light")
    theme._follower().scheme_changed(Qt.ColorScheme.Light)  # the desktop switched back
    assert window_colour() > 180


def test_every_settings_control_is_labelled(qtbot):
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    for control in (dialog.theme, dialog.font_scale, dialog.device, dialog.mnist_dir.edit,
                    dialog.mnist_dir.browse, dialog.runs_dir.edit, dialog.runs_dir.browse):
        assert control.toolTip(), control
        assert control.accessibleName(), control
