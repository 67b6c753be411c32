"""Residual blocks and torch modules in the Shapes tab, driven as a user would, from a fresh window."""

from __future__ import annotations

import textwrap

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QToolButton

from tests.helpers.gui import launch_main_window
from tests.helpers.pages import ShapesPage
from visualizer.core.architecture import compute_table, preset
from visualizer.ui.shapes.layer_table import COL_KERNEL, COL_NAME, COL_OUTPUT, COL_PARAMS, COL_TYPE
from visualizer.ui.shell.devices import device_probe



@pytest.fixture
def shapes(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    panel = w.tabs.currentWidget()
    ShapesPage(panel).choose_preset(qtbot, "resnet18")
    qtbot.waitUntil(lambda: "11,689,512 parameters" in panel.problem_label.text())
    yield panel
    # the shown window probes the devices (imports torch) on a worker thread: let it finish
    qtbot.waitUntil(lambda: device_probe().report() is not None, timeout=120_000)
    qtbot.waitUntil(lambda: not panel.module_loader.is_running(), timeout=60_000)


def cell(panel, row: int, column: int) -> str:
    return panel.table_model.index(row, column).data()


def click_cell(qtbot, panel, row: int, column: int, double: bool = False) -> None:
    view = panel.view
    rect = view.visualRect(panel.table_model.index(row, column))
    view.scrollTo(panel.table_model.index(row, column))
    rect = view.visualRect(panel.table_model.index(row, column))
    if double:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    else:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_expand_a_block_edit_inside_it_and_undo(qtbot, shapes):
    panel = shapes
    assert cell(panel, 6, COL_NAME) == "layer2.0" and cell(panel, 6, COL_TYPE) == "▸ Residual"
    rows_before = panel.table_model.rowCount()
    click_cell(qtbot, panel, 6, COL_TYPE)  # ▸ expands the block into its paths
    qtbot.waitUntil(lambda: panel.table_model.rowCount() == rows_before + 8)
    assert cell(panel, 6, COL_TYPE) == "▾ Residual"
    names = [cell(panel, r, COL_NAME).strip() for r in range(7, 15)]
    assert names == ["main · conv1", "main · bn1", "main · relu", "main · conv2", "main · bn2",
                     "shortcut · downsample.0", "shortcut · downsample.1", "⊕ add"]
    assert cell(panel, 14, COL_OUTPUT) == "128×28×28"
    assert "128×28×28 + 128×28×28" in panel.table_model.index(14, 8).data()

    # Enter on the block edits its main path
    click_cell(qtbot, panel, 6, COL_OUTPUT)
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.focus_bar.isVisible())
    assert "layer2.0 › main path" in panel.focus_label.text()
    assert panel.table_model.rowCount() == 6 and cell(panel, 0, COL_NAME) == "conv1"
    # type a 5×5 kernel into conv1 (at stride 2 with padding 1: 27×27, the addition no longer fits)
    index = panel.table_model.index(0, COL_KERNEL)
    panel.view.setCurrentIndex(index)
    qtbot.keyClicks(panel.view, "5")
    editor = panel.view.indexWidget(index)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.view.state() != QAbstractItemView.State.EditingState)
    assert cell(panel, 0, COL_OUTPUT) == "128×27×27"
    assert "the main path gives 128×27×27 but the shortcut gives 128×28×28" in panel.problem_label.text()
    # Undo puts it back, still inside the block
    undo = next(b for b in panel.edit_bar.findChildren(QToolButton) if b.defaultAction() is panel.undo_action)
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cell(panel, 0, COL_OUTPUT) == "128×28×28")
    assert panel.model.focus == ((6, "main"),)
    assert "11,689,512 parameters" in panel.problem_label.text()
    # add a layer inside the block and remove it again
    panel.model.set_selected_rows([4])
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table_model.rowCount() == 7)
    assert panel.model.table.rows[6].children[5].type == "BatchNorm2d"  # bn2's copy in the main path
    remove = next(b for b in panel.edit_bar.findChildren(QToolButton) if b.defaultAction() is panel.remove_action)
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table_model.rowCount() == 6)
    assert panel.model.table.total_params == 11_689_512
    # Backspace goes back to the network, the block selected
    panel.window().activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel.window())
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not panel.focus_bar.isVisible())
    assert panel.model.selected_rows == [6]


def test_diagram_draws_each_skip_connection_as_an_arc(qtbot, shapes):
    layout = shapes.diagram.layout_info
    table = compute_table(preset("resnet18"))
    assert [a.label for a in layout.arcs] == [
        "layer1.0 + identity", "layer1.1 + identity", "layer2.0 + 1×1 conv, BN", "layer2.1 + identity",
        "layer3.0 + 1×1 conv, BN", "layer3.1 + identity", "layer4.0 + 1×1 conv, BN", "layer4.1 + identity"]
    for arc in layout.arcs:
        assert arc.start < arc.end
        end = layout.blocks[arc.end]
        assert end.title.endswith("⊕") and end.shape == table.rows[arc.row].output_shape
        start, stop, apex = layout.arc_points(arc)
        assert apex < min(start.y(), stop.y())  # over the block
    # at Fit the labels stay ≥ 9 pt: the figure wraps instead of shrinking
    qtbot.mouseClick(shapes.diagram_page.zoom_fit_button, Qt.MouseButton.LeftButton)
    zoom = shapes.diagram.zoom
    assert shapes.diagram.font().pointSizeF() * zoom >= 9 - 1e-6
    assert shapes.diagram.width() <= shapes.diagram_page.scroll.viewport().width()
    assert shapes.diagram.layout_info.rows_count > 1


def test_table_fits_twenty_rows_and_totals_keep_their_line(qtbot, shapes):
    view = shapes.view
    # every row of the table (ResNet-18's blocks folded: fewer than 20) is in view at 1280x800
    rows = min(20, view.model().rowCount())
    qtbot.waitUntil(lambda: view.viewport().height() >= rows * view.verticalHeader().defaultSectionSize())
    # the receptive-field column takes its content's width, not half the table
    assert view.columnWidth(13) < view.viewport().width() // 4
    qtbot.mouseClick(shapes.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "PyTorch" in shapes.problem_label.text(), timeout=60_000)
    qtbot.waitUntil(lambda: not shapes.verifier.checker.is_running(), timeout=60_000)
    lines = shapes.problem_label.lines()
    assert "11,689,512 parameters" in lines[0] and "PyTorch" in lines[-1] and len(lines) == 2


def test_open_a_python_module_read_only(qtbot, shapes, tmp_path):
    path = tmp_path / "twopaths.py"
    path.write_text(textwrap.dedent('''
        from torch import nn

        class TwoPaths(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(3, 4, 3, padding=1)
                self.b = nn.Conv2d(3, 4, 1)
                self.fc = nn.Linear(4 * 224 * 224, 2)

            def forward(self, x):
                return self.fc((self.a(x) + self.b(x)).flatten(1))
    '''))
    with qtbot.waitSignal(shapes.module_loader.loaded, timeout=60_000):
        assert shapes.open_module(f"{path}:TwoPaths")
    assert [cell(shapes, r, COL_NAME) for r in range(3)] == ["a", "b", "fc"]
    assert cell(shapes, 2, COL_PARAMS) == f"{4 * 224 * 224 * 2 + 2:,}"
    assert "(read-only)" in shapes.problem_label.text()
    assert not shapes.table_model.flags(shapes.table_model.index(0, COL_NAME)) & Qt.ItemFlag.ItemIsEditable
    assert len(shapes.diagram.layout_info.blocks) == 4  # input + three modules
    # an error in the user's file is one line naming it
    bad = tmp_path / "bad.py"
    bad.write_text("def make(:\n")
    qtbot.waitUntil(lambda: not shapes.module_loader.is_running())  # one module at a time
    with qtbot.waitSignal(shapes.module_loader.failed, timeout=60_000) as blocker:
        assert shapes.open_module(f"{bad}:make")
    assert blocker.args[0].startswith("bad.py:1: SyntaxError")
    # a preset ends the read-only view
    ShapesPage(shapes).choose_preset(qtbot, "lenet5")
    qtbot.waitUntil(lambda: shapes.model.module_table is None)


def test_diagram_boxes_take_their_colours_and_short_words_from_the_registry():
    from PySide6.QtGui import QColor

    from visualizer.core.architecture import Architecture, LayerSpec
    from visualizer.ui.shapes.diagram import INPUT_COLOR, OTHER_COLOR, block_color, blocks_for, legend_entries

    arch = Architecture((1, 8, 8), [LayerSpec("Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
                                    LayerSpec("BatchNorm2d", {}), LayerSpec("LeakyReLU", {}),
                                    LayerSpec("Dropout", {}), LayerSpec("AvgPool2d", {"kernel_size": 2})])
    blocks = blocks_for(compute_table(Architecture.from_dict(arch.to_dict())))
    assert [(b.kind, b.title) for b in blocks] == [("input", "input"), ("Conv2d", "conv1 +BN +LReLU +Drop"),
                                                   ("AvgPool2d", "avgpool1")]
    assert block_color("Conv2d") == QColor(92, 141, 214) and block_color("AvgPool2d") == QColor(232, 150, 80)
    assert block_color("input") == INPUT_COLOR and block_color("ReLU") == block_color("Mystery") == OTHER_COLOR
    entries = legend_entries()  # one label each: the key wraps between kinds, never inside one
    words = ["convolution", "max pool", "average pool", "adaptive pool", "flatten", "fully connected"]
    assert [e.split("</span> ")[1] for e in entries] == words
    assert all(e.count("&#9632;") == 1 for e in entries)
    assert entries[0] == '<span style="color:#5c8dd6">&#9632;</span> convolution'
