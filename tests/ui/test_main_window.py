"""The main window: tabs, menus, shortcuts page, settings kept between starts."""

from __future__ import annotations

import os

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication

from visualizer.ui.shell.application import create_application
from visualizer.core import appdirs
from visualizer.ui.shell.main_window import MainWindow


def test_window_has_a_tab_per_tool(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert titles == ["Convolution", "Shapes", "Training", "Network"]
    menus = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert menus[0] == "File" and "View" in menus and menus[-1] == "Help"


def test_shortcuts_page_lists_actions(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    text = w.shortcuts_text()
    assert "F1" in text and "Keyboard shortcuts" in text
    assert "F5" in text and "Lecture mode" in text


def test_geometry_and_tab_restored(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.tabs.setCurrentIndex(2)
    w.display.set_font_scale(1.3)
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.tabs.currentIndex() == 2
    assert w2.size().width() == 700 and w2.size().height() == 500
    assert abs(w2.display.font_scale - 1.3) < 1e-6
    w2.display.set_font_scale(1.0)


def test_core_data_dir_matches_qt(qtbot):
    create_application()
    qt_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    # Organization "ConvViz" + application "ConvViz": Qt nests them; our core folder is the
    # outer one, so the two agree on the base whatever Qt appends.
    assert os.path.normpath(qt_dir).startswith(os.path.normpath(str(appdirs.app_data_dir())))
    assert QApplication.applicationName() == "ConvViz"


# --- the app shell with stand-in panels (independent of the real tool tabs) ------------------
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from tests.helpers.fake_panels import ArchitecturePanel, NotesPanel, TrainerPanel  # noqa: E402
from visualizer.ui.shell.session import CLEAN_SHUTDOWN_KEY  # noqa: E402
from visualizer.ui.shell.settings import app_settings


def show_active(qtbot, w: MainWindow) -> None:
    with qtbot.waitActive(w):
        w.show()
        w.activateWindow()


def test_train_request_hands_the_network_to_the_training_tab(qtbot, fresh_settings):
    nets, trainer = ArchitecturePanel(), TrainerPanel()
    w = MainWindow(panels=[nets, NotesPanel(), trainer])
    qtbot.addWidget(w)
    assert w.tabs.currentWidget() is nets
    arch = {"schema": "convviz.architecture", "version": 1, "name": "tiny",
            "input_shape": [1, 28, 28], "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]}
    nets.train_requested.emit(arch)
    assert trainer.received == [arch]
    assert w.tabs.currentWidget() is trainer
    assert "tiny" in w.statusBar().currentMessage() and "Trainer" in w.statusBar().currentMessage()


def test_train_request_without_a_training_tab_is_explained(qtbot, fresh_settings):
    nets = ArchitecturePanel()
    w = MainWindow(panels=[nets, NotesPanel()])
    qtbot.addWidget(w)
    nets.train_requested.emit({"name": "x"})
    assert w.tabs.currentWidget() is nets
    assert "no training tab" in w.statusBar().currentMessage()


def test_every_window_control_has_a_tooltip_and_an_accessible_name(qtbot, fresh_settings):
    notes = NotesPanel()
    w = MainWindow(panels=[notes, ArchitecturePanel()])
    qtbot.addWidget(w)
    own = [a for a in w.all_actions() if a not in notes.panel_actions()]
    assert len(own) >= 12
    for a in own:
        assert a.statusTip(), a.text()
        assert a.toolTip() and a.toolTip() != a.text().replace("&", ""), a.text()
    for i in range(w.tabs.count()):
        assert w.tabs.tabToolTip(i), w.tabs.tabText(i)
    assert w.tabs.tabToolTip(0).startswith("A fake tool with a text field")  # Panel.description
    for widget in (w, w.tabs, w.menuBar(), w.statusBar(), w.recovery_bar,
                   w.recovery_bar.restore_button, w.recovery_bar.discard_button, notes):
        assert widget.accessibleName(), widget
    for button in (w.recovery_bar.restore_button, w.recovery_bar.discard_button):
        w.recovery_bar.offer(["Notes"])
        assert button.toolTip()


def test_quit_shortcut_closes_and_marks_a_clean_shutdown(qtbot, fresh_settings):
    notes = NotesPanel()
    w = MainWindow(panels=[notes])
    qtbot.addWidget(w)
    show_active(qtbot, w)
    assert app_settings().value(CLEAN_SHUTDOWN_KEY) in (False, "false")
    qtbot.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not w.isVisible())
    assert notes.shut_down
    assert app_settings().value(CLEAN_SHUTDOWN_KEY) in (True, "true")


def test_lecture_mode_gives_back_the_users_text_size(qtbot, fresh_settings):
    notes = NotesPanel()
    w = MainWindow(panels=[notes])
    qtbot.addWidget(w)
    w.display.set_font_scale(1.1)
    w.lecture_action.trigger()
    assert notes.lecture == [True] and w.display.font_scale == pytest.approx(1.5)
    w.lecture_action.trigger()
    assert notes.lecture == [True, False] and w.display.font_scale == pytest.approx(1.1)
    assert not w.isFullScreen()
    w.display.zoom_reset()


def test_zoom_shortcuts_do_not_compound_across_windows(qtbot, fresh_settings):
    w = MainWindow(panels=[NotesPanel()])
    qtbot.addWidget(w)
    base = float(QApplication.instance().property("convviz_base_point_size"))
    assert QApplication.font().pointSizeF() == pytest.approx(base)
    show_active(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert w.display.font_scale == pytest.approx(1.15)
    w.close()
    w2 = MainWindow(panels=[NotesPanel()])
    qtbot.addWidget(w2)
    assert w2.display.font_scale == pytest.approx(1.15)
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.15, rel=0.02)
    w2.display.zoom_reset()
    assert QApplication.font().pointSizeF() == pytest.approx(base, rel=0.02)


def test_open_log_folder_makes_it_and_opens_it(qtbot, fresh_settings, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from visualizer.core import appdirs as core_appdirs

    opened = []
    monkeypatch.setattr(core_appdirs, "log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or False)
    w = MainWindow(panels=[NotesPanel()])
    qtbot.addWidget(w)
    w.log_folder_action.trigger()
    assert (tmp_path / "logs").is_dir()
    assert opened == [str(tmp_path / "logs")]
    assert str(tmp_path / "logs") in w.statusBar().currentMessage()  # no file manager: say where


def test_the_real_shapes_tab_hands_its_network_to_the_real_training_tab(qtbot, fresh_settings):
    from PySide6.QtWidgets import QAbstractButton

    w = MainWindow()
    qtbot.addWidget(w)
    shapes, training = w.panels[1], w.panels[2]
    w.tabs.setCurrentWidget(shapes)
    button = shapes.findChild(QAbstractButton, "train_button")
    assert button is not None, "the Shapes tab has no button named 'train_button'"
    assert button.text().replace("&", "") == "Train this network"
    with qtbot.waitSignal(shapes.train_requested, timeout=5000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.tabs.currentWidget() is training
    assert w.statusBar().currentMessage() == "Network mnist-net1 handed to the Training tab"  # once, by the window


def test_no_shortcut_is_ambiguous(qtbot, fresh_settings):
    """Window-wide shortcuts are unique, and no tool's shortcut takes one of them (Qt would then
    treat the key as ambiguous and do nothing). Tools may reuse each other's keys: theirs only work
    while their tab shows."""
    w = MainWindow()
    qtbot.addWidget(w)
    panel_actions = {id(a) for p in w.panels for a in p.panel_actions()}
    window_wide: dict[str, str] = {}
    for a in w.all_actions():
        scoped = id(a) in panel_actions and a.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
        if scoped:
            continue
        for key in a.shortcuts():
            text = key.toString()
            assert text not in window_wide, f"{text}: {window_wide[text]!r} and {a.text()!r}"
            window_wide[text] = a.text()
    for p in w.panels:
        for a in p.panel_actions():
            for key in a.shortcuts():
                if id(a) in panel_actions and a.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut:
                    assert key.toString() not in window_wide, f"{p.title}: {a.text()!r} takes {key.toString()}"
