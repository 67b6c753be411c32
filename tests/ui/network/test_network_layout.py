"""The Network tab's panes at lecture type on a small screen (issue 26): the maps pane's colour-bar
numbers go under the bar's ends when they do not fit beside it; the opened map's pictures share the
pane's width and their heads wrap rather than run into each other."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout, QWidget

from visualizer.ui.network.maps import MIN_WIDTH, MapsCanvas
from visualizer.ui.network.model import NetworkModel
from visualizer.ui.network.opened import GAP, HEADS, TILE, PartsCanvas
from visualizer.ui.shell.layout_report import layout_report

NARROW = 280  # px: about the maps pane at lecture zoom 3 on a 1024 px screen


def shown(qtbot, canvas, width: int, point_size: float):
    """`canvas` shown `width` px wide (600 tall) with its type at `point_size`."""
    qtbot.addWidget(canvas)
    font = QFont(canvas.font())
    font.setPointSizeF(point_size)
    canvas.setFont(font)
    canvas.resize(width, 600)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def shown_canvas(qtbot, model: NetworkModel, width: int, point_size: float) -> MapsCanvas:
    canvas = shown(qtbot, MapsCanvas(model), width, point_size)
    canvas.relayout()
    canvas.resize(width, canvas.minimumHeight())
    return canvas


def is_blue(c: QColor) -> bool:
    return c.blue() > c.red() + 60


def is_red(c: QColor) -> bool:
    return c.red() > c.blue() + 60


def test_colour_bar_numbers_go_under_the_bar_in_a_narrow_pane(qtbot, net1_model):
    model = net1_model
    fc1 = next(i for i, la in enumerate(model.acts.layers) if la.name == "fc1")
    canvas = shown_canvas(qtbot, model, 271, 20)  # the 1024×768 maps pane at lecture zoom 3
    fm = QFontMetrics(canvas.font())
    left, right = canvas._scale_words_of(fc1)
    assert left.startswith("−") and right.startswith("+")
    # beside a 24 px bar these numbers would not fit the pane
    assert fm.horizontalAdvance(left) + 24 + fm.horizontalAdvance(right) + 16 > canvas.width() - 8
    block = canvas.blocks[fc1]
    assert block.numbers is not None
    assert block.numbers.top() >= block.bar.bottom()  # under the bar ...
    assert block.numbers.left() == block.bar.left() and block.numbers.right() == block.bar.right()  # ... at its ends
    assert block.numbers.right() <= canvas.width() and fm.horizontalAdvance(left + right) + 8 <= block.numbers.width()
    assert block.tiles[0].top() >= block.numbers.bottom() - 2  # the cells start below the numbers
    assert canvas.layout_problems() == []
    shot = canvas.grab().toImage()
    y = int(block.bar.center().y())
    assert is_blue(shot.pixelColor(int(block.bar.left()) + 3, y))
    assert is_red(shot.pixelColor(int(block.bar.right()) - 3, y))
    # some ink of the numbers under each end of the bar
    row = [shot.pixelColor(x, y2) for y2 in range(int(block.numbers.top()), int(block.numbers.bottom()))
           for x in (int(block.numbers.left()) + fm.horizontalAdvance(left) // 2,
                     int(block.numbers.right()) - fm.horizontalAdvance(right) // 2)]
    assert any(c.lightness() < 100 for c in row)


def test_colour_bar_numbers_stay_beside_the_bar_where_they_fit(qtbot, net1_model):
    model = net1_model
    canvas = shown_canvas(qtbot, model, 700, 10)
    assert all(b.numbers is None for b in canvas.blocks)
    fm = QFontMetrics(canvas.font())
    for b in canvas.blocks:
        left, right = canvas._scale_words(b)
        assert b.bar.left() - fm.horizontalAdvance(left) - 4 >= 0 and b.bar.right() + fm.horizontalAdvance(right) < 700
    assert canvas.layout_problems() == []


def test_numbers_too_wide_for_one_line_take_two_under_the_bar(qtbot, net1_model):
    model = net1_model
    fc1 = next(i for i, la in enumerate(model.acts.layers) if la.name == "fc1")
    canvas = shown_canvas(qtbot, model, 271, 27)
    fm = QFontMetrics(canvas.font())
    left, right = canvas._scale_words_of(fc1)
    block = canvas.blocks[fc1]
    assert fm.horizontalAdvance(left + right) + 8 > block.numbers.width()  # not on one line
    assert block.numbers.height() >= 2 * fm.height()  # so on two
    assert block.tiles[0].top() >= block.numbers.bottom() - 2
    assert canvas.layout_problems() == []


def shown_parts(qtbot, model: NetworkModel, width: int, point_size: float) -> PartsCanvas:
    canvas = shown(qtbot, PartsCanvas(model), width, point_size)
    canvas.refresh()
    return canvas


def test_the_opened_maps_pictures_grow_with_the_pane_and_their_heads_fit(qtbot, net1_model):
    conv2 = next(i for i, la in enumerate(net1_model.acts.layers) if la.name == "conv2")
    net1_model.open_map(conv2, 2)
    narrow = shown_parts(qtbot, net1_model, 312, 20)  # the 1024×768 pane at lecture zoom 3
    fm = QFontMetrics(narrow.font())
    assert sum(fm.horizontalAdvance(h) for h in HEADS) > 312 - 40  # the heads on one line each would touch
    assert narrow.layout_problems() == []
    tiles = [r for kind, _c, r in narrow.cells if kind != "total"][:3]
    assert all(a.right() + GAP <= b.left() + 0.5 for a, b in zip(tiles, tiles[1:]))
    assert tiles[-1].right() <= narrow.width()
    wide = shown_parts(qtbot, net1_model, 520, 9)
    wide_tiles = [r for kind, _c, r in wide.cells][:3]
    assert wide_tiles[0].width() > 1.5 * TILE  # bigger pictures where the pane has room
    assert wide_tiles[-1].right() <= wide.width()
    assert wide.layout_problems() == []
    total = next(r for kind, _c, r in wide.cells if kind == "total")
    assert wide.total_rect.bottom() <= total.top()  # the Σ line above the sum's picture


def test_the_backward_bar_fits_a_narrow_maps_pane_at_lecture_type(qtbot, net1_model):
    """Maps: Both at lecture type in the narrow maps pane of a 1024 px screen: the class's box goes
    under its words, the hand-over button takes its short words, and Forward and Backward scroll
    sideways in their pane; in one row the bar made the window 1,686 px wide."""
    from visualizer.ui.network.backward import NetworkBackward
    from visualizer.ui.network.backward_view import BackwardBar
    from visualizer.ui.network.maps import LayerMapsView

    maps = LayerMapsView(net1_model)
    backward = NetworkBackward(net1_model)
    bar = BackwardBar(backward, maps)
    box = QWidget()
    col = QVBoxLayout(box)
    col.setContentsMargins(0, 0, 0, 0)
    col.addWidget(bar)
    col.addWidget(maps, 1)
    qtbot.addWidget(box)
    bar.mode_combo.setCurrentIndex(bar.mode_combo.findData("both"))
    box.resize(700, 700)
    box.show()
    qtbot.waitExposed(box)
    qtbot.waitUntil(lambda: bar.target_row.direction() == QBoxLayout.Direction.LeftToRight)
    assert bar.explorer_button.text() == "Open backward in Convolution explorer"  # room for the whole words
    first_row = bar.mode_combo.geometry().top()
    assert bar.class_combo.geometry().top() > first_row  # the class on a row of its own, not beside the maps box
    font = QFont(box.font())
    font.setPointSizeF(18)
    box.setFont(font)
    box.resize(NARROW, 700)
    qtbot.waitUntil(lambda: bar.target_row.direction() == QBoxLayout.Direction.TopToBottom)
    qtbot.waitUntil(lambda: bar.explorer_button.text() == "Backward to explorer")
    qtbot.waitUntil(lambda: bar.class_combo.geometry().top() > bar.class_label.geometry().bottom() - 1)  # under its words
    # in one row, or with the button's whole words, the bar would be wider than the pane
    assert bar.class_label.sizeHint().width() + bar.class_combo.sizeHint().width() > NARROW
    assert bar.explorer_button.sizeHint().width() > NARROW
    assert box.minimumSizeHint().width() <= NARROW
    assert maps.scroll.widget().minimumSizeHint().width() >= 2 * MIN_WIDTH  # the two canvases scroll sideways
    qtbot.waitUntil(lambda: panel_ready(backward))
    qtbot.waitUntil(lambda: layout_report(box, (NARROW, 700))["clipped"] == [])
    assert bar.loss_label.text().startswith("L = −log p")  # the loss line, whole
    backward.shutdown()


def panel_ready(backward) -> bool:
    return backward.grads is not None and not backward.busy



def test_the_right_panes_tabs_take_short_names_one_at_a_time_where_narrow(qtbot):
    from visualizer.ui.network.panel import PaneTabs

    tabs = PaneTabs()
    qtbot.addWidget(tabs)
    tabs.add_page(QWidget(), "Opened map", "Map")
    tabs.add_page(QWidget(), "Batch norm", "BN")
    tabs.resize(600, 200)
    tabs.show()
    qtbot.waitExposed(tabs)
    names = lambda: [tabs.tabText(i) for i in range(tabs.count())]  # noqa: E731
    qtbot.waitUntil(lambda: names() == ["Opened map", "Batch norm"])
    bar = tabs.tabBar()
    whole = bar.sizeHint().width()
    tabs.resize(whole - 10, 200)  # the whole names do not fit: the first tab's name shortens
    qtbot.waitUntil(lambda: names() == ["Map", "Batch norm"])
    assert bar.sizeHint().width() <= tabs.width()
    tabs.resize(bar.sizeHint().width() - 10, 200)  # nor that: both
    qtbot.waitUntil(lambda: names() == ["Map", "BN"])
    assert [tabs.tabToolTip(i) for i in range(2)] == ["Opened map", "Batch norm"]  # the whole names
    tabs.resize(600, 200)
    qtbot.waitUntil(lambda: names() == ["Opened map", "Batch norm"])  # and back


def test_no_heading_is_cut_at_any_pane_width(qtbot, net1_model):
    """Every width the maps pane can take, at the desktop's type and at lecture type: the headings
    (with "click a map to open it" only where it fits their lines) and the colour-bar numbers
    whole. A hint that fit one line's advance but wrapped onto a line the header did not have
    used to show as a cut second line."""
    canvas = shown_canvas(qtbot, net1_model, 400, 9)
    for point_size in (9, 10, 14):
        font = QFont(canvas.font())
        font.setPointSizeF(point_size)
        canvas.setFont(font)
        for width in range(210, 560, 3):
            canvas.resize(width, 600)
            canvas.relayout()
            assert canvas.layout_problems() == [], (point_size, width)
