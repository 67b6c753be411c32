"""The Training tab whole on a 1024×768 screen and in lecture mode's type (issue 26, item 1): the
bars wrap instead of widening the tab, the left column grows with its type, nothing is cut.
(tests/ui/test_layout.py judges the whole window through `convviz snapshot`; these look at the
tab's own parts, quickly.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QSizePolicy, QWidget

from visualizer.ui.shell.display import LECTURE_SCALE, ZOOM_STEP
from visualizer.ui.shell.layout_report import clipped_widgets
from visualizer.ui.training.flow_layout import FlowLayout
from visualizer.ui.training.panel import TrainingPanel


def flow_of(qtbot, width: int, *widgets: QWidget) -> QWidget:
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host)
    for w in widgets:
        flow.addWidget(w)
    host.resize(width, flow.heightForWidth(width))
    host.show()
    qtbot.waitExposed(host)
    return host


def test_a_flow_wraps_what_does_not_fit_and_the_growing_item_takes_the_rest(qtbot):
    buttons = [QPushButton(f"Button number {i}") for i in range(4)]
    label = QLabel("…")
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    one_line = sum(b.sizeHint().width() for b in buttons) + label.sizeHint().width() + 4 * 6
    host = flow_of(qtbot, one_line + 100, buttons[0], label, *buttons[1:])
    # wide enough: one line, the label takes the 100 px left over
    assert len({b.geometry().top() for b in buttons}) == 1
    assert label.width() == label.sizeHint().width() + 100
    # half as wide: more lines, the host taller, every button whole inside it, none overlapping
    narrow = one_line // 2
    host.resize(narrow, host.layout().heightForWidth(narrow))
    host.layout().activate()
    tops = sorted({b.geometry().top() for b in buttons})
    assert len(tops) >= 2 and host.height() > buttons[0].height() * len(tops)
    for b in buttons:
        assert host.rect().contains(b.geometry()) and b.width() == b.sizeHint().width()
    for a in buttons:
        for b in buttons:
            assert a is b or not a.geometry().intersects(b.geometry())
    # never narrower than its widest item
    assert host.layout().minimumSize().width() == max(b.minimumSizeHint().width() for b in buttons)


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
