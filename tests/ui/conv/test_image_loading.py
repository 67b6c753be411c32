"""Issue 26: the explorer decodes image files off the GUI thread. While a big picture (under the
40 M-value limit) decodes, the status says "Loading image …" and the window answers the keys; then
the picture is the input. A file that cannot be read still gives its clear message, and the input
in use stays."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.helpers.gui import launch_main_window


@pytest.fixture
def launched(qtbot, fresh_settings):
    w = launch_main_window(qtbot)
    return w, w.tabs.currentWidget()


def big_png(path, side: int = 2400):
    ramp = (np.add.outer(np.arange(side), np.arange(side)) % 256).astype(np.uint8)
    image = QImage(ramp.data, side, side, side, QImage.Format.Format_Grayscale8)
    assert image.save(str(path))
    return path


def test_a_big_picture_decodes_while_the_window_answers(launched, qtbot, tmp_path):
    w, conv = launched
    path = big_png(tmp_path / "ramp.png")
    messages = []
    conv.status_message.connect(lambda text, ms: messages.append(text))
    assert conv.load_image_file(path)
    # back at once: the picture is not in yet, the status says so, the keys still step
    assert conv.is_busy() and conv.model.source_kind == "matrix"
    assert "Loading image ramp.png…" in messages
    QTest.keyClick(w.windowHandle(), Qt.Key.Key_Right)
    QTest.keyClick(w.windowHandle(), Qt.Key.Key_Right)
    assert conv.stepper.current_index() == 1 or conv.model.source_kind == "file"
    qtbot.waitUntil(lambda: not conv.is_busy(), timeout=30_000)
    assert conv.model.source_kind == "file" and conv.model.image.shape == (1, 2400, 2400)
    assert conv.result().input.shape == (1, 2400, 2400)
    assert conv.input_box.source_combo.currentText() == "Image file…"


def test_a_file_that_cannot_be_read_says_why_and_the_input_stays(launched, qtbot, tmp_path, monkeypatch):
    w, conv = launched
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append((title, text)))
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture", encoding="utf-8")
    before = conv.output().copy()
    conv.load_image_file(bad)
    qtbot.waitUntil(lambda: shown != [] and not conv.is_busy())
    [(title, text)] = shown
    assert title == "Cannot open image" and "notes.png" in text and "Traceback" not in text
    assert conv.model.source_kind == "matrix" and conv.input_box.source_combo.currentText() == "Typed matrix"
    np.testing.assert_array_equal(conv.output(), before)
    missing = tmp_path / "gone.png"
    conv.load_image_file(missing)
    qtbot.waitUntil(lambda: len(shown) == 2)
    assert "not found" in shown[1][1]


def test_only_the_newest_request_is_used(launched, qtbot, tmp_path):
    w, conv = launched
    first = big_png(tmp_path / "first.png", 1200)
    second = big_png(tmp_path / "second.png", 300)
    conv.load_image_file(first)
    conv.load_image_file(second)
    qtbot.waitUntil(lambda: not conv.is_busy() and not conv.image_loading._running, timeout=30_000)
    assert conv.model.source_name == str(second) and conv.model.image.shape == (1, 300, 300)
