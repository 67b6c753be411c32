"""Building and driving the GUI in tests: a tool or the main window shown and active (so the keys a
user presses reach it), the Training tab with tiny sizes, waiting for a run to end, choosing in a
combo box and drawing a stroke as a user does."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QWidget


def show_active(qtbot, widget: QWidget, size: tuple[int, int]) -> QWidget:
    """`widget` as a window of `size`, shown, exposed and active (keyboard shortcuts reach only the
    active window); qtbot closes it after the test."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


def launch_main_window(qtbot, size=(1280, 800)):
    """The app as a user starts it: a freshly built main window (use with `fresh_settings`), shown,
    exposed and active, so the first keys a user presses reach it."""
    from visualizer.ui.shell.main_window import MainWindow

    return show_active(qtbot, MainWindow(), size)


def make_panel(qtbot, tmp_path, data=None, **sizes):
    """A Training panel alone, its runs in tmp_path, training `data` (None: MNIST) with tiny
    sizes: 1 epoch of 1,000 training, 200 validation and 200 test images in batches of 64
    unless `sizes` (epochs, train, val, test, batch) say otherwise."""
    from tests.helpers.pages import TrainingPage
    from visualizer.ui.training.panel import TrainingPanel

    panel = TrainingPanel(runs_dir=tmp_path / "runs")
    qtbot.addWidget(panel)
    panel.data_override = data
    TrainingPage(panel).set_sizes(**sizes)
    return panel


def wait_done(qtbot, panel, timeout=90_000) -> None:
    """Until the Training panel's run has ended and its worker thread is joined: every signal the
    worker queued has landed by then (they come before the thread's `finished`)."""
    qtbot.waitUntil(lambda: not panel.is_running() and panel.runner.thread is None, timeout=timeout)


def open_training_tab(qtbot, tmp_path):
    """A fresh main window (use with `fresh_settings`) whose runs and MNIST folders are in
    tmp_path, on the Training tab as a user opens it (Alt+3): (window, panel)."""
    from visualizer.ui.shell.settings import save_settings

    save_settings({"runs_dir": str(tmp_path / "runs"), "mnist_dir": str(tmp_path / "mnist")})
    w = launch_main_window(qtbot)
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    panel = w.tabs.currentWidget()
    assert panel.title == "Training"
    return w, panel


def press_key(w, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed on the window `w` as the window system delivers it (to its focus widget,
    shortcuts included)."""
    from PySide6.QtTest import QTest

    QTest.keyClick(w.windowHandle(), key, modifier)


def open_network_tab(qtbot, w):
    """Click the main window `w`'s Network tab as a user does and wait for its first net's maps
    (the untrained mnist-net1 it opens with): the Network panel."""
    from visualizer.ui.network.panel import NetworkPanel

    w.show()
    bar = w.tabs.tabBar()
    index = next(i for i in range(w.tabs.count()) if w.tabs.tabText(i) == "Network")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    panel = w.tabs.currentWidget()
    assert isinstance(panel, NetworkPanel)
    qtbot.waitUntil(lambda: panel.model.acts is not None, timeout=30_000)
    return panel


def choose_in_combo(qtbot, combo, text: str) -> None:
    """Open the combo box's list with a click, walk to the item with the arrow keys and press
    Enter, as a user does (a click in a just-opened list is ignored by Qt for a double-click
    interval, which a test should not wait out)."""
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    row = combo.findText(text)
    assert row >= 0, f"{text!r} is not offered"
    qtbot.keyClick(view, Qt.Key.Key_Home)
    for _ in range(row):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Return)


def draw_stroke(qtbot, canvas, points) -> None:
    """Drag the mouse over the Network tab's drawing canvas through (row, column) points of its
    28×28 grid."""
    r = canvas.square()
    cell = r.width() / 28

    def at(p):
        return QPoint(int(r.left() + p[1] * cell), int(r.top() + p[0] * cell))

    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(points[0]))
    for p in points[1:]:
        qtbot.mouseMove(canvas, at(p))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(points[-1]))


def answer_quit_question(qtbot, window, answer: str) -> None:
    """Click `answer` ("Stop and quit", "Keep training", "Cancel") in the question the main window
    asks when it is closed while something trains."""
    from PySide6.QtCore import Qt

    qtbot.waitUntil(lambda: window.quit_guard.question is not None
                    and window.quit_guard.question.isVisible(), timeout=5_000)
    button = window.quit_guard.button(answer)
    assert button is not None, f"no {answer!r} button"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
