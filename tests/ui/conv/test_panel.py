"""The convolution explorer, driven as a user would: typing, keys, clicks; numbers checked
against the core (and torch for the course example)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from tests.helpers.gui import launch_main_window
from tests.helpers.pages import ConvPage
from visualizer.core.convolution import (
    INPUT_PRESETS,
    ConvSpec,
    convolve,
    explain_cell,
    kernel_preset,
    outputs_fed_by,
    window,
)
from visualizer.image_io import load_image, sample_images
from visualizer.ui.conv.matrix_view import cell_label
from visualizer.ui.conv.panel import ConvPanel

COURSE = INPUT_PRESETS["course-example"]
COURSE_K = kernel_preset("course-normalized")


@pytest.fixture
def statuses(panel):
    seen: list[str] = []
    panel.status_message.connect(lambda text, ms: seen.append(text))
    return seen


def torch_course(stride: int, padding: int) -> np.ndarray:
    x = torch.tensor(COURSE, dtype=torch.float64)[None, None]
    w = torch.tensor(COURSE_K, dtype=torch.float64)[None, None]
    return F.conv2d(x, w, stride=stride, padding=padding)[0, 0].numpy()


def test_first_start_shows_the_course_example(panel):
    assert panel.title == "Convolution"
    np.testing.assert_array_equal(panel.input_box.input_editor.matrix(), COURSE)
    np.testing.assert_array_equal(panel.kernel_box.kernel_editor.matrix(), COURSE_K)
    expected = torch_course(2, 1)  # the course's first setting, oracle: torch itself
    assert expected.shape == (3, 3)
    shown = ConvPage(panel).shown_output()
    np.testing.assert_allclose(shown, np.round(expected, 2), atol=1e-9)
    assert "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1" in panel.arithmetic.formula.text()
    # the padded input shows its padding cells apart from the input
    assert panel.matrices.input_view.model.shape == (7, 7)
    assert panel.matrices.input_view.model.is_padding(0, 0) and not panel.matrices.input_view.model.is_padding(1, 1)
    assert panel.matrices.input_view.cell_text(1, 1) == "4" and panel.matrices.input_view.cell_text(0, 0) == "0"


def test_course_setting_buttons(panel, qtbot):
    qtbot.mouseClick(panel.parameters.course_buttons[1], Qt.MouseButton.LeftButton)  # stride 1, padding 2
    expected = torch_course(1, 2)
    assert expected.shape == (7, 7)
    np.testing.assert_allclose(panel.output()[0], expected, atol=1e-12)
    np.testing.assert_allclose(ConvPage(panel).shown_output(), np.round(expected, 2), atol=1e-9)


def test_typing_a_kernel_value_changes_the_output(panel, qtbot):
    ConvPage.type_into_cell(qtbot, panel.kernel_box.kernel_editor, 1, 1, "-1.5")
    k = COURSE_K.copy()
    k[1, 1] = -1.5
    np.testing.assert_array_equal(panel.kernel_box.kernel_editor.matrix(), k)
    expected = convolve(COURSE, k, ConvSpec(stride=(2, 2), padding=(1, 1)))
    np.testing.assert_allclose(panel.output(), expected)
    np.testing.assert_allclose(ConvPage(panel).shown_output(), np.round(expected[0], 2), atol=1e-9)
    assert panel.matrices.kernel_view.cell_text(1, 1) == "−1.5"


def test_a_cell_that_is_not_a_number_is_marked_and_changes_nothing(panel, qtbot, statuses):
    before = panel.output().copy()
    ConvPage.type_into_cell(qtbot, panel.input_box.input_editor, 2, 3, "7x")
    item = panel.input_box.input_editor.table.item(2, 3)
    assert item.background().color().red() > 200 and item.background().color().green() < 220
    assert panel.input_box.input_editor.bad_cells() == [(2, 3)]
    assert "row 3, column 4" in statuses[-1] and "'7x' is not a number" in statuses[-1]
    np.testing.assert_array_equal(panel.output(), before)
    np.testing.assert_array_equal(panel.input_box.input_editor.matrix(), COURSE)
    # fixing the cell clears the mark and uses the new value
    ConvPage.type_into_cell(qtbot, panel.input_box.input_editor, 2, 3, "0")
    assert panel.input_box.input_editor.bad_cells() == []
    x = COURSE.copy()
    x[2, 3] = 0
    np.testing.assert_allclose(panel.output(), convolve(x, COURSE_K, ConvSpec(stride=(2, 2), padding=(1, 1))))


def test_changing_the_stride_with_the_keyboard(panel, qtbot):
    panel.parameters.stride_y.setFocus()
    qtbot.keyClick(panel.parameters.stride_y, Qt.Key.Key_Down)  # 2 -> 1, columns follow (linked)
    assert (panel.parameters.stride_y.value(), panel.parameters.stride_x.value()) == (1, 1)
    expected = convolve(COURSE, COURSE_K, ConvSpec(stride=(1, 1), padding=(1, 1)))
    assert panel.output().shape == (1, 5, 5)
    np.testing.assert_allclose(ConvPage(panel).shown_output(), np.round(expected[0], 2), atol=1e-9)
    assert "⌊(5 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊4 / 1⌋ + 1 = 5" in panel.arithmetic.formula.text()
    # unlinked: only the columns change
    panel.parameters.link_axes.setChecked(False)
    panel.parameters.stride_x.setFocus()
    panel.parameters.stride_x.selectAll()
    qtbot.keyClicks(panel.parameters.stride_x, "3")
    assert panel.spec().stride == (1, 3)
    assert panel.output().shape == (1, 5, 2)
    assert "Stride 3 leaves the last 1 column" in panel.arithmetic.formula.text()


def test_stepping_with_the_keys(panel, qtbot):
    spec = ConvSpec(stride=(2, 2), padding=(1, 1))
    panel.matrices.output_view.setFocus()
    for _ in range(4):
        qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Right)
    assert panel.stepper.current_index() == 3
    assert panel.step_bar.position_label.text().startswith("Cell 4 of 9")
    shown = ConvPage(panel).shown_output()
    expected = convolve(COURSE, COURSE_K, spec)[0]
    # cells reached show their value, later ones stay blank
    np.testing.assert_allclose(shown.ravel()[:4], np.round(expected.ravel()[:4], 2), atol=1e-9)
    assert np.isnan(shown.ravel()[4:]).all()
    assert panel.matrices.output_view.model.current == (1, 0)
    assert panel.matrices.input_view.model.window == window(1, 0, (3, 3), spec)
    assert panel.explanation_text() == explain_cell(COURSE, COURSE_K, spec, 0, 1, 0).text
    assert panel.explanation_text().endswith("= 1.9")
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Left)
    assert panel.stepper.current_index() == 2
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_End)
    assert panel.stepper.current_index() == 8 and not np.isnan(ConvPage(panel).shown_output()).any()
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Home)
    assert panel.stepper.current_index() == 0
    assert panel.explanation_text() == "0.1×0 + 0.2×0 + 0.05×0 + 0.05×0 + 0.2×4 + 0.1×1 + 0.15×0 + 0.1×3 + 0.05×2 = 1.3"
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Space)
    assert panel.stepper.is_playing() and panel.step_bar.play_button.text() == "Pause"
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Space)
    assert not panel.stepper.is_playing()
    qtbot.mouseClick(panel.step_bar.all_button, Qt.MouseButton.LeftButton)
    assert panel.stepper.current_index() is None and not np.isnan(ConvPage(panel).shown_output()).any()


def test_play_reaches_the_end(panel, qtbot):
    panel.step_bar.speed_slider.setValue(panel.step_bar.speed_slider.maximum())
    qtbot.mouseClick(panel.step_bar.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.stepper.is_playing(), timeout=5000)
    assert panel.stepper.current_index() == 8


def test_keys_in_a_grid_move_the_cursor_not_the_stepper(panel, qtbot):
    table = panel.kernel_box.kernel_editor.table
    table.setFocus()
    table.setCurrentCell(0, 0)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert table.currentColumn() == 1
    assert panel.stepper.current_index() is None


def test_paste_a_matrix_into_the_grid(panel, qtbot, statuses):
    table = panel.input_box.input_editor.table
    table.setFocus()
    QApplication.clipboard().setText("1\t2\t3\n4\t5\t6\n7\t8\t9\n10\t11\t12")
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    x = np.arange(1.0, 13.0).reshape(4, 3)
    np.testing.assert_array_equal(panel.input_box.input_editor.matrix(), x)
    assert (panel.input_box.input_editor.rows_spin.value(), panel.input_box.input_editor.cols_spin.value()) == (4, 3)
    np.testing.assert_allclose(panel.output(), convolve(x, COURSE_K, panel.spec()))
    QApplication.clipboard().setText("1, 2\n3, x")
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "row 2, column 2" in statuses[-1]
    np.testing.assert_array_equal(panel.input_box.input_editor.matrix(), x)
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text().splitlines()[1] == "4\t5\t6"


def test_clicking_an_output_cell_jumps_to_it(panel, qtbot):
    spec = ConvSpec(stride=(2, 2), padding=(1, 1))
    view = panel.matrices.output_view
    qtbot.mouseClick(view.cells, Qt.MouseButton.LeftButton, pos=view.cell_center(2, 1))
    assert panel.matrices.output_view.model.current == (2, 1)
    assert panel.stepper.current_index() == 7
    exp = explain_cell(COURSE, COURSE_K, spec, 0, 2, 1)
    assert panel.explanation_text() == exp.text
    assert f"= {cell_label(exp.total)}" in panel.arithmetic.explanation.text()
    assert panel.matrices.input_view.model.window == window(2, 1, (3, 3), spec)


def test_hover_shows_the_window_and_the_outputs_fed(panel, qtbot):
    spec = ConvSpec(stride=(2, 2), padding=(1, 1))
    out = panel.matrices.output_view
    qtbot.mouseMove(out.cells, out.cell_center(1, 2))
    qtbot.waitUntil(lambda: panel.matrices.input_view.model.marks == window(1, 2, (3, 3), spec))
    inp = panel.matrices.input_view
    qtbot.mouseMove(inp.cells, inp.cell_center(2, 2))
    qtbot.waitUntil(lambda: out.model.marks == outputs_fed_by(2, 2, (5, 5), (3, 3), spec))
    assert len(out.model.marks) == 4  # stride 2: the middle cell of a 3×3 window region


def test_true_convolution_flips_the_kernel(panel, qtbot):
    from scipy.signal import convolve2d

    qtbot.mouseClick(panel.parameters.op_conv, Qt.MouseButton.LeftButton)
    assert panel.spec().flip
    padded = np.pad(COURSE, 1)
    expected = convolve2d(padded, COURSE_K, mode="valid")[::2, ::2]  # independent oracle
    np.testing.assert_allclose(panel.output()[0], expected, atol=1e-12)
    assert "flipped" in panel.matrices.kernel_title.text()
    np.testing.assert_array_equal(panel.matrices.kernel_view.model.values, COURSE_K[::-1, ::-1])


def test_empty_output_is_a_clear_error_not_an_empty_view(panel, qtbot):
    panel.kernel_box.kernel_editor.rows_spin.setValue(9)
    panel.kernel_box.kernel_editor.cols_spin.setValue(9)
    panel.parameters.pad_y.setValue(0)
    assert panel.output() is None
    assert panel.matrices.output_view.mode() == "message"
    assert "would be empty" in panel.matrices.output_view.message()
    assert "would be empty" in panel.arithmetic.formula.text()
    # keys do nothing harmful
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Right)
    assert panel.stepper.current_index() is None


def test_reflect_padding_too_large_is_explained(panel, qtbot):
    panel.parameters.mode_combo.setCurrentIndex(panel.parameters.mode_combo.findData("reflect"))
    panel.parameters.pad_y.setValue(5)
    assert panel.output() is None
    assert "reflect padding" in panel.arithmetic.formula.text().lower()
    panel.parameters.pad_y.setValue(1)
    expected = convolve(COURSE, COURSE_K, ConvSpec(stride=(2, 2), padding=(1, 1), padding_mode="reflect"))
    np.testing.assert_allclose(panel.output(), expected)


def test_same_padding_and_presets(panel, qtbot):
    panel.parameters.stride_y.setValue(1)
    panel.parameters.pad_kind.setCurrentIndex(panel.parameters.pad_kind.findData("same"))
    assert not panel.parameters.pad_y.isEnabled()
    i = panel.kernel_box.preset_combo.findData("sobel-x")
    panel.kernel_box.preset_combo.setCurrentIndex(i)
    panel.kernel_box.preset_combo.activated.emit(i)
    np.testing.assert_array_equal(panel.kernel_box.kernel_editor.matrix(), kernel_preset("sobel-x"))
    expected = convolve(COURSE, kernel_preset("sobel-x"), ConvSpec(padding="same"))
    assert panel.output().shape == (1, 5, 5)
    np.testing.assert_allclose(panel.output(), expected)


def test_normalize_to_sum_one(panel, qtbot, statuses):
    ConvPage.type_into_cell(qtbot, panel.kernel_box.kernel_editor, 0, 0, "2")
    qtbot.mouseClick(panel.kernel_box.normalize_button, Qt.MouseButton.LeftButton)
    assert panel.kernel_box.kernel_editor.matrix().sum() == pytest.approx(1.0)
    i = panel.kernel_box.preset_combo.findData("laplacian")
    panel.kernel_box.preset_combo.activated.emit(i)
    qtbot.mouseClick(panel.kernel_box.normalize_button, Qt.MouseButton.LeftButton)
    assert "sums to 0" in statuses[-1]
    np.testing.assert_array_equal(panel.kernel_box.kernel_editor.matrix(), kernel_preset("laplacian"))


def test_bias_is_added(panel, qtbot):
    panel.kernel_box.bias_spin.setFocus()
    panel.kernel_box.bias_spin.selectAll()
    qtbot.keyClicks(panel.kernel_box.bias_spin, "1.5")
    expected = convolve(COURSE, COURSE_K, ConvSpec(stride=(2, 2), padding=(1, 1), bias=1.5))
    np.testing.assert_allclose(panel.output(), expected)


def test_broken_image_file_gives_an_error_dialog(panel, qtbot, tmp_path, monkeypatch):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a picture")
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append((title, text)))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(broken), ""))
    before = panel.output().copy()
    combo = panel.input_box.source_combo
    i = combo.findText("Image file…")
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    qtbot.waitUntil(lambda: shown != [] and not panel.is_busy())  # decoded off the GUI thread
    assert len(shown) == 1
    assert shown[0][0] == "Cannot open image" and "broken.png" in shown[0][1]
    assert combo.currentText() == "Typed matrix"
    np.testing.assert_array_equal(panel.output(), before)


def test_small_sample_shows_pixel_numbers(panel, qtbot):
    assert {"checkerboard", "disc", "gradient", "digit-3", "rgb-shapes"} <= set(sample_images())
    assert panel.load_sample("checkerboard")
    panel.apply_kernel_preset("sobel-x")
    x = load_image(sample_images()["checkerboard"])
    expected = convolve(x, kernel_preset("sobel-x"), panel.spec())
    np.testing.assert_allclose(panel.output(), expected)
    assert panel.matrices.input_view.mode() == "cells"
    assert panel.matrices.input_view.cell_text(1, 1) in ("0", "255")


def test_a_small_picture_can_be_edited_as_numbers(panel, qtbot):
    assert panel.load_sample("disc")
    qtbot.mouseClick(panel.input_box.to_grid_button, Qt.MouseButton.LeftButton)
    disc = load_image(sample_images()["disc"])[0]
    assert panel.input_box.source_combo.currentText() == "Typed matrix"
    np.testing.assert_allclose(panel.input_box.input_editor.matrix(), np.round(disc, 2))
    ConvPage.type_into_cell(qtbot, panel.input_box.input_editor, 16, 16, "0")
    disc = np.round(disc, 2)
    disc[16, 16] = 0
    np.testing.assert_allclose(panel.output(), convolve(disc, COURSE_K, panel.spec()))
    # too big for the grid: explained, nothing changes
    assert panel.load_sample("gradient")
    assert not panel.image_to_grid()
    assert panel.input_box.source_combo.currentText() == "Sample: gradient"


def test_rgb_image_with_stacked_kernels(panel, qtbot):
    """64 kernels of 1×1×3 on the 128×128 RGB sample: 128×128×64, computed off the GUI thread."""
    assert panel.load_sample("rgb-shapes")
    assert panel.kernels().shape[1] == 3
    panel.parameters.stride_y.setValue(1)
    panel.parameters.pad_y.setValue(0)
    panel.kernel_box.kernel_editor.rows_spin.setValue(1)
    panel.kernel_box.kernel_editor.cols_spin.setValue(1)
    panel.kernel_box.kernel_count.setValue(64)
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.output() is not None
                    and panel.output().shape == (64, 128, 128), timeout=20000)
    x = load_image(sample_images()["rgb-shapes"])
    assert x.shape == (3, 128, 128)
    np.testing.assert_allclose(panel.output(), convolve(x, panel.kernels(), ConvSpec()), atol=1e-9)
    assert "128×128×64 channels" in panel.matrices.output_title.text()
    assert panel.matrices.output_view.mode() == "heat"
    panel.matrices.output_channel.setValue(5)
    np.testing.assert_allclose(panel.matrices.output_view.model.values, panel.output()[4])
    # step and explain one cell of channel 5
    panel.stepper.jump_to(130)
    exp = explain_cell(x, panel.kernels(), ConvSpec(), 4, 1, 2)
    assert panel.explanation_text() == exp.text
    assert "<i>channel B</i></a>: window ∗ slice =" in panel.arithmetic.explanation.text()
    out = panel.matrices.output_view
    assert out.mode() == "cells" and out.model.in_area(1, 2)  # stepping: the cell's neighbourhood
    panel.model.set_zoom_to_window(False)  # Z: the whole picture again
    assert out.mode() == "heat"
    # hovering the heat map marks the window on the input, clicking jumps there
    target = window(40, 60, (1, 1), ConvSpec())

    def hover_there() -> bool:
        # Worked out afresh each try: a graphics view replays its last mouse move when the scene
        # changes, which can land after a synthetic move; repeating the move settles it.
        qtbot.mouseMove(out.heat.viewport(), out.cell_center(40, 60))
        QApplication.processEvents()  # a replayed move lands now, before the check
        return panel.matrices.input_view.model.marks == target

    qtbot.waitUntil(hover_there, timeout=5000)
    qtbot.mouseClick(out.heat.viewport(), Qt.MouseButton.LeftButton, pos=out.cell_center(40, 60))
    qtbot.waitUntil(lambda: panel.stepper.current_index() == 40 * 128 + 60)


def test_resize_control_shrinks_big_images(panel, qtbot):
    assert panel.load_sample("rgb-shapes")
    panel.input_box.size_spin.setValue(32)
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.result().input.shape == (3, 32, 32), timeout=20000)
    assert panel.matrices.input_view.mode() == "cells"
    panel.input_box.crop_h.setValue(20)
    # 20 of 128 rows, then the longest side (128 columns) shrunk to 32: a quarter of each
    qtbot.waitUntil(lambda: not panel.is_busy() and panel.result().input.shape == (3, 5, 32), timeout=20000)
    full = load_image(sample_images()["rgb-shapes"])
    np.testing.assert_allclose(panel.result().input[:, 0, 0], full[:, :4, :4].mean(axis=(1, 2)))


def test_export_csv_and_latex(panel, qtbot, tmp_path, monkeypatch):
    expected = convolve(COURSE, COURSE_K, ConvSpec(stride=(2, 2), padding=(1, 1)))[0]
    target = panel.export_matrix(tmp_path / "out", "csv")
    assert target.name == "out.csv"
    np.testing.assert_allclose(np.loadtxt(target, delimiter=","), expected, atol=1e-9)
    # through the menu action and the save dialog
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "m.tex"), ""))
    next(a for a in panel.export_actions if "LaTeX…" in a.text()).trigger()
    tex = (tmp_path / "m.tex").read_text()
    assert tex.startswith("\\begin{bmatrix}") and tex.rstrip().endswith("\\end{bmatrix}")
    rows = tex.strip().splitlines()[1:-1]
    assert len(rows) == 3
    first = [float(v) for v in rows[0].replace("\\\\", "").split("&")]
    np.testing.assert_allclose(first, expected[0], atol=1e-9)
    md = panel.export_matrix(tmp_path / "t.md", "markdown").read_text()
    assert md.strip().count("\n") == 4 and "---:" in md
    panel.copy_output("tsv")
    pasted = QApplication.clipboard().text()
    np.testing.assert_allclose(np.array([[float(v) for v in r.split("\t")] for r in pasted.splitlines()]),
                               expected, atol=1e-9)


def test_export_view_png_and_svg(panel, qtbot, tmp_path):
    png = panel.export_view(tmp_path / "view.png", "png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() == 2 * panel.figure.width()  # twice the screen size, for slides
    # the current output cell's orange outline is in the picture where the view shows it
    panel.stepper.jump_to(4)
    png = panel.export_view(tmp_path / "view.png", "png")
    image = QImage(str(png))
    view = panel.matrices.output_view
    rect = view.cells.cell_rect(1, 1)
    edge = view.cells.mapTo(panel.figure, rect.topLeft().toPoint() + QPoint(int(rect.width() // 2), 3))
    colour = image.pixelColor(edge.x() * 2, edge.y() * 2)
    assert colour.red() > 200 and colour.green() < 140 and colour.blue() < 80, colour.name()
    (tmp_path / "view.png").unlink()
    png = panel.export_view(tmp_path / "view.png", "png")
    svg = panel.export_view(tmp_path / "view", "svg")
    assert svg.suffix == ".svg" and "<svg" in svg.read_text()
    assert not list(tmp_path.glob("*.tmp")) and len(list(tmp_path.iterdir())) == 2


def test_state_round_trip(panel, qtbot):
    panel.parameters.stride_y.setValue(1)
    panel.parameters.mode_combo.setCurrentIndex(panel.parameters.mode_combo.findData("replicate"))
    panel.parameters.op_conv.setChecked(True)
    panel.kernel_box.bias_spin.setValue(0.5)
    ConvPage.type_into_cell(qtbot, panel.input_box.input_editor, 0, 0, "9")
    state = panel.save_state()
    other = ConvPanel()
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.spec() == panel.spec()
    np.testing.assert_array_equal(other.input_box.input_editor.matrix(), panel.input_box.input_editor.matrix())
    np.testing.assert_allclose(other.output(), panel.output())
    # a sample image is remembered by name
    panel.load_sample("disc")
    other.restore_state(panel.save_state())
    assert other.input_box.source_combo.currentText() == "Sample: disc"
    np.testing.assert_allclose(other.output(), panel.output())
    # junk does not crash: back to the course example
    other.restore_state({"matrix": "nonsense", "kernels": [[1]]})
    np.testing.assert_array_equal(other.input_box.input_editor.matrix(), COURSE)


def test_lecture_mode_and_panel_shortcuts(panel, qtbot):
    actions = panel.panel_actions()
    keys = {a.shortcut().toString() for a in actions if not a.shortcut().isEmpty()}
    assert {"Space", "Right", "Left", "Home", "End"} <= keys
    assert all(a.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
               for a in actions if not a.shortcut().isEmpty())
    panel.set_lecture_mode(True)
    assert not panel.sidebar.isVisible() and panel.matrices.output_view.isVisible()
    qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Right)
    assert panel.stepper.current_index() == 0
    font = panel.font()
    size = panel.matrices.output_view.cells.text_font().pointSizeF()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    panel.setFont(font)
    assert panel.matrices.output_view.cells.text_font().pointSizeF() > size
    panel.set_lecture_mode(False)
    assert panel.sidebar.isVisible()


def test_worker_runs_only_the_newest_request(qtbot):
    from visualizer.core.conv_job import ConvJob
    from visualizer.ui.conv.worker import ConvWorker
    from visualizer.ui.shell.threads import join_finished, start_worker

    x = np.arange(16.0).reshape(1, 4, 4)
    worker = ConvWorker()
    done: list = []
    worker.result.connect(lambda r: done.append(r), Qt.ConnectionType.DirectConnection)
    # three requests before the worker runs: only the last one is computed
    for i, stride in enumerate((1, 2, 3), start=1):
        assert worker.submit(ConvJob(i, x, None, None, np.ones((1, 1, 2, 2)), ConvSpec(stride=(stride, stride))))
    thread = start_worker(worker)
    qtbot.waitUntil(thread.isFinished, timeout=10000)
    join_finished(thread)
    assert [r.job_id for r in done] == [3]
    np.testing.assert_allclose(done[0].output, convolve(x, np.ones((1, 1, 2, 2)), ConvSpec(stride=(3, 3))))
    # a worker that has ended takes no more work (the owner starts a new one)
    assert not worker.submit(ConvJob(4, x, None, None, np.ones((1, 1, 2, 2)), ConvSpec()))


def test_dark_theme_recolours_boxes_and_heat_maps(panel):
    panel.apply_settings({"theme": "dark"})
    assert "#262c33" in panel.arithmetic.formula.styleSheet()
    assert panel.matrices.output_view.heat.backgroundBrush().color().name() == "#1e1e1e"
    panel.apply_settings({"theme": "light"})
    assert "#f4f7fb" in panel.arithmetic.formula.styleSheet()


def test_step_keys_only_fire_on_the_convolution_tab(qtbot):
    w = launch_main_window(qtbot)
    conv = next(p for p in w.panels if isinstance(p, ConvPanel))
    w.tabs.setCurrentWidget(conv)
    conv.matrices.output_view.setFocus()
    qtbot.keyClick(conv.matrices.output_view, Qt.Key.Key_Right)
    assert conv.stepper.current_index() == 0
    other = next(p for p in w.panels if p is not conv)
    w.tabs.setCurrentWidget(other)
    qtbot.keyClick(QApplication.focusWidget() or other, Qt.Key.Key_Right)
    assert conv.stepper.current_index() == 0
    assert "Step forward" in w.shortcuts_text()


def test_big_image_recomputes_off_the_gui_thread_newest_wins(panel, qtbot):
    rng = np.random.default_rng(3)
    image = rng.uniform(0, 255, (1, 300, 300))
    before = panel.output()
    panel.use_image_array(image, "noise")
    # the change returns at once: the old output stays until the worker answers
    assert panel.is_busy() and panel.output() is before
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=20000)
    np.testing.assert_allclose(panel.output(), convolve(image, COURSE_K, panel.spec()))
    # several quick changes: only the last one's result is shown
    panel.parameters.stride_y.setFocus()
    for _ in range(3):
        qtbot.keyClick(panel.parameters.stride_y, Qt.Key.Key_Up)
    assert panel.spec().stride == (5, 5)
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=20000)
    np.testing.assert_allclose(panel.output(), convolve(image, COURSE_K, panel.spec()))
    assert panel.output().shape == (1, 60, 60)
    assert panel.matrices.output_view.mode() == "heat"


def test_stepper_rules(qtbot):
    from visualizer.ui.conv.stepper import Stepper

    s = Stepper()
    seen: list[tuple[bool, int]] = []
    s.changed.connect(lambda stepping, pos: seen.append((stepping, pos)))
    s.step_forward()
    assert s.current_index() is None  # nothing to step through yet
    s.set_total(6)
    s.step_back()  # from the whole output, Back shows the last-but-one cell
    assert s.current_index() == 4
    s.to_end()
    s.step_forward()  # stays at the end
    assert s.current_index() == 5
    s.set_total(3)  # a smaller output keeps the position inside it
    assert s.current_index() == 2
    s.jump_to(7)  # outside: ignored
    assert s.current_index() == 2
    s.play()  # from the end, play starts again at the first cell
    assert s.current_index() == 0 and s.is_playing()
    s.stop_stepping()
    assert not s.is_playing() and s.current_index() is None
    assert seen[-1] == (False, 1)
    s.set_total(0)
    assert s.current_index() is None


def test_a_new_input_restarts_the_stepping_at_cell_1(panel, qtbot):
    panel.matrices.output_view.setFocus()
    for _ in range(6):
        qtbot.keyClick(panel.matrices.output_view, Qt.Key.Key_Right)
    assert panel.step_bar.position_label.text().startswith("Cell 6 of 9")
    combo = panel.input_box.source_combo
    i = combo.findText("Sample: digit-3")
    combo.setCurrentIndex(i)
    combo.activated.emit(i)
    qtbot.waitUntil(lambda: not panel.is_busy())
    assert panel.output().shape == (1, 14, 14)
    # not "Cell 6 of 196": the old position pointed at a cell of another output
    assert panel.step_bar.position_label.text().startswith("Cell 1 of 196: row 1, column 1")
    assert panel.matrices.output_view.model.current == (0, 0)
    r = panel.result()
    assert panel.explanation_text() == explain_cell(r.input, r.kernels, r.spec, 0, 0, 0).text
    # with the whole output showing, a new shape keeps it showing
    qtbot.mouseClick(panel.step_bar.all_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.parameters.course_buttons[1], Qt.MouseButton.LeftButton)
    assert panel.stepper.current_index() is None
    assert panel.step_bar.position_label.text() == "900 output cells"


def test_shutdown_returns_while_a_big_job_runs(panel, qtbot):
    panel.set_kernels(np.ones((8, 1, 11, 11)) / 121)
    panel.apply_course_setting(1, 0)
    before = panel.output()
    image = np.random.default_rng(5).uniform(0, 255, (1, 2048, 2048))
    panel.use_image_array(image, "big")  # 8×2038×2038 outputs of 11×11 kernels: seconds of work
    qtbot.waitUntil(panel.compute.is_running, timeout=10000)
    thread = panel.compute.worker_thread()
    panel.shutdown()  # returns after its bound (2 s) at most, the job cancelled between bands
    assert panel.compute.worker_thread() is None and not panel.is_busy()
    # cancelled between bands: it ends soon, and no late result replaces what is shown
    qtbot.waitUntil(lambda: not thread.isRunning(), timeout=30000)
    QApplication.processEvents()  # a result the job had queued lands now
    assert panel.output() is before


def test_first_touch_course_example_from_the_main_window(qtbot, fresh_settings):
    from visualizer.ui.shell.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    conv = next(p for p in w.panels if isinstance(p, ConvPanel))
    w.tabs.setCurrentWidget(conv)
    qtbot.mouseClick(conv.parameters.course_buttons[1], Qt.MouseButton.LeftButton)  # stride 1, padding 2
    assert conv.model.output_shape() == (1, 7, 7)
    qtbot.mouseClick(conv.input_box.course_button, Qt.MouseButton.LeftButton)
    button = next(b for b in conv.parameters.course_buttons if b.text() == "stride 2, padding 1")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert conv.model.output_shape() == (1, 3, 3)
    assert conv.output().shape == (1, 3, 3)
    assert conv.matrices.output_title.text() == "Output 3×3"
    assert "<b>Output: 3 × 3</b>" in conv.arithmetic.formula.text()
    np.testing.assert_allclose(conv.output()[0], torch_course(2, 1), atol=1e-12)


def test_hovering_an_input_cell_names_it_as_the_input_grid_does(panel, statuses):
    """The padded input's cell (2, 2) is the Input grid's row 1, column 1 (padding 1); a padding cell
    is called padding and placed in the padded input."""
    panel.matrices.input_view.hovered.emit(1, 1)
    assert statuses[-1].startswith("Input cell row 1, column 1 = 4 feeds")
    assert panel.input_box.input_editor.matrix()[0, 0] == 4
    panel.matrices.input_view.hovered.emit(0, 3)
    assert statuses[-1].startswith("Padding cell (row 1, column 4 of the padded input) = 0 feeds")
