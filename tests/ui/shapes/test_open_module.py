"""Shapes → Open Python module…, as a user meets it in a fresh window: the tab asks for the input
size unless the file declares INPUT_SHAPE, the totals line then gives the module's own numbers, and
a module that never finishes building can be cancelled or is stopped by the timeout (it is built in
a child process that is ended)."""

from __future__ import annotations

import multiprocessing

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QPushButton

from tests.helpers.gui import launch_main_window
from tests.helpers.gui import choose_in_combo

MNIST_NET = '''
from torch import nn

{declare}
class MnistNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)          # 8·(1·3·3) + 8 = 80 parameters
        self.fc = nn.Linear(8 * 26 * 26, 10)    # 5,408·10 + 10 = 54,090 parameters

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))
'''
MNIST_PARAMS = 80 + 54_090
NEVER_RETURNS = '''
import pathlib
import time

INPUT_SHAPE = (1, 28, 28)

def make():
    pathlib.Path({marker!r}).write_text("building")
    while True:
        time.sleep(0.05)
'''


@pytest.fixture
def shapes(qtbot, fresh_settings):
    """The Shapes tab of a fresh window, showing ResNet-18 (input 3×224×224)."""
    w = launch_main_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    panel = w.tabs.currentWidget()
    assert panel.title == "Shapes"
    choose_in_combo(qtbot, panel.network_bar.preset_combo, "resnet18")
    qtbot.waitUntil(lambda: "11,689,512 parameters" in panel.problem_label.text())
    yield panel
    qtbot.waitUntil(lambda: not panel.module_loader.is_running(), timeout=60_000)
    w.close()


def builds_alive() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "convviz module build"]


def choose_file(qtbot, panel, monkeypatch, path):
    """Shapes ▸ Open Python module…, the file chosen in the file dialog: the question that follows."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    panel.open_module_action.trigger()
    qtbot.waitUntil(lambda: panel.module_opening.dialog is not None and panel.module_opening.dialog.isVisible())
    return panel.module_opening.dialog


def type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


def press_open(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Open), Qt.MouseButton.LeftButton)


def test_the_tab_asks_the_input_size_and_the_totals_follow_the_module(qtbot, shapes, tmp_path, monkeypatch):
    path = tmp_path / "mnist_net.py"
    path.write_text(MNIST_NET.format(declare=""))
    dialog = choose_file(qtbot, shapes, monkeypatch, path)
    # no INPUT_SHAPE in the file: the size is asked, starting from the tab's 3×224×224
    assert [s.value() for s in dialog.size_spins] == [3, 224, 224] and all(s.isEnabled() for s in dialog.size_spins)
    assert "declares no INPUT_SHAPE" in dialog.size_note.text()
    assert dialog.factory_edit.text() == "MnistNet"
    for spin, text in zip(dialog.size_spins, ("1", "28", "28")):
        type_into(qtbot, spin, text)
    with qtbot.waitSignal(shapes.module_loader.loaded, timeout=120_000):
        press_open(qtbot, dialog)
        assert "at input 1×28×28" in shapes.problem_label.text()
    totals = shapes.problem_label.lines()[0]
    assert f"{MNIST_PARAMS:,} parameters" in totals and "output 10" in totals
    assert "11,689,512" not in shapes.problem_label.text()  # not the previous network's numbers
    assert shapes.model.table.architecture.input_shape == (1, 28, 28)
    qtbot.waitUntil(lambda: not shapes.module_loader.is_running())  # its thread ends just after
    assert shapes.module_opening.progress is None and shapes.open_module_action.isEnabled()


def test_input_shape_declared_in_the_file_is_used(qtbot, shapes, tmp_path, monkeypatch):
    path = tmp_path / "declared.py"
    path.write_text(MNIST_NET.format(declare="INPUT_SHAPE = (1, 28, 28)"))
    dialog = choose_file(qtbot, shapes, monkeypatch, path)
    assert [s.value() for s in dialog.size_spins] == [1, 28, 28] and not any(s.isEnabled() for s in dialog.size_spins)
    assert "From INPUT_SHAPE = (1, 28, 28) in the file." == dialog.size_note.text()
    # no factory: the dialog says what it needs and stays
    dialog.factory_edit.clear()
    press_open(qtbot, dialog)
    assert dialog.isVisible() and "Factory: give the name" in dialog.error_label.text()
    qtbot.keyClicks(dialog.factory_edit, "MnistNet")
    with qtbot.waitSignal(shapes.module_loader.loaded, timeout=120_000):
        press_open(qtbot, dialog)
    assert f"{MNIST_PARAMS:,} parameters" in shapes.problem_label.lines()[0]


def test_a_bad_input_shape_declaration_is_one_line(qtbot, shapes, tmp_path, monkeypatch):
    path = tmp_path / "bad_shape.py"
    path.write_text(MNIST_NET.format(declare="INPUT_SHAPE = (1, 28)"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    shapes.open_module_action.trigger()
    assert shapes.module_opening.dialog is None and not shapes.module_loader.is_running()
    message = shapes.problem_label.lines()[-1]
    assert message == ("Cannot open the module: bad_shape.py, line 4: INPUT_SHAPE must be three positive "
                       "integers (C, H, W) such as (1, 28, 28), got (1, 28)")


def test_a_factory_that_never_returns_can_be_cancelled(qtbot, shapes, tmp_path):
    marker = tmp_path / "started"
    path = tmp_path / "forever.py"
    path.write_text(NEVER_RETURNS.format(marker=str(marker)))
    assert shapes.open_module(f"{path}:make")  # its INPUT_SHAPE, read from the file
    progress = shapes.module_opening.progress
    assert progress is not None and progress.isVisible() and not shapes.open_module_action.isEnabled()
    qtbot.waitUntil(marker.is_file, timeout=120_000)  # the factory runs, and never returns
    [cancel] = progress.findChildren(QPushButton)
    assert cancel.text() == "Cancel"
    with qtbot.waitSignal(shapes.module_loader.cancelled, timeout=10_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shapes.module_loader.is_running(), timeout=10_000)
    assert "cancelled" in shapes.problem_label.lines()[-1] and builds_alive() == []
    assert shapes.module_opening.progress is None and shapes.open_module_action.isEnabled()
    assert "11,689,512 parameters" in shapes.problem_label.lines()[0]  # the network shown stays


def test_a_factory_that_never_returns_is_stopped_by_the_timeout(qtbot, shapes, tmp_path):
    path = tmp_path / "forever.py"
    path.write_text(NEVER_RETURNS.format(marker=str(tmp_path / "started")))
    shapes.module_loader.timeout_s = 2
    with qtbot.waitSignal(shapes.module_loader.failed, timeout=30_000) as blocker:
        assert shapes.open_module(f"{path}:make")
    assert blocker.args[0].startswith("it did not finish within 2 s")
    qtbot.waitUntil(lambda: not shapes.module_loader.is_running(), timeout=10_000)
    assert builds_alive() == []
    assert shapes.problem_label.lines()[-1].startswith("Cannot open the module: it did not finish within 2 s")
