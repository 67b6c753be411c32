"""The Shapes tab whole in lecture mode's large type (issue 26): its bars wrap onto more rows rather
than widen the window, every control stays shown and readable, and leaving lecture mode gives the
desktop look back."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from tests.helpers.gui import show_active
from visualizer.ui.shapes.panel import ShapesPanel
from visualizer.ui.shell.layout_report import clipped_widgets


def _settle(qtbot, widget: QWidget) -> None:
    for _ in range(3):  # a wrapped row changes the bar's minimum height: one more layout pass
        QApplication.processEvents()
        widget.layout().activate()
    qtbot.wait(10)


def test_lecture_type_wraps_the_network_bar_and_cuts_nothing(qtbot):
    panel = show_active(qtbot, ShapesPanel(), (1000, 740))
    panel.load_preset("mnist-net1")
    panel.set_lecture_mode(True)
    font = QFont(panel.font())
    font.setPointSizeF(font.pointSizeF() * 2.2)  # F5 and Ctrl+plus ×3, about
    panel.setFont(font)
    _settle(qtbot, panel)
    assert panel.minimumSizeHint().width() <= 1000
    bar = panel.network_bar
    assert bar.height() > 2 * bar.preset_combo.height()  # it wrapped
    for w in (bar.preset_combo, *bar.input_spins, panel.verify_button, panel.export_button,
              panel.train_button, panel.diagram_page.zoom_fit_button):
        assert w.isVisible()
        assert panel.rect().contains(QRect(w.mapTo(panel, w.rect().topLeft()), w.size())), w.text()
    assert panel.train_button.mapTo(panel, panel.train_button.rect().topLeft()).y() > bar.preset_combo.y()
    assert clipped_widgets(panel) == []  # the combo shows 'mnist-net1' whole, no button text is cut
    # the other lower tab: its bar wraps too, its summary keeps its wrapped lines, its input box its hint
    panel.lower_tabs.setCurrentWidget(panel.check_view)
    _settle(qtbot, panel)
    assert clipped_widgets(panel) == []
    edit = panel.check_view.input_edit
    assert edit.width() > edit.fontMetrics().horizontalAdvance(edit.placeholderText())


def test_leaving_lecture_mode_gives_the_buttons_their_short_names_back(qtbot):
    panel = show_active(qtbot, ShapesPanel(), (1000, 740))
    before = panel.minimumSizeHint().width()
    panel.set_lecture_mode(True)
    panel.set_lecture_mode(False)  # enabling the actions again once renamed the buttons "Add layer", …
    _settle(qtbot, panel)
    assert panel.add_button.text() == "Add"
    assert panel.add_action.text() == "&Add layer"  # the menu keeps the whole name
    assert panel.minimumSizeHint().width() == before
    assert clipped_widgets(panel) == []
