import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from visualizer.ui.conv.panel import ConvPanel

@pytest.fixture
def panel2(qtbot):
    p = ConvPanel()
    qtbot.addWidget(p)
    p.resize(1400, 860)
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is p)
    return p

def type_into_cell(qtbot, editor, row, col, text):
    table = editor.table
    rect = table.visualItemRect(table.item(row, col))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: table.state() == table.State.EditingState)
    line = QApplication.focusWidget()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)

def test_dbg(panel2, qtbot):
    ed = panel2.kernel_box.kernel_editor
    type_into_cell(qtbot, ed, 1, 1, "-1.5")
    print("FOCUS", QApplication.focusWidget(), ed.matrix()[1,1])
