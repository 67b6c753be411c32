"""The main window: tabs, menus, shortcuts page, settings kept between starts."""

from __future__ import annotations

import os

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication

from visualizer.app import create_application
from visualizer.core import appdirs
from visualizer.ui.main_window import MainWindow


def test_window_has_a_tab_per_tool(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert titles == ["Convolution", "Shapes", "Training"]
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
    w.set_font_scale(1.3)
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert w2.tabs.currentIndex() == 2
    assert w2.size().width() == 700 and w2.size().height() == 500
    assert abs(w2.font_scale - 1.3) < 1e-6
    w2.set_font_scale(1.0)


def test_core_data_dir_matches_qt(qtbot):
    create_application()
    qt_dir = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    # Organization "ConvViz" + application "ConvViz": Qt nests them; our core folder is the
    # outer one, so the two agree on the base whatever Qt appends.
    assert os.path.normpath(qt_dir).startswith(os.path.normpath(str(appdirs.app_data_dir())))
    assert QApplication.applicationName() == "ConvViz"
