"""The Shapes panel alone, driven as a user would: edit cells, undo, load files, check a table, export."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QMessageBox

from tests.helpers.gui import show_active
from tests.helpers.pages import ShapesPage
from visualizer.core.architecture import Architecture, preset
from visualizer.ui.shapes.panel import ShapesPanel
from visualizer.ui.shapes.layer_table import (
    COL_KERNEL,
    COL_OTHER,
    COL_STRIDE,
    COL_MACS,
    COL_NAME,
    COL_OUT,
    COL_OUTPUT,
    COL_PADDING,
    COL_PARAMS,
    COL_TYPE,
)


@pytest.fixture
def panel(qtbot):
    p = show_active(qtbot, ShapesPanel(), (1300, 850))
    p.load_preset("mnist-net1")
    return p


def type_into_cell(qtbot, p: ShapesPanel, row: int, column: int, text: str) -> None:
    """Select the cell and type over it, then Enter (the table edits on any key)."""
    index = p.table_model.index(row, column)
    p.view.setFocus()
    p.view.setCurrentIndex(index)
    qtbot.keyClicks(p.view, text[0])
    editor = p.view.indexWidget(index)
    assert editor is not None, "typing did not open an editor"
    if text[1:]:
        qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # the delegate commits through a queued call
    qtbot.waitUntil(lambda: p.view.state() != QAbstractItemView.State.EditingState)


def torch_params(*modules: torch.nn.Module) -> int:
    return sum(q.numel() for m in modules for q in m.parameters())


def test_mnist_net1_table_matches_torch(panel):
    # The course net: 21,690 parameters; each conv's count against torch's own layer.
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "21,690"
    assert ShapesPage(panel).cell(0, COL_PARAMS) == f"{torch_params(torch.nn.Conv2d(1, 8, 3, padding=1)):,}"
    assert ShapesPage(panel).cell(4, COL_PARAMS) == f"{torch_params(torch.nn.Conv2d(8, 16, 3, padding=1)):,}"
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "8×28×28"
    assert ShapesPage(panel).cell(3, COL_OUTPUT) == "8×14×14"
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_OUTPUT) == "10"


def test_editing_a_cell_updates_rows_below_and_undo_redo(qtbot, panel):
    type_into_cell(qtbot, panel, 0, COL_OUT, "4")  # conv1: 8 -> 4 kernels
    assert ShapesPage(panel).cell(0, COL_OUT) == "4"
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "4×28×28"
    assert ShapesPage(panel).cell(1, COL_OUTPUT) == "4×28×28"  # BatchNorm below follows
    assert ShapesPage(panel).cell(1, COL_PARAMS) == f"{torch_params(torch.nn.BatchNorm2d(4)):,}"
    assert ShapesPage(panel).cell(4, COL_PARAMS) == f"{torch_params(torch.nn.Conv2d(4, 16, 3, padding=1)):,}"
    expected_total = sum(q.numel() for q in torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
        torch.nn.Conv2d(4, 16, 3, padding=1), torch.nn.BatchNorm2d(16),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.BatchNorm2d(32),
        torch.nn.Linear(32 * 7 * 7, 10)).parameters())
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == f"{expected_total:,}"

    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ShapesPage(panel).cell(0, COL_OUT) == "8"
    assert ShapesPage(panel).cell(4, COL_PARAMS) == "1,168"
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "21,690"

    qtbot.keyClick(panel.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert ShapesPage(panel).cell(0, COL_OUT) == "4"
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == f"{expected_total:,}"


def test_kernel_and_padding_edits_including_same(qtbot, panel):
    type_into_cell(qtbot, panel, 0, COL_KERNEL, "5")
    assert ShapesPage(panel).cell(0, COL_KERNEL) == "5×5"
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "8×26×26"  # 28 + 2·1 - 5 + 1
    type_into_cell(qtbot, panel, 0, COL_PADDING, "same")
    assert ShapesPage(panel).cell(0, COL_PADDING) == "same"
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "8×28×28"
    assert panel.undo_stack.count() == 3  # preset + two edits


def test_changing_the_layer_type(qtbot, panel):
    index = panel.table_model.index(0, COL_TYPE)
    assert panel.table_model.setData(index, "MaxPool2d")
    assert ShapesPage(panel).cell(0, COL_TYPE) == "MaxPool2d"
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "1×9×9"  # kernel 3 kept, stride 3 (its size), no padding
    # BatchNorm after it now gets 1 channel
    assert ShapesPage(panel).cell(1, COL_PARAMS) == "2"


def test_unreadable_cell_value_is_refused_with_a_message(qtbot, panel):
    before = panel.undo_stack.count()
    with qtbot.waitSignal(panel.status_message) as blocker:
        type_into_cell(qtbot, panel, 0, COL_KERNEL, "three")
    assert "kernel size" in blocker.args[0]
    assert ShapesPage(panel).cell(0, COL_KERNEL) == "3×3"
    assert panel.undo_stack.count() == before
    assert "kernel size" in panel.problem_label.text()


def test_bad_row_is_red_with_reason_and_rows_after_still_shown(qtbot, panel):
    with qtbot.waitSignal(panel.status_message) as blocker:
        type_into_cell(qtbot, panel, 8, COL_KERNEL, "11")  # conv3 on a 7×7 map, padding 1
    assert "Row 9" in blocker.args[0]
    reason = panel.table_model.index(8, COL_KERNEL).data(Qt.ItemDataRole.ToolTipRole)
    assert reason.startswith("Row 9:") and "11×11" in reason
    background = panel.table_model.index(8, COL_OUTPUT).data(Qt.ItemDataRole.BackgroundRole)
    assert background is not None and background.color().red() > background.color().green()
    assert "Row 9" in panel.problem_label.text()
    # a good row keeps no colour; rows after the bad one still show their parameters
    assert panel.table_model.index(4, COL_OUTPUT).data(Qt.ItemDataRole.BackgroundRole) is None
    assert ShapesPage(panel).cell(9, COL_PARAMS) == "64"  # BatchNorm2d(32): channels are still known
    assert ShapesPage(panel).cell(12, COL_PARAMS) == "?"  # the Linear's input features are not
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS).startswith("≥")
    assert not panel.train_action.isEnabled()


def test_bad_file_shows_error_and_keeps_the_network(qtbot, panel, tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    doc = preset("mnist-net1").to_dict()
    doc["layers"][0]["kernel_size"] = -1
    bad.write_text(json.dumps(doc))
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warnings.append((title, text)))
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert len(warnings) == 1
    assert "kernel_size" in warnings[0][1] and "layers[0]" in warnings[0][1]
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "21,690"

    not_json = tmp_path / "notes.json"
    not_json.write_bytes(b"\x89PNG\r\n this is not json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(not_json), ""))
    panel.open_action.trigger()
    assert len(warnings) == 2 and "notes.json" in warnings[1][1]


def test_save_then_open_round_trip(qtbot, panel, tmp_path, monkeypatch):
    type_into_cell(qtbot, panel, 0, COL_NAME, "stem")
    target = tmp_path / "mynet.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert panel.undo_stack.isClean()
    assert "mynet.json" in panel.network_bar.name_label.text() and "modified" not in panel.network_bar.name_label.text()
    loaded = Architecture.load(target)
    assert loaded.layers[0].name == "stem"
    assert [layer.type for layer in loaded.layers] == [layer.type for layer in preset("mnist-net1").layers]

    panel.load_preset("vgg16")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(target), ""))
    panel.open_action.trigger()
    assert ShapesPage(panel).cell(0, COL_NAME) == "stem"
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "21,690"


def test_vgg16_preset_totals(qtbot, panel):
    combo = panel.network_bar.preset_combo
    i = combo.findText("vgg16")
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "138,357,544"
    assert "138,357,544" in panel.problem_label.text()
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_OUTPUT) == "1000"
    macs = panel.model.table.total_macs
    assert abs(macs - 15.47e9) / 15.47e9 < 0.01
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_MACS) == f"{macs / 1e9:.2f} G"
    # the preset is one undo step back to mnist-net1, and the chooser follows
    panel.undo_action.trigger()
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "21,690"
    assert combo.currentText() == "mnist-net1"


def test_add_duplicate_remove_and_move_layers(qtbot, panel):
    n = panel.model.layer_count()
    panel.select_rows([0])
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert panel.model.layer_count() == n + 1
    assert ShapesPage(panel).cell(1, COL_TYPE) == "Conv2d"
    assert ShapesPage(panel).cell(1, COL_PARAMS) == f"{torch_params(torch.nn.Conv2d(8, 8, 3, padding=1)):,}"
    assert panel.selected_rows() == [1]
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert panel.model.layer_count() == n
    assert ShapesPage(panel).cell(1, COL_TYPE) == "BatchNorm2d"

    # move ReLU (row 2) above BatchNorm (row 1) with Alt+Up, then back by dragging (drop model)
    panel.select_rows([2])
    qtbot.keyClick(panel.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [ShapesPage(panel).cell(r, COL_TYPE) for r in (1, 2)] == ["ReLU", "BatchNorm2d"]
    assert panel.selected_rows() == [1]
    data = panel.table_model.mimeData([panel.table_model.index(1, 0)])
    panel.table_model.dropMimeData(data, Qt.DropAction.MoveAction, 3, 0, panel.table_model.index(-1, -1))
    assert [ShapesPage(panel).cell(r, COL_TYPE) for r in (1, 2)] == ["BatchNorm2d", "ReLU"]

    panel.add_layer_of_type("Dropout", at=n)
    assert ShapesPage(panel).cell(n, COL_TYPE) == "Dropout"
    for _ in range(5):
        panel.undo_action.trigger()
    assert [ShapesPage(panel).cell(r, COL_TYPE) for r in range(n)] == [l.type for l in preset("mnist-net1").layers]


def test_input_shape_edit_is_undoable(qtbot, panel):
    h = panel.network_bar.input_spins[1]
    h.setValue(32)  # what the spin box emits after the user finishes typing
    panel.network_bar.input_spins[2].setValue(32)
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "8×32×32"
    # 32×32 -> 16 -> 8 after the pools: the Linear now receives 32·8·8 features
    assert ShapesPage(panel).cell(12, COL_PARAMS) == f"{torch_params(torch.nn.Linear(32 * 8 * 8, 10)):,}"
    assert not panel.train_action.isEnabled()
    panel.undo_action.trigger()
    panel.undo_action.trigger()
    assert h.value() == 28 and ShapesPage(panel).cell(0, COL_OUTPUT) == "8×28×28"
    assert panel.train_action.isEnabled()
    # stepping one spin box (holding its arrow) is a single undo step
    at = panel.undo_stack.index()
    for _ in range(3):
        h.stepUp()
    assert h.value() == 31 and ShapesPage(panel).cell(0, COL_OUTPUT) == "8×31×28"
    assert panel.undo_stack.index() == at + 1
    panel.undo_action.trigger()
    assert h.value() == 28


def test_diagram_click_selects_row_and_row_selects_block(qtbot, panel):
    panel.lower_tabs.setCurrentWidget(panel.diagram_page)
    row = 4  # conv2
    rect = panel.diagram.block_rect(row)
    assert rect is not None
    panel.diagram_page.scroll.ensureVisible(int(rect.center().x()), int(rect.center().y()))
    qtbot.mouseClick(panel.diagram, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert panel.selected_rows() == [row]
    # ReLU row 6 belongs to conv2's block (folded, as in the usual figure): selecting it
    # highlights that block
    panel.select_rows([6])
    assert panel.diagram.block_rect(6) == rect
    assert 6 in panel.diagram._selected
    # clicking empty space selects nothing new
    qtbot.mouseClick(panel.diagram, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))
    assert panel.selected_rows() == [6]


def test_diagram_zoom_keeps_clicks_on_blocks(qtbot, panel):
    panel.lower_tabs.setCurrentWidget(panel.diagram_page)
    width, zoom = panel.diagram.width(), panel.diagram.zoom
    qtbot.mouseClick(panel.diagram_page.zoom_in_button, Qt.MouseButton.LeftButton)
    assert panel.diagram.width() > width
    assert panel.diagram_page.zoom_label.text() == f"{round(zoom * 125)}%"
    panel.load_preset("vgg16")
    qtbot.mouseClick(panel.diagram_page.zoom_fit_button, Qt.MouseButton.LeftButton)
    assert panel.diagram.width() <= panel.diagram_page.scroll.viewport().width()
    assert ShapesPage(panel).cell(19, COL_TYPE) == "Conv2d"
    rect = panel.diagram.block_rect(19)  # a conv deep in the network, now drawn small
    qtbot.mouseClick(panel.diagram, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert panel.selected_rows() == [19]


def test_diagram_heights_follow_spatial_size(panel):
    blocks = panel.diagram.layout_info.blocks
    by_row = {b.rows[0]: b for b in blocks if b.rows}
    assert by_row[0].face > by_row[3].face > by_row[7].face  # 28×28 > 14×14 > 7×7
    assert by_row[4].thick > by_row[0].thick  # 16 channels drawn thicker than 8


def test_check_view_marks_planted_wrong_row(qtbot, panel):
    panel.check_action.trigger()
    view = panel.check_view
    assert panel.lower_tabs.currentWidget() is view
    table = ("Operation\tSize\tPadding\tStride\tOutput size\n"
             "Conv block\t[3X3X1]X16\t[2 2]\t1\t[28X28X16]\n"  # planted: padding 2 grows to 30×30
             "Pool 2D\t[2 2]\tN/A\tN/A\t[14X14X16]\n")  # right, from the claimed 28×28
    view.text.setPlainText(table)
    qtbot.keyClicks(view.input_edit, "1x28x28")
    with qtbot.waitSignal(view.checked, timeout=3000):
        qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    results = view.results
    assert results.rowCount() == 2
    claimed_col, true_col = view.column_of("Output size"), view.column_of("True output")
    assert true_col == claimed_col + 1  # side by side
    claimed, correct = results.item(0, claimed_col), results.item(0, true_col)
    reason = results.item(0, view.column_of("Reason"))
    assert claimed.text() == "[28X28X16]"
    assert correct.text() == "[30X30X16]"
    assert claimed.background().color().red() > claimed.background().color().green()
    assert "padding 2" in reason.text() and "30×30" in reason.text()
    # the pool row is judged from the claimed 28×28 above it, so it is right
    assert results.item(1, view.column_of("Reason")).text().startswith("✓")
    assert results.item(1, claimed_col).background().style() == Qt.BrushStyle.NoBrush
    assert "row 1" in view.summary.text().lower()


def test_check_view_against_preset_names_missing_layers(qtbot, panel):
    view = panel.check_view
    view.text.setPlainText("Operation\tSize\tPadding\tStride\tOutput size\n"
                           "Conv block\t[3X3X1]X8\t[1 1]\t1\t[28X28X8]\n")
    view.against.setCurrentText("mnist-net1")
    view.run_check()
    assert view.report is not None and view.report.missing
    assert "Missing" in view.summary.text()


def test_check_view_unreadable_table_shows_message(qtbot, panel):
    view = panel.check_view
    view.text.setPlainText("just some words")
    with qtbot.waitSignal(panel.status_message):
        view.run_check()
    assert view.last_error
    assert "Cannot check" in view.summary.text()
    assert view.results.rowCount() == 0


def test_exports_write_files(qtbot, panel, tmp_path):
    panel.load_preset("vgg16")
    md, cs, tex = tmp_path / "t.md", tmp_path / "t.csv", tmp_path / "t.tex"
    assert panel.export_table("markdown", str(md))
    assert panel.export_table("csv", str(cs))
    assert panel.export_table("latex", str(tex))
    assert "138,357,544" in md.read_text() or "138357544" in md.read_text()
    rows = list(csv.reader(io.StringIO(cs.read_text())))
    assert len(rows) >= 1 + 40  # header + every layer
    assert "\\begin{tabular}" in tex.read_text() or "\\begin{longtable}" in tex.read_text()

    png, svg = tmp_path / "d.png", tmp_path / "d.svg"
    assert panel.export_diagram("png", str(png))
    assert panel.export_diagram("svg", str(svg))
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 1000
    assert image.pixelColor(1, 1).name() == "#ffffff"  # white background for slides
    text = svg.read_text()
    assert "<svg" in text and "conv1" in text

    panel.copy_table_action.trigger()
    assert "conv1" in QGuiApplication.clipboard().text()
    # Ctrl+C in the table copies the selected rows, tab-separated
    panel.select_rows([0, 1])
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 3 and lines[1].split("\t")[1] == "conv1" and "64×224×224" in lines[2]


def test_export_to_unwritable_place_shows_error(qtbot, panel, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text))
    assert not panel.export_diagram("png", str(tmp_path / "no-such-dir" / "d.png"))
    assert warnings and "d.png" in warnings[0]


def test_train_hand_over(qtbot, panel):
    assert panel.train_action.isEnabled()
    with qtbot.waitSignal(panel.train_requested) as blocker:
        panel.train_action.trigger()
    doc = blocker.args[0]
    assert Architecture.from_dict(doc).input_shape == (1, 28, 28)
    assert doc["layers"][-2]["out_features"] == 10
    panel.load_preset("vgg16")
    assert not panel.train_action.isEnabled()
    assert "1×28×28" in panel.train_action.toolTip()


def test_state_round_trip(qtbot, panel):
    type_into_cell(qtbot, panel, 0, COL_OUT, "6")
    panel.check_view.text.setPlainText("Operation,Output size\nConv,[28x28x6]\n")
    state = json.loads(json.dumps(panel.save_state()))
    other = ShapesPanel()
    qtbot.addWidget(other)
    other.restore_state(state)
    assert ShapesPage(other).cell(0, COL_OUT) == "6"
    assert other.check_view.text.toPlainText().startswith("Operation,Output size")
    assert not other.undo_stack.canUndo()
    other.restore_state({"architecture": {"version": 1, "layers": "nonsense"}, "unknown": 1})
    assert ShapesPage(other).cell(0, COL_OUT) == "6"  # a broken saved state is ignored


def test_lecture_mode_hides_editing(qtbot, panel):
    size = panel.view.font().pointSizeF()
    panel.set_lecture_mode(True)
    assert not panel.add_button.isVisible() and panel.export_button.isVisible()
    assert not panel.table_model.flags(panel.table_model.index(0, COL_OUT)) & Qt.ItemFlag.ItemIsEditable
    assert panel.view.font().pointSizeF() > size
    panel.set_lecture_mode(False)
    assert panel.add_button.isVisible()
    assert panel.table_model.flags(panel.table_model.index(0, COL_OUT)) & Qt.ItemFlag.ItemIsEditable


def test_panel_actions_have_shortcuts(panel):
    actions = {a.text().replace("&", ""): a for a in panel.panel_actions() if not a.isSeparator()}
    assert actions["Undo"].shortcut().toString() == "Ctrl+Z"
    assert actions["Redo"].shortcut().toString() == "Ctrl+Shift+Z"
    for name in ("Open architecture…", "Save architecture", "Copy table", "Train this network"):
        assert not actions[name].shortcut().isEmpty()
        assert actions[name].shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut


def test_verify_with_pytorch_runs_off_the_gui_thread(qtbot, panel):
    with qtbot.waitSignal(panel.torch_checker.running_changed, timeout=60_000,
                          check_params_cb=lambda running: not running):
        panel.verify_action.trigger()
        assert not panel.verify_action.isEnabled()  # one check at a time
    assert panel.last_torch_check.startswith("PyTorch agrees")
    assert panel.verify_action.isEnabled()
    # a kernel larger than the padded image: the row is red and torch refuses it too
    panel.table_model.setData(panel.table_model.index(0, COL_KERNEL), "31")
    assert not panel.model.table.rows[0].ok
    with qtbot.waitSignal(panel.torch_checker.running_changed, timeout=60_000,
                          check_params_cb=lambda running: not running):
        panel.verify_action.trigger()
    assert panel.last_torch_check.startswith("PyTorch agrees")
    assert "refuses the layers in red" in panel.last_torch_check


def test_check_view_loads_a_file_and_refuses_binary(qtbot, panel, tmp_path, monkeypatch):
    view = panel.check_view
    table = tmp_path / "homework.csv"
    table.write_text("Operation,Size,Padding,Stride,Output size\n"
                     "Input,,,,[28x28x1]\n"
                     "Conv block,[3x3x1]x8,[1 1],1,[28x28x8]\n"
                     "Pool 2D,[2 2],N/A,N/A,[14x14x8]\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(table), ""))
    with qtbot.waitSignal(view.checked):
        qtbot.mouseClick(view.load_button, Qt.MouseButton.LeftButton)
    assert view.results.rowCount() == 3
    assert view.summary.text().startswith("All 3 rows are right")

    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(binary), ""))
    qtbot.mouseClick(view.load_button, Qt.MouseButton.LeftButton)
    assert view.last_error and "photo.csv" in view.last_error
    assert view.results.rowCount() == 0


def test_export_through_the_dialog_adds_the_suffix(qtbot, panel, tmp_path, monkeypatch):
    target = tmp_path / "shapes"  # the user typed no suffix
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Markdown
    written = tmp_path / "shapes.md"
    assert written.exists()
    lines = [ln for ln in written.read_text(encoding="utf-8").splitlines() if ln.startswith("|")]
    assert len(lines) >= 2 + 14  # header, rule, one line per layer
    assert "21,690" in written.read_text(encoding="utf-8")


def test_building_a_network_from_nothing(qtbot, panel):
    panel.model.remove_layers(list(range(panel.model.layer_count())))
    assert panel.model.layer_count() == 0
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_OUTPUT) == "1×28×28"
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Insert, Qt.KeyboardModifier.ControlModifier)
    assert ShapesPage(panel).cell(0, COL_TYPE) == "Conv2d"
    panel.add_layer_of_type("Flatten")
    panel.add_layer_of_type("Linear")
    conv_out = panel.model.table.rows[0].output_shape
    features = conv_out[0] * conv_out[1] * conv_out[2]
    assert ShapesPage(panel).cell(2, COL_PARAMS) == f"{torch_params(torch.nn.Linear(features, 10)):,}"
    assert panel.train_action.isEnabled()  # 1×28×28 in, 10 out


def test_check_view_takes_the_input_from_the_network_above(qtbot, panel):
    from visualizer.resources import resource_path

    view = panel.check_view
    # By default the table is compared with the network above (mnist-net1): its conv3 is missing.
    assert view.against.currentText() == "the network above"
    assert view.load_path(str(resource_path("architectures", "tables", "issue-example.tsv")))
    assert view.report is not None and not view.report.ok
    assert any("layer 9 (conv3) of mnist-net1 has no row" in m for m in view.report.missing), view.report.missing
    assert all(v.ok for v in view.report.verdicts)
    view.against.setCurrentText("nothing")
    view.run_check()
    assert view.report is not None and view.report.ok  # the issue's own example is right
    assert "1×28×28 taken from the network above" in view.summary.text()
    panel.load_preset("vgg16")  # now 3×224×224 arrives: the 28×28 claim is wrong
    view.run_check()
    assert view.report is not None and not view.report.verdicts[0].ok


def test_core_validation_reaches_the_user(qtbot, panel):
    type_into_cell(qtbot, panel, 0, COL_STRIDE, "2")
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "8×14×14"
    with qtbot.waitSignal(panel.status_message) as blocker:
        type_into_cell(qtbot, panel, 0, COL_PADDING, "same")  # torch refuses 'same' when strided
    assert "same" in blocker.args[0] and "stride" in blocker.args[0]
    assert ShapesPage(panel).cell(0, COL_PADDING) == "1"


def test_linear_in_features_states_what_the_student_expects(qtbot, panel):
    fc = 12
    assert ShapesPage(panel).cell(fc, COL_TYPE) == "Linear"
    type_into_cell(qtbot, panel, fc, COL_OTHER, "in_features=1568")  # 32·7·7: right
    assert panel.model.table.rows[fc].ok and "in_features=1568" in ShapesPage(panel).cell(fc, COL_OTHER)
    type_into_cell(qtbot, panel, fc, COL_OTHER, "in_features=1000")
    assert not panel.model.table.rows[fc].ok
    assert "1568" in panel.table_model.index(fc, COL_OUTPUT).data(Qt.ItemDataRole.ToolTipRole)
    type_into_cell(qtbot, panel, fc, COL_OTHER, "in_features=auto")
    assert panel.model.table.rows[fc].ok and ShapesPage(panel).cell(fc, COL_OTHER) == ""


def test_selected_row_explains_its_numbers(qtbot, panel):
    panel.select_rows([4])  # conv2: 8×14×14 in, 16 kernels 3×3, padding 1
    text = panel.explain_label.text()
    assert "conv2" in text and "8×14×14 → 16×14×14" in text
    assert "⌊(14 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊13 / 1⌋ + 1 = 14" in text
    assert "3·3·8·16 + 16 = 1,168" in text
    panel.select_rows([12])  # fc1
    assert "1,568·10 + 10 = 15,690" in panel.explain_label.text()


def test_ctrl_z_in_the_input_box_undoes_the_input_change(qtbot, panel):
    h = panel.network_bar.input_spins[1]
    h.setFocus()
    h.selectAll()
    qtbot.keyClicks(h, "32")
    qtbot.keyClick(h, Qt.Key.Key_Return)
    assert ShapesPage(panel).cell(0, COL_OUTPUT) == "8×32×28"
    qtbot.keyClick(h, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert h.value() == 28 and ShapesPage(panel).cell(0, COL_OUTPUT) == "8×28×28"
    qtbot.keyClick(h, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert h.value() == 32


def test_stand_alone_launcher_options(qtbot, panel, tmp_path):
    from visualizer.ui.shapes.__main__ import _setup

    _setup(panel, ["vgg16"])
    assert ShapesPage(panel).cell(ShapesPage(panel).totals_row(), COL_PARAMS) == "138,357,544"
    saved = tmp_path / "net.json"
    preset("lenet5").save(saved)
    _setup(panel, [str(saved), "--check"])
    assert panel.model.path == str(saved)
    assert panel.lower_tabs.currentWidget() is panel.check_view
    assert panel.check_view.text.toPlainText().startswith("Operation")


def test_verify_with_a_huge_layer_says_one_sentence(qtbot, panel):
    """torch's overflow error carries ~25 lines of C++ frames: the line shows one sentence."""
    panel.table_model.setData(panel.table_model.index(0, COL_OUT), "1" + "0" * 30)
    with qtbot.waitSignal(panel.torch_checker.running_changed, timeout=60_000,
                          check_params_cb=lambda running: not running):
        panel.verify_action.trigger()
    text = panel.last_torch_check
    assert "\n" not in text and "frame #" not in text and "Exception raised from" not in text
    assert len(text) < 260, text


def test_save_as_suggests_a_plain_file_name_in_the_last_folder(qtbot, panel, tmp_path, monkeypatch):
    doc = panel.model.architecture().to_dict()
    doc["name"] = "/etc/cron.d/evil"
    panel.model.replace_architecture(Architecture.from_dict(doc), "Rename")
    panel.model.last_dir = str(tmp_path)
    panel.model.path = ""
    asked = []

    def fake(parent, title, suggested, file_filter):
        asked.append(suggested)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    panel.files.save_file_as()
    assert asked == [str(tmp_path / "evil.json")]
