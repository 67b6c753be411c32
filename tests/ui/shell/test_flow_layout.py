"""The wrapping row of controls both the Shapes and the Training tab use for their bars: it wraps
what does not fit, growing items share the rest of a line, an Ignored item asks only its minimum,
and the height its lines took is its minimum height (a splitter cannot squeeze a second line)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from tests.helpers.gui import show_active
from visualizer.ui.shell.flow_layout import FlowLayout, side_by_side


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


def boxes(n: int, width: int = 100, height: int = 20) -> list[QWidget]:
    items = []
    for _ in range(n):
        item = QWidget()
        item.setFixedSize(width, height)
        items.append(item)
    return items


def test_a_flow_layout_wraps_its_items_and_is_as_narrow_as_its_widest(qtbot):
    box = QWidget()
    flow = FlowLayout(box, spacing=10, line_spacing=10)
    for item in boxes(3):
        flow.addWidget(item)
    show_active(qtbot, box, (400, 100))
    assert flow.minimumSize().width() == 100
    assert flow.sizeHint() == QSize(320, 20)
    assert flow.heightForWidth(320) == 20  # one row
    assert flow.heightForWidth(250) == 50  # two rows, 10 px apart
    assert flow.heightForWidth(100) == 80  # one item a row
    flow.setGeometry(QRect(0, 0, 250, 50))
    assert [flow.itemAt(i).geometry().topLeft().toTuple() for i in range(3)] == [(0, 0), (110, 0), (0, 30)]
    assert flow.minimumSize().height() == 50  # the rows it took are its height from now on


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


def test_an_ignored_item_asks_only_its_minimum_to_stay_on_a_line_and_takes_the_rest(qtbot):
    first, last = boxes(2)
    label = QLabel("a long caption that elides itself rather than push the next box away")
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(50)
    host = flow_of(qtbot, 100 + 6 + 50 + 6 + 100, first, label, last)
    flow = host.layout()
    assert flow.lines(262) == [[flow.itemAt(0), flow.itemAt(1), flow.itemAt(2)]]
    assert label.width() == 50
    host.resize(300, flow.heightForWidth(300))
    flow.activate()
    assert label.width() == 88 and last.x() == 100 + 6 + 88 + 6  # the 38 px spare go to the label
    # one pixel less: the last box goes to a second line and the label takes the first line's rest
    assert flow.lines(261) == [[flow.itemAt(0), flow.itemAt(1)], [flow.itemAt(2)]]
    host.resize(261, flow.heightForWidth(261))
    flow.activate()
    assert label.width() == 261 - 106 and last.pos().toTuple() == (0, 20 + 4)


def test_the_height_the_lines_took_is_the_minimum_height_until_the_next_width(qtbot):
    host = QWidget()
    flow = FlowLayout(host)  # 6 px between items, 4 between lines
    for item in boxes(3):
        flow.addWidget(item)
    show_active(qtbot, host, (400, 100))
    assert flow.heightForWidth(212) == 20 + 4 + 20
    flow.setGeometry(QRect(0, 0, 100, 68))
    assert flow.minimumSize().height() == 3 * 20 + 2 * 4
    assert host.minimumSizeHint().height() == 68  # what a splitter or a short pane sees
    flow.setGeometry(QRect(0, 0, 400, 68))  # wide again: one line, and a lower minimum
    assert flow.minimumSize().height() == 20
    assert flow.spacing() == 6
    flow.setSpacing(200)
    assert flow.spacing() == 200 and flow.heightForWidth(400) == 20 + 4 + 20


def test_side_by_side_keeps_its_widgets_together_and_fixed_keeps_its_width(qtbot):
    def group(fixed: bool) -> QWidget:
        return side_by_side(None, QLabel("Input:"), QLineEdit("1×28×28"), spacing=4, fixed=fixed)

    fixed, loose = group(True), group(False)
    assert fixed.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Fixed
    assert loose.sizeHint() == fixed.sizeHint()
    # in a pane narrower than the group: the fixed one keeps its width (the flow is as wide), the
    # loose one shrinks towards its widgets' minimum
    fixed_host, loose_host = flow_of(qtbot, 40, fixed), flow_of(qtbot, 40, loose)
    assert fixed_host.layout().minimumSize().width() == fixed.width() == fixed.sizeHint().width()
    assert loose_host.layout().minimumSize().width() == loose.width() < loose.sizeHint().width()
    label, edit = fixed.findChildren(QLabel)[0], fixed.findChildren(QLineEdit)[0]
    assert edit.x() == label.x() + label.width() + 4  # side by side, 4 px apart, in one item
