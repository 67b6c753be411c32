"""The Training tab whole on a 1024×768 screen and in lecture mode's type (issue 26, item 1): the
bars wrap instead of widening the tab, the left column grows with its type, nothing is cut.
(tests/ui/test_layout.py judges the whole window through `convviz snapshot`; these look at the
tab's own parts, quickly.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QWidget

from visualizer.ui.shell.display import LECTURE_SCALE, ZOOM_STEP
from visualizer.ui.shell.layout_report import clipped_widgets
from visualizer.ui.training.panel import TrainingPanel


@pytest.fixture
def panel(qtbot, tmp_path):
    p = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(p)
    yield p
    p.shutdown()


def show_at(qtbot, panel, width: int, height: int, scale: float) -> None:
    font = QApplication.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    panel.setFont(font)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.width() == width)


# the tab's share of a 1024×768 screen: the window's frame, menu, tabs and status line aside
TAB = (1016, 680)


@pytest.mark.parametrize("lecture, scale", [(False, 1.0), (True, LECTURE_SCALE),
                                            (True, LECTURE_SCALE * ZOOM_STEP ** 3)])
def test_the_tab_fits_1024_wide_with_nothing_cut(qtbot, panel, lecture, scale):
    panel.set_lecture_mode(lecture)
    show_at(qtbot, panel, *TAB, scale)
    assert panel.minimumSizeHint().width() <= TAB[0]
    # every control still shown (nothing hidden to fit), and none of them cut
    for w in (panel.plots.options.x_combo, panel.plots.options.log_checks["epoch"], panel.runs.export_plots_button,
              panel.experiments.combo, panel.experiments.run_button, panel.controls.stop_button):
        assert w.isVisible(), w
    qtbot.waitUntil(lambda: clipped_widgets(panel) == [])
    # the experiment's name whole in its box; the bars wrapped inside their panes
    assert panel.experiments.combo.currentText() == "learning rates"
    for bar in (panel.plots.options, panel.runs.button_row):
        for child in bar.findChildren(QWidget):
            if child.isVisible():
                assert bar.rect().contains(QRect(child.mapTo(bar, QPoint(0, 0)), child.size())), child


def test_the_left_column_grows_with_the_lecture_type_and_back(qtbot, panel):
    show_at(qtbot, panel, *TAB, 1.0)
    desktop = panel.left_scroll.minimumSizeHint().width()
    panel.set_lecture_mode(True)  # the form steps aside: the experiments box is the column's content
    show_at(qtbot, panel, *TAB, LECTURE_SCALE)
    f5 = panel.left_scroll.minimumSizeHint().width()
    show_at(qtbot, panel, *TAB, LECTURE_SCALE * ZOOM_STEP ** 3)  # Ctrl+plus three times
    zoomed = panel.left_scroll.minimumSizeHint().width()
    assert zoomed > f5
    # the column holds the experiments box at its large type: nothing cut at the side
    content = panel.left_scroll.widget()
    qtbot.waitUntil(lambda: panel.left_scroll.width() >= zoomed)
    assert content.minimumSizeHint().width() <= content.width() <= panel.left_scroll.viewport().width()
    panel.set_lecture_mode(False)
    show_at(qtbot, panel, *TAB, 1.0)
    # back at the desktop type the column asks for its desktop width again
    assert panel.left_scroll.minimumSizeHint().width() == desktop
